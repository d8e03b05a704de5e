/* test-record-patterns.c - the regexes `asprof-batch record` hands to
 * uftrace, against the real symbols of a v0 (mcount) and a legacy (plain)
 * build of the same programs: the -N filters (configs/runtimes.yaml's
 * record.notrace_*), every profile's task polls, wakes and spawns
 * (record.task_poll_*, wake_*: -A; spawn_*: -R) and the -A patterns of the
 * program's own futures (cmd/record/cmdline.c).
 *
 * The patterns come from the code that builds the command line (cmdline.c:
 * add_notrace, add_runtime_specs, add_user_specs; elf.c's facts, fed the
 * recordings' .sym names) and are matched as uftrace 0.13 matches them: an
 * option's argument split at ';' (uftrace joins options with it) and cut at
 * the first '@' (the action), an exact name when it has no regex
 * character, else regcomp(REG_EXTENDED | REG_NOSUB) and regexec; v0 names
 * as they are (0.13 cannot demangle them), legacy names as uftrace 0.13's
 * own demangler prints them (modelled below: `_<a..b as c..d>::f`,
 * `_{{closure}}`, hash dropped; checked against uftrace itself when it is
 * installed).
 *
 * Each function is known by its skeleton (tests/unit/fixture-symbols.h,
 * from the names as the analysis demangles them). For every kind of
 * pattern and every pair of recordings, a function that the v0 build's
 * patterns take must be taken in the legacy build and the other way round:
 * an entry that takes a function in one build only fails, named with an
 * example. Where a build takes some functions of a skeleton and not others
 * (generic arguments tell them apart: drop_in_place::<T>), they are
 * compared by full name; one that the other build prints differently and
 * cannot decide is said, not failed. Exceptions, where a legacy name
 * cannot say what the v0 name says, are listed in `exceptions` with the
 * reason. Also checked: each -N alternation takes what its entries take
 * one by one, and the options fit in the command line uftrace 0.13 can
 * read back from its recording. */
#include "analysis/ingest/demangle.h"
#include "analysis/rules.h"
#include "analysis/util.h"
#include "cmd/record/record.h"
#include "tests/unit/fixture-symbols.h"
#include "tests/unit/tap.h"

#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdbool.h>

/* ------------------------------------------------ uftrace 0.13's demangler */

/* uftrace 0.13 utils/demangle.c: the $..$ codes it maps in a Rust name */
static const struct {
	const char *code, *punc;
} rust_codes[] = {
	{ "SP", "@" }, { "BP", "*" }, { "RF", "&" }, { "LT", "<" }, { "GT", ">" },
	{ "LP", "(" }, { "RP", ")" }, { "C", "," }, { "u20", " " }, { "u22", "\"" },
	{ "u27", "'" }, { "u2b", "+" }, { "u3b", ";" }, { "u3d", "=" }, { "u5b", "[" },
	{ "u5d", "]" }, { "u7b", "{" }, { "u7d", "}" }, { "u7e", "~" },
};

/* a legacy name _ZN<len><ident>...E as uftrace 0.13 prints it (its
 * demangle_simple, the default of record): identifiers joined with "::",
 * a 17-byte h<16 hex> identifier dropped, the codes above replaced (the
 * first code not in the table ends the replacing: the rest of that
 * identifier is copied as it is), "..", a leading '_' and '.' kept; a
 * suffix after 'E' from '.' on dropped. Lengths are read with
 * strtoul(.., 0) as uftrace does. Anything else (v0, C) is not demangled. */
