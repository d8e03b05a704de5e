/* batch.c - analyse every run (in parallel, -j), write runs/<name>/ for
 * each, then the batch reports: summary.json, report.xlsx, charts/,
 * index.md, junit.xml (those of them the rules file's outputs: or
 * --outputs choose: the registry, report/outputs.c). A run that cannot be read is reported and skipped;
 * problems writing the output folder stop everything with status 2. The
 * charts, the slowest of the batch reports, are drawn from the moment the
 * last run is analysed, and kept only when every report can be written.
 *
 * The output folder is locked for the whole batch and every report is
 * written into its stage, then moved in together (report/outdir.h).
 * SIGTERM, SIGINT and SIGHUP are taken by a thread of their own (guard):
 * it kills the gnuplots, removes the stage, and lets the signal end the
 * process, but never while the reports are being moved in. */
#include "batch.h"
#include "cmd.h"
#include "analysis/analyze.h"
#include "analysis/ingest/summary.h"
#include "analysis/compare.h"
#include "analysis/rules.h"
#include "analysis/runname.h"
#include "analysis/util.h"
#include "analysis/verdict.h"
#include "report/batch.h"
#include "report/outdir.h"
#include "report/describe.h"
#include "report/outfile.h"
#include "report/outputs.h"
#include "report/report.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
	const char *path;    /* the recording, or the summary.json read */
	const char *arg;     /* the argument it came from */
	char *summary_file;  /* that summary.json (path), or NULL */
	char *name;
	bool is_base;
	char *out_rundir;    /* OUT/runs/NAME, where it lands (messages) */
	char *trace_final;   /* OUT/runs/NAME/trace.json */
	struct asp_result *result; /* set before the analysis when read from summary_file */
	struct asp_chrome *chrome; /* trace.json, until the run's reports are written */
	const char *label;   /* --label's, or NULL (a summary's stays) */
	char *skip_reason;   /* the run could not be read */
	char *fatal;         /* the output could not be written */
	char *json;          /* its summary.json, for the batch's */
	char *text;          /* the human summary for stdout */
	size_t text_len;
};

struct pool {
	const struct batch_opts *o;
	struct asp_outdir *od;
	const char *stage;   /* where everything is written (outdir.h) */
	const struct asp_rules *rules;
	struct job *jobs;
	size_t njobs, next, analysed, done;
	uint64_t bytes;
	pthread_mutex_t lock;
	bool progress;
	/* the batch: its runs and comparison are put together, and its charts
	 * started, by the worker that analyses the last run */
	struct asp_batch b;
	const struct asp_result **base, **news;
	size_t nb, nn;
	struct asp_charts *charts;
	char *charts_err;
	struct asp_gnuplots *gnuplots; /* started with the batch, for the charts */
	asp_output_set outputs;        /* the outputs written (report/outputs.h) */
};

/* ------------------------------------------------------------ signals */

static struct {
	pthread_mutex_t mx;          /* held while the reports are moved in */
	struct asp_outdir *_Atomic od; /* the stage to remove, until committed */
	bool committed;
	atomic_int sig;              /* the signal stopping the batch, or 0 */
	atomic_bool done;
	bool started;
	pthread_t thread;
	sigset_t set, old;
	const char *out_dir;
} guard = { .mx = PTHREAD_MUTEX_INITIALIZER };

static void *guard_main(void *arg)
{
	(void)arg;
	int sig;
	while (sigwait(&guard.set, &sig) != 0)
		;
	if (atomic_load(&guard.done) || sig == SIGUSR2)
		return NULL;
	atomic_store(&guard.sig, sig);
	pthread_mutex_lock(&guard.mx); /* not while the reports are moved in */
	asp_gnuplots_kill_all();
	asp_outdir_discard(atomic_load(&guard.od));
	fprintf(stderr, "%s: stopped by signal %d (%s); %s\n", cmd_progname, sig, strsignal(sig),
		guard.committed ? "its reports were written" : "its temporary files are removed, the output folder is as it was");
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* the interrupt signals blocked in every thread (and the gnuplots, which
 * unblock them), taken by guard_main */
static void guard_start(const char *out_dir)
{
	sigemptyset(&guard.set);
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	for (size_t i = 0; i < ASP_ARRAY_SIZE(sigs); i++) {
		/* one ignored stays so (nohup, a shell's background job) */
		struct sigaction sa;
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&guard.set, sigs[i]);
	}
	/* the wake-up of guard_stop */
	sigaddset(&guard.set, SIGUSR2);
	guard.out_dir = out_dir;
	pthread_sigmask(SIG_BLOCK, &guard.set, &guard.old);
	guard.started = pthread_create(&guard.thread, NULL, guard_main, NULL) == 0;
	if (!guard.started)
		pthread_sigmask(SIG_SETMASK, &guard.old, NULL);
}

