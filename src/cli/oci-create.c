/* husk oci create [--bundle B] [--pid-file P] [--console-socket S] [--no-pivot]
 *                 [--no-new-keyring] [--preserve-fds N] ID */
#include "cli/cli.h"
#include "cli/create-opts.h"
#include "core/container.h"
#include "util/error.h"

#include <stdio.h>

static const char usage[] = "usage: husk oci create [OPTIONS] ID\n\n"
			    "Creates a container from an OCI bundle. Its process waits until `start`.\n\n"
			    "  -b, --bundle DIR         bundle directory (default: the current directory)\n"
			    "  --pid-file FILE          write the container process's pid to FILE\n"
			    "  --console-socket SOCK    send the pty master there (process.terminal)\n"
			    "  --no-pivot               chroot instead of pivot_root (ramdisk roots)\n"
			    "  --no-new-keyring         keep the caller's session keyring\n"
			    "  --preserve-fds N         pass N more fds (from 3 on) to the container\n";

int oci_create(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	struct create_opts o = {.root = g->root};
	if (parse_create_opts("create", argc, argv, &o, NULL) < 0)
		return 1;
	pid_t pid;
	struct husk_error e = {0};
	if (container_create(&o, &pid, &e) < 0)
		return cli_fail(&e);
	return 0;
}
