/* rules.c - reads the rules file and runtime profiles (YAML, through
 * libyaml's document API) and answers the questions the analysis asks of
 * them: which profile, which override, which thresholds.
 *
 * Every value is checked where it is read, and every error names the file,
 * line and column of the offending node. The schema has a fixed depth and
 * never walks a node generically, so YAML aliases cannot make it loop; a
 * budget on the values read bounds the work an alias fan-out can cause. */
#include "rules.h"
#include "util.h"
#include "analysis/runtimes-default.h"

#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* values read from one file, aliases expanded: far above any real file */
#define MAX_VALUES 100000

/* ---------------------------------------------------------------- patterns */

bool asp_patterns_match(const struct asp_patterns *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (fnmatch(p->v[i], name, 0) == 0)
			return true;
	return false;
}

static void patterns_free(struct asp_patterns *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static void record_profile_free(struct asp_record_profile *rp)
{
	patterns_free(&rp->crates);
	patterns_free(&rp->task_poll_v0);
	patterns_free(&rp->task_poll_legacy);
	patterns_free(&rp->wake_v0);
	patterns_free(&rp->wake_legacy);
	patterns_free(&rp->spawn_v0);
	patterns_free(&rp->spawn_legacy);
	patterns_free(&rp->notrace_v0);
	patterns_free(&rp->notrace_legacy);
	patterns_free(&rp->yields_to);
}

/* fnmatch treats a lone '[' as a literal, which hides typos: refuse it */
static const char *glob_problem(const char *p)
{
	if (!*p)
		return "empty pattern";
	for (; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return "trailing backslash";
			p++;
		} else if (*p == '[') {
			const char *q = p + 1;
			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']') {
				if (q[0] == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
					char close[3] = { q[1], ']', '\0' };
					const char *e = strstr(q + 2, close);
					if (!e)
						return "unbalanced '[' in a character class name";
					q = e + 2;
					continue;
				}
				if (*q == '\\' && q[1])
					q++;
				q++;
			}
			if (!*q)
				return "unbalanced '['";
			p = q;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- values */

int asp_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "\xc2\xb5s", 1000ULL }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000ULL }, /* U+03BC greek mu */
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60000000000ULL },
	};
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	const char *p = s;
	uint64_t ip = 0;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (ip > (UINT64_MAX - d) / 10)
			return -1;
		ip = ip * 10 + d;
	}
	uint64_t fnum = 0, fden = 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		/* digits past the 18th are below a nanosecond for every unit */
		for (; isdigit((unsigned char)*p); p++) {
			if (fden < 1000000000000000000ULL) {
				fnum = fnum * 10 + (uint64_t)(*p - '0');
				fden *= 10;
			}
		}
	}
	if (!*p) {
		if (ip == 0 && fnum == 0) {
			*ns = 0;
			return 0;
		}
		return -1; /* a unit is required, except for 0 */
	}
	for (size_t i = 0; i < ASP_ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].unit))
			continue;
		uint64_t mul = units[i].mul;
		if (ip > UINT64_MAX / mul)
			return -1;
		uint64_t v = ip * mul;
		uint64_t f = (uint64_t)((long double)fnum * (long double)mul / (long double)fden + 0.5L);
		if (v > UINT64_MAX - f)
			return -1;
		*ns = v + f;
		return 0;
	}
	return -1;
}

int asp_parse_ratio(const char *s, double *v)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') { /* 1e-3 */
		const char *e = p + 1;
		if (*e == '+' || *e == '-')
			e++;
		if (!isdigit((unsigned char)*e))
			return -1;
		while (isdigit((unsigned char)*e))
			e++;
		p = e;
	}
	bool pct = *p == '%';
	if (pct)
		p++;
	if (*p)
		return -1;
	double d = strtod(s, NULL);
	if (!isfinite(d))
		return -1;
	*v = pct ? d / 100.0 : d;
	return 0;
}

const char *asp_format_duration(uint64_t ns, char *buf, size_t n)
{
	/* switch units where "%.2f" would print 1000.00 */
	if (ns < 1000)
		snprintf(buf, n, "%" PRIu64 " ns", ns);
	else if (ns < 999995ULL)
		snprintf(buf, n, "%.2f us", (double)ns / 1e3);
	else if (ns < 999995000ULL)
		snprintf(buf, n, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, n, "%.2f s", (double)ns / 1e9);
	return buf;
}

/* ---------------------------------------------------------------- rules */

void asp_rules_free(struct asp_rules *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->runtime);
	for (size_t i = 0; i < r->noverrides; i++)
		free(r->overrides[i].match);
	free(r->overrides);
	for (size_t i = 0; i < r->compare.noverrides; i++)
		free(r->compare.overrides[i].match);
	free(r->compare.overrides);
	for (size_t i = 0; i < r->nprofiles; i++) {
		struct asp_profile *p = &r->profiles[i];
		free(p->name);
		patterns_free(&p->detect);
		patterns_free(&p->task_poll);
		patterns_free(&p->block_on);
		patterns_free(&p->not_task);
		patterns_free(&p->task_done);
		patterns_free(&p->wake);
		patterns_free(&p->spawn);
		patterns_free(&p->task_run);
		patterns_free(&p->combinator);
		patterns_free(&p->plumbing);
		record_profile_free(&p->record);
	}
	free(r->profiles);
	for (size_t i = 0; i < r->noutputs; i++)
		free(r->outputs[i].name);
	free(r->outputs);
	patterns_free(&r->record_notrace_v0);
	patterns_free(&r->record_notrace_legacy);
	free(r);
}

const struct asp_profile *asp_rules_profile(const struct asp_rules *r, const char *name)
{
	for (size_t i = 0; i < r->nprofiles; i++)
		if (!strcmp(r->profiles[i].name, name))
			return &r->profiles[i];
	return NULL;
}

const struct asp_override *asp_rules_override(const struct asp_rules *r, const char *name)
{
	for (size_t i = 0; i < r->noverrides; i++)
		if (fnmatch(r->overrides[i].match, name, 0) == 0)
			return &r->overrides[i];
	return NULL;
}

const struct asp_compare_override *asp_rules_compare_override(const struct asp_rules *r,
							      const char *name)
{
	for (size_t i = 0; i < r->compare.noverrides; i++)
		if (fnmatch(r->compare.overrides[i].match, name, 0) == 0)
			return &r->compare.overrides[i];
	return NULL;
}

