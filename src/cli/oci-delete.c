/* husk oci delete [--force] ID */
#include "cli/cli.h"
#include "core/container.h"
#include "util/error.h"

#include <getopt.h>
#include <stddef.h>

static const char usage[] = "usage: husk oci delete [--force] ID\n\n"
			    "Deletes a stopped or created container: its processes, cgroup and state.\n"
			    "  -f, --force   also a running one (it is killed)\n";

int oci_delete(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else
			return cli_usage_error("delete", "unknown option \"%s\"", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error("delete", argc - optind < 1 ? "a container ID is required"
								   : "too many arguments");
	struct husk_error e = {0};
	if (container_delete(g->root, argv[optind], force, &e) < 0)
		return cli_fail(&e);
	return 0;
}
