/* husk oci start ID */
#include "cli/cli.h"
#include "core/container.h"
#include "util/error.h"

static const char usage[] = "usage: husk oci start ID\n\nStarts a created container's process.\n";

int oci_start(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	if (argc != 2)
		return cli_usage_error("start",
				       argc < 2 ? "a container ID is required" : "exactly one container ID");
	struct husk_error e = {0};
	if (container_start(g->root, argv[1], &e) < 0)
		return cli_fail(&e);
	return 0;
}
