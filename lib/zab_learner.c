/*
 * ZAB on a learner (a follower, or an observer without a vote): connect
 * to the leader, accept its epoch, bring the log in line with the
 * leader's sync stream, then log proposals, ACK what is durable and apply
 * what is committed, as steps of the machine in zab.c
 * (share/doc/replication.md "Discovery", "Synchronisation", "Broadcast",
 * "Digests").
 *
 * Invariants kept here (numbered as in zab.h):
 *  (1) ACK(z) only once z is known durable: a DURABLE event covers it,
 *      or a TRUNCATE or INSTALL_SNAP at or above it, after which the log
 *      is durable up to their zxid (zk_zab_learn_durable, try_acknl,
 *      learn_trunc, learn_snap).
 *  (2) acceptedEpoch is persisted before ACKEPOCH (learn_leaderinfo).
 *  (3) currentEpoch is persisted once the whole sync is durable, and
 *      ACKNEWLEADER sent only after that (try_acknl).
 *  (4) A txn is logged only if its prev is the last zxid logged here and
 *      its zxid continues that one; anything else ends the session and
 *      nothing of it is logged (learn_proposal).
 *  (5) TRUNC cuts to a zxid this log holds, or the learner gives up and
 *      asks for a SNAP (learn_trunc).
 *  (7) A digest that differs from the leader's for the same zxid ends the
 *      session and asks for a SNAP (check_digest; zab.c's on_applied for
 *      pairs that arrive before the APPLIED event).
 *
 * The link to the leader (enum link):
 *
 *   CONNECTING -CONNECTED-> WAIT_INFO -LEADERINFO-> WAIT_SYNC
 *   -DIFF|TRUNC|SNAP-> SYNCING -NEWLEADER-> WAIT_DURABLE -DURABLE->
 *   WAIT_UPTODATE -UPTODATE-> BROADCAST; a broken link before BROADCAST
 *   goes to RETRY, which CONNECTs again half a tick later.
 *
 * Transitions and the functions that make them:
 *
 *   event / message	function
 *   START		zk_zab_learn_start (CONNECT)
 *   CONNECTED		zk_zab_learn_connected (FOLLOWERINFO)
 *   DISCONNECTED	zk_zab_learn_disconnected (RETRY, or give up)
 *   LEADERINFO		learn_leaderinfo (ACKEPOCH)
 *   DIFF, TRUNC, SNAP	learn_diff, learn_trunc, learn_snap
 *   PROPOSAL		learn_proposal (LOG)
 *   NEWLEADER		learn_newleader, try_acknl
 *   UPTODATE		zk_zab_learn_msg, learn_commit
 *   COMMIT, INFORM	learn_commit, learn_inform; check_digest
 *   PING		zk_zab_learn_msg (answer), check_digest
 *   DURABLE		zk_zab_learn_durable: try_acknl, ACK
 *   TIMER		zk_zab_learn_timer (initLimit, syncLimit, RETRY)
 */
#include <stdint.h>

#include "util.h"
#include "zab.h"
#include "zab_int.h"

#define RETRY_FIRST_MS	10	/* first wait before connecting again */

static void	 try_acknl(struct zk_zab *);

/* (4): zxid z may come right after zxid prev in one history. */
static int
follows(int64_t prev, int64_t z)
{
	int64_t	 pe = ZK_ZXID_EPOCH_OF(prev), ze = ZK_ZXID_EPOCH_OF(z);

	if (z <= 0)
		return 0;
	if (ze == pe)
		return ZK_ZXID_COUNTER_OF(z) == ZK_ZXID_COUNTER_OF(prev) + 1;
	return ze > pe && ZK_ZXID_COUNTER_OF(z) == 1;
}

static const char *
ls_name(int ls)
{
	static const char *const names[] = {
		"not following", "connecting", "reconnecting",
		"waiting for LEADERINFO", "waiting for the sync",
		"syncing", "waiting for the sync to be durable",
		"waiting for UPTODATE", "broadcast",
	};

	return ls >= 0 && ls <= LS_BROADCAST ? names[ls] : "?";
}

void
zk_zab_learn_start(struct zk_zab *z, int leader)
{
	z->leader = leader;
	if (leader == z->cfg.myid || idx(z, leader) < 0) {
		zk_zab_give_up(z, 0, "no leader %d to follow", leader);
		return;
	}
	z->phase = ZK_ZAB_DISCOVERY;
	zk_zab_act(z, ZK_ZAB_CONNECT)->sid = z->leader;
	z->ls = LS_CONNECTING;
	z->retry_iv = RETRY_FIRST_MS;
}

