/* fold.c - parallel readers that fold plain calls (see fold.h).
 *
 * Each recording thread has a queue of up to FOLD_QUEUE blocks of items. A
 * worker fills a block for whichever of its threads is furthest behind in
 * time and has queue space; the consumer takes blocks in order and merges
 * the threads' items by time. The consumer waits only for a thread whose
 * queue is empty and whose worker therefore has work: no deadlock, and the
 * memory is the blocks in flight (at most FOLD_QUEUE per thread, FOLD_EXTRA
 * beyond one each in all), whatever the recording's length. */
#include "fold.h"
#include "record.h"
#include "analysis/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOLD_ITEMS 4096
#define FOLD_RECS 256    /* records decoded per step: at most 2 items each */
#define FOLD_EVENTS 256
#define FOLD_ARENA (64 * 1024)
#define FOLD_QUEUE 6
/* blocks queued by all threads beyond one each: with many threads, a
 * thread's second block waits until the total is below this */
#define FOLD_EXTRA 16
/* a pending call's depth is above its caller's, and depths have 10 bits:
 * at most this many are pending (and become OPEN items at once) */
#define FOLD_MAX_PENDING 1024
_Static_assert(FOLD_MAX_PENDING + 2 * FOLD_RECS + 3 <= FOLD_ITEMS, "a step fits an empty block");

struct block {
	struct asp_fold_item *it;
	size_t n;
	struct asp_fold_call *calls; /* of the CALL items: at most one each */
	size_t ncalls;
	struct asp_fold_event *evs;
	size_t nev;
	struct asp_fold_kids *kids; /* of the OPEN items */
	size_t nkids, ckids;
	struct asp_arena arena; /* the events' payloads */
	int rc;         /* the last block: 0 at the end, -1 on an error */
	bool last;
	char *err;
};

/* a pending plain call */
struct pframe {
	const struct asp_symbol *sym;
	uint64_t start;
	uint16_t depth;
	uint8_t nkids;
	struct child_agg kids[CULPRIT_SLOTS];
};

/* Its three parts are written by different threads: each on cache lines
 * of its own, or the consumer's reads of cur and pos miss whenever the
 * worker stores its stack's state (measured: a sixth of asp_fold_next). */
#define FOLD_LINE 64
struct fthread {
	struct asp_reader *r;
	/* the worker's */
	struct pframe *p;
	size_t np, cap;
	uint64_t last;     /* latest non-zero record time consumed */
	uint64_t progress; /* the latest record time: who is furthest behind */
	const struct asp_switch *sw; /* its switch-outs (asp_trace_switches) */
	size_t nsw, swi;   /* swi: the first not handed on */
	uint64_t next_sw;  /* sw[swi].out, UINT64_MAX when none is left */
	struct asp_fold_totals tot;
	bool done;         /* its last block is queued */
	/* under the lock */
	_Alignas(FOLD_LINE) struct block *q[FOLD_QUEUE];
	size_t qhead, qn;
	/* the consumer's */
	_Alignas(FOLD_LINE) struct block *cur;
	size_t pos;
	bool ended;
};

struct worker {
	struct asp_fold *f;
	pthread_t thread;
	size_t *mine; /* thread indexes */
	size_t nmine;
	uint64_t bytes;
	/* per symbol id: 0 not seen, 1 plain, 2 not plain; entries folded */
	uint8_t *cls;
	uint64_t *calls;
	const struct asp_symbol **syms;
	size_t nsyms;
};

struct asp_fold {
	struct asp_trace *t;
	asp_plain_fn plain;
	void *ctx;
	struct fthread *th;
	size_t nth;
	struct worker *w;
	size_t nw, started;
	pthread_mutex_t lock;
	pthread_cond_t data, space;
	bool stop;
	size_t queued;       /* blocks in the threads' queues */
	struct block **pool; /* free blocks */
	size_t npool, cpool;
	/* the consumer's: each thread's head time (live: it has a head), in
	 * one array the merge scans without a trip to the threads' blocks;
	 * stale: the thread whose head moved on to another block */
	uint64_t *head_time;
	bool *live;
	size_t stale, nstale; /* nstale: all of them, before the first call */
};

