/* Safe path resolution inside a root directory (see path.h). */
#include "linux/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"

#define MAX_SYMLINKS	   40
#define MAX_CREATE_RETRIES 64

/* -1: unknown, 0: openat2 unusable (ENOSYS, or refused by a seccomp filter), 1: usable */
static int openat2_state = -1;

static int sys_openat2(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	for (int i = 0; i < 16; i++) {
		int fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;
}

static bool have_openat2(void)
{
	if (openat2_state < 0) {
		int fd = sys_openat2(AT_FDCWD, ".", O_PATH);
		openat2_state = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return openat2_state == 1;
}

/* The fallback walk keeps a stack of directory fds: [0] is the root, the top the current dir. */
struct dirstack {
	int *fds;
	size_t n, cap;
};

static void dirstack_free(struct dirstack *s)
{
	/* fds[0] is the caller's rootfd: not ours */
	for (size_t i = 1; i < s->n; i++)
		close(s->fds[i]);
	free(s->fds);
}

static int dirstack_push(struct dirstack *s, int fd)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int *p = realloc(s->fds, cap * sizeof *p);
		if (!p) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		s->fds = p;
		s->cap = cap;
	}
	s->fds[s->n++] = fd;
	return 0;
}

static void dirstack_pop_to(struct dirstack *s, size_t n)
{
	while (s->n > n && s->n > 1)
		close(s->fds[--s->n]);
}

/* Next component of *p into name; *next points after it. Returns 0 at the end of the path,
 * 1 with a component, -1 (ENAMETOOLONG). *last: nothing but slashes follows. */
static int next_component(const char *p, char name[NAME_MAX + 1], const char **next, bool *last)
{
	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	const char *end = strchrnul(p, '/');
	size_t len = end - p;
	if (len > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	const char *q = end;
	while (*q == '/')
		q++;
	*last = *q == '\0';
	*next = end;
	return 1;
}

/* Replaces *rest with "target/next"; the symlink's target takes the place of its name. */
static int splice_symlink(int linkfd, char **rest, const char **p)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof target - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	char *r;
	if (asprintf(&r, "%s/%s", target, *p) < 0) {
		errno = ENOMEM;
		return -1;
	}
	free(*rest);
	*rest = r;
	*p = r;
	return 0;
}

/* Component-by-component resolution for kernels without openat2: O_NOFOLLOW opens, symlinks
 * read and spliced by hand, ".." and absolute targets clamped at the root. */
static int walk_in_root(int rootfd, const char *path, int flags)
{
	_cleanup_(dirstack_free) struct dirstack st = {0};
	_cleanup_free_ char *rest = strdup(path);
	if (!rest || dirstack_push(&st, rootfd) < 0)
		return -1;
	const char *p = rest, *next;
	char name[NAME_MAX + 1];
	bool last;
	int links = 0, r;

	while ((r = next_component(p, name, &next, &last)) > 0) {
		int top = st.fds[st.n - 1];
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (name[1] == '.')
				dirstack_pop_to(&st, st.n - 1);
			p = next;
			continue;
		}
		_cleanup_close_ int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) < 0)
			return -1;
		if (S_ISLNK(sb.st_mode)) {
			if (last && (flags & O_NOFOLLOW)) {
				if (flags & O_PATH)
					return TAKE_FD(fd);
				errno = ELOOP;
				return -1;
			}
			if (++links > MAX_SYMLINKS) {
				errno = ELOOP;
				return -1;
			}
			p = next;
			if (splice_symlink(fd, &rest, &p) < 0)
				return -1;
			if (*p == '/')
				dirstack_pop_to(&st, 1);
			continue;
		}
		if (last) {
			int extra = *next == '/' ? O_DIRECTORY : 0;
			return openat(top, name, flags | extra | O_NOFOLLOW | O_CLOEXEC);
		}
		if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
		if (dirstack_push(&st, TAKE_FD(fd)) < 0)
			return -1;
		p = next;
	}
	if (r < 0)
		return -1;
	/* the path ended on the root, ".", ".." or a directory reached through them */
	return openat(st.fds[st.n - 1], ".", flags | O_CLOEXEC);
}

