#!/usr/bin/env bats
# husk-v2.bats -- husk's cgroup placement on a pure cgroup v2 host.
#
# Runs INSIDE the throw-away v2 VM (tests/v2/run.sh boots it through run-in-v2vm.sh), as root, cwd
# /payload. The payload holds the busybox rootfs (rootfs/) and one bundle per config variant
# (bundles/NAME/config.json, made with jq on the host: the VM has no jq).
# Env: HUSK_BIN (the husk binary copied into the VM; husk-oci is made as a symlink to it).
#
# The suite first moves itself into the leaf cgroup /husk-v2-tests, so a relative cgroupsPath
# ("beneath the runtime's own cgroup") resolves to /sys/fs/cgroup/husk-v2-tests/...
# shellcheck disable=SC2086,SC2034 # PID lists are split on purpose; poll loops count with i

CG=/sys/fs/cgroup
OWN=/husk-v2-tests
ROOT=/tmp/husk-v2-root
BUNDLES=/payload/bundles
HUSK_OCI=/tmp/husk-v2-bin/husk-oci

setup_file() {
	mkdir -p "$CG$OWN"
	echo $$ >"$CG$OWN/cgroup.procs"
	mkdir -p /tmp/husk-v2-bin
	ln -sf "${HUSK_BIN:?HUSK_BIN not set}" "$HUSK_OCI"
}

setup() {
	# every process of the test (and husk) must be beneath $OWN
	echo "$BASHPID" >"$CG$OWN/cgroup.procs"
	IDS=()
}

teardown() {
	local id d
	for id in "${IDS[@]}"; do
		husk delete --force "$id" >/dev/null 2>&1 || true
	done
	# what husk failed to remove (the test has failed already): keep the next tests independent
	for d in "$CG$OWN/husk-test" "$CG$OWN/husk" "$CG/husk-abs-test"; do
		[ -d "$d" ] || continue
		echo "# teardown: removing the leftover cgroup $d" >&3
		echo 1 >"$d/cgroup.kill"
		sleep 0.2
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
}

husk() {
	"$HUSK_OCI" --root "$ROOT" "$@"
}

# start_detached ID BUNDLE: `run -d`, stdio to a log (a detached container must not hold bats' pipes)
start_detached() {
	IDS+=("$1")
	husk run -d --bundle "$BUNDLES/$2" "$1" </dev/null >"$BATS_TEST_TMPDIR/$1.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/$1.log"
		return 1
	}
}

# create_ctr ID BUNDLE: `create`, the container's stdout+stderr go to $BATS_TEST_TMPDIR/ID.log
create_ctr() {
	IDS+=("$1")
	husk create --bundle "$BUNDLES/$2" "$1" </dev/null >"$BATS_TEST_TMPDIR/$1.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/$1.log"
		return 1
	}
}

# state_field ID FIELD: a string or number field of `husk state ID` (no jq in the VM)
state_field() {
	husk state "$1" | sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" | head -1
}

ctr_pid() {
	state_field "$1" pid
}

# wait_status ID STATUS: poll `state` for up to 10 s
wait_status() {
	local i s
	for i in $(seq 100); do
		s=$(state_field "$1" status)
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1: status '$s', expected '$2'"
	return 1
}

# alive PID: the process exists and is not a zombie
alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone PID...: all of them dead within 5 s
wait_gone() {
	local i p left
	for i in $(seq 50); do
		left=""
		for p in "$@"; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "still alive:$left"
	return 1
}

# procs_of DIR: the PIDs in DIR/cgroup.procs, space separated
procs_of() {
	tr '\n' ' ' <"$1/cgroup.procs" | sed 's/ $//'
}

@test "the VM is pure cgroup v2 and the suite runs in the leaf cgroup $OWN" {
	run stat -f -c %t "$CG"
	[ "$output" = 63677270 ] # CGROUP2_SUPER_MAGIC
	[ ! -e "$CG/memory/tasks" ]
	run cat /proc/self/cgroup
	[ "$output" = "0::$OWN" ]
	[ -x "$HUSK_OCI" ]
}

