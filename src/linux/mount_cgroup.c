/* cgroup / cgroup2 entries of mounts.
 *
 * With a cgroup namespace: cgroup2 on a v2 host; on a v1 (or hybrid) host a tmpfs holding a
 * fresh mount of every hierarchy the host has. Without one: binds of the container's cgroup
 * directories (ctx->cgroup_mountpoints/paths), or of the hierarchy roots when unknown. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "linux/mount_opts.h"
#include "linux/path.h"
#include "linux/rootfs.h"
#include "linux/rootfs_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define MAX_HIERARCHIES 32

struct hierarchy {
	char name[256];	   /* directory under /sys/fs/cgroup: "memory", "cpu,cpuacct", "unified" */
	bool v2;	   /* cgroup2 (the unified hierarchy of a hybrid host) */
	char options[256]; /* what identifies a v1 hierarchy: "cpu,cpuacct", "name=systemd" */
};

/* Decodes the \ooo escapes of /proc/self/mountinfo in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
			*w++ = (char)strtol((char[]){r[1], r[2], r[3], 0}, NULL, 8);
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Keeps the options that name the hierarchy (controllers, name=): others are superblock-wide
 * settings a second mount must not (or may not) ask for. */
static void hierarchy_options(const char *super, char *out, size_t size)
{
	static const char *const skip[] = {
	    "rw", "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode", "favordynmods", "none"};
	_cleanup_free_ char *copy = strdup(super);
	char *save = NULL;
	out[0] = '\0';
	if (!copy)
		return;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool drop = strncmp(t, "release_agent=", 14) == 0;
		for (size_t i = 0; i < ARRAY_SIZE(skip) && !drop; i++)
			drop = strcmp(t, skip[i]) == 0;
		if (drop)
			continue;
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? "," : "", t);
	}
}

/* One mountinfo line: the mount point and, after " - ", fstype and super options. */
static void parse_line(char *line, struct hierarchy *h, size_t *n)
{
	char *f[6] = {0}, *save = NULL, *sep = strstr(line, " - ");
	if (!sep || *n >= MAX_HIERARCHIES)
		return;
	*sep = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save); /* id parent dev root mountpoint */
	char *fstype = strtok_r(sep + 3, " \n", &save), *source = strtok_r(NULL, " \n", &save);
	char *super = strtok_r(NULL, " \n", &save);
	if (!f[4] || !fstype || !source || !super)
		return;
	bool v2 = strcmp(fstype, "cgroup2") == 0;
	if (!v2 && strcmp(fstype, "cgroup") != 0)
		return;
	unescape(f[4]);
	if (strncmp(f[4], CGROUP_ROOT "/", sizeof CGROUP_ROOT) != 0 || strchr(f[4] + sizeof CGROUP_ROOT, '/'))
		return;
	const char *name = f[4] + sizeof CGROUP_ROOT;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(h[i].name, name) == 0)
			return;
	snprintf(h[*n].name, sizeof h[*n].name, "%s", name);
	h[*n].v2 = v2;
	hierarchy_options(super, h[*n].options, sizeof h[*n].options);
	(*n)++;
}

/* The hierarchies mounted under the host's /sys/fs/cgroup. */
static int list_hierarchies(struct hierarchy *h, size_t *n, struct husk_error *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	if (!f)
		return husk_error_set(err, errno, "open /proc/self/mountinfo");
	*n = 0;
	while (getline(&line, &cap, f) > 0)
		parse_line(line, h, n);
	return 0;
}

/* The host directory to bind for hierarchy mountpoint when there is no cgroup namespace. */
static char *bind_source(const struct rootfs_ctx *ctx, const char *mountpoint)
{
	char *p = NULL;
	for (size_t i = 0; ctx->cgroup_mountpoints && ctx->cgroup_paths && ctx->cgroup_mountpoints[i]; i++) {
		if (strcmp(ctx->cgroup_mountpoints[i], mountpoint) != 0 || !ctx->cgroup_paths[i])
			continue;
		if (asprintf(&p, "%s/%s", mountpoint, ctx->cgroup_paths[i]) < 0)
			return NULL;
		return p;
	}
	log_debug("cgroup mount: container cgroup in %s unknown, binding the hierarchy root", mountpoint);
	return strdup(mountpoint);
}

