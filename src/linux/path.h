/* Safe path resolution inside a root directory, by file descriptor.
 *
 * Every path inside a container's rootfs is resolved relative to an fd of the rootfs with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (fallback: component-by-component walk
 * with O_NOFOLLOW that resolves symlinks by hand, clamped at the root), and the result is
 * used through the fd (mount onto /proc/self/fd/N), never re-resolved by string. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct husk_error;

/* Opens path (absolute or relative; always taken as inside rootfd) with flags (O_PATH,
 * O_DIRECTORY, O_RDONLY, ... ; O_CLOEXEC is always added). Symlinks, ".." included, never
 * leave rootfd. Returns the fd or -1 with *err naming the path. */
int path_open_in_root(int rootfd, const char *path, int flags, struct husk_error *err);

/* Opens path inside rootfd like path_open_in_root(), creating what is missing: every missing
 * parent as a directory (mode 0755), and the last component as a directory, or as an empty
 * regular file (mode 0644) when last_is_file. An existing last component is kept as it is.
 * Returns an O_PATH fd of the last component. */
int path_create_in_root(int rootfd, const char *path, bool last_is_file, struct husk_error *err);

/* "/proc/self/fd/N" into buf (at least 32 bytes); returns buf. */
char *path_fd_proc(int fd, char *buf);
