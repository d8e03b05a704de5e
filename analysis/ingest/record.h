/* record.h - the record reader's insides, for the files that read records
 * in place: record.c, merge.c (a run of one thread's records at a time)
 * and fold.c (through the cursor of ingest.h). A reader's state, its
 * symbol cache and the fast path of asp_reader_next, inline: the hot
 * loops pay no call per record. The record's format is told in record.c. */
#ifndef ASP_INGEST_RECORD_H
#define ASP_INGEST_RECORD_H

#include "ingest-private.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RECORD_SIZE 16
#define RECORD_MAGIC 5
#define SYM_CACHE_BITS ASP_SYM_CACHE_BITS
#define SYM_CACHE_SIZE (1u << SYM_CACHE_BITS) /* per trace, direct mapped */

struct asp_reader {
	struct asp_trace *t;
	const char *path;
	int tid;
	int fd;            /* -1 between refills when !keep_fd, and after the end */
	bool keep_fd;
	struct asp_sym_ent *cache; /* the trace's, the reader's own, or shared */
	bool own_cache;
	struct asp_sym_ent miss;   /* a lookup that may not be cached */
	asp_tag_fn tagger;
	void *tag_ctx;
	uint8_t *buf;      /* the mapped window, or own_buf */
	uint8_t *own_buf;  /* read() into it where the file cannot be mapped */
	uint8_t *map;      /* the window (buf), NULL when none is mapped */
	size_t map_len;
	size_t window;     /* bytes to map at a time; 0: read() */
	size_t bufsize;    /* own_buf's size (read() mode) */
	size_t len, pos;   /* bytes in buf, read position */
	uint64_t offset;   /* file offset of buf[0] */
	uint64_t file_pos; /* bytes read from the file */
	bool eof;
	bool sess_known;   /* sess is the session for times in [sess_from, sess_until) */
	bool ended;        /* reader_end was done */
	bool timed;        /* last_time is a record's */
	uint64_t count;
	uint64_t last_time; /* the latest record time taken (the recording's
			       start before the first): see judge_time */
	/* records whose times the recording cannot have (dropped), and those
	 * timed before the record ahead of them (clamped): the first and how
	 * many, said at the end of the file */
	uint64_t ndropped, drop_at, drop_time, drop_prev;
	int drop_why;
	uint64_t nback, back_at;
	struct session *sess;
	uint64_t sess_key;   /* the session part of a cache key; 0: do not cache */
	uint64_t sess_until;
	uint64_t sess_from;
};

/* the reader whose buffer this thread reads, for the SIGBUS guard of
 * record.c (map_guard) */
extern _Thread_local const struct asp_reader *cur_reader;
static inline void reading(const struct asp_reader *r) { cur_reader = r; }

/* record.c: the reader's session for records at time (and the times it
 * holds for); a symbol that missed the cache, looked up into the entry;
 * every record that is not an entry or exit without payload */
void reader_session(struct asp_reader *r, uint64_t time);
const struct asp_sym_ent *reader_lookup_miss(struct asp_reader *r, struct asp_sym_ent *ce,
					     uint64_t key, uint64_t addr);
int reader_next_slow(struct asp_reader *r, struct asp_event *ev, char **err);

/* per record: a session range check and one probe of a direct-mapped cache,
 * shared by the trace's readers (one per thread would hold the same hot
 * functions several times over, out of the L1 cache), or the reader's own
 * when readers run on threads of their own */
static inline const struct asp_sym_ent *reader_lookup_ent(struct asp_reader *r, uint64_t time,
							    uint64_t addr)
{
	if (__builtin_expect(!r->sess_known || time < r->sess_from || time >= r->sess_until, 0))
		reader_session(r, time);
	uint64_t key = addr | r->sess_key;
	struct asp_sym_ent *ce = &r->cache[(key * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS)];
	if (__builtin_expect(ce->key == key, 1))
		return ce;
	return reader_lookup_miss(r, ce, key, addr);
}

static inline const struct asp_symbol *reader_lookup(struct asp_reader *r, uint64_t time,
						     uint64_t addr)
{
	return reader_lookup_ent(r, time, addr)->sym;
}

/* the common record, an entry or exit without payload, decoded in place;
 * everything else (payloads, LOST, EVENT, bad magic, refills) goes to
 * reader_next_slow */
static inline int reader_next(struct asp_reader *r, struct asp_event *ev, char **err)
{
	reading(r);
	if (__builtin_expect(r->len - r->pos >= RECORD_SIZE, 1)) {
		uint64_t time, w;
		memcpy(&time, r->buf + r->pos, 8);
		memcpy(&w, r->buf + r->pos + 8, 8);
		/* magic 5, more 0, type ENTRY or EXIT */
		if (__builtin_expect((w & 0x3e) == (RECORD_MAGIC << 3) &&
				     time - r->last_time <= ASP_JUMP_NS && time < r->t->time_limit,
				     1)) {
			r->pos += RECORD_SIZE;
			ev->time = time;
			ev->tid = r->tid;
			ev->type = (uint8_t)(w & 1);
			ev->more = false;
			ev->depth = (uint16_t)((w >> 6) & 0x3ff);
			ev->addr = w >> 16;
			ev->sym = reader_lookup(r, time, w >> 16);
			ev->data = NULL;
			ev->data_len = 0;
			ev->specs = NULL;
			ev->nspecs = 0;
			r->count++;
			r->last_time = time;
			r->timed = true;
			return 1;
		}
	}
	return reader_next_slow(r, ev, err);
}

#endif
