#!/bin/sh
# record.sh - `asprof-batch record`: the uftrace command line it builds
# (--dry-run) for mcount and plain binaries, real recordings of a small C
# program (read back by `dump`), --force, its one-line errors, and
# tests/rust/tokio_mt built with mcount against Debian's crates, recorded and
# analysed end to end: with Debian's rustc (legacy names), and with rustup's
# (v0 names) when it is there too.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# status CMD...: run it, stdout/stderr in $TMP/stdout, $TMP/stderr; sets $st
lines() { wc -l <"$1" | tr -d ' '; }
# json FILE EXPR: evaluate a Python expression over the JSON document `d`
json() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

# expect_error NAME PATTERN CMD...: exit 2, one stderr line matching PATTERN
expect_error() {
	name=$1 pat=$2
	shift 2
	status "$@"
	if [ "$st" -eq 2 ] && [ "$(lines "$TMP/stderr")" -eq 1 ] && grep -q -- "$pat" "$TMP/stderr"; then
		ok "$name: exit 2, $(cat "$TMP/stderr")"
	else
		not_ok "$name: exit $st (want 2), $(lines "$TMP/stderr") stderr lines (want 1) matching '$pat'"
		diag "$TMP/stderr"
	fi
}

have_gcc=false
if command -v gcc >/dev/null 2>&1; then
	cat >"$TMP/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int work(int x) { return x * 2; }
int main(int argc, char **argv)
{
	printf("hello %d\n", work(argc));
	return argc > 1 ? atoi(argv[1]) : 0;
}
EOF
	gcc -pg -O0 -o "$TMP/hello_pg" "$TMP/hello.c" &&
		gcc -O0 -o "$TMP/hello_plain" "$TMP/hello.c" && have_gcc=true
fi
have_uftrace=false
command -v uftrace >/dev/null 2>&1 && have_uftrace=true

# ------------------------------------------------------------ 1. --dry-run
if $have_gcc; then
	status "$ASPROF" record -o "$TMP/runs/d1" --dry-run -- "$TMP/hello_pg" 1 'two words'
	cmd=$(cat "$TMP/stdout")
	check "dry-run (gcc -pg): exit 0, one line on stdout" [ "$st" -eq 0 -a "$(lines "$TMP/stdout")" -eq 1 ]
	check "dry-run: uftrace record -d DIR --no-libcall" \
		sh -c 'case "$1" in "uftrace record -d $2 --no-libcall "*) exit 0;; esac; exit 1' - "$cmd" "$TMP/runs/d1"
	check "dry-run: the -N filters, one alternation anchored on the function's own path" \
		sh -c 'echo "$1" | grep -qF -- "-N '\''^_R(I|Y|N[A-Za-z]|[MX](s[0-9A-Za-z]*_)?)*Cs[0-9A-Za-z]+_(4core4sync6atomic|"' - "$cmd"
	# what the filters drop and keep, by uftrace's regex flavour (POSIX ERE):
	# helpers go, anything that can block (and a blocked poll's culprit) stays
	printf '%s\n' "$cmd" | "$PY" -c '
import shlex, sys
a = shlex.split(sys.stdin.read())
print("\n".join(a[i + 1] for i, x in enumerate(a) if x == "-N"))' >"$TMP/notrace"
	notraced() { printf '%s\n' "$1" | grep -qEf "$TMP/notrace"; }
	while read -r what sym; do
		case $what in
		drop:*) check "dry-run: dropped, never blocks: ${what#drop:}" notraced "$sym" ;;
		*) check "dry-run: kept, can block: ${what#keep:}" sh -c '! printf "%s\n" "$1" | grep -qEf "$2"' - "$sym" "$TMP/notrace" ;;
		esac
	done <<'EOF'
