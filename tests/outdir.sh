#!/bin/sh
# outdir.sh - the output folder holds one batch's reports, whole: two
# batches at once, batches stopped (SIGTERM, SIGINT) or killed (SIGKILL) at
# random moments, a full disk in a reused folder, run names of 255 bytes,
# a small `ulimit -v`. docs/bad-inputs.md ("One batch in the output
# folder") lists what each gets.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
# two sets of runs with different verdicts: a mix of them is visible
PASS_RUNS="$FIXTURES/tokio_ct $FIXTURES/tokio_pool" # exit 0
FAIL_RUNS="$FIXTURES/tokio_mt $FIXTURES/smol"       # exit 1 (blocking errors)
out="$TMP/out"
sanitized=$([ -n "${ASPROF_SANITIZERS:-}" ] && echo y || echo n)

# leftovers DIR: the temporaries found there (none is good)
leftovers() {
	find "$1" \( -name '*.tmp.*' -o -name '.asprof-stage-*' -o -name '.asprof-commit-*' \
		-o -name '.draw-*' \) -print 2>/dev/null
}

# one_set DIR: its reports are those of one batch: summary.json, index.md,
# report.html and junit.xml give one verdict on the same runs. Prints pass,
# fail or why not.
one_set() {
	d=$1
	for f in summary.json index.md report.html junit.xml report.xlsx; do
		[ -s "$d/$f" ] || { echo "no $f"; return; }
	done
	sst=$(grep -m 1 '"status":' "$d/summary.json" | tr -dc 0-9)
	verdict=$(sed -n 1p "$d/index.md" | sed -n 's/^# asprof: \([A-Z]*\)$/\1/p')
	fails=$(grep -c '<failure' "$d/junit.xml" || true)
	page=$(grep -o '<p class="status">[A-Za-z]*</p>' "$d/report.html" | sed 's/<[^>]*>//g')
	has() { grep -q "$1" "$2"; }
	if [ "$sst" = 0 ] && [ "$verdict" = PASS ] && [ "$fails" -eq 0 ] && [ "$page" = Passed ] &&
		has 'runs/tokio_ct/' "$d/report.html" && ! has 'runs/tokio_mt/' "$d/report.html" &&
		has '"name":"tokio_ct"' "$d/summary.json" && ! has '"name":"tokio_mt"' "$d/summary.json" &&
		has 'runs/tokio_ct/' "$d/index.md" && ! has 'runs/tokio_mt/' "$d/index.md" &&
		has tokio_ct "$d/junit.xml" && ! has tokio_mt "$d/junit.xml"; then
		which=pass
	elif [ "$sst" = 1 ] && [ "$verdict" = FAIL ] && [ "$fails" -gt 0 ] && [ "$page" = Failed ] &&
		has 'runs/tokio_mt/' "$d/report.html" && ! has 'runs/tokio_ct/' "$d/report.html" &&
		has '"name":"tokio_mt"' "$d/summary.json" && ! has '"name":"tokio_ct"' "$d/summary.json" &&
		has 'runs/tokio_mt/' "$d/index.md" && ! has 'runs/tokio_ct/' "$d/index.md" &&
		has tokio_mt "$d/junit.xml" && ! has tokio_ct "$d/junit.xml"; then
		which=fail
	else
		echo "mixed: summary.json status $sst, index.md $verdict, report.html $page, junit.xml $fails failures"
		return
	fi
	echo $which
}

# whole DIR: one_set, and manifest.json names this batch's status and
# every file it wrote, each there with its size
whole() {
	which=$(one_set "$1")
	case $which in pass | fail) ;; *) echo "$which"; return ;; esac
	d=$1
	[ -s "$d/manifest.json" ] || { echo "no manifest.json"; return; }
	mst=$(grep -m 1 '"status":' "$d/manifest.json" | tr -dc 0-9)
	[ "$mst" = "$([ $which = pass ] && echo 0 || echo 1)" ] || { echo "manifest.json: status $mst"; return; }
	bad=$(awk -F'"' '/"path":/ { p = $4 } /"bytes":/ { gsub(/[^0-9]/, "", $0); print p " " $0 }' \
		"$d/manifest.json" | while read -r p n; do
		[ "$(stat -c %s "$d/$p" 2>/dev/null)" = "$n" ] || echo "$p"
	done)
	[ -z "$bad" ] || { echo "manifest.json: $(echo $bad | cut -c 1-200) not as listed"; return; }
	echo $which
}