static void guard_stop(void)
{
	if (!guard.started)
		return;
	atomic_store(&guard.done, true);
	pthread_kill(guard.thread, SIGUSR2);
	pthread_join(guard.thread, NULL);
	pthread_sigmask(SIG_SETMASK, &guard.old, NULL);
}

/* the batch is being stopped: nothing more to say or write, the guard
 * ends the process */
static void stop_if_stopping(void)
{
	if (atomic_load(&guard.sig))
		for (;;)
			pause();
}

/* out of memory: the stage goes (no allocation there), and the line names
 * the file where it would have landed */
static void guard_oom(const char *what, size_t size)
{
	struct asp_outdir *od = atomic_load(&guard.od);
	const char *tail;
	what = asp_outdir_unstage_static(od, what, &tail);
	asp_outdir_discard(od);
	asp_oom_say(what, tail, size);
}

static void lock_notice(const char *msg)
{
	cmd_error("%s", msg);
}

/* ------------------------------------------------------------ runs */

int batch_take_list(int *argc, char **argv, const char *opt, bool last_one, char ***vals,
		    size_t *n)
{
	int out = 1;
	int found = 0, uses = 0;
	for (int i = 1; i < *argc && strcmp(argv[i], "--"); i++)
		uses += !strcmp(argv[i], opt);
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			/* everything after -- is positional */
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], opt)) {
			argv[out++] = argv[i];
			continue;
		}
		found++;
		int k = i + 1;
		while (k < *argc && argv[k][0] != '-')
			k++;
		/* the last of several uses: its first value, when no `--` ends
		 * its values */
		if (last_one && uses > 1 && found == uses && k > i + 2 &&
		    !(k < *argc && !strcmp(argv[k], "--")))
			k = i + 2;
		for (int v = i + 1; v < k; v++) {
			*vals = xreallocarray(*vals, *n + 1, sizeof(char *));
			(*vals)[(*n)++] = argv[v];
		}
		if (k == i + 1)
			return -1;
		i = k - 1;
	}
	*argc = out;
	argv[out] = NULL;
	(void)found;
	return 0;
}

int batch_parse_jobs(const char *s, unsigned *jobs)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 1 || v > 256)
		return -1;
	*jobs = (unsigned)v;
	return 0;
}

static void progress(struct pool *p)
{
	if (!p->progress)
		return;
	fprintf(stderr, "\r%s: %zu/%zu runs analysed, %.1f MB read", cmd_progname, p->done,
		p->njobs, (double)p->bytes / 1e6);
	if (p->done == p->njobs)
		fputc('\n', stderr);
	fflush(stderr);
}

/* the run's analysis, trace.json written as it goes; a run read from its
 * summary.json has been read already, and has no trace.json */
static void analyse_run(struct pool *p, struct job *j)
{
	const struct batch_opts *o = p->o;
	char *err = NULL;
	char *rundir = xasprintf("%s/runs/%s", p->stage, j->name);
	char *trace_path = asp_path_join(rundir, "trace.json");
	bool trace = !j->summary_file && asp_output_on(p->outputs, "trace");
	bool dir = j->summary_file ? asp_output_on(p->outputs, "run-summary")
				   : (p->outputs & asp_outputs_in(ASP_OUTPUT_RUN)) != 0;
	asp_oom_what = j->trace_final;
	if (j->skip_reason) /* its summary.json could not be read */
		goto out;
	/* one level: a stage removed under it (an interrupt) is not made again */
	if (dir && mkdir(rundir, 0777) != 0) {
		j->fatal = xasprintf("%s: cannot create directory: %s", j->out_rundir, strerror(errno));
		goto out;
	}
	if (j->summary_file)
		goto out;
	if (trace && !(j->chrome = asp_chrome_open(trace_path, &err))) {
		j->fatal = asp_outdir_unstage(p->od, err);
		goto out;
	}
	struct asp_span_sink sink = trace ? asp_chrome_sink(j->chrome) : (struct asp_span_sink){ 0 };
	struct asp_analyze_opts ao = {
		.rules = p->rules, .runtime = o->runtime, .name = j->name, .sink = trace ? &sink : NULL,
		.warn = cmd_warn,
	};
	j->result = asp_analyze(j->path, &ao, &err);
	if (!j->result) {
		asp_chrome_abort(j->chrome);
		j->chrome = NULL;
		rmdir(rundir); /* nothing else was written there */
		j->skip_reason = err;
	}
out:
	asp_oom_what = p->o->out_dir;
	free(trace_path);
	free(rundir);
}

