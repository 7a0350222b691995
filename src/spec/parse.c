/* config.json: top level, root, mounts, hooks, annotations, cross-field checks; loading and
 * freeing. process and linux are in parse_process.c / parse_linux.c / parse_seccomp.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/parse_internal.h"
#include "util/cleanup.h"
#include "util/error.h"

#define CONFIG_MAX_SIZE (64u << 20)

static int parse_root(struct pctx *c, const json_t *doc, struct spec *s)
{
	const struct jpath *p = JP_KEY(NULL, "root");
	json_t *root = jget(doc, "root");

	if (!root)
		return perr(c, JP_KEY(p, "path"), "required field is missing");
	if (jv_object(c, p, root) < 0 || jo_req_string(c, p, root, "path", &s->root.path) < 0 ||
	    jo_bool(c, p, root, "readonly", &s->root.readonly) < 0)
		return -1;
	if (!s->root.path[0])
		return perr(c, JP_KEY(p, "path"), "must not be empty");
	return 0;
}

static int parse_mount(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_mount *m)
{
	json_t *x;

	if (jv_object(c, p, v) < 0)
		return -1;
	if (!(x = jreq(c, p, v, "destination")) ||
	    jv_abspath(c, JP_KEY(p, "destination"), x, &m->destination) < 0)
		return -1;
	if (jo_string(c, p, v, "type", &m->type) < 0 || jo_string(c, p, v, "source", &m->source) < 0 ||
	    jo_strv(c, p, v, "options", &m->options, &m->n_options) < 0)
		return -1;
	if ((x = jget(v, "uidMappings")) &&
	    jv_id_maps(c, JP_KEY(p, "uidMappings"), x, &m->uid_mappings, &m->n_uid_mappings) < 0)
		return -1;
	if ((x = jget(v, "gidMappings")) &&
	    jv_id_maps(c, JP_KEY(p, "gidMappings"), x, &m->gid_mappings, &m->n_gid_mappings) < 0)
		return -1;
	return 0;
}

static int parse_mounts(struct pctx *c, const json_t *doc, struct spec *s)
{
	const struct jpath *p = JP_KEY(NULL, "mounts");
	json_t *v = jget(doc, "mounts");

	if (!v)
		return 0;
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t n = json_array_size(v);
	if (!(s->mounts = pcalloc(c, n, sizeof *s->mounts)))
		return -1;
	s->n_mounts = n;
	for (size_t i = 0; i < n; i++)
		if (parse_mount(c, JP_IDX(p, i), json_array_get(v, i), &s->mounts[i]) < 0)
			return -1;
	return 0;
}

static const char *const hook_names[SPEC_HOOK_KINDS] = {
    [SPEC_HOOK_PRESTART] = "prestart",
    [SPEC_HOOK_CREATE_RUNTIME] = "createRuntime",
    [SPEC_HOOK_CREATE_CONTAINER] = "createContainer",
    [SPEC_HOOK_START_CONTAINER] = "startContainer",
    [SPEC_HOOK_POSTSTART] = "poststart",
    [SPEC_HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_hook *h)
{
	json_t *x;
	int64_t timeout;

	if (jv_object(c, p, v) < 0)
		return -1;
	if (!(x = jreq(c, p, v, "path")) || jv_abspath(c, JP_KEY(p, "path"), x, &h->path) < 0)
		return -1;
	if (jo_strv(c, p, v, "args", &h->args, &h->n_args) < 0 ||
	    jo_strv(c, p, v, "env", &h->env, &h->n_env) < 0 ||
	    jo_int(c, p, v, "timeout", 1, INT_MAX, &timeout, &h->has_timeout) < 0)
		return -1;
	if (h->has_timeout)
		h->timeout = (int)timeout;
	return 0;
}

static int parse_hooks(struct pctx *c, const json_t *doc, struct spec *s)
{
	const struct jpath *p = JP_KEY(NULL, "hooks");
	json_t *v = jget(doc, "hooks");

	if (!v)
		return 0;
	if (jv_object(c, p, v) < 0)
		return -1;
	for (int k = 0; k < SPEC_HOOK_KINDS; k++) {
		const struct jpath *pk = JP_KEY(p, hook_names[k]);
		json_t *list = jget(v, hook_names[k]);
		if (!list)
			continue;
		if (jv_array(c, pk, list) < 0)
			return -1;
		size_t n = json_array_size(list);
		if (!(s->hooks[k] = pcalloc(c, n, sizeof *s->hooks[k])))
			return -1;
		s->n_hooks[k] = n;
		for (size_t i = 0; i < n; i++)
			if (parse_hook(c, JP_IDX(pk, i), json_array_get(list, i), &s->hooks[k][i]) < 0)
				return -1;
	}
	return 0;
}

static int parse_annotations(struct pctx *c, const json_t *doc, struct spec *s)
{
	const struct jpath *p = JP_KEY(NULL, "annotations");
	json_t *v = jget(doc, "annotations"), *val;
	const char *key;

	if (!v)
		return 0;
	if (jv_object(c, p, v) < 0)
		return -1;
	if (!(s->annotations = pcalloc(c, json_object_size(v), sizeof *s->annotations)))
		return -1;
	json_object_foreach(v, key, val)
	{
		struct spec_annotation *a = &s->annotations[s->n_annotations++];
		if (jv_string(c, JP_KEY(p, key), val, &a->value) < 0)
			return -1;
		if (!(a->key = strdup(key)))
			return husk_error_set(c->err, ENOMEM, "%s: allocation failed", c->name);
	}
	return 0;
}

static int parse_hostnames(struct pctx *c, const json_t *doc, struct spec *s)
{
	if (jo_string(c, NULL, doc, "hostname", &s->hostname) < 0 ||
	    jo_string(c, NULL, doc, "domainname", &s->domainname) < 0)
		return -1;
	s->has_hostname = s->hostname != NULL;
	s->has_domainname = s->domainname != NULL;
	if (s->hostname && strlen(s->hostname) > 64)
		return perr(c, JP_KEY(NULL, "hostname"), "longer than 64 bytes");
	if (s->domainname && strlen(s->domainname) > 64)
		return perr(c, JP_KEY(NULL, "domainname"), "longer than 64 bytes");
	return 0;
}

/* Checks that need more than one field. */
static int validate(struct pctx *c, const struct spec *s)
{
	const struct spec_namespace *user = spec_namespace(s, CLONE_NEWUSER);
	const struct spec_namespace *time = spec_namespace(s, CLONE_NEWTIME);
	const struct jpath *lp = JP_KEY(NULL, "linux");

	if (user && !user->path) {
		if (!s->n_uid_mappings)
			return perr(c, JP_KEY(lp, "uidMappings"), "required with a new user namespace");
		if (!s->n_gid_mappings)
			return perr(c, JP_KEY(lp, "gidMappings"), "required with a new user namespace");
	}
	if (!user && s->n_uid_mappings)
		return perr(c, JP_KEY(lp, "uidMappings"),
			    "given without a user namespace in linux.namespaces");
	if (!user && s->n_gid_mappings)
		return perr(c, JP_KEY(lp, "gidMappings"),
			    "given without a user namespace in linux.namespaces");
	if ((s->time_monotonic.present || s->time_boottime.present) && (!time || time->path))
		return perr(c, JP_KEY(lp, "timeOffsets"),
			    "requires a new time namespace in linux.namespaces");
	if (!spec_namespace(s, CLONE_NEWUTS)) {
		if (s->hostname && s->hostname[0])
			return perr(c, JP_KEY(NULL, "hostname"), "cannot be set without a uts namespace");
		if (s->domainname && s->domainname[0])
			return perr(c, JP_KEY(NULL, "domainname"), "cannot be set without a uts namespace");
	}
	return 0;
}

