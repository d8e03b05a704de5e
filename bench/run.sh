#!/usr/bin/env bash
# bench/run.sh [ASPROF] - asprof's benchmark (`make bench`). Not a timed
# test: it prints figures and ratios measured in the same run, on the same
# machine, on the same recording.
#
#   1. asprof-batch -q -o OUT RUN     ingest -> every per-run and batch output
#      asprof-batch dump RUN          the reader alone (one text line per record)
#   2. uftrace report -d RUN
#   3. uftrace dump -d RUN --chrome
#   4. the floor (bench/floor.c, cc -O2): read every <tid>.dat, touch every record
#
# Medians of wall time and of CPU time (user + sys, children included) over
# BENCH_RUNS runs, taken round-robin so that load from other processes hits
# every tool alike; peak RSS (/usr/bin/time %M). Then the memory check (peak
# RSS on a recording BENCH_LONG times longer) and -j 1 vs -j 2 over 4 runs.
#
# The recording: with cargo, rustc and uftrace, bench/rust/manytasks (tokio
# multi-thread, 2 workers, 2500 x BENCH_SCALE tasks of 40 small steps: timers,
# yield_now, CPU in non-inlined helpers) built with mcount instrumentation and
# recorded by ASPROF's own `asprof-batch record`, with what it records for a
# user (its -N filters, the task polls' argument, tokio's wakes and spawns,
# the program's futures' first three arguments), ~0.65 GB and ~40 M records
# per BENCH_SCALE. Cached in bench/data/ (BENCH_DATA): reruns skip recording;
# the cache is made anew when the program's source or the uftrace command
# line of `asprof-batch record --dry-run` changes.
# Without them: the largest recording in tests/fixtures. BENCH_RUN=DIR
# benches a recording of your own instead (any uftrace.data directory; no
# recording is made), BENCH_LONGRUN=DIR a longer one of the same program for
# the memory check (without it, with BENCH_RUN, the memory check is skipped).
#
# Environment: BENCH_RUNS (5), BENCH_SCALE (1), BENCH_LONG (4; 0 skips the
# memory check), BENCH_JRUNS (3; 0 skips -j), BENCH_DATA (bench/data),
# BENCH_UFTRACE (1; 0 skips uftrace, e.g. to iterate on asprof alone),
# BENCH_RECORD (1; 0 uses the largest fixture even where it could record).
# Disk: ~0.65 GB x BENCH_SCALE x (1 + BENCH_LONG) in BENCH_DATA (3.2 GB by
# default); recordings of other settings stay there until removed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ASPROF=${1:-$ROOT/asprof-batch}
RUNS=${BENCH_RUNS:-5}
SCALE=${BENCH_SCALE:-1}
LONG=${BENCH_LONG:-4}
JRUNS=${BENCH_JRUNS:-3}
DATA=${BENCH_DATA:-$HERE/data}
WITH_UFTRACE=${BENCH_UFTRACE:-1}
WITH_RECORD=${BENCH_RECORD:-1}
export PATH="$HOME/.cargo/bin:/root/.cargo/bin:$PATH"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

[[ -x $ASPROF ]] || die "$ASPROF: not built (make first)"
ASPROF=$(cd "$(dirname "$ASPROF")" && pwd)/$(basename "$ASPROF")
[[ $RUNS =~ ^[1-9][0-9]*$ && $SCALE =~ ^[1-9][0-9]*$ && $LONG =~ ^[0-9]+$ && $JRUNS =~ ^[0-9]+$ ]] ||
    die "BENCH_RUNS and BENCH_SCALE must be positive integers, BENCH_LONG and BENCH_JRUNS integers"