/* the run's reports: summary.json and the text while trace.json's writer
 * catches up, then trace.json */
static void finish_run(struct pool *p, struct job *j)
{
	if (!j->result)
		return;
	if (j->label) {
		free(j->result->label);
		j->result->label = xstrdup(j->label);
	}
	const struct batch_opts *o = p->o;
	char *err = NULL;
	char *rundir = xasprintf("%s/runs/%s", p->stage, j->name);
	char *summary_path = asp_path_join(rundir, "summary.json");
	asp_oom_what = j->trace_final;
	if (asp_output_on(p->outputs, "run-summary") &&
	    asp_summary_write(summary_path, j->result, p->rules, &j->json, &err) < 0) {
		asp_chrome_abort(j->chrome);
		j->fatal = asp_outdir_unstage(p->od, err);
		goto out;
	}
	FILE *mem = open_memstream(&j->text, &j->text_len);
	if (mem) {
		asp_summary_print(mem, j->result, o->top);
		if (!o->quiet) {
			char *shown = asp_show(j->out_rundir, ASP_SHOW_CONTROLS);
			fprintf(mem, "  -> %s/\n", shown);
			free(shown);
		}
		fputc('\n', mem);
		fclose(mem);
	}
	if (j->chrome && asp_chrome_finish(j->chrome, j->result, &err) < 0)
		j->fatal = asp_outdir_unstage(p->od, err);
out:
	asp_oom_what = p->o->out_dir;
	j->chrome = NULL;
	free(summary_path);
	free(rundir);
}

/* every run analysed: the batch's runs in argument order, the comparison,
 * and the charts started */
static void assemble(struct pool *p)
{
	const struct batch_opts *o = p->o;
	struct asp_batch *b = &p->b;
	b->runs = xcalloc(p->njobs, sizeof(*b->runs));
	b->run_json = xcalloc(p->njobs, sizeof(*b->run_json));
	p->base = xcalloc(p->njobs, sizeof(*p->base));
	p->news = xcalloc(p->njobs, sizeof(*p->news));
	for (size_t i = 0; i < p->njobs; i++) {
		struct job *j = &p->jobs[i];
		if (!j->result)
			continue;
		b->runs[b->nruns++] = j->result;
		if (j->is_base)
			p->base[p->nb++] = j->result;
		else
			p->news[p->nn++] = j->result;
	}
	if (o->nbase && p->nb && p->nn)
		b->cmp = asp_compare(p->base, p->nb, p->news, p->nn, p->rules);
	char *dir = asp_path_join(p->stage, "charts");
	if (asp_output_on(p->outputs, "charts") && !atomic_load(&guard.sig)) {
		p->charts = asp_charts_start(b, dir, p->gnuplots, &p->charts_err);
		p->charts_err = asp_outdir_unstage(p->od, p->charts_err);
	}
	free(dir);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	asp_oom_what = p->o->out_dir; /* between runs: the batch's folder */
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (p->next >= p->njobs || atomic_load(&guard.sig)) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		struct job *j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->lock);
		analyse_run(p, j);
		pthread_mutex_lock(&p->lock);
		bool last = ++p->analysed == p->njobs;
		pthread_mutex_unlock(&p->lock);
		if (last)
			assemble(p);
		finish_run(p, j);
		pthread_mutex_lock(&p->lock);
		p->done++;
		if (j->result)
			p->bytes += j->result->data_bytes;
		progress(p);
		pthread_mutex_unlock(&p->lock);
	}
}

/* the exit status (cmd.h) of the batch's verdict */
static int verdict_exit(enum asp_batch_status s)
{
	switch (s) {
	case ASP_BATCH_PASS: return ASP_EXIT_OK;
	case ASP_BATCH_FAIL: return ASP_EXIT_FINDINGS;
	default: return ASP_EXIT_USAGE;
	}
}

/* the path of a batch report in the stage, and where it lands (the name
 * out-of-memory gives) */
static char *report_path(const struct asp_batch *b, const char *out_dir, const char *name,
			 char **final)
{
	free(*final);
	*final = asp_path_join(out_dir, name);
	asp_oom_what = *final;
	return asp_path_join(b->out_dir, name);
}

