/* merge.c - every thread's records in one order: the merger (a heap of
 * the readers' heads, and runs of one thread's plain records decoded in
 * place), and the stream, the merger's order read ahead on a decoder
 * thread of its own. */
#include "record.h"
#include "analysis/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* the bulk paths' step: the record at p, when it is an entry or exit without
 * payload in the session the reader is in (before until, key sess_key)
 * and timed in [lo, lo + ASP_JUMP_NS] (lo: the thread's latest time, in
 * the session): its time, its word (type, depth: see asp_decode_record)
 * and its symbol's cache entry; NULL for anything else (reader_next takes
 * it) */
static inline const struct asp_sym_ent *plain_record(struct asp_reader *r, const uint8_t *p,
						       uint64_t lo, uint64_t until,
						       uint64_t sess_key, uint64_t *time,
						       uint64_t *w)
{
	memcpy(time, p, 8);
	memcpy(w, p + 8, 8);
	if ((*w & 0x3e) != (RECORD_MAGIC << 3) || *time - lo > ASP_JUMP_NS || *time >= until)
		return NULL;
	uint64_t addr = *w >> 16, key = addr | sess_key;
	const struct asp_sym_ent *ce =
		&r->cache[(key * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS)];
	return ce->key == key ? ce : reader_lookup_ent(r, *time, addr);
}

/* ---------------------------------------------------------------- merger */

/* heap entries carry their reader's head time: comparisons touch nothing else */
struct heap_ent {
	uint64_t time;
	size_t idx;
};

struct asp_merger {
	struct asp_reader **r;
	struct asp_event *head;
	struct heap_ent *heap; /* readers with a head event, min-heap on (time, idx) */
	size_t n, nheap;
	/* the root's event was handed out: its reader advances on the next
	 * call (so the event and its payload stay valid until then) */
	bool advance;
	/* the smallest head below the root: while the root's reader stays
	 * below it, the heap needs no work */
	struct heap_ent bound;
};

static inline bool heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
	return a->time < b->time || (a->time == b->time && a->idx < b->idx);
}

static void heap_down(struct asp_merger *m, size_t i)
{
	struct heap_ent *h = m->heap;
	for (;;) {
		size_t l = 2 * i + 1, rr = l + 1, s = i;
		if (l < m->nheap && heap_less(&h[l], &h[s]))
			s = l;
		if (rr < m->nheap && heap_less(&h[rr], &h[s]))
			s = rr;
		if (s == i)
			return;
		struct heap_ent tmp = h[i];
		h[i] = h[s];
		h[s] = tmp;
		i = s;
	}
}

static void set_bound(struct asp_merger *m)
{
	if (m->nheap < 2)
		return;
	m->bound = m->heap[1];
	if (m->nheap > 2 && heap_less(&m->heap[2], &m->bound))
		m->bound = m->heap[2];
}

void asp_merger_close(struct asp_merger *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		asp_reader_close(m->r[i]);
	free(m->r);
	free(m->head);
	free(m->heap);
	free(m);
}

struct asp_merger *asp_merger_open(struct asp_trace *t, char **err)
{
	struct asp_merger *m = xcalloc(1, sizeof(*m));
	m->n = asp_trace_nthreads(t);
	m->r = xcalloc(m->n, sizeof(*m->r));
	m->head = xcalloc(m->n, sizeof(*m->head));
	m->heap = xcalloc(m->n, sizeof(*m->heap));
	for (size_t i = 0; i < m->n; i++) {
		m->r[i] = asp_reader_open(t, i, err);
		if (!m->r[i]) {
			asp_merger_close(m);
			return NULL;
		}
		int rc = asp_reader_next(m->r[i], &m->head[i], err);
		if (rc < 0) {
			asp_merger_close(m);
			return NULL;
		}
		if (rc > 0)
			m->heap[m->nheap++] = (struct heap_ent){ m->head[i].time, i };
	}
	for (size_t i = m->nheap; i-- > 0;)
		heap_down(m, i);
	set_bound(m);
	return m;
}

/* the root's reader has a new head, at time */
static inline void root_moved(struct asp_merger *m, uint64_t time)
{
	m->heap[0].time = time;
	if (m->nheap > 1 && heap_less(&m->bound, &m->heap[0])) {
		if (m->nheap <= 3) {
			/* the root's children are leaves: swap with the smaller */
			size_t c = m->nheap == 3 && m->heap[2].idx == m->bound.idx ? 2 : 1;
			struct heap_ent tmp = m->heap[0];
			m->heap[0] = m->heap[c];
			m->heap[c] = tmp;
		} else {
			heap_down(m, 0);
		}
		set_bound(m);
	}
}

/* the root's reader hands out its next record; the heap follows */
static int merger_advance(struct asp_merger *m, char **err)
{
	m->advance = false;
	size_t i = m->heap[0].idx;
	int rc = reader_next(m->r[i], &m->head[i], err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		m->heap[0] = m->heap[--m->nheap];
		heap_down(m, 0);
		set_bound(m);
		return 0;
	}
	root_moved(m, m->head[i].time);
	return 0;
}