static char *uftrace_demangle(const char *m)
{
	if (strncmp(m, "_ZN", 3))
		return xstrdup(m);
	struct asp_buf b = { 0 };
	asp_buf_append(&b, "", 0);
	bool first = true;
	const char *p = m + 3;
	while (*p && *p != 'E') {
		if (!isdigit((unsigned char)*p))
			goto raw;
		char *end;
		unsigned long n = strtoul(p, &end, 0);
		if (strnlen(end, n) < n)
			goto raw;
		p = end;
		const char *e = p + n;
		bool hash = n == 17 && p[0] == 'h';
		for (size_t i = 1; hash && i < 17; i++)
			hash = isxdigit((unsigned char)p[i]);
		if (hash) {
			p = e;
			continue;
		}
		if (!first)
			asp_buf_append(&b, "::", 2);
		first = false;
		const char *d;
		while ((d = memchr(p, '$', (size_t)(e - p)))) {
			size_t k = 0;
			while (k < ASP_ARRAY_SIZE(rust_codes) &&
			       strncmp(rust_codes[k].code, d + 1, strlen(rust_codes[k].code)))
				k++;
			if (k == ASP_ARRAY_SIZE(rust_codes))
				break;
			asp_buf_append(&b, p, (size_t)(d - p));
			asp_buf_append(&b, rust_codes[k].punc, strlen(rust_codes[k].punc));
			p = d + strlen(rust_codes[k].code) + 2;
		}
		if (p < e)
			asp_buf_append(&b, p, (size_t)(e - p));
		p = e;
	}
	if (*p != 'E' || (p[1] && p[1] != '.' && p[1] != '@'))
		goto raw;
	return b.data;
raw:
	asp_buf_free(&b);
	return xstrdup(m);
}

/* ------------------------------------------------ the recordings */

struct sym {
	char *m;  /* mangled */
	char *uf; /* as uftrace 0.13 matches it */
	char *dm; /* as the analysis demangles it */
	char *sk; /* its skeleton */
};

struct build {
	const char *fixture;
	struct sym *s;
	size_t n;
	struct elf_facts facts;
};

/* the same programs built with mcount (v0) and plain (legacy), recorded
 * with `asprof-batch record` or record.sh */
static const struct {
	const char *v0, *legacy;
} pairs[] = {
	{ "tokio_mt", "tokio_mt_legacy" },
	{ "loaded_mcount", "loaded_plain" },
	{ "unblock_mcount", "unblock_plain" },
	{ "smol_mt", "smol_mt_plain" },
};

static void add_sym(const char *m, void *arg)
{
	struct build *b = arg;
	char *dm = asp_demangle(m);
	if (!dm)
		return;
	b->s = xreallocarray(b->s, b->n + 1, sizeof(*b->s));
	b->s[b->n++] = (struct sym){ xstrdup(m), uftrace_demangle(m), dm, skeleton(dm) };
	elf_facts_add(&b->facts, m, false);
}

static bool load_build(struct build *b, const char *fixture, const struct asp_rules *r)
{
	const char *fx = getenv("FIXTURES");
	*b = (struct build){ .fixture = fixture };
	elf_facts_init(&b->facts, r);
	return fx && fixsym_each_in_fixture(fx, fixture, add_sym, b) == 0 && b->n > 1000;
}

static void free_build(struct build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->s[i].m);
		free(b->s[i].uf);
		free(b->s[i].dm);
		free(b->s[i].sk);
	}
	free(b->s);
	elf_facts_free(&b->facts);
}

/* ------------------------------------------------ patterns as uftrace reads them */

struct upat {
	char *src;
	bool simple; /* no regex character: the exact name */
	regex_t re;
};

struct upats {
	struct upat *v;
	size_t n;
};

/* one -A or -N argument: uftrace 0.13 joins the options with ';' and
 * splits them again, then cuts each at its first '@' (-A's action) and
 * demangles it; a pattern with none of ".?*+-^$|()[]{}" is an exact name,
 * and one that does not compile silently becomes one */
static void upats_add_arg(struct upats *u, const char *arg)
{
	if (strchr(arg, ';')) {
		fprintf(stderr, "# '%s': a ';' splits it in two patterns\n", arg);
		tap_failures_++;
	}
	char *copy = xstrdup(arg), *save = NULL;
	for (char *s = strtok_r(copy, ";", &save); s; s = strtok_r(NULL, ";", &save)) {
		if (s[0] == '!')
			s++;
		char *at = strchr(s, '@');
		if (at)
			*at = '\0';
		/* it demangles the pattern too */
		struct upat p = { .src = uftrace_demangle(s) };
		p.simple = !strpbrk(p.src, ".?*+-^$|()[]{}");
		if (!p.simple && regcomp(&p.re, p.src, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "# '%s': uftrace cannot compile it (an exact name then)\n", p.src);
			tap_failures_++;
			p.simple = true;
		}
		u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
		u->v[u->n++] = p;
	}
	free(copy);
}

