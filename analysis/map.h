/* map.h - open-addressing hash maps used by the analysis: u64 -> u64
 * (keys removed leave a tombstone, cleared when the table is rebuilt), and
 * string -> index (interning). */
#ifndef ASP_MAP_H
#define ASP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct asp_u64map_ent {
	uint64_t key, val;
	uint32_t aux; /* a second value, in what was padding (the thread of a
			 pending wake) */
	uint8_t used; /* 0 empty, 1 live, 2 deleted */
};
struct asp_u64map {
	struct asp_u64map_ent *ents; /* key, value and state side by side: one miss a probe */
	size_t cap;
	size_t n;    /* slots not empty: live keys and tombstones */
	size_t live; /* live keys */
};
bool asp_u64map_get(const struct asp_u64map *m, uint64_t key, uint64_t *val);
void asp_u64map_put(struct asp_u64map *m, uint64_t key, uint64_t val);
/* get-or-add in one probe: the value of key, 0 when it was added (*added);
 * the pointer is valid until the map next changes */
uint64_t *asp_u64map_ref(struct asp_u64map *m, uint64_t key, bool *added);
void asp_u64map_del(struct asp_u64map *m, uint64_t key);
/* the entry of key (val and aux to read or change), NULL when absent;
 * valid until the map next changes */
struct asp_u64map_ent *asp_u64map_find(struct asp_u64map *m, uint64_t key);
/* get-or-add in one probe: the entry of key, zero when added (*added) */
struct asp_u64map_ent *asp_u64map_add(struct asp_u64map *m, uint64_t key, bool *added);
/* get and remove in one probe: false when absent */
bool asp_u64map_take(struct asp_u64map *m, uint64_t key, uint64_t *val, uint32_t *aux);
void asp_u64map_free(struct asp_u64map *m);

/* strings interned to dense indices 0..n-1; the map keeps its own copies */
struct asp_strtab {
	struct asp_u64map idx; /* hash -> chain head is not needed: probe on full hash */
	char **names;
	uint64_t *hashes;
	size_t n, cap;
	uint32_t *slots;       /* open addressing over indices+1 */
	size_t nslots;
};
/* the index of s, adding it when absent (*added tells) */
uint32_t asp_strtab_intern(struct asp_strtab *t, const char *s, bool *added);
/* -1 when absent */
int64_t asp_strtab_find(const struct asp_strtab *t, const char *s);
void asp_strtab_free(struct asp_strtab *t);

#endif
