/* `create`: validate the bundle, make the state directory, the cgroup and the exec fifo,
 * clone the container's init and drive it through the sync protocol until it waits for
 * `start`. Every failure undoes what was made (process, cgroup, state directory). */
#include "core/container.h"
#include "core/hooks.h"
#include "core/init.h"
#include "core/state.h"
#include "core/sync.h"
#include "linux/console.h"
#include "linux/process.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct create_run {
	const struct create_opts *o;
	struct spec *spec;
	struct init_ctx ctx;
	struct container_state st;
	int rootfd, dirfd;
	pid_t child;	 /* the process we cloned */
	int child_pidfd; /* its pidfd (clone3); -1 once reaped */
	int init_pidfd;	 /* the init's, when it is not the child (two-stage) */
	pid_t init;	 /* the container's init (== child unless two-stage) */
	char *cg_mp[64], *cg_path[64];
	char bundle[PATH_MAX], rootfs[PATH_MAX];
};

static int ns_index(int flag)
{
	for (int i = 0; i < NS_COUNT; i++)
		if (ns_flag(i) == flag)
			return i;
	return -1;
}

/* Opens linux.namespaces[].path entries and works out which namespaces are new. */
static int prepare_namespaces(struct create_run *r, struct husk_error *err)
{
	struct init_ctx *c = &r->ctx;
	const struct spec *s = r->spec;
	for (int i = 0; i < NS_COUNT; i++)
		c->ns_fd[i] = -1;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct spec_namespace *ns = &s->namespaces[i];
		int idx = ns_index(ns->type);
		if (idx < 0)
			return husk_error_set(err, 0, "linux.namespaces[%zu]: unsupported namespace", i);
		if (!ns->path || !*ns->path) {
			c->ns_new |= ns->type;
			continue;
		}
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return husk_error_set(err, errno, "linux.namespaces[%zu].path: open %s", i, ns->path);
		c->ns_fd[idx] = fd;
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type >= 0 && type != ns->type)
			return husk_error_set(err, 0, "linux.namespaces[%zu].path: %s is not a %s namespace",
					      i, ns->path, spec_namespace_name(ns->type));
	}
	if (!(c->ns_new & CLONE_NEWNS) && c->ns_fd[NS_MNT] < 0)
		return husk_error_set(err, 0, "linux.namespaces: a mount namespace is required");
	bool joins_other = false;
	for (int i = 0; i < NS_COUNT; i++)
		if (c->ns_fd[i] >= 0 && i != NS_PID && i != NS_TIME)
			joins_other = true;
	c->two_stage = c->ns_fd[NS_USER] >= 0 || ((c->ns_new & CLONE_NEWUSER) && joins_other);
	return 0;
}

static int write_id_map(pid_t pid, const char *file, const struct spec_id_map *m, size_t n,
			struct husk_error *err)
{
	char buf[4096], path[64];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		len += snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				m[i].size);
		if (len >= sizeof buf)
			return husk_error_set(err, E2BIG, "linux.%s: %zu mappings do not fit in one page",
					      !strcmp(file, "uid_map") ? "uidMappings" : "gidMappings", n);
	}
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	if (fs_write_file(path, buf, len, err) < 0)
		return husk_error_prefix(err, "linux.%s",
					 !strcmp(file, "uid_map") ? "uidMappings" : "gidMappings");
	return 0;
}

static int write_id_maps(struct create_run *r, pid_t pid, struct husk_error *err)
{
	const struct spec *s = r->spec;
	if (write_id_map(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err) < 0)
		return -1;
	return write_id_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err);
}

