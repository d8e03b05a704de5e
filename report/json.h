/* json.h - how the report writers emit JSON, in one place. Four ways, each
 * for the size of what it writes; all give the bytes json-c gives:
 *
 *   json-c objects   asp_json_string (text from input) and asp_json_write
 *                    (a document, pretty-printed, to a file): summary.json,
 *                    manifest.json, trace.json's otherData
 *   a line buffer    struct asp_json_line, asp_jl_* and asp_put_*: text
 *                    formatted by hand as json-c's JSON_C_TO_STRING_PLAIN
 *                    prints it, for trace.json's millions of events (json-c
 *                    objects for them cost more than the analysis); inline,
 *                    they are its hot path
 *   a serializer     struct asp_jw: a json-c serializer that prints its
 *                    members itself, as json-c would at its level and with
 *                    its flags: summary.json's tasks array (a json-c object
 *                    per task and field cost most of summary.json's time)
 *   written text     asp_json_written: a document already written (a run's
 *                    summary.json) printed again inside another, at its level
 */
#ifndef ASP_REPORT_JSON_H
#define ASP_REPORT_JSON_H

#include "analysis/util.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- json-c objects */

/* s as a JSON string (NULL: null), the one way every JSON writer takes text
 * from input: json-c escapes quotes, backslashes and control characters;
 * bytes that are not UTF-8 (a folder name, a path) are written \xNN so the
 * document stays valid UTF-8 (asp_buf_show). */
json_object *asp_json_string(const char *s);
/* Writes a json-c object to PATH atomically, pretty-printed; with text, a
 * malloc'd copy of what was written (without the final newline) on success. */
int asp_json_write(const char *path, json_object *obj, char **text, char **err);

/* ---- a line buffer, formatted by hand */

struct asp_json_line {
	char *p;
	size_t n, cap;
};

static inline void asp_jl_reserve(struct asp_json_line *l, size_t add)
{
	if (l->n + add <= l->cap)
		return;
	size_t cap = l->cap ? l->cap * 2 : 512;
	while (cap < l->n + add)
		cap *= 2;
	l->p = xrealloc(l->p, cap);
	l->cap = cap;
}

static inline void asp_jl_raw(struct asp_json_line *l, const char *s, size_t n)
{
	asp_jl_reserve(l, n);
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

#define asp_jl_lit(l, s) asp_jl_raw((l), (s), sizeof(s) - 1)

/* decimal digits of v at p (at most 20); returns the end */
static inline char *asp_put_u64(char *p, uint64_t v)
{
	/* its digit count, then the digits written back from the end */
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
		10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned n = (bits * 1233) >> 12; /* floor(log10(2^bits)) */
	n += v >= pow10[n];
	if (n == 0)
		n = 1;
	asp_u64_dec(p + n, v);
	return p + n;
}

static inline char *asp_put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return asp_put_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return asp_put_u64(p, (uint64_t)v);
}

/* ns as microseconds with three decimals (room for 24) */
static inline char *asp_put_us(char *p, uint64_t ns)
{
	p = asp_put_u64(p, ns / 1000);
	unsigned f = (unsigned)(ns % 1000);
	p[0] = '.';
	p[1] = (char)('0' + f / 100);
	p[2] = (char)('0' + f / 10 % 10);
	p[3] = (char)('0' + f % 10);
	return p + 4;
}

#define asp_put_lit(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

static inline char *asp_put_raw(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static inline void asp_jl_u64(struct asp_json_line *l, uint64_t v)
{
	asp_jl_reserve(l, 20);
	l->n = (size_t)(asp_put_u64(l->p + l->n, v) - l->p);
}

static inline void asp_jl_i64(struct asp_json_line *l, int64_t v)
{
	asp_jl_reserve(l, 21);
	l->n = (size_t)(asp_put_i64(l->p + l->n, v) - l->p);
}

/* ns as microseconds with exactly three decimals (no binary rounding) */
static inline void asp_jl_us(struct asp_json_line *l, uint64_t ns)
{
	asp_jl_reserve(l, 24);
	l->n = (size_t)(asp_put_us(l->p + l->n, ns) - l->p);
}

/* a JSON string as json-c escapes it (slashes too) */
void asp_jl_str(struct asp_json_line *l, const char *s);

/* ---- a json-c serializer printing its members itself
 *
 * In the serializer (json_object_set_serializer) of a container: .pb, .flags
 * and .level (the serializer's level - 1) as json-c gives them, .str and .dbl
 * two json-c objects to reuse (a string and a double: json-c still formats
 * those). asp_jw_open/close a container, asp_jw_item before each element,
 * asp_jw_key before each member and its value. */
struct asp_jw {
	struct printbuf *pb;
	int flags;
	int level;        /* of the innermost open container */
	unsigned depth;   /* containers open (at most 31) */
	uint32_t had;     /* bit depth: that container has a member */
	json_object *str, *dbl; /* reused: json-c prints strings and doubles */
};
/* before each member or element of the innermost container */
void asp_jw_item(struct asp_jw *w);
/* brace: "{" or "[" */
void asp_jw_open(struct asp_jw *w, const char *brace);
void asp_jw_close(struct asp_jw *w, const char *brace);
/* a member's name: identifiers only, nothing to escape */
void asp_jw_key(struct asp_jw *w, const char *key);
void asp_jw_u64(struct asp_jw *w, uint64_t v);
void asp_jw_int(struct asp_jw *w, int v);
void asp_jw_bool(struct asp_jw *w, bool v);
/* v as json-c prints it */
void asp_jw_json(struct asp_jw *w, json_object *v);
/* s as asp_json_string writes it (NULL: null) */
void asp_jw_str(struct asp_jw *w, const char *s);

/* ---- written text */

/* an object that prints as text, a document asp_json_write wrote (its
 * text): at any level of another, indented to it. text must outlive the
 * object (json_object_put). */
json_object *asp_json_written(const char *text);

#endif
