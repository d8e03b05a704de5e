#!/bin/sh
# tests/demo.sh ASPROF FIXTURES - the main job on the bundled sample
# recordings (`make demo`, the README's first command). The output folder is
# ./asprof-out (or $ASPROF_OUT).
set -u
asprof=$1
fixtures=$2
out=${ASPROF_OUT:-asprof-out}
rules=$(dirname "$0")/../configs/rules.yaml
set +e
"$asprof" -c "$rules" -o "$out" "$fixtures"/*/
status=$?
set -e
case $status in
0) verdict="nothing fails the build" ;;
1) verdict="something fails the build (exit status 1, as a CI job would see it)" ;;
*) echo "asprof-batch failed with exit status $status" >&2; exit "$status" ;;
esac
echo "asprof-batch: $verdict"
echo "Reports are in $out/: report.html (start here), index.md, summary.json, report.xlsx, junit.xml, charts/,"
echo "and per run runs/<run>/trace.json (load it in Chromium DevTools' Performance panel or https://ui.perfetto.dev) and runs/<run>/summary.json"
