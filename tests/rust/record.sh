#!/usr/bin/env bash
# record.sh - build the Rust test programs in tests/rust/ and record the
# uftrace fixtures in tests/fixtures/<name>/ used by asprof's tests.
#
# NOT run by CI: the fixtures are committed.  Re-run by hand when the programs,
# the toolchain or the filter lists below change, then regenerate the ground
# truth (python3 tests/rust/ground_truth.py > tests/fixtures/expect.txt) and
# review the diff against tests/fixtures/README.md: tids, addresses, timings
# and the timing-dependent poll counts change from run to run; the
# source-determined facts listed in README.md must not.
#
# Prerequisites (Debian 12 "bookworm", x86-64):
#   - uftrace 0.13                      (apt-get install uftrace)
#   - rustc/cargo >= 1.7x               (rustup, in ~/.cargo/bin, or Debian's)
#   - the crates, from Debian packages, used offline through
#     tests/rust/.cargo/config.toml (directory source /usr/share/cargo/registry):
#       librust-tokio-dev librust-tokio-macros-dev librust-num-cpus-dev
#       librust-async-std-dev librust-async-attributes-dev librust-smol-dev
#       librust-async-executor-dev librust-futures-dev librust-futures-lite-dev
#     (missing ones are apt-get installed when running as root)
#   - python3 and binutils >= 2.36 (c++filt demangles v0), only for VERIFY=1
#     and tests/rust/ground_truth.py
#
# Usage:
#   tests/rust/record.sh              # build + record all fixtures
#   tests/rust/record.sh tokio_mt smol  # only these fixtures
#   VERIFY=1 tests/rust/record.sh     # also record unfiltered copies in a temp
#                                     # dir and check that the -N filters lost
#                                     # no poll (tests/rust/pollcheck.py)
#   JOBS=1 tests/rust/record.sh       # cargo -j (default 2)
#   FIXTURES_DIR=/tmp/fx tests/rust/record.sh   # record somewhere else
#   tests/rust/record.sh loaded_mcount loaded_plain   # the recordings made
#                                     # under load (see record_loaded below)
#   tests/rust/record.sh nightly      # the same-binary and slowed recordings
#                                     # of tests/rust/nightly, spread over
#                                     # ~6 minutes (see record_nightly below);
#                                     # builds only that program
#
# Builds (one cargo workspace, two target dirs):
#   target/mcount  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z instrument-mcount", every
#                  crate (dependencies included) instrumented; RUSTC_BOOTSTRAP
#                  makes rustc act as nightly, which mangles with v0 (_R...).
#                  Choice: instrumenting all crates (not only the user crate)
#                  keeps the whole task-poll chain (tokio's
#                  non-generic RawTask::poll, the worker's
#                  Harness<BlockingTask<Launch>>::poll that encloses the
#                  scheduler loop, async-task's Runnable::run, async-executor's
#                  run loop...).  Instrumenting only the user crate (cargo rustc
#                  -- -Z instrument-mcount) keeps the monomorphised generic part
#                  (raw::poll::<F,S> -> Harness::poll -> ... -> body) but loses
#                  those non-generic frames.  The size is controlled with -N
#                  instead (see NOTRACE_V0).  The standard library is
#                  precompiled, hence never mcount-instrumented.
#   target/plain   plain stable debug build (legacy _ZN...17h<hash>E symbols,
#                  std itself is v0), traced with full dynamic patching
#                  (uftrace -P, capstone): uftrace 0.13 patches ~85% of the
#                  functions of a plain Rust binary in place (the rest: prologue
#                  with PC-relative addressing, e.g. tokio's raw::poll and
#                  CachedParkThread::block_on::{{closure}}, reported as FAIL
#                  with -v).  std's own functions get patched too, so
#                  std::thread::sleep is visible in tokio_mt_legacy.
#                  (-P does nothing on an mcount build: patch type "pg" only
#                  toggles the mcount call sites.)
#
# Cargo profile (tests/rust/Cargo.toml): opt-level 0 (no inlining, every poll
# is a real call), debug = 0 (with DWARF present, uftrace -A also saves a ~1 MB
# <prog>.dbg into the data directory); tests/rust/srcline alone has debug = 1
# (its source lines: srcline_mcount, srcline_plain).
#
# Recording options (all fixtures):
#   --no-libcall   drop PLT calls (memcpy/memset...; Rust calls libc through the
#                  GOT, -Z plt=no, so nanosleep/epoll_wait are never seen anyway)
#   -N REGEX       drop leaf-ish runtime helpers that never poll a future
#                  (atomics, drop glue, Cell/RefCell, Arc/Vec methods, tokio
#                  timer wheel/linked lists/task state/TLS accessors ...).
#                  uftrace 0.13 matches v0 names MANGLED (it cannot demangle
#                  v0), so the v0 patterns are anchored on the function's own
#                  path: '^_R(I|Y|N<ns>|M/X impl)*C<crate>' + module path, so a
#                  module name appearing only in a generic argument (e.g.
#                  Harness<F, alloc::sync::Arc<Handle>>::poll) does not match.
#                  Legacy names are matched demangled (uftrace demangles _ZN).
#                  No -t time filter, no -D depth limit: every poll is kept.
#                  Known loss: core::ptr::drop_in_place is dropped with its
#                  children, so tokio's Runtime drop (blocking-pool shutdown,
#                  block_on(oneshot::Receiver)) is not in the recordings.
#   scheduler events (linux:schedule, perf-cpu*.dat) are kept (uftrace default).
#
# Argument recordings (-A 'REGEX@arg1', REGEX against the mangled v0 name):
#   tokio_mt_args   tokio Harness<F,S>::poll(self) -> arg1 = task cell/header
#                   address (one value per task instance), CountDown::poll arg1
#                   (= &CountDown), user async fn bodies {closure#0} arg1
#                   (= the future's state address).
#   async_std_args  SupportTaskLocals<F>::poll arg1 (= the task future's
#                   address), CountDown::poll arg1, user bodies arg1.
#   tokio_lints_args  only tokio Harness<F,S>::poll arg1 (the task cell: the 20
#                   sequential short_task instances may share one address).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIX=${FIXTURES_DIR:-$ROOT/tests/fixtures}   # override to record elsewhere
JOBS=${JOBS:-2}
export PATH="$HOME/.cargo/bin:/root/.cargo/bin:$PATH"

