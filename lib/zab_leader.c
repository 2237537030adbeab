/*
 * ZAB on the leader: discovery (choose the new epoch from a quorum of
 * FOLLOWERINFOs), synchronisation (bring each learner's history in line
 * with ours: DIFF, TRUNC or SNAP, then NEWLEADER) and broadcast (propose,
 * count ACKs, commit on a quorum), as steps of the machine in zab.c
 * (share/doc/replication.md "Discovery", "Synchronisation", "Broadcast").
 *
 * Invariants kept here (numbered as in zab.h):
 *  (2) acceptedEpoch is persisted before the first LEADERINFO (try_epoch).
 *  (4) Each learner's stream is the leader's history in order, with no
 *      hole, and says so: every PROPOSAL and INFORM carries as prev the
 *      txn before it in that history (the DIFF, TRUNC or SNAP point for
 *      the first of a sync), so the learner can check that it continues
 *      its own log. The sync starts right after that point, later txns go
 *      to every learner in the forwarding set, and an observer gets
 *      INFORMs only for what its stream lacked (lead_sync, commit_to,
 *      zk_zab_lead_propose).
 *  (5) A learner whose last zxid is not in our history is TRUNCated to
 *      the largest zxid below it that is, never DIFFed (lead_sync).
 *  (6) Commits need a quorum of voters, the leader's own DURABLE counting;
 *      the new epoch's initial history commits with a quorum of
 *      ACKNEWLEADER, later txns by counting ACKs (lead_commit), in order.
 *
 * One record per learner sid (struct rec), its phase:
 *
 *   NONE -FOLLOWERINFO-> INFO -epoch chosen-> LEADERINFO -ACKEPOCH->
 *   ACKEPOCH -currentEpoch persisted-> SYNCED -ACKNEWLEADER-> ACKED
 *   -quorum of ACKED (or later)-> UPTODATE
 *
 * and the leader's own: DISCOVERY until the epoch is chosen and a quorum
 * ACKEPOCHed, SYNC until a quorum ACKNEWLEADERed, then BROADCAST.
 *
 * Transitions and the functions that make them:
 *
 *   event / message	function
 *   START		zk_zab_lead_start, try_epoch
 *   FOLLOWERINFO	lead_info, try_epoch (LEADERINFO to all)
 *   ACKEPOCH		lead_ackepoch, try_sync, lead_sync (DIFF | TRUNC |
 *			SNAP, PROPOSALs, COMMIT, NEWLEADER)
 *   ACKNEWLEADER	lead_acknl, try_establish (UPTODATE to all)
 *   ACK		lead_ack, lead_commit, commit_to (COMMIT, INFORM)
 *   PING		zk_zab_lead_msg (heard from)
 *   DURABLE		zk_zab_lead_durable: try_sync, try_establish or
 *			lead_commit, by phase
 *   PROPOSE		zk_zab_lead_propose (PROPOSAL to the followers)
 *   TIMER		zk_zab_lead_timer (initLimit, syncLimit, pings)
 */
#include <string.h>

#include "zab.h"
#include "zab_int.h"

static void	 lead_sync(struct zk_zab *, int);
static void	 try_sync(struct zk_zab *);
static void	 try_establish(struct zk_zab *);
static void	 lead_commit(struct zk_zab *);

/* The leader's latest APPLIED pair, for COMMIT, INFORM and PING. */
static void
stamp(const struct zk_zab *z, struct zk_zab_msg *m)
{
	m->zxid2 = z->my_z;
	m->digest = z->my_d;
}

static int
rec_count(const struct zk_zab *z, int phase)
{
	size_t	 i;
	int	 n = z->voter;

	for (i = 0; i < z->cfg.nsids; i++)
		if (rec_votes(z, (int)i) && z->recs[i].phase >= phase)
			n++;
	return n;
}

static void
leaderinfo(struct zk_zab *z, int i)
{
	zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_LEADERINFO)->epoch = z->epoch;
	z->recs[i].phase = RP_LEADERINFO;
}

