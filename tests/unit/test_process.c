/* process.c and caps.c: every test changes process state, so each runs in a forked child that
 * reports a check number (0 = fine) and, when a message is checked, the message. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "linux/caps.h"
#include "linux/process.h"
#include "spec/spec.h"
#include "util/error.h"

#define CAP_KILL_      5
#define CAP_SETGID_    6
#define CAP_SETUID_    7
#define CAP_SETPCAP_   8
#define CAP_NET_RAW_   13
#define CAP_SYS_ADMIN_ 21
#define BIT(c)	       (1ULL << (c))

/* Stand-ins for src/spec/names.c and the parser's lookup; the real ones win when linked. */
__attribute__((weak)) const char *spec_capability_name(int cap)
{
	switch (cap) {
	case CAP_KILL_:
		return "CAP_KILL";
	case CAP_NET_RAW_:
		return "CAP_NET_RAW";
	case CAP_SYS_ADMIN_:
		return "CAP_SYS_ADMIN";
	default:
		return NULL;
	}
}

__attribute__((weak)) const struct spec_namespace *spec_namespace(const struct spec *s, int type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

/* ---- child runner ---- */

static char child_msg[HUSK_ERROR_MAX];

/* Runs fn in a child; fn may fill child_msg. Returns fn's result; *msg gets child_msg. */
static int in_child(int (*fn)(void), char *msg, size_t len)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		child_msg[0] = '\0';
		int r = fn();
		ssize_t w = write(pfd[1], child_msg, strlen(child_msg));
		(void)w;
		_exit(r);
	}
	close(pfd[1]);
	char buf[HUSK_ERROR_MAX] = "";
	ssize_t n = read(pfd[0], buf, sizeof buf - 1);
	close(pfd[0]);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	if (msg)
		snprintf(msg, len, "%s", buf);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

static void expect_child_ok(int (*fn)(void))
{
	char msg[HUSK_ERROR_MAX];
	int r = in_child(fn, msg, sizeof msg);
	if (r != 0)
		fail_msg("child check %d failed: %s", r, msg);
}

static void expect_child_msg(int (*fn)(void), const char *want)
{
	char msg[HUSK_ERROR_MAX];
	int r = in_child(fn, msg, sizeof msg);
	if (r != 0)
		fail_msg("child check %d failed: %s", r, msg);
	assert_string_equal(msg, want);
}

/* Stores err's message for the parent; returns 0 when the call failed as expected. */
static int failed(int r, const struct husk_error *err, int want_errno)
{
	snprintf(child_msg, sizeof child_msg, "%s", err->msg);
	if (r != -1)
		return 90;
	return err->err == want_errno ? 0 : 91;
}

static int passed(int r, const struct husk_error *err)
{
	if (r < 0)
		snprintf(child_msg, sizeof child_msg, "%s", err->msg);
	return r < 0 ? 92 : 0;
}

