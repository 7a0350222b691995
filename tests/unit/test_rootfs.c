/* rootfs_prepare() + rootfs_finish() for real (needs root). Each variant forks a child that
 * unshares its namespaces (a user namespace too in one variant) and forks the container's
 * init (pid 1 of a new pid namespace), which sets up a busybox rootfs from a hand-built spec
 * and checks it from inside; the exit code says which check failed. The parent checks the
 * host's mount table is unchanged. */
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
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/console.h"
#include "linux/rootfs.h"
#include "spec/spec.h"
#include "util/error.h"

struct variant {
	bool userns, cgroupns, no_pivot;
	bool old_kernel; /* no openat2, open_tree, move_mount, mount_setattr: the fallbacks */
	bool bad_mount;	 /* a mount that fails: the error names it */
};

static char tmp[256];

#define FAIL(code, ...)                                               \
	do {                                                          \
		fprintf(stderr, "container check %d failed: ", code); \
		fprintf(stderr, __VA_ARGS__);                         \
		fprintf(stderr, "\n");                                \
		return code;                                          \
	} while (0)

static int count_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0, c;
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	close(out);
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

/* --- inside the container --- */

struct mnt {
	char root[512], point[512], opts[256], fstype[64];
};

static struct mnt mnts[128];
static int n_mnts;

static void read_mountinfo(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	n_mnts = 0;
	while (f && n_mnts < 128 && fgets(line, sizeof line, f)) {
		struct mnt *m = &mnts[n_mnts];
		char *sep = strstr(line, " - ");
		if (sep && sscanf(line, "%*d %*d %*s %511s %511s %255s", m->root, m->point, m->opts) == 3 &&
		    sscanf(sep + 3, "%63s", m->fstype) == 1)
			n_mnts++;
	}
	if (f)
		fclose(f);
}

/* The last mount on point (the visible one). */
static const struct mnt *find_mnt(const char *point)
{
	for (int i = n_mnts - 1; i >= 0; i--)
		if (strcmp(mnts[i].point, point) == 0)
			return &mnts[i];
	return NULL;
}

static bool has_opt(const struct mnt *m, const char *opt)
{
	char buf[300];
	snprintf(buf, sizeof buf, ",%s,", m->opts);
	char o[64];
	snprintf(o, sizeof o, ",%s,", opt);
	return strstr(buf, o) != NULL;
}

static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* This process' cgroup in the memory hierarchy, as /proc/self/cgroup says. */
static char memcg[512];

static int read_memcg(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[600];
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, ":memory:");
		if (p) {
			snprintf(memcg, sizeof memcg, "%s", p + strlen(":memory:"));
			memcg[strcspn(memcg, "\n")] = '\0';
		}
	}
	if (f)
		fclose(f);
	return memcg[0] ? 0 : -1;
}

static int check_mounts(const struct variant *v)
{
	static const struct {
		const char *point, *fstype, *opt;
	} want[] = {
	    {"/", NULL, "ro"},
	    {"/proc", "proc", "nosuid"},
	    {"/dev", "tmpfs", "nosuid"},
	    {"/dev/pts", "devpts", "noexec"},
	    {"/dev/shm", "tmpfs", "nodev"},
	    {"/dev/mqueue", "mqueue", "nosuid"},
	    {"/sys", NULL, "ro"},
	    {"/sys/fs/cgroup", "tmpfs", "ro"},
	    {"/sys/fs/cgroup/memory", "cgroup", "ro"},
	    {"/sys/fs/cgroup/unified", "cgroup2", "ro"},
	    {"/mnt/ro", NULL, "ro"},
	    {"/mnt/rro", NULL, "ro"},
	    {"/mnt/file", NULL, "rw"},
	    {"/proc/sys", "proc", "ro"},
	    {"/proc/keys", NULL, NULL},
	    {"/etc/secret", NULL, NULL},
	    {"/sys/firmware", "tmpfs", "ro"},
	    {"/dev/console", NULL, NULL},
	};
	read_mountinfo();
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct mnt *m = find_mnt(want[i].point);
		if (!m)
			FAIL(20, "no mount on %s", want[i].point);
		if (want[i].fstype && strcmp(m->fstype, want[i].fstype) != 0)
			FAIL(21, "%s is %s, not %s", want[i].point, m->fstype, want[i].fstype);
		if (want[i].opt && !has_opt(m, want[i].opt))
			FAIL(22, "%s: options %s lack %s", want[i].point, m->opts, want[i].opt);
	}
	/* without a cgroup namespace, the container's cgroup (ctx->cgroup_paths) is bound */
	const struct mnt *cg = find_mnt("/sys/fs/cgroup/memory");
	if (!v->cgroupns && strcmp(cg->root, memcg) != 0)
		FAIL(25, "/sys/fs/cgroup/memory is %s, not the cgroup %s", cg->root, memcg);
	/* flags locked in a user namespace are kept, else cleared as asked */
	const struct mnt *m = find_mnt("/mnt/locked");
	if (!m || !has_opt(m, "noexec") || has_opt(m, "ro") == !v->userns ||
	    has_opt(m, "nosuid") == !v->userns || has_opt(m, "nodev") == !v->userns)
		FAIL(24, "/mnt/locked: options %s", m ? m->opts : "(not mounted)");
	/* the old root is gone: only the container's mounts are visible */
	static const char *const ours[] = {"/proc", "/dev", "/sys", "/mnt", "/etc/secret"};
	for (int i = 0; i < n_mnts; i++) {
		bool ok = strcmp(mnts[i].point, "/") == 0 && strcmp(mnts[i].root, "/") != 0;
		for (size_t j = 0; j < sizeof ours / sizeof ours[0] && !ok; j++)
			ok = under(mnts[i].point, ours[j]);
		if (!ok)
			FAIL(23, "a mount of the host is visible: %s %s (%s)", mnts[i].root, mnts[i].point,
			     mnts[i].fstype);
	}
	return 0;
}