static struct block *block_new(void)
{
	struct block *b = xcalloc(1, sizeof(*b));
	b->it = xmalloc(FOLD_ITEMS * sizeof(*b->it));
	b->calls = xmalloc(FOLD_ITEMS * sizeof(*b->calls));
	b->evs = xmalloc(FOLD_EVENTS * sizeof(*b->evs));
	return b;
}

static void block_free(struct block *b)
{
	if (!b)
		return;
	free(b->it);
	free(b->calls);
	free(b->evs);
	free(b->kids);
	free(b->arena.p);
	free(b->err);
	free(b);
}

/* ---------------------------------------------------------------- worker */

static __attribute__((noinline)) bool classify(struct worker *w, const struct asp_symbol *sym)
{
	uint32_t id = sym->id;
	if (id >= w->nsyms) {
		size_t n = w->nsyms ? w->nsyms : 1024;
		while (n <= id)
			n *= 2;
		w->cls = xrealloc(w->cls, n);
		w->calls = xreallocarray(w->calls, n, sizeof(*w->calls));
		w->syms = xreallocarray(w->syms, n, sizeof(*w->syms));
		memset(w->cls + w->nsyms, 0, n - w->nsyms);
		memset(w->calls + w->nsyms, 0, (n - w->nsyms) * sizeof(*w->calls));
		memset(w->syms + w->nsyms, 0, (n - w->nsyms) * sizeof(*w->syms));
		w->nsyms = n;
	}
	if (!w->cls[id]) {
		w->cls[id] = w->f->plain(w->f->ctx, sym) ? 1 : 2;
		w->syms[id] = sym;
	}
	return w->cls[id] == 1;
}

static inline bool is_plain(struct worker *w, const struct asp_symbol *sym)
{
	if (__builtin_expect(sym->id < w->nsyms && w->cls[sym->id], 1))
		return w->cls[sym->id] == 1;
	return classify(w, sym);
}

/* the readers' tagger (asp_reader_set_tagger): records come with it */
static uint8_t tag_plain(void *ctx, const struct asp_symbol *sym)
{
	return is_plain(ctx, sym);
}

static struct asp_fold_item *emit(struct block *b, uint8_t kind, uint64_t time,
				  const struct asp_symbol *sym, uint16_t depth)
{
	struct asp_fold_item *it = &b->it[b->n++];
	it->time = time;
	it->sym = sym;
	it->depth = depth;
	it->kind = kind;
	return it;
}

/* hand every pending call on (before anything the analyzer must see) */
static __attribute__((noinline)) void open_pending(struct fthread *ft, struct block *b)
{
	for (size_t i = 0; i < ft->np; i++) {
		const struct pframe *p = &ft->p[i];
		struct asp_fold_item *it = emit(b, ASP_FOLD_OPEN, p->start, p->sym, p->depth);
		it->aux = ASP_FOLD_NONE;
		if (!p->nkids)
			continue; /* most: nothing for the consumer to read */
		if (b->nkids == b->ckids) {
			b->ckids = b->ckids ? 2 * b->ckids : 64;
			b->kids = xreallocarray(b->kids, b->ckids, sizeof(*b->kids));
		}
		struct asp_fold_kids *k = &b->kids[b->nkids];
		k->n = p->nkids;
		memcpy(k->kids, p->kids, sizeof(k->kids)); /* fixed-size: past n unused */
		it->aux = (uint32_t)b->nkids++;
	}
	ft->np = 0;
}

/* the switch-outs before time (a record's): the stack then, and a SWITCH
 * at that time (the thread was back by then) */
static __attribute__((noinline)) void switches_before(struct fthread *ft, struct block *b,
						      uint64_t time)
{
	if (ft->np)
		open_pending(ft, b);
	while (ft->swi < ft->nsw && ft->sw[ft->swi].out < time)
		ft->swi++;
	emit(b, ASP_FOLD_SWITCH, time, NULL, 0)->aux = (uint32_t)ft->swi;
	ft->next_sw = ft->swi < ft->nsw ? ft->sw[ft->swi].out : UINT64_MAX;
}

static inline void push_pending(struct fthread *ft, const struct asp_symbol *sym, uint64_t time,
				uint16_t depth)
{
	if (ft->np == ft->cap) {
		ft->cap = ft->cap ? ft->cap * 2 : 64;
		ft->p = xreallocarray(ft->p, ft->cap, sizeof(*ft->p));
	}
	struct pframe *p = &ft->p[ft->np++];
	p->sym = sym;
	p->start = time;
	p->depth = depth;
	p->nkids = 0;
}

