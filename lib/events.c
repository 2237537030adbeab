/*
 * Watch events: derives the list of events of an applied txn (the table
 * in events.h) and keeps the window of recent lists for replay.
 *
 * The window is a ring of evlists in zxid order, grown by doubling, so
 * adding and evicting are O(1) amortised (plus the events' own frees) and
 * a replay finds its starting txn by binary search. A replay then scans
 * every held event after that point and filters by path: O(log txns +
 * events after it), with no index by path, since replays happen once per
 * re-registered watch and the window is bounded.
 *
 * floor is the zxid of the newest txn that left the window (or the zxid it
 * was created or reset with). A replay from (floor, index) needs the
 * floor txn's events after index, which are gone; floor_n remembers how
 * many that txn had, so a resume from its last event still works, and is
 * -1 when unknown (new, reset), when only ZK_EVINDEX_ALL is safe.
 *
 * Invariants (besides those of events.h):
 *  (1) The ring holds n lists, each with at least one event, at
 *      ring[(head + i) & (cap - 1)] for i < n, zxids strictly growing,
 *      all above floor.
 *  (2) bytes is the sum of ev_bytes over every held event.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "events.h"
#include "path.h"
#include "proto.h"
#include "txn.h"
#include "util.h"

struct zk_evwindow {
	struct zk_evlist *ring;		/* cap slots, (1) */
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 head;		/* the oldest held list */
	size_t		 n;		/* lists held */
	size_t		 bytes;		/* (2) */
	size_t		 max_txns;
	size_t		 max_bytes;
	int64_t		 floor;
	int64_t		 floor_n;	/* the floor txn's events, or -1 */
};

/*
 * The children events already in a list being built, by path: an open
 * addressing set of indices into l->ev (plus one; 0 is empty), so that a
 * closeSession of many ephemerals or a big multi stays linear.
 */
struct seen {
	size_t		*slot;
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;
};

static void
push(struct zk_evlist *l, int type, const char *path, size_t path_len,
    const char *data, size_t data_len)
{
	struct zk_event	*ev;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->ev = zk_xrealloc(l->ev, l->cap * sizeof(*l->ev));
	}
	ev = &l->ev[l->n++];
	ev->type = type;
	ev->path = zk_xmalloc(path_len + 1);
	memcpy(ev->path, path, path_len);
	ev->path[path_len] = '\0';
	ev->data = data_len > 0 ? zk_xmemdup(data, data_len) : NULL;
	ev->data_len = data_len;
}

/* Index + 1 of the slot for (path, len) in s: either it or an empty one. */
static size_t *
seen_find(const struct seen *s, const struct zk_evlist *l, const char *path,
    size_t len, uint64_t h)
{
	size_t		 i = h & (s->cap - 1);
	const char	*p;

	for (;;) {
		if (s->slot[i] == 0)
			return &s->slot[i];
		p = l->ev[s->slot[i] - 1].path;
		if (strncmp(p, path, len) == 0 && p[len] == '\0')
			return &s->slot[i];
		i = (i + 1) & (s->cap - 1);
	}
}

static void
seen_grow(struct seen *s, const struct zk_evlist *l)
{
	struct seen	 g;
	size_t		 i, ix;
	const char	*p;

	g.cap = s->cap ? s->cap * 2 : 16;
	g.slot = zk_xcalloc(g.cap, sizeof(*g.slot));
	g.n = s->n;
	for (i = 0; i < s->cap; i++) {
		if ((ix = s->slot[i]) == 0)
			continue;
		p = l->ev[ix - 1].path;
		*seen_find(&g, l, p, strlen(p),
		    zk_path_hash(0, p, strlen(p))) = ix;
	}
	free(s->slot);
	*s = g;
}

/* children(parent of path), unless path is "/" or the event is there. */
static void
push_children(struct zk_evlist *l, struct seen *s, const char *path)
{
	size_t		 plen, *slot;
	uint64_t	 h;

	if ((plen = zk_path_parent_len(path, strlen(path))) == 0)
		return;
	if (2 * (s->n + 1) > s->cap)
		seen_grow(s, l);
	h = zk_path_hash(0, path, plen);
	slot = seen_find(s, l, path, plen, h);
	if (*slot != 0)
		return;
	push(l, ZK_EVENT_CHILDREN, path, plen, NULL, 0);
	*slot = l->n;
	s->n++;
}

