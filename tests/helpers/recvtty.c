/* recvtty SOCKET_PATH [--out FILE] [--input STRING] [--timeout SECONDS]
 *
 * A console-socket receiver for the tests (like runc's recvtty): listens on a unix stream socket
 * at SOCKET_PATH, accepts one connection, receives one fd by SCM_RIGHTS (the pty master), prints
 * the payload that came with it to stderr ("payload: NAME"), writes STRING to the master when
 * --input is given, then copies everything read from the master to stdout (or FILE) until EOF or
 * EIO (every slave closed), and exits 0.
 *
 * The socket is bound under a temporary name and renamed into place once it listens, so a caller
 * that waits for SOCKET_PATH to exist never connects too early. The whole run is bounded by
 * --timeout (default 30 s): on expiry it exits 2, so a test never hangs on it.
 *
 * Build: cc -O2 -Wall -Werror -o recvtty tests/helpers/recvtty.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "recvtty: timed out\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	_exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: recvtty SOCKET_PATH [--out FILE] [--input STRING] [--timeout SECONDS]\n");
	exit(1);
}

/* Listens at path: bound as path.tmp, renamed to path once listening. */
static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char tmp[sizeof addr.sun_path];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(addr.sun_path, tmp);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die(tmp);
	if (listen(fd, 1) < 0)
		die("listen");
	if (rename(tmp, path) < 0)
		die(path);
	return fd;
}

/* Receives one fd and its payload (NUL-terminated into name). */
static int recv_fd(int conn, char *name, size_t n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = name, .iov_len = n - 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	ssize_t r;
	do
		r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("recvmsg");
	name[r] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		fprintf(stderr, "recvtty: no fd received (payload \"%s\")\n", name);
		exit(1);
	}
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

static void copy(int from, int to)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(from, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || (r < 0 && errno == EIO))
			return; /* EIO: the last slave fd was closed */
		if (r < 0)
			die("read the pty master");
		write_all(to, buf, (size_t)r);
	}
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *out = NULL, *input = NULL;
	unsigned timeout = 30;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--input") && i + 1 < argc)
			input = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !sock)
			sock = argv[i];
		else
			usage();
	}
	if (!sock)
		usage();
	signal(SIGALRM, on_alarm);
	alarm(timeout);

	int to = STDOUT_FILENO;
	if (out) {
		to = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (to < 0)
			die(out);
	}
	int lfd = listen_at(sock);
	int conn;
	do
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		die("accept");
	char name[256];
	int master = recv_fd(conn, name, sizeof name);
	fprintf(stderr, "payload: %s\n", name);
	close(conn);
	close(lfd);
	if (input)
		write_all(master, input, strlen(input));
	copy(master, to);
	if (out && close(to) < 0)
		die(out);
	return 0;
}
