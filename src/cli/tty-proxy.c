#include "cli/tty-proxy.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int tty_receive_master(int sock)
{
	char name[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {name, sizeof name};
	struct msghdr h = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	if (recvmsg(sock, &h, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&h);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

/* Writes all of buf to fd; false when fd is gone. */
static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				poll(&(struct pollfd){fd, POLLOUT, 0}, 1, 100);
				continue;
			}
			return -1;
		}
		buf += w;
		n -= w;
	}
	return 0;
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Reaps children; returns the init's status once it has exited, else -1. */
static int reap(pid_t init)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == init)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return -1;
}

int tty_proxy(int master, int sfd, pid_t init)
{
	struct termios saved;
	int raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		copy_winsize(master);
	}
	int status = -1, in_open = 1;
	char buf[8192];
	while (status < 0) {
		struct pollfd p[3] = {
		    {master, POLLIN, 0}, {sfd, POLLIN, 0}, {in_open ? STDIN_FILENO : -1, POLLIN, 0}};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			ssize_t n = read(master, buf, sizeof buf);
			if (n > 0)
				write_all(STDOUT_FILENO, buf, n);
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
			if (n > 0)
				write_all(master, buf, n);
			else
				in_open = 0; /* EOF on our stdin: the container keeps its terminal */
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGWINCH)
					copy_winsize(master);
				else if (si.ssi_signo == SIGCHLD)
					status = reap(init);
				else
					kill(init, (int)si.ssi_signo);
			}
		}
		if ((p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) {
			/* the pty's last holder is gone: the init is exiting */
			while (status < 0) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof si) != sizeof si)
					break;
				if (si.ssi_signo == SIGCHLD)
					status = reap(init);
				else if (si.ssi_signo != SIGWINCH)
					kill(init, (int)si.ssi_signo);
			}
		}
	}
	/* what the container printed last */
	for (;;) {
		if (poll(&(struct pollfd){master, POLLIN, 0}, 1, 0) <= 0)
			break;
		ssize_t n = read(master, buf, sizeof buf);
		if (n <= 0)
			break;
		write_all(STDOUT_FILENO, buf, n);
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return status < 0 ? 255 : status;
}