# ------------------------------------------------------------ two at once
# both start together: the second waits for the first (one line, naming
# its PID), each exits with its own verdict, the folder holds the last one
mixed=0 nomanifest=0 badexit=0 said=0 tries=10
for i in $(seq $tries); do
	rm -rf "$out"
	"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>"$TMP/a.err" &
	a=$!
	"$ASPROF" -q -o "$out" $FAIL_RUNS >/dev/null 2>"$TMP/b.err" &
	b=$!
	sa=0 sb=0
	wait $a || sa=$?
	wait $b || sb=$?
	[ "$sa" -eq 0 ] && [ "$sb" -eq 1 ] || badexit=$((badexit + 1))
	! grep -qE 'Sanitizer|runtime error' "$TMP/a.err" "$TMP/b.err" || badexit=$((badexit + 1))
	case $(one_set "$out") in pass | fail) ;; *) mixed=$((mixed + 1)) ;; esac
	case $(whole "$out") in pass | fail) ;; *) nomanifest=$((nomanifest + 1)) ;; esac
	if grep -qE 'is writing this folder; waiting for it' "$TMP/a.err" "$TMP/b.err"; then said=$((said + 1)); fi
	[ -z "$(leftovers "$out")" ] || mixed=$((mixed + 1))
done
check "two batches at once into one folder, $tries times: $mixed mixed or left over" [ $mixed -eq 0 ]
check "... manifest.json names every file: $nomanifest times not" [ $nomanifest -eq 0 ]
check "... each exits with its own verdict (0 and 1): $badexit times not" [ $badexit -eq 0 ]
check "... the one that waits says so ($said times of $tries)" [ $said -ge 1 ]
grep -h 'waiting' "$TMP/a.err" "$TMP/b.err" | sed "s|$TMP/||g" | head -n 1 | diag

# a batch running (a lock held) is never touched: --lock-wait 0 refuses
# at once, naming its PID, and leaves its stage alone
rm -rf "$out"
"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true
mkdir "$out/.asprof-stage-Live12"
touch "$out/.asprof-stage-Live12/summary.json"
if command -v flock >/dev/null 2>&1; then
	flock "$out/.asprof.lock" sh -c 'echo $$ >"$1"; sleep 3' sh "$out/.asprof.lock" &
	holder=$!
	sleep 0.3
	set +e
	"$ASPROF" -q --lock-wait 0 -o "$out" $FAIL_RUNS >/dev/null 2>"$TMP/refused.err"
	st=$?
	set -e
	check "--lock-wait 0 while another batch holds the folder: exit 2, one line naming it ($(sed "s|$TMP/||g" "$TMP/refused.err"))" \
		sh -c '[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q "another batch (PID [0-9]*) is writing this folder; nothing written" "$2"' \
		sh "$st" "$TMP/refused.err"
	[ -e "$out/.asprof-stage-Live12/summary.json" ] && [ "$(whole "$out")" = pass ] &&
		ok "... the running batch's stage is left alone, the folder as it was" ||
		not_ok "... the running batch's stage was touched, or the folder changed"
	kill $holder 2>/dev/null || true
	wait $holder 2>/dev/null || true
else
	skip "--lock-wait 0 (no flock command)"
	skip "... the running batch's stage is left alone (no flock command)"
fi
# once it is gone, the next batch removes what it left
"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true
check "the next batch removes a dead batch's stage" [ ! -e "$out/.asprof-stage-Live12" ]