/* With FOLLOWERINFO from a quorum of voters: newEpoch = max + 1. */
static void
try_epoch(struct zk_zab *z)
{
	struct zk_zab_action	*a;
	struct rec		*r;
	int64_t			 e;
	size_t			 i;

	if (z->chosen || rec_count(z, RP_INFO) < z->quorum)
		return;
	e = 0;
	if (z->accepted_epoch > e)
		e = z->accepted_epoch;
	if (z->current_epoch > e)
		e = z->current_epoch;
	if (ZK_ZXID_EPOCH_OF(z->last) > e)
		e = ZK_ZXID_EPOCH_OF(z->last);
	for (i = 0; i < z->cfg.nsids; i++) {
		r = &z->recs[i];
		if (r->phase < RP_INFO)
			continue;
		if (r->info_epoch > e)
			e = r->info_epoch;
		if (ZK_ZXID_EPOCH_OF(r->info_zxid) > e)
			e = ZK_ZXID_EPOCH_OF(r->info_zxid);
	}
	e++;
	/* (2): persisted before any LEADERINFO goes out. */
	a = zk_zab_act(z, ZK_ZAB_PERSIST_ACCEPTED);
	a->epoch = e;
	a->sid = z->cfg.myid;
	z->accepted_epoch = e;
	z->accepted_leader = z->cfg.myid;
	z->epoch = e;
	z->chosen = 1;
	for (i = 0; i < z->cfg.nsids; i++)
		if (z->recs[i].phase == RP_INFO)
			leaderinfo(z, (int)i);
	try_sync(z);	/* the leader's own ACKEPOCH counts */
}

void
zk_zab_lead_start(struct zk_zab *z)
{
	z->leader = z->cfg.myid;
	if (!z->voter) {
		zk_zab_give_up(z, 0, "observer %d cannot lead", z->cfg.myid);
		return;
	}
	z->phase = ZK_ZAB_DISCOVERY;
	z->ping_ms = z->now + half_tick(z);
	try_epoch(z);
}

static void
lead_info(struct zk_zab *z, int i, const struct zk_zab_msg *m)
{
	struct rec	*r = &z->recs[i];

	memset(r, 0, sizeof(*r));
	r->linked = 1;
	r->phase = RP_INFO;
	r->flags = m->flags;
	r->observer = z->cfg.observer[i] || (m->flags & ZK_ZAB_F_OBSERVER);
	r->info_epoch = m->epoch;
	r->info_zxid = m->zxid;
	r->heard_ms = z->now;
	if (!z->chosen) {
		try_epoch(z);
		return;
	}
	/*
	 * A learner that came late with our epoch accepted from another
	 * leader, or a higher one, refuses our LEADERINFO (discovery 3)
	 * and would do so every time it comes back, for as long as we lead:
	 * only a new election, which picks an epoch above its, lets it in.
	 * Equal and from us shows as an ACKEPOCH we had (a reconnection);
	 * one whose ACKEPOCH was lost on the way costs an election too.
	 */
	if (m->epoch > z->epoch ||
	    (m->epoch == z->epoch && !z->acked_epoch[i])) {
		zk_zab_give_up(z, 0, "learner %d accepted epoch %lld, which "
		    "is not mine (%lld): a new election must pick a higher one",
		    z->cfg.sids[i], (long long)m->epoch, (long long)z->epoch);
		return;
	}
	leaderinfo(z, i);
}

static void
lead_ackepoch(struct zk_zab *z, int i, const struct zk_zab_msg *m)
{
	struct rec	*r = &z->recs[i];

	/*
	 * Replication.md "Discovery" 4: the election should have chosen a
	 * voter whose history orders above ours. An observer never wins an
	 * election, so one ahead is TRUNCated instead: what it holds beyond
	 * us was never committed (a commit needs a quorum of voters, and the
	 * elected leader holds every committed txn).
	 */
	if (rec_votes(z, i) && (m->epoch > z->current_epoch ||
	    (m->epoch == z->current_epoch && m->zxid > z->last))) {
		zk_zab_give_up(z, 0, "follower %d is ahead: epoch %lld "
		    "zxid 0x%llx, mine epoch %lld zxid 0x%llx", z->cfg.sids[i],
		    (long long)m->epoch, (unsigned long long)m->zxid,
		    (long long)z->current_epoch, (unsigned long long)z->last);
		return;
	}
	r->last = m->zxid;
	r->phase = RP_ACKEPOCH;
	z->acked_epoch[i] = 1;
	if (z->synced)
		lead_sync(z, i);
	else
		try_sync(z);
}