/* the patterns of the -A and -N options of a command line */
static void upats_add_cmd(struct upats *u, const struct strv *cmd)
{
	for (size_t i = 0; i + 1 < cmd->n; i++)
		if (!strcmp(cmd->v[i], "-A") || !strcmp(cmd->v[i], "-N") || !strcmp(cmd->v[i], "-R"))
			upats_add_arg(u, cmd->v[++i]);
}

static bool upats_match(const struct upats *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].simple ? !strcmp(u->v[i].src, name) : !regexec(&u->v[i].re, name, 0, NULL, 0))
			return true;
	return false;
}

static void upats_free(struct upats *u)
{
	for (size_t i = 0; i < u->n; i++) {
		if (!u->v[i].simple)
			regfree(&u->v[i].re);
		free(u->v[i].src);
	}
	free(u->v);
	*u = (struct upats){ 0 };
}

/* ------------------------------------------------ entries and kinds */

/* one entry of a list (a line of runtimes.yaml, a pattern of cmdline.c),
 * with the options it becomes when it is alone, in each build (v0 build,
 * legacy build) where the command line has it */
struct entry {
	char *label;
	struct upats p[2];
	bool applies[2];
};

/* the patterns of one purpose: the entries, and the whole command line's
 * options for it in each build */
struct kind {
	char *name;
	struct entry *e;
	size_t ne;
	struct upats cmd[2];
};

static struct entry *kind_entry(struct kind *k, char *label)
{
	k->e = xreallocarray(k->e, k->ne + 1, sizeof(*k->e));
	k->e[k->ne] = (struct entry){ .label = label };
	return &k->e[k->ne++];
}

static void kind_free(struct kind *k)
{
	for (size_t i = 0; i < k->ne; i++) {
		free(k->e[i].label);
		upats_free(&k->e[i].p[0]);
		upats_free(&k->e[i].p[1]);
	}
	free(k->e);
	upats_free(&k->cmd[0]);
	upats_free(&k->cmd[1]);
	free(k->name);
}

/* the -N filters: every list's entries, each as add_notrace makes it when
 * it is the only one (rules with that list alone), and add_notrace's whole
 * output for each build */
static void notrace_entries(struct kind *k, const char *list, const struct asp_patterns *l, bool legacy,
			    const struct build *b)
{
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = kind_entry(k, xasprintf("%s '%s'", list, l->v[i]));
		struct asp_rules one = { 0 };
		struct asp_patterns just = { &l->v[i], 1 };
		*(legacy ? &one.record_notrace_legacy : &one.record_notrace_v0) = just;
		for (int w = 0; w < 2; w++) {
			/* v0 filters go to every command line, legacy ones where
			 * the program has legacy names */
			e->applies[w] = !legacy || b[w].facts.legacy;
			if (!e->applies[w])
				continue;
			struct strv a = { 0 };
			add_notrace(&a, &one, true);
			upats_add_cmd(&e->p[w], &a);
			strv_free(&a);
		}
	}
}

static void notrace_kind(struct kind *k, const struct asp_rules *r, const struct build *b)
{
	*k = (struct kind){ .name = xstrdup("-N filters") };
	notrace_entries(k, "record.notrace_v0", &r->record_notrace_v0, false, b);
	notrace_entries(k, "record.notrace_legacy", &r->record_notrace_legacy, true, b);
	for (size_t p = 0; p < r->nprofiles; p++) {
		const struct asp_profile *pr = &r->profiles[p];
		char *l = xasprintf("%s record.notrace_v0", pr->name);
		notrace_entries(k, l, &pr->record.notrace_v0, false, b);
		free(l);
		l = xasprintf("%s record.notrace_legacy", pr->name);
		notrace_entries(k, l, &pr->record.notrace_legacy, true, b);
		free(l);
	}
	for (int w = 0; w < 2; w++) {
		struct strv a = { 0 };
		add_notrace(&a, r, b[w].facts.legacy);
		upats_add_cmd(&k->cmd[w], &a);
		strv_free(&a);
	}
}

