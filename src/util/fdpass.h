/* Passing a file descriptor over a unix socket (SCM_RIGHTS). */
#pragma once
#include <stddef.h>

#include <sys/types.h>

/* Sends data (len > 0) with fd attached, retrying on EINTR. Returns the bytes sent, or -1
 * with errno. */
ssize_t fd_send(int sock, int fd, const void *data, size_t len);
