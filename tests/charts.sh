#!/bin/sh
# charts.sh - the gnuplot charts of a batch on the regression fixtures (which
# slow down exactly one future, parse_batch): a distribution chart for it and
# for nothing else, the trend charts, a histogram per run, scripts that
# re-run on their own; a failing gnuplot; and without gnuplot, the scripts
# and data with one line on stderr saying the charts were skipped.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

# run OUT [ENV=VALUE...]: the batch over the regression fixtures; sets $st
run() {
	out=$1
	shift
	set +e
	env "$@" "$ASPROF" -q -o "$out" --baseline "$FIXTURES"/regress_base_* -- \
		"$FIXTURES"/regress_new_* >"$TMP/stdout" 2>"$TMP/stderr"
	st=$?
	set -e
}

is_png() { [ "$(head -c 4 "$1" | tail -c 3)" = PNG ]; }
is_svg() { head -c 200 "$1" | grep -q -e '^<?xml' -e '^<svg'; }
# all four files of chart PATH (without extension)
chart_ok() { is_png "$1.png" && is_svg "$1.svg" && [ -s "$1.gp" ] && [ -s "$1.dat" ]; }

runs=$(cd "$FIXTURES" && ls -d regress_base_* regress_new_*)

if ! command -v gnuplot >/dev/null 2>&1; then
	skip "charts drawn: gnuplot is not installed"
else
	run "$TMP/out"
	if [ "$st" -eq 2 ]; then
		skip "charts drawn: the batch mode failed (exit 2)"
		diag "$TMP/stderr"
		tap_done
		exit
	fi
	check "batch exits 0 or 1 (got $st)" [ "$st" -le 1 ]
	c=$TMP/out/charts
	dists=$(find "$c" -name 'dist-*.gp' -exec basename {} \; 2>/dev/null | sort)
	dist_list=$(echo "$dists" | tr '\n' ' ')
	if echo "$dists" | grep -q parse_batch; then
		ok "dist chart for parse_batch: $dist_list"
	else
		not_ok "no dist chart for parse_batch (have: $dist_list)"
	fi
	others=$(echo "$dists" | grep -v -e parse_batch -e '^$' || true)
	check "no dist chart for other futures${others:+: $others}" [ -z "$others" ]
	for n in $(echo "$dists" | sed 's/\.gp$//'); do
		check "$n: png, svg, script, data" chart_ok "$c/$n"
	done
	for chart in trend-p99 trend-busy; do
		check "$chart.png is a PNG" is_png "$c/$chart.png"
		check "$chart.svg is an SVG" is_svg "$c/$chart.svg"
		check "$chart.gp and $chart.dat" [ -s "$c/$chart.gp" -a -s "$c/$chart.dat" ]
	done
	check "trend-p99.dat names the slowed future in full" \
		grep -q '^# column [0-9]*: regress::parse_batch::{closure#0}$' "$c/trend-p99.dat"
	for r in $runs; do
		check "hist-$r: png, svg, script, data" chart_ok "$c/hist-$r"
	done
	check "no drawing folder left in charts/" [ -z "$(find "$c" -name '.draw-*')" ]
	# a script regenerates its chart from its own directory
	rm -f "$c/trend-p99.png" "$c/trend-p99.svg"
	if (cd "$c" && gnuplot trend-p99.gp </dev/null >/dev/null 2>"$TMP/gp.err") &&
		is_png "$c/trend-p99.png" && is_svg "$c/trend-p99.svg"; then
		ok "gnuplot trend-p99.gp re-draws the chart"
	else
		not_ok "gnuplot trend-p99.gp did not re-draw the chart"
		diag "$TMP/gp.err"
	fi
	# an output folder whose name gnuplot must be given quoted
	q="$TMP/it's \"here\""
	set +e
	"$ASPROF" -q -o "$q" "$FIXTURES/regress_base_1" "$FIXTURES/regress_new_1" >/dev/null 2>"$TMP/q.err"
	set -e
	check "charts in a folder named with quotes" chart_ok "$q/charts/trend-p99"
	# stdout closed: the gnuplots' command sockets must not take its place
	set +e
	"$ASPROF" -q -o "$TMP/noout" "$FIXTURES/regress_base_1" "$FIXTURES/regress_new_1" >&- 2>"$TMP/noout.err"
	st=$?
	set -e
	closed_ok() { [ "$st" -le 1 ] && [ ! -s "$TMP/noout.err" ] && chart_ok "$TMP/noout/charts/trend-p99"; }
	check "stdout closed: exit $st, nothing on stderr, charts drawn" closed_ok
	# a run whose reports cannot be written stops the batch: the charts
	# drawn meanwhile are dropped, and the previous ones stay as they were
	before=$(cd "$c" && cat -- * | cksum)
	rm -rf "$TMP/out/runs/regress_new_1"
	: >"$TMP/out/runs/regress_new_1"
	run "$TMP/out"
	check "a run's folder that is a file: exit 2 (got $st)" [ "$st" -eq 2 ]
	check "... and charts/ is as it was" [ "$(cd "$c" && cat -- * | cksum)" = "$before" ]
	check "... with no drawing folder left" [ -z "$(find "$c" -name '.draw-*')" ]