/* ---------------------------------------------------------------- YAML walking */

struct ld {
	const char *path;
	yaml_document_t *doc;
	char **err;
	size_t values; /* nodes read, for MAX_VALUES */
};

#define MAX_MESSAGE 400
static int ld_fail(struct ld *L, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ld_fail(struct ld *L, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = xmalloc(len > 0 ? (size_t)len + 1 : 1);
	va_start(ap, fmt);
	vsnprintf(msg, len > 0 ? (size_t)len + 1 : 1, fmt, ap);
	va_end(ap);
	/* values quoted in the message may span lines: keep it one line; and
	 * a short one (a value of megabytes is quoted by its start) */
	if (strlen(msg) > MAX_MESSAGE) { /* room for the ellipsis: 3 bytes and NUL */
		size_t cut = MAX_MESSAGE - 4;
		while (cut && ((unsigned char)msg[cut] & 0xc0) == 0x80) /* UTF-8 */
			cut--;
		strcpy(msg + cut, "\u2026");
	}
	struct asp_buf b = { 0 };
	for (const char *c = msg; *c; c++) {
		if (*c == '\n')
			asp_buf_append(&b, "\\n", 2);
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			asp_buf_printf(&b, "\\x%02x", (unsigned char)*c);
		else
			asp_buf_append(&b, c, 1);
	}
	asp_fail(L->err, "%s:%zu:%zu: %s", L->path, n->start_mark.line + 1,
		 n->start_mark.column + 1, b.data ? b.data : "");
	asp_buf_free(&b);
	free(msg);
	return -1;
}

static yaml_node_t *ld_node(struct ld *L, int index)
{
	return yaml_document_get_node(L->doc, index);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return "a value";
	}
}

/* an empty or ~/null plain scalar: "key:" with nothing after it */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static int ld_count(struct ld *L, const yaml_node_t *n)
{
	if (++L->values > MAX_VALUES)
		return ld_fail(L, n, "too many values (more than %d, aliases expanded)", MAX_VALUES);
	return 0;
}

/* the text of a scalar value; NULL and an error for anything else */
static const char *ld_scalar(struct ld *L, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		ld_fail(L, n, "%s: expected a single value, found %s", key, kind_name(n));
		return NULL;
	}
	if (is_null(n)) {
		ld_fail(L, n, "%s: missing value", key);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int ld_duration(struct ld *L, const yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *s = ld_scalar(L, n, key);
	if (!s)
		return -1;
	if (s[0] == '-')
		return ld_fail(L, n, "%s: negative duration '%s'", key, s);
	if (asp_parse_duration(s, out) < 0)
		return ld_fail(L, n,
			       "%s: bad duration '%s' (a number and a unit: ns, us, ms, s, m; "
			       "e.g. 250us, 1.5s)",
			       key, s);
	return 0;
}

static int ld_ratio(struct ld *L, const yaml_node_t *n, const char *key, double *out)
{
	const char *s = ld_scalar(L, n, key);
	if (!s)
		return -1;
	if (s[0] == '-')
		return ld_fail(L, n, "%s: negative value '%s'", key, s);
	if (asp_parse_ratio(s, out) < 0)
		return ld_fail(L, n, "%s: bad ratio '%s' (e.g. 10%% or 0.1)", key, s);
	return 0;
}

static int ld_bool(struct ld *L, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = ld_scalar(L, n, key);
	if (!s)
		return -1;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*out = false;
	else
		return ld_fail(L, n, "%s: expected true or false, not '%s'", key, s);
	return 0;
}

static int ld_count_value(struct ld *L, const yaml_node_t *n, const char *key, uint64_t *out)
{
	const char *s = ld_scalar(L, n, key);
	if (!s)
		return -1;
	if (s[0] == '-')
		return ld_fail(L, n, "%s: must be at least 1, not '%s'", key, s);
	uint64_t v = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ld_fail(L, n, "%s: number too large '%s'", key, s);
		v = v * 10 + d;
	}
	if (p == s || *p)
		return ld_fail(L, n, "%s: expected a whole number, not '%s'", key, s);
	if (v < 1)
		return ld_fail(L, n, "%s: must be at least 1, not '%s'", key, s);
	*out = v;
	return 0;
}

static int ld_glob(struct ld *L, const yaml_node_t *n, const char *key, char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return ld_fail(L, n, "%s: expected a pattern (a string), found %s", key,
			       kind_name(n));
	const char *s = (const char *)n->data.scalar.value;
	const char *why = is_null(n) ? "empty pattern" : glob_problem(s);
	if (why)
		return ld_fail(L, n, "%s: bad pattern '%s': %s", key, s, why);
	*out = xstrdup(s);
	return 0;
}

/* A mapping walked in file order; each key must be in the table, once. */
typedef int (*key_fn)(struct ld *L, const char *key, yaml_node_t *val, const char *path,
		      void *obj);
struct key_spec {
	const char *name;
	key_fn fn;
};

static int ld_map(struct ld *L, yaml_node_t *map, const char *ctx, const struct key_spec *specs,
		  size_t nspecs, void *obj)
{
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return ld_fail(L, map, "%s%sexpected a mapping (key: value lines), found %s",
			       ctx ? ctx : "", ctx ? ": " : "", kind_name(map));
	uint64_t seen = 0;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = ld_node(L, pr->key), *v = ld_node(L, pr->value);
		if (ld_count(L, k) < 0)
			return -1;
		if (k->type != YAML_SCALAR_NODE)
			return ld_fail(L, k, "%s%sa key must be a name, found %s", ctx ? ctx : "",
				       ctx ? ": " : "", kind_name(k));
		const char *name = (const char *)k->data.scalar.value;
		size_t i = 0;
		while (i < nspecs && strcmp(specs[i].name, name))
			i++;
		if (i == nspecs) {
			char known[512] = "";
			for (size_t j = 0; j < nspecs; j++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 j ? ", " : "", specs[j].name);
			return ld_fail(L, k, "unknown key '%s%s%s' (expected %s)", ctx ? ctx : "",
				       ctx ? "." : "", name, known);
		}
		char path[256];
		snprintf(path, sizeof(path), "%s%s%s", ctx ? ctx : "", ctx ? "." : "", name);
		if (seen & (1ULL << i))
			return ld_fail(L, k, "duplicate key '%s'", path);
		seen |= 1ULL << i;
		if (specs[i].fn(L, name, v, path, obj) < 0)
			return -1;
	}
	return 0;
}

