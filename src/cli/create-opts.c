#include "cli/create-opts.h"

#include "cli/cli.h"
#include "core/container.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { O_PIDFILE = 256, O_CONSOLE, O_NOPIVOT, O_NOKEYRING, O_PRESERVE, O_KEEP, O_NOSUBREAPER };

int parse_create_opts(const char *verb, int argc, char **argv, struct create_opts *o, struct run_only_opts *r)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, O_PIDFILE},
	    {"console-socket", required_argument, NULL, O_CONSOLE},
	    {"no-pivot", no_argument, NULL, O_NOPIVOT},
	    {"no-new-keyring", no_argument, NULL, O_NOKEYRING},
	    {"preserve-fds", required_argument, NULL, O_PRESERVE},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, O_KEEP},
	    {"no-subreaper", no_argument, NULL, O_NOSUBREAPER},
	    {0},
	};
	int c;
	opterr = 0;
	optind = 0;
	o->bundle = ".";
	o->console_fd = -1;
	while ((c = getopt_long_only(argc, argv, r ? "+:b:d" : "+:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case O_PIDFILE:
			o->pid_file = optarg;
			break;
		case O_CONSOLE:
			o->console_socket = optarg;
			break;
		case O_NOPIVOT:
			o->no_pivot = true;
			break;
		case O_NOKEYRING:
			o->no_new_keyring = true;
			break;
		case O_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 65536)
				return cli_usage_error(verb, "--preserve-fds: \"%s\" is not a number of fds",
						       optarg),
				       -1;
			o->preserve_fds = (int)n;
			break;
		}
		case 'd':
		case O_KEEP:
		case O_NOSUBREAPER:
			if (!r)
				goto unknown;
			if (c == 'd')
				r->detach = true;
			else if (c == O_KEEP)
				r->keep = true;
			break;
		default:
		unknown:
			if (c == ':')
				return cli_usage_error(verb, "option \"%s\" needs an argument",
						       argv[optind - 1]),
				       -1;
			return cli_usage_error(verb, "unknown option \"%s\"", argv[optind - 1]), -1;
		}
	}
	if (optind >= argc)
		return cli_usage_error(verb, "a container ID is required"), -1;
	if (optind + 1 < argc)
		return cli_usage_error(verb, "unexpected argument \"%s\" after the container ID",
				       argv[optind + 1]),
		       -1;
	o->id = argv[optind];
	return 0;
}
