#!/bin/sh
# dump-vs-uftrace.sh - for every fixture, `asprof-batch dump` and
# `uftrace dump` must give the same records per thread, in the same order,
# with the same function names once both are demangled (uftrace's names go
# through c++filt, i.e. libiberty, in its non-verbose mode). Event records
# (uftrace -E / -e) print differently in the two tools and are left out.
. "${TESTS_SRCDIR:-$(dirname "$0")}/setup.sh"

if ! command -v uftrace >/dev/null 2>&1 || ! command -v c++filt >/dev/null 2>&1; then
	skip "uftrace or c++filt not installed (apt-get install uftrace binutils)"
	tap_done
	exit 0
fi

for f in $(fixtures); do
	dir="$FIXTURES/$f"
	# legacy names with recorded arguments (`record` of a plain build):
	# uftrace 0.13 matches the argument specs' demangled patterns against
	# the names it prints, so it cannot read them with --demangle=no
	if ! uftrace dump -d "$dir" --demangle=no >/dev/null 2>"$TMP/$f.uftrace.err" &&
		grep -q 'missing argument info' "$TMP/$f.uftrace.err"; then
		skip "$f: uftrace reads its legacy argument specs only with its demangler on"
		continue
	fi
	# uftrace: "SEC.NSEC TID: [type ] NAME(ADDR) depth: D" -> "NS TID type D NAME"
	uftrace dump -d "$dir" --demangle=no 2>"$TMP/$f.uftrace.err" |
		awk '/^ *[0-9]+\.[0-9]+ +[0-9]+: \[(entry|exit |lost )\]/ {
			t = $1; sub(/\./, "", t); sub(/^0+/, "", t);
			tid = $2; sub(/:$/, "", tid);
			type = $0; sub(/^[^[]*\[/, "", type); sub(/\].*$/, "", type); gsub(/ /, "", type);
			rest = $0; sub(/^[^]]*\] /, "", rest);
			depth = rest; sub(/^.* depth: /, "", depth);
			name = rest; sub(/ depth: [0-9]+$/, "", name); sub(/\([0-9a-f]+\)$/, "", name);
			print t, tid, type, depth, name
		}' >"$TMP/$f.u0"
	# demangle the name column only
	cut -d' ' -f1-4 "$TMP/$f.u0" >"$TMP/$f.ucols"
	cut -d' ' -f5- "$TMP/$f.u0" | c++filt -i >"$TMP/$f.unames"
	paste -d' ' "$TMP/$f.ucols" "$TMP/$f.unames" | sort -s -n -k2,2 >"$TMP/$f.uftrace"
	"$ASPROF" dump "$dir" 2>"$TMP/$f.asprof.err" |
		sed 's/	.*$//' | awk '$3 != "event"' | sort -s -n -k2,2 >"$TMP/$f.asprof"
	n=$(wc -l <"$TMP/$f.asprof")
	if [ "$n" -gt 0 ] && cmp -s "$TMP/$f.uftrace" "$TMP/$f.asprof"; then
		ok "$f: $n records identical to uftrace dump"
	else
		not_ok "$f: records differ from uftrace dump ($n from asprof, $(wc -l <"$TMP/$f.uftrace") from uftrace)"
		diff "$TMP/$f.uftrace" "$TMP/$f.asprof" | head -20 | diag
	fi
	# arguments: the recorded self pointers are decoded
	if grep -q '^argspec:' "$dir/info" 2>/dev/null || grep -qa 'argspec:' "$dir/info"; then
		nu=$(uftrace dump -d "$dir" 2>/dev/null | grep -c '^ *args\[0\]' || true)
		na=$("$ASPROF" dump "$dir" 2>/dev/null | grep -c '	args: ' || true)
		if [ "$nu" -gt 0 ] && [ "$nu" -eq "$na" ]; then
			ok "$f: $na argument records decoded, as uftrace"
		else
			not_ok "$f: uftrace shows $nu argument records, asprof $na"
		fi
	fi
done
tap_done
