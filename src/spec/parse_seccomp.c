/* config.json: linux.seccomp. Architecture and syscall names are checked with libseccomp so
 * that a typo is reported with its JSON path before anything is created. */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse_internal.h"
#include "util/cleanup.h"
#include "util/error.h"

#ifndef __NR_SCMP_ERROR
#define __NR_SCMP_ERROR -1
#endif

struct name_num {
	const char *name;
	int num;
};

static const struct name_num actions[] = {
    {"SCMP_ACT_KILL", SPEC_SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SPEC_SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SPEC_SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SPEC_SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SPEC_SCMP_ACT_ERRNO},
    {"SCMP_ACT_TRACE", SPEC_SCMP_ACT_TRACE},
    {"SCMP_ACT_ALLOW", SPEC_SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SPEC_SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SPEC_SCMP_ACT_NOTIFY},
};

static const struct name_num ops[] = {
    {"SCMP_CMP_NE", SPEC_SCMP_NE},
    {"SCMP_CMP_LT", SPEC_SCMP_LT},
    {"SCMP_CMP_LE", SPEC_SCMP_LE},
    {"SCMP_CMP_EQ", SPEC_SCMP_EQ},
    {"SCMP_CMP_GE", SPEC_SCMP_GE},
    {"SCMP_CMP_GT", SPEC_SCMP_GT},
    {"SCMP_CMP_MASKED_EQ", SPEC_SCMP_MASKED_EQ},
};

static const char *const filter_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* Looks up the string at v in t; -1 with an error ("unknown WHAT") when absent or not a string. */
static int jv_enum(struct pctx *c, const struct jpath *p, const json_t *v, const struct name_num *t, size_t n,
		   const char *what)
{
	if (!json_is_string(v))
		return perr_type(c, p, v, "a string");
	const char *s = json_string_value(v);
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].num;
	return perr(c, p, "unknown %s \"%s\"", what, s);
}

static int parse_action(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key)
{
	json_t *v = jreq(c, p, obj, key);
	if (!v)
		return -1;
	return jv_enum(c, JP_KEY(p, key), v, actions, ARRAY_SIZE(actions), "seccomp action");
}

static int check_arch(struct pctx *c, const struct jpath *p, const char *name)
{
	static const char prefix[] = "SCMP_ARCH_";
	char lower[32];
	size_t n = strlen(name), plen = sizeof prefix - 1;

	if (n <= plen || n - plen >= sizeof lower || strncmp(name, prefix, plen) != 0)
		return perr(c, p, "unknown architecture \"%s\"", name);
	for (size_t i = plen; i <= n; i++)
		lower[i - plen] = (char)tolower((unsigned char)name[i]);
	if (seccomp_arch_resolve_name(lower) == 0)
		return perr(c, p, "unknown architecture \"%s\"", name);
	return 0;
}

static int check_flags(struct pctx *c, const struct jpath *p, char **flags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < ARRAY_SIZE(filter_flags) && strcmp(filter_flags[k], flags[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(filter_flags))
			return perr(c, JP_IDX(p, i), "unknown seccomp flag \"%s\"", flags[i]);
	}
	return 0;
}

static int parse_arg(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_seccomp_arg *a)
{
	int64_t index;
	json_t *x;
	int op;

	if (jv_object(c, p, v) < 0 || !(x = jreq(c, p, v, "index")) ||
	    jv_int(c, JP_KEY(p, "index"), x, 0, 5, &index) < 0)
		return -1;
	a->index = (unsigned int)index;
	if (jo_req_u64(c, p, v, "value", &a->value) < 0 || jo_u64(c, p, v, "valueTwo", &a->value_two) < 0 ||
	    !(x = jreq(c, p, v, "op")))
		return -1;
	if ((op = jv_enum(c, JP_KEY(p, "op"), x, ops, ARRAY_SIZE(ops), "seccomp operator")) < 0)
		return -1;
	a->op = (enum spec_seccomp_op)op;
	return 0;
}

static int parse_syscall_names(struct pctx *c, const struct jpath *p, const json_t *v,
			       struct spec_seccomp_syscall *sc)
{
	const struct jpath *pn = JP_KEY(p, "names");
	json_t *names = jreq(c, p, v, "names");

