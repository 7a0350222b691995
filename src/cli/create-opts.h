/* Options shared by `create` and `run`. */
#pragma once
#include <stdbool.h>

struct create_opts;

struct run_only_opts {
	bool detach, keep;
};

/* Parses argv (argv[0] is the verb) into o (and r for `run`); sets o->id. Prints usage errors.
 * Returns -1 on a usage error. */
int parse_create_opts(const char *verb, int argc, char **argv, struct create_opts *o,
		      struct run_only_opts *r);
