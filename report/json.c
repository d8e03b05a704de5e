/* json.c - the JSON emitting helpers of the report writers (json.h). */
#include "report/json.h"
#include "report/outfile.h"
#include "analysis/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- json-c objects */

/* s, or a malloc'd copy in *shown when s is not valid UTF-8 */
static const char *json_text(const char *s, char **shown)
{
	const char *p = s;
	for (size_t n; *p && (n = asp_utf8_seq(p)); p += n)
		;
	*shown = *p ? asp_show(s, 0) : NULL;
	return *shown ? *shown : s;
}

json_object *asp_json_string(const char *s)
{
	if (!s)
		return NULL;
	char *shown;
	json_object *o = json_object_new_string(json_text(s, &shown));
	free(shown);
	return o;
}

int asp_json_write(const char *path, json_object *obj, char **text, char **err)
{
	FILE *fp;
	struct asp_outfile *out = asp_outfile_open(path, &fp, err);
	if (!out)
		return -1;
	size_t len;
	const char *s = json_object_to_json_string_length(
		obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!s) { /* a serializer failed (out of memory): nothing half-written */
		asp_fail(err, "%s: %s", path, strerror(ENOMEM));
		asp_outfile_abort(out);
		return -1;
	}
	fwrite(s, 1, len, fp);
	fputc('\n', fp);
	if (asp_outfile_commit(out, err) < 0)
		return -1;
	if (text)
		*text = xstrdup(s);
	return 0;
}

/* ---------------------------------------------------------------- a line buffer */

/* a JSON string as json-c escapes it (slashes too) */
void asp_jl_str(struct asp_json_line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	asp_jl_lit(l, "\"");
	const char *run = s;
	for (;; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= ' ' && ch != '"' && ch != '\\' && ch != '/')
			continue;
		asp_jl_raw(l, run, (size_t)(s - run));
		if (ch == '\0')
			break;
		run = s + 1;
		switch (ch) {
		case '\b': asp_jl_lit(l, "\\b"); break;
		case '\n': asp_jl_lit(l, "\\n"); break;
		case '\r': asp_jl_lit(l, "\\r"); break;
		case '\t': asp_jl_lit(l, "\\t"); break;
		case '\f': asp_jl_lit(l, "\\f"); break;
		case '"': asp_jl_lit(l, "\\\""); break;
		case '\\': asp_jl_lit(l, "\\\\"); break;
		case '/': asp_jl_lit(l, "\\/"); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			asp_jl_raw(l, u, 6);
		}
		}
	}
	asp_jl_lit(l, "\"");
}

/* ---------------------------------------------------------------- a serializer */

static bool jw_pretty(const struct asp_jw *w) { return w->flags & JSON_C_TO_STRING_PRETTY; }

static void jw_indent(struct asp_jw *w, int level)
{
	if (!jw_pretty(w))
		return;
	if (w->flags & JSON_C_TO_STRING_PRETTY_TAB)
		printbuf_memset(w->pb, -1, '\t', level);
	else
		printbuf_memset(w->pb, -1, ' ', 2 * level);
}

/* before each member or element of the innermost container */
void asp_jw_item(struct asp_jw *w)
{
	uint32_t bit = 1u << w->depth;
	if (w->had & bit) {
		printbuf_strappend(w->pb, ",");
		if (jw_pretty(w))
			printbuf_strappend(w->pb, "\n");
	}
	w->had |= bit;
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !jw_pretty(w))
		printbuf_strappend(w->pb, " ");
	jw_indent(w, w->level + 1);
}

void asp_jw_open(struct asp_jw *w, const char *brace)
{
	printbuf_memappend(w->pb, brace, 1);
	if (jw_pretty(w))
		printbuf_strappend(w->pb, "\n");
	w->depth++;
	w->level++;
	w->had &= ~(1u << w->depth);
}

void asp_jw_close(struct asp_jw *w, const char *brace)
{
	if (jw_pretty(w)) {
		if (w->had & (1u << w->depth))
			printbuf_strappend(w->pb, "\n");
		jw_indent(w, w->level);
	}
	if ((w->flags & JSON_C_TO_STRING_SPACED) && !jw_pretty(w))
		printbuf_strappend(w->pb, " ");
	printbuf_memappend(w->pb, brace, 1);
	w->depth--;
	w->level--;
}

/* a member's name: identifiers only, nothing to escape */
void asp_jw_key(struct asp_jw *w, const char *key)
{
	asp_jw_item(w);
	printbuf_strappend(w->pb, "\"");
	printbuf_memappend(w->pb, key, (int)strlen(key));
	if (w->flags & JSON_C_TO_STRING_SPACED)
		printbuf_strappend(w->pb, "\": ");
	else
		printbuf_strappend(w->pb, "\":");
}

void asp_jw_u64(struct asp_jw *w, uint64_t v)
{
	char buf[24], *p = asp_u64_dec(buf + sizeof(buf), v);
	printbuf_memappend(w->pb, p, (int)(buf + sizeof(buf) - p));
}

void asp_jw_int(struct asp_jw *w, int v)
{
	if (v < 0)
		printbuf_strappend(w->pb, "-");
	asp_jw_u64(w, v < 0 ? (uint64_t)0 - (uint64_t)(int64_t)v : (uint64_t)v);
}

void asp_jw_bool(struct asp_jw *w, bool v)
{
	if (v)
		printbuf_strappend(w->pb, "true");
	else
		printbuf_strappend(w->pb, "false");
}

/* v as json-c prints it */
void asp_jw_json(struct asp_jw *w, json_object *v)
{
	size_t n;
	const char *s = json_object_to_json_string_length(v, w->flags, &n);
	printbuf_memappend(w->pb, s, (int)n);
}

void asp_jw_str(struct asp_jw *w, const char *s)
{
	if (!s) {
		printbuf_strappend(w->pb, "null");
		return;
	}
	char *shown; /* as asp_json_string */
	json_object_set_string(w->str, json_text(s, &shown));
	free(shown);
	asp_jw_json(w, w->str);
}

/* ---------------------------------------------------------------- written text */

/* a run's summary.json, already written, as it would print at this level:
 * pretty-printed JSON has raw newlines only between tokens, and json-c
 * indents a nested value by two spaces per level */
static int written_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
	const char *s = json_object_get_userdata(jso);
	(void)flags;
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
		printbuf_memappend(pb, s, (int)(nl + 1 - s));
		printbuf_memset(pb, -1, ' ', 2 * level);
	}
	printbuf_memappend(pb, s, (int)strlen(s));
	return 0;
}

json_object *asp_json_written(const char *text)
{
	json_object *o = json_object_new_object();
	json_object_set_serializer(o, written_json, (void *)text, NULL);
	return o;
}
