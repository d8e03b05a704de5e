/* perf.c - perf-cpu*.dat: each thread's context switches, and its last
 * scheduler event. */
#include "ingest-private.h"
#include "analysis/util.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* uftrace copies the kernel's perf ring buffer of each CPU into
 * perf-cpu<N>.dat as it is: records of a perf_event_header (u32 type, u16
 * misc, u16 size with the header) and a body that ends with the sample id
 * (u32 pid, u32 tid, u64 time: sample_id_all with TID|TIME). Only two kinds
 * matter here: a context switch (in or out) and a thread's exit, each the
 * last sign of life a thread may give after its last function record. */
#define PERF_RECORD_EXIT 4
#define PERF_RECORD_SWITCH 14
#define PERF_RECORD_MISC_SWITCH_OUT 0x2000
#define PERF_RECORD_MISC_SWITCH_OUT_PREEMPT 0x4000
#define PERF_HEADER 8
#define PERF_BUF (64 * 1024) /* a record is at most 64 KiB - 1 */

/* a switch as read, before the threads' switches are paired */
enum { SW_IN, SW_OUT, SW_OUT_PREEMPT };
struct raw_switch {
	uint64_t time;
	uint32_t thread; /* index */
	uint32_t seq;    /* read order: ties keep it */
	uint8_t kind;
};

struct perf_read {
	uint64_t lo, hi; /* the recording's times */
	bool bounded;    /* hi is known (info's elapsed_time): last events count */
	struct raw_switch *v;
	size_t n, cap;
	bool preempt_seen;
};

/* the index of thread tid in t->threads (sorted), or t->nthreads */
static size_t thread_index(const struct asp_trace *t, int tid)
{
	size_t a = 0, b = t->nthreads;
	while (a < b) {
		size_t m = (a + b) / 2;
		if (t->threads[m] < tid)
			a = m + 1;
		else
			b = m;
	}
	return a < t->nthreads && t->threads[a] == tid ? a : t->nthreads;
}

/* a switch (kind) or exit (-1) of tid at time */
static void perf_note(struct asp_trace *t, struct perf_read *pr, int tid, uint64_t time,
		      int kind)
{
	if (time < pr->lo || time > pr->hi)
		return; /* not this recording's, or corrupt */
	size_t i = thread_index(t, tid);
	if (i == t->nthreads)
		return; /* a thread without records */
	if (pr->bounded && time > t->thread_end[i])
		t->thread_end[i] = time;
	if (kind < 0)
		return;
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? pr->cap * 2 : 1024;
		pr->v = xreallocarray(pr->v, pr->cap, sizeof(*pr->v));
	}
	pr->v[pr->n] = (struct raw_switch){ time, (uint32_t)i, (uint32_t)pr->n, (uint8_t)kind };
	pr->n++;
	if (kind == SW_OUT_PREEMPT)
		pr->preempt_seen = true;
}

/* the records in p[0..n): the bytes taken (whole records only) */
static size_t perf_records(struct asp_trace *t, struct perf_read *pr, const uint8_t *p, size_t n,
			   bool *bad)
{
	size_t off = 0;
	while (n - off >= PERF_HEADER) {
		uint32_t type;
		uint16_t misc, size;
		memcpy(&type, p + off, 4);
		memcpy(&misc, p + off + 4, 2);
		memcpy(&size, p + off + 6, 2);
		if (size < PERF_HEADER) {
			*bad = true;
			return off;
		}
		if (n - off < size)
			break;
		uint32_t tid;
		uint64_t time;
		if (type == PERF_RECORD_SWITCH && size >= PERF_HEADER + 16) {
			memcpy(&tid, p + off + PERF_HEADER + 4, 4);
			memcpy(&time, p + off + PERF_HEADER + 8, 8);
			int kind = !(misc & PERF_RECORD_MISC_SWITCH_OUT)	     ? SW_IN
				   : misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT ? SW_OUT_PREEMPT
										: SW_OUT;
			perf_note(t, pr, (int)tid, time, kind);
		} else if (type == PERF_RECORD_EXIT && size >= PERF_HEADER + 24) {
			memcpy(&tid, p + off + PERF_HEADER + 8, 4);
			memcpy(&time, p + off + PERF_HEADER + 16, 8);
			perf_note(t, pr, (int)tid, time, -1);
		}
		off += size;
	}
	return off;
}

static void read_perf_file(struct asp_trace *t, struct perf_read *pr, const char *path,
			   uint8_t *buf)
{
	const char *why;
	int fd = asp_open_file(path, &why);
	if (fd < 0) {
		warnf(t, "%s: %s; its scheduler events are left out", path, why);
		return;
	}
	size_t len = 0;
	uint64_t at = 0; /* file offset of buf[0] */
	bool bad = false;
	for (;;) {
		ssize_t got = read(fd, buf + len, PERF_BUF - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			warnf(t, "%s: read error: %s; its later scheduler events are left out", path,
			      strerror(errno));
			break;
		}
		len += (size_t)got;
		size_t used = perf_records(t, pr, buf, len, &bad);
		if (bad) {
			warnf(t, "%s: malformed event at byte %" PRIu64 "; the events after it are left out",
			      path, at + used);
			break;
		}
		if (got == 0) {
			if (len > used)
				warnf(t, "%s: truncated event at byte %" PRIu64 " (the recording was cut)",
				      path, at + used);
			break;
		}
		memmove(buf, buf + used, len - used);
		len -= used;
		at += used;
	}
	close(fd);
}

