#include "util/error.h"

#include <stdio.h>
#include <string.h>

int husk_error_setv(struct husk_error *e, int err, const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (n < 0)
		n = 0;
	if (err > 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(err));
	e->err = err;
	return -1;
}

int husk_error_set(struct husk_error *e, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	husk_error_setv(e, err, fmt, ap);
	va_end(ap);
	return -1;
}

int husk_error_prefix(struct husk_error *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char ctx[512], old[HUSK_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	if (snprintf(e->msg, sizeof e->msg, "%s: %s", ctx, old) >= (int)sizeof e->msg)
		memcpy(e->msg + sizeof e->msg - 4, "...", 4);
	return -1;
}
