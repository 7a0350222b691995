/* husk oci features: the runtime-spec "features" document, truthful about this build. */
#include "cli/cli.h"
#include "spec/spec.h"

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>

static const char usage[] =
    "usage: husk oci features\n\nPrints what this runtime supports (runtime-spec features JSON).\n";

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int oci_features(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	static const char *const hooks[] = {
	    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL};
	static const char *const mount_options[] = {
	    "async",
	    "atime",
	    "bind",
	    "defaults",
	    "dev",
	    "diratime",
	    "dirsync",
	    "exec",
	    "mand",
	    "noatime",
	    "nodev",
	    "nodiratime",
	    "noexec",
	    "nomand",
	    "norelatime",
	    "nostrictatime",
	    "nosuid",
	    "private",
	    "rbind",
	    "relatime",
	    "remount",
	    "ro",
	    "rprivate",
	    "rshared",
	    "rslave",
	    "runbindable",
	    "rw",
	    "shared",
	    "slave",
	    "strictatime",
	    "suid",
	    "sync",
	    "unbindable",
	    "rro",
	    "rrw",
	    "rnosuid",
	    "rsuid",
	    "rnodev",
	    "rdev",
	    "rnoexec",
	    "rexec",
	    "rnodiratime",
	    "rdiratime",
	    "rrelatime",
	    "rnorelatime",
	    "rnoatime",
	    "ratime",
	    "rstrictatime",
	    "rnostrictatime",
	    NULL,
	};
	static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	static const char *const actions[] = {
	    "SCMP_ACT_ALLOW",	    "SCMP_ACT_ERRNO",
	    "SCMP_ACT_KILL",	    "SCMP_ACT_KILL_PROCESS",
	    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
	    "SCMP_ACT_NOTIFY",	    "SCMP_ACT_TRACE",
	    "SCMP_ACT_TRAP",	    NULL,
	};
	static const char *const operators[] = {
	    "SCMP_CMP_EQ", "SCMP_CMP_GE",	 "SCMP_CMP_GT", "SCMP_CMP_LE",
	    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
	};
	static const char *const archs[] = {
	    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",	   "SCMP_ARCH_MIPS",
	    "SCMP_ARCH_MIPS64",	  "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
	    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	    "SCMP_ARCH_PPC64",	  "SCMP_ARCH_PPC64LE",	   "SCMP_ARCH_RISCV64",
	    "SCMP_ARCH_S390",	  "SCMP_ARCH_S390X",	   "SCMP_ARCH_X32",
	    "SCMP_ARCH_X86",	  "SCMP_ARCH_X86_64",	   NULL,
	};
	static const char *const flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					    "SECCOMP_FILTER_FLAG_TSYNC",
					    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
	json_t *caps = json_array();
	for (int i = 0; i <= spec_capability_last(); i++)
		if (spec_capability_name(i))
			json_array_append_new(caps, json_string(spec_capability_name(i)));
	json_t *seccomp =
	    json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions", strings(actions),
		      "operators", strings(operators), "archs", strings(archs), "knownFlags", strings(flags),
		      "supportedFlags", strings(flags));
	json_t *lnx = json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b}, "
				"s:{s:{s:b}}}",
				"namespaces", strings(namespaces), "capabilities", caps, "cgroup", "v1", 1,
				"v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", seccomp,
				"apparmor", "enabled", 0, "selinux", "enabled", 0, "intelRdt", "enabled", 0,
				"mountExtensions", "idmap", "enabled", 0);
	const struct scmp_version *v = seccomp_version();
	char lsv[32];
	snprintf(lsv, sizeof lsv, "%u.%u.%u", v->major, v->minor, v->micro);
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
				"ociVersionMax", "1.2.0", "hooks", strings(hooks), "mountOptions",
				strings(mount_options), "linux", lnx, "annotations", "io.github.husk.version",
				HUSK_VERSION, "io.github.seccomp.libseccomp.version", lsv);
	json_dumpf(doc, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(doc);
	return 0;
}
