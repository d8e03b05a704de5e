#!/bin/sh
# man.sh - the man pages say what the program and the rules file say:
# asprof-batch(1) holds every option of every command's --help, and
# asprof-rules(5) every key of configs/rules.yaml; both are clean roff
# (groff -ww, when groff is there) and render with the options readable.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"
builddir=$(dirname "$ASPROF")
page1=$builddir/asprof-batch.1
page5=$builddir/asprof-rules.5
rules=$TESTS_SRCDIR/../configs/rules.yaml

check "asprof-batch.1 is built" test -s "$page1"
check "asprof-rules.5 is built" test -s "$page5"
"$ASPROF" --man >"$TMP/now.1"
check "asprof-batch.1 is what --man writes now" cmp -s "$TMP/now.1" "$page1"

# the page as text: groff when it is there, else the roff with its escapes
# undone (the test then checks the words, not the layout)
as_text() {
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tutf8 -P-cbou "$1" 2>/dev/null
	else
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/^\\&//' -e '/^\.[A-Z]/d' "$1"
	fi
}
as_text "$page1" >"$TMP/page1.txt"
as_text "$page5" >"$TMP/page5.txt"

# every long option of every command's --help, on the page
missing=
for c in analyze diff dump record trend; do
	"$ASPROF" "$c" --help >"$TMP/help.txt"
	for o in $(grep -o -- '--[a-z][a-z-]*' "$TMP/help.txt" | sort -u); do
		grep -q -e "$o" "$TMP/page1.txt" || missing="$missing $c:$o"
	done
done
check "every option of every --help is on asprof-batch(1)${missing:+ (missing:$missing)}" \
	test -z "$missing"
check "each command has its section" sh -c \
	'for c in analyze diff dump record trend; do grep -q "^\.SS $c\$" "$1" || exit 1; done' - "$page1"

# every top-level key of the rules file, with its default
missing=
for k in $(grep -o '^[a-z_]*:' "$rules" | tr -d :); do
	grep -q "^\.SS $k\$" "$page5" || missing="$missing $k"
done
check "every key of rules.yaml has a section in asprof-rules(5)${missing:+ (missing:$missing)}" \
	test -z "$missing"
check "... with its default value" grep -q "fail_on: \[error, regression\]" "$TMP/page5.txt"

# the minus signs stay minus signs (copy-pasted options work)
check "options are written with \\- in the roff" grep -q -- '\\-\\-output' "$page1"
if command -v groff >/dev/null 2>&1; then
	check "groff reads asprof-batch(1) without a warning" sh -c \
		'[ -z "$(groff -man -Tutf8 -ww -z "$1" 2>&1)" ]' - "$page1"
	check "groff reads asprof-rules(5) without a warning" sh -c \
		'[ -z "$(groff -man -Tutf8 -ww -z "$1" 2>&1)" ]' - "$page5"
else
	skip "groff is not installed: the pages' roff is not checked"
fi
tap_done
