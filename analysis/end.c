/* end.c - how the recorded program ended: info's exit status, read with
 * what the recording shows of it.
 *
 * A Rust panic under uftrace without --estimate-return cannot unwind: the
 * return addresses uftrace swaps for its own hooks hide the frames from
 * the unwinder. Under dynamic patching the process then dies by SIGSEGV
 * inside the unwinder, under mcount the panic fails to start ("failed to
 * initiate panic") and aborts. Either way info says "signal", and the
 * program's own end was the panic. So:
 * - a panic start is the entry of one of the standard library's panic
 *   functions (recorded when its functions are patched, as in a plain
 *   build); where it started is the innermost frame of the program below
 *   it, its future poll and task;
 * - a runtime catching a task's panic (tokio's JoinError::panic) is seen in
 *   mcount builds too;
 * - at the end, the frames still open on the thread that died: a panic's
 *   frames open when a crash signal ended the process is the tracer's
 *   crash during the unwinding; a crash signal with none is the program's
 *   own, where its innermost open frame is. What the recording cannot show
 *   (an abort in an mcount build: std::process::abort and a panic that
 *   could not start unwinding look the same) is said to be unknown. */
#include "analyzer.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *asp_end_kind_name(enum asp_end_kind k)
{
	switch (k) {
	case ASP_END_EXITED: return "exited";
	case ASP_END_PANICKED: return "panicked";
	case ASP_END_TRACER_CRASH: return "tracer-crashed";
	case ASP_END_CRASHED: return "crashed";
	case ASP_END_KILLED: return "killed";
	case ASP_END_CANNOT_TELL: return "cannot-tell";
	case ASP_END_CUT: return "cut";
	default: return "unknown";
	}
}

/* the name without the "__rustc::" of v0 symbols of the standard
 * library's entry points (legacy ones are plain C names) */
static const char *bare(const char *n)
{
	return !strncmp(n, "__rustc::", 9) ? n + 9 : n;
}

bool end_panic_name(const char *n, bool *caught)
{
	/* exact names, or a prefix followed by "::" or "<" (generic, closures) */
	static const char *const starts[] = {
		"rust_begin_unwind", "rust_panic", "__rust_start_panic",
		"std::panicking::begin_panic", "std::panicking::begin_panic_handler",
		"std::panicking::rust_panic_with_hook", "std::panicking::panic_with_hook",
		"std::panicking::rust_panic_without_hook", "std::panicking::rust_panic",
		"std::panic::resume_unwind",
	};
	*caught = false;
	const char *b = bare(n);
	if (!strncmp(b, "core::panicking::", 17))
		return true; /* panic, panic_fmt, panic_bounds_check, assert_failed... */
	for (size_t i = 0; i < sizeof(starts) / sizeof(*starts); i++) {
		size_t l = strlen(starts[i]);
		if (!strncmp(b, starts[i], l) && (!b[l] || b[l] == '<' || !strncmp(b + l, "::", 2)))
			return true;
	}
	if (!strcmp(n, "tokio::runtime::task::error::JoinError::panic") ||
	    !strcmp(n, "<tokio::runtime::task::error::JoinError>::panic")) {
		*caught = true;
		return true;
	}
	return false;
}

/* the standard library's own code (std, core, alloc, the entry points) */
static bool std_name(const char *n)
{
	while (*n == '<' || *n == '_')
		n++;
	static const char *const pre[] = { "std::", "core::", "alloc::", "rustc::", "rust_" };
	for (size_t i = 0; i < sizeof(pre) / sizeof(*pre); i++)
		if (!strncmp(n, pre[i], strlen(pre[i])))
			return true;
	return false;
}

static bool panic_frame(const struct frame *f)
{
	return f->cls == CL_PANIC;
}

/* the innermost frame below index top that is the program's (not the
 * standard library's, not a panic's), or NULL */
static const struct asp_symbol *program_frame(const struct thread_state *ts, int top)
{
	for (int k = top; k >= 0; k--) {
		const struct frame *f = &ts->st[k];
		if (f->sym && !panic_frame(f) && !std_name(asp_symbol_name(f->sym)) &&
		    strcmp(asp_symbol_name(f->sym), "<unknown>"))
			return f->sym;
	}
	return NULL;
}

