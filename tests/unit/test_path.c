/* path_open_in_root() / path_create_in_root(): resolution never leaves the root. Every test
 * runs twice: with openat2(2), then with openat2 made to fail with ENOSYS by a seccomp filter,
 * which exercises the component-by-component fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/path.h"
#include "util/error.h"

static char tmp[256];	    /* the test's directory */
static char root[PATH_MAX]; /* tmp/root: the root the paths are resolved in */
static int rootfd = -1;

static void xmkdir(const char *rel)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	if (mkdir(p, 0755) < 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void xwrite(const char *rel, const char *content)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");
	if (!f)
		fail_msg("create %s: %s", p, strerror(errno));
	fputs(content, f);
	fclose(f);
}

static void xsymlink(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	if (symlink(target, p) < 0)
		fail_msg("symlink %s: %s", p, strerror(errno));
}

static bool host_exists(const char *fmt, const char *a)
{
	char p[PATH_MAX * 3];
	struct stat sb;
	snprintf(p, sizeof p, fmt, a);
	return lstat(p, &sb) == 0;
}

static int setup(void **state)
{
	char t[PATH_MAX * 2];
	umask(022);
	snprintf(tmp, sizeof tmp, "/tmp/husk-test-path-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(root, sizeof root, "%s/root", tmp);
	xmkdir("root");
	xmkdir("root/etc");
	xwrite("root/etc/passwd", "inside");
	xmkdir("etc"); /* what "root/.." would find */
	xwrite("etc/passwd", "outside");
	xmkdir("outdir");
	xmkdir("root/dir");
	xmkdir("root/dir/sub");
	xwrite("root/file", "f");
	xsymlink("/etc", "root/abs");
	xsymlink("../../../../../../etc", "root/dotdot");
	xsymlink("../../..", "root/dir/sub/up");
	xsymlink("loop2", "root/loop1");
	xsymlink("loop1", "root/loop2");
	xsymlink("/tmp", "root/tmplink");
	snprintf(t, sizeof t, "%s/outdir", tmp);
	xsymlink(t, "root/escape");
	xsymlink("../outdir2", "root/escape2");
	xsymlink("/proc/self/root", "root/magic");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int teardown(void **state)
{
	close(rootfd);
	return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens path in the root and returns what the file holds. */
static const char *read_in_root(const char *path)
{
	static char buf[64];
	struct husk_error err = {0};
	int fd = path_open_in_root(rootfd, path, O_RDONLY, &err);
	if (fd < 0)
		fail_msg("%s: %s", path, err.msg);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void test_plain(void **state)
{
	assert_string_equal(read_in_root("/etc/passwd"), "inside");
	assert_string_equal(read_in_root("etc/passwd"), "inside");
	assert_string_equal(read_in_root("//etc/./passwd"), "inside");
}

static void test_absolute_symlink(void **state)
{
	assert_string_equal(read_in_root("/abs/passwd"), "inside");
}

static void test_dotdot(void **state)
{
	assert_string_equal(read_in_root("/dotdot/passwd"), "inside");
	assert_string_equal(read_in_root("/../../../etc/passwd"), "inside");
	assert_string_equal(read_in_root("dir/sub/up/../etc/passwd"), "inside");
	assert_string_equal(read_in_root("dir/../../etc/passwd"), "inside");
}

static void test_root_itself(void **state)
{
	struct husk_error err = {0};
	struct stat a, b;
	const char *paths[] = {"/", "", "..", "/dir/sub/up", "/dir/sub/up/.."};
	assert_int_equal(stat(root, &a), 0);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		int fd = path_open_in_root(rootfd, paths[i], O_PATH | O_DIRECTORY, &err);
		if (fd < 0)
			fail_msg("%s: %s", paths[i], err.msg);
		assert_int_equal(fstat(fd, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_int_equal(a.st_dev, b.st_dev);
		close(fd);
	}
}

static void test_loop(void **state)
{
	struct husk_error err = {0};
	assert_int_equal(path_open_in_root(rootfd, "/loop1", O_PATH, &err), -1);
	assert_int_equal(err.err, ELOOP);
	assert_non_null(strstr(err.msg, "/loop1"));
	assert_int_equal(path_open_in_root(rootfd, "/loop2/x", O_PATH, &err), -1);
	assert_int_equal(err.err, ELOOP);
}

static void test_errors(void **state)
{
	struct husk_error err = {0};
	assert_int_equal(path_open_in_root(rootfd, "/missing/x", O_PATH, &err), -1);
	assert_int_equal(err.err, ENOENT);
	assert_non_null(strstr(err.msg, "/missing/x"));
	assert_int_equal(path_open_in_root(rootfd, "/file/x", O_PATH, &err), -1);
	assert_int_equal(err.err, ENOTDIR);
	/* the escaping symlink points to tmp/outdir, which exists on the host but not in the root */
	assert_int_equal(path_open_in_root(rootfd, "/escape", O_PATH, &err), -1);
	assert_int_equal(err.err, ENOENT);
	/* /proc/self/root inside the root is just a missing path, never the magic link */
	assert_int_equal(path_open_in_root(rootfd, "/magic/etc/passwd", O_RDONLY, &err), -1);
}

static void test_nofollow(void **state)
{
	struct husk_error err = {0};
	struct stat sb;
	int fd = path_open_in_root(rootfd, "/abs", O_PATH | O_NOFOLLOW, &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	close(fd);
	assert_int_equal(path_open_in_root(rootfd, "/abs", O_RDONLY | O_NOFOLLOW, &err), -1);
	assert_int_equal(err.err, ELOOP);
}

static void check_same(int fd, const char *host_path)
{
	struct stat a, b;
	if (stat(host_path, &b) < 0)
		fail_msg("%s was not created: %s", host_path, strerror(errno));
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
}

static int create(const char *path, bool file)
{
	struct husk_error err = {0};
	int fd = path_create_in_root(rootfd, path, file, &err);
	if (fd < 0)
		fail_msg("create %s: %s", path, err.msg);
	/* an O_PATH fd */
	assert_int_equal(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
	return fd;
}

static void test_create_dirs(void **state)
{
	char p[PATH_MAX * 2];
	struct stat sb;
	int fd = create("/new/a/b//c/", false);
	snprintf(p, sizeof p, "%s/new/a/b/c", root);
	check_same(fd, p);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0755);
	close(fd);

	/* again: everything exists */
	fd = create("/new/a/b/c", false);
	check_same(fd, p);
	close(fd);
}

static void test_create_file(void **state)
{
	char p[PATH_MAX * 2];
	struct stat sb;
	int fd = create("/newf/x/file", true);
	snprintf(p, sizeof p, "%s/newf/x/file", root);
	check_same(fd, p);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	close(fd);

	/* an existing last component is kept as it is */
	fd = create("/etc/passwd", false);
	snprintf(p, sizeof p, "%s/etc/passwd", root);
	check_same(fd, p);
	close(fd);
	assert_string_equal(read_in_root("/etc/passwd"), "inside");
	fd = create("/etc", true);
	snprintf(p, sizeof p, "%s/etc", root);
	check_same(fd, p);
	close(fd);
}

static void test_create_through_symlinks(void **state)
{
	char p[PATH_MAX * 3];
	int fd = create("/abs/created", false);
	snprintf(p, sizeof p, "%s/etc/created", root);
	check_same(fd, p);
	close(fd);

	fd = create("/dotdot/created2", true);
	snprintf(p, sizeof p, "%s/etc/created2", root);
	check_same(fd, p);
	close(fd);
}

static void test_create_no_escape(void **state)
{
	char p[PATH_MAX * 3];
	/* escape -> TMP/outdir (exists on the host): lands in ROOT/TMP/outdir */
	int fd = create("/escape/sub/dir", false);
	snprintf(p, sizeof p, "%s%s/outdir/sub/dir", root, tmp);
	check_same(fd, p);
	close(fd);
	assert_false(host_exists("%s/outdir/sub", tmp));

	/* escape2 -> ../outdir2: clamped, lands in ROOT/outdir2 */
	fd = create("/escape2/x", true);
	snprintf(p, sizeof p, "%s/outdir2/x", root);
	check_same(fd, p);
	close(fd);
	assert_false(host_exists("%s/outdir2", tmp));

	/* tmplink -> /tmp */
	char name[64];
	snprintf(name, sizeof name, "/tmplink/husk-test-created-%d", (int)getpid());
	fd = create(name, false);
	snprintf(p, sizeof p, "%s/tmp/husk-test-created-%d", root, (int)getpid());
	check_same(fd, p);
	close(fd);
	assert_false(host_exists("/tmp/husk-test-created-%s", strrchr(p, '-') + 1));

	/* dir/sub/up -> ../../..: ".." never climbs out */
	fd = create("/dir/sub/up/../../clamped", false);
	snprintf(p, sizeof p, "%s/clamped", root);
	check_same(fd, p);
	close(fd);
	assert_false(host_exists("%s/../clamped", tmp));
}

static void test_create_errors(void **state)
{
	struct husk_error err = {0};
	assert_int_equal(path_create_in_root(rootfd, "/loop1/x", false, &err), -1);
	assert_int_equal(err.err, ELOOP);
	assert_non_null(strstr(err.msg, "/loop1/x"));
	assert_int_equal(path_create_in_root(rootfd, "/file/x", false, &err), -1);
	assert_int_equal(err.err, ENOTDIR);
}

static void test_fd_proc(void **state)
{
	char buf[32];
	assert_string_equal(path_fd_proc(42, buf), "/proc/self/fd/42");
	assert_ptr_equal(path_fd_proc(7, buf), buf);
}

/* From here on openat2 fails with ENOSYS, as on kernels before 5.6 (a raw seccomp filter). */
static int setup_fallback(void **state)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), /* seccomp_data.nr */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0x00050000U | ENOSYS), /* SECCOMP_RET_ERRNO */
	    BPF_STMT(BPF_RET | BPF_K, 0x7fff0000U),	     /* SECCOMP_RET_ALLOW */
	};
	struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, 2, &prog) < 0)
		return -1;
	if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS)
		return -1;
	return setup(state);
}

#define TESTS                                                                                               \
	cmocka_unit_test(test_plain), cmocka_unit_test(test_absolute_symlink),                              \
	    cmocka_unit_test(test_dotdot), cmocka_unit_test(test_root_itself), cmocka_unit_test(test_loop), \
	    cmocka_unit_test(test_errors), cmocka_unit_test(test_nofollow),                                 \
	    cmocka_unit_test(test_create_dirs), cmocka_unit_test(test_create_file),                         \
	    cmocka_unit_test(test_create_through_symlinks), cmocka_unit_test(test_create_no_escape),        \
	    cmocka_unit_test(test_create_errors), cmocka_unit_test(test_fd_proc)

int main(void)
{
	const struct CMUnitTest tests[] = {TESTS};
	const struct CMUnitTest fallback[] = {TESTS};
	int r = cmocka_run_group_tests_name("openat2", tests, setup, teardown);
	return r | cmocka_run_group_tests_name("fallback walk", fallback, setup_fallback, teardown);
}
