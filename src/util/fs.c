#include "util/fs.h"

#include "util/cleanup.h"
#include "util/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= w;
	}
	return 0;
}

int fs_write_file_at(int dirfd, const char *name, const char *data, size_t len, struct husk_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "open %s", name);
	if (write_all(fd, data, len) < 0)
		return husk_error_set(err, errno, "write %s", name);
	return 0;
}

int fs_write_file(const char *path, const char *data, size_t len, struct husk_error *err)
{
	return fs_write_file_at(AT_FDCWD, path, data, len, err);
}

int fs_write_atomic_at(int dirfd, const char *name, const char *data, size_t len, struct husk_error *err)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, ".%s.tmp%d", name, (int)getpid());
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return husk_error_set(err, errno, "create %s", tmp);
	if (write_all(fd, data, len) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return husk_error_set(err, e, "write %s", tmp);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return husk_error_set(err, e, "rename %s to %s", tmp, name);
	}
	return 0;
}

int fs_write_atomic(const char *path, const char *data, size_t len, struct husk_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		return fs_write_atomic_at(AT_FDCWD, path, data, len, err);
	size_t n = slash - path;
	if (n == 0)
		n = 1;
	if (n >= sizeof dir)
		return husk_error_set(err, ENAMETOOLONG, "%s", path);
	memcpy(dir, path, n);
	dir[n] = '\0';
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return husk_error_set(err, errno, "open directory %s", dir);
	if (fs_write_atomic_at(dfd, slash + 1, data, len, err) < 0)
		return husk_error_prefix(err, "%s", path);
	return 0;
}

int fs_read_file_at(int dirfd, const char *name, char **out, size_t *len, struct husk_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return husk_error_set(err, errno, "open %s", name);
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return husk_error_set(err, ENOMEM, "read %s", name);
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return husk_error_set(err, ENOMEM, "read %s", name);
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return husk_error_set(err, errno, "read %s", name);
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

int fs_read_file(const char *path, char **out, size_t *len, struct husk_error *err)
{
	return fs_read_file_at(AT_FDCWD, path, out, len, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct husk_error *err)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof buf)
		return husk_error_set(err, ENAMETOOLONG, "mkdir %s", path);
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return husk_error_set(err, errno, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return husk_error_set(err, errno, "mkdir %s", buf);
	return 0;
}

static int rm_rf_at(int dfd, const char *name, dev_t dev, struct husk_error *err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : husk_error_set(err, errno, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != dev)
			return husk_error_set(err, EBUSY, "remove %s: a mount point", name);
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return husk_error_set(err, errno, "open %s", name);
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return husk_error_set(err, errno, "opendir %s", name);
		}
		struct dirent *de;
		int r = 0;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (rm_rf_at(dirfd(d), de->d_name, dev, err) < 0)
				r = -1;
		}
		closedir(d);
		if (r < 0)
			return r;
		if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return husk_error_set(err, errno, "rmdir %s", name);
		return 0;
	}
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return husk_error_set(err, errno, "unlink %s", name);
	return 0;
}

int fs_rm_rf(const char *path, struct husk_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : husk_error_set(err, errno, "stat %s", path);
	return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}
