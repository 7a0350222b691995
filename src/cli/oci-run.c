/* husk oci run [--bundle B] [--detach] [--pid-file P] [--keep] ID
 * create + start; in the foreground, husk stays as a subreaper, forwards signals to the
 * container's init, exits with its status (128+N when killed by signal N) and deletes it. */
#include "cli/cli.h"
#include "cli/create-opts.h"
#include "cli/tty-proxy.h"
#include "core/container.h"
#include "util/error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "usage: husk oci run [OPTIONS] ID\n\n"
    "Creates and starts a container; in the foreground waits for it, exits with its status\n"
    "and deletes it.\n\n"
    "  -b, --bundle DIR         bundle directory (default: the current directory)\n"
    "  -d, --detach             return once the container runs\n"
    "  --pid-file FILE          write the container process's pid to FILE\n"
    "  --console-socket SOCK    send the pty master there (process.terminal)\n"
    "  --keep                   do not delete the container when it exits\n"
    "  --no-pivot, --no-new-keyring, --preserve-fds N   as for create\n";

static const int forwarded[] = {SIGHUP,	 SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
				SIGUSR2, SIGWINCH, SIGCONT, SIGPIPE};

/* Reaps children until the init exits; forwards signals meanwhile. Returns the exit status. */
static int wait_container(int sfd, pid_t init)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof si);
		if (n != sizeof si) {
			if (n < 0 && errno == EINTR)
				continue;
			return 255;
		}
		if (si.ssi_signo != SIGCHLD) {
			kill(init, (int)si.ssi_signo);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != init)
				continue;
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
		}
	}
}

int oci_run(struct oci_globals *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv, usage))
		return 0;
	struct create_opts o = {.root = g->root};
	struct run_only_opts r = {0};
	if (parse_create_opts("run", argc, argv, &o, &r) < 0)
		return 1;
	o.for_run = !r.detach;

	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&mask, forwarded[i]);
	int sfd = -1;
	if (!r.detach) {
		/* orphans of a two-stage start come back to us, and we reap them */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		sigprocmask(SIG_BLOCK, &mask, &old);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	}
	/* a terminal without --console-socket: husk's own pty proxy (in the foreground) */
	int pair[2] = {-1, -1};
	if (!r.detach && !o.console_socket) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0)
			o.console_fd = pair[1];
	}
	struct husk_error e = {0};
	pid_t pid;
	int rc = container_create(&o, &pid, &e);
	if (pair[1] >= 0)
		close(pair[1]);
	int master = rc == 0 && pair[0] >= 0 ? tty_receive_master(pair[0]) : -1;
	if (pair[0] >= 0)
		close(pair[0]);
	if (rc < 0)
		return cli_fail(&e);
	if (container_start(g->root, o.id, &e) < 0) {
		struct husk_error e2;
		container_delete(g->root, o.id, true, &e2);
		if (master >= 0)
			close(master);
		return cli_fail(&e);
	}
	if (r.detach)
		return 0;
	int status = master >= 0 ? tty_proxy(master, sfd, pid) : wait_container(sfd, pid);
	if (master >= 0)
		close(master);
	if (!r.keep && container_delete(g->root, o.id, true, &e) < 0)
		cli_fail(&e);
	return status;
}
