/* Capabilities: the five sets of process.capabilities. */
#pragma once
#include <stdint.h>
struct husk_error;
struct spec_caps;

/* Drops every capability not in c->bounding from the bounding set (needs CAP_SETPCAP: call
 * before the user switch). Capabilities the kernel does not know are skipped. */
int caps_drop_bounding(const struct spec_caps *c, struct husk_error *err);
/* After the user switch (done with PR_SET_KEEPCAPS): sets permitted, effective and inheritable
 * with capset(2), then raises the ambient set. inheritable stays as configured (empty when the
 * config lists none). */
int caps_apply(const struct spec_caps *c, struct husk_error *err);
/* Highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);
