/* open.c - a recording opened: info (info.c) and its argument specs
 * (argspec.c), task.txt and the sessions' maps (sessions.c, which load
 * symbols through symbols.c), the thread files (trace.c), the times a
 * record can have, and perf-cpu*.dat (perf.c), in that order; and all of
 * it freed at the end. */
#include "ingest-private.h"
#include "analysis/util.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The times a record of this recording can have. It starts at its first
 * session (task.txt's SESS line, written at the program's start, before
 * any record of it) and ends with info's elapsed_time (uftrace's own
 * measure of the whole recording, begun before the program started) after
 * that, a second more of slack: a record outside is dropped (judge_time).
 * Without an elapsed_time there is no end; each record's neighbours are
 * the judges then. Scheduler events are read within the same bounds. */
static void set_time_limit(struct asp_trace *t)
{
	t->time_lo = t->nsess ? t->sess[0].time : 0;
	t->time_limit = UINT64_MAX;
	t->has_elapsed = false;
	const char *e = t->info.elapsed_time;
	if (!e)
		return;
	char *end;
	double sec = strtod(e, &end);
	if (end == e || !(sec >= 0) || sec > 1e8)
		return;
	double limit = (double)t->time_lo + (sec + 1) * 1e9;
	if (limit < 1.8e19) {
		t->time_limit = (uint64_t)limit;
		t->has_elapsed = true;
	}
}

struct asp_trace *asp_trace_open(const char *dir, asp_warn_fn warn, void *warn_ctx, char **err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		asp_fail(err, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		asp_fail(err, "%s: not a directory (expected a uftrace data directory)", dir);
		return NULL;
	}
	struct asp_trace *t = xcalloc(1, sizeof(*t));
	t->dir = xstrdup(dir);
	t->warn = warn;
	t->warn_ctx = warn_ctx;
	if (read_info(t, err) < 0) {
		asp_trace_close(t);
		return NULL;
	}
	/* before task.txt: its DLOP lines load symbols, which take their
	 * argument layouts from the filters */
	if (t->info.feat_mask & (ASP_FEAT_ARGUMENT | ASP_FEAT_RETVAL)) {
		add_filters(t, t->info.argspec);
		add_filters(t, t->info.retspec);
		if (t->info.auto_args) {
			add_filters(t, t->info.argauto);
			add_filters(t, t->info.retauto);
		}
	}
	if (read_task_txt(t, err) < 0 || find_threads(t, err) < 0) {
		asp_trace_close(t);
		return NULL;
	}
	set_time_limit(t);
	read_perf_events(t);
	return t;
}

void asp_trace_close(struct asp_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmods; i++) {
		struct asp_module *m = t->mods[i];
		for (size_t k = 0; k < m->nsyms; k++) {
			free((char *)m->syms[k].mangled);
			free(m->syms[k].name_);
		}
		free(m->syms);
		module_free_srclines(m);
		free(m->path);
		free(m->basename);
		free(m->build_id);
		free(m);
	}
	free(t->mods);
	for (size_t i = 0; i < t->nsess; i++) {
		free(t->sess[i].sid);
		free(t->sess[i].exename);
		free(t->sess[i].maps);
	}
	free(t->sess);
	free(t->tasks);
	for (size_t i = 0; i < t->nthreads; i++)
		free(t->datpaths[i]);
	free(t->datpaths);
	free(t->datbytes);
	free(t->thread_end);
	free(t->sw);
	free(t->sw_at);
	free(t->threads);
	for (size_t i = 0; i < t->nfilters; i++) {
		if (t->filters[i].kind == PATT_REGEX)
			regfree(&t->filters[i].re);
		free(t->filters[i].pattern);
		asp_fn_args_free(&t->filters[i].fa);
	}
	free(t->filters);
	for (size_t i = 0; i < t->nlayouts; i++) {
		asp_fn_args_free(t->layouts[i]);
		free(t->layouts[i]);
	}
	free(t->layouts);
	free(t->cache);
	if (t->threaded) {
		pthread_mutex_destroy(&t->lookup_lock);
		pthread_mutex_destroy(&t->warn_lock);
	}
	free_info(&t->info);
	free(t->dir);
	free(t);
}
