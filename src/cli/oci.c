/* `husk oci` / `husk-oci`: runc's global flags, then the verb. */
#include "cli/cli.h"

#include "util/error.h"
#include "util/log.h"

#include <getopt.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HUSK_VERSION
#define HUSK_VERSION "0.0.0"
#endif
#ifndef HUSK_COMMIT
#define HUSK_COMMIT "unknown"
#endif
#define HUSK_SPEC_VERSION "1.2.0"

static const struct {
	const char *name;
	oci_verb_fn fn;
	const char *summary;
} verbs[] = {
    {"create", oci_create, "create a container from a bundle; its process waits for start"},
    {"start", oci_start, "start a created container's process"},
    {"run", oci_run, "create and start a container, wait for it and delete it"},
    {"state", oci_state, "print a container's state as JSON"},
    {"list", oci_list, "list containers"},
    {"kill", oci_kill, "send a signal to a container's init (or to all its processes)"},
    {"delete", oci_delete, "delete a container and everything it holds"},
    {"features", oci_features, "print what this runtime supports, as JSON"},
    {"spec", oci_spec, "write a default config.json"},
};

void cli_print_version(const char *prog)
{
	const struct scmp_version *v = seccomp_version();
	printf("%s version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n"
	       "features: +SECCOMP +USERNS +TIMENS +CGROUPV1 +CGROUPV2 -SYSTEMD -APPARMOR -SELINUX\n",
	       prog, HUSK_VERSION, HUSK_COMMIT, HUSK_SPEC_VERSION, v ? v->major : 0, v ? v->minor : 0,
	       v ? v->micro : 0);
}

int cli_fail(const struct husk_error *e)
{
	const char *msg = e && e->msg[0] ? e->msg : "unknown error";
	log_error("%s", msg);
	if (log_to_file())
		fprintf(stderr, "husk: %s\n", msg);
	return 1;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	struct husk_error e;
	husk_error_set(&e, 0, "%s: %s (see `husk oci %s --help`)", verb, buf, verb);
	return cli_fail(&e);
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "-help")) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

static void usage(FILE *f)
{
	fputs("usage: husk-oci [GLOBAL OPTIONS] VERB [OPTIONS] [ARGS]\n"
	      "       (the same as `husk oci ...`)\n\n"
	      "global options:\n"
	      "  --root DIR            state directory (default /run/husk)\n"
	      "  --log FILE            write messages to FILE\n"
	      "  --log-format FORMAT   text or json\n"
	      "  --debug               debug messages\n"
	      "  --systemd-cgroup      use systemd for cgroups (not supported yet)\n"
	      "  --version, -v         print the version\n\n"
	      "verbs:\n",
	      f);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };

int oci_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"criu", required_argument, NULL, OPT_CRIU},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct oci_globals g = {.root = "/run/husk", .log_format = "text"};
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g.root = optarg;
			break;
		case OPT_LOG:
			g.log = optarg;
			break;
		case OPT_LOG_FORMAT:
			g.log_format = optarg;
			break;
		case OPT_DEBUG:
			g.debug = true;
			break;
		case OPT_SYSTEMD:
			g.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
		case OPT_CRIU:
			break;
		case 'v':
			cli_print_version(strstr(argv[0], "husk-oci") ? "husk-oci" : "husk");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "husk: unknown global option \"%s\"\n", argv[optind - 1]);
			usage(stderr);
			return 1;
		}
	}
	if (strcmp(g.log_format, "text") && strcmp(g.log_format, "json")) {
		fprintf(stderr, "husk: --log-format: \"%s\" is not text or json\n", g.log_format);
		return 1;
	}
	if (log_init(g.log, !strcmp(g.log_format, "json"), g.debug) < 0) {
		fprintf(stderr, "husk: --log %s: %m\n", g.log);
		return 1;
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	const char *verb = argv[optind];
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		if (g.systemd_cgroup && verbs[i].fn != oci_features && verbs[i].fn != oci_spec &&
		    verbs[i].fn != oci_state && verbs[i].fn != oci_list) {
			struct husk_error e;
			husk_error_set(&e, 0,
				       "--systemd-cgroup: the systemd cgroup driver is not supported yet; "
				       "use the default cgroupfs driver");
			return cli_fail(&e);
		}
		return verbs[i].fn(&g, argc - optind, argv + optind);
	}
	struct husk_error e;
	husk_error_set(&e, 0, "unknown command \"%s\" (see `husk oci --help`)", verb);
	return cli_fail(&e);
}
