/* Process attributes applied in the container's init: rlimits, oom_score_adj, scheduler, I/O
 * priority, personality, user and groups, sysctls. */
#include "linux/process.h"

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- rlimits ---- */

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",	   [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",	   [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",	   [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",	   [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",	   [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",	   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const char *rlimit_name(int resource, char *buf, size_t len)
{
	if (resource >= 0 && (size_t)resource < ARRAY_SIZE(rlimit_names) && rlimit_names[resource])
		return rlimit_names[resource];
	snprintf(buf, len, "RLIMIT_%d", resource);
	return buf;
}

static const char *rlim_str(uint64_t v, char *buf, size_t len)
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static int rlimit_error(const struct spec_rlimit *r, int e, struct husk_error *err)
{
	char nb[24], sb[24], hb[24], cb[24];
	const char *name = rlimit_name(r->resource, nb, sizeof nb);
	const char *soft = rlim_str(r->soft, sb, sizeof sb), *hard = rlim_str(r->hard, hb, sizeof hb);
	struct rlimit cur;
	if (e == EINVAL && r->soft > r->hard)
		return husk_error_set(
		    err, e, "process.rlimits: %s soft=%s hard=%s: the soft limit is above the hard limit",
		    name, soft, hard);
	if (e == EPERM && getrlimit(r->resource, &cur) == 0 && r->hard > (uint64_t)cur.rlim_max)
		return husk_error_set(
		    err, e,
		    "process.rlimits: %s soft=%s hard=%s: cannot raise above the current hard limit %s", name,
		    soft, hard, rlim_str(cur.rlim_max, cb, sizeof cb));
	if (e == EPERM && r->resource == RLIMIT_NOFILE)
		return husk_error_set(err, e, "process.rlimits: %s soft=%s hard=%s: above fs.nr_open", name,
				      soft, hard);
	return husk_error_set(err, e, "process.rlimits: %s soft=%s hard=%s", name, soft, hard);
}

int process_set_rlimits(pid_t pid, const struct spec_process *p, struct husk_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard};
		if (prlimit(pid, r->resource, &rl, NULL) < 0)
			return rlimit_error(r, errno, err);
	}
	return 0;
}

/* ---- oom_score_adj ---- */

int process_set_oom_score_adj(pid_t pid, const struct spec_process *p, struct husk_error *err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16], path[64];
	int len = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/oom_score_adj");
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "process.oomScoreAdj: open %s", path);
	if (write(fd, buf, len) != len) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			return husk_error_set(
			    err, e,
			    "process.oomScoreAdj: write %d to %s (lowering it needs CAP_SYS_RESOURCE)",
			    p->oom_score_adj, path);
		return husk_error_set(err, e, "process.oomScoreAdj: write %d to %s", p->oom_score_adj, path);
	}
	return 0;
}

/* ---- scheduler ---- */

/* struct sched_attr of the kernel (SCHED_ATTR_SIZE_VER1); glibc 2.36 does not define it. */
struct husk_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static const struct {
	const char *name;
	uint64_t bit;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static int sched_flag_bit(const char *name, uint64_t *bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(sched_flags); i++) {
		if (strcmp(sched_flags[i].name, name) == 0) {
			*bit = sched_flags[i].bit;
			return 0;
		}
	}
	return -1;
}

int process_set_scheduler(const struct spec_process *p, struct husk_error *err)
{
	if (!p->has_scheduler)
		return 0;
	const struct spec_scheduler *s = &p->scheduler;
	struct husk_sched_attr a = {
	    .size = sizeof a,
	    .sched_policy = (uint32_t)s->policy_num,
	    .sched_nice = s->nice,
	    .sched_priority = (uint32_t)s->priority,
	    .sched_runtime = s->runtime,
	    .sched_deadline = s->deadline,
	    .sched_period = s->period,
	};
	for (size_t i = 0; i < s->n_flags; i++) {
		uint64_t bit;
		if (sched_flag_bit(s->flags[i], &bit) < 0)
			return husk_error_set(err, 0, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
					      s->flags[i]);
		a.sched_flags |= bit;
	}
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) {
		int e = errno;
		return husk_error_set(
		    err, e,
		    "process.scheduler: sched_setattr policy %s nice %d priority %d flags %#llx "
		    "runtime %llu deadline %llu period %llu%s",
		    s->policy ? s->policy : "?", s->nice, s->priority, (unsigned long long)a.sched_flags,
		    (unsigned long long)s->runtime, (unsigned long long)s->deadline,
		    (unsigned long long)s->period,
		    e == EPERM ? " (real-time and deadline policies need CAP_SYS_NICE)" : "");
	}
	return 0;
}

/* ---- I/O priority ---- */

#define HUSK_IOPRIO_WHO_PROCESS 1
#define HUSK_IOPRIO_CLASS_SHIFT 13

