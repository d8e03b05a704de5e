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

static void append_short_path(struct asp_buf *b, const char *s, size_t n, int level, int args,
			      int depth);

/* how deep names nest before the rest is shown as <…>: a name of input is
 * untrusted, and each level is a frame */
#define DEPTH_MAX 16

/* is the segment a closure: "{closure#N}" (v0) or "{{closure}}" (legacy)? */
static bool is_closure(struct seg g)
{
	return g.n > 2 && g.p[0] == '{' && g.p[g.n - 1] == '}';
}

/* append a segment; its top-level <...> with each argument shortened when
 * args > 0 (the arguments' own arguments one level less), else as <…> */
static void append_segment(struct asp_buf *b, struct seg g, int args, int depth)
{
	for (size_t i = 0; i < g.n;) {
		if (g.p[i] != '<') {
			asp_buf_append(b, g.p + i, 1);
			i++;
			continue;
		}
		size_t end = group_end(g.p, i, g.n);
		if (args <= 0 || end - i < 3 || g.p[end - 1] != '>') {
			asp_buf_append(b, "<\u2026>", strlen("<\u2026>"));
			i = end;
			continue;
		}
		asp_buf_append(b, "<", 1);
		/* the arguments, split at top-level commas */
		size_t a = i + 1, last = end - 1;
		bool first = true;
		for (size_t j = a; j <= last; j++) {
			if (j < last && is_open(g.p[j])) {
				j = group_end(g.p, j, last) - 1;
				continue;
			}
			if (j < last && g.p[j] != ',')
				continue;
			size_t lo = a, hi = j;
			while (lo < hi && g.p[lo] == ' ')
				lo++;
			if (!first)
				asp_buf_append(b, ", ", 2);
			first = false;
			append_short_path(b, g.p + lo, hi - lo, 0, args - 1, depth + 1);
			a = j + 1;
		}
		asp_buf_append(b, ">", 1);
		i = end;
	}
}

/* "<Type as Trait>::rest": the type's short path, and rest unless it is
 * poll; 0 when s is not of that shape */
static bool append_qualified(struct asp_buf *b, const char *s, size_t n, int level, int args,
			     int depth)
{
	if (!n || s[0] != '<')
		return false;
	size_t end = group_end(s, 0, n);
	if (end < 2 || s[end - 1] != '>') { /* not closed: what follows the '<' */
		append_short_path(b, s + 1, n - 1, level, args, depth + 1);
		return true;
	}
	const char *inner = s + 1;
	size_t inner_n = end - 2, type_n = inner_n;
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
	append_short_path(b, inner, type_n, level, args, depth + 1);
	const char *rest = s + end;
	size_t rest_n = n - end;
	if (rest_n >= 2 && !strncmp(rest, "::", 2)) {
		rest += 2;
		rest_n -= 2;
	}
	if (rest_n && !(rest_n == 4 && !strncmp(rest, "poll", 4))) {
		asp_buf_append(b, "::", 2);
		append_short_path(b, rest, rest_n, 0, args, depth + 1);
	}
	return true;
}

/* The last meaningful segment of a path, and `level` more before it; the
 * closure of an async fn's body (one trailing closure) and a trailing
 * poll say nothing the segment before does not. */
static void append_short_path(struct asp_buf *b, const char *s, size_t n, int level, int args,
			      int depth)
{
	if (depth > DEPTH_MAX) {
		asp_buf_append(b, "<\u2026>", strlen("<\u2026>"));
		return;
	}
	if (append_qualified(b, s, n, level, args, depth))
		return;
	struct seg segs[64];
	size_t count = split_path(s, n, segs, ASP_ARRAY_SIZE(segs));
	while (count > 1 && is_hash(segs[count - 1]))
		count--;
	if (count > 1 && is_closure(segs[count - 1]) && !is_closure(segs[count - 2]))
		count--; /* f::{closure#0}: the body of async fn f */
	size_t k = count - 1;
	while (k > 0 && segs[k].n && (segs[k].p[0] == '{' || segs[k].p[0] == '<'))
		k--;
	if (k > 0 && k == count - 1 && segs[k].n == 4 && !memcmp(segs[k].p, "poll", 4))
		k--;
	k = (size_t)level >= k ? 0 : k - (size_t)level;
	for (size_t i = k; i < count; i++) {
		if (i > k)
			asp_buf_append(b, "::", 2);
		append_segment(b, segs[i], args, depth);
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

/* the short name at a level (more leading path segments), uncut */
static char *short_at(const char *name, int level)
{
	struct asp_buf b = { 0 };
	append_short_path(&b, name, strlen(name), level, 1, 0);
	if (!b.data || !b.len) {
		asp_buf_free(&b);
		return xstrdup(name);
	}
	return b.data;
}

char *asp_short_name(const char *name, size_t max)
{
	char *s = short_at(name, 0);
	asp_cut_chars(s, max);
	return s;
}

char **asp_short_names(const char *const *names, size_t n, size_t max)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));
	int *level = xcalloc(n ? n : 1, sizeof(*level));
	bool *bumped = xcalloc(n ? n : 1, sizeof(*bumped));
	for (size_t i = 0; i < n; i++)
		out[i] = short_at(names[i], 0);
	/* a label two names share gets one more leading segment on both, until
	 * they differ or the names are whole */
	for (int round = 0; round < 8; round++) {
		bool again = false;
		for (size_t i = 0; i < n; i++) {
			bumped[i] = false;
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = j != i && strcmp(names[i], names[j]) && !strcmp(out[i], out[j]);
			if (dup && strcmp(out[i], names[i])) {
				level[i]++;
				bumped[i] = again = true;
			}
		}
		if (!again)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!bumped[i])
				continue;
			char *t = short_at(names[i], level[i]);
			if (!strcmp(t, out[i])) /* no more segments: whole */
				t = (free(t), xstrdup(names[i]));
			free(out[i]);
			out[i] = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		asp_cut_chars(out[i], max);
	free(level);
	free(bumped);
	return out;
}
