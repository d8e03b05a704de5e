/* record.c - one thread's records: <tid>.dat read a window at a time,
 * each record decoded in place, its time judged, its address resolved
 * through the reader's symbol cache, its data (arguments, return values,
 * events) measured and handed on.
 *
 * The format, as uftrace writes it (its utils/data-file.c, fstack.c and
 * libmcount/record.c): a <tid>.dat has no header, only records of 16
 * bytes, little-endian: a u64 time (ns, CLOCK_MONOTONIC) and a u64 word
 * holding, from the lowest bit, type:2 (0 ENTRY, 1 EXIT, 2 LOST, 3 EVENT),
 * more:1, magic:3 (always 5), depth:10 and addr:48 (the function's
 * address; for LOST, how many records were lost, with time 0). With more
 * set, data follows the record: after an ENTRY its arguments, after an
 * EXIT its return value, laid out by the function's argument spec
 * (argspec.c) and padded to 8 bytes; after an EVENT a u16 length and that
 * many bytes, padded to 8 with the length. A thread that recorded nothing
 * has no file. What merge.c and fold.c share of the reader (its state, its
 * symbol cache, the record's bits) is record.h. */
#include "record.h"
#include "analysis/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A reader maps its file a window at a time (the kernel maps the page
 * cache's pages: no copy), and reads it into a buffer where it cannot be
 * mapped. Measured on 507 MB of .dat, page cache warm, 2 CPUs: the read()
 * copy was ~6% of a whole analysis' CPU. The windows are what a thread
 * holds of its file: MAP_WINDOW_TOTAL shared by the threads, within
 * [READ_BUF_SIZE, MAP_WINDOW_MAX] each. A file cut short while mapped
 * would raise SIGBUS: see map_guard(). */
#define READ_BUF_SIZE (256 * 1024)
#define MAP_WINDOW_MAX (2u << 20)
#define MAP_WINDOW_TOTAL (32u << 20)
/* Every mapping counts against the kernel's limit (vm.max_map_count,
 * 65530 by default), and so does every buffer malloc takes with mmap (from
 * 128 KiB): a recording of more threads than this reads each file into a
 * small buffer of the heap (MAP_WINDOW_TOTAL shared, READ_BUF_MIN at
 * least; it grows for a larger record), and every reader lets go of its
 * window or buffer at the end of its file */
#define READ_MAP_THREADS 1024
#define READ_BUF_MIN 4096

void asp_decode_record(const uint8_t buf[16], struct asp_raw_record *rec)
{
	uint64_t t, w;
	memcpy(&t, buf, 8);
	memcpy(&w, buf + 8, 8);
	rec->time = t;
	rec->type = w & 3;
	rec->more = (w >> 2) & 1;
	rec->magic = (w >> 3) & 7;
	rec->depth = (w >> 6) & 0x3ff;
	rec->addr = w >> 16;
}

/* a reader's buf before its first window and after its last */
static uint8_t no_bytes[RECORD_SIZE];

/* the reader whose buffer this thread reads, for map_fault */
_Thread_local const struct asp_reader *cur_reader;
static struct sigaction map_old; /* the handler map_fault stands in front of */


static void map_fault(int sig, siginfo_t *si, void *uc)
{
	const struct asp_reader *r = cur_reader;
	const uint8_t *at = si ? (const uint8_t *)si->si_addr : NULL;
	if (r && r->map && at >= r->map && at < r->map + r->map_len) {
		static const char pre[] = "asprof-batch: ",
				  post[] = ": the file was cut short while it was read\n";
		ssize_t rc = write(2, pre, sizeof(pre) - 1);
		rc = write(2, r->path, strlen(r->path));
		rc = write(2, post, sizeof(post) - 1);
		(void)rc;
		_exit(2);
	}
	/* not ours: as if we were not here (a fault returned from faults again) */
	if (map_old.sa_flags & SA_SIGINFO) {
		map_old.sa_sigaction(sig, si, uc);
	} else if (map_old.sa_handler != SIG_DFL && map_old.sa_handler != SIG_IGN) {
		map_old.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);
	}
}

static void map_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = map_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &map_old);
}

/* A mapped file that shrinks under its reader (another program truncating
 * it) makes the next access raise SIGBUS: said as a read error of that
 * file, with exit status 2, where it would have been a crash. Installed
 * once, in front of the handler there was (a sanitizer's, a fuzzer's):
 * faults outside the reader's window go on to it. */