void
zk_zab_learn_connected(struct zk_zab *z)
{
	struct zk_zab_msg	*m;

	z->ls = LS_WAIT_INFO;
	z->phase = ZK_ZAB_DISCOVERY;
	z->heard_ms = z->now;
	z->acked_nl = 0;
	z->commit_z = 0;	/* what this leader says is committed */
	m = zk_zab_post(z, z->leader, ZK_ZAB_FOLLOWERINFO);
	m->epoch = z->accepted_epoch;
	m->zxid = z->last;
	m->flags = (z->role == ZK_ZAB_OBSERVER ? ZK_ZAB_F_OBSERVER : 0) |
	    (z->want_snap ? ZK_ZAB_F_WANT_SNAP : 0);
}

/* The link to the leader broke. */
void
zk_zab_learn_disconnected(struct zk_zab *z, int sid)
{
	if (z->phase == ZK_ZAB_BROADCAST) {
		zk_zab_give_up(z, 0, "lost the link to leader %d", sid);
		return;
	}
	/*
	 * Replication.md "Liveness": retry soon (the leader may only be a
	 * moment behind us in deciding, and closed the link for that), then
	 * less often, up to every half tick, until initLimit runs out.
	 */
	z->ls = LS_RETRY;
	z->retry_ms = z->now + z->retry_iv;
	z->retry_iv = 2 * z->retry_iv < half_tick(z) ? 2 * z->retry_iv :
	    half_tick(z);
	z->phase = ZK_ZAB_DISCOVERY;
	z->acked_nl = 0;
}

/*
 * (2): replication.md "Discovery" 3. The leader's sid is kept with the
 * epoch so that two leaders cannot both collect a quorum for one epoch.
 */
static void
learn_leaderinfo(struct zk_zab *z, const struct zk_zab_msg *m)
{
	struct zk_zab_action	*a;
	struct zk_zab_msg	*r;
	int64_t			 e = m->epoch;

	if (!(e > z->accepted_epoch || (e == z->accepted_epoch &&
	    z->accepted_leader == z->leader))) {
		zk_zab_give_up(z, 0, "refused epoch %lld from leader %d: "
		    "epoch %lld already accepted from %d", (long long)e,
		    z->leader, (long long)z->accepted_epoch,
		    z->accepted_leader);
		return;
	}
	if (e != z->accepted_epoch || z->accepted_leader != z->leader) {
		a = zk_zab_act(z, ZK_ZAB_PERSIST_ACCEPTED);
		a->epoch = e;
		a->sid = z->leader;
		z->accepted_epoch = e;
		z->accepted_leader = z->leader;
	}
	z->epoch = e;
	r = zk_zab_post(z, z->leader, ZK_ZAB_ACKEPOCH);
	r->epoch = z->current_epoch;
	r->zxid = z->last;
	z->ls = LS_WAIT_SYNC;
	z->phase = ZK_ZAB_SYNC;
}

static void
learn_diff(struct zk_zab *z, const struct zk_zab_msg *m)
{
	if (m->zxid != z->last) {
		zk_zab_give_up(z, 0, "DIFF from 0x%llx but my last zxid is "
		    "0x%llx", (unsigned long long)m->zxid,
		    (unsigned long long)z->last);
		return;
	}
	z->ls = LS_SYNCING;
}

/*
 * (5): cut after t, which must be a zxid of this log (or the point it
 * starts from). A t we cannot find means our histories parted earlier
 * than the leader could see: ask for a SNAP. A t below the window is
 * refused alike, since the tree could not be rebuilt there from what we
 * know holds t.
 */
static void
learn_trunc(struct zk_zab *z, const struct zk_zab_msg *m)
{
	struct zk_zab_action	*a;
	int64_t			 t = m->zxid;

	if (t > z->last || t < z->base ||
	    (t != z->base && !zk_zab_wholds(z, t))) {
		zk_zab_give_up(z, 1, "TRUNC to 0x%llx, which my log "
		    "(0x%llx..0x%llx) does not hold; asking for a SNAP",
		    (unsigned long long)t, (unsigned long long)z->base,
		    (unsigned long long)z->last);
		return;
	}
	a = zk_zab_act(z, ZK_ZAB_TRUNCATE);
	a->zxid = t;
	zk_zab_wcut(z, t);
	z->last = t;
	/*
	 * The shell writes the pending LOGs before it cuts (zab.h), so
	 * the whole log up to t is durable after it: no later fsync would
	 * name t, and the sync's currentEpoch must not wait for one.
	 */
	z->durable = t;
	if (z->applied > t)
		z->applied = t;
	if (z->committed > t)
		z->committed = t;
	if (z->commit_z > t)
		z->commit_z = t;
	if (z->apz > t)
		z->apz = t;
	zk_zab_ring_cut(z, t);
	z->pend_z = 0;
	z->ls = LS_SYNCING;
}