# ---------------------------------------------------------------- prerequisites
if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing GNU time (peak RSS)"
        apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
    fi
    [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time"
fi
have_uftrace=0
command -v uftrace >/dev/null && ((WITH_UFTRACE)) && have_uftrace=1
mkdir -p "$DATA"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/asprof-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

FLOOR=$WORK/floor
${CC:-cc} -O2 -o "$FLOOR" "$HERE/floor.c" || die "cannot build bench/floor.c"

# ---------------------------------------------------------------- recording
PROG=$HERE/rust/target/mcount/debug/manytasks
# the crates it needs are Debian's (bench/rust/.cargo/config.toml): installed
# as tests/rust/record.sh does when missing and running as root
BENCH_PKGS=(librust-tokio-dev librust-tokio-macros-dev librust-num-cpus-dev)
build_program() {
    if ! compgen -G "/usr/share/cargo/registry/tokio-1*" >/dev/null ||
        ! compgen -G "/usr/share/cargo/registry/tokio-macros-*" >/dev/null; then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            log "installing Debian's tokio crates: ${BENCH_PKGS[*]}"
            apt-get install -y -q "${BENCH_PKGS[@]}" >/dev/null ||
                { apt-get update -q >/dev/null && apt-get install -y -q "${BENCH_PKGS[@]}" >/dev/null; } ||
                { log "cannot install ${BENCH_PKGS[*]}"; return 1; }
        fi
    fi
    log "building bench/rust/manytasks with mcount instrumentation"
    (cd "$HERE/rust" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z instrument-mcount" \
        CARGO_TARGET_DIR="$HERE/rust/target/mcount" cargo build --offline -q -j2) ||
        { log "cannot build bench/rust (it needs Debian's ${BENCH_PKGS[*]})"; return 1; }
}
largest_fixture() {
    for d in "$ROOT"/tests/fixtures/*/; do [[ -f $d/info ]] && echo "$(dat_bytes "$d") ${d%/}"; done |
        sort -n | tail -1 | cut -d' ' -f2
}

# the uftrace command line `asprof-batch record` runs for DIR TASKS STEPS
record_line() {
    "$ASPROF" record --dry-run -o "$1" -- "$PROG" "$2" "$3" 2>"$WORK/record.err" ||
        { cat "$WORK/record.err" >&2; die "$ASPROF record --dry-run failed"; }
}
# record DIR TASKS STEPS: once; the stamp names the program's source and
# record's uftrace command line (its output directory left out)
record() {
    local dir=$1 tasks=$2 steps=$3
    local probe=$WORK/dir line stamp
    line=$(record_line "$probe" "$tasks" "$steps")
    line=${line//"$probe"/DIR}
    stamp="manytasks $tasks $steps $(sha1sum "$HERE/rust/manytasks/src/main.rs" | cut -c1-12)"
    stamp+=" record $(printf '%s\n' "$line" | sha1sum | cut -c1-12)"
    if [[ -f $dir/info && -f $dir/.bench-stamp && $(cat "$dir/.bench-stamp") == "$stamp" ]]; then
        return 0
    fi
    rm -rf "$dir"
    log "recording $tasks tasks x $steps steps into $dir (asprof-batch record)"
    local t0=$SECONDS
    "$ASPROF" record -o "$dir" -- "$PROG" "$tasks" "$steps" >/dev/null 2>"$WORK/record.err" ||
        { cat "$WORK/record.err" >&2; die "$ASPROF record failed"; }
    grep '^asprof-batch' "$WORK/record.err" >&2 || true   # its notes; not the program's output
    log "recorded in $((SECONDS - t0)) s"
    echo "$stamp" >"$dir/.bench-stamp"
}

dat_bytes() { find "$1" -maxdepth 1 -name '[0-9]*.dat' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

RUN= LONGRUN=
given() {   # given VAR DIR: a recording named by the user, as an absolute path
    [[ -f $2/info ]] || die "$1=$2: not a uftrace data directory (no info file)"
    [[ -n $(find "$2" -maxdepth 1 -name '[0-9]*.dat' -print -quit) ]] || die "$1=$2: no <tid>.dat files"
    (cd "$2" && pwd)
}
if [[ -n ${BENCH_RUN:-} ]]; then
    RUN=$(given BENCH_RUN "$BENCH_RUN")
    [[ -z ${BENCH_LONGRUN:-} ]] || LONGRUN=$(given BENCH_LONGRUN "$BENCH_LONGRUN")
elif [[ -n ${BENCH_LONGRUN:-} ]]; then
    die "BENCH_LONGRUN needs BENCH_RUN (the recording it is compared with)"
elif ((WITH_RECORD)) && command -v cargo >/dev/null && command -v rustc >/dev/null &&
    command -v uftrace >/dev/null && build_program; then
    RUN=$DATA/manytasks-x$SCALE
    record "$RUN" $((2500 * SCALE)) 40
    if ((LONG > 1)); then
        LONGRUN=$DATA/manytasks-x$SCALE-long$LONG
        record "$LONGRUN" $((2500 * SCALE)) $((40 * LONG))
    fi
else
    log "not recording (BENCH_RECORD=0, no cargo/rustc/uftrace, or the program did not build): the largest recording in tests/fixtures (small: indicative figures only)"
    RUN=$(largest_fixture)
    [[ -n $RUN ]] || die "no recording found"
fi

# ---------------------------------------------------------------- measuring
# one timed run: appends "wall cpu rss" to $WORK/<name>.t; stdout discarded
measure() {
    local name=$1; shift
    local t=$WORK/time.out rc=0
    /usr/bin/time -o "$t" -f '%e %U %S %M' "$@" >/dev/null 2>"$WORK/$name.err" || rc=$?
    # asprof-batch: 1 = findings that fail the rules (fine here)
    if ((rc > 1)) || { ((rc == 1)) && [[ $1 != "$ASPROF" ]]; }; then
        cat "$WORK/$name.err" >&2
        die "$name failed (exit status $rc): $*"
    fi
    awk '/^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$/ { printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$t" >>"$WORK/$name.t"
}

median() {   # median of column $2 of file $1
    sort -g -k"$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxcol() { sort -g -k"$2,$2" "$1" | tail -1 | awk -v c="$2" '{ print $c }'; }

OUT=$WORK/out
asprof_full() { rm -rf "$OUT"; measure "$1" "$ASPROF" -q -o "$OUT" "${@:2}"; }

BYTES=$(dat_bytes "$RUN")
log "recording: $RUN ($(awk -v b="$BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }') of .dat)"
log "$RUNS rounds, round-robin over the tools; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$RUN"/[0-9]*.dat >/dev/null   # into the page cache: every tool reads it warm
for ((i = 1; i <= RUNS; i++)); do
    log "round $i/$RUNS"
    asprof_full asprof "$RUN"
    measure asprof-dump "$ASPROF" dump "$RUN"
    measure floor "$FLOOR" "$RUN"
    if ((have_uftrace)); then
        measure uftrace-report uftrace report -d "$RUN" --no-pager
        measure uftrace-chrome uftrace dump -d "$RUN" --chrome --no-pager
    fi
done
RECORDS=$(grep -o '"records":[0-9]*' "$OUT/runs/"*/summary.json | head -1 | cut -d: -f2)
FLOOR_RECORDS=$("$FLOOR" "$RUN" | awk '{ print $2 }')
[[ $FLOOR_RECORDS == "$RECORDS" ]] ||
    log "warning: the floor counted $FLOOR_RECORDS records, asprof $RECORDS: the floor skips payloads wrongly"
# every poll is an "X" event twice, on its task's track and on its
# thread's, with its future's "kind"; the other "X" events (scheduled
# waits, off-CPU slices, wake marks) have none
POLLS=$(( $(grep '"ph":"X"' "$OUT/runs/"*/trace.json | grep -c '"kind":"' || true) / 2 ))

# ---------------------------------------------------------------- report
printf '\nasprof benchmark: %s (%s; %s)\n' "$(basename "$RUN")" "$("$ASPROF" --version 2>&1 | head -1)" \
    "$(if ((have_uftrace)); then uftrace --version 2>&1 | head -1 | cut -d' ' -f1-2; else echo 'no uftrace'; fi)"
printf '  %s MB of .dat, %s records, %s polls (spans), %s threads; %s rounds; %s CPUs\n\n' \
    "$(awk -v b="$BYTES" 'BEGIN { printf "%.0f", b / 1e6 }')" "$RECORDS" "$POLLS" \
    "$(find "$RUN" -maxdepth 1 -name '[0-9]*.dat' | wc -l)" "$RUNS" "$(nproc)"
printf '  %-34s %9s %9s %10s %11s\n' "" "wall s" "cpu s" "peak RSS" "Mrecords/s"
row() {   # row LABEL NAME
    local f=$WORK/$2.t
    [[ -s $f ]] || return 0
    local w c m
    w=$(median "$f" 1); c=$(median "$f" 2); m=$(maxcol "$f" 3)
    printf '  %-34s %9.2f %9.2f %7.1f MB %11.1f\n' "$1" "$w" "$c" "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" \
        "$(awk -v r="$RECORDS" -v w="$w" 'BEGIN { print (w > 0 ? r / w / 1e6 : 0) }')"
}
row "asprof-batch -q -o OUT RUN *"   asprof
row "asprof-batch dump RUN (reader)" asprof-dump
row "uftrace report"                 uftrace-report
row "uftrace dump --chrome"          uftrace-chrome
row "floor (bench/floor.c)"          floor

printf '  * peak RSS: the larger of asprof'"'"'s and gnuplot'"'"'s (a child drawing the charts); asprof'"'"'s own is under "memory"\n'

ratio() {   # ratio A B COLUMN: median(A) / median(B)
    awk -v a="$(median "$WORK/$1.t" "$3")" -v b="$(median "$WORK/$2.t" "$3")" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else printf "n/a" }'
}
printf '\n  ratios (wall; cpu in brackets)\n'
printf '    asprof / floor                 %6s  (%s)\n' "$(ratio asprof floor 1)" "$(ratio asprof floor 2)"
if ((have_uftrace)); then
    printf '    uftrace report / asprof        %6s  (%s)\n' "$(ratio uftrace-report asprof 1)" "$(ratio uftrace-report asprof 2)"
    printf '    uftrace dump --chrome / asprof %6s  (%s)\n' "$(ratio uftrace-chrome asprof 1)" "$(ratio uftrace-chrome asprof 2)"
fi

# ---------------------------------------------------------------- memory
# GNU time reports the largest RSS of the process and of the children it
# waited for: gnuplot (~25 MB) would hide asprof's own. Here the charts are
# left out (ASPROF_GNUPLOT names no program: their .gp and .dat files are
# still written) so the figure is asprof's.
asprof_mem() { rm -rf "$OUT"; ASPROF_GNUPLOT=/nonexistent/gnuplot measure "$1" "$ASPROF" -q -o "$OUT" "$2"; }
if [[ -n $LONGRUN ]]; then
    cat "$LONGRUN"/[0-9]*.dat >/dev/null
    MRUNS=$((RUNS < 3 ? RUNS : 3))
    for ((i = 1; i <= MRUNS; i++)); do asprof_mem mem "$RUN"; done
    cat "$LONGRUN"/[0-9]*.dat >/dev/null
    for ((i = 1; i <= MRUNS; i++)); do asprof_mem mem-long "$LONGRUN"; done
    LBYTES=$(dat_bytes "$LONGRUN")
    LRECORDS=$(grep -o '"records":[0-9]*' "$OUT/runs/"*/summary.json | head -1 | cut -d: -f2)
    m1=$(maxcol "$WORK/mem.t" 3); m2=$(maxcol "$WORK/mem-long.t" 3)
    printf '\n  memory: peak RSS of asprof-batch -q -o OUT RUN itself (charts not drawn: gnuplot'"'"'s RSS would show instead)\n'
    printf '    %-28s %6.0f MB .dat %11s records  %7.1f MB RSS  %6.2f s wall\n' "$(basename "$RUN")" \
        "$(awk -v b="$BYTES" 'BEGIN { print b / 1e6 }')" "$RECORDS" "$(awk -v k="$m1" 'BEGIN { print k / 1024 }')" "$(median "$WORK/mem.t" 1)"
    printf '    %-28s %6.0f MB .dat %11s records  %7.1f MB RSS  %6.2f s wall\n' "$(basename "$LONGRUN")" \
        "$(awk -v b="$LBYTES" 'BEGIN { print b / 1e6 }')" "$LRECORDS" "$(awk -v k="$m2" 'BEGIN { print k / 1024 }')" "$(median "$WORK/mem-long.t" 1)"
    # what remains of the growth: tasks and futures keep up to ASP_DUR_EXACT
    # exact durations each before they switch to a bounded histogram
    awk -v b1="$BYTES" -v b2="$LBYTES" -v m1="$m1" -v m2="$m2" 'BEGIN {
        if (b2 < 1.5 * b1 || b2 - b1 < 1e8) {
            print "    (no growth figure: the long recording needs 1.5x the .dat and 100 MB more)"; exit
        }
        slope = (m2 - m1) / 1024 / ((b2 - b1) / 1e9)
        at1g = m1 / 1024 + slope * (1 - b1 / 1e9)
        printf "    growth %.1f MB per GB of .dat (durations of tasks with up to 1024 polls are kept exact); at 1 GB of .dat: %.0f MB\n", slope, at1g
    }'
