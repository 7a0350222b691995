#!/bin/bash
# scripts/demo.sh -- what `make demo` runs after building: one container from husk's built-in
# default image (a busybox root filesystem, scripts/mkimage.sh).
#   image:  build/image/rootfs
#   bundle: build/demo/config.json (from `husk oci spec`, edited with jq); left in place, so the
#           README's `husk oci create --bundle build/demo ...` examples can reuse it
# Runs `build/husk oci run --bundle build/demo husk-demo-PID`, prints the container's output and
# checks it: "hello" from inside, the container's hostname, and that PID 1 is the container's own
# process. The container is deleted afterwards (also on failure or Ctrl-C).
# Env: HUSK (default build/husk), HUSK_ROOT (passed as --root when set).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
HUSK=${HUSK:-$REPO/build/husk}
IMAGE=$REPO/build/image/rootfs
BUNDLE=$REPO/build/demo
ID=husk-demo-$$

[ "$(id -u)" = 0 ] || { echo "demo.sh: containers need root here (try: sudo make demo)" >&2; exit 1; }
[ -x "$HUSK" ] || { echo "demo.sh: $HUSK not built (run: make)" >&2; exit 1; }

oci() {
	if [ -n "${HUSK_ROOT:-}" ]; then
		"$HUSK" oci --root "$HUSK_ROOT" "$@"
	else
		"$HUSK" oci "$@"
	fi
}

scripts/mkimage.sh "$IMAGE"
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE"
oci spec --bundle "$BUNDLE"
# shellcheck disable=SC2016 # expanded by the container's shell
SCRIPT='echo "hello from husk"; echo "hostname: $(hostname)";
echo "PID 1 is: $(cat /proc/1/comm) (my PID: $$)"; echo "processes in the container:";
ps -o pid,user,comm; exit 0'
jq --arg root "$IMAGE" --arg script "$SCRIPT" \
	'.process.args = ["sh", "-c", $script] | .process.terminal = false
	 | .hostname = "husk-demo" | .root.path = $root | .root.readonly = true' \
	"$BUNDLE/config.json" >"$BUNDLE/config.json.new"
mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"

cleanup() { oci delete --force "$ID" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "\$ build/husk oci run --bundle build/demo $ID"
out=$(oci run --bundle "$BUNDLE" "$ID" </dev/null 2>&1) || {
	rc=$?
	printf '%s\n' "$out"
	echo "demo.sh: the container failed (exit status $rc)" >&2
	exit 1
}
printf '%s\n' "$out"

fail=()
grep -q '^hello from husk$' <<<"$out" || fail+=("no hello from inside")
grep -q '^hostname: husk-demo$' <<<"$out" || fail+=("hostname is not husk-demo")
grep -q '^PID 1 is: sh (my PID: 1)$' <<<"$out" || fail+=("the container's process is not PID 1")
if [ ${#fail[@]} -gt 0 ]; then
	printf 'demo.sh: %s\n' "${fail[@]}" >&2
	exit 1
fi
echo "demo OK: the bundle is in build/demo (root.path: build/image/rootfs)"
