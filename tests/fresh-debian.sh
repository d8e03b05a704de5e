#!/usr/bin/env bash
# tests/fresh-debian.sh - the README's Quick start commands, exactly as
# written there, each in a fresh Debian 12 (bookworm) minbase root made by
# debootstrap, as root, in a clone of this repository's HEAD (or of
# $ASPROF_FRESH_REV). A missing install step in tests/deps.sh then fails
# here instead of on a user's machine. Run by .ci/run; needs root, debootstrap (installed with apt-get
# when missing) and the Debian mirror of this machine's apt sources.
#
# The debootstrapped base root is kept as a tarball in the cache folder
# ($ASPROF_CI_CACHE, default /var/cache/asprof-ci) and made again when it is
# 30 days old; each command gets its own root unpacked from it, with /proc,
# /sys and /dev bind-mounted (uftrace needs them) and this machine's
# resolv.conf. The roots are removed afterwards (ASPROF_FRESH_KEEP=1 keeps
# them, unmounted). Output: one line per step with its time on stdout; the
# commands' output in $ASPROF_FRESH_LOG (default ./fresh-debian.log); on a
# failure the root's test logs are copied to ./fresh-debian-logs/.
#
# Usage: tests/fresh-debian.sh [N...]   (run only the README's Nth commands)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cache=${ASPROF_CI_CACHE:-/var/cache/asprof-ci}
log=${ASPROF_FRESH_LOG:-$PWD/fresh-debian.log}
logdir=$(dirname "$log")/fresh-debian-logs
suite=bookworm
t0=$(date +%s)

say() { echo "fresh-debian: $*"; }
die() { echo "fresh-debian: error: $*" >&2; exit 1; }
since() { echo "$(($(date +%s) - $1)) s"; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
# the commit to try: HEAD, or $ASPROF_FRESH_REV
rev=$(git -C "$src" rev-parse --verify -q "${ASPROF_FRESH_REV:-HEAD}^{commit}") ||
	die "$src: no commit ${ASPROF_FRESH_REV:-HEAD} (is it a git clone?)"

# ---------------------------------------------------- the README's commands
# every command line of the ```sh blocks of README.md's "## Quick start",
# as the commit tried has it
mapfile -t cmds < <(git -C "$src" show "$rev:README.md" | awk '
	/^## / { in_qs = ($0 == "## Quick start"); next }
	in_qs && /^```sh$/ { blk = 1; next }
	in_qs && /^```/ { blk = 0; next }
	in_qs && blk && !/^[[:space:]]*(#|$)/ { print }
')
[ "${#cmds[@]}" -ge 1 ] || die "no command found in README.md's Quick start code blocks"
only=("$@")

# --------------------------------------------------------------- the mirror
# the Debian archive this machine's apt sources name for $suite (one-line
# and deb822 formats); the security archive likewise, if it is named
mirror_for() { # SUITE -> first URI that serves it
	local want=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case $f in
		*.sources) awk -v want="$want" '
			function flush() { if (uri != "" && (" " suites " ") ~ (" " want " ") && types ~ /(^| )deb( |$)/) { print uri; found = 1; exit } uri = suites = types = "" }
			/^[[:space:]]*$/ { flush(); next }
			/^URIs:/ { uri = $2 } /^Suites:/ { $1 = ""; suites = $0 } /^Types:/ { $1 = ""; types = $0 }
			END { if (!found) flush() }' "$f" ;;
		*) awk -v want="$want" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++
			if ($(i + 1) == want) { print $i; exit } }' "$f" ;;
		esac
	done | head -n 1
}
mirror=${ASPROF_DEBIAN_MIRROR:-$(mirror_for "$suite")}
[ -n "$mirror" ] || die "no '$suite' entry in /etc/apt/sources.list*; set ASPROF_DEBIAN_MIRROR"
security=$(mirror_for "$suite-security")
updates=$(mirror_for "$suite-updates")

# ------------------------------------------------------------- the base root
arch=$(dpkg --print-architecture)
mkdir -p "$cache"
base="$cache/$suite-minbase-$arch-$(printf '%s' "$mirror" | md5sum | cut -c1-8).tar.gz"
exec 9>"$cache/.lock"
flock 9 # one CI run makes the base at a time; the others wait for it
if [ -f "$base" ] && [ -z "$(find "$base" -mtime +30)" ]; then
	base_how="cached"
else
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >>"$log" 2>&1 ||
			die "apt-get install debootstrap failed (see $log)"
	fi
	t=$(date +%s)
	say "making the $suite minbase root with debootstrap from $mirror (once; cached in $cache)"
	mk=$(mktemp -d /var/tmp/asprof-debootstrap.XXXXXX)
	chmod 755 "$mk" # mktemp's 0700 would be the root's /
	if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$mk" "$mirror" >>"$log" 2>&1; then
		tail -n 20 "$mk/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
		rm -rf --one-file-system "$mk"
		die "debootstrap failed (see $log)"
	fi
	tar -C "$mk" --numeric-owner -czf "$base.tmp" . && mv -f "$base.tmp" "$base"
	rm -rf --one-file-system "$mk"
	base_how="made in $(since "$t")"
fi
flock -u 9
say "base root $base ($base_how)"

