/* console.c: pty, SCM_RIGHTS to the console socket, controlling terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "linux/console.h"
#include "spec/spec.h"
#include "util/error.h"

static void open_pty(int *m, int *s)
{
	struct husk_error err = {0};
	if (console_open_pty(NULL, m, s, &err) < 0)
		fail_msg("console_open_pty: %s", err.msg);
}

static void test_open_pty(void **state)
{
	int m, s;
	char buf[16];
	open_pty(&m, &s);
	assert_true(isatty(m) && isatty(s));
	assert_true(fcntl(m, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(m, "hi\n", 3), 3);
	assert_int_equal(read(s, buf, sizeof buf), 3);
	assert_memory_equal(buf, "hi\n", 3);
	close(m);
	close(s);

	struct husk_error err = {0};
	assert_int_equal(console_open_pty("/nonexistent/ptmx", &m, &s, &err), -1);
	assert_int_equal(err.err, ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/ptmx"));
}

static void test_send_fd(void **state)
{
	int sv[2], m, s, got = -1;
	struct husk_error err = {0};
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	open_pty(&m, &s);
	assert_int_equal(console_send_fd(sv[0], m, "/dev/ptmx", &err), 0);

	char payload[64] = {0};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload - 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	assert_int_equal(recvmsg(sv[1], &msg, 0), strlen("/dev/ptmx"));
	assert_string_equal(payload, "/dev/ptmx");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(c), sizeof got);

	struct stat a, b;
	assert_int_equal(fstat(m, &a), 0);
	assert_int_equal(fstat(got, &b), 0);
	assert_int_equal(a.st_rdev, b.st_rdev);
	assert_int_equal(a.st_ino, b.st_ino);

	close(got);
	close(sv[1]);
	assert_int_equal(console_send_fd(sv[0], m, NULL, &err), -1); /* peer gone: EPIPE, no SIGPIPE */
	assert_int_equal(err.err, EPIPE);
	close(sv[0]);
	close(m);
	close(s);
}

static void test_connect(void **state)
{
	char dir[] = "/tmp/husk-test-console-XXXXXX", path[128];
	struct husk_error err = {0};
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sock", dir);

	assert_int_equal(console_connect(path, &err), -1);
	assert_non_null(strstr(err.msg, path));

	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(l, (struct sockaddr *)&addr, sizeof addr), 0);
	assert_int_equal(listen(l, 1), 0);
	int fd = console_connect(path, &err);
	assert_true(fd >= 0);
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	char c;
	assert_int_equal(read(a, &c, 1), 1);
	close(a);
	close(fd);
	close(l);
	unlink(path);
	rmdir(dir);

	char longpath[200];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	assert_int_equal(console_connect(longpath, &err), -1);
	assert_int_equal(err.err, ENAMETOOLONG);
}

static int controlling_child(int s)
{
	struct husk_error err = {0};
	struct spec_console_size size = {.height = 24, .width = 81};
	if (console_make_controlling(s, &size, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 24 || ws.ws_col != 81)
		return 2;
	if (tcgetsid(0) != getpid() || getsid(0) != getpid())
		return 3;
	for (int fd = 0; fd < 3; fd++)
		if (!isatty(fd) || (fcntl(fd, F_GETFD) & FD_CLOEXEC))
			return 4;
	struct stat a, b;
	if (fstat(0, &a) < 0 || fstat(s, &b) < 0 || a.st_rdev != b.st_rdev)
		return 5;
	return 0;
}

static void test_make_controlling(void **state)
{
	int m, s, st;
	open_pty(&m, &s);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(controlling_child(s));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(m);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_pty),
	    cmocka_unit_test(test_send_fd),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_make_controlling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
