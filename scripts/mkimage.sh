#!/bin/bash
# mkimage.sh OUT_DIR -- build husk's built-in default image: a minimal root filesystem made from
# Debian's busybox-static.
#   /bin/busybox plus one relative symlink per applet in /bin, /etc/passwd (root, nobody),
#   /etc/group, empty /etc/hosts and /etc/resolv.conf, /tmp (1777), /root (0700), and empty
#   /proc /sys /dev mountpoints.
# Idempotent and fast: does nothing when OUT_DIR/.husk-image-stamp is newer than both the busybox
# binary and this script. The image is built next to OUT_DIR and renamed into place, under a lock,
# so concurrent callers (parallel test runs) never see a half-built image.
# Env: BUSYBOX (default /bin/busybox).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi
OUT=$(realpath -m "$1")
BUSYBOX=${BUSYBOX:-/bin/busybox}
SELF=$(readlink -f "$0")
STAMP=$OUT/.husk-image-stamp

fresh() {
	[ -f "$STAMP" ] && [ "$STAMP" -nt "$BUSYBOX" ] && [ "$STAMP" -nt "$SELF" ]
}

fresh && exit 0
[ -x "$BUSYBOX" ] || {
	echo "mkimage.sh: $BUSYBOX not found: install busybox-static (scripts/deps.sh build)" >&2
	exit 1
}
"$BUSYBOX" --list >/dev/null 2>&1 || { echo "mkimage.sh: $BUSYBOX --list failed" >&2; exit 1; }

mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9
fresh && exit 0 # built by a concurrent caller while we waited for the lock

TMP=$(mktemp -d "$OUT.new.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
mkdir -p bin etc proc sys dev tmp root
chmod 755 . bin etc proc sys dev
chmod 1777 tmp
chmod 700 root
cp "$BUSYBOX" bin/busybox
chmod 755 bin/busybox
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -s busybox "bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnobody:x:65534:\n' >etc/group
: >etc/hosts
: >etc/resolv.conf
chmod 644 etc/passwd etc/group etc/hosts etc/resolv.conf
printf 'busybox %s\n' "$("$BUSYBOX" 2>&1 | head -1)" >.husk-image-stamp
cd /

rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