/* the top pending call of p[0..*np) returned at end: into its caller's
 * callees, or handed on as a CALL. Inlined into fold_recs' loop, where the
 * state is in locals. */
static inline __attribute__((always_inline)) void pop_call(struct pframe *p, size_t *np,
							  struct block *b, uint64_t end)
{
	const struct pframe *f = &p[--*np];
	uint64_t dur = end > f->start ? end - f->start : 0;
	const struct asp_symbol *deep = f->sym;
	uint64_t deep_dur = dur;
	if (f->nkids)
		culprit_hot_path(f->kids, f->nkids, f->sym, dur, &deep, &deep_dur);
	if (*np) {
		culprit_add(p[*np - 1].kids, &p[*np - 1].nkids, f->sym, dur, deep, deep_dur);
		return;
	}
	struct asp_fold_item *it = emit(b, ASP_FOLD_CALL, f->start, f->sym, f->depth);
	it->aux = (uint32_t)b->ncalls;
	struct asp_fold_call *c = &b->calls[b->ncalls++];
	c->dur = dur;
	c->deep_dur = deep_dur;
	c->deep = deep;
}

/* an entry or exit, with or without payload: folded when it is a plain
 * call's that nests (plain: the symbol's tag; its id indexes calls) */
static inline bool fold_rec(struct worker *w, struct fthread *ft, struct block *b, uint8_t type,
			    uint64_t time, uint16_t depth, const struct asp_symbol *sym, bool plain,
			    uint32_t id)
{
	if (type == ASP_REC_ENTRY) {
		if (!plain || (ft->np && ft->p[ft->np - 1].depth >= depth))
			return false;
		w->calls[id]++;
		push_pending(ft, sym, time, depth);
	} else {
		if (!ft->np || ft->p[ft->np - 1].depth != depth)
			return false;
		pop_call(ft->p, &ft->np, b, time);
	}
	return true;
}

/* one record of fold_recs, in full: a push that needs more stack, and
 * anything handed on */
static __attribute__((noinline)) void fold_one(struct worker *w, struct fthread *ft,
					       struct block *b, const struct asp_rec *r)
{
	if (fold_rec(w, ft, b, r->type, r->time, r->depth, r->sym, r->tag, r->id))
		return;
	if (ft->np)
		open_pending(ft, b);
	emit(b, ASP_FOLD_REC, r->time, r->sym, r->depth)->type = r->type;
}

/* the hot loop, on the reader's records in place: most records push or
 * pop a pending plain call, and an exit that pops one needs no symbol.
 * It takes up to max plain records (asp_cursor_plain) whose times do not
 * go back nor jump (the latest time is then the largest: the totals need
 * no other test; any other record goes the slow way, fold_event, which
 * asp_reader_next has judged: see judge_time in record.c) and returns
 * how many. The common steps run on local copies of the thread's state
 * (stores to the frames and items could alias its fields); fold_one does
 * the rest. */
