/* Private interfaces between rootfs.c, mounts.c, mount_cgroup.c and devices.c. */
#pragma once
#include <stdbool.h>

struct husk_error;
struct mount_opts;
struct rootfs_ctx;
struct spec_mount;

/* mounts.c */

/* Step 3: the spec's mounts, in order. */
int rootfs_mount_all(const struct rootfs_ctx *ctx, int rootfd, struct husk_error *err);

/* Attaches a copy of the mount at srcfd (the whole tree with o->rbind) onto dstfd and applies
 * o's flags (top mount) and recursive attributes. Prefers open_tree/mount_setattr/move_mount;
 * falls back to mount(MS_BIND) and a remount, for which it re-resolves dest inside rootfd.
 * Flags the source mount has and o doesn't clear are kept (they may be locked). */
int mnt_bind(int srcfd, int rootfd, const char *dest, int dstfd, const struct mount_opts *o,
	     struct husk_error *err);
/* A plain bind of srcfd onto dstfd (device nodes, /dev/console, masked files). */
int mnt_bind_plain(int srcfd, int dstfd, struct husk_error *err);
/* Binds the host's path onto dest (created inside rootfd) with o, then o's propagation. */
int mnt_bind_host(int rootfd, const char *dest, const char *host_path, const struct mount_opts *o,
		  struct husk_error *err);
/* mount(2) of a filesystem onto dest inside rootfd, then o's recursive attributes and propagation. */
int mnt_filesystem(int rootfd, const char *dest, const char *source, const char *type,
		   const struct mount_opts *o, struct husk_error *err);
/* MS_* flags of the mount holding fd, as statvfs(3) reports them. */
unsigned long mnt_current_flags(int fd);
/* open_tree(2) and mount_setattr(2) work (Linux 5.12). */
bool mnt_have_mount_api(void);

/* mount_cgroup.c: a cgroup or cgroup2 entry of mounts. */
int rootfs_mount_cgroup(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
			const struct mount_opts *o, struct husk_error *err);

/* devices.c, step 4: /dev. */
int rootfs_setup_dev(const struct rootfs_ctx *ctx, int rootfd, struct husk_error *err);
