/*
 * The invariants the simulator proves of every run, checked as the run
 * goes where that is cheap and at its end otherwise:
 *
 *  (a) At most one peer ever establishes (serves as leader) an epoch.
 *  (b) One history: every txn logged or applied anywhere under a zxid has
 *      the same bytes; each replica logs and applies in increasing zxid
 *      order.
 *  (c) Every acknowledged write is, at its zxid and with its bytes, in the
 *      applied history of every replica at the end.
 *  (d) Replicas that applied the same zxid have the same digest: at every
 *      APPLY, every replay after a restart or TRUNCATE, every snapshot
 *      installed, and whenever a peer starts serving.
 *  (e) Once the faults stop, within a bounded quiet time a leader serves
 *      with everyone following, a new write is acknowledged, and every
 *      replica holds the same applied zxid and digest (sim.c asks
 *      sim_check_converged and fails the run at the bound).
 *
 * The first violation fails the run; later ones are not reported, since
 * they usually follow from it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

#define EP(z)	ZK_ZXID_EPOCH_OF(z)
#define CT(z)	ZK_ZXID_COUNTER_OF(z)

void
sim_check_init(struct sim_check *c)
{
	memset(c, 0, sizeof(*c));
	c->cap = 1024;
	c->tab = zk_xcalloc(c->cap, sizeof(*c->tab));
}

void
sim_check_free(struct sim_check *c)
{
	free(c->tab);
	free(c->epoch_leader);
	free(c->acked);
	memset(c, 0, sizeof(*c));
}

int
sim_fail(struct sim *s, const char *fmt, ...)
{
	struct sim_check	*c = &s->chk;
	va_list			 ap;

	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	sim_trace(s, TR_FAIL, 0, 0, 0, 0, 0, c->what);
	return -1;
}

static size_t
slot(const struct sim_check *c, int64_t zxid)
{
	size_t	 i = (size_t)sim_mix((uint64_t)zxid) & (c->cap - 1);

	while (c->tab[i].zxid != 0 && c->tab[i].zxid != zxid)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* The entry for zxid, made (with the bytes' hash h) if new. */
static struct sim_zent *
entry(struct sim_check *c, int64_t zxid, uint64_t h, int *fresh)
{
	struct sim_zent	*old;
	size_t		 i, n;

	if (2 * (c->n + 1) > c->cap) {
		old = c->tab;
		n = c->cap;
		c->cap *= 2;
		c->tab = zk_xcalloc(c->cap, sizeof(*c->tab));
		for (i = 0; i < n; i++)
			if (old[i].zxid != 0)
				c->tab[slot(c, old[i].zxid)] = old[i];
		free(old);
	}
	i = slot(c, zxid);
	*fresh = c->tab[i].zxid == 0;
	if (*fresh) {
		c->tab[i].zxid = zxid;
		c->tab[i].h = h;
		c->n++;
	}
	return &c->tab[i];
}

/* (b) for a LOG: in order on this disk, the same bytes everywhere. */
void
sim_check_log(struct sim *s, struct sim_peer *p, int64_t zxid,
    const void *data, size_t len)
{
	uint64_t	 h = sim_hash(0, data, len);
	int64_t		 last = sim_disk_last(&p->disk);
	struct sim_zent	*e;
	int		 fresh;

	if (zxid <= 0 || zxid <= last) {
		sim_fail(s, "(b) p%d logs %" PRId64 ":%" PRId64 " after %"
		    PRId64 ":%" PRId64 ": not in zxid order", p->sid,
		    EP(zxid), CT(zxid), EP(last), CT(last));
		return;
	}
	e = entry(&s->chk, zxid, h, &fresh);
	if (e->h != h)
		sim_fail(s, "(b) p%d logs %" PRId64 ":%" PRId64 " with other "
		    "bytes than another replica has under that zxid", p->sid,
		    EP(zxid), CT(zxid));
}

/*
 * (b) and (d) for a txn entering p's tree (how: APPLY or replay), which
 * this applies.
 */
void
sim_check_apply(struct sim *s, struct sim_peer *p, int64_t zxid,
    const void *data, size_t len, const char *how)
{
	uint64_t	 h = sim_hash(0, data, len);
	struct sim_zent	*e;
	int		 fresh;

	if (zxid <= p->tree.zxid) {
		sim_fail(s, "(b) p%d: %s of %" PRId64 ":%" PRId64 " after %"
		    PRId64 ":%" PRId64 ": not in zxid order", p->sid, how,
		    EP(zxid), CT(zxid), EP(p->tree.zxid), CT(p->tree.zxid));
		return;
	}
	e = entry(&s->chk, zxid, h, &fresh);
	if (e->h != h) {
		sim_fail(s, "(b) p%d: %s of %" PRId64 ":%" PRId64 " with other "
		    "bytes than another replica has under that zxid", p->sid,
		    how, EP(zxid), CT(zxid));
		return;
	}
	sim_tree_apply(&p->tree, zxid, data, len);
	e = entry(&s->chk, zxid, h, &fresh);
	if (!e->has_digest) {
		e->has_digest = 1;
		e->digest = p->tree.digest;
	} else if (e->digest != p->tree.digest)
		sim_fail(s, "(d) p%d: after the %s of %" PRId64 ":%" PRId64
		    " its digest %016" PRIx64 " differs from another "
		    "replica's %016" PRIx64 ": their histories differ", p->sid,
		    how, EP(zxid), CT(zxid), p->tree.digest, e->digest);
}

