/*
 * The watch table: two chained hash tables from path to the owners
 * watching it, one for one-shot watches and one for persistent ones
 * (ZooKeeper 3.6 keeps them apart too), each owner slot with a bitmask:
 * of kinds (enum zk_watch_kind) in the first, of modes (MBIT) in the
 * second, where it also carries a want-data bit per mode.
 *
 * Owners on one path sit in an array in the order they first watched it,
 * which is the order they are told on a trigger. Finding an owner there is
 * a linear search: a path rarely has more than a handful of watchers.
 * drop_owner scans both tables rather than keeping a per-owner index,
 * since connections close rarely and the scan is cheap next to a close.
 *
 * A trigger first takes the owners to tell out of the table, then calls
 * back: so a callback that re-arms a watch adds a fresh one that this
 * trigger cannot see, and the table is consistent whenever fn runs.
 *
 * Persistent matching looks up the event's path and, for a node event
 * when any recursive watch exists, each of its ancestors: the path hash
 * is computed byte by byte (phash), so one pass over the path yields the
 * hash of every prefix, and the match costs O(length of path + matches)
 * however many watches the table holds.
 *
 * Invariants:
 *  (1) Every path entry has at least one owner, and every owner slot a
 *      non-zero mask; an owner appears at most once per path and table.
 *  (2) w->n is the sum over the one-shot slots of the bits set in their
 *      masks, w->npers the same over the persistent slots, w->nrec the
 *      number of persistent slots with MBIT(ZK_WATCH_RECURSIVE).
 *  (3) A persistent slot's data bits are a subset of its mode bits.
 *  (4) Each table's bucket count is a power of two, at least its entry
 *      count divided by two (grown on add).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "watch.h"

#define KINDS		(ZK_WATCH_DATA | ZK_WATCH_CHILD)
#define MBIT(mode)	(1u << (mode))	/* ZK_WATCH_PERSISTENT or _RECURSIVE */
#define MODES		(MBIT(ZK_WATCH_PERSISTENT) | MBIT(ZK_WATCH_RECURSIVE))

struct slot {
	void		*owner;
	unsigned	 mask;		/* kinds, or MBIT modes */
	unsigned	 data;		/* persistent: MBITs wanting data */
};

struct entry {
	struct entry	*hnext;		/* next in the same bucket */
	uint64_t	 hash;		/* phash of path */
	char		*path;		/* owned */
	struct slot	*s;		/* owners in the order they came */
	size_t		 ns;
	size_t		 caps;
};

struct table {
	struct entry	**b;		/* buckets */
	size_t		 nb;		/* a power of two */
	size_t		 nentries;	/* paths with watches */
};

struct zk_watches {
	struct table	 one;		/* one-shot watches */
	struct table	 pers;		/* persistent and recursive watches */
	size_t		 n;		/* one-shot (path, kind, owner), (2) */
	size_t		 npers;		/* persistent (path, mode, owner) */
	size_t		 nrec;		/* recursive ones among them */
	size_t		*(*counter)(void *owner); /* count_into, or NULL */
};

/* One owner's merged match, while match_persistent gathers them. */
struct hit {
	void		*owner;
	int		 want_data;
};

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

/* FNV-1a, a byte at a time, so that a prefix's state is on the way. */
static uint64_t
phash_step(uint64_t h, const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
	return h;
}

/* Mixes the state's high bits into the low ones the buckets use. */
static uint64_t
phash_final(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ (h >> 29);
}

static uint64_t
phash(const char *p, size_t len)
{
	return phash_final(phash_step(FNV_OFFSET, p, len));
}

static unsigned
bits(unsigned mask)
{
	unsigned	 n = 0;

	for (; mask != 0; mask &= mask - 1)
		n++;
	return n;
}

/* An owner's watches changed by delta: its own count, if kept. */
static void
owner_count(const struct zk_watches *w, void *owner, long delta)
{
	if (w->counter != NULL)
		*w->counter(owner) += (size_t)delta;
}

/* The kinds of watch an event type fires, (3) of watch.h; 0 if unknown. */
static unsigned
fired_kinds(int type)
{
	switch (type) {
	case ZK_EVENT_CREATED:
	case ZK_EVENT_CHANGED:
		return ZK_WATCH_DATA;
	case ZK_EVENT_CHILDREN:
		return ZK_WATCH_CHILD;
	case ZK_EVENT_DELETED:
		return ZK_WATCH_DATA | ZK_WATCH_CHILD;
	default:
		return 0;
	}
}

static void
table_init(struct table *t)
{
	t->nb = 64;
	t->b = zk_xcalloc(t->nb, sizeof(*t->b));
	t->nentries = 0;
}