int asp_merger_next_ref(struct asp_merger *m, const struct asp_event **ev, char **err)
{
	if (m->advance && merger_advance(m, err) < 0)
		return -1;
	if (m->nheap == 0)
		return 0;
	*ev = &m->head[m->heap[0].idx];
	m->advance = true;
	return 1;
}

int asp_merger_next_batch(struct asp_merger *m, struct asp_rec *recs, size_t max, size_t *n,
			  size_t *thread, const struct asp_event **ev, char **err)
{
	if (m->advance && merger_advance(m, err) < 0)
		return -1;
	if (m->nheap == 0)
		return 0;
	size_t i = m->heap[0].idx;
	const struct asp_event *h = &m->head[i];
	m->advance = true; /* for a batch: the record after it becomes the head */
	if (h->more || h->type > ASP_REC_EXIT || max == 0) {
		*ev = h;
		return 1;
	}
	*ev = NULL;
	*thread = i;
	recs[0] = (struct asp_rec){ h->time, h->sym, h->depth, h->type, 0, 0 };
	/* then the reader's records decoded in place while they are plain and
	 * in the reader's current session (else reader_next takes over) and
	 * below every other thread's head (ties: the lower index first) */
	struct asp_reader *r = m->r[i];
	uint64_t last = UINT64_MAX; /* the latest time before another thread's turn */
	if (m->nheap > 1)
		last = i < m->bound.idx ? m->bound.time : m->bound.time - 1;
	const uint8_t *buf = r->buf;
	reading(r);
	size_t pos = r->pos, k = 1;
	if (max > (r->len - pos) / RECORD_SIZE + 1)
		max = (r->len - pos) / RECORD_SIZE + 1;
	bool switched = false;
	/* in locals: stores to recs could alias them */
	const uint64_t until = r->sess_until, sess_key = r->sess_key;
	uint64_t lo = r->last_time; /* the head's: in the session */
	while (k < max) {
		uint64_t time, w;
		const struct asp_sym_ent *ce =
			plain_record(r, buf + pos, lo, until, sess_key, &time, &w);
		if (!ce)
			break;
		lo = time;
		const struct asp_symbol *sym = ce->sym;
		uint64_t addr = w >> 16;
		pos += RECORD_SIZE;
		if (time > last) {
			/* another thread's turn: this record is the reader's new
			 * head, as merger_advance would make it */
			struct asp_event *hd = &m->head[i];
			hd->time = time;
			hd->type = (uint8_t)(w & 1);
			hd->depth = (uint16_t)((w >> 6) & 0x3ff);
			hd->addr = addr;
			hd->sym = sym;
			/* tid, more, data, specs: as the plain record before */
			switched = true;
			break;
		}
		recs[k++] = (struct asp_rec){ time, sym, (uint16_t)((w >> 6) & 0x3ff), (uint8_t)(w & 1),
					      0, 0 };
	}
	r->pos = pos;
	r->count += k - 1 + switched;
	if (switched) {
		r->last_time = m->head[i].time;
		r->timed = true;
		m->advance = false;
		root_moved(m, m->head[i].time);
	} else if (k > 1) {
		r->last_time = recs[k - 1].time;
		r->timed = true;
	}
	*n = k;
	return 1;
}

int asp_merger_next(struct asp_merger *m, struct asp_event *ev, char **err)
{
	const struct asp_event *e;
	int rc = asp_merger_next_ref(m, &e, err);
	if (rc > 0)
		*ev = *e;
	return rc;
}

/* ---------------------------------------------------------------- stream */

/* asp_merger_next_batch's sequence, produced on a thread of its own: the
 * decoder thread reads, resolves and merges every thread's records into
 * chunks (runs of plain records of one thread, and the other records with
 * their payloads copied) that the caller consumes from a small ring. The
 * decoder is the only thread that touches the readers, the symbol cache and
 * the modules while the stream is open. */

struct segment {
	uint32_t thread;
	uint32_t n;   /* records from the chunk's next unread one on */
	int32_t ev;   /* or: an event, its index in evs; -1 */
};

struct chunk {
	struct asp_rec *recs;
	size_t nrec;
	struct segment *segs;
	size_t nseg;
	struct asp_event *evs;
	size_t nev;
	struct asp_arena arena; /* the events' payloads */
	int rc;               /* the last chunk: 0 at the end, -1 on an error */
	bool last;
	char *err;
};
#define STREAM_RECS 8192
#define STREAM_SEGS 2048
#define STREAM_EVENTS 512
#define STREAM_ARENA (64 * 1024)
#define STREAM_CHUNKS 4

struct asp_stream {
	struct asp_merger *m;
	pthread_t decoder;
	bool running, stop;
	pthread_mutex_t lock;
	pthread_cond_t data, space;
	struct chunk *ring[STREAM_CHUNKS]; /* decoded, in order */
	size_t head, count;
	struct chunk *free[STREAM_CHUNKS];
	size_t nfree;
	struct chunk *cur;   /* the caller's */
	size_t seg, rec;     /* the caller's next segment and record in cur */
};

