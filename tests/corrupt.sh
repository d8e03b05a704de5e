#!/bin/sh
# corrupt.sh - damaged recordings (made byte by byte from a real fixture),
# damaged rules files, unusable output folders, and the inputs the fuzzers
# found (tests/corrupt/, see fuzz/). Each gives one line that names the file
# and exit status 2, or a one-line warning and a clean result; never a crash
# (exit >= 128) or a sanitizer report. docs/bad-inputs.md lists the messages:
# CORRUPT_TABLE=FILE appends one Markdown table row per case to FILE.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
corrupt="${TESTS_SRCDIR:-$(dirname "$0")}/corrupt"
src="$FIXTURES/tokio_ct"
out="$TMP/out"
# no charts (faster) but for the full-disk cases; its note is not counted
export ASPROF_GNUPLOT="$TMP/no-gnuplot"

# a writable copy of a recording as $TMP/run
fresh() {
	rm -rf "$TMP/run" "$out"
	cp -r "${1:-$src}" "$TMP/run"
	chmod -R u+w "$TMP/run"
}
# put BYTES (printf escapes) at OFFSET of FILE
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# the largest thread file of $TMP/run, as $f and its name as $b
biggest_dat() { f=$(ls -S "$TMP/run"/[0-9]*.dat | head -n 1); b=$(basename "$f"); }

row() {
	if [ -n "${CORRUPT_TABLE:-}" ]; then
		printf '| %s | %s | %s |\n' "$1" "$2" "$(printf '%s' "$3" | sed 's/|/\\|/g')" >>"$CORRUPT_TABLE"
	fi
}

# run [--cmd] ARGS...: asprof-batch (or the command given) with $TMP/stdout, $TMP/stderr, $st and $msg (stderr,
# one line, with $TMP/ cut from paths)
run() {
	set +e
	if [ "$1" = --cmd ]; then
		shift
		"$@" >"$TMP/stdout" 2>"$TMP/stderr.all"
	else
		"$ASPROF" "$@" >"$TMP/stdout" 2>"$TMP/stderr.all"
	fi
	st=$?
	set -e
	grep -av 'charts skipped: gnuplot not found' "$TMP/stderr.all" >"$TMP/stderr" || true
	msg=$(sed "s|$TMP/||g" "$TMP/stderr")
	shown=$(printf '%s' "$msg" | tr '\\' /) # for echo, which may read escapes
	lines=$(wc -l <"$TMP/stderr")
}
sane() { [ "$st" -lt 128 ] && ! grep -qE 'Sanitizer|runtime error' "$TMP/stderr"; }

# expect NAME STATUS PATTERN ARGS...: exit STATUS and one stderr line matching
# PATTERN (grep -E); PATTERN '-' wants no stderr at all ($want_lines lines
# when set: a warning that says why, then the error)
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	run "$@"
	if [ "$pat" = - ]; then
		good=$([ "$lines" -eq 0 ] && echo y || echo n)
		msg="(nothing)"
	else
		good=$([ "$lines" -eq "${want_lines:-1}" ] && grep -aqE -- "$pat" "$TMP/stderr" && echo y || echo n)
	fi
	if [ "$st" -eq "$want" ] && [ "$good" = y ] && sane; then
		ok "$name: exit $st: $shown"
	else
		not_ok "$name: exit $st (want $want), $lines stderr lines, want '$pat'"
		diag "$TMP/stderr"
	fi
	row "$name" "$st" "$msg"
}

# expect_warned NAME PATTERN ARGS...: exit 0, every stderr line a warning,
# one of them matching PATTERN (the fuzz cases, whose recordings warn more)
expect_warned() {
	name=$1 pat=$2
	shift 2
	run "$@"
	if [ "$st" -eq 0 ] && sane && ! grep -aqv ': warning: ' "$TMP/stderr" &&
		grep -aqE -- "$pat" "$TMP/stderr"; then
		ok "$name: $(grep -aE -- "$pat" "$TMP/stderr" | sed "s|$TMP/||g" | tr '\\' / | head -n 1)"
	else
		not_ok "$name: exit $st, want 0 and a warning matching '$pat'"
		diag "$TMP/stderr"
	fi
	row "$name" "$st" "$(grep -aE -- "$pat" "$TMP/stderr" | sed "s|$TMP/||g" | head -n 1)"
}

analyze() { expect "$1" "$2" "$3" -q -o "$out" "$TMP/run"; }

# ---------------------------------------------------------------- info
fresh; : >"$TMP/run/info"
analyze "empty info" 2 "run/info: truncated header \(0 of 40 bytes\)"

fresh; head -c 20 "$src/info" >"$TMP/run/info"
analyze "info cut inside its header" 2 "run/info: truncated header \(20 of 40 bytes\)"

fresh; poke "$TMP/run/info" 0 'Xtrace!'
analyze "info with a wrong magic" 2 "run/info: bad magic"

fresh; poke "$TMP/run/info" 8 '\143'
analyze "info of an unsupported version (99)" 2 "run/info: unsupported uftrace data version 99"

fresh; poke "$TMP/run/info" 14 '\002'
analyze "big-endian info header" 2 "run/info: only little-endian 64-bit"

fresh; poke "$TMP/run/info" 15 '\001'
analyze "32-bit recording" 2 "run/info: only little-endian 64-bit"

fresh; poke "$TMP/run/info" 12 '\377\377'
analyze "info header size beyond the file" 2 "run/info: bad header size 65535"

fresh; sed 's/^taskinfo:tids=.*/&,x/' "$src/info" >"$TMP/run/info"
analyze "info with a bad tid list" 2 "run/info: bad taskinfo tid list"

fresh; rm "$TMP/run/info"
analyze "missing info" 2 "run/info: missing"

fresh "$corrupt/synthetic"; cp "$corrupt/info-repeated-keys" "$TMP/run/info"
expect_warned "info with every key twice (fuzz: leak)" "warning" dump "$TMP/run"

fresh "$corrupt/synthetic"; cp "$corrupt/info-regex-bomb" "$TMP/run/info"
expect_warned "info argspec 'f+++...+' (fuzz: regcomp took gigabytes)" "bad pattern" dump "$TMP/run"

# ---------------------------------------------------------------- task.txt
fresh; : >"$TMP/run/task.txt"
analyze "empty task.txt" 2 "run/task.txt: no session"

fresh; sed '1s/timestamp=[0-9.]*/timestamp=12:34/' "$src/task.txt" >"$TMP/run/task.txt"
analyze "task.txt with a bad timestamp" 2 "run/task.txt:1: bad or missing timestamp"