static int expect_erofs(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		return -1;
	}
	return errno == EROFS ? 0 : -1;
}

static int check_files(const struct variant *v, dev_t console)
{
	struct stat sb;
	char buf[64];
	if (expect_erofs("/mnt/ro/hello", O_WRONLY) < 0 ||
	    expect_erofs("/mnt/ro/new", O_WRONLY | O_CREAT) < 0)
		FAIL(30, "/mnt/ro is writable");
	int fd = open("/mnt/ro/sub/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644); /* "ro": the top only */
	if (fd < 0)
		FAIL(31, "/mnt/ro/sub: %s", strerror(errno));
	close(fd);
	if (!v->old_kernel && expect_erofs("/mnt/rro/sub/y", O_WRONLY | O_CREAT) < 0)
		FAIL(32, "/mnt/rro/sub is writable (rro is recursive)");
	if (mkdir("/newdir", 0755) == 0 || errno != EROFS)
		FAIL(33, "the root is writable");
	if (expect_erofs("/proc/sys/kernel/hostname", O_WRONLY) < 0)
		FAIL(34, "/proc/sys is writable");
	if (stat("/dev/null", &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3))
		FAIL(35, "/dev/null is not the null device");
	if (write_file("/dev/null", "x") < 0)
		FAIL(36, "write /dev/null: %s", strerror(errno));
	if (stat("/dev/full", &sb) < 0 || sb.st_rdev != makedev(1, 7) ||
	    (!v->userns && (sb.st_mode & 0777) != 0600))
		FAIL(37, "/dev/full: not linux.devices' (1:7, 0600)");
	ssize_t n = readlink("/dev/fd", buf, sizeof buf - 1);
	if (n < 0 || (buf[n] = '\0', strcmp(buf, "/proc/self/fd") != 0))
		FAIL(38, "/dev/fd is not a symlink to /proc/self/fd");
	n = readlink("/dev/ptmx", buf, sizeof buf - 1);
	if (n < 0 || (buf[n] = '\0', strcmp(buf, "pts/ptmx") != 0))
		FAIL(39, "/dev/ptmx is not a symlink to pts/ptmx");
	if (stat("/proc/keys", &sb) < 0 || sb.st_rdev != makedev(1, 3) || stat("/etc/secret", &sb) < 0 ||
	    sb.st_rdev != makedev(1, 3))
		FAIL(40, "masked files are not /dev/null");
	struct statfs sfs;
	if (statfs("/sys/firmware", &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)
		FAIL(41, "/sys/firmware is not masked with a tmpfs");
	if (stat("/dev/console", &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != console)
		FAIL(42, "/dev/console is not the console pty");
	fd = open("/mnt/file", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, 5) != 5 || memcmp(buf, "hello", 5) != 0)
		FAIL(43, "/mnt/file: not the bound file");
	close(fd);
	if (access("/dev/husk-fifo", F_OK) < 0 || stat("/dev/husk-fifo", &sb) < 0 || !S_ISFIFO(sb.st_mode))
		FAIL(44, "/dev/husk-fifo: not a fifo");
	return 0;
}

static int check_exec(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/busybox", "busybox", "true", (char *)NULL);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL(50, "/bin/busybox true did not run");
	return 0;
}

#define OPTS(...) ((char *[]){__VA_ARGS__, NULL})
#define MOUNT(dst, typ, src, opts)                                              \
	{                                                                       \
		.destination = dst, .type = typ, .source = src, .options = opts \
	}

/* rootfs_prepare() fails on an invalid tmpfs option, naming the entry. */
static int bad_mount(const char *rootfs)
{
	struct spec_mount mounts[] = {
	    MOUNT("/proc", "proc", "proc", OPTS("nosuid")),
	    MOUNT("/dev/shm", "tmpfs", "shm", OPTS("nosuid", "size=bogus")),
	};
	struct spec s = {.mounts = mounts, .n_mounts = 2};
	struct rootfs_ctx ctx = {.spec = &s, .rootfs = rootfs, .console_fd = -1};
	struct husk_error err = {0};
	const char *want = "mounts[1] (tmpfs on /dev/shm): mount -o size=bogus: Invalid argument";
	if (rootfs_prepare(&ctx, &err) == 0)
		FAIL(60, "an invalid tmpfs size was accepted");
	if (strcmp(err.msg, want) != 0 || err.err != EINVAL)
		FAIL(61, "error \"%s\", expected \"%s\"", err.msg, want);
	return 0;
}

static int container(const struct variant *v)
{
	char rootfs[300], bindsrc[300], file[300], locked[300];
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmp);
	snprintf(bindsrc, sizeof bindsrc, "%s/bindsrc", tmp);
	snprintf(file, sizeof file, "%s/bindsrc/hello", tmp);
	snprintf(locked, sizeof locked, "%s/locked", tmp);
	if (v->bad_mount)
		return bad_mount(rootfs);
	struct spec_mount mounts[] = {
	    MOUNT("/proc", "proc", "proc", OPTS("nosuid", "noexec", "nodev")),
	    MOUNT("/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k")),
	    MOUNT("/dev/pts", "devpts", "devpts",
		  v->userns ? OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
			    : OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
	    MOUNT("/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
	    MOUNT("/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev")),
	    MOUNT("/sys", "sysfs", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro")),
	    MOUNT("/sys/fs/cgroup", "cgroup", "cgroup", OPTS("nosuid", "noexec", "nodev", "relatime", "ro")),
	    MOUNT("/mnt/ro", NULL, bindsrc, OPTS("rbind", "ro")),
	    MOUNT("/mnt/rro", "bind", bindsrc,
		  v->old_kernel ? OPTS("rbind", "ro", "rprivate") : OPTS("rbind", "rro", "rprivate")),
	    MOUNT("/mnt/file", NULL, file, OPTS("bind", "rw")),
	    MOUNT("/mnt/locked", NULL, locked, OPTS("bind", "rw", "suid", "dev", "noexec")),
	};
	struct spec_device devices[] = {
	    {.path = "/dev/full",
	     .type = 'c',
	     .major = 1,
	     .minor = 7,
	     .file_mode = 0600,
	     .has_file_mode = true},
	    {.path = "/dev/husk-fifo", .type = 'p', .file_mode = 0600, .has_file_mode = true},
	};
	struct spec s = {
	    .mounts = mounts,
	    .n_mounts = sizeof mounts / sizeof mounts[0],
	    .devices = devices,
	    .n_devices = 2,
	    .masked_paths = OPTS("/proc/kcore", "/proc/keys", "/sys/firmware", "/etc/secret", "/nonexistent"),
	    .n_masked_paths = 5,
	    .readonly_paths = OPTS("/proc/sys", "/proc/sysrq-trigger"),
	    .n_readonly_paths = 2,
	};
	s.root.readonly = true;
	int master, slave;
	struct husk_error err = {0};
	struct stat sb;
	if (console_open_pty(NULL, &master, &slave, &err) < 0 || fstat(slave, &sb) < 0)
		FAIL(9, "console: %s", err.msg);
	const char *cg_mountpoints[] = {"/sys/fs/cgroup/memory", NULL}, *cg_paths[] = {memcg, NULL};
	if (read_memcg() < 0)
		FAIL(9, "no memory cgroup in /proc/self/cgroup");
	struct rootfs_ctx ctx = {
	    .spec = &s,
	    .rootfs = rootfs,
	    .no_pivot = v->no_pivot,
	    .in_userns = v->userns,
	    .new_cgroupns = v->cgroupns,
	    .console_fd = slave,
	    .cgroup_mountpoints = cg_mountpoints,
	    .cgroup_paths = cg_paths,
	};
	if (rootfs_prepare(&ctx, &err) < 0)
		FAIL(10, "rootfs_prepare: %s", err.msg);
	if (rootfs_finish(&ctx, &err) < 0)
		FAIL(11, "rootfs_finish: %s", err.msg);
	int r = check_mounts(v);
	if (!r)
		r = check_files(v, sb.st_rdev);
	if (!r)
		r = check_exec();
	return r;
}

/* --- the forked child: namespaces, then pid 1 --- */

static int enter_userns(void)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0 || write_file("/proc/self/uid_map", "0 0 1") < 0 ||
	    write_file("/proc/self/gid_map", "0 0 1") < 0)
		return -1;
	return 0;
}

