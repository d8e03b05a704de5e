/* cmdline.c - the `uftrace record` command line: the -N filters that drop
 * only helpers that never poll, and the -A specs that record the first
 * argument of the task polls and of the program's own future bodies. The
 * runtimes' regexes are their profiles' (configs/runtimes.yaml `record:`);
 * the program's own are built here from its crates (their first three
 * arguments: self is the second when the poll returns a large value through
 * a hidden first argument, docs/self-pointer.md). tests/rust/record.sh
 * and tests/fixtures/README.md say why each option is there; the regexes
 * are theirs, generalised to any crate. uftrace 0.13 matches them against
 * the MANGLED v0 names (_R...) and against its own demangling of legacy
 * ones. */
#include "record.h"
#include "analysis/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B62 "[0-9A-Za-z]"
/* the optional instantiating crate at the end of a v0 symbol */
#define V0_INST "(B" B62 "*_|Cs" B62 "+_[0-9]+[A-Za-z_][A-Za-z0-9_]*)?"
/* a v0 symbol whose OWN path starts in the crate/module that follows (nested
 * path tags, impl blocks, then the crate root), so that a module named only in
 * a generic argument does not match: dropping Harness<F, Arc<..>>::poll with
 * an unanchored "5alloc4sync" would lose every task poll */
/* a path separator in a legacy name: uftrace 0.13 demangles impl paths as
 * "_<a..b as c..d>::f", libiberty (asprof's reader) as "<a::b as c::d>::f";
 * the legacy patterns accept both */
#define SEP "(\\.\\.|::)"
#define V0_OWN "^_R(I|Y|N[A-Za-z]|[MX](s" B62 "*_)?)*Cs" B62 "+_"

void strv_push(struct strv *a, char *s) /* takes s */
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void strv_add(struct strv *a, const char *opt, const char *val)
{
	strv_push(a, xstrdup(opt));
	if (val)
		strv_push(a, xstrdup(val));
}

void strv_free(struct strv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* s, shell-quoted when it needs to be */
void put_quoted(FILE *out, const char *s)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_@%+=:,./-";
	if (*s && strspn(s, safe) == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

/* alt: the alternation so far, extended with p ("(a|b|...)" once closed) */
static char *alt_add(char *alt, const char *p)
{
	char *r = alt ? xasprintf("%s|%s", alt, p) : xasprintf("(%s", p);
	free(alt);
	return r;
}

static void alt_push(struct strv *a, const char *prefix, char *alt)
{
	if (!alt)
		return;
	strv_push(a, xstrdup("-N"));
	strv_push(a, xasprintf("%s%s)", prefix, alt));
	free(alt);
}

/* the v0 filters of list l: '@' = a module path anchored with V0_OWN
 * (added to *own), otherwise a substring (added to *any; '.*' forces regex
 * matching: uftrace 0.13 compares a pattern without metacharacters as an
 * exact name) */
static void alt_v0(char **own, char **any, const struct asp_patterns *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->v[i];
		if (p[0] == '@')
			*own = alt_add(*own, p + 1);
		else
			*any = alt_add(*any, p);
	}
}

/* a legacy filter into the alternation: uftrace matches a pattern without
 * regex metacharacters as an exact name, and so must the alternation
 * (anchored), or the entry would become a substring of any name */
static char *alt_legacy(char *alt, const char *p)
{
	if (strpbrk(p, "()[]{}^$|*+?.\\"))
		return alt_add(alt, p);
	char *exact = xasprintf("^%s$", p);
	char *r = alt_add(alt, exact);
	free(exact);
	return r;
}

/* The filters go to uftrace as few alternations, not one -N per entry:
 * uftrace 0.13 reads its recording's `cmdline:` back through a 4096-byte
 * buffer, and one -N per entry (V0_OWN repeated) made that line longer: a
 * recording uftrace itself could not read ("cannot read uftrace header
 * info") */
void add_notrace(struct strv *a, const struct asp_rules *r, bool legacy)
{
	char *own = NULL, *any = NULL, *lg = NULL;
	alt_v0(&own, &any, &r->record_notrace_v0);
	for (size_t p = 0; p < r->nprofiles; p++)
		alt_v0(&own, &any, &r->profiles[p].record.notrace_v0);
	alt_push(a, V0_OWN, own);
	alt_push(a, ".*", any);
	if (!legacy)
		return;
	for (size_t i = 0; i < r->record_notrace_legacy.n; i++)
		lg = alt_legacy(lg, r->record_notrace_legacy.v[i]);
	for (size_t p = 0; p < r->nprofiles; p++)
		for (size_t i = 0; i < r->profiles[p].record.notrace_legacy.n; i++)
			lg = alt_legacy(lg, r->profiles[p].record.notrace_legacy.v[i]);
	alt_push(a, "", lg);
}

/* opt REGEX@spec for each of the list's regexes */
static void add_specs(struct strv *a, const char *opt, const struct asp_patterns *l,
		      const char *spec)
{
	for (size_t i = 0; i < l->n; i++) {
		strv_push(a, xstrdup(opt));
		strv_push(a, xasprintf("%s@%s", l->v[i], spec));
	}
}

void add_task_polls(struct strv *a, const struct asp_patterns *l)
{
	add_specs(a, "-A", l, "arg1");
}

/* -R REGEX@retval for each creation of a task in a list */
static void add_spawns(struct strv *a, const struct asp_patterns *l)
{
	add_specs(a, "-R", l, "retval");
}

/* with --runtime auto, does the profile leave its tasks to a runtime found
 * in the program (its yields_to)? */
bool runtime_yields(const struct asp_rules *rules, const struct elf_facts *f,
		    const struct asp_profile *p)
{
	for (size_t i = 0; i < p->record.yields_to.n; i++)
		for (size_t r = 0; r < rules->nprofiles; r++)
			if (!strcmp(rules->profiles[r].name, p->record.yields_to.v[i]) &&
			    (f->rt_v0[r] || f->rt_legacy[r]))
				return true;
	return false;
}

/* what a runtime's profile asks for, for its v0 and its legacy symbols:
 * the task polls and the wakes of a task (-A REGEX@arg1), the creations
 * of a task (-R REGEX@retval), all the same task pointer
 * (docs/scheduling-delay.md) */
void add_runtime_specs(struct strv *a, const struct asp_profile *pr, bool v0, bool legacy)
{
	if (v0) {
		add_task_polls(a, &pr->record.task_poll_v0);
		add_task_polls(a, &pr->record.wake_v0);
		add_spawns(a, &pr->record.spawn_v0);
	}
	if (legacy) {
		add_task_polls(a, &pr->record.task_poll_legacy);
		add_task_polls(a, &pr->record.wake_legacy);
		add_spawns(a, &pr->record.spawn_legacy);
	}
}

/* the arguments recorded for the program's own futures: self is arg1, or
 * arg2 when the poll returns through a hidden pointer (then cx is arg3);
 * the analysis tells which from the values (analysis/attribute.c) */
#define USER_ARGS "@arg1,arg2,arg3"

/* uftrace 0.13 writes "cmdline:", its argv joined by spaces with a '"' or
 * '\\' escaped by a backslash (json_quote), and a newline (cmds/info.c) */
size_t uftrace_cmdline_length(const struct strv *a)
{
	size_t len = strlen("cmdline:") + 1;
	for (size_t i = 0; i < a->n; i++) {
		const char *s = a->v[i];
		len += strlen(s) + 1;
		for (; *s; s++)
			len += *s == '"' || *s == '\\';
	}
	return len;
}

/* it reads the line back with fgets into 4096 bytes: the newline and the
 * NUL included */
#define UFTRACE_CMDLINE_MAX 4095

/* the bytes the futures' specs take past "@arg1"; cut when cut is true */
static size_t user_args_extra(struct strv *a, bool cut)
{
	size_t l = strlen(USER_ARGS), extra = 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t n = strlen(a->v[i]);
		if (n < l || strcmp(a->v[i] + n - l, USER_ARGS))
			continue;
		extra += l - strlen("@arg1");
		if (cut)
			strcpy(a->v[i] + n - l, "@arg1");
	}
	return extra;
}

