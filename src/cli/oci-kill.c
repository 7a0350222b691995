/* husk oci kill [--all] ID [SIGNAL] */
#include "cli/cli.h"
#include "core/container.h"
#include "util/error.h"
#include "util/signals.h"

#include <getopt.h>
#include <signal.h>
#include <stddef.h>

static const char usage[] = "usage: husk oci kill [--all] ID [SIGNAL]\n\n"
			    "Sends SIGNAL (default SIGTERM; a name with or without SIG, or a number)\n"
			    "to the container's init.\n"
			    "  -a, --all   to every process of the container\n";

int oci_kill(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	bool all = false;
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else
			return cli_usage_error("kill", "unknown option \"%s\"", argv[optind - 1]);
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return cli_usage_error("kill", n < 1 ? "a container ID is required" : "too many arguments");
	int sig = SIGTERM;
	if (n == 2 && (sig = signal_parse(argv[optind + 1])) < 0) {
		struct husk_error e;
		husk_error_set(&e, 0, "kill: invalid signal \"%s\"", argv[optind + 1]);
		return cli_fail(&e);
	}
	struct husk_error e = {0};
	if (container_kill(g->root, argv[optind], sig, all, &e) < 0)
		return cli_fail(&e);
	return 0;
}
