/* OCI mount options ("ro", "nosuid", "rbind", "rprivate", "rro", "mode=755", ...) parsed into
 * mount(2) flags, mount_setattr(2) attributes and the data string. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct husk_error;

struct mount_opts {
	unsigned long flags;	   /* MS_* to set with mount(2) (MS_RDONLY, MS_NOSUID, ...) */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", "dev", "exec", ...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), 0 = none */
	uint64_t rec_attr_set;	   /* MOUNT_ATTR_* from recursive "r*" options (rro, rnosuid, ...) */
	uint64_t rec_attr_clr;
	bool bind;	/* "bind" or "rbind" */
	bool rbind;	/* "rbind" */
	bool has_atime; /* an atime option was given (relatime, noatime, strictatime, ...) */
	char *data; /* filesystem-specific options, comma-separated ("mode=755,size=65536k"); may be NULL */
};

/* Parses a NULL-terminated option list. Unknown words are passed through as data for
 * filesystem mounts (as runc does); an option that can't be honoured is an error naming it. */
int mount_opts_parse(char *const *options, struct mount_opts *out, struct husk_error *err);
void mount_opts_free(struct mount_opts *o);