fi

# the gnuplots started with the batch: warmed up by a drawing to nowhere,
# then sent into the drawing folder to load the scripts; one that fails is
# told on one line that names the first chart's script, no chart is kept,
# and, as without gnuplot, the verdict stands and the other reports are
# written (index.md says charts are missing). The folder is the one of the
# batch with charts above: index.md must not show those older charts.
fake=$TMP/fake-gnuplot
printf '#!/bin/sh\ncat >>"$FAKE_LOG"\necho "boom: cannot draw" >&2\nexit 1\n' >"$fake"
chmod +x "$fake"
if [ -d "$TMP/out/charts" ]; then cp -r "$TMP/out" "$TMP/fake" && rm -f "$TMP/fake/runs/regress_new_1"; fi
run "$TMP/fake" ASPROF_GNUPLOT="$fake" FAKE_LOG="$TMP/fake.log"
check "a failing gnuplot: exit 1, the regression's (got $st)" [ "$st" -eq 1 ]
told() {
	[ "$(grep -c gnuplot "$TMP/stderr")" -eq 1 ] &&
		grep -q "^asprof-batch: warning: $TMP/fake/charts/dist-parse_batch.gp: gnuplot failed: boom: cannot draw (index.md shows the charts drawn)\$" \
			"$TMP/stderr"
}
check "... one line naming the first chart: $(grep gnuplot "$TMP/stderr" | head -1)" told
check "... gnuplot was warmed up" grep -q "^set output '/dev/null'\$" "$TMP/fake.log"
check "... then sent into the drawing folder (in the batch's stage)" grep -q "^cd '$TMP/fake/\.asprof-stage-[^/]*/charts/\.draw-[^/]*'\$" "$TMP/fake.log"
check "... to load the scripts" grep -q "^load 'hist-regress_new_1.gp'\$" "$TMP/fake.log"
check "... no drawing folder left, the older charts untouched" sh -c \
	"[ -z \"\$(find '$TMP/fake/charts' -name '.draw-*')\" ] &&
	 { [ ! -e '$TMP/out/charts/trend-p99.png' ] || cmp -s '$TMP/out/charts/trend-p99.png' '$TMP/fake/charts/trend-p99.png'; }"
check "... index.md and junit.xml written, with the verdict" sh -c \
	"sed -n 1p '$TMP/fake/index.md' | grep -q '^# asprof: FAIL\$' && grep -q '<failure' '$TMP/fake/junit.xml'"
check "... index.md says charts failed and shows none (not the older batch's)" sh -c \
	"grep -q '^- Charts: none could be drawn: .*boom: cannot draw' '$TMP/fake/index.md' &&
	 ! grep -q '](charts/' '$TMP/fake/index.md'"

