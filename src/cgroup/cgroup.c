#include "cgroup/cgroup.h"

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

enum cgroup_mode cgroup_host_mode(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return CGROUP_NONE;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_V2;
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_HYBRID;
	return CGROUP_V1;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_V1:
		return "v1";
	case CGROUP_HYBRID:
		return "hybrid";
	case CGROUP_V2:
		return "v2";
	default:
		return "none";
	}
}

/* One line of /proc/self/cgroup: "4:memory:/a/b" or "0::/a". */
struct own_cg {
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd", "" for v2 */
	char *path;
};

static void own_free(struct own_cg *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].controllers);
		free(o[i].path);
	}
	free(o);
}

static int read_own(struct own_cg **out, size_t *n, struct husk_error *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return husk_error_set(err, errno, "open /proc/self/cgroup");
	char line[4096];
	struct own_cg *v = NULL;
	size_t k = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		struct own_cg *nv = realloc(v, (k + 1) * sizeof *v);
		if (!nv) {
			own_free(v, k);
			return husk_error_set(err, ENOMEM, "read /proc/self/cgroup");
		}
		v = nv;
		v[k].controllers = strdup(c1 + 1);
		v[k].path = strdup(c2 + 1);
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Is word w one of the comma-separated words of list? */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && !strncmp(p, w, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Finds the /proc/self/cgroup entry that matches a v1 mount's super options. */
static const struct own_cg *match_v1(const struct own_cg *own, size_t n, const char *opts)
{
	for (size_t i = 0; i < n; i++) {
		if (!own[i].controllers[0])
			continue;
		/* every controller of the line must be among the mount's options */
		bool all = true;
		char buf[256];
		snprintf(buf, sizeof buf, "%s", own[i].controllers);
		for (char *s = NULL, *w = strtok_r(buf, ",", &s); w; w = strtok_r(NULL, ",", &s))
			if (!has_word(opts, w))
				all = false;
		if (all)
			return &own[i];
	}
	return NULL;
}

static int add_dir(struct cgroup *cg, const char *mp, const char *path, const char *opts, bool v2)
{
	struct cgroup_dir *nd = realloc(cg->dirs, (cg->n_dirs + 1) * sizeof *nd);
	if (!nd)
		return -1;
	cg->dirs = nd;
	nd[cg->n_dirs] = (struct cgroup_dir){strdup(mp), strdup(path), opts ? strdup(opts) : NULL, v2};
	cg->n_dirs++;
	return 0;
}

/* Joins base (own cgroup relative to the mount root) and the container's path. */
static void join_path(char *out, size_t sz, const char *mount_root, const char *own, const char *rel,
		      bool absolute)
{
	if (absolute) {
		snprintf(out, sz, "%s", rel);
		return;
	}
	/* own is relative to the hierarchy root; the mount may show a subtree (mount_root) */
	const char *o = own;
	size_t mr = strlen(mount_root);
	if (strcmp(mount_root, "/") && !strncmp(own, mount_root, mr))
		o = own + mr;
	if (!strcmp(o, "/"))
		o = "";
	if (snprintf(out, sz, "%s/%s", o, rel) >= (int)sz)
		out[0] = '\0';
}

/* Splits a /proc/self/mountinfo line; returns false for non-cgroup mounts. */
static bool parse_mountinfo(char *line, char **root, char **mp, char **fstype, char **sopts)
{
	char *f[12];
	int n = 0;
	char *s = NULL;
	for (char *w = strtok_r(line, " \n", &s); w && n < 12; w = strtok_r(NULL, " \n", &s)) {
		if (n >= 6 && !strcmp(w, "-")) {
			f[6] = w;
			n = 7;
			continue;
		}
		if (n < 6)
			f[n++] = w;
		else if (n >= 7)
			f[n++] = w;
	}
	if (n < 10)
		return false;
	*root = f[3];
	*mp = f[4];
	*fstype = f[7];
	*sopts = f[9];
	return !strcmp(*fstype, "cgroup") || !strcmp(*fstype, "cgroup2");
}

static int discover(struct cgroup *cg, const char *rel, bool absolute, struct husk_error *err)
{
	struct own_cg *own = NULL;
	size_t n_own = 0;
	if (read_own(&own, &n_own, err) < 0)
		return -1;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		own_free(own, n_own);
		return husk_error_set(err, errno, "open /proc/self/mountinfo");
	}
	char line[4096], path[PATH_MAX];
	int r = 0;
	while (fgets(line, sizeof line, f)) {
		char *root, *mp, *fstype, *sopts;
		if (!parse_mountinfo(line, &root, &mp, &fstype, &sopts))
			continue;
		if (strncmp(mp, "/sys/fs/cgroup", 14))
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		const struct own_cg *o = NULL;
		for (size_t i = 0; v2 && i < n_own; i++)
			if (!own[i].controllers[0])
				o = &own[i];
		if (!v2)
			o = match_v1(own, n_own, sopts);
		if (!o)
			continue;
		/* skip a second mount of the same hierarchy */
		bool dup = false;
		for (size_t i = 0; i < cg->n_dirs; i++)
			if (cg->dirs[i].v2 == v2 && (v2 || !strcmp(cg->dirs[i].options, o->controllers)))
				dup = true;
		if (dup)
			continue;
		join_path(path, sizeof path, root, o->path, rel, absolute);
		if (add_dir(cg, mp, path, v2 ? NULL : o->controllers, v2) < 0) {
			r = husk_error_set(err, ENOMEM, "cgroup");
			break;
		}
	}
	fclose(f);
	own_free(own, n_own);
	return r;
}

static int record_created(struct cgroup *cg, const char *dir)
{
	char **n = realloc(cg->created, (cg->n_created + 1) * sizeof *n);
	if (!n)
		return -1;
	cg->created = n;
	n[cg->n_created++] = strdup(dir);
	return 0;
}

/* cpuset: a new v1 cpuset cgroup is unusable until cpus and mems are set: copy the parent's. */
static int cpuset_init(const char *dir, struct husk_error *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char parent[PATH_MAX], p[PATH_MAX + 32];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *cur = NULL, *val = NULL;
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		if (fs_read_file(p, &cur, NULL, NULL) < 0)
			continue;
		if (cur[0] && cur[0] != '\n')
			continue;
		snprintf(p, sizeof p, "%s/%s", parent, files[i]);
		if (fs_read_file(p, &val, NULL, err) < 0)
			return -1;
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		if (fs_write_file(p, val, strlen(val), err) < 0)
			return -1;
	}
	return 0;
}

