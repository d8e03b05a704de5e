/* map.c - the analysis' hash maps (see map.h). */
#include "map.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* a table 3/4 full (tombstones count: they lengthen every probe) is
 * rebuilt without them, twice as large only when its live keys are over
 * a quarter of it: a map that keys come and go from (a task's pending
 * wake) stays as small as what it holds */
static void u64map_grow(struct asp_u64map *m)
{
	struct asp_u64map old = *m;
	m->cap = !old.cap ? 64 : old.live * 4 < old.cap ? old.cap : old.cap * 2;
	m->ents = xcalloc(m->cap, sizeof(*m->ents));
	m->n = m->live = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.ents[i].used == 1) {
			bool added;
			struct asp_u64map_ent *e = asp_u64map_add(m, old.ents[i].key, &added);
			e->val = old.ents[i].val;
			e->aux = old.ents[i].aux;
		}
	free(old.ents);
}

static size_t u64map_slot(const struct asp_u64map *m, uint64_t key, bool *found)
{
	size_t mask = m->cap - 1, i = asp_hash_u64(key) & mask, tomb = SIZE_MAX;
	for (;;) {
		if (m->ents[i].used == 0) {
			*found = false;
			return tomb != SIZE_MAX ? tomb : i;
		}
		if (m->ents[i].used == 1 && m->ents[i].key == key) {
			*found = true;
			return i;
		}
		if (m->ents[i].used == 2 && tomb == SIZE_MAX)
			tomb = i;
		i = (i + 1) & mask;
	}
}

bool asp_u64map_get(const struct asp_u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->live) /* empty, or only tombstones: no probe */
		return false;
	bool found;
	size_t i = u64map_slot(m, key, &found);
	if (found && val)
		*val = m->ents[i].val;
	return found;
}

struct asp_u64map_ent *asp_u64map_add(struct asp_u64map *m, uint64_t key, bool *added)
{
	if ((m->n + 1) * 4 >= m->cap * 3)
		u64map_grow(m);
	bool found;
	size_t i = u64map_slot(m, key, &found);
	if (!found) {
		m->n += m->ents[i].used == 0; /* a tombstone's slot was counted */
		m->ents[i].used = 1;
		m->ents[i].key = key;
		m->ents[i].val = 0;
		m->ents[i].aux = 0;
		m->live++;
	}
	*added = !found;
	return &m->ents[i];
}

uint64_t *asp_u64map_ref(struct asp_u64map *m, uint64_t key, bool *added)
{
	return &asp_u64map_add(m, key, added)->val;
}

struct asp_u64map_ent *asp_u64map_find(struct asp_u64map *m, uint64_t key)
{
	if (!m->live)
		return NULL;
	bool found;
	size_t i = u64map_slot(m, key, &found);
	return found ? &m->ents[i] : NULL;
}

bool asp_u64map_take(struct asp_u64map *m, uint64_t key, uint64_t *val, uint32_t *aux)
{
	struct asp_u64map_ent *e = asp_u64map_find(m, key);
	if (!e)
		return false;
	*val = e->val;
	*aux = e->aux;
	e->used = 2; /* n stays: tombstones count toward the load */
	m->live--;
	return true;
}

void asp_u64map_put(struct asp_u64map *m, uint64_t key, uint64_t val)
{
	bool added;
	*asp_u64map_ref(m, key, &added) = val;
}

void asp_u64map_del(struct asp_u64map *m, uint64_t key)
{
	uint64_t val;
	uint32_t aux;
	asp_u64map_take(m, key, &val, &aux);
}

void asp_u64map_free(struct asp_u64map *m)
{
	free(m->ents);
	memset(m, 0, sizeof(*m));
}

static void strtab_rehash(struct asp_strtab *t)
{
	free(t->slots);
	t->nslots = t->nslots ? t->nslots * 2 : 64;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t k = 0; k < t->n; k++) {
		size_t i = t->hashes[k] & (t->nslots - 1);
		while (t->slots[i])
			i = (i + 1) & (t->nslots - 1);
		t->slots[i] = (uint32_t)k + 1;
	}
}

int64_t asp_strtab_find(const struct asp_strtab *t, const char *s)
{
	if (!t->nslots)
		return -1;
	uint64_t h = asp_hash_bytes(s, strlen(s));
	for (size_t i = h & (t->nslots - 1); t->slots[i]; i = (i + 1) & (t->nslots - 1)) {
		uint32_t k = t->slots[i] - 1;
		if (t->hashes[k] == h && !strcmp(t->names[k], s))
			return k;
	}
	return -1;
}

uint32_t asp_strtab_intern(struct asp_strtab *t, const char *s, bool *added)
{
	int64_t k = asp_strtab_find(t, s);
	if (added)
		*added = k < 0;
	if (k >= 0)
		return (uint32_t)k;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->names = xreallocarray(t->names, t->cap, sizeof(*t->names));
		t->hashes = xreallocarray(t->hashes, t->cap, sizeof(*t->hashes));
	}
	t->names[t->n] = xstrdup(s);
	t->hashes[t->n] = asp_hash_bytes(s, strlen(s));
	t->n++;
	if (t->n * 2 >= t->nslots)
		strtab_rehash(t);
	else {
		size_t i = t->hashes[t->n - 1] & (t->nslots - 1);
		while (t->slots[i])
			i = (i + 1) & (t->nslots - 1);
		t->slots[i] = (uint32_t)t->n;
	}
	return (uint32_t)(t->n - 1);
}

void asp_strtab_free(struct asp_strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->hashes);
	free(t->slots);
	asp_u64map_free(&t->idx);
	memset(t, 0, sizeof(*t));
}