/* where to point an error about a key: its value, else the mapping */
static yaml_node_t *ld_where(struct ld *L, yaml_node_t *map, const char *key)
{
	if (map->type != YAML_MAPPING_NODE)
		return map;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = ld_node(L, pr->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return ld_node(L, pr->value);
	}
	return map;
}

/* items of a list (a single value counts as a one-item list; a null one as none) */
static int ld_items(struct ld *L, yaml_node_t *n, const char *key, yaml_node_item_t **start,
		    yaml_node_item_t **top, yaml_node_item_t *single)
{
	*start = *top = single;
	if (is_null(n))
		return 0;
	if (n->type == YAML_SEQUENCE_NODE) {
		*start = n->data.sequence.items.start;
		*top = n->data.sequence.items.top;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE) {
		*top = single + 1;
		return 0;
	}
	return ld_fail(L, n, "%s: expected a list, found %s", key, kind_name(n));
}

static int ld_list_of(struct ld *L, yaml_node_t *n, const char *key, struct asp_patterns *out,
		      int (*one)(struct ld *L, const yaml_node_t *n, const char *key, char **out))
{
	yaml_node_item_t single = (yaml_node_item_t)(n - L->doc->nodes.start + 1), *it, *top;
	if (ld_items(L, n, key, &it, &top, &single) < 0)
		return -1;
	for (; it < top; it++) {
		yaml_node_t *item = ld_node(L, *it);
		char *v;
		if (ld_count(L, item) < 0 || one(L, item, key, &v) < 0)
			return -1;
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		out->v[out->n++] = v;
	}
	return 0;
}

static int ld_patterns(struct ld *L, yaml_node_t *n, const char *key, struct asp_patterns *out)
{
	return ld_list_of(L, n, key, out, ld_glob);
}

/* record's regexes, for uftrace: POSIX extended, without the '@' that
 * starts uftrace's own suffix (a leading one in notrace_v0 marks a v0 path) */
static int ld_regex(struct ld *L, const yaml_node_t *n, const char *key, char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return ld_fail(L, n, "%s: expected a regex (a string), found %s", key,
			       is_null(n) ? "nothing" : kind_name(n));
	const char *s = (const char *)n->data.scalar.value;
	const char *re = s[0] == '@' && strstr(key, "notrace_v0") ? s + 1 : s;
	if (strchr(re, '@'))
		return ld_fail(L, n, "%s: bad regex '%s': '@' starts uftrace's suffix", key, s);
	regex_t rx;
	int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &rx, why, sizeof(why));
		return ld_fail(L, n, "%s: bad regex '%s': %s", key, s, why);
	}
	regfree(&rx);
	*out = xstrdup(s);
	return 0;
}

/* crate and profile names: letters, digits, '_' and '-' */
static int ld_name(struct ld *L, const yaml_node_t *n, const char *key, char **out)
{
	const char *s = ld_scalar(L, n, key);
	if (!s)
		return -1;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(s))
		return ld_fail(L, n, "%s: bad name '%s' (letters, digits, '_' and '-')", key, s);
	*out = xstrdup(s);
	return 0;
}

static int ld_regexes(struct ld *L, yaml_node_t *n, const char *key, struct asp_patterns *out)
{
	return ld_list_of(L, n, key, out, ld_regex);
}

static int ld_names(struct ld *L, yaml_node_t *n, const char *key, struct asp_patterns *out)
{
	return ld_list_of(L, n, key, out, ld_name);
}

/* the runtimes file's top-level `record:`: -N filters of no runtime; a
 * list given replaces the one before */
static int key_record_notrace(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			      void *obj)
{
	struct asp_rules *r = obj;
	struct asp_patterns *out = !strcmp(key, "notrace_v0") ? &r->record_notrace_v0
							       : &r->record_notrace_legacy;
	struct asp_patterns got = { 0 };
	if (ld_regexes(L, v, path, &got) < 0) {
		patterns_free(&got);
		return -1;
	}
	patterns_free(out);
	*out = got;
	return 0;
}

static const struct key_spec record_common_keys[] = {
	{ "notrace_v0", key_record_notrace },
	{ "notrace_legacy", key_record_notrace },
};

static int key_record_common(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			     void *obj)
{
	(void)key;
	return ld_map(L, v, path, record_common_keys, ASP_ARRAY_SIZE(record_common_keys), obj);
}

/* ---------------------------------------------------------------- profiles */

/* the lists of a profile; those of record under its `record:` key, of
 * the kind of value they hold */
enum list_kind { LIST_GLOBS, LIST_REGEXES, LIST_NAMES };

static const struct {
	const char *name;
	size_t off;
	bool record;
	enum list_kind kind;
} pattern_lists[] = {
	{ "detect", offsetof(struct asp_profile, detect), false, LIST_GLOBS },
	{ "task_poll", offsetof(struct asp_profile, task_poll), false, LIST_GLOBS },
	{ "block_on", offsetof(struct asp_profile, block_on), false, LIST_GLOBS },
	{ "not_task", offsetof(struct asp_profile, not_task), false, LIST_GLOBS },
	{ "task_done", offsetof(struct asp_profile, task_done), false, LIST_GLOBS },
	{ "wake", offsetof(struct asp_profile, wake), false, LIST_GLOBS },
	{ "spawn", offsetof(struct asp_profile, spawn), false, LIST_GLOBS },
	{ "task_run", offsetof(struct asp_profile, task_run), false, LIST_GLOBS },
	{ "combinator", offsetof(struct asp_profile, combinator), false, LIST_GLOBS },
	{ "plumbing", offsetof(struct asp_profile, plumbing), false, LIST_GLOBS },
	{ "crates", offsetof(struct asp_profile, record.crates), true, LIST_NAMES },
	{ "task_poll_v0", offsetof(struct asp_profile, record.task_poll_v0), true, LIST_REGEXES },
	{ "task_poll_legacy", offsetof(struct asp_profile, record.task_poll_legacy), true,
	  LIST_REGEXES },
	{ "wake_v0", offsetof(struct asp_profile, record.wake_v0), true, LIST_REGEXES },
	{ "wake_legacy", offsetof(struct asp_profile, record.wake_legacy), true, LIST_REGEXES },
	{ "spawn_v0", offsetof(struct asp_profile, record.spawn_v0), true, LIST_REGEXES },
	{ "spawn_legacy", offsetof(struct asp_profile, record.spawn_legacy), true, LIST_REGEXES },
	{ "notrace_v0", offsetof(struct asp_profile, record.notrace_v0), true, LIST_REGEXES },
	{ "notrace_legacy", offsetof(struct asp_profile, record.notrace_legacy), true,
	  LIST_REGEXES },
	{ "yields_to", offsetof(struct asp_profile, record.yields_to), true, LIST_NAMES },
};
#define NLISTS ASP_ARRAY_SIZE(pattern_lists)