static void
learn_snap(struct zk_zab *z, const struct zk_zab_msg *m)
{
	struct zk_zab_action	*a;
	void			*data;
	size_t			 len = m->data != NULL ? m->len : 0;

	data = zk_xmemdup(m->data, len);
	zk_zab_bury(z, data);		/* (9): borrowed until the next step */
	a = zk_zab_act(z, ZK_ZAB_INSTALL_SNAP);
	a->zxid = m->zxid;
	a->data = data;
	a->len = len;
	zk_zab_wcut(z, INT64_MIN);
	/* INSTALL_SNAP is durable when done (zab.h): so is the log, empty. */
	z->base = z->last = z->durable = z->applied = m->zxid;
	z->committed = z->commit_z = z->apz = m->zxid;
	z->rn = 0;
	z->pend_z = 0;
	z->want_snap = 0;
	z->ls = LS_SYNCING;
}

/* (7): compare the leader's pair with ours for the same zxid. */
static void
check_digest(struct zk_zab *z, int64_t zxid, uint64_t digest)
{
	uint64_t	 mine;

	if (zxid <= 0)
		return;
	if (zxid > z->apz) {
		z->pend_z = zxid;	/* compared at its APPLIED */
		z->pend_d = digest;
		return;
	}
	if (zk_zab_ring_find(z, zxid, &mine) && mine != digest)
		zk_zab_give_up(z, 1, "digest mismatch at zxid 0x%llx: "
		    "mine 0x%016llx, leader's 0x%016llx",
		    (unsigned long long)zxid, (unsigned long long)mine,
		    (unsigned long long)digest);
}

static void
learn_proposal(struct zk_zab *z, const struct zk_zab_msg *m)
{
	/*
	 * (4): a repeat, a gap or a step back ends the session. The zxids
	 * alone cannot tell that 2:1 right after 0:0 skipped all of epoch
	 * 1 (a new epoch may start at counter 1 after anything older);
	 * prev, the txn the leader's history has before this one, can.
	 */
	if (m->prev != z->last || !follows(z->last, m->zxid) ||
	    ZK_ZXID_EPOCH_OF(m->zxid) > z->epoch) {
		zk_zab_give_up(z, 0, "zxid 0x%llx (after 0x%llx) from leader "
		    "%d does not follow 0x%llx", (unsigned long long)m->zxid,
		    (unsigned long long)m->prev, z->leader,
		    (unsigned long long)z->last);
		return;
	}
	zk_zab_log_txn(z, m->zxid, m->data, m->len);
#ifdef ZK_PLANTED_BUGS
	/* breaks (1): an ACK for what may not be on disk yet */
	if (BUG(ZK_ZAB_BUG_ACK_BEFORE_DURABLE) && z->acked_nl &&
	    z->role == ZK_ZAB_FOLLOWER) {
		zk_zab_post(z, z->leader, ZK_ZAB_ACK)->zxid = m->zxid;
		z->last_ack = m->zxid;
	}
#endif
}

/*
 * A learner serves only once its tree holds nothing uncommitted. After a
 * restart the tree holds the whole log, whose tail may not be committed
 * yet; a leader in broadcast DIFFs such a learner from that tail (it is
 * in its history) and UPTODATE may name an older commit point. The tail
 * is served only once COMMITs cover it; should the leader fail first, the
 * next sync keeps or TRUNCates it (replication.md "Restart").
 */
static void
learn_commit(struct zk_zab *z, int64_t c)
{
	if (c > z->commit_z)
		z->commit_z = c;
	zk_zab_apply_to(z, z->commit_z);
	if (z->ls == LS_BROADCAST && z->commit_z >= z->applied)
		z->serving = 1;
}

static void
learn_inform(struct zk_zab *z, const struct zk_zab_msg *m)
{
	learn_proposal(z, m);
	if (z->gave_up)
		return;
	learn_commit(z, m->zxid);
	check_digest(z, m->zxid2, m->digest);
}

static void
learn_newleader(struct zk_zab *z, const struct zk_zab_msg *m)
{
	if (m->epoch != z->epoch || m->zxid != z->last) {
		zk_zab_give_up(z, 0, "NEWLEADER epoch %lld zxid 0x%llx, but "
		    "epoch %lld was accepted and the sync ended at 0x%llx",
		    (long long)m->epoch, (unsigned long long)m->zxid,
		    (long long)z->epoch, (unsigned long long)z->last);
		return;
	}
	z->sync_last = m->zxid;
	z->ls = LS_WAIT_DURABLE;
	try_acknl(z);
}