static void
entry_free(struct entry *e)
{
	free(e->path);
	free(e->s);
	free(e);
}

static void
table_close(struct table *t)
{
	struct entry	*e, *next;
	size_t		 i;

	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->hnext;
			entry_free(e);
		}
	}
	free(t->b);
}

/* The link pointing at the entry for len bytes of path (*link NULL if none). */
static struct entry **
lookup(const struct table *t, const char *path, size_t len, uint64_t h)
{
	struct entry	**link;

	link = &t->b[h & (t->nb - 1)];
	while (*link != NULL && ((*link)->hash != h ||
	    strncmp((*link)->path, path, len) != 0 ||
	    (*link)->path[len] != '\0'))
		link = &(*link)->hnext;
	return link;
}

static void
grow(struct table *t)
{
	struct entry	**nb, *e, *next;
	size_t		 n = t->nb * 2, i;

	nb = zk_xcalloc(n, sizeof(*nb));
	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	free(t->b);
	t->b = nb;
	t->nb = n;
}

/* owner's slot on path in t, added empty (mask 0) if it had none. */
static struct slot *
slot_get(struct table *t, const char *path, void *owner)
{
	struct entry	**link, *e;
	size_t		 len = strlen(path), i;
	uint64_t	 h = phash(path, len);

	link = lookup(t, path, len, h);
	if ((e = *link) == NULL) {
		if (t->nentries >= t->nb * 2) {
			grow(t);
			link = lookup(t, path, len, h);
		}
		e = zk_xcalloc(1, sizeof(*e));
		e->hash = h;
		e->path = zk_xstrdup(path);
		*link = e;
		t->nentries++;
	}
	for (i = 0; i < e->ns; i++)
		if (e->s[i].owner == owner)
			return &e->s[i];
	if (e->ns == e->caps) {
		e->caps = e->caps ? e->caps * 2 : 2;
		e->s = zk_xrealloc(e->s, e->caps * sizeof(*e->s));
	}
	e->s[e->ns].owner = owner;
	e->s[e->ns].mask = 0;
	e->s[e->ns].data = 0;
	return &e->s[e->ns++];
}

/* Unlinks and frees the entry at *link, which has no owners left, (1). */
static void
unlink_entry(struct table *t, struct entry **link)
{
	struct entry	*e = *link;

	*link = e->hnext;
	entry_free(e);
	t->nentries--;
}

/*
 * Clears the bits of clear in owner's slot on every path of t (path NULL)
 * or on path only, dropping emptied slots and entries, (1). Calls back
 * with each slot's bits before the change, for the counts. Slots shift
 * down, not swap: fire order is add order.
 */
static void
clear(struct table *t, const char *path, void *owner, unsigned clr,
    struct zk_watches *w, void (*gone)(struct zk_watches *, unsigned,
    unsigned))
{
	struct entry	**link, *e;
	size_t		 i, j, lo = 0, hi = t->nb, len;
	uint64_t	 h = 0;

	if (path != NULL) {
		len = strlen(path);
		h = phash(path, len);
		lo = h & (t->nb - 1);
		hi = lo + 1;
	}
	for (i = lo; i < hi; i++) {
		link = &t->b[i];
		while ((e = *link) != NULL) {
			if (path != NULL && (e->hash != h ||
			    strcmp(e->path, path) != 0)) {
				link = &e->hnext;
				continue;
			}
			for (j = 0; j < e->ns && e->s[j].owner != owner; j++)
				;
			if (j < e->ns && (e->s[j].mask & clr) != 0) {
				gone(w, e->s[j].mask, clr);
				owner_count(w, owner,
				    -(long)bits(e->s[j].mask & clr));
				e->s[j].mask &= ~clr;
				e->s[j].data &= e->s[j].mask;	/* (3) */
				if (e->s[j].mask == 0) {
					memmove(&e->s[j], &e->s[j + 1],
					    (e->ns - j - 1) * sizeof(*e->s));
					e->ns--;
				}
			}
			if (e->ns == 0)
				unlink_entry(t, link);
			else
				link = &e->hnext;
		}
	}
}

static void
gone_oneshot(struct zk_watches *w, unsigned mask, unsigned clr)
{
	w->n -= bits(mask & clr);
}

static void
gone_pers(struct zk_watches *w, unsigned mask, unsigned clr)
{
	w->npers -= bits(mask & clr);
	if (mask & clr & MBIT(ZK_WATCH_RECURSIVE))
		w->nrec--;
}

struct zk_watches *
zk_watches_new(void)
{
	struct zk_watches	*w;

	w = zk_xcalloc(1, sizeof(*w));
	table_init(&w->one);
	table_init(&w->pers);
	return w;
}

