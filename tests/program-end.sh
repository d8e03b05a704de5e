#!/bin/sh
# program-end.sh - how the recorded program ended (analysis/end.c), on real
# recordings of tests/rust/crash and hang: a task's panic under dynamic
# patching, where the unwinding crashed under uftrace (SIGSEGV: the tracer's,
# the panic is the program's end); the same panic under mcount (SIGABRT: the
# recording cannot tell it from an abort); under mcount with uftrace -e (the
# panic unwinds, tokio catches it, exit 101); the program's own null write
# (SIGSEGV, no panic); a program killed from outside (SIGTERM); one that
# ended normally. summary.json's program_end, stdout's and index.md's note,
# and `asprof-batch record`'s closing warning (a fake uftrace that leaves a
# fixture and prints what the program printed).
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# end FIXTURE PYTHON-CHECKS: analyse it; the checks are Python lines over
# e (program_end), r (the run), tasks (by id), each `t(cond, what)`
end() {
	fx=$1 checks=$2
	set +e
	"$ASPROF" -q -o "$TMP/$fx" "$FIXTURES/$fx" >"$TMP/$fx.stdout" 2>"$TMP/$fx.stderr"
	set -e
	"$PY" - "$TMP/$fx/runs/$fx/summary.json" "$checks" >"$TMP/tap" <<'PY' || true
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
r = s["run"]
e = r.get("program_end") or {}
p = e.get("panic") or {}
tasks = {t["id"]: t for t in s["tasks"]}
def t(cond, what):
    print(("ok" if cond else "not ok") + f" - {what}")
def root(task):
    return tasks.get(task, {}).get("root")
kind, text, frames = e.get("kind"), e.get("text") or "", e.get("open_panic_frames")
panics, caught, exit_ = e.get("panics"), e.get("panics_caught"), r.get("program_exit")
fn, fut, task = p.get("function"), p.get("future"), p.get("task")
notes = r["notes"]
try:
    exec(sys.argv[2])
except Exception as x:
    t(False, f"checks failed: {x!r} (program_end {e})")
PY
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$fx: ${line#ok - }" ;;
		*) not_ok "$fx: ${line#not ok - }" ;;
		esac
	done <"$TMP/tap"
}

# a panic in parse_config's second poll (crash/src/main.rs: check_port),
# plain build, `asprof-batch record`: the unwinding crashed (SIGSEGV)
end crash_plain '
t(e["kind"] == "tracer-crashed", f"kind {kind} (expected tracer-crashed; before: only killed by signal 11)")
t(r["program_exit"] == "killed by signal 11 (Segmentation fault)", f"program_exit kept: {exit_}")
t(e["panics"] == 1, f"{panics} panic (expected 1)")
t(p.get("function") == "crash::check_port", f"panic in {fn} (expected crash::check_port)")
t(p.get("future") == "crash::parse_config::{{closure}}", f"panic in future {fut}")
t(root(p.get("task")) == "crash::parse_config::{{closure}}", f"panic in task {task} ({root(task)})")
t((e["open_panic_frames"] or "").endswith("__rust_start_panic") and "rust_begin_unwind" in e["open_panic_frames"],
  f"open panic frames: {frames}")
t("most likely the tracer crashed" in e["text"] and "program\x27s own end" in e["text"] and "uftrace record -e" in e["text"],
  "the text says the tracer crashed, the panic was the end, and how to avoid it")
t(any(n.startswith(e["text"]) for n in r["notes"]), "a run note says it")
'
check "crash_plain: stdout's note says the tracer crashed" \
	grep -q "note: the program panicked in crash::check_port.*most likely the tracer crashed" "$TMP/crash_plain.stdout"
check "crash_plain: index.md's run notes say it" grep -q "most likely the tracer crashed" "$TMP/crash_plain/index.md"

# the same panic, mcount build: std is not recorded, the process aborted
end crash_mcount '
t(e["kind"] == "cannot-tell", f"kind {kind} (expected cannot-tell)")
t(e["panics"] == 0 and e["panic"] is None, "no panic in the recording")
t("in crash::check_port" in e["text"] and "cannot be told" in e["text"], f"text: {text[:160]}")
'

