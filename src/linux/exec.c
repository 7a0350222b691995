/* Finding and running the container's executable, with a diagnosis that names what is missing
 * (the program, its "#!" interpreter, its ELF loader) instead of a bare ENOENT. */
#include "linux/exec.h"

#include "util/cleanup.h"
#include "util/error.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HEAD_SIZE    256 /* what the kernel reads (BINPRM_BUF_SIZE) */
#define MAX_DEPTH    4	 /* nesting of "#!" interpreters the kernel accepts */
#define MAX_PHNUM    1024

/* Like husk_error_set but with no ": strerror" suffix; err->err is still set. */
__attribute__((format(printf, 3, 4))) static int set_plain(struct husk_error *err, int e, const char *fmt,
							   ...)
{
	va_list ap;
	va_start(ap, fmt);
	husk_error_setv(err, 0, fmt, ap);
	va_end(ap);
	if (err)
		err->err = e;
	return -1;
}

/* Why a path cannot be executed; NULL when it can (as far as we can tell). */
static const char *not_executable_reason(const char *path, const struct stat *st, char *buf, size_t len)
{
	if (S_ISDIR(st->st_mode))
		return "is a directory";
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return NULL;
	if (!(st->st_mode & 0111)) {
		snprintf(buf, len, "permission denied: mode %04o has no execute bit", st->st_mode & 07777);
		return buf;
	}
	struct statvfs vfs;
	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
		return "permission denied: the file is on a noexec mount";
	snprintf(buf, len, "permission denied for uid %u gid %u (mode %04o, owner %u:%u)", geteuid(),
		 getegid(), st->st_mode & 07777, st->st_uid, st->st_gid);
	return buf;
}

static int check_interp(const char *path, int depth, struct husk_error *err);

/* Checks that an interpreter named in a file exists and is executable; what is "ELF
 * interpreter (dynamic loader)" or "interpreter". */
static int check_named(const char *what, const char *suffix, const char *interp, int depth,
		       struct husk_error *err)
{
	struct stat st;
	char buf[160];
	size_t n = strlen(interp);
	const char *crlf =
	    n && interp[n - 1] == '\r' ? " (the \"#!\" line ends in \\r: DOS line endings?)" : "";
	if (stat(interp, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return set_plain(err, ENOENT, "%s \"%s\"%s does not exist%s", what, interp, suffix,
					 crlf);
		return husk_error_set(err, errno, "%s \"%s\"%s", what, interp, suffix);
	}
	const char *why = not_executable_reason(interp, &st, buf, sizeof buf);
	if (why)
		return set_plain(err, EACCES, "%s \"%s\"%s: %s", what, interp, suffix, why);
	if (check_interp(interp, depth + 1, err) < 0)
		return husk_error_prefix(err, "%s \"%s\"%s", what, interp, suffix);
	return 0;
}

static int check_shebang(const char *head, size_t n, int depth, struct husk_error *err)
{
	size_t i = 2;
	while (i < n && (head[i] == ' ' || head[i] == '\t'))
		i++;
	size_t start = i;
	while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0')
		i++;
	if (i == start)
		return set_plain(err, ENOEXEC, "the \"#!\" line names no interpreter");
	if (depth >= MAX_DEPTH)
		return set_plain(err, ELOOP, "too many levels of \"#!\" interpreters");
	char interp[HEAD_SIZE];
	memcpy(interp, head + start, i - start);
	interp[i - start] = '\0';
	return check_named("interpreter", " (from the \"#!\" line)", interp, depth, err);
}

/* Reads the PT_INTERP path of an ELF file into buf (empty when static). 0, or -1 when the file
 * is not a well-formed ELF of our byte order (the kernel will say ENOEXEC, not us). */
static int elf_interp(int fd, const unsigned char *head, size_t n, char *buf, size_t len)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned char native = ELFDATA2LSB;
#else
	const unsigned char native = ELFDATA2MSB;
#endif
	bool is64 = head[EI_CLASS] == ELFCLASS64;
	uint64_t phoff;
	size_t phnum, phent;
	if (head[EI_DATA] != native)
		return -1;
	if (is64 && n >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;
		memcpy(&eh, head, sizeof eh);
		phoff = eh.e_phoff, phnum = eh.e_phnum, phent = eh.e_phentsize;
	} else if (head[EI_CLASS] == ELFCLASS32 && n >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;
		memcpy(&eh, head, sizeof eh);
		phoff = eh.e_phoff, phnum = eh.e_phnum, phent = eh.e_phentsize;
	} else {
		return -1;
	}
	if (phent != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phnum == 0 || phnum > MAX_PHNUM)
		return -1;