# ------------------------------------------------------------ stopped
# SIGTERM (and SIGINT) at moments spread over a batch of the failing runs,
# in a folder that holds the passing ones: the folder holds one batch,
# whole (the old or the new), no temporaries remain, and the batch ends by
# the signal or, when it finished first, with its verdict
rm -rf "$out"
"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true
mixed=0 nomanifest=0 left=0 badexit=0 old=0 new=0 stopped=0 tries=20
# a shell without job control starts background jobs with SIGINT ignored
# (and an ignored signal stays so): env gives it back where it can
defsig=
env --default-signal=INT true 2>/dev/null && defsig="env --default-signal=INT"
for i in $(seq $tries); do
	sig=TERM
	[ $((i % 4)) -eq 0 ] && [ -n "$defsig" ] && sig=INT
	delay=$(awk -v i="$i" 'BEGIN { printf "%.3f", (i * 7 % 20) * 0.03 }')
	# back to the old set now and then, so that both ways are tried
	[ $((i % 3)) -eq 0 ] && { "$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true; }
	$defsig "$ASPROF" -q -o "$out" $FAIL_RUNS >/dev/null 2>"$TMP/term.err" &
	pid=$!
	sleep "$delay"
	kill -s $sig $pid 2>/dev/null || true
	st=0
	wait $pid || st=$?
	case $st in 1) ;; 130 | 143) stopped=$((stopped + 1)) ;; *) badexit=$((badexit + 1)); diag "$TMP/term.err" ;; esac
	! grep -qE 'Sanitizer|runtime error' "$TMP/term.err" || { badexit=$((badexit + 1)); diag "$TMP/term.err"; }
	case $(one_set "$out") in
	pass) old=$((old + 1)) ;;
	fail) new=$((new + 1)) ;;
	*) mixed=$((mixed + 1)) ;;
	esac
	case $(whole "$out") in pass | fail) ;; *) nomanifest=$((nomanifest + 1)) ;; esac
	[ -z "$(leftovers "$out")" ] || left=$((left + 1))
done
check "SIGTERM/SIGINT at $tries moments ($stopped stopped): $mixed mixed ($old old sets, $new new)" [ $mixed -eq 0 ]
check "... manifest.json names every file: $nomanifest times not" [ $nomanifest -eq 0 ]
check "... $left times temporaries left" [ $left -eq 0 ]
check "... exit 143/130 (or 1 when done first): $badexit times not" [ $badexit -eq 0 ]

# SIGKILL: what it leaves is removed (or, cut in the middle of moving the
# reports in, finished) by the next batch, which then writes its own
mixed=0 tries=10
for i in $(seq $tries); do
	delay=$(awk -v i="$i" 'BEGIN { printf "%.3f", (i * 7 % 10) * 0.03 }')
	"$ASPROF" -q -o "$out" $FAIL_RUNS >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -s KILL $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	# a folder cut mid-commit has no manifest.json and is finished next
	if [ -e "$out/manifest.json" ]; then
		case $(whole "$out") in pass | fail) ;; *) mixed=$((mixed + 1)) ;; esac
	fi
done
n=$(leftovers "$out" | wc -l)
"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true
check "SIGKILL $tries times: a folder with manifest.json always whole ($mixed not)" [ $mixed -eq 0 ]
check "... the next batch removes what they left ($n temporaries before it)" sh -c \
	'[ -z "$(find "$1" \( -name "*.tmp.*" -o -name ".asprof-stage-*" -o -name ".asprof-commit-*" -o -name ".draw-*" \) -print)" ]' sh "$out"
check "... and writes its reports whole" [ "$(whole "$out")" = pass ]

