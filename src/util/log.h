/* Logging for the CLI and the runtime: text or JSON lines ({"level","msg","time"}), to stderr
 * or to the --log file. JSON lines are what podman and containerd read back. */
#pragma once
#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* path NULL: stderr. json: one JSON object per line. Returns -1 with errno on failure. */
int log_init(const char *path, bool json, bool debug);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_debug_enabled(void);
/* true when messages go to a --log file (errors are then also printed to stderr by the CLI) */
bool log_to_file(void);
/* The fd log lines go to (for children that report before exec); -1 when stderr. */
int log_fd(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_debug_enabled())                     \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)