/*
 * With ACKEPOCH from a quorum of voters and the leader's own log durable:
 * persist currentEpoch, then sync every learner that acked.
 */
static void
try_sync(struct zk_zab *z)
{
	struct zk_zab_action	*a;
	size_t			 i;

	if (z->synced || !z->chosen || rec_count(z, RP_ACKEPOCH) < z->quorum)
		return;
	z->phase = ZK_ZAB_SYNC;
	if (z->durable < z->last)
		return;		/* again at the DURABLE event */
	if (z->current_epoch != z->epoch) {
		a = zk_zab_act(z, ZK_ZAB_PERSIST_CURRENT);
		a->epoch = z->epoch;
		z->current_epoch = z->epoch;
	}
	z->synced = 1;
	z->est_last = z->last;
	for (i = 0; i < z->cfg.nsids; i++)
		if (z->recs[i].phase == RP_ACKEPOCH)
			lead_sync(z, (int)i);
	try_establish(z);
}

/*
 * Replication.md "Synchronisation", from the learner's last zxid f:
 * DIFF(f) if f is in our history, TRUNC(the largest zxid below f) if it
 * is not, SNAP if it is older than the window or the learner asked; then
 * the txns after that point, COMMIT(applied) for those we have applied,
 * and NEWLEADER(epoch, L).
 */
static void
lead_sync(struct zk_zab *z, int i)
{
	struct zk_zab_action	*a;
	struct zk_zab_msg	*m;
	struct rec		*r = &z->recs[i];
	struct txn		*t;
	int64_t			 f = r->last, from, prev;
	size_t			 k;
	int			 sid = z->cfg.sids[i], old = 0, type;

	if (r->flags & ZK_ZAB_F_WANT_SNAP || f < z->base) {
		a = zk_zab_act(z, ZK_ZAB_SEND_SNAP);
		a->sid = sid;
		a->zxid = z->applied;
		from = z->applied;
	} else if (f == z->last || f == z->base || zk_zab_wholds(z, f)) {
		zk_zab_post(z, sid, ZK_ZAB_DIFF)->zxid = f;
		from = f;
	} else {
		/* (5): f is ahead of us or on a branch we never had. */
		from = zk_zab_wbelow(z, f);
		type = ZK_ZAB_TRUNC;
#ifdef ZK_PLANTED_BUGS
		if (BUG(ZK_ZAB_BUG_DIFF_DIVERGED)) {	/* breaks (5) */
			type = ZK_ZAB_DIFF;
			from = f;
		}
#endif
		zk_zab_post(z, sid, type)->zxid = from;
	}
	/* (4): the first txn follows the point just sent, each the last. */
	prev = from;
	for (k = zk_zab_wupper(z, from); k < wcount(z); k++) {
		t = wat(z, k);
		m = zk_zab_post(z, sid, ZK_ZAB_PROPOSAL);
		m->zxid = t->zxid;
		m->prev = prev;
		m->data = t->data;
		m->len = t->len;
		prev = t->zxid;
		if (t->zxid <= z->applied)
			old = 1;
	}
	if (old) {
		m = zk_zab_post(z, sid, ZK_ZAB_COMMIT);
		m->zxid = z->applied;
		stamp(z, m);
	}
	m = zk_zab_post(z, sid, ZK_ZAB_NEWLEADER);
	m->epoch = z->epoch;
	m->zxid = z->last;
	r->nl_zxid = z->last;
	r->sent = z->last;
	r->phase = RP_SYNCED;
}

static void
lead_acknl(struct zk_zab *z, int i, const struct zk_zab_msg *m)
{
	struct rec	*r = &z->recs[i];

	if (m->epoch != z->epoch || m->zxid != r->nl_zxid) {
		zk_zab_close_link(z, z->cfg.sids[i]);
		return;
	}
	r->phase = RP_ACKED;
	r->acked = r->nl_zxid;
	if (z->phase != ZK_ZAB_BROADCAST) {
		try_establish(z);
		return;
	}
	zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_UPTODATE)->zxid = z->committed;
	r->phase = RP_UPTODATE;
	lead_commit(z);
}

