/*
 * The session table: a chained hash table from session id to session,
 * each session with the list of paths of the ephemeral nodes it owns, and
 * the expiry scan over local deadlines.
 *
 * Expiry is a plain scan, O(sessions) per call: the peer calls it once a
 * tick, and a tick over a few thousand sessions costs microseconds.
 * ZooKeeper's ExpiryQueue buckets sessions by tick to avoid the scan; we
 * can do the same if tables grow to millions.
 *
 * A session's ephemerals list is an unordered array (removal moves the
 * last path into the hole). Once a session owns EINDEX_MIN paths it also
 * gets an open-addressing index from path to slot, so that removing one
 * of 100,000 ephemerals is not a linear search.
 *
 * Invariants:
 *  (1) The bucket count is a power of two, at least the session count.
 *  (2) A session pointer stays valid until the session is removed.
 *  (3) With an index, every path on the list has exactly one index entry
 *      holding its slot + 1, and the index is at most half full.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "session.h"
#include "util.h"

#define EINDEX_MIN	16	/* paths on a list before it gets an index */

/* The session first, so that a struct zk_session * is a struct entry *. */
struct entry {
	struct zk_session	 s;
	struct entry		*hnext;	/* next in the same bucket */
};

struct zk_sessions {
	struct entry	**b;		/* buckets */
	size_t		 nb;		/* a power of two */
	size_t		 n;		/* sessions */
};

struct zk_eindex {
	uint32_t	*slot;		/* 0 empty, else list slot + 1 */
	size_t		 cap;		/* a power of two */
};

static size_t
id_bucket(const struct zk_sessions *s, int64_t id)
{
	uint64_t	 h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ (h >> 29)) & (s->nb - 1);
}

struct zk_sessions *
zk_sessions_new(void)
{
	struct zk_sessions	*s;

	s = zk_xcalloc(1, sizeof(*s));
	s->nb = 16;
	s->b = zk_xcalloc(s->nb, sizeof(*s->b));
	return s;
}

static void
eindex_free(struct zk_session *ss)
{
	if (ss->eindex != NULL) {
		free(ss->eindex->slot);
		free(ss->eindex);
		ss->eindex = NULL;
	}
}

static void
entry_free(struct entry *en)
{
	size_t	 i;

	for (i = 0; i < en->s.nephemerals; i++)
		free(en->s.ephemerals[i]);
	free(en->s.ephemerals);
	eindex_free(&en->s);
	free(en);
}

void
zk_sessions_free(struct zk_sessions *s)
{
	struct entry	*en, *nx;
	size_t		 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nb; i++)
		for (en = s->b[i]; en != NULL; en = nx) {
			nx = en->hnext;
			entry_free(en);
		}
	free(s->b);
	free(s);
}

static void
grow(struct zk_sessions *s)
{
	struct entry	**old = s->b, *en, *nx, **b;
	size_t		 oldnb = s->nb, i;

	s->nb *= 2;
	s->b = zk_xcalloc(s->nb, sizeof(*s->b));
	for (i = 0; i < oldnb; i++)
		for (en = old[i]; en != NULL; en = nx) {
			nx = en->hnext;
			b = &s->b[id_bucket(s, en->s.id)];
			en->hnext = *b;
			*b = en;
		}
	free(old);
}

struct zk_session *
zk_sessions_add(struct zk_sessions *s, int64_t id, int32_t timeout_ms,
    const unsigned char *passwd, int64_t now_ms)
{
	struct zk_session	*ss;
	struct entry		*en, **b;

	if ((ss = zk_sessions_find(s, id)) == NULL) {
		if (s->n + 1 > s->nb)
			grow(s);
		en = zk_xcalloc(1, sizeof(*en));
		b = &s->b[id_bucket(s, id)];
		en->hnext = *b;
		*b = en;
		s->n++;
		ss = &en->s;
		ss->id = id;
	}
	ss->timeout_ms = timeout_ms;
	if (passwd != NULL)
		memcpy(ss->passwd, passwd, ZK_PASSWD_LEN);
	else
		memset(ss->passwd, 0, ZK_PASSWD_LEN);
	ss->deadline_ms = now_ms + timeout_ms;
	ss->closing = 0;
	return ss;
}

struct zk_session *
zk_sessions_find(const struct zk_sessions *s, int64_t id)
{
	struct entry	*en;

	for (en = s->b[id_bucket(s, id)]; en != NULL; en = en->hnext)
		if (en->s.id == id)
			return &en->s;
	return NULL;
}

void
zk_sessions_remove(struct zk_sessions *s, int64_t id)
{
	struct entry	**pp, *en;

	for (pp = &s->b[id_bucket(s, id)]; (en = *pp) != NULL;
	    pp = &en->hnext)
		if (en->s.id == id) {
			*pp = en->hnext;
			s->n--;
			entry_free(en);
			return;
		}
}

size_t
zk_sessions_count(const struct zk_sessions *s)
{
	return s->n;
}

int
zk_sessions_touch(struct zk_sessions *s, int64_t id, int64_t now_ms)
{
	struct zk_session	*ss;

	if ((ss = zk_sessions_find(s, id)) == NULL)
		return ZK_ESESSIONEXPIRED;
	ss->deadline_ms = now_ms + ss->timeout_ms;
	return ZK_OK;
}