/* Time namespace: made (or joined) by the parent, entered by the child at clone. */
static int prepare_time_ns(struct create_run *r, struct husk_error *err)
{
	const struct spec *s = r->spec;
	if (r->ctx.ns_fd[NS_TIME] >= 0) {
		if (setns(r->ctx.ns_fd[NS_TIME], CLONE_NEWTIME) < 0)
			return husk_error_set(err, errno, "linux.namespaces: join time namespace");
		return 0;
	}
	if (!(r->ctx.ns_new & CLONE_NEWTIME))
		return 0;
	if (unshare(CLONE_NEWTIME) < 0)
		return husk_error_set(err, errno, "create time namespace");
	char buf[128];
	int n = snprintf(buf, sizeof buf, "monotonic %lld %u\nboottime %lld %u\n",
			 (long long)s->time_monotonic.secs, s->time_monotonic.nanosecs,
			 (long long)s->time_boottime.secs, s->time_boottime.nanosecs);
	if (fs_write_file("/proc/self/timens_offsets", buf, n, err) < 0)
		return husk_error_prefix(err, "linux.timeOffsets");
	return 0;
}

static pid_t do_clone(int flags, int *pidfd)
{
	struct clone_args a = {
	    .flags = (unsigned)flags | CLONE_PIDFD, .pidfd = (uintptr_t)pidfd, .exit_signal = SIGCHLD};
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid < 0 && errno == ENOSYS) {
		pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
		*pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	}
	return (pid_t)pid;
}

static void rfc3339_now(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + k, n - k, ".%09ldZ", ts.tv_nsec);
}

/* Config sections this version parses but does not apply yet: say so, never silently. */
static void warn_unapplied(const struct spec *s)
{
	/* the device cgroup is not enforced yet: what a container can open is then the device
	 * nodes husk made, plus whatever it can mknod itself with CAP_MKNOD */
	bool mknod = s->process.caps.bounding & (1ULL << 27 /* CAP_MKNOD */);
	bool devices_warned = false;
	if (mknod) {
		log_warn("process.capabilities: CAP_MKNOD is granted but the device cgroup is not enforced "
			 "by husk yet: the container can create and open any device node");
		devices_warned = true;
	}
	json_t *res = s->resources;
	if (!json_is_object(res))
		return;
	const char *key;
	json_t *v;
	json_object_foreach(res, key, v)
	{
		if (strcmp(key, "devices")) {
			log_warn(
			    "linux.resources.%s ignored: cgroup resource limits are not applied by husk yet",
			    key);
			continue;
		}
		/* the usual rule set, "deny all" first, is what a container without CAP_MKNOD gets
		 * anyway; anything else is not enforced */
		json_t *first = json_array_get(v, 0);
		bool deny_all_only = json_array_size(v) >= 1 &&
				     json_is_false(json_object_get(first, "allow")) &&
				     !json_object_get(first, "type") && !json_object_get(first, "major");
		if (!deny_all_only && !devices_warned)
			log_warn("linux.resources.devices: the device cgroup is not enforced by husk yet");
	}
}

static int check_bundle(struct create_run *r, struct husk_error *err)
{
	const char *b = r->o->bundle ? r->o->bundle : ".";
	if (!realpath(b, r->bundle))
		return husk_error_set(err, errno, "bundle %s", b);
	if (spec_load(r->bundle, &r->spec, err) < 0)
		return -1;
	const struct spec *s = r->spec;
	if (!s->has_process)
		return husk_error_set(err, 0, "config.json: process: required to create a container");
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/%s", r->bundle, s->root.path);
	if (s->root.path[0] == '/')
		snprintf(p, sizeof p, "%s", s->root.path);
	struct stat sb;
	if (!realpath(p, r->rootfs) || stat(r->rootfs, &sb) < 0)
		return husk_error_set(err, errno, "root.path: %s", p);
	if (!S_ISDIR(sb.st_mode))
		return husk_error_set(err, ENOTDIR, "root.path: %s", p);
	if (s->process.terminal && !r->o->console_socket && r->o->console_fd < 0)
		return husk_error_set(err, 0,
				      "process.terminal is true but no --console-socket was given "
				      "(set \"terminal\": false in config.json to use the caller's stdio)");
	if (s->process.apparmor_profile)
		log_warn("process.apparmorProfile \"%s\" ignored: AppArmor is not supported by husk yet",
			 s->process.apparmor_profile);
	warn_unapplied(s);
	if (s->process.selinux_label)
		log_warn("process.selinuxLabel ignored: SELinux is not supported by husk yet");
	return 0;
}