static struct asp_patterns *profile_list(struct asp_profile *p, size_t i)
{
	return (struct asp_patterns *)((char *)p + pattern_lists[i].off);
}

/* a profile as read, before it is merged: which lists the file gave */
struct new_profile {
	struct asp_profile p;
	bool given[NLISTS];
	yaml_node_t *name_node;
};

static void profile_free_lists(struct asp_profile *p)
{
	free(p->name);
	for (size_t i = 0; i < NLISTS; i++)
		patterns_free(profile_list(p, i));
}

static int key_profile_name(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			    void *obj)
{
	(void)key;
	struct new_profile *np = obj;
	const char *s = ld_scalar(L, v, path);
	if (!s)
		return -1;
	np->p.name = xstrdup(s);
	np->name_node = v;
	return 0;
}

static int key_profile_list(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			    void *obj)
{
	struct new_profile *np = obj;
	size_t i = 0;
	while (strcmp(pattern_lists[i].name, key))
		i++;
	np->given[i] = true;
	struct asp_patterns *out = profile_list(&np->p, i);
	switch (pattern_lists[i].kind) {
	case LIST_REGEXES: return ld_regexes(L, v, path, out);
	case LIST_NAMES: return ld_names(L, v, path, out);
	default: return ld_patterns(L, v, path, out);
	}
}

static const struct key_spec profile_record_keys[] = {
	{ "crates", key_profile_list },
	{ "task_poll_v0", key_profile_list },
	{ "task_poll_legacy", key_profile_list },
	{ "wake_v0", key_profile_list },
	{ "wake_legacy", key_profile_list },
	{ "spawn_v0", key_profile_list },
	{ "spawn_legacy", key_profile_list },
	{ "notrace_v0", key_profile_list },
	{ "notrace_legacy", key_profile_list },
	{ "yields_to", key_profile_list },
};

static int key_profile_record(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			      void *obj)
{
	(void)key;
	return ld_map(L, v, path, profile_record_keys, ASP_ARRAY_SIZE(profile_record_keys), obj);
}

static const struct key_spec profile_keys[] = {
	{ "name", key_profile_name },
	{ "detect", key_profile_list },
	{ "task_poll", key_profile_list },
	{ "block_on", key_profile_list },
	{ "not_task", key_profile_list },
	{ "task_done", key_profile_list },
	{ "wake", key_profile_list },
	{ "spawn", key_profile_list },
	{ "task_run", key_profile_list },
	{ "combinator", key_profile_list },
	{ "plumbing", key_profile_list },
	{ "record", key_profile_record },
};

/* Profiles whose name is known replace the lists they give; new ones are
 * inserted, in file order, before the profiles already there (so a profile
 * of yours is tried before a built-in one that shares its crates). */
static int ld_profiles(struct ld *L, yaml_node_t *n, const char *key, struct asp_rules *r)
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return ld_fail(L, n, "%s: expected a list of profiles, found %s", key, kind_name(n));
	yaml_node_item_t *it = n->data.sequence.items.start, *top = n->data.sequence.items.top;
	size_t nnew = (size_t)(top - it);
	struct new_profile *np = xcalloc(nnew ? nnew : 1, sizeof(*np));
	int rc = 0;
	for (size_t i = 0; i < nnew && rc == 0; i++) {
		yaml_node_t *item = ld_node(L, it[i]);
		if (ld_count(L, item) < 0) {
			rc = -1;
			break;
		}
		if (item->type != YAML_MAPPING_NODE) {
			rc = ld_fail(L, item, "%s: a profile must be a mapping (name:, task_poll:, ...), found %s",
				     key, kind_name(item));
			break;
		}
		rc = ld_map(L, item, key, profile_keys, ASP_ARRAY_SIZE(profile_keys), &np[i]);
		if (rc == 0 && (!np[i].p.name || !*np[i].p.name))
			rc = ld_fail(L, item, "%s: a profile needs a name", key);
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (!strcmp(np[j].p.name, np[i].p.name))
				rc = ld_fail(L, np[i].name_node, "%s: duplicate profile '%s'", key,
					     np[i].p.name);
	}
	if (rc == 0) {
		size_t ins = 0;
		for (size_t i = 0; i < nnew; i++) {
			struct asp_profile *old = NULL;
			for (size_t j = 0; j < r->nprofiles; j++)
				if (!strcmp(r->profiles[j].name, np[i].p.name))
					old = &r->profiles[j];
			if (old) {
				for (size_t k = 0; k < NLISTS; k++) {
					if (!np[i].given[k])
						continue;
					patterns_free(profile_list(old, k));
					*profile_list(old, k) = *profile_list(&np[i].p, k);
					*profile_list(&np[i].p, k) = (struct asp_patterns){ 0 };
				}
				profile_free_lists(&np[i].p);
			} else {
				r->profiles = xreallocarray(r->profiles, r->nprofiles + 1,
							    sizeof(*r->profiles));
				memmove(&r->profiles[ins + 1], &r->profiles[ins],
					(r->nprofiles - ins) * sizeof(*r->profiles));
				r->profiles[ins++] = np[i].p;
				r->nprofiles++;
			}
		}
	} else {
		for (size_t i = 0; i < nnew; i++)
			profile_free_lists(&np[i].p);
	}
	free(np);
	return rc;
}

/* ---------------------------------------------------------------- rules keys */

static int key_runtime(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	struct asp_rules *r = obj;
	const char *s = ld_scalar(L, v, path);
	if (!s)
		return -1;
	free(r->runtime);
	r->runtime = xstrdup(s);
	return 0;
}

static int key_blocking_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			      void *obj)
{
	struct asp_rules *r = obj;
	return ld_duration(L, v, path, !strcmp(key, "warning") ? &r->warning_ns : &r->error_ns);
}

