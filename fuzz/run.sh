#!/bin/sh
# fuzz/run.sh - build the libFuzzer targets (in fuzz/build/, a private copy of
# the sources configured with CC=clang --enable-fuzzing) and run each one for
# its share of SECONDS (default 60), starting from the seeds in fuzz/corpus/.
# Prints one line per target; a crash, leak, hang or memory blow-up leaves
# its input in fuzz/crashes/ and makes the exit status 1.
#
#   fuzz/run.sh [SECONDS [TARGET...]]      e.g. fuzz/run.sh 600 fuzz-dat
#
# On a fresh Debian 12 it installs clang and libclang-rt-14-dev (libFuzzer)
# with apt-get when they are missing; tests/deps.sh has the rest.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
total=${1:-60}
[ $# -gt 0 ] && shift
all="fuzz-dat fuzz-dat-args fuzz-info fuzz-task fuzz-map fuzz-sym fuzz-dbg fuzz-argspec fuzz-rules fuzz-perf fuzz-summary"
targets=${*:-$all}
build=$top/fuzz/build
crashes=$top/fuzz/crashes
jobs=$(nproc 2>/dev/null || echo 2)

say() { echo "fuzz/run.sh: $*" >&2; }

# ---- clang with libFuzzer
can_fuzz() {
	command -v clang >/dev/null 2>&1 || return 1
	t=$(mktemp -d)
	printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$t/t.c"
	clang -fsanitize=fuzzer,address,undefined -o "$t/t" "$t/t.c" >/dev/null 2>&1
	rc=$?
	rm -rf "$t"
	return $rc
}
if ! can_fuzz; then
	say "installing clang and libFuzzer (apt-get install clang libclang-rt-14-dev)"
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q >/dev/null
	$SUDO apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev >/dev/null
	can_fuzz || { say "clang cannot link -fsanitize=fuzzer"; exit 2; }
fi
say "$(clang --version | head -n 1)"

# ---- build in a private copy, leaving the source tree's own build alone
mkdir -p "$build"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# the sources: tracked and new files, not build products
	git ls-files -z -co --exclude-standard -- . ':!tests/fixtures' ':!tests/rust' ':!fuzz/build' ':!fuzz/crashes' |
		tar --null -T - -cf - | tar -xf - -C "$build"
else
	tar -cf - --exclude=./fuzz/build --exclude=./fuzz/crashes --exclude=./tests/fixtures \
		--exclude=./tests/rust --exclude='*.o' --exclude='*.a' --exclude=./Makefile \
		--exclude=./config.status --exclude=./config.h --exclude=./config.log . |
		tar -xf - -C "$build"
fi
(
	cd "$build"
	[ -x configure ] || ./autogen.sh >autogen.log 2>&1 || { cat autogen.log >&2; exit 1; }
	if ! grep -q -- '--enable-fuzzing' config.status 2>/dev/null; then
		./configure -q CC=clang --enable-fuzzing CFLAGS="-O1 -g" >configure.log 2>&1 ||
			{ tail -n 30 configure.log >&2; exit 1; }
	fi
	make -s -j"$jobs" fuzz-targets >make.log 2>&1 || { tail -n 40 make.log >&2; exit 1; }
) || { say "build failed"; exit 2; }

# ---- run
n=0
for t in $targets; do n=$((n + 1)); done
per=$((total / n))
[ "$per" -ge 1 ] || per=1
mkdir -p "$crashes"
work=$(mktemp -d "${TMPDIR:-/tmp}/asprof-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
for t in $targets; do
	bin=$build/fuzz/$t
	[ -x "$bin" ] || { say "$t: no such target"; status=1; continue; }
	mkdir -p "$work/$t" "$work/tmp"
	before=$(ls "$crashes" | wc -l)
	# the first directory collects new inputs; the committed seeds are read only
	set +e
	TMPDIR="$work/tmp" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$per" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$crashes/$t-" \
		"$work/$t" "$top/fuzz/corpus/$t" >"$work/$t.log" 2>&1
	rc=$?
	set -e
	after=$(ls "$crashes" | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	units=$(sed -n 's/^stat::new_units_added: *//p' "$work/$t.log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$work/$t.log" | tail -n 1)
	found=$((after - before))
	if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
	echo "$t: ${per}s, ${execs:-0} execs, ${units:-0} new inputs, cov ${cov:-?}, $found crashes"
	if [ "$found" -ne 0 ]; then
		status=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz:|Test unit written|artifact_prefix)' "$work/$t.log" | head -n 5 | sed "s/^/  $t: /"
		cp "$work/$t.log" "$crashes/$t.log"
	fi
done
exit "$status"
