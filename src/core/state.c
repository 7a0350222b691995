#include "core/state.h"

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define OCI_VERSION "1.2.0"

int state_validate_id(const char *id, struct husk_error *err)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0)
		return husk_error_set(err, 0, "invalid container ID: empty");
	if (n > 250)
		return husk_error_set(err, 0, "invalid container ID \"%.32s...\": longer than 250 characters",
				      id);
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return husk_error_set(err, 0, "invalid container ID \"%s\"", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return husk_error_set(err, 0,
					      "invalid container ID \"%s\": only letters, digits and _ . + - "
					      "are allowed",
					      id);
	}
	return 0;
}

int state_open_root(const char *root, bool create, struct husk_error *err)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (fs_mkdir_p(root, 0700, err) < 0)
			return husk_error_prefix(err, "state root");
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return husk_error_set(err, errno, "open state root %s", root);
	return fd;
}

/* flock needs a real open file, not O_PATH: returns an O_RDONLY fd of the directory. */
static int reopen_dir(int dfd, const char *id, struct husk_error *err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "open state of %s", id);
	return fd;
}

bool state_lock_wait(int fd, bool exclusive, int wait_ms)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
	for (int waited = 0;; waited += 5) {
		if (flock(fd, op) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (waited >= wait_ms)
			return false;
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
}

static int lock_dir(int dfd, bool exclusive, const char *id, struct husk_error *err)
{
	int fd = reopen_dir(dfd, id, err);
	if (fd >= 0 && flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		int e = errno;
		close(fd);
		return husk_error_set(err, e, "lock state of %s", id);
	}
	return fd;
}

int state_root_error(const char *id, struct husk_error *err)
{
	if (err && err->err == ENOENT)
		return husk_error_set(err, 0, "container \"%s\" does not exist", id);
	return -1;
}

int state_create_dir(int rootfd, const char *id, struct husk_error *err)
{
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return husk_error_set(err, 0, "container \"%s\" already exists", id);
		return husk_error_set(err, errno, "create state directory for %s", id);
	}
	_cleanup_close_ int d = openat(rootfd, id, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d < 0)
		return husk_error_set(err, errno, "open state directory of %s", id);
	return lock_dir(d, true, id, err);
}

int state_open_dir_try(int rootfd, const char *id, bool exclusive, int wait_ms, bool *locked,
		       struct husk_error *err)
{
	_cleanup_close_ int d = openat(rootfd, id, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d < 0) {
		if (errno == ENOENT)
			return husk_error_set(err, 0, "container \"%s\" does not exist", id);
		return husk_error_set(err, errno, "open state of %s", id);
	}
	int fd = reopen_dir(d, id, err);
	if (fd < 0)
		return -1;
	*locked = state_lock_wait(fd, exclusive, wait_ms);
	/* deleted while we waited for its lock: it is gone, even if the ID is in use again */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && sb.st_nlink == 0) {
		close(fd);
		return husk_error_set(err, 0, "container \"%s\" does not exist", id);
	}
	return fd;
}

pid_t state_lock_holder(int dirfd)
{
	struct stat sb;
	if (fstat(dirfd, &sb) < 0)
		return 0;
	_cleanup_fclose_ FILE *f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	char line[256], want[64];
	snprintf(want, sizeof want, " %02x:%02x:%llu ", major(sb.st_dev), minor(sb.st_dev),
		 (unsigned long long)sb.st_ino);
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF" */
	while (fgets(line, sizeof line, f)) {
		char *hit = strstr(line, want);
		if (!hit || !strstr(line, "FLOCK") || strstr(line, "->"))
			continue;
		char *p = hit;
		while (p > line && p[-1] == ' ')
			p--;
		while (p > line && p[-1] != ' ')
			p--;
		return (pid_t)atoi(p);
	}
	return 0;
}

int state_load_unlocked(const char *root, const char *id, bool *locked, struct container_state *st,
			struct husk_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_open_root(root, false, err);
	if (rootfd < 0)
		return state_root_error(id, err);
	int dirfd = state_open_dir_try(rootfd, id, false, 0, locked, err);
	if (dirfd < 0)
		return -1;
	if (state_read(dirfd, id, st, err) < 0) {
		close(dirfd);
		return -1;
	}
	return dirfd;
}

int state_open_dir(int rootfd, const char *id, bool exclusive, struct husk_error *err)
{
	bool locked;
	int fd = state_open_dir_try(rootfd, id, exclusive, STATE_LOCK_WAIT_MS, &locked, err);
	if (fd >= 0 && !locked) {
		close(fd);
		return husk_error_set(err, 0, "container \"%s\" is busy: another husk command holds its lock",
				      id);
	}
	return fd;
}

int state_remove_dir(int rootfd, const char *id, struct husk_error *err)
{
	_cleanup_close_ int d = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d < 0)
		return errno == ENOENT ? 0 : husk_error_set(err, errno, "open state of %s", id);
	static const char *const files[] = {STATE_FILE, EXEC_FIFO, "config.json"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		unlinkat(d, files[i], 0);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	/* unexpected content (tmp files of a killed writer): remove the whole tree */
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", d);
	char real[4096];
	ssize_t n = readlink(path, real, sizeof real - 1);
	if (n <= 0)
		return husk_error_set(err, errno, "remove state of %s", id);
	real[n] = '\0';
	return fs_rm_rf(real, err);
}

