/* argspec.c - the argument specs of info (argspec, retspec, argauto,
 * retauto: "pattern@arg1,arg2/s;pattern2@retval"): parsed into filters,
 * matched against a symbol's names when it is first looked up, merged into
 * its argument layout as uftrace merges them; and the data recorded after
 * an entry or exit read by that layout (each value its size rounded up to
 * 4 bytes, a string a u16 length and its bytes, the whole padded to 8). */
#include "ingest-private.h"
#include "analysis/util.h"

#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "%rdi", "%stack+1": the argument's location (uftrace's ARG_TYPE_REG
 * and ARG_TYPE_STACK; merged by register or offset) */
static int spec_location(const char *p, struct asp_arg_spec *a)
{
	p++;
	if (!strncmp(p, "stack", 5)) {
		a->type = ASP_ARGT_STACK;
		a->loc = strtoull(p + 5, NULL, 0);
		return 0;
	}
	size_t n = strlen(p);
	if (n == 0 || n > 8)
		return -1;
	a->type = ASP_ARGT_REG;
	a->loc = 0;
	memcpy(&a->loc, p, n);
	return 0;
}

static int parse_one_spec(const char *s, size_t n, struct asp_arg_spec *a)
{
	char tmp[64];
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *p = tmp, *end;
	memset(a, 0, sizeof(*a));
	a->fmt = ASP_ARG_AUTO;
	a->size = 8;
	if (!strncmp(p, "arg", 3) && isdigit((unsigned char)p[3])) {
		long v = strtol(p + 3, &end, 10);
		if (v < 1 || v > 64)
			return -1;
		a->idx = (int)v;
		p = end;
	} else if (!strncmp(p, "fparg", 5) && isdigit((unsigned char)p[5])) {
		long v = strtol(p + 5, &end, 10);
		if (v < 1 || v > 64)
			return -1;
		a->idx = (int)v;
		a->fmt = ASP_ARG_FLOAT;
		a->type = ASP_ARGT_FLOAT;
		p = end;
	} else if (!strncmp(p, "retval", 6)) {
		a->idx = 0;
		p += 6;
	} else {
		return -1;
	}
	if (*p == '%') /* register or stack location */
		return spec_location(p, a);
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -1;
	p++;
	switch (*p) {
	case 'd': a->fmt = a->fmt == ASP_ARG_FLOAT ? ASP_ARG_FLOAT : ASP_ARG_AUTO; break;
	case 'i': a->fmt = ASP_ARG_SINT; break;
	case 'u': a->fmt = ASP_ARG_UINT; break;
	case 'x': a->fmt = ASP_ARG_HEX; break;
	case 'o': a->fmt = ASP_ARG_OCT; break;
	case 's': a->fmt = ASP_ARG_STR; break;
	case 'S': a->fmt = ASP_ARG_STD_STRING; break;
	case 'p': a->fmt = ASP_ARG_PTR; break;
	case 'c': a->fmt = ASP_ARG_CHAR; a->size = 1; break;
	case 'f': a->fmt = ASP_ARG_FLOAT; a->type = ASP_ARGT_FLOAT; a->size = 8; break;
	case 'e': a->fmt = ASP_ARG_ENUM; a->size = 4; return 0;
	case 't':
		a->fmt = ASP_ARG_STRUCT;
		a->size = (unsigned)strtoul(p + 1, &end, 0);
		return 0;
	default:
		if (a->fmt == ASP_ARG_FLOAT && isdigit((unsigned char)*p)) {
			p--; /* fparg1/80 */
			break;
		}
		return -1;
	}
	p++;
	if (isdigit((unsigned char)*p)) {
		unsigned long bits = strtoul(p, &end, 10);
		if (bits == 0 || bits > 128 || bits % 8)
			return -1;
		a->size = (unsigned)(bits / 8);
		if (a->fmt == ASP_ARG_FLOAT && bits == 80)
			a->size = 10;
		p = end;
	}
	if (*p == '%')
		return spec_location(p, a);
	return 0;
}

