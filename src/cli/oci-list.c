/* husk oci list [--format table|json] [-q] */
#include "cli/cli.h"
#include "core/container.h"
#include "util/error.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: husk oci list [--format table|json] [-q]\n\n"
			    "  -f, --format FORMAT   table (default) or json\n"
			    "  -q, --quiet           only the IDs\n";

int oci_list(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {0},
	};
	const char *format = "table";
	bool quiet = false;
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage_error("list", "unknown option \"%s\"", argv[optind - 1]);
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("list", "--format: \"%s\" is not table or json", format);
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
	struct husk_error e = {0};
	json_t *all;
	if (container_list(g->root, &all, &e) < 0)
		return cli_fail(&e);
	size_t i;
	json_t *v;
	if (quiet) {
		json_array_foreach(all, i, v) printf("%s\n", json_string_value(json_object_get(v, "id")));
	} else if (!strcmp(format, "json")) {
		json_dumpf(all, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		printf("%-24s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
		json_array_foreach(all, i, v)
		{
			printf("%-24s %-8lld %-10s %-40s %-30s %s\n",
			       json_string_value(json_object_get(v, "id")),
			       json_integer_value(json_object_get(v, "pid")),
			       json_string_value(json_object_get(v, "status")),
			       json_string_value(json_object_get(v, "bundle")),
			       json_string_value(json_object_get(v, "created")),
			       json_string_value(json_object_get(v, "owner")));
		}
	}
	json_decref(all);
	return 0;
}