static uint64_t status_caps(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t klen = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtoull(line + klen + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* ---- rlimits ---- */

static struct spec_rlimit rl;
static struct spec_process proc;

static int child_rlimit_lower(void)
{
	struct husk_error err = {0};
	struct rlimit cur;
	rl = (struct spec_rlimit){.resource = RLIMIT_NOFILE, .soft = 100, .hard = 200};
	proc = (struct spec_process){.rlimits = &rl, .n_rlimits = 1};
	if (process_set_rlimits(0, &proc, &err) < 0)
		return passed(-1, &err);
	if (getrlimit(RLIMIT_NOFILE, &cur) < 0 || cur.rlim_cur != 100 || cur.rlim_max != 200)
		return 1;
	return 0;
}

static int child_rlimit_raise(void)
{
	struct husk_error err = {0};
	struct rlimit cur = {100, 200};
	if (setrlimit(RLIMIT_NOFILE, &cur) < 0)
		return 1;
	rl = (struct spec_rlimit){.resource = RLIMIT_NOFILE, .soft = 100, .hard = 300};
	proc = (struct spec_process){.rlimits = &rl, .n_rlimits = 1};
	return failed(process_set_rlimits(0, &proc, &err), &err, EPERM);
}

static int child_rlimit_soft_above_hard(void)
{
	struct husk_error err = {0};
	rl = (struct spec_rlimit){.resource = RLIMIT_CORE, .soft = 10, .hard = 5};
	proc = (struct spec_process){.rlimits = &rl, .n_rlimits = 1};
	return failed(process_set_rlimits(0, &proc, &err), &err, EINVAL);
}

static void test_rlimits(void **state)
{
	expect_child_ok(child_rlimit_lower);
	expect_child_msg(child_rlimit_raise,
			 "process.rlimits: RLIMIT_NOFILE soft=100 hard=300: cannot raise above "
			 "the current hard limit 200: Operation not permitted");
	expect_child_msg(
	    child_rlimit_soft_above_hard,
	    "process.rlimits: RLIMIT_CORE soft=10 hard=5: the soft limit is above the hard limit: "
	    "Invalid argument");
}

/* ---- personality ---- */

static int child_personality(void)
{
	struct husk_error err = {0};
	struct spec s = {.personality = {.domain = PER_LINUX32, .present = true}};
	if (process_set_personality(&s, &err) < 0)
		return passed(-1, &err);
	if (personality(0xffffffff) != PER_LINUX32)
		return 1;
	s.personality.domain = PER_LINUX;
	if (process_set_personality(&s, &err) < 0)
		return passed(-1, &err);
	return personality(0xffffffff) == PER_LINUX ? 0 : 2;
}

static void test_personality(void **state)
{
	expect_child_ok(child_personality);
}

/* ---- oom_score_adj ---- */

static int read_oom(void)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "re");
	int v = -12345;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -12345;
		fclose(f);
	}
	return v;
}

static int child_oom_raise(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.oom_score_adj = 700, .has_oom_score_adj = true};
	if (process_set_oom_score_adj(0, &proc, &err) < 0)
		return passed(-1, &err);
	return read_oom() == 700 ? 0 : 1;
}

/* We run without CAP_SYS_RESOURCE: lowering below the inherited minimum fails. */
static int child_oom_lower(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.oom_score_adj = -1000, .has_oom_score_adj = true};
	return failed(process_set_oom_score_adj(0, &proc, &err), &err, EACCES);
}

static void test_oom_score_adj(void **state)
{
	expect_child_ok(child_oom_raise);
	expect_child_msg(child_oom_lower,
			 "process.oomScoreAdj: write -1000 to /proc/self/oom_score_adj (lowering it "
			 "needs CAP_SYS_RESOURCE): Permission denied");
}

/* ---- scheduler and I/O priority ---- */

static char *sched_flags_ok[] = {"SCHED_FLAG_RESET_ON_FORK", NULL};
static char *sched_flags_bad[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_BOGUS", NULL};

static int child_scheduler(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.has_scheduler = true};
	proc.scheduler = (struct spec_scheduler){.policy = "SCHED_BATCH",
						 .policy_num = SCHED_BATCH,
						 .nice = 5,
						 .flags = sched_flags_ok,
						 .n_flags = 1};
	if (process_set_scheduler(&proc, &err) < 0)
		return passed(-1, &err);
	if (sched_getscheduler(0) != (SCHED_BATCH | SCHED_RESET_ON_FORK))
		return 1;
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != 5 || errno)
		return 2;
	return 0;
}

static int child_scheduler_bad_flag(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.has_scheduler = true};
	proc.scheduler = (struct spec_scheduler){
	    .policy = "SCHED_OTHER", .policy_num = SCHED_OTHER, .flags = sched_flags_bad, .n_flags = 2};
	return failed(process_set_scheduler(&proc, &err), &err, 0);
}

static int child_scheduler_einval(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.has_scheduler = true};
	proc.scheduler =
	    (struct spec_scheduler){.policy = "SCHED_OTHER", .policy_num = SCHED_OTHER, .priority = 3};
	return failed(process_set_scheduler(&proc, &err), &err, EINVAL);
}

static void test_scheduler(void **state)
{
	expect_child_ok(child_scheduler);
	expect_child_msg(child_scheduler_bad_flag,
			 "process.scheduler.flags[1]: unknown flag \"SCHED_FLAG_BOGUS\"");
	expect_child_msg(child_scheduler_einval,
			 "process.scheduler: sched_setattr policy SCHED_OTHER nice 0 "
			 "priority 3 flags 0 runtime 0 deadline 0 period 0: Invalid argument");
}

