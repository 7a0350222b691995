/* The container's root filesystem, steps 1-2 and 5-6 (see rootfs.h); step 3 is in mounts.c and
 * mount_cgroup.c, step 4 in devices.c. */
#include "linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/mount_opts.h"
#include "linux/path.h"
#include "linux/rootfs_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

/* The propagation "/" gets first. Shared would make our mounts reach the host, and an
 * unbindable "/" can't be bound: both are applied to the new root at the end instead. */
static unsigned long first_propagation(const struct spec *s)
{
	unsigned long p = s->rootfs_propagation_flags;
	if (!p || (p & (MS_SHARED | MS_UNBINDABLE)))
		return MS_SLAVE | MS_REC;
	return p;
}

/* pivot_root needs the mount holding the rootfs' parent not to be shared: the first mount
 * point found walking up from the parent is made private. */
static int parent_mount_private(const char *rootfs, struct husk_error *err)
{
	_cleanup_free_ char *dir = strdup(rootfs);
	if (!dir)
		return husk_error_set(err, ENOMEM, "root.path");
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		slash[slash == dir] = '\0';
		if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) == 0)
			return 0;
		if (errno != EINVAL)
			return husk_error_set(err, errno, "root.path: make the mount of %s private", dir);
		if (strcmp(dir, "/") == 0)
			return 0;
	}
}

static int real_rootfs(const struct rootfs_ctx *ctx, char buf[PATH_MAX], struct husk_error *err)
{
	if (!realpath(ctx->rootfs, buf))
		return husk_error_set(err, errno, "root.path: %s", ctx->rootfs);
	return 0;
}

static int prepare(const struct rootfs_ctx *ctx, struct husk_error *err)
{
	char rootfs[PATH_MAX];
	unsigned long prop = first_propagation(ctx->spec);
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return husk_error_set(err, errno, "rootfsPropagation: set the propagation of /");
	if (real_rootfs(ctx, rootfs, err) < 0 || parent_mount_private(rootfs, err) < 0)
		return -1;
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return husk_error_set(err, errno, "root.path: bind %s onto itself", rootfs);
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return husk_error_set(err, errno, "root.path: open %s", rootfs);
	if (rootfs_mount_all(ctx, rootfd, err) < 0 || rootfs_setup_dev(ctx, rootfd, err) < 0)
		return -1;
	return 0;
}

int rootfs_prepare(const struct rootfs_ctx *ctx, struct husk_error *err)
{
	struct husk_error local;
	return prepare(ctx, err ? err : &local);
}

/* pivot_root(".", ".") stacks the old root on the new one; it is then detached (as slave, so
 * that the unmount doesn't reach the host). */