	if (!names || jv_strv(c, pn, names, &sc->names, &sc->n_names) < 0)
		return -1;
	if (sc->n_names == 0)
		return perr(c, pn, "must not be empty");
	for (size_t i = 0; i < sc->n_names; i++)
		if (seccomp_syscall_resolve_name(sc->names[i]) == __NR_SCMP_ERROR)
			return perr(c, JP_IDX(pn, i), "unknown syscall \"%s\"", sc->names[i]);
	return 0;
}

static int parse_syscall(struct pctx *c, const struct jpath *p, const json_t *v,
			 struct spec_seccomp_syscall *sc)
{
	int act;
	json_t *args;

	if (jv_object(c, p, v) < 0 || parse_syscall_names(c, p, v, sc) < 0)
		return -1;
	if ((act = parse_action(c, p, v, "action")) < 0)
		return -1;
	sc->action = (enum spec_seccomp_action)act;
	sc->errno_ret = EPERM;
	if (jo_u32(c, p, v, "errnoRet", &sc->errno_ret, &sc->has_errno_ret) < 0)
		return -1;
	if (!(args = jget(v, "args")))
		return 0;
	const struct jpath *pa = JP_KEY(p, "args");
	if (jv_array(c, pa, args) < 0)
		return -1;
	size_t n = json_array_size(args);
	if (!(sc->args = pcalloc(c, n, sizeof *sc->args)))
		return -1;
	sc->n_args = n;
	for (size_t i = 0; i < n; i++)
		if (parse_arg(c, JP_IDX(pa, i), json_array_get(args, i), &sc->args[i]) < 0)
			return -1;
	return 0;
}

static int parse_syscalls(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_seccomp *sc)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t n = json_array_size(v);
	if (!(sc->syscalls = pcalloc(c, n, sizeof *sc->syscalls)))
		return -1;
	sc->n_syscalls = n;
	for (size_t i = 0; i < n; i++)
		if (parse_syscall(c, JP_IDX(p, i), json_array_get(v, i), &sc->syscalls[i]) < 0)
			return -1;
	return 0;
}

static bool uses_notify(const struct spec_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SPEC_SCMP_ACT_NOTIFY)
			return true;
	return false;
}

int parse_seccomp(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_seccomp *sc)
{
	json_t *x;
	int act;

	if (jv_object(c, p, v) < 0 || (act = parse_action(c, p, v, "defaultAction")) < 0)
		return -1;
	sc->default_action = (enum spec_seccomp_action)act;
	if (sc->default_action == SPEC_SCMP_ACT_NOTIFY)
		return perr(c, JP_KEY(p, "defaultAction"), "SCMP_ACT_NOTIFY cannot be the default action");
	sc->default_errno_ret = EPERM;
	if (jo_u32(c, p, v, "defaultErrnoRet", &sc->default_errno_ret, &sc->has_default_errno_ret) < 0 ||
	    jo_strv(c, p, v, "architectures", &sc->architectures, &sc->n_architectures) < 0)
		return -1;
	for (size_t i = 0; i < sc->n_architectures; i++)
		if (check_arch(c, JP_IDX(JP_KEY(p, "architectures"), i), sc->architectures[i]) < 0)
			return -1;
	if (jo_strv(c, p, v, "flags", &sc->flags, &sc->n_flags) < 0 ||
	    check_flags(c, JP_KEY(p, "flags"), sc->flags, sc->n_flags) < 0 ||
	    jo_string(c, p, v, "listenerPath", &sc->listener_path) < 0 ||
	    jo_string(c, p, v, "listenerMetadata", &sc->listener_metadata) < 0)
		return -1;
	if ((x = jget(v, "syscalls")) && parse_syscalls(c, JP_KEY(p, "syscalls"), x, sc) < 0)
		return -1;
	if (uses_notify(sc) && (!sc->listener_path || !sc->listener_path[0]))
		return perr(c, JP_KEY(p, "listenerPath"), "required when SCMP_ACT_NOTIFY is used");
	return 0;
}

void seccomp_free(struct spec_seccomp *sc)
{
	strv_free(sc->architectures);
	strv_free(sc->flags);
	free(sc->listener_path);
	free(sc->listener_metadata);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		strv_free(sc->syscalls[i].names);
		free(sc->syscalls[i].args);
	}
	free(sc->syscalls);
}
