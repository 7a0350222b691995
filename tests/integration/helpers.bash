# helpers.bash -- common setup for husk's bats integration tests.  Load with `load helpers`.
#
# Environment:
#   HUSK                  runtime binary under test (default: build/husk-oci of this repo).
#                         The tests are written so that HUSK=/usr/bin/runc runs them too.
#   HUSK_TEST_RUN         tag shared by one test run (tests/run.sh sets it); part of every
#                         container id and cgroup name so leftovers can be traced to the run.
#   HUSK_TEST_ROOT_BASE   directory under which each test gets its --root (tests/run.sh sets it,
#                         so it can look for leftover state dirs after the run).
#   HUSK_TEST_SPEC_RUNTIME  binary whose `spec` gives the template config.json (default: $HUSK,
#                         i.e. husk's own default spec; runc's when $HUSK is runc), so every
#                         machine tests the same configs whether runc is installed or not.
#
# Per test: ROOT (the --root state dir), TMP (scratch dir), husk() wrapper, new_id, make_bundle,
# make_ctr, and teardown that force-deletes every container the test created and checks that
# nothing is left behind (state dir, cgroup, process).

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HUSK=${HUSK:-$REPO/build/husk-oci}
IMAGE=${HUSK_TEST_IMAGE:-$REPO/build/image/rootfs}
HUSK_TEST_RUN=${HUSK_TEST_RUN:-$$}
CG_PARENT=husk-test

# A long-running container process that exits 0 on SIGTERM even as PID 1 of a pid namespace
# (PID 1 ignores signals it has no handler for).
# shellcheck disable=SC2016
LONG_RUNNING='["sh","-c","trap \"exit 0\" TERM; sleep 1000 & wait"]'

setup() {
	[ -x "$HUSK" ] || skip "runtime $HUSK not built (set HUSK=/usr/bin/runc to test against runc)"
	[ "$(id -u)" = 0 ] || skip "needs root"
	TMP=$BATS_TEST_TMPDIR
	local base=${HUSK_TEST_ROOT_BASE:-$BATS_TEST_TMPDIR}
	ROOT=$base/root-$(basename "$BATS_TEST_FILENAME" .bats)-$BATS_TEST_NUMBER
	mkdir -p "$ROOT"
	IDS_FILE=$TMP/ids
	: >"$IDS_FILE"
	ensure_image
}

teardown() {
	cleanup_containers
}

# The cached busybox image (scripts/mkimage.sh is a no-op when it is up to date).
ensure_image() {
	"$REPO/scripts/mkimage.sh" "$IMAGE" >&2
}

husk() {
	"$HUSK" --root "$ROOT" "$@"
}

# new_id: print a fresh container id (husk-test-RUN-N) and register it for teardown.
# Use it in $(...): the counter lives in a file.
new_id() {
	local n
	n=$(($(wc -l <"$IDS_FILE") + 1))
	local id="husk-test-$HUSK_TEST_RUN-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$n"
	echo "$id" >>"$IDS_FILE"
	echo "$id"
}

# register_id ID: have teardown clean up a container whose id was not made by new_id.
register_id() {
	echo "$1" >>"$IDS_FILE"
}

spec_template() {
	local t=$BATS_RUN_TMPDIR/spec-template.json rt=${HUSK_TEST_SPEC_RUNTIME:-}
	if [ ! -s "$t" ]; then
		if [ -z "$rt" ]; then
			rt=$HUSK
		fi
		local d
		d=$(mktemp -d "$BATS_RUN_TMPDIR/spec.XXXXXX")
		(cd "$d" && "$rt" spec) || return 1
		mv "$d/config.json" "$t"
		rmdir "$d"
	fi
	echo "$t"
}

# make_bundle DIR [JQ_FILTER]: write DIR/config.json: the spec template with the shared image as
# absolute, read-only root.path, terminal false, a long-running process, relative cgroupsPath
# husk-test/$(basename DIR); then JQ_FILTER (applied last) for the test's own edits.
make_bundle() {
	local dir=$1 filter=${2:-.} tmpl
	tmpl=$(spec_template) || return 1
	mkdir -p "$dir"
	jq --arg root "$IMAGE" --arg cg "$CG_PARENT/$(basename "$dir")" --argjson args "$LONG_RUNNING" \
		'.root.path = $root | .root.readonly = true | .process.terminal = false
		 | .process.args = $args | .linux.cgroupsPath = $cg' "$tmpl" |
		jq "$filter" >"$dir/config.json"
}