@test "(a) relative cgroupsPath husk-test/c1 is placed beneath the runtime's own cgroup" {
	[ ! -e "$CG$OWN/husk-test" ]
	start_detached a1 rel
	pid=$(ctr_pid a1)
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	run cat "/proc/$pid/cgroup"
	echo "/proc/$pid/cgroup: $output"
	[ "$output" = "0::$OWN/husk-test/c1" ]
	[ -d "$CG$OWN/husk-test/c1" ]
	run procs_of "$CG$OWN/husk-test/c1"
	echo "cgroup.procs: $output"
	[ "$output" = "$pid" ]
	# nothing at the top level of the hierarchy
	[ ! -e "$CG/husk-test" ]
}

@test "(b) with a cgroup namespace the container sees 0::/ and a read-only cgroup2 of its own cgroup" {
	create_ctr b1 nsview
	pid=$(ctr_pid b1)
	[ "$(cat "/proc/$pid/cgroup")" = "0::$OWN/husk-test/cb" ]
	# a child cgroup made from outside must be visible at the container's /sys/fs/cgroup
	mkdir "$CG$OWN/husk-test/cb/marker"
	husk start b1
	wait_status b1 stopped
	rmdir "$CG$OWN/husk-test/cb/marker"
	run cat "$BATS_TEST_TMPDIR/b1.log"
	echo "$output"
	[[ "$output" == *"cg=0::/"$'\n'* ]]
	# mountinfo: root "/" (the namespace's root), at /sys/fs/cgroup, read-only, cgroup2
	mnt=$(sed -n 's/^mnt=//p' <<<"$output")
	[ -n "$mnt" ]
	set -- $mnt
	[ "$4" = / ]
	[ "$5" = /sys/fs/cgroup ]
	[[ ",$6," == *,ro,* ]]
	[[ "$mnt" == *" - cgroup2 "* ]]
	# the container's cgroup, not the hierarchy root: its only process, a non-root cgroup file,
	# the marker; no sign of the host's tree
	[ "$(sed -n 's/^proc=//p' <<<"$output" | tr '\n' ' ')" = "1 " ]
	[[ "$output" == *$'\nfile=cgroup.events\n'* ]]
	[[ "$output" == *$'\nfile=marker\n'* ]]
	[[ "$output" != *"file=husk-v2-tests"* ]]
	[[ "$output" != *"file=husk-test"* ]]
	[[ "$output" == *"mkdir=fail"* ]]
}

@test "(c) without a cgroup namespace /sys/fs/cgroup is a read-only bind of the container's cgroup" {
	create_ctr c1 nocgns
	pid=$(ctr_pid c1)
	[ "$(cat "/proc/$pid/cgroup")" = "0::$OWN/husk-test/cc" ]
	mkdir "$CG$OWN/husk-test/cc/marker"
	husk start c1
	wait_status c1 stopped
	rmdir "$CG$OWN/husk-test/cc/marker"
	run cat "$BATS_TEST_TMPDIR/c1.log"
	echo "$output"
	[[ "$output" == *"cg=0::$OWN/husk-test/cc"$'\n'* ]]
	mnt=$(sed -n 's/^mnt=//p' <<<"$output")
	[ -n "$mnt" ]
	set -- $mnt
	# the bind's root is the container's cgroup directory
	[ "$4" = "$OWN/husk-test/cc" ]
	[ "$5" = /sys/fs/cgroup ]
	[[ ",$6," == *,ro,* ]]
	[[ "$mnt" == *" - cgroup2 "* ]]
	[ "$(sed -n 's/^proc=//p' <<<"$output" | tr '\n' ' ')" = "1 " ]
	[[ "$output" == *$'\nfile=cgroup.events\n'* ]]
	[[ "$output" == *$'\nfile=marker\n'* ]]
	[[ "$output" == *"mkdir=fail"* ]]
}