static struct chunk *chunk_new(void)
{
	struct chunk *c = xcalloc(1, sizeof(*c));
	c->recs = xmalloc(STREAM_RECS * sizeof(*c->recs));
	c->segs = xmalloc(STREAM_SEGS * sizeof(*c->segs));
	c->evs = xmalloc(STREAM_EVENTS * sizeof(*c->evs));
	return c;
}

static void chunk_free(struct chunk *c)
{
	if (!c)
		return;
	free(c->recs);
	free(c->segs);
	free(c->evs);
	free(c->arena.p);
	free(c->err);
	free(c);
}

/* the merger's next batches into c, until c is full or the stream ends */
static void chunk_fill(struct asp_merger *m, struct chunk *c)
{
	c->nrec = c->nseg = c->nev = c->arena.len = 0;
	c->last = false;
	while (c->nseg < STREAM_SEGS && c->nev < STREAM_EVENTS && c->nrec < STREAM_RECS &&
	       c->arena.len <= STREAM_ARENA) {
		size_t n = 0, thread = 0;
		const struct asp_event *ev;
		int rc = asp_merger_next_batch(m, c->recs + c->nrec, STREAM_RECS - c->nrec, &n, &thread,
					       &ev, &c->err);
		if (rc <= 0) {
			c->rc = rc;
			c->last = true;
			break;
		}
		struct segment *sg = &c->segs[c->nseg++];
		sg->thread = (uint32_t)thread;
		if (!ev) {
			sg->n = (uint32_t)n;
			sg->ev = -1;
			c->nrec += n;
			continue;
		}
		struct asp_event *e = &c->evs[c->nev];
		*e = *ev;
		asp_arena_keep(&c->arena, e);
		sg->n = 0;
		sg->ev = (int32_t)c->nev++;
	}
	for (size_t i = 0; i < c->nev; i++)
		asp_arena_fix(&c->arena, &c->evs[i]);
}

static void *decoder_main(void *arg)
{
	struct asp_stream *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->stop && s->nfree == 0)
			pthread_cond_wait(&s->space, &s->lock);
		if (s->stop)
			break;
		struct chunk *c = s->free[--s->nfree];
		pthread_mutex_unlock(&s->lock);
		chunk_fill(s->m, c);
		pthread_mutex_lock(&s->lock);
		s->ring[(s->head + s->count++) % STREAM_CHUNKS] = c;
		pthread_cond_signal(&s->data);
		if (c->last)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void asp_stream_close(struct asp_stream *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_broadcast(&s->space);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->decoder, NULL);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->data);
	pthread_cond_destroy(&s->space);
	for (size_t i = 0; i < s->nfree; i++)
		chunk_free(s->free[i]);
	for (size_t i = 0; i < s->count; i++)
		chunk_free(s->ring[(s->head + i) % STREAM_CHUNKS]);
	chunk_free(s->cur);
	asp_merger_close(s->m);
	free(s);
}

struct asp_stream *asp_stream_open(struct asp_trace *t, char **err)
{
	struct asp_merger *m = asp_merger_open(t, err);
	if (!m)
		return NULL;
	struct asp_stream *s = xcalloc(1, sizeof(*s));
	s->m = m;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->data, NULL);
	pthread_cond_init(&s->space, NULL);
	for (size_t i = 0; i < STREAM_CHUNKS; i++)
		s->free[s->nfree++] = chunk_new();
	if (asp_thread_create(&s->decoder, decoder_main, s) != 0) {
		asp_fail(err, "%s: cannot start a thread", t->dir);
		asp_stream_close(s);
		return NULL;
	}
	s->running = true;
	return s;
}

int asp_stream_next(struct asp_stream *s, const struct asp_rec **recs, size_t *n, size_t *thread,
		    const struct asp_event **ev, char **err)
{
	struct chunk *c = s->cur;
	while (!c || s->seg == c->nseg) {
		if (c && c->last) {
			if (c->rc < 0) {
				*err = c->err;
				c->err = NULL;
			}
			return c->rc;
		}
		pthread_mutex_lock(&s->lock);
		if (c) {
			s->free[s->nfree++] = c;
			pthread_cond_signal(&s->space);
		}
		while (s->count == 0)
			pthread_cond_wait(&s->data, &s->lock);
		c = s->cur = s->ring[s->head];
		s->head = (s->head + 1) % STREAM_CHUNKS;
		s->count--;
		pthread_mutex_unlock(&s->lock);
		s->seg = s->rec = 0;
	}
	const struct segment *sg = &c->segs[s->seg++];
	*thread = sg->thread;
	if (sg->ev >= 0) {
		*ev = &c->evs[sg->ev];
		return 1;
	}
	*ev = NULL;
	*recs = c->recs + s->rec;
	*n = sg->n;
	s->rec += sg->n;
	return 1;
}
