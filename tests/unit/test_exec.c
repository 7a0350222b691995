/* exec_resolve/exec_process: PATH search and the diagnosis of missing interpreters/loaders. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "linux/exec.h"
#include "util/error.h"

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;
	char *p = buf[i++ % 4];
	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void write_str(const char *path, const char *s, mode_t mode)
{
	write_file(path, s, strlen(s), mode);
}

static void *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	void *buf = malloc(st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, st.st_size), st.st_size);
	close(fd);
	*len = st.st_size;
	return buf;
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/husk-test-exec.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char bin[PATH_MAX];
	snprintf(bin, sizeof bin, "%s/bin", tmpdir);
	return mkdir(bin, 0755);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect_resolve_error(const char *arg0, char *const *env, int e, const char *msg)
{
	struct husk_error err = {0};
	char *out = (char *)0x1;
	assert_int_equal(exec_resolve(arg0, env, &out, &err), -1);
	assert_null(out);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.err, e);
}

static char *resolve_ok(const char *arg0, char *const *env)
{
	struct husk_error err = {0};
	char *out = NULL;
	if (exec_resolve(arg0, env, &out, &err) < 0)
		fail_msg("exec_resolve %s: %s", arg0, err.msg);
	assert_non_null(out);
	return out;
}

static void test_default_path(void **state)
{
	char *out = resolve_ok("ls", NULL);
	size_t n = strlen(out);
	assert_true(n > 3 && strcmp(out + n - 3, "/ls") == 0);
	assert_int_equal(access(out, X_OK), 0);
	free(out);

	out = resolve_ok("/bin/ls", NULL); /* dynamic ELF, loader present */
	assert_string_equal(out, "/bin/ls");
	free(out);
}

static void test_not_in_path(void **state)
{
	char *env[] = {"HOME=/", "PATH=/nonexistent:/also-not-there", NULL};
	expect_resolve_error("husk-no-such-program", env, ENOENT,
			     "exec: \"husk-no-such-program\": executable file not found in $PATH");
	expect_resolve_error("", env, ENOENT, "exec: \"\": executable file not found in $PATH");
}

static void test_last_path_wins_and_dirs_skipped(void **state)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	/* tmpdir/tool is a directory, tmpdir/bin/tool the program */
	assert_int_equal(mkdir(tpath("tool"), 0755), 0);
	write_str(tpath("bin/tool"), "#!/bin/sh\nexit 0\n", 0755);
	snprintf(p1, sizeof p1, "PATH=/nonexistent");
	snprintf(p2, sizeof p2, "PATH=%s:%s/bin", tmpdir, tmpdir);
	char *env[] = {p1, p2, NULL};
	char *out = resolve_ok("tool", env);
	assert_string_equal(out, tpath("bin/tool"));
	free(out);

	char *env2[] = {p2, p1, NULL}; /* now /nonexistent is the PATH */
	expect_resolve_error("tool", env2, ENOENT, "exec: \"tool\": executable file not found in $PATH");
}

static void test_missing_script_interpreter(void **state)
{
	char msg[PATH_MAX * 2];
	const char *script = tpath("app.sh");
	write_str(script, "#!/nonexistent/sh -e\necho hi\n", 0755);
	snprintf(msg, sizeof msg,
		 "exec %s: interpreter \"/nonexistent/sh\" (from the \"#!\" line) does not exist", script);
	expect_resolve_error(script, NULL, ENOENT, msg);

	write_str(script, "#!  /bin/sh\necho hi\n", 0755); /* spaces after #! */
	char *out = resolve_ok(script, NULL);
	assert_string_equal(out, script);
	free(out);
}

static void test_dos_line_endings(void **state)
{
	char msg[PATH_MAX * 2];
	const char *script = tpath("dos.sh");
	write_str(script, "#!/bin/sh\r\necho hi\r\n", 0755);
	snprintf(
	    msg, sizeof msg,
	    "exec %s: interpreter \"/bin/sh\r\" (from the \"#!\" line) does not exist (the \"#!\" line ends "
	    "in \\r: DOS line endings?)",
	    script);
	expect_resolve_error(script, NULL, ENOENT, msg);
}

