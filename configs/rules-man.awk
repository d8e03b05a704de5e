# rules-man.awk - asprof-rules(5), the rules file's man page, made from
# configs/rules.yaml itself at build time, so the page says what the
# defaults file says and cannot drift from it.
#
# The file is read as blocks separated by blank lines. The first block (the
# file's header comment) is the description; each later block is a key: its
# leading comment is the text, its YAML lines (the key's default value, with
# the comments inside it) are shown as they are.
#
# usage: awk -v version=X.Y -f rules-man.awk configs/rules.yaml

# text for roff: a backslash is \e, a minus \-, and a line that starts with
# a dot or a quote is not taken as a request
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function uncomment(s) {
	sub(/^# ?/, "", s)
	return s
}

function flush(   i, title, n) {
	if (!nlines)
		return
	if (!header_done) {
		header_done = 1
		print ".SH DESCRIPTION"
		print ".nf"
		for (i = 1; i <= nlines; i++)
			print esc(uncomment(lines[i]))
		print ".fi"
		print ".SH KEYS"
		nlines = 0
		return
	}
	title = ""
	for (i = 1; i <= nlines; i++)
		if (lines[i] ~ /^[A-Za-z_][A-Za-z0-9_-]*:/) {
			title = lines[i]
			sub(/:.*/, "", title)
			break
		}
	print ".SS " (title != "" ? esc(title) : "Notes")
	n = 1
	if (lines[1] ~ /^#/) {
		print ".nf"
		for (; n <= nlines && lines[n] ~ /^#/; n++)
			print esc(uncomment(lines[n]))
		print ".fi"
	}
	if (n <= nlines) {
		print ".PP"
		print "Default:"
		print ".RS 4"
		print ".nf"
		for (; n <= nlines; n++)
			print esc(lines[n])
		print ".fi"
		print ".RE"
	}
	nlines = 0
}

BEGIN {
	print ".\\\" generated from configs/rules.yaml by configs/rules-man.awk"
	print ".TH ASPROF-RULES 5 \"\" \"asprof " version "\" \"File Formats\""
	print ".SH NAME"
	print "asprof-rules \\- the rules file of asprof-batch (rules.yaml)"
	print ".SH SYNOPSIS"
	print "asprof-batch \\-c \\fIrules.yaml\\fP \\fIRUN\\fP..."
}

/^[ \t]*$/ { flush(); next }
{ lines[++nlines] = $0 }

END {
	flush()
	print ".SH FILES"
	print ".TP"
	print ".I configs/rules.yaml"
	print "the defaults, installed in asprof's data directory; running without"
	print "\\-c is the same as running with it."
	print ".SH SEE ALSO"
	print ".BR asprof-batch (1),"
	print ".BR uftrace (1)"
}