/* openat2(RESOLVE_IN_ROOT) with the fallback walk; -1 with errno. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	if (have_openat2()) {
		int fd = sys_openat2(rootfd, path, flags);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		openat2_state = 0;
	}
	return walk_in_root(rootfd, path, flags);
}

int path_open_in_root(int rootfd, const char *path, int flags, struct husk_error *err)
{
	int fd = open_in_root(rootfd, *path ? path : "/", flags);
	if (fd < 0)
		return husk_error_set(err, errno, "open %s", path);
	return fd;
}

static char *join(const char *a, const char *b)
{
	char *r;
	if (asprintf(&r, "%s/%s", a, b) < 0)
		return NULL;
	return r;
}

/* Creates name in dirfd: a directory, or an empty file. An existing entry is fine. */
static int create_entry(int dirfd, const char *name, bool file)
{
	if (file) {
		int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		return fd < 0 && errno != EEXIST ? -1 : 0;
	}
	return mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

struct create_walk {
	int rootfd;
	char *rest;  /* the path still to resolve */
	char *sofar; /* the part resolved so far, taken inside the root */
	int cur;     /* O_PATH fd of sofar */
	int links;
};

/* One step for a component that doesn't resolve (ENOENT): a dangling symlink is spliced, a
 * missing entry created in the current directory. Returns 1 when the component must be
 * retried with the rest unchanged, 0 when *p was moved on, -1 on error. */
static int create_missing(struct create_walk *w, const char *name, bool make_file, const char **p,
			  const char *next)
{
	_cleanup_close_ int lfd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (lfd < 0) {
		if (errno != ENOENT)
			return -1;
		return create_entry(w->cur, name, make_file) < 0 ? -1 : 1;
	}
	if (fstat(lfd, &sb) < 0)
		return -1;
	if (!S_ISLNK(sb.st_mode))
		return 1; /* appeared meanwhile */
	if (++w->links > MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	*p = next;
	if (splice_symlink(lfd, &w->rest, p) < 0)
		return -1;
	if (**p == '/') {
		int fd = open_in_root(w->rootfd, "/", O_PATH | O_DIRECTORY);
		if (fd < 0)
			return -1;
		close(w->cur);
		w->cur = fd;
		w->sofar[0] = '\0';
	}
	return 0;
}

static int create_walk(struct create_walk *w, bool last_is_file)
{
	const char *p = w->rest, *next;
	char name[NAME_MAX + 1];
	bool last;
	int r, retries = 0;

	while ((r = next_component(p, name, &next, &last)) > 0) {
		if (strcmp(name, ".") == 0) {
			p = next;
			continue;
		}
		_cleanup_free_ char *cand = join(w->sofar, name);
		if (!cand)
			return -1;
		int fd = open_in_root(w->rootfd, cand, O_PATH | (last ? 0 : O_DIRECTORY));
		if (fd >= 0) {
			close(w->cur);
			w->cur = fd;
			free(w->sofar);
			w->sofar = TAKE_PTR(cand);
			p = next;
			retries = 0;
			continue;
		}
		if (errno != ENOENT || strcmp(name, "..") == 0)
			return -1;
		r = create_missing(w, name, last && last_is_file, &p, next);
		if (r < 0)
			return -1;
		if (r > 0 && ++retries > MAX_CREATE_RETRIES) {
			errno = ELOOP;
			return -1;
		}
	}
	return r;
}

int path_create_in_root(int rootfd, const char *path, bool last_is_file, struct husk_error *err)
{
	struct create_walk w = {.rootfd = rootfd, .cur = -1};
	w.rest = strdup(path);
	w.sofar = strdup("");
	int ret = -1;
	if (!w.rest || !w.sofar) {
		errno = ENOMEM;
		goto out;
	}
	w.cur = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
	if (w.cur < 0 || create_walk(&w, last_is_file) < 0)
		goto out;
	ret = TAKE_FD(w.cur);
out:
	if (ret < 0)
		husk_error_set(err, errno, "create %s", path);
	if (w.cur >= 0)
		close(w.cur);
	free(w.rest);
	free(w.sofar);
	return ret;
}

char *path_fd_proc(int fd, char *buf)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}