/* the charts drawn in the background (started by assemble, or NULL and
 * charts_err) kept when keep, their error told: -1 and *err when the
 * output folder failed, 0 else (gnuplot's own failure is a warning, and
 * index.md says which charts are missing) */
static int finish_charts(struct asp_batch *b, struct asp_outdir *od, struct asp_charts *charts,
			 char *charts_err, bool keep, char **err)
{
	char *skipped = NULL, *cerr = NULL;
	int crc = charts ? asp_charts_finish(charts, keep, &skipped, &b->charts, &b->ncharts, &cerr)
			 : -1;
	if (skipped) {
		skipped = asp_outdir_unstage(od, skipped);
		cmd_error("%s", skipped);
		free(skipped);
	}
	if (!charts) { /* charts/ could not be made */
		cerr = charts_err;
		charts_err = NULL;
	}
	cerr = asp_outdir_unstage(od, cerr);
	int rc = 0;
	if (keep && crc == ASP_CHARTS_GNUPLOT_FAILED) {
		/* charts gnuplot could not draw are left out, as without gnuplot:
		 * the verdict stands and the other reports are written */
		cmd_warning("%s (index.md shows the charts drawn)", cerr);
		b->charts_failed = cerr;
	} else if (keep && crc < 0) {
		rc = crc;
		*err = cerr;
	} else {
		free(cerr);
	}
	free(charts_err);
	return rc;
}

/* the batch reports chosen (outputs), into the stage (b->out_dir), in the
 * registry's order (report/outputs.c); the charts are kept once the
 * reports before them are written */
