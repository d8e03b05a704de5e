#!/bin/sh
# fold.sh - the folding readers (analysis/ingest/fold.c) change nothing but speed:
# every bundled recording, and recordings damaged in ways that break the
# stack's nesting, give byte-identical reports with folding (the default)
# and without it (ASPROF_FOLD=0: one decoder thread merges every record).
# The damaged copies are cut from real recordings: a thread cut short at a
# record boundary (calls still open at the end), cut inside a record (a
# truncated record), records removed from the middle (exits without their
# entry, entries at a depth that does not nest), a LOST record inserted.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# run MODE DIR NAME: analyse DIR into $TMP/NAME.MODE (MODE 1: folded, 0: not)
run() {
	set +e
	ASPROF_FOLD=$1 ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/$3.$1" "$2" \
		>"$TMP/$3.$1.out" 2>"$TMP/$3.$1.err"
	echo $? >"$TMP/$3.$1.st"
	set -e
	# warnings come from the readers' threads: their order is not the merge's
	grep -v 'charts skipped' "$TMP/$3.$1.err" | sort >"$TMP/$3.$1.warn" || true
}

# same DIR NAME: both modes agree on every report of DIR
same() {
	run 1 "$1" "$2"
	run 0 "$1" "$2"
	a=$TMP/$2.1 b=$TMP/$2.0 r=$(basename "$1")
	check "$2: same exit status ($(cat "$a.st"))" cmp -s "$a.st" "$b.st"
	check "$2: same text report" cmp -s "$a.out" "$b.out"
	check "$2: same warnings" cmp -s "$a.warn" "$b.warn"
	check "$2: same summary.json" cmp -s "$a/runs/$r/summary.json" "$b/runs/$r/summary.json"
	check "$2: same trace.json" cmp -s "$a/runs/$r/trace.json" "$b/runs/$r/trace.json"
}

for f in $(fixtures); do
	same "$FIXTURES/$f" "$f"
	# the comparison is only worth something where there are tasks
	check "$f: the folded run found its tasks" grep -q '^Tasks ([1-9]' "$TMP/$f.1.out"
done

# copy FIXTURE NAME: a writable copy of a fixture; prints its largest .dat
copy() {
	cp -r "$FIXTURES/$1" "$TMP/$2"
	ls -S "$TMP/$2"/[0-9]*.dat | head -1
}
# records FILE: its size in 16-byte records
records() { echo $(($(wc -c <"$1") / 16)); }

dat=$(copy tokio_mt cut_end)
truncate -s $(($(records "$dat") / 2 * 16)) "$dat"
same "$TMP/cut_end" cut_end

dat=$(copy tokio_mt cut_record)
truncate -s $(($(records "$dat") / 3 * 16 + 9)) "$dat"
same "$TMP/cut_record" cut_record
check "cut_record: the truncated record is reported" grep -q 'truncated record' "$TMP/cut_record.1.warn"

# holes: HOLES records removed at a few places of the largest thread
for at in 7 23 51 77; do
	dat=$(copy tokio_lints "hole_$at")
	n=$(records "$dat")
	"$PY" - "$dat" $((n * at / 100)) <<'EOF'
import sys
path, at = sys.argv[1], int(sys.argv[2])
data = open(path, 'rb').read()
# 37 records out: an odd number, so entries and exits lose their pairs
data = data[:at * 16] + data[(at + 37) * 16:]
open(path, 'wb').write(data)
EOF
	same "$TMP/hole_$at" "hole_$at"
done

# a LOST record (type 2, magic 5, the count in the address bits) in the
# middle of a thread: the analyzer closes that thread's open frames
dat=$(copy tokio_mt lost)
n=$(records "$dat")
"$PY" - "$dat" $((n / 2)) <<'EOF'
import struct, sys
path, at = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
time = struct.unpack_from('<Q', data, at * 16)[0]
lost = struct.pack('<QQ', time, 2 | (5 << 3) | (12 << 16))
open(path, 'wb').write(bytes(data[:at * 16]) + lost + bytes(data[at * 16:]))
EOF
same "$TMP/lost" lost
check "lost: the analysis noted the lost records" grep -q "12 records were lost while recording" "$TMP/lost.1/runs/lost/summary.json"

# times the recording cannot have, in every thread of tokio_mt: records
# dropped (before the start, after the end, a jump its neighbours deny)
# and clamped (going back) are judged alike on both paths
for kind in early late jump back; do
	cp -r "$FIXTURES/tokio_mt" "$TMP/t_$kind"
	[ $kind = jump ] && grep -av '^elapsed_time:' "$FIXTURES/tokio_mt/info" >"$TMP/t_$kind/info"
	for dat in "$TMP/t_$kind"/[0-9]*.dat; do
		"$PY" - "$dat" "$kind" <<'EOF'
import struct, sys
path, kind = sys.argv[1], sys.argv[2]
data = bytearray(open(path, 'rb').read())
n = len(data) // 16
for k in (n // 5, n // 2, n * 4 // 5):
    t = struct.unpack_from('<Q', data, k * 16)[0]
    t = {'early': t - 10**12, 'late': t + 1800 * 10**9, 'jump': t + 2**63,
         'back': t - 5 * 10**6}[kind] % 2**64
    struct.pack_into('<Q', data, k * 16, t)
open(path, 'wb').write(data)
EOF
	done
	same "$TMP/t_$kind" "t_$kind"
	check "t_$kind: each thread says what it did" \
		sh -c '[ "$(grep -E "dat: .*(dropped|taken at that record)" "$0" | grep -oE "[0-9]+\.dat: " | sort -u | wc -l)" -eq 3 ]' \
		"$TMP/t_$kind.1.warn"
done

tap_done