MCOUNT_DIR=$HERE/target/mcount/debug
# the programs also built plain (legacy symbols, dynamic patching)
PLAIN_PKGS="-p tokio_mt -p loaded -p smol_mt -p nested -p unblock -p selfptr -p crash -p srcline -p sched_delay"
PLAIN_DIR=$HERE/target/plain/debug

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'record.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- prerequisites
mapfile -t DEBIAN_PKGS <"$HERE/debian-crates"   # Debian's crates (tests/deps.sh too)
check_prereqs() {
    local missing=()
    command -v uftrace >/dev/null || missing+=(uftrace)
    local c
    for c in tokio-1 tokio-macros-1 async-std-1 async-attributes-1 smol-1 async-executor-1 \
             futures-0.3 futures-lite-1; do
        compgen -G "/usr/share/cargo/registry/${c}*" >/dev/null || missing+=("crate:$c")
    done
    if ((${#missing[@]})); then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            log "installing missing prerequisites: ${missing[*]}"
            apt-get install -y uftrace "${DEBIAN_PKGS[@]}"
        else
            die "missing: ${missing[*]} (apt-get install uftrace ${DEBIAN_PKGS[*]})"
        fi
    fi
    command -v cargo >/dev/null || die "cargo not found (install rustup or Debian's cargo)"
    [[ $(uftrace --version) == *v0.13* ]] || log "warning: not uftrace 0.13 ($(uftrace --version | head -1)); the .sym format and filter behaviour may differ"
}

# ------------------------------------------------------------------------ build
is_legacy() {   # does the binary define legacy-mangled (_ZN...) user-crate symbols?
    local n
    n=$(nm "$1" | grep -c ' _ZN8tokio_mt' || true)
    ((n > 0))
}

build() {
    log "building mcount-instrumented programs (v0 symbols) in target/mcount"
    (cd "$HERE" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z instrument-mcount" \
        CARGO_TARGET_DIR="$HERE/target/mcount" cargo build --offline -j"$JOBS")

    log "building the plain programs ($PLAIN_PKGS) (legacy symbols) in target/plain"
    (cd "$HERE" && env -u RUSTC_BOOTSTRAP RUSTFLAGS="" \
        CARGO_TARGET_DIR="$HERE/target/plain" cargo build --offline -j"$JOBS" $PLAIN_PKGS)
    if ! is_legacy "$PLAIN_DIR/tokio_mt"; then
        # A future stable rustc may default to v0: ask for legacy explicitly.
        log "plain build is not legacy-mangled; rebuilding with -C symbol-mangling-version=legacy"
        (cd "$HERE" && RUSTC_BOOTSTRAP=1 \
            RUSTFLAGS="-C symbol-mangling-version=legacy -Z unstable-options" \
            CARGO_TARGET_DIR="$HERE/target/plain" cargo build --offline -j"$JOBS" $PLAIN_PKGS)
        is_legacy "$PLAIN_DIR/tokio_mt" || die "could not get a legacy-mangled build"
    fi
}

# ---------------------------------------------------------------------- filters
# A v0 symbol whose OWN path starts in crate/module X: the prefix of nested-path
# tags (I generic args, Y <T as Trait>, N<ns> nested name, M/X impl blocks with
# an optional s<base62>_ disambiguator) then the crate root C[s<hash>_]<len><name>.
V0_OWN='^_R(I|Y|N[A-Za-z]|[MX](s[0-9A-Za-z]*_)?)*Cs[0-9A-Za-z]+_'

# '@' = module path anchored with V0_OWN; otherwise an unanchored substring.
# These are the lists the committed fixtures were recorded with (kept so that
# re-recording them changes nothing else).  `asprof-batch record`'s defaults
# (configs/runtimes.yaml) have since been narrowed to code that never blocks:
# no std::sync, drop glue, Deref, log's logger call, crossbeam's Parker...
# (docs/loaded-recordings.md); the loaded_* fixtures are recorded with them.
NOTRACE_V0=(
    18precondition_check                       # core UB-check helpers
    @4core4sync6atomic                         # core::sync::atomic::*
    @4core3ptr8non_null                        # NonNull::new_unchecked ...
    @4core4iter5range                          # Range::next, Step ...
    @4core3ptr13drop_in_place                  # drop glue (and its children)
    @4core4cell                                # Cell/RefCell get/set/borrow
    4core3ops5deref5Deref5deref                # <X as Deref>::deref
    8DerefMut9deref_mut                        # <X as DerefMut>::deref_mut
    @5alloc4sync                               # Arc/Weak methods
    @5alloc3vec                                # Vec methods
    @3std4sync                                 # Mutex/poison/Once ...
    @14concurrent_queue                        # async-executor queues
    @9value_bag @3log @4libc @15crossbeam_utils
    @5tokio7runtime4time                       # timer wheel / entries
    @5tokio4util11linked_list
    @5tokio4util4rand
    @5tokio4loom3std12atomic_u                 # tokio atomic wrappers
    @5tokio7runtime4task5state                 # task state transitions
    @5tokio7runtime4task6inject
    @5tokio7runtime4task4list                  # OwnedTasks
    @5tokio7runtime4task4core6Header
    @5tokio7runtime4task4core11TaskIdGuard
    @5tokio7runtime7context7CONTEXT            # TLS accessor
    @5tokio7runtime7context20set_current_task_id
    @5tokio7runtime7context11try_current
    @5tokio7runtime4coop6Budget
    @5tokio7runtime4coop13poll_proceed
    @5tokio7runtime9scheduler12multi_thread5queue
)
# Legacy names as uftrace 0.13 demangles them (impls print as "_<T as Tr>::f").
NOTRACE_LEGACY=(
    '^core::ptr::drop_in_place'
    '^core::sync::atomic::'                 '^_<core\.\.sync\.\.atomic'
    'precondition_check'
    '^core::iter::range::'                  '^_<core\.\.ops\.\.range\.\.'
    'as core\.\.iter\.\.range\.\.Step>'
    '^core::cell::'                         '^_<core\.\.cell\.\.'
    '^core::ptr::non_null::'                '^_<core\.\.ptr\.\.non_null'
    'as core\.\.ops\.\.deref\.\.Deref>::deref$'
    'as core\.\.ops\.\.deref\.\.DerefMut>::deref_mut$'
    '^alloc::sync::'                        '^_<alloc\.\.sync\.\.'
    '^alloc::vec::'                         '^_<alloc\.\.vec\.\.'
    '^std::sync::'                          '^_<std\.\.sync\.\.'
    '^tokio::runtime::time::'               '^_<tokio\.\.runtime\.\.time\.\.'
    '^tokio::util::linked_list'             '^_<tokio\.\.util\.\.linked_list'
    '^tokio::util::rand::'
    '^tokio::loom::std::atomic_u'           '^_<tokio\.\.loom\.\.std\.\.atomic_u'
    '^tokio::runtime::task::state::'        '^_<tokio\.\.runtime\.\.task\.\.state'
    '^tokio::runtime::task::inject::'
    '^tokio::runtime::task::list::'
    '^tokio::runtime::task::core::Header::'
    '^tokio::runtime::task::core::TaskIdGuard'
    '^tokio::runtime::context::CONTEXT'
    '^tokio::runtime::context::set_current_task_id'
    '^tokio::runtime::context::try_current'
    '^tokio::runtime::coop::Budget'
    '^tokio::runtime::coop::poll_proceed'
    '^tokio::runtime::scheduler::multi_thread::queue::'
    '^_<tokio\.\.runtime\.\.scheduler\.\.multi_thread\.\.queue'
)

notrace_args() {   # $1 = v0 | legacy ; prints one -N argument per line pair
    local p
    for p in "${NOTRACE_V0[@]}"; do
        if [[ $p == @* ]]; then printf '%s\n%s\n' -N "${V0_OWN}${p#@}"
        else printf '%s\n%s\n' -N ".*$p"; fi   # '.*' forces regex matching
    done
    if [[ $1 == legacy ]]; then
        for p in "${NOTRACE_LEGACY[@]}"; do printf '%s\n%s\n' -N "$p"; done
    fi
}

B62='[0-9A-Za-z]'
# tokio: <tokio::runtime::task::harness::Harness<F, S>>::poll (all F, S)
ARG_TOKIO_HARNESS="^_RNvMs${B62}*_NtNtNtCs${B62}+_5tokio7runtime4task7harnessINtB${B62}+_7Harness.*E4poll(B${B62}*_|Cs${B62}+_[0-9]+[A-Za-z_][A-Za-z0-9_]*)?\$@arg1"
# async-std: <async_std::task::builder::SupportTaskLocals<F> as Future>::poll
ARG_ASYNC_STD_STL="^_RNvXs${B62}*_NtNtCs${B62}+_9async_std4task7builderINtB${B62}+_17SupportTaskLocals.*6Future4poll(B${B62}*_)?\$@arg1"
# <krate::CountDown as Future>::poll
arg_countdown() { echo "^_RNvX(s${B62}*_)?Cs${B62}+_[0-9]+$1NtB${B62}+_9CountDownNtNtNtCs${B62}+_4core6future6future6Future4poll@arg1"; }
# krate::<fn>::{closure#0}: the body of every top-level async fn (and main's block)
arg_bodies() { echo "^_RNCNvCs${B62}+_[0-9]+$1[0-9]+[a-z_]+0B${B62}*_\$@arg1"; }

# -------------------------------------------------------------------- recording
check_fixture() {   # uftrace itself must read the data without errors
    local dir=$1 err
    err=$(mktemp)
    uftrace replay -d "$dir" --no-pager 2>"$err" | head -5 >/dev/null || true
    uftrace report -d "$dir" --no-pager >/dev/null 2>>"$err"
    uftrace dump -d "$dir" --no-pager 2>>"$err" | tail -3 >/dev/null
    if grep -qiE 'error|warn|invalid|corrupt' "$err"; then
        cat "$err" >&2; rm -f "$err"; die "uftrace cannot read $dir cleanly"
    fi
    rm -f "$err"
    printf '   %-18s %6s  threads=%s\n' "$(basename "$dir")" "$(du -sh "$dir" | cut -f1)" \
        "$(ls "$dir" | grep -cE '^[0-9]+\.dat$')" >&2
}

VERIFY_TMP=
verify_filters() {   # $1 fixture dir, $2.. program argv: unfiltered copy + poll-count diff
    [[ ${VERIFY:-0} == 1 ]] || return 0
    local dir=$1; shift
    [[ -n $VERIFY_TMP ]] || VERIFY_TMP=$(mktemp -d)
    local raw=$VERIFY_TMP/$(basename "$dir")
    uftrace record -d "$raw" "$@" >/dev/null
    log "VERIFY $(basename "$dir"): poll counts unfiltered vs fixture (differences in main/JoinHandle/runtime"
    log "       idle-loop polls are timing; user bodies, CountDown, task polls must match)"
    python3 "$HERE/pollcheck.py" "$raw" "$dir" | grep -E 'DIFF|^diffs' >&2 || true
}

# rec NAME [uftrace record options...] -- PROGRAM [args]
# With KILL_AFTER=SECONDS the program is killed (SIGTERM) after that long,
# as a CI job's timeout kills a hung program; uftrace itself runs on and
# writes the data (exit_status: the signal).
rec() {
    local name=$1; shift
    local opts=() prog=()
    while (($#)); do [[ $1 == -- ]] && { shift; prog=("$@"); break; }; opts+=("$1"); shift; done
    local dir=$FIX/$name
    rm -rf "$dir"
    if [[ -n ${KILL_AFTER:-} ]]; then
        log "recording $name (the program is killed after $KILL_AFTER s)"
        uftrace record --no-libcall "${opts[@]}" -d "$dir" "${prog[@]}" >/dev/null 2>&1 &
        local up=$! child
        sleep "$KILL_AFTER"
        child=$(pgrep -P "$up" || true)
        [[ -n $child ]] || die "$name: the program ended before it could be killed"
        kill -TERM "$child"
        wait "$up" || true
        grep -aq '^exit_status:15$' "$dir/info" || die "$name: info does not say the program was killed"
        check_fixture "$dir"
        return
    fi
    log "recording $name"
    uftrace record --no-libcall "${opts[@]}" -d "$dir" "${prog[@]}" >/dev/null
    check_fixture "$dir"
    [[ ${prog[0]} == "$PLAIN_DIR"/* ]] || verify_filters "$dir" "${prog[@]}"
}

# record_loaded NAME PROGRAM: a recording made on a busy CPU, on purpose.
# The program and HOGS (default 3) CPU-bound shell loops are pinned to the
# same CPU (taskset -c 0), so the kernel preempts the program's threads,
# inside polls too: long fast polls made of preemption, which a blocking-poll
# rule must not report.  Recorded with `asprof-batch record` itself (its
# default -N filters from configs/runtimes.yaml, its -A task-poll arguments,
# -P . for a plain build), not with the -N lists above, so that the fixture is
# what a user gets.  Preemption lands wherever the program happens to be:
# the switch-out counts and which polls were preempted change from run to
# run (tests/rust/switches.py prints them); the blocking polls do not.
record_loaded() {
    local name=$1 prog=$2 dir=$FIX/$1 hogs=() i
    local asprof=$ROOT/asprof-batch
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    command -v taskset >/dev/null || die "taskset not found (apt-get install util-linux)"
    rm -rf "$dir"
    for ((i = 0; i < ${HOGS:-3}; i++)); do
        taskset -c 0 sh -c 'while :; do :; done' &
        hogs+=($!)
    done
    sleep 0.3   # let the hogs use up their first slices
    log "recording $name pinned to CPU 0 beside ${#hogs[@]} CPU hogs"
    taskset -c 0 "$asprof" record -o "$dir" -- "$prog" >/dev/null 2>&1 || true
    kill "${hogs[@]}"
    wait "${hogs[@]}" 2>/dev/null || true
    [[ -f $dir/info ]] || die "$name: no recording"
    check_fixture "$dir"
    python3 "$HERE/switches.py" "$dir" "$asprof" | sed 's/^/   /' >&2
}

# record_plainly NAME PROGRAM: `asprof-batch record` as the README says,
# nothing else running
record_plainly() {
    local name=$1 prog=$2 dir=$FIX/$1
    local asprof=$ROOT/asprof-batch
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    rm -rf "$dir"
    log "recording $name with asprof-batch record"
    "$asprof" record -o "$dir" -- "$prog" >/dev/null 2>&1 || true
    [[ -f $dir/info ]] || die "$name: no recording"
    check_fixture "$dir"
}

# record_end NAME HOW PROGRAM ARGS...: a program that ends badly on purpose
# (tests/rust/crash), with RUST_BACKTRACE=0 whatever the caller's
# environment says (a backtrace changes where a crash under uftrace lands).
# HOW is
#   asprof    `asprof-batch record` as a user runs it (plain build: -P .):
#             a panic cannot unwind under uftrace's return hooks;
#   estimate  `uftrace record -e` (--estimate-return): no return hooks, so
#             a panic unwinds and the program exits 101 as it does without
#             uftrace (exits are estimated).  No -N list: under -e the exit
#             of a filtered function never comes, and uftrace 0.13 then
#             records nothing more (one -N precondition_check left 512
#             bytes of data).
record_end() {
    local name=$1 how=$2 dir=$FIX/$1; shift 2
    local asprof=$ROOT/asprof-batch
    rm -rf "$dir"
    log "recording $name ($how; the program fails on purpose)"
    case $how in
        asprof)
            [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
            RUST_BACKTRACE=0 "$asprof" record -o "$dir" -- "$@" >/dev/null 2>&1 || true ;;
        estimate)
            RUST_BACKTRACE=0 uftrace record --no-libcall -e -d "$dir" "$@" >/dev/null 2>&1 \
                || true ;;
        *) die "record_end: unknown way $how" ;;
    esac
    [[ -f $dir/info ]] || die "$name: no recording"
    check_fixture "$dir"
}

# with_load MODE CMD...: run CMD beside CPU hogs.  MODE is
#   quiet      no hogs (whatever else the machine is doing meanwhile);
#   pinnedN    N hogs and CMD all pinned to CPU 0 (taskset -c 0), as in
#              record_loaded: the program's threads are preempted;
#   spreadN    N hogs, nothing pinned: the scheduler spreads the hogs and
#              the program's threads over both CPUs.
with_load() {
    local mode=$1 hogs=() i n pin=(); shift
    case $mode in
        quiet) n=0 ;;
        pinned*) n=${mode#pinned}; pin=(taskset -c 0) ;;
        spread*) n=${mode#spread} ;;
        *) die "with_load: unknown load $mode" ;;
    esac
    for ((i = 0; i < n; i++)); do
        "${pin[@]}" sh -c 'while :; do :; done' &
        hogs+=($!)
    done
    ((n == 0)) || sleep 0.3   # let the hogs use up their first slices
    local st=0
    "${pin[@]}" "$@" || st=$?
    ((n == 0)) || { kill "${hogs[@]}"; wait "${hogs[@]}" 2>/dev/null || true; }
    return $st
}

# record_nightly: the recordings of tests/compare-noise.sh, for the
# nightly comparison's false-regression (A/A) and detection (A/B) checks.
# One mcount build of tests/rust/nightly, recorded with `asprof-batch
# record` (its default filters and arguments, what a nightly job uses):
#   nightly_a1..a8      ASPROF_SLOWDOWN_PCT unset (100): the SAME binary, at
#                       different times, four of them beside CPU hogs;
#   nightly_b130_1..3   ASPROF_SLOWDOWN_PCT=130: kv_get's CPU work x1.3;
#   nightly_b200_1..2   ASPROF_SLOWDOWN_PCT=200: kv_get's CPU work x2.
# They are recorded interleaved, NIGHTLY_GAP seconds apart (default 30),
# so that each side sees the machine in several states (other jobs run on
# it meanwhile), and the load of each is NIGHTLY_LOADS below.  What was
# measured on them is in docs/nightly-recordings.md.
NIGHTLY_ORDER=(nightly_a1 nightly_b130_1 nightly_a2 nightly_b200_1 nightly_a3
               nightly_b130_2 nightly_a4 nightly_a5 nightly_b200_2 nightly_a6
               nightly_b130_3 nightly_a7 nightly_a8)
declare -A NIGHTLY_LOADS=([nightly_a3]=pinned1 [nightly_a5]=spread2
                         [nightly_a7]=pinned3 [nightly_a8]=spread1)
record_nightly() {
    local asprof=$ROOT/asprof-batch prog=$MCOUNT_DIR/nightly name first=1
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    command -v taskset >/dev/null || die "taskset not found (apt-get install util-linux)"
    for name in "${NIGHTLY_ORDER[@]}"; do
        want "$name" || want nightly || continue
        ((first)) || sleep "${NIGHTLY_GAP:-30}"
        first=0
        local pct=100 load=${NIGHTLY_LOADS[$name]:-quiet} dir=$FIX/$name
        [[ $name == nightly_b130_* ]] && pct=130
        [[ $name == nightly_b200_* ]] && pct=200
        rm -rf "$dir"
        log "recording $name (ASPROF_SLOWDOWN_PCT=$pct, load $load, $(date -u +%T))"
        ASPROF_SLOWDOWN_PCT=$pct with_load "$load" "$asprof" record -o "$dir" -- "$prog" \
            >/dev/null 2>&1 || die "$name: asprof-batch record failed"
        check_fixture "$dir"
        python3 "$HERE/switches.py" "$dir" "$asprof" | sed 's/^/   /' >&2
    done
}

# record_smol_mt NAME PROG: one smol executor run by two threads, the
# usual multi-threaded setup (tests/rust/smol_mt): the main thread runs
# block_on(ex.run(main future)), a helper thread block_on(ex.run(
# shutdown.recv())); both poll the spawned tasks.  Recorded exactly as a
# user would, with `asprof-batch record` and its defaults (task polls'
# arg1, dynamic patching for the plain build):
#   smol_mt        mcount build (v0 names)
#   smol_mt_plain  plain build (legacy names)
# Which thread polls which task changes from run to run; the facts that
# follow from the source (one main task, 3 + 1 spawned tasks, the blocking
# poll of blocking_io) do not.
record_smol_mt() {
    local name=$1 prog=$2 dir=$FIX/$1 asprof=$ROOT/asprof-batch
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    rm -rf "$dir"
    log "recording $name with asprof-batch record"
    "$asprof" record -o "$dir" -- "$prog" >/dev/null 2>&1 || die "$name: asprof-batch record failed"
    check_fixture "$dir"
}

# record_narrow NAME PROG: a plain build recorded by hand the way people
# keep a recording small, patching only the crate, the closures and the
# poll functions (a -P pattern with no regex character is an exact name
# for uftrace 0.13: hence '.*').  No into_future call and no block_on
# itself are recorded, only their closures: the analysis must tell an
# awaited async fn body by its constructor called just before it, and
# not take async-std's Or<main, executor> (which encloses the main
# task's poll) for a blocking future.
record_narrow() {
    local name=$1 prog=$2 dir=$FIX/$1
    rm -rf "$dir"
    log "recording $name with narrow patching"
    uftrace record --no-libcall -P "^nested::" -P ".*closure" -P ".*::poll\$" \
        -d "$dir" "$prog" >/dev/null 2>&1 || die "$name: uftrace record failed"
    check_fixture "$dir"
}

# record_truth NAME PROG: `asprof-batch record` as the README says, the
# program writing what it measured itself (its tasks' waits from wake to
# resumption) to tests/fixtures/NAME.truth (SCHED_DELAY_TRUTH), the ground
# truth of tests/sched-delay.sh
record_truth() {
    local name=$1 prog=$2 dir=$FIX/$1 asprof=$ROOT/asprof-batch
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    rm -rf "$dir"
    log "recording $name with asprof-batch record (truth in $name.truth)"
    SCHED_DELAY_TRUTH=$FIX/$name.truth "$asprof" record -o "$dir" -- "$prog" >/dev/null 2>&1 \
        || die "$name: asprof-batch record failed"
    [[ -s $FIX/$name.truth ]] || die "$name: the program wrote no truth"
    check_fixture "$dir"
}

# record_raced NAME PROGRAM: with `asprof-batch record`, again (up to 8
# times) until some task was first polled before its spawn returned (a
# race between the spawning thread and a worker: tests/spawn_records.py)
record_raced() {
    local name=$1 prog=$2 dir=$FIX/$1 asprof=$ROOT/asprof-batch try raced
    [[ -x $asprof ]] || die "build asprof-batch first (./configure && make)"
    for try in 1 2 3 4 5 6 7 8; do
        rm -rf "$dir"
        log "recording $name with asprof-batch record (try $try)"
        "$asprof" record -o "$dir" -- "$prog" >/dev/null 2>&1 || die "$name: asprof-batch record failed"
        raced=$("$asprof" dump "$dir" 2>/dev/null | python3 "$ROOT/tests/spawn_records.py" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["raced"])')
        ((raced > 0)) && break
    done
    ((raced > 0)) || die "$name: no task was polled before its spawn returned in 8 tries"
    check_fixture "$dir"
}

want() {   # is fixture $1 selected on the command line?
    ((${#SELECTED[@]} == 0)) && return 0
    local s; for s in "${SELECTED[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1
}

main() {
    SELECTED=("$@")
    check_prereqs
    local only_nightly=1 s
    for s in "${SELECTED[@]}"; do [[ $s == nightly* ]] || only_nightly=0; done
    if ((${#SELECTED[@]} && only_nightly)); then
        log "building the mcount nightly program only (v0 symbols) in target/mcount"
        (cd "$HERE" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z instrument-mcount" \
            CARGO_TARGET_DIR="$HERE/target/mcount" cargo build --offline -j"$JOBS" -p nightly)
    else
        build
    fi
    mkdir -p "$FIX"
    local v0n=() lgn=()
    mapfile -t v0n < <(notrace_args v0)
    mapfile -t lgn < <(notrace_args legacy)

    want tokio_mt   && rec tokio_mt  "${v0n[@]}" -- "$MCOUNT_DIR/tokio_mt"
    want tokio_ct   && rec tokio_ct  "${v0n[@]}" -- "$MCOUNT_DIR/tokio_ct"
    want async_std  && rec async_std "${v0n[@]}" -- "$MCOUNT_DIR/async_std_demo"
    want smol       && rec smol      "${v0n[@]}" -- "$MCOUNT_DIR/smol_demo"

    want tokio_mt_args && rec tokio_mt_args "${v0n[@]}" \
        -A "$ARG_TOKIO_HARNESS" -A "$(arg_countdown tokio_mt)" -A "$(arg_bodies tokio_mt)" \
        -- "$MCOUNT_DIR/tokio_mt"
    want async_std_args && rec async_std_args "${v0n[@]}" \
        -A "$ARG_ASYNC_STD_STL" -A "$(arg_countdown async_std_demo)" -A "$(arg_bodies async_std_demo)" \
        -- "$MCOUNT_DIR/async_std_demo"

    # Argument layouts as users write them by hand: specs out of index order
    # (uftrace 0.13 records them in the order written), an integer and a
    # float argument of the same index (two specs, not one), and two
    # patterns giving the same function a return value (the later wins).
    want tokio_mt_argorder && rec tokio_mt_argorder "${v0n[@]}" \
        -A "${ARG_TOKIO_HARNESS%@*}@arg2/x,fparg1,arg1" -A "$(arg_countdown tokio_mt)" \
        -R "$(arg_bodies tokio_mt | sed 's/@arg1$//')@retval/i32" \
        -R "$(arg_bodies tokio_mt | sed 's/@arg1$//')@retval/x64" \
        -- "$MCOUNT_DIR/tokio_mt"

    # Lints / task-instance reuse (tests/rust/lints): never-yielded, self-wake,
    # 20 sequential short tasks in (likely) the same task cell.  The args
    # variant records only Harness<F,S>::poll's arg1 (the task cell address).
    want tokio_lints      && rec tokio_lints      "${v0n[@]}" -- "$MCOUNT_DIR/lints"
    want tokio_lints_args && rec tokio_lints_args "${v0n[@]}" -A "$ARG_TOKIO_HARNESS" \
        -- "$MCOUNT_DIR/lints"

    # A blocking pool of 40 threads (tests/rust/pool): 43 <tid>.dat files.
    want tokio_pool && rec tokio_pool "${v0n[@]}" -- "$MCOUNT_DIR/pool"

    # A program killed while a poll blocks (tests/rust/hang): the recording
    # ends inside the poll, with no exit records for it.
    want tokio_killed && KILL_AFTER=1 rec tokio_killed "${v0n[@]}" -- "$MCOUNT_DIR/hang"

    # Legacy symbols, full dynamic patching of every function (-P .), std included.
    want tokio_mt_legacy && rec tokio_mt_legacy -P . "${lgn[@]}" -- "$PLAIN_DIR/tokio_mt"

    # Recorded under load (tests/rust/loaded): known blocking polls of each
    # kind among fast polls that get preempted.
    want loaded_mcount && record_loaded loaded_mcount "$MCOUNT_DIR/loaded"
    want loaded_plain  && record_loaded loaded_plain  "$PLAIN_DIR/loaded"

    # A correct spawn_blocking (tests/rust/unblock, async-std), both builds,
    # recorded as a user would (`asprof-batch record`, its own filters and
    # -A specs): the closure runs on the blocking crate's pool, polled by
    # async-task's RawTask::run; no blocking poll in either mangling.
    want unblock_mcount && record_plainly unblock_mcount "$MCOUNT_DIR/unblock"
    want unblock_plain  && record_plainly unblock_plain  "$PLAIN_DIR/unblock"

    # How a program ended (tests/rust/crash, tests/program-end.sh): a task's
    # panic under dynamic patching, where uftrace's hooks make the unwinding
    # crash (SIGSEGV); the same panic under mcount (the panic cannot start
    # unwinding: SIGABRT) and under mcount with -e (it unwinds: exit 101);
    # the program's own null write (SIGSEGV, no panic).
    want crash_plain    && record_end crash_plain    asprof   "$PLAIN_DIR/crash" task-panic
    want crash_mcount   && record_end crash_mcount   asprof   "$MCOUNT_DIR/crash" task-panic
    want crash_mcount_e && record_end crash_mcount_e estimate "$MCOUNT_DIR/crash" task-panic
    want crash_null     && record_end crash_null     asprof   "$MCOUNT_DIR/crash" null

    local i
    for i in 1 2 3; do
        want "regress_base_$i" && ASPROF_SLOWDOWN=1 rec "regress_base_$i" "${v0n[@]}" -- "$MCOUNT_DIR/regress"
    done
    for i in 1 2 3; do
        want "regress_new_$i" && ASPROF_SLOWDOWN=4 rec "regress_new_$i" "${v0n[@]}" -- "$MCOUNT_DIR/regress"
    done

    # Recorded by hand with narrow patching (tests/rust/nested).
    want async_std_narrow && record_narrow async_std_narrow "$PLAIN_DIR/nested"

    # Polls returning a large value through a hidden first argument
    # (tests/rust/selfptr, tokio), both builds, recorded as a user would:
    # `record` takes the first three arguments of the program's futures.
    want selfptr_mcount && record_plainly selfptr_mcount "$MCOUNT_DIR/selfptr"
    want selfptr_plain  && record_plainly selfptr_plain  "$PLAIN_DIR/selfptr"
    # Source lines (tests/rust/srcline, built with debug = 1: its package
    # profile in Cargo.toml), recorded as a user would: `asprof-batch
    # record` adds --srcline, and uftrace writes srcline.dbg (F: address
    # name, L: line file) beside srcline.sym.
    want srcline_mcount && record_plainly srcline_mcount "$MCOUNT_DIR/srcline"
    want srcline_plain  && record_plainly srcline_plain  "$PLAIN_DIR/srcline"

    # One executor, two threads running it (tests/rust/smol_mt).
    want smol_mt       && record_smol_mt smol_mt       "$MCOUNT_DIR/smol_mt"
    want smol_mt_plain && record_smol_mt smol_mt_plain "$PLAIN_DIR/smol_mt"

    # Wakes from another thread while a poll blocks a current-thread
    # runtime, and while nothing blocks (tests/rust/sched_delay): the
    # tasks' scheduled times against what the program measured
    want sched_delay_mcount && record_truth sched_delay_mcount "$MCOUNT_DIR/sched_delay"
    want sched_delay_plain  && record_truth sched_delay_plain  "$PLAIN_DIR/sched_delay"
    # The same on a two-worker multi-thread runtime: a task stuck in the
    # blocked worker's LIFO slot, one stolen by the other worker, one woken
    # from another OS thread (tests/rust/sched_delay/src/mt.rs)
    want sched_delay_mt_mcount && record_truth sched_delay_mt_mcount "$MCOUNT_DIR/sched_delay_mt"
    # The same on smol's executor, one thread (async-task's RawTask::wake
    # and RawTask::run; tests/rust/sched_delay/src/smol.rs)
    want sched_delay_smol_mcount && record_truth sched_delay_smol_mcount "$MCOUNT_DIR/sched_delay_smol"
    # Tasks spawned before a poll blocks a current-thread runtime, and while
    # nothing blocks: their first-poll delays (spawn to first poll, the
    # spawn's return value) against what the program measured
    # (tests/rust/sched_delay/src/spawn.rs)
    want sched_delay_spawn_mcount && record_truth sched_delay_spawn_mcount "$MCOUNT_DIR/sched_delay_spawn"
    want sched_delay_spawn_plain  && record_truth sched_delay_spawn_plain  "$PLAIN_DIR/sched_delay_spawn"
    # Tasks spawned from outside a two-worker runtime, some polled before
    # their spawn returned (tests/rust/sched_delay/src/spawn_mt.rs)
    want sched_delay_spawn_mt_mcount && record_raced sched_delay_spawn_mt_mcount "$MCOUNT_DIR/sched_delay_spawn_mt"
    # Tasks that wake themselves in their own poll (tokio's coop budget,
    # yield_now) queued behind a blocking poll (src/coop.rs)
    want sched_delay_coop_mcount && record_truth sched_delay_coop_mcount "$MCOUNT_DIR/sched_delay_coop"
    # A LocalSet task (its spawn not recorded) in the cell of a task spawned
    # and aborted before its first poll (src/spawn_local.rs; tests/first-poll.sh
    # checks from the records that the address was reused)
    want sched_delay_spawn_local_mcount && record_plainly sched_delay_spawn_local_mcount "$MCOUNT_DIR/sched_delay_spawn_local"
    # The same on async-std's executor, one executor thread (the program
    # sets ASYNC_STD_THREAD_COUNT=1), and `late`, spawned as the blocking
    # poll starts: its first-poll delay (async-task's RawTask::allocate,
    # RawTask::run around SupportTaskLocals::poll;
    # tests/rust/sched_delay/src/async_std.rs)
    want sched_delay_async_std_mcount &&
        record_truth sched_delay_async_std_mcount "$MCOUNT_DIR/sched_delay_async_std"

    # Same binary at different times and under load, and kv_get slowed
    # (tests/rust/nightly, tests/compare-noise.sh).
    record_nightly

    [[ -z $VERIFY_TMP ]] || rm -rf "$VERIFY_TMP"
    log "fixtures in $FIX: $(du -sh "$FIX" | cut -f1) total"
}

main "$@"
