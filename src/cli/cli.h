/* The command line: only this layer prints and chooses exit codes. */
#pragma once
#include <stdbool.h>

struct husk_error;

struct oci_globals {
	const char *root;
	const char *log;
	const char *log_format;
	bool debug;
	bool systemd_cgroup;
};

typedef int (*oci_verb_fn)(struct oci_globals *g, int argc, char **argv);

/* Prints the error (to stderr, and to the --log file when given) and returns 1. */
int cli_fail(const struct husk_error *e);
/* Prints "husk-oci VERB: MSG" usage errors; returns 1 (runc uses 1 for usage errors too). */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* When argv holds --help/-h, prints usage and returns true. */
bool cli_wants_help(int argc, char **argv, const char *usage);

int oci_main(int argc, char **argv);

int oci_create(struct oci_globals *g, int argc, char **argv);
int oci_start(struct oci_globals *g, int argc, char **argv);
int oci_run(struct oci_globals *g, int argc, char **argv);
int oci_state(struct oci_globals *g, int argc, char **argv);
int oci_list(struct oci_globals *g, int argc, char **argv);
int oci_kill(struct oci_globals *g, int argc, char **argv);
int oci_delete(struct oci_globals *g, int argc, char **argv);
int oci_features(struct oci_globals *g, int argc, char **argv);
int oci_spec(struct oci_globals *g, int argc, char **argv);

/* The text printed by --version (also used by `husk --version`). */
void cli_print_version(const char *prog);
