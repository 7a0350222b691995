/* config.json: linux (seccomp is in parse_seccomp.c). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "spec/parse_internal.h"
#include "util/cleanup.h"
#include "util/error.h"

static int parse_namespace(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s, size_t idx)
{
	struct spec_namespace *ns = &s->namespaces[idx];
	const struct jpath *pt = JP_KEY(p, "type");
	json_t *type, *path;

	if (jv_object(c, p, v) < 0 || !(type = jreq(c, p, v, "type")))
		return -1;
	if (!json_is_string(type))
		return perr_type(c, pt, type, "a string");
	if ((ns->type = spec_namespace_from_name(json_string_value(type))) < 0)
		return perr(c, pt, "unknown namespace type \"%s\"", json_string_value(type));
	for (size_t i = 0; i < idx; i++)
		if (s->namespaces[i].type == ns->type)
			return perr(c, pt, "duplicate namespace type \"%s\"", json_string_value(type));
	if ((path = jget(v, "path")) && jv_abspath(c, JP_KEY(p, "path"), path, &ns->path) < 0)
		return -1;
	return 0;
}

static int parse_namespaces(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t n = json_array_size(v);
	if (!(s->namespaces = pcalloc(c, n, sizeof *s->namespaces)))
		return -1;
	/* counted as they are filled: spec_namespace() may then run on a partial list */
	for (size_t i = 0; i < n; i++) {
		s->n_namespaces = i + 1;
		if (parse_namespace(c, JP_IDX(p, i), json_array_get(v, i), s, i) < 0)
			return -1;
	}
	return 0;
}

static int parse_time_offset(struct pctx *c, const struct jpath *p, const json_t *v,
			     struct spec_time_offset *t)
{
	int64_t secs = 0, nsecs = 0;

	if (jv_object(c, p, v) < 0 || jo_int(c, p, v, "secs", INT64_MIN, INT64_MAX, &secs, NULL) < 0 ||
	    jo_int(c, p, v, "nanosecs", 0, 999999999, &nsecs, NULL) < 0)
		return -1;
	t->secs = secs;
	t->nanosecs = (uint32_t)nsecs;
	t->present = true;
	return 0;
}

static int parse_time_offsets(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	const char *clock;
	json_t *off;

	if (jv_object(c, p, v) < 0)
		return -1;
	json_object_foreach((json_t *)v, clock, off)
	{
		struct spec_time_offset *t;
		if (strcmp(clock, "monotonic") == 0)
			t = &s->time_monotonic;
		else if (strcmp(clock, "boottime") == 0)
			t = &s->time_boottime;
		else
			return perr(c, JP_KEY(p, clock),
				    "unknown clock (expected \"monotonic\" or \"boottime\")");
		if (parse_time_offset(c, JP_KEY(p, clock), off, t) < 0)
			return -1;
	}
	return 0;
}

static int parse_device(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_device *d)
{
	const struct jpath *pt = JP_KEY(p, "type");
	json_t *x;

	if (jv_object(c, p, v) < 0)
		return -1;
	if (!(x = jreq(c, p, v, "path")) || jv_abspath(c, JP_KEY(p, "path"), x, &d->path) < 0)
		return -1;
	if (!(x = jreq(c, p, v, "type")))
		return -1;
	if (!json_is_string(x))
		return perr_type(c, pt, x, "a string");
	const char *t = json_string_value(x);
	if (strlen(t) != 1 || !strchr("cbup", t[0]))
		return perr(c, pt, "unknown device type \"%s\" (expected c, b, u or p)", t);
	d->type = t[0];
	bool need_nums = d->type != 'p';
	if (need_nums && (!jreq(c, p, v, "major") || !jreq(c, p, v, "minor")))
		return -1;
	if (jo_int(c, p, v, "major", 0, INT64_MAX, &d->major, NULL) < 0 ||
	    jo_int(c, p, v, "minor", 0, INT64_MAX, &d->minor, NULL) < 0 ||
	    jo_u32(c, p, v, "fileMode", &d->file_mode, &d->has_file_mode) < 0 ||
	    jo_u32(c, p, v, "uid", &d->uid, &d->has_uid) < 0 ||
	    jo_u32(c, p, v, "gid", &d->gid, &d->has_gid) < 0)
		return -1;
	return 0;
}

static int parse_devices(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t n = json_array_size(v);
	if (!(s->devices = pcalloc(c, n, sizeof *s->devices)))
		return -1;
	s->n_devices = n;
	for (size_t i = 0; i < n; i++)
		if (parse_device(c, JP_IDX(p, i), json_array_get(v, i), &s->devices[i]) < 0)
			return -1;
	return 0;
}

static int parse_propagation(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} modes[] = {{"shared", MS_SHARED},
		     {"slave", MS_SLAVE},
		     {"private", MS_PRIVATE},
		     {"unbindable", MS_UNBINDABLE}};

	if (jv_string(c, p, v, &s->rootfs_propagation) < 0)
		return -1;
	const char *name = s->rootfs_propagation;
	if (!name[0])
		return 0;
	if (name[0] == 'r')
		name++; /* "rshared", "rslave", ... as runc accepts them */
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(name, modes[i].name) == 0) {
			s->rootfs_propagation_flags = modes[i].flag | MS_REC;
			return 0;
		}
	}
	return perr(c, p, "unknown propagation \"%s\" (expected shared, slave, private or unbindable)",
		    s->rootfs_propagation);
}

