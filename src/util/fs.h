/* Small file helpers used across husk. All return -1 and fill *err on failure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct husk_error;

/* Writes data to path (O_WRONLY|O_TRUNC, no create); used for /proc and cgroup files. */
int fs_write_file(const char *path, const char *data, size_t len, struct husk_error *err);
/* Same, relative to dirfd. */
int fs_write_file_at(int dirfd, const char *name, const char *data, size_t len, struct husk_error *err);
/* Writes name in dirfd atomically (tmp file + fsync-less rename), mode 0644. */
int fs_write_atomic_at(int dirfd, const char *name, const char *data, size_t len, struct husk_error *err);
/* Writes path atomically (tmp + rename in the same directory). */
int fs_write_atomic(const char *path, const char *data, size_t len, struct husk_error *err);
/* Reads a whole (small) file; *out is NUL-terminated and malloc'ed. */
int fs_read_file(const char *path, char **out, size_t *len, struct husk_error *err);
int fs_read_file_at(int dirfd, const char *name, char **out, size_t *len, struct husk_error *err);
/* mkdir -p with mode; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct husk_error *err);
/* rm -rf of a directory tree, not crossing mount points. */
int fs_rm_rf(const char *path, struct husk_error *err);
