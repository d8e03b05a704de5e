#!/bin/sh
# compare-noise.sh - the nightly comparison on real recordings: no false
# regression between recordings of one binary, the slowed future found.
# tests/fixtures/nightly_a1..a8 are the same build of tests/rust/nightly
# recorded at different times, three of them under load; nightly_b130_*
# and nightly_b200_* make its kv_get 1.3 and 2 times slower
# (docs/nightly-recordings.md).  Shapes, as a nightly job compares:
#   A/A 1 v 1 (56 ordered pairs), 3 v 1 (32), 3 v 3 on disjoint sides (28):
#       no row "regressed" or "improved";
#   A/B x1.3, 3 v 3 (8 baseline triples) and x2, 1 v 1 (16): kv_get
#       "regressed", its callers handle_request and handle_conn not
#       (reported via kv_get), nothing else flagged.
# One summary line per shape; the failed comparisons are listed as
# diagnostics.  About 140 comparisons of small recordings.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
HELPER=${TESTS_SRCDIR:-$(dirname "$0")}/compare_noise.py

set +e
"$PY" "$HELPER" "$ASPROF" "$FIXTURES" "$TMP" >"$TMP/shapes" 2>"$TMP/details"
st=$?
set -e
if [ "$st" -ne 0 ] || [ ! -s "$TMP/shapes" ]; then
	not_ok "the comparisons ran (exit $st)"
	diag "$TMP/details"
	tap_done
	exit 1
fi
ok "the comparisons ran"
while IFS='	' read -r shape failed total text; do
	echo "# $text"
	check "$shape: $text" [ "$failed" -eq 0 ]
done <"$TMP/shapes"
if [ -s "$TMP/details" ]; then
	echo "# failed comparisons:"
	diag "$TMP/details"
fi
tap_done
