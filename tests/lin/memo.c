/*
 * The memo of explored configurations: open addressing with linear
 * probing over slots that hold the hash, the state and where the bitset
 * lies in one growing arena of words. A bitset costs nbits/8 bytes, so
 * a few thousand ops and a few hundred thousand configurations stay in
 * tens of megabytes; the search's time limit bounds the rest.
 *
 * Invariants: memo.h's (1) and (2).
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "memo.h"

#define EMPTY	SIZE_MAX

struct slot {
	uint64_t	 hash;
	size_t		 off;		/* first word in the arena, or EMPTY */
	int64_t		 version;
	uint32_t	 val;
};

struct zk_memo {
	struct slot	*slots;
	size_t		 cap;		/* slots, a power of two */
	size_t		 n;		/* used slots */
	size_t		 nwords;	/* words per bitset */
	uint64_t	*arena;
	size_t		 arena_len;	/* words used */
	size_t		 arena_cap;	/* words allocated */
};

static void
alloc_slots(struct zk_memo *m, size_t cap)
{
	size_t	 i;

	m->slots = zk_xmalloc(cap * sizeof(*m->slots));
	for (i = 0; i < cap; i++)
		m->slots[i].off = EMPTY;
	m->cap = cap;
}

struct zk_memo *
zk_memo_new(size_t nbits)
{
	struct zk_memo	*m = zk_xcalloc(1, sizeof(*m));

	m->nwords = (nbits + 63) / 64;
	if (m->nwords == 0)
		m->nwords = 1;
	alloc_slots(m, 1024);
	return m;
}

void
zk_memo_free(struct zk_memo *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m->arena);
	free(m);
}

/* Invariant (2): doubles the table, moving each slot to its new place. */
static void
grow(struct zk_memo *m)
{
	struct slot	*old = m->slots;
	size_t		 oldcap = m->cap, i, j;

	alloc_slots(m, oldcap * 2);
	for (i = 0; i < oldcap; i++) {
		if (old[i].off == EMPTY)
			continue;
		for (j = old[i].hash & (m->cap - 1); m->slots[j].off != EMPTY;
		    j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

int
zk_memo_add(struct zk_memo *m, const uint64_t *bits, uint64_t hash,
    uint32_t val, int64_t version)
{
	struct slot	*s;
	size_t		 j, bytes = m->nwords * sizeof(uint64_t);

	for (j = hash & (m->cap - 1); m->slots[j].off != EMPTY;
	    j = (j + 1) & (m->cap - 1)) {
		s = &m->slots[j];
		if (s->hash == hash && s->val == val && s->version == version &&
		    memcmp(m->arena + s->off, bits, bytes) == 0)
			return 0;	/* invariant (1) */
	}
	if (m->arena_len + m->nwords > m->arena_cap) {
		m->arena_cap = m->arena_cap ? m->arena_cap * 2 : 64 * m->nwords;
		m->arena = zk_xrealloc(m->arena,
		    m->arena_cap * sizeof(uint64_t));
	}
	memcpy(m->arena + m->arena_len, bits, bytes);
	s = &m->slots[j];
	s->hash = hash;
	s->off = m->arena_len;
	s->val = val;
	s->version = version;
	m->arena_len += m->nwords;
	if (++m->n * 2 > m->cap)
		grow(m);
	return 1;
}

size_t
zk_memo_count(const struct zk_memo *m)
{
	return m->n;
}

size_t
zk_memo_bytes(const struct zk_memo *m)
{
	return m->cap * sizeof(struct slot) + m->arena_cap * sizeof(uint64_t);
}
