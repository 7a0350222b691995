#include "util/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int num;
} sigs[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT},     {"ILL", SIGILL},	{"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},	      {"BUS", SIGBUS},	     {"FPE", SIGFPE},	{"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},	{"CONT", SIGCONT},
    {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},	     {"SYS", SIGSYS},
};

static int parse_num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0 || v > SIGRTMAX)
		return -1;
	return (int)v;
}

int signal_parse(const char *sig)
{
	if (!sig || !*sig)
		return -1;
	if (*sig >= '0' && *sig <= '9')
		return parse_num(sig);
	if (!strncasecmp(sig, "SIG", 3))
		sig += 3;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (!strcasecmp(sig, sigs[i].name))
			return sigs[i].num;
	if (!strncasecmp(sig, "RTMIN", 5)) {
		if (!sig[5])
			return SIGRTMIN;
		if (sig[5] == '+') {
			int n = parse_num(sig + 6);
			return n > 0 && SIGRTMIN + n <= SIGRTMAX ? SIGRTMIN + n : -1;
		}
	}
	if (!strncasecmp(sig, "RTMAX", 5)) {
		if (!sig[5])
			return SIGRTMAX;
		if (sig[5] == '-') {
			int n = parse_num(sig + 6);
			return n > 0 && SIGRTMAX - n >= SIGRTMIN ? SIGRTMAX - n : -1;
		}
	}
	return -1;
}

const char *signal_name(int sig)
{
	static char buf[16];
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigs[i].num == sig) {
			strcpy(buf, "SIG");
			strcat(buf, sigs[i].name);
			return buf;
		}
	return NULL;
}