void end_panic_enter(struct analyzer *a, const struct thread_state *ts, const struct frame *f)
{
	struct end_state *e = &a->end;
	bool caught;
	end_panic_name(asp_symbol_name(f->sym), &caught);
	int idx = (int)(f - ts->st);
	if (caught) {
		e->caught++;
		if (!e->has_first) {
			/* called once the task's poll returned: the task whose
			 * poll returned last on this thread */
			e->has_first = e->first_caught_only = true;
			e->first_fn = NULL;
			e->first_task = ts->last_root_task;
			e->first_fut = e->first_task ? (int32_t)a->tasks[e->first_task - 1].root_fut : -1;
			e->first_tid = ts->tid;
			e->first_time = f->start;
		}
		return;
	}
	/* one panic enters several of these: only the outermost counts */
	for (int k = idx - 1; k >= 0; k--)
		if (panic_frame(&ts->st[k]))
			return;
	e->panics++;
	if (e->has_first && !e->first_caught_only)
		return;
	e->has_first = true;
	e->first_caught_only = false;
	e->first_fn = program_frame(ts, idx - 1);
	e->first_fut = f->fut_parent >= 0 ? ts->st[f->fut_parent].fut : -1;
	e->first_task = f->task;
	e->first_tid = ts->tid;
	e->first_time = f->start;
}

/* the open frames from the outermost panic frame up, " > " apart (at most
 * the innermost 8) */
static char *panic_frames_of(const struct thread_state *ts)
{
	size_t from = ts->n;
	for (size_t k = 0; k < ts->n; k++)
		if (panic_frame(&ts->st[k])) {
			from = k;
			break;
		}
	if (from == ts->n)
		return NULL;
	struct asp_buf b = { 0 };
	if (ts->n - from > 8) {
		asp_buf_printf(&b, "... > ");
		from = ts->n - 8;
	}
	for (size_t k = from; k < ts->n; k++)
		asp_buf_printf(&b, "%s%s", k > from ? " > " : "",
			       ts->st[k].sym ? asp_symbol_name(ts->st[k].sym) : "<unknown>");
	return b.data;
}

void end_take_stacks(struct analyzer *a)
{
	struct end_state *e = &a->end;
	struct thread_state *dying = NULL;
	for (size_t i = 0; i < a->nth; i++) {
		struct thread_state *ts = &a->th[i];
		bool panicking = false;
		for (size_t k = 0; k < ts->n && !panicking; k++)
			panicking = panic_frame(&ts->st[k]);
		if (panicking) {
			if (!e->died_panicking)
				dying = ts;
			e->died_panicking = true;
		} else if (!e->died_panicking && ts->n &&
			   (!dying || ts->last_time > dying->last_time)) {
			dying = ts; /* the last to record, with frames open */
		}
	}
	if (!dying)
		return;
	e->dying_known = true;
	e->dying_tid = dying->tid;
	int top = (int)dying->n - 1;
	e->inner = dying->st[top].sym;
	e->prog = program_frame(dying, top);
	const struct frame *f = &dying->st[top];
	int fk = f->is_future ? top : f->fut_parent;
	e->dying_fut = fk >= 0 ? dying->st[fk].fut : -1;
	e->dying_task = f->task;
	if (e->died_panicking)
		e->panic_frames = panic_frames_of(dying);
}

/* std's own functions are in the recording (patched: a plain build), so
 * that no panic frame means no panic: lang_start_internal runs first in
 * every Rust program and is not generic (never in an mcount build) */
static bool std_recorded(const struct analyzer *a)
{
	for (size_t i = 0; i < a->nsc; i++) {
		const struct symclass *c = &a->sc[i];
		if (c->cls != CL_UNKNOWN && c->sym &&
		    !strcmp(asp_symbol_name(c->sym), "std::rt::lang_start_internal"))
			return true;
	}
	return false;
}

static const char *task_root(const struct asp_result *r, uint32_t task)
{
	return task && task <= r->ntasks ? r->tasks[task - 1].root : NULL;
}

/* " in F (called from P), polled by future X of task N (root R), thread
 * T" as far as known */
static void where(struct asp_buf *b, const struct asp_result *r, const char *fn, const char *from,
		  const char *fut, uint32_t task, int tid)
{
	if (fn)
		asp_buf_printf(b, " in %s", fn);
	if (fn && from && strcmp(fn, from))
		asp_buf_printf(b, " (called from %s)", from);
	if (fut && (!fn || strcmp(fn, fut)))
		asp_buf_printf(b, "%s future %s", fn ? ", polled by" : " in", fut);
	const char *root = task_root(r, task);
	if (root && (!fut || strcmp(root, fut)))
		asp_buf_printf(b, " of task %" PRIu32 " (%s)", task, root);
	else if (root)
		asp_buf_printf(b, " (task %" PRIu32 "%s)", task, r->tasks[task - 1].is_main ? ", main" : "");
	asp_buf_printf(b, ", thread %d", tid);
}

static bool crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
	       sig == SIGTRAP || sig == SIGSYS;
}