/* (d) for a tree as a whole: after a snapshot, or when it starts serving. */
void
sim_check_tree(struct sim *s, struct sim_peer *p, const char *how)
{
	struct sim_tree	*t = &p->tree;
	struct sim_zent	*e;
	int		 fresh;

	if (t->zxid == 0) {
		if (t->digest != 0 || t->n != 0)
			sim_fail(s, "(d) p%d %s: an empty tree with a history",
			    p->sid, how);
		return;
	}
	if (t->n == 0 || t->v[t->n - 1].zxid != t->zxid) {
		sim_fail(s, "(d) p%d %s: the tree's history does not end at "
		    "its zxid", p->sid, how);
		return;
	}
	e = entry(&s->chk, t->zxid, t->v[t->n - 1].h, &fresh);
	if (e->h != t->v[t->n - 1].h)
		sim_fail(s, "(b) p%d %s: its tree has other bytes at %" PRId64
		    ":%" PRId64, p->sid, how, EP(t->zxid), CT(t->zxid));
	else if (!e->has_digest) {
		e->has_digest = 1;
		e->digest = t->digest;
	} else if (e->digest != t->digest)
		sim_fail(s, "(d) p%d %s: its tree at %" PRId64 ":%" PRId64
		    " has digest %016" PRIx64 ", another replica's %016" PRIx64,
		    p->sid, how, EP(t->zxid), CT(t->zxid), t->digest,
		    e->digest);
}

/* (a): p just started serving as the leader of p->epoch. */
void
sim_check_established(struct sim *s, struct sim_peer *p)
{
	struct sim_check	*c = &s->chk;
	size_t			 e, n;

	if (p->epoch < 0 || p->epoch > (1 << 24)) {
		sim_fail(s, "(a) p%d leads epoch %" PRId64, p->sid, p->epoch);
		return;
	}
	e = (size_t)p->epoch;
	if (e >= c->nepochs) {
		n = c->nepochs ? c->nepochs : 64;
		while (n <= e)
			n *= 2;
		c->epoch_leader = zk_xrealloc(c->epoch_leader,
		    n * sizeof(*c->epoch_leader));
		memset(c->epoch_leader + c->nepochs, 0,
		    (n - c->nepochs) * sizeof(*c->epoch_leader));
		c->nepochs = n;
	}
	if (c->epoch_leader[e] != 0 && c->epoch_leader[e] != p->sid)
		sim_fail(s, "(a) epoch %zu established by p%d and by p%d", e,
		    c->epoch_leader[e], p->sid);
	c->epoch_leader[e] = p->sid;
}

void
sim_check_acked(struct sim *s, const struct sim_write *w)
{
	struct sim_check	*c = &s->chk;

	if (c->nacked == c->capacked) {
		c->capacked = c->capacked ? 2 * c->capacked : 64;
		c->acked = zk_xrealloc(c->acked,
		    c->capacked * sizeof(*c->acked));
	}
	c->acked[c->nacked++] = *w;
}

/*
 * (e): one serving leader, everyone else serving under it, a write sent
 * after the faults acknowledged, and every replica's log applied and the
 * same (zxid, digest).
 */
int
sim_check_converged(struct sim *s)
{
	struct sim_peer	*p, *l = NULL;
	int		 i;

	if (!s->quiet_acked)
		return 0;
	for (i = 0; i < s->np; i++) {
		p = &s->p[i];
		if (!p->up || p->paused || !p->serving)
			return 0;
		if (p->state == ZK_LEADING) {
			if (l != NULL)
				return 0;
			l = p;
		}
	}
	if (l == NULL || l->npending != 0)
		return 0;
	for (i = 0; i < s->np; i++) {
		p = &s->p[i];
		if (p->leader != l->sid || p->tree.zxid != l->tree.zxid ||
		    p->tree.digest != l->tree.digest ||
		    zk_zab_last_zxid(zk_quorum_zab(p->q)) != p->tree.zxid)
			return 0;
	}
	return 1;
}

static int
holds(const struct sim_tree *t, const struct sim_write *w)
{
	size_t	 lo = 0, hi = t->n, m;

	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if (t->v[m].zxid < w->zxid)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < t->n && t->v[lo].zxid == w->zxid && t->v[lo].h == w->h;
}

/* (c), at the end of a converged run. */
void
sim_check_final(struct sim *s)
{
	struct sim_check	*c = &s->chk;
	size_t			 i;
	int			 j;

	for (i = 0; i < c->nacked; i++)
		for (j = 0; j < s->np; j++)
			if (!holds(&s->p[j].tree, &c->acked[i])) {
				sim_fail(s, "(c) the write acknowledged at %"
				    PRId64 ":%" PRId64 " is not in p%d's "
				    "history", EP(c->acked[i].zxid),
				    CT(c->acked[i].zxid), s->p[j].sid);
				return;
			}
}
