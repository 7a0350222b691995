/* Step 4 of the rootfs: /dev (default devices, symlinks, linux.devices, /dev/console). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/path.h"
#include "linux/rootfs.h"
#include "linux/rootfs_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

struct dev_node {
	const char *path;
	mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
	unsigned int major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static const struct dev_node default_devices[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0},	 {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0},	 {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
    {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
};

static const struct {
	const char *name, *target;
} dev_symlinks[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* path with repeated and trailing slashes removed, into buf */
static const char *normalize(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	for (const char *p = path; *p && n + 1 < size; p++)
		if (*p != '/' || (p[1] != '/' && p[1] != '\0'))
			buf[n++] = *p;
	buf[n] = '\0';
	return buf;
}

/* "/dev//x/" and "/dev/x" name the same device. */
static bool same_path(const char *a, const char *b)
{
	char x[4096], y[4096];
	return strcmp(normalize(a, x, sizeof x), normalize(b, y, sizeof y)) == 0;
}

static bool spec_has_device(const struct spec *s, const char *path)
{
	for (size_t i = 0; i < s->n_devices; i++)
		if (same_path(s->devices[i].path, path))
			return true;
	return false;
}

/* /dev is set up unless the host's /dev is bound onto it. */
static bool needs_setup_dev(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (!same_path(m->destination, "/dev"))
			continue;
		bool bind = m->type && strcmp(m->type, "bind") == 0;
		for (size_t j = 0; m->options && m->options[j] && !bind; j++)
			bind = strcmp(m->options[j], "bind") == 0 || strcmp(m->options[j], "rbind") == 0;
		if (bind)
			return false;
	}
	return true;
}

static bool has_devpts(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].type && strcmp(s->mounts[i].type, "devpts") == 0 &&
		    same_path(s->mounts[i].destination, "/dev/pts"))
			return true;
	return false;
}

/* An empty file at d->path with the host's node of the same path bound onto it. */
static int bind_device(int rootfd, const struct dev_node *d, struct husk_error *err)
{
	_cleanup_close_ int src = open(d->path, O_PATH | O_CLOEXEC);
	if (src < 0)
		return husk_error_set(err, errno, "open the host's %s", d->path);
	_cleanup_close_ int dst = path_create_in_root(rootfd, d->path, true, err);
	if (dst < 0)
		return -1;
	return mnt_bind_plain(src, dst, err);
}

static int create_device(const struct rootfs_ctx *ctx, int rootfd, const struct dev_node *d,
			 struct husk_error *err)
{
	const char *slash = strrchr(d->path, '/');
	if (!slash || !slash[1])
		return husk_error_set(err, EINVAL, "device path %s", d->path);
	_cleanup_free_ char *dir = strndup(d->path, slash - d->path + 1);
	const char *name = slash + 1;
	if (!dir)
		return husk_error_set(err, ENOMEM, "%s", d->path);
	_cleanup_close_ int dirfd = path_create_in_root(rootfd, dir, false, err);
	if (dirfd < 0)
		return -1;
	bool fifo = d->type == S_IFIFO;
	if (ctx->in_userns && !fifo)
		return bind_device(rootfd, d, err);
	if (mknodat(dirfd, name, d->type | d->mode, fifo ? 0 : makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return 0;
		if (errno == EPERM && !fifo)
			return bind_device(rootfd, d, err);
		return husk_error_set(err, errno, "mknod %s", d->path);
	}
	if (fchmodat(dirfd, name, d->mode, 0) < 0)
		return husk_error_set(err, errno, "chmod %s", d->path);
	if (fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return husk_error_set(err, errno, "chown %s", d->path);
	return 0;
}

static int spec_device_node(const struct spec_device *sd, struct dev_node *d, struct husk_error *err)
{
	switch (sd->type) {
	case 'c':
	case 'u':
		d->type = S_IFCHR;
		break;
	case 'b':
		d->type = S_IFBLK;
		break;
	case 'p':
		d->type = S_IFIFO;
		break;
	default:
		return husk_error_set(err, 0, "type '%c' unknown", sd->type);
	}
	d->path = sd->path;
	d->major = (unsigned int)sd->major;
	d->minor = (unsigned int)sd->minor;
	d->mode = sd->has_file_mode ? (sd->file_mode & 07777) : 0666;
	d->uid = sd->has_uid ? sd->uid : 0;
	d->gid = sd->has_gid ? sd->gid : 0;
	return 0;
}

static int create_links(int rootfd, bool devpts, struct husk_error *err)
{
	_cleanup_close_ int dev = path_create_in_root(rootfd, "/dev", false, err);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dev_symlinks); i++)
		if (symlinkat(dev_symlinks[i].target, dev, dev_symlinks[i].name) < 0 && errno != EEXIST)
			return husk_error_set(err, errno, "symlink /dev/%s", dev_symlinks[i].name);
	if (!devpts)
		return 0;
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return husk_error_set(err, errno, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return husk_error_set(err, errno, "symlink /dev/ptmx");
	return 0;
}

static int setup_console(const struct rootfs_ctx *ctx, int rootfd, struct husk_error *err)
{
	_cleanup_close_ int dst = path_create_in_root(rootfd, "/dev/console", true, err);
	if (dst < 0 || mnt_bind_plain(ctx->console_fd, dst, err) < 0)
		return husk_error_prefix(err, "/dev/console");
	return 0;
}

int rootfs_setup_dev(const struct rootfs_ctx *ctx, int rootfd, struct husk_error *err)
{
	const struct spec *s = ctx->spec;
	if (needs_setup_dev(s)) {
		for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
			const struct dev_node *d = &default_devices[i];
			if (!spec_has_device(s, d->path) && create_device(ctx, rootfd, d, err) < 0)
				return husk_error_prefix(err, "default device %s", d->path);
		}
		if (create_links(rootfd, has_devpts(s), err) < 0)
			return husk_error_prefix(err, "/dev");
		for (size_t i = 0; i < s->n_devices; i++) {
			struct dev_node d;
			if (spec_device_node(&s->devices[i], &d, err) < 0 ||
			    create_device(ctx, rootfd, &d, err) < 0)
				return husk_error_prefix(err, "linux.devices[%zu] (%s)", i,
							 s->devices[i].path);
		}
	} else {
		log_debug("/dev is a bind mount: default devices and linux.devices not created");
	}
	if (ctx->console_fd >= 0 && setup_console(ctx, rootfd, err) < 0)
		return -1;
	return 0;
}