static int key_blocking_measure(struct ld *L, const char *key, yaml_node_t *v, const char *path,
				void *obj)
{
	(void)key;
	struct asp_rules *r = obj;
	const char *s = ld_scalar(L, v, path);
	if (!s)
		return -1;
	if (strcmp(s, "own") && strcmp(s, "wall"))
		return ld_fail(L, v, "%s: '%s' is not own or wall", path, s);
	r->measure_wall = !strcmp(s, "wall");
	return 0;
}

static const struct key_spec blocking_keys[] = {
	{ "warning", key_blocking_value },
	{ "error", key_blocking_value },
	{ "measure", key_blocking_measure },
};

static int key_blocking(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	struct asp_rules *r = obj;
	if (ld_map(L, v, path, blocking_keys, ASP_ARRAY_SIZE(blocking_keys), r) < 0)
		return -1;
	if (r->warning_ns > r->error_ns) {
		char w[32], e[32];
		yaml_node_t *at = ld_where(L, v, "error");
		if (at == v)
			at = ld_where(L, v, "warning");
		return ld_fail(L, at,
			       "%s: the warning threshold (%s) is above the error threshold (%s)",
			       path, asp_format_duration(r->warning_ns, w, sizeof(w)),
			       asp_format_duration(r->error_ns, e, sizeof(e)));
	}
	return 0;
}

static int key_slow_poll(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			 void *obj)
{
	(void)key;
	return ld_duration(L, v, path, &((struct asp_rules *)obj)->slow_poll_ns);
}

/* warning | error */
static int ld_severity(struct ld *L, yaml_node_t *v, const char *path, enum asp_severity *out)
{
	const char *s = ld_scalar(L, v, path);
	if (!s)
		return -1;
	if (!strcmp(s, "warning"))
		*out = ASP_SEV_WARNING;
	else if (!strcmp(s, "error"))
		*out = ASP_SEV_ERROR;
	else
		return ld_fail(L, v, "%s: unknown severity '%s' (expected warning or error)", path, s);
	return 0;
}

static int key_sched_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			   void *obj)
{
	struct asp_rules *r = obj;
	if (!strcmp(key, "severity"))
		return ld_severity(L, v, path, &r->sched_severity);
	return ld_duration(L, v, path, &r->sched_long_ns);
}

static const struct key_spec sched_keys[] = {
	{ "long_delay", key_sched_value },
	{ "severity", key_sched_value },
};

static int key_scheduling(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			  void *obj)
{
	(void)key;
	return ld_map(L, v, path, sched_keys, ASP_ARRAY_SIZE(sched_keys), obj);
}

static int key_self_wake_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			       void *obj)
{
	struct asp_rules *r = obj;
	if (!strcmp(key, "enabled"))
		return ld_bool(L, v, path, &r->rule_on[ASP_RULE_SELF_WAKE]);
	if (!strcmp(key, "min_polls"))
		return ld_count_value(L, v, path, &r->self_wake_min_polls);
	return ld_duration(L, v, path, &r->self_wake_max_gap_ns);
}

static const struct key_spec self_wake_keys[] = {
	{ "enabled", key_self_wake_value },
	{ "min_polls", key_self_wake_value },
	{ "max_gap", key_self_wake_value },
};

static int key_lint(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	struct asp_rules *r = obj;
	if (!strcmp(key, "never_yielded"))
		return ld_bool(L, v, path, &r->rule_on[ASP_RULE_NEVER_YIELDED]);
	/* self_wake: true|false, or its settings */
	if (v->type == YAML_SCALAR_NODE)
		return ld_bool(L, v, path, &r->rule_on[ASP_RULE_SELF_WAKE]);
	return ld_map(L, v, path, self_wake_keys, ASP_ARRAY_SIZE(self_wake_keys), r);
}

static const struct key_spec lint_keys[] = {
	{ "never_yielded", key_lint },
	{ "self_wake", key_lint },
};

static int key_lints(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	return ld_map(L, v, path, lint_keys, ASP_ARRAY_SIZE(lint_keys), obj);
}

/* `rules:` - which rules run: NAME: true|false for rules of the registry
 * (registry.h); the lints' `enabled` switches are the same ones */
static int key_rule_on(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	struct asp_rules *r = obj;
	return ld_bool(L, v, path, &r->rule_on[asp_rule_index(key)]);
}

static int key_rules(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	struct key_spec specs[ASP_RULES_MAX];
	for (size_t i = 0; i < asp_nrules; i++)
		specs[i] = (struct key_spec){ asp_rule_table[i].name, key_rule_on };
	return ld_map(L, v, path, specs, asp_nrules, obj);
}

static int key_override_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			      void *obj)
{
	struct asp_override *o = obj;
	if (!strcmp(key, "match")) {
		free(o->match);
		o->match = NULL;
		return ld_glob(L, v, path, &o->match);
	}
	if (!strcmp(key, "ignore"))
		return ld_bool(L, v, path, &o->ignore);
	if (!strcmp(key, "warning")) {
		o->has_warning = true;
		return ld_duration(L, v, path, &o->warning_ns);
	}
	if (!strcmp(key, "error")) {
		o->has_error = true;
		return ld_duration(L, v, path, &o->error_ns);
	}
	return ld_severity(L, v, path, &o->severity);
}

static const struct key_spec override_keys[] = {
	{ "match", key_override_value },
	{ "warning", key_override_value },
	{ "error", key_override_value },
	{ "severity", key_override_value },
	{ "ignore", key_override_value },
};

/* a list of mappings (`overrides:` of blocking and of compare): each item is
 * appended by `add`, read with keys, and must name a `match` pattern */
static int ld_override_list(struct ld *L, yaml_node_t *v, const char *path,
			    const struct key_spec *keys, size_t nkeys,
			    void *(*add)(void *obj, const yaml_node_t *item),
			    const char *(*match_of)(const void *o), void *obj,
			    int (*check)(struct ld *L, yaml_node_t *item, const char *path, void *o))
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return ld_fail(L, v, "%s: expected a list of overrides (- match: ...), found %s", path,
			       kind_name(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = ld_node(L, *it);
		if (ld_count(L, item) < 0)
			return -1;
		if (item->type != YAML_MAPPING_NODE)
			return ld_fail(L, item, "%s: expected a mapping (match: ...), found %s", path,
				       kind_name(item));
		void *o = add(obj, item);
		if (ld_map(L, item, path, keys, nkeys, o) < 0)
			return -1;
		if (!match_of(o))
			return ld_fail(L, item, "%s: an override needs a 'match' pattern", path);
		if (check && check(L, item, path, o) < 0)
			return -1;
	}
	return 0;
}