size_t
zk_sessions_expired(const struct zk_sessions *s, int64_t now_ms,
    int64_t *ids, size_t max)
{
	const struct entry	*en;
	size_t			 i, k = 0;

	for (i = 0; i < s->nb && k < max; i++)
		for (en = s->b[i]; en != NULL && k < max; en = en->hnext)
			if (!en->s.closing && en->s.deadline_ms <= now_ms)
				ids[k++] = en->s.id;
	return k;
}

static struct zk_session *
first_from(const struct zk_sessions *s, size_t i)
{
	for (; i < s->nb; i++)
		if (s->b[i] != NULL)
			return &s->b[i]->s;
	return NULL;
}

struct zk_session *
zk_sessions_first(const struct zk_sessions *s)
{
	return first_from(s, 0);
}

struct zk_session *
zk_sessions_next(const struct zk_sessions *s, const struct zk_session *cur)
{
	const struct entry	*en = (const struct entry *)cur;

	if (en->hnext != NULL)
		return &en->hnext->s;
	return first_from(s, id_bucket(s, cur->id) + 1);
}

/* The index position a path hashes to. */
static size_t
ehome(const struct zk_eindex *x, const char *p)
{
	return (size_t)zk_path_hash(0, p, strlen(p)) & (x->cap - 1);
}

static void
eindex_put(struct zk_session *ss, size_t slot)
{
	struct zk_eindex	*x = ss->eindex;
	size_t			 i = ehome(x, ss->ephemerals[slot]);

	while (x->slot[i] != 0)
		i = (i + 1) & (x->cap - 1);
	x->slot[i] = (uint32_t)(slot + 1);
}

/* (Re)builds the index with room for twice the list. */
static void
eindex_build(struct zk_session *ss)
{
	struct zk_eindex	*x;
	size_t			 i;

	eindex_free(ss);
	x = zk_xcalloc(1, sizeof(*x));
	x->cap = 16;
	while (x->cap < 4 * ss->nephemerals)
		x->cap *= 2;
	x->slot = zk_xcalloc(x->cap, sizeof(*x->slot));
	ss->eindex = x;
	for (i = 0; i < ss->nephemerals; i++)
		eindex_put(ss, i);
}

/* The index position holding slot + 1, probing from path's home. */
static size_t
eindex_pos(const struct zk_session *ss, const char *path, size_t slot)
{
	const struct zk_eindex	*x = ss->eindex;
	size_t			 i = ehome(x, path);

	while (x->slot[i] != 0) {
		if (slot != SIZE_MAX ? x->slot[i] == slot + 1 :
		    strcmp(ss->ephemerals[x->slot[i] - 1], path) == 0)
			return i;
		i = (i + 1) & (x->cap - 1);
	}
	return SIZE_MAX;
}

/*
 * Empties position i, then moves back every later entry of the probe run
 * that may sit there (its home is not between i and it), so that lookups
 * need no tombstones.
 */
static void
eindex_del(struct zk_session *ss, size_t i)
{
	struct zk_eindex	*x = ss->eindex;
	size_t			 mask = x->cap - 1, j = i, k;

	x->slot[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (x->slot[j] == 0)
			return;
		k = ehome(x, ss->ephemerals[x->slot[j] - 1]);
		if (((j - k) & mask) >= ((j - i) & mask)) {
			x->slot[i] = x->slot[j];
			x->slot[j] = 0;
			i = j;
		}
	}
}

void
zk_session_add_ephemeral(struct zk_session *ss, const char *path)
{
	if (ss->nephemerals == ss->capephemerals) {
		ss->capephemerals = ss->capephemerals ?
		    ss->capephemerals * 2 : 4;
		ss->ephemerals = zk_xrealloc(ss->ephemerals,
		    ss->capephemerals * sizeof(*ss->ephemerals));
	}
	ss->ephemerals[ss->nephemerals++] = zk_xstrdup(path);
	if (ss->eindex != NULL) {
		if (2 * ss->nephemerals > ss->eindex->cap)
			eindex_build(ss);
		else
			eindex_put(ss, ss->nephemerals - 1);
	} else if (ss->nephemerals >= EINDEX_MIN)
		eindex_build(ss);
}

void
zk_session_remove_ephemeral(struct zk_session *ss, const char *path)
{
	size_t	 r, last, pos;

	if (ss->eindex != NULL) {
		if ((pos = eindex_pos(ss, path, SIZE_MAX)) == SIZE_MAX)
			return;
		r = ss->eindex->slot[pos] - 1;
		eindex_del(ss, pos);
	} else {
		for (r = 0; r < ss->nephemerals; r++)
			if (strcmp(ss->ephemerals[r], path) == 0)
				break;
		if (r == ss->nephemerals)
			return;
	}
	free(ss->ephemerals[r]);
	last = ss->nephemerals - 1;
	if (r != last) {
		ss->ephemerals[r] = ss->ephemerals[last];
		if (ss->eindex != NULL) {
			pos = eindex_pos(ss, ss->ephemerals[r], last);
			ss->eindex->slot[pos] = (uint32_t)(r + 1);
		}
	}
	ss->nephemerals--;
	if (ss->nephemerals == 0)
		eindex_free(ss);
}

char **
zk_session_take_ephemerals(struct zk_session *ss, size_t *n)
{
	char	**v = ss->ephemerals;

	*n = ss->nephemerals;
	if (*n == 0) {
		free(v);
		v = NULL;
	}
	ss->ephemerals = NULL;
	ss->nephemerals = ss->capephemerals = 0;
	eindex_free(ss);
	return v;
}
