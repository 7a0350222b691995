#!/bin/bash
# bench/lifecycle.sh [RUNS] -- husk side by side with crun and runc (Debian packages).
# Times, with hyperfine, for each runtime on the same bundle (busybox image, /bin/true):
#   run     the whole lifecycle `RT run --bundle B ID` (create, start, wait, delete): one
#           hyperfine run with all runtimes
#   create  `RT create` alone   (--prepare: delete the previous container)
#   start   `RT start` alone    (--prepare: create)
#   delete  `RT delete` alone of a stopped container (--prepare: create, start, wait for exit)
# and prints wall (median) and CPU (mean user+sys) per runtime and the ratios husk/crun and
# husk/runc. RUNS per command (default 50). Env: HUSK (default build/husk-oci).
# Runs inside a private cgroup + mount namespace (../shared/bench/cgns.sh when present, else a
# built-in equivalent) so that every runtime's cgroups land beneath this shell's own cgroup.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SELF=$HERE/$(basename "$0")

# --prep MODE RT ROOT BUNDLE ID: hyperfine --prepare helper (not timed)
prep() {
	local mode=$1 rt=$2 root=$3 bundle=$4 id=$5 i
	"$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
	[ "$mode" = clean ] && return 0
	"$rt" --root "$root" create --bundle "$bundle" "$id" </dev/null >/dev/null
	[ "$mode" = created ] && return 0
	"$rt" --root "$root" start "$id"
	for ((i = 0; i < 500; i++)); do
		"$rt" --root "$root" state "$id" | grep -q '"status": *"stopped"' && return 0
		sleep 0.01
	done
	echo "prep: $id did not stop" >&2
	return 1
}
if [ "${1:-}" = --prep ]; then
	shift
	prep "$@"
	exit
fi

# the built-in equivalent of ../shared/bench/cgns.sh: in a new cgroup + mount namespace,
# re-mount every v1 hierarchy so that its root is our own cgroup; leave out the hybrid cgroup2
# mount (crun 1.8 refuses hybrid hosts)
own_cgns() {
	local mp opts list
	list=$(awk '{ for (i = 7; $i != "-"; i++); if ($5 ~ "^/sys/fs/cgroup/" && $(i+1) == "cgroup")
			print $5, $(i+3) }' /proc/self/mountinfo)
	umount -R /sys/fs/cgroup 2>/dev/null || true # a private mount namespace: the host keeps its own
	mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup
	while read -r mp opts; do
		opts=$(tr , '\n' <<<"$opts" | grep -v -e '^rw$' -e '^ro$' -e '^release_agent=' | paste -sd,)
		mkdir -p "$mp"
		mount -t cgroup -o "$opts" cgroup "$mp"
	done <<<"$list"
	if grep -qv ':/$' /proc/self/cgroup; then
		echo "lifecycle.sh: cgroup namespace setup failed:" >&2
		cat /proc/self/cgroup >&2
		exit 1
	fi
}