/* Records every component of d's path that does not exist yet: what cgroup_make() creates. */
static int plan_dirs(struct cgroup *cg, const struct cgroup_dir *d, struct husk_error *err)
{
	char full[PATH_MAX];
	int n = snprintf(full, sizeof full, "%s%s", d->mountpoint, d->path);
	if (n >= (int)sizeof full)
		return husk_error_set(err, ENAMETOOLONG, "cgroup %s%s", d->mountpoint, d->path);
	size_t base = strlen(d->mountpoint);
	for (char *p = full + base + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (access(full, F_OK) < 0) {
			if (errno != ENOENT)
				return husk_error_set(err, errno, "cgroup: %s", full);
			if (record_created(cg, full) < 0)
				return husk_error_set(err, ENOMEM, "cgroup");
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

static bool was_created(const struct cgroup *cg, const char *dir)
{
	for (size_t i = 0; i < cg->n_created; i++)
		if (!strcmp(cg->created[i], dir))
			return true;
	return false;
}

int cgroup_make(const struct cgroup *cg, struct husk_error *err)
{
	char full[PATH_MAX];
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const struct cgroup_dir *d = &cg->dirs[i];
		bool cpuset = d->options && has_word(d->options, "cpuset");
		snprintf(full, sizeof full, "%s%s", d->mountpoint, d->path);
		/* every component, whoever planned it: a concurrent create may have removed a shared
		 * parent since we planned (an unrecorded empty parent is harmless) */
		for (char *p = full + strlen(d->mountpoint) + 1;; p++) {
			if (*p && *p != '/')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(full, 0755) == 0) {
				if (cpuset && cpuset_init(full, err) < 0)
					return husk_error_prefix(err, "cgroup %s", full);
			} else if (errno != EEXIST) {
				return husk_error_set(err, errno, "cgroup: mkdir %s", full);
			}
			*p = c;
			if (!c)
				break;
		}
		/* a cgroup that already holds processes belongs to something else */
		if (!was_created(cg, full)) {
			char procs[PATH_MAX + 16];
			_cleanup_free_ char *data = NULL;
			snprintf(procs, sizeof procs, "%s/cgroup.procs", full);
			if (fs_read_file(procs, &data, NULL, NULL) == 0 && data[0])
				return husk_error_set(err, EBUSY,
						      "linux.cgroupsPath: cgroup %s already has processes "
						      "(another container's?)",
						      full);
		}
	}
	return 0;
}

static bool valid_rel(const char *p)
{
	/* no ".." component: a relative path must stay beneath our own cgroup */
	for (const char *s = p; s && *s;) {
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == 2 && !strncmp(s, "..", 2))
			return false;
		s = e ? e + 1 : NULL;
	}
	return true;
}