/* (3): currentEpoch, then ACKNEWLEADER, once the sync is durable. */
static void
try_acknl(struct zk_zab *z)
{
	struct zk_zab_action	*a;
	struct zk_zab_msg	*m;

	if (z->ls != LS_WAIT_DURABLE || z->durable < z->sync_last)
		return;
	if (z->current_epoch != z->epoch) {
		a = zk_zab_act(z, ZK_ZAB_PERSIST_CURRENT);
		a->epoch = z->epoch;
		z->current_epoch = z->epoch;
	}
	m = zk_zab_post(z, z->leader, ZK_ZAB_ACKNEWLEADER);
	m->epoch = z->epoch;
	m->zxid = z->sync_last;
	z->ls = LS_WAIT_UPTODATE;
	z->acked_nl = 1;
	z->last_ack = z->sync_last;
	if (z->role == ZK_ZAB_FOLLOWER && z->durable > z->last_ack) {
		zk_zab_post(z, z->leader, ZK_ZAB_ACK)->zxid = z->durable;
		z->last_ack = z->durable;
	}
}

/* (1): the log is durable further; ACK it once the sync is acked. */
void
zk_zab_learn_durable(struct zk_zab *z)
{
	try_acknl(z);
	if (z->role == ZK_ZAB_FOLLOWER && z->acked_nl &&
	    z->durable > z->last_ack) {
		zk_zab_post(z, z->leader, ZK_ZAB_ACK)->zxid = z->durable;
		z->last_ack = z->durable;
	}
}

void
zk_zab_learn_msg(struct zk_zab *z, const struct zk_zab_msg *m)
{
	struct zk_zab_msg	*r;
	int			 ls = z->ls, obs = z->role == ZK_ZAB_OBSERVER;

	if (ls == LS_NONE || ls == LS_CONNECTING || ls == LS_RETRY)
		return;		/* from a link already gone */
	z->heard_ms = z->now;
	switch (m->type) {
	case ZK_ZAB_LEADERINFO:
		if (ls != LS_WAIT_INFO)
			break;
		learn_leaderinfo(z, m);
		return;
	case ZK_ZAB_DIFF:
	case ZK_ZAB_TRUNC:
	case ZK_ZAB_SNAP:
		if (ls != LS_WAIT_SYNC)
			break;
		if (m->type == ZK_ZAB_DIFF)
			learn_diff(z, m);
		else if (m->type == ZK_ZAB_TRUNC)
			learn_trunc(z, m);
		else
			learn_snap(z, m);
		return;
	case ZK_ZAB_PROPOSAL:
		/* Observers get PROPOSALs only in their sync stream. */
		if (ls < LS_SYNCING || (obs && ls != LS_SYNCING))
			break;
		learn_proposal(z, m);
		return;
	case ZK_ZAB_COMMIT:
		if (ls < LS_SYNCING)
			break;
		learn_commit(z, m->zxid);
		check_digest(z, m->zxid2, m->digest);
		return;
	case ZK_ZAB_INFORM:
		if (ls < LS_SYNCING || !obs)
			break;
		learn_inform(z, m);
		return;
	case ZK_ZAB_NEWLEADER:
		if (ls != LS_SYNCING)
			break;
		learn_newleader(z, m);
		return;
	case ZK_ZAB_UPTODATE:
		if (ls != LS_WAIT_UPTODATE)
			break;
		z->ls = LS_BROADCAST;
		z->phase = ZK_ZAB_BROADCAST;
		learn_commit(z, m->zxid);
		return;
	case ZK_ZAB_PING:
		/* (8): the echo of the heartbeat round proves the leader. */
		r = zk_zab_post(z, z->leader, ZK_ZAB_PING);
		r->zxid = z->applied;
		r->prev = m->prev;
		check_digest(z, m->zxid2, m->digest);
		return;
	}
	zk_zab_give_up(z, 0, "protocol error: %s from leader %d while %s",
	    zk_zab_msg_name(m->type), z->leader, ls_name(ls));
}

void
zk_zab_learn_timer(struct zk_zab *z)
{
	if (z->phase != ZK_ZAB_BROADCAST && z->now >= z->init_ms) {
		zk_zab_give_up(z, 0, "not synced with leader %d within "
		    "initLimit (%d ticks)", z->leader, z->cfg.init_limit);
		return;
	}
	if (z->phase == ZK_ZAB_BROADCAST &&
	    z->now - z->heard_ms >= sync_ms(z)) {
		zk_zab_give_up(z, 0, "nothing from leader %d for %lld ms "
		    "(syncLimit %d ticks)", z->leader,
		    (long long)(z->now - z->heard_ms), z->cfg.sync_limit);
		return;
	}
	if (z->ls == LS_RETRY && z->now >= z->retry_ms) {
		zk_zab_act(z, ZK_ZAB_CONNECT)->sid = z->leader;
		z->ls = LS_CONNECTING;
	}
}