fresh; sed '1s/ sid=[0-9a-f]*//' "$src/task.txt" >"$TMP/run/task.txt"
analyze "task.txt SESS line without sid" 2 "run/task.txt:1: SESS line without pid or sid"

fresh; echo 'BOGUS timestamp=640.000000000 tid=1' >>"$TMP/run/task.txt"
n=$(wc -l <"$TMP/run/task.txt")
analyze "task.txt with an unknown line" 0 "run/task.txt:$n: unknown line kind skipped"

fresh; rm "$TMP/run/task.txt"
analyze "missing task.txt" 2 "run/task.txt: No such file"

fresh "$corrupt/synthetic"; cp "$corrupt/task-no-tasks.txt" "$TMP/run/task.txt"
expect_warned "task.txt without TASK lines (fuzz: bsearch on NULL)" "warning" dump "$TMP/run"

# ---------------------------------------------------------------- map
map=$(cd "$src" && ls sid-*.map | head -n 1)
fresh; : >"$TMP/run/$map"
want_lines=2 analyze "empty map" 2 "run/$map: empty; no symbols for session"
check "... and the run is skipped: nothing has a name" grep -qE "skipped: .*run: no session has a map naming its program \(sid-\*\.map\): no function has a name, cannot be analysed" "$TMP/stderr"

fresh; { echo 'garbage'; cat "$src/$map"; printf '\001\002\003\n'; } >"$TMP/run/$map"
analyze "map with garbage lines" 0 "run/$map:1: malformed map line skipped, and 1 more"

fresh; long=$(head -c 20000 /dev/zero | tr '\0' x)
sed "1s|^\([^/]*\)/[^ ]*|\1/$long|" "$src/$map" >"$TMP/run/$map"
# (the line of the program: nothing else was recorded, nothing has a name)
want_lines=2 analyze "map line with a 20000-byte path" 2 "run/$map:1: path longer than 4094 bytes; mapping skipped"
check "... and the run is skipped: nothing has a name" grep -qE "run: skipped: .*run: no recorded address is in a function of the symbol files" "$TMP/stderr"

fresh; rm "$TMP/run/$map"
want_lines=2 analyze "missing map" 2 "run/$map: No such file or directory; no symbols for session"
check "... and the run is skipped: nothing has a name" grep -qE "skipped: .*run: no session has a map naming its program \(sid-\*\.map\): no function has a name, cannot be analysed" "$TMP/stderr"

# ---------------------------------------------------------------- symbols
exe=tokio_ct.sym
fresh; : >"$TMP/run/$exe"
analyze "empty symbol file" 2 "run: skipped: .*run/$exe: no symbols: no function of the recorded program has a name: cannot be analysed \\(copy recordings with their .sym files\\)"

fresh; { head -n 3 "$src/$exe"; echo 'zzzz T nothex'; echo '0000000000001000'; printf '\001\377 T\n';
	echo '0000000000001000 Q unknown_type'; tail -n +4 "$src/$exe"; } >"$TMP/run/$exe"
analyze "symbol file with garbage lines (skipped, as uftrace does)" 0 -

fresh; { cat "$src/$exe"; printf 'ffffffff00000000 T '; head -c 10485760 /dev/zero | tr '\0' a; echo; } >"$TMP/run/$exe"
analyze "ten-megabyte symbol name" 0 -

fresh; poll=$(grep -o '_R[A-Za-z0-9_]*9CountDown[A-Za-z0-9_]*6Future4poll' "$src/$exe" | head -n 1)
sed "s/ $poll\$/ <tokio_ct::Count\\xff\\xfeDown\\x01 as core::future::future::Future>::poll/" "$src/$exe" >"$TMP/run/$exe"
analyze "non-UTF-8 symbol name" 0 -
check "non-UTF-8 symbol name: shown with '?' for each bad byte" \
	grep -q 'tokio_ct::Count??Down?' "$out/runs/run/summary.json"
for r in runs/run/summary.json runs/run/trace.json summary.json index.md junit.xml; do
	check "non-UTF-8 symbol name: $r is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$out/$r"
done

fresh; rm "$TMP/run/$exe"
analyze "missing symbol file of the executable" 2 "run: skipped: .*run/$exe: missing: no function of the recorded program has a name"

# ---------------------------------------------------------------- thread data
fresh; biggest_dat; : >"$f"
analyze "empty .dat" 0 -

fresh; biggest_dat; size=$(stat -c %s "$f"); truncate -s $((size - 8)) "$f"
analyze ".dat cut in the middle of a record" 0 "run/$b: truncated record at offset $((size - 16)) \(8 of 16 bytes\)"

# the first record with argument data (more bit set) sits on a 16-byte boundary
fresh "$FIXTURES/tokio_mt_args"; biggest_dat
at=$(od -An -v -tx8 -w8 "$f" | awk 'NR % 2 == 0 && $1 ~ /(2c|6c|ac|ec)$/ { print (NR / 2 - 1) * 16; exit }')
truncate -s $((at + 16 + 4)) "$f"
analyze ".dat whose argument payload is cut" 0 "run/$b: truncated data after the record at offset $at"

# scheduler events (perf-cpu*.dat): a killed program's last sign of life
kill_src=$FIXTURES/tokio_killed
fresh "$kill_src"; p=$(ls -S "$TMP/run"/perf-cpu*.dat | head -n 1); pb=$(basename "$p"); size=$(stat -c %s "$p")
truncate -s $((size - 5)) "$p"
analyze "perf-cpu*.dat cut in the middle of an event" 1 "run/$pb: truncated event at byte [0-9]+ \(the recording was cut\)"
fresh "$kill_src"; p=$(ls -S "$TMP/run"/perf-cpu*.dat | head -n 1); pb=$(basename "$p")
poke "$p" 6 '\000\000'
analyze "perf-cpu*.dat whose first event has size 0" 0 "run/$pb: malformed event at byte 0; the events after it are left out"

fresh; biggest_dat; cp "$corrupt/random.dat" "$f"
analyze ".dat of random bytes" 0 "run/$b: bad record magic at offset 0"

fresh; biggest_dat; poke "$f" 1600 'garbage!garbage!'
analyze ".dat with garbage in the middle" 0 "run/$b: bad record magic at offset 1600"

# a LOST record after record 100: time 0 (as uftrace writes it), type 2,
# magic 5, 42 records lost
fresh; biggest_dat
{ head -c 1600 "$src/$b"; printf '\000\000\000\000\000\000\000\000\052\000\052\000\000\000\000\000'
	tail -c +1601 "$src/$b"; } >"$f"
