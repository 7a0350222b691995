/* The container's init, in the cloned child: namespaces, rootfs, process attributes, then
 * it waits on the exec fifo for `start` and execs the user's program. Linear on purpose: each
 * step either succeeds or reports its error to the parent over the sync socket and exits. */
#include "core/init.h"

#include "core/hooks.h"
#include "core/sync.h"
#include "linux/caps.h"
#include "linux/console.h"
#include "linux/exec.h"
#include "linux/path.h"
#include "linux/process.h"
#include "linux/rootfs.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const int ns_flags[NS_COUNT] = {
    [NS_USER] = CLONE_NEWUSER,	   [NS_MNT] = CLONE_NEWNS,    [NS_PID] = CLONE_NEWPID,
    [NS_NET] = CLONE_NEWNET,	   [NS_IPC] = CLONE_NEWIPC,   [NS_UTS] = CLONE_NEWUTS,
    [NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};

int ns_flag(int idx)
{
	return ns_flags[idx];
}

__attribute__((noreturn)) static void fail(struct init_ctx *ctx, struct husk_error *e)
{
	sync_send(ctx->sync_fd, SYNC_ERROR, e);
	_exit(1);
}

#define TRY(ctx, expr, e)             \
	do {                          \
		if ((expr) < 0)       \
			fail(ctx, e); \
	} while (0)

/* setns into every namespace given by path, except those the parent handles (pid, time) and,
 * when skip_user, the user namespace. The user namespace goes first, the mount namespace last. */
static void join_namespaces(struct init_ctx *ctx, bool skip_user, struct husk_error *e)
{
	static const int order[] = {NS_USER, NS_IPC, NS_UTS, NS_NET, NS_CGROUP, NS_MNT};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int idx = order[i];
		if (ctx->ns_fd[idx] < 0 || (idx == NS_USER && skip_user))
			continue;
		if (setns(ctx->ns_fd[idx], ns_flags[idx]) < 0) {
			const struct spec_namespace *ns = spec_namespace(ctx->spec, ns_flags[idx]);
			husk_error_set(e, errno, "linux.namespaces: join %s namespace %s",
				       spec_namespace_name(ns_flags[idx]), ns && ns->path ? ns->path : "");
			fail(ctx, e);
		}
		close(ctx->ns_fd[idx]);
		ctx->ns_fd[idx] = -1;
		/* the rootfs setup (pivot_root!) must not move the other processes of a joined
		 * mount namespace: work on a private copy of it */
		if (idx == NS_MNT && unshare(CLONE_NEWNS) < 0) {
			husk_error_set(e, errno, "linux.namespaces: copy the joined mount namespace");
			fail(ctx, e);
		}
	}
}

/* In a new user namespace, become its root (when 0 is mapped), so files we create are owned
 * by the container's root and not by an unmapped user. */
static void become_userns_root(void)
{
	if (setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) < 0) {
		/* 0 is not mapped: stay as we are */
	}
}

/* Two-stage start (a new user namespace together with namespaces joined by path, or a user
 * namespace joined by path): join first, then create the user namespace, then the others,
 * then fork the real init so that it is PID 1 of a PID namespace owned by the right user
 * namespace. Returns in the real init only. */
static void stage_one(struct init_ctx *ctx, struct husk_error *e)
{
	bool joins_user = ctx->ns_fd[NS_USER] >= 0;
	join_namespaces(ctx, false, e);
	/* setns keeps our (unmapped) host ids: without this, files we create in the joined user
	 * namespace's filesystems fail with EOVERFLOW */
	if (joins_user)
		become_userns_root();
	if (ctx->ns_new & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0) {
			husk_error_set(e, errno, "create user namespace");
			fail(ctx, e);
		}
		TRY(ctx, sync_send(ctx->sync_fd, SYNC_USERNS, NULL), e);
		if (sync_expect(ctx->sync_fd, SYNC_USERNS_DONE, NULL, e) < 0)
			_exit(1);
		become_userns_root();
	}
	int rest = ctx->ns_new & ~(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME);
	if (rest && unshare(rest) < 0) {
		husk_error_set(e, errno, "create namespaces (flags 0x%x)", rest);
		fail(ctx, e);
	}
	pid_t pid = fork();
	if (pid < 0) {
		husk_error_set(e, errno, "fork container init");
		fail(ctx, e);
	}
	if (pid > 0)
		_exit(0);
	/* the parent learns our pid from the credentials the kernel attaches */
	if (sync_send(ctx->sync_fd, SYNC_PID, NULL) < 0)
		_exit(1);
}

