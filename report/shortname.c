/* shortname.c - Rust names (paths, generics, closures, hashes) shortened
 * for labels: the last path segments of the name, generic arguments
 * shortened the same way, hashes dropped (shortname.h). */
#include "report/shortname.h"
#include "analysis/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_open(char c) { return c == '<' || c == '(' || c == '[' || c == '{'; }
static bool is_close(char c) { return c == '>' || c == ')' || c == ']' || c == '}'; }

/* index just past the group opened at s[i], or n when it is not closed */
static size_t group_end(const char *s, size_t i, size_t n)
{
	int depth = 0;
	for (; i < n; i++) {
		if (is_open(s[i]))
			depth++;
		else if (is_close(s[i]) && !(s[i] == '>' && i > 0 && s[i - 1] == '-')) {
			if (--depth == 0)
				return i + 1;
		}
	}
	return n;
}

struct seg {
	const char *p;
	size_t n;
};

/* split s[0..n) at top-level "::"; returns the count (at most max) */
static size_t split_path(const char *s, size_t n, struct seg *segs, size_t max)
{
	size_t count = 0, start = 0;
	for (size_t i = 0; i < n;) {
		if (is_open(s[i])) {
			i = group_end(s, i, n);
		} else if (s[i] == ':' && i + 1 < n && s[i + 1] == ':') {
			if (count < max)
				segs[count++] = (struct seg){ s + start, i - start };
			i += 2;
			start = i;
		} else {
			i++;
		}
	}
	if (count < max)
		segs[count++] = (struct seg){ s + start, n - start };
	return count;
}

/* a legacy-mangling hash segment: h + 16 hex digits */
static bool is_hash(struct seg g)
{
	if (g.n != 17 || g.p[0] != 'h')
		return false;
	for (size_t i = 1; i < 17; i++)
		if (!strchr("0123456789abcdef", g.p[i]))
			return false;
	return true;
}

/* append a segment with each top-level <...> collapsed to <…> */
static void append_collapsed(struct asp_buf *b, struct seg g)
{
	for (size_t i = 0; i < g.n;) {
		if (g.p[i] == '<') {
			asp_buf_append(b, "<\u2026>", strlen("<\u2026>"));
			i = group_end(g.p, i, g.n);
		} else {
			asp_buf_append(b, g.p + i, 1);
			i++;
		}
	}
}

/* the last meaningful segment of a path and the closure / generic segments after it */
static void append_short_path(struct asp_buf *b, const char *s, size_t n)
{
	struct seg segs[64];
	size_t count = split_path(s, n, segs, ASP_ARRAY_SIZE(segs));
	while (count > 1 && is_hash(segs[count - 1]))
		count--;
	/* closures, generic arguments and a trailing "poll" say little alone */
	size_t k = count - 1;
	while (k > 0 && segs[k].n && (segs[k].p[0] == '{' || segs[k].p[0] == '<'))
		k--;
	if (k > 0 && k == count - 1 && segs[k].n == 4 && !memcmp(segs[k].p, "poll", 4))
		k--;
	for (size_t i = k; i < count; i++) {
		if (i > k)
			asp_buf_append(b, "::", 2);
		append_collapsed(b, segs[i]);
	}
}

/* at most max characters (UTF-8 code points), ending in "…" when cut */
void asp_cut_chars(char *s, size_t max)
{
	if (!max)
		return;
	size_t chars = 0, keep = 0;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max - 1)
			keep = i;
		chars++;
	}
	if (chars <= max)
		return;
	/* "…" is three bytes: where the cut leaves fewer (two one-byte
	 * characters), cut one character earlier */
	size_t len = keep + strlen(s + keep);
	if (len - keep < 3) {
		if (keep == 0) {
			s[1] = '\0'; /* max 1 over two one-byte characters */
			return;
		}
		do
			keep--;
		while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80);
	}
	memcpy(s + keep, "\u2026", sizeof("\u2026"));
}

char *asp_short_name(const char *name, size_t max)
{
	struct asp_buf b = { 0 };
	size_t n = strlen(name);
	if (n && name[0] == '<') {
		/* <Type as Trait>::method: the type, and the method unless it is poll */
		size_t end = group_end(name, 0, n);
		const char *inner = name + 1;
		size_t inner_n = end > 1 && name[end - 1] == '>' ? end - 2 : end - 1;
		size_t type_n = inner_n;
		for (size_t i = 0; i < inner_n;) {
			if (is_open(inner[i])) {
				i = group_end(inner, i, inner_n);
			} else if (!strncmp(inner + i, " as ", 4)) {
				type_n = i;
				break;
			} else {
				i++;
			}
		}
		append_short_path(&b, inner, type_n);
		const char *rest = name + end;
		if (!strncmp(rest, "::", 2))
			rest += 2;
		if (*rest && strcmp(rest, "poll")) {
			asp_buf_append(&b, "::", 2);
			append_short_path(&b, rest, strlen(rest));
		}
	} else {
		append_short_path(&b, name, n);
	}
	if (!b.data || !b.len) {
		asp_buf_free(&b);
		b.data = xstrdup(name);
	}
	asp_cut_chars(b.data, max);
	return b.data;
}
