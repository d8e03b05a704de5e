/* record.h - the record reader's insides, for the files that read records
 * in place: record.c, merge.c (runs of one thread's records) and fold.c
 * (through a cursor, below). The record's bits, the reader's state and its
 * symbol cache, and the fast path of asp_reader_next, inline: the hot
 * loops pay no call per record. The format is told in record.c. */
#ifndef ASP_INGEST_RECORD_H
#define ASP_INGEST_RECORD_H

#include "ingest-private.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RECORD_SIZE 16
#define RECORD_MAGIC 5
#define SYM_CACHE_BITS 14
#define SYM_CACHE_SIZE (1u << SYM_CACHE_BITS) /* per trace, direct mapped */

/* Decode one 16-byte record: the bits of its word. */
struct asp_raw_record {
	uint64_t time;
	unsigned type, more, magic, depth;
	uint64_t addr;
};
void asp_decode_record(const uint8_t buf[16], struct asp_raw_record *rec);

/* A tag per symbol, computed once per symbol and cache and kept beside it
 * in the reader's cache: asp_cursor_sym hands it out with each record
 * (classes, say, without a trip to the symbol). Only for a threaded
 * trace's readers (their caches are their own); set before reading. With
 * share, a reader already given the same fn and ctx and read on the same
 * thread, r uses share's cache: the hot symbols of the thread's readers are
 * cached once. */
typedef uint8_t (*asp_tag_fn)(void *ctx, const struct asp_symbol *sym);
void asp_reader_set_tagger(struct asp_reader *r, asp_tag_fn fn, void *ctx,
			   struct asp_reader *share);
/* The records of a reader in place, for a hot loop of the caller's own
 * (fold.c's): the whole records in the reader's buffer from p to end, of
 * which the caller takes the leading run of plain ones (asp_cursor_plain:
 * an entry or exit without payload in the reader's session), resolving
 * the symbols it needs through the reader's cache (asp_cursor_sym), then
 * says where it stopped (asp_reader_consumed) and reads on with
 * asp_reader_next, which takes anything else and refills. */
struct asp_sym_ent {
	uint64_t key;                 /* the address, the session's index + 1 above */
	const struct asp_symbol *sym; /* NULL when not resolved */
	uint32_t id;                  /* sym->id (0 for none) */
	uint8_t tag;                  /* the reader's tagger's, 0 without one */
};
/* A record's time is believed without a second look when it is no earlier
 * than its thread's record before and at most this much later (a longer
 * jump is kept when the record after it does not go back: see
 * judge_time in record.c) */
#define ASP_JUMP_NS 1000000ULL
struct asp_cursor {
	const uint8_t *p, *end;
	/* a plain record's time is in [first, first + ASP_JUMP_NS] (first: the
	 * thread's latest time, within the session) and before until (the
	 * session's end, or the recording's); first = until = 0: none is */
	uint64_t first, until;
	uint64_t sess_key;
	struct asp_sym_ent *cache;
	struct asp_reader *r;
};
void asp_reader_cursor(struct asp_reader *r, struct asp_cursor *c);
/* the records before p were taken (none past a record that is not plain) */
void asp_reader_consumed(struct asp_reader *r, const uint8_t *p);
/* a record's time and word (type, more, magic, depth, address: see
 * asp_decode_record), read in place */
static inline void asp_cursor_load(const uint8_t *p, uint64_t *time, uint64_t *word)
{
	memcpy(time, p, 8);
	memcpy(word, p + 8, 8);
}
static inline bool asp_cursor_plain(const struct asp_cursor c, uint64_t time, uint64_t word)
{
	return (word & 0x3e) == (RECORD_MAGIC << 3) && time - c.first <= ASP_JUMP_NS && time < c.until;
}
static inline unsigned asp_word_type(uint64_t word) { return (unsigned)(word & 1); }
static inline uint16_t asp_word_depth(uint64_t word) { return (uint16_t)((word >> 6) & 0x3ff); }
const struct asp_sym_ent *asp_cursor_miss(struct asp_reader *r, uint64_t time, uint64_t addr);
/* the symbol of a plain record's word: one probe of the cache (c by value:
 * its fields stay in registers in the caller's loop) */
static inline const struct asp_sym_ent *asp_cursor_sym(const struct asp_cursor c, uint64_t time,
						       uint64_t word)
{
	uint64_t key = (word >> 16) | c.sess_key;
	const struct asp_sym_ent *e =
		&c.cache[(key * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS)];
	return e->key == key ? e : asp_cursor_miss(c.r, time, word >> 16);
}

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

/* Events kept past the next read (an event's payload lives in the reader's
 * buffer): their payloads copied into an arena, which may move while it
 * grows. asp_arena_keep copies ev->data and leaves a placeholder in it;
 * once nothing more is added, asp_arena_fix turns it back into a pointer. */
struct asp_arena {
	uint8_t *p;
	size_t len, cap;
};
void asp_arena_keep(struct asp_arena *a, struct asp_event *ev);
void asp_arena_fix(const struct asp_arena *a, struct asp_event *ev);

/* the reader whose buffer this thread reads, for the SIGBUS guard of
 * record.c (map_guard); set for every record. Local-exec, as when it was
 * record.c's own: one store, no look-up of its offset (libasprof.a goes
 * into programs only, never into a shared library) */
extern _Thread_local const struct asp_reader *cur_reader
	__attribute__((tls_model("local-exec")));
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