int state_write(int dirfd, const struct container_state *s, struct husk_error *err)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "status", json_string(s->saved_status ? s->saved_status : "creating"));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "pidStartTime", json_integer((json_int_t)s->pid_start));
	json_object_set_new(o, "creatorPid", json_integer(s->creator));
	json_object_set_new(o, "creatorStartTime", json_integer((json_int_t)s->creator_start));
	json_object_set_new(o, "pidNamespace", json_boolean(s->pidns));
	json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
	json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
	json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
	json_object_set_new(o, "annotations", s->annotations ? json_incref(s->annotations) : json_object());
	json_object_set_new(o, "cgroup", cgroup_to_json(&s->cgroup));
	if (s->hooks)
		json_object_set(o, "hooks", s->hooks);
	char *data = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!data)
		return husk_error_set(err, ENOMEM, "state.json");
	int r = fs_write_atomic_at(dirfd, STATE_FILE, data, strlen(data), err);
	free(data);
	return r < 0 ? husk_error_prefix(err, "write state of %s", s->id) : 0;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? strdup(v) : NULL;
}

int state_read(int dirfd, const char *id, struct container_state *s, struct husk_error *err)
{
	*s = (struct container_state){0};
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (fs_read_file_at(dirfd, STATE_FILE, &data, &len, err) < 0) {
		if (err && err->err == ENOENT) {
			/* a create killed before its first write: only the directory exists */
			s->id = strdup(id);
			s->saved_status = strdup("creating");
			return 0;
		}
		return husk_error_prefix(err, "read state of %s", id);
	}
	json_error_t je;
	json_t *o = json_loadb(data, len, 0, &je);
	if (!o)
		return husk_error_set(err, 0, "state of %s is corrupt: %s", id, je.text);
	s->id = dup_str(o, "id");
	if (!s->id)
		s->id = strdup(id);
	s->bundle = dup_str(o, "bundle");
	s->rootfs = dup_str(o, "rootfs");
	s->created = dup_str(o, "created");
	s->owner = dup_str(o, "owner");
	s->saved_status = dup_str(o, "status");
	s->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	s->pid_start = (uint64_t)json_integer_value(json_object_get(o, "pidStartTime"));
	s->creator = (pid_t)json_integer_value(json_object_get(o, "creatorPid"));
	s->creator_start = (uint64_t)json_integer_value(json_object_get(o, "creatorStartTime"));
	s->pidns = json_is_true(json_object_get(o, "pidNamespace"));
	s->annotations = json_incref(json_object_get(o, "annotations"));
	s->hooks = json_incref(json_object_get(o, "hooks"));
	int r = cgroup_from_json(json_object_get(o, "cgroup"), &s->cgroup, err);
	json_decref(o);
	return r;
}

void state_free(struct container_state *s)
{
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->owner);
	free(s->saved_status);
	json_decref(s->annotations);
	json_decref(s->hooks);
	cgroup_free(&s->cgroup);
	*s = (struct container_state){0};
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	/* after ")" come field 3 (state) ... field 22 (starttime) */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

bool proc_alive(pid_t pid, uint64_t start_time)
{
	if (pid <= 0)
		return false;
	uint64_t st = proc_start_time(pid);
	return st != 0 && (start_time == 0 || st == start_time);
}

bool proc_is_husk(pid_t pid)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof p, "/proc/%d/exe", (int)pid);
	if (stat(p, &a) < 0 || stat("/proc/self/exe", &b) < 0)
		return true; /* cannot tell (e.g. not dumpable): assume it is still ours */
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

enum container_status state_status(int dirfd, const struct container_state *s)
{
	if (s->pid <= 0 || (s->saved_status && !strcmp(s->saved_status, "creating"))) {
		if (proc_alive(s->creator, s->creator_start))
			return STATUS_CREATING;
		return STATUS_STOPPED;
	}
	if (!proc_alive(s->pid, s->pid_start))
		return STATUS_STOPPED;
	/* the fifo outlives a start that was killed half-way: an init that has exec'd is running */
	if (faccessat(dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0 && proc_is_husk(s->pid))
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

const char *state_status_name(enum container_status st)
{
	static const char *const names[] = {"creating", "created", "running", "stopped"};
	return names[st];
}

json_t *state_to_oci_json(int dirfd, const struct container_state *s)
{
	enum container_status st = state_status(dirfd, s);
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "status", json_string(state_status_name(st)));
	/* runc reports pid 0 for a stopped container */
	json_object_set_new(o, "pid",
			    json_integer(st == STATUS_STOPPED || st == STATUS_CREATING ? 0 : s->pid));
	json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
	json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
	json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
	json_object_set_new(o, "annotations", s->annotations ? json_incref(s->annotations) : json_object());
	return o;
}
