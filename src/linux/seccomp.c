/* linux.seccomp: compiled to classic BPF with libseccomp in the runtime, loaded with seccomp(2)
 * in the container's init.
 *
 * seccomp_prog_load() needs no_new_privs or CAP_SYS_ADMIN in the calling thread: the caller sets
 * PR_SET_NO_NEW_PRIVS (process.noNewPrivileges) before, or loads the filter while it still has
 * CAP_SYS_ADMIN (before dropping capabilities). The filter is built with SCMP_FLTATR_CTL_NNP
 * off for that reason: no_new_privs is the caller's decision, not a side effect. */
#include "linux/seccomp.h"

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const action_names[] = {
    [SPEC_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
    [SPEC_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SPEC_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SPEC_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
    [SPEC_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [SPEC_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
    [SPEC_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [SPEC_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
    [SPEC_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const struct {
	const char *name;
	unsigned int bit;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* Maps an action and its errnoRet to a libseccomp action; the field names are for messages. */
static int map_action(enum spec_seccomp_action a, bool has_ret, uint32_t ret, const char *act_field,
		      const char *ret_field, uint32_t *out, struct husk_error *err)
{
	if (has_ret && a != SPEC_SCMP_ACT_ERRNO && a != SPEC_SCMP_ACT_TRACE)
		return husk_error_set(err, 0, "%s: only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not %s",
				      ret_field, a > 0 && a <= SPEC_SCMP_ACT_NOTIFY ? action_names[a] : "?");
	if (has_ret && ret > 0xffff)
		return husk_error_set(err, 0, "%s: %u is out of range", ret_field, ret);
	if (!has_ret)
		ret = EPERM; /* the runtime-spec default, for TRACE too (as runc) */
	switch (a) {
	case SPEC_SCMP_ACT_KILL:
	case SPEC_SCMP_ACT_KILL_THREAD:
		*out = SCMP_ACT_KILL_THREAD;
		return 0;
	case SPEC_SCMP_ACT_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case SPEC_SCMP_ACT_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case SPEC_SCMP_ACT_ERRNO:
		*out = SCMP_ACT_ERRNO(ret);
		return 0;
	case SPEC_SCMP_ACT_TRACE:
		*out = SCMP_ACT_TRACE(ret);
		return 0;
	case SPEC_SCMP_ACT_ALLOW:
		*out = SCMP_ACT_ALLOW;
		return 0;
	case SPEC_SCMP_ACT_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	case SPEC_SCMP_ACT_NOTIFY:
		*out = SCMP_ACT_NOTIFY;
		return 0;
	}
	return husk_error_set(err, 0, "%s: unknown action %d", act_field, (int)a);
}

static int add_architectures(scmp_filter_ctx ctx, const struct spec_seccomp *s, struct husk_error *err)
{
	for (size_t i = 0; i < s->n_architectures; i++) {
		const char *name = s->architectures[i];
		char lower[32];
		const char *p = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
		size_t n = strlen(p);
		if (n == 0 || n >= sizeof lower)
			return husk_error_set(
			    err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
		for (size_t k = 0; k <= n; k++)
			lower[k] = (char)tolower((unsigned char)p[k]);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (arch == 0)
			return husk_error_set(
			    err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
		int r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return husk_error_set(
			    err, -r, "linux.seccomp.architectures[%zu]: seccomp_arch_add %s", i, name);
	}
	return 0;
}

static int parse_flags(const struct spec_seccomp *s, unsigned int *out, struct husk_error *err)
{
	*out = 0;
	for (size_t i = 0; i < s->n_flags; i++) {
		size_t k = 0;
		while (k < ARRAY_SIZE(filter_flags) && strcmp(filter_flags[k].name, s->flags[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(filter_flags))
			return husk_error_set(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
					      s->flags[i]);
		*out |= filter_flags[k].bit;
	}
	return 0;
}

static int make_args(const struct spec_seccomp_syscall *sc, size_t idx, struct scmp_arg_cmp *cmp, bool *split,
		     struct husk_error *err)
{
	unsigned int seen = 0;
	*split = false;
	for (size_t k = 0; k < sc->n_args; k++) {
		const struct spec_seccomp_arg *a = &sc->args[k];
		if (a->index > 5)
			return husk_error_set(err, 0,
					      "linux.seccomp.syscalls[%zu].args[%zu].index: %u is above 5",
					      idx, k, a->index);
		if (a->op < SPEC_SCMP_NE || a->op > SPEC_SCMP_MASKED_EQ)
			return husk_error_set(err, 0,
					      "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator %d",
					      idx, k, (int)a->op);
		if (seen & (1u << a->index))
			*split = true;
		seen |= 1u << a->index;
		cmp[k] = (struct scmp_arg_cmp){
		    .arg = a->index,
		    .op = (enum scmp_compare)a->op,
		    .datum_a = a->value,
		    .datum_b = a->value_two,
		};
	}
	return 0;
}

/* Adds one rule per name. Arguments are AND'ed; when an argument index appears more than once
 * the comparisons are OR'ed instead, one rule per comparison (what runc and crun do). */
static int add_syscall(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc, size_t idx,
		       uint32_t def_act, bool *notify, struct husk_error *err)
{
	char field[64], act_field[80], ret_field[80];
	snprintf(field, sizeof field, "linux.seccomp.syscalls[%zu]", idx);
	snprintf(act_field, sizeof act_field, "%s.action", field);
	snprintf(ret_field, sizeof ret_field, "%s.errnoRet", field);
	uint32_t act;
	if (map_action(sc->action, sc->has_errno_ret, sc->errno_ret, act_field, ret_field, &act, err) < 0)
		return -1;
	if (sc->n_args > 6 * 8)
		return husk_error_set(err, 0, "%s.args: too many comparisons (%zu)", field, sc->n_args);
	struct scmp_arg_cmp cmp[6 * 8];
	bool split;
	if (make_args(sc, idx, cmp, &split, err) < 0)
		return -1;
	if (act == SCMP_ACT_NOTIFY)
		*notify = true;

	for (size_t j = 0; j < sc->n_names; j++) {
		int nr = seccomp_syscall_resolve_name(sc->names[j]);
		if (nr == __NR_SCMP_ERROR)
			return husk_error_set(err, 0, "%s.names[%zu]: unknown syscall \"%s\"", field, j,
					      sc->names[j]);
		if (act == def_act)
			continue; /* libseccomp refuses a rule with the default action; it changes nothing */
		int r = 0;
		if (!split) {
			r = seccomp_rule_add_array(ctx, act, nr, (unsigned int)sc->n_args, cmp);
		} else {
			for (size_t k = 0; k < sc->n_args && r >= 0; k++)
				r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
		}
		if (r < 0)
			return husk_error_set(err, -r, "%s.names[%zu]: seccomp_rule_add \"%s\"", field, j,
					      sc->names[j]);
	}
	return 0;
}

/* Exports the BPF program through one memfd into a malloc'ed array. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_prog *out, struct husk_error *err)
{
	_cleanup_close_ int fd = memfd_create("husk-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "linux.seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return husk_error_set(err, -r, "linux.seccomp: seccomp_export_bpf");
	off_t size = lseek(fd, 0, SEEK_CUR);
	if (size < 0)
		return husk_error_set(err, errno, "linux.seccomp: lseek on the exported filter");
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return husk_error_set(err, 0, "linux.seccomp: exported filter has a bad size %lld",
				      (long long)size);
	_cleanup_free_ void *buf = malloc(size);
	if (!buf)
		return husk_error_set(err, ENOMEM, "linux.seccomp: filter of %lld bytes", (long long)size);
	for (off_t done = 0; done < size;) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return husk_error_set(err, n < 0 ? errno : EIO,
					      "linux.seccomp: read back the exported filter");
		done += n;
	}
	out->len = size / sizeof(struct sock_filter);
	out->filter = TAKE_PTR(buf);
	return 0;
}

int seccomp_compile(const struct spec_seccomp *s, struct seccomp_prog *out, struct husk_error *err)
{
	*out = (struct seccomp_prog){0};
	unsigned int flags;
	if (parse_flags(s, &flags, err) < 0)
		return -1;
	uint32_t def_act;
	if (map_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
		       "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet", &def_act, err) < 0)
		return -1;
	bool notify = def_act == SCMP_ACT_NOTIFY;

	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(def_act);
	if (!ctx)
		return husk_error_set(
		    err, 0, "linux.seccomp: seccomp_init with %s failed (not supported by the kernel?)",
		    action_names[s->default_action]);
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return husk_error_set(err, -r, "linux.seccomp: seccomp_attr_set SCMP_FLTATR_CTL_NNP");
	if (add_architectures(ctx, s, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (add_syscall(ctx, &s->syscalls[i], i, def_act, &notify, err) < 0)
			return -1;

	if ((flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !notify)
		return husk_error_set(err, 0,
				      "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a "
				      "SCMP_ACT_NOTIFY action");
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && notify)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH; /* the kernel refuses TSYNC + listener without it */
	if (export_bpf(ctx, out, err) < 0)
		return -1;
	out->flags = flags;
	out->notify = notify;
	return 0;
}

static void flag_names(unsigned int flags, char *buf, size_t len)
{
	static const char *const names[] = {"TSYNC",	    "LOG",	   "SPEC_ALLOW",
					    "NEW_LISTENER", "TSYNC_ESRCH", "WAIT_KILLABLE_RECV"};
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names) && off < len; i++)
		if (flags & (1u << i))
			off += snprintf(buf + off, len - off, "%s%s", off ? "|" : "", names[i]);
	if (off == 0)
		snprintf(buf, len, "0");
}

int seccomp_prog_load(const struct seccomp_prog *p, struct husk_error *err)
{
	struct sock_fprog prog = {.len = (unsigned short)p->len, .filter = p->filter};
	unsigned int flags = p->flags | (p->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	if (p->len == 0 || p->len > BPF_MAXINSNS)
		return husk_error_set(err, EINVAL,
				      "seccomp: filter of %zu instructions (the kernel takes 1 to %d)",
				      p->len, BPF_MAXINSNS);
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0) {
		int e = errno;
		char names[128];
		flag_names(flags, names, sizeof names);
		if (e == EACCES)
			return husk_error_set(err, e,
					      "seccomp: load filter (needs no_new_privs or CAP_SYS_ADMIN)");
		if (e == EINVAL && flags)
			return husk_error_set(
			    err, e, "seccomp: load filter with flags %s (not supported by the kernel?)",
			    names);
		return husk_error_set(err, e, "seccomp: load filter of %zu instructions, flags %s", p->len,
				      names);
	}
	return p->notify ? (int)r : 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	if (!p)
		return;
	free(p->filter);
	*p = (struct seccomp_prog){0};
}