/* a profile's lists of one kind (its task polls, wakes or spawns), where
 * `record` finds its crates (cmdline.c add_runtime_specs: the v0 list for
 * v0 symbols of them, the legacy list for legacy ones); false if a build
 * does not have the runtime */
static bool runtime_kind(struct kind *k, const struct asp_profile *pr, size_t r, const struct build *b,
			 const char *what, size_t v0_off, size_t legacy_off)
{
	if (!(b[0].facts.rt_v0[r] || b[0].facts.rt_legacy[r]) ||
	    !(b[1].facts.rt_v0[r] || b[1].facts.rt_legacy[r]))
		return false;
	*k = (struct kind){ .name = xasprintf("%s %ss", pr->name, what) };
	for (int lg = 0; lg < 2; lg++) {
		const struct asp_patterns *l =
			(const struct asp_patterns *)((const char *)&pr->record + (lg ? legacy_off : v0_off));
		for (size_t i = 0; i < l->n; i++) {
			struct entry *e = kind_entry(k, xasprintf("%s record.%s_%s '%s'", pr->name, what,
								  lg ? "legacy" : "v0", l->v[i]));
			for (int w = 0; w < 2; w++) {
				e->applies[w] = lg ? b[w].facts.rt_legacy[r] : b[w].facts.rt_v0[r];
				if (!e->applies[w])
					continue;
				struct strv a = { 0 };
				add_task_polls(&a, &(struct asp_patterns){ &l->v[i], 1 });
				upats_add_cmd(&e->p[w], &a);
				upats_add_cmd(&k->cmd[w], &a);
				strv_free(&a);
			}
		}
	}
	return true;
}