/*
 * A create with parents made the n nearest ancestors of path, each empty:
 * created(ancestor), children(its parent), the top one first.
 */
static void
parent_events(struct zk_evlist *l, struct seen *s, const char *path,
    int32_t n)
{
	char	*a = zk_xstrdup(path);
	size_t	 len;
	int32_t	 i, k;

	for (k = n; k >= 1; k--) {
		len = strlen(path);
		for (i = 0; i < k && len > 0; i++)
			len = zk_path_parent_len(path, len);
		if (len <= 1)
			continue;	/* more than the path has: not ours */
		memcpy(a, path, len);
		a[len] = '\0';
		push(l, ZK_EVENT_CREATED, a, len, NULL, 0);
		push_children(l, s, a);
	}
	free(a);
}

/* The events of one op (a plain txn or one op of a multi), applied. */
static void
op_events(struct zk_evlist *l, struct seen *s, const struct zk_txn *t,
    const struct zk_result *r)
{
	const char	*p;

	switch (t->type) {
	case ZK_TXN_CREATE:
		/* The result's path: a sequential create's has its suffix. */
		p = r != NULL && r->path != NULL ? r->path : t->path;
		if (r != NULL && r->parents > 0)
			parent_events(l, s, p, r->parents);
		push(l, ZK_EVENT_CREATED, p, strlen(p), t->data, t->data_len);
		push_children(l, s, p);
		break;
	case ZK_TXN_DELETE:
	case ZK_TXN_DELETE_CONTAINER:
		push(l, ZK_EVENT_DELETED, t->path, strlen(t->path), NULL, 0);
		push_children(l, s, t->path);
		break;
	case ZK_TXN_SETDATA:
		push(l, ZK_EVENT_CHANGED, t->path, strlen(t->path), t->data,
		    t->data_len);
		break;
	default:
		/* check, createSession: no events. */
		break;
	}
}

void
zk_events_of(const struct zk_txn *t, const struct zk_result *res,
    struct zk_evlist *out)
{
	struct seen	 s = { NULL, 0, 0 };
	size_t		 i;

	out->zxid = t->zxid;
	out->n = 0;
	if (res->err != ZK_OK)
		return;
	switch (t->type) {
	case ZK_TXN_CLOSE_SESSION:
		/* All the deletes first, then each parent once. */
		for (i = 0; i < res->ndeleted; i++)
			push(out, ZK_EVENT_DELETED, res->deleted[i],
			    strlen(res->deleted[i]), NULL, 0);
		for (i = 0; i < res->ndeleted; i++)
			push_children(out, &s, res->deleted[i]);
		break;
	case ZK_TXN_MULTI:
		for (i = 0; i < t->nops; i++)
			op_events(out, &s, &t->ops[i],
			    i < res->nops ? &res->ops[i] : NULL);
		break;
	default:
		op_events(out, &s, t, res);
		break;
	}
	free(s.slot);
}

void
zk_evlist_close(struct zk_evlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->ev[i].path);
		free(l->ev[i].data);
	}
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

/* Is path wpath or a node under it? "/ab" is not under "/a". */
static int
at_or_under(const char *wpath, const char *path)
{
	size_t	 wl = strlen(wpath);

	if (strcmp(wpath, "/") == 0)
		return path[0] == '/';
	return strncmp(path, wpath, wl) == 0 &&
	    (path[wl] == '\0' || path[wl] == '/');
}

int
zk_event_matches(int mode, const char *wpath, int type, const char *path)
{
	int	 node;

	node = type == ZK_EVENT_CREATED || type == ZK_EVENT_DELETED ||
	    type == ZK_EVENT_CHANGED;
	switch (mode) {
	case ZK_WATCH_PERSISTENT:
		return (node || type == ZK_EVENT_CHILDREN) &&
		    strcmp(path, wpath) == 0;
	case ZK_WATCH_RECURSIVE:
		return node && at_or_under(wpath, path);
	default:
		return 0;
	}
}

/* What an event costs against max_bytes: its path and data. */
static size_t
ev_bytes(const struct zk_event *ev)
{
	return strlen(ev->path) + ev->data_len;
}

static size_t
list_bytes(const struct zk_evlist *l)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->n; i++)
		n += ev_bytes(&l->ev[i]);
	return n;
}