# ------------------------------------------------------------ full disk
# a reused folder on a disk that holds the passing batch but not the
# failing one as well: exit 2, one line naming the report where it would
# land, and the folder keeps the passing batch's reports, whole
"$ASPROF" -q -o "$TMP/ref-pass" $PASS_RUNS >/dev/null 2>&1 || true
"$ASPROF" -q -o "$TMP/ref-fail" $FAIL_RUNS >/dev/null 2>&1 || true
kp=$(du -sk "$TMP/ref-pass" | cut -f 1)
kf=$(du -sk "$TMP/ref-fail" | cut -f 1)
mkdir -p "$TMP/disk"
cat >"$TMP/full.sh" <<'EOF'
# in a mount namespace of its own: $1 size (KiB), $2 the folder, $3 ASPROF, $4 where to copy it
set -u
mount -t tmpfs -o size="$1k" tmpfs "$2" || exit 99
"$3" -q -o "$2/out" $PASS_RUNS >/dev/null 2>"$4.pass.err"
echo $? >"$4.pass.st"
"$3" -q -o "$2/out" $FAIL_RUNS >/dev/null 2>"$4.fail.err"
echo $? >"$4.fail.st"
cp -a "$2/out" "$4"
EOF
export PASS_RUNS FAIL_RUNS
size=$((kp + kf / 2))
if unshare -rm sh "$TMP/full.sh" "$size" "$TMP/disk" "$ASPROF" "$TMP/full" 2>/dev/null; then
	msg=$(sed "s|$TMP/||g" "$TMP/full.fail.err")
	check "full disk in a reused folder: exit 2, one line naming the report: $msg" sh -c \
		'[ "$(cat "$1.fail.st")" -eq 2 ] && [ "$(wc -l <"$1.fail.err")" -eq 1 ] &&
		 grep -qE "^asprof-batch: $2/out/[^ ]*: .*(No space left on device|is the disk full)" "$1.fail.err" &&
		 ! grep -q asprof-stage "$1.fail.err"' sh "$TMP/full" "$TMP/disk"
	check "... the previous batch's reports stay ($(one_set "$TMP/full"))" [ "$(one_set "$TMP/full")" = pass ]
	check "... whole, as manifest.json says ($(whole "$TMP/full"))" [ "$(whole "$TMP/full")" = pass ]
	check "... no temporaries left" [ -z "$(leftovers "$TMP/full")" ]
else
	skip "full disk in a reused folder (no tmpfs in a user namespace here)"
	skip "... the previous batch's reports stay"
	skip "... whole, as manifest.json says"
	skip "... no temporaries left"
fi

# ------------------------------------------------------------ linked folders
# runs/NAME a link to a folder on another file system (a served folder):
# the reports cannot be renamed there from the stage; they are copied in,
# each atomically
far=$(mktemp -d /dev/shm/asprof-outdir.XXXXXX 2>/dev/null || true)
if [ -n "$far" ] && [ "$(stat -c %d "$far")" != "$(stat -c %d "$TMP")" ]; then
	rm -rf "$out"
	mkdir -p "$out/runs"
	ln -s "$far" "$out/runs/tokio_ct"
	st=0
	"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>"$TMP/far.err" || st=$?
	check "runs/NAME a link to another file system: exit $st, its reports there, the set whole ($(whole "$out"))" sh -c \
		'[ "$1" -eq 0 ] && [ ! -s "$2" ] && [ -s "$3/trace.json" ] && [ -s "$3/summary.json" ] &&
		 [ -z "$(ls -A "$3" | grep -v -e "^trace.json$" -e "^summary.json$")" ]' sh "$st" "$TMP/far.err" "$far"
	[ "$(whole "$out")" = pass ] && ok "... manifest.json lists them" || not_ok "... manifest.json lists them"
	rm -rf "$far"
else
	[ -z "$far" ] || rm -rf "$far"
	skip "runs/NAME a link to another file system (/dev/shm is not one here)"
	skip "... manifest.json lists them"
fi

# runs/NAME a link to nowhere, or a file: refused before anything is moved
# in, the folder as it was (whole, manifest.json and all)
for what in link file; do
	rm -rf "$out"
	"$ASPROF" -q -o "$out" $PASS_RUNS >/dev/null 2>&1 || true
	rm -rf "$out/runs/tokio_ct"
	if [ $what = link ]; then ln -s "$TMP/nowhere" "$out/runs/tokio_ct"; else : >"$out/runs/tokio_ct"; fi
	st=0
	"$ASPROF" -q -o "$out" $FAIL_RUNS $FIXTURES/tokio_ct >/dev/null 2>"$TMP/bad.err" || st=$?
	check "runs/NAME a $what where a folder goes: exit $st, one line ($(sed "s|$TMP/||g" "$TMP/bad.err")), the folder as it was" sh -c \
		'[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q "^asprof-batch: $3/runs/tokio_ct: " "$2" &&
		 [ -z "$(find "$3" -name ".asprof-[sc]*")" ]' sh "$st" "$TMP/bad.err" "$out"
	check "... the reports as they were ($(one_set "$out"))" [ "$(one_set "$out")" = pass ]