static void setup_console(struct init_ctx *ctx, struct husk_error *e)
{
	int master, slave;
	TRY(ctx, console_open_pty("/dev/ptmx", &master, &slave, e), e);
	/* /dev/console: an empty file with the pty slave bind-mounted onto it */
	int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	int tree =
	    (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, "/dev/console", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		char src[32];
		if (mount(path_fd_proc(slave, src), "/dev/console", NULL, MS_BIND, NULL) < 0) {
			husk_error_set(e, errno, "process.terminal: bind the pty onto /dev/console");
			fail(ctx, e);
		}
	}
	if (tree >= 0)
		close(tree);
	TRY(ctx, console_send_fd(ctx->console_sock, master, "console", e), e);
	close(master);
	close(ctx->console_sock);
	ctx->console_sock = -1;
	const struct spec_process *p = &ctx->spec->process;
	TRY(ctx, console_make_controlling(slave, p->has_console_size ? &p->console_size : NULL, e), e);
	if (slave > 2)
		close(slave);
}

static void set_names(struct init_ctx *ctx, struct husk_error *e)
{
	const struct spec *s = ctx->spec;
	/* as runc: an empty name is not set (it would wipe the host's without a UTS namespace) */
	if (s->has_hostname && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		husk_error_set(e, errno, "hostname: sethostname \"%s\"", s->hostname);
		fail(ctx, e);
	}
	if (s->has_domainname && s->domainname[0] &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		husk_error_set(e, errno, "domainname: setdomainname \"%s\"", s->domainname);
		fail(ctx, e);
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every fd from 3 + preserve_fds on except the ones the init still needs. */
static void close_all_but(struct init_ctx *ctx, struct husk_error *e)
{
	int keep[NS_COUNT + 5], n = 0;
	int mine[] = {ctx->sync_fd, ctx->fifo_fd, ctx->console_sock, log_fd()};
	for (size_t i = 0; i < ARRAY_SIZE(mine); i++)
		if (mine[i] >= 0)
			keep[n++] = mine[i];
	for (int i = 0; i < NS_COUNT; i++)
		if (ctx->ns_fd[i] >= 0)
			keep[n++] = ctx->ns_fd[i];
	qsort(keep, n, sizeof keep[0], cmp_int);
	unsigned int lo = 3 + ctx->preserve_fds;
	for (int i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)keep[i] : ~0U;
		if (hi > lo && syscall(SYS_close_range, lo, hi == ~0U ? ~0U : hi - 1, 0) < 0) {
			husk_error_set(e, errno, "close_range %u-%u: close inherited fds", lo, hi - 1);
			fail(ctx, e);
		}
		if (i < n && (unsigned int)keep[i] + 1 > lo)
			lo = keep[i] + 1;
	}
}

/* Closes every fd >= first; without close_range (or with a filter that forbids it), one by one. */
static void close_from(int first, struct husk_error *e)
{
	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < (1u << 20) ? (int)rl.rlim_max : 1 << 20;
	for (int fd = first; fd < max; fd++)
		if (close(fd) < 0 && errno != EBADF) {
			dprintf(STDERR_FILENO, "husk: close fd %d before exec: %m\n", fd);
			_exit(127);
		}
}

/* Blocks until `start` opens the fifo for reading, then tells it we are going. */
static void wait_for_start(struct init_ctx *ctx, int procfd, struct husk_error *e)
{
	char name[16];
	snprintf(name, sizeof name, "%d", ctx->fifo_fd);
	int fd = openat(procfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		/* the parent is gone: only the container's stderr is left to tell */
		dprintf(STDERR_FILENO, "husk: container init: open the exec fifo: %m\n");
		_exit(1);
	}
	if (write(fd, "0", 1) != 1)
		_exit(1);
	close(fd);
	close(ctx->fifo_fd);
	close(procfd);
}

/* process.cwd, entered by fd and never through a magic link (/proc/self/fd/N of an fd we still
 * hold would lead to the host: CVE-2024-21626), then checked to be inside the container. */
static void enter_cwd(struct init_ctx *ctx, const char *cwd, struct husk_error *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int d = root >= 0 ? path_open_in_root(root, cwd, O_PATH | O_DIRECTORY, e) : -1;
	if (d < 0) {
		husk_error_prefix(e, "process.cwd %s", cwd);
		fail(ctx, e);
	}
	char buf[PATH_MAX];
	if (fchdir(d) < 0 || !getcwd(buf, sizeof buf) || buf[0] != '/') {
		husk_error_set(e, errno ? errno : EPERM,
			       "process.cwd %s: not a directory inside the container", cwd);
		fail(ctx, e);
	}
}

/* runc's rule: without HOME in process.env, the user's home from the container's /etc/passwd
 * ("/" when it has none). Returns env itself when HOME is there; else a new array. */
static char **env_with_home(char **env, size_t n, uint32_t uid)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], "HOME=", 5))
			return env;
	char home[PATH_MAX] = "/";
	FILE *f = fopen("/etc/passwd", "re");
	if (f) {
		char line[4096];
		while (fgets(line, sizeof line, f)) {
			/* name:passwd:uid:gid:gecos:home:shell */
			char *fld[7] = {0}, *p = line;
			int k = 0;
			for (; k < 7 && (fld[k] = strsep(&p, ":\n")); k++)
				;
			if (k >= 6 && fld[2] && fld[5] && fld[5][0] == '/' &&
			    strtoul(fld[2], NULL, 10) == uid && fld[2][0] >= '0' && fld[2][0] <= '9') {
				snprintf(home, sizeof home, "%s", fld[5]);
				break;
			}
		}
		fclose(f);
	}
	char **out = calloc(n + 2, sizeof *out);
	if (!out)
		return env;
	memcpy(out, env, n * sizeof *out);
	if (asprintf(&out[n], "HOME=%s", home) < 0) {
		free(out);
		return env;
	}
	return out;
}