static struct zk_evlist *
at(const struct zk_evwindow *w, size_t i)
{
	return &w->ring[(w->head + i) & (w->cap - 1)];
}

struct zk_evwindow *
zk_evwindow_new(size_t max_txns, size_t max_bytes, int64_t floor)
{
	struct zk_evwindow	*w;

	w = zk_xcalloc(1, sizeof(*w));
	w->max_txns = max_txns;
	w->max_bytes = max_bytes;
	w->floor = floor;
	w->floor_n = -1;
	return w;
}

void
zk_evwindow_free(struct zk_evwindow *w)
{
	if (w == NULL)
		return;
	zk_evwindow_reset(w, w->floor);
	free(w->ring);
	free(w);
}

/* Drops the oldest list; its zxid becomes floor, (2) of events.h. */
static void
evict(struct zk_evwindow *w)
{
	struct zk_evlist	*l = at(w, 0);

	w->bytes -= list_bytes(l);
	w->floor = l->zxid;
	w->floor_n = (int64_t)l->n;
	zk_evlist_close(l);
	w->head = (w->head + 1) & (w->cap - 1);
	w->n--;
}

static void
grow(struct zk_evwindow *w)
{
	struct zk_evlist	*ring;
	size_t			 cap = w->cap ? w->cap * 2 : 16, i;

	ring = zk_xcalloc(cap, sizeof(*ring));
	for (i = 0; i < w->n; i++)
		ring[i] = *at(w, i);
	free(w->ring);
	w->ring = ring;
	w->cap = cap;
	w->head = 0;
}

void
zk_evwindow_add(struct zk_evwindow *w, struct zk_evlist *l)
{
	if (l->n == 0) {
		zk_evlist_close(l);
		return;
	}
	assert(l->zxid > w->floor);
	assert(w->n == 0 || l->zxid > at(w, w->n - 1)->zxid);
	if (w->n == w->cap)
		grow(w);
	*at(w, w->n) = *l;
	w->n++;
	w->bytes += list_bytes(l);
	memset(l, 0, sizeof(*l));
	/* Oldest first; a list alone over max_bytes goes too. */
	while (w->n > 0 && (w->n > w->max_txns || w->bytes > w->max_bytes))
		evict(w);
}

void
zk_evwindow_reset(struct zk_evwindow *w, int64_t floor)
{
	while (w->n > 0)
		evict(w);
	w->head = 0;
	w->floor = floor;
	w->floor_n = -1;
}

int64_t
zk_evwindow_floor(const struct zk_evwindow *w)
{
	return w->floor;
}

size_t
zk_evwindow_txns(const struct zk_evwindow *w)
{
	return w->n;
}

size_t
zk_evwindow_bytes(const struct zk_evwindow *w)
{
	return w->bytes;
}

/* The first held list with a zxid at or above zxid (w->n if none). */
static size_t
first_from(const struct zk_evwindow *w, int64_t zxid)
{
	size_t	 lo = 0, hi = w->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (at(w, mid)->zxid < zxid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
zk_evwindow_replay(const struct zk_evwindow *w, int64_t zxid, int32_t index,
    int mode, const char *wpath, zk_evwindow_fn fn, void *arg,
    struct zk_error *e)
{
	const struct zk_evlist	*l;
	const struct zk_event	*ev;
	size_t			 i, j, start;

	if (zxid < w->floor)
		return zk_error_set(e, ZK_EHISTORY, "events after 0x%llx "
		    "no longer held (oldest after 0x%llx)",
		    (unsigned long long)zxid, (unsigned long long)w->floor);
	if (zxid == w->floor && index != ZK_EVINDEX_ALL &&
	    (w->floor_n < 0 || (int64_t)index + 1 < w->floor_n))
		return zk_error_set(e, ZK_EHISTORY, "events of 0x%llx after "
		    "index %d no longer held", (unsigned long long)zxid,
		    (int)index);
	for (i = first_from(w, zxid); i < w->n; i++) {
		l = at(w, i);
		start = 0;
		if (l->zxid == zxid) {
			if (index == ZK_EVINDEX_ALL)
				continue;
			start = index < 0 ? 0 : (size_t)index + 1;
		}
		for (j = start; j < l->n; j++) {
			ev = &l->ev[j];
			if (zk_event_matches(mode, wpath, ev->type, ev->path))
				fn(arg, l->zxid, (int32_t)j, ev);
		}
	}
	return ZK_OK;
}