drop:Arc::clone _RNvXsu_NtCslNYArtu3iFV_5alloc4syncINtB5_3ArcNtCscjtVX7xO3qU_14event_listener5InnerENtNtCsgEmfK2I1SDS_4core5clone5Clone5cloneBI_
drop:drop_in_place<BorrowRefMut> _RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeNtNtB4_4cell12BorrowRefMutECscaSHm1ksHfS_9async_std
drop:Vec::push _RNvMsF_NtCslNYArtu3iFV_5alloc3vecINtB5_3VecjE4pushCs43g2BMfmdQD_15crossbeam_utils
keep:std::sync::Mutex::lock _RNvMs5_NtNtNtCsjrHSEGnQ3l9_3std4sync6poison5mutexINtB5_5MutexuE4lockCsfsYi2EG5sgP_7parking
keep:Arc::drop _RNvXsE_NtCslNYArtu3iFV_5alloc4syncINtB5_3ArcNtCsfsYi2EG5sgP_7parking5InnerENtNtNtCsgEmfK2I1SDS_4core3ops4drop4Drop4dropBI_
keep:drop_in_place<BufWriter<File>> _RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCs1_3std2io9BufWriterNtNtBJ_2fs4FileEECs2_4prog
keep:log::__private_api_log _RNvCs5abc_3log17__private_api_log
keep:crossbeam_utils::sync::Parker::park _RNvMNtNtCs9xyz_15crossbeam_utils4syncNtB2_6Parker4park
keep:OnceCell::get_or_init _RINvMs_NtNtCsgEmfK2I1SDS_4core4cell4onceINtB5_8OnceCellpE11get_or_initNCNvCs2_4prog4init0EB1f_
EOF
	check "dry-run: an mcount build gets no -P, no -t, no -D" \
		sh -c 'echo "$1" | grep -qE -- " -(P|t|D) " && exit 1 || exit 0' - "$cmd"
	check "dry-run: the program and its arguments, shell-quoted, last" \
		sh -c 'case "$1" in *" $2 1 '\''two words'\''") exit 0;; esac; exit 1' - "$cmd" "$TMP/hello_pg"
	check "dry-run: mode line on stderr says mcount" grep -q 'mcount build' "$TMP/stderr"
	check "dry-run: nothing created" [ ! -e "$TMP/runs" ]
	check "dry-run: no runtime in a C program, no -A" sh -c 'echo "$1" | grep -q -- " -A " && exit 1 || exit 0' - "$cmd"

	status "$ASPROF" record -o "$TMP/runs/d2" -n "$TMP/hello_plain"
	check "dry-run (no -pg): dynamic patching -P ." sh -c 'echo "$1" | grep -q -- " -P \. "' - "$(cat "$TMP/stdout")"
	check "dry-run (no -pg): mode line says dynamic patching" grep -q 'dynamic patching' "$TMP/stderr"

	status "$ASPROF" record -o "$TMP/runs/d3" -n --runtime tokio "$TMP/hello_pg"
	check "dry-run --runtime tokio: Harness::poll arg1 spec" \
		sh -c 'echo "$1" | grep -qF -- "7Harness.*E4poll"' - "$(cat "$TMP/stdout")"
	status "$ASPROF" record -o "$TMP/runs/d3" -n --runtime smol "$TMP/hello_pg"
	check "dry-run --runtime smol: RawTask::run arg1 spec, no Harness" \
		sh -c 'echo "$1" | grep -qF -- "7RawTask.*E3run" && ! echo "$1" | grep -q Harness' - "$(cat "$TMP/stdout")"

	# a runtime of --runtimes FILE: its record: crates found in the
	# program's symbols, its task poll recorded
	cat >"$TMP/glommio.c" <<'EOF'
void spawn(void) __asm__("_RNvCs1_7glommio5spawn");
void spawn(void) {}
int main(void) { spawn(); return 0; }
EOF
	cat >"$TMP/glommio.yaml" <<'EOF'
runtimes:
  - name: glommio
    task_poll: ['glommio::task::*::run']
    record:
      crates: [glommio]
      task_poll_v0: ['^_RNvMs[0-9A-Za-z]*_NtCs[0-9A-Za-z]+_7glommio4task.*3run$']
EOF
	gcc -pg -O0 -o "$TMP/glommio" "$TMP/glommio.c"
	status "$ASPROF" record -o "$TMP/runs/d4" -n --runtimes "$TMP/glommio.yaml" "$TMP/glommio"
	check "dry-run --runtimes: the profile's crate detected, its task poll recorded" \
		sh -c '[ "$1" -eq 0 ] && grep -q "runtime glommio (detected)" "$2" && grep -qF -- "_7glommio4task.*3run\$@arg1" "$3"' \
		- "$st" "$TMP/stderr" "$TMP/stdout"
	status "$ASPROF" record -o "$TMP/runs/d4" -n --runtimes "$TMP/glommio.yaml" --runtime glommio "$TMP/hello_pg"
	check "dry-run --runtimes: --runtime takes the profile" \
		sh -c '[ "$1" -eq 0 ] && grep -q "runtime glommio (forced)" "$2"' - "$st" "$TMP/stderr"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do skip "dry-run: no gcc"; done