static void *add_override(void *obj, const yaml_node_t *item)
{
	struct asp_rules *r = obj;
	r->overrides = xreallocarray(r->overrides, r->noverrides + 1, sizeof(*r->overrides));
	struct asp_override *o = &r->overrides[r->noverrides++];
	*o = (struct asp_override){ .line = (int)item->start_mark.line + 1,
				    .column = (int)item->start_mark.column + 1 };
	return o;
}

static const char *override_match(const void *o)
{
	return ((const struct asp_override *)o)->match;
}

static int check_override(struct ld *L, yaml_node_t *item, const char *path, void *obj)
{
	const struct asp_override *o = obj;
	if (o->has_warning && o->has_error && o->warning_ns > o->error_ns) {
		char w[32], e[32];
		return ld_fail(L, ld_where(L, item, "error"),
			       "%s: the warning threshold (%s) is above the error threshold (%s)", path,
			       asp_format_duration(o->warning_ns, w, sizeof(w)),
			       asp_format_duration(o->error_ns, e, sizeof(e)));
	}
	return 0;
}

static int key_overrides(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			 void *obj)
{
	(void)key;
	return ld_override_list(L, v, path, override_keys, ASP_ARRAY_SIZE(override_keys),
				add_override, override_match, obj, check_override);
}

static int key_compare_override_value(struct ld *L, const char *key, yaml_node_t *v,
				      const char *path, void *obj)
{
	struct asp_compare_override *o = obj;
	if (!strcmp(key, "match")) {
		free(o->match);
		o->match = NULL;
		return ld_glob(L, v, path, &o->match);
	}
	if (!strcmp(key, "ignore"))
		return ld_bool(L, v, path, &o->ignore);
	if (!strcmp(key, "min_change")) {
		o->has_min_change = true;
		return ld_ratio(L, v, path, &o->min_change);
	}
	o->has_min_abs = true;
	return ld_duration(L, v, path, &o->min_abs_ns);
}

static const struct key_spec compare_override_keys[] = {
	{ "match", key_compare_override_value },
	{ "min_change", key_compare_override_value },
	{ "min_abs", key_compare_override_value },
	{ "ignore", key_compare_override_value },
};

static void *add_compare_override(void *obj, const yaml_node_t *item)
{
	(void)item;
	struct asp_compare_rules *c = obj;
	c->overrides = xreallocarray(c->overrides, c->noverrides + 1, sizeof(*c->overrides));
	struct asp_compare_override *o = &c->overrides[c->noverrides++];
	*o = (struct asp_compare_override){ 0 };
	return o;
}

static const char *compare_override_match(const void *o)
{
	return ((const struct asp_compare_override *)o)->match;
}

static int key_compare_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			     void *obj)
{
	static const char *const metrics[] = {
		[ASP_METRIC_P50] = "p50",   [ASP_METRIC_P90] = "p90",
		[ASP_METRIC_P99] = "p99",   [ASP_METRIC_MAX] = "max",
		[ASP_METRIC_MEAN] = "mean", [ASP_METRIC_BUSY_PER_POLL] = "busy_per_poll",
	};
	struct asp_compare_rules *c = obj;
	if (!strcmp(key, "metric")) {
		const char *s = ld_scalar(L, v, path);
		if (!s)
			return -1;
		for (size_t i = 0; i < ASP_ARRAY_SIZE(metrics); i++) {
			if (!strcmp(s, metrics[i])) {
				c->metric = (enum asp_verdict_metric)i;
				return 0;
			}
		}
		return ld_fail(L, v,
			       "%s: unknown metric '%s' (expected p50, p90, p99, max, mean or "
			       "busy_per_poll)",
			       path, s);
	}
	if (!strcmp(key, "min_change"))
		return ld_ratio(L, v, path, &c->min_change);
	if (!strcmp(key, "min_abs"))
		return ld_duration(L, v, path, &c->min_abs_ns);
	if (!strcmp(key, "alpha")) {
		if (ld_ratio(L, v, path, &c->alpha) < 0)
			return -1;
		if (!(c->alpha > 0 && c->alpha < 1))
			return ld_fail(L, v, "%s: must be between 0 and 1 (exclusive), not '%s'", path,
				       (const char *)v->data.scalar.value);
		return 0;
	}
	if (!strcmp(key, "single_run_noise"))
		return ld_ratio(L, v, path, &c->single_run_noise);
	if (!strcmp(key, "bootstrap")) {
		uint64_t n;
		if (ld_count_value(L, v, path, &n) < 0)
			return -1;
		if (n < 100 || n > 100000)
			return ld_fail(L, v, "%s: between 100 and 100000 resamples, not '%s'", path,
				       (const char *)v->data.scalar.value);
		c->bootstrap = (uint32_t)n;
		return 0;
	}
	/* overrides */
	return ld_override_list(L, v, path, compare_override_keys,
				ASP_ARRAY_SIZE(compare_override_keys), add_compare_override,
				compare_override_match, c, NULL);
}

static const struct key_spec compare_keys[] = {
	{ "metric", key_compare_value },
	{ "min_change", key_compare_value },
	{ "min_abs", key_compare_value },
	{ "alpha", key_compare_value },
	{ "single_run_noise", key_compare_value },
	{ "bootstrap", key_compare_value },
	{ "overrides", key_compare_value },
};

static int key_compare(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	return ld_map(L, v, path, compare_keys, ASP_ARRAY_SIZE(compare_keys),
		      &((struct asp_rules *)obj)->compare);
}