@test "(d) delete removes the cgroup directories husk made (husk-test/c1 and husk-test)" {
	[ ! -e "$CG$OWN/husk-test" ]
	start_detached d1 rel
	[ -d "$CG$OWN/husk-test/c1" ]
	pid=$(ctr_pid d1)
	husk kill d1 KILL
	wait_status d1 stopped
	husk delete d1
	wait_gone "$pid"
	[ ! -e "$CG$OWN/husk-test/c1" ]
	[ ! -e "$CG$OWN/husk-test" ]
	[ -d "$CG$OWN" ]
	[ ! -e "$ROOT/d1" ]
}

@test "(d2) delete keeps a parent cgroup husk did not make" {
	mkdir -p "$CG$OWN/husk-test"
	start_detached d2 rel
	husk kill d2 KILL
	wait_status d2 stopped
	husk delete d2
	[ ! -e "$CG$OWN/husk-test/c1" ]
	[ -d "$CG$OWN/husk-test" ]
	rmdir "$CG$OWN/husk-test"
}

@test "(e) without cgroupsPath the container lands in husk/<id> beneath the own cgroup, removed after" {
	[ ! -e "$CG$OWN/husk" ]
	start_detached e1 default
	pid=$(ctr_pid e1)
	[ "$(cat "/proc/$pid/cgroup")" = "0::$OWN/husk/e1" ]
	[ "$(procs_of "$CG$OWN/husk/e1")" = "$pid" ]
	husk kill e1 KILL
	wait_status e1 stopped
	husk delete e1
	[ ! -e "$CG$OWN/husk/e1" ]
	[ ! -e "$CG$OWN/husk" ]
}

@test "(f) absolute cgroupsPath /husk-abs-test/c2 is taken from the hierarchy root, removed after" {
	[ ! -e "$CG/husk-abs-test" ]
	start_detached f1 abs
	pid=$(ctr_pid f1)
	[ "$(cat "/proc/$pid/cgroup")" = "0::/husk-abs-test/c2" ]
	[ "$(procs_of "$CG/husk-abs-test/c2")" = "$pid" ]
	[ ! -e "$CG$OWN/husk-abs-test" ]
	husk kill f1 KILL
	wait_status f1 stopped
	husk delete f1
	[ ! -e "$CG/husk-abs-test/c2" ]
	[ ! -e "$CG/husk-abs-test" ]
}

@test "(g) kill --all signals every process of the container's cgroup (no pid namespace)" {
	start_detached g1 killall
	dir=$CG$OWN/husk-test/ck
	pid=$(ctr_pid g1)
	# sh and its two sleeps
	for i in $(seq 50); do
		[ "$(wc -l <"$dir/cgroup.procs")" -ge 3 ] && break
		sleep 0.1
	done
	procs=$(procs_of "$dir")
	echo "cgroup.procs: $procs"
	[ "$(wc -w <<<"$procs")" -eq 3 ]
	[[ " $procs " == *" $pid "* ]]
	husk kill --all g1 KILL
	wait_gone $procs
	[ -z "$(procs_of "$dir")" ]
	wait_status g1 stopped
	husk delete g1
	[ ! -e "$dir" ]
	[ ! -e "$CG$OWN/husk-test" ]
}

@test "(g2) after the init exited, kill --all still reaches the processes left in the cgroup" {
	# runc: "--all ... no error is returned if the container is stopped"; containerd relies on it to
	# clean up containers without a PID namespace
	start_detached g2 killall
	dir=$CG$OWN/husk-test/ck
	pid=$(ctr_pid g2)
	for i in $(seq 50); do
		[ "$(wc -l <"$dir/cgroup.procs")" -ge 3 ] && break
		sleep 0.1
	done
	procs=$(procs_of "$dir")
	[ "$(wc -w <<<"$procs")" -eq 3 ]
	# TERM ends sh (not a PID 1 here), its sleeps stay
	husk kill g2 TERM
	wait_gone "$pid"
	wait_status g2 stopped
	rest=$(procs_of "$dir")
	echo "left after the init exited: $rest"
	[ "$(wc -w <<<"$rest")" -eq 2 ]
	husk kill --all g2 KILL
	wait_gone $rest
	husk delete g2
	[ ! -e "$dir" ]
}

