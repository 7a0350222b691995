/* The container's init: everything that runs in the child between clone and execve.
 * Internal to src/core (create.c prepares the context, init.c runs it). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "linux/seccomp.h"

struct spec;
struct cgroup;

enum { NS_USER, NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_COUNT };

struct init_ctx {
	const struct spec *spec;
	const char *rootfs; /* absolute */
	int sync_fd;	    /* child's end of the sync socketpair */
	int parent_fds[4]; /* the parent's fds (state lock, state root, sync end, its cwd) the child closes */
	int fifo_fd;	   /* O_PATH fd of the exec fifo */
	int console_sock;  /* connected --console-socket, or -1 */
	int ns_fd[NS_COUNT]; /* namespaces to join (by path), -1 when none */
	int ns_new;	     /* CLONE_NEW* flags of namespaces to create */
	bool two_stage;	     /* join/create namespaces in a child, fork the real init after */
	bool no_pivot, no_new_keyring;
	int preserve_fds;
	bool has_seccomp;
	struct seccomp_prog seccomp;
	const char *const *cg_mountpoints; /* for cgroup mounts without a cgroup namespace */
	const char *const *cg_paths;
};

/* Runs in the cloned child; never returns. */
__attribute__((noreturn)) void init_main(struct init_ctx *ctx);

/* CLONE_NEW* flag of an NS_* index, and back. */
int ns_flag(int idx);
