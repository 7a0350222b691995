/* OCI mount options -> mount(2) flags, mount_setattr(2) attributes and data (see mount_opts.h). */
#include "linux/mount_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

struct flag_opt {
	const char *name;
	unsigned long set, clear;
	bool atime;
};

static const struct flag_opt flag_opts[] = {
    {"defaults", 0, 0, false},
    {"ro", MS_RDONLY, 0, false},
    {"rw", 0, MS_RDONLY, false},
    {"suid", 0, MS_NOSUID, false},
    {"nosuid", MS_NOSUID, 0, false},
    {"dev", 0, MS_NODEV, false},
    {"nodev", MS_NODEV, 0, false},
    {"exec", 0, MS_NOEXEC, false},
    {"noexec", MS_NOEXEC, 0, false},
    {"sync", MS_SYNCHRONOUS, 0, false},
    {"async", 0, MS_SYNCHRONOUS, false},
    {"dirsync", MS_DIRSYNC, 0, false},
    {"remount", MS_REMOUNT, 0, false},
    {"mand", MS_MANDLOCK, 0, false},
    {"nomand", 0, MS_MANDLOCK, false},
    {"atime", 0, MS_NOATIME, true},
    {"noatime", MS_NOATIME, 0, true},
    {"diratime", 0, MS_NODIRATIME, false},
    {"nodiratime", MS_NODIRATIME, 0, false},
    {"relatime", MS_RELATIME, 0, true},
    {"norelatime", 0, MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, 0, true},
    {"nostrictatime", 0, MS_STRICTATIME, true},
    {"symfollow", 0, MS_NOSYMFOLLOW, false},
    {"nosymfollow", MS_NOSYMFOLLOW, 0, false},
    {"bind", MS_BIND, 0, false},
    {"rbind", MS_BIND | MS_REC, 0, false},
};

struct prop_opt {
	const char *name;
	unsigned long flags;
};

static const struct prop_opt prop_opts[] = {
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive (mount_setattr) options. An atime mode replaces the whole MOUNT_ATTR__ATIME field;
 * the negative atime forms fall back to the kernel default, relatime. */
struct rec_opt {
	const char *name;
	uint64_t set, clear;
};

static const struct rec_opt rec_opts[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnorelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
};

static bool apply_flag_opt(const char *o, struct mount_opts *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++) {
		const struct flag_opt *f = &flag_opts[i];
		if (strcmp(o, f->name) != 0)
			continue;
		out->flags = (out->flags | f->set) & ~f->clear;
		out->clear_flags = (out->clear_flags | f->clear) & ~f->set;
		if (f->atime)
			out->has_atime = true;
		if (f->set & MS_BIND) {
			out->bind = true;
			out->rbind = out->rbind || (f->set & MS_REC);
		}
		return true;
	}
	return false;
}

static bool apply_prop_opt(const char *o, struct mount_opts *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(prop_opts); i++) {
		if (strcmp(o, prop_opts[i].name) == 0) {
			out->propagation = prop_opts[i].flags;
			return true;
		}
	}
	return false;
}

static bool apply_rec_opt(const char *o, struct mount_opts *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(rec_opts); i++) {
		const struct rec_opt *r = &rec_opts[i];
		if (strcmp(o, r->name) != 0)
			continue;
		if (r->clear == MOUNT_ATTR__ATIME) {
			/* the kernel wants the whole atime field cleared and one mode set */
			out->rec_attr_set = (out->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | r->set;
			out->rec_attr_clr |= MOUNT_ATTR__ATIME;
		} else {
			out->rec_attr_set = (out->rec_attr_set | r->set) & ~r->clear;
			out->rec_attr_clr = (out->rec_attr_clr | r->clear) & ~r->set;
		}
		return true;
	}
	return false;
}

static int append_data(struct mount_opts *out, const char *o)
{
	size_t old = out->data ? strlen(out->data) : 0, len = strlen(o);
	char *d = realloc(out->data, old + len + 2);
	if (!d)
		return -1;
	if (old)
		d[old++] = ',';
	memcpy(d + old, o, len + 1);
	out->data = d;
	return 0;
}

int mount_opts_parse(char *const *options, struct mount_opts *out, struct husk_error *err)
{
	*out = (struct mount_opts){0};
	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];
		if (!*o || apply_flag_opt(o, out) || apply_prop_opt(o, out) || apply_rec_opt(o, out))
			continue;
		if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
			mount_opts_free(out);
			return husk_error_set(
			    err, 0, "mount option \"%s\": idmapped mounts are not supported yet", o);
		}
		if (strcmp(o, "tmpcopyup") == 0) {
			log_debug("mount option \"tmpcopyup\" ignored");
			continue;
		}
		if (append_data(out, o) < 0) {
			mount_opts_free(out);
			return husk_error_set(err, ENOMEM, "mount option \"%s\"", o);
		}
	}
	return 0;
}

void mount_opts_free(struct mount_opts *o)
{
	if (!o)
		return;
	free(o->data);
	o->data = NULL;
}