	/* All program headers in one read. */
	size_t tlen = phnum * phent;
	_cleanup_free_ unsigned char *tab = malloc(tlen);
	if (!tab || pread(fd, tab, tlen, (off_t)phoff) != (ssize_t)tlen)
		return -1;
	buf[0] = '\0';
	for (size_t i = 0; i < phnum; i++) {
		uint64_t off, size;
		if (is64) {
			Elf64_Phdr ph;
			memcpy(&ph, tab + i * phent, sizeof ph);
			if (ph.p_type != PT_INTERP)
				continue;
			off = ph.p_offset, size = ph.p_filesz;
		} else {
			Elf32_Phdr ph;
			memcpy(&ph, tab + i * phent, sizeof ph);
			if (ph.p_type != PT_INTERP)
				continue;
			off = ph.p_offset, size = ph.p_filesz;
		}
		if (size < 2 || size > len)
			return -1;
		if (pread(fd, buf, size, (off_t)off) != (ssize_t)size || buf[size - 1] != '\0')
			return -1;
		return 0;
	}
	return 0;
}

/* Checks the "#!" interpreter or the ELF loader of path. Message without the "exec PATH: " head. */
static int check_interp(const char *path, int depth, struct husk_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0; /* e.g. execute-only binary: nothing to diagnose, execve will tell */
	unsigned char head[HEAD_SIZE];
	ssize_t n = pread(fd, head, sizeof head, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		return check_shebang((const char *)head, (size_t)n, depth, err);
	if (n < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
		return 0;
	char interp[PATH_MAX];
	if (elf_interp(fd, head, (size_t)n, interp, sizeof interp) < 0 || !interp[0])
		return 0;
	return check_named("ELF interpreter (dynamic loader)", "", interp, depth, err);
}

/* The whole diagnosis of one path: exists, regular, executable, interpreters exist. */
static int check_file(const char *path, struct husk_error *err)
{
	struct stat st;
	char buf[160];
	if (stat(path, &st) < 0)
		return husk_error_set(err, errno, "exec %s", path);
	const char *why = not_executable_reason(path, &st, buf, sizeof buf);
	if (why)
		return set_plain(err, S_ISDIR(st.st_mode) ? EISDIR : EACCES, "exec %s: %s", path, why);
	if (check_interp(path, 0, err) < 0)
		return husk_error_prefix(err, "exec %s", path);
	return 0;
}

static const char *env_path(char *const *env)
{
	const char *path = NULL;
	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5; /* the last one wins */
	return path ? path : DEFAULT_PATH;
}

/* Searches PATH; *out is the first regular executable file. When only non-executable matches
 * exist, the first of them is reported. */
static int search_path(const char *arg0, char *const *env, char **out, struct husk_error *err)
{
	const char *p = env_path(env);
	char cand[PATH_MAX], denied[PATH_MAX] = "";
	size_t alen = strlen(arg0);
	while (*p) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + alen < sizeof cand) {
			if (dlen == 0)
				snprintf(cand, sizeof cand, "./%s", arg0);
			else
				snprintf(cand, sizeof cand, "%.*s/%s", (int)dlen, p, arg0);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				if (faccessat(AT_FDCWD, cand, X_OK, AT_EACCESS) == 0) {
					*out = strdup(cand);
					return *out ? 0 : husk_error_set(err, ENOMEM, "exec %s", cand);
				}
				if (!denied[0])
					memcpy(denied, cand, strlen(cand) + 1);
			}
		}
		p = *end ? end + 1 : end;
	}
	if (denied[0])
		return check_file(denied, err);
	return set_plain(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

int exec_resolve(const char *arg0, char *const *env, char **out, struct husk_error *err)
{
	*out = NULL;
	if (!arg0 || !*arg0)
		return set_plain(err, ENOENT, "exec: \"\": executable file not found in $PATH");
	_cleanup_free_ char *path = NULL;
	if (strchr(arg0, '/')) {
		path = strdup(arg0);
		if (!path)
			return husk_error_set(err, ENOMEM, "exec %s", arg0);
	} else if (search_path(arg0, env, &path, err) < 0) {
		return -1;
	}
	if (check_file(path, err) < 0)
		return -1;
	*out = TAKE_PTR(path);
	return 0;
}

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86_64";
	case EM_ARM:
		return "arm";
	case EM_AARCH64:
		return "aarch64";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390x";
	case EM_RISCV:
		return "riscv";
	case EM_MIPS:
		return "mips";
	default:
		return NULL;
	}
}

/* ENOEXEC: say which machine an ELF was built for. */
static int format_error(const char *path, struct husk_error *err)
{
	unsigned char head[sizeof(Elf32_Ehdr)];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
	    memcmp(head, ELFMAG, SELFMAG) == 0) {
		Elf32_Half m;
		memcpy(&m, head + offsetof(Elf32_Ehdr, e_machine), sizeof m);
		const char *name = machine_name(m);
		if (name)
			return husk_error_set(err, ENOEXEC, "exec %s: ELF binary for %s", path, name);
		return husk_error_set(err, ENOEXEC, "exec %s: ELF binary for machine %u", path, m);
	}
	return husk_error_set(err, ENOEXEC, "exec %s (not an ELF binary and no \"#!\" line)", path);
}

int exec_process(const char *path, char *const *argv, char *const *env, struct husk_error *err)
{
	execve(path, argv, env);
	int e = errno;
	if (e == ENOEXEC)
		return format_error(path, err);
	/* Find the missing piece; if everything looks fine, report execve's own errno. */
	if (check_file(path, err) < 0)
		return -1;
	return husk_error_set(err, e, "exec %s", path);
}
