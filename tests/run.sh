#!/bin/bash
# tests/run.sh [BATS_FILE...] -- husk's test runner (`make check` calls it after building).
#   1. every unit test build/unit/test_* (cmocka, TAP output),
#   2. the bats integration suites (tests/integration/*.bats, or the files given),
#   2b. the cgroup v2 suite tests/v2/ in a VM with a cgroup v2 kernel (../shared/v2vm),
#   3. a "leftovers" check: no mount mentioning husk, no state dir under the test root, no cgroup
#      or process of this run's containers may remain.
# Prints per-suite summaries and, as its last line, "N passed, M failed, K skipped".
# Exit status 1 when anything failed or nothing ran. Full logs: build/test-logs/.
# Env: HUSK (runtime under test, default build/husk-oci), UNIT=0 / INTEGRATION=0 / V2=0 to skip a part,
#      BATS_TEST_TIMEOUT (per test, default 120 s), HUSK_TEST_TIMEOUT (per suite, default 1800 s).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPO=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the tests create containers and must run as root (try: sudo make check)" >&2
	exit 1
fi

LOGS=$REPO/build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export HUSK=${HUSK:-$REPO/build/husk-oci}
export HUSK_TEST_RUN=$$
export HUSK_TEST_ROOT_BASE=/tmp/husk-test-root-$$
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
SUITE_TIMEOUT=${HUSK_TEST_TIMEOUT:-1800}
rm -rf "$HUSK_TEST_ROOT_BASE"
mkdir -p "$HUSK_TEST_ROOT_BASE"

PASSED=0 FAILED=0 SKIPPED=0 RAN=0
FAILED_NAMES=()

husk_mounts() {
	grep -e husk -e "$HUSK_TEST_ROOT_BASE" /proc/self/mountinfo | awk '{ print $5 }' | sort -u
}
MOUNTS_BEFORE=$(husk_mounts)

# count_tap SUITE LOG RC: add the TAP results in LOG to the totals; print the suite's summary,
# its failures (with their diagnostics) and skips. A crash or a short run counts as a failure.
count_tap() {
	local suite=$1 log=$2 rc=$3 p f s plan ran
	p=$(grep -Ec '^ok [0-9]+' "$log")
	s=$(grep -Eic '^ok [0-9]+.*# skip' "$log")
	f=$(grep -Ec '^not ok [0-9]+' "$log")
	p=$((p - s))
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -1)
	ran=$((p + s + f))
	if [ -n "$plan" ] && [ "$ran" -lt "$plan" ]; then
		echo "  $suite: only $ran of $plan tests reported (crash or timeout?)"
		f=$((f + plan - ran))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  $suite: exited with status $rc without a failing test"
		f=$((f + 1))
	fi
	if [ "$ran" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "  $suite: no test ran"
	fi
	# failures with their diagnostic lines, and skips
	awk '/^not ok [0-9]+/ { show = 1; print "  " $0; next }
	     /^(ok|not ok) [0-9]+/ { show = 0 }
	     /^# / && show { print "    " $0 }' "$log"
	grep -Ei '^ok [0-9]+.*# skip' "$log" | sed 's/^/  skipped: /'
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$suite:" "$p" "$f" "$s"
	RAN=$((RAN + p + f + s))
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	[ "$f" -eq 0 ] || FAILED_NAMES+=("$suite")
}