static bool kill_signal(int sig)
{
	return sig == SIGTERM || sig == SIGKILL || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ||
	       sig == SIGPIPE || sig == SIGALRM || sig == SIGUSR1 || sig == SIGUSR2 ||
	       sig == SIGXCPU || sig == SIGXFSZ;
}

static const char *name_of(const struct asp_symbol *s)
{
	return s ? asp_symbol_name(s) : NULL;
}

static const char *fut_name(const struct analyzer *a, int32_t fut)
{
	return fut >= 0 ? a->fut_names.names[fut] : NULL;
}

/* the sentence: how the program ended, and why that reading */
static void classify(struct analyzer *a, struct asp_result *r, const struct asp_info *info,
		     struct asp_buf *b)
{
	const struct end_state *e = &a->end;
	int st = info->exit_status;
	bool panicked = e->panics || e->caught;
	struct asp_buf pw = { 0 }; /* where the panic was */
	if (panicked) {
		asp_buf_printf(&pw, "%s", e->first_caught_only ? "had a panic" : "panicked");
		where(&pw, r, r->panic.function, NULL, r->panic.future, r->panic.task, r->panic.tid);
		if (e->first_caught_only)
			asp_buf_printf(&pw, ", caught by the runtime (tokio's JoinError::panic; the "
					    "panic's own frames are not in the recording)");
	}
	const char *pws = pw.data ? pw.data : "";
	if (!info->has_exit_status) {
		r->end = ASP_END_UNKNOWN;
		asp_buf_printf(b, "cannot tell how the program ended: info does not say");
		if (panicked)
			asp_buf_printf(b, " (it %s)", pws);
	} else if (st == -1) {
		r->end = ASP_END_CUT;
		asp_buf_printf(b, "the program was not recorded to its end (uftrace stopped first)");
		if (panicked)
			asp_buf_printf(b, "; it %s", pws);
	} else if (WIFEXITED(st)) {
		int code = WEXITSTATUS(st);
		if (panicked && code == 101) {
			r->end = ASP_END_PANICKED;
			asp_buf_printf(b, "the program %s, and exited with status 101 (a panic's)", pws);
		} else if (panicked) {
			r->end = ASP_END_EXITED;
			asp_buf_printf(b, "the program exited with status %d; it %s earlier (caught)", code,
				       pws);
		} else if (code == 101 && !std_recorded(a)) {
			r->end = ASP_END_EXITED;
			asp_buf_printf(b, "the program exited with status 101, the status of a Rust panic; "
					  "the standard library's functions are not in the recording (an "
					  "mcount build), so whether it panicked cannot be told");
		} else {
			r->end = ASP_END_EXITED;
			asp_buf_printf(b, "the program exited normally with status %d", code);
		}
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		const char *inner = name_of(e->inner), *prog = name_of(e->prog);
		const char *dfut = fut_name(a, e->dying_fut);
		if (sig == SIGABRT && e->died_panicking && inner &&
		    !strcmp(inner, "std::process::abort")) {
			/* panic_abort's __rust_start_panic: a panic=abort build */
			r->end = ASP_END_PANICKED;
			asp_buf_printf(b, "the program %s, then aborted (signal %d) as a panic=abort build "
					  "does (std::process::abort open below the panic's frames): the "
					  "program's own end",
				       pws, sig);
		} else if (sig == SIGABRT && e->died_panicking) {
			/* std aborts a panic that cannot unwind: a panic while
			 * panicking, or the unwinder refusing to start under
			 * uftrace's hooks (mcount's way) */
			r->end = ASP_END_PANICKED;
			asp_buf_printf(b, "the program %s, then aborted (signal %d) with the panic's frames "
					  "open (%s): the panic is the program's own end; the abort is a "
					  "second panic's, or the unwinder's, which cannot start under "
					  "uftrace's return hooks (then `uftrace record -e` with "
					  "no -N filter lets the panic unwind)",
				       pws, sig, r->end_frames);
		} else if (crash_signal(sig) && e->died_panicking) {
			r->end = ASP_END_TRACER_CRASH;
			asp_buf_printf(b, "the program %s, then the process died by signal %d (%s) while the "
					  "panic was unwinding (still open: %s): most likely the tracer "
					  "crashed during the panic's unwinding (uftrace's return hooks hide "
					  "the frames from the unwinder); the panic is the program's own end. "
					  ASP_PANIC_UNWIND_ADVICE "; an mcount build does not avoid it (the "
					  "panic aborts)",
				       pws, sig, strsignal(sig), r->end_frames);
		} else if (crash_signal(sig) && panicked) {
			r->end = ASP_END_CANNOT_TELL;
			asp_buf_printf(b, "the program %s, and later died by signal %d (%s) with no panic "
					  "frame open: whether the program or the tracer crashed cannot be "
					  "told",
				       pws, sig, strsignal(sig));
		} else if (crash_signal(sig) && !e->dying_known) {
			r->end = ASP_END_CANNOT_TELL;
			asp_buf_printf(b, "the program died by signal %d (%s) with no function open in the "
					  "recording: where, and whether the program or the tracer crashed, "
					  "cannot be told",
				       sig, strsignal(sig));
		} else if (sig == SIGABRT && !std_recorded(a)) {
			r->end = ASP_END_CANNOT_TELL;
			asp_buf_printf(b, "the program died by signal %d (%s)", sig, strsignal(sig));
			where(b, r, inner, prog, dfut, e->dying_task, e->dying_tid);
			asp_buf_printf(b, "; the standard library's functions are not in the recording (an "
					  "mcount build): an abort and a panic that could not start "
					  "unwinding under uftrace (\"failed to initiate panic\") look the "
					  "same, so which it was cannot be told (if the program's output "
					  "says it panicked, record with `uftrace record -e` and no -N "
					  "filter to let the panic unwind)");
		} else if (crash_signal(sig)) {
			r->end = ASP_END_CRASHED;
			asp_buf_printf(b, "the program crashed by itself: signal %d (%s)", sig, strsignal(sig));
			where(b, r, inner, prog, dfut, e->dying_task, e->dying_tid);
			asp_buf_printf(b, "; no panic");
		} else if (kill_signal(sig)) {
			r->end = ASP_END_KILLED;
			asp_buf_printf(b, "the program was killed from outside by signal %d (%s)", sig,
				       strsignal(sig));
			if (e->dying_known)
				where(b, r, inner, prog, dfut, e->dying_task, e->dying_tid);
			if (panicked)
				asp_buf_printf(b, "; it %s earlier", pws);
		} else {
			r->end = ASP_END_CANNOT_TELL;
			asp_buf_printf(b, "the program died by signal %d (%s): whether it came from outside "
					  "cannot be told",
				       sig, strsignal(sig));
		}
	} else {
		r->end = ASP_END_CANNOT_TELL;
		asp_buf_printf(b, "info's exit status %d is not a wait status: how the program ended "
				  "cannot be told",
			       st);
	}
	asp_buf_free(&pw);
}