static int write_batch(struct asp_batch *b, struct asp_outdir *od, const char *out_dir,
		       asp_output_set outputs, struct asp_charts *charts, char *charts_err)
{
	char *err = NULL, *final = NULL;
	bool charts_done = !asp_output_on(outputs, "charts");
	int rc = 0;
	for (size_t i = 0; i < asp_noutputs && rc == 0; i++) {
		const struct asp_output *w = &asp_outputs[i];
		if (!(outputs & ((asp_output_set)1 << i)))
			continue;
		if (w->scope == ASP_OUTPUT_DRAWN) {
			asp_oom_what = out_dir;
			rc = finish_charts(b, od, charts, charts_err, true, &err);
			charts_done = true;
		} else if (w->scope == ASP_OUTPUT_BATCH) {
			char *path = report_path(b, out_dir, w->path, &final);
			rc = w->write(b, path, &err);
			free(path);
		}
	}
	if (!charts_done) /* a report before them failed: they go */
		finish_charts(b, od, charts, charts_err, false, &err);
	asp_oom_what = out_dir;
	free(final);
	if (rc < 0) {
		stop_if_stopping();
		err = asp_outdir_unstage(od, err);
		cmd_error("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* the stage moved into the output folder, unless a signal is stopping
 * the batch */
static int commit_batch(struct asp_outdir *od, int status)
{
	char *err = NULL;
	pthread_mutex_lock(&guard.mx);
	if (atomic_load(&guard.sig)) {
		pthread_mutex_unlock(&guard.mx);
		stop_if_stopping();
	}
	int rc = asp_outdir_commit(od, status, &err);
	guard.committed = rc == 0;
	pthread_mutex_unlock(&guard.mx);
	if (rc < 0) {
		cmd_error("%s", err);
		free(err);
	}
	return rc;
}

/* "report.html, index.md, summary.json, ..., runs/, manifest.json": what
 * the batch wrote, for the last line */
static char *outputs_written(asp_output_set outputs)
{
	/* the order people look at them: the page, the data, the folders */
	static const char *const shown[] = { "html", "index", "summary", "xlsx", "junit" };
	struct asp_buf b = { 0 };
	for (size_t k = 0; k < ASP_ARRAY_SIZE(shown); k++)
		if (asp_output_on(outputs, shown[k]))
			asp_buf_printf(&b, "%s, ", asp_output_find(shown[k])->path);
	for (size_t i = 0; i < asp_noutputs; i++) {
		const struct asp_output *w = &asp_outputs[i];
		bool listed = false;
		for (size_t k = 0; k < ASP_ARRAY_SIZE(shown); k++)
			listed |= !strcmp(w->name, shown[k]);
		if ((outputs & ((asp_output_set)1 << i)) && !listed && w->scope != ASP_OUTPUT_RUN)
			asp_buf_printf(&b, "%s, ", w->path);
	}
	if (outputs & asp_outputs_in(ASP_OUTPUT_RUN))
		asp_buf_printf(&b, "runs/, ");
	asp_buf_printf(&b, "manifest.json");
	return b.data;
}

static struct job *new_job(struct pool *p, const char *path, bool is_base)
{
	p->jobs = xreallocarray(p->jobs, p->njobs + 1, sizeof(*p->jobs));
	struct job *j = &p->jobs[p->njobs++];
	memset(j, 0, sizeof(*j));
	j->path = path;
	j->is_base = is_base;
	return j;
}

/* a job per run of the arguments, base first: a recording, or each run of
 * a summary.json (a run's, or a batch's) or of the output folder holding
 * it; a summary that cannot be read is a job skipped with the reason.
 * Returns the runs read from summaries. */
static size_t add_jobs(struct pool *p, const struct batch_opts *o)
{
	size_t read = 0;
	for (size_t i = 0; i < o->nbase + o->nruns; i++) {
		bool is_base = i < o->nbase;
		const char *path = is_base ? o->base[i] : o->runs[i - o->nbase];
		char *file = asp_summary_file(path);
		if (!file) {
			new_job(p, path, is_base)->arg = path;
			continue;
		}
		struct asp_result **runs;
		size_t n;
		char *err = NULL;
		if (asp_summary_read(file, &runs, &n, &err) < 0) {
			struct job *j = new_job(p, file, is_base);
			j->arg = path;
			j->summary_file = file;
			/* "FILE: what": the report names the file beside the reason */
			size_t fl = strlen(file);
			j->skip_reason = xstrdup(!strncmp(err, file, fl) && !strncmp(err + fl, ": ", 2)
							 ? err + fl + 2 : err);
			free(err);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct job *j = new_job(p, file, is_base);
			j->arg = path;
			j->summary_file = k ? xstrdup(file) : file;
			j->result = runs[k];
			j->path = j->summary_file;
		}
		if (!n)
			free(file);
		free(runs);
		read += n;
	}
	return read;
}

/* a run read from its summary.json keeps the findings and slow polls of
 * the rules it was analysed with: said once per file when their
 * thresholds are not this batch's */
static void warn_other_rules(const struct pool *p)
{
	const struct asp_rules *r = p->rules;
	const char *said = NULL;
	for (size_t i = 0; i < p->njobs; i++) {
		const struct job *j = &p->jobs[i];
		const struct asp_rules_used *u = j->result ? j->result->rules_used : NULL;
		if (!u || u->none || (said && !strcmp(said, j->summary_file)))
			continue;
		if (u->warning_ns == r->warning_ns && u->error_ns == r->error_ns &&
		    u->slow_poll_ns == r->slow_poll_ns && u->long_delay_ns == r->sched_long_ns)
			continue;
		char *shown = asp_show(j->summary_file, ASP_SHOW_CONTROLS);
		cmd_warning("%s: analysed with other thresholds than this batch's rules "
			    "(blocking, slow_poll, scheduling.long_delay): its findings stay as "
			    "found; analyse every run with the same rules file", shown);
		free(shown);
		said = j->summary_file;
	}
}

struct asp_rules *batch_rules(const char *rules_path, const char *runtimes_path,
			      const char *rule_list, const char *runtime)
{
	char *err = NULL;
	struct asp_rules *rules = rules_path ? asp_rules_load(rules_path, &err) : asp_rules_default();
	if (!rules || (runtimes_path && asp_rules_load_runtimes(rules, runtimes_path, &err) < 0)) {
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return NULL;
	}
	if (rule_list && asp_rules_select(rules, rule_list, &err) < 0) {
		cmd_error("--rules: %s", err);
		free(err);
		asp_rules_free(rules);
		return NULL;
	}
	if (runtime && strcmp(runtime, "auto") && !asp_rules_profile(rules, runtime)) {
		cmd_error("--runtime: unknown runtime '%s'", runtime);
		asp_rules_free(rules);
		return NULL;
	}
	return rules;
}

int batch_run(const struct batch_opts *o)
{
	char *err = NULL;
	struct asp_rules *rules = batch_rules(o->rules_path, o->runtimes_path, o->rule_list, o->runtime);
	if (!rules)
		return ASP_EXIT_USAGE;
	char **args = xcalloc(o->nbase + o->nruns + 1, sizeof(*args));
	for (size_t i = 0; i < o->nbase + o->nruns; i++)
		args[i] = i < o->nbase ? o->base[i] : o->runs[i - o->nbase];
	int labels_ok = batch_labels_check(o->labels, o->nlabels, args, o->nbase + o->nruns);
	free(args);
	if (labels_ok < 0) {
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	asp_output_set outputs;
	if (asp_outputs_choose(rules, o->outputs, &outputs, &err) < 0) {
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	if (asp_mkdir_p(o->out_dir, &err) < 0 ||
	    (access(o->out_dir, W_OK | X_OK) < 0 &&
	     asp_fail(&err, "%s: %s", o->out_dir, strerror(errno)) < 0)) {
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		return ASP_EXIT_USAGE;
	}
	guard_start(o->out_dir);
	struct asp_outdir *od = asp_outdir_open(o->out_dir, o->lock_wait_set ? o->lock_wait : BATCH_LOCK_WAIT_S,
						lock_notice, &err);
	if (!od) {
		stop_if_stopping();
		cmd_error("%s", err);
		free(err);
		asp_rules_free(rules);
		guard_stop();
		return ASP_EXIT_USAGE;
	}
	atomic_store(&guard.od, od);
	/* an earlier batch's copies of the outputs not written go at the commit */
	const char *not_written[32];
	size_t nnot = 0;
	for (size_t i = 0; i < asp_noutputs && nnot < ASP_ARRAY_SIZE(not_written); i++)
		if (!(outputs & ((asp_output_set)1 << i)))
			not_written[nnot++] = asp_outputs[i].files;
	asp_outdir_not_written(od, not_written, nnot);
	asp_oom_hook(guard_oom);
	asp_oom_what = o->out_dir;

	struct pool p = { .o = o, .od = od, .stage = asp_outdir_stage(od), .rules = rules,
			  .b = { .rules = rules, .out_dir = asp_outdir_stage(od),
				 .outputs_off = asp_outputs_all() & ~outputs },
			  .outputs = outputs };
	size_t from_summaries = add_jobs(&p, o);
	warn_other_rules(&p);
	const char **paths = xcalloc(p.njobs ? p.njobs : 1, sizeof(*paths));
	const char **given = xcalloc(p.njobs ? p.njobs : 1, sizeof(*given));
	for (size_t i = 0; i < p.njobs; i++) {
		paths[i] = p.jobs[i].path;
		given[i] = p.jobs[i].result ? p.jobs[i].result->name : NULL;
	}
	char **names = asp_run_names(paths, given, p.njobs);
	free(given);
	if (from_summaries && asp_output_on(outputs, "trace") && !o->quiet)
		cmd_error("note: %zu run%s read from %s summary.json: no trace.json for %s (it "
			  "needs the recording)", from_summaries, from_summaries == 1 ? "" : "s",
			  from_summaries == 1 ? "its" : "their", from_summaries == 1 ? "it" : "them");
	for (size_t i = 0; i < p.njobs; i++) {
		struct job *j = &p.jobs[i];
		j->name = names[i]; /* its folder in runs/, unique in the batch */
		if (j->result) { /* a summary's run is named as its folder */
			free(j->result->name);
			j->result->name = xstrdup(j->name);
		}
		j->label = batch_label_for(o->labels, o->nlabels, p.njobs, j->arg, j->name);
		j->out_rundir = xasprintf("%s/runs/%s", o->out_dir, j->name);
		j->trace_final = asp_path_join(j->out_rundir, "trace.json");
		paths[i] = j->arg;
	}
	batch_labels_unused(o->labels, o->nlabels, paths, names, p.njobs);
	free(paths);
	free(names);
	p.progress = !o->quiet && isatty(STDERR_FILENO);
	/* a gnuplot per chart of the likely kinds (a histogram per run, two
	 * trends), at most one per CPU: started now, they are ready to draw
	 * once the last run is analysed */
	if (asp_output_on(outputs, "charts"))
		p.gnuplots = asp_gnuplots_start(p.njobs + (p.njobs >= 2 ? 2 : 0));
	pthread_mutex_init(&p.lock, NULL);
	unsigned nthreads = o->jobs ? o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > p.njobs)
		nthreads = (unsigned)p.njobs;
	pthread_t *tids = xcalloc(nthreads, sizeof(*tids));
	unsigned started = 0;
	for (unsigned i = 1; i < nthreads; i++)
		if (asp_thread_create(&tids[i], worker, &p) == 0)
			started = i;
		else
			break;
	worker(&p);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	pthread_mutex_destroy(&p.lock);
	stop_if_stopping(); /* the runs stopped early: nothing to tell */

	/* results in argument order (assemble put the batch's runs in it) */
	int status = ASP_EXIT_OK;
	bool fatal = false;
	struct asp_batch *b = &p.b;
	bool *judged = xcalloc(p.njobs, sizeof(*judged)); /* per run of b->runs */
	for (size_t i = 0, k = 0; i < p.njobs; i++) {
		struct job *j = &p.jobs[i];
		if (j->result) {
			judged[k] = !j->is_base || !o->nbase;
			b->run_json[k++] = j->json;
		}
		if (j->fatal) {
			cmd_error("%s", j->fatal);
			fatal = true;
			continue;
		}
		if (j->skip_reason) {
			cmd_error("%s: skipped: %s", j->path, j->skip_reason);
			b->skipped = xreallocarray(b->skipped, b->nskipped + 1, sizeof(*b->skipped));
			b->skipped[b->nskipped].path = xstrdup(j->path);
			b->skipped[b->nskipped].reason = xstrdup(j->skip_reason);
			b->nskipped++;
			continue;
		}
		if (j->text)
			fwrite(j->text, 1, j->text_len, stdout);
	}
	if (b->cmp)
		asp_comparison_print(stdout, b->cmp, o->top);
	else if (o->nbase && !fatal)
		cmd_error("no comparison: %s", p.nb ? "no new run could be read" : "no baseline run could be read");

	/* the verdict (analysis/verdict.h); a run whose output could not be
	 * written stops the batch before any report shows it */
	struct asp_batch_verdict verdict;
	struct asp_batch_input in = {
		.rules = rules, .runs = (const struct asp_result *const *)b->runs, .nruns = b->nruns,
		.judged = judged, .cmp = b->cmp, .nskipped = b->nskipped,
		.cmp_missing = o->nbase && !b->cmp,
	};
	asp_batch_verdict_judge(&in, &verdict);
	free(judged);
	b->verdict = &verdict;
	b->status = (int)verdict.status;
	b->status_reason = verdict.reason;
	status = fatal ? ASP_EXIT_USAGE : verdict_exit(verdict.status);
	if (fatal) { /* the output folder stays as it was */
		asp_charts_finish(p.charts, false, NULL, NULL, NULL, NULL);
		free(p.charts_err);
	} else if (write_batch(b, od, o->out_dir, outputs, p.charts, p.charts_err) < 0 ||
		   commit_batch(od, status) < 0) {
		status = ASP_EXIT_USAGE;
	} else if (!o->quiet) {
		char *written = outputs_written(outputs);
		cmd_error("reports in %s/ (%s)", o->out_dir, written);
		free(written);
	}
	asp_gnuplots_stop(p.gnuplots);
	/* the lock goes last: a stage not committed is removed first */
	pthread_mutex_lock(&guard.mx);
	atomic_store(&guard.od, NULL);
	pthread_mutex_unlock(&guard.mx);
	asp_outdir_close(od);
	asp_oom_hook(NULL);
	asp_oom_what = NULL;
	guard_stop();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("stdout: %s", strerror(errno ? errno : EIO));
		status = ASP_EXIT_USAGE;
	}

	asp_comparison_free(b->cmp);
	for (size_t i = 0; i < b->nskipped; i++) {
		free(b->skipped[i].path);
		free(b->skipped[i].reason);
	}
	free(b->skipped);
	asp_batch_verdict_free(&verdict);
	for (size_t i = 0; i < b->ncharts; i++)
		free(b->charts[i]);
	free(b->charts);
	free(b->charts_failed);
	free(b->runs);
	free(b->run_json);
	free(p.base);
	free(p.news);
	for (size_t i = 0; i < p.njobs; i++) {
		asp_result_free(p.jobs[i].result);
		free(p.jobs[i].summary_file);
		free(p.jobs[i].name);
		free(p.jobs[i].out_rundir);
		free(p.jobs[i].trace_final);
		free(p.jobs[i].skip_reason);
		free(p.jobs[i].fatal);
		free(p.jobs[i].text);
		free(p.jobs[i].json);
	}
	free(p.jobs);
	asp_rules_free(rules);
	return status;
}

/* "  TITLE  a, b, c" wrapped under the title's column */
static void help_list(FILE *out, const char *title, const char *const *names, size_t n)
{
	int col = fprintf(out, "  %-24s", title);
	size_t at = (size_t)col;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]) + (i + 1 < n);
		if (i && at + 1 + len > 79) {
			fprintf(out, "\n%*s", col, "");
			at = (size_t)col;
		} else if (i) {
			at += (size_t)fprintf(out, " ");
		}
		at += (size_t)fprintf(out, "%s%s", names[i], i + 1 < n ? "," : "");
	}
	fputc('\n', out);
}

