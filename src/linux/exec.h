/* Finding the container's executable before it runs, so that a missing program, script
 * interpreter or ELF loader is reported by name at create time, not as a bare ENOENT. */
#pragma once
struct husk_error;

/* Resolves arg0 inside the current root (call after pivot_root): a name with a '/' as is
 * (relative to the cwd), else through PATH from env (default
 * "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"). Checks that it is a
 * regular executable file, and that a "#!" interpreter or the ELF PT_INTERP loader exists.
 * *out is the malloc'ed path to pass to execve. */
int exec_resolve(const char *arg0, char *const *env, char **out, struct husk_error *err);
/* execve(path); on failure returns -1 with a message naming what is missing. */
int exec_process(const char *path, char *const *argv, char *const *env, struct husk_error *err);