/* The new mount API and openat2 fail with ENOSYS, as before Linux 5.2 / 5.6. */
static int old_kernel(void)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), /* seccomp_data.nr */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 4, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open_tree, 3, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_move_mount, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mount_setattr, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0x7fff0000U),	     /* SECCOMP_RET_ALLOW */
	    BPF_STMT(BPF_RET | BPF_K, 0x00050000U | ENOSYS), /* SECCOMP_RET_ERRNO */
	};
	struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, 2, &prog) < 0)
		return -1;
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) == -1 && errno == ENOSYS ? 0 : -1;
}

/* tmp/locked: a read-only, nosuid, nodev bind of bindsrc, made before the user namespace
 * (where its flags are then locked). */
static int make_locked(void)
{
	char src[300], dst[300];
	snprintf(src, sizeof src, "%s/bindsrc", tmp);
	snprintf(dst, sizeof dst, "%s/locked", tmp);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return -1;
	return 0;
}

static int child(const struct variant *v)
{
	char sub[300];
	if (v->old_kernel && old_kernel() < 0)
		FAIL(1, "seccomp filter: %s", strerror(errno));
	if (make_locked() < 0)
		FAIL(1, "locked mount: %s", strerror(errno));
	if (v->userns && enter_userns() < 0)
		FAIL(2, "user namespace: %s", strerror(errno));
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (v->cgroupns ? CLONE_NEWCGROUP : 0);
	if (unshare(flags) < 0)
		FAIL(3, "unshare: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		FAIL(4, "make / private: %s", strerror(errno));
	/* a submount in the bind source, to tell "ro" (the top) from "rro" */
	snprintf(sub, sizeof sub, "%s/bindsrc/sub", tmp);
	if (mount("tmpfs", sub, "tmpfs", 0, "size=64k") < 0)
		FAIL(5, "tmpfs on %s: %s", sub, strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		FAIL(6, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(container(v));
	int st;
	if (waitpid(pid, &st, 0) < 0)
		FAIL(7, "waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void make_tree(void)
{
	static const char *const dirs[] = {"rootfs",  "rootfs/bin",  "rootfs/etc",
					   "bindsrc", "bindsrc/sub", "locked"};
	char p[400];
	snprintf(tmp, sizeof tmp, "/tmp/husk-test-rootfs-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", tmp, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof p, "%s/rootfs/bin/busybox", tmp);
	assert_int_equal(copy_file("/bin/busybox", p, 0755), 0);
	snprintf(p, sizeof p, "%s/rootfs/etc/secret", tmp);
	assert_int_equal(copy_file("/dev/null", p, 0644), 0);
	snprintf(p, sizeof p, "%s/bindsrc/hello", tmp);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("hello", f);
	fclose(f);
}

static void run_variant(const struct variant *v)
{
	int before = count_mounts();
	make_tree();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(v));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(count_mounts(), before);
}

static void test_root(void **state)
{
	run_variant(&(struct variant){0});
}

static void test_cgroupns_no_pivot(void **state)
{
	run_variant(&(struct variant){.cgroupns = true, .no_pivot = true});
}

static void test_userns(void **state)
{
	run_variant(&(struct variant){.userns = true, .cgroupns = true});
}

static void test_userns_no_cgroupns(void **state)
{
	run_variant(&(struct variant){.userns = true});
}

static void test_old_kernel(void **state)
{
	run_variant(&(struct variant){.old_kernel = true});
}

static void test_old_kernel_userns(void **state)
{
	run_variant(&(struct variant){.old_kernel = true, .userns = true, .cgroupns = true});
}

static void test_bad_mount(void **state)
{
	run_variant(&(struct variant){.bad_mount = true});
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_rootfs needs root: skipped\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root),       cmocka_unit_test(test_cgroupns_no_pivot),
	    cmocka_unit_test(test_userns),     cmocka_unit_test(test_userns_no_cgroupns),
	    cmocka_unit_test(test_old_kernel), cmocka_unit_test(test_old_kernel_userns),
	    cmocka_unit_test(test_bad_mount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