void batch_help_names(FILE *out)
{
	const char *names[64];
	size_t n = 0;
	fprintf(out, "\nNames:\n");
	for (size_t i = 0; i < asp_nrules && n < ASP_ARRAY_SIZE(names); i++)
		names[n++] = asp_rule_table[i].name;
	help_list(out, "rules (--rules)", names, n);
	n = 0;
	for (size_t i = 0; i < asp_noutputs && n < ASP_ARRAY_SIZE(names); i++)
		names[n++] = asp_outputs[i].name;
	help_list(out, "outputs (--outputs)", names, n);
	struct asp_rules *r = asp_rules_default();
	n = 0;
	names[n++] = "auto";
	for (size_t i = 0; i < r->nprofiles && n < ASP_ARRAY_SIZE(names); i++)
		names[n++] = r->profiles[i].name;
	help_list(out, "runtimes (--runtime)", names, n);
	asp_rules_free(r);
}

/* ------------------------------------------------------------ labels */

/* s[0..n) without its trailing slashes: *n shortened */
static void trim_slashes(const char *s, size_t *n)
{
	while (*n > 1 && s[*n - 1] == '/')
		(*n)--;
}

/* RUN of RUN=LABEL (run[0..n)) names the argument arg: arg as given, its
 * last path segment, or the run's name */
