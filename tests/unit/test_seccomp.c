/* seccomp_compile/seccomp_load: filters built from hand-made struct spec_seccomp, loaded in
 * forked children (the parent stays unfiltered). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "linux/seccomp.h"
#include "spec/spec.h"
#include "util/error.h"

/* SECCOMP_FILTER_FLAG_* (not from <linux/seccomp.h>: -Isrc shadows it) */
#define F_TSYNC	      1u
#define F_LOG	      2u
#define F_TSYNC_ESRCH 16u

#define MAX_RULES 8

struct profile {
	struct spec_seccomp s;
	struct spec_seccomp_syscall rules[MAX_RULES];
	char *names[MAX_RULES][4];
	struct spec_seccomp_arg args[MAX_RULES][4];
};

static void profile_init(struct profile *p, enum spec_seccomp_action def)
{
	memset(p, 0, sizeof *p);
	p->s.default_action = def;
	p->s.syscalls = p->rules;
}

/* Adds a rule; names is a NULL-terminated list. Returns the rule for args/errno tweaks. */
static struct spec_seccomp_syscall *add_rule(struct profile *p, enum spec_seccomp_action act, ...)
{
	size_t i = p->s.n_syscalls++;
	assert_true(i < MAX_RULES);
	struct spec_seccomp_syscall *r = &p->rules[i];
	va_list ap;
	va_start(ap, act);
	const char *n;
	while ((n = va_arg(ap, const char *)) != NULL) {
		assert_true(r->n_names < 3);
		p->names[i][r->n_names++] = (char *)n;
	}
	va_end(ap);
	r->names = p->names[i];
	r->action = act;
	r->args = p->args[i];
	return r;
}

static void add_arg(struct profile *p, struct spec_seccomp_syscall *r, unsigned idx, enum spec_seccomp_op op,
		    uint64_t v, uint64_t v2)
{
	size_t ri = (size_t)(r - p->rules);
	assert_true(r->n_args < 4);
	p->args[ri][r->n_args++] =
	    (struct spec_seccomp_arg){.index = idx, .value = v, .value_two = v2, .op = op};
}

static void compile_ok(struct profile *p, struct seccomp_prog *prog)
{
	struct husk_error err = {0};
	int r = seccomp_compile(&p->s, prog, &err);
	if (r < 0)
		fail_msg("seccomp_compile: %s", err.msg);
	assert_non_null(prog->filter);
	assert_true(prog->len > 0);
}

/* Runs fn in a child under the filter; returns the wait status. */
static int run_filtered(const struct seccomp_prog *prog, bool nnp, int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit nocore = {0, 0};
		setrlimit(RLIMIT_CORE, &nocore);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		struct husk_error err = {0};
		if (seccomp_prog_load(prog, &err) < 0) {
			fprintf(stderr, "seccomp_load: %s\n", err.msg);
			_exit(101);
		}
		_exit(fn());
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_exit0(int st)
{
	if (!WIFEXITED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("child check %d failed", WEXITSTATUS(st));
}

/* ---- ERRNO rule on mkdir/mkdirat ---- */

static int child_mkdir(void)
{
	if (syscall(SYS_mkdir, "/nonexistent-husk/x", 0755) != -1 || errno != EROFS)
		return 1;
	if (syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-husk/x", 0755) != -1 || errno != EROFS)
		return 2;
	if (syscall(SYS_rmdir, "/nonexistent-husk/x") != -1 || errno != ENOENT)
		return 3; /* not filtered: the kernel's own answer */
	return 0;
}

static void test_errno_rule(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdir", "mkdirat", NULL);
	r->errno_ret = EROFS;
	r->has_errno_ret = true;
	compile_ok(&p, &prog);
	assert_int_equal(prog.flags, 0);
	assert_false(prog.notify);
	assert_exit0(run_filtered(&prog, true, child_mkdir));
	seccomp_prog_free(&prog);
	assert_null(prog.filter);
}

/* ---- ERRNO default: EPERM when no errno is given ---- */

static int child_mkdir_eperm(void)
{
	if (syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-husk/x", 0755) != -1 || errno != EPERM)
		return 1;
	return 0;
}

static void test_errno_rule_default_eperm(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdirat", NULL);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_mkdir_eperm));
	seccomp_prog_free(&prog);
}

/* ---- default ERRNO with defaultErrnoRet ---- */

static int child_default_errno(void)
{
	if (syscall(SYS_getppid) != -1 || errno != EXDEV)
		return 1;
	if (syscall(SYS_getpid) != getpid())
		return 2; /* allowed by a rule (glibc does not cache getpid) */
	return 0;
}

static void test_default_errno(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ERRNO);
	p.s.default_errno_ret = EXDEV;
	p.s.has_default_errno_ret = true;
	add_rule(&p, SPEC_SCMP_ACT_ALLOW, "exit_group", "exit", "getpid", NULL);
	add_rule(&p, SPEC_SCMP_ACT_ALLOW, "write", "rt_sigreturn", NULL);
	/* what the ASan runtime needs in the child */
	add_rule(&p, SPEC_SCMP_ACT_ALLOW, "sigaltstack", "mmap", "munmap", NULL);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_default_errno));
	seccomp_prog_free(&prog);
}

/* ---- KILL_PROCESS ---- */

static int child_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

static void test_kill_process(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_KILL_PROCESS, "getppid", NULL);
	compile_ok(&p, &prog);
	int st = run_filtered(&prog, true, child_getppid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	seccomp_prog_free(&prog);
}

/* ---- argument filters ---- */

static int child_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd != -1 || errno != EAFNOSUPPORT)
		return 1;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return 2;
	close(fd);
	return 0;
}

