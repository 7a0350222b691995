#include "core/sync.h"

#include "util/fdpass.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_send(int fd, int type, const struct husk_error *e)
{
	struct sync_msg m = {.type = type};
	size_t len = sizeof m.type + sizeof m.err.err;
	if (e) {
		m.err = *e;
		len = offsetof(struct sync_msg, err.msg) + strlen(e->msg) + 1;
	}
	ssize_t w;
	do
		w = send(fd, &m, len, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -1 : 0;
}

int sync_send_fd(int fd, int type, int passfd)
{
	struct sync_msg m = {.type = type};
	return fd_send(fd, passfd, &m, sizeof m.type + sizeof m.err.err) < 0 ? -1 : 0;
}

int sync_recv(int fd, struct sync_msg *m, pid_t *pid)
{
	return sync_recv_fd(fd, m, pid, NULL);
}

int sync_recv_fd(int fd, struct sync_msg *m, pid_t *pid, int *passfd)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	struct iovec iov = {m, sizeof *m};
	struct msghdr h = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	memset(m, 0, sizeof *m);
	ssize_t r;
	do
		r = recvmsg(fd, &h, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = 0;
		return -1;
	}
	m->err.msg[sizeof m->err.msg - 1] = '\0';
	if (passfd)
		*passfd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && pid) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof uc);
			*pid = uc.pid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			int f;
			memcpy(&f, CMSG_DATA(c), sizeof f);
			if (passfd)
				*passfd = f;
			else
				close(f);
		}
	}
	return 0;
}

int sync_expect(int fd, int type, pid_t *pid, struct husk_error *err)
{
	struct sync_msg m;
	if (sync_recv(fd, &m, pid) < 0) {
		if (errno == 0)
			return husk_error_set(err, 0, "container init exited during setup");
		return husk_error_set(err, errno, "read from container init");
	}
	if (m.type == SYNC_ERROR) {
		if (err)
			*err = m.err;
		return -1;
	}
	if (m.type != type)
		return husk_error_set(err, 0, "container init: unexpected message %d (wanted %d)", m.type,
				      type);
	return 0;
}
