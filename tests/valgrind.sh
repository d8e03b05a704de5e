#!/bin/sh
# valgrind.sh - the integration paths under valgrind: no memory errors and
# no leaks. Every fixture through the whole batch (analysis, per-run and
# batch reports, comparison, -j 2), dump, and the error paths. Skipped in a
# sanitizer build (valgrind and ASan do not mix) or without valgrind.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
if [ -n "${ASPROF_SANITIZERS:-}" ] || ! command -v valgrind >/dev/null 2>&1; then
	skip "valgrind not installed, or a sanitizer build"
	tap_done
	exit 0
fi
vg() {
	set +e
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$ASPROF" "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	set -e
	if [ "$st" -eq 99 ] || grep -q '^==[0-9]*==' "$TMP/err"; then
		not_ok "valgrind: asprof-batch $*"
		grep '^==' "$TMP/err" | head -n 30 | diag
	else
		ok "valgrind clean (exit $st): asprof-batch $(echo "$*" | sed "s|$FIXTURES/||g; s|$TMP/||g" | cut -c1-100)"
	fi
}
vg -q -j 2 -o "$TMP/a" --baseline "$FIXTURES"/regress_base_1 "$FIXTURES"/regress_base_2 -- \
	$(for f in $(fixtures); do case $f in regress_base_1|regress_base_2) ;; *) echo "$FIXTURES/$f" ;; esac; done)
vg diff -q -o "$TMP/b" "$FIXTURES/tokio_ct" "$FIXTURES/tokio_mt_args"
vg dump "$FIXTURES/async_std_args"
vg dump --merge "$FIXTURES/tokio_mt_legacy"
vg -q -o "$TMP/c" "$TMP/missing-run" "$FIXTURES/smol"
printf 'blocking: {warning: 10 parsecs}\n' >"$TMP/bad.yaml"
vg -q -c "$TMP/bad.yaml" "$FIXTURES/smol"
vg record --dry-run -o "$TMP/r" -- /bin/true
# records dropped for their times (0, 2^64-1), folded and not; a run refused
# because all of them are
cp -r "$FIXTURES/tokio_mt" "$TMP/times"
for f in "$TMP/times"/[0-9]*.dat; do
	dd if=/dev/zero of="$f" bs=1 seek=4096 count=8 conv=notrunc 2>/dev/null
	printf '\377\377\377\377\377\377\377\377' | dd of="$f" bs=1 seek=8192 conv=notrunc 2>/dev/null
done
vg -q -o "$TMP/d" "$TMP/times"
ASPROF_FOLD=0 vg -q -o "$TMP/e" "$TMP/times"
sed -i '1s/timestamp=[0-9]*/timestamp=9999/' "$TMP/times/task.txt"
vg -q -o "$TMP/f" "$TMP/times"
tap_done
