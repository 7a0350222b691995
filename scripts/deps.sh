#!/bin/bash
# scripts/deps.sh [build|test|bench] -- install the Debian packages husk needs, if missing.
#   build: compiler, jansson, libseccomp, busybox-static (the default image), jq
#   test:  build + cmocka, bats, iproute2, util-linux
#   bench: build + hyperfine, crun, runc
# Quiet when everything is present. Installing needs root; it runs `apt-get update` once and
# retries when a package cannot be found in the current lists.
set -euo pipefail

BUILD_PKGS="gcc make pkg-config libjansson-dev libseccomp-dev busybox-static jq"
case ${1:-build} in
build) PKGS=$BUILD_PKGS ;;
test) PKGS="$BUILD_PKGS libcmocka-dev bats iproute2 util-linux" ;;
bench) PKGS="$BUILD_PKGS hyperfine crun runc" ;;
*)
	echo "usage: $0 [build|test|bench]" >&2
	exit 2
	;;
esac

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
	echo "deps.sh: run as root to install them, or: apt-get install ${missing[*]}" >&2
	exit 1
fi
command -v apt-get >/dev/null || {
	echo "deps.sh: apt-get not found (husk is built on Debian 12); install: ${missing[*]}" >&2
	exit 1
}

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() {
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
if ! install 2>/dev/null; then
	apt-get update -q >/dev/null || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
	install || { echo "deps.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
