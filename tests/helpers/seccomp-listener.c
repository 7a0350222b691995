/* seccomp-listener SOCKET STATEFILE ERRNO
 * A test listener for linux.seccomp.listenerPath: accepts one connection, receives the
 * seccomp notify fd (SCM_RIGHTS) and the container process state (written to STATEFILE),
 * then answers every notification with -ERRNO (or "continue" when ERRNO is 0) until the
 * container is gone. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET STATEFILE ERRNO\n", argv[0]);
		return 2;
	}
	int answer = atoi(argv[3]);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0) {
		perror(argv[1]);
		return 1;
	}
	int c = accept(ls, NULL, NULL);
	if (c < 0) {
		perror("accept");
		return 1;
	}
	static char payload[65536];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { payload, sizeof payload - 1 };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(c, &h, 0);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&h);
	if (n <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "no fd received\n");
		return 1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	FILE *f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fwrite(payload, 1, n, f);
	fclose(f);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 20000) <= 0 || (p.revents & POLLHUP))
			return 0;
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof req);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return 0;
		}
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		if (answer)
			resp.error = -answer;
		else
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}