/*
 * With ACKNEWLEADER from a quorum of voters (ourselves once our log is
 * durable up to L): the history up to L is the new epoch's, committed.
 */
static void
try_establish(struct zk_zab *z)
{
	size_t	 i;
	int	 n;

	if (!z->synced || z->phase == ZK_ZAB_BROADCAST)
		return;
	n = rec_count(z, RP_ACKED);
	if (z->voter && z->durable < z->est_last)
		n--;
	if (n < z->quorum)
		return;
	zk_zab_apply_to(z, z->est_last);
	z->committed = z->est_last;
	for (i = 0; i < z->cfg.nsids; i++) {
		if (z->recs[i].phase != RP_ACKED)
			continue;
		zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_UPTODATE)->zxid =
		    z->est_last;
		z->recs[i].phase = RP_UPTODATE;
	}
	z->phase = ZK_ZAB_BROADCAST;
	z->serving = 1;
	z->next_zxid = ZK_ZXID_OF(z->epoch, 1);
}

/* Everything up to c is committed: tell the forwarding set, apply. */
static void
commit_to(struct zk_zab *z, int64_t c)
{
	struct zk_zab_msg	*m;
	struct rec		*r;
	struct txn		*t;
	int64_t			 old = z->committed;
	size_t			 i, k;
	int			 sid;

	z->committed = c;
	for (i = 0; i < z->cfg.nsids; i++) {
		r = &z->recs[i];
		sid = z->cfg.sids[i];
		if (r->phase < RP_SYNCED || !r->linked)
			continue;
		if (rec_votes(z, (int)i)) {
			m = zk_zab_post(z, sid, ZK_ZAB_COMMIT);
			m->zxid = c;
			stamp(z, m);
			continue;
		}
		/*
		 * An observer has txns up to r->sent from its sync stream:
		 * those are committed with a COMMIT, the rest come as INFORMs,
		 * so its stream stays contiguous (4).
		 */
		if (old < r->sent) {
			m = zk_zab_post(z, sid, ZK_ZAB_COMMIT);
			m->zxid = c < r->sent ? c : r->sent;
			stamp(z, m);
		}
		for (k = zk_zab_wupper(z, r->sent > old ? r->sent : old);
		    k < wcount(z) && (t = wat(z, k))->zxid <= c; k++) {
			m = zk_zab_post(z, sid, ZK_ZAB_INFORM);
			m->zxid = t->zxid;
			m->prev = wprev(z, k);
			m->data = t->data;
			m->len = t->len;
			stamp(z, m);
			r->sent = t->zxid;
		}
	}
	zk_zab_apply_to(z, c);
}

static int64_t
rec_acked(const struct rec *r)
{
	return r->acked;
}

/*
 * (6): the commit point is the largest zxid a quorum of voters holds
 * durably; counting commits only the new epoch's txns, the older ones
 * were committed when the epoch was established.
 */
static void
lead_commit(struct zk_zab *z)
{
	int64_t	 c;
	size_t	 k = (size_t)z->quorum;

	if (z->phase != ZK_ZAB_BROADCAST)
		return;
#ifdef ZK_PLANTED_BUGS
	/* breaks (6): the largest ACK alone commits */
	if (BUG(ZK_ZAB_BUG_COMMIT_MINORITY))
		k = 1;
#endif
	if ((c = zk_zab_voters_kth(z, z->durable, rec_acked, k)) < 0)
		return;
	if (c > z->last)
		c = z->last;
	if (c <= z->committed || ZK_ZXID_EPOCH_OF(c) != z->epoch)
		return;
	commit_to(z, c);
}

static void
lead_ack(struct zk_zab *z, int i, const struct zk_zab_msg *m)
{
	struct rec	*r = &z->recs[i];
	int64_t		 a = m->zxid < r->sent ? m->zxid : r->sent;

	if (a > r->acked)
		r->acked = a;
	lead_commit(z);
}

