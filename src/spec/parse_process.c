/* config.json: process. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse_internal.h"
#include "util/cleanup.h"
#include "util/error.h"

static int parse_console_size(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr)
{
	uint32_t h, w;

	if (jv_object(c, p, v) < 0 || jo_req_u32(c, p, v, "height", &h) < 0 ||
	    jo_req_u32(c, p, v, "width", &w) < 0)
		return -1;
	pr->console_size.height = h;
	pr->console_size.width = w;
	pr->has_console_size = true;
	return 0;
}

static int parse_user(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_user *u)
{
	json_t *gids;

	if (jv_object(c, p, v) < 0 || jo_u32(c, p, v, "uid", &u->uid, NULL) < 0 ||
	    jo_u32(c, p, v, "gid", &u->gid, NULL) < 0 ||
	    jo_u32(c, p, v, "umask", &u->umask, &u->has_umask) < 0 ||
	    jo_string(c, p, v, "username", &u->username) < 0)
		return -1;
	if (u->has_umask && u->umask > 0777)
		return perr(c, JP_KEY(p, "umask"), "must be at most 0777, got %#o", u->umask);
	if (!(gids = jget(v, "additionalGids")))
		return 0;
	const struct jpath *pg = JP_KEY(p, "additionalGids");
	if (jv_array(c, pg, gids) < 0)
		return -1;
	size_t n = json_array_size(gids);
	if (!(u->additional_gids = pcalloc(c, n, sizeof *u->additional_gids)))
		return -1;
	u->n_additional_gids = n;
	for (size_t i = 0; i < n; i++)
		if (jv_u32(c, JP_IDX(pg, i), json_array_get(gids, i), &u->additional_gids[i]) < 0)
			return -1;
	return 0;
}

static int parse_args(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr)
{
	const struct jpath *pa = JP_KEY(p, "args");
	json_t *args = jget(v, "args");

	if (!args || !json_is_array(args) || json_array_size(args) == 0)
		return perr(c, pa, "must be a non-empty array of strings");
	return jv_strv(c, pa, args, &pr->args, &pr->n_args);
}

static int parse_cwd(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr)
{
	json_t *cwd = jget(v, "cwd");

	if (cwd)
		return jv_abspath(c, JP_KEY(p, "cwd"), cwd, &pr->cwd);
	if (!(pr->cwd = strdup("/")))
		return husk_error_set(c->err, ENOMEM, "%s: allocation failed", c->name);
	return 0;
}

static int parse_cap_set(struct pctx *c, const struct jpath *p, const json_t *caps, const char *key,
			 uint64_t *mask)
{
	const struct jpath *ps = JP_KEY(p, key);
	json_t *set = jget(caps, key), *e;
	size_t i;

	if (!set)
		return 0;
	if (jv_array(c, ps, set) < 0)
		return -1;
	json_array_foreach(set, i, e)
	{
		if (!json_is_string(e))
			return perr_type(c, JP_IDX(ps, i), e, "a string");
		int cap = spec_capability_from_name(json_string_value(e));
		if (cap < 0)
			return perr(c, JP_IDX(ps, i), "unknown capability \"%s\"", json_string_value(e));
		*mask |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_caps(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_caps *caps)
{
	if (jv_object(c, p, v) < 0 || parse_cap_set(c, p, v, "bounding", &caps->bounding) < 0 ||
	    parse_cap_set(c, p, v, "effective", &caps->effective) < 0 ||
	    parse_cap_set(c, p, v, "inheritable", &caps->inheritable) < 0 ||
	    parse_cap_set(c, p, v, "permitted", &caps->permitted) < 0 ||
	    parse_cap_set(c, p, v, "ambient", &caps->ambient) < 0)
		return -1;
	caps->present = true;
	return 0;
}

static int parse_rlimit(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr,
			size_t idx)
{
	struct spec_rlimit *rl = &pr->rlimits[idx];
	const struct jpath *pt = JP_KEY(p, "type");
	json_t *type;

	if (jv_object(c, p, v) < 0 || !(type = jreq(c, p, v, "type")))
		return -1;
	if (!json_is_string(type))
		return perr_type(c, pt, type, "a string");
	if ((rl->resource = spec_rlimit_from_name(json_string_value(type))) < 0)
		return perr(c, pt, "unknown rlimit \"%s\"", json_string_value(type));
	for (size_t i = 0; i < idx; i++)
		if (pr->rlimits[i].resource == rl->resource)
			return perr(c, pt, "duplicate rlimit \"%s\"", json_string_value(type));
	if (jo_req_u64(c, p, v, "soft", &rl->soft) < 0 || jo_req_u64(c, p, v, "hard", &rl->hard) < 0)
		return -1;
	if (rl->soft > rl->hard)
		return perr(c, JP_KEY(p, "soft"), "soft limit %llu is above the hard limit %llu",
			    (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	return 0;
}

static int parse_rlimits(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t n = json_array_size(v);
	if (!(pr->rlimits = pcalloc(c, n, sizeof *pr->rlimits)))
		return -1;
	pr->n_rlimits = n;
	for (size_t i = 0; i < n; i++)
		if (parse_rlimit(c, JP_IDX(p, i), json_array_get(v, i), pr, i) < 0)
			return -1;
	return 0;
}

struct name_num {
	const char *name;
	int num;
};

static const struct name_num sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},	  {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},	{"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

static const char *const sched_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK",	 "SCHED_FLAG_RECLAIM",	   "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",	 "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
};

static int name_lookup(const struct name_num *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].num;
	return -1;
}

static int parse_sched_flags(struct pctx *c, const struct jpath *p, struct spec_scheduler *sc)
{
	for (size_t i = 0; i < sc->n_flags; i++) {
		size_t k = 0;
		while (k < ARRAY_SIZE(sched_flags) && strcmp(sched_flags[k], sc->flags[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(sched_flags))
			return perr(c, JP_IDX(p, i), "unknown scheduler flag \"%s\"", sc->flags[i]);
	}
	return 0;
}

static int parse_scheduler(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_scheduler *sc)
{
	int64_t x;

	if (jv_object(c, p, v) < 0 || jo_req_string(c, p, v, "policy", &sc->policy) < 0)
		return -1;
	sc->policy_num = name_lookup(sched_policies, ARRAY_SIZE(sched_policies), sc->policy);
	if (sc->policy_num < 0)
		return perr(c, JP_KEY(p, "policy"), "unknown scheduler policy \"%s\"", sc->policy);
	x = 0;
	if (jo_int(c, p, v, "nice", -20, 19, &x, NULL) < 0)
		return -1;
	sc->nice = (int32_t)x;
	x = 0;
	if (jo_int(c, p, v, "priority", INT32_MIN, INT32_MAX, &x, NULL) < 0)
		return -1;
	sc->priority = (int32_t)x;
	if (jo_strv(c, p, v, "flags", &sc->flags, &sc->n_flags) < 0 ||
	    parse_sched_flags(c, JP_KEY(p, "flags"), sc) < 0 ||
	    jo_u64(c, p, v, "runtime", &sc->runtime) < 0 || jo_u64(c, p, v, "deadline", &sc->deadline) < 0 ||
	    jo_u64(c, p, v, "period", &sc->period) < 0)
		return -1;
	return 0;
}

static const struct name_num ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

static int parse_io_priority(struct pctx *c, const struct jpath *p, const json_t *v,
			     struct spec_io_priority *io)
{
	const struct jpath *pc = JP_KEY(p, "class");
	json_t *cls;
	int64_t prio = 0;

	if (jv_object(c, p, v) < 0 || !(cls = jreq(c, p, v, "class")))
		return -1;
	if (!json_is_string(cls))
		return perr_type(c, pc, cls, "a string");
	io->class_num = name_lookup(ioprio_classes, ARRAY_SIZE(ioprio_classes), json_string_value(cls));
	if (io->class_num < 0)
		return perr(c, pc, "unknown I/O priority class \"%s\"", json_string_value(cls));
	if (jo_int(c, p, v, "priority", 0, 7, &prio, NULL) < 0)
		return -1;
	io->priority = (int)prio;
	return 0;
}

/* Optional object-valued members of process. */
static int parse_process_objects(struct pctx *c, const struct jpath *p, const json_t *v,
				 struct spec_process *pr)
{
	json_t *x;