/* The executable must not be reached through /proc/self/fd/N of an fd the init holds. */
static void check_no_magic_link(struct init_ctx *ctx, const char *field, const char *path,
				struct husk_error *e)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno == ENOSYS)
		return;
	husk_error_set(e, errno, "%s: %s%s", field, path,
		       errno == ELOOP ? " (through a /proc magic link)" : "");
	fail(ctx, e);
}

/* Namespaces and mounts exist: the parent runs prestart/createRuntime, we run createContainer
 * (in the container's namespaces, before pivot_root). Returns the state JSON for the hooks
 * (NULL when the config has none of these). */
static char *create_hooks(struct init_ctx *ctx, struct husk_error *e)
{
	const struct spec *s = ctx->spec;
	if (!s->n_hooks[SPEC_HOOK_PRESTART] && !s->n_hooks[SPEC_HOOK_CREATE_RUNTIME] &&
	    !s->n_hooks[SPEC_HOOK_CREATE_CONTAINER] && !s->n_hooks[SPEC_HOOK_START_CONTAINER])
		return NULL;
	TRY(ctx, sync_send(ctx->sync_fd, SYNC_HOOKS, NULL), e);
	if (sync_expect(ctx->sync_fd, SYNC_HOOKS_DONE, NULL, e) < 0)
		fail(ctx, e);
	size_t cap = 1 << 18;
	char *state = malloc(cap);
	ssize_t n = state ? recv(ctx->sync_fd, state, cap - 1, 0) : -1;
	if (n <= 0) {
		husk_error_set(e, errno, "hooks: receive the container state");
		fail(ctx, e);
	}
	state[n] = '\0';
	TRY(ctx,
	    hooks_run(s->hooks[SPEC_HOOK_CREATE_CONTAINER], s->n_hooks[SPEC_HOOK_CREATE_CONTAINER],
		      "createContainer", state, e),
	    e);
	return state;
}