fi

# ------------------------------------------------- 2. real recordings of C
if $have_gcc && $have_uftrace; then
	status "$ASPROF" record --runtime tokio -o "$TMP/runs/c1" -- "$TMP/hello_pg"
	check "record (gcc -pg, --runtime tokio): exit 0" [ "$st" -eq 0 ]
	[ "$st" -eq 0 ] || diag "$TMP/stderr"
	check "record: stdout is one line, where and how to analyse (the runtime given, no rules file)" \
		sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -qF -- "analyse it with: asprof-batch --runtime tokio $2" "$1"' - "$TMP/stdout" "$TMP/runs/c1"
	check "record: the program's output goes to stderr" grep -q '^hello 2$' "$TMP/stderr"
	check "record: the -A spec reached uftrace (info argspec)" grep -aq '^argspec:.*Harness' "$TMP/runs/c1/info"
	# the command as pasted (asprof-batch being this one): it reads the recording
	pasted=$(sed -n 's/.*analyse it with: asprof-batch //p' "$TMP/stdout")
	status sh -c "cd '$TMP' && \"\$0\" -q -o '$TMP/pasted' $pasted" "$ASPROF"
	check "record: the analysis command works as pasted (exit $st)" \
		sh -c '[ "$1" -ne 2 ] && [ -f "$2/summary.json" ]' - "$st" "$TMP/pasted"
	status "$ASPROF" dump "$TMP/runs/c1"
	check "dump of the recording shows main" grep -q ' entry 0 main$' "$TMP/stdout"

	expect_error "the same -o again without --force" "not empty.*--force" \
		"$ASPROF" record -o "$TMP/runs/c1" "$TMP/hello_pg"
	status "$ASPROF" record --force -o "$TMP/runs/c1" "$TMP/hello_pg" 7
	check "--force: exit 0 though the program exits 7" [ "$st" -eq 0 ]
	check "--force: the old recording is kept as .old (said on stderr)" \
		sh -c '[ -f "$1.old/info" ] && [ -f "$1/info" ] && grep -q "\.old" "$2"' - "$TMP/runs/c1" "$TMP/stderr"
	check "a failing program: one warning line with its exit status" \
		sh -c '[ "$(grep -c "warning:.*exit status 7" "$1")" -eq 1 ]' - "$TMP/stderr"

	status "$ASPROF" record -o "$TMP/runs/p1" "$TMP/hello_plain"
	check "record (no -pg, dynamic patching): exit 0" [ "$st" -eq 0 ]
	status "$ASPROF" dump "$TMP/runs/p1"
	check "dump of the patched recording shows main and its callee" \
		sh -c 'grep -q " entry 0 main$" "$1" && grep -q " entry 1 work$" "$1"' - "$TMP/stdout"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11; do skip "record: needs gcc and uftrace"; done
fi

# ---------------------------------------------------------------- 3. errors
prog=/bin/true
$have_gcc && prog=$TMP/hello_pg
expect_error "missing program" "program not found" "$ASPROF" record -o "$TMP/runs/e1" "$TMP/no-such-program"
expect_error "missing program (PATH lookup)" "not in PATH" "$ASPROF" record -o "$TMP/runs/e1" no-such-program-asprof
printf 'not a program\n' >"$TMP/data.txt"
expect_error "a file that is not executable" "not executable" "$ASPROF" record -o "$TMP/runs/e1" "$TMP/data.txt"
printf '#!/bin/sh\necho hi\n' >"$TMP/script.sh"
chmod +x "$TMP/script.sh"
expect_error "a script (uftrace traces ELF programs)" "not an ELF" "$ASPROF" record -o "$TMP/runs/e1" "$TMP/script.sh"
expect_error "uftrace missing (--uftrace)" "uftrace not found.*apt-get install uftrace" \
	"$ASPROF" record --uftrace /nonexistent/uftrace -o "$TMP/runs/e1" "$prog"
expect_error "uftrace missing (not in PATH)" "^asprof-batch: uftrace not found: apt-get install uftrace$" \
	env PATH=/nonexistent "$ASPROF" record -o "$TMP/runs/e1" "$prog"
