/* Step 3 of the rootfs: the spec's mounts, each destination resolved by fd inside the rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "linux/mount_opts.h"
#include "linux/path.h"
#include "linux/rootfs.h"
#include "linux/rootfs_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* per-mount flags a bind remount can change */
#define REMOUNT_FLAGS \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_NOSYMFOLLOW | ATIME_FLAGS)

static const struct mount_opts no_opts = {.bind = true};

bool mnt_have_mount_api(void)
{
	static int state = -1;
	if (state < 0) {
		/* an invalid call: EINVAL when the syscall exists (EPERM: refused by a seccomp filter) */
		state = !(mount_setattr(-1, "", 0, NULL, 0) < 0 && (errno == ENOSYS || errno == EPERM));
	}
	return state == 1;
}

unsigned long mnt_current_flags(int fd)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
	    {ST_RDONLY, MS_RDONLY},	{ST_NOSUID, MS_NOSUID},		  {ST_NODEV, MS_NODEV},
	    {ST_NOEXEC, MS_NOEXEC},	{ST_NOATIME, MS_NOATIME},	  {ST_NODIRATIME, MS_NODIRATIME},
	    {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
	};
	struct statvfs sv;
	unsigned long ms = 0;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i].st)
			ms |= map[i].ms;
	return ms;
}

static uint64_t ms_to_attr(unsigned long ms)
{
	uint64_t a = 0;
	a |= ms & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0;
	a |= ms & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0;
	a |= ms & MS_NODEV ? MOUNT_ATTR_NODEV : 0;
	a |= ms & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0;
	a |= ms & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0;
	a |= ms & MS_NOSYMFOLLOW ? MOUNT_ATTR_NOSYMFOLLOW : 0;
	return a;
}

static uint64_t ms_atime_attr(unsigned long ms)
{
	if (ms & MS_NOATIME)
		return MOUNT_ATTR_NOATIME;
	if (ms & MS_STRICTATIME)
		return MOUNT_ATTR_STRICTATIME;
	return MOUNT_ATTR_RELATIME;
}

/* mount_setattr on the top mount of tree; on EPERM (flags locked in a user namespace) retries
 * keeping what the mount already has. */
static int setattr_top(int tree, const struct mount_opts *o)
{
	struct mount_attr a = {
	    .attr_set = ms_to_attr(o->flags),
	    .attr_clr = ms_to_attr(o->clear_flags),
	};
	if (o->has_atime) {
		a.attr_set |= ms_atime_attr(o->flags);
		a.attr_clr |= MOUNT_ATTR__ATIME;
	}
	if (!a.attr_set && !a.attr_clr)
		return 0;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	uint64_t cur = ms_to_attr(mnt_current_flags(tree));
	a.attr_clr &= ~cur;
	if (o->has_atime) {
		a.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		a.attr_clr &= ~(uint64_t)MOUNT_ATTR__ATIME;
	}
	log_debug("mount_setattr: EPERM, retrying with the locked flags of the source kept");
	return mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a);
}