#define RUNTIME_LIST(what)                                                                   \
	{ #what, offsetof(struct asp_record_profile, what##_v0),                             \
	  offsetof(struct asp_record_profile, what##_legacy) }
static const struct {
	const char *what;
	size_t v0, legacy;
} runtime_lists[] = { RUNTIME_LIST(task_poll), RUNTIME_LIST(wake), RUNTIME_LIST(spawn) };

/* the program's own futures: add_user_specs's options, each one an entry */
static void user_kind(struct kind *k, const struct build *b)
{
	*k = (struct kind){ .name = xstrdup("the program's futures") };
	for (int w = 0; w < 2; w++)
		for (int v0 = 1; v0 >= 0; v0--) {
			struct strv a = { 0 };
			add_user_specs(&a, &b[w].facts, v0);
			for (size_t i = 0; i + 1 < a.n; i += 2) {
				struct entry *e = kind_entry(k, xasprintf("cmdline.c add_user_specs (%s, %s) '%s'",
									  v0 ? "v0" : "legacy", b[w].fixture, a.v[i + 1]));
				e->applies[w] = true;
				upats_add_arg(&e->p[w], a.v[i + 1]);
				upats_add_arg(&k->cmd[w], a.v[i + 1]);
			}
			strv_free(&a);
		}
}

/* ------------------------------------------------ the comparison */

/* where a legacy name cannot say what the v0 name says: a build's patterns
 * take some of the functions of one full name and not the others. Each
 * with the reason recording them so is right. */
static const struct {
	const char *kind; /* the kind's name */
	const char *name; /* fnmatch(3) glob on the full name (fine_key) */
	const char *why;
} exceptions[] = {
	{ "the program's futures", "*::{{closure}}",
	  "v0 takes a function's first closure only ({closure#0}: an async fn's body, or "
	  "its first async block); legacy names do not number closures, so the legacy "
	  "pattern takes all of them and records arg1 of a plain closure too, unused" },
	{ NULL, NULL, NULL },
};

static const char *exception(const struct kind *k, const char *key)
{
	for (size_t i = 0; exceptions[i].kind; i++)
		if (!strcmp(k->name, exceptions[i].kind) && !fnmatch(exceptions[i].name, key, 0))
			return exceptions[i].why;
	return NULL;
}

/* how many functions each entry took, over every pair of recordings */
struct tally {
	char *label;
	size_t took;
};
static struct tally *tallies;
static size_t ntallies;

static void tally(const char *label, size_t took)
{
	for (size_t i = 0; i < ntallies; i++)
		if (!strcmp(tallies[i].label, label)) {
			tallies[i].took += took;
			return;
		}
	tallies = xreallocarray(tallies, ntallies + 1, sizeof(*tallies));
	tallies[ntallies++] = (struct tally){ xstrdup(label), took };
}

struct stats {
	size_t compared, mismatches, undecided, excepted;
};

struct ref {
	const struct sym *s;
	int w; /* 0: the v0 build, 1: the legacy build */
	bool taken;
	char *key; /* fine_key, when it is needed */
};

static int by_skeleton(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->s->sk, y->s->sk);
	return c ? c : x->w - y->w;
}

static int by_key(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->w - y->w;
}

/* a name both manglings print alike when the legacy name keeps its generic
 * arguments (drop_in_place<T>, impls on generic types): closures as
 * {{closure}}, no space after a comma or around a '+', `f::<T>` as `f<T>`,
 * `<X>::f` as `X::f` (X not a trait impl) wherever it is, generic
 * parameters as `_`, constants without their type, `Fn<(),Output = X>` as
 * `Fn<()>+Output = X` */
static char *fine_key(const char *dm)
{
	struct asp_buf b = { 0 };
	asp_buf_append(&b, "", 0);
	for (size_t i = 0; dm[i]; i++) {
		size_t j = i + 9;
		if (!strncmp(dm + i, "{closure#", 9)) {
			while (isdigit((unsigned char)dm[j]))
				j++;
			if (dm[j] == '}') {
				asp_buf_append(&b, "{{closure}}", 11);
				i = j;
				continue;
			}
		}
		if (!strncmp(dm + i, "::<", 3))
			i += 2;
		else if (!strncmp(dm + i, " + ", 3))
			i++;
		asp_buf_append(&b, dm + i, 1);
		if (!strncmp(dm + i, ", ", 2) || !strncmp(dm + i, "+ ", 2))
			i++;
	}
	char *s = b.data;
	for (size_t i = 0; s[i]; i++)
		if (s[i] == '<' && !fixsym_opens_generics(s, i))
			fixsym_unwrap_self(s, i, "::");
	/* a generic argument that is a bare name (legacy: the parameter, `T`,
	 * `NodeType`; v0: `_`) as `_`, a constant's type suffix (legacy
	 * `2_usize`) dropped */
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '<' && s[i] != ',')
			continue;
		size_t t = i + 1, e = t;
		while (isalnum((unsigned char)s[e]) || s[e] == '_')
			e++;
		if (e == t || (s[e] != ',' && s[e] != '>'))
			continue;
		size_t cut = t;
		if (isupper((unsigned char)s[t]) || (e - t == 1 && s[t] == '_')) {
			s[t] = '_';
			cut = t + 1;
		} else if (isdigit((unsigned char)s[t])) {
			while (isdigit((unsigned char)s[cut]))
				cut++;
		} else {
			continue;
		}
		memmove(s + cut, s + e, strlen(s + e) + 1);
	}
	/* an associated type: v0 `Fn<(),Output = X>`, legacy `Fn<()>+Output = X` */
	for (char *o; (o = strstr(s, ",Output = "));) {
		char *x = o + 10, *e = x;
		for (int d = 0; *e && (*e != '>' || d > 0 || e[-1] == '-'); e++)
			d += *e == '<' ? 1 : *e == '>' && e[-1] != '-' ? -1 : 0;
		if (!*e)
			break;
		char *r = xasprintf("%.*s>+Output = %.*s%s", (int)(o - s), s, (int)(e - x), x, e + 1);
		free(s);
		s = r;
	}
	return s;
}

/* a function taken in build w only: fails, with the entries that take it */
static void mismatch(const struct kind *k, const struct build *b, int w, const struct sym *in,
		     const struct sym *out, struct stats *st)
{
	struct asp_buf msg = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < k->ne; i++)
		if (k->e[i].applies[w] && upats_match(&k->e[i].p[w], in->uf))
			asp_buf_printf(&msg, "%s%s", n++ ? ", " : "", k->e[i].label);
	fprintf(stderr, "# %s: %s takes %s '%s' (%s) but not %s '%s' (%s)\n", k->name,
		n ? msg.data : "(the alternation, no entry alone)", w ? "legacy" : "v0", in->uf,
		b[w].fixture, w ? "v0" : "legacy", out->uf, b[!w].fixture);
	asp_buf_free(&msg);
	st->mismatches++;
	tap_failures_++;
}

