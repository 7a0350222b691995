/* `kill` and `delete`. Signals go through a pidfd checked against the recorded start time,
 * so a recycled PID is never signalled. */
#include "core/container.h"
#include "core/hooks.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int pidfd_for(const struct container_state *st)
{
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return -1;
	/* opened, then checked: the pidfd pins the process we verified */
	if (!proc_alive(st->pid, st->pid_start)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

/* Waits up to timeout_ms for the process behind pidfd to exit. */
static bool wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	return poll(&p, 1, timeout_ms) > 0;
}

static int signal_init(const struct container_state *st, int sig, struct husk_error *err)
{
	_cleanup_close_ int fd = pidfd_for(st);
	if (fd < 0)
		return husk_error_set(err, ESRCH, "container \"%s\": process %d", st->id, (int)st->pid);
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return husk_error_set(err, errno, "container \"%s\": signal process %d", st->id,
				      (int)st->pid);
	return 0;
}

/* Every process of the container's cgroup; when the cgroup lists none, the init (if alive). */
static int signal_all(const struct container_state *st, int sig, bool alive, struct husk_error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (cgroup_pids(&st->cgroup, &pids, &n, err) < 0)
		return -1;
	if (n == 0 && alive && st->pid > 0)
		return signal_init(st, sig, err);
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return husk_error_set(err, errno, "container \"%s\": signal process %d", st->id,
					      (int)pids[i]);
	return 0;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct husk_error *err)
{
	/* signalling changes no state: the lock is not needed (create may hold it) */
	bool locked;
	struct container_state st;
	_cleanup_close_ int dirfd = state_load_unlocked(root, id, &locked, &st, err);
	if (dirfd < 0)
		return -1;
	enum container_status status = state_status(dirfd, &st);
	int r;
	bool alive = status == STATUS_CREATED || status == STATUS_RUNNING;
	/* as runc: --all on a stopped container signals what is left in its cgroup (processes of a
	 * container without a PID namespace outlive its init); nothing left is no error */
	if (all && (alive || status == STATUS_STOPPED))
		r = signal_all(&st, sig, alive, err);
	else if (!alive)
		r = husk_error_set(err, 0, "cannot kill container \"%s\": it is %s", id,
				   state_status_name(status));
	else
		r = signal_init(&st, sig, err);
	state_free(&st);
	return r;
}

/* The lock is held by someone else: a create that is stuck (or stopped). With
 * --force, kill the creating husk process (its init dies with it), then take the lock. */
static int stop_creator(int dirfd, const char *id, bool force, struct husk_error *err)
{
	struct container_state st;
	if (state_read(dirfd, id, &st, err) < 0)
		return -1;
	int r = 0;
	if (st.creator <= 0 && st.pid <= 0) {
		/* no state.json yet: the lock's holder is the create in its first moments */
		st.creator = state_lock_holder(dirfd);
		st.creator_start = proc_start_time(st.creator);
	}
	if (state_status(dirfd, &st) != STATUS_CREATING) {
		/* a start or another delete: short-lived, wait for it (bounded) */
		if (!state_lock_wait(dirfd, true, STATE_LOCK_WAIT_MS))
			r = husk_error_set(
			    err, 0, "container \"%s\" is busy: another husk command holds its lock", id);
	} else if (!force) {
		r = husk_error_set(err, 0,
				   "cannot delete container \"%s\" while husk process %d is creating it "
				   "(use --force to stop it)",
				   id, (int)st.creator);
	} else {
		struct container_state creator = {
		    .id = st.id, .pid = st.creator, .pid_start = st.creator_start};
		_cleanup_close_ int fd = pidfd_for(&creator);
		if (fd >= 0) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			if (!wait_exit(fd, 10000))
				r = husk_error_set(err, ETIMEDOUT,
						   "delete %s: the creating husk process %d did not exit", id,
						   (int)st.creator);
		}
		if (r == 0 && !state_lock_wait(dirfd, true, STATE_LOCK_WAIT_MS))
			r = husk_error_set(
			    err, 0, "container \"%s\" is busy: another husk command holds its lock", id);
	}
	state_free(&st);
	return r;
}

int container_delete(const char *root, const char *id, bool force, struct husk_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_open_root(root, false, err);
	if (rootfd < 0)
		return force && err && err->err == ENOENT ? 0 : state_root_error(id, err);
	bool locked;
	_cleanup_close_ int dirfd = state_open_dir_try(rootfd, id, true, 0, &locked, err);
	if (dirfd < 0) {
		/* as runc: --force on a container that is gone is not an error (containerd calls
		 * delete, then delete --force) */
		struct stat sb;
		if (force && fstatat(rootfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			return 0;
		return -1;
	}
	if (!locked && stop_creator(dirfd, id, force, err) < 0)
		return -1;
	struct container_state st;
	if (state_read(dirfd, id, &st, err) < 0) {
		if (!force)
			return -1;
		/* a corrupt state: with --force, remove what we can */
		state_free(&st);
		return state_remove_dir(rootfd, id, err);
	}
	enum container_status status = state_status(dirfd, &st);
	int r = 0;
	if (status == STATUS_RUNNING && !force) {
		r = husk_error_set(
		    err, 0, "cannot delete container \"%s\" that is running: stop it first or use --force",
		    id);
		goto out;
	}
	if (status == STATUS_CREATING && !force) {
		r = husk_error_set(err, 0, "cannot delete container \"%s\" while it is being created", id);
		goto out;
	}
	if (status == STATUS_CREATED || status == STATUS_RUNNING) {
		_cleanup_close_ int fd = pidfd_for(&st);
		if (fd >= 0) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			if (!wait_exit(fd, 10000)) {
				r = husk_error_set(err, ETIMEDOUT,
						   "delete %s: process %d did not exit after SIGKILL", id,
						   (int)st.pid);
				goto out;
			}
		}
	}
	/* without its own PID namespace, other processes may remain: cgroup_destroy kills them */
	if (cgroup_destroy(&st.cgroup, err) < 0) {
		r = husk_error_prefix(err, "delete %s", id);
		goto out;
	}
	hooks_run_kept(&st, "poststop", "stopped", 0);
	r = state_remove_dir(rootfd, id, err);
out:
	state_free(&st);
	return r;
}
