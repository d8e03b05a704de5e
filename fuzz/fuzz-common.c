/* fuzz-common.c - the scratch recording and the reading walk shared by the
 * fuzz targets (see fuzz.h). */
#include "fuzz/fuzz.h"
#include "analysis/ingest/fold.h"
#include "analysis/ingest/ingest-private.h"
#include "analysis/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_FIXED_DIR
#define FUZZ_FIXED_DIR "fuzz/fixed"
#endif

static char scratch[4096];

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz: %s: %s: %s\n", what, path, strerror(errno));
	abort();
}

static void remove_scratch(void)
{
	DIR *d = opendir(scratch);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = asp_path_join(scratch, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(scratch);
}

void fz_write(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = asp_path_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open", path);
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write", path);
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	free(path);
}

const char *fz_setup(const char *name, const char *skip)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(scratch, sizeof(scratch), "%s/asprof-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		die("mkdtemp", scratch);
	atexit(remove_scratch);
	if (!name)
		return scratch;
	const char *fixed = getenv("FUZZ_FIXED");
	char *src = asp_path_join(fixed && *fixed ? fixed : FUZZ_FIXED_DIR, name);
	DIR *d = opendir(src);
	if (!d)
		die("opendir (set FUZZ_FIXED to fuzz/fixed)", src);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (skip && !strcmp(de->d_name, skip)))
			continue;
		char *p = asp_path_join(src, de->d_name);
		size_t len;
		char *buf = asp_read_file(p, &len, NULL);
		if (!buf)
			die("read", p);
		fz_write(scratch, de->d_name, buf, len);
		free(buf);
		free(p);
	}
	closedir(d);
	free(src);
	return scratch;
}

void fz_check_message(const char *msg, const char *what)
{
	if (!msg) {
		fprintf(stderr, "fuzz: failure without a message\n");
		abort();
	}
	if (strchr(msg, '\n')) {
		fprintf(stderr, "fuzz: message of more than one line: %s\n", msg);
		abort();
	}
	if (what && !strstr(msg, what)) {
		fprintf(stderr, "fuzz: message does not name %s: %s\n", what, msg);
		abort();
	}
}

static const char *walk_dir;

static void on_warning(void *ctx, const char *msg)
{
	(void)ctx;
	fz_check_message(msg, walk_dir);
}

static volatile uint64_t sink; /* keeps the reads below from being optimised out */

static struct asp_trace *walk_trace;

static void consume(const struct asp_event *ev)
{
	uint64_t h = ev->time ^ ev->addr ^ ev->depth;
	if (ev->sym) {
		h += strlen(asp_symbol_name(ev->sym)) + strlen(ev->sym->mangled);
		h += strlen(ev->sym->mod->path);
		const char *src = asp_trace_srcline(walk_trace, ev->sym); /* its .dbg */
		h += src ? strlen(src) : 0;
	}
	/* every byte the event claims must be readable (ASan checks) */
	for (uint32_t i = 0; ev->data && i < ev->data_len; i++)
		h += ev->data[i];
	char *args = asp_event_format_args(ev);
	if (args) {
		h += strlen(args);
		free(args);
	}
	uint64_t v;
	if (asp_event_arg1(ev, &v))
		h += v;
	sink += h;
}

static bool fold_plain(void *ctx, const struct asp_symbol *sym)
{
	(void)ctx;
	return strlen(sym->mangled) % 2 == 0;
}

void fz_walk(const char *dir)
{
	char *err = NULL;
	walk_dir = dir;
	struct asp_trace *t = asp_trace_open(dir, on_warning, NULL, &err);
	if (!t) {
		fz_check_message(err, dir);
		free(err);
		return;
	}
	walk_trace = t;
	const struct asp_info *info = asp_trace_info(t);
	sink += info->version + info->ntids + (info->exename ? strlen(info->exename) : 0);
	struct asp_event ev;
	int rc;
	for (size_t i = 0; i < asp_trace_nthreads(t); i++) {
		struct asp_reader *r = asp_reader_open(t, i, &err);
		if (!r) {
			fz_check_message(err, dir);
			free(err);
			err = NULL;
			continue;
		}
		while ((rc = asp_reader_next(r, &ev, &err)) > 0)
			consume(&ev);
		if (rc < 0) {
			fz_check_message(err, dir);
			free(err);
			err = NULL;
		}
		sink += asp_reader_count(r);
		asp_reader_close(r);
	}
	struct asp_merger *m = asp_merger_open(t, &err);
	if (m) {
		uint64_t last = 0;
		while ((rc = asp_merger_next(m, &ev, &err)) > 0) {
			consume(&ev);
			last = ev.time;
		}
		sink += last;
		asp_merger_close(m);
	}
	if (err) {
		fz_check_message(err, dir);
		free(err);
		err = NULL;
	}
	/* the analysis' path: the same merge on the decoder thread */
	struct asp_stream *st = asp_stream_open(t, &err);
	if (st) {
		const struct asp_rec *recs;
		const struct asp_event *one;
		size_t n, thread;
		while ((rc = asp_stream_next(st, &recs, &n, &thread, &one, &err)) > 0) {
			if (one) {
				consume(one);
				continue;
			}
			for (size_t i = 0; i < n; i++)
				sink += recs[i].time + recs[i].depth + (recs[i].sym ? 1 : 0);
		}
		asp_stream_close(st);
	}
	if (err) {
		fz_check_message(err, dir);
		free(err);
		err = NULL;
	}
	/* the analysis' other path: the folding readers, with every other
	 * symbol plain (by its name's length) */
	struct asp_fold *f = asp_fold_open(t, fold_plain, NULL, &err);
	if (f) {
		struct asp_fold_run run;
		while ((rc = asp_fold_next(f, &run, &err)) > 0)
			for (size_t i = 0; i < run.n; i++) {
				const struct asp_fold_item *it = &run.items[i];
				sink += it->time + it->depth + (it->sym ? strlen(it->sym->mangled) : 0);
				if (it->kind == ASP_FOLD_EVENT)
					consume(&run.events[it->aux].ev);
				else if (it->kind == ASP_FOLD_CALL)
					sink += run.calls[it->aux].dur + run.calls[it->aux].deep_dur;
				else if (it->kind == ASP_FOLD_OPEN && it->aux != ASP_FOLD_NONE)
					sink += run.kids[it->aux].n;
			}
		if (rc == 0)
			for (size_t i = 0; i < asp_trace_nthreads(t); i++) {
				struct asp_fold_totals tot;
				asp_fold_totals(f, i, &tot);
				sink += tot.records + tot.last + tot.max;
			}
		asp_fold_close(f);
	}
	if (err) {
		fz_check_message(err, dir);
		free(err);
		err = NULL;
	}
	/* addresses around every module of the fixed recordings */
	static const uint64_t bases[] = { 0x555500000000ULL, 0x7f0000000000ULL, 0x7f1000000000ULL,
					  0x562482478000ULL, 0x7f5c56768000ULL };
	int tid = asp_trace_nthreads(t) ? asp_trace_thread_tid(t, 0) : 0;
	uint64_t start = asp_trace_start_time(t);
	for (size_t b = 0; b < ASP_ARRAY_SIZE(bases); b++)
		for (uint64_t off = 0; off < 0x2000; off += 0x80) {
			const struct asp_symbol *s = asp_trace_lookup(t, tid, start + off, bases[b] + off);
			if (s)
				sink += strlen(asp_symbol_name(s));
		}
	sink += asp_trace_nsymbols(t) + asp_trace_data_bytes(t);
	asp_trace_close(t);
}
