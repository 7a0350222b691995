#include "util/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_out = -1; /* -1: stderr */
static bool log_json;
static bool log_dbg;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_init(const char *path, bool json, bool debug)
{
	log_json = json;
	log_dbg = debug;
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd < 0)
			return -1;
		log_out = fd;
	}
	return 0;
}

bool log_debug_enabled(void)
{
	return log_dbg;
}

bool log_to_file(void)
{
	return log_out >= 0;
}

int log_fd(void)
{
	return log_out;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[4096], ts[64], line[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof ts - n, ".%06ldZ", (long)tv.tv_usec);

	int fd = log_out >= 0 ? log_out : STDERR_FILENO;
	int len;
	if (log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_names[lvl], "msg", msg, "time", ts);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		len = snprintf(line, sizeof line, "%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else if (log_out >= 0) {
		len = snprintf(line, sizeof line, "%s %s: %s\n", ts, level_names[lvl], msg);
	} else {
		len = snprintf(line, sizeof line, "husk: %s%s%s\n",
			       lvl == LOG_LVL_ERROR ? "" : level_names[lvl], lvl == LOG_LVL_ERROR ? "" : ": ",
			       msg);
	}
	if (len > (int)sizeof line - 1)
		len = sizeof line - 1;
	ssize_t w = write(fd, line, len);
	(void)w;
}