# ------------------------------------------------------- a root per command
root=
mounted=()
unmount_all() {
	local i p
	[ -n "$root" ] || return 0
	# processes a command left running in the root (only ours live there)
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R "${mounted[i]}" 2>/dev/null || umount -lR "${mounted[i]}" 2>/dev/null || true
	done
	mounted=()
	# and whatever else is mounted below the root, deepest first
	awk -v r="$root/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r p; do umount -l "$p" 2>/dev/null || true; done
}
cleanup() {
	unmount_all
	[ -n "$root" ] && [ -d "$root" ] || return 0
	if grep -qF " $root/" /proc/self/mountinfo; then
		echo "fresh-debian: error: $root still has mounts; not removed" >&2
	elif [ "${ASPROF_FRESH_KEEP:-}" = 1 ]; then
		say "root kept in $root"
	else
		rm -rf --one-file-system "$root"
	fi
	root=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount_in() { # TYPE-OR-BIND SOURCE TARGET-IN-ROOT
	local target=$root$3
	mkdir -p "$target"
	if [ "$1" = rbind ]; then
		mount --rbind "$2" "$target" && mounted+=("$target") && mount --make-rslave "$target"
	else
		mount -t "$1" "$2" "$target" && mounted+=("$target")
	fi
}

new_root() {
	root=$(mktemp -d /var/tmp/asprof-fresh.XXXXXX)
	tar -C "$root" --numeric-owner -xzf "$base"
	chmod 755 "$root" # / of a Debian system (mktemp made it 0700)
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	{
		echo "deb $mirror $suite main"
		[ -z "$updates" ] || echo "deb $updates $suite-updates main"
		[ -z "$security" ] || echo "deb $security $suite-security main"
	} >"$root/etc/apt/sources.list"
	mount_in proc proc /proc
	mount_in rbind /sys /sys
	mount_in rbind /dev /dev
	# a clone of this repository's HEAD, as a user would make it
	git clone -q --no-hardlinks "$src" "$root/root/asprof"
	git -C "$root/root/asprof" checkout -q --detach "$rev"
}

# save_logs N: what a failure needs, out of the root before it goes
save_logs() {
	local d="$logdir/$1"
	mkdir -p "$d"
	(cd "$root/root/asprof" && find . -maxdepth 3 \( -name '*.log' -o -name '*.trs' \) -print0 |
		xargs -0 -r cp --parents -t "$d") 2>/dev/null || true
	echo "fresh-debian: the root's logs are in $d" >&2
}

# tests_failed: the failed tests of the root's test-suite.log and what their
# logs say about them
tests_failed() {
	local a=$root/root/asprof t
	[ -f "$a/test-suite.log" ] || return 0
	echo "    failed tests (test-suite.log):"
	grep -E '^(FAIL|ERROR|XPASS):' "$a/test-suite.log" | head -n 20 | sed 's/^/      /'
	for t in $(sed -n 's/^\(FAIL\|ERROR\|XPASS\): \([^ ]*\).*/\2/p' "$a/test-suite.log" | sort -u | head -n 5); do
		echo "    $t.log: its diagnostics and failures"
		grep -E '^(# |not ok)' "$a/$t.log" 2>/dev/null | head -n 15 | sed 's/^/      /'
	done
}

# check_run N CMD: after CMD succeeded, what it must have done
check_run() {
	local a=$root/root/asprof
	case $2 in
	*"make check"*)
		[ -f "$a/test-suite.log" ] || { echo "no test-suite.log"; return 1; }
		grep -Eq '^# (FAIL|ERROR|XPASS): +[1-9]' "$a/test-suite.log" && { echo "test-suite.log counts failures"; return 1; }
		# the end-to-end Rust test ran (not skipped), with Debian's toolchain
		grep -Eq '^ok [0-9]+ - tokio_mt e2e \(Debian' "$a/tests/record.sh.log" ||
			{ echo "tests/record.sh.log: the tokio_mt end-to-end test did not run with Debian's rustc"; return 1; }
		if grep -E '# SKIP' "$a/tests/record.sh.log" | grep -q 'tokio_mt'; then
			echo "tests/record.sh.log: part of the tokio_mt end-to-end test was skipped"
			return 1
		fi
		echo "$(sed -n 's/^# PASS: *//p' "$a/test-suite.log" | head -n 1) tests passed, the tokio_mt end-to-end test with Debian's rustc among them"
		;;
	*"make demo"*)
		[ -s "$a/asprof-out/index.md" ] || { echo "no asprof-out/index.md"; return 1; }
		echo "asprof-out/index.md written"
		;;
	*) echo "exit status 0" ;;
	esac
}

: >"$log"
failed=0
n=0
ran=0
for cmd in "${cmds[@]}"; do
	n=$((n + 1))
	if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $n "* ]]; then continue; fi
	ran=$((ran + 1))
	t=$(date +%s)
	new_root
	say "[$n] in a fresh root ($(since "$t") to unpack): $cmd"
	echo "==== [$n] $cmd" >>"$log"
	# in the background, so that a signal to this script is handled at
	# once (the trap kills what runs in the root), not when the command ends
	chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c 'cd /root/asprof && eval "$1"' bash "$cmd" </dev/null >>"$log" 2>&1 &
	st=0
	wait $! || st=$?
	if [ "$st" -ne 0 ]; then
		failed=$((failed + 1))
		say "[$n] FAILED (exit status $st, $(since "$t")); the end of its output:"
		awk -v m="==== [$n] " 'index($0, m) == 1 { p = 1 } p' "$log" | grep -v '^\(PASS\|SKIP\|XFAIL\): ' |
			tail -n 25 | sed 's/^/    /'
		tests_failed
		save_logs "$n"
	elif why=$(check_run "$n" "$cmd"); then
		say "[$n] ok in $(since "$t"): $why"
	else
		failed=$((failed + 1))
		say "[$n] FAILED ($(since "$t")): exit status 0 but $why"
		tests_failed
		save_logs "$n"
	fi
	cleanup
done
say "$ran of the $n commands of README.md's Quick start run at ${rev:0:12}, $failed failed, $(since "$t0") in all"
[ "$failed" -eq 0 ]