@test "(h) delete --force of a running container with children leaves no process and no cgroup" {
	start_detached h1 force
	dir=$CG$OWN/husk-test/cf
	for i in $(seq 50); do
		[ "$(wc -l <"$dir/cgroup.procs")" -ge 3 ] && break
		sleep 0.1
	done
	procs=$(procs_of "$dir")
	echo "cgroup.procs: $procs"
	[ "$(wc -w <<<"$procs")" -eq 3 ]
	husk delete --force h1
	wait_gone $procs
	[ ! -e "$dir" ]
	[ ! -e "$CG$OWN/husk-test" ]
	[ ! -e "$ROOT/h1" ]
	run husk state h1
	[ "$status" -ne 0 ]
}

# nested: a cgroup-aware payload (systemd, a nested runtime) makes cgroups inside its own, with
# a cgroup namespace and a writable /sys/fs/cgroup; no pid namespace, so nothing dies with the init
start_nested() {
	start_detached "$1" nested
	dir=$CG$OWN/husk-test/cn
	for i in $(seq 50); do
		[ -e "$dir/inner/cgroup.procs" ] && [ "$(wc -l <"$dir/inner/cgroup.procs")" -ge 3 ] && break
		sleep 0.1
	done
	procs=$(procs_of "$dir/inner")
	echo "inner cgroup.procs: $procs"
	[ "$(wc -w <<<"$procs")" -eq 3 ]
	[ -z "$(procs_of "$dir")" ]
}

@test "(k1) kill --all reaches processes in cgroups made inside the container's cgroup" {
	start_nested k1
	husk kill --all k1 KILL
	wait_gone $procs
	wait_status k1 stopped
	husk delete k1
	[ ! -e "$dir" ]
	[ ! -e "$CG$OWN/husk-test" ]
}

@test "(k2) delete --force removes cgroups made inside the container's cgroup" {
	start_nested k2
	husk delete --force k2
	wait_gone $procs
	[ ! -e "$dir" ]
	[ ! -e "$CG$OWN/husk-test" ]
	[ ! -e "$ROOT/k2" ]
}

@test "(i) lifecycle create/start/state/kill/delete on v2" {
	create_ctr i1 lifecycle
	dir=$CG$OWN/husk-test/cl
	[ "$(state_field i1 status)" = created ]
	[ "$(state_field i1 id)" = i1 ]
	[ "$(state_field i1 bundle)" = "$BUNDLES/lifecycle" ]
	pid=$(ctr_pid i1)
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	alive "$pid"
	# placed in its cgroup already while created
	[ "$(cat "/proc/$pid/cgroup")" = "0::$OWN/husk-test/cl" ]
	[ "$(procs_of "$dir")" = "$pid" ]
	husk start i1
	[ "$(state_field i1 status)" = running ]
	[ "$(state_field i1 pid)" = "$pid" ]
	# the process ran: sh forked its sleep into the same cgroup
	for i in $(seq 50); do
		[ "$(wc -l <"$dir/cgroup.procs")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(wc -l <"$dir/cgroup.procs")" -eq 2 ]
	run husk delete i1
	[ "$status" -ne 0 ] # running: needs --force
	husk kill i1 TERM
	wait_status i1 stopped
	wait_gone "$pid"
	run husk state i1
	[ "$status" -eq 0 ]
	husk delete i1
	[ ! -e "$dir" ]
	[ ! -e "$CG$OWN/husk-test" ]
	run husk state i1
	[ "$status" -ne 0 ]
}

@test "(j) foreground run: exit status, placement seen from inside, cleanup after" {
	IDS+=(j1)
	run husk run --bundle "$BUNDLES/fg" j1
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"0::/"* ]]
	[ ! -e "$CG$OWN/husk-test" ]
	[ ! -e "$ROOT/j1" ]
}

@test "no cgroup left behind by the suite" {
	run find "$CG" -mindepth 1 -type d
	echo "$output"
	[ "$output" = "$CG$OWN" ]
}