static int cpu_cmp(const void *x, const void *y)
{
	unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;
	return a < b ? -1 : a > b;
}

static int raw_cmp(const void *x, const void *y)
{
	const struct raw_switch *a = x, *b = y;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	/* at one time, out before in: a thread switched out on one CPU and
	 * in on another cannot be in first */
	if ((a->kind == SW_IN) != (b->kind == SW_IN))
		return a->kind == SW_IN ? 1 : -1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* each thread's switches in time order, paired: an out with the in right
 * after it. An out followed by another out (the in between was lost with a
 * full buffer) keeps an unknown end, as one never followed by an in: the
 * analysis ends it at the thread's next record or switch-out, for a thread
 * that records is running. An in without an out (the thread was off the
 * CPU as the recording began, or the out was lost) is left out. */
static void pair_switches(struct asp_trace *t, struct perf_read *pr)
{
	asp_qsort(pr->v, pr->n, sizeof(*pr->v), raw_cmp);
	t->sw = xmalloc((pr->n ? pr->n : 1) * sizeof(*t->sw));
	t->sw_at = xcalloc(t->nthreads + 1, sizeof(*t->sw_at));
	size_t n = 0, k = 0;
	for (size_t i = 0; i < t->nthreads; i++) {
		t->sw_at[i] = n;
		for (; k < pr->n && pr->v[k].thread == i; k++) {
			const struct raw_switch *r = &pr->v[k];
			if (r->kind == SW_IN)
				continue;
			bool paired = k + 1 < pr->n && pr->v[k + 1].thread == i &&
				      pr->v[k + 1].kind == SW_IN;
			t->sw[n++] = (struct asp_switch){ r->time, paired ? pr->v[k + 1].time : UINT64_MAX,
							  r->kind == SW_OUT_PREEMPT };
		}
	}
	t->sw_at[t->nthreads] = n;
}

/* Linux marks preempted switch-outs from 4.17 on: "Linux 4.17.0-..." */
static bool kernel_marks_preempt(const char *kernel)
{
	unsigned major, minor;
	if (!kernel || sscanf(kernel, "Linux %u.%u", &major, &minor) != 2)
		return false;
	return major > 4 || (major == 4 && minor >= 17);
}

/* each thread's switches and its last scheduler event, when the recording
 * has them (events outside the recording's times, set_time_limit, are not
 * this recording's; without elapsed_time in info, its end is unknown and
 * no last event is taken) */
void read_perf_events(struct asp_trace *t)
{
	t->thread_end = xcalloc(t->nthreads ? t->nthreads : 1, sizeof(*t->thread_end));
	struct perf_read pr = { .lo = t->time_lo,
				.hi = t->has_elapsed ? t->time_limit : UINT64_MAX,
				.bounded = t->has_elapsed };
	/* the files in CPU order, whatever order the directory lists them in:
	 * the read order breaks ties between events of one time */
	DIR *d = t->nsess ? opendir(t->dir) : NULL;
	unsigned *cpus = NULL;
	size_t ncpus = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		unsigned cpu;
		int used = 0;
		if (sscanf(de->d_name, "perf-cpu%u.dat%n", &cpu, &used) != 1 ||
		    used != (int)strlen(de->d_name))
			continue;
		cpus = xreallocarray(cpus, ncpus + 1, sizeof(*cpus));
		cpus[ncpus++] = cpu;
	}
	if (d)
		closedir(d);
	asp_qsort(cpus, ncpus, sizeof(*cpus), cpu_cmp);
	uint8_t *buf = ncpus ? xmalloc(PERF_BUF) : NULL;
	for (size_t i = 0; i < ncpus; i++) {
		char name[32];
		snprintf(name, sizeof(name), "perf-cpu%u.dat", cpus[i]);
		char *path = asp_path_join(t->dir, name);
		read_perf_file(t, &pr, path, buf);
		free(path);
	}
	free(buf);
	free(cpus);
	pair_switches(t, &pr);
	/* files without a switch of the program's threads (empty ones, or
	 * events out of the recording's times) say nothing: wall time */
	t->has_sched = t->sw_at[t->nthreads] > 0;
	t->preempt_known = pr.preempt_seen || kernel_marks_preempt(t->info.kernel);
	free(pr.v);
}

const struct asp_switch *asp_trace_switches(const struct asp_trace *t, size_t i, size_t *n)
{
	if (i >= t->nthreads || !t->sw_at) {
		*n = 0;
		return NULL;
	}
	*n = t->sw_at[i + 1] - t->sw_at[i];
	return t->sw + t->sw_at[i];
}

bool asp_trace_has_sched(const struct asp_trace *t)
{
	return t->has_sched;
}

bool asp_trace_preempt_known(const struct asp_trace *t)
{
	return t->preempt_known;
}

uint64_t asp_trace_thread_end(const struct asp_trace *t, int tid)
{
	size_t i = thread_index(t, tid);
	return i < t->nthreads ? t->thread_end[i] : 0;
}
