#include "core/hooks.h"

#include "core/state.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_TAIL 512

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Keeps the last OUTPUT_TAIL bytes of what the hook printed. */
static void keep_tail(char *tail, size_t *len, const char *buf, size_t n)
{
	if (n >= OUTPUT_TAIL) {
		memcpy(tail, buf + n - OUTPUT_TAIL, OUTPUT_TAIL);
		*len = OUTPUT_TAIL;
		return;
	}
	if (*len + n > OUTPUT_TAIL) {
		size_t drop = *len + n - OUTPUT_TAIL;
		memmove(tail, tail + drop, *len - drop);
		*len -= drop;
	}
	memcpy(tail + *len, buf, n);
	*len += n;
}

__attribute__((noreturn)) static void exec_hook(const struct spec_hook *h, int in, int out)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	syscall(SYS_close_range, 3, ~0U, 0);
	char *no_args[] = {h->path, NULL}, *no_env[] = {NULL};
	execve(h->path, h->n_args ? h->args : no_args, h->n_env ? h->env : no_env);
	dprintf(2, "exec %s: %s", h->path, strerror(errno));
	_exit(127);
}

static int run_one(const struct spec_hook *h, const char *name, const char *state, struct husk_error *err)
{
	int in[2], out[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return husk_error_set(err, errno, "%s: socketpair", name);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return husk_error_set(err, errno, "%s: pipe", name);
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_hook(h, in[1], out[1]);
	close(in[1]);
	close(out[1]);
	_cleanup_close_ int to_hook = in[0], from_hook = out[0];
	if (pid < 0)
		return husk_error_set(err, errno, "%s %s: fork", name, h->path);
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* the state on stdin; a hook that does not read it is fine */
	send(to_hook, state, strlen(state), MSG_NOSIGNAL);
	shutdown(to_hook, SHUT_WR);

	char tail[OUTPUT_TAIL], buf[4096];
	size_t tail_len = 0;
	long deadline = h->has_timeout ? now_ms() + h->timeout * 1000L : -1;
	bool timed_out = false, eof = false;
	while (!eof) {
		int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = {from_hook, POLLIN, 0};
		int r = poll(&p, 1, wait);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(from_hook, buf, sizeof buf);
			if (n > 0)
				keep_tail(tail, &tail_len, buf, n);
			else if (n == 0 || errno != EINTR)
				eof = true;
		}
	}
	if (timed_out) {
		if (pidfd >= 0)
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		return husk_error_set(err, 0, "%s %s: timed out after %d s", name, h->path, h->timeout);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return husk_error_set(err, errno, "%s %s: wait", name, h->path);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	while (tail_len && (tail[tail_len - 1] == '\n' || tail[tail_len - 1] == '\r'))
		tail_len--;
	char how[64];
	if (WIFEXITED(st))
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
	else
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(st));
	return husk_error_set(err, 0, "%s %s: %s%s%.*s", name, h->path, how, tail_len ? ": " : "",
			      (int)tail_len, tail);
}

int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct husk_error *err)
{
	char name[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "hooks.%s[%zu]", kind, i);
		if (run_one(&hooks[i], name, state_json, err) < 0)
			return -1;
	}
	return 0;
}

char *hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle, json_t *annotations)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:O}", "ociVersion", "1.2.0", "id", id, "status",
			      status, "pid", (int)pid, "bundle", bundle ? bundle : "", "annotations",
			      annotations ? annotations : json_object());
	if (!annotations)
		json_decref(json_object_get(o, "annotations"));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static json_t *strings(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *hooks_to_json(const struct spec_hook *hooks, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct spec_hook *h = &hooks[i];
		json_t *o = json_pack("{s:s, s:o, s:o}", "path", h->path, "args", strings(h->args, h->n_args),
				      "env", strings(h->env, h->n_env));
		if (h->has_timeout)
			json_object_set_new(o, "timeout", json_integer(h->timeout));
		json_array_append_new(a, o);
	}
	return a;
}

static char **strings_from(json_t *a, size_t *n)
{
	*n = json_array_size(a);
	char **v = calloc(*n + 1, sizeof *v);
	for (size_t i = 0; v && i < *n; i++)
		v[i] = strdup(
		    json_string_value(json_array_get(a, i)) ? json_string_value(json_array_get(a, i)) : "");
	return v;
}

int hooks_from_json(json_t *array, struct spec_hook **out, size_t *n)
{
	*out = NULL;
	*n = json_array_size(array);
	if (!*n)
		return 0;
	struct spec_hook *h = calloc(*n, sizeof *h);
	if (!h)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		json_t *o = json_array_get(array, i);
		const char *path = json_string_value(json_object_get(o, "path"));
		h[i].path = strdup(path ? path : "");
		h[i].args = strings_from(json_object_get(o, "args"), &h[i].n_args);
		h[i].env = strings_from(json_object_get(o, "env"), &h[i].n_env);
		json_t *t = json_object_get(o, "timeout");
		h[i].has_timeout = json_is_integer(t);
		h[i].timeout = (int)json_integer_value(t);
	}
	*out = h;
	return 0;
}

/* poststart / poststop from state.json: failures are warnings (runtime-spec). */
void hooks_run_kept(const struct container_state *st, const char *kind, const char *status, pid_t pid)
{
	struct spec_hook *h;
	size_t n;
	if (!st->hooks || hooks_from_json(json_object_get(st->hooks, kind), &h, &n) < 0 || !n)
		return;
	struct husk_error e;
	char *state = hooks_state_json(st->id, status, pid, st->bundle, st->annotations);
	if (state && hooks_run(h, n, kind, state, &e) < 0)
		log_warn("%s", e.msg);
	free(state);
	hooks_free(h, n);
}

void hooks_free(struct spec_hook *hooks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hooks[i].path);
		for (size_t j = 0; j < hooks[i].n_args; j++)
			free(hooks[i].args[j]);
		free(hooks[i].args);
		for (size_t j = 0; j < hooks[i].n_env; j++)
			free(hooks[i].env[j]);
		free(hooks[i].env);
	}
	free(hooks);
}