static bool names_run(const char *run, size_t n, const char *arg, const char *name)
{
	trim_slashes(run, &n);
	size_t an = strlen(arg);
	trim_slashes(arg, &an);
	size_t s = an;
	while (s && arg[s - 1] != '/')
		s--;
	return (an == n && !strncmp(arg, run, n)) ||
	       (an - s == n && !strncmp(arg + s, run, n)) ||
	       (name && strlen(name) == n && !strncmp(name, run, n));
}

/* the LABEL of l = RUN=LABEL when RUN names the argument, else NULL */
static const char *label_of(const char *l, const char *arg, const char *name)
{
	for (const char *eq = strchr(l, '='); eq; eq = strchr(eq + 1, '='))
		if (eq > l && names_run(l, (size_t)(eq - l), arg, name))
			return eq + 1;
	return NULL;
}

const char *batch_label_for(const char *const *labels, size_t nlabels, size_t nruns,
			    const char *arg, const char *name)
{
	const char *found = NULL;
	for (size_t i = 0; i < nlabels; i++) {
		const char *l = label_of(labels[i], arg, name);
		if (l)
			found = l;
		else if (nruns == 1) /* LABEL, or a label with '=' of its own */
			found = labels[i];
	}
	return found && *found ? found : NULL;
}

/* is arg a file (a summary.json, which may hold several runs)? */
static bool is_file(const char *arg)
{
	struct stat st;
	return stat(arg, &st) == 0 && S_ISREG(st.st_mode);
}