/* the functions of one group (a skeleton, or a full name), per build:
 * taken or not, an example of each */
struct verdict {
	bool in[2], out[2];
	const struct sym *ex_in[2], *ex_out[2];
};

static struct verdict judge(const struct ref *g, size_t n)
{
	struct verdict v = { 0 };
	for (size_t i = 0; i < n; i++) {
		int w = g[i].w;
		*(g[i].taken ? &v.in[w] : &v.out[w]) = true;
		*(g[i].taken ? &v.ex_in[w] : &v.ex_out[w]) = g[i].s;
	}
	return v;
}

/* a skeleton with functions taken and others not in one build (generic
 * arguments tell them apart): compared by full names, where both builds
 * have the name */
static void compare_fine(const struct kind *k, const struct build *b, struct ref *g, size_t n,
			 struct stats *st)
{
	struct verdict all = judge(g, n);
	for (size_t i = 0; i < n; i++)
		g[i].key = fine_key(g[i].s->dm);
	qsort(g, n, sizeof(*g), by_key);
	for (size_t a = 0, z; a < n; a = z) {
		for (z = a; z < n && !strcmp(g[z].key, g[a].key); z++)
			;
		struct verdict v = judge(g + a, z - a);
		int w = v.in[0] || v.out[0] ? 0 : 1;
		if (!(v.in[!w] || v.out[!w])) {
			/* no such full name in the other build: a mismatch when
			 * the other build says the opposite of the whole group */
			bool t = v.in[w];
			if (t ? !all.in[!w] : !all.out[!w])
				mismatch(k, b, t ? w : !w, t ? v.ex_in[w] : all.ex_in[!w],
					 t ? all.ex_out[!w] : v.ex_out[w], st);
			else {
				fprintf(stderr, "# %s, %s: undecided, printed differently in the other "
						"build: '%s'\n", k->name, b[w].fixture, g[a].s->dm);
				st->undecided++;
			}
			continue;
		}
		if ((v.in[0] && v.out[0]) || (v.in[1] && v.out[1])) {
			w = v.in[0] && v.out[0] ? 0 : 1;
			if (exception(k, g[a].key)) {
				st->excepted++;
				continue;
			}
			fprintf(stderr, "# %s, %s: takes '%s' and not '%s', one full name in %s "
					"(not an exception)\n", k->name, b[w].fixture, v.ex_in[w]->uf,
				v.ex_out[w]->uf, w ? "legacy" : "v0");
			st->mismatches++;
			tap_failures_++;
			continue;
		}
		if (v.in[0] != v.in[1])
			mismatch(k, b, v.in[0] ? 0 : 1, v.ex_in[v.in[0] ? 0 : 1], v.ex_out[v.in[0] ? 1 : 0], st);
	}
	for (size_t i = 0; i < n; i++)
		free(g[i].key);
}

