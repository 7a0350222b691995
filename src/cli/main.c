/* One binary, two faces: `husk oci VERB` and `husk-oci VERB` (argv[0]) are the OCI runtime. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: husk oci VERB [ARGS...]     the OCI runtime (also: husk-oci VERB)\n"
	      "       husk --version\n"
	      "\n"
	      "`husk oci --help` lists the runtime's verbs.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/');
	prog = prog ? prog + 1 : argv[0];
	if (!strcmp(prog, "husk-oci") || !strncmp(prog, "husk-oci", 8))
		return oci_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "oci"))
		return oci_main(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v") || !strcmp(argv[1], "version"))) {
		cli_print_version("husk");
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2)
		fprintf(stderr, "husk: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 125;
}