int asp_parse_arg_specs(const char *s, struct asp_fn_args *out)
{
	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t n = strcspn(s, ",");
		struct asp_arg_spec a;
		if (parse_one_spec(s, n, &a) < 0) {
			asp_fn_args_free(out);
			return -1;
		}
		if (a.idx == 0) {
			out->rets = xreallocarray(out->rets, out->nrets + 1, sizeof(a));
			out->rets[out->nrets++] = a;
		} else {
			out->args = xreallocarray(out->args, out->nargs + 1, sizeof(a));
			out->args[out->nargs++] = a;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

void asp_fn_args_free(struct asp_fn_args *fa)
{
	free(fa->args);
	free(fa->rets);
	memset(fa, 0, sizeof(*fa));
}

/* glibc's regcomp copies a repeated element (x+ becomes xx*, x{2,9} nine
 * copies of x), so nested repetition costs exponential memory: "f" and
 * twenty '+' take 700 MB, fifty take all there is. Estimate the expanded
 * size and refuse patterns far beyond any real filter (a few hundred
 * elements). */
static bool regex_too_big(const char *p)
{
	const double limit = 10000;
	double group[32], last = 0; /* sizes: of each open group, of the last element */
	int depth = 0;
	group[0] = 0;
	for (; *p; p++) {
		double mul;
		if (*p == '(') {
			if (++depth == (int)ASP_ARRAY_SIZE(group))
				return true;
			group[depth] = last = 0;
			continue;
		}
		if (*p == ')' && depth > 0) {
			last = group[depth--];
			group[depth] += last;
			continue;
		}
		if (*p == '*' || *p == '?') {
			mul = 1;
		} else if (*p == '+') {
			mul = 2;
		} else if (*p == '{' && isdigit((unsigned char)p[1])) {
			char *end;
			double m = strtod(p + 1, &end), n = m;
			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ? strtod(end + 1, &end) : m + 1;
			mul = (n > m ? n : m) + 1;
			p = *end ? end : end - 1;
		} else {
			if (*p == '\\' && p[1]) {
				p++;
			} else if (*p == '[') { /* a bracket expression is one element */
				p += p[1] == '^' ? 2 : 1;
				if (*p == ']')
					p++;
				while (*p && *p != ']') {
					char close[3] = { p[1], ']', '\0' };
					if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
						const char *e = strstr(p + 2, close);
						if (!e)
							return false;
						p = e + 1;
					}
					p++;
				}
			}
			if (!*p)
				return false; /* malformed: regcomp says so */
			last = 1;
			group[depth] += 1;
			continue;
		}
		group[depth] += last * (mul - 1);
		last *= mul;
		if (group[depth] > limit)
			return true;
	}
	return group[0] > limit;
}

/* "pat@arg1,arg2;pat2@retval" -> filters */
#define MAX_ARG_FILTERS 1024
void add_filters(struct asp_trace *t, const char *spec_list)
{
	if (!spec_list)
		return;
	char *copy = xstrdup(spec_list);
	char *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *at = strrchr(item, '@');
		if (!at || at == item)
			continue;
		*at = '\0';
		/* each symbol called is matched against every pattern: a bound
		 * (uftrace -A is given a few; an info of 150 000 took minutes) */
		if (t->nfilters == MAX_ARG_FILTERS) {
			warnf(t, "%s/info: more than %d argument specs; the rest are ignored", t->dir,
			      MAX_ARG_FILTERS);
			break;
		}
		struct arg_filter f;
		memset(&f, 0, sizeof(f));
		if (asp_parse_arg_specs(at + 1, &f.fa) < 0) {
			warnf(t, "%s/info: argument spec '%s' not understood; its data is skipped", t->dir,
			      at + 1);
			continue;
		}
		const char *pt = t->info.pattern_type ? t->info.pattern_type : "regex";
		f.kind = !strcmp(pt, "glob") ? PATT_GLOB : !strcmp(pt, "simple") ? PATT_SIMPLE : PATT_REGEX;
		/* uftrace treats a pattern without regex characters as a plain name */
		if (f.kind == PATT_REGEX && !strpbrk(item, ".?*+-^$|()[]{}"))
			f.kind = PATT_SIMPLE;
		if (f.kind == PATT_REGEX &&
		    (regex_too_big(item) || regcomp(&f.re, item, REG_EXTENDED | REG_NOSUB) != 0)) {
			warnf(t, "%s/info: bad pattern '%s' in argument spec", t->dir, item);
			asp_fn_args_free(&f.fa);
			continue;
		}
		f.pattern = xstrdup(item);
		t->filters = xreallocarray(t->filters, t->nfilters + 1, sizeof(f));
		t->filters[t->nfilters++] = f;
	}
	free(copy);
}