static int do_pivot(const char *rootfs, struct husk_error *err)
{
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return husk_error_set(err, errno, "pivot_root: open /");
	_cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return husk_error_set(err, errno, "pivot_root: open %s", rootfs);
	if (fchdir(newroot) < 0)
		return husk_error_set(err, errno, "pivot_root: chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return husk_error_set(err, errno, "pivot_root %s", rootfs);
	if (fchdir(oldroot) < 0)
		return husk_error_set(err, errno, "pivot_root: chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return husk_error_set(err, errno, "pivot_root: make the old root slave");
	if (umount2(".", MNT_DETACH) < 0)
		return husk_error_set(err, errno, "pivot_root: detach the old root");
	if (chdir("/") < 0)
		return husk_error_set(err, errno, "chdir /");
	return 0;
}

/* --no-pivot: the rootfs is moved over "/" and chrooted into. */
static int do_chroot(const char *rootfs, struct husk_error *err)
{
	if (chdir(rootfs) < 0)
		return husk_error_set(err, errno, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return husk_error_set(err, errno, "move %s onto /", rootfs);
	if (chroot(".") < 0)
		return husk_error_set(err, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return husk_error_set(err, errno, "chdir /");
	return 0;
}

/* The container's /dev/null, checked to really be the null device: a rootfs could make it a
 * symlink to, or a bind of, something else (CVE-2025-31133). */
static int open_dev_null(int root, struct husk_error *err)
{
	struct stat sb;
	_cleanup_close_ int fd = path_open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0)
		return husk_error_set(err, errno, "stat /dev/null");
	if (!S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3))
		return husk_error_set(err, 0, "/dev/null is not the null device (char 1:3)");
	return TAKE_FD(fd);
}

/* fsopen("tmpfs") + fsmount(read-only, nosuid, nodev, noexec) + move_mount onto fd. */
static int mount_tmpfs_ro_at(int fd)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	_cleanup_close_ int mnt =
	    (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -1;
	return (int)syscall(SYS_move_mount, mnt, "", fd, "",
			    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int mask_path(int root, int *devnull, const char *path, struct husk_error *err)
{
	char p[32];
	struct stat sb;
	_cleanup_close_ int fd = path_open_in_root(root, path, O_PATH, err);
	if (fd < 0 && err->err == ENOENT) {
		husk_error_clear(err); /* missing: nothing to do */
		return 0;
	}
	if (fd < 0 || fstat(fd, &sb) < 0)
		return -1;
	if (S_ISDIR(sb.st_mode)) {
		/* by fd with the new mount API: after pivot_root, /proc/self/fd/N would go through
		 * the container's /proc, which the image may not have or may have planted */
		if (mount_tmpfs_ro_at(fd) == 0)
			return 0;
		if (errno != ENOSYS && errno != EPERM)
			return husk_error_set(err, errno, "mount a read-only tmpfs");
		unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
		if (mount("tmpfs", path_fd_proc(fd, p), "tmpfs", fl, NULL) < 0)
			return husk_error_set(err, errno, "mount a read-only tmpfs");
		return 0;
	}
	if (*devnull < 0 && (*devnull = open_dev_null(root, err)) < 0)
		return -1;
	return mnt_bind_plain(*devnull, fd, err);
}

static int readonly_path(int root, const char *path, struct husk_error *err)
{
	struct mount_opts o = {.flags = MS_RDONLY | MS_BIND | MS_REC, .bind = true, .rbind = true};
	_cleanup_close_ int fd = path_open_in_root(root, path, O_PATH, err);
	if (fd < 0 && err->err == ENOENT) {
		husk_error_clear(err); /* missing: nothing to do */
		return 0;
	}
	if (fd < 0)
		return -1;
	/* read-only all the way down when the kernel can, else like runc: the top mount */
	if (mnt_have_mount_api())
		o.rec_attr_set = MOUNT_ATTR_RDONLY;
	return mnt_bind(fd, root, path, fd, &o, err);
}

/* A remount must keep the flags the mount has: in a user namespace they may be locked. */
static int readonly_root(int root, struct husk_error *err)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(root, "", AT_EMPTY_PATH, &a, sizeof a) == 0)
		return 0;
	if (errno != ENOSYS)
		return husk_error_set(err, errno, "root.readonly: mount_setattr /");
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY | mnt_current_flags(root);
	if (mount(NULL, "/", NULL, fl, NULL) < 0)
		return husk_error_set(err, errno, "root.readonly: remount / read-only");
	return 0;
}

static int finish(const struct rootfs_ctx *ctx, struct husk_error *err)
{
	const struct spec *s = ctx->spec;
	char rootfs[PATH_MAX];
	if (real_rootfs(ctx, rootfs, err) < 0)
		return -1;
	if ((ctx->no_pivot ? do_chroot(rootfs, err) : do_pivot(rootfs, err)) < 0)
		return -1;
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int devnull = -1;
	if (root < 0)
		return husk_error_set(err, errno, "open /");
	for (size_t i = 0; i < s->n_masked_paths; i++)
		if (mask_path(root, &devnull, s->masked_paths[i], err) < 0)
			return husk_error_prefix(err, "maskedPaths: %s", s->masked_paths[i]);
	for (size_t i = 0; i < s->n_readonly_paths; i++)
		if (readonly_path(root, s->readonly_paths[i], err) < 0)
			return husk_error_prefix(err, "readonlyPaths: %s", s->readonly_paths[i]);
	if (s->root.readonly && readonly_root(root, err) < 0)
		return -1;
	if (s->rootfs_propagation_flags && mount(NULL, "/", NULL, s->rootfs_propagation_flags, NULL) < 0)
		return husk_error_set(err, errno, "rootfsPropagation: %s on /",
				      s->rootfs_propagation ? s->rootfs_propagation : "set");
	return 0;
}

int rootfs_finish(const struct rootfs_ctx *ctx, struct husk_error *err)
{
	struct husk_error local;
	return finish(ctx, err ? err : &local);
}
