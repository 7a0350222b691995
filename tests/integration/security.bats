#!/usr/bin/env bats
# Regression tests for security defects found in review: host fds reachable through the config
# (process.cwd, process.args[0] as /proc/self/fd/N), fds left to the container when close_range is
# forbidden, a dumpable init before exec, a stale exec fifo, hostname/domainname "" without a UTS
# namespace, oomScoreAdj and rlimits in a user namespace, a joined mount namespace, long and
# missing --pid-file values, ids starting with ".", a cgroup shared with a running container, and
# HOME from the container's /etc/passwd.
# Every victim is a temporary copy: nothing here touches a host binary, the host's hostname or a
# mount namespace other than a private one this test made.
# Runs against any runc-compatible runtime: HUSK=/usr/bin/runc bats tests/integration/security.bats
# (tests marked husk_only are skipped there).

load attrs_helpers

NETNS=
BG_PIDS=()

# is_runc: the runtime under test is runc and husk-only tests are skipped
is_runc() {
	[ "$(basename "$HUSK")" = runc ] && [ -z "${HUSK_ONLY_RUN:-}" ]
}

teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null || true
	cleanup_containers
}

# fds_of PID: the open fd numbers of PID, on one line
fds_of() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | xargs
}

# is_cmd PID WORD: the process's argv[0] is WORD (it has exec'd the container's program)
is_cmd() {
	[ "$(tr '\0' '\n' <"/proc/$1/cmdline" | head -n1)" = "$2" ]
}

# host_dir: a host directory ($TMP/hostdir) with a marker file, HOSTDIR set to it
host_dir() {
	HOSTDIR=$TMP/hostdir
	mkdir -p "$HOSTDIR"
	echo secret >"$HOSTDIR/HOST-MARKER-file"
}

# add_netns: a named network namespace (deleted by teardown); NETNS is its name
add_netns() {
	NETNS=husk-test-$$-sec
	ip netns add "$NETNS"
}

# JOIN_NETNS: jq filter joining the network namespace $NETNS by path (two-stage with a userns)
join_netns() {
	echo ".linux.namespaces |= map(if .type == \"network\" then .path = \"/run/netns/$NETNS\" else . end)"
}

# try_create ARGS...: `husk create ARGS...` with stdio on $TMP/create.out (never a pipe that the
# container's process would hold open); sets status and output like bats' run
try_create() {
	status=0
	husk create "$@" </dev/null >"$TMP/create.out" 2>&1 3>&- || status=$?
	output=$(cat "$TMP/create.out")
}

# --- 1. no host fd reachable through the config -------------------------------------------------

