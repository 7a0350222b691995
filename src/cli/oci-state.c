/* husk oci state ID */
#include "cli/cli.h"
#include "core/container.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>

static const char usage[] = "usage: husk oci state ID\n\nPrints the container's state (runtime-spec JSON).\n";

int oci_state(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	if (argc != 2)
		return cli_usage_error("state",
				       argc < 2 ? "a container ID is required" : "exactly one container ID");
	struct husk_error e = {0};
	json_t *st;
	if (container_state(g->root, argv[1], &st, &e) < 0)
		return cli_fail(&e);
	json_dumpf(st, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(st);
	return 0;
}
