/* trace.c - a recording's thread files (<tid>.dat: which there are, each
 * one once), what the recording hands out, and its warnings. */
#include "ingest-private.h"
#include "analysis/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* up to this many threads, and an eighth of the descriptor limit, each
 * reader keeps its file open; beyond, a reader opens its file for a refill
 * only (a program that ran thousands of threads would need a descriptor per
 * thread while their records merge) */
#define READ_KEEP_FDS 256

void warnf(struct asp_trace *t, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (t->threaded)
		pthread_mutex_lock(&t->warn_lock);
	if (t->warn)
		t->warn(t->warn_ctx, buf);
	else
		fprintf(stderr, "asprof-batch: warning: %s\n", buf);
	if (t->threaded)
		pthread_mutex_unlock(&t->warn_lock);
}

/* ---------------------------------------------------------------- threads */

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

/* a thread file's identity, to find one file under two names */
struct dat_id {
	dev_t dev;
	ino_t ino;
	size_t idx; /* in t->threads */
};

static int dat_id_cmp(const void *a, const void *b)
{
	const struct dat_id *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* the <tid>.dat files of the folder, by tid (names spelt as uftrace
 * writes them: "05.dat" is not thread 5's, nor is "0.dat" or one past
 * 2^31 anyone's: left out, and said once) */
static int dat_files(struct asp_trace *t, int **tids, size_t *n, char **err)
{
	DIR *d = opendir(t->dir);
	if (!d)
		return asp_fail(err, "%s: %s", t->dir, strerror(errno));
	struct dirent *de;
	size_t odd = 0;
	char *first_odd = NULL;
	while ((de = readdir(d))) {
		char *end;
		size_t l = strlen(de->d_name);
		if (!isdigit((unsigned char)de->d_name[0]) || l < 5 || strcmp(de->d_name + l - 4, ".dat"))
			continue;
		errno = 0;
		long v = strtol(de->d_name, &end, 10);
		char canon[32];
		snprintf(canon, sizeof(canon), "%ld.dat", v);
		if (errno || v <= 0 || v > INT32_MAX || strcmp(canon, de->d_name)) {
			if (!odd++)
				first_odd = asp_path_join(t->dir, de->d_name);
			continue;
		}
		*tids = xreallocarray(*tids, *n + 1, sizeof(int));
		(*tids)[(*n)++] = (int)v;
	}
	closedir(d);
	if (odd == 1)
		warnf(t, "%s: not a thread's data file name (<tid>.dat, tid 1 to 2^31-1, no leading zero); left out",
		      first_odd);
	else if (odd)
		warnf(t, "%s: not a thread's data file name (<tid>.dat, tid 1 to 2^31-1, no leading zero); left out, as are %zu more",
		      first_odd, odd - 1);
	free(first_odd);
	asp_qsort(*tids, *n, sizeof(int), int_cmp);
	return 0;
}

/* Every thread file is read: those info's taskinfo does not name too (said
 * once), while a tid of info without a file recorded nothing. One file
 * under two names (hard or symbolic links) would be two threads' records:
 * refused. A link that leads out of the run folder is read, and said. */
int find_threads(struct asp_trace *t, char **err)
{
	int *tids = NULL;
	size_t n = 0;
	if (dat_files(t, &tids, &n, err) < 0)
		return -1;
	size_t nfiles = n, unnamed = 0;
	int first_unnamed = 0;
	if (t->info.ntids) {
		int *named = xreallocarray(NULL, t->info.ntids, sizeof(int));
		memcpy(named, t->info.tids, t->info.ntids * sizeof(int));
		asp_qsort(named, t->info.ntids, sizeof(int), int_cmp);
		for (size_t i = 0; i < nfiles; i++) {
			if (!bsearch(&tids[i], named, t->info.ntids, sizeof(int), int_cmp) && !unnamed++)
				first_unnamed = tids[i];
		}
		free(named);
		tids = xreallocarray(tids, n + t->info.ntids, sizeof(int));
		memcpy(tids + n, t->info.tids, t->info.ntids * sizeof(int));
		n += t->info.ntids;
		asp_qsort(tids, n, sizeof(int), int_cmp);
	}
	if (unnamed)
		warnf(t, "%s/info: taskinfo names %zu thread%s, but %zu more ha%s a data file (%d.dat%s); all are read",
		      t->dir, t->info.ntids, t->info.ntids == 1 ? "" : "s", unnamed,
		      unnamed == 1 ? "s" : "ve", first_unnamed, unnamed == 1 ? "" : ", ...");
	t->threads = xreallocarray(NULL, n, sizeof(int));
	t->datpaths = xreallocarray(NULL, n, sizeof(char *));
	t->datbytes = xreallocarray(NULL, n, sizeof(uint64_t));
	struct dat_id *ids = xreallocarray(NULL, n ? n : 1, sizeof(*ids));
	char *realdir = NULL;
	size_t outside = 0;
	char *first_outside = NULL, *first_target = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i && tids[i] == tids[i - 1])
			continue;
		char *name = xasprintf("%d.dat", tids[i]);
		char *path = asp_path_join(t->dir, name);
		free(name);
		struct stat st, lst;
		if (stat(path, &st) < 0) {
			/* a thread that recorded nothing has no file; uftrace skips it
			 * too. A file that is there but cannot be reached (a broken
			 * link, a loop) is said */
			int e = errno;
			if (e != ENOENT || lstat(path, &st) == 0)
				warnf(t, "%s: %s; this thread is left out", path, strerror(e));
			free(path);
			continue;
		}
		if (S_ISREG(st.st_mode) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			/* where does it lead? */
			char *target = realpath(path, NULL);
			if (!realdir)
				realdir = realpath(t->dir, NULL);
			char *slash = target ? strrchr(target, '/') : NULL;
			if (slash && realdir &&
			    ((size_t)(slash - target) != strlen(realdir) ||
			     strncmp(target, realdir, (size_t)(slash - target))) &&
			    !(slash == target && !strcmp(realdir, "/"))) {
				if (!outside++) {
					first_outside = xstrdup(path);
					first_target = xstrdup(target);
				}
			}
			free(target);
		}
		ids[t->nthreads] = (struct dat_id){ st.st_dev, st.st_ino, t->nthreads };
		t->data_bytes += (uint64_t)st.st_size;
		t->datbytes[t->nthreads] = (uint64_t)st.st_size;
		t->threads[t->nthreads] = tids[i];
		t->datpaths[t->nthreads++] = path;
	}
	free(tids);
	free(realdir);
	if (outside)
		warnf(t, "%s: a link to %s, outside the run folder%s; read as this run's data",
		      first_outside, first_target,
		      outside > 1 ? " (and more thread files like it)" : "");
	free(first_outside);
	free(first_target);
	asp_qsort(ids, t->nthreads, sizeof(*ids), dat_id_cmp);
	for (size_t i = 1; i < t->nthreads; i++) {
		if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino) {
			asp_fail(err, "%s: the same file as %s (linked): one thread's records cannot be two threads'",
				 t->datpaths[ids[i].idx], t->datpaths[ids[i - 1].idx]);
			free(ids);
			return -1;
		}
	}
	free(ids);
	if (t->nthreads == 0)
		return asp_fail(err, "%s: no thread data files (<tid>.dat); nothing was recorded", t->dir);
	struct rlimit rl;
	t->keep_fds = t->nthreads <= READ_KEEP_FDS &&
		      (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
		       t->nthreads <= rl.rlim_cur / 8);
	return 0;
}

const char *asp_trace_dir(const struct asp_trace *t) { return t->dir; }
const struct asp_info *asp_trace_info(const struct asp_trace *t) { return &t->info; }
size_t asp_trace_nthreads(const struct asp_trace *t) { return t->nthreads; }
int asp_trace_thread_tid(const struct asp_trace *t, size_t i) { return t->threads[i]; }
uint64_t asp_trace_data_bytes(const struct asp_trace *t) { return t->data_bytes; }
uint64_t asp_trace_dropped(const struct asp_trace *t) { return __atomic_load_n(&t->dropped, __ATOMIC_RELAXED); }
uint64_t asp_trace_thread_bytes(const struct asp_trace *t, size_t i) { return t->datbytes[i]; }
uint64_t asp_trace_start_time(const struct asp_trace *t) { return t->nsess ? t->sess[0].time : 0; }
uint32_t asp_trace_nsymbols(const struct asp_trace *t) { return t->next_sym_id; }

void asp_trace_threaded(struct asp_trace *t)
{
	if (t->threaded)
		return;
	pthread_mutex_init(&t->lookup_lock, NULL);
	pthread_mutex_init(&t->warn_lock, NULL);
	t->threaded = true;
}
