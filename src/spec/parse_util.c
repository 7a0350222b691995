/* Typed accessors for the config.json parser: every failure names the JSON path. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse_internal.h"
#include "util/error.h"

static bool is_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_'))
			return false;
	}
	return true;
}

/* Renders p into buf (always NUL-terminated); returns the length written. */
static size_t path_render(const struct jpath *p, char *buf, size_t size)
{
	if (!p) {
		buf[0] = '\0';
		return 0;
	}
	size_t n = path_render(p->up, buf, size);
	int k;
	if (!p->key)
		k = snprintf(buf + n, size - n, "[%zu]", p->index);
	else if (!is_ident(p->key))
		k = snprintf(buf + n, size - n, "[\"%s\"]", p->key);
	else
		k = snprintf(buf + n, size - n, "%s%s", n ? "." : "", p->key);
	if (k > 0)
		n += (size_t)k;
	return n < size ? n : size - 1;
}

int perr(struct pctx *c, const struct jpath *p, const char *fmt, ...)
{
	char path[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	path_render(p, path, sizeof path);
	if (path[0])
		return husk_error_set(c->err, 0, "%s: %s: %s", c->name, path, msg);
	return husk_error_set(c->err, 0, "%s: %s", c->name, msg);
}

const char *jtype_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "number";
	case JSON_REAL:
		return "real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

int perr_type(struct pctx *c, const struct jpath *p, const json_t *v, const char *what)
{
	return perr(c, p, "expected %s, got %s", what, jtype_name(v));
}

json_t *jget(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

json_t *jreq(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key)
{
	json_t *v = jget(obj, key);
	if (!v)
		perr(c, JP_KEY(p, key), "required field is missing");
	return v;
}

void *pcalloc(struct pctx *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		husk_error_set(c->err, ENOMEM, "%s: allocation failed", c->name);
	return p;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int jv_object(struct pctx *c, const struct jpath *p, const json_t *v)
{
	return json_is_object(v) ? 0 : perr_type(c, p, v, "an object");
}

int jv_array(struct pctx *c, const struct jpath *p, const json_t *v)
{
	return json_is_array(v) ? 0 : perr_type(c, p, v, "an array");
}

int jv_string(struct pctx *c, const struct jpath *p, const json_t *v, char **out)
{
	if (!json_is_string(v))
		return perr_type(c, p, v, "a string");
	size_t len = json_string_length(v);
	char *s = malloc(len + 1);
	if (!s)
		return husk_error_set(c->err, ENOMEM, "%s: allocation failed", c->name);
	memcpy(s, json_string_value(v), len + 1);
	free(*out);
	*out = s;
	return 0;
}

int jv_abspath(struct pctx *c, const struct jpath *p, const json_t *v, char **out)
{
	if (jv_string(c, p, v, out) < 0)
		return -1;
	if ((*out)[0] != '/')
		return perr(c, p, "must be an absolute path, got \"%s\"", *out);
	return 0;
}

int jv_bool(struct pctx *c, const struct jpath *p, const json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return perr_type(c, p, v, "a boolean");
	*out = json_is_true(v);
	return 0;
}

static bool real_is_integral(double d)
{
	double a = d < 0 ? -d : d;
	if (!isfinite(d))
		return false;
	/* every double of magnitude >= 2^53 is an integer */
	return a >= 9007199254740992.0 || d == (double)(int64_t)d;
}

int jv_int(struct pctx *c, const struct jpath *p, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t x;

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (c->ints_as_real && json_is_real(v) && real_is_integral(json_real_value(v))) {
		double d = json_real_value(v);
		if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
			return perr(c, p, "integer %.0f is out of range", d);
		x = (int64_t)d;
	} else {
		return perr_type(c, p, v, "an integer");
	}
	if (x < min) {
		if (min == 0)
			return perr(c, p, "must not be negative, got %" PRId64, x);
		return perr(c, p, "must be at least %" PRId64 ", got %" PRId64, min, x);
	}
	if (x > max)
		return perr(c, p, "must be at most %" PRId64 ", got %" PRId64, max, x);
	*out = x;
	return 0;
}

int jv_u32(struct pctx *c, const struct jpath *p, const json_t *v, uint32_t *out)
{
	int64_t x;
	if (jv_int(c, p, v, 0, UINT32_MAX, &x) < 0)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

int jv_u64(struct pctx *c, const struct jpath *p, const json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		if (x < 0)
			return perr(c, p, "must not be negative, got %" JSON_INTEGER_FORMAT, x);
		*out = (uint64_t)x;
		return 0;
	}
	if (!c->ints_as_real || !json_is_real(v) || !real_is_integral(json_real_value(v)))
		return perr_type(c, p, v, "an integer");
	/* Only reached for documents holding integers beyond int64 (e.g. 18446744073709551615 for
	 * "unlimited"); jansson then gives doubles, and 2^64 is the nearest double to UINT64_MAX. */
	double d = json_real_value(v);
	if (d < 0)
		return perr(c, p, "must not be negative, got %.0f", d);
	if (d > 18446744073709551616.0)
		return perr(c, p, "integer %.0f is out of range", d);
	*out = d == 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
	return 0;
}

int jv_strv(struct pctx *c, const struct jpath *p, const json_t *v, char ***out, size_t *n)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t len = json_array_size(v);
	char **vec = pcalloc(c, len + 1, sizeof *vec);
	if (!vec)
		return -1;
	strv_free(*out);
	*out = vec;
	*n = len;
	for (size_t i = 0; i < len; i++)
		if (jv_string(c, JP_IDX(p, i), json_array_get(v, i), &vec[i]) < 0)
			return -1;
	return 0;
}

int jv_check_strv(struct pctx *c, const struct jpath *p, const json_t *v)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return perr_type(c, JP_IDX(p, i), e, "a string");
	}
	return 0;
}

