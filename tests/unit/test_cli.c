/* Unit tests for option parsing: create/run flags, signal names, container IDs. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/create-opts.h"
#include "core/container.h"
#include "core/state.h"
#include "util/error.h"
#include "util/log.h"
#include "util/signals.h"

static void test_signal_names(void **state)
{
	assert_int_equal(signal_parse("KILL"), SIGKILL);
	assert_int_equal(signal_parse("SIGKILL"), SIGKILL);
	assert_int_equal(signal_parse("sigterm"), SIGTERM);
	assert_int_equal(signal_parse("9"), 9);
	assert_int_equal(signal_parse("15"), SIGTERM);
	assert_int_equal(signal_parse("RTMIN"), SIGRTMIN);
	assert_int_equal(signal_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(signal_parse("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(signal_parse("FOO"), -1);
	assert_int_equal(signal_parse("0"), -1);
	assert_int_equal(signal_parse("65"), -1);
	assert_int_equal(signal_parse("9x"), -1);
	assert_int_equal(signal_parse(""), -1);
	assert_int_equal(signal_parse("RTMIN+99"), -1);
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
}

static void test_container_ids(void **state)
{
	struct husk_error e;
	assert_int_equal(state_validate_id("abc-1.2_3+x", &e), 0);
	assert_int_equal(state_validate_id(".hidden", &e), 0);
	assert_int_equal(state_validate_id("", &e), -1);
	assert_int_equal(state_validate_id(".", &e), -1);
	assert_int_equal(state_validate_id("..", &e), -1);
	assert_int_equal(state_validate_id("a/b", &e), -1);
	assert_non_null(strstr(e.msg, "a/b"));
	assert_int_equal(state_validate_id("a b", &e), -1);
	char long_id[300];
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	assert_int_equal(state_validate_id(long_id, &e), -1);
	assert_non_null(strstr(e.msg, "longer than"));
}

static int parse(struct create_opts *o, struct run_only_opts *r, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	memset(o, 0, sizeof *o);
	if (r)
		memset(r, 0, sizeof *r);
	return parse_create_opts(argv[0], argc, argv, o, r);
}

static void test_create_flags(void **state)
{
	struct create_opts o;
	char *a1[] = {"create",
		      "--bundle",
		      "/b",
		      "--pid-file",
		      "p",
		      "--console-socket",
		      "/s",
		      "--no-pivot",
		      "--no-new-keyring",
		      "--preserve-fds",
		      "2",
		      "id1",
		      NULL};
	assert_int_equal(parse(&o, NULL, a1), 0);
	assert_string_equal(o.bundle, "/b");
	assert_string_equal(o.pid_file, "p");
	assert_string_equal(o.console_socket, "/s");
	assert_true(o.no_pivot);
	assert_true(o.no_new_keyring);
	assert_int_equal(o.preserve_fds, 2);
	assert_int_equal(o.console_fd, -1);
	assert_string_equal(o.id, "id1");

	/* runc's single-dash long options and -b */
	char *a2[] = {"create", "-bundle", "/b2", "-b", "/b3", "id2", NULL};
	assert_int_equal(parse(&o, NULL, a2), 0);
	assert_string_equal(o.bundle, "/b3");
	char *a3[] = {"create", "id3", NULL};
	assert_int_equal(parse(&o, NULL, a3), 0);
	assert_string_equal(o.bundle, ".");
}

static void test_create_flag_errors(void **state)
{
	struct create_opts o;
	struct run_only_opts r;
	char *no_id[] = {"create", "--bundle", "/b", NULL};
	assert_int_equal(parse(&o, NULL, no_id), -1);
	char *two_ids[] = {"create", "a", "b", NULL};
	assert_int_equal(parse(&o, NULL, two_ids), -1);
	char *unknown[] = {"create", "--frobnicate", "a", NULL};
	assert_int_equal(parse(&o, NULL, unknown), -1);
	char *bad_fds[] = {"create", "--preserve-fds", "x", "a", NULL};
	assert_int_equal(parse(&o, NULL, bad_fds), -1);
	char *no_arg[] = {"create", "a", "--pid-file", NULL};
	assert_int_equal(parse(&o, NULL, no_arg), -1);
	/* run's flags are not create's */
	char *detach[] = {"create", "-d", "a", NULL};
	assert_int_equal(parse(&o, NULL, detach), -1);
	char *run[] = {"run", "-d", "--keep", "a", NULL};
	assert_int_equal(parse(&o, &r, run), 0);
	assert_true(r.detach);
	assert_true(r.keep);
}

int main(void)
{
	/* usage errors are printed: keep them off the test output */
	log_init("/dev/null", false, false);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signal_names),
	    cmocka_unit_test(test_container_ids),
	    cmocka_unit_test(test_create_flags),
	    cmocka_unit_test(test_create_flag_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