# make_ctr [JQ_FILTER]: new id in ID, its bundle in B ($TMP/$ID, cgroupsPath husk-test/$ID).
make_ctr() {
	ID=$(new_id)
	B=$TMP/$ID
	make_bundle "$B" "${1:-.}"
}

# state_field ID FIELD: print one field of `state ID` (jq -r)
state_field() {
	husk state "$1" | jq -r ".$2"
}

# wait_status ID STATUS [TIMEOUT_S]: poll `state` until status is STATUS
wait_status() {
	local id=$1 want=$2 i n=$((${3:-5} * 50)) st=
	for ((i = 0; i < n; i++)); do
		st=$(husk state "$id" 2>/dev/null | jq -r .status 2>/dev/null) || st=
		[ "$st" = "$want" ] && return 0
		sleep 0.02
	done
	echo "wait_status: $id is '$st' after ${3:-5}s, wanted '$want'" >&2
	return 1
}

# wait_gone PID [TIMEOUT_S]: wait until /proc/PID disappears
wait_gone() {
	local i n=$((${2:-5} * 50))
	for ((i = 0; i < n; i++)); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.02
	done
	echo "wait_gone: process $1 still exists" >&2
	return 1
}

# ns_of PID TYPE: the namespace identity, e.g. "pid:[4026532201]"
ns_of() {
	readlink "/proc/$1/ns/$2"
}

# pids_in_pidns NS: host PIDs of every process whose pid namespace is NS (output of ns_of)
pids_in_pidns() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
	return 0
}

# procs_of ID: PIDs of processes whose command line or environment mentions ID (the runtime's
# own processes carry the id in argv; runc's init carries the state dir in its environment).
procs_of() {
	local pat=$TMP/.pat.$$
	printf '%s\n' "$1" >"$pat"
	# grep's own argv holds the pattern file's name, not the id: it never matches itself
	grep -lsaF -f "$pat" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -un | while read -r p; do
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] || echo "$p"
	done
	rm -f "$pat"
}

# cgroup_dirs NAME: every cgroup directory husk-test/NAME in any hierarchy
cgroup_dirs() {
	# a concurrent run may remove a cgroup while find walks the tree: not an error
	find /sys/fs/cgroup -type d -path "*/$CG_PARENT/$1" 2>/dev/null || true
}

# assert_no_leftovers ID: no state dir, no cgroup, no process left for ID
assert_no_leftovers() {
	local id=$1 bad=0 cg procs
	if [ -e "$ROOT/$id" ]; then
		echo "leftover state dir $ROOT/$id" >&2
		bad=1
	fi
	cg=$(cgroup_dirs "$id")
	if [ -n "$cg" ]; then
		echo "leftover cgroups: $cg" >&2
		bad=1
	fi
	procs=$(procs_of "$id")
	if [ -n "$procs" ]; then
		echo "leftover processes for $id: $procs" >&2
		bad=1
	fi
	return $bad
}

# teardown: force-delete every registered container, then check and clean what is left.
cleanup_containers() {
	local id bad=0 p d
	[ -n "${IDS_FILE:-}" ] && [ -f "$IDS_FILE" ] || return 0
	while read -r id; do
		[ -n "$id" ] || continue
		"$HUSK" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		if ! assert_no_leftovers "$id"; then
			bad=1
			for p in $(procs_of "$id"); do kill -KILL "$p" 2>/dev/null || true; done
			sleep 0.1
			for d in $(cgroup_dirs "$id"); do rmdir "$d" 2>/dev/null || true; done
		fi
	done <"$IDS_FILE"
	# the parents, only when empty (other runs may be using them)
	find /sys/fs/cgroup -type d -name "$CG_PARENT" -exec rmdir {} \; 2>/dev/null
	if [ -n "$(find "$ROOT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then
		echo "leftover state in $ROOT: $(ls -A "$ROOT")" >&2
		bad=1
	fi
	rm -rf --one-file-system "$ROOT"
	return $bad
}

# husk_oci_face: when HUSK is .../husk-oci, the same binary invoked as `husk oci`
husk_oci_face() {
	case $HUSK in
	*/husk-oci | husk-oci) echo "$(dirname "$HUSK")/husk" ;;
	*) return 1 ;;
	esac
}

# husk_run_detached ARGS...: `husk run --detach ARGS...` with the container's stdio on a log file
# ($TMP/detached.log): under bats' `run` or $(...) an inherited pipe would never reach EOF.
husk_run_detached() {
	husk run --detach "$@" </dev/null >>"$TMP/detached.log" 2>&1 3>&-
}