void
zk_zab_lead_msg(struct zk_zab *z, int i, const struct zk_zab_msg *m)
{
	struct rec	*r = &z->recs[i];

	r->linked = 1;
	if (m->type == ZK_ZAB_FOLLOWERINFO) {
		lead_info(z, i, m);
		return;
	}
	if (r->phase == RP_NONE) {
		zk_zab_close_link(z, z->cfg.sids[i]);
		return;
	}
	r->heard_ms = z->now;
	switch (m->type) {
	case ZK_ZAB_ACKEPOCH:
		if (r->phase != RP_LEADERINFO)
			break;
		lead_ackepoch(z, i, m);
		return;
	case ZK_ZAB_ACKNEWLEADER:
		if (r->phase != RP_SYNCED)
			break;
		lead_acknl(z, i, m);
		return;
	case ZK_ZAB_ACK:
		if (r->phase < RP_ACKED || !rec_votes(z, i))
			break;
		lead_ack(z, i, m);
		return;
	case ZK_ZAB_PING:
		zk_zab_sync_echo(z, i, m->prev);
		return;
	}
	/* Out of turn: this learner starts over on a new link. */
	zk_zab_close_link(z, z->cfg.sids[i]);
}

/* The leader's log is durable further: the step it waited for. */
void
zk_zab_lead_durable(struct zk_zab *z)
{
	if (!z->synced)
		try_sync(z);
	else if (z->phase != ZK_ZAB_BROADCAST)
		try_establish(z);
	else
		lead_commit(z);
}

void
zk_zab_lead_propose(struct zk_zab *z, const struct zk_zab_event *ev)
{
	struct zk_zab_msg	*m;
	struct txn		*t;
	size_t			 i;

	if (z->role != ZK_ZAB_LEADER || !z->serving ||
	    ev->zxid != z->next_zxid)
		return;
	if (ZK_ZXID_COUNTER_OF(ev->zxid) == COUNTER_LAST) {
		zk_zab_give_up(z, 0, "zxid counter exhausted in epoch %lld",
		    (long long)z->epoch);
		return;
	}
	zk_zab_log_txn(z, ev->zxid, ev->data, ev->len);
	t = wat(z, wcount(z) - 1);
	for (i = 0; i < z->cfg.nsids; i++) {
		if (!rec_votes(z, (int)i) || z->recs[i].phase < RP_SYNCED ||
		    !z->recs[i].linked)
			continue;
		m = zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_PROPOSAL);
		m->zxid = t->zxid;
		m->prev = wprev(z, wcount(z) - 1);
		m->data = t->data;
		m->len = t->len;
		z->recs[i].sent = t->zxid;
	}
	z->next_zxid = ev->zxid + 1;
}

void
zk_zab_lead_timer(struct zk_zab *z)
{
	struct zk_zab_msg	*m;
	size_t			 i;
	int			 n;

	if (z->phase != ZK_ZAB_BROADCAST && z->now >= z->init_ms) {
		zk_zab_give_up(z, 0, "no quorum of followers within initLimit "
		    "(%d ticks)", z->cfg.init_limit);
		return;
	}
	if (z->phase == ZK_ZAB_BROADCAST) {
		n = z->voter;
		for (i = 0; i < z->cfg.nsids; i++)
			if (rec_votes(z, (int)i) &&
			    z->recs[i].phase >= RP_ACKED &&
			    z->recs[i].linked &&
			    z->now - z->recs[i].heard_ms < sync_ms(z))
				n++;
		if (n < z->quorum) {
			zk_zab_give_up(z, 0, "lost quorum: heard from %d of %d "
			    "voters within syncLimit (%d ticks)", n, z->nvoters,
			    z->cfg.sync_limit);
			return;
		}
	}
	if (z->now >= z->ping_ms) {
		for (i = 0; i < z->cfg.nsids; i++) {
			if (z->recs[i].phase == RP_NONE || !z->recs[i].linked)
				continue;
			m = zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_PING);
			m->zxid = z->committed;
			m->prev = z->hb_sent;
			stamp(z, m);
		}
		z->ping_ms = z->now + half_tick(z);
	}
}