static int parse_abs_paths(struct pctx *c, const struct jpath *p, const json_t *v, char ***out, size_t *n)
{
	if (jv_strv(c, p, v, out, n) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i][0] != '/')
			return perr(c, JP_IDX(p, i), "must be an absolute path, got \"%s\"", (*out)[i]);
	return 0;
}

static int parse_sysctl(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	const char *key;
	json_t *val;

	if (jv_object(c, p, v) < 0)
		return -1;
	if (!(s->sysctls = pcalloc(c, json_object_size(v), sizeof *s->sysctls)))
		return -1;
	json_object_foreach((json_t *)v, key, val)
	{
		struct spec_sysctl *sc = &s->sysctls[s->n_sysctls++];
		if (!key[0])
			return perr(c, p, "empty sysctl name");
		if (jv_string(c, JP_KEY(p, key), val, &sc->value) < 0)
			return -1;
		if (!(sc->key = strdup(key)))
			return husk_error_set(c->err, ENOMEM, "%s: allocation failed", c->name);
	}
	return 0;
}

static int parse_personality(struct pctx *c, const struct jpath *p, const json_t *v,
			     struct spec_personality *pe)
{
	const struct jpath *pd = JP_KEY(p, "domain");
	json_t *dom, *flags;

	if (jv_object(c, p, v) < 0 || !(dom = jreq(c, p, v, "domain")))
		return -1;
	if (!json_is_string(dom))
		return perr_type(c, pd, dom, "a string");
	if (strcmp(json_string_value(dom), "LINUX") == 0)
		pe->domain = PER_LINUX;
	else if (strcmp(json_string_value(dom), "LINUX32") == 0)
		pe->domain = PER_LINUX32;
	else
		return perr(c, pd, "unknown personality domain \"%s\" (expected LINUX or LINUX32)",
			    json_string_value(dom));
	if ((flags = jget(v, "flags")) && jv_check_strv(c, JP_KEY(p, "flags"), flags) < 0)
		return -1;
	pe->present = true;
	return 0;
}

static int parse_intel_rdt(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	if (jv_object(c, p, v) < 0)
		return -1;
	if (jo_string(c, p, v, "closID", &s->intel_rdt_clos) < 0)
		return -1;
	if (json_object_size(v) > 0)
		return perr(c, p, "not supported");
	return 0;
}

/* Members holding scalars or lists. */
static int parse_linux_simple(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	json_t *x;

	if ((x = jget(v, "uidMappings")) &&
	    jv_id_maps(c, JP_KEY(p, "uidMappings"), x, &s->uid_mappings, &s->n_uid_mappings) < 0)
		return -1;
	if ((x = jget(v, "gidMappings")) &&
	    jv_id_maps(c, JP_KEY(p, "gidMappings"), x, &s->gid_mappings, &s->n_gid_mappings) < 0)
		return -1;
	if (jo_string(c, p, v, "cgroupsPath", &s->cgroups_path) < 0 ||
	    jo_string(c, p, v, "mountLabel", &s->mount_label) < 0)
		return -1;
	if ((x = jget(v, "rootfsPropagation")) &&
	    parse_propagation(c, JP_KEY(p, "rootfsPropagation"), x, s) < 0)
		return -1;
	if ((x = jget(v, "maskedPaths")) &&
	    parse_abs_paths(c, JP_KEY(p, "maskedPaths"), x, &s->masked_paths, &s->n_masked_paths) < 0)
		return -1;
	if ((x = jget(v, "readonlyPaths")) &&
	    parse_abs_paths(c, JP_KEY(p, "readonlyPaths"), x, &s->readonly_paths, &s->n_readonly_paths) < 0)
		return -1;
	return 0;
}

int parse_linux(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s)
{
	json_t *x;

	if (jv_object(c, p, v) < 0)
		return -1;
	if ((x = jget(v, "namespaces")) && parse_namespaces(c, JP_KEY(p, "namespaces"), x, s) < 0)
		return -1;
	if (parse_linux_simple(c, p, v, s) < 0)
		return -1;
	if ((x = jget(v, "timeOffsets")) && parse_time_offsets(c, JP_KEY(p, "timeOffsets"), x, s) < 0)
		return -1;
	if ((x = jget(v, "devices")) && parse_devices(c, JP_KEY(p, "devices"), x, s) < 0)
		return -1;
	if ((x = jget(v, "resources"))) {
		if (jv_object(c, JP_KEY(p, "resources"), x) < 0)
			return -1;
		s->resources = json_incref(x);
	}
	if ((x = jget(v, "sysctl")) && parse_sysctl(c, JP_KEY(p, "sysctl"), x, s) < 0)
		return -1;
	if ((x = jget(v, "seccomp"))) {
		s->has_seccomp = true;
		if (parse_seccomp(c, JP_KEY(p, "seccomp"), x, &s->seccomp) < 0)
			return -1;
	}
	if ((x = jget(v, "personality")) &&
	    parse_personality(c, JP_KEY(p, "personality"), x, &s->personality) < 0)
		return -1;
	if ((x = jget(v, "intelRdt")) && parse_intel_rdt(c, JP_KEY(p, "intelRdt"), x, s) < 0)
		return -1;
	return 0;
}

void linux_free(struct spec *s)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	free(s->namespaces);
	free(s->uid_mappings);
	free(s->gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	json_decref(s->resources);
	free(s->rootfs_propagation);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	free(s->mount_label);
	for (size_t i = 0; i < s->n_sysctls; i++) {
		free(s->sysctls[i].key);
		free(s->sysctls[i].value);
	}
	free(s->sysctls);
	seccomp_free(&s->seccomp);
	free(s->intel_rdt_clos);
}
