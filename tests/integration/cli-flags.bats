#!/usr/bin/env bats
# The create/run command-line flags and the process plumbing around them: --console-socket (with
# tests/helpers/recvtty), --pid-file, --preserve-fds, fd hygiene, --no-new-keyring, --no-pivot,
# signal forwarding and exit codes of `run`, kill --all without a pid namespace, the two-stage
# start (new user namespace + joined namespaces), --log/--log-format, and a runtime killed in the
# middle of create.
# Runs against any runc-compatible runtime: HUSK=/usr/bin/runc bats tests/integration/cli-flags.bats
# (tests marked husk_only are skipped there).

load attrs_helpers

setup_file() {
	local h=$BATS_TEST_DIRNAME/../helpers
	cc -O2 -Wall -Werror -o "$BATS_FILE_TMPDIR/recvtty" "$h/recvtty.c"
	cc -O2 -Wall -Werror -static -o "$BATS_FILE_TMPDIR/keyring-id" "$h/keyring-id.c"
}

RECVTTY=$BATS_FILE_TMPDIR/recvtty
KEYRING_ID=$BATS_FILE_TMPDIR/keyring-id
NETNS=
BG_PIDS=()

teardown() {
	local p
	# background helpers and runtimes this test started and that are still this shell's running
	# jobs (by pid), then the containers
	for p in $(jobs -p); do
		if [[ " ${BG_PIDS[*]} " == *" $p "* ]]; then
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null || true
	cleanup_containers
}

# spawn CMD...: run CMD in the background (stdin /dev/null, bats' fd 3 closed); its pid in BGPID,
# killed by teardown if still running
spawn() {
	"$@" </dev/null 3>&- &
	BGPID=$!
	BG_PIDS+=("$BGPID")
}

# wait_rc PID: wait for a background job; its exit status in RC
wait_rc() {
	RC=0
	wait "$1" || RC=$?
}

# cg_procs ID: every pid in the container's cgroups (all hierarchies, from state.json: husk's
# cgroup.dirs, or runc's cgroup_paths)
cg_procs() {
	local d
	jq -r '(.cgroup.dirs[]? | .mountpoint + .path), (.cgroup_paths[]?)' "$ROOT/$1/state.json" |
		while read -r d; do
			cat "$d/cgroup.procs" 2>/dev/null
		done | sort -un
}

# fds_of PID: the open fd numbers of PID, on one line
fds_of() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | xargs
}

# is_cmd PID WORD: the process's argv[0] is WORD (it has exec'd the container's program)
is_cmd() {
	[ "$(tr '\0' '\n' <"/proc/$1/cmdline" | head -n1)" = "$2" ]
}

# start_recvtty SOCK OUT [ARGS...]: recvtty listening at SOCK, copying the console to OUT
start_recvtty() {
	local sock=$1 out=$2
	shift 2
	spawn "$RECVTTY" "$sock" --out "$out" --timeout 20 "$@" 2>"$out.err"
	RECVTTY_PID=$BGPID
	wait_for test -S "$sock"
}

# --- --console-socket ---------------------------------------------------------------------------