static int child_ioprio(void)
{
	struct husk_error err = {0};
	proc = (struct spec_process){.has_io_priority = true, .io_priority = {.class_num = 2, .priority = 6}};
	if (process_set_io_priority(&proc, &err) < 0)
		return passed(-1, &err);
	if (syscall(SYS_ioprio_get, 1, 0) != ((2 << 13) | 6))
		return 1;
	proc.io_priority = (struct spec_io_priority){.class_num = 3, .priority = 0};
	if (process_set_io_priority(&proc, &err) < 0)
		return passed(-1, &err);
	return syscall(SYS_ioprio_get, 1, 0) == (3 << 13) ? 0 : 2;
}

static void test_io_priority(void **state)
{
	expect_child_ok(child_ioprio);
}

/* ---- capabilities and the user switch ---- */

static void test_last_cap(void **state)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int want = -1;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &want), 1);
	fclose(f);
	assert_int_equal(caps_last_cap(), want);
	assert_int_equal(caps_last_cap(), want); /* cached */
}

static uint32_t extra_gids[] = {65534, 100};

/* The container init's order: bounding set, user switch, then capset + ambient. */
static int child_caps_user(void)
{
	struct husk_error err = {0};
	struct spec_caps c = {.present = true,
			      .bounding = BIT(CAP_KILL_) | BIT(CAP_NET_RAW_),
			      .permitted = BIT(CAP_KILL_) | BIT(CAP_NET_RAW_),
			      .effective = BIT(CAP_KILL_),
			      .inheritable = BIT(CAP_KILL_),
			      .ambient = BIT(CAP_KILL_)};
	struct spec_user u = {
	    .uid = 65534, .gid = 65534, .additional_gids = extra_gids, .n_additional_gids = 2};
	if (caps_drop_bounding(&c, &err) < 0)
		return passed(-1, &err);
	if (status_caps("CapBnd") != c.bounding)
		return 1;
	if (process_set_user(&u, &err) < 0)
		return passed(-1, &err);
	if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534 || getegid() != 65534)
		return 2;
	gid_t groups[8];
	if (getgroups(8, groups) != 2 || groups[0] != 100 || groups[1] != 65534) /* sorted by the kernel */
		return 3;
	mode_t old = umask(0);
	if (old != 0022)
		return 4;
	if (caps_apply(&c, &err) < 0)
		return passed(-1, &err);
	if (status_caps("CapEff") != BIT(CAP_KILL_) || status_caps("CapPrm") != c.permitted)
		return 5;
	if (status_caps("CapInh") != BIT(CAP_KILL_) || status_caps("CapAmb") != BIT(CAP_KILL_))
		return 6;
	if (status_caps("CapBnd") != c.bounding)
		return 7;
	return 0;
}

static void test_caps_and_user(void **state)
{
	expect_child_ok(child_caps_user);
}

static int child_umask(void)
{
	struct husk_error err = {0};
	struct spec_user u = {.uid = 0, .gid = 0, .umask = 077, .has_umask = true};
	if (process_set_user(&u, &err) < 0)
		return passed(-1, &err);
	if (getgroups(0, NULL) != 0)
		return 1;
	return umask(0) == 077 ? 0 : 2;
}

static void test_umask(void **state)
{
	expect_child_ok(child_umask);
}

/* Asking for a permitted capability the process no longer has names that capability. */
static int child_capset_error(void)
{
	struct husk_error err = {0};
	struct spec_caps c = {.present = true, .permitted = BIT(CAP_KILL_), .effective = BIT(CAP_KILL_)};
	if (caps_apply(&c, &err) < 0)
		return passed(-1, &err);
	c.permitted |= BIT(CAP_SYS_ADMIN_);
	return failed(caps_apply(&c, &err), &err, EPERM);
}

static int child_effective_not_permitted(void)
{
	struct husk_error err = {0};
	struct spec_caps c = {
	    .present = true, .permitted = BIT(CAP_KILL_), .effective = BIT(CAP_KILL_) | BIT(CAP_NET_RAW_)};
	return failed(caps_apply(&c, &err), &err, 0);
}

