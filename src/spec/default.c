/* The default config.json of `husk oci spec`, equivalent to `runc spec` (and --rootless). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "spec/spec.h"
#include "util/error.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static json_t *cap_list(void)
{
	return json_pack("[sss]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
}

static json_t *default_process(void)
{
	return json_pack(
	    "{s:b, s:{s:i, s:i}, s:[s], s:[ss], s:s, s:{s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], s:b}",
	    "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env", DEFAULT_PATH, "TERM=xterm", "cwd",
	    "/", "capabilities", "bounding", cap_list(), "effective", cap_list(), "permitted", cap_list(),
	    "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *default_mounts(bool rootless)
{
	json_t *devpts, *sys;

	if (rootless) {
		/* no gid=5: the group may not be mapped; sysfs can't be mounted without a netns */
		devpts = json_pack("{s:s, s:s, s:s, s:[sssss]}", "destination", "/dev/pts", "type", "devpts",
				   "source", "devpts", "options", "nosuid", "noexec", "newinstance",
				   "ptmxmode=0666", "mode=0620");
		sys = json_pack("{s:s, s:s, s:s, s:[sssss]}", "destination", "/sys", "type", "none", "source",
				"/sys", "options", "rbind", "nosuid", "noexec", "nodev", "ro");
	} else {
		devpts = json_pack("{s:s, s:s, s:s, s:[ssssss]}", "destination", "/dev/pts", "type", "devpts",
				   "source", "devpts", "options", "nosuid", "noexec", "newinstance",
				   "ptmxmode=0666", "mode=0620", "gid=5");
		sys = json_pack("{s:s, s:s, s:s, s:[ssss]}", "destination", "/sys", "type", "sysfs", "source",
				"sysfs", "options", "nosuid", "noexec", "nodev", "ro");
	}
	return json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[ssss]}, o, {s:s, s:s, s:s, s:[sssss]},"
			 " {s:s, s:s, s:s, s:[sss]}, o, {s:s, s:s, s:s, s:[sssss]}]",
			 "destination", "/proc", "type", "proc", "source", "proc", "destination", "/dev",
			 "type", "tmpfs", "source", "tmpfs", "options", "nosuid", "strictatime", "mode=755",
			 "size=65536k", devpts, "destination", "/dev/shm", "type", "tmpfs", "source", "shm",
			 "options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "destination",
			 "/dev/mqueue", "type", "mqueue", "source", "mqueue", "options", "nosuid", "noexec",
			 "nodev", sys, "destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
			 "options", "nosuid", "noexec", "nodev", "relatime", "ro");
}

static json_t *masked_paths(void)
{
	return json_pack("[sssssssssss]", "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
			 "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/scsi");
}

static json_t *readonly_paths(void)
{
	return json_pack("[sssss]", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
}

static json_t *default_linux(bool rootless)
{
	if (rootless)
		return json_pack("{s:[{s:i, s:I, s:i}], s:[{s:i, s:I, s:i}],"
				 " s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
				 "uidMappings", "containerID", 0, "hostID", (json_int_t)getuid(), "size", 1,
				 "gidMappings", "containerID", 0, "hostID", (json_int_t)getgid(), "size", 1,
				 "namespaces", "type", "pid", "type", "ipc", "type", "uts", "type", "mount",
				 "type", "cgroup", "type", "user", "maskedPaths", masked_paths(),
				 "readonlyPaths", readonly_paths());
	return json_pack("{s:{s:[{s:b, s:s}]}, s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
			 "resources", "devices", "allow", 0, "access", "rwm", "namespaces", "type", "pid",
			 "type", "network", "type", "ipc", "type", "uts", "type", "mount", "type", "cgroup",
			 "maskedPaths", masked_paths(), "readonlyPaths", readonly_paths());
}

char *spec_default_json(bool rootless, struct husk_error *err)
{
	json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0", "process",
				default_process(), "root", "path", "rootfs", "readonly", 1, "hostname",
				"husk", "mounts", default_mounts(rootless), "linux", default_linux(rootless));
	if (!doc) {
		husk_error_set(err, ENOMEM, "build the default config.json");
		return NULL;
	}
	char *out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!out)
		husk_error_set(err, ENOMEM, "serialize the default config.json");
	return out;
}
