/* The caller's terminal wired to a container's pty (`run` of a process.terminal container
 * without --console-socket, as runc does): raw mode, both directions copied, window size
 * followed, other signals forwarded to the container's init. */
#pragma once
#include <sys/types.h>

/* Receives the pty master that the container's init sent over sock (already queued when
 * create returns). Returns the fd, or -1 when none came (the container has no terminal). */
int tty_receive_master(int sock);

/* Copies stdin -> master and master -> stdout until init exits; sfd is a signalfd for
 * SIGCHLD and the forwarded signals. Returns the container's exit status (128+N for signal N). */
int tty_proxy(int master, int sfd, pid_t init);
