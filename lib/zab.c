/*
 * ZAB on one peer, as a state machine fed with events (a message, a link
 * up or down, the log durable up to a zxid, a txn applied, the time) that
 * returns the actions to take (share/doc/replication.md "ZAB", "Restart",
 * "Digests"): this file holds the entry points, the dispatch of events to
 * the two roles, and the state both roles share (the window of recent
 * txns, the ring of digests, the timers, giving up). No clock, sockets,
 * files or printing in here: the time comes in the event.
 *
 *   zab.c          entry points, dispatch, window, digests, timers, give-up
 *   zab_leader.c   discovery, sync and broadcast on the leader
 *   zab_learner.c  the same on a follower or an observer
 *   zab_int.h      struct zk_zab and what the three share
 *
 * Invariants (zab.h states (1)-(7) in full; tests/unit/test_zab.c has a
 * test named "zab (N)" for each; the role files say which they keep):
 *  (1) ACK(z) only once z is known durable: a DURABLE event covers it,
 *      or a TRUNCATE or INSTALL_SNAP at or above it.
 *  (2) acceptedEpoch is persisted (an action before the send) before
 *      ACKEPOCH or LEADERINFO is sent.
 *  (3) A learner persists currentEpoch only once the sync is durable, and
 *      sends ACKNEWLEADER only after that.
 *  (4) A learner logs a txn only if it continues its own log exactly; a
 *      break ends the session and nothing of it is logged.
 *  (5) A learner whose history the leader lacks is TRUNCated, never
 *      DIFFed; a TRUNC it cannot honour exactly makes it ask for a SNAP.
 *  (6) Commits need a quorum of voters (the leader's DURABLE counting),
 *      come in zxid order, and APPLY never runs ahead of them.
 *  (7) A digest that differs from the leader's for the same zxid ends the
 *      session and asks for a SNAP.
 * And this file's own:
 *  (8) The window holds every txn in (base, last]; a txn leaves it only
 *      once applied and more than cfg->window are kept.
 *  (9) Bytes an action points to (window txns, a SNAP's data) are freed no
 *      earlier than the start of the next step: removals go to a
 *      graveyard that each step empties first.
 *
 * Events and where they go (the role files have their own tables):
 *
 *   event		here		zk_zab_lead_*	zk_zab_learn_*
 *   START		on_start	start		start
 *   CONNECTED		on_connected	-		connected
 *   DISCONNECTED	on_disconnected	-		disconnected
 *   MSG		on_msg		msg		msg
 *   DURABLE		on_durable	durable		durable
 *   LOG_FAILED		on_log_failed	-		-
 *   APPLIED		on_applied	-		-
 *   PROPOSE		-		propose		-
 *   TIMER		deadline	timer		timer
 *
 * A peer gives up (zk_zab_give_up) by closing every link it knows, going
 * back to NONE and saying why; the caller elects again and STARTs it
 * anew. The window, the epochs, the digests and the want-snap flag
 * outlive a session; everything else is reset by START.
 *
 * Where this goes beyond replication.md, each explained where it is done:
 * a learner serves only once nothing in its tree is uncommitted
 * (learn_commit); a late learner with our epoch from another leader, or
 * a higher one, makes the leader give up (lead_info); an observer ahead
 * of the leader is TRUNCated, not a reason to give up (lead_ackepoch);
 * a TRUNC below the learner's window asks for a SNAP (learn_trunc); an
 * observer gets COMMIT, not INFORM, for txns its sync stream carried
 * (commit_to); DURABLE naming a record no longer in the log is ignored
 * (on_durable).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "members.h"
#include "util.h"
#include "zab.h"
#include "zab_int.h"

#ifdef ZK_PLANTED_BUGS
int	zk_zab_planted_bug;
#endif

/* Memory that actions may still point to. */

void
zk_zab_bury(struct zk_zab *z, void *p)
{
	if (z->ndead == z->capdead) {
		z->capdead = z->capdead ? z->capdead * 2 : 16;
		z->dead = zk_xrealloc(z->dead, z->capdead * sizeof(*z->dead));
	}
	z->dead[z->ndead++] = p;
}