int batch_labels_check(const char *const *labels, size_t nlabels, char *const *args, size_t nargs)
{
	bool summaries = false;
	for (size_t k = 0; k < nargs; k++)
		summaries |= is_file(args[k]);
	for (size_t i = 0; i < nlabels; i++) {
		bool named = false;
		for (size_t k = 0; k < nargs && !named; k++)
			named = label_of(labels[i], args[k], NULL) != NULL;
		/* RUN may be a run of a summary: said once the runs are known */
		if (named || nargs == 1 || (summaries && strchr(labels[i], '=')))
			continue;
		if (!strchr(labels[i], '='))
			cmd_error("--label '%s': with more than one run, give RUN=LABEL", labels[i]);
		else
			cmd_error("--label '%s': no run of that name among the runs given", labels[i]);
		return -1;
	}
	return 0;
}

void batch_labels_unused(const char *const *labels, size_t nlabels, const char *const *args,
			 char *const *names, size_t n)
{
	for (size_t i = 0; i < nlabels && n > 1; i++) {
		bool named = !strchr(labels[i], '=');
		for (size_t k = 0; k < n && !named; k++)
			named = label_of(labels[i], args[k], names[k]) != NULL;
		if (!named)
			cmd_warning("--label '%s': no run of that name among the runs given; not used",
				    labels[i]);
	}
}