static __attribute__((noinline)) size_t fold_recs(struct worker *w, struct fthread *ft,
						  struct block *b, size_t max)
{
	struct asp_cursor c;
	asp_reader_cursor(ft->r, &c);
	const uint8_t *rp = c.p, *end = c.end;
	if ((size_t)(end - rp) / 16 > max)
		end = rp + max * 16;
	/* room for a push per record: the loop need not ask */
	if (ft->cap < ft->np + max) {
		while (ft->cap < ft->np + max)
			ft->cap = ft->cap ? ft->cap * 2 : 64;
		ft->p = xreallocarray(ft->p, ft->cap, sizeof(*ft->p));
	}
	struct pframe *p = ft->p;
	size_t np = ft->np;
	/* lo: the thread's latest time (asp_cursor_plain); a record after
	 * the next switch-out goes the slow way, fold_event */
	uint64_t lo = c.first, until = ft->next_sw < c.until ? ft->next_sw + 1 : c.until;
	uint64_t time, word;
	for (; rp < end; rp += 16) {
		asp_cursor_load(rp, &time, &word);
		if ((word & 0x3e) != (RECORD_MAGIC << 3) || time - lo > ASP_JUMP_NS || time >= until)
			break;
		lo = time;
		uint16_t depth = asp_word_depth(word);
		const struct asp_sym_ent *e;
		if (asp_word_type(word) == ASP_REC_ENTRY) {
			e = asp_cursor_sym(c, time, word);
			if (e->tag && (np == 0 || p[np - 1].depth < depth)) {
				w->calls[e->id]++; /* (a lookup may have grown it) */
				struct pframe *f = &p[np++];
				f->sym = e->sym;
				f->start = time;
				f->depth = depth;
				f->nkids = 0;
				continue;
			}
		} else if (np && p[np - 1].depth == depth) {
			pop_call(p, &np, b, time);
			continue;
		} else {
			e = asp_cursor_sym(c, time, word);
		}
		ft->np = np;
		struct asp_rec r = { time, e->sym, depth, (uint8_t)asp_word_type(word), e->tag, e->id };
		fold_one(w, ft, b, &r);
		p = ft->p;
		np = ft->np;
	}
	ft->np = np;
	size_t n = (size_t)(rp - c.p) / 16;
	if (n) {
		/* all entries and exits, in time order: the last is the latest
		 * and the largest */
		ft->last = lo;
		if (lo) {
			ft->tot.last = lo;
			if (lo > ft->tot.max)
				ft->tot.max = lo;
		}
		ft->tot.records += n;
		asp_reader_consumed(ft->r, rp);
		ft->progress = lo;
	}
	return n;
}

static void fold_event(struct worker *w, struct fthread *ft, struct block *b,
		       const struct asp_event *ev)
{
	uint64_t before = ft->last;
	if (ev->time > ft->next_sw)
		switches_before(ft, b, ev->time);
	ft->tot.records++;
	if (ev->time)
		ft->last = ev->time;
	if (ev->type <= ASP_REC_EXIT && ev->time) {
		ft->tot.last = ev->time;
		if (ev->time > ft->tot.max)
			ft->tot.max = ev->time;
	}
	ft->progress = ev->time;
	if (ev->type <= ASP_REC_EXIT &&
	    fold_rec(w, ft, b, ev->type, ev->time, ev->depth, ev->sym, ev->sym && is_plain(w, ev->sym),
		     ev->sym ? ev->sym->id : 0))
		return;
	if (ft->np)
		open_pending(ft, b);
	emit(b, ASP_FOLD_EVENT, ev->time, NULL, 0)->aux = (uint32_t)b->nev;
	struct asp_fold_event *e = &b->evs[b->nev++];
	e->ev = *ev;
	e->last = before;
	asp_arena_keep(&b->arena, &e->ev);
}

