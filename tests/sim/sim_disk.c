/*
 * One simulated peer's storage and state machine: the txn log with a
 * volatile tail and group-commit fsyncs, the persisted epochs, the one
 * snapshot, and the "tree" that stands in for the znode tree: the applied
 * zxid, a digest chained over every applied (zxid, bytes), and the list of
 * applied txns (so the checks can see every replica's whole history, even
 * one that came in a snapshot).
 *
 * Invariants:
 *  (1) A crash keeps exactly log[0..durable) and the snapshot; an fsync
 *      covers what was logged when it started (later records wait for the
 *      next one), and one that finishes after its log was cut or replaced
 *      (gen bumped) changes nothing.
 *  (2) PERSIST_*, TRUNCATE and INSTALL_SNAP are durable when done, as
 *      zab.h asks ("done (durably) before the actions after them").
 *  (3) The tree is only ever the snapshot plus a replay of the log, or
 *      that plus APPLYs; every txn entering it goes through
 *      sim_check_apply, which checks it against every other replica's.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

void
sim_tree_reset(struct sim_tree *t)
{
	t->zxid = 0;
	t->digest = 0;
	t->n = 0;
}

void
sim_tree_free(struct sim_tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void
tree_reserve(struct sim_tree *t, size_t n)
{
	if (n <= t->cap)
		return;
	t->cap = n < 64 ? 64 : n;
	if (t->cap < 2 * n)
		t->cap = 2 * n;
	t->v = zk_xrealloc(t->v, t->cap * sizeof(*t->v));
}

void
sim_tree_copy(struct sim_tree *dst, const struct sim_tree *src)
{
	tree_reserve(dst, src->n);
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	dst->zxid = src->zxid;
	dst->digest = src->digest;
}

/* d' = hash(d, zxid, bytes): the digest names the whole history. */
void
sim_tree_apply(struct sim_tree *t, int64_t zxid, const void *data,
    size_t len)
{
	uint64_t	 h = sim_hash(0, data, len);

	tree_reserve(t, t->n + 1);
	t->v[t->n].zxid = zxid;
	t->v[t->n].h = h;
	t->n++;
	t->zxid = zxid;
	t->digest = sim_mix(sim_mix(t->digest ^ (uint64_t)zxid) ^ h);
}

/* The SNAP message's bytes: zxid, digest, count, then (zxid, hash)s. */
void
sim_tree_encode(const struct sim_tree *t, void **data, size_t *len)
{
	uint64_t	*w;
	size_t		 i;

	*len = (3 + 2 * t->n) * sizeof(uint64_t);
	w = zk_xmalloc(*len);
	w[0] = (uint64_t)t->zxid;
	w[1] = t->digest;
	w[2] = t->n;
	for (i = 0; i < t->n; i++) {
		w[3 + 2 * i] = (uint64_t)t->v[i].zxid;
		w[4 + 2 * i] = t->v[i].h;
	}
	*data = w;
}

/* -1 if the bytes are not a tree sim_tree_encode wrote. */
int
sim_tree_decode(struct sim_tree *t, const void *data, size_t len)
{
	uint64_t	 hdr[3], e[2];
	const char	*c = data;
	size_t		 i;

	if (len < sizeof(hdr))
		return -1;
	memcpy(hdr, c, sizeof(hdr));
	if (hdr[2] > (len - sizeof(hdr)) / sizeof(e) ||
	    len != sizeof(hdr) + hdr[2] * sizeof(e))
		return -1;
	tree_reserve(t, hdr[2]);
	for (i = 0; i < hdr[2]; i++) {
		memcpy(e, c + sizeof(hdr) + i * sizeof(e), sizeof(e));
		t->v[i].zxid = (int64_t)e[0];
		t->v[i].h = e[1];
	}
	t->n = hdr[2];
	t->zxid = (int64_t)hdr[0];
	t->digest = hdr[1];
	return 0;
}

void
sim_disk_init(struct sim_disk *d)
{
	memset(d, 0, sizeof(*d));
	d->accepted_epoch = -1;
	d->current_epoch = -1;
}

static void
cut(struct sim_disk *d, size_t n)
{
	size_t	 i;

	for (i = n; i < d->n; i++)
		free(d->log[i].data);
	d->n = n;
	if (d->durable > n)
		d->durable = n;
}

void
sim_disk_free(struct sim_disk *d)
{
	cut(d, 0);
	free(d->log);
	sim_tree_free(&d->snap);
	memset(d, 0, sizeof(*d));
}

int64_t
sim_disk_last(const struct sim_disk *d)
{
	if (d->n > 0)
		return d->log[d->n - 1].zxid;
	return d->has_snap ? d->snap.zxid : 0;
}

static void
start_fsync(struct sim *s, struct sim_peer *p)
{
	struct sim_disk	*d = &p->disk;
	struct sim_ev	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SIM_EV_FSYNC;
	ev.to = p->idx;
	ev.inc = p->inc;
	ev.gen = d->gen;
	ev.n = d->n;
	ev.t = s->now + (d->slow ? sim_range(s, 40, 400) : sim_range(s, 1, 6));
	d->busy = 1;
	sim_push(s, &ev);
}