int fit_cmdline(struct strv *a)
{
	size_t len = uftrace_cmdline_length(a);
	if (len <= UFTRACE_CMDLINE_MAX)
		return 0;
	if (len - user_args_extra(a, false) > UFTRACE_CMDLINE_MAX)
		return -1; /* too long anyway: keep what the analysis needs */
	user_args_extra(a, true);
	return 1;
}

/* -A for the program's own futures: hand-written Future::poll impls and the
 * bodies of its async fns/blocks (fn::{closure#0}) and methods */
void add_user_specs(struct strv *a, const struct elf_facts *f, bool v0)
{
	struct asp_buf alt = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < f->ncrates; i++) {
		const char *c = f->crates[i].name;
		if (f->crates[i].v0 != v0)
			continue;
		if (n++)
			asp_buf_append(&alt, "|", 1);
		if (v0) /* v0 puts a '_' between the length and a leading '_' */
			asp_buf_printf(&alt, "%zu%s%s", strlen(c), c[0] == '_' ? "_" : "", c);
		else
			asp_buf_printf(&alt, "%s", c);
	}
	if (n == 0)
		return;
	char *k = n > 1 ? xasprintf("(%s)", alt.data) : xstrdup(alt.data);
	asp_buf_free(&alt);
	if (v0) {
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNvX(s" B62 "*_)?(Nt)*Cs" B62 "+_%s.*NtNtNtCs" B62
				       "+_4core6future6future6Future4poll" V0_INST "$" USER_ARGS, k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?Nv(N[tv])*Cs" B62 "+_%s([0-9]+[A-Za-z_][A-Za-z0-9_]*)+(.*E)?0"
				       V0_INST "$" USER_ARGS, k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?NvM(s" B62 "*_)?(Nt)*Cs" B62 "+_%s.*0" V0_INST "$" USER_ARGS, k));
	} else {
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_?<%s" SEP ".* as core" SEP "future" SEP "future" SEP
				       "Future>::poll$" USER_ARGS, k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^%s::([A-Za-z0-9_<>,]+::)+_?\\{\\{closure\\}\\}$" USER_ARGS, k));
	}
	free(k);
}
