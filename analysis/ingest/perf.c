/* perf.c - perf-cpu*.dat: each thread's last scheduler event. */
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
#define PERF_HEADER 8
#define PERF_BUF (64 * 1024) /* a record is at most 64 KiB - 1 */

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

static void perf_note(struct asp_trace *t, int tid, uint64_t time, uint64_t lo, uint64_t hi)
{
	if (time < lo || time > hi)
		return; /* not this recording's, or corrupt */
	size_t i = thread_index(t, tid);
	if (i < t->nthreads && time > t->thread_end[i])
		t->thread_end[i] = time;
}

/* the records in p[0..n): the bytes taken (whole records only) */
static size_t perf_records(struct asp_trace *t, const uint8_t *p, size_t n, uint64_t lo,
			   uint64_t hi, bool *bad)
{
	size_t off = 0;
	while (n - off >= PERF_HEADER) {
		uint32_t type;
		uint16_t size;
		memcpy(&type, p + off, 4);
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
			perf_note(t, (int)tid, time, lo, hi);
		} else if (type == PERF_RECORD_EXIT && size >= PERF_HEADER + 24) {
			memcpy(&tid, p + off + PERF_HEADER + 8, 4);
			memcpy(&time, p + off + PERF_HEADER + 16, 8);
			perf_note(t, (int)tid, time, lo, hi);
		}
		off += size;
	}
	return off;
}

static void read_perf_file(struct asp_trace *t, const char *path, uint8_t *buf, uint64_t lo,
			   uint64_t hi)
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
		size_t used = perf_records(t, buf, len, lo, hi, &bad);
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

/* each thread's last scheduler event, when the recording has them and says
 * how long it ran (events outside its times, set_time_limit, are not this
 * recording's) */
void read_perf_events(struct asp_trace *t)
{
	t->thread_end = xcalloc(t->nthreads ? t->nthreads : 1, sizeof(*t->thread_end));
	if (!t->nsess || !t->has_elapsed)
		return;
	uint64_t lo = t->time_lo, hi = t->time_limit;
	DIR *d = opendir(t->dir);
	if (!d)
		return;
	uint8_t *buf = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned cpu;
		int used = 0;
		if (sscanf(de->d_name, "perf-cpu%u.dat%n", &cpu, &used) != 1 ||
		    used != (int)strlen(de->d_name))
			continue;
		if (!buf)
			buf = xmalloc(PERF_BUF);
		char *path = asp_path_join(t->dir, de->d_name);
		read_perf_file(t, path, buf, lo, hi);
		free(path);
	}
	free(buf);
	closedir(d);
}

uint64_t asp_trace_thread_end(const struct asp_trace *t, int tid)
{
	size_t i = thread_index(t, tid);
	return i < t->nthreads ? t->thread_end[i] : 0;
}