analyze ".dat with a LOST record (noted in the reports)" 0 -
check ".dat with a LOST record: summary.json says so" grep -q '42 records were lost' "$out/runs/run/summary.json"

# a timestamp near 2^64, so that durations would overflow: past the
# recording's end (info's elapsed_time), the record is dropped
fresh; biggest_dat; poke "$f" 3200 '\360\377\377\377\377\377\377\377'
analyze ".dat with a timestamp at 2^64-16 ns" 0 "run/$b: the record at offset 3200 is timed [0-9.]+ s after the recording ended \(info's elapsed_time\) \(time 18446744073709551600\): dropped; what was open on the thread ends at its record before"
check ".dat with a timestamp at 2^64-16 ns: the run lasts as recorded" \
	sh -c '! grep -q "\"duration_ns\":1844674" "$0"' "$out/runs/run/summary.json"

fresh; biggest_dat; rm "$f"; mkdir "$f"
analyze ".dat that is a directory" 2 "run/$b: is a directory, expected a file"

# files that are not regular: a FIFO would block the open, /dev/zero never
# ends (under a timeout: were they read, the test would hang, not fail)
analyze_t() { expect "$1" "$2" "$3" --cmd timeout 60 "$ASPROF" -q -o "$out" "$TMP/run"; }
fresh; biggest_dat; rm "$f"; mkfifo "$f"
analyze_t ".dat that is a FIFO" 2 "run/$b: not a regular file \(a FIFO, socket or device\)"
fresh; biggest_dat; rm "$f"; ln -s /dev/zero "$f"
analyze_t ".dat that is a link to /dev/zero" 2 "run/$b: not a regular file"
fresh; truncate -s 100M "$TMP/run/info"
analyze "info of 100 MB (sparse)" 2 "run/info: 104857600 bytes, too large for a uftrace info file"
fresh; rm "$TMP/run/info"; mkfifo "$TMP/run/info"
analyze_t "info that is a FIFO" 2 "run/info: not a regular file"
fresh; rm "$TMP/run/task.txt"; ln -s /dev/zero "$TMP/run/task.txt"
analyze_t "task.txt that is a link to /dev/zero" 2 "run/task.txt: not a regular file"
fresh; m=$(ls "$TMP/run"/sid-*.map | head -n 1); rm "$m"; ln -s /dev/zero "$m"
want_lines=2 analyze_t "map that is a link to /dev/zero" 2 "run/sid-[0-9a-f]+\.map: not a regular file .*; no symbols for session"
check "... and the run is skipped: nothing has a name" grep -qE "skipped: .*run: no session has a map naming its program \(sid-\*\.map\): no function has a name, cannot be analysed" "$TMP/stderr"
# (the biggest perf file holds the exit event: without it the poll ends early)
fresh "$kill_src"; p=$(ls -S "$TMP/run"/perf-cpu*.dat | head -n 1); pb=$(basename "$p"); rm "$p"; mkfifo "$p"
analyze_t "perf-cpu*.dat that is a FIFO" 0 "run/$pb: not a regular file .*; its scheduler events are left out"
fresh "$kill_src"; p=$(ls -S "$TMP/run"/perf-cpu*.dat | head -n 1); pb=$(basename "$p"); cp "$corrupt/random.dat" "$p"
analyze "perf-cpu*.dat of random bytes" 0 "run/$pb: (malformed|truncated) event at byte [0-9]+"
fresh; rm "$TMP/run/tokio_ct.sym"; ln -s /dev/urandom "$TMP/run/tokio_ct.sym"
analyze_t "symbol file that is a link to /dev/urandom" 2 "run: skipped: .*run/tokio_ct\.sym: not a regular file .*: no function of the recorded program has a name"

# the rest found by a review with corrupt inputs of its own
# a record whose address is in no map: a frame without a symbol (it crashed
# when the frame's name was first asked for)
fresh; biggest_dat; poke "$f" 10 '\000\000\000\000\000\000'
analyze "a record whose address is in no map" 0 -
fresh; head -n 1053 "$src/tokio_ct.sym" >"$TMP/run/tokio_ct.sym"
analyze "symbol file cut at a line boundary" 0 "run/tokio_ct.sym: 4251 symbols announced, 1050 lines found: the file is cut short"
# one endless line (sparse: no disk used) is skipped, not held in memory
fresh; truncate -s +1G "$TMP/run/task.txt"
analyze_t "task.txt with a line of 1 GiB (sparse)" 0 "run/task.txt:[0-9]+: a line longer than 16 MiB; skipped"
fresh; truncate -s +1G "$TMP/run/tokio_ct.sym"
analyze_t "symbol file with a line of 1 GiB (sparse)" 0 "run/tokio_ct.sym:[0-9]+: a line longer than 16 MiB; skipped"
# 700000 threads in task.txt: read in linear time (it was quadratic: minutes)
fresh; awk -v t="$(head -n 1 "$src/task.txt" | sed 's/.*timestamp=\([0-9.]*\).*/\1/')" \
	'BEGIN { for (i = 0; i < 700000; i++) printf "TASK timestamp=%s tid=%d pid=%d\n", t, 100000 + i, 100000 + i }' \
	>>"$TMP/run/task.txt"
analyze_t "task.txt with 700000 TASK lines" 0 -
# the program's own line of the map damaged (start after end)
fresh; m=$(ls "$TMP/run"/sid-*.map | head -n 1)
sed -i '1s/^\([0-9a-f]*\)-\([0-9a-f]*\)/\2-\1/' "$m"
want_lines=2 analyze "map whose line of the program is damaged" 2 "run/$(basename "$m"): no valid mapping of .*/tokio_ct; its functions are shown as addresses"
check "... and the run is skipped: nothing has a name" grep -qE "run: skipped: .*run: no recorded address is in a function of the symbol files" "$TMP/stderr"
# a v0 name of 30 tuple levels, each two backrefs to the one below, as the
# name of the thread's first call: it would spell out 2^30 leaves
# (gigabytes, minutes); kept mangled
fresh; bomb=$(awk 'function b62(n,  d, s) { if (n == 0) return "_"; n--; if (n == 0) return "0_"
	d = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"; s = ""
	while (n) { s = substr(d, n % 62 + 1, 1) s; n = int(n / 62) }; return s "_" }
	BEGIN { s = "INvC1a1f"; pos = length(s); s = s "h"
		for (k = 0; k < 30; k++) { p = length(s); s = s "TB" b62(pos) "B" b62(pos) "E"; pos = p }
		print "_R" s "E" }')
