/* cmdline.c - the `uftrace record` command line: the -N filters that drop
 * only helpers that never poll, and the -A specs that record the first
 * argument of the task polls and of the program's own future bodies.
 * tests/rust/record.sh and tests/fixtures/README.md say why each option is
 * there; the regexes are theirs, generalised to any crate. uftrace 0.13
 * matches them against the MANGLED v0 names (_R...) and against its own
 * demangling of legacy ones. */
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

/* tests/rust/record.sh NOTRACE_V0: '@' = a module path anchored with V0_OWN,
 * otherwise a substring ('.*' forces regex matching: uftrace 0.13 compares a
 * pattern without metacharacters as an exact name) */
static const char *const notrace_v0[] = {
	"18precondition_check",
	"@4core4sync6atomic",
	"@4core3ptr8non_null",
	"@4core4iter5range",
	"@4core3ptr13drop_in_place",
	"@4core4cell",
	"4core3ops5deref5Deref5deref",
	"8DerefMut9deref_mut",
	"@5alloc4sync",
	"@5alloc3vec",
	"@3std4sync",
	"@14concurrent_queue",
	"@9value_bag",
	"@3log",
	"@4libc",
	"@15crossbeam_utils",
	"@5tokio7runtime4time",
	"@5tokio4util11linked_list",
	"@5tokio4util4rand",
	"@5tokio4loom3std12atomic_u",
	"@5tokio7runtime4task5state",
	"@5tokio7runtime4task6inject",
	"@5tokio7runtime4task4list",
	"@5tokio7runtime4task4core6Header",
	"@5tokio7runtime4task4core11TaskIdGuard",
	"@5tokio7runtime7context7CONTEXT",
	"@5tokio7runtime7context20set_current_task_id",
	"@5tokio7runtime7context11try_current",
	"@5tokio7runtime4coop6Budget",
	"@5tokio7runtime4coop13poll_proceed",
	"@5tokio7runtime9scheduler12multi_thread5queue",
};

/* tests/rust/record.sh NOTRACE_LEGACY: legacy names as uftrace 0.13 demangles
 * them (impls print as "_<T as Tr>::f") */
static const char *const notrace_legacy[] = {
	"^core::ptr::drop_in_place",
	"^core::sync::atomic::", "^_<core\\.\\.sync\\.\\.atomic",
	"precondition_check",
	"^core::iter::range::", "^_<core\\.\\.ops\\.\\.range\\.\\.",
	"as core\\.\\.iter\\.\\.range\\.\\.Step>",
	"^core::cell::", "^_<core\\.\\.cell\\.\\.",
	"^core::ptr::non_null::", "^_<core\\.\\.ptr\\.\\.non_null",
	"as core\\.\\.ops\\.\\.deref\\.\\.Deref>::deref$",
	"as core\\.\\.ops\\.\\.deref\\.\\.DerefMut>::deref_mut$",
	"^alloc::sync::", "^_<alloc\\.\\.sync\\.\\.",
	"^alloc::vec::", "^_<alloc\\.\\.vec\\.\\.",
	"^std::sync::", "^_<std\\.\\.sync\\.\\.",
	"^tokio::runtime::time::", "^_<tokio\\.\\.runtime\\.\\.time\\.\\.",
	"^tokio::util::linked_list", "^_<tokio\\.\\.util\\.\\.linked_list",
	"^tokio::util::rand::",
	"^tokio::loom::std::atomic_u", "^_<tokio\\.\\.loom\\.\\.std\\.\\.atomic_u",
	"^tokio::runtime::task::state::", "^_<tokio\\.\\.runtime\\.\\.task\\.\\.state",
	"^tokio::runtime::task::inject::",
	"^tokio::runtime::task::list::",
	"^tokio::runtime::task::core::Header::",
	"^tokio::runtime::task::core::TaskIdGuard",
	"^tokio::runtime::context::CONTEXT",
	"^tokio::runtime::context::set_current_task_id",
	"^tokio::runtime::context::try_current",
	"^tokio::runtime::coop::Budget",
	"^tokio::runtime::coop::poll_proceed",
	"^tokio::runtime::scheduler::multi_thread::queue::",
	"^_<tokio\\.\\.runtime\\.\\.scheduler\\.\\.multi_thread\\.\\.queue",
};

const struct runtime_desc runtimes[RT_COUNT] = {
	[RT_TOKIO] = {
		"tokio", { "5tokio", NULL },
		/* <tokio::runtime::task::harness::Harness<F, S>>::poll: the task cell */
		"^_RNvMs" B62 "*_NtNtNtCs" B62 "+_5tokio7runtime4task7harnessINtB" B62
		"+_7Harness.*E4poll" V0_INST "$@arg1",
		"^tokio::runtime::task::harness::Harness<T,S>::poll$@arg1",
	},
	[RT_ASYNC_STD] = {
		"async-std", { "9async_std", NULL },
		/* <SupportTaskLocals<F> as Future>::poll: the task's future */
		"^_RNvXs" B62 "*_NtNtCs" B62 "+_9async_std4task7builderINtB" B62
		"+_17SupportTaskLocals.*6Future4poll" V0_INST "$@arg1",
		"^_?<async_std" SEP "task" SEP "builder" SEP "SupportTaskLocals<.*> as core" SEP
		"future" SEP "future" SEP "Future>::poll$@arg1",
	},
	[RT_SMOL] = {
		/* async-executor's tasks: <async_task::raw::RawTask<F, T, S>>::run(ptr) */
		"smol", { "14async_executor", "4smol" },
		"^_RNvMs" B62 "*_NtCs" B62 "+_10async_task3rawINtB" B62
		"+_7RawTask.*E3run" V0_INST "$@arg1",
		"^async_task::raw::RawTask<.*>::run$@arg1",
	},
};

/* ------------------------------------------------------- the ELF's symbols */

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

void add_notrace(struct strv *a, bool legacy)
{
	for (size_t i = 0; i < ASP_ARRAY_SIZE(notrace_v0); i++) {
		const char *p = notrace_v0[i];
		char *re = p[0] == '@' ? xasprintf(V0_OWN "%s", p + 1) : xasprintf(".*%s", p);
		strv_push(a, xstrdup("-N"));
		strv_push(a, re);
	}
	for (size_t i = 0; legacy && i < ASP_ARRAY_SIZE(notrace_legacy); i++)
		strv_add(a, "-N", notrace_legacy[i]);
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
				       "+_4core6future6future6Future4poll" V0_INST "$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?Nv(Nt)*Cs" B62 "+_%s([0-9]+[A-Za-z_][A-Za-z0-9_]*)+(.*E)?0"
				       V0_INST "$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_RNCI?NvM(s" B62 "*_)?(Nt)*Cs" B62 "+_%s.*0" V0_INST "$@arg1", k));
	} else {
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^_?<%s" SEP ".* as core" SEP "future" SEP "future" SEP
				       "Future>::poll$@arg1", k));
		strv_push(a, xstrdup("-A"));
		strv_push(a, xasprintf("^%s::([A-Za-z0-9_<>,]+::)+_?\\{\\{closure\\}\\}$@arg1", k));
	}
	free(k);
}