expect_error "through env" "cannot trace through env" "$ASPROF" record -o "$TMP/runs/e1" -- env A=1 "$prog"
expect_error "-o missing" "-o DIR is required" "$ASPROF" record "$prog"
expect_error "unknown runtime" "--runtime takes" "$ASPROF" record -o "$TMP/runs/e1" --runtime go "$prog"
mkdir -p "$TMP/afile" && : >"$TMP/afile/x"
expect_error "-o is a file" "not a directory" "$ASPROF" record -o "$TMP/afile/x" "$prog"
check "no recording left by the errors" [ ! -e "$TMP/runs/e1" ]
# a uftrace that fails: its exit status and last ERROR line, nothing else of it
cat >"$TMP/fake-uftrace" <<'EOF'
#!/bin/sh
echo "uftrace: ./cmds/record.c:1:check" >&2
echo " ERROR: something went wrong" >&2
printf '\tand a detail line\n' >&2
exit 1
EOF
chmod +x "$TMP/fake-uftrace"
status "$ASPROF" record --uftrace "$TMP/fake-uftrace" -o "$TMP/runs/e2" "$prog"
check "uftrace failing: exit 2, one error line with its status and message" \
	sh -c '[ "$1" -eq 2 ] && [ "$(grep -c "uftrace failed (exit status 1): ERROR: something went wrong$" "$2")" -eq 1 ] && ! grep -q "detail line" "$2"' - "$st" "$TMP/stderr"

# ------------------------------------------------- 4. tokio_mt, end to end
# tests/rust/tokio_mt built with -Z instrument-mcount against Debian's crates,
# recorded and analysed, once per toolchain: Debian's rustc and cargo
# (/usr/bin, installed by tests/deps.sh; 1.63 mangles with legacy _ZN names)
# always, and another one (rustup's: ~/.cargo/bin, or a cargo earlier in
# PATH; v0 _R names) as well when present. On Debian a missing piece is a
# failure (tests/deps.sh installs it all); elsewhere it is a SKIP.
if [ -f /etc/debian_version ]; then
	missing() { not_ok "tokio_mt e2e: $1 (run tests/deps.sh)"; }
else
	missing() { skip "tokio_mt e2e: $1"; }
fi
# toolchains: "LABEL|CARGO|RUSTC" lines
toolchains=
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ]; then
	toolchains="Debian rustc $(/usr/bin/rustc --version | cut -d' ' -f2)|/usr/bin/cargo|/usr/bin/rustc"
fi
other=$(command -v cargo 2>/dev/null || true)
if [ -z "$other" ] || [ "$other" = /usr/bin/cargo ]; then other=${CARGO_HOME:-${HOME:-/root}/.cargo}/bin/cargo; fi
if [ -x "$other" ] && [ "$other" != /usr/bin/cargo ] && [ -x "$(dirname "$other")/rustc" ]; then
	orustc=$(dirname "$other")/rustc
	if v=$("$orustc" --version 2>/dev/null); then
		toolchains="$toolchains
$(echo "$v" | cut -d' ' -f1-2) ($(dirname "$other"))|$other|$orustc"
	fi
fi
if [ ! -x /usr/bin/cargo ] || [ ! -x /usr/bin/rustc ]; then
	missing "no Debian rustc and cargo in /usr/bin (packages rustc, cargo)"
fi
rust_ready=false
if [ -z "$toolchains" ]; then
	: # said above
elif ! ls -d /usr/share/cargo/registry/tokio-[0-9]* >/dev/null 2>&1; then
	missing "no Debian tokio crate in /usr/share/cargo/registry (librust-tokio-dev)"
elif ! $have_uftrace; then
	missing "no uftrace"
elif ! command -v "$PY" >/dev/null 2>&1; then
	missing "no python3"
else
	rust_ready=true
	# a copy of the workspace: cargo reads .cargo/config.toml (the Debian
	# registry, offline) from the directory it runs in, and may rewrite
	# Cargo.lock, which must not happen in the source tree
	mkdir "$TMP/rust"
	(cd "$TESTS_SRCDIR/rust" && tar --exclude=./target -cf - .) | tar -C "$TMP/rust" -xf -
	printf 'fn f(x: u32) -> u32 { x + 1 }\nfn main() { std::process::exit(f(0) as i32 - 1) }\n' >"$TMP/probe.rs"
fi