@test "--console-socket: the pty master arrives; tty, TERM and consoleSize inside; /dev/console" {
	local sock=$TMP/console.sock out=$TMP/tty.out pid tty n
	# shellcheck disable=SC2016
	make_ctr '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}
		| .process.env = ["PATH=/bin", "TERM=husk-vt"]
		| .process.args = ["sh", "-c", "tty; echo TERM=$TERM; stty size; echo done; exec sleep 1000"]'
	start_recvtty "$sock" "$out"
	husk create --console-socket "$sock" --bundle "$B" "$ID" </dev/null >"$TMP/create.out" 2>&1 3>&- || {
		cat "$TMP/create.out"
		return 1
	}
	pid=$(state_field "$ID" pid)
	# already at create: /dev/console is a bind mount of a pty slave (devpts)
	run awk '$5 == "/dev/console" { root = $4; for (i = 7; $i != "-"; i++); fs = $(i + 1) }
		END { print fs, root }' "/proc/$pid/mountinfo"
	echo "/dev/console: $output"
	[[ "$output" =~ ^devpts\ /([0-9]+)$ ]]
	n=${BASH_REMATCH[1]}
	husk start "$ID"
	wait_for grep -q 'done' "$out"
	tr -d '\r' <"$out" >"$out.clean"
	cat "$out.err" "$out.clean"
	grep -q '^payload: ' "$out.err"
	# the process's stdio is the same pty as /dev/console: /dev/pts/N
	tty=$(sed -n 1p "$out.clean")
	[ "$tty" = "/dev/pts/$n" ]
	[ "$(sed -n 2p "$out.clean")" = TERM=husk-vt ]
	[ "$(sed -n 3p "$out.clean")" = "30 100" ]
	# stdio: exactly 0, 1, 2 (nothing of the runtime leaked), all the pty
	wait_for is_cmd "$pid" sleep
	[ "$(fds_of "$pid")" = "0 1 2" ]
	[ "$(stat -L -c %t:%T "/proc/$pid/fd/0")" = "$(stat -L -c %t:%T "/proc/$pid/fd/2")" ]
	[ "$(stat -L -c %t "/proc/$pid/fd/0")" = 88 ] # 136: a Unix98 pty slave (hex 88)
	# the pty is the controlling terminal: field 7 of stat (tty_nr) is set
	[ "$(awk '{ print $7 }' "/proc/$pid/stat")" != 0 ]
	# when the container ends, every slave closes and recvtty sees EOF/EIO
	husk kill "$ID" KILL
	wait_rc "$RECVTTY_PID"
	[ "$RC" -eq 0 ]
}

@test "--console-socket: input typed into the master reaches the process" {
	local sock=$TMP/console.sock out=$TMP/tty.out
	# shellcheck disable=SC2016
	make_ctr '.process.terminal = true
		| .process.args = ["sh", "-c", "read -r line; echo \"got:$line\""]'
	start_recvtty "$sock" "$out" --input $'hello husk\n'
	husk create --console-socket "$sock" --bundle "$B" "$ID" </dev/null >"$TMP/create.out" 2>&1 3>&-
	husk start "$ID"
	wait_rc "$RECVTTY_PID"
	cat "$out"
	[ "$RC" -eq 0 ]
	grep -q 'got:hello husk' "$out"
	wait_status "$ID" stopped
}

@test "process.terminal without --console-socket fails, naming the flag, and leaves nothing" {
	make_ctr '.process.terminal = true | .process.args = ["true"]'
	run husk create --bundle "$B" "$ID"
	echo "$status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *--console-socket* ]] ||
		[[ "$(basename "$HUSK")" == runc && "$output" == *"console socket"* ]]
	assert_no_leftovers "$ID"
	run husk state "$ID"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT")" ]
}

@test "--console-socket to a socket nobody listens on fails, naming it, and leaves nothing" {
	make_ctr '.process.terminal = true | .process.args = ["true"]'
	run husk create --console-socket "$TMP/nobody.sock" --bundle "$B" "$ID"
	echo "$status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/nobody.sock"* ]]
	assert_no_leftovers "$ID"
	[ -z "$(ls -A "$ROOT")" ]
}

# --- --pid-file ---------------------------------------------------------------------------------

@test "--pid-file: relative to the caller's cwd (not the bundle) and absolute; the init's pid" {
	local pid
	make_ctr
	mkdir "$TMP/cwd"
	(cd "$TMP/cwd" && husk create --pid-file rel.pid --bundle "$B" "$ID" </dev/null >/dev/null 2>&1 3>&-)
	# written when create returns
	[ -s "$TMP/cwd/rel.pid" ]
	[ ! -e "$B/rel.pid" ]
	pid=$(state_field "$ID" pid)
	[ "$(cat "$TMP/cwd/rel.pid")" = "$pid" ]
	# the container's init: PID 1 of its pid namespace
	grep -E "^NSpid:\s+$pid\s+1$" "/proc/$pid/status"

	make_ctr
	mkdir "$TMP/abs"
	echo garbage-to-be-replaced >"$TMP/abs/ctr.pid"
	husk_run_detached --pid-file "$TMP/abs/ctr.pid" --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	[ "$(cat "$TMP/abs/ctr.pid")" = "$pid" ]
	grep -E "^NSpid:\s+$pid\s+1$" "/proc/$pid/status"
}