int cgroup_plan(const char *cgroups_path, const char *id, struct cgroup *cg, struct husk_error *err)
{
	char rel[PATH_MAX];
	*cg = (struct cgroup){.mode = cgroup_host_mode()};
	if (cg->mode == CGROUP_NONE)
		return 0;
	if (cgroups_path && *cgroups_path) {
		if (!valid_rel(cgroups_path))
			return husk_error_set(err, 0, "linux.cgroupsPath: \"%s\": \"..\" is not allowed",
					      cgroups_path);
		if (strchr(cgroups_path, ':'))
			return husk_error_set(err, 0,
					      "linux.cgroupsPath: \"%s\": systemd slice:prefix:name paths "
					      "need --systemd-cgroup, which is not supported yet",
					      cgroups_path);
		snprintf(rel, sizeof rel, "%s", cgroups_path);
	} else {
		snprintf(rel, sizeof rel, "husk/%s", id);
	}
	bool absolute = rel[0] == '/';
	/* collapse duplicate and trailing slashes */
	char clean[PATH_MAX], *o = clean;
	for (const char *p = absolute ? rel : rel; *p; p++)
		if (!(*p == '/' && (o == clean ? !absolute : o[-1] == '/')))
			*o++ = *p;
	while (o > clean + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	if (discover(cg, clean, absolute, err) < 0)
		goto fail;
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (plan_dirs(cg, &cg->dirs[i], err) < 0)
			goto fail;
	return 0;
fail:
	cgroup_free(cg);
	return -1;
}

int cgroup_create(const char *cgroups_path, const char *id, struct cgroup *cg, struct husk_error *err)
{
	if (cgroup_plan(cgroups_path, id, cg, err) < 0)
		return -1;
	if (cgroup_make(cg, err) < 0) {
		cgroup_destroy(cg, NULL);
		cgroup_free(cg);
		return -1;
	}
	return 0;
}

int cgroup_enter(const struct cgroup *cg, pid_t pid, struct husk_error *err)
{
	char p[PATH_MAX + 32], buf[32];
	int n = snprintf(buf, sizeof buf, "%d", (int)pid);
	for (size_t i = 0; i < cg->n_dirs; i++) {
		snprintf(p, sizeof p, "%s%s/cgroup.procs", cg->dirs[i].mountpoint, cg->dirs[i].path);
		if (fs_write_file(p, buf, n, err) < 0)
			return husk_error_prefix(err, "cgroup: join pid %d", (int)pid);
	}
	return 0;
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int pid_list_add(struct pid_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		pid_t *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

/* Calls fn(path) for every cgroup beneath dir (not dir itself), deepest first. */
static int for_each_child(const char *dir, int (*fn)(const char *, void *), void *data)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int r = 0;
	char p[PATH_MAX];
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
			continue;
		r = for_each_child(p, fn, data);
		if (r == 0)
			r = fn(p, data);
	}
	closedir(d);
	return r;
}

/* Appends the PIDs of dir/cgroup.procs; a cgroup that is gone is empty. */
static int read_procs(const char *dir, void *data)
{
	char p[PATH_MAX + 32];
	_cleanup_free_ char *procs = NULL;
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	if (fs_read_file(p, &procs, NULL, NULL) < 0)
		return 0;
	for (char *s = NULL, *w = strtok_r(procs, "\n", &s); w; w = strtok_r(NULL, "\n", &s))
		if (pid_list_add(data, (pid_t)atoi(w)) < 0)
			return -1;
	return 0;
}

int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, struct husk_error *err)
{
	char dir[PATH_MAX];
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		struct pid_list l = {0};
		snprintf(dir, sizeof dir, "%s%s", cg->dirs[i].mountpoint, cg->dirs[i].path);
		/* with the cgroups the payload made beneath its own (systemd, a nested runtime) */
		if (read_procs(dir, &l) < 0 || for_each_child(dir, read_procs, &l) < 0) {
			free(l.v);
			return husk_error_set(err, ENOMEM, "cgroup.procs of %s", dir);
		}
		if (l.n == 0) {
			free(l.v);
			continue;
		}
		*out = l.v;
		*n = l.n;
		return 0;
	}
	return 0;
}