# run_fuzz_corpus: each fuzz target (ASan/UBSan) over every file of its corpus, one TAP test a file
run_fuzz_corpus() {
	local f name log n i
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=${f##*/fuzz_}
		log=$LOGS/fuzz-$name.log
		n=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
		{
			echo "1..$n"
			i=0
			for c in "tests/fuzz/corpus/$name"/*; do
				i=$((i + 1))
				if "$f" "$c" >"$log.one" 2>&1; then echo "ok $i $c"; else echo "not ok $i $c"; sed 's/^/# /' "$log.one"; fi
			done
			rm -f "$log.one"
		} >"$log"
		count_tap "fuzz/$name (corpus)" "$log" 0
	done
}

run_units() {
	local t name log rc
	local units=(build/unit/test_*)
	if [ ! -e "${units[0]}" ]; then
		echo "unit: no unit tests built (build/unit/test_*)"
		return
	fi
	echo "== unit tests"
	for t in "${units[@]}"; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log=$LOGS/unit-$name.log
		rc=0
		CMOCKA_MESSAGE_OUTPUT=tap timeout "$SUITE_TIMEOUT" "$t" >"$log" 2>&1 </dev/null || rc=$?
		count_tap "unit/$name" "$log" "$rc"
	done
}

run_integration() {
	local files=("$@") log=$LOGS/integration.log rc=0
	if [ ${#files[@]} -eq 0 ]; then
		files=(tests/integration/*.bats)
	fi
	[ -e "${files[0]}" ] || { echo "integration: no bats files"; return; }
	echo "== integration tests (HUSK=$HUSK)"
	if ! command -v bats >/dev/null; then
		echo "  bats is not installed (scripts/deps.sh test)"
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=(integration)
		return
	fi
	timeout "$SUITE_TIMEOUT" bats --tap "${files[@]}" >"$log" 2>&1 </dev/null || rc=$?
	count_tap integration "$log" "$rc"
}

# procs_matching STRING: PIDs whose command line or environment contains STRING (grep reads the
# string from a file, so its own command line never matches)
procs_matching() {
	local f=$LOGS/.pattern
	printf '%s\n' "$1" >"$f"
	grep -lsaF -f "$f" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -un
	rm -f "$f"
}

# leftovers: what this run's containers may have left on the host; reported, then removed
check_leftovers() {
	local bad=() m d p pat=husk-test-$HUSK_TEST_RUN-
	while read -r m; do
		[ -n "$m" ] && ! grep -qxF -- "$m" <<<"$MOUNTS_BEFORE" && bad+=("mount $m")
	done < <(husk_mounts)
	while read -r d; do
		[ -n "$d" ] && bad+=("state dir $d")
	done < <(find "$HUSK_TEST_ROOT_BASE" -mindepth 2 -maxdepth 2 -type d 2>/dev/null)
	while read -r p; do
		[ -n "$p" ] && [ "$p" != $$ ] && bad+=("process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)")
	done < <(procs_matching "$pat")
	while read -r d; do
		[ -n "$d" ] && bad+=("cgroup $d")
	done < <(find /sys/fs/cgroup -type d -name "$pat*" 2>/dev/null)

	if [ ${#bad[@]} -eq 0 ]; then
		printf '%-33s none\n' "leftovers:"
		PASSED=$((PASSED + 1))
		return
	fi
	printf '%-33s FAILED, the run left behind:\n' "leftovers:"
	printf '  %s\n' "${bad[@]}" | tee "$LOGS/leftovers.log"
	FAILED=$((FAILED + 1))
	FAILED_NAMES+=(leftovers)
	cleanup_leftovers "$pat"
}

cleanup_leftovers() {
	local pat=$1 d id p
	for d in "$HUSK_TEST_ROOT_BASE"/*/*/; do
		[ -d "$d" ] || continue
		id=$(basename "$d")
		"$HUSK" --root "$(dirname "$d")" delete --force "$id" >/dev/null 2>&1 || true
	done
	# only processes carrying this run's container ids: ours
	for p in $(procs_matching "$pat"); do
		[ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
	done
	# what is still in this run's cgroups (e.g. a container whose state dir is gone)
	find /sys/fs/cgroup -type d -name "$pat*" 2>/dev/null | while read -r d; do
		xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null
	done
	sleep 0.2
	find /sys/fs/cgroup -depth -type d -name "$pat*" -exec rmdir {} \; 2>/dev/null
	while read -r m; do
		case $m in "$HUSK_TEST_ROOT_BASE"/*) umount -l "$m" 2>/dev/null ;; esac
	done < <(husk_mounts)
}

# run_v2: the cgroup v2 suite, in a VM with a real cgroup v2 kernel (../shared/v2vm)
run_v2() {
	local log=$LOGS/v2.log rc=0
	echo "== cgroup v2 tests (in a VM)"
	if [ ! -x "$REPO/../shared/v2vm/run-in-v2vm.sh" ]; then
		echo "  skipped: ../shared/v2vm/run-in-v2vm.sh is not there (the cgroup v2 VM runner)"
		SKIPPED=$((SKIPPED + 1))
		return
	fi
	timeout "$SUITE_TIMEOUT" tests/v2/run.sh >"$log" 2>&1 </dev/null || rc=$?
	if ! grep -q '^1\.\.' "$log"; then
		echo "  the VM run produced no test results (exit $rc): see $log"
		tail -5 "$log" | sed 's/^/    /'
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=(v2)
		return
	fi
	count_tap "v2 (cgroup v2 VM)" "$log" "$rc"
}

# empty husk-test parents, beneath our own cgroup only
remove_test_parents() {
	local ctrl path dir
	while IFS=: read -r _ ctrl path; do
		case $ctrl in
		"") dir=/sys/fs/cgroup/unified; [ -d "$dir" ] || dir=/sys/fs/cgroup ;;
		*) dir=/sys/fs/cgroup/${ctrl#name=} ;;
		esac
		rmdir "$dir${path%/}/husk-test" 2>/dev/null
	done </proc/self/cgroup
	return 0
}

[ "${UNIT:-1}" = 0 ] || { run_units; run_fuzz_corpus; }
[ "${INTEGRATION:-1}" = 0 ] || run_integration "$@"
[ "${V2:-1}" = 0 ] || [ $# -gt 0 ] || run_v2
check_leftovers
remove_test_parents
rm -rf --one-file-system "$HUSK_TEST_ROOT_BASE"

echo "logs: $LOGS"
[ ${#FAILED_NAMES[@]} -eq 0 ] || echo "failed suites: ${FAILED_NAMES[*]}"
rc=0
[ "$FAILED" -eq 0 ] || rc=1
if [ "$RAN" -eq 0 ]; then
	echo "no test ran"
	rc=1
fi
if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
exit $rc