static void compare_kind(const struct kind *k, const struct build *b, struct stats *st)
{
	/* what the command line takes in each build; that it is what its
	 * entries take, one by one; what each entry takes */
	size_t *took = xcalloc(k->ne + 1, sizeof(*took)), nr = 0, ntaken[2] = { 0, 0 };
	struct ref *refs = xcalloc(b[0].n + b[1].n + 1, sizeof(*refs));
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < b[w].n; i++) {
			const char *uf = b[w].s[i].uf;
			bool t = upats_match(&k->cmd[w], uf), any = false;
			for (size_t e = 0; e < k->ne; e++)
				if (k->e[e].applies[w] && upats_match(&k->e[e].p[w], uf)) {
					took[e]++;
					any = true;
				}
			if (any != t) {
				fprintf(stderr, "# %s, %s: the command line %s '%s', its entries one by one %s\n",
					k->name, b[w].fixture, t ? "takes" : "does not take", uf,
					any ? "do" : "do not");
				tap_failures_++;
			}
			ntaken[w] += t;
			refs[nr++] = (struct ref){ &b[w].s[i], w, t, NULL };
		}
	for (size_t e = 0; e < k->ne; e++)
		tally(k->e[e].label, took[e]);
	fprintf(stderr, "# %s/%s, %s: %zu functions taken in v0, %zu in legacy\n", b[0].fixture,
		b[1].fixture, k->name, ntaken[0], ntaken[1]);
	qsort(refs, nr, sizeof(*refs), by_skeleton);
	for (size_t a = 0, z; a < nr; a = z) {
		for (z = a; z < nr && !strcmp(refs[z].s->sk, refs[a].s->sk); z++)
			;
		struct verdict v = judge(refs + a, z - a);
		/* a function of one build only, or taken in neither */
		if (!(v.in[0] || v.out[0]) || !(v.in[1] || v.out[1]) || !(v.in[0] || v.in[1]))
			continue;
		st->compared++;
		if ((v.in[0] && v.out[0]) || (v.in[1] && v.out[1]))
			compare_fine(k, b, refs + a, z - a, st);
		else if (v.in[0] != v.in[1])
			mismatch(k, b, v.in[0] ? 0 : 1, v.ex_in[v.in[0] ? 0 : 1], v.ex_out[v.in[0] ? 1 : 0], st);
	}
	free(refs);
	free(took);
}

/* the length of the options built for a build, as uftrace 0.13 writes its
 * command line into the recording's info: JSON-quoted (a backslash or a
 * quote doubled), each followed by a space */
static size_t cmdline_length(const struct asp_rules *r, const struct build *b)
{
	struct strv a = { 0 };
	add_notrace(&a, r, b->facts.legacy);
	for (size_t p = 0; p < r->nprofiles; p++)
		if (!runtime_yields(r, &b->facts, &r->profiles[p]))
			add_runtime_specs(&a, &r->profiles[p], b->facts.rt_v0[p], b->facts.rt_legacy[p]);
	add_user_specs(&a, &b->facts, true);
	add_user_specs(&a, &b->facts, false);
	size_t n = 0;
	for (size_t i = 0; i < a.n; i++) {
		n += strlen(a.v[i]) + 1;
		for (const char *c = a.v[i]; *c; c++)
			n += *c == '\\' || *c == '"';
	}
	strv_free(&a);
	return n;
}