@test "--pid-file in a missing directory: create fails and leaves nothing" {
	make_ctr
	run husk create --pid-file "$TMP/no-such-dir/pid" --bundle "$B" "$ID"
	echo "$status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *no-such-dir* ]]
	assert_no_leftovers "$ID"
	[ -z "$(ls -A "$ROOT")" ]
}

# --- fds ----------------------------------------------------------------------------------------

@test "--preserve-fds 2: fds 3 and 4 reach the process, fd 5 does not" {
	local pid
	# shellcheck disable=SC2016
	make_ctr '.process.args = ["sh", "-c",
		"(echo leaked >&5) 2>/dev/null; echo via-fd3 >&3; read -r l <&4; echo \"read:$l\" >&3; exec sleep 1000"]'
	echo line-from-fd4 >"$TMP/in4"
	husk create --preserve-fds 2 --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 \
		3>"$TMP/out3" 4<"$TMP/in4" 5>"$TMP/out5"
	husk start "$ID"
	pid=$(state_field "$ID" pid)
	wait_for grep -q read:line-from-fd4 "$TMP/out3"
	cat "$TMP/out3"
	[ "$(head -n1 "$TMP/out3")" = via-fd3 ]
	wait_for is_cmd "$pid" sleep
	[ "$(fds_of "$pid")" = "0 1 2 3 4" ]
	[ "$(readlink "/proc/$pid/fd/3")" = "$TMP/out3" ]
	[ "$(readlink "/proc/$pid/fd/4")" = "$TMP/in4" ]
	[ ! -s "$TMP/out5" ]
}

@test "no fd leaks: the container process has only 0, 1, 2, and its cwd is inside its root" {
	local pid mode
	for mode in plain userns run-d; do
		case $mode in
		userns) make_ctr "$SLEEP | $USERNS" ;;
		*) make_ctr "$SLEEP" ;;
		esac
		# fds 7 and 8 open in the caller, without --preserve-fds: must not be passed on
		if [ "$mode" = run-d ]; then
			husk run -d --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&- 7>"$TMP/seven" 8</dev/null
		else
			husk create --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&- 7>"$TMP/seven" 8</dev/null
			husk start "$ID"
		fi
		pid=$(state_field "$ID" pid)
		wait_for is_cmd "$pid" sleep
		echo "$mode: fds $(fds_of "$pid"); $(ls -l "/proc/$pid/fd")"
		[ "$(fds_of "$pid")" = "0 1 2" ]
		[ "$(readlink "/proc/$pid/fd/0")" = /dev/null ]
		[ "$(readlink "/proc/$pid/fd/1")" = "$TMP/out" ]
		[ "$(readlink "/proc/$pid/fd/2")" = "$TMP/out" ]
		# CVE-2024-21626: the cwd must not be a host directory
		[ "$(stat -L -c %d:%i "/proc/$pid/cwd")" = "$(stat -L -c %d:%i "/proc/$pid/root")" ]
		husk delete --force "$ID"
	done
}

# --- --no-new-keyring ---------------------------------------------------------------------------

