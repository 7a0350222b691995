/* The container lifecycle: what `husk oci VERB` does, as a library (no printing, no exit).
 * The people's CLI will call the same functions. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct husk_error;
typedef struct json_t json_t;

struct create_opts {
	const char *root; /* state root, e.g. /run/husk */
	const char *id;
	const char *bundle; /* bundle directory (default ".") */
	const char *pid_file;
	const char *console_socket;
	int console_fd; /* -1, or a connected socket that gets the pty master when process.terminal
			 * is true and there is no console_socket (`run` in the foreground) */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool for_run; /* `run`: the caller is a subreaper and waits for the container */
};

/* Creates the container; returns once its init waits for start. *pid: the init's pid. */
int container_create(const struct create_opts *o, pid_t *pid, struct husk_error *err);
/* Releases a created container's process to exec its program. */
int container_start(const char *root, const char *id, struct husk_error *err);
/* Sends sig to the init (all: to every process of the container). */
int container_kill(const char *root, const char *id, int sig, bool all, struct husk_error *err);
/* Deletes a stopped (or, with force, any) container: kills, removes cgroup and state. */
int container_delete(const char *root, const char *id, bool force, struct husk_error *err);
/* The runtime-spec state of one container. */
int container_state(const char *root, const char *id, json_t **out, struct husk_error *err);
/* States of every container under root (an array). */
int container_list(const char *root, json_t **out, struct husk_error *err);