static int setup_state(struct create_run *r, struct husk_error *err)
{
	const struct create_opts *o = r->o;
	char now[64];
	r->rootfd = state_open_root(o->root, true, err);
	if (r->rootfd < 0)
		return -1;
	r->dirfd = state_create_dir(r->rootfd, o->id, err);
	if (r->dirfd < 0)
		return -1;
	struct container_state *st = &r->st;
	rfc3339_now(now, sizeof now);
	st->id = strdup(o->id);
	st->bundle = strdup(r->bundle);
	st->rootfs = strdup(r->rootfs);
	st->created = strdup(now);
	st->saved_status = strdup("creating");
	st->creator = getpid();
	st->creator_start = proc_start_time(st->creator);
	st->pidns = spec_namespace(r->spec, CLONE_NEWPID) != NULL;
	st->owner = strdup("root");
	json_t *ann = json_object();
	for (size_t i = 0; i < r->spec->n_annotations; i++)
		json_object_set_new(ann, r->spec->annotations[i].key,
				    json_string(r->spec->annotations[i].value));
	st->annotations = ann;
	const struct spec *s = r->spec;
	if (s->n_hooks[SPEC_HOOK_POSTSTART] || s->n_hooks[SPEC_HOOK_POSTSTOP])
		st->hooks = json_pack(
		    "{s:o, s:o}", "poststart",
		    hooks_to_json(s->hooks[SPEC_HOOK_POSTSTART], s->n_hooks[SPEC_HOOK_POSTSTART]), "poststop",
		    hooks_to_json(s->hooks[SPEC_HOOK_POSTSTOP], s->n_hooks[SPEC_HOOK_POSTSTOP]));
	/* one write before anything outside the state directory exists: delete --force then
	 * knows every cgroup directory this create may make */
	if (cgroup_plan(r->spec->cgroups_path, o->id, &st->cgroup, err) < 0 ||
	    state_write(r->dirfd, st, err) < 0)
		return -1;
	/* writable by the container's user whoever it is (as runc): only reachable through the
	 * 0700 state directory, and by the init through an fd it holds */
	if (mkfifoat(r->dirfd, EXEC_FIFO, 0622) < 0 || fchmodat(r->dirfd, EXEC_FIFO, 0622, 0) < 0)
		return husk_error_set(err, errno, "create exec fifo in %s/%s", o->root, o->id);
	r->ctx.fifo_fd = openat(r->dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
	if (r->ctx.fifo_fd < 0)
		return husk_error_set(err, errno, "open exec fifo");
	if (cgroup_make(&st->cgroup, err) < 0)
		return -1;
	for (size_t i = 0; i < st->cgroup.n_dirs && i < 63; i++) {
		r->cg_mp[i] = st->cgroup.dirs[i].mountpoint;
		r->cg_path[i] = st->cgroup.dirs[i].path;
	}
	return 0;
}

/* Waits for the cloned child once; its pidfd is closed with it. */
static int reap_child(struct create_run *r, int *status)
{
	if (r->child_pidfd < 0)
		return -1;
	int st;
	pid_t p = waitpid(r->child, &st, 0);
	close(r->child_pidfd);
	r->child_pidfd = -1;
	if (p != r->child)
		return -1;
	if (status)
		*status = st;
	return 0;
}

/* linux.seccomp.listenerPath: the listener fd goes there with the container process state
 * (runtime-spec "containerProcessState"), as one message with SCM_RIGHTS. */
static int send_seccomp_listener(struct create_run *r, int lfd, struct husk_error *err)
{
	const struct spec_seccomp *sc = &r->spec->seccomp;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(sc->listener_path) >= sizeof addr.sun_path)
		return husk_error_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s", sc->listener_path);
	strcpy(addr.sun_path, sc->listener_path);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0)
		return husk_error_set(err, errno, "linux.seccomp.listenerPath: connect %s",
				      sc->listener_path);
	json_t *state =
	    json_pack("{s:s, s:s, s:s, s:i, s:s, s:O}", "ociVersion", "1.2.0", "id", r->o->id, "status",
		      "creating", "pid", (int)r->init, "bundle", r->bundle, "annotations", r->st.annotations);
	json_t *msg = json_pack("{s:s, s:[s], s:i, s:s, s:o}", "ociVersion", "1.2.0", "fds", "seccompFd",
				"pid", (int)r->init, "metadata",
				sc->listener_metadata ? sc->listener_metadata : "", "state", state);
	_cleanup_free_ char *payload = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!payload)
		return husk_error_set(err, ENOMEM, "linux.seccomp.listenerPath");
	if (fd_send(s, lfd, payload, strlen(payload)) < 0)
		return husk_error_set(err, errno, "linux.seccomp.listenerPath: send to %s",
				      sc->listener_path);
	return 0;
}