@test "session keyring: a new anonymous one by default, the caller's with --no-new-keyring" {
	local host id1 id2 id3
	attrs_ctr '.process.args = ["/bin/keyring-id"]'
	cp "$KEYRING_ID" "$B/rootfs/bin/keyring-id"
	host=$("$KEYRING_ID")
	echo "caller: $host"

	run husk run --bundle "$B" "$ID" </dev/null
	echo "default: $status $output"
	[ "$status" -eq 0 ]
	id1=$(grep -Eo '^[0-9]+ keyring;.*' <<<"$output")
	[ -n "$id1" ]
	[ "${id1%% *}" != "${host%% *}" ]
	# KEYCTL_JOIN_SESSION_KEYRING: a "_ses" keyring (husk: anonymous; runc: "_ses.ID")
	[[ "$id1" == *";_ses" || "$id1" == *";_ses."* ]]

	run husk run --bundle "$B" "$(next_id "$B")" </dev/null
	[ "$status" -eq 0 ]
	id2=$(grep -Eo '^[0-9]+ keyring;.*' <<<"$output")
	# a fresh one per container
	[ "${id2%% *}" != "${id1%% *}" ]
	[ "${id2%% *}" != "${host%% *}" ]

	run husk run --no-new-keyring --bundle "$B" "$(next_id "$B")" </dev/null
	echo "--no-new-keyring: $status $output"
	[ "$status" -eq 0 ]
	id3=$(grep -Eo '^[0-9]+ keyring;.*' <<<"$output")
	[ "$id3" = "$host" ]
}

# --- --no-pivot ---------------------------------------------------------------------------------

@test "--no-pivot: the container runs in its rootfs and the old root is out of reach" {
	local pid
	attrs_ctr '.process.args = ["/t.sh"]'
	echo outside >"$B/outside-marker"
	echo inside >"$B/rootfs/inside-marker"
	# shellcheck disable=SC2016
	script "$B" /t.sh '
cat /inside-marker
[ "$(stat -c %d:%i /..)" = "$(stat -c %d:%i /)" ] && echo dotdot-is-root
[ "$(stat -L -c %d:%i /proc/1/root)" = "$(stat -c %d:%i /)" ] && echo proc-root-is-root
cd /; cd ../../..; [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ] && echo cd-up-is-root
echo "found:$(find / -path /proc -prune -o -path /sys -prune -o -name outside-marker -print)"
echo finished
exec sleep 1000'
	husk create --no-pivot --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&-
	husk start "$ID"
	pid=$(state_field "$ID" pid)
	wait_for grep -q finished "$TMP/out"
	cat "$TMP/out"
	[ "$(sed -n 1p "$TMP/out")" = inside ]
	grep -qx dotdot-is-root "$TMP/out"
	grep -qx proc-root-is-root "$TMP/out"
	grep -qx cd-up-is-root "$TMP/out"
	grep -qx 'found:' "$TMP/out"
	# seen from the host: its root is the bundle's rootfs, not the host's /
	[ "$(stat -L -c %d:%i "/proc/$pid/root")" = "$(stat -c %d:%i "$B/rootfs")" ]
	[ "$(stat -L -c %d:%i "/proc/$pid/root")" != "$(stat -c %d:%i /)" ]
}

# --- run: signals and exit codes ----------------------------------------------------------------

@test "run forwards SIGUSR1 and SIGTERM to the container; exits with its status" {
	local rp
	# a trap installs a handler: PID 1 of a pid namespace then gets the signal
	make_ctr '.process.args = ["sh", "-c", "trap \"echo got-usr1\" USR1;
		trap \"echo got-term; exit 7\" TERM; echo ready; while :; do sleep 0.05; done"]'
	spawn "$HUSK" --root "$ROOT" run --bundle "$B" "$ID" >"$TMP/out" 2>&1
	rp=$BGPID
	wait_for grep -q ready "$TMP/out"
	kill -USR1 "$rp"
	wait_for grep -q got-usr1 "$TMP/out"
	# still running after USR1
	[ "$(state_field "$ID" status)" = running ]
	kill -TERM "$rp"
	wait_rc "$rp"
	cat "$TMP/out"
	[ "$RC" -eq 7 ]
	grep -qx got-term "$TMP/out"
	assert_no_leftovers "$ID"
	run husk state "$ID"
	[ "$status" -ne 0 ]
}

