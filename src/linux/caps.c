/* Capabilities with raw prctl(2)/capset(2): no libcap. */
#include "linux/caps.h"

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cached_last_cap = -1;

static int read_last_cap(void)
{
	char buf[32];
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		if (n > 0) {
			buf[n] = '\0';
			char *end;
			long v = strtol(buf, &end, 10);
			if (end != buf && v >= 0 && v < 64)
				return (int)v;
		}
	}
	/* No /proc: probe the bounding set, which answers EINVAL past the last capability. */
	int cap = 0;
	while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

int caps_last_cap(void)
{
	int v = __atomic_load_n(&cached_last_cap, __ATOMIC_RELAXED);
	if (v < 0) {
		v = read_last_cap();
		__atomic_store_n(&cached_last_cap, v, __ATOMIC_RELAXED);
	}
	return v;
}

static const char *cap_name(int cap, char *buf, size_t len)
{
	const char *n = spec_capability_name(cap);
	if (n)
		return n;
	snprintf(buf, len, "CAP_%d", cap);
	return buf;
}

static uint64_t known_mask(void)
{
	int last = caps_last_cap();
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

int caps_drop_bounding(const struct spec_caps *c, struct husk_error *err)
{
	if (!c->present)
		return 0;
	int last = caps_last_cap();
	for (int cap = 0; cap <= last; cap++) {
		if (c->bounding & (1ULL << cap))
			continue;
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r == 0)
			continue; /* already dropped: dropping again would need CAP_SETPCAP */
		if (r < 0 && errno == EINVAL)
			break;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			char buf[16];
			return husk_error_set(
			    err, errno,
			    "prctl PR_CAPBSET_DROP %s (dropping from the bounding set needs "
			    "CAP_SETPCAP)",
			    cap_name(cap, buf, sizeof buf));
		}
	}
	return 0;
}

static uint64_t skip_unknown(uint64_t set, uint64_t known, const char *which)
{
	uint64_t extra = set & ~known;
	if (extra)
		log_debug("capabilities: %s: skipping capabilities %#llx unknown to the kernel (last is %d)",
			  which, (unsigned long long)extra, caps_last_cap());
	return set & known;
}

static int capget_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	return (int)syscall(SYS_capget, &hdr, data);
}

static uint64_t join(uint32_t lo, uint32_t hi)
{
	return (uint64_t)lo | ((uint64_t)hi << 32);
}

static int first_bit(uint64_t v)
{
	return v ? __builtin_ctzll(v) : -1;
}

/* capset(2) failed: find the capability that could not be granted and name it. */
static int capset_error(int e, uint64_t eff, uint64_t prm, uint64_t inh, struct husk_error *err)
{
	struct __user_cap_data_struct cur[2] = {0};
	char buf[16];
	if (capget_raw(cur) == 0) {
		uint64_t cur_prm = join(cur[0].permitted, cur[1].permitted);
		uint64_t cur_inh = join(cur[0].inheritable, cur[1].inheritable);
		uint64_t cur_eff = join(cur[0].effective, cur[1].effective);
		int cap = first_bit(prm & ~cur_prm);
		if (cap >= 0)
			return husk_error_set(err, e, "capset: permitted %s", cap_name(cap, buf, sizeof buf));
		uint64_t inh_ok = cur_inh | cur_prm;
		if (cur_eff & (1ULL << CAP_SETPCAP))
			inh_ok = ~0ULL;
		uint64_t bnd = 0;
		for (int i = 0; i <= caps_last_cap(); i++)
			if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
				bnd |= 1ULL << i;
		cap = first_bit(inh & ~(inh_ok & (cur_inh | bnd)));
		if (cap >= 0)
			return husk_error_set(err, e, "capset: inheritable %s",
					      cap_name(cap, buf, sizeof buf));
	}
	return husk_error_set(err, e, "capset effective=%#llx permitted=%#llx inheritable=%#llx",
			      (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
}

static int raise_ambient(const struct spec_caps *c, uint64_t amb, struct husk_error *err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno == EINVAL && !amb)
			return 0; /* kernel without ambient capabilities, none asked */
		return husk_error_set(err, errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL");
	}
	for (int cap = 0; amb; cap++, amb >>= 1) {
		if (!(amb & 1))
			continue;
		char buf[16];
		/* the kernel only raises what is permitted and inheritable: runc's default spec
		 * lists ambient caps with an empty inheritable set, so this is skipped quietly */
		if (!(c->permitted & c->inheritable & (1ULL << cap))) {
			log_debug("process.capabilities.ambient: %s skipped: not in both the permitted and "
				  "inheritable sets",
				  cap_name(cap, buf, sizeof buf));
			continue;
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			log_warn("process.capabilities.ambient: cannot raise %s: %s",
				 cap_name(cap, buf, sizeof buf), strerror(errno));
	}
	return 0;
}

int caps_apply(const struct spec_caps *c, struct husk_error *err)
{
	if (!c->present)
		return 0;
	uint64_t known = known_mask();
	uint64_t eff = skip_unknown(c->effective, known, "effective");
	uint64_t prm = skip_unknown(c->permitted, known, "permitted");
	uint64_t inh = skip_unknown(c->inheritable, known, "inheritable");
	uint64_t amb = skip_unknown(c->ambient, known, "ambient");

	int cap = first_bit(eff & ~prm);
	if (cap >= 0) {
		char buf[16];
		return husk_error_set(err, 0,
				      "process.capabilities.effective: %s is not in the permitted set",
				      cap_name(cap, buf, sizeof buf));
	}

	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
	    {.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
	    {.effective = (uint32_t)(eff >> 32),
	     .permitted = (uint32_t)(prm >> 32),
	     .inheritable = (uint32_t)(inh >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return capset_error(errno, eff, prm, inh, err);
	return raise_ambient(c, amb, err);
}