/* startContainer hooks: inside the container, after `start`, before the user's program. The
 * parent is gone: a failure is reported on the container's stderr and stops it. */
static void start_hooks(struct init_ctx *ctx, const char *state, struct husk_error *e)
{
	const struct spec *s = ctx->spec;
	if (!state || !s->n_hooks[SPEC_HOOK_START_CONTAINER])
		return;
	json_t *o = json_loads(state, 0, NULL);
	json_object_set_new(o, "status", json_string("created"));
	_cleanup_free_ char *st = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (hooks_run(s->hooks[SPEC_HOOK_START_CONTAINER], s->n_hooks[SPEC_HOOK_START_CONTAINER],
		      "startContainer", st ? st : state, e) < 0) {
		dprintf(STDERR_FILENO, "husk: %s\n", e->msg);
		_exit(1);
	}
}

static void setup_container(struct init_ctx *ctx, struct husk_error *e)
{
	const struct spec *s = ctx->spec;
	const struct spec_process *p = &s->process;

	/* a session of its own; with a terminal, console_make_controlling() makes it */
	if (!(p->terminal && ctx->console_sock >= 0))
		setsid();
	if (!ctx->no_new_keyring)
		syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
	/* the host's /proc/self/fd, to reopen the exec fifo once the host is out of sight */
	int procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		husk_error_set(e, errno, "open /proc/self/fd");
		fail(ctx, e);
	}

	struct rootfs_ctx rc = {
	    .spec = s,
	    .rootfs = ctx->rootfs,
	    .no_pivot = ctx->no_pivot,
	    .in_userns = (ctx->ns_new & CLONE_NEWUSER) || ctx->ns_fd[NS_USER] >= 0,
	    .new_cgroupns = ctx->ns_new & CLONE_NEWCGROUP,
	    .cgroup_mountpoints = ctx->cg_mountpoints,
	    .cgroup_paths = ctx->cg_paths,
	    .console_fd = -1,
	};
	TRY(ctx, rootfs_prepare(&rc, e), e);
	_cleanup_free_ char *hook_state = create_hooks(ctx, e);
	if (p->cwd && strcmp(p->cwd, "/")) {
		/* like runc, a missing cwd is created (inside the rootfs, by fd) */
		_cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		int fd = rootfd >= 0 ? path_create_in_root(rootfd, p->cwd, false, NULL) : -1;
		if (fd >= 0)
			close(fd);
	}
	/* through the host's /proc, which shows our namespaces' values: before readonlyPaths
	 * makes the container's /proc/sys read-only */
	TRY(ctx, process_set_sysctls(s, e), e);
	TRY(ctx, rootfs_finish(&rc, e), e);
	set_names(ctx, e);
	if (p->terminal && ctx->console_sock >= 0)
		setup_console(ctx, e);
	TRY(ctx, process_set_scheduler(p, e), e);
	TRY(ctx, process_set_io_priority(p, e), e);
	TRY(ctx, process_set_personality(s, e), e);

	if (p->n_rlimits) {
		/* set by the parent while we still have its credentials (as runc) */
		TRY(ctx, sync_send(ctx->sync_fd, SYNC_RLIMITS, NULL), e);
		if (sync_expect(ctx->sync_fd, SYNC_RLIMITS_DONE, NULL, e) < 0)
			fail(ctx, e);
	}
	if (ctx->has_seccomp && (!p->no_new_privileges || ctx->seccomp.notify)) {
		/* without no_new_privs, loading needs CAP_SYS_ADMIN: before the capabilities go;
		 * a notify filter too, so that its listener fd reaches the parent while it waits */
		int lfd = seccomp_prog_load(&ctx->seccomp, e);
		TRY(ctx, lfd, e);
		if (ctx->seccomp.notify) {
			TRY(ctx, sync_send_fd(ctx->sync_fd, SYNC_SECCOMP_FD, lfd), e);
			close(lfd);
			if (sync_expect(ctx->sync_fd, SYNC_SECCOMP_FD_DONE, NULL, e) < 0)
				_exit(1);
		}
	}
	if (p->caps.present)
		TRY(ctx, caps_drop_bounding(&p->caps, e), e);
	TRY(ctx, process_set_user(&p->user, e), e);
	enter_cwd(ctx, p->cwd ? p->cwd : "/", e);
	if (p->caps.present)
		TRY(ctx, caps_apply(&p->caps, e), e);
	/* as the user, from the cwd: what execve will see */
	char **env = env_with_home(p->env, p->n_env, p->user.uid);
	_cleanup_free_ char *exe = NULL;
	TRY(ctx, exec_resolve(p->args[0], env, &exe, e), e);
	check_no_magic_link(ctx, "process.args[0]", exe, e);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		husk_error_set(e, errno, "process.noNewPrivileges");
		fail(ctx, e);
	}

	/* from here the parent may exit (create): EOF on the socket tells us if it died early */
	prctl(PR_SET_PDEATHSIG, 0);
	TRY(ctx, sync_send(ctx->sync_fd, SYNC_READY, NULL), e);
	if (sync_expect(ctx->sync_fd, SYNC_ACK, NULL, e) < 0)
		_exit(1);
	close(ctx->sync_fd);

	wait_for_start(ctx, procfd, e);
	start_hooks(ctx, hook_state, e);

	/* really close everything beyond stdio and --preserve-fds: execve resolves its path (and
	 * a "#!" interpreter) before close-on-exec fds go */
	if (log_fd() >= 0)
		close(log_fd()); /* it may sit inside the --preserve-fds range */
	close_from(3 + ctx->preserve_fds, e);
	if (ctx->has_seccomp && p->no_new_privileges && !ctx->seccomp.notify &&
	    seccomp_prog_load(&ctx->seccomp, e) < 0) {
		dprintf(STDERR_FILENO, "husk: %s\n", e->msg);
		_exit(127);
	}
	exec_process(exe, p->args, env, e);
	dprintf(STDERR_FILENO, "husk: %s\n", e->msg);
	_exit(e->err == ENOENT ? 127 : 126);
}