/* A hierarchy inside the tmpfs at dir (dest inside the rootfs). */
static int mount_hierarchy(const struct rootfs_ctx *ctx, int rootfd, const char *dest, int dirfd,
			   const struct hierarchy *h, const struct mount_opts *o, struct husk_error *err)
{
	_cleanup_free_ char *sub = NULL, *host = NULL, *mp = NULL;
	if (asprintf(&sub, "%s/%s", dest, h->name) < 0 || asprintf(&mp, CGROUP_ROOT "/%s", h->name) < 0)
		return husk_error_set(err, ENOMEM, "cgroup %s", h->name);
	if (mkdirat(dirfd, h->name, 0755) < 0 && errno != EEXIST)
		return husk_error_set(err, errno, "mkdir %s", sub);
	if (ctx->new_cgroupns) {
		struct mount_opts fs = *o;
		fs.data = h->v2 ? NULL : (char *)h->options;
		fs.propagation = 0;
		const char *type = h->v2 ? "cgroup2" : "cgroup";
		if (mnt_filesystem(rootfd, sub, type, type, &fs, err) == 0)
			return 0;
		if (err->err != EPERM && err->err != EBUSY)
			return husk_error_prefix(err, "%s (%s)", sub, h->options);
		log_debug("cgroup on %s: %s; binding the host's hierarchy", sub, err->msg);
	}
	host = bind_source(ctx, mp);
	if (!host)
		return husk_error_set(err, ENOMEM, "cgroup %s", h->name);
	struct mount_opts b = *o;
	b.bind = true;
	b.propagation = 0;
	if (mnt_bind_host(rootfd, sub, host, &b, err) < 0)
		return husk_error_prefix(err, "%s", sub);
	return 0;
}

/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host. */
static void comount_links(int dirfd, const char *name)
{
	if (!strchr(name, ','))
		return;
	_cleanup_free_ char *copy = strdup(name);
	char *save = NULL;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (symlinkat(name, dirfd, t) < 0 && errno != EEXIST)
			log_warn("cgroup: symlink %s -> %s: %s", t, name, strerror(errno));
}

static int mount_v1(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
		    const struct mount_opts *o, struct husk_error *err)
{
	struct hierarchy h[MAX_HIERARCHIES];
	size_t n = 0;
	char p[32];
	struct mount_opts tmpfs = {.flags = (o->flags & ~(MS_BIND | MS_REC | MS_RDONLY)), .data = "mode=755"};
	if (list_hierarchies(h, &n, err) < 0 ||
	    mnt_filesystem(rootfd, m->destination, "tmpfs", "tmpfs", &tmpfs, err) < 0)
		return -1;
	_cleanup_close_ int dir = path_open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (mount_hierarchy(ctx, rootfd, m->destination, dir, &h[i], o, err) < 0)
			return -1;
		comount_links(dir, h[i].name);
	}
	if (o->flags & MS_RDONLY) {
		unsigned long fl =
		    (o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) | MS_BIND | MS_REMOUNT | MS_RDONLY;
		if (mount(NULL, path_fd_proc(dir, p), NULL, fl, NULL) < 0)
			return husk_error_set(err, errno, "remount the tmpfs read-only");
	}
	if (o->propagation && mount(NULL, path_fd_proc(dir, p), NULL, o->propagation, NULL) < 0)
		return husk_error_set(err, errno, "set propagation");
	return 0;
}

static int mount_v2(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
		    const struct mount_opts *o, struct husk_error *err)
{
	if (ctx->new_cgroupns) {
		struct mount_opts fs = *o;
		fs.data = NULL;
		if (mnt_filesystem(rootfd, m->destination, "cgroup2", "cgroup2", &fs, err) == 0)
			return 0;
		if (err->err != EPERM && err->err != EBUSY)
			return -1;
		log_debug("cgroup2 on %s: %s; binding the host's cgroup", m->destination, err->msg);
		husk_error_clear(err);
	}
	_cleanup_free_ char *host = bind_source(ctx, CGROUP_ROOT);
	if (!host)
		return husk_error_set(err, ENOMEM, "cgroup2");
	struct mount_opts b = *o;
	b.bind = true;
	return mnt_bind_host(rootfd, m->destination, host, &b, err);
}

int rootfs_mount_cgroup(const struct rootfs_ctx *ctx, int rootfd, const struct spec_mount *m,
			const struct mount_opts *o, struct husk_error *err)
{
	struct statfs sfs;
	if (statfs(CGROUP_ROOT, &sfs) < 0)
		return husk_error_set(err, errno, "statfs " CGROUP_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC)
		return mount_v2(ctx, rootfd, m, o, err);
	return mount_v1(ctx, rootfd, m, o, err);
}