/* prestart (deprecated) and createRuntime hooks, in our namespaces; then the state JSON goes to
 * the init for its createContainer and startContainer hooks. */
static int run_create_hooks(struct create_run *r, int sock, struct husk_error *err)
{
	const struct spec *s = r->spec;
	_cleanup_free_ char *state =
	    hooks_state_json(r->o->id, "creating", r->init, r->bundle, r->st.annotations);
	if (!state)
		return husk_error_set(err, ENOMEM, "hooks");
	if (hooks_run(s->hooks[SPEC_HOOK_PRESTART], s->n_hooks[SPEC_HOOK_PRESTART], "prestart", state, err) <
		0 ||
	    hooks_run(s->hooks[SPEC_HOOK_CREATE_RUNTIME], s->n_hooks[SPEC_HOOK_CREATE_RUNTIME],
		      "createRuntime", state, err) < 0)
		return -1;
	if (sync_send(sock, SYNC_HOOKS_DONE, NULL) < 0 ||
	    send(sock, state, strlen(state) + 1, MSG_NOSIGNAL) < 0)
		return husk_error_set(err, errno, "container init exited during setup");
	return 0;
}

/* Waits for READY; forwards a seccomp listener fd on the way. */
static int wait_ready(struct create_run *r, int sock, struct husk_error *err)
{
	for (;;) {
		struct sync_msg m;
		int lfd = -1;
		if (sync_recv_fd(sock, &m, NULL, &lfd) < 0)
			return husk_error_set(err, errno,
					      errno ? "read from container init"
						    : "container init exited during setup");
		if (m.type == SYNC_READY)
			return 0;
		if (m.type == SYNC_HOOKS) {
			if (run_create_hooks(r, sock, err) < 0)
				return -1;
			continue;
		}
		if (m.type == SYNC_RLIMITS) {
			/* the init is set up but has not switched user yet: prlimit on another process
			 * needs the same uid (or CAP_SYS_RESOURCE, which root here may lack); and the
			 * limits do not constrain husk's own setup (a NOFILE of 8) */
			if (process_set_rlimits(r->init, &r->spec->process, err) < 0)
				return -1;
			if (sync_send(sock, SYNC_RLIMITS_DONE, NULL) < 0)
				return husk_error_set(err, errno, "container init exited during setup");
			continue;
		}
		if (m.type == SYNC_ERROR) {
			if (err)
				*err = m.err;
			return -1;
		}
		if (m.type != SYNC_SECCOMP_FD || lfd < 0)
			return husk_error_set(err, 0, "container init: unexpected message %d", m.type);
		int rc = send_seccomp_listener(r, lfd, err);
		close(lfd);
		if (rc < 0)
			return -1;
		if (sync_send(sock, SYNC_SECCOMP_FD_DONE, NULL) < 0)
			return husk_error_set(err, errno, "container init exited during setup");
	}
}