@test "process.cwd /proc/self/fd/N (N = 3..12, caller holds fds 7 and 9): never a host directory" {
	husk_only "runc 1.1.5 predates the CVE-2024-21626 fix; its error does not name process.cwd"
	local n cwd
	host_dir
	# a writable copy: a runtime that creates a missing cwd must not write into the shared image
	# shellcheck disable=SC2016
	attrs_ctr '.process.args = ["sh", "-c", "ls -a; echo \"cwd:$(readlink /proc/self/cwd)\"; echo END"]'
	for n in $(seq 3 12); do
		ID=$(next_id "$B")
		edit_config "$B" ".process.cwd = \"/proc/self/fd/$n\""
		run husk run --bundle "$B" "$ID" </dev/null 3>&- 7</ 9<"$HOSTDIR"
		echo "fd $n: status $status: $output"
		[[ "$output" != *HOST-MARKER* ]]
		if [ "$status" -ne 0 ]; then
			# refused: the error names the field
			[[ "$output" == *process.cwd* ]]
			[[ "$output" != *END* ]]
		else
			# ran: the cwd is inside the container's root
			cwd=$(grep '^cwd:' <<<"$output")
			[[ "$cwd" == cwd:/* ]]
			[[ "$cwd" != *unreachable* ]]
			grep -qx END <<<"$output"
		fi
		husk delete --force "$ID" >/dev/null 2>&1 || true
		assert_no_leftovers "$ID"
	done
	# and the host directory is as it was
	[ "$(find "$HOSTDIR" -mindepth 1 -printf '%f\n')" = HOST-MARKER-file ]
}

@test "process.args[0] /proc/self/fd/N/sh (N = 3..12, a host busybox copy): create or start fails" {
	local n sum
	host_dir
	cp "$IMAGE/bin/busybox" "$HOSTDIR/sh"
	chmod 755 "$HOSTDIR/sh"
	sum=$(sha256sum <"$HOSTDIR/sh")
	make_ctr
	for n in $(seq 3 12); do
		ID=$(next_id "$B")
		edit_config "$B" ".process.args = [\"/proc/self/fd/$n/sh\", \"-c\",
			\"echo HOST-EXE; cat /proc/self/exe > /proc/self/fd/$n/sh.copy\"]"
		try_create --bundle "$B" "$ID" 7</ 9<"$HOSTDIR"
		mv "$TMP/create.out" "$TMP/out.$n"
		echo "fd $n: create: $status; $output"
		if [ "$status" -eq 0 ]; then
			run husk start "$ID"
			echo "fd $n: start: $status $output"
			wait_status "$ID" stopped || true
			cat "$TMP/out.$n"
			[ "$status" -ne 0 ]
		else
			# a clear error: it names the executable
			[[ "$output" == *"/proc/self/fd/$n/sh"* ]]
		fi
		[ "$(grep -c HOST-EXE "$TMP/out.$n")" = 0 ]
		husk delete --force "$ID" >/dev/null 2>&1 || true
		assert_no_leftovers "$ID"
		[ "$(sha256sum <"$HOSTDIR/sh")" = "$sum" ]
		[ "$(find "$HOSTDIR" -mindepth 1 -printf '%f\n' | sort | xargs)" = "HOST-MARKER-file sh" ]
	done
}

@test "fds 7 and 9 of the caller never reach the container, even when seccomp forbids close_range" {
	local nnp pid
	host_dir
	for nnp in false true; do
		make_ctr "$SLEEP | .process.noNewPrivileges = $nnp
			| .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
				\"syscalls\": [{\"names\": [\"close_range\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"
		husk create --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&- 7</ 9<"$HOSTDIR" || {
			cat "$TMP/out"
			return 1
		}
		pid=$(state_field "$ID" pid)
		husk start "$ID"
		wait_for is_cmd "$pid" sleep
		echo "noNewPrivileges $nnp: fds $(fds_of "$pid"); $(ls -l "/proc/$pid/fd")"
		[ "$(fds_of "$pid")" = "0 1 2" ]
		# the filter is in force
		grep -E '^Seccomp:\s+2$' "/proc/$pid/status"
		husk delete --force "$ID"
		assert_no_leftovers "$ID"
	done
}

# --- 2. the waiting init is not dumpable --------------------------------------------------------

@test "a container in the created init's pid namespace cannot open its fds or exe" {
	husk_only "runc 1.1's init is dumpable while it waits for start"
	local pida
	make_ctr
	husk create --bundle "$B" "$ID" </dev/null >"$TMP/a.out" 2>&1 3>&- || {
		cat "$TMP/a.out"
		return 1
	}
	pida=$(state_field "$ID" pid)
	[ "$(state_field "$ID" status)" = created ]
	# shellcheck disable=SC2016
	make_ctr ".linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$pida/ns/pid\" else . end)
		| .process.args = [\"sh\", \"-c\", \"echo status:\$(head -n1 /proc/1/status);
			ls /proc/1/fd | xargs echo fds:; ls -l /proc/1/fd /proc/1/cwd /proc/1/root 2>&1;
			for l in /proc/1/exe /proc/1/cwd /proc/1/root /proc/1/fd/*; do
				t=\$(readlink \$l) && echo readable:\$l:\$t || echo denied:\$l;
				cat \$l/. >/dev/null 2>&1 && echo opened:\$l;
			done; echo END\"]"
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "$status: $output"
	[ "$status" -eq 0 ]
	grep -qx END <<<"$output"
	# it does see the waiting init as its pid 1
	grep -q '^status:Name:' <<<"$output"
	# ...but none of its links: exe, cwd, root, fds
	grep -qx denied:/proc/1/exe <<<"$output"
	grep -qx denied:/proc/1/cwd <<<"$output"
	grep -qx denied:/proc/1/root <<<"$output"
	[ "$(grep -cE '^(readable|opened):' <<<"$output")" = 0 ]
	[[ "$output" != *exec.fifo* ]]
	[[ "$output" != *"$ROOT"* ]]
	[[ "$output" != *"$REPO"* ]]
	[[ "$output" != *"$TMP"* ]]
}

# --- 3. a stale exec fifo -----------------------------------------------------------------------

@test "a stale exec.fifo in a running container's state dir: state says running, start fails fast" {
	husk_only "runc 1.1 says created as long as exec.fifo exists, and its start hangs"
	local pid
	make_ctr
	husk create --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&-
	husk start "$ID"
	wait_status "$ID" running
	pid=$(state_field "$ID" pid)
	# as if a start had been killed after the init's byte but before the fifo was removed
	[ ! -e "$ROOT/$ID/exec.fifo" ]
	mkfifo "$ROOT/$ID/exec.fifo"
	run timeout 5 "$HUSK" --root "$ROOT" state "$ID"
	echo "state: $status $output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	run timeout 15 "$HUSK" --root "$ROOT" start "$ID"
	echo "start: $status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *running* || "$output" == *"already started"* ]]
	# the container is unharmed
	[ "$(state_field "$ID" status)" = running ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
	[ -e "/proc/$pid" ]
}

# --- 4. hostname/domainname "" without a UTS namespace ------------------------------------------

# in_private_utsns FILTER: run the container (jq FILTER on a config without a uts namespace) in a
# private UTS namespace whose names are sandbox-uts / sandbox-dom; print run's status and the
# names afterwards. Refuses to run anything if the UTS namespace is the caller's.
in_private_utsns() {
	make_ctr "del(.linux.namespaces[] | select(.type == \"uts\")) | del(.hostname)
		| .process.args = [\"true\"] | $1"
	# shellcheck disable=SC2016
	HUSK=$HUSK ROOT=$ROOT B=$B ID=$ID OUTER=$(readlink /proc/self/ns/uts) unshare -u bash -c '
		[ "$(readlink /proc/self/ns/uts)" != "$OUTER" ] || { echo "no private uts namespace"; exit 99; }
		hostname sandbox-uts && domainname sandbox-dom || exit 98
		"$HUSK" --root "$ROOT" run --bundle "$B" "$ID" </dev/null 3>&- 2>&1
		echo "run:$?"
		echo "hostname:$(hostname)"
		echo "domainname:$(cat /proc/sys/kernel/domainname)"'
}

@test "hostname \"\" without a uts namespace leaves the hostname alone" {
	run in_private_utsns '.hostname = ""'
	echo "$status: $output"
	[ "$status" -eq 0 ]
	grep -qx hostname:sandbox-uts <<<"$output"
	grep -qx domainname:sandbox-dom <<<"$output"
}

@test "domainname \"\" without a uts namespace leaves the domainname alone" {
	run in_private_utsns '.domainname = ""'
	echo "$status: $output"
	[ "$status" -eq 0 ]
	grep -qx hostname:sandbox-uts <<<"$output"
	grep -qx domainname:sandbox-dom <<<"$output"
}

# --- 5. oomScoreAdj with a user namespace -------------------------------------------------------

@test "process.oomScoreAdj 500 with a user namespace: one clone and two-stage (joined netns)" {
	local mode
	add_netns
	for mode in one-clone two-stage; do
		# (runc 1.1 cannot mount sysfs when the joined netns is not owned by the new userns)
		[ "$mode" = two-stage ] && is_runc && continue
		case $mode in
		one-clone) make_ctr "$USERNS" ;;
		two-stage) make_ctr "$USERNS | $(join_netns)" ;;
		esac
		edit_config "$B" '.process.oomScoreAdj = 500 | .process.args = ["cat", "/proc/self/oom_score_adj"]'
		run husk run --bundle "$B" "$ID" </dev/null 3>&-
		echo "$mode: $status: $output"
		[ "$status" -eq 0 ]
		[ "$output" = 500 ]
		assert_no_leftovers "$ID"
	done
}

# --- 6. rlimits with a user namespace -----------------------------------------------------------

@test "process.rlimits NOFILE 512/1024 with a user namespace; NOFILE 16 or 8 does not break setup" {
	local mode
	add_netns
	for mode in one-clone two-stage; do
		# (runc 1.1 cannot mount sysfs when the joined netns is not owned by the new userns)
		[ "$mode" = two-stage ] && is_runc && continue
		case $mode in
		one-clone) make_ctr "$USERNS" ;;
		two-stage) make_ctr "$USERNS | $(join_netns)" ;;
		esac
		edit_config "$B" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]
			| .process.args = ["sh", "-c", "ulimit -S -n; ulimit -H -n; grep \"^Max open files\" /proc/self/limits"]'
		run husk run --bundle "$B" "$ID" </dev/null 3>&-
		echo "$mode 512/1024: $status: $output"
		[ "$status" -eq 0 ]
		[ "$(sed -n 1p <<<"$output")" = 512 ]
		[ "$(sed -n 2p <<<"$output")" = 1024 ]
		grep -Eq '^Max open files +512 +1024 +files' <<<"$output"
		assert_no_leftovers "$ID"

		# (runc 1.1 copes with 8: the runtime's own setup must not need more fds than that)
		for n in 16 8; do
			ID=$(next_id "$B")
			edit_config "$B" ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $n, \"hard\": $n}]
				| .process.args = [\"sh\", \"-c\", \"grep '^Max open files' /proc/self/limits; echo fine\"]"
			run husk run --bundle "$B" "$ID" </dev/null 3>&-
			echo "$mode $n: $status: $output"
			[ "$status" -eq 0 ]
			grep -Eq "^Max open files +$n +$n +files" <<<"$output"
			grep -qx fine <<<"$output"
			assert_no_leftovers "$ID"
		done
	done
	# and without a user namespace
	make_ctr '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 8, "hard": 8}] | .process.args = ["true"]'
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "no userns 8: $status: $output"
	[ "$status" -eq 0 ]
}

# --- 7. a mount namespace joined by path --------------------------------------------------------

@test "a mount namespace joined by path: its other processes keep their root" {
	husk_only "runc 1.1 pivots the joined mount namespace, taking its processes along"
	local sp host_root
	unshare -m --propagation private sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	sp=$!
	BG_PIDS+=("$sp")
	wait_for is_cmd "$sp" sleep
	[ "$(ns_of "$sp" mnt)" != "$(ns_of $$ mnt)" ]
	host_root=$(stat -c %d:%i /)
	[ "$(stat -L -c %d:%i "/proc/$sp/root/")" = "$host_root" ]
	make_ctr ".linux.namespaces |= map(if .type == \"mount\" then .path = \"/proc/$sp/ns/mnt\" else . end)"
	try_create --bundle "$B" "$ID"
	echo "create: $status $output"
	if [ "$status" -ne 0 ]; then
		[ "$status" -eq 1 ]
		[[ "$output" == *mount* || "$output" == *mnt* ]]
		[ ! -e "$ROOT/$ID" ]
	else
		husk start "$ID"
	fi
	echo "sleep's root: $(find "/proc/$sp/root/" -mindepth 1 -maxdepth 1 -printf '%f ')"
	[ "$(stat -L -c %d:%i "/proc/$sp/root/")" = "$host_root" ]
	[ -e "/proc/$sp/root/etc/debian_version" ]
	[ -d "/proc/$sp/root$TMP" ]
	husk delete --force "$ID"
	[ "$(stat -L -c %d:%i "/proc/$sp/root/")" = "$host_root" ]
	assert_no_leftovers "$ID"
}

# --- 8, 12. --pid-file values -------------------------------------------------------------------

@test "--pid-file longer than PATH_MAX (one 5000-char name, or 2500 a/ components): exit 1, no state" {
	husk_only "runc's error does not name --pid-file"
	local long deep
	long=$(printf 'p%.0s' $(seq 5000))
	deep=$(printf 'a/%.0s' $(seq 2500))pid
	make_ctr
	for pf in "$long" "$deep" "$TMP/$long"; do
		status=0
		(cd "$TMP" && exec "$HUSK" --root "$ROOT" create --pid-file "$pf" --bundle "$B" "$ID") \
			</dev/null >"$TMP/create.out" 2>&1 3>&- || status=$?
		output=$(cat "$TMP/create.out")
		echo "pid file of ${#pf} chars: $status ${output:0:300}"
		[ "$status" -eq 1 ]
		grep -Eqi 'pid.?file' <<<"$output"
		[ ! -e "$ROOT/$ID" ]
		assert_no_leftovers "$ID"
	done
	[ -z "$(ls -A "$ROOT")" ]
}

@test "--pid-file, --console-socket, --preserve-fds without their argument: a readable usage error" {
	local verb opt
	make_ctr
	for verb in create run; do
		for opt in --pid-file --console-socket --preserve-fds; do
			status=0
			husk "$verb" --bundle "$B" "$opt" </dev/null >"$TMP/usage" 2>&1 3>&- || status=$?
			echo "$verb $opt: $status: $(od -An -c "$TMP/usage")"
			[ "$status" -eq 1 ]
			grep -q -- "${opt#--}" "$TMP/usage"
			# printable ASCII lines only (no NUL or control byte in place of the option's name)
			[ "$(LC_ALL=C tr -d '\n -~' <"$TMP/usage" | wc -c)" = 0 ]
		done
	done
	[ -z "$(ls -A "$ROOT")" ]
}

# --- 9. ids starting with "." -------------------------------------------------------------------

@test "an id starting with \".\" is listed after create, or refused by create" {
	local dot
	# registered first: teardown deletes it before it looks for leftovers of its bundle's id
	dot=".hidden-$HUSK_TEST_RUN-$BATS_TEST_NUMBER"
	register_id "$dot"
	make_ctr
	edit_config "$B" ".linux.cgroupsPath = \"$CG_PARENT/$dot\""
	try_create --bundle "$B" "$dot"
	echo "create: $status $output"
	if [ "$status" -eq 0 ]; then
		run husk list
		echo "$output"
		awk -v id="$dot" '$1 == id { found = 1 } END { exit !found }' <<<"$output"
		run husk list --format json
		jq -e --arg id "$dot" 'map(select(.id == $id)) | length == 1' <<<"$output"
		husk delete --force "$dot"
	else
		[ "$status" -eq 1 ]
		[ -z "$(ls -A "$ROOT")" ]
		run husk list --format json
		[ "$(jq -r --arg id "$dot" 'map(select(.id == $id)) | length' <<<"$output")" = 0 ]
	fi
	assert_no_leftovers "$dot"
	assert_no_leftovers "$ID"
	# "." and ".." are never ids
	for dot in . ..; do
		try_create --bundle "$B" "$dot"
		echo "create $dot: $status $output"
		[ "$status" -eq 1 ]
	done
	[ -z "$(ls -A "$ROOT")" ]
}

# --- 10. a cgroup already in use ----------------------------------------------------------------

@test "cgroupsPath of a running container: a second create fails and the first is unaffected" {
	husk_only "runc 1.1 puts the second container into the populated cgroup"
	local id1 pid1 cg procs_before
	make_ctr
	id1=$ID
	husk create --bundle "$B" "$id1" </dev/null >"$TMP/out" 2>&1 3>&-
	husk start "$id1"
	pid1=$(state_field "$id1" pid)
	cg=$(cgroup_dirs "$id1")
	echo "cgroups: $cg"
	[ -n "$cg" ]
	procs_before=$(for d in $cg; do cat "$d/cgroup.procs"; done | sort -un | xargs)
	[[ " $procs_before " == *" $pid1 "* ]]

	# the same cgroupsPath (husk-test/$id1) for a second container
	ID=$(new_id)
	try_create --bundle "$B" "$ID"
	echo "second create: $status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *cgroup* ]]
	[ ! -e "$ROOT/$ID" ]
	# the first container: still running, same pid, its cgroups and their processes intact
	[ "$(state_field "$id1" status)" = running ]
	[ "$(state_field "$id1" pid)" = "$pid1" ]
	[ "$(cgroup_dirs "$id1")" = "$cg" ]
	[ "$(for d in $cg; do cat "$d/cgroup.procs"; done | sort -un | xargs)" = "$procs_before" ]
	husk delete --force "$id1"
	assert_no_leftovers "$id1"
	assert_no_leftovers "$ID"
}

# --- 11. HOME -----------------------------------------------------------------------------------

@test "HOME when process.env has none: the user's home from the container's /etc/passwd, else /" {
	attrs_ctr '.process.env = ["PATH=/bin"] | .process.args = ["env"]'
	# a home different from the host's root entry, to be sure it is the container's passwd
	sed -i 's|^root:x:0:0:root:/root:|root:x:0:0:root:/home/croot:|' "$B/rootfs/etc/passwd"
	echo 'user42:x:42:42:user42:/home/user42:/bin/sh' >>"$B/rootfs/etc/passwd"
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "root: $status: $output"
	[ "$status" -eq 0 ]
	[ "$(grep '^HOME=' <<<"$output")" = HOME=/home/croot ]

	ID=$(next_id "$B")
	edit_config "$B" '.process.user = {"uid": 42, "gid": 42}'
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "uid 42: $status: $output"
	[ "$status" -eq 0 ]
	[ "$(grep '^HOME=' <<<"$output")" = HOME=/home/user42 ]

	ID=$(next_id "$B")
	edit_config "$B" '.process.user = {"uid": 1234, "gid": 1234}'
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "uid 1234: $status: $output"
	[ "$status" -eq 0 ]
	[ "$(grep '^HOME=' <<<"$output")" = HOME=/ ]

	# an explicit HOME is kept
	ID=$(next_id "$B")
	edit_config "$B" '.process.user = {"uid": 0, "gid": 0} | .process.env += ["HOME=/custom"]'
	run husk run --bundle "$B" "$ID" </dev/null 3>&-
	echo "explicit: $status: $output"
	[ "$status" -eq 0 ]
	[ "$(grep '^HOME=' <<<"$output")" = HOME=/custom ]
}