if [ "${HUSK_BENCH_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "lifecycle.sh: run as root" >&2; exit 1; }
	"$REPO/scripts/deps.sh" bench
	export HUSK_BENCH_IN_NS=1
	SHARED=${HUSK_BENCH_CGNS:-$REPO/../shared/bench/cgns.sh}
	if [ -x "$SHARED" ]; then
		exec "$SHARED" "$SELF" "$@"
	fi
	echo "lifecycle.sh: $SHARED not found, using the built-in cgroup namespace setup" >&2
	exec unshare --cgroup --mount --propagation private "$SELF" --own-cgns "$@"
fi
if [ "${1:-}" = --own-cgns ]; then
	shift
	own_cgns
fi

RUNS=${1:-50}
HUSK=${HUSK:-$REPO/build/husk-oci}
[ -x "$HUSK" ] || { echo "lifecycle.sh: $HUSK not built (run: make)" >&2; exit 1; }
HUSK=$(realpath -s "$HUSK") # keep the husk-oci name: argv[0] picks husk's OCI face
W=$(mktemp -d /tmp/husk-bench.XXXXXX)
IMAGE=$REPO/build/image/rootfs
CG=husk-bench-$$

cleanup() {
	local n
	for n in "${!BIN[@]}"; do
		"${BIN[$n]}" --root "$W/$n/state" delete --force "bench-$$-$n" >/dev/null 2>&1 || true
	done
	find /sys/fs/cgroup -depth -type d -path "*/$CG*" -exec rmdir {} \; 2>/dev/null || true
	rm -rf "$W"
}
declare -A RT=() BIN=()
NAMES=()
trap cleanup EXIT

# the bundle: husk's default image, config from `runc spec` (or `husk oci spec`), /bin/true, a
# relative cgroupsPath per runtime (beneath our own cgroup)
"$REPO/scripts/mkimage.sh" "$IMAGE"
(cd "$W" && if command -v runc >/dev/null; then runc spec; else "$HUSK" spec; fi)
make_bundle() {
	mkdir -p "$W/$1/state"
	jq --arg root "$IMAGE" --arg cg "$CG/$1" \
		'.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $root
		 | .root.readonly = true | .linux.cgroupsPath = $cg' "$W/config.json" >"$W/$1/config.json"
}

for n in husk crun runc; do
	if [ $n = husk ]; then bin=$HUSK; else bin=$(command -v $n || true); fi
	[ -n "$bin" ] || { echo "lifecycle.sh: $n not installed, left out" >&2; continue; }
	make_bundle $n
	BIN[$n]=$bin
	if ! "$bin" --root "$W/$n/state" run --bundle "$W/$n" "bench-$$-$n" </dev/null >"$W/$n/check.log" 2>&1; then
		echo "lifecycle.sh: $n cannot run the bundle, left out:" >&2
		cat "$W/$n/check.log" >&2
		[ $n = husk ] && exit 1
		continue
	fi
	RT[$n]=$bin
	NAMES+=("$n")
	echo "$n: $bin ($("$bin" --version 2>&1 | head -1))"
done

# bench OP: one hyperfine run of OP for every runtime -> $W/OP.json
bench() {
	local op=$1 n args=()
	for n in "${NAMES[@]}"; do
		local r="${RT[$n]} --root $W/$n/state" id=bench-$$-$n
		args+=(-n "$n")
		case $op in
		run) args+=("$r run --bundle $W/$n $id") ;;
		create)
			args+=(-p "$SELF --prep clean ${RT[$n]} $W/$n/state $W/$n $id")
			args+=("$r create --bundle $W/$n $id")
			;;
		start)
			args+=(-p "$SELF --prep created ${RT[$n]} $W/$n/state $W/$n $id")
			args+=("$r start $id")
			;;
		delete)
			args+=(-p "$SELF --prep stopped ${RT[$n]} $W/$n/state $W/$n $id")
			args+=("$r delete $id")
			;;
		esac
	done
	echo "== $op ($RUNS runs per runtime)"
	hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$W/$op.json" "${args[@]}" \
		>"$W/$op.log" 2>&1 </dev/null || {
		cat "$W/$op.log" >&2
		exit 1
	}
	for n in "${NAMES[@]}"; do
		"${RT[$n]}" --root "$W/$n/state" delete --force "bench-$$-$n" >/dev/null 2>&1 || true
	done
}

for op in run create start delete; do
	bench $op
done

echo
echo "wall = median, cpu = mean user+sys of the runtime process (and what it waits for), in ms"
jq -rn --argjson runs "$RUNS" '
	def ms: . * 10000 | round / 10;
	def ratio(a; b): if b > 0 then (a / b * 100 | round / 100 | tostring) else "-" end;
	[inputs] as $ops
	| ($ops[0].results | map(.command)) as $names
	| (["operation"] + ($names | map(. + " wall", . + " cpu"))
	   + ($names[1:] | map("husk/" + . + " wall", "husk/" + . + " cpu"))) as $head
	| ($head | @tsv),
	  ($ops[] | .results as $r | ($r | map({key: .command, value: .}) | from_entries) as $by
	   | ([.op] + ($r | map((.median | ms | tostring), ((.user + .system) | ms | tostring)))
	      + ($names[1:] | map(ratio($by.husk.median; $by[.].median),
	                          ratio($by.husk.user + $by.husk.system; $by[.].user + $by[.].system))))
	   | @tsv)' \
	<(for op in run create start delete; do jq --arg op "$op" '. + {op: $op}' "$W/$op.json"; done) |
	column -t -s "$(printf '\t')"