static int child_ambient_not_inheritable(void)
{
	struct husk_error err = {0};
	struct spec_caps c = {.present = true,
			      .permitted = BIT(CAP_KILL_),
			      .effective = BIT(CAP_KILL_),
			      .ambient = BIT(CAP_KILL_)};
	/* as runc: an ambient cap that is not also inheritable is skipped, not an error */
	if (caps_apply(&c, &err) < 0)
		return passed(-1, &err);
	return status_caps("CapAmb") == 0 && status_caps("CapEff") == BIT(CAP_KILL_) ? 0 : 1;
}

/* Without CAP_SETPCAP the bounding set cannot shrink. */
static int child_bounding_error(void)
{
	struct husk_error err = {0};
	uint64_t all = status_caps("CapPrm");
	struct spec_caps keep = {.present = true, .permitted = all, .effective = all & ~BIT(CAP_SETPCAP_)};
	if (caps_apply(&keep, &err) < 0)
		return passed(-1, &err);
	struct spec_caps c = {.present = true, .bounding = ~BIT(CAP_NET_RAW_)};
	return failed(caps_drop_bounding(&c, &err), &err, EPERM);
}

/* Capabilities above cap_last_cap are skipped, not an error. */
static int child_unknown_caps_skipped(void)
{
	struct husk_error err = {0};
	struct spec_caps c = {.present = true,
			      .permitted = BIT(CAP_KILL_) | BIT(63),
			      .effective = BIT(CAP_KILL_),
			      .bounding = BIT(CAP_KILL_) | BIT(62)};
	if (caps_drop_bounding(&c, &err) < 0 || caps_apply(&c, &err) < 0)
		return passed(-1, &err);
	return status_caps("CapPrm") == BIT(CAP_KILL_) ? 0 : 1;
}

static void test_caps_errors(void **state)
{
	expect_child_msg(child_capset_error, "capset: permitted CAP_SYS_ADMIN: Operation not permitted");
	expect_child_msg(child_effective_not_permitted,
			 "process.capabilities.effective: CAP_NET_RAW is not in the permitted set");
	expect_child_ok(child_ambient_not_inheritable);
	expect_child_msg(child_bounding_error,
			 "prctl PR_CAPBSET_DROP CAP_NET_RAW (dropping from the bounding set "
			 "needs CAP_SETPCAP): Operation not permitted");
	expect_child_ok(child_unknown_caps_skipped);
}

