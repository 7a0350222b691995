/* husk error convention (see docs/DESIGN.md, "Errors").
 *
 * Library code never prints and never exits. A function that can fail returns a negative value
 * and fills a struct husk_error: the errno (0 when none applies) and one message that names the
 * operation and the path or config field involved. Callers add context with husk_error_prefix()
 * and propagate. Only src/cli/ prints the message and picks the exit status. */
#pragma once
#include <stdarg.h>

#define HUSK_ERROR_MAX 2048

struct husk_error {
	int err;		  /* errno of the failure, 0 if none */
	char msg[HUSK_ERROR_MAX]; /* complete message, including strerror(err) when err != 0 */
};

/* Sets *e (when e is not NULL) to the formatted message, followed by ": <strerror(err)>" when
 * err > 0. Always returns -1, so that `return husk_error_set(e, errno, "open %s", p);` works. */
int husk_error_set(struct husk_error *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int husk_error_setv(struct husk_error *e, int err, const char *fmt, va_list ap);

/* Prepends "<context>: " to the existing message. Returns -1. */
int husk_error_prefix(struct husk_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void husk_error_clear(struct husk_error *e)
{
	if (e) {
		e->err = 0;
		e->msg[0] = '\0';
	}
}
