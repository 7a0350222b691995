/* The OCI runtime-spec config.json (v1.0 - v1.3, Linux) as C structs.
 *
 * spec_load() parses and validates a bundle's config.json; every error names the JSON path
 * of the field (e.g. "process.capabilities.bounding[3]") or the line/column of a syntax error.
 * Strings are owned by the struct; spec_free() releases everything. Optional scalars come
 * with a has_* flag. Arrays are (pointer, count) pairs; string lists are also NULL-terminated. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct husk_error;

struct spec_id_map {
	uint32_t container_id, host_id, size;
};

/* One linux.namespaces entry. type is a CLONE_NEW* flag. */
struct spec_namespace {
	int type;
	char *path; /* NULL: create a new one */
};

struct spec_mount {
	char *destination; /* absolute path inside the container (validated) */
	char *type;	   /* may be NULL (bind mounts) */
	char *source;	   /* may be NULL */
	char **options;	   /* NULL-terminated */
	size_t n_options;
	struct spec_id_map *uid_mappings, *gid_mappings; /* idmapped mounts (v1.1) */
	size_t n_uid_mappings, n_gid_mappings;
};

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct spec_device {
	char *path;
	char type; /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	uint32_t file_mode;
	bool has_file_mode;
	uint32_t uid, gid;
	bool has_uid, has_gid;
};

/* Capability sets as bitmasks over capability numbers (bit n = capability n). */
struct spec_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool present; /* process.capabilities given at all */
};

enum spec_seccomp_op {
	SPEC_SCMP_NE = 1,
	SPEC_SCMP_LT,
	SPEC_SCMP_LE,
	SPEC_SCMP_EQ,
	SPEC_SCMP_GE,
	SPEC_SCMP_GT,
	SPEC_SCMP_MASKED_EQ
}; /* same values as libseccomp's enum scmp_compare */

struct spec_seccomp_arg {
	unsigned int index;
	uint64_t value, value_two;
	enum spec_seccomp_op op;
};

/* Seccomp actions are kept as libseccomp-independent codes; src/linux/seccomp.c maps them. */
enum spec_seccomp_action {
	SPEC_SCMP_ACT_KILL = 1, /* SCMP_ACT_KILL == KILL_THREAD */
	SPEC_SCMP_ACT_KILL_PROCESS,
	SPEC_SCMP_ACT_KILL_THREAD,
	SPEC_SCMP_ACT_TRAP,
	SPEC_SCMP_ACT_ERRNO,
	SPEC_SCMP_ACT_TRACE,
	SPEC_SCMP_ACT_ALLOW,
	SPEC_SCMP_ACT_LOG,
	SPEC_SCMP_ACT_NOTIFY,
};