static void test_nested_interpreter(void **state)
{
	char msg[PATH_MAX * 3], line[PATH_MAX];
	const char *inner = tpath("inner"), *outer = tpath("outer");
	write_str(inner, "#!/nonexistent/interp\n", 0755);
	snprintf(line, sizeof line, "#!%s\n", inner);
	write_str(outer, line, 0755);
	snprintf(msg, sizeof msg,
		 "exec %s: interpreter \"%s\" (from the \"#!\" line): interpreter \"/nonexistent/interp\" "
		 "(from the "
		 "\"#!\" line) does not exist",
		 outer, inner);
	expect_resolve_error(outer, NULL, ENOENT, msg);
}

/* Copies /bin/ls and points its PT_INTERP at a loader that does not exist. */
static void make_bad_elf(const char *path, const char *interp, uint16_t machine)
{
	size_t len;
	unsigned char *img = read_all("/bin/ls", &len);
	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof eh);
	assert_int_equal(img[EI_CLASS], ELFCLASS64);
	bool patched = false;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * eh.e_phentsize, sizeof ph);
		if (ph.p_type != PT_INTERP || !interp)
			continue;
		assert_true(strlen(interp) < ph.p_filesz);
		memset(img + ph.p_offset, 0, ph.p_filesz);
		memcpy(img + ph.p_offset, interp, strlen(interp));
		patched = true;
	}
	assert_true(patched || !interp);
	if (machine) {
		eh.e_machine = machine;
		memcpy(img, &eh, sizeof eh);
	}
	write_file(path, img, len, 0755);
	free(img);
}

static void test_missing_elf_loader(void **state)
{
	char msg[PATH_MAX * 2];
	const char *app = tpath("app");
	make_bad_elf(app, "/nonexistent/ld-husk.so.2", 0);
	snprintf(msg, sizeof msg,
		 "exec %s: ELF interpreter (dynamic loader) \"/nonexistent/ld-husk.so.2\" does not exist",
		 app);
	expect_resolve_error(app, NULL, ENOENT, msg);
}

/* A hand-made 32-bit ELF: header, one PT_INTERP program header, the loader path. */
static void test_missing_elf32_loader(void **state)
{
	static const char interp[] = "/nonexistent/ld-linux.so.2";
	unsigned char img[sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr) + sizeof interp] = {0};
	Elf32_Ehdr eh = {.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_phoff = sizeof eh;
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = 1;
	eh.e_ehsize = sizeof eh;
	Elf32_Phdr ph = {.p_type = PT_INTERP, .p_offset = sizeof eh + sizeof ph, .p_filesz = sizeof interp};
	memcpy(img, &eh, sizeof eh);
	memcpy(img + sizeof eh, &ph, sizeof ph);
	memcpy(img + sizeof eh + sizeof ph, interp, sizeof interp);
	const char *app = tpath("app32");
	write_file(app, img, sizeof img, 0755);

	char msg[PATH_MAX * 2];
	snprintf(msg, sizeof msg, "exec %s: ELF interpreter (dynamic loader) \"%s\" does not exist", app,
		 interp);
	expect_resolve_error(app, NULL, ENOENT, msg);
}

static void test_not_executable(void **state)
{
	char msg[PATH_MAX * 2];
	const char *f = tpath("plain");
	write_str(f, "#!/bin/sh\n", 0644);
	snprintf(msg, sizeof msg, "exec %s: permission denied: mode 0644 has no execute bit", f);
	expect_resolve_error(f, NULL, EACCES, msg);

	snprintf(msg, sizeof msg, "exec %s: is a directory", tmpdir);
	expect_resolve_error(tmpdir, NULL, EISDIR, msg);

	snprintf(msg, sizeof msg, "exec %s/nothing-here: No such file or directory", tmpdir);
	expect_resolve_error(tpath("nothing-here"), NULL, ENOENT, msg);
}

static void test_not_executable_in_path(void **state)
{
	char msg[PATH_MAX * 2], pathenv[PATH_MAX];
	write_str(tpath("bin/noexec-tool"), "#!/bin/sh\n", 0600);
	snprintf(pathenv, sizeof pathenv, "PATH=%s/bin", tmpdir);
	char *env[] = {pathenv, NULL};
	snprintf(msg, sizeof msg, "exec %s: permission denied: mode 0600 has no execute bit",
		 tpath("bin/noexec-tool"));
	expect_resolve_error("noexec-tool", env, EACCES, msg);
}

