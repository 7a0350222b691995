/* The container's root filesystem: runs in the container's init, in its new mount namespace,
 * before the user switch. Linear, bubblewrap-style:
 *   1. make "/" recursively slave/private (rootfsPropagation, default rslave), so nothing we
 *      mount propagates to the host;
 *   2. bind-mount the rootfs onto itself (a mount point for pivot_root), make its parent private;
 *   3. the spec's mounts in order, each destination resolved by fd inside the rootfs
 *      (path_create_in_root) and mounted onto that fd: proc, sysfs (rbind fallback in a user
 *      namespace), tmpfs, devpts, mqueue, cgroup/cgroup2, bind/rbind with all options;
 *   4. /dev: default devices (mknod, or bind from the host inside a user namespace), the
 *      /dev/fd, stdin, stdout, stderr and ptmx symlinks, linux.devices, /dev/console when
 *      a terminal is used;
 *   5. pivot_root (chroot with no_pivot), the old root detached;
 *   6. maskedPaths, readonlyPaths, root.readonly, rootfsPropagation on "/". */
#pragma once
#include <stdbool.h>

struct husk_error;
struct spec;

struct rootfs_ctx {
	const struct spec *spec;
	const char *rootfs; /* absolute host path of the rootfs directory */
	bool no_pivot;	    /* --no-pivot: chroot instead of pivot_root */
	bool in_userns;	    /* the container has its own user namespace */
	bool new_cgroupns;  /* the container has its own cgroup namespace */
	/* The container's cgroup, for the cgroup mounts when there is no cgroup namespace:
	 * NULL-terminated arrays of (hierarchy mount point on the host, e.g. "/sys/fs/cgroup/memory",
	 * container cgroup path in it, e.g. "/husk/ID"). May be NULL. */
	const char *const *cgroup_mountpoints;
	const char *const *cgroup_paths;
	int console_fd; /* >= 0: pty slave to bind onto /dev/console */
};

/* Steps 1-4: everything that happens while the host's root is still visible. */
int rootfs_prepare(const struct rootfs_ctx *ctx, struct husk_error *err);
/* Step 5 and 6: switch root and finish (masked/readonly paths, readonly root). */
int rootfs_finish(const struct rootfs_ctx *ctx, struct husk_error *err);