struct spec_seccomp_syscall {
	char **names; /* NULL-terminated */
	size_t n_names;
	enum spec_seccomp_action action;
	uint32_t errno_ret; /* for ERRNO (default EPERM) and TRACE */
	bool has_errno_ret;
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	enum spec_seccomp_action default_action;
	uint32_t default_errno_ret;
	bool has_default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", ...; NULL-terminated */
	size_t n_architectures;
	char **flags; /* "SECCOMP_FILTER_FLAG_LOG", ...; NULL-terminated */
	size_t n_flags;
	char *listener_path, *listener_metadata;
	struct spec_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct spec_scheduler {
	char *policy; /* "SCHED_OTHER", ... (validated) */
	int policy_num;
	int32_t nice, priority;
	char **flags; /* "SCHED_FLAG_RESET_ON_FORK", ... */
	size_t n_flags;
	uint64_t runtime, deadline, period;
};

struct spec_io_priority {
	int class_num; /* IOPRIO_CLASS_RT=1, BE=2, IDLE=3 */
	int priority;
};

struct spec_user {
	uint32_t uid, gid;
	uint32_t umask;
	bool has_umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* unused on Linux, kept for state */
};

struct spec_console_size {
	unsigned int height, width;
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	struct spec_console_size console_size;
	struct spec_user user;
	char **args; /* NULL-terminated, at least one element */
	size_t n_args;
	char **env; /* NULL-terminated */
	size_t n_env;
	char *cwd; /* absolute */
	struct spec_caps caps;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	char *selinux_label;
	int oom_score_adj;
	bool has_oom_score_adj;
	bool has_scheduler;
	struct spec_scheduler scheduler;
	bool has_io_priority;
	struct spec_io_priority io_priority;
};

struct spec_personality {
	unsigned long domain; /* PER_LINUX or PER_LINUX32 */
	bool present;
};

struct spec_sysctl {
	char *key, *value;
};

struct spec_time_offset {
	int64_t secs;
	uint32_t nanosecs;
	bool present;
};

struct spec_hook {
	char *path;
	char **args, **env;
	size_t n_args, n_env;
	int timeout;
	bool has_timeout;
};

enum spec_hook_kind {
	SPEC_HOOK_PRESTART,
	SPEC_HOOK_CREATE_RUNTIME,
	SPEC_HOOK_CREATE_CONTAINER,
	SPEC_HOOK_START_CONTAINER,
	SPEC_HOOK_POSTSTART,
	SPEC_HOOK_POSTSTOP,
	SPEC_HOOK_KINDS
};

struct spec_annotation {
	char *key, *value;
};

struct spec {
	char *oci_version;
	char *hostname, *domainname;
	bool has_hostname, has_domainname;

	struct {
		char *path; /* as written in config.json */
		bool readonly;
	} root;

	bool has_process;
	struct spec_process process;

	struct spec_mount *mounts;
	size_t n_mounts;

	struct spec_hook *hooks[SPEC_HOOK_KINDS];
	size_t n_hooks[SPEC_HOOK_KINDS];

	struct spec_annotation *annotations;
	size_t n_annotations;

	/* linux */
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_id_map *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct spec_time_offset time_monotonic, time_boottime;
	struct spec_device *devices;
	size_t n_devices;
	char *cgroups_path; /* NULL when absent */
	void *resources;    /* the raw linux.resources JSON (json_t *, owned); issue: cgroups */
	char *rootfs_propagation;
	unsigned long
	    rootfs_propagation_flags; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE | MS_REC, 0 = default */
	char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	char *mount_label;
	struct spec_sysctl *sysctls;
	size_t n_sysctls;
	bool has_seccomp;
	struct spec_seccomp seccomp;
	struct spec_personality personality;
	char *intel_rdt_clos; /* refused if set */
};

/* Reads and validates BUNDLE/config.json. On success *out is a new spec. */
int spec_load(const char *bundle_dir, struct spec **out, struct husk_error *err);
/* Parses and validates a config from memory; name is used in messages ("config.json"). */
int spec_parse(const char *data, size_t len, const char *name, struct spec **out, struct husk_error *err);
void spec_free(struct spec *s);

/* Namespace lookup: returns the entry of type CLONE_NEW*, or NULL. */
const struct spec_namespace *spec_namespace(const struct spec *s, int type);
/* Annotation lookup, NULL when absent. */
const char *spec_annotation(const struct spec *s, const char *key);

/* The default config.json for `husk oci spec` (rootless: user namespace, no network ns,
 * rootless-friendly mounts). Returns a malloc'ed, pretty-printed JSON document. */
char *spec_default_json(bool rootless, struct husk_error *err);

/* Name tables (src/spec/names.c). Each returns -1 for an unknown name. */
int spec_capability_from_name(const char *name); /* "CAP_SYS_ADMIN" -> 21 */
const char *spec_capability_name(int cap);	 /* 21 -> "CAP_SYS_ADMIN", NULL if unknown */
int spec_capability_last(void);			 /* highest capability number husk knows */
int spec_rlimit_from_name(const char *name);	 /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE */
int spec_namespace_from_name(const char *name);	 /* "network" -> CLONE_NEWNET */
const char *spec_namespace_name(int clone_flag); /* CLONE_NEWNET -> "network" */