static int parse_doc(struct pctx *c, const json_t *doc, struct spec *s)
{
	json_t *v;

	if (!json_is_object(doc))
		return perr(c, NULL, "expected a JSON object at the top level, got %s", jtype_name(doc));
	if (jo_req_string(c, NULL, doc, "ociVersion", &s->oci_version) < 0 || parse_root(c, doc, s) < 0 ||
	    parse_hostnames(c, doc, s) < 0 || parse_mounts(c, doc, s) < 0 || parse_hooks(c, doc, s) < 0 ||
	    parse_annotations(c, doc, s) < 0)
		return -1;
	if ((v = jget(doc, "process"))) {
		s->has_process = true;
		if (parse_process(c, JP_KEY(NULL, "process"), v, &s->process) < 0)
			return -1;
	}
	if ((v = jget(doc, "linux")) && parse_linux(c, JP_KEY(NULL, "linux"), v, s) < 0)
		return -1;
	return validate(c, s);
}

static json_t *load_json(struct pctx *c, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!doc && json_error_code(&jerr) == json_error_numeric_overflow) {
		/* integers beyond int64 (UINT64_MAX for "unlimited" rlimits, seccomp masks) */
		c->ints_as_real = true;
		doc = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
	}
	if (!doc)
		husk_error_set(c->err, 0, "%s: line %d column %d: %s", c->name, jerr.line, jerr.column,
			       jerr.text);
	return doc;
}