/* In a private mount namespace: a tmpfs mounted noexec. */
static void test_noexec_mount(void **state)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	const char *mnt = tpath("mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(100);
		if (mount("tmpfs", mnt, "tmpfs", MS_NOEXEC, "size=1m") < 0)
			_exit(101);
		char f[PATH_MAX];
		snprintf(f, sizeof f, "%s/prog", mnt);
		int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
		if (fd < 0 || write(fd, "#!/bin/sh\n", 10) != 10)
			_exit(102);
		close(fd);
		struct husk_error err = {0};
		char *out = NULL;
		if (exec_resolve(f, NULL, &out, &err) == 0)
			_exit(1);
		ssize_t w = write(pfd[1], err.msg, strlen(err.msg));
		(void)w;
		_exit(err.err == EACCES ? 0 : 2);
	}
	close(pfd[1]);
	char got[HUSK_ERROR_MAX] = "", msg[PATH_MAX * 2];
	ssize_t n = read(pfd[0], got, sizeof got - 1);
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(n > 0);
	snprintf(msg, sizeof msg, "exec %s/prog: permission denied: the file is on a noexec mount", mnt);
	assert_string_equal(got, msg);
	rmdir(mnt);
}

/* exec_process in a child; returns the error message it reports. */
static void run_exec_process(const char *path, char *got, size_t len, int *e)
{
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		char *env[] = {"PATH=/bin", NULL};
		struct husk_error err = {0};
		exec_process(path, argv, env, &err);
		ssize_t w = write(pfd[1], &err.err, sizeof err.err);
		w = write(pfd[1], err.msg, strlen(err.msg));
		(void)w;
		_exit(0);
	}
	close(pfd[1]);
	memset(got, 0, len);
	assert_int_equal(read(pfd[0], e, sizeof *e), (ssize_t)sizeof *e);
	ssize_t n = read(pfd[0], got, len - 1);
	assert_true(n > 0);
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static void test_exec_process_diagnosis(void **state)
{
	char got[HUSK_ERROR_MAX], msg[PATH_MAX * 2];
	int e;
	const char *app = tpath("app2");
	make_bad_elf(app, "/nonexistent/ld-husk.so.2", 0);
	run_exec_process(app, got, sizeof got, &e);
	snprintf(msg, sizeof msg,
		 "exec %s: ELF interpreter (dynamic loader) \"/nonexistent/ld-husk.so.2\" does not exist",
		 app);
	assert_string_equal(got, msg);
	assert_int_equal(e, ENOENT);

	const char *script = tpath("app2.sh");
	write_str(script, "#!/nonexistent/bash\n", 0755);
	run_exec_process(script, got, sizeof got, &e);
	snprintf(msg, sizeof msg,
		 "exec %s: interpreter \"/nonexistent/bash\" (from the \"#!\" line) does not exist", script);
	assert_string_equal(got, msg);

	run_exec_process(tpath("missing"), got, sizeof got, &e);
	snprintf(msg, sizeof msg, "exec %s/missing: No such file or directory", tmpdir);
	assert_string_equal(got, msg);
}

static void test_exec_format(void **state)
{
	char got[HUSK_ERROR_MAX], msg[PATH_MAX * 2];
	int e;
	const char *arm = tpath("arm-app");
	make_bad_elf(arm, NULL, EM_AARCH64);
	run_exec_process(arm, got, sizeof got, &e);
	snprintf(msg, sizeof msg, "exec %s: ELF binary for aarch64: Exec format error", arm);
	assert_string_equal(got, msg);
	assert_int_equal(e, ENOEXEC);
}

static void test_exec_process_runs(void **state)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"sh", "-c", "exit 7", NULL};
		struct husk_error err = {0};
		exec_process("/bin/sh", argv, argv + 3, &err);
		_exit(1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_not_in_path),
	    cmocka_unit_test(test_last_path_wins_and_dirs_skipped),
	    cmocka_unit_test(test_missing_script_interpreter),
	    cmocka_unit_test(test_dos_line_endings),
	    cmocka_unit_test(test_nested_interpreter),
	    cmocka_unit_test(test_missing_elf_loader),
	    cmocka_unit_test(test_missing_elf32_loader),
	    cmocka_unit_test(test_not_executable),
	    cmocka_unit_test(test_not_executable_in_path),
	    cmocka_unit_test(test_noexec_mount),
	    cmocka_unit_test(test_exec_process_diagnosis),
	    cmocka_unit_test(test_exec_format),
	    cmocka_unit_test(test_exec_process_runs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