/* Drives the child through the sync protocol; returns with r->init set. */
static int run_child(struct create_run *r, int sock, struct husk_error *err)
{
	struct init_ctx *c = &r->ctx;
	if ((c->ns_new & CLONE_NEWUSER) && !c->two_stage && write_id_maps(r, r->child, err) < 0)
		return -1;
	if (cgroup_enter(&r->st.cgroup, r->child, err) < 0)
		return -1;
	/* from outside, as runc: the init could not (user namespace, non-dumpable); a two-stage
	 * grandchild inherits it across fork */
	if (process_set_oom_score_adj(r->child, &r->spec->process, err) < 0)
		return -1;
	if (sync_send(sock, SYNC_GO, NULL) < 0)
		return husk_error_set(err, errno, "container init exited before setup");
	r->init = r->child;
	if (c->two_stage) {
		if (c->ns_new & CLONE_NEWUSER) {
			if (sync_expect(sock, SYNC_USERNS, NULL, err) < 0 ||
			    write_id_maps(r, r->child, err) < 0)
				return -1;
			if (sync_send(sock, SYNC_USERNS_DONE, NULL) < 0)
				return husk_error_set(err, errno, "container init exited during setup");
		}
		pid_t pid = 0;
		if (sync_expect(sock, SYNC_PID, &pid, err) < 0)
			return -1;
		if (pid <= 0)
			return husk_error_set(err, 0, "container init: no pid received");
		r->init = pid;
		/* pinned at once: undo() must never signal a recycled pid */
		r->init_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (r->init_pidfd < 0)
			return husk_error_set(err, errno, "container init %d", (int)pid);
		if (!r->o->for_run)
			reap_child(r, NULL);
	}
	/* no state write here: until READY, a crash is cleaned up through the cgroup (delete
	 * --force kills what is in it) and the init dies with us (PDEATHSIG, EOF on sock) */
	if (wait_ready(r, sock, err) < 0)
		return -1;
	r->st.pid = r->init;
	r->st.pid_start = proc_start_time(r->init);
	free(r->st.saved_status);
	r->st.saved_status = strdup("created");
	if (state_write(r->dirfd, &r->st, err) < 0)
		return -1;
	if (r->o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d", (int)r->init);
		_cleanup_free_ char *cwd = NULL, *abs = NULL;
		const char *pf = r->o->pid_file;
		/* relative to the caller's cwd (ours is back there) */
		if (pf[0] != '/') {
			if (!(cwd = getcwd(NULL, 0)) || asprintf(&abs, "%s/%s", cwd, pf) < 0)
				return husk_error_set(err, errno, "--pid-file %s", pf);
			pf = abs;
		}
		if (fs_write_atomic(pf, buf, n, err) < 0)
			return husk_error_prefix(err, "--pid-file");
	}
	if (sync_send(sock, SYNC_ACK, NULL) < 0)
		return husk_error_set(err, errno, "container init exited before start");
	return 0;
}

/* The init vanished without a word (killed, crashed): say how it ended. */
static void explain_death(struct create_run *r, struct husk_error *err)
{
	int st;
	if (!err || r->ctx.two_stage || r->child_pidfd < 0 || !strstr(err->msg, "exited during setup"))
		return;
	if (reap_child(r, &st) < 0)
		return;
	size_t n = strlen(err->msg);
	if (WIFSIGNALED(st))
		snprintf(err->msg + n, sizeof err->msg - n, " (killed by signal %d%s)", WTERMSIG(st),
			 WCOREDUMP(st) ? ", core dumped" : "");
	else if (WIFEXITED(st))
		snprintf(err->msg + n, sizeof err->msg - n, " (exit status %d)", WEXITSTATUS(st));
}

static void undo(struct create_run *r)
{
	if (r->init_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, r->init_pidfd, SIGKILL, NULL, 0);
	if (r->child_pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, r->child_pidfd, SIGKILL, NULL, 0);
		reap_child(r, NULL);
	}
	if (r->init_pidfd >= 0 && r->o->for_run)
		waitpid(r->init, NULL, 0); /* a subreaper's orphan: ours to reap */
	if (r->dirfd >= 0) {
		cgroup_destroy(&r->st.cgroup, NULL);
		state_remove_dir(r->rootfd, r->o->id, NULL);
	}
}