/* open_tree + mount_setattr + move_mount. *nosys is set when the kernel lacks them. */
static int bind_new_api(int srcfd, int dstfd, const struct mount_opts *o, bool *nosys, struct husk_error *err)
{
	unsigned int flags =
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (o->rbind ? AT_RECURSIVE : 0);
	_cleanup_close_ int tree = open_tree(srcfd, "", flags);
	if (tree < 0) {
		*nosys = errno == ENOSYS;
		return husk_error_set(err, errno, "open_tree");
	}
	if (setattr_top(tree, o) < 0) {
		*nosys = errno == ENOSYS;
		return husk_error_set(err, errno, "mount_setattr");
	}
	if (o->rec_attr_set || o->rec_attr_clr) {
		struct mount_attr a = {.attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr};
		if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
			return husk_error_set(err, errno, "mount_setattr (recursive options)");
	}
	if (move_mount(tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return husk_error_set(err, errno, "move_mount");
	return 0;
}

/* mount(MS_BIND) through /proc/self/fd, then a bind remount for the flags. */
static int bind_classic(int srcfd, int rootfd, const char *dest, int dstfd, const struct mount_opts *o,
			struct husk_error *err)
{
	char s[32], d[32];
	if (o->rec_attr_set || o->rec_attr_clr)
		return husk_error_set(err, 0,
				      "recursive mount options (rro, rnosuid, ...) need mount_setattr(2), "
				      "Linux 5.12 or later");
	unsigned long rec = o->rbind ? MS_REC : 0;
	if (mount(path_fd_proc(srcfd, s), path_fd_proc(dstfd, d), NULL, MS_BIND | rec, NULL) < 0)
		return husk_error_set(err, errno, "bind mount");
	if (!(o->flags & REMOUNT_FLAGS) && !(o->clear_flags & REMOUNT_FLAGS) && !o->has_atime)
		return 0;
	_cleanup_close_ int fd = path_open_in_root(rootfd, dest, O_PATH, err);
	if (fd < 0)
		return -1;
	unsigned long cur = mnt_current_flags(fd);
	unsigned long keep = cur & ~o->clear_flags & ~(o->has_atime ? ATIME_FLAGS : 0);
	unsigned long flags = ((o->flags | keep) & REMOUNT_FLAGS) | MS_BIND | MS_REMOUNT;
	if (mount(NULL, path_fd_proc(fd, d), NULL, flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return husk_error_set(err, errno, "remount");
	/* flags locked in a user namespace: keep all the mount has */
	log_debug("bind remount: EPERM, retrying with the flags of the source kept");
	flags = ((o->flags & ~ATIME_FLAGS) | cur) & REMOUNT_FLAGS;
	if (mount(NULL, d, NULL, flags | MS_BIND | MS_REMOUNT, NULL) < 0)
		return husk_error_set(err, errno, "remount");
	return 0;
}

int mnt_bind(int srcfd, int rootfd, const char *dest, int dstfd, const struct mount_opts *o,
	     struct husk_error *err)
{
	if (mnt_have_mount_api()) {
		bool nosys = false;
		if (bind_new_api(srcfd, dstfd, o, &nosys, err) == 0)
			return 0;
		if (!nosys)
			return -1;
	}
	return bind_classic(srcfd, rootfd, dest, dstfd, o, err);
}

int mnt_bind_plain(int srcfd, int dstfd, struct husk_error *err)
{
	return mnt_bind(srcfd, -1, NULL, dstfd, &no_opts, err);
}

/* Propagation and recursive attributes of the mount now on dest. */
static int mnt_post(int rootfd, const char *dest, unsigned long propagation, uint64_t rec_set,
		    uint64_t rec_clr, struct husk_error *err)
{
	if (!propagation && !rec_set && !rec_clr)
		return 0;
	char p[32];
	_cleanup_close_ int fd = path_open_in_root(rootfd, dest, O_PATH, err);
	if (fd < 0)
		return -1;
	if (rec_set || rec_clr) {
		struct mount_attr a = {.attr_set = rec_set, .attr_clr = rec_clr};
		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
			return husk_error_set(err, errno, "mount_setattr (recursive options)");
	}
	if (propagation && mount(NULL, path_fd_proc(fd, p), NULL, propagation, NULL) < 0)
		return husk_error_set(err, errno, "set propagation");
	return 0;
}

int mnt_bind_host(int rootfd, const char *dest, const char *host_path, const struct mount_opts *o,
		  struct husk_error *err)
{
	struct stat sb;
	_cleanup_close_ int src = open(host_path, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &sb) < 0)
		return husk_error_set(err, errno, "open source %s", host_path);
	_cleanup_close_ int dst = path_create_in_root(rootfd, dest, !S_ISDIR(sb.st_mode), err);
	if (dst < 0)
		return -1;
	if (mnt_bind(src, rootfd, dest, dst, o, err) < 0)
		return -1;
	return mnt_post(rootfd, dest, o->propagation, 0, 0, err);
}

int mnt_filesystem(int rootfd, const char *dest, const char *source, const char *type,
		   const struct mount_opts *o, struct husk_error *err)
{
	char p[32];
	_cleanup_close_ int dst = path_create_in_root(rootfd, dest, false, err);
	if (dst < 0)
		return -1;
	unsigned long flags = o->flags & ~(MS_BIND | MS_REC);
	if (mount(source ? source : type, path_fd_proc(dst, p), type, flags, o->data) < 0) {
		if (o->data)
			return husk_error_set(err, errno, "mount -o %s", o->data);
		return husk_error_set(err, errno, "mount");
	}
	return mnt_post(rootfd, dest, o->propagation, o->rec_attr_set, o->rec_attr_clr, err);
}

/* sysfs can't be mounted in a user namespace that doesn't own the network namespace: the
 * host's /sys is bound instead, the entry's flags applied to the whole tree. */
static int mount_sysfs(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
		       const struct mount_opts *o, struct husk_error *err)
{
	if (mnt_filesystem(rootfd, m->destination, m->source, m->type, o, err) == 0)
		return 0;
	if (err->err != EPERM)
		return -1;
	log_debug("sysfs on %s: %s; binding the host's /sys instead", m->destination, err->msg);
	struct mount_opts b = *o;
	b.bind = b.rbind = true;
	if (mnt_have_mount_api()) { /* else the top mount only, as runc */
		b.rec_attr_set |= ms_to_attr(o->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
		b.rec_attr_clr &= ~b.rec_attr_set;
	}
	husk_error_clear(err);
	return mnt_bind_host(rootfd, m->destination, "/sys", &b, err);
}

/* mqueue needs an IPC namespace of the user namespace: else the host's /dev/mqueue is bound. */
static int mount_mqueue(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
			const struct mount_opts *o, struct husk_error *err)
{
	if (mnt_filesystem(rootfd, m->destination, m->source, m->type, o, err) == 0)
		return 0;
	if (!ctx->in_userns || (err->err != EPERM && err->err != EACCES) || access("/dev/mqueue", F_OK) < 0)
		return -1;
	log_debug("mqueue on %s: %s; binding the host's /dev/mqueue instead", m->destination, err->msg);
	struct mount_opts b = *o;
	b.bind = true;
	husk_error_clear(err);
	return mnt_bind_host(rootfd, m->destination, "/dev/mqueue", &b, err);
}

static int mount_one(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
		     const struct mount_opts *o, struct husk_error *err)
{
	const char *type = m->type;
	if (o->bind || (type && strcmp(type, "bind") == 0)) {
		if (!m->source)
			return husk_error_set(err, 0, "a bind mount needs a source");
		return mnt_bind_host(rootfd, m->destination, m->source, o, err);
	}
	if (!type)
		return husk_error_set(err, 0, "type missing (and no bind option)");
	if (strcmp(type, "sysfs") == 0)
		return mount_sysfs(ctx, rootfd, m, o, err);
	if (strcmp(type, "mqueue") == 0)
		return mount_mqueue(ctx, rootfd, m, o, err);
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)
		return rootfs_mount_cgroup(ctx, rootfd, m, o, err);
	return mnt_filesystem(rootfd, m->destination, m->source, type, o, err);
}

int rootfs_mount_all(const struct rootfs_ctx *ctx, int rootfd, struct husk_error *err)
{
	const struct spec *s = ctx->spec;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		_cleanup_(mount_opts_free) struct mount_opts o = {0};
		const char *what = m->type ? m->type : "bind";
		if (m->n_uid_mappings || m->n_gid_mappings)
			return husk_error_set(err, 0,
					      "mounts[%zu] (%s on %s): idmapped mounts (uidMappings, "
					      "gidMappings) are not supported yet",
					      i, what, m->destination);
		if (mount_opts_parse(m->options, &o, err) < 0 || mount_one(ctx, rootfd, m, &o, err) < 0)
			return husk_error_prefix(err, "mounts[%zu] (%s on %s)", i, what, m->destination);
	}
	return 0;
}