int process_set_io_priority(const struct spec_process *p, struct husk_error *err)
{
	if (!p->has_io_priority)
		return 0;
	static const char *const classes[] = {"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					      "IOPRIO_CLASS_IDLE"};
	int cls = p->io_priority.class_num, prio = p->io_priority.priority;
	if (cls < 0 || cls > 3 || prio < 0 || prio > 7)
		return husk_error_set(err, 0, "process.ioPriority: class %d priority %d out of range", cls,
				      prio);
	int value = (cls << HUSK_IOPRIO_CLASS_SHIFT) | prio;
	if (syscall(SYS_ioprio_set, HUSK_IOPRIO_WHO_PROCESS, 0, value) < 0)
		return husk_error_set(err, errno, "process.ioPriority: ioprio_set class %s priority %d%s",
				      classes[cls], prio,
				      errno == EPERM ? " (the real-time class needs CAP_SYS_ADMIN)" : "");
	return 0;
}

/* ---- personality ---- */

int process_set_personality(const struct spec *s, struct husk_error *err)
{
	if (!s->personality.present)
		return 0;
	unsigned long d = s->personality.domain;
	if (personality(d) < 0)
		return husk_error_set(err, errno, "linux.personality: personality(%s)",
				      d == PER_LINUX32 ? "LINUX32"
				      : d == PER_LINUX ? "LINUX"
						       : "?");
	return 0;
}

/* ---- user ---- */

static bool setgroups_denied(void)
{
	char buf[16] = "";
	_cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

static int set_groups(const struct spec_user *u, struct husk_error *err)
{
	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) == 0)
		return 0;
	int e = errno;
	if (e == EPERM && setgroups_denied()) {
		if (u->n_additional_gids == 0)
			return 0;
		return husk_error_set(
		    err, e,
		    "process.user.additionalGids: setgroups (denied by /proc/self/setgroups in "
		    "this user namespace)");
	}
	if (e == EINVAL)
		return husk_error_set(err, e,
				      "process.user.additionalGids: setgroups (a group is not mapped in the "
				      "container's user namespace)");
	return husk_error_set(err, e, "process.user.additionalGids: setgroups");
}

int process_set_user(const struct spec_user *u, struct husk_error *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return husk_error_set(err, errno, "prctl PR_SET_KEEPCAPS");
	if (set_groups(u, err) < 0)
		return -1;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return husk_error_set(err, errno, "process.user.gid: setresgid %u%s", u->gid,
				      errno == EINVAL ? " (gid not mapped in the container's user namespace)"
						      : "");
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return husk_error_set(err, errno, "process.user.uid: setresuid %u%s", u->uid,
				      errno == EINVAL ? " (uid not mapped in the container's user namespace)"
						      : "");
	umask(u->has_umask ? (mode_t)(u->umask & 07777) : 0022);
	return 0;
}

/* ---- sysctls ---- */

/* Which namespace owns a sysctl key: a CLONE_NEW* flag, or 0 when it is not namespaced. */
static int sysctl_namespace(const char *key)
{
	static const char *const ipc_prefixes[] = {"kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue."};
	if (strncmp(key, "net.", 4) == 0)
		return CLONE_NEWNET;
	for (size_t i = 0; i < ARRAY_SIZE(ipc_prefixes); i++)
		if (strncmp(key, ipc_prefixes[i], strlen(ipc_prefixes[i])) == 0)
			return CLONE_NEWIPC;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return CLONE_NEWUTS;
	return 0;
}

static const char *ns_label(int type)
{
	switch (type) {
	case CLONE_NEWNET:
		return "network";
	case CLONE_NEWIPC:
		return "ipc";
	default:
		return "uts";
	}
}

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; refuses '/', ".." and empty parts. */
static int sysctl_path(const char *key, char *path, size_t len)
{
	size_t klen = strlen(key);
	if (klen == 0 || strchr(key, '/') || strstr(key, "..") || key[0] == '.' || key[klen - 1] == '.')
		return -1;
	if ((size_t)snprintf(path, len, "/proc/sys/%s", key) >= len)
		return -1;
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	return 0;
}

static int write_sysctl(const struct spec_sysctl *sc, const char *path, struct husk_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "linux.sysctl[\"%s\"]: open %s", sc->key, path);
	size_t len = strlen(sc->value);
	ssize_t n = write(fd, sc->value, len);
	if (n < 0 || (size_t)n != len)
		return husk_error_set(err, n < 0 ? errno : EIO, "linux.sysctl[\"%s\"]: write \"%s\" to %s",
				      sc->key, sc->value, path);
	return 0;
}

static int check_sysctl(const struct spec *s, const struct spec_sysctl *sc, char *path, size_t len,
			struct husk_error *err)
{
	if (sysctl_path(sc->key, path, len) < 0)
		return husk_error_set(err, 0, "linux.sysctl[\"%s\"]: invalid key", sc->key);
	int ns = sysctl_namespace(sc->key);
	if (ns == 0)
		return husk_error_set(
		    err, 0, "linux.sysctl[\"%s\"]: not namespaced: it would change the host's setting",
		    sc->key);
	if (!spec_namespace(s, ns))
		return husk_error_set(
		    err, 0, "linux.sysctl[\"%s\"]: needs a new %s namespace (linux.namespaces has none)",
		    sc->key, ns_label(ns));
	return 0;
}

int process_set_sysctls(const struct spec *s, struct husk_error *err)
{
	char path[512];
	/* All keys are checked before the first write: a refused key leaves nothing half-applied. */
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (check_sysctl(s, &s->sysctls[i], path, sizeof path, err) < 0)
			return -1;
	for (size_t i = 0; i < s->n_sysctls; i++) {
		sysctl_path(s->sysctls[i].key, path, sizeof path); /* checked above */
		if (write_sysctl(&s->sysctls[i], path, err) < 0)
			return -1;
	}
	return 0;
}