static bool filter_match(const struct arg_filter *f, const char *name)
{
	switch (f->kind) {
	case PATT_REGEX: return regexec(&f->re, name, 0, NULL, 0) == 0;
	case PATT_GLOB: return fnmatch(f->pattern, name, 0) == 0;
	default: return strcmp(f->pattern, name) == 0;
	}
}

/* a spec of a matching pattern into a function's layout, as uftrace's
 * add_arg_spec (utils/filter.c, 0.13) does: one of the same type and index
 * (or register, or stack offset) is replaced, unless it came from an exact
 * pattern and this one does not; a new one goes last. The data follows
 * that order: `arg2,arg1` records arg2 first (older uftraces sorted by
 * index; 0.13 does not). */
static void merge_spec(struct asp_arg_spec **v, size_t *n, struct asp_arg_spec a, bool exact)
{
	a.exact = exact;
	for (size_t i = 0; i < *n; i++) {
		struct asp_arg_spec *o = &(*v)[i];
		if (o->type != a.type)
			continue;
		bool same = a.type == ASP_ARGT_INDEX || a.type == ASP_ARGT_FLOAT ? o->idx == a.idx
										 : o->loc == a.loc;
		if (!same)
			continue;
		if (exact || !o->exact)
			*o = a;
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = a;
}

/* the argument layout for a symbol: the specs of every filter that
 * matches, merged in the order of the patterns (merge_spec) */
const struct asp_fn_args *match_layout(struct asp_trace *t, struct asp_symbol *sym)
{
	struct asp_fn_args merged = { 0 };
	bool any = false;
	for (size_t i = 0; i < t->nfilters; i++) {
		const struct arg_filter *f = &t->filters[i];
		if (!filter_match(f, sym->mangled) && !filter_match(f, asp_symbol_name(sym)))
			continue;
		any = true;
		bool exact = f->kind == PATT_SIMPLE;
		for (size_t k = 0; k < f->fa.nargs; k++)
			merge_spec(&merged.args, &merged.nargs, f->fa.args[k], exact);
		for (size_t k = 0; k < f->fa.nrets; k++)
			merge_spec(&merged.rets, &merged.nrets, f->fa.rets[k], exact);
	}
	if (!any)
		return NULL;
	struct asp_fn_args *fa = xmalloc(sizeof(*fa));
	*fa = merged;
	t->layouts = xreallocarray(t->layouts, t->nlayouts + 1, sizeof(*t->layouts));
	t->layouts[t->nlayouts++] = fa;
	return fa;
}

/* the offset of specs[n] in the argument data at p (have bytes), past
 * specs[0..n); -1 when a string's length is not in the data */
static int64_t args_offset(const uint8_t *p, size_t have, const struct asp_arg_spec *specs,
			   size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t size = specs[i].size;
		if (specs[i].fmt == ASP_ARG_STR || specs[i].fmt == ASP_ARG_STD_STRING) {
			if (len + 2 > have)
				return -1;
			uint16_t sl;
			memcpy(&sl, p + len, 2);
			len += 2;
			size = sl; /* an empty string still takes ALIGN(2, 4) bytes */
		}
		size_t total = len + size;
		if (total % 4)
			size += 4 - total % 4;
		len += size;
	}
	return (int64_t)len;
}

/* the byte length of the argument data after a record, per its specs;
 * returns -1 when the data is not all in the buffer yet (need more) or
 * is malformed (*bad set) */
int64_t args_length(const uint8_t *p, size_t have, const struct asp_arg_spec *specs,
			   size_t n, bool *bad)
{
	(void)bad;
	int64_t len = args_offset(p, have, specs, n);
	return len < 0 ? -1 : (int64_t)ASP_ALIGN((size_t)len, 8);
}