static bool is_leaf(const struct cgroup *cg, const char *dir)
{
	char full[PATH_MAX];
	for (size_t j = 0; j < cg->n_dirs; j++) {
		snprintf(full, sizeof full, "%s%s", cg->dirs[j].mountpoint, cg->dirs[j].path);
		if (!strcmp(full, dir))
			return true;
	}
	return false;
}

static int kill_procs(const char *dir, void *data)
{
	char p[PATH_MAX + 32];
	_cleanup_free_ char *procs = NULL;
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	if (fs_read_file(p, &procs, NULL, NULL) == 0)
		for (char *s = NULL, *w = strtok_r(procs, "\n", &s); w; w = strtok_r(NULL, "\n", &s))
			kill(atoi(w), SIGKILL);
	return 0;
}

static int rmdir_quiet(const char *dir, void *data)
{
	rmdir(dir);
	return 0;
}

/* Kills what is left in dir and beneath it (cgroup.kill on cgroup v2 since Linux 5.14: one write
 * that also catches processes forked meanwhile) and removes the cgroups the payload made in it. */
static void empty_cgroup(const char *dir)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/cgroup.kill", dir);
	if (fs_write_file(p, "1", 1, NULL) < 0) {
		kill_procs(dir, NULL);
		for_each_child(dir, kill_procs, NULL);
	}
	for_each_child(dir, rmdir_quiet, NULL);
}

int cgroup_destroy(const struct cgroup *cg, struct husk_error *err)
{
	int r = 0;
	/* the deepest directories were created last */
	for (size_t i = cg->n_created; i-- > 0;) {
		const char *d = cg->created[i];
		bool leaf = is_leaf(cg, d);
		for (int attempt = 0;; attempt++) {
			if (rmdir(d) == 0 || errno == ENOENT)
				break;
			/* a parent still used by another container is fine */
			if (errno == EBUSY && !leaf)
				break;
			if (errno != EBUSY || attempt >= 200) {
				r = husk_error_set(err, errno, "cgroup: rmdir %s", d);
				break;
			}
			/* still populated or with child cgroups: empty it, give it time to exit */
			empty_cgroup(d);
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
		}
	}
	return r;
}

void cgroup_free(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		free(cg->dirs[i].mountpoint);
		free(cg->dirs[i].path);
		free(cg->dirs[i].options);
	}
	free(cg->dirs);
	for (size_t i = 0; i < cg->n_created; i++)
		free(cg->created[i]);
	free(cg->created);
	*cg = (struct cgroup){0};
}

json_t *cgroup_to_json(const struct cgroup *cg)
{
	json_t *dirs = json_array(), *created = json_array();
	for (size_t i = 0; i < cg->n_dirs; i++) {
		json_t *d =
		    json_pack("{s:s, s:s}", "mountpoint", cg->dirs[i].mountpoint, "path", cg->dirs[i].path);
		if (cg->dirs[i].options)
			json_object_set_new(d, "options", json_string(cg->dirs[i].options));
		json_array_append_new(dirs, d);
	}
	for (size_t i = 0; i < cg->n_created; i++)
		json_array_append_new(created, json_string(cg->created[i]));
	return json_pack("{s:s, s:o, s:o}", "mode", cgroup_mode_name(cg->mode), "dirs", dirs, "created",
			 created);
}

int cgroup_from_json(json_t *j, struct cgroup *cg, struct husk_error *err)
{
	*cg = (struct cgroup){0};
	if (!json_is_object(j))
		return 0;
	const char *mode = json_string_value(json_object_get(j, "mode"));
	cg->mode = !mode		     ? CGROUP_NONE
		   : !strcmp(mode, "v2")     ? CGROUP_V2
		   : !strcmp(mode, "hybrid") ? CGROUP_HYBRID
		   : !strcmp(mode, "v1")     ? CGROUP_V1
					     : CGROUP_NONE;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "dirs"), i, v)
	{
		const char *mp = json_string_value(json_object_get(v, "mountpoint"));
		const char *p = json_string_value(json_object_get(v, "path"));
		const char *o = json_string_value(json_object_get(v, "options"));
		if (!mp || !p)
			return husk_error_set(err, 0, "state.json: cgroup.dirs[%zu]: malformed", i);
		if (add_dir(cg, mp, p, o, o == NULL) < 0)
			return husk_error_set(err, ENOMEM, "state.json");
	}
	json_array_foreach(json_object_get(j, "created"), i, v)
	{
		if (json_is_string(v) && record_created(cg, json_string_value(v)) < 0)
			return husk_error_set(err, ENOMEM, "state.json");
	}
	return 0;
}
