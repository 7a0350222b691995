# attrs_helpers.bash -- extras for the attribute suites (namespaces, mounts, devices, process,
# seccomp), on top of helpers.bash. Load with `load attrs_helpers` (it loads helpers).
#
# Env: HUSK_ONLY_RUN=1 runs the husk-only tests even when HUSK is runc (they are skipped there).

load helpers

# attrs_ctr [JQ_FILTER]: like make_ctr (sets ID and B), but the bundle gets its own writable copy
# of the image in B/rootfs (root.path "rootfs", readonly false), so a test may add files and mount
# points without touching the shared image. JQ_FILTER is applied last.
attrs_ctr() {
	make_ctr ".root.path = \"rootfs\" | .root.readonly = false | ${1:-.}" || return 1
	cp -a "$IMAGE" "$B/rootfs"
}

# next_id BUNDLE: a fresh id (registered for teardown) for one more container from BUNDLE; the
# bundle's cgroupsPath follows it, so teardown's leftover check looks at the right cgroup
next_id() {
	local id
	id=$(new_id) || return 1
	edit_config "$1" ".linux.cgroupsPath = \"$CG_PARENT/$id\"" || return 1
	echo "$id"
}

# husk_only REASON: the test asks more than runc 1.1 does; skipped when HUSK is runc
husk_only() {
	if [ "$(basename "$HUSK")" = runc ] && [ -z "${HUSK_ONLY_RUN:-}" ]; then
		skip "husk-only: $1"
	fi
}

# edit_config BUNDLE JQ_FILTER: rewrite BUNDLE/config.json in place
edit_config() {
	jq "$2" "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# script BUNDLE PATH TEXT: write an executable /bin/sh script at PATH in BUNDLE's own rootfs; its
# stderr goes to stdout, so error messages keep their place among the output lines
script() {
	printf '#!/bin/sh\nexec 2>&1\n%s\n' "$3" >"$1/rootfs$2"
	chmod 755 "$1/rootfs$2"
}

# run_detached ID BUNDLE: `run -d`, stdio off the terminal; PID = the container's host pid
run_detached() {
	husk run -d --bundle "$2" "$1" </dev/null >/dev/null 2>"$TMP/$1.err" || {
		cat "$TMP/$1.err" >&2
		return 1
	}
	PID=$(state_field "$1" pid)
	[ -n "$PID" ] && [ "$PID" -gt 0 ]
}

# wait_for CMD...: retry CMD for up to 5 s
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# userns_reachable DIR: let any uid search DIR and its parents (bats makes its tmp dirs 0700), so a
# container whose root is mapped to an unprivileged host uid can reach a bundle or bind source there
userns_reachable() {
	local d
	d=$(realpath "$1")
	while [ "$d" != / ]; do
		[ -n "$(find "$d" -maxdepth 0 -perm -o=x)" ] || chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# USERNS: jq filter adding a user namespace that maps 0..65535 to host 100000..165535
USERNS='.linux.namespaces += [{"type":"user"}]
	| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
	| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'

# SLEEP: jq filter for a plain long-running process (host pid = the sleep itself)
SLEEP='.process.args = ["sleep","1000"]'

# mnt_info PID MOUNTPOINT: "FSTYPE MOUNT-OPTS SUPER-OPTS OPTIONAL-FIELDS," of the topmost mount at
# MOUNTPOINT in /proc/PID/mountinfo (mount points are relative to the process's root)
mnt_info() {
	awk -v mp="$2" '$5 == mp {
		opt = ""
		for (i = 7; $i != "-"; i++)
			opt = opt $i ","
		line = $(i + 1) " " $6 " " $(i + 3) " " opt
	} END { if (line == "") exit 1; print line }' "/proc/$1/mountinfo"
}

# in_private_mntns SCRIPT: run bash SCRIPT in a new, rprivate mount namespace with husk() usable;
# whatever it mounts goes away with it and never shows on the host
in_private_mntns() {
	export -f husk
	HUSK=$HUSK ROOT=$ROOT unshare -m --propagation private bash -c "$1"
}
