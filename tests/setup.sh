# tests/setup.sh - sourced by the shell tests: strict mode, a scratch
# directory removed on exit, TAP helpers, and the paths make check exports.
set -eu
: "${ASPROF:?ASPROF must point to the asprof-batch binary (make check sets it)}"
: "${FIXTURES:?FIXTURES must point to tests/fixtures (make check sets it)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/asprof-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $* # SKIP"; }
diag() { sed 's/^/# /' "$@"; }
# check NAME CMD...: ok when CMD succeeds
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
tap_done() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# every recording bundled in tests/fixtures
fixtures() { for d in "$FIXTURES"/*/; do [ -f "$d/info" ] && basename "$d"; done; }
# the python3 the checks run (Debian's, when there: a PATH's may lack the
# modules they import)
PY=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# status CMD...: run CMD, its output in $TMP/stdout and $TMP/stderr, its
# exit status in $st
status() { set +e; "$@" >"$TMP/stdout" 2>"$TMP/stderr"; st=$?; set -e; }
