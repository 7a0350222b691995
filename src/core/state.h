/* Container state under --root: one directory per container holding state.json (written
 * atomically), the exec fifo and a lock (flock on the directory). The status is derived
 * from what the kernel says, not trusted from the file:
 *   creating  state.json says so and the husk process creating it is alive
 *   created   the init process is alive and the exec fifo still exists
 *   running   the init process is alive, the fifo is gone (start consumed it)
 *   stopped   the init process is gone (or a create died half-way) */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

struct husk_error;
typedef struct json_t json_t;

#define STATE_FILE "state.json"
#define EXEC_FIFO  "exec.fifo"

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED };

struct container_state {
	char *id;
	char *bundle;	    /* absolute */
	char *rootfs;	    /* absolute */
	char *created;	    /* RFC 3339 */
	char *saved_status; /* "creating" or "created" */
	pid_t pid;	    /* 0 while creating */
	uint64_t pid_start; /* /proc/PID/stat starttime, guards against PID reuse */
	pid_t creator;	    /* the husk process running create */
	uint64_t creator_start;
	bool pidns;	     /* the container has its own PID namespace */
	json_t *annotations; /* object, owned */
	json_t *hooks;	     /* {"poststart": [...], "poststop": [...]} or NULL, owned */
	struct cgroup cgroup;
	char *owner;
};

/* Validates a container ID: 1-250 characters of [A-Za-z0-9_.+-], not "." or "..". */
int state_validate_id(const char *id, struct husk_error *err);
/* Opens --root (creating it 0700 when create is true). Returns the dirfd. */
int state_open_root(const char *root, bool create, struct husk_error *err);
/* For commands that only read (state, list, kill): validates id, opens ROOT/ID, tries its
 * shared lock without waiting (*locked says whether it got it) and reads the state. Returns
 * the directory fd (the caller closes it and state_free()s *st). */
int state_load_unlocked(const char *root, const char *id, bool *locked, struct container_state *st,
			struct husk_error *err);
/* The error for a --root that could not be opened: "does not exist" when it is missing. */
int state_root_error(const char *id, struct husk_error *err);
/* Creates ROOT/ID exclusively ("already exists" error otherwise); returns its dirfd, locked. */
int state_create_dir(int rootfd, const char *id, struct husk_error *err);
/* How long a command waits for a container's lock before it gives up (create holds it until
 * the init is ready; a stuck or stopped husk process must not hang every later command). */
#define STATE_LOCK_WAIT_MS 5000
/* Takes the flock of fd, trying for up to wait_ms: never forever, so that a stuck or stopped
 * husk process holding it cannot hang every later command. */
bool state_lock_wait(int fd, bool exclusive, int wait_ms);
/* Opens ROOT/ID and locks it (exclusive or shared), waiting at most STATE_LOCK_WAIT_MS.
 * "does not exist" / "is busy" errors otherwise. */
int state_open_dir(int rootfd, const char *id, bool exclusive, struct husk_error *err);
/* Opens ROOT/ID and tries its lock for up to wait_ms; *locked says whether it got it (the fd
 * is returned either way: state.json is replaced atomically, so it can be read unlocked). */
int state_open_dir_try(int rootfd, const char *id, bool exclusive, int wait_ms, bool *locked,
		       struct husk_error *err);
/* The pid holding the flock of a container's state directory (0: none). Tells who is
 * creating a container before its state.json names the creator. */
pid_t state_lock_holder(int dirfd);
/* Removes ROOT/ID and everything in it. */
int state_remove_dir(int rootfd, const char *id, struct husk_error *err);

int state_write(int dirfd, const struct container_state *s, struct husk_error *err);
int state_read(int dirfd, const char *id, struct container_state *s, struct husk_error *err);
void state_free(struct container_state *s);

/* Live status. */
enum container_status state_status(int dirfd, const struct container_state *s);
const char *state_status_name(enum container_status st);
/* The runtime-spec state JSON ({ociVersion,id,status,pid,bundle,annotations,...}). */
json_t *state_to_oci_json(int dirfd, const struct container_state *s);

/* /proc/PID/stat starttime (field 22); 0 when the process does not exist. */
uint64_t proc_start_time(pid_t pid);
/* True unless pid is known to run another executable than this husk binary (a created
 * container's init is husk until it execs the user's program). */
bool proc_is_husk(pid_t pid);
/* True when pid is alive, is not a zombie, and started at start_time. */
bool proc_alive(pid_t pid, uint64_t start_time);