# a gnuplot that hangs (takes its commands, then draws nothing): killed once
# no chart is done for ASPROF_GNUPLOT_TIMEOUT seconds, told on one line
printf '#!/bin/sh\ncat >/dev/null\nexec sleep 300\n' >"$TMP/hung-gnuplot"
chmod +x "$TMP/hung-gnuplot"
t0=$(date +%s)
run "$TMP/hung" ASPROF_GNUPLOT="$TMP/hung-gnuplot" ASPROF_GNUPLOT_TIMEOUT=1
t1=$(date +%s)
check "a hung gnuplot: exit 1, told once: $(grep gnuplot "$TMP/stderr" | head -1)" sh -c \
	"[ $st -eq 1 ] && [ \$(grep -c gnuplot '$TMP/stderr') -eq 1 ] &&
	 grep -q 'gnuplot failed: no chart finished for 1 s (stuck?); killed (index.md shows the charts drawn)\$' '$TMP/stderr'"
check "... and killed, not waited for ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 100 ]
check "... no chart kept, no drawing folder left" \
	[ -z "$(find "$TMP/hung/charts" -name '*.png' -o -name '*.svg' -o -name '.draw-*')" ]

run "$TMP/nogp" ASPROF_GNUPLOT=/nonexistent
if [ "$st" -eq 2 ]; then
	skip "without gnuplot: the batch mode failed (exit 2)"
else
	check "without gnuplot: exits 0 or 1 (got $st)" [ "$st" -le 1 ]
	n=$(grep -c gnuplot "$TMP/stderr" || true)
	if [ "$n" -eq 1 ] && grep -q 'charts skipped' "$TMP/stderr"; then
		ok "without gnuplot: one line: $(grep gnuplot "$TMP/stderr")"
	else
		not_ok "without gnuplot: $n stderr lines mention gnuplot (want 1)"
		diag "$TMP/stderr"
	fi
	c=$TMP/nogp/charts
	check "without gnuplot: scripts and data written" \
		[ -s "$c/trend-p99.gp" -a -s "$c/trend-p99.dat" -a -s "$c/trend-busy.gp" ]
	check "without gnuplot: no images" [ -z "$(find "$c" -name '*.png' -o -name '*.svg')" ]

	# what the charts say (their scripts, no gnuplot needed)
	h=$c/hist-regress_new_1.gp
	check "a histogram shows the blocking warning threshold as a line" sh -c \
		'grep -q "^    set arrow 1 from 10000, graph 0 to 10000, graph 1 nohead" "$1" &&
		 grep -q "^    set label 1 \"warning 10 ms\"" "$1"' - "$h"
	check "... of the own poll times the rules judge (the runs have context switches)" \
		grep -q "title 'Own poll time (on CPU + blocked), run regress_new_1" "$h"
	check "legends name an async fn by its name, not its body's closure" sh -c \
		'grep -q "title '"'"'parse_batch'"'"'" "$1" && ! grep -q "title '"'"'[^'"'"']*{closure" "$1"' \
		- "$c/trend-p99.gp"
	# a trend only across runs of one program
	set +e
	ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/progs" "$FIXTURES/regress_base_1" \
		"$FIXTURES/regress_base_2" "$FIXTURES/tokio_mt" "$FIXTURES/tokio_mt_args" \
		"$FIXTURES/loaded_mcount" >/dev/null 2>&1
	set -e
	trends=$(cd "$TMP/progs/charts" && ls trend-*.gp 2>/dev/null | tr '\n' ' ')
	check "two programs of two runs each and one of one: a trend pair per program of two runs ($trends)" \
		[ "$trends" = "trend-busy-regress.gp trend-busy-tokio_mt.gp trend-p99-regress.gp trend-p99-tokio_mt.gp " ]
	check "... each over its own program's runs only" sh -c \
		'grep -q "^# run 2: regress_base_2 " "$1" && ! grep -q "tokio_mt\|loaded" "$1"' \
		- "$TMP/progs/charts/trend-p99-regress.dat"
	set +e
	ASPROF_GNUPLOT=/nonexistent "$ASPROF" -q -o "$TMP/progs1" "$FIXTURES/regress_base_1" \
		"$FIXTURES/tokio_mt" >/dev/null 2>&1
	set -e
	check "two programs of one run each: no trend" \
		[ -z "$(cd "$TMP/progs1/charts" && ls trend-* 2>/dev/null)" ]
fi
tap_done