sed -i "s/ _RINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuECsiO1neDGiYTr_8tokio_ct\$/ $bomb/" "$TMP/run/tokio_ct.sym"
analyze_t "a 400-byte v0 symbol name that demangles to gigabytes" 0 -
check "... kept mangled" sh -c '"$1" dump "$2" | grep -q "$3"' sh "$ASPROF" "$TMP/run" "$bomb"
# a symbol file with CRLF line ends is read; one for another program says so
fresh; sed -i 's/$/\r/' "$TMP/run/tokio_ct.sym"
analyze "symbol file with CRLF line ends" 0 -
check "... its names are read" grep -q '"tokio_ct::main::{closure#0}"' "$out/runs/run/summary.json"
fresh; sed -i 's|^# path name: .*|# path name: /usr/bin/other|' "$TMP/run/tokio_ct.sym"
analyze "symbol file whose header names another program" 2 "run: skipped: .*run/tokio_ct.sym: for /usr/bin/other, not this session's module: no function of the recorded program has a name"
# 3000 sessions without a map: the first is told, the rest counted
fresh; ts=$(head -n 1 "$src/task.txt" | sed 's/.*timestamp=\([0-9.]*\).*/\1/')
awk -v t="$ts" 'BEGIN { for (i = 1; i <= 3000; i++) printf "SESS timestamp=%s pid=99 sid=%016x exename=\"/bin/x\"\n", t, i }' \
	>>"$TMP/run/task.txt"
run -q -o "$out" "$TMP/run"
if [ "$st" -eq 0 ] && [ "$lines" -eq 2 ] && sane &&
	grep -q 'sid-0000000000000001.map: No such file or directory; no symbols for session' "$TMP/stderr" &&
	grep -q 'run: 2999 more sessions have no usable map (sid-\*.map); no symbols for them' "$TMP/stderr"; then
	ok "3000 sessions without a map: two lines: $(tail -n 1 "$TMP/stderr" | sed "s|$TMP/||g")"
else
	not_ok "3000 sessions without a map: exit $st, $lines stderr lines (want 2)"
	diag "$TMP/stderr"
fi
row "3000 sessions without a map" "$st" "$msg"
# a thread's .dat that is a broken link is said, not silently left out
fresh "$FIXTURES/tokio_mt"; biggest_dat; rm "$f"; ln -s nowhere "$f"
analyze "a thread's .dat that is a broken link" 1 "run/$b: No such file or directory; this thread is left out"

# an entry whose argument payload is empty, as the stream's first payload
# (found by fuzz-dat: memcpy to the arena before it was ever allocated;
# UBSan's report fails the case in the sanitizer pass)
fresh "$TESTS_SRCDIR/../fuzz/fixed/tokio"; cp "$corrupt/dat-empty-payload.dat" "$TMP/run/17342.dat"
expect_warned ".dat whose first payload is empty (fuzz-dat)" "run/17342.dat: bad record magic at offset 24" \
	-q -o "$out" "$TMP/run"

fresh "$corrupt/synthetic"
run dump "$TMP/run"
check "fuzz: an empty string argument takes 4 bytes" grep -q '	args: "", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"$' "$TMP/stdout"
check "fuzz: arguments of a dlopen()ed library" grep -q ' ly_open	args: 0x1$' "$TMP/stdout"
check "fuzz: the synthetic recording reads cleanly" sane

# 2000 more argument specs in info: the first 1024 are used (each called
# function is matched against every one: 150 000 took minutes)
fresh "$FIXTURES/tokio_mt_args"
specs=$(awk 'BEGIN { for (i = 0; i < 2000; i++) printf "^nothing_%d$@arg1;", i }')
sed -i "s|^\\(argspec:^.*\\)\$|\\1;$specs|" "$TMP/run/info"
analyze "info with 2000 more argument specs" 1 "run/info: more than 1024 argument specs; the rest are ignored"

# stderr closed: the warnings must not land in a report opened on fd 2
fresh; biggest_dat; cp "$corrupt/random.dat" "$f"
set +e
"$ASPROF" -q -o "$out" "$TMP/run" >/dev/null 2>&-
st=$?
set -e
check "stderr closed: exit $st, trace.json is the trace alone" \
	sh -c '[ "$1" -eq 0 ] && ! grep -q warning "$2" && head -c 16 "$2" | grep -q "^{\"traceEvents\":\[$"' \
	sh "$st" "$out/runs/run/trace.json"
# stdout that cannot be written: said, exit 2
fresh
set +e
"$ASPROF" -q -o "$out" "$TMP/run" >/dev/full 2>"$TMP/stderr.all"
st=$?
set -e
grep -av 'charts skipped' "$TMP/stderr.all" >"$TMP/stderr" || true
check "stdout on a full disk (/dev/full): exit 2, one line: $(cat "$TMP/stderr")" \
	sh -c '[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q "stdout: No space left on device" "$2"' sh "$st" "$TMP/stderr"