int container_create(const struct create_opts *o, pid_t *pid_out, struct husk_error *err)
{
	struct create_run r = {.o = o, .rootfd = -1, .dirfd = -1, .child_pidfd = -1, .init_pidfd = -1};
	struct init_ctx *c = &r.ctx;
	int sv[2] = {-1, -1}, ret = -1;
	c->fifo_fd = c->console_sock = -1;
	for (int i = 0; i < NS_COUNT; i++)
		c->ns_fd[i] = -1;

	if (state_validate_id(o->id, err) < 0)
		return -1;
	if (check_bundle(&r, err) < 0 || prepare_namespaces(&r, err) < 0)
		goto out;
	if (r.spec->has_seccomp && seccomp_compile(&r.spec->seccomp, &c->seccomp, err) < 0)
		goto out;
	c->has_seccomp = r.spec->has_seccomp;
	if (r.spec->process.terminal && o->console_socket &&
	    (c->console_sock = console_connect(o->console_socket, err)) < 0)
		goto out;
	if (r.spec->process.terminal && !o->console_socket &&
	    (c->console_sock = fcntl(o->console_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		husk_error_set(err, errno, "process.terminal: console socket");
		goto out;
	}
	if (setup_state(&r, err) < 0)
		goto fail;
	c->spec = r.spec;
	c->rootfs = r.rootfs;
	c->no_pivot = o->no_pivot;
	c->no_new_keyring = o->no_new_keyring;
	c->preserve_fds = o->preserve_fds;
	c->cg_mountpoints = (const char *const *)r.cg_mp;
	c->cg_paths = (const char *const *)r.cg_path;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		husk_error_set(err, errno, "socketpair");
		goto fail;
	}
	if (c->two_stage)
		setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int));
	if (prepare_time_ns(&r, err) < 0)
		goto fail;
	if (c->ns_fd[NS_PID] >= 0 && setns(c->ns_fd[NS_PID], CLONE_NEWPID) < 0) {
		husk_error_set(err, errno, "linux.namespaces: join pid namespace");
		goto fail;
	}
	/* the init inherits the bundle as its cwd (relative bind sources), with no permission
	 * check: a user-namespaced root may not be allowed to enter it by path */
	int oldcwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(r.bundle) < 0) {
		husk_error_set(err, errno, "chdir to the bundle %s", r.bundle);
		if (oldcwd >= 0)
			close(oldcwd);
		goto fail;
	}
	int flags = c->two_stage ? 0 : c->ns_new & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
	r.child = do_clone(flags, &r.child_pidfd);
	if (r.child != 0 && oldcwd >= 0) {
		if (fchdir(oldcwd) < 0)
			log_debug("fchdir back to the caller's cwd: %m");
		close(oldcwd);
	}
	if (r.child < 0) {
		husk_error_set(err, errno, "clone the container init (namespace flags 0x%x)", flags);
		goto fail;
	}
	if (r.child == 0) {
		c->parent_fds[0] = r.dirfd;
		c->parent_fds[1] = r.rootfd;
		c->parent_fds[2] = sv[0];
		c->parent_fds[3] = oldcwd;
		c->sync_fd = sv[1];
		init_main(c);
	}
	close(sv[1]);
	sv[1] = -1;
	if (run_child(&r, sv[0], err) < 0) {
		explain_death(&r, err);
		goto fail;
	}
	*pid_out = r.init;
	ret = 0;
	goto out;
fail:
	undo(&r);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (r.child_pidfd >= 0)
		close(r.child_pidfd);
	if (r.init_pidfd >= 0)
		close(r.init_pidfd);
	for (int i = 0; i < NS_COUNT; i++)
		if (c->ns_fd[i] >= 0)
			close(c->ns_fd[i]);
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->console_sock >= 0)
		close(c->console_sock);
	if (c->has_seccomp)
		seccomp_prog_free(&c->seccomp);
	if (r.dirfd >= 0)
		close(r.dirfd);
	if (r.rootfd >= 0)
		close(r.rootfd);
	state_free(&r.st);
	spec_free(r.spec);
	return ret;
}