static void
flush_dead(struct zk_zab *z)
{
	size_t	 i;

	for (i = 0; i < z->ndead; i++)
		free(z->dead[i]);
	z->ndead = 0;
}

/* The window: txns in (base, last], ascending. */

/* Index of the first txn above zxid (wcount if none). */
size_t
zk_zab_wupper(const struct zk_zab *z, int64_t zxid)
{
	size_t	 lo = 0, hi = wcount(z), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (wat(z, mid)->zxid <= zxid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
zk_zab_wholds(const struct zk_zab *z, int64_t zxid)
{
	size_t	 i = zk_zab_wupper(z, zxid);

	return i > 0 && wat(z, i - 1)->zxid == zxid;
}

/* The largest zxid of this history below zxid: a window txn or base. */
int64_t
zk_zab_wbelow(const struct zk_zab *z, int64_t zxid)
{
	size_t	 i = zk_zab_wupper(z, zxid - 1);

	return i > 0 ? wat(z, i - 1)->zxid : z->base;
}

static struct txn *
wappend(struct zk_zab *z, int64_t zxid, const void *data, size_t len)
{
	struct txn	*t;

	if (z->wn == z->wcap && z->woff > 0) {
		memmove(z->w, z->w + z->woff, wcount(z) * sizeof(*z->w));
		z->wn -= z->woff;
		z->woff = 0;
	}
	if (z->wn == z->wcap) {
		z->wcap = z->wcap ? z->wcap * 2 : 64;
		z->w = zk_xrealloc(z->w, z->wcap * sizeof(*z->w));
	}
	t = &z->w[z->wn++];
	t->zxid = zxid;
	t->len = data != NULL ? len : 0;
	t->data = zk_xmemdup(data, t->len);
	return t;
}

/* Drops txns above zxid; their bytes outlive this step (9). */
void
zk_zab_wcut(struct zk_zab *z, int64_t zxid)
{
	while (wcount(z) > 0 && wat(z, wcount(z) - 1)->zxid > zxid) {
		zk_zab_bury(z, wat(z, wcount(z) - 1)->data);
		z->wn--;
	}
}

/* (8): only applied txns beyond the window size leave; called when no
 * action of this step can point at them yet. */
static void
prune(struct zk_zab *z)
{
	struct txn	*t;

	while (wcount(z) > z->cfg.window &&
	    (t = wat(z, 0))->zxid <= z->applied) {
		z->base = t->zxid;
		free(t->data);
		z->woff++;
	}
}

/* The ring of (zxid, digest) pairs from APPLIED events. */

void
zk_zab_ring_cut(struct zk_zab *z, int64_t zxid)
{
	while (z->rn > 0 && z->rz[(z->rh + z->rn - 1) % RING] > zxid)
		z->rn--;
}

static void
ring_add(struct zk_zab *z, int64_t zxid, uint64_t digest)
{
	size_t	 i;

	zk_zab_ring_cut(z, zxid - 1);
	if (z->rn == RING) {
		z->rh = (z->rh + 1) % RING;
		z->rn--;
	}
	i = (z->rh + z->rn++) % RING;
	z->rz[i] = zxid;
	z->rd[i] = digest;
}

int
zk_zab_ring_find(const struct zk_zab *z, int64_t zxid, uint64_t *digest)
{
	size_t	 k, i;

	for (k = z->rn; k > 0; k--) {
		i = (z->rh + k - 1) % RING;
		if (z->rz[i] == zxid) {
			*digest = z->rd[i];
			return 1;
		}
		if (z->rz[i] < zxid)
			break;
	}
	return 0;
}

/* Actions. */

struct zk_zab_action *
zk_zab_act(struct zk_zab *z, int type)
{
	struct zk_zab_out	*o = z->out;
	struct zk_zab_action	*a;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->v = zk_xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	a = &o->v[o->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

/* A SEND to sid; fill the message before the next zk_zab_act(). */
struct zk_zab_msg *
zk_zab_post(struct zk_zab *z, int sid, int type)
{
	struct zk_zab_action	*a = zk_zab_act(z, ZK_ZAB_SEND);

	a->sid = sid;
	a->msg.type = type;
	return &a->msg;
}

void
zk_zab_close_link(struct zk_zab *z, int sid)
{
	int	 i = idx(z, sid);

	zk_zab_act(z, ZK_ZAB_CLOSE)->sid = sid;
	if (i >= 0) {
		z->recs[i].linked = 0;
		z->recs[i].phase = RP_NONE;
	}
}

void
zk_zab_log_txn(struct zk_zab *z, int64_t zxid, const void *data, size_t len)
{
	struct txn		*t = wappend(z, zxid, data, len);
	struct zk_zab_action	*a = zk_zab_act(z, ZK_ZAB_LOG);

	a->zxid = zxid;
	a->data = t->data;
	a->len = t->len;
	z->last = zxid;
}

/* (6): APPLY, in order, the window txns in (applied, min(c, last)]. */
void
zk_zab_apply_to(struct zk_zab *z, int64_t c)
{
	struct zk_zab_action	*a;
	struct txn		*t;
	size_t			 i;

	if (c > z->last)
		c = z->last;
	for (i = zk_zab_wupper(z, z->applied); i < wcount(z); i++) {
		t = wat(z, i);
		if (t->zxid > c)
			break;
		a = zk_zab_act(z, ZK_ZAB_APPLY);
		a->zxid = t->zxid;
		a->data = t->data;
		a->len = t->len;
		z->applied = t->zxid;
	}
	if (c > z->committed)
		z->committed = c;
}

int64_t
zk_zab_voters_kth(const struct zk_zab *z, int64_t mine,
    int64_t (*value)(const struct rec *), size_t k)
{
	int64_t	 v[ZK_ZAB_MAX_PEERS], x;
	size_t	 i, j, n = 0;

	if (z->voter)
		v[n++] = mine;
	for (i = 0; i < z->cfg.nsids; i++)
		if (rec_votes(z, (int)i) && z->recs[i].phase >= RP_ACKED &&
		    z->recs[i].linked)
			v[n++] = value(&z->recs[i]);
	if (k == 0 || n < k)
		return -1;
	for (i = 1; i < n; i++) {	/* a handful: insertion, descending */
		x = v[i];
		for (j = i; j > 0 && v[j - 1] < x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[k - 1];
}

/* Closes every link this machine knows of and goes back to NONE. */
void
zk_zab_give_up(struct zk_zab *z, int want_snap, const char *fmt, ...)
{
	va_list		 ap;
	size_t		 i;
	int		 sid, pending;

	for (i = 0; i < z->cfg.nsids; i++) {
		sid = z->cfg.sids[i];
		pending = is_learner(z) && sid == z->leader &&
		    z->ls != LS_NONE && z->ls != LS_RETRY;
		if (sid != z->cfg.myid && (z->recs[i].linked ||
		    z->recs[i].phase != RP_NONE || pending))
			zk_zab_act(z, ZK_ZAB_CLOSE)->sid = sid;
		z->recs[i].linked = 0;
		z->recs[i].phase = RP_NONE;
	}
	if (want_snap)
		z->want_snap = 1;
	va_start(ap, fmt);
	vsnprintf(z->reason, sizeof(z->reason), fmt, ap);
	va_end(ap);
	z->role = ZK_ZAB_NONE;
	z->phase = 0;
	z->serving = 0;
	z->ls = LS_NONE;
	z->epoch = -1;
	z->next_zxid = -1;
	z->gave_up = 1;
	zk_zab_sync_reset(z);
}

/* Events. */

static void
reset_session(struct zk_zab *z)
{
	size_t	 i;

	for (i = 0; i < z->cfg.nsids; i++) {
		z->recs[i].phase = RP_NONE;
		z->acked_epoch[i] = 0;
	}
	z->phase = 0;
	z->serving = 0;
	z->epoch = -1;
	z->chosen = 0;
	z->synced = 0;
	z->est_last = 0;
	z->ls = LS_NONE;
	z->sync_last = 0;
	z->acked_nl = 0;
	z->last_ack = 0;
	z->commit_z = 0;
	z->pend_z = 0;
	z->next_zxid = -1;
	zk_zab_sync_reset(z);
}

/*
 * (8): the loads must end at the log's last zxid; if they do not, what
 * lies between is unknown here and a learner behind it gets a SNAP.
 */
static void
check_window(struct zk_zab *z)
{
	zk_zab_wcut(z, z->last);
	if (wcount(z) > 0 && wat(z, wcount(z) - 1)->zxid != z->last)
		zk_zab_wcut(z, INT64_MIN);
	if (wcount(z) == 0)
		z->base = z->last;
}

static void
on_start(struct zk_zab *z, const struct zk_zab_event *ev)
{
	size_t	 i;

	if (z->role != ZK_ZAB_NONE) {
		for (i = 0; i < z->cfg.nsids; i++)
			if (z->recs[i].linked || z->recs[i].phase != RP_NONE ||
			    (is_learner(z) && z->cfg.sids[i] == z->leader &&
			    z->ls == LS_CONNECTING)) {
				zk_zab_act(z, ZK_ZAB_CLOSE)->sid =
				    z->cfg.sids[i];
				z->recs[i].linked = 0;
			}
	}
	reset_session(z);
	check_window(z);
	z->role = ev->role;
	z->init_ms = z->now + (int64_t)z->cfg.init_limit * z->cfg.tick_ms;
	z->heard_ms = z->now;
	switch (ev->role) {
	case ZK_ZAB_LEADER:
		zk_zab_lead_start(z);
		return;
	case ZK_ZAB_FOLLOWER:
	case ZK_ZAB_OBSERVER:
		zk_zab_learn_start(z, ev->sid);
		return;
	}
	z->role = ZK_ZAB_NONE;
}

static void
on_connected(struct zk_zab *z, int sid)
{
	int	 i = idx(z, sid);

	if (i < 0 || sid == z->cfg.myid)
		return;
	z->recs[i].linked = 1;
	z->recs[i].phase = RP_NONE;	/* a new link: FOLLOWERINFO first */
	if (is_learner(z) && sid == z->leader &&
	    (z->ls == LS_CONNECTING || z->ls == LS_RETRY))
		zk_zab_learn_connected(z);
}

static void
on_disconnected(struct zk_zab *z, int sid)
{
	int	 i = idx(z, sid);

	if (i < 0 || sid == z->cfg.myid)
		return;
	z->recs[i].linked = 0;
	z->recs[i].phase = RP_NONE;
	if (is_learner(z) && sid == z->leader && z->ls != LS_RETRY)
		zk_zab_learn_disconnected(z, sid);
}

static void
on_msg(struct zk_zab *z, const struct zk_zab_event *ev)
{
	int	 i = idx(z, ev->sid);

	if (i < 0 || ev->sid == z->cfg.myid || z->role == ZK_ZAB_NONE ||
	    (is_learner(z) && ev->sid != z->leader)) {
		zk_zab_close_link(z, ev->sid);
		return;
	}
	if (z->role == ZK_ZAB_LEADER)
		zk_zab_lead_msg(z, i, &ev->msg);
	else
		zk_zab_learn_msg(z, &ev->msg);
}

/*
 * DURABLE(d) says every record logged up to d is durable. Only a d of
 * this history counts: one naming a record a TRUNCATE or a SNAP has
 * since replaced is late news of a log that is gone.
 */
static void
on_durable(struct zk_zab *z, int64_t d)
{
	if (d > z->last || (d > z->base && !zk_zab_wholds(z, d)) ||
	    d <= z->durable)
		return;
	z->durable = d;
	if (z->role == ZK_ZAB_LEADER)
		zk_zab_lead_durable(z);
	else if (is_learner(z))
		zk_zab_learn_durable(z);
}

/*
 * The record zxid and those after it are not on disk: forget them, and
 * have the next sync replace the tree if it already applied one.
 */
static void
on_log_failed(struct zk_zab *z, int64_t zxid)
{
	int64_t	 keep;

	if (zxid > z->last || zxid <= z->base)
		return;
	keep = zk_zab_wbelow(z, zxid);
	zk_zab_wcut(z, keep);
	z->last = keep;
	if (z->durable > keep)
		z->durable = keep;
	if (z->committed > keep)
		z->committed = keep;
	if (z->applied > keep)
		z->want_snap = 1;
	if (z->role != ZK_ZAB_NONE)
		zk_zab_give_up(z, 0, "log write failed at zxid 0x%llx",
		    (unsigned long long)zxid);
}

static void
on_applied(struct zk_zab *z, int64_t zxid, uint64_t digest)
{
	if (zxid <= 0 || zxid > z->applied)
		return;		/* not asked for, or since truncated */
	ring_add(z, zxid, digest);
	z->apz = zxid;
	z->my_z = zxid;
	z->my_d = digest;
	if (z->pend_z != 0 && z->pend_z <= zxid) {
		if (z->pend_z == zxid && z->pend_d != digest && is_learner(z)) {
			zk_zab_give_up(z, 1, "digest mismatch at zxid 0x%llx: "
			    "mine 0x%016llx, leader's 0x%016llx",
			    (unsigned long long)zxid,
			    (unsigned long long)digest,
			    (unsigned long long)z->pend_d);
		}
		z->pend_z = 0;
	}
}

static int64_t
deadline(const struct zk_zab *z)
{
	int64_t	 d = -1;

#define EARLIER(t)	do { if (d < 0 || (t) < d) d = (t); } while (0)
	if (z->role == ZK_ZAB_LEADER) {
		if (z->phase != ZK_ZAB_BROADCAST)
			EARLIER(z->init_ms);
		EARLIER(z->ping_ms);
	} else if (is_learner(z)) {
		if (z->phase != ZK_ZAB_BROADCAST)
			EARLIER(z->init_ms);
		else
			EARLIER(z->heard_ms + sync_ms(z));
		if (z->ls == LS_RETRY)
			EARLIER(z->retry_ms);
	}
#undef EARLIER
	return d;
}

/* Public. */

struct zk_zab *
zk_zab_new(const struct zk_zab_config *cfg, const struct zk_zab_persisted *p)
{
	struct zk_zab	*z;
	int		 me, voters;

	if (cfg == NULL || cfg->nsids == 0 || cfg->nsids > ZK_ZAB_MAX_PEERS ||
	    cfg->tick_ms <= 0 || cfg->init_limit <= 0 || cfg->sync_limit <= 0)
		return NULL;
	if ((me = zk_members_check(cfg->myid, cfg->sids, cfg->observer,
	    cfg->nsids, &voters)) < 0)
		return NULL;
	z = zk_xcalloc(1, sizeof(*z));
	z->cfg = *cfg;
	z->nvoters = voters;
	z->quorum = voters / 2 + 1;
	z->voter = !cfg->observer[me];
	z->accepted_epoch = z->current_epoch = -1;
	if (p != NULL) {
		z->accepted_epoch = p->accepted_epoch;
		z->accepted_leader = p->accepted_leader;
		z->current_epoch = p->current_epoch;
		z->last = p->last_zxid;
		z->base = p->base_zxid;
		z->applied = p->applied_zxid;
	}
	z->durable = z->last;
	z->committed = z->applied < z->last ? z->applied : z->last;
	z->apz = z->applied;
	reset_session(z);
	return z;
}

void
zk_zab_free(struct zk_zab *z)
{
	size_t	 i;

	if (z == NULL)
		return;
	flush_dead(z);
	for (i = z->woff; i < z->wn; i++)
		free(z->w[i].data);
	free(z->w);
	free(z->bar);
	free(z->dead);
	free(z);
}

void
zk_zab_load(struct zk_zab *z, int64_t zxid, const void *data, size_t len)
{
	if (zxid <= z->base ||
	    (wcount(z) > 0 && zxid <= wat(z, wcount(z) - 1)->zxid))
		return;
	wappend(z, zxid, data, len);
	prune(z);
}

void
zk_zab_step(struct zk_zab *z, const struct zk_zab_event *ev,
    struct zk_zab_out *out)
{
	int	 role = z->role, phase = z->phase, serving = z->serving;

	flush_dead(z);
	prune(z);
	out->n = 0;
	out->reason[0] = '\0';
	z->out = out;
	z->now = ev->now_ms;
	z->gave_up = 0;
	switch (ev->type) {
	case ZK_ZAB_EV_START:
		on_start(z, ev);
		break;
	case ZK_ZAB_EV_CONNECTED:
		on_connected(z, ev->sid);
		break;
	case ZK_ZAB_EV_DISCONNECTED:
		on_disconnected(z, ev->sid);
		break;
	case ZK_ZAB_EV_MSG:
		on_msg(z, ev);
		break;
	case ZK_ZAB_EV_DURABLE:
		on_durable(z, ev->zxid);
		break;
	case ZK_ZAB_EV_LOG_FAILED:
		on_log_failed(z, ev->zxid);
		break;
	case ZK_ZAB_EV_APPLIED:
		on_applied(z, ev->zxid, ev->digest);
		break;
	case ZK_ZAB_EV_PROPOSE:
		zk_zab_lead_propose(z, ev);
		break;
	case ZK_ZAB_EV_TIMER:
		if (z->role == ZK_ZAB_LEADER)
			zk_zab_lead_timer(z);
		else if (is_learner(z))
			zk_zab_learn_timer(z);
		break;
	case ZK_ZAB_EV_SYNC:
		zk_zab_sync_add(z, ev->sid, ev->zxid);
		break;
	}
	/* (8): after every COMMIT, INFORM and APPLY of the step. */
	zk_zab_sync_run(z);
	if (ev->type == ZK_ZAB_EV_START || z->role != role ||
	    z->phase != phase || z->serving != serving)
		zk_zab_act(z, ZK_ZAB_ROLE);
	out->role = z->role;
	out->phase = z->phase;
	out->serving = z->serving;
	out->epoch = z->role == ZK_ZAB_NONE ? -1 :
	    z->epoch >= 0 ? z->epoch : z->current_epoch;
	if (z->gave_up)
		snprintf(out->reason, sizeof(out->reason), "%s", z->reason);
	out->deadline_ms = deadline(z);
	z->out = NULL;
}

void
zk_zab_out_close(struct zk_zab_out *out)
{
	free(out->v);
	out->v = NULL;
	out->n = out->cap = 0;
}

int64_t
zk_zab_next_zxid(const struct zk_zab *z)
{
	return z->role == ZK_ZAB_LEADER && z->serving ? z->next_zxid : -1;
}

int64_t
zk_zab_current_epoch(const struct zk_zab *z)
{
	return z->current_epoch;
}

int64_t
zk_zab_last_zxid(const struct zk_zab *z)
{
	return z->last;
}

int64_t
zk_zab_committed_zxid(const struct zk_zab *z)
{
	return z->committed;
}

int
zk_zab_learners_synced(const struct zk_zab *z, int observers)
{
	size_t	 i;
	int	 n = 0;

	if (z->role != ZK_ZAB_LEADER)
		return 0;
	for (i = 0; i < z->cfg.nsids; i++)
		if (z->recs[i].linked && z->recs[i].phase >= RP_UPTODATE &&
		    !rec_votes(z, (int)i) == !!observers)
			n++;
	return n;
}

const char *
zk_zab_msg_name(int type)
{
	static const char *const names[] = {
		"?", "FOLLOWERINFO", "LEADERINFO", "ACKEPOCH", "DIFF", "TRUNC",
		"SNAP", "PROPOSAL", "COMMIT", "INFORM", "NEWLEADER",
		"ACKNEWLEADER", "UPTODATE", "ACK", "PING", "REQUEST",
		"ACCEPTED", "SYNC", "SYNCED", "SESSIONS",
	};

	return type > 0 && type <= ZK_ZAB_MSG_LAST ? names[type] : "?";
}

const char *
zk_zab_role_name(int role)
{
	switch (role) {
	case ZK_ZAB_LEADER:
		return "leader";
	case ZK_ZAB_FOLLOWER:
		return "follower";
	case ZK_ZAB_OBSERVER:
		return "observer";
	}
	return "none";
}