/* In a user namespace with setgroups denied: no groups asked is fine, groups asked is not. */
static int write_proc(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int child_setgroups_denied(void)
{
	struct husk_error err = {0};
	if (unshare(CLONE_NEWUSER) < 0)
		return 80;
	if (write_proc("/proc/self/setgroups", "deny") < 0 ||
	    write_proc("/proc/self/uid_map", "0 0 1\n") < 0 ||
	    write_proc("/proc/self/gid_map", "0 0 1\n") < 0)
		return 81;
	struct spec_user u = {.uid = 0, .gid = 0};
	if (process_set_user(&u, &err) < 0)
		return passed(-1, &err);
	u.additional_gids = extra_gids;
	u.n_additional_gids = 1;
	return failed(process_set_user(&u, &err), &err, EPERM);
}

static int child_unmapped_uid(void)
{
	struct husk_error err = {0};
	if (unshare(CLONE_NEWUSER) < 0)
		return 80;
	if (write_proc("/proc/self/setgroups", "deny") < 0 ||
	    write_proc("/proc/self/uid_map", "0 0 1\n") < 0 ||
	    write_proc("/proc/self/gid_map", "0 0 1\n") < 0)
		return 81;
	struct spec_user u = {.uid = 1000, .gid = 0};
	return failed(process_set_user(&u, &err), &err, EINVAL);
}

static void test_user_namespace(void **state)
{
	expect_child_msg(child_setgroups_denied,
			 "process.user.additionalGids: setgroups (denied by "
			 "/proc/self/setgroups in this user namespace): Operation not permitted");
	expect_child_msg(child_unmapped_uid,
			 "process.user.uid: setresuid 1000 (uid not mapped in the container's "
			 "user namespace): Invalid argument");
}

/* ---- sysctls ---- */

static struct spec_namespace all_ns[] = {{CLONE_NEWNET, NULL}, {CLONE_NEWIPC, NULL}, {CLONE_NEWUTS, NULL}};

static int read_int(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int child_sysctls(void)
{
	struct husk_error err = {0};
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return 80;
	struct spec_sysctl sc[] = {
	    {"net.ipv4.ip_forward", "1"}, {"kernel.shmmni", "1234"}, {"kernel.domainname", "husk.test"}};
	struct spec s = {.namespaces = all_ns, .n_namespaces = 3, .sysctls = sc, .n_sysctls = 3};
	if (process_set_sysctls(&s, &err) < 0)
		return passed(-1, &err);
	if (read_int("/proc/sys/net/ipv4/ip_forward") != 1)
		return 1;
	if (read_int("/proc/sys/kernel/shmmni") != 1234)
		return 2;
	char dom[64] = "";
	if (getdomainname(dom, sizeof dom) < 0 || strcmp(dom, "husk.test") != 0)
		return 3;
	return 0;
}

/* A refused key anywhere in the list: nothing is written. */
static int child_sysctls_all_or_nothing(void)
{
	struct husk_error err = {0};
	if (unshare(CLONE_NEWIPC) < 0)
		return 80;
	int before = read_int("/proc/sys/kernel/shmmni");
	struct spec_sysctl sc[] = {{"kernel.shmmni", "1234"}, {"vm.swappiness", "10"}};
	struct spec s = {.namespaces = all_ns + 1, .n_namespaces = 1, .sysctls = sc, .n_sysctls = 2};
	int r = failed(process_set_sysctls(&s, &err), &err, 0);
	if (r)
		return r;
	return read_int("/proc/sys/kernel/shmmni") == before ? 0 : 1;
}

static void expect_sysctl_error(const char *key, struct spec_namespace *ns, size_t n_ns, const char *want)
{
	struct husk_error err = {0};
	struct spec_sysctl sc = {(char *)key, "1"};
	struct spec s = {.namespaces = ns, .n_namespaces = n_ns, .sysctls = &sc, .n_sysctls = 1};
	assert_int_equal(process_set_sysctls(&s, &err), -1);
	assert_string_equal(err.msg, want);
}

static void test_sysctls(void **state)
{
	expect_child_ok(child_sysctls);
	expect_child_msg(
	    child_sysctls_all_or_nothing,
	    "linux.sysctl[\"vm.swappiness\"]: not namespaced: it would change the host's setting");
	/* refused before anything is written: safe in the test process itself */
	expect_sysctl_error(
	    "net.ipv4.ip_forward", all_ns + 1, 2,
	    "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a new network namespace (linux.namespaces "
	    "has none)");
	expect_sysctl_error(
	    "kernel.msgmax", all_ns, 1,
	    "linux.sysctl[\"kernel.msgmax\"]: needs a new ipc namespace (linux.namespaces has none)");
	expect_sysctl_error(
	    "fs.mqueue.queues_max", all_ns, 1,
	    "linux.sysctl[\"fs.mqueue.queues_max\"]: needs a new ipc namespace (linux.namespaces has "
	    "none)");
	expect_sysctl_error(
	    "kernel.hostname", all_ns, 2,
	    "linux.sysctl[\"kernel.hostname\"]: needs a new uts namespace (linux.namespaces has none)");
	expect_sysctl_error("net/ipv4/ip_forward", all_ns, 3,
			    "linux.sysctl[\"net/ipv4/ip_forward\"]: invalid key");
	expect_sysctl_error("net..ipv4", all_ns, 3, "linux.sysctl[\"net..ipv4\"]: invalid key");
	expect_sysctl_error("net.ipv4.", all_ns, 3, "linux.sysctl[\"net.ipv4.\"]: invalid key");
	expect_sysctl_error(
	    "kernel.pid_max", all_ns, 3,
	    "linux.sysctl[\"kernel.pid_max\"]: not namespaced: it would change the host's setting");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rlimits),	  cmocka_unit_test(test_personality),
	    cmocka_unit_test(test_oom_score_adj), cmocka_unit_test(test_scheduler),
	    cmocka_unit_test(test_io_priority),	  cmocka_unit_test(test_last_cap),
	    cmocka_unit_test(test_caps_and_user), cmocka_unit_test(test_umask),
	    cmocka_unit_test(test_caps_errors),	  cmocka_unit_test(test_user_namespace),
	    cmocka_unit_test(test_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
