/* mount_opts_parse(): OCI mount options -> flags, attributes, data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "linux/mount_opts.h"
#include "util/error.h"

static struct mount_opts parse_ok(char *const *opts)
{
	struct mount_opts o;
	struct husk_error err = {0};
	int r = mount_opts_parse(opts, &o, &err);
	if (r != 0)
		fail_msg("mount_opts_parse: %s", err.msg);
	return o;
}

static void test_flags(void **state)
{
	char *opts[] = {"ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "mand", "remount", NULL};
	struct mount_opts o = parse_ok(opts);
	assert_int_equal(o.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC |
				      MS_MANDLOCK | MS_REMOUNT);
	assert_int_equal(o.clear_flags, 0);
	assert_false(o.bind);
	assert_false(o.has_atime);
	assert_null(o.data);
	assert_int_equal(o.propagation, 0);
	mount_opts_free(&o);
}

static void test_clear_flags(void **state)
{
	char *opts[] = {"rw", "suid", "dev", "exec", "async", "nomand", "defaults", NULL};
	struct mount_opts o = parse_ok(opts);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.clear_flags,
			 MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_MANDLOCK);
	mount_opts_free(&o);
}

static void test_last_wins(void **state)
{
	char *opts[] = {"ro", "rw", "suid", "nosuid", NULL};
	struct mount_opts o = parse_ok(opts);
	assert_int_equal(o.flags, MS_NOSUID);
	assert_int_equal(o.clear_flags, MS_RDONLY);
	mount_opts_free(&o);
}

static void test_atime(void **state)
{
	char *a[] = {"noatime", "nodiratime", NULL};
	struct mount_opts o = parse_ok(a);
	assert_int_equal(o.flags, MS_NOATIME | MS_NODIRATIME);
	assert_true(o.has_atime);
	mount_opts_free(&o);

	char *b[] = {"strictatime", NULL};
	o = parse_ok(b);
	assert_int_equal(o.flags, MS_STRICTATIME);
	assert_true(o.has_atime);
	mount_opts_free(&o);

	char *c[] = {"relatime", "norelatime", "atime", "diratime", NULL};
	o = parse_ok(c);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.clear_flags, MS_RELATIME | MS_NOATIME | MS_NODIRATIME);
	assert_true(o.has_atime);
	mount_opts_free(&o);

	char *d[] = {"nodiratime", NULL};
	o = parse_ok(d);
	assert_false(o.has_atime);
	mount_opts_free(&o);
}

static void test_bind(void **state)
{
	char *a[] = {"bind", NULL};
	struct mount_opts o = parse_ok(a);
	assert_true(o.bind);
	assert_false(o.rbind);
	assert_int_equal(o.flags, MS_BIND);
	mount_opts_free(&o);

	char *b[] = {"rbind", "ro", NULL};
	o = parse_ok(b);
	assert_true(o.bind);
	assert_true(o.rbind);
	assert_int_equal(o.flags, MS_BIND | MS_REC | MS_RDONLY);
	mount_opts_free(&o);
}

static void test_propagation(void **state)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} cases[] = {
	    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
	    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
	    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
	    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *opts[] = {"rbind", (char *)cases[i].name, NULL};
		struct mount_opts o = parse_ok(opts);
		assert_int_equal(o.propagation, cases[i].flags);
		assert_int_equal(o.flags, MS_BIND | MS_REC); /* not mixed into the flags */
		mount_opts_free(&o);
	}
	char *last[] = {"rshared", "rprivate", NULL};
	struct mount_opts o = parse_ok(last);
	assert_int_equal(o.propagation, MS_PRIVATE | MS_REC);
	mount_opts_free(&o);
}

static void test_recursive(void **state)
{
	char *a[] = {"rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", NULL};
	struct mount_opts o = parse_ok(a);
	assert_int_equal(o.rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME);
	assert_int_equal(o.rec_attr_clr, 0);
	assert_int_equal(o.flags, MS_BIND | MS_REC); /* the top-level flags are untouched */
	mount_opts_free(&o);

	char *b[] = {"rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", NULL};
	o = parse_ok(b);
	assert_int_equal(o.rec_attr_set, 0);
	assert_int_equal(o.rec_attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME);
	mount_opts_free(&o);
}

static void test_recursive_atime(void **state)
{
	/* an atime mode always clears the whole atime field, as mount_setattr(2) requires */
	char *a[] = {"rnoatime", NULL};
	struct mount_opts o = parse_ok(a);
	assert_int_equal(o.rec_attr_set, MOUNT_ATTR_NOATIME);
	assert_int_equal(o.rec_attr_clr, MOUNT_ATTR__ATIME);
	mount_opts_free(&o);

	char *b[] = {"rnoatime", "rstrictatime", NULL};
	o = parse_ok(b);
	assert_int_equal(o.rec_attr_set, MOUNT_ATTR_STRICTATIME);
	assert_int_equal(o.rec_attr_clr, MOUNT_ATTR__ATIME);
	mount_opts_free(&o);

	const char *relatime_like[] = {"rrelatime", "rnorelatime", "ratime", "rnostrictatime"};
	for (size_t i = 0; i < 4; i++) {
		char *c[] = {"rnoatime", (char *)relatime_like[i], "rro", NULL};
		o = parse_ok(c);
		assert_int_equal(o.rec_attr_set, MOUNT_ATTR_RELATIME | MOUNT_ATTR_RDONLY);
		assert_int_equal(o.rec_attr_clr, MOUNT_ATTR__ATIME);
		mount_opts_free(&o);
	}
}

static void test_data(void **state)
{
	char *a[] = {"nosuid", "mode=755", "", "size=65536k", "tmpcopyup", "newinstance", NULL};
	struct mount_opts o = parse_ok(a);
	assert_non_null(o.data);
	assert_string_equal(o.data, "mode=755,size=65536k,newinstance");
	assert_int_equal(o.flags, MS_NOSUID);
	mount_opts_free(&o);
	assert_null(o.data);

	struct mount_opts e = parse_ok(NULL);
	assert_null(e.data);
	assert_int_equal(e.flags, 0);
	mount_opts_free(&e);
}

static void test_idmap(void **state)
{
	const char *names[] = {"idmap", "ridmap"};
	for (size_t i = 0; i < 2; i++) {
		char *a[] = {"rbind", "mode=1", (char *)names[i], NULL};
		struct mount_opts o;
		struct husk_error err = {0};
		assert_int_equal(mount_opts_parse(a, &o, &err), -1);
		assert_non_null(strstr(err.msg, names[i]));
		assert_non_null(strstr(err.msg, "not supported"));
		assert_null(o.data); /* nothing leaked */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags),     cmocka_unit_test(test_clear_flags),
	    cmocka_unit_test(test_last_wins), cmocka_unit_test(test_atime),
	    cmocka_unit_test(test_bind),      cmocka_unit_test(test_propagation),
	    cmocka_unit_test(test_recursive), cmocka_unit_test(test_recursive_atime),
	    cmocka_unit_test(test_data),      cmocka_unit_test(test_idmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
