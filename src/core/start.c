/* `start`: the init is blocked opening the exec fifo for writing; open it for reading, take
 * its byte, and remove the fifo (which is what makes the status "running"). */
#include "core/container.h"
#include "core/hooks.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

int container_start(const char *root, const char *id, struct husk_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_open_root(root, false, err);
	if (rootfd < 0)
		return state_root_error(id, err);
	_cleanup_close_ int dirfd = state_open_dir(rootfd, id, true, err);
	if (dirfd < 0)
		return -1;
	struct container_state st;
	_cleanup_close_ int fifo = -1;
	if (state_read(dirfd, id, &st, err) < 0)
		return -1;
	enum container_status status = state_status(dirfd, &st);
	int r = 0;
	if (status != STATUS_CREATED) {
		r = husk_error_set(err, 0, "cannot start container \"%s\": it is %s, not created", id,
				   state_status_name(status));
		goto out;
	}
	fifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		r = husk_error_set(err, errno, "start %s: open exec fifo", id);
		goto out;
	}
	/* a waiting init is blocked opening the fifo and writes its byte as soon as we are
	 * here; one that has exec'd already (a start killed before it removed the fifo) never
	 * will: bounded, and recognised by its executable no longer being husk */
	for (int waited = 0;; waited += 50) {
		struct pollfd p = {fifo, POLLIN, 0};
		int n = poll(&p, 1, 50);
		if (n < 0 && errno != EINTR) {
			r = husk_error_set(err, errno, "start %s: wait for the container", id);
			break;
		}
		if (n > 0) {
			char c;
			if (read(fifo, &c, 1) == 1)
				break;
		}
		if (!proc_alive(st.pid, st.pid_start)) {
			r = husk_error_set(err, 0, "start %s: the container's process %d has died", id,
					   (int)st.pid);
			break;
		}
		if (!proc_is_husk(st.pid) || waited >= 10000) {
			r = husk_error_set(
			    err, 0, "container \"%s\" is already running (a start was interrupted)", id);
			break;
		}
	}
	unlinkat(dirfd, EXEC_FIFO, 0);
	if (r == 0)
		hooks_run_kept(&st, "poststart", "running", st.pid);
out:
	state_free(&st);
	return r;
}