int spec_parse(const char *data, size_t len, const char *name, struct spec **out, struct husk_error *err)
{
	struct pctx c = {.name = name ? name : "config.json", .err = err};

	*out = NULL;
	json_t *doc = load_json(&c, data, len);
	if (!doc)
		return -1;
	struct spec *s = calloc(1, sizeof *s);
	if (!s) {
		json_decref(doc);
		return husk_error_set(err, ENOMEM, "%s: allocation failed", c.name);
	}
	int r = parse_doc(&c, doc, s);
	json_decref(doc);
	if (r < 0) {
		spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* Reads the whole file at fd (a regular file of at most CONFIG_MAX_SIZE bytes). */
static char *read_all(int fd, const char *path, size_t *len, struct husk_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return husk_error_set(err, errno, "stat %s", path), NULL;
	if (!S_ISREG(st.st_mode))
		return husk_error_set(err, EINVAL, "%s: not a regular file", path), NULL;
	if ((uint64_t)st.st_size > CONFIG_MAX_SIZE)
		return husk_error_set(err, EFBIG, "%s: larger than %u bytes", path, CONFIG_MAX_SIZE), NULL;
	size_t cap = (size_t)st.st_size + 1, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return husk_error_set(err, ENOMEM, "read %s", path), NULL;
	for (;;) {
		if (n == cap) {
			if (cap > CONFIG_MAX_SIZE)
				return husk_error_set(err, EFBIG, "%s: larger than %u bytes", path,
						      CONFIG_MAX_SIZE),
				       NULL;
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return husk_error_set(err, ENOMEM, "read %s", path), NULL;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return husk_error_set(err, errno, "read %s", path), NULL;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return TAKE_PTR(buf);
}

int spec_load(const char *bundle_dir, struct spec **out, struct husk_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	*out = NULL;
	if (!bundle_dir || !*bundle_dir)
		bundle_dir = ".";
	if (snprintf(path, sizeof path, "%s/config.json", bundle_dir) >= (int)sizeof path)
		return husk_error_set(err, ENAMETOOLONG, "bundle %s", bundle_dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if ((e == ENOENT || e == ENOTDIR) && stat(bundle_dir, &st) < 0)
			return husk_error_set(err, errno, "bundle directory %s", bundle_dir);
		return husk_error_set(err, e, "open %s", path);
	}
	size_t len;
	_cleanup_free_ char *data = read_all(fd, path, &len, err);
	if (!data)
		return -1;
	return spec_parse(data, len, path, out, err);
}

static void mount_free(struct spec_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->hostname);
	free(s->domainname);
	free(s->root.path);
	process_free(&s->process);
	for (size_t i = 0; i < s->n_mounts; i++)
		mount_free(&s->mounts[i]);
	free(s->mounts);
	for (int k = 0; k < SPEC_HOOK_KINDS; k++) {
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			free(s->hooks[k][i].path);
			strv_free(s->hooks[k][i].args);
			strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
	}
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	linux_free(s);
	free(s);
}

const struct spec_namespace *spec_namespace(const struct spec *s, int type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

const char *spec_annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (s->annotations[i].key && strcmp(s->annotations[i].key, key) == 0)
			return s->annotations[i].value;
	return NULL;
}
