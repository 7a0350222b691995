/* process.terminal: the pty, its master sent to --console-socket (see console.h). */
#include "linux/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The slave of master: TIOCGPTPEER (no path lookup, Linux 4.13), else by its name. */
static int open_slave(int master, const char *ptmx, struct husk_error *err)
{
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != ENOTTY)
		return husk_error_set(err, errno, "open the pty slave of %s", ptmx);
	char name[64];
	if (ptsname_r(master, name, sizeof name) != 0)
		return husk_error_set(err, errno, "ptsname of %s", ptmx);
	fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "open %s", name);
	return fd;
}

int console_open_pty(const char *ptmx_path, int *master, int *slave, struct husk_error *err)
{
	const char *ptmx = ptmx_path ? ptmx_path : "/dev/ptmx";
	_cleanup_close_ int m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return husk_error_set(err, errno, "open %s", ptmx);
	if (unlockpt(m) < 0)
		return husk_error_set(err, errno, "unlockpt %s", ptmx);
	int s = open_slave(m, ptmx, err);
	if (s < 0)
		return -1;
	*master = TAKE_FD(m);
	*slave = s;
	return 0;
}

int console_send_fd(int sock_fd, int fd, const char *name, struct husk_error *err)
{
	const char *payload = name && *name ? name : "console";
	ssize_t n = fd_send(sock_fd, fd, payload, strlen(payload));
	if (n < 0)
		return husk_error_set(err, errno, "send the pty master to the console socket");
	if ((size_t)n != strlen(payload))
		return husk_error_set(err, EIO, "send the pty master to the console socket: short write");
	return 0;
}

int console_connect(const char *path, struct husk_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof addr.sun_path)
		return husk_error_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return husk_error_set(err, errno, "console socket %s: socket", path);
	int r;
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return husk_error_set(err, errno, "connect to the console socket %s", path);
	return TAKE_FD(fd);
}

int console_make_controlling(int slave, const struct spec_console_size *size, struct husk_error *err)
{
	if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
		return husk_error_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return husk_error_set(err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
	if (size) {
		struct winsize ws = {.ws_row = size->height, .ws_col = size->width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return husk_error_set(err, errno, "set the terminal size (TIOCSWINSZ)");
	}
	for (int fd = 0; fd < 3; fd++) {
		/* dup2 clears FD_CLOEXEC; the slave itself may already be one of 0-2 */
		int r = slave != fd ? dup2(slave, fd) : fcntl(fd, F_SETFD, 0);
		if (r < 0)
			return husk_error_set(err, errno, "dup2 the pty onto fd %d", fd);
	}
	return 0;
}