# the same panic, mcount build recorded with uftrace -e: it unwinds, tokio
# catches it (JoinError::panic), main unwraps the JoinError: exit 101
end crash_mcount_e '
t(e["kind"] == "panicked", f"kind {kind} (expected panicked)")
t(r["program_exit"] == "exit status 101", f"program_exit {exit_}")
t(e["panics_caught"] == 1 and p.get("caught_only") is True, f"{caught} panic caught by the runtime")
t(p.get("future") == "crash::parse_config::{closure#0}" and root(p.get("task")) == "crash::parse_config::{closure#0}",
  f"the panicking task: {fut}, task {task} ({root(task)})")
'

# the program writes through a null pointer in write_through's second poll
end crash_null '
t(e["kind"] == "crashed", f"kind {kind} (expected crashed)")
t(e["panics"] == 0, "no panic")
t("crashed by itself: signal 11" in e["text"] and "in crash::poke" in e["text"]
  and "crash::write_through::{closure#0}" in e["text"], f"text: {text[:200]}")
'

# hang: killed (SIGTERM) 1 s in, inside blocking_sleep
end tokio_killed '
t(e["kind"] == "killed", f"kind {kind} (expected killed)")
t("killed from outside by signal 15" in e["text"] and "hang::blocking_sleep" in e["text"]
  and "hang::hangs::{closure#0}" in e["text"], f"text: {text[:200]}")
t(any(n.startswith("the program was killed from outside") and "lower bound" in n for n in r["notes"]),
  "the note says so, with the poll cut short")
'

# a program that ended normally: no note about its end
end tokio_ct '
t(e["kind"] == "exited" and e["text"] == "the program exited normally with status 0", f"{kind}: {text}")
t(e["panics"] == 0 and e["panic"] is None and e["open_panic_frames"] is None, "no panic")
t(not any(n.startswith("the program") for n in r["notes"]), "no note about the end")
'

# `asprof-batch record`'s closing warning: a fake uftrace that leaves the
# fixture in -d DIR and prints what the program printed (OUTPUT, shell
# code); record NAME FIXTURE OUTPUT WARNING-PATTERN: exit 0, one warning,
# matching the pattern
PANIC_LINE="printf '%s\\n' \"thread 'main' (14501) panicked at crash/src/main.rs:34:9:\" 'port 70000 out of range' >&2"
record() {
	name=$1 fx=$2 output=$3 pat=$4
	cat >"$TMP/uftrace" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do [ "\$1" = -d ] && { dir=\$2; break; }; shift; done
mkdir -p "\$dir" && cp -r "$FIXTURES/$fx/." "\$dir/"
$output
exit 0
EOF
	chmod +x "$TMP/uftrace"
	rm -rf "$TMP/rec"
	set +e
	"$ASPROF" record --uftrace "$TMP/uftrace" -o "$TMP/rec" /bin/true >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
	check "record, $name" sh -c '[ "$1" -eq 0 ] && [ "$(grep -c "^asprof-batch: warning: " "$2")" -eq 1 ] &&
		grep -q "^asprof-batch: warning: $3" "$2"' - "$st" "$TMP/stderr" "$pat"
}
record "plain panic: the tracer crashed during the panic" crash_plain "$PANIC_LINE" \
	"the program panicked in crash::check_port.*most likely the tracer crashed.*its output says it panicked at crash/src/main.rs:34:9; the recording is still usable\$"
record "mcount panic that could not unwind: its output tells what the recording cannot" crash_mcount \
	"$PANIC_LINE; echo 'fatal runtime error: failed to initiate panic, error 5, aborting' >&2" \
	"the program panicked at crash/src/main.rs:34:9 (its output says so).*failed to initiate panic.*the abort the tracer.s"
record "mcount abort, nothing printed: cannot tell" crash_mcount "" \
	"the program died by signal 6 (Aborted) in crash::check_port.*cannot be told.*the recording is still usable\$"
tap_done