static int jv_id_map(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_id_map *m)
{
	if (jv_object(c, p, v) < 0 || jo_req_u32(c, p, v, "containerID", &m->container_id) < 0 ||
	    jo_req_u32(c, p, v, "hostID", &m->host_id) < 0 || jo_req_u32(c, p, v, "size", &m->size) < 0)
		return -1;
	if (m->size == 0)
		return perr(c, JP_KEY(p, "size"), "must be greater than 0");
	return 0;
}

int jv_id_maps(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_id_map **out, size_t *n)
{
	if (jv_array(c, p, v) < 0)
		return -1;
	size_t len = json_array_size(v);
	struct spec_id_map *maps = pcalloc(c, len, sizeof *maps);
	if (!maps)
		return -1;
	free(*out);
	*out = maps;
	*n = len;
	for (size_t i = 0; i < len; i++)
		if (jv_id_map(c, JP_IDX(p, i), json_array_get(v, i), &maps[i]) < 0)
			return -1;
	return 0;
}

int jo_string(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char **out)
{
	json_t *v = jget(obj, key);
	return v ? jv_string(c, JP_KEY(p, key), v, out) : 0;
}

int jo_bool(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, bool *out)
{
	json_t *v = jget(obj, key);
	return v ? jv_bool(c, JP_KEY(p, key), v, out) : 0;
}

int jo_u32(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint32_t *out,
	   bool *has)
{
	json_t *v = jget(obj, key);
	if (!v)
		return 0;
	if (jv_u32(c, JP_KEY(p, key), v, out) < 0)
		return -1;
	if (has)
		*has = true;
	return 0;
}

int jo_u64(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint64_t *out)
{
	json_t *v = jget(obj, key);
	return v ? jv_u64(c, JP_KEY(p, key), v, out) : 0;
}

int jo_int(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, int64_t min,
	   int64_t max, int64_t *out, bool *has)
{
	json_t *v = jget(obj, key);
	if (!v)
		return 0;
	if (jv_int(c, JP_KEY(p, key), v, min, max, out) < 0)
		return -1;
	if (has)
		*has = true;
	return 0;
}

int jo_strv(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char ***out, size_t *n)
{
	json_t *v = jget(obj, key);
	return v ? jv_strv(c, JP_KEY(p, key), v, out, n) : 0;
}

int jo_req_string(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char **out)
{
	json_t *v = jreq(c, p, obj, key);
	return v ? jv_string(c, JP_KEY(p, key), v, out) : -1;
}

int jo_req_u32(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint32_t *out)
{
	json_t *v = jreq(c, p, obj, key);
	return v ? jv_u32(c, JP_KEY(p, key), v, out) : -1;
}

int jo_req_u64(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint64_t *out)
{
	json_t *v = jreq(c, p, obj, key);
	return v ? jv_u64(c, JP_KEY(p, key), v, out) : -1;
}
