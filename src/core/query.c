/* `state` and `list`. */
#include "core/container.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The OCI state of one container. No state.json yet while another process holds the lock: a
 * create in its first moments (its creator is not recorded yet), not a stopped container. */
static json_t *oci_state(int dirfd, const struct container_state *st, bool busy)
{
	json_t *o = state_to_oci_json(dirfd, st);
	if (busy && st->creator <= 0 && st->pid <= 0)
		json_object_set_new(o, "status", json_string("creating"));
	return o;
}

int container_state(const char *root, const char *id, json_t **out, struct husk_error *err)
{
	bool locked;
	struct container_state st;
	_cleanup_close_ int dirfd = state_load_unlocked(root, id, &locked, &st, err);
	if (dirfd < 0)
		return -1;
	*out = oci_state(dirfd, &st, !locked);
	state_free(&st);
	return 0;
}

int container_list(const char *root, json_t **out, struct husk_error *err)
{
	*out = json_array();
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? 0 : husk_error_set(err, errno, "open state root %s", root);
	DIR *d = fdopendir(rootfd);
	if (!d) {
		close(rootfd);
		return husk_error_set(err, errno, "read state root %s", root);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || state_validate_id(de->d_name, NULL) < 0)
			continue;
		struct husk_error e;
		bool locked;
		_cleanup_close_ int cfd = state_open_dir_try(dirfd(d), de->d_name, false, 0, &locked, &e);
		if (cfd < 0)
			continue;
		struct container_state st;
		if (state_read(cfd, de->d_name, &st, &e) < 0) {
			log_warn("%s", e.msg);
			continue;
		}
		json_array_append_new(*out, oci_state(cfd, &st, !locked));
		state_free(&st);
	}
	closedir(d);
	return 0;
}
