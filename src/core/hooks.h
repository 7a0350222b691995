/* OCI hooks (runtime-spec config.md "POSIX-platform Hooks"): each hook is executed with the
 * container's state JSON on its stdin; a non-zero exit, a failure to run it or its timeout is an
 * error that names the hook and carries the end of its output.
 *
 *   prestart, createRuntime  by `create`, in husk's namespaces, once the container's namespaces
 *                            and mounts exist, before pivot_root (SYNC_HOOKS)
 *   createContainer          by the init, in the container's namespaces, before pivot_root
 *   startContainer           by the init, inside the container, after `start`, before exec
 *   poststart                by `start` once the process runs (failures are warnings)
 *   poststop                 by `delete` once the container is gone (failures are warnings)
 * poststart and poststop are kept in state.json (`start` and `delete` do not read config.json). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

struct container_state;
struct husk_error;
struct spec_hook;
typedef struct json_t json_t;

/* Runs hooks[0..n) in order; kind ("createRuntime") names them in errors. */
int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct husk_error *err);
/* The runtime-spec state handed to hooks. annotations may be NULL. Malloc'ed. */
char *hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
		       json_t *annotations);
/* Hook lists to and from JSON ({"path","args","env","timeout"} objects), for state.json. */
json_t *hooks_to_json(const struct spec_hook *hooks, size_t n);
int hooks_from_json(json_t *array, struct spec_hook **out, size_t *n);
void hooks_free(struct spec_hook *hooks, size_t n);
/* Runs the poststart or poststop hooks kept in st's state.json; failures are logged as
 * warnings (runtime-spec). */
void hooks_run_kept(const struct container_state *st, const char *kind, const char *status, pid_t pid);
