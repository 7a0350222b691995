/* process.terminal: a pty made in the container's devpts, its master sent to the
 * --console-socket over SCM_RIGHTS (as runc does), its slave the container's stdio. */
#pragma once
struct husk_error;
struct spec_console_size;

/* Opens a new pty through ptmx_path (the container's /dev/pts/ptmx, reached by fd) or, when
 * ptmx_path is NULL, the host's /dev/ptmx. Returns 0 with *master and *slave set. */
int console_open_pty(const char *ptmx_path, int *master, int *slave, struct husk_error *err);
/* Sends fd over the unix socket sock_fd (SCM_RIGHTS), with name as payload. */
int console_send_fd(int sock_fd, int fd, const char *name, struct husk_error *err);
/* Connects to the unix socket at path. Returns the fd. */
int console_connect(const char *path, struct husk_error *err);
/* Makes slave the controlling terminal and stdio (setsid, TIOCSCTTY, dup2 0-2), sets size. */
int console_make_controlling(int slave, const struct spec_console_size *size, struct husk_error *err);