@test "run without a pid namespace: init killed by the kill verb -> 137, its children go too" {
	local rp procs p
	make_ctr 'del(.linux.namespaces[] | select(.type == "pid"))
		| .process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'
	spawn "$HUSK" --root "$ROOT" run --bundle "$B" "$ID" >"$TMP/out" 2>&1
	rp=$BGPID
	wait_status "$ID" running
	# shellcheck disable=SC2016
	wait_for eval '[ "$(cg_procs "$ID" | wc -l)" -ge 3 ]'
	procs=$(cg_procs "$ID")
	echo "container processes: $procs"
	husk kill "$ID" KILL
	wait_rc "$rp"
	cat "$TMP/out"
	[ "$RC" -eq 137 ]
	for p in $procs; do
		wait_gone "$p"
	done
	assert_no_leftovers "$ID"
}

# --- kill --all without a pid namespace ---------------------------------------------------------

@test "kill --all without a pid namespace: every process of the cgroup is killed" {
	local procs p
	make_ctr 'del(.linux.namespaces[] | select(.type == "pid"))
		| .process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'
	run_detached "$ID" "$B"
	# shellcheck disable=SC2016
	wait_for eval '[ "$(cg_procs "$ID" | wc -l)" -ge 3 ]'
	procs=$(cg_procs "$ID")
	echo "container processes: $procs"
	[ "$(wc -w <<<"$procs")" -eq 3 ]
	husk kill --all "$ID" KILL
	for p in $procs; do
		wait_gone "$p"
	done
	[ -z "$(cg_procs "$ID")" ]
	wait_status "$ID" stopped
	# stopped: a plain delete is enough
	husk delete "$ID"
	assert_no_leftovers "$ID"
}

# --- two-stage start ----------------------------------------------------------------------------

@test "two-stage: new user namespace + network namespace joined by path" {
	husk_only "runc 1.1 cannot mount sysfs when the joined netns is not owned by the new userns"
	local pid
	NETNS=husk-test-$$-ns
	ip netns add "$NETNS"
	make_ctr "$SLEEP | $USERNS | .linux.namespaces |= map(if .type == \"network\"
		then .path = \"/run/netns/$NETNS\" else . end)"
	husk create --pid-file "$TMP/pid" --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&- || {
		cat "$TMP/out"
		return 1
	}
	pid=$(state_field "$ID" pid)
	[ "$(cat "$TMP/pid")" = "$pid" ]
	husk start "$ID"
	wait_for is_cmd "$pid" sleep
	# in the named netns...
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$NETNS")" ]
	# ...with a user namespace of its own and the mapping
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ]
	read -r c h s <"/proc/$pid/uid_map"
	[ "$c $h $s" = "0 100000 65536" ]
	read -r c h s <"/proc/$pid/gid_map"
	[ "$c $h $s" = "0 100000 65536" ]
	grep -E '^Uid:\s+100000\s+100000\s+100000\s+100000$' "/proc/$pid/status"
	# the init is PID 1 of a pid namespace owned by the container's user namespace
	grep -E "^NSpid:\s+$pid\s+1$" "/proc/$pid/status"
	[ "$(lsns -n -o ONS -t pid -p "$pid" | xargs)" = "$(stat -L -c %i "/proc/$pid/ns/user")" ]
	[ "$(lsns -n -o ONS -t mnt -p "$pid" | xargs)" = "$(stat -L -c %i "/proc/$pid/ns/user")" ]
	[ "$(fds_of "$pid")" = "0 1 2" ]
	husk delete --force "$ID"
	assert_no_leftovers "$ID"
}

