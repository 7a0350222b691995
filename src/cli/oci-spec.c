/* husk oci spec [--bundle B] [--rootless] */
#include "cli/cli.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: husk oci spec [--bundle DIR] [--rootless]\n\n"
			    "Writes a default config.json into the bundle directory.\n"
			    "  -b, --bundle DIR   where to write it (default: the current directory)\n"
			    "  --rootless         a config for a rootless container (user namespace)\n";

int oci_spec(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, 'r'},
	    {0},
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return cli_usage_error("spec", "unknown option \"%s\"", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("spec", "unexpected argument \"%s\"", argv[optind]);
	struct husk_error e = {0};
	_cleanup_free_ char *json = spec_default_json(rootless, &e);
	if (!json)
		return cli_fail(&e);
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", bundle);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			husk_error_set(&e, 0, "spec: %s exists: remove it first", path);
		else
			husk_error_set(&e, errno, "spec: create %s", path);
		return cli_fail(&e);
	}
	size_t len = strlen(json);
	if (write(fd, json, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		husk_error_set(&e, errno, "spec: write %s", path);
		return cli_fail(&e);
	}
	return 0;
}
