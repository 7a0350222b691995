/* Signal names: "KILL", "SIGKILL", "9", "SIGRTMIN+3" -> number. */
#pragma once
/* Returns the signal number, or -1 when sig is not a valid signal. */
int signal_parse(const char *sig);
/* "SIGKILL" for 9; NULL for unknown. */
const char *signal_name(int sig);