static bool panicked_any(const struct asp_result *r)
{
	return r->panics || r->panics_caught;
}

void end_result(struct analyzer *a, struct asp_result *r, const struct asp_info *info)
{
	const struct end_state *e = &a->end;
	int st = info->exit_status;
	bool cut = info->has_exit_status && st == -1;
	bool killed = info->has_exit_status && !cut && WIFSIGNALED(st);
	if (cut)
		r->program_exit = xstrdup("not recorded to its end (uftrace stopped first)");
	else if (killed)
		r->program_exit = xasprintf("killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (info->has_exit_status && WIFEXITED(st))
		r->program_exit = xasprintf("exit status %d", WEXITSTATUS(st));
	r->panics = e->panics;
	r->panics_caught = e->caught;
	if (e->has_first) {
		r->panic.function = e->first_fn ? xstrdup(asp_symbol_name(e->first_fn)) : NULL;
		r->panic.future = e->first_fut >= 0 ? xstrdup(a->fut_names.names[e->first_fut]) : NULL;
		r->panic.task = e->first_task;
		r->panic.tid = e->first_tid;
		r->panic.at_ns = e->first_time > a->start ? e->first_time - a->start : 0;
		r->panic.caught_only = e->first_caught_only;
	}
	r->end_frames = e->panic_frames ? xstrdup(e->panic_frames) : NULL;
	struct asp_buf b = { 0 };
	classify(a, r, info, &b);
	r->end_text = b.data;

	uint64_t u = a->unfinished;
	r->unfinished_polls = u;
	/* exit status 0, nothing else to say: no note unless a poll ran on */
	bool plain_exit = r->end == ASP_END_EXITED && !panicked_any(r) && WEXITSTATUS(st) == 0;
	if (plain_exit && !u)
		return;
	char *still = u ? xasprintf("%" PRIu64 " poll%s still running then, cut at %s thread's last "
				    "sign of life: %s",
				    u, u == 1 ? " was" : "s were", u == 1 ? "its" : "their",
				    u == 1 ? "its duration is a lower bound" : "their durations are lower bounds")
			: NULL;
	if (plain_exit)
		asp_result_add_note(r, xasprintf("the recording ended inside a poll; %s", still));
	else if (still)
		asp_result_add_note(r, xasprintf("%s; %s", r->end_text, still));
	else
		asp_result_add_note(r, xstrdup(r->end_text));
	free(still);
}