@test "two-stage: user namespace joined by path of another container" {
	local pid1 pid
	make_ctr "$SLEEP | $USERNS"
	run_detached "$ID" "$B"
	pid1=$PID
	# (the mappings repeat the joined namespace's: runc insists on them)
	make_ctr "$SLEEP | $USERNS | .linux.namespaces |= map(if .type == \"user\"
		then .path = \"/proc/$pid1/ns/user\" else . end)"
	husk create --pid-file "$TMP/pid" --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&- || {
		cat "$TMP/out"
		return 1
	}
	pid=$(state_field "$ID" pid)
	[ "$(cat "$TMP/pid")" = "$pid" ]
	husk start "$ID"
	wait_for is_cmd "$pid" sleep
	[ "$(ns_of "$pid" user)" = "$(ns_of "$pid1" user)" ]
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ]
	# its own pid, mount and net namespaces, owned by the joined user namespace
	for ns in pid mnt net; do
		[ "$(ns_of "$pid" $ns)" != "$(ns_of "$pid1" $ns)" ]
		[ "$(lsns -n -o ONS -t $ns -p "$pid" | xargs)" = "$(stat -L -c %i "/proc/$pid1/ns/user")" ]
	done
	grep -E '^Uid:\s+100000\s+100000\s+100000\s+100000$' "/proc/$pid/status"
	grep -E "^NSpid:\s+$pid\s+1$" "/proc/$pid/status"
	[ "$(fds_of "$pid")" = "0 1 2" ]
}

# --- --log --------------------------------------------------------------------------------------

@test "--log --log-format json/text: an error in the container's init names the executable" {
	make_ctr '.process.args = ["/no-such-exe-husk"]'
	run "$HUSK" --root "$ROOT" --log "$TMP/log.json" --log-format json create --bundle "$B" "$ID"
	echo "json: $status $output"
	cat "$TMP/log.json"
	[ "$status" -eq 1 ]
	# stderr gets it too
	[[ "$output" == *no-such-exe-husk* ]]
	jq -se 'map(select(.level == "error" and (.msg | contains("no-such-exe-husk")))) | length >= 1' \
		"$TMP/log.json"
	assert_no_leftovers "$ID"

	run "$HUSK" --root "$ROOT" --log "$TMP/log.txt" --log-format text create --bundle "$B" "$ID"
	echo "text: $status $output"
	cat "$TMP/log.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *no-such-exe-husk* ]]
	grep -q 'no-such-exe-husk' "$TMP/log.txt"
	grep -i 'error' "$TMP/log.txt" | grep -q no-such-exe-husk
	# text, not JSON
	run grep -c '^{' "$TMP/log.txt"
	[ "$output" = 0 ]
	assert_no_leftovers "$ID"
}

# --- the runtime killed during create -----------------------------------------------------------

@test "create SIGKILLed at 30 random delays in 0-30 ms: delete --force always cleans up" {
	local i delay cp
	make_bundle "$TMP/bundle"
	for i in $(seq 30); do
		ID=$(next_id "$TMP/bundle")
		delay=$(printf '0.%03d' $((RANDOM % 31)))
		"$HUSK" --root "$ROOT" create --bundle "$TMP/bundle" "$ID" </dev/null >/dev/null 2>&1 3>&- &
		cp=$!
		sleep "$delay"
		kill -KILL "$cp" 2>/dev/null || true
		wait "$cp" || true
		run husk delete --force "$ID"
		echo "#$i delay $delay: delete --force: $status $output"
		[ "$status" -eq 0 ]
		[ ! -e "$ROOT/$ID" ]
		[ -z "$(cgroup_dirs "$ID")" ] || {
			echo "leftover cgroups: $(cgroup_dirs "$ID")"
			return 1
		}
		# (runc 1.1.5 fails here: a create killed ~20 ms in can leave a cpuset cgroup behind)
	# an orphaned init notices its parent's death (EOF on the sync socket) and exits
		for _ in $(seq 100); do [ -z "$(procs_of "$ID")" ] && break; sleep 0.02; done
		assert_no_leftovers "$ID"
	done
}

# stop_create_early ID BUNDLE: start `create ID` in the background and SIGSTOP it as soon as its
# state directory appears, before it has written the container's pid (retried a few times, as it
# is a race); CP is the stopped runtime's pid, killed by teardown. Returns 1 when it never worked.
stop_create_early() {
	local try st end
	for try in 1 2 3 4 5; do
		end=$((SECONDS + 5))
		"$HUSK" --root "$ROOT" create --bundle "$2" "$1" </dev/null >/dev/null 2>&1 3>&- &
		CP=$!
		# bash builtins only: polls in microseconds
		while [ ! -e "$ROOT/$1" ] && [ -e "/proc/$CP" ] && [ "$SECONDS" -lt "$end" ]; do :; done
		kill -STOP "$CP"
		BG_PIDS+=("$CP")
		st=$(cat "$ROOT/$1/state.json" 2>/dev/null || echo '{"pid": 0}')
		[ "$(jq -r .pid <<<"$st")" = 0 ] && return 0
		echo "try $try: stopped too late: $st"
		kill -KILL "$CP"
		wait "$CP" || true
		husk delete --force "$1"
	done
	return 1
}