static void test_arg_eq(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "socket", NULL);
	r->errno_ret = EAFNOSUPPORT;
	r->has_errno_ret = true;
	add_arg(&p, r, 0, SPEC_SCMP_EQ, AF_INET, 0);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_socket));
	seccomp_prog_free(&prog);
}

/* personality(0xffffffff) (query) allowed, anything else EPERM: arg0 NE with default ALLOW. */
static int child_personality(void)
{
	if (personality(0xffffffff) < 0)
		return 1;
	if (personality(PER_LINUX32) != -1 || errno != EPERM)
		return 2;
	return 0;
}

static void test_arg_ne(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "personality", NULL);
	add_arg(&p, r, 0, SPEC_SCMP_NE, 0xffffffff, 0);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_personality));
	seccomp_prog_free(&prog);
}

/* openat with (flags & O_ACCMODE) == O_WRONLY -> EROFS; O_RDONLY still works. */
static int child_masked(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd != -1 || errno != EROFS)
		return 1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	close(fd);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 3;
	close(fd);
	return 0;
}

static void test_masked_eq(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "openat", NULL);
	r->errno_ret = EROFS;
	r->has_errno_ret = true;
	add_arg(&p, r, 2, SPEC_SCMP_MASKED_EQ, O_ACCMODE, O_WRONLY);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_masked));
	seccomp_prog_free(&prog);
}

/* Two comparisons on the same argument: OR'ed (personality(1) and personality(8) both refused). */
static int child_same_index(void)
{
	if (personality(PER_LINUX32) != -1 || errno != EPERM)
		return 1;
	if (personality(0x0001) != -1 || errno != EPERM)
		return 2;
	if (personality(0xffffffff) < 0)
		return 3;
	if (personality(PER_LINUX) < 0)
		return 4;
	return 0;
}

static void test_same_index_or(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "personality", NULL);
	add_arg(&p, r, 0, SPEC_SCMP_EQ, PER_LINUX32, 0);
	add_arg(&p, r, 0, SPEC_SCMP_EQ, 0x0001, 0);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_same_index));
	seccomp_prog_free(&prog);
}

/* Comparisons on different arguments: AND'ed. */
static int child_and(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd != -1 || errno != EPERM)
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 2;
	close(fd);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return 3;
	close(fd);
	return 0;
}

static void test_different_index_and(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "socket", NULL);
	add_arg(&p, r, 0, SPEC_SCMP_EQ, AF_INET, 0);
	add_arg(&p, r, 1, SPEC_SCMP_EQ, SOCK_DGRAM, 0);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_and));
	seccomp_prog_free(&prog);
}

/* ---- architectures, skipped rules, flags ---- */

static void test_architectures(void **state)
{
	static char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
	struct profile p;
	struct seccomp_prog one, three;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdir", "mkdirat", NULL);
	compile_ok(&p, &one);
	p.s.architectures = archs;
	p.s.n_architectures = 3;
	compile_ok(&p, &three);
	assert_true(three.len > one.len); /* checks for the extra architectures */
	assert_exit0(run_filtered(&three, true, child_mkdir_eperm));
	seccomp_prog_free(&one);
	seccomp_prog_free(&three);
}

static void test_rule_with_default_action_skipped(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ALLOW, "getpid", NULL);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdirat", NULL);
	compile_ok(&p, &prog);
	assert_exit0(run_filtered(&prog, true, child_mkdir_eperm));
	seccomp_prog_free(&prog);
}

static void test_flags(void **state)
{
	static char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", NULL};
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdirat", NULL);
	p.s.flags = flags;
	p.s.n_flags = 2;
	compile_ok(&p, &prog);
	assert_int_equal(prog.flags, F_LOG | F_TSYNC);
	assert_exit0(run_filtered(&prog, true, child_mkdir_eperm));
	seccomp_prog_free(&prog);
}