void
sim_disk_append(struct sim *s, struct sim_peer *p, int64_t zxid,
    const void *data, size_t len)
{
	struct sim_disk	*d = &p->disk;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->log = zk_xrealloc(d->log, d->cap * sizeof(*d->log));
	}
	d->log[d->n].zxid = zxid;
	d->log[d->n].data = zk_xmemdup(data, len ? len : 1);
	d->log[d->n].len = len;
	d->n++;
	sim_disk_kick(s, p);
}

/*
 * An fsync finished (the kernel's part, done even while the process is
 * stopped): records up to ev->n are durable; DURABLE goes to the peer.
 */
void
sim_disk_fsynced(struct sim *s, struct sim_peer *p, const struct sim_ev *ev)
{
	struct sim_disk	*d = &p->disk;
	struct sim_ev	 dv;

	if (!p->up || ev->inc != p->inc || ev->gen != d->gen)
		return;
	d->busy = 0;
	if (ev->n > d->durable && ev->n <= d->n) {
		d->durable = ev->n;
		memset(&dv, 0, sizeof(dv));
		dv.type = SIM_EV_DURABLE;
		dv.to = p->idx;
		dv.from = p->idx;
		dv.inc = p->inc;
		dv.t = s->now;
		dv.zxid = d->log[d->durable - 1].zxid;
		sim_trace(s, TR_DURABLE, p->idx, 0, 0, dv.zxid, 0, NULL);
		sim_peer_deliver(s, p, &dv);
	}
	sim_disk_kick(s, p);
}

/*
 * Starts the fsync the log's tail waits for, unless one runs or the peer
 * is stopped (its writer thread is stopped with it).
 */
void
sim_disk_kick(struct sim *s, struct sim_peer *p)
{
	struct sim_disk	*d = &p->disk;

	if (p->up && !p->paused && d->n > d->durable && !d->busy)
		start_fsync(s, p);
}

/* invariant (1): the volatile tail is gone. */
void
sim_disk_crash(struct sim_disk *d)
{
	cut(d, d->durable);
	d->busy = 0;
	d->gen++;
}

/*
 * The tree from the snapshot and the log's records up to upto (all of
 * them with INT64_MAX), each checked as an apply.
 */
int
sim_disk_rebuild(struct sim *s, struct sim_peer *p, int64_t upto)
{
	struct sim_disk	*d = &p->disk;
	size_t		 i;

	if (d->has_snap)
		sim_tree_copy(&p->tree, &d->snap);
	else
		sim_tree_reset(&p->tree);
	for (i = 0; i < d->n && d->log[i].zxid <= upto; i++)
		sim_check_apply(s, p, d->log[i].zxid, d->log[i].data,
		    d->log[i].len, "replay");
	return 0;
}

/*
 * TRUNCATE: the pending records are written first (so all of the log is
 * durable), then everything after zxid goes, with a snapshot past it;
 * the tree is rebuilt if it held more.
 */
int
sim_disk_truncate(struct sim *s, struct sim_peer *p, int64_t zxid)
{
	struct sim_disk	*d = &p->disk;
	struct sim_ev	 dv;
	size_t		 i;

	d->durable = d->n;
	d->busy = 0;
	d->gen++;
	if (d->has_snap && d->snap.zxid > zxid) {
		d->has_snap = 0;
		sim_tree_reset(&d->snap);
	}
	for (i = 0; i < d->n && d->log[i].zxid <= zxid; i++)
		;
	cut(d, i);
	if (p->tree.zxid > zxid)
		sim_disk_rebuild(s, p, zxid);
	/*
	 * The pending records were written before the cut, so what is left
	 * is durable: say so, or a machine waiting for it would wait for a
	 * DURABLE no later fsync sends (a DURABLE past the cut names a
	 * record that is gone, which ZAB ignores).
	 */
	if (sim_disk_last(d) > 0) {
		memset(&dv, 0, sizeof(dv));
		dv.type = SIM_EV_DURABLE;
		dv.to = p->idx;
		dv.from = p->idx;
		dv.inc = p->inc;
		dv.t = s->now;
		dv.zxid = sim_disk_last(d);
		sim_push(s, &dv);
	}
	return 0;
}

/* INSTALL_SNAP: tree, snapshot and an empty log, durably. */
int
sim_disk_install(struct sim *s, struct sim_peer *p, int64_t zxid,
    const void *data, size_t len)
{
	struct sim_disk	*d = &p->disk;

	if (sim_tree_decode(&d->snap, data, len) != 0 || d->snap.zxid != zxid)
		return sim_fail(s, "p%d: INSTALL_SNAP at %lld: the data is "
		    "not a tree at that zxid", p->sid, (long long)zxid);
	d->has_snap = 1;
	cut(d, 0);
	d->durable = 0;
	d->busy = 0;
	d->gen++;
	sim_tree_copy(&p->tree, &d->snap);
	sim_check_tree(s, p, "INSTALL_SNAP");
	return 0;
}
