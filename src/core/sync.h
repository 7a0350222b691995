/* The channel between `husk create` (the parent) and the container's init (the child):
 * a SOCK_SEQPACKET socketpair; one message per step, each a struct sync_msg. The child
 * reports its real error (SYNC_ERROR carries the husk_error) instead of dying silently, and
 * the parent's death is seen by the child as EOF. */
#pragma once
#include <sys/types.h>

#include "util/error.h"

enum sync_type {
	SYNC_GO = 1,	  /* P->C: cgroup joined, id maps written: go on */
	SYNC_USERNS,	  /* C->P: (two-stage) user namespace made, please write the maps */
	SYNC_USERNS_DONE, /* P->C: maps written */
	SYNC_PID,   /* C->P: (two-stage) sent by the final init; the parent reads its pid from the credentials
		     */
	SYNC_READY, /* C->P: set up, about to wait on the exec fifo */
	SYNC_ACK,   /* P->C: state written, wait for start */
	SYNC_ERROR, /* C->P: setup failed; err holds why */
	SYNC_SECCOMP_FD, /* C->P: the seccomp notify listener fd (SCM_RIGHTS), for linux.seccomp.listenerPath
			  */
	SYNC_SECCOMP_FD_DONE, /* P->C: the listener has it: go on */
	SYNC_RLIMITS,	      /* C->P: set up, still with our credentials: set process.rlimits on me */
	SYNC_RLIMITS_DONE,    /* P->C: done */
	SYNC_HOOKS,	      /* C->P: namespaces and mounts exist: run prestart/createRuntime hooks */
	SYNC_HOOKS_DONE,      /* P->C: done; the next packet is the state JSON for the init's hooks */
};

struct sync_msg {
	int type;
	struct husk_error err;
};

int sync_send(int fd, int type, const struct husk_error *e);
/* Sends a message with fd attached (SCM_RIGHTS). */
int sync_send_fd(int fd, int type, int passfd);
/* Receives one message. Returns 0, or -1 with errno (0 on EOF). *pid receives the sender's pid
 * translated to our PID namespace when pid != NULL (needs SO_PASSCRED on fd). */
int sync_recv(int fd, struct sync_msg *m, pid_t *pid);
/* Like sync_recv; *passfd receives an fd sent with the message (-1 when none). */
int sync_recv_fd(int fd, struct sync_msg *m, pid_t *pid, int *passfd);
/* Receives and checks the type; SYNC_ERROR is turned into *err. */
int sync_expect(int fd, int type, pid_t *pid, struct husk_error *err);
