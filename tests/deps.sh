#!/bin/sh
# tests/deps.sh - install what asprof needs to build, run and test on
# Debian 12, with apt-get (run as root). Packages already present are
# left alone, so this is quick and offline on a machine that has them.
# tests/fresh-debian.sh checks in a fresh debootstrap root that this list
# is complete: add here whatever a new test needs.
set -eu
here=$(dirname "$0")
# zlib1g-dev: libxlsxwriter's pkg-config file links with -lz
pkgs="build-essential autoconf automake pkg-config
libyaml-dev libjson-c-dev libxlsxwriter-dev libiberty-dev zlib1g-dev
gnuplot-nox uftrace binutils python3 python3-openpyxl valgrind"
# tests/html.sh and tests/hostile-names.sh load report.html in headless
# Chromium (Debian's; the tests skip the browser's checks without it);
# html.sh parses it with html5lib's strict HTML5 parser
pkgs="$pkgs chromium python3-html5lib"
# tests/scale-out.sh analyses runs apart with GNU parallel (it skips
# without it), as docs/scale-out.md describes
pkgs="$pkgs parallel"
# Debian's Rust toolchain and the crates the test programs build from
# (offline, from /usr/share/cargo/registry): tests/record.sh builds,
# records and analyses tests/rust/tokio_mt with them
pkgs="$pkgs rustc cargo $(grep -v '^#' "$here/rust/debian-crates")"
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
