#!/bin/bash
# tests/v2/run.sh -- husk's cgroup v2 suite: boots a pure cgroup v2 kernel in QEMU (through
# ../shared/v2vm/run-in-v2vm.sh) and runs tests/v2/husk-v2.bats there against build/husk.
# Output: bats' TAP (stdout). Exit status: bats' status; 2 when the VM tool or build/husk is
# missing; 125 when the VM itself failed (boot, timeout).
# Env: HUSK_V2_BIN (the husk binary under test, default build/husk), HUSK_V2_TIMEOUT (VM wall-clock
#      limit, default 300 s); V2VM_* as for run-in-v2vm.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
V2VM=$REPO/../shared/v2vm/run-in-v2vm.sh

if [ ! -x "$V2VM" ]; then
	echo "v2vm not available"
	exit 2
fi
HUSK_V2_BIN=$(realpath -m "${HUSK_V2_BIN:-$REPO/build/husk}")
if [ ! -x "$HUSK_V2_BIN" ]; then
	echo "tests/v2/run.sh: $HUSK_V2_BIN is not built (make)" >&2
	exit 2
fi
for t in jq bats; do
	command -v "$t" >/dev/null || {
		echo "tests/v2/run.sh: $t is not installed" >&2
		exit 2
	}
done

P=$(mktemp -d "${TMPDIR:-/tmp}/husk-v2-payload.XXXXXX")
trap 'rm -rf "$P"' EXIT

# ---- payload: rootfs, bats file, one bundle per config variant
"$REPO/scripts/mkimage.sh" "$REPO/build/image/rootfs" >&2
cp -a "$REPO/build/image/rootfs" "$P/rootfs"
cp "$REPO/tests/v2/husk-v2.bats" "$P/"
# in the payload: the VM mounts a tmpfs on /tmp, which would hide a binary copied to /tmp/...
# (-b still brings its shared libraries)
mkdir "$P/bin"
cp "$HUSK_V2_BIN" "$P/bin/husk"
"$HUSK_V2_BIN" oci spec --bundle "$P"
jq '.process.terminal = false | .process.env = ["PATH=/bin", "TERM=dumb"]
    | .root = {"path": "/payload/rootfs", "readonly": true} | del(.linux.resources)' \
	"$P/config.json" >"$P/base.json"
rm "$P/config.json"

# variant NAME CGROUPS_PATH|"" ARGS_JSON [JQ_FILTER]
variant() {
	mkdir -p "$P/bundles/$1"
	jq --arg cg "$2" --argjson args "$3" \
		"(if \$cg == \"\" then del(.linux.cgroupsPath) else .linux.cgroupsPath = \$cg end)
		 | .process.args = \$args | ${4:-.}" "$P/base.json" >"$P/bundles/$1/config.json"
}
no_ns() { echo ".linux.namespaces |= map(select(.type != \"$1\"))"; }
# shellcheck disable=SC2016
VIEW='read -r c </proc/self/cgroup; echo "cg=$c"
while read -r l; do case "$l" in *" /sys/fs/cgroup "*) echo "mnt=$l" ;; esac; done </proc/self/mountinfo
while read -r p; do echo "proc=$p"; done </sys/fs/cgroup/cgroup.procs
for f in /sys/fs/cgroup/*; do echo "file=${f##*/}"; done
mkdir /sys/fs/cgroup/x 2>/dev/null && echo mkdir=ok || echo mkdir=fail'
view_args=$(jq -n --arg s "$VIEW" '["sh", "-c", $s]')
sleeper='["sleep", "1000"]'
children='["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'

variant rel husk-test/c1 "$sleeper"
variant nsview husk-test/cb "$view_args"
variant nocgns husk-test/cc "$view_args" "$(no_ns cgroup)"
variant default "" "$sleeper"
variant abs /husk-abs-test/c2 "$sleeper"
variant killall husk-test/ck "$children" "$(no_ns pid)"
variant force husk-test/cf "$children" "$(no_ns pid)"
# shellcheck disable=SC2016
variant nested husk-test/cn '["sh", "-c", "mkdir /sys/fs/cgroup/inner; echo $$ >/sys/fs/cgroup/inner/cgroup.procs; sleep 1000 & sleep 1000 & wait"]' \
	"$(no_ns pid) | (.mounts[] | select(.destination == \"/sys/fs/cgroup\") | .options) |= map(select(. != \"ro\"))"
variant lifecycle husk-test/cl '["sh", "-c", "trap \"exit 0\" TERM; sleep 1000 & wait"]'
# shellcheck disable=SC2016
variant fg husk-test/cj '["sh", "-c", "read -r c </proc/self/cgroup; echo \"$c\"; exit 7"]'

# ---- the kernel: reuse the cached package without apt (run-in-v2vm.sh would ask apt-cache even
# then); on first use fetch it, with one `apt-get update` when the apt lists are missing or stale
CACHE=${V2VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/v2vm}
# shellcheck disable=SC2012 # the package file names are plain
cached_deb() { ls "$CACHE"/linux-image-*-amd64_*.deb 2>/dev/null | sort -V | tail -1; }
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
fetch_kernel() {
	local k
	k=$(kernel_pkg) && [ -n "$k" ] && mkdir -p "$CACHE" && (cd "$CACHE" && apt-get download -q "$k" >&2)
}
if [ -z "${V2VM_KERNEL_DEB:-}" ]; then
	if [ -z "$(cached_deb)" ]; then
		fetch_kernel || { apt-get update -q >&2 && fetch_kernel; } || {
			echo "tests/v2/run.sh: cannot download the kernel package (linux-image-amd64)" >&2
			exit 125
		}
	fi
	V2VM_KERNEL_DEB=$(cached_deb)
	export V2VM_KERNEL_DEB
fi

rc=0
"$V2VM" -t "${HUSK_V2_TIMEOUT:-300}" -b "$HUSK_V2_BIN" -b bash \
	-f /usr/bin/bats -f /usr/lib/bats-core -f /usr/libexec/bats-core \
	"$P" env HUSK_BIN=/payload/bin/husk bats --tap husk-v2.bats || rc=$?
exit $rc