# e2e LABEL CARGO RUSTC N: build, record and analyse tokio_mt with it
e2e() {
	label=$1 cargo=$2 rustc=$3 n=$4
	t="tokio_mt e2e ($label)"
	failed_before=$tap_failed
	# -Z instrument-mcount alone makes no mcount call with rustc 1.63 on
	# LLVM 14 (its new pass manager lost the entry-exit pass): add the pass
	# by name when a probe shows that
	flags="-Z instrument-mcount"
	for extra in "" " -C passes=ee-instrument<post-inline>" none; do
		if [ "$extra" = none ]; then
			not_ok "$t: rustc makes no mcount calls, even with -C passes=ee-instrument<post-inline>"
			diag "$TMP/probe.log"
			return
		fi
		rm -f "$TMP/probe"
		# shellcheck disable=SC2086 # the flags are words
		RUSTC_BOOTSTRAP=1 "$rustc" $flags$extra -o "$TMP/probe" "$TMP/probe.rs" >"$TMP/probe.log" 2>&1 || continue
		status "$ASPROF" record -o "$TMP/runs/probe" -n -- "$TMP/probe"
		if grep -q 'mcount build' "$TMP/stderr"; then
			flags=$flags$extra
			break
		fi
	done
	ok "$t: RUSTFLAGS=\"$flags\" gives an mcount build"
	set +e
	(cd "$TMP/rust" && RUSTC="$rustc" RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" CARGO_TARGET_DIR="$TMP/target$n" \
		timeout 600 "$cargo" build --offline -j 2 -v -p tokio_mt) >"$TMP/cargo$n.log" 2>&1
	cst=$?
	set -e
	bin=$TMP/target$n/debug/tokio_mt
	if [ "$cst" -ne 0 ] || [ ! -x "$bin" ]; then
		not_ok "$t: cargo build failed or took over 10 minutes (status $cst)"
		tail -n 15 "$TMP/cargo$n.log" | diag
		return
	fi
	check "$t: cargo built it from the Debian crates (.cargo/config.toml)" \
		grep -q '/usr/share/cargo/registry/tokio-' "$TMP/cargo$n.log"
	# the symbol scheme this rustc gave the program's own functions
	# fut NAME: the name of tokio_mt's async fn NAME's body in that scheme
	if nm "$bin" | grep -q ' _RNvCs[0-9A-Za-z_]*_8tokio_mt'; then
		scheme="v0 _R" closure='{closure#0}'
	else
		scheme="legacy _ZN" closure='{{closure}}'
	fi
	fut() { echo "tokio_mt::$1::$closure"; }
	case $label in Debian*) [ "$scheme" = "legacy _ZN" ] || not_ok "$t: Debian's rustc gave $scheme names, not legacy ones" ;; esac
	run=$TMP/e2e$n/tokio_mt
	status "$ASPROF" record -o "$run" -- "$bin"
	check "$t: record exit 0" [ "$st" -eq 0 ]
	[ "$st" -eq 0 ] || diag "$TMP/stderr"
	check "$t: record says mcount build, $scheme symbols, tokio detected, crate tokio_mt" \
		grep -q "mcount build.*$scheme symbols; runtime tokio (detected); crate tokio_mt" "$TMP/stderr"
	status "$ASPROF" -q -o "$TMP/out$n" "$run"
	sum=$TMP/out$n/runs/tokio_mt/summary.json
	check "$t: analysis exits 1 (the blocking poll is an error)" [ "$st" -eq 1 ]
	check "$t: the one error is a blocking poll of $(fut blocking_io), culprit tokio_mt::blocking_sleep" \
		json "$sum" "[(f['rule'], f['future'], f['culprit']) for f in d['findings'] if f['severity'] == 'error']
			== [('blocking-poll', '$(fut blocking_io)', 'tokio_mt::blocking_sleep')]"
	check "$t: args recorded; 5 tasks: main, 2 workers, blocking_io, selector" json "$sum" \
		"d['run']['args_recorded'] is True and sorted((t['root'], t['main']) for t in d['tasks']) == sorted([
			('$(fut main)', True), ('$(fut worker)', False), ('$(fut worker)', False),
			('$(fut blocking_io)', False), ('$(fut selector)', False)])"
	check "$t: CountDown, the hand-written future: 2 instances, 8 polls" json "$sum" \
		"[(f['instances'], f['polls']) for f in d['futures'] if f['name'] == 'tokio_mt::CountDown'] == [(2, 8)]"
	if [ "$tap_failed" -ne "$failed_before" ]; then
		grep -a '^cmdline:' "$run/info" | diag || true
	fi
}
if $rust_ready; then
	n=0
	while IFS='|' read -r label cargo rustc; do
		[ -n "$label" ] || continue
		n=$((n + 1))
		e2e "$label" "$cargo" "$rustc" "$n"
	done <<EOT
$toolchains
EOT
fi

tap_done