	if ((x = jget(v, "consoleSize")) && parse_console_size(c, JP_KEY(p, "consoleSize"), x, pr) < 0)
		return -1;
	if ((x = jget(v, "user")) && parse_user(c, JP_KEY(p, "user"), x, &pr->user) < 0)
		return -1;
	if ((x = jget(v, "capabilities")) && parse_caps(c, JP_KEY(p, "capabilities"), x, &pr->caps) < 0)
		return -1;
	if ((x = jget(v, "rlimits")) && parse_rlimits(c, JP_KEY(p, "rlimits"), x, pr) < 0)
		return -1;
	if ((x = jget(v, "scheduler"))) {
		pr->has_scheduler = true;
		if (parse_scheduler(c, JP_KEY(p, "scheduler"), x, &pr->scheduler) < 0)
			return -1;
	}
	if ((x = jget(v, "ioPriority"))) {
		pr->has_io_priority = true;
		if (parse_io_priority(c, JP_KEY(p, "ioPriority"), x, &pr->io_priority) < 0)
			return -1;
	}
	return 0;
}

int parse_process(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *pr)
{
	int64_t oom = 0;

	if (jv_object(c, p, v) < 0)
		return -1;
	if (jo_bool(c, p, v, "terminal", &pr->terminal) < 0 || parse_args(c, p, v, pr) < 0 ||
	    jo_strv(c, p, v, "env", &pr->env, &pr->n_env) < 0 || parse_cwd(c, p, v, pr) < 0 ||
	    jo_bool(c, p, v, "noNewPrivileges", &pr->no_new_privileges) < 0 ||
	    jo_string(c, p, v, "apparmorProfile", &pr->apparmor_profile) < 0 ||
	    jo_string(c, p, v, "selinuxLabel", &pr->selinux_label) < 0 ||
	    jo_int(c, p, v, "oomScoreAdj", -1000, 1000, &oom, &pr->has_oom_score_adj) < 0)
		return -1;
	pr->oom_score_adj = (int)oom;
	return parse_process_objects(c, p, v, pr);
}

void process_free(struct spec_process *pr)
{
	strv_free(pr->args);
	strv_free(pr->env);
	free(pr->cwd);
	free(pr->rlimits);
	free(pr->apparmor_profile);
	free(pr->selinux_label);
	free(pr->user.additional_gids);
	free(pr->user.username);
	free(pr->scheduler.policy);
	strv_free(pr->scheduler.flags);
}