@test "create SIGKILLed before it wrote a pid: list says creating, then stopped; plain delete works" {
	husk_only "runc 1.1 says \"container does not exist\" until state.json is written"
	make_bundle "$TMP/bundle"
	ID=$(next_id "$TMP/bundle")
	stop_create_early "$ID" "$TMP/bundle" || skip "could not stop the runtime before it wrote the pid"
	# the creator lives (stopped): creating; list and state must not block behind its lock
	run timeout 5 "$HUSK" --root "$ROOT" list --format json
	echo "list while the creator lives: $status $output"
	[ "$status" -eq 0 ]
	jq -e --arg id "$ID" '.[] | select(.id == $id) | .status == "creating"' <<<"$output"
	run timeout 5 "$HUSK" --root "$ROOT" state "$ID"
	echo "state while the creator lives: $status $output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = creating ]

	kill -KILL "$CP"
	wait "$CP" || true
	run timeout 5 "$HUSK" --root "$ROOT" list
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E "^${ID}[[:space:]]+0[[:space:]]+stopped" <<<"$output"
	run timeout 5 "$HUSK" --root "$ROOT" delete "$ID"
	echo "delete: $status $output"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
	for _ in $(seq 100); do [ -z "$(procs_of "$ID")" ] && break; sleep 0.02; done
	assert_no_leftovers "$ID"
}

@test "delete while the creating runtime is stuck: plain delete refuses at once, --force does not hang" {
	husk_only "runc 1.1 says \"container does not exist\" until state.json is written"
	make_bundle "$TMP/bundle"
	ID=$(next_id "$TMP/bundle")
	stop_create_early "$ID" "$TMP/bundle" || skip "could not stop the runtime before it wrote the pid"
	run timeout 5 "$HUSK" --root "$ROOT" delete "$ID"
	echo "delete while creating: $status $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *creat* ]]
	[ -d "$ROOT/$ID" ]
	run timeout 10 "$HUSK" --root "$ROOT" delete --force "$ID"
	echo "delete --force while creating: $status $output"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
	for _ in $(seq 100); do [ -z "$(procs_of "$ID")" ] && break; sleep 0.02; done
	assert_no_leftovers "$ID"
}

@test "run with process.terminal and no --console-socket: husk's own pty, input and exit status pass through" {
	make_ctr '.process.terminal = true | .process.args = ["sh"]'
	# script(1) gives husk a terminal of its own; the container's shell reads the typed line
	run timeout 30 script -qec "$HUSK --root $ROOT run --bundle $B $ID" /dev/null \
		< <(printf 'tty; echo typed-$((6*7)); exit 3\n')
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *typed-42* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "run --detach with process.terminal and no --console-socket is refused, nothing left" {
	make_ctr '.process.terminal = true | .process.args = ["sh"]'
	run husk run --detach --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *console-socket* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "--systemd-cgroup is accepted but refused clearly for create and run; nothing left" {
	husk_only "runc implements the systemd driver"
	make_ctr '.process.args = ["true"]'
	run "$HUSK" --root "$ROOT" --systemd-cgroup create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--systemd-cgroup"*"not supported"* ]]
	[ ! -e "$ROOT/$ID" ]
	run "$HUSK" --root "$ROOT" --systemd-cgroup run --bundle "$B" "$ID"
	[ "$status" -eq 1 ]
	# the read-only verbs work with it (podman passes it to every call)
	run "$HUSK" --root "$ROOT" --systemd-cgroup list -q
	[ "$status" -eq 0 ]
}