static int key_history_value(struct ld *L, const char *key, yaml_node_t *v, const char *path,
			     void *obj)
{
	struct asp_history_rules *h = obj;
	uint64_t n;
	if (!strcmp(key, "p_value")) {
		if (ld_ratio(L, v, path, &h->p_value) < 0)
			return -1;
		if (!(h->p_value > 0 && h->p_value < 1))
			return ld_fail(L, v, "%s: must be between 0 and 1 (exclusive), not '%s'", path,
				       (const char *)v->data.scalar.value);
		return 0;
	}
	if (ld_count_value(L, v, path, &n) < 0)
		return -1;
	if (!strcmp(key, "seed")) {
		h->seed = n;
		return 0;
	}
	if (!strcmp(key, "permutations")) {
		if (n < 19 || n > 100000)
			return ld_fail(L, v, "%s: between 19 and 100000 permutations, not '%s'", path,
				       (const char *)v->data.scalar.value);
		h->permutations = (uint32_t)n;
		return 0;
	}
	/* min_nights */
	if (n > 1000)
		return ld_fail(L, v, "%s: between 1 and 1000 nights, not '%s'", path,
			       (const char *)v->data.scalar.value);
	h->min_nights = (uint32_t)n;
	return 0;
}

static const struct key_spec history_keys[] = {
	{ "permutations", key_history_value },
	{ "p_value", key_history_value },
	{ "min_nights", key_history_value },
	{ "seed", key_history_value },
};

static int key_history(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	return ld_map(L, v, path, history_keys, ASP_ARRAY_SIZE(history_keys),
		      &((struct asp_rules *)obj)->history);
}

/* fn on each single value of v, a list of them or one (a null one: none) */
static int ld_each_name(struct ld *L, yaml_node_t *v, const char *path,
			int (*fn)(struct ld *L, yaml_node_t *item, const char *s, void *ctx), void *ctx)
{
	yaml_node_item_t single = (yaml_node_item_t)(v - L->doc->nodes.start + 1), *it, *top;
	if (ld_items(L, v, path, &it, &top, &single) < 0)
		return -1;
	for (; it < top; it++) {
		yaml_node_t *item = ld_node(L, *it);
		if (ld_count(L, item) < 0)
			return -1;
		const char *s = ld_scalar(L, item, path);
		if (!s || fn(L, item, s, ctx) < 0)
			return -1;
	}
	return 0;
}

struct fail_on_read {
	const char *path;
	unsigned set;
	bool never;
};

static int fail_on_name(struct ld *L, yaml_node_t *item, const char *s, void *ctx)
{
	struct fail_on_read *f = ctx;
	if (!strcmp(s, "error"))
		f->set |= 1u << ASP_FAIL_ERROR;
	else if (!strcmp(s, "warning"))
		f->set |= 1u << ASP_FAIL_WARNING;
	else if (!strcmp(s, "regression"))
		f->set |= 1u << ASP_FAIL_REGRESSION;
	else if (!strcmp(s, "never"))
		f->never = true;
	else
		return ld_fail(L, item,
			       "%s: unknown value '%s' (expected error, warning, regression "
			       "or never)",
			       f->path, s);
	return 0;
}

static int key_fail_on(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	struct asp_rules *r = obj;
	struct fail_on_read f = { .path = path };
	if (ld_each_name(L, v, path, fail_on_name, &f) < 0)
		return -1;
	unsigned set = f.set;
	bool never = f.never;
	if (never && set)
		return ld_fail(L, v, "%s: 'never' cannot be combined with other values", path);
	/* an empty value would turn the gate off unseen: never says so */
	if (!never && !set)
		return ld_fail(L, v, "%s: missing value (error, warning, regression or never)", path);
	r->fail_on = set ? set : 1u << ASP_FAIL_NEVER;
	return 0;
}

/* the names as written, with their places: report/outputs.c knows them */
static int output_name(struct ld *L, yaml_node_t *item, const char *s, void *ctx)
{
	(void)L;
	struct asp_rules *r = ctx;
	r->outputs = xreallocarray(r->outputs, r->noutputs + 1, sizeof(*r->outputs));
	r->outputs[r->noutputs++] = (struct asp_rules_name){
		.name = xstrdup(s),
		.line = (int)item->start_mark.line + 1,
		.column = (int)item->start_mark.column + 1,
	};
	return 0;
}

static int key_outputs(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	struct asp_rules *r = obj;
	r->outputs_given = true;
	r->outputs_line = (int)v->start_mark.line + 1;
	r->outputs_column = (int)v->start_mark.column + 1;
	return ld_each_name(L, v, path, output_name, r);
}

static int key_runtimes(struct ld *L, const char *key, yaml_node_t *v, const char *path, void *obj)
{
	(void)key;
	return ld_profiles(L, v, path, obj);
}

static const struct key_spec rules_keys[] = {
	{ "runtime", key_runtime },
	{ "blocking", key_blocking },
	{ "slow_poll", key_slow_poll },
	{ "scheduling", key_scheduling },
	{ "lints", key_lints },
	{ "rules", key_rules },
	{ "overrides", key_overrides },
	{ "compare", key_compare },
	{ "history", key_history },
	{ "fail_on", key_fail_on },
	{ "outputs", key_outputs },
	{ "runtimes", key_runtimes },
};

static const struct key_spec runtimes_file_keys[] = {
	{ "runtimes", key_runtimes },
	{ "record", key_record_common },
};

/* ---------------------------------------------------------------- loading */

/* libyaml's scanner takes time quadratic in the depth of nested flow
 * collections ([[[...]]]: at every token it looks at each open level's
 * possible simple key), minutes for a 100 000-deep line. Nothing in the
 * rules needs more than a few levels: deeper documents are refused after a
 * pass over libyaml's events that stops at the first level too deep. A
 * document libyaml cannot parse passes here; loading it reports why. */
#define MAX_DEPTH 64