bool asp_event_arg(const struct asp_event *ev, int idx, uint64_t *val)
{
	/* arguments on an entry, the return value (idx 0) on an exit */
	if (ev->type != (idx ? ASP_REC_ENTRY : ASP_REC_EXIT) || !ev->data || !ev->nspecs)
		return false;
	/* the integer argument idx (its register), wherever the layout has it */
	for (size_t i = 0; i < ev->nspecs; i++) {
		const struct asp_arg_spec *s = &ev->specs[i];
		if (s->type != ASP_ARGT_INDEX || s->idx != idx)
			continue;
		int64_t off = args_offset(ev->data, ev->data_len, ev->specs, i);
		if (off < 0 || s->fmt == ASP_ARG_STR || s->fmt == ASP_ARG_STD_STRING ||
		    s->fmt == ASP_ARG_FLOAT || s->fmt == ASP_ARG_STRUCT || s->size > 8 ||
		    (size_t)off + s->size > ev->data_len)
			return false;
		uint64_t v = 0;
		memcpy(&v, ev->data + off, s->size);
		*val = v;
		return true;
	}
	return false;
}

bool asp_event_arg1(const struct asp_event *ev, uint64_t *val)
{
	return asp_event_arg(ev, 1, val);
}

bool asp_event_retval(const struct asp_event *ev, uint64_t *val)
{
	return asp_event_arg(ev, 0, val);
}

char *asp_event_format_args(const struct asp_event *ev)
{
	if (!ev->data || !ev->nspecs || ev->type == ASP_REC_EVENT)
		return NULL;
	struct asp_buf b = { 0 };
	size_t off = 0;
	for (size_t i = 0; i < ev->nspecs; i++) {
		const struct asp_arg_spec *s = &ev->specs[i];
		size_t size = s->size;
		if (i)
			asp_buf_append(&b, ", ", 2);
		if (s->fmt == ASP_ARG_STR || s->fmt == ASP_ARG_STD_STRING) {
			if (off + 2 > ev->data_len)
				break;
			uint16_t sl;
			memcpy(&sl, ev->data + off, 2);
			off += 2;
			size = sl;
			if (off + size > ev->data_len)
				break;
			asp_buf_append(&b, "\"", 1);
			for (size_t k = 0; k < size; k++) {
				unsigned char c = ev->data[off + k];
				if (c == '"' || c == '\\')
					asp_buf_printf(&b, "\\%c", c);
				else if (c < 0x20 || c >= 0x7f)
					asp_buf_printf(&b, "\\x%02x", c);
				else
					asp_buf_append(&b, (const char *)&c, 1);
			}
			asp_buf_append(&b, "\"", 1);
		} else if (size) {
			if (off + size > ev->data_len)
				break;
			uint64_t v = 0;
			if (s->fmt == ASP_ARG_FLOAT && size == 8) {
				double d;
				memcpy(&d, ev->data + off, 8);
				asp_buf_printf(&b, "%g", d);
			} else if (s->fmt == ASP_ARG_FLOAT && size == 4) {
				float f;
				memcpy(&f, ev->data + off, 4);
				asp_buf_printf(&b, "%g", (double)f);
			} else if (size <= 8) {
				memcpy(&v, ev->data + off, size);
				if (s->fmt == ASP_ARG_SINT || (s->fmt == ASP_ARG_AUTO && size < 8)) {
					int64_t sv = (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
					asp_buf_printf(&b, "%" PRId64, sv);
				} else if (s->fmt == ASP_ARG_UINT)
					asp_buf_printf(&b, "%" PRIu64, v);
				else if (s->fmt == ASP_ARG_OCT)
					asp_buf_printf(&b, "0%" PRIo64, v);
				else if (s->fmt == ASP_ARG_CHAR)
					asp_buf_printf(&b, "'%c'", (v >= 0x20 && v < 0x7f) ? (int)v : '?');
				else
					asp_buf_printf(&b, "%#" PRIx64, v);
			} else {
				asp_buf_printf(&b, "<%zu bytes>", size);
			}
		}
		size_t total = off + size;
		if (total % 4)
			size += 4 - total % 4;
		off += size;
	}
	return b.data ? b.data : xstrdup("");
}
