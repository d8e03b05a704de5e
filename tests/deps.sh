#!/bin/sh
# tests/deps.sh - install what asprof needs to build, run and test on
# Debian 12, with apt-get (run as root). Packages already present are
# left alone, so this is quick and offline on a machine that has them.
set -eu
pkgs="build-essential autoconf automake pkg-config
libyaml-dev libjson-c-dev libxlsxwriter-dev libiberty-dev
gnuplot-nox uftrace binutils python3 python3-openpyxl valgrind"
# with a Rust toolchain, the crates the test programs build from (offline,
# from /usr/share/cargo/registry): record.sh's end-to-end test needs them
here=$(dirname "$0")
if command -v cargo >/dev/null 2>&1 || [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
	pkgs="$pkgs $(cat "$here/rust/debian-crates")"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "tests/deps.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
