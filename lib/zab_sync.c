/*
 * Linearizable sync on the serving leader: a sync barrier is answered
 * (SYNC_DONE) once the leader has proved, after the barrier arrived, that
 * it still leads, and once every txn proposed before the barrier is
 * committed and applied. The proof is a heartbeat round: PINGs numbered
 * by round (in prev), which each follower echoes; a round a quorum of
 * voters echoed shows that, when it was sent, no other leader had a
 * quorum (share/doc/replication.md "Clients on every server").
 *
 *   barrier in --> round R = sent + 1 --> (quorum echoed R, committed
 *   >= after) --> SYNC_DONE, in arrival order
 *
 * Rounds are coalesced: one round is in flight at a time, and every
 * barrier that arrives meanwhile waits for the next one, sent as soon as
 * the one in flight is confirmed. A sync therefore costs at most two
 * round trips to the nearest quorum, however many arrive.
 *
 * Invariants (zab.h (8)):
 *  (1) A barrier's round is above every round sent before it arrived.
 *  (2) A barrier is done only when a quorum of voters, the leader's own
 *      vote counting for the round it sent last, echoed its round or a
 *      later one, and committed >= after; the APPLY and COMMIT / INFORM
 *      actions for those txns are already in the step's out, before the
 *      SYNC_DONE (this runs at the end of a step).
 *  (3) Barriers finish in arrival order, so FIFO order per member holds.
 *  (4) Giving up or starting again drops every barrier: the shell fails
 *      the syncs still waiting when it stops serving.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zab_int.h"

void
zk_zab_sync_reset(struct zk_zab *z)
{
	size_t	 i;

	z->nbar = 0;
	z->hb_sent = z->hb_done = 0;
	for (i = 0; i < z->cfg.nsids; i++)
		z->recs[i].hb = 0;
}

void
zk_zab_sync_add(struct zk_zab *z, int sid, int64_t tag)
{
	struct barrier	*b;

	if (z->role != ZK_ZAB_LEADER || !z->serving)
		return;
	if (z->nbar == z->capbar) {
		z->capbar = z->capbar ? 2 * z->capbar : 16;
		z->bar = zk_xrealloc(z->bar, z->capbar * sizeof(*z->bar));
	}
	b = &z->bar[z->nbar++];
	b->sid = sid;
	b->tag = tag;
	b->after = z->last;
	b->round = z->hb_sent + 1;	/* (1) */
}

void
zk_zab_sync_echo(struct zk_zab *z, int i, int64_t round)
{
	if (round > z->recs[i].hb && round <= z->hb_sent)
		z->recs[i].hb = round;
}

static int64_t
rec_hb(const struct rec *r)
{
	return r->hb;
}

/* The highest round a quorum of voters has echoed (2). */
static int64_t
confirmed(const struct zk_zab *z)
{
	int64_t	 r = zk_zab_voters_kth(z, z->hb_sent, rec_hb,
		    (size_t)z->quorum);

	return r > z->hb_done ? r : z->hb_done;
}

/* A new heartbeat round to every voter in broadcast. */
static void
send_round(struct zk_zab *z)
{
	struct zk_zab_msg	*m;
	size_t			 i;

	z->hb_sent++;
	for (i = 0; i < z->cfg.nsids; i++) {
		if (!rec_votes(z, (int)i) || z->recs[i].phase < RP_ACKED ||
		    !z->recs[i].linked)
			continue;
		m = zk_zab_post(z, z->cfg.sids[i], ZK_ZAB_PING);
		m->zxid = z->committed;
		m->zxid2 = z->my_z;
		m->digest = z->my_d;
		m->prev = z->hb_sent;
	}
}

void
zk_zab_sync_run(struct zk_zab *z)
{
	struct zk_zab_action	*a;
	size_t			 done = 0;

	if (z->role != ZK_ZAB_LEADER || !z->serving || z->nbar == 0)
		return;
	z->hb_done = confirmed(z);
	while (done < z->nbar && z->bar[done].round <= z->hb_done &&
	    z->bar[done].after <= z->committed) {
		a = zk_zab_act(z, ZK_ZAB_SYNC_DONE);
		a->sid = z->bar[done].sid;
		a->zxid = z->bar[done].tag;
		done++;
	}
	memmove(z->bar, z->bar + done, (z->nbar - done) * sizeof(*z->bar));
	z->nbar -= done;
	/* One round in flight (the coalescing); the next when it is in. */
	if (z->nbar > 0 && z->bar[z->nbar - 1].round > z->hb_sent &&
	    z->hb_done == z->hb_sent) {
		send_round(z);
		/* A quorum of one (the leader alone) is confirmed at once. */
		z->hb_done = confirmed(z);
		if (z->hb_done == z->hb_sent)
			zk_zab_sync_run(z);
	}
}