TEST(record_patterns_take_both_manglings)
{
	if (!getenv("FIXTURES")) {
		TAP_SKIP("FIXTURES not set");
	}
	struct asp_rules *r = asp_rules_default();
	struct stats st = { 0 };
	for (size_t p = 0; p < ASP_ARRAY_SIZE(pairs); p++) {
		struct build b[2];
		bool ok = load_build(&b[0], pairs[p].v0, r);
		ok = load_build(&b[1], pairs[p].legacy, r) && ok;
		CHECK(ok);
		CHECK(!b[0].facts.legacy && b[1].facts.legacy);
		if (ok) {
			struct kind k;
			notrace_kind(&k, r, b);
			compare_kind(&k, b, &st);
			kind_free(&k);
			for (size_t i = 0; i < r->nprofiles; i++)
				for (size_t j = 0; j < ASP_ARRAY_SIZE(runtime_lists); j++)
					if (runtime_kind(&k, &r->profiles[i], i, b, runtime_lists[j].what,
							 runtime_lists[j].v0, runtime_lists[j].legacy)) {
						compare_kind(&k, b, &st);
						kind_free(&k);
					}
			user_kind(&k, b);
			compare_kind(&k, b, &st);
			kind_free(&k);
			/* uftrace 0.13 reads its info file's lines back through a
			 * 4096-byte buffer: the options leave 512 bytes for
			 * "uftrace record -d DIR --no-libcall -P . PROGRAM ARGS" */
			for (int w = 0; w < 2; w++) {
				size_t len = cmdline_length(r, &b[w]);
				fprintf(stderr, "# %s: the options take %zu bytes of the command line\n",
					b[w].fixture, len);
				CHECK(len + 512 <= 4096 - sizeof "cmdline:");
			}
		}
		free_build(&b[0]);
		free_build(&b[1]);
	}
	/* entries no real name shows (crates the fixtures do not link): said,
	 * not failed */
	for (size_t i = 0; i < ntallies; i++) {
		if (!tallies[i].took)
			fprintf(stderr, "# %s: takes no function of the recordings\n", tallies[i].label);
		free(tallies[i].label);
	}
	free(tallies);
	fprintf(stderr, "# %zu functions compared, %zu taken in one build only, %zu exceptions, "
			"%zu undecided\n", st.compared, st.mismatches, st.excepted, st.undecided);
	CHECK(st.compared > 500);
	asp_rules_free(r);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the model of uftrace's demangler against uftrace itself: every function
 * name `uftrace report` shows for a recording is the model's demangling of
 * a name of its .sym files (v0 names as they are) */
TEST(uftrace_demangles_as_modelled)
{
	const char *fx = getenv("FIXTURES");
	bool uf = system("command -v uftrace >/dev/null 2>&1") == 0;
	if (!fx || !uf) {
		TAP_SKIP(fx ? "uftrace not installed" : "FIXTURES not set");
	}
	size_t checked = 0, legacy = 0;
	for (size_t p = 0; p < ASP_ARRAY_SIZE(pairs); p++)
		for (int w = 0; w < 2; w++) {
			char *dir = asp_path_join(fx, w ? pairs[p].legacy : pairs[p].v0);
			/* every symbol of the recording's .sym files, as modelled */
			char **known = NULL;
			size_t nknown = 0;
			DIR *d = opendir(dir);
			CHECK(d);
			for (struct dirent *e; d && (e = readdir(d));) {
				size_t l = strlen(e->d_name);
				if (l < 5 || strcmp(e->d_name + l - 4, ".sym"))
					continue;
				char *path = asp_path_join(dir, e->d_name), line[8192];
				FILE *f = fopen(path, "r");
				while (f && fgets(line, sizeof line, f)) {
					line[strcspn(line, "\n")] = '\0';
					char *name = strrchr(line, ' ');
					if (line[0] == '#' || !name)
						continue;
					known = xreallocarray(known, nknown + 1, sizeof(*known));
					known[nknown++] = uftrace_demangle(name + 1);
				}
				if (f)
					fclose(f);
				free(path);
			}
			if (d)
				closedir(d);
			qsort(known, nknown, sizeof(*known), by_str);
			/* what uftrace shows: "  CALLS  NAME" after two header lines */
			char *q = NULL;
			size_t ql = 0;
			FILE *m = open_memstream(&q, &ql);
			put_quoted(m, dir);
			fclose(m);
			char *cmd = xasprintf("uftrace report --no-pager -f call -d %s 2>/dev/null", q);
			free(q);
			FILE *rp = popen(cmd, "r");
			CHECK(rp);
			char line[16384];
			size_t n = 0, here = 0;
			while (rp && fgets(line, sizeof line, rp)) {
				line[strcspn(line, "\n")] = '\0';
				char *s = line + strspn(line, " ");
				if (n++ < 2 || !isdigit((unsigned char)*s))
					continue;
				s += strspn(s, "0123456789");
				s += strspn(s, " ");
				if (!strncmp(s, "linux:", 6))
					continue;
				here++;
				legacy += !strncmp(s, "_R", 2) ? 0 : strstr(s, "::") != NULL;
				if (!bsearch(&s, known, nknown, sizeof(*known), by_str)) {
					fprintf(stderr, "# %s: uftrace shows '%s', not a name the model gives\n", dir, s);
					tap_failures_++;
				}
			}
			CHECK(rp && pclose(rp) == 0);
			CHECK(here > 100);
			checked += here;
			free(cmd);
			for (size_t i = 0; i < nknown; i++)
				free(known[i]);
			free(known);
			free(dir);
		}
	fprintf(stderr, "# %zu names uftrace shows, %zu of them demangled legacy names\n", checked, legacy);
	CHECK(legacy > 500);
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(uftrace_demangles_as_modelled),
		CASE(record_patterns_take_both_manglings),
		{ 0 },
	});
}
