/* Placement of a container in its cgroup, on cgroup v1, hybrid and v2 hosts.
 *
 * A relative linux.cgroupsPath (and the default, "husk/<id>") is taken relative to the
 * runtime's own cgroup in every hierarchy, as runc does; an absolute one is taken as it is.
 * Only the directories husk made are recorded and removed again. Resource limits
 * (linux.resources) are a later driver layer on top of this. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct husk_error;
typedef struct json_t json_t;

enum cgroup_mode { CGROUP_NONE, CGROUP_V1, CGROUP_HYBRID, CGROUP_V2 };

struct cgroup_dir {
	char *mountpoint; /* e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup (v2) */
	char *path;	  /* the container's cgroup inside that hierarchy, e.g. /my/cg/husk/ID */
	char *options;	  /* v1 super options ("memory", "name=systemd"); NULL for cgroup2 */
	bool v2;
};

struct cgroup {
	enum cgroup_mode mode;
	struct cgroup_dir *dirs;
	size_t n_dirs;
	char **created; /* absolute directories husk made, parents first */
	size_t n_created;
};

enum cgroup_mode cgroup_host_mode(void);
const char *cgroup_mode_name(enum cgroup_mode m);

/* Resolves cgroups_path (NULL: default "husk/<id>") for every hierarchy of the host and
 * makes the directories. On failure nothing it made is left. */
int cgroup_create(const char *cgroups_path, const char *id, struct cgroup *cg, struct husk_error *err);
/* The two halves of cgroup_create: plan resolves the paths and lists in cg->created the
 * directories that do not exist yet (nothing is made), so that the caller can record them
 * before cgroup_make() makes them: a crash in between leaves nothing unrecorded. */
int cgroup_plan(const char *cgroups_path, const char *id, struct cgroup *cg, struct husk_error *err);
int cgroup_make(const struct cgroup *cg, struct husk_error *err);
/* Moves pid into the container's cgroup in every hierarchy. */
int cgroup_enter(const struct cgroup *cg, pid_t pid, struct husk_error *err);
/* PIDs in the container's cgroup (first hierarchy that lists any). *out malloc'ed. */
int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, struct husk_error *err);
/* Kills what is left (SIGKILL, waiting up to ~2 s) and removes the directories husk made. */
int cgroup_destroy(const struct cgroup *cg, struct husk_error *err);
void cgroup_free(struct cgroup *cg);

/* State serialisation: {"mode":..,"dirs":[{"mountpoint","path","options"}],"created":[..]} */
json_t *cgroup_to_json(const struct cgroup *cg);
int cgroup_from_json(json_t *j, struct cgroup *cg, struct husk_error *err);