void
zk_watches_free(struct zk_watches *w)
{
	if (w == NULL)
		return;
	table_close(&w->one);
	table_close(&w->pers);
	free(w);
}

void
zk_watches_add(struct zk_watches *w, const char *path, int kind, void *owner)
{
	struct slot	*s;
	unsigned	 k = (unsigned)kind & KINDS;

	if (k == 0)
		return;
	s = slot_get(&w->one, path, owner);
	/* A duplicate adds nothing; a new kind adds one. */
	w->n += bits(k & ~s->mask);
	owner_count(w, owner, (long)bits(k & ~s->mask));
	s->mask |= k;
}

void
zk_watches_add_persistent(struct zk_watches *w, const char *path, int mode,
    int want_data, void *owner)
{
	struct slot	*s;
	unsigned	 m;

	if (mode != ZK_WATCH_PERSISTENT && mode != ZK_WATCH_RECURSIVE)
		return;
	m = MBIT(mode);
	s = slot_get(&w->pers, path, owner);
	if ((s->mask & m) == 0) {
		w->npers++;
		owner_count(w, owner, 1);
		if (mode == ZK_WATCH_RECURSIVE)
			w->nrec++;
	}
	s->mask |= m;
	if (want_data)
		s->data |= m;
	else
		s->data &= ~m;
}

size_t
zk_watches_remove(struct zk_watches *w, const char *path, int mode,
    void *owner)
{
	size_t		 before = w->n + w->npers;
	unsigned	 kinds = 0, modes = 0;

	switch (mode) {
	case ZK_WATCH_PERSISTENT:
	case ZK_WATCH_RECURSIVE:
		modes = MBIT(mode);
		break;
	case ZK_WATCH_ONESHOT_DATA:
		kinds = ZK_WATCH_DATA;
		break;
	case ZK_WATCH_ONESHOT_CHILD:
		kinds = ZK_WATCH_CHILD;
		break;
	case ZK_WATCH_ANY:
		kinds = KINDS;
		modes = MODES;
		break;
	default:
		return 0;
	}
	if (kinds != 0)
		clear(&w->one, path, owner, kinds, w, gone_oneshot);
	if (modes != 0)
		clear(&w->pers, path, owner, modes, w, gone_pers);
	return before - (w->n + w->npers);
}

void
zk_watches_drop_owner(struct zk_watches *w, void *owner)
{
	clear(&w->one, NULL, owner, KINDS, w, gone_oneshot);
	clear(&w->pers, NULL, owner, MODES, w, gone_pers);
}

/*
 * Appends the owners of the entry for len bytes of path whose modes in
 * want see the event, with their want-data bits, to *hits.
 */
static size_t
gather(const struct table *t, const char *path, size_t len, uint64_t h,
    unsigned want, struct hit **hits, size_t *nhits, size_t *cap)
{
	struct entry	*e;
	size_t		 i, added = 0;
	unsigned	 m;

	if ((e = *lookup(t, path, len, h)) == NULL)
		return 0;
	for (i = 0; i < e->ns; i++) {
		if ((m = e->s[i].mask & want) == 0)
			continue;
		if (*nhits == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*hits = zk_xrealloc(*hits, *cap * sizeof(**hits));
		}
		(*hits)[*nhits].owner = e->s[i].owner;
		(*hits)[*nhits].want_data = (e->s[i].data & m) != 0;
		(*nhits)++;
		added++;
	}
	return added;
}

/*
 * Merges hits of the same owner into its first one (want_data ORed) and
 * marks the rest with owner NULL: an open addressing set of indices, so
 * linear in the hits. An owner is once per path, (1), so this is only
 * needed when hits came from more than one path.
 */
static void
merge(struct hit *hits, size_t nhits)
{
	size_t		*set, cap = 16, i, j;
	uintptr_t	 u;

	while (cap < 2 * nhits)
		cap *= 2;
	set = zk_xcalloc(cap, sizeof(*set));
	for (i = 0; i < nhits; i++) {
		u = (uintptr_t)hits[i].owner;
		j = (size_t)phash_final((uint64_t)u) & (cap - 1);
		while (set[j] != 0 && hits[set[j] - 1].owner != hits[i].owner)
			j = (j + 1) & (cap - 1);
		if (set[j] == 0) {
			set[j] = i + 1;
			continue;
		}
		hits[set[j] - 1].want_data |= hits[i].want_data;
		hits[i].owner = NULL;
	}
	free(set);
}