/* the thread's next items into b, until b is full or the thread ends */
static void fill_block(struct worker *w, struct fthread *ft, struct block *b)
{
	b->n = b->ncalls = b->nev = b->nkids = b->arena.len = 0;
	b->last = false;
	while (b->n + ft->np + 2 * FOLD_RECS + 3 <= FOLD_ITEMS && b->nev < FOLD_EVENTS &&
	       b->arena.len <= FOLD_ARENA) {
		if (fold_recs(w, ft, b, FOLD_RECS))
			continue;
		struct asp_event ev;
		int rc = asp_reader_next(ft->r, &ev, &b->err);
		if (rc <= 0) {
			/* what is still open stays open: the analyzer closes it */
			if (rc == 0 && ft->np)
				open_pending(ft, b);
			b->rc = rc;
			b->last = true;
			break;
		}
		fold_event(w, ft, b, &ev);
	}
	for (size_t i = 0; i < b->nev; i++)
		asp_arena_fix(&b->arena, &b->evs[i].ev);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct asp_fold *f = w->f;
	pthread_setname_np(pthread_self(), "asprof-read");
	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		struct fthread *best = NULL;
		bool left = false;
		for (size_t i = 0; i < w->nmine; i++) {
			struct fthread *ft = &f->th[w->mine[i]];
			if (ft->done)
				continue;
			left = true;
			bool room = ft->qn == 0 ||
				    (ft->qn < FOLD_QUEUE && f->queued < f->nth + FOLD_EXTRA);
			if (room && (!best || ft->progress < best->progress))
				best = ft;
		}
		if (!left)
			break;
		if (!best) {
			pthread_cond_wait(&f->space, &f->lock);
			continue;
		}
		struct block *b = f->npool ? f->pool[--f->npool] : NULL;
		pthread_mutex_unlock(&f->lock);
		if (!b)
			b = block_new();
		fill_block(w, best, b);
		pthread_mutex_lock(&f->lock);
		best->q[(best->qhead + best->qn++) % FOLD_QUEUE] = b;
		f->queued++;
		if (b->last)
			best->done = true;
		pthread_cond_broadcast(&f->data);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* ---------------------------------------------------------------- consumer */

/* thread i's next item: 1 and *it, 0 at its end, -1 on its error */
static int head(struct asp_fold *f, size_t i, const struct asp_fold_item **it, char **err)
{
	struct fthread *ft = &f->th[i];
	for (;;) {
		struct block *b = ft->cur;
		if (b && ft->pos < b->n) {
			*it = &b->it[ft->pos];
			return 1;
		}
		if (b && b->last) {
			ft->ended = true;
			if (b->rc < 0) {
				*err = b->err;
				b->err = NULL;
				return -1;
			}
			return 0;
		}
		pthread_mutex_lock(&f->lock);
		if (b) {
			if (f->npool == f->cpool) {
				f->cpool = f->cpool ? 2 * f->cpool : 16;
				f->pool = xreallocarray(f->pool, f->cpool, sizeof(*f->pool));
			}
			f->pool[f->npool++] = b;
			ft->cur = NULL;
		}
		while (ft->qn == 0)
			pthread_cond_wait(&f->data, &f->lock);
		ft->cur = ft->q[ft->qhead];
		ft->qhead = (ft->qhead + 1) % FOLD_QUEUE;
		ft->qn--;
		f->queued--;
		ft->pos = 0;
		pthread_cond_broadcast(&f->space);
		pthread_mutex_unlock(&f->lock);
	}
}

/* thread i's head into head_time/live; -1 on its error */
static int refresh(struct asp_fold *f, size_t i, char **err)
{
	const struct asp_fold_item *it;
	int rc = f->th[i].ended ? 0 : head(f, i, &it, err);
	if (rc < 0)
		return -1;
	f->live[i] = rc > 0;
	if (rc > 0)
		f->head_time[i] = it->time;
	return 0;
}

int asp_fold_next(struct asp_fold *f, struct asp_fold_run *run, char **err)
{
	for (; f->nstale < f->nth; f->nstale++)
		if (refresh(f, f->nstale, err) < 0)
			return -1;
	if (f->stale != SIZE_MAX) {
		if (refresh(f, f->stale, err) < 0)
			return -1;
		f->stale = SIZE_MAX;
	}
	/* the smallest head, and the next smallest: the bound of the run */
	size_t best = SIZE_MAX, next = SIZE_MAX;
	uint64_t bt = 0, nt = 0;
	for (size_t i = 0; i < f->nth; i++) {
		if (!f->live[i])
			continue;
		uint64_t t = f->head_time[i];
		if (best == SIZE_MAX || t < bt) {
			next = best;
			nt = bt;
			best = i;
			bt = t;
		} else if (next == SIZE_MAX || t < nt) {
			next = i;
			nt = t;
		}
	}
	if (best == SIZE_MAX)
		return 0;
	struct fthread *ft = &f->th[best];
	const struct block *b = ft->cur;
	size_t k = ft->pos + 1;
	if (next == SIZE_MAX) {
		k = b->n;
	} else {
		/* ties go to the lower index */
		uint64_t lim = best < next ? nt : nt - 1;
		while (k < b->n && b->it[k].time <= lim) {
			/* the worker's writes are in the other CPU's cache: ask
			 * for the lines ahead */
			if (k + 16 < b->n)
				__builtin_prefetch(&b->it[k + 16]);
			k++;
		}
	}
	run->items = &b->it[ft->pos];
	run->n = k - ft->pos;
	run->thread = best;
	run->calls = b->calls;
	run->events = b->evs;
	run->kids = b->kids;
	ft->pos = k;
	if (k < b->n)
		f->head_time[best] = b->it[k].time;
	else
		f->stale = best; /* its next block: at the next call, after these are used */
	return 1;
}

void asp_fold_totals(const struct asp_fold *f, size_t i, struct asp_fold_totals *tot)
{
	*tot = f->th[i].tot;
}

/* ---------------------------------------------------------------- open/close */

void asp_fold_symbols(struct asp_fold *f,
		      void (*fn)(void *ctx, const struct asp_symbol *sym, uint64_t calls), void *ctx)
{
	for (size_t k = 0; k < f->nw; k++) {
		const struct worker *w = &f->w[k];
		for (size_t id = 0; id < w->nsyms; id++)
			if (w->syms[id])
				fn(ctx, w->syms[id], w->calls[id]);
	}
}

void asp_fold_close(struct asp_fold *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->space);
	pthread_mutex_unlock(&f->lock);
	for (size_t k = 0; k < f->started; k++)
		pthread_join(f->w[k].thread, NULL);
	for (size_t k = 0; k < f->nw; k++) {
		free(f->w[k].mine);
		free(f->w[k].cls);
		free(f->w[k].calls);
		free(f->w[k].syms);
	}
	free(f->w);
	for (size_t i = 0; i < f->nth; i++) {
		struct fthread *ft = &f->th[i];
		asp_reader_close(ft->r);
		free(ft->p);
		for (size_t j = 0; j < ft->qn; j++)
			block_free(ft->q[(ft->qhead + j) % FOLD_QUEUE]);
		block_free(ft->cur);
	}
	free(f->th);
	free(f->head_time);
	free(f->live);
	for (size_t i = 0; i < f->npool; i++)
		block_free(f->pool[i]);
	free(f->pool);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->data);
	pthread_cond_destroy(&f->space);
	free(f);
}