fi

# ---------------------------------------------------------------- parallelism
if ((JRUNS > 0)); then
    mkdir -p "$WORK/copies"
    for k in 1 2 3 4; do ln -s "$RUN" "$WORK/copies/run$k"; done
    for ((i = 1; i <= JRUNS; i++)); do
        asprof_full j1 -j 1 "$WORK"/copies/run{1,2,3,4}
        asprof_full j2 -j 2 "$WORK"/copies/run{1,2,3,4}
    done
    printf '\n  parallelism: 4 copies of the run, median of %s\n' "$JRUNS"
    printf '    -j 1  %6.2f s wall  %6.2f s cpu\n    -j 2  %6.2f s wall  %6.2f s cpu\n    speed-up %s on %s CPUs\n' \
        "$(median "$WORK/j1.t" 1)" "$(median "$WORK/j1.t" 2)" "$(median "$WORK/j2.t" 1)" \
        "$(median "$WORK/j2.t" 2)" "$(ratio j1 j2 1)" "$(nproc)"
    # one run already reads with a thread per CPU: what -j can still win is
    # the difference to the CPU bound (all CPUs busy for the whole batch)
    awk -v w2="$(median "$WORK/j2.t" 1)" -v c2="$(median "$WORK/j2.t" 2)" -v w1="$(median "$WORK/j1.t" 1)" \
        -v c1="$(median "$WORK/j1.t" 2)" -v n="$(nproc)" 'BEGIN {
        printf "    CPU bound (cpu s / CPUs) %.2f s: -j 2 reaches %.0f%% of it; -j 1 already keeps %.1f CPUs busy\n",
            c2 / n, 100 * (c2 / n) / w2, c1 / w1 }'
fi
printf '\n  load average at the end: %s (other processes compete for the CPUs; cpu s is the less noisy figure)\n' \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