void
zk_watches_match_persistent(struct zk_watches *w, const char *path, int type,
    zk_watch_match_fn fn, void *arg)
{
	struct hit	*hits = NULL;
	size_t		 nhits = 0, cap = 0, len = strlen(path), i, paths = 0;
	uint64_t	 h = FNV_OFFSET;
	unsigned	 here;
	int		 node;

	if (w->npers == 0)
		return;
	node = type == ZK_EVENT_CREATED || type == ZK_EVENT_DELETED ||
	    type == ZK_EVENT_CHANGED;
	/* As zk_event_matches: children only reach persistent watches. */
	if (node)
		here = MODES;
	else if (type == ZK_EVENT_CHILDREN)
		here = MBIT(ZK_WATCH_PERSISTENT);
	else
		return;

	/*
	 * Recursive watches on ancestors: "/" (length 1), then each prefix
	 * ending before a '/' past the first. "/" itself has no ancestor.
	 */
	if (node && w->nrec > 0 && len > 1) {
		for (i = 0; i < len; i++) {
			if (i > 1 && path[i] == '/')
				paths += gather(&w->pers, path, i,
				    phash_final(h), MBIT(ZK_WATCH_RECURSIVE),
				    &hits, &nhits, &cap) > 0;
			h = phash_step(h, &path[i], 1);
			if (i == 0)
				paths += gather(&w->pers, path, 1,
				    phash_final(h), MBIT(ZK_WATCH_RECURSIVE),
				    &hits, &nhits, &cap) > 0;
		}
	} else
		h = phash_step(h, path, len);
	paths += gather(&w->pers, path, len, phash_final(h), here, &hits,
	    &nhits, &cap) > 0;

	if (paths > 1)
		merge(hits, nhits);
	for (i = 0; i < nhits; i++)
		if (hits[i].owner != NULL)
			fn(hits[i].owner, hits[i].want_data, arg);
	free(hits);
}

size_t
zk_watches_count_persistent(const struct zk_watches *w)
{
	return w->npers;
}

void
zk_watches_each_persistent(const struct zk_watches *w, void *owner,
    void (*fn)(void *arg, const char *path, int mode, int want_data),
    void *arg)
{
	const struct entry	*e;
	const struct slot	*s;
	size_t			 i, j;
	unsigned		 m;
	int			 mode;

	for (i = 0; i < w->pers.nb; i++) {
		for (e = w->pers.b[i]; e != NULL; e = e->hnext) {
			for (j = 0; j < e->ns; j++) {
				s = &e->s[j];
				if (s->owner != owner)
					continue;
				for (mode = ZK_WATCH_PERSISTENT;
				    mode <= ZK_WATCH_RECURSIVE; mode++) {
					m = MBIT(mode);
					if (s->mask & m)
						fn(arg, e->path, mode,
						    (s->data & m) != 0);
				}
			}
		}
	}
}

void
zk_watches_trigger(struct zk_watches *w, const char *path, int type,
    zk_watch_fire_fn fn, void *arg)
{
	struct entry	**link, *e;
	void		**fire;
	unsigned	 k = fired_kinds(type), hit;
	size_t		 i, kept, nfire = 0, len = strlen(path);

	if (k == 0)
		return;
	link = lookup(&w->one, path, len, phash(path, len));
	if ((e = *link) == NULL)
		return;

	/*
	 * Take every fired watch out before the first callback, so that a
	 * re-arm from fn lands in the table as a new watch, unseen here.
	 */
	fire = zk_xmalloc(e->ns * sizeof(*fire));
	for (i = kept = 0; i < e->ns; i++) {
		hit = e->s[i].mask & k;
		if (hit != 0) {
			fire[nfire++] = e->s[i].owner;	/* once per owner */
			w->n -= bits(hit);
			owner_count(w, e->s[i].owner, -(long)bits(hit));
			e->s[i].mask &= ~hit;
		}
		if (e->s[i].mask != 0)
			e->s[kept++] = e->s[i];
	}
	e->ns = kept;
	if (e->ns == 0)
		unlink_entry(&w->one, link);

	for (i = 0; i < nfire; i++)
		fn(fire[i], type, path, arg);
	free(fire);
}

size_t
zk_watches_count(const struct zk_watches *w)
{
	return w->n + w->npers;
}

static size_t
count_in(const struct table *t, void *owner)
{
	const struct entry	*e;
	size_t			 i, j, n = 0;

	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e != NULL; e = e->hnext)
			for (j = 0; j < e->ns; j++)
				if (e->s[j].owner == owner)
					n += bits(e->s[j].mask);
	return n;
}

size_t
zk_watches_count_owner(const struct zk_watches *w, void *owner)
{
	return count_in(&w->one, owner) + count_in(&w->pers, owner);
}

void
zk_watches_count_into(struct zk_watches *w, size_t *(*counter)(void *owner))
{
	w->counter = counter;
}