static int ld_depth(const char *path, const char *text, size_t len, char **err)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "asprof-batch: out of memory (libyaml)\n");
		abort();
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0, depth = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			break;
		yaml_event_type_t type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH)
				rc = asp_fail(err, "%s:%zu:%zu: nested more than %d levels deep", path,
					      ev.start_mark.line + 1, ev.start_mark.column + 1, MAX_DEPTH);
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (rc < 0 || type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* Parse text as one YAML document and hand its root to fn (NULL when the
 * document is empty). */
static int ld_text(const char *path, const char *text, size_t len,
		   int (*fn)(struct ld *L, yaml_node_t *root, void *obj), void *obj, char **err)
{
	if (ld_depth(path, text, len, err) < 0)
		return -1;
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser)) {
		fprintf(stderr, "asprof-batch: out of memory (libyaml)\n");
		abort();
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_mark_t m = parser.problem_mark;
		if (parser.error == YAML_READER_ERROR) {
			/* libyaml gives a byte offset only: count lines to it */
			size_t line = 1, col = 1;
			for (size_t i = 0; i < parser.problem_offset && i < len; i++, col++)
				if (text[i] == '\n') {
					line++;
					col = 0;
				}
			rc = asp_fail(err, "%s:%zu:%zu: %s (byte %zu)", path, line, col,
				      parser.problem ? parser.problem : "unreadable input",
				      parser.problem_offset);
		} else
			rc = asp_fail(err, "%s:%zu:%zu: YAML syntax error: %s%s%s%s%s", path,
				      m.line + 1, m.column + 1,
				      parser.problem ? parser.problem : "unknown",
				      parser.context ? " (" : "", parser.context ? parser.context : "",
				      parser.context ? ")" : "",
				      m.index < len && text[m.index] == '\t'
					      ? "; tabs cannot indent YAML, use spaces"
					      : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	struct ld L = { .path = path, .doc = &doc, .err = err };
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && is_null(root))
		root = NULL;
	/* a second document would be ignored silently: refuse it */
	yaml_document_t doc2;
	if (!yaml_parser_load(&parser, &doc2)) {
		yaml_mark_t m = parser.problem_mark;
		rc = asp_fail(err, "%s:%zu:%zu: YAML syntax error: %s", path, m.line + 1, m.column + 1,
			      parser.problem ? parser.problem : "unknown");
	} else {
		yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
		if (r2)
			rc = asp_fail(err, "%s:%zu:%zu: only one YAML document is allowed", path,
				      doc2.start_mark.line + 1, doc2.start_mark.column + 1);
		yaml_document_delete(&doc2);
	}
	/* an escaped NUL ("50us\0junk") would cut the value short, silently */
	for (yaml_node_t *n = doc.nodes.start; rc == 0 && n < doc.nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE &&
		    memchr(n->data.scalar.value, '\0', n->data.scalar.length))
			rc = ld_fail(&L, n, "a value with a NUL character");
	if (rc == 0)
		rc = fn(&L, root, obj);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

static int ld_rules_root(struct ld *L, yaml_node_t *root, void *obj)
{
	struct asp_rules *r = obj;
	if (!root)
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return ld_fail(L, root, "expected a mapping (key: value lines) at the top, found %s",
			       kind_name(root));
	if (ld_map(L, root, NULL, rules_keys, ASP_ARRAY_SIZE(rules_keys), r) < 0)
		return -1;
	if (strcmp(r->runtime, "auto") && !asp_rules_profile(r, r->runtime)) {
		char known[512] = "auto";
		for (size_t i = 0; i < r->nprofiles; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), ", %s",
				 r->profiles[i].name);
		return ld_fail(L, ld_where(L, root, "runtime"), "runtime: unknown runtime '%s' (expected %s)",
			       r->runtime, known);
	}
	return 0;
}

static int ld_runtimes_root(struct ld *L, yaml_node_t *root, void *obj)
{
	if (!root)
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return ld_fail(L, root, "expected a mapping with a 'runtimes:' list, found %s",
			       kind_name(root));
	return ld_map(L, root, NULL, runtimes_file_keys, ASP_ARRAY_SIZE(runtimes_file_keys), obj);
}

struct asp_rules *asp_rules_default(void)
{
	struct asp_rules *r = xcalloc(1, sizeof(*r));
	r->runtime = xstrdup("auto");
	r->warning_ns = 10000000ULL;
	r->error_ns = 100000000ULL;
	r->slow_poll_ns = 50000ULL;
	for (size_t i = 0; i < asp_nrules; i++)
		r->rule_on[i] = !asp_rule_table[i].off_by_default;
	r->self_wake_min_polls = 50;
	r->self_wake_max_gap_ns = 200000ULL;
	r->sched_long_ns = 1000000ULL;
	r->sched_severity = ASP_SEV_WARNING;
	r->compare.metric = ASP_METRIC_P50;
	r->compare.min_change = 0.15;
	r->compare.min_abs_ns = 10000ULL;
	r->compare.alpha = 0.05;
	r->compare.single_run_noise = 0.30;
	r->compare.bootstrap = 2000;
	r->history.permutations = 999;
	r->history.p_value = 0.10;
	r->history.min_nights = 2;
	r->history.seed = 1;
	r->fail_on = 1u << ASP_FAIL_ERROR | 1u << ASP_FAIL_REGRESSION;
	char *err = NULL;
	if (ld_text("configs/runtimes.yaml (built in)", asp_runtimes_default_yaml,
		    sizeof(asp_runtimes_default_yaml) - 1, ld_runtimes_root, r, &err) < 0) {
		fprintf(stderr, "asprof-batch: bug: the built-in runtime profiles: %s\n", err);
		abort();
	}
	return r;
}

struct asp_rules *asp_rules_load(const char *path, char **err)
{
	size_t len;
	char *text = asp_read_config(path, &len, err);
	if (!text)
		return NULL;
	struct asp_rules *r = asp_rules_default();
	r->path = xstrdup(path);
	int rc = ld_text(path, text, len, ld_rules_root, r, err);
	free(text);
	if (rc < 0) {
		asp_rules_free(r);
		return NULL;
	}
	return r;
}

int asp_rules_load_runtimes(struct asp_rules *r, const char *path, char **err)
{
	size_t len;
	char *text = asp_read_config(path, &len, err);
	if (!text)
		return -1;
	int rc = ld_text(path, text, len, ld_runtimes_root, r, err);
	free(text);
	return rc < 0 ? -1 : 0;
}

int asp_rules_select(struct asp_rules *r, const char *list, char **err)
{
	bool on[ASP_RULES_MAX] = { false };
	bool all = !strcmp(list, "all");
	for (const char *p = list; !all && *p;) {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		int i = asp_rule_index(name);
		if (i < 0 && len) {
			struct asp_buf known = { 0 };
			for (size_t k = 0; k < asp_nrules; k++)
				asp_buf_printf(&known, "%s%s", k ? ", " : "", asp_rule_table[k].name);
			asp_fail(err, "unknown rule '%s' (known: %s; all)", name, known.data);
			asp_buf_free(&known);
			free(name);
			return -1;
		}
		if (i >= 0)
			on[i] = true;
		free(name);
		p += len + (p[len] == ',');
	}
	for (size_t k = 0; k < asp_nrules; k++)
		r->rule_on[k] = all || on[k];
	return 0;
}