void init_main(struct init_ctx *ctx)
{
	struct husk_error e = {0};
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* not dumpable until execve: nothing in the container (a sibling in a shared PID namespace)
	 * may open our fds or /proc/PID/exe, the husk binary, while we hold host resources */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* the parent's fds: the state lock (our copy would block `start`), its cwd, ... */
	for (size_t i = 0; i < ARRAY_SIZE(ctx->parent_fds); i++)
		if (ctx->parent_fds[i] >= 0)
			close(ctx->parent_fds[i]);
	/* joined by the parent already */
	static const int joined_by_parent[] = {NS_PID, NS_TIME};
	for (size_t i = 0; i < ARRAY_SIZE(joined_by_parent); i++) {
		int *fd = &ctx->ns_fd[joined_by_parent[i]];
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	/* whatever else the caller left open (beyond --preserve-fds) is closed now: nothing of
	 * the host stays reachable, and a small RLIMIT_NOFILE is not used up by it */
	close_all_but(ctx, &e);
	/* until we report ready, die with the husk process that is creating us */
	if (!ctx->two_stage) {
		/* (a parent that died before this is seen as EOF on the sync socket) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	if (sync_expect(ctx->sync_fd, SYNC_GO, NULL, &e) < 0)
		_exit(1);
	if (ctx->two_stage) {
		stage_one(ctx, &e);
	} else {
		if (ctx->ns_new & CLONE_NEWUSER)
			become_userns_root();
		join_namespaces(ctx, true, &e);
	}
	if ((ctx->ns_new & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		husk_error_set(&e, errno, "create cgroup namespace");
		fail(ctx, &e);
	}
	setup_container(ctx, &e);
	_exit(127);
}