static void map_guard(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, map_guard_install);
}

struct asp_reader *asp_reader_open(struct asp_trace *t, size_t idx, char **err)
{
	const char *why;
	int fd = asp_open_file(t->datpaths[idx], &why);
	if (fd < 0) {
		asp_fail(err, "%s: %s", t->datpaths[idx], why);
		return NULL;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	struct asp_reader *r = xcalloc(1, sizeof(*r));
	r->t = t;
	r->path = t->datpaths[idx];
	r->tid = t->threads[idx];
	r->fd = fd;
	r->keep_fd = t->keep_fds;
	if (!r->keep_fd) {
		close(fd);
		r->fd = -1;
	}
	r->window = MAP_WINDOW_TOTAL / t->nthreads;
	if (r->window > MAP_WINDOW_MAX)
		r->window = MAP_WINDOW_MAX;
	if (r->window < READ_BUF_SIZE)
		r->window = READ_BUF_SIZE;
	r->bufsize = READ_BUF_SIZE;
	if (t->nthreads > READ_MAP_THREADS) {
		r->window = 0;
		r->bufsize = MAP_WINDOW_TOTAL / t->nthreads;
		if (r->bufsize < READ_BUF_MIN)
			r->bufsize = READ_BUF_MIN;
	}
	r->buf = no_bytes;
	r->last_time = t->time_lo;
	map_guard();
	if (t->threaded) {
		r->cache = xcalloc(SYM_CACHE_SIZE, sizeof(*r->cache)); /* key 0: empty */
		r->own_cache = true;
	} else {
		if (!t->cache)
			t->cache = xcalloc(SYM_CACHE_SIZE, sizeof(*t->cache));
		r->cache = t->cache;
	}
	return r;
}

/* the window or buffer let go (at the end of the file, or on close) */
static void reader_release(struct asp_reader *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
	free(r->own_buf);
	r->own_buf = NULL;
	r->buf = no_bytes;
	r->offset += r->pos;
	r->len = r->pos = 0;
	r->eof = true;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void asp_reader_close(struct asp_reader *r)
{
	if (!r)
		return;
	reader_release(r);
	if (r->own_cache)
		free(r->cache);
	free(r);
}

uint64_t asp_reader_count(const struct asp_reader *r) { return r->count; }

void asp_reader_set_tagger(struct asp_reader *r, asp_tag_fn fn, void *ctx,
			   struct asp_reader *share)
{
	r->tagger = fn;
	r->tag_ctx = ctx;
	if (share && share != r && share->own_cache && share->tagger == fn &&
	    share->tag_ctx == ctx && r->own_cache) {
		free(r->cache);
		r->cache = share->cache;
		r->own_cache = false;
		return;
	}
	memset(r->cache, 0, SYM_CACHE_SIZE * sizeof(*r->cache)); /* tagged from now on */
}

/* the window from the page holding the next byte: at least n bytes of it
 * unless the file ends first (then eof). 1: mapped, 0: mapping is not
 * possible here (the caller reads instead), -1: error */
static int map_window(struct asp_reader *r, size_t n, char **err)
{
	uint64_t at = r->offset + r->pos;
	struct stat st;
	if (fstat(r->fd, &st) < 0)
		return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
	uint64_t size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (r->map) {
		munmap(r->map, r->map_len);
		r->map = NULL;
	}
	uint64_t base = at & ~(uint64_t)4095;
	size_t want = r->window;
	if (want < (size_t)(at - base) + n)
		want = (size_t)(at - base) + n;
	if (size <= at) { /* nothing more */
		r->buf = no_bytes;
		r->offset = at;
		r->len = r->pos = 0;
		r->eof = true;
		return 1;
	}
	size_t len = size - base < want ? (size_t)(size - base) : want;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, (off_t)base);
	if (m == MAP_FAILED)
		return 0;
	r->map = r->buf = m;
	reading(r);
	r->map_len = len;
	r->offset = base;
	r->pos = (size_t)(at - base);
	r->len = len;
	r->file_pos = base + len;
	if (base + len >= size)
		r->eof = true;
	return 1;
}

/* make at least n bytes available at buf[pos]; returns bytes available */
static int fill(struct asp_reader *r, size_t n, char **err)
{
	if (r->len - r->pos >= n || r->eof)
		return 0;
	if (r->fd < 0) {
		r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return asp_fail(err, "%s: %s", r->path, strerror(errno));
		if (!r->window && r->file_pos && lseek(r->fd, (off_t)r->file_pos, SEEK_SET) < 0)
			return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
	}
	if (r->window) {
		int rc = map_window(r, n, err);
		if (rc < 0)
			return -1;
		if (rc == 0) { /* read from here on */
			r->window = 0;
			if (lseek(r->fd, (off_t)(r->offset + r->pos), SEEK_SET) < 0)
				return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
			r->offset += r->pos;
			r->file_pos = r->offset;
			r->buf = no_bytes;
			r->len = r->pos = 0;
			/* below malloc's mmap threshold: the heap, no new mapping
			 * (the mmap may have failed for want of one) */
			if (r->bufsize > READ_BUF_SIZE / 4)
				r->bufsize = READ_BUF_SIZE / 4;
		}
		if (r->window)
			goto done;
	}
	if (!r->own_buf) /* the first read (nothing is in buf) */
		r->buf = r->own_buf = xmalloc(r->bufsize);
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->offset += r->pos;
	r->len -= r->pos;
	r->pos = 0;
	if (n > r->bufsize) { /* a record larger than the buffer */
		r->bufsize = ASP_ALIGN(n, READ_BUF_MIN);
		r->buf = r->own_buf = xreallocarray(r->own_buf, r->bufsize, 1);
	}
	while (r->len < n && !r->eof) {
		ssize_t got = read(r->fd, r->buf + r->len, r->bufsize - r->len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return asp_fail(err, "%s: read error: %s", r->path, strerror(errno));
		}
		if (got == 0)
			r->eof = true;
		r->len += (size_t)got;
		r->file_pos += (uint64_t)got;
	}
done:
	if (r->eof || !r->keep_fd) {
		close(r->fd);
		r->fd = -1;
	}
	return 0;
}

static size_t avail(const struct asp_reader *r) { return r->len - r->pos; }

void reader_session(struct asp_reader *r, uint64_t time)
{
	struct session *s = task_session(r->t, r->tid, time);
	size_t idx = s ? (size_t)(s - r->t->sess) + 1 : 0xffff;
	r->sess = s;
	r->sess_key = !s || idx < 0xffff ? (uint64_t)idx << 48 : 0;
	r->sess_known = true;
	/* the session stays valid until another session of any pid starts */
	r->sess_from = 0;
	r->sess_until = UINT64_MAX;
	for (size_t i = 0; i < r->t->nsess; i++) {
		uint64_t st = r->t->sess[i].time;
		if (st <= time && st > r->sess_from)
			r->sess_from = st;
		if (st > time && st < r->sess_until)
			r->sess_until = st;
	}
	/* the batch paths send later records to reader_next, which stops */
	if (r->sess_until > r->t->time_limit)
		r->sess_until = r->t->time_limit;
}

/* a cache miss: the lookup (under the lock when readers run on threads of
 * their own) into the entry, or into r->miss when the session has no key */
__attribute__((noinline)) const struct asp_sym_ent *
reader_lookup_miss(struct asp_reader *r, struct asp_sym_ent *ce, uint64_t key, uint64_t addr)
{
	const struct asp_symbol *sym;
	if (r->t->threaded) {
		pthread_mutex_lock(&r->t->lookup_lock);
		sym = session_lookup(r->t, r->sess, addr);
		pthread_mutex_unlock(&r->t->lookup_lock);
	} else {
		sym = session_lookup(r->t, r->sess, addr);
	}
	if (!r->sess_key)
		ce = &r->miss;
	ce->key = key;
	ce->sym = sym;
	ce->id = sym ? sym->id : 0;
	ce->tag = sym && r->tagger ? r->tagger(r->tag_ctx, sym) : 0;
	return ce;
}

/* A record's time, judged against what the recording says about itself
 * (every record's but LOST's: uftrace writes 0 there).
 *   - Outside the recording (before its first session started, after its
 *     elapsed_time ended: set_time_limit): dropped.
 *   - Earlier than the thread's record before (times do not go back on a
 *     thread): clamped, taken at that record's time.
 *   - More than ASP_JUMP_NS after the record before: kept when the records
 *     after it (up to JUMP_WITNESSES) do not go back (a real gap: the
 *     thread slept), dropped when one does (a damaged time among times
 *     that agree). A thread's last
 *     record has no record after it: kept when the recording's end is
 *     known (the bound above holds it), dropped past ASP_LONE_JUMP_NS
 *     after the record before it when it is not. A record with a payload
 *     is judged by the bounds alone.
 * A dropped record is handed on as a LOST record of no records: what is
 * open on its thread ends at the record before (never at a time the
 * recording cannot have), and the records after it start afresh. Neither
 * a dropped nor a clamped time ever lengthens a poll past the times of
 * the records around it. Fast paths take a record only when its time is
 * in [last_time, last_time + ASP_JUMP_NS] and before time_limit: what this
 * keeps unchanged. Returns TIME_* or -1 (a read error, *err set). */
#define ASP_LONE_JUMP_NS 1000000000ULL
#define JUMP_WITNESSES 4
enum { TIME_KEEP, TIME_CLAMP, TIME_DROP };
enum { DROP_BEFORE = 1, DROP_AFTER, DROP_JUMP, DROP_LONE };

static int judge_time(struct asp_reader *r, const struct asp_raw_record *rec, int *why,
		      char **err)
{
	const struct asp_trace *t = r->t;
	uint64_t time = rec->time, prev = r->last_time;
	if (time < t->time_lo) {
		*why = DROP_BEFORE;
		return TIME_DROP;
	}
	if (time >= t->time_limit) {
		*why = DROP_AFTER;
		return TIME_DROP;
	}
	if (time < prev)
		return TIME_CLAMP;
	if (time - prev <= ASP_JUMP_NS || rec->more)
		return TIME_KEEP;
	/* the records after it, up to JUMP_WITNESSES of them (two damaged
	 * times in a row must not vouch for each other) and up to the first
	 * that has a payload or is not a record */
	if (fill(r, (1 + JUMP_WITNESSES) * RECORD_SIZE, err) < 0)
		return -1;
	size_t seen = 0;
	for (size_t k = 1; k <= JUMP_WITNESSES && avail(r) >= (k + 1) * RECORD_SIZE; k++) {
		struct asp_raw_record nx;
		asp_decode_record(r->buf + r->pos + k * RECORD_SIZE, &nx);
		if (nx.magic != RECORD_MAGIC || nx.type == ASP_REC_LOST)
			break;
		seen++;
		if (nx.time < time) {
			*why = DROP_JUMP;
			return TIME_DROP;
		}
		if (nx.more)
			break;
	}
	if (seen || avail(r) >= 2 * RECORD_SIZE)
		return TIME_KEEP;
	if (!t->has_elapsed && r->timed && time - prev > ASP_LONE_JUMP_NS) {
		*why = DROP_LONE;
		return TIME_DROP;
	}
	return TIME_KEEP;
}

/* a dropped record, as a LOST record of none (see judge_time) */
static void drop_event(struct asp_event *ev)
{
	ev->time = 0;
	ev->type = ASP_REC_LOST;
	ev->more = false;
	ev->addr = 0;
	ev->sym = NULL;
	ev->data = NULL;
	ev->data_len = 0;
	ev->specs = NULL;
	ev->nspecs = 0;
}

/* the end of the file: what judge_time did, said once per file, and the
 * window or buffer let go (a recording of many threads would otherwise keep
 * a mapping for every file it has finished) */
static void reader_end(struct asp_reader *r)
{
	if (r->ended)
		return;
	r->ended = true;
	reader_release(r);
	const struct asp_trace *t = r->t;
	if (r->ndropped) {
		char more[64] = "";
		if (r->ndropped > 1)
			snprintf(more, sizeof(more), ", and %" PRIu64 " more such record%s", r->ndropped - 1,
				 r->ndropped == 2 ? "" : "s");
		double s;
		const char *what;
		switch (r->drop_why) {
		case DROP_BEFORE:
			s = (double)(t->time_lo - r->drop_time) / 1e9;
			what = "before the recording started";
			break;
		case DROP_AFTER:
			s = (double)(r->drop_time - (t->time_limit - 1000000000ULL)) / 1e9;
			what = "after the recording ended (info's elapsed_time)";
			break;
		case DROP_JUMP:
			s = (double)(r->drop_time - r->drop_prev) / 1e9;
			what = "after the thread's record before it, while a record after it goes back";
			break;
		default:
			s = (double)(r->drop_time - r->drop_prev) / 1e9;
			what = "after the thread's record before it, as its last record, and info has no elapsed_time";
			break;
		}
		warnf(r->t, "%s: the record at offset %" PRIu64 " is timed %.3f s %s (time %" PRIu64 "): dropped%s; what was open on the thread ends at its record before",
		      r->path, r->drop_at, s, what, r->drop_time, more);
		__atomic_add_fetch(&r->t->dropped, r->ndropped, __ATOMIC_RELAXED);
	}
	if (r->nback)
		warnf(r->t, "%s: %" PRIu64 " record%s timed before the record ahead of %s (the first at offset %" PRIu64 "); taken at that record's time",
		      r->path, r->nback, r->nback == 1 ? " is" : "s are", r->nback == 1 ? "it" : "them",
		      r->back_at);
}

int reader_next_slow(struct asp_reader *r, struct asp_event *ev, char **err)
{
	for (;;) {
		if (fill(r, RECORD_SIZE, err) < 0)
			return -1;
		if (avail(r) == 0) {
			reader_end(r);
			return 0;
		}
		if (avail(r) < RECORD_SIZE) {
			warnf(r->t, "%s: truncated record at offset %" PRIu64 " (%zu of 16 bytes); the rest of this thread is ignored",
			      r->path, r->offset + r->pos, avail(r));
			r->pos = r->len;
			reader_end(r);
			return 0;
		}
		struct asp_raw_record rec;
		asp_decode_record(r->buf + r->pos, &rec);
		uint64_t at = r->offset + r->pos;
		if (rec.magic != RECORD_MAGIC) {
			warnf(r->t, "%s: bad record magic at offset %" PRIu64 "; the rest of this thread is ignored",
			      r->path, at);
			r->pos = r->len;
			r->eof = true;
			reader_end(r);
			return 0;
		}
		int why = 0, verdict = TIME_KEEP;
		if (rec.type != ASP_REC_LOST) {
			verdict = judge_time(r, &rec, &why, err);
			if (verdict < 0)
				return -1;
		}
		if (verdict == TIME_CLAMP) {
			if (!r->nback++)
				r->back_at = at;
			rec.time = r->last_time;
		} else if (verdict == TIME_DROP) {
			if (!r->ndropped++) {
				r->drop_at = at;
				r->drop_time = rec.time;
				r->drop_prev = r->last_time;
				r->drop_why = why;
			}
			rec.time = r->last_time; /* for the payload's symbol */
		}
		r->pos += RECORD_SIZE;
		memset(ev, 0, sizeof(*ev));
		ev->time = rec.time;
		ev->tid = r->tid;
		ev->type = (uint8_t)rec.type;
		ev->more = rec.more;
		ev->depth = (uint16_t)rec.depth;
		ev->addr = rec.addr;
		if (rec.type == ASP_REC_ENTRY || rec.type == ASP_REC_EXIT)
			ev->sym = reader_lookup(r, rec.time, rec.addr);
		if (rec.more) {
			size_t need;
			if (rec.type == ASP_REC_EVENT) {
				if (fill(r, 2, err) < 0)
					return -1;
				if (avail(r) < 2)
					goto truncated;
				uint16_t elen;
				memcpy(&elen, r->buf + r->pos, 2);
				need = ASP_ALIGN((size_t)elen + 2, 8);
				if (fill(r, need, err) < 0)
					return -1;
				if (avail(r) < need)
					goto truncated;
				ev->data = r->buf + r->pos + 2;
				ev->data_len = elen;
			} else if ((rec.type == ASP_REC_ENTRY || rec.type == ASP_REC_EXIT) && ev->sym &&
				   ev->sym->args &&
				   (rec.type == ASP_REC_ENTRY ? ev->sym->args->nargs : ev->sym->args->nrets)) {
				const struct asp_fn_args *fa = ev->sym->args;
				ev->specs = rec.type == ASP_REC_ENTRY ? fa->args : fa->rets;
				ev->nspecs = rec.type == ASP_REC_ENTRY ? fa->nargs : fa->nrets;
				bool bad = false;
				int64_t l;
				/* strings make the length depend on the data: grow until known */
				size_t want = 64;
				for (;;) {
					if (fill(r, want, err) < 0)
						return -1;
					l = args_length(r->buf + r->pos, avail(r), ev->specs, ev->nspecs, &bad);
					if (l >= 0 || avail(r) < want)
						break;
					want *= 2;
				}
				if (l < 0)
					goto truncated;
				need = (size_t)l;
				if (fill(r, need, err) < 0)
					return -1;
				if (avail(r) < need)
					goto truncated;
				ev->data = r->buf + r->pos;
				ev->data_len = (uint32_t)need;
			} else {
				/* data we have no layout for: find the next plausible
				 * record (magic, non-decreasing time) 8 bytes at a time */
				/* once: the cause is info's argspec, whatever the function */
				if (!__atomic_exchange_n(&r->t->warned_no_spec, true, __ATOMIC_RELAXED))
					warnf(r->t, "%s: data after a record of %s at offset %" PRIu64 " has no matching argument spec in %s/info; skipped, as any more such data",
					      r->path, ev->sym ? asp_symbol_name(ev->sym) : "an unknown function", at,
					      r->t->dir);
				need = 0;
				for (;;) {
					if (fill(r, need + RECORD_SIZE, err) < 0)
						return -1;
					if (avail(r) < need + RECORD_SIZE) {
						need = avail(r);
						break;
					}
					struct asp_raw_record nx;
					asp_decode_record(r->buf + r->pos + need, &nx);
					if (nx.magic == RECORD_MAGIC && nx.time >= rec.time &&
					    nx.time - rec.time < 3600ULL * 1000000000ULL)
						break;
					need += 8;
				}
			}
			r->pos += need;
		}
	counted:
		r->count++;
		if (verdict == TIME_DROP)
			drop_event(ev);
		else if (rec.type != ASP_REC_LOST) {
			r->last_time = rec.time;
			r->timed = true;
		}
		return 1;
	truncated:
		warnf(r->t, "%s: truncated data after the record at offset %" PRIu64 "; the rest of this thread is ignored",
		      r->path, at);
		r->pos = r->len;
		ev->data = NULL;
		ev->data_len = 0;
		ev->specs = NULL;
		ev->nspecs = 0;
		goto counted;
	}
}

int asp_reader_next(struct asp_reader *r, struct asp_event *ev, char **err)
{
	return reader_next(r, ev, err);
}

void asp_reader_cursor(struct asp_reader *r, struct asp_cursor *c)
{
	reading(r);
	size_t n = (r->len - r->pos) / RECORD_SIZE;
	c->r = r;
	c->p = r->buf + r->pos;
	c->end = c->p + n * RECORD_SIZE;
	if (n && !r->sess_known) {
		uint64_t time;
		memcpy(&time, c->p, 8);
		reader_session(r, time);
	}
	c->first = r->last_time;
	c->until = r->sess_until;
	c->sess_key = r->sess_key;
	c->cache = r->cache;
	/* nothing to read, or the latest time is not in the session: no
	 * record is plain (reader_next takes the next) */
	if (!r->sess_known || r->last_time < r->sess_from)
		c->first = c->until = 0;
}

void asp_reader_consumed(struct asp_reader *r, const uint8_t *p)
{
	size_t pos = (size_t)(p - r->buf);
	if (pos == r->pos)
		return;
	r->count += (pos - r->pos) / RECORD_SIZE;
	memcpy(&r->last_time, p - RECORD_SIZE, 8);
	r->timed = true;
	r->pos = pos;
}

const struct asp_sym_ent *asp_cursor_miss(struct asp_reader *r, uint64_t time, uint64_t addr)
{
	return reader_lookup_ent(r, time, addr);
}

/* ---------------------------------------------------------------- arena */

void asp_arena_keep(struct asp_arena *a, struct asp_event *ev)
{
	if (!ev->data)
		return;
	/* allocated even for an empty payload: no offset from NULL */
	if (!a->p || a->len + ev->data_len > a->cap) {
		a->cap = 2 * (a->len + ev->data_len) + 4096;
		a->p = xrealloc(a->p, a->cap);
	}
	memcpy(a->p + a->len, ev->data, ev->data_len);
	/* an offset + 1 until the arena stops moving */
	ev->data = (const uint8_t *)(uintptr_t)(a->len + 1);
	a->len += ASP_ALIGN(ev->data_len, 8);
}

void asp_arena_fix(const struct asp_arena *a, struct asp_event *ev)
{
	if (ev->data)
		ev->data = a->p + ((uintptr_t)ev->data - 1);
}
