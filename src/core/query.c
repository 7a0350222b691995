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
#include <unistd.h>

int container_state(const char *root, const char *id, json_t **out, struct husk_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	_cleanup_close_ int rootfd = state_open_root(root, false, err);
	if (rootfd < 0)
		return husk_error_set(err, 0, "container \"%s\" does not exist", id);
	_cleanup_close_ int dirfd = state_open_dir(rootfd, id, false, err);
	if (dirfd < 0)
		return -1;
	struct container_state st;
	if (state_read(dirfd, id, &st, err) < 0)
		return -1;
	*out = state_to_oci_json(dirfd, &st);
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
		if (de->d_name[0] == '.' || state_validate_id(de->d_name, NULL) < 0)
			continue;
		struct husk_error e;
		_cleanup_close_ int cfd = state_open_dir(dirfd(d), de->d_name, false, &e);
		if (cfd < 0)
			continue;
		struct container_state st;
		if (state_read(cfd, de->d_name, &st, &e) < 0) {
			log_warn("%s", e.msg);
			continue;
		}
		json_array_append_new(*out, state_to_oci_json(cfd, &st));
		state_free(&st);
	}
	closedir(d);
	return 0;
}
