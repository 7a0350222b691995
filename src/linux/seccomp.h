/* linux.seccomp through libseccomp. The filter is compiled to BPF in the runtime (errors such
 * as an unknown syscall name are reported before anything is created) and loaded in the
 * container's init with seccomp(2) as the last step before exec. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
struct husk_error;
struct spec_seccomp;

struct seccomp_prog {
	void *filter;	    /* struct sock_filter[] */
	size_t len;	    /* number of instructions */
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool notify;	    /* the filter uses SCMP_ACT_NOTIFY: a listener fd is made */
};

int seccomp_compile(const struct spec_seccomp *s, struct seccomp_prog *out, struct husk_error *err);
/* Loads the filter into the calling thread. Returns the listener fd when notify, else 0. */
int seccomp_prog_load(const struct seccomp_prog *p, struct husk_error *err);
void seccomp_prog_free(struct seccomp_prog *p);