struct asp_fold *asp_fold_open(struct asp_trace *t, asp_plain_fn plain, void *ctx, char **err)
{
	asp_trace_threaded(t);
	struct asp_fold *f = xcalloc(1, sizeof(*f));
	f->t = t;
	f->plain = plain;
	f->ctx = ctx;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->data, NULL);
	pthread_cond_init(&f->space, NULL);
	f->nth = asp_trace_nthreads(t);
	f->th = xcalloc_aligned(f->nth, sizeof(*f->th), FOLD_LINE);
	f->head_time = xcalloc(f->nth, sizeof(*f->head_time));
	f->live = xcalloc(f->nth, sizeof(*f->live));
	f->stale = SIZE_MAX;
	for (size_t i = 0; i < f->nth; i++) {
		f->th[i].sw = asp_trace_switches(t, i, &f->th[i].nsw);
		f->th[i].next_sw = f->th[i].nsw ? f->th[i].sw[0].out : UINT64_MAX;
		f->th[i].r = asp_reader_open(t, i, err);
		if (!f->th[i].r) {
			asp_fold_close(f);
			return NULL;
		}
	}
	/* a worker per CPU, at most one per thread; the largest files first,
	 * each to the worker with the fewest bytes so far */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	f->nw = ncpu > 1 ? (size_t)ncpu : 1;
	if (f->nw > f->nth)
		f->nw = f->nth;
	f->w = xcalloc(f->nw, sizeof(*f->w));
	for (size_t k = 0; k < f->nw; k++)
		f->w[k].f = f;
	size_t *order = xmalloc(f->nth * sizeof(*order));
	for (size_t i = 0; i < f->nth; i++)
		order[i] = i;
	for (size_t i = 1; i < f->nth; i++) /* by size, descending; stable */
		for (size_t j = i; j > 0 && asp_trace_thread_bytes(t, order[j]) >
						asp_trace_thread_bytes(t, order[j - 1]); j--) {
			size_t tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	for (size_t i = 0; i < f->nth; i++) {
		struct worker *w = &f->w[0];
		for (size_t k = 1; k < f->nw; k++)
			if (f->w[k].bytes < w->bytes)
				w = &f->w[k];
		w->mine = xreallocarray(w->mine, w->nmine + 1, sizeof(*w->mine));
		w->mine[w->nmine++] = order[i];
		w->bytes += asp_trace_thread_bytes(t, order[i]);
		/* a worker's readers share its symbol cache */
		asp_reader_set_tagger(f->th[order[i]].r, tag_plain, w, f->th[w->mine[0]].r);
	}
	free(order);
	for (size_t k = 0; k < f->nw; k++) {
		if (asp_thread_create(&f->w[k].thread, worker_main, &f->w[k]) != 0) {
			asp_fail(err, "%s: cannot start a thread", asp_trace_dir(t));
			asp_fold_close(f);
			return NULL;
		}
		f->started++;
	}
	return f;
}