done

# ------------------------------------------------------------ long names
# two runs whose folders share one name of 255 bytes (ASCII, and 2-byte
# characters with a cut that would split one): NAME-2 is shortened to fit
for kind in ascii utf8; do
	if [ $kind = ascii ]; then
		name=$(printf 'r%.0s' $(seq 255))
	else
		name=$(printf '\303\251%.0s' $(seq 127))x # 127 x "é" + "x": 255 bytes
	fi
	rm -rf "$TMP/long" "$out"
	mkdir -p "$TMP/long/a" "$TMP/long/b"
	cp -r "$FIXTURES/tokio_ct" "$TMP/long/a/$name"
	cp -r "$FIXTURES/tokio_ct" "$TMP/long/b/$name"
	st=0
	"$ASPROF" -q -o "$out" "$TMP/long/a/$name" "$TMP/long/b/$name" >/dev/null 2>"$TMP/long.err" || st=$?
	second=$(ls "$out/runs" | grep -- '-2$' || true)
	check "two runs named with the same 255 bytes ($kind): exit $st, both written, the second as NAME-2" sh -c \
		'[ "$1" -eq 0 ] && [ ! -s "$2" ] && [ -s "$3/summary.json" ] && [ -s "$3/index.md" ] &&
		 [ "$(ls "$3/runs" | wc -l)" -eq 2 ] && [ -n "$4" ] && [ "$(printf %s "$4" | wc -c)" -le 255 ] &&
		 [ -s "$3/runs/$4/trace.json" ]' sh "$st" "$TMP/long.err" "$out" "$second"
	check "... NAME-2 is valid UTF-8" sh -c 'printf %s "$1" | iconv -f UTF-8 -t UTF-8 >/dev/null' sh "$second"
done

# ------------------------------------------------------------ ulimit -v
# out of memory while trace.json is written: one line naming the file,
# exit 2, no temporaries; at no limit a crash or a leftover (ASan reserves
# terabytes of address space: not under the sanitizers)
if [ "$sanitized" = y ]; then
	skip "ulimit -v (not under the sanitizers)"
	skip "... out of memory named a file"
else
	hit=0 bad=0 oom_line=
	for kb in $(seq 36000 1000 64000); do
		rm -rf "$out"
		st=0
		(ulimit -v "$kb" && exec "$ASPROF" -q -o "$out" "$FIXTURES/tokio_mt") >/dev/null 2>"$TMP/oom.err" || st=$?
		if grep -q 'out of memory' "$TMP/oom.err"; then
			hit=$((hit + 1))
			if ! grep -qE '^asprof-batch: [^ ]*/out[^ ]*: out of memory \([0-9]+ bytes\)$' "$TMP/oom.err" ||
				[ "$(wc -l <"$TMP/oom.err")" -ne 1 ] || [ "$st" -ne 2 ]; then
				bad=$((bad + 1))
				echo "# ulimit -v $kb: exit $st: $(cat "$TMP/oom.err")"
			fi
			[ -n "$oom_line" ] || oom_line=$(sed "s|$TMP/||g" "$TMP/oom.err")
		fi
		[ "$st" -lt 128 ] || { bad=$((bad + 1)); echo "# ulimit -v $kb: exit $st"; }
		[ -z "$(leftovers "$out")" ] || { bad=$((bad + 1)); echo "# ulimit -v $kb: left $(leftovers "$out")"; }
	done
	check "ulimit -v from 36 to 64 MB: $bad times a crash, leftovers or out of memory naming no file" [ $bad -eq 0 ]
	if [ $hit -gt 0 ]; then
		ok "... out of memory $hit times, e.g. $oom_line"
	else
		skip "... no limit gave out of memory here"
	fi
fi

tap_done
