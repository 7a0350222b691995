/* Process attributes of process.* and linux.personality, applied in the container's init. */
#pragma once
#include <sys/types.h>
struct husk_error;
struct spec;
struct spec_process;
struct spec_user;

/* Both act on process pid (0: the caller). The runtime applies them from outside, to the
 * container's init, as runc does: inside a user namespace the init could not (raising a hard
 * limit or lowering the score needs CAP_SYS_RESOURCE in the initial user namespace, and a
 * non-dumpable init cannot open its own /proc files). */
int process_set_rlimits(pid_t pid, const struct spec_process *p, struct husk_error *err);
int process_set_oom_score_adj(pid_t pid, const struct spec_process *p, struct husk_error *err);
int process_set_scheduler(const struct spec_process *p, struct husk_error *err);
int process_set_io_priority(const struct spec_process *p, struct husk_error *err);
int process_set_personality(const struct spec *s, struct husk_error *err);
/* setgroups(additionalGids) (skipped when setgroups is denied in a user namespace and no
 * groups are asked), setresgid, setresuid, keeping capabilities for caps_apply(); umask. */
int process_set_user(const struct spec_user *u, struct husk_error *err);
/* linux.sysctl, written under /proc/sys; refuses keys whose namespace the container does not
 * own (net.* without a network namespace, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*
 * without an IPC namespace, kernel.hostname/domainname without a UTS namespace). */
int process_set_sysctls(const struct spec *s, struct husk_error *err);
