/* Internal helpers of the config.json parser (src/spec/parse*.c). Not part of the spec API.
 *
 * JSON paths for messages are kept as a chain of stack-allocated components and rendered only
 * when an error is reported, so the success path never formats anything. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* One component of a JSON path: ".key" or "[index]" below up (NULL: the document root). */
struct jpath {
	const struct jpath *up;
	const char *key; /* NULL: array element */
	size_t index;
};

#define JP_KEY(parent, k) (&(const struct jpath){.up = (parent), .key = (k)})
#define JP_IDX(parent, i) (&(const struct jpath){.up = (parent), .index = (i)})

struct pctx {
	const char *name; /* document name for messages: "config.json" */
	struct husk_error *err;
	bool ints_as_real; /* reparsed with JSON_DECODE_INT_AS_REAL after an integer overflow */
};

/* Sets "NAME: PATH: message" and returns -1. */
int perr(struct pctx *c, const struct jpath *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "expected WHAT, got TYPE"; returns -1. */
int perr_type(struct pctx *c, const struct jpath *p, const json_t *v, const char *what);
const char *jtype_name(const json_t *v);

/* Object member, NULL when absent or JSON null (null means "not set", as in Go runtimes). */
json_t *jget(const json_t *obj, const char *key);
/* Required member: NULL (and an error) when absent. */
json_t *jreq(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key);

/* Value checkers/converters: 0 on success, -1 with an error naming p. */
int jv_object(struct pctx *c, const struct jpath *p, const json_t *v);
int jv_array(struct pctx *c, const struct jpath *p, const json_t *v);
int jv_string(struct pctx *c, const struct jpath *p, const json_t *v, char **out);
int jv_abspath(struct pctx *c, const struct jpath *p, const json_t *v, char **out);
int jv_bool(struct pctx *c, const struct jpath *p, const json_t *v, bool *out);
int jv_int(struct pctx *c, const struct jpath *p, const json_t *v, int64_t min, int64_t max, int64_t *out);
int jv_u32(struct pctx *c, const struct jpath *p, const json_t *v, uint32_t *out);
int jv_u64(struct pctx *c, const struct jpath *p, const json_t *v, uint64_t *out);
/* Array of strings into a NULL-terminated vector (*out and *n are set before the elements are
 * copied, so a partial vector is still released by spec_free()). */
int jv_strv(struct pctx *c, const struct jpath *p, const json_t *v, char ***out, size_t *n);
/* Array of strings, checked but not copied. */
int jv_check_strv(struct pctx *c, const struct jpath *p, const json_t *v);
int jv_id_maps(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_id_map **out, size_t *n);

/* Optional object members: absent leaves *out untouched (and *has false). */
int jo_string(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char **out);
int jo_bool(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, bool *out);
int jo_u32(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint32_t *out,
	   bool *has);
int jo_u64(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint64_t *out);
int jo_int(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, int64_t min,
	   int64_t max, int64_t *out, bool *has);
int jo_strv(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char ***out,
	    size_t *n);
/* Required object members. */
int jo_req_string(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, char **out);
int jo_req_u32(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint32_t *out);
int jo_req_u64(struct pctx *c, const struct jpath *p, const json_t *obj, const char *key, uint64_t *out);

/* calloc that keeps (ptr, count) consistent for spec_free(); returns -1 with an error on ENOMEM. */
void *pcalloc(struct pctx *c, size_t n, size_t size);

void strv_free(char **v);

/* Sections. */
int parse_process(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_process *out);
void process_free(struct spec_process *pr);
int parse_linux(struct pctx *c, const struct jpath *p, const json_t *v, struct spec *s);
void linux_free(struct spec *s);
int parse_seccomp(struct pctx *c, const struct jpath *p, const json_t *v, struct spec_seccomp *out);
void seccomp_free(struct spec_seccomp *sc);
