/*
 * The watch table: a chained hash table from path to the owners watching
 * it, each owner with a bitmask of the kinds it holds there.
 *
 * Owners on one path sit in an array in the order they first watched it,
 * which is the order they are told on a trigger. Finding an owner there is
 * a linear search: a path rarely has more than a handful of watchers.
 * drop_owner scans the whole table rather than keeping a per-owner index,
 * since connections close rarely and the scan is cheap next to a close.
 *
 * A trigger first takes the owners to tell out of the table, then calls
 * back: so a callback that re-arms a watch adds a fresh one that this
 * trigger cannot see, and the table is consistent whenever fn runs.
 *
 * Invariants:
 *  (1) Every path entry has at least one owner, and every owner slot a
 *      non-zero kinds mask; an owner appears at most once per path.
 *  (2) w->n is the sum over all slots of the bits set in kinds.
 *  (3) The bucket count is a power of two, at least the entry count
 *      divided by two (grown on add).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "util.h"
#include "watch.h"

#define KINDS	(ZK_WATCH_DATA | ZK_WATCH_CHILD)

struct slot {
	void		*owner;
	unsigned	 kinds;		/* enum zk_watch_kind bits */
};

struct entry {
	struct entry	*hnext;		/* next in the same bucket */
	uint64_t	 hash;		/* zk_path_hash of path */
	char		*path;		/* owned */
	struct slot	*s;		/* owners in the order they came */
	size_t		 ns;
	size_t		 caps;
};

struct zk_watches {
	struct entry	**b;		/* buckets */
	size_t		 nb;		/* a power of two */
	size_t		 nentries;	/* paths with watches */
	size_t		 n;		/* (path, kind, owner) watches, (2) */
};

static unsigned
bits(unsigned kinds)
{
	return (kinds & ZK_WATCH_DATA ? 1 : 0) + (kinds & ZK_WATCH_CHILD ? 1 : 0);
}

/* The kinds of watch an event type fires, (3); 0 for an unknown type. */
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

struct zk_watches *
zk_watches_new(void)
{
	struct zk_watches	*w;

	w = zk_xcalloc(1, sizeof(*w));
	w->nb = 64;
	w->b = zk_xcalloc(w->nb, sizeof(*w->b));
	return w;
}

static void
entry_free(struct entry *e)
{
	free(e->path);
	free(e->s);
	free(e);
}

void
zk_watches_free(struct zk_watches *w)
{
	struct entry	*e, *next;
	size_t		 i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nb; i++) {
		for (e = w->b[i]; e != NULL; e = next) {
			next = e->hnext;
			entry_free(e);
		}
	}
	free(w->b);
	free(w);
}

/* The link pointing at path's entry (*link NULL if none). */
static struct entry **
lookup(const struct zk_watches *w, const char *path, uint64_t h)
{
	struct entry	**link;

	link = &w->b[h & (w->nb - 1)];
	while (*link != NULL &&
	    ((*link)->hash != h || strcmp((*link)->path, path) != 0))
		link = &(*link)->hnext;
	return link;
}

static void
grow(struct zk_watches *w)
{
	struct entry	**nb, *e, *next;
	size_t		 n = w->nb * 2, i;

	nb = zk_xcalloc(n, sizeof(*nb));
	for (i = 0; i < w->nb; i++) {
		for (e = w->b[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	free(w->b);
	w->b = nb;
	w->nb = n;
}

void
zk_watches_add(struct zk_watches *w, const char *path, int kind, void *owner)
{
	struct entry	**link, *e;
	uint64_t	 h;
	unsigned	 k = (unsigned)kind & KINDS;
	size_t		 i;

	if (k == 0)
		return;
	h = zk_path_hash(0, path, strlen(path));
	link = lookup(w, path, h);
	if ((e = *link) == NULL) {
		if (w->nentries >= w->nb * 2) {
			grow(w);
			link = lookup(w, path, h);
		}
		e = zk_xcalloc(1, sizeof(*e));
		e->hash = h;
		e->path = zk_xstrdup(path);
		*link = e;
		w->nentries++;
	}
	for (i = 0; i < e->ns; i++) {
		if (e->s[i].owner == owner) {
			/* A duplicate adds nothing; a new kind adds one. */
			w->n += bits(k & ~e->s[i].kinds);
			e->s[i].kinds |= k;
			return;
		}
	}
	if (e->ns == e->caps) {
		e->caps = e->caps ? e->caps * 2 : 2;
		e->s = zk_xrealloc(e->s, e->caps * sizeof(*e->s));
	}
	e->s[e->ns].owner = owner;
	e->s[e->ns].kinds = k;
	e->ns++;
	w->n += bits(k);
}

/* Unlinks and frees the entry at *link, which has no owners left, (1). */
static void
unlink_entry(struct zk_watches *w, struct entry **link)
{
	struct entry	*e = *link;

	*link = e->hnext;
	entry_free(e);
	w->nentries--;
}

void
zk_watches_drop_owner(struct zk_watches *w, void *owner)
{
	struct entry	**link, *e;
	size_t		 i, j;

	for (i = 0; i < w->nb; i++) {
		link = &w->b[i];
		while ((e = *link) != NULL) {
			/* An owner is on a path at most once, (1). */
			for (j = 0; j < e->ns && e->s[j].owner != owner; j++)
				;
			if (j < e->ns) {
				w->n -= bits(e->s[j].kinds);
				/* Shift down, not swap: fire order is add order. */
				memmove(&e->s[j], &e->s[j + 1],
				    (e->ns - j - 1) * sizeof(*e->s));
				e->ns--;
			}
			if (e->ns == 0)
				unlink_entry(w, link);
			else
				link = &e->hnext;
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
	size_t		 i, kept, nfire = 0;

	if (k == 0)
		return;
	link = lookup(w, path, zk_path_hash(0, path, strlen(path)));
	if ((e = *link) == NULL)
		return;

	/*
	 * Take every fired watch out before the first callback, so that a
	 * re-arm from fn lands in the table as a new watch, unseen here.
	 */
	fire = zk_xmalloc(e->ns * sizeof(*fire));
	for (i = kept = 0; i < e->ns; i++) {
		hit = e->s[i].kinds & k;
		if (hit != 0) {
			fire[nfire++] = e->s[i].owner;	/* once per owner, (2) */
			w->n -= bits(hit);
			e->s[i].kinds &= ~hit;
		}
		if (e->s[i].kinds != 0)
			e->s[kept++] = e->s[i];
	}
	e->ns = kept;
	if (e->ns == 0)
		unlink_entry(w, link);

	for (i = 0; i < nfire; i++)
		fn(fire[i], type, path, arg);
	free(fire);
}

size_t
zk_watches_count(const struct zk_watches *w)
{
	return w->n;
}

size_t
zk_watches_count_owner(const struct zk_watches *w, void *owner)
{
	const struct entry	*e;
	size_t			 i, j, n = 0;

	for (i = 0; i < w->nb; i++)
		for (e = w->b[i]; e != NULL; e = e->hnext)
			for (j = 0; j < e->ns; j++)
				if (e->s[j].owner == owner)
					n += bits(e->s[j].kinds);
	return n;
}