# ---------------------------------------------------------------- times the recording cannot have
# set_time FILE INDEX EXPR: record INDEX (from 0; the file has no payloads)
# of FILE timed EXPR, a Python expression of t (its time), s (the session
# start, ns), e (the end: s + info's elapsed_time)
set_time() {
	python3 -c 'import re, sys
f, i, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = sys.argv[4]
s = round(float(re.search(r"^SESS timestamp=([0-9.]+)", open(d + "/task.txt").read(), re.M).group(1)) * 1e9)
el = re.search(rb"elapsed_time:([0-9.]+)", open(sys.argv[5], "rb").read())
e = s + round(float(el.group(1)) * 1e9)
b = bytearray(open(f, "rb").read())
t = int.from_bytes(b[16 * i:16 * i + 8], "little")
b[16 * i:16 * i + 8] = (eval(expr) % (1 << 64)).to_bytes(8, "little")
open(f, "wb").write(b)' "$1" "$2" "$3" "$TMP/run" "$src/info"
}
# the index of the first record of tokio_ct's thread whose dump line matches
# PATTERN (grep -E)
rec_index() { "$ASPROF" dump "$src" | grep -nE -- "$1" | head -n 1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
fresh; biggest_dat; i=$(rec_index ' entry 16 tokio_ct::main::\{closure#0\}$')
set_time "$f" "$i" 't - 1000000000'
analyze "a future poll's entry timed 1 s before the recording started" 0 "run/$b: the record at offset $((16 * i)) is timed 0\.[0-9]+ s before the recording started \(time [0-9]+\): dropped; what was open on the thread ends at its record before"
check "... no start_ns wraps" sh -c '! grep -q "\"start_ns\":1844674" "$0"' "$out/runs/run/summary.json"
fresh; biggest_dat; i=$(rec_index ' exit 16 tokio_ct::main::\{closure#0\}$')
set_time "$f" "$i" 'e + 1800 * 10**9'
analyze "a future poll's exit timed 30 minutes after the recording ended" 0 "run/$b: the record at offset $((16 * i)) is timed 1800\.000 s after the recording ended \(info's elapsed_time\) \(time [0-9]+\): dropped"
check "... the run lasts as recorded" sh -c '! grep -qE "\"duration_ns\":[0-9]{10}" "$0"' "$out/runs/run/summary.json"
# without elapsed_time: the record's neighbours judge it
fresh; biggest_dat; i=$(rec_index ' exit 16 tokio_ct::main::\{closure#0\}$')
set_time "$f" "$i" 't + 2**63'
grep -av '^elapsed_time:' "$src/info" >"$TMP/run/info"
analyze "no elapsed_time in info, and a jump of 2^63 ns" 0 "run/$b: the record at offset $((16 * i)) is timed 9223372036\.855 s after the thread's record before it, while a record after it goes back \(time [0-9]+\): dropped"
# two damaged times in a row do not vouch for each other
fresh; biggest_dat; i=$(rec_index ' exit 16 tokio_ct::main::\{closure#0\}$')
set_time "$f" "$i" 't + 2**63'
set_time "$f" $((i + 1)) 't + 2**63'
grep -av '^elapsed_time:' "$src/info" >"$TMP/run/info"
analyze "no elapsed_time in info, and two records in a row 2^63 ns late" 0 "run/$b: the record at offset $((16 * i)) is timed 9223372036\.855 s after the thread's record before it, while a record after it goes back \(time [0-9]+\): dropped, and 1 more such record"
fresh; biggest_dat; i=$(rec_index ' exit 16 tokio_ct::main::\{closure#0\}$')
n=$(($(stat -c %s "$f") / 16 - 1))
set_time "$f" "$n" 't + 2**63'
grep -av '^elapsed_time:' "$src/info" >"$TMP/run/info"
analyze "no elapsed_time in info, and a jump of 2^63 ns in the last record" 0 "run/$b: the record at offset $((16 * n)) is timed 9223372036\.855 s after the thread's record before it, as its last record, and info has no elapsed_time \(time [0-9]+\): dropped"
# times that go back: clamped, counted, said once
fresh; biggest_dat; i=$(rec_index '^640337581386 ')
set_time "$f" "$i" 's + 500000'
set_time "$f" $((i + 1)) 's + 500000'
set_time "$f" $((i + 5)) 's + 500000'
analyze "three records timed back to the recording's start" 0 "run/$b: 3 records are timed before the record ahead of them \(the first at offset $((16 * i))\); taken at that record's time"
check "... no poll of 45 ms" sh -c '! grep -q "\"blocking-poll\"" "$0"' "$out/runs/run/summary.json"

# ---------------------------------------------------------------- nothing lost without a word
# info's taskinfo names 1 of the 3 threads: all three files are read (the
# blocking poll is on another thread), and the disagreement is said
fresh "$FIXTURES/tokio_mt"; t1=$(ls "$TMP/run" | grep -E '^[0-9]+\.dat$' | head -n 1); t1=${t1%.dat}
sed -i "s/^taskinfo:tids=.*/taskinfo:tids=$t1/" "$TMP/run/info"
analyze "info's taskinfo naming 1 of 3 threads" 1 "run/info: taskinfo names 1 thread, but 2 more have a data file \([0-9]+\.dat, \.\.\.\); all are read"
# one file under two names would be one thread's records twice
fresh "$FIXTURES/tokio_mt"; set -- $(ls "$TMP/run" | grep -E '^[0-9]+\.dat$')
rm "$TMP/run/$2"; ln -s "$1" "$TMP/run/$2"
analyze ".dat that is a symbolic link to a sibling" 2 "run: skipped: .*run/$2: the same file as .*run/$1 \(linked\)"
fresh "$FIXTURES/tokio_mt"; set -- $(ls "$TMP/run" | grep -E '^[0-9]+\.dat$')
rm "$TMP/run/$2"; ln "$TMP/run/$1" "$TMP/run/$2"
analyze ".dat that is a hard link to a sibling" 2 "run: skipped: .*run/$2: the same file as .*run/$1 \(linked\)"
# a link out of the run folder (another run's file): read, and said
fresh "$FIXTURES/tokio_mt"; rm -rf "$TMP/other"; cp -r "$FIXTURES/tokio_mt" "$TMP/other"
set -- $(ls "$TMP/run" | grep -E '^[0-9]+\.dat$')
rm "$TMP/run/$2"; ln -s ../other/"$2" "$TMP/run/$2"
analyze ".dat that is a link to another run's file" 1 "run/$2: a link to .*other/$2, outside the run folder; read as this run's data"
rm -rf "$TMP/other"
# symbol files that name no recorded address: nothing has a name
fresh; python3 -c 'import re, sys
out = []
for l in open(sys.argv[1], encoding="latin1"):
    m = re.match(r"^([0-9a-f]{16})( .*)$", l.rstrip("\n"))
    out.append("%016x%s\n" % (int(m.group(1), 16) + (1 << 32), m.group(2)) if m else l)
open(sys.argv[1], "w", encoding="latin1").write("".join(out))' "$TMP/run/tokio_ct.sym"
analyze "symbol file whose addresses match no record" 2 "run: skipped: .*run: no recorded address is in a function of the symbol files \(\*\.sym, placed by sid-\*\.map\): nothing has a name"
# every entry made an exit
fresh; biggest_dat; python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(0, len(b) - 15, 16):
    if b[i + 8] & 3 == 0:
        b[i + 8] |= 1
open(sys.argv[1], "wb").write(b)' "$f"
analyze "a run whose records are all exits" 2 "run: skipped: .*run: all [0-9]+ records are exits \(not one function entry\): nothing can be measured"
# the session said to start after every record: all dropped, said, refused
fresh; sed -i '1s/timestamp=[0-9]*/timestamp=9999/' "$TMP/run/task.txt"
want_lines=2 analyze "task.txt whose session starts after every record" 2 "run: skipped: .*run: all [0-9]+ records are timed outside the recording \(see the warnings\): nothing can be analysed"
check "... the warning names the file and the first record" grep -q "run/$b: the record at offset 0 is timed [0-9.]* s before the recording started" "$TMP/stderr"
# names that are not a thread's (a leading zero, a tid past 2^31): said
fresh; biggest_dat; cp "$f" "$TMP/run/0$b"
analyze "a .dat named with a leading zero" 0 "run/0$b: not a thread's data file name \(<tid>\.dat, tid 1 to 2\^31-1, no leading zero\); left out"
# 65537 LOST records of 2^48-1 each: the sum saturates instead of wrapping
fresh; biggest_dat
python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
lost = bytes(8) + (((1 << 48) - 1) << 16 | 5 << 3 | 2).to_bytes(8, "little")
open(sys.argv[2], "wb").write(d[:1600] + lost * 65537 + d[1600:])' "$src/$b" "$f"
analyze ".dat whose LOST counts add up past 2^64" 0 -
check "... summary.json says at least 2^64-1 were lost" grep -q 'at least 18446744073709551615 records were lost' "$out/runs/run/summary.json"

# ---------------------------------------------------------------- rules
fresh
rules() { # NAME STATUS PATTERN: asprof-batch -c $TMP/rules.yaml
	expect "$1" "$2" "$3" -q -c "$TMP/rules.yaml" -o "$out" "$TMP/run"
}
{
	echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	prev=a
	for n in b c d e f g h i; do
		echo "$n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
		prev=$n
	done
	echo 'runtimes:'
	echo '  - name: bomb'
	echo '    detect: *i'
} >"$TMP/rules.yaml"
rules "rules: YAML alias bomb (a billion laughs)" 2 "rules.yaml:1:1: unknown key 'a'"

{
	echo 'overrides:'
	echo '  - &o {match: "a*", warning: 1ms}'
	i=0
	while [ $i -lt 100000 ]; do echo '  - *o'; i=$((i + 1)); done
} >"$TMP/rules.yaml"
rules "rules: 100000 aliases of one override" 2 "rules.yaml:[0-9]+:[0-9]+: too many values"

# libyaml's scanner is quadratic in flow nesting: minutes at this depth
awk 'BEGIN { printf "blocking: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >"$TMP/rules.yaml"
expect "rules: a list nested 100000 deep" 2 "rules.yaml:1:[0-9]+: nested more than 64 levels deep" \
	--cmd timeout 60 "$ASPROF" -q -c "$TMP/rules.yaml" -o "$out" "$TMP/run"

printf 'slow_poll: 99999999999999999999s\n' >"$TMP/rules.yaml"
rules "rules: a duration that overflows" 2 "rules.yaml:1:12: slow_poll: bad duration"
printf 'slow_poll: "50us\\0junk"\n' >"$TMP/rules.yaml"
rules "rules: a value with an escaped NUL" 2 "rules.yaml:1:12: a value with a NUL character"
{ printf 'runtime: '; head -c 5000000 /dev/zero | tr '\0' x; echo; } >"$TMP/rules.yaml"
rules "rules: a value of 5 MB, quoted by its start" 2 "rules.yaml:1:10: runtime: unknown runtime 'x+…$"
check "... in a line of at most 500 bytes" [ "$(wc -c <"$TMP/stderr")" -le 500 ]

printf -- '- blocking\n- 10ms\n' >"$TMP/rules.yaml"
rules "rules: a list, not a mapping" 2 "rules.yaml:1:1: expected a mapping"

expect "rules: a binary file" 2 "random.dat:1:[0-9]+: .*UTF-8.* \(byte [0-9]+\)" \
	-q -c "$corrupt/random.dat" -o "$out" "$TMP/run"

expect "rules: /dev/zero" 2 "/dev/zero: larger than 64 MiB, too large for a configuration file" \
	--cmd timeout 60 "$ASPROF" -q -c /dev/zero -o "$out" "$TMP/run"
# a pipe is fine (-c <(generate-rules)): a FIFO with a writer
mkfifo "$TMP/rules.fifo"
timeout 60 sh -c 'printf "slow_poll: 1ms\n" >"$0"' "$TMP/rules.fifo" &
expect "rules: from a pipe (works)" 0 - --cmd timeout 60 "$ASPROF" -q -c "$TMP/rules.fifo" -o "$out" "$TMP/run"
wait

mkdir -p "$TMP/rules.d"
expect "rules: a directory" 2 "rules.d: is a directory, expected a file" \
	-q -c "$TMP/rules.d" -o "$out" "$TMP/run"

expect "rules: a missing file" 2 "nothere.yaml: No such file or directory" \
	-q -c "$TMP/nothere.yaml" -o "$out" "$TMP/run"

printf 'runtime: "tok\\nio"\n' >"$TMP/rules.yaml"
rules "rules: a value with a newline" 2 "rules.yaml:1:10: runtime: unknown runtime 'tok.nio'"

cp "$corrupt/rules-multiline-value.yaml" "$TMP/rules.yaml"
expect "rules: a pattern with a newline in the message (fuzz)" 2 "rules.yaml:48:9: .*unbalanced" \
	-q -c "$TMP/rules.yaml" -o "$out" "$TMP/run"

# ---------------------------------------------------------------- output
fresh
echo file >"$TMP/afile"
expect "output folder is a file" 2 "afile: Not a directory" -q -o "$TMP/afile" "$TMP/run"
expect "output folder inside a file" 2 "afile/out: Not a directory" -q -o "$TMP/afile/out" "$TMP/run"

mkdir -p "$TMP/ro"
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --"
chmod 755 "$TMP" "$TMP/ro"
chmod -R a+rX "$TMP/run"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && $nobody "$ASPROF" --version >/dev/null 2>&1; then
	expect "output folder not writable (uid 65534)" 2 "ro: .*Permission denied" \
		--cmd setpriv --reuid=65534 --regid=65534 --clear-groups -- "$ASPROF" -q -o "$TMP/ro" "$TMP/run"
elif [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$TMP/ro"
	expect "output folder not writable" 2 "ro: .*Permission denied" -q -o "$TMP/ro" "$TMP/run"
else
	skip "output folder not writable: cannot run asprof-batch as uid 65534 here"
fi

# a full disk, at several fill levels: one message, exit 2, and every file
# that is there is whole (reports are written to a temporary name and renamed)
mkdir -p "$TMP/full"
whole() {
	bad=$(find "$TMP/full" -name '*.tmp.*' | head -n 1)
	for f in $(find "$TMP/full" -name '*.png'); do
		tail -c 8 "$f" | od -An -tx1 | grep -q '49 45 4e 44 ae 42 60 82' || bad=$f
	done
	for f in $(find "$TMP/full" -name '*.svg'); do
		tail -c 16 "$f" | grep -q '</svg>' || bad=$f
	done
	for f in $(find "$TMP/full" -name '*.json'); do
		[ "$(tail -c 2 "$f" | od -An -c | tr -d ' ')" = '}\n' ] || bad=$f
	done
	[ -z "$bad" ] || { echo "# incomplete: $bad"; return 1; }
}
unset ASPROF_GNUPLOT # the charts too: gnuplot does not say when its disk is full
"$ASPROF" -q -o "$TMP/full-ref" "$TMP/run" >/dev/null 2>&1 || true
if [ "${CORRUPT_FULL:-}" != ulimit ] &&
	unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs "$0"' "$TMP/full" 2>/dev/null; then
	how=tmpfs
	total=$(du -sk "$TMP/full-ref" | cut -f 1) # KiB
else
	how=ulimit # per file: the largest one must not fit
	total=$(($(find "$TMP/full-ref" -type f -exec stat -c %s {} + | sort -n | tail -n 1) / 1024))
fi
rm -rf "$TMP/full-ref"
for eighth in 1 3 5 7; do
	size=$((total * eighth / 8 + 4))
	rm -rf "$TMP/full"/* 2>/dev/null || true
	if [ $how = tmpfs ]; then
		expect "disk full after ${eighth}/8 of the output" 2 "(No space left on device|is the disk full)" \
			--cmd unshare -rm sh -c 'mount -t tmpfs -o size=$0k tmpfs "$1" && exec "$2" -q -o "$1/out" "$3"' \
			"$size" "$TMP/full" "$ASPROF" "$TMP/run"
	else
		# SIGXFSZ ignored: writes past the limit fail with EFBIG
		expect "file size limit at ${eighth}/8 of the largest report" 2 "(File too large|is the disk full)" \
			--cmd sh -c 'trap "" XFSZ; ulimit -f $(($0 * 2)) && exec "$1" -q -o "$2/out" "$3"' \
			"$size" "$ASPROF" "$TMP/full" "$TMP/run"
	fi
	check "disk full after ${eighth}/8: no half-written file" whole
done
export ASPROF_GNUPLOT="$TMP/no-gnuplot"

# ---------------------------------------------------------------- source lines
# <prog>.dbg (uftrace record --srcline) of srcline_plain: a malformed one
# is left out with one warning naming its line, the run goes on without
# source lines; what is merely odd in it gives no warning
dbg=srcline.dbg
srcs() { grep -o '"src":"[^"]*"' "$out/runs/run/summary.json" | sort -u | wc -l; }
fresh "$FIXTURES/srcline_plain"; sed -i '5s/.*/garbage here/' "$TMP/run/$dbg"
analyze "source lines: a line that is no .dbg line" 0 "run/$dbg:5: not an F:, L:, A:, R: or E: line; the file is left out: functions of .* have no source lines"
check "... and the run has no source lines" [ "$(srcs)" -eq 0 ]

fresh "$FIXTURES/srcline_plain"; sed -i '3s/^F: .*/L: 12 src\/main.rs/' "$TMP/run/$dbg"
analyze "source lines: L: before any F:" 0 "run/$dbg:3: L: before any F:; the file is left out"

fresh "$FIXTURES/srcline_plain"; sed -i '3s/^F: [0-9a-f]*/F: xyz/' "$TMP/run/$dbg"
analyze "source lines: F: without an address" 0 "run/$dbg:3: F: without a hex address; the file is left out"

fresh "$FIXTURES/srcline_plain"; sed -i '4s/^L: [0-9]*/L: -7/' "$TMP/run/$dbg"
analyze "source lines: L: with a negative line" 0 "run/$dbg:4: L: without a line number and a file; the file is left out"

fresh "$FIXTURES/srcline_plain"; sed -i '4s/^L: [0-9]*/L: 99999999999/' "$TMP/run/$dbg"
analyze "source lines: L: line past 32 bits" 0 "run/$dbg:4: L: without a line number and a file; the file is left out"

fresh "$FIXTURES/srcline_plain"; { printf 'F: 10 '; head -c 2097152 /dev/zero | tr '\0' a; echo; } >>"$TMP/run/$dbg"
n=$(wc -l <"$TMP/run/$dbg")
analyze "source lines: a line of 2 MiB" 0 "run/$dbg:$n: a line longer than 1 MiB; the file is left out"

fresh "$FIXTURES/srcline_plain"; printf 'F: 10 x\nL: 3 a\0b\n' >>"$TMP/run/$dbg"
n=$(wc -l <"$TMP/run/$dbg")
analyze "source lines: a NUL byte in a line" 0 "run/$dbg:$n: a NUL byte in a line; the file is left out"

fresh "$FIXTURES/srcline_plain"; sed -i '/^L: /d' "$TMP/run/$dbg"
analyze "source lines: no L: line at all" 0 -
check "... and the run has no source lines" [ "$(srcs)" -eq 0 ]

# every F: twice, the second with another line: the first is kept
fresh "$FIXTURES/srcline_plain"; awk '/^F: /{f=$0} /^L: /{print f; print $0; print f; print "L: 1 other.rs"; next} !/^[FL]: /' \
	"$FIXTURES/srcline_plain/$dbg" >"$TMP/run/$dbg"
analyze "source lines: every F: twice" 0 -
check "... the first of each is kept" sh -c '! grep -q "other.rs" "$1/runs/run/summary.json" && [ "$('"$(command -v grep)"' -c "\"src\":\"srcline" "$1/runs/run/summary.json")" -gt 0 ]' - "$out"

# a file name of bytes that are not UTF-8 and terminal controls: shown inert
fresh "$FIXTURES/srcline_plain"; sed -i 's,^L: \([0-9]*\) srcline/src/main.rs$,L: \1 src/m\xff\xfe\x1b[31m|a`b*.rs,' "$TMP/run/$dbg"
expect "source lines: a non-UTF-8 file name with controls" 0 - -q -o "$out" "$TMP/run"
check "... shown with '?' for each bad byte and control" grep -qF 'at src/m???[31m|a`b*.rs:41' "$TMP/stdout"
check "... no escape byte on the terminal" sh -c '! grep -q "$(printf "\033")" "$1"' - "$TMP/stdout"
for r in runs/run/summary.json runs/run/trace.json summary.json index.md; do
	check "... $r is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$out/$r"
done
check "... a code span in index.md, its pipe escaped" grep -qF 'at ``src/m???[31m\|a`b*.rs:41``' "$out/index.md"

fresh "$FIXTURES/srcline_plain"; rm "$TMP/run/$dbg"; mkfifo "$TMP/run/$dbg"
analyze_t "source lines: .dbg that is a FIFO" 0 "run/$dbg: not a regular file .*; functions of .* have no source lines"

fresh "$FIXTURES/srcline_plain"; : >"$TMP/run/$dbg"
analyze "source lines: empty .dbg" 0 -

fresh "$FIXTURES/srcline_plain"; sed -i 's|^# path name: .*|# path name: /usr/bin/other|' "$TMP/run/$dbg"
analyze "source lines: .dbg whose header names another program (not used)" 0 -
check "... and the run has no source lines" [ "$(srcs)" -eq 0 ]

# ---------------------------------------------------------------- runs
expect "run that is a file" 2 "afile: skipped: .*afile: not a directory" -q -o "$out" "$TMP/afile"
expect "missing run" 2 "nowhere: skipped: .*nowhere: No such file or directory" -q -o "$out" "$TMP/nowhere"
mkdir -p "$TMP/emptyrun"
expect "empty directory as run" 2 "emptyrun/info: missing" -q -o "$out" "$TMP/emptyrun"

# ---------------------------------------------------------------- summaries
# a run's summary.json (docs/summary-json.md), damaged: read as a run, it
# is skipped with one line naming the file and what is wrong
"$ASPROF" -q -o "$TMP/good" --outputs run-summary "$src" >/dev/null
gsum="$TMP/good/runs/tokio_ct/summary.json"
# summary NAME PYTHON: $TMP/NAME.json, the good summary as s changed by PYTHON
summary() {
	"${PYTHON:-python3}" -c 'import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"), indent=1)' "$gsum" "$TMP/$1.json" "$2"
}
sexpect() { expect "summary.json: $1" 2 "$2.json: skipped: $3" -q -o "$out" "$TMP/$2.json"; }
sed 's|"asprof-summary/3"|"asprof-summary/2"|' "$gsum" >"$TMP/old.json"
sexpect "an older schema" old "schema: asprof-summary/2 is older than asprof-summary/3"
sed 's|"asprof-summary/3"|"asprof-summary/4"|' "$gsum" >"$TMP/newer.json"
sexpect "a newer schema" newer "schema: asprof-summary/4 is newer than asprof-summary/3"
summary batch4 's = {"schema": "asprof-batch/2", "runs": [s]}'
sexpect "a newer batch schema" batch4 "schema: asprof-batch/2 is newer than asprof-batch/1"
summary batch '(s["run"].update(name="../evil"), s := {"schema": "asprof-batch/1", "runs": [s]})'
sexpect "a batch whose run's name is a path" batch 'runs\[0\]\.run\.name: "\.\./evil" cannot name a folder'
summary other 's["schema"] = "trace/1"'
sexpect "another schema" other 'schema: "trace/1" is not an asprof summary'
head -c 5000 "$gsum" >"$TMP/half.json"
sexpect "half a file" half "not JSON: the file ends inside the document \(at byte 5000\)"
: >"$TMP/empty.json"
sexpect "an empty file" empty "not JSON: an empty file"
printf '%s garbage' "$(cat "$gsum")" >"$TMP/tail.json"
sexpect "more after the document" tail "not JSON: more after the document"
i=0; while [ $i -lt 2000 ]; do printf '['; i=$((i + 1)); done >"$TMP/deep.json"
sexpect "nested too deep" deep "not JSON: nesting too deep"
echo '[1, 2]' >"$TMP/array.json"
sexpect "not an object" array "expected a JSON object, not array"
summary nofutures 'del s["futures"]'
sexpect "a member missing" nofutures "futures: missing"
summary strpolls 's["futures"][0]["polls"] = "12"'
sexpect "a member of the wrong type" strpolls "futures\[0\]\.polls: expected int, not string"
summary negative 's["run"]["duration_ns"] = -5'
sexpect "a negative time" negative "run\.duration_ns: expected a non-negative integer, not -5"
summary counts 's["futures"][0]["own_hist"]["n"] += 1'
sexpect "a histogram's counts and n disagree" counts "futures\[0\]\.own_hist: the counts add to"
summary order 'h = s["tasks"][0]["poll_hist"]; h["values"] = h["values"][::-1]; h["counts"] = h["counts"][::-1]; h["values"].append(0); h["counts"].append(1); h["n"] += 1'
sexpect "a histogram out of order" order "tasks\[0\]\.poll_hist\.values: value 1 is out of order"
summary exact 'h = s["futures"][0]["own_hist"]; h["values"] = [h["min"]]; h["counts"] = [5000]; h["n"] = 5000'
sexpect "more exact durations than kept" exact "futures\[0\]\.own_hist: 5000 exact durations \(at most 1024\)"
summary nul 's["futures"][0]["name"] = "a\0b"'
sexpect "a name with a NUL" nul "futures\[0\]\.name: holds a NUL character"
summary kind 's["futures"][0]["kind"] = "\x1b[31mred"'
sexpect "an unknown kind, shown inert" kind 'futures\[0\]\.kind: unknown value "\\x1b\[31mred"'
# a run whose blocking poll has victims (the scheduling-delay rule on)
printf 'rules: {scheduling-delay: true}\n' >"$TMP/sd-rules.yaml"
"$ASPROF" -q -c "$TMP/sd-rules.yaml" -o "$TMP/good-sd" --outputs run-summary \
	"$FIXTURES/sched_delay_mcount" >/dev/null
gsum="$TMP/good-sd/runs/sched_delay_mcount/summary.json"
summary victims 's["findings"][1]["victims"]["tasks"] = [{"task": 1, "root": "x", "wait_ns": 5, "poll_ns": 9}]'
sexpect "a finding listing more victims than it counts" victims "findings\[1\]\.victims: lists more than its count or total"
summary behind 's["findings"][-1]["behind"] = 5'
sexpect "a finding's behind of the wrong type" behind "findings\[3\]\.behind: expected object, not int"
mkdir -p "$TMP/nosummary"
expect "a folder of neither: read as a recording" 2 "nosummary/info: missing" -q -o "$out" "$TMP/nosummary"

tap_done