static void test_notify(void **state)
{
	static char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", NULL};
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_NOTIFY, "getppid", NULL);
	p.s.flags = flags;
	p.s.n_flags = 1;
	compile_ok(&p, &prog);
	assert_true(prog.notify);
	assert_int_equal(prog.flags, F_TSYNC | F_TSYNC_ESRCH);

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct husk_error err = {0};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		int fd = seccomp_prog_load(&prog, &err);
		if (fd <= 0) {
			fprintf(stderr, "seccomp_load: %s\n", err.msg);
			_exit(1);
		}
		if (fcntl(fd, F_GETFD) < 0)
			_exit(2);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_exit0(st);
	seccomp_prog_free(&prog);
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses the filter. */
static void test_load_needs_nnp(void **state)
{
	struct profile p;
	struct seccomp_prog prog;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdirat", NULL);
	compile_ok(&p, &prog);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct data[2] = {{0}};
		if (syscall(SYS_capset, &hdr, data) < 0)
			_exit(100);
		struct husk_error err = {0};
		if (seccomp_prog_load(&prog, &err) == 0)
			_exit(1);
		ssize_t w = write(pfd[1], err.msg, strlen(err.msg));
		(void)w;
		_exit(err.err == EACCES ? 0 : 2);
	}
	close(pfd[1]);
	char msg[HUSK_ERROR_MAX] = "";
	ssize_t n = read(pfd[0], msg, sizeof msg - 1);
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_exit0(st);
	assert_true(n > 0);
	assert_string_equal(msg,
			    "seccomp: load filter (needs no_new_privs or CAP_SYS_ADMIN): Permission denied");
	seccomp_prog_free(&prog);
}

/* ---- compile errors ---- */

static void expect_compile_error(struct profile *p, const char *msg)
{
	struct husk_error err = {0};
	struct seccomp_prog prog = {0};
	assert_int_equal(seccomp_compile(&p->s, &prog, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_null(prog.filter);
}

static void test_unknown_syscall(void **state)
{
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdir", NULL);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdirat", "no_such_syscall", NULL);
	expect_compile_error(&p, "linux.seccomp.syscalls[1].names[1]: unknown syscall \"no_such_syscall\"");
}

static void test_unknown_arch(void **state)
{
	static char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX", NULL};
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	p.s.architectures = archs;
	p.s.n_architectures = 2;
	expect_compile_error(&p, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
}

static void test_unknown_flag(void **state)
{
	static char *flags[] = {"SECCOMP_FILTER_FLAG_BOGUS", NULL};
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	p.s.flags = flags;
	p.s.n_flags = 1;
	expect_compile_error(&p, "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
}

static void test_errno_ret_on_kill(void **state)
{
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_KILL, "mkdir", NULL);
	r->has_errno_ret = true;
	r->errno_ret = 1;
	expect_compile_error(&p, "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO and "
				 "SCMP_ACT_TRACE, not SCMP_ACT_KILL");
}

static void test_bad_arg_index(void **state)
{
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *r = add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdir", NULL);
	add_arg(&p, r, 6, SPEC_SCMP_EQ, 0, 0);
	expect_compile_error(&p, "linux.seccomp.syscalls[0].args[0].index: 6 is above 5");
}

static void test_wait_killable_needs_notify(void **state)
{
	static char *flags[] = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
	struct profile p;
	profile_init(&p, SPEC_SCMP_ACT_ALLOW);
	add_rule(&p, SPEC_SCMP_ACT_ERRNO, "mkdir", NULL);
	p.s.flags = flags;
	p.s.n_flags = 1;
	expect_compile_error(&p, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a "
				 "SCMP_ACT_NOTIFY action");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errno_rule),
	    cmocka_unit_test(test_errno_rule_default_eperm),
	    cmocka_unit_test(test_default_errno),
	    cmocka_unit_test(test_kill_process),
	    cmocka_unit_test(test_arg_eq),
	    cmocka_unit_test(test_arg_ne),
	    cmocka_unit_test(test_masked_eq),
	    cmocka_unit_test(test_same_index_or),
	    cmocka_unit_test(test_different_index_and),
	    cmocka_unit_test(test_architectures),
	    cmocka_unit_test(test_rule_with_default_action_skipped),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_notify),
	    cmocka_unit_test(test_load_needs_nnp),
	    cmocka_unit_test(test_unknown_syscall),
	    cmocka_unit_test(test_unknown_arch),
	    cmocka_unit_test(test_unknown_flag),
	    cmocka_unit_test(test_errno_ret_on_kill),
	    cmocka_unit_test(test_bad_arg_index),
	    cmocka_unit_test(test_wait_killable_needs_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
