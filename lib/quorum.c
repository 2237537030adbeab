/*
 * One ensemble member's replication state: the glue that runs the election
 * machine (elect.c) while LOOKING and the ZAB machine (zab.c) once a leader
 * is decided, and goes back to the election when ZAB gives up (quorum.h,
 * share/doc/replication.md). Pure like both machines: no clock, sockets or
 * files in here.
 *
 *   event                 state        function
 *   BOOT                  (new)        start_election()
 *   NOTE                  any          elect_step(), maybe decided()
 *   ZAB MSG               LOOKING      close_link() (invariant 2)
 *   ZAB TIMER             any          elect_step() if due, zab_step() if
 *                                      due and not LOOKING
 *   ZAB disk completion   any          zab_step() (see below)
 *   ZAB other             not LOOKING  zab_step()
 *   (elect decided)       LOOKING      decided(): START zab
 *   (zab role NONE)       not LOOKING  start_election()
 *   (zab serving)         not LOOKING  zk_elect_settled()
 *
 * Invariants:
 *  (1) Every NOTE reaches the election machine, which answers LOOKING
 *      peers with its decision while this peer is not LOOKING.
 *  (2) Peer events (MSG, CONNECTED, DISCONNECTED, PROPOSE, TIMER) reach
 *      ZAB only outside LOOKING; while LOOKING a MSG is answered by a
 *      CLOSE of its link, so that the learner retries once this peer has
 *      decided.
 *  (3) Entering LOOKING (BOOT, or ZAB's role NONE after a step) starts an
 *      election with ZAB's current epoch and last logged zxid.
 *  (4) One step's outputs are appended, never overwritten: notifications
 *      of every election step of this event first, then ZAB's actions.
 *
 * DURABLE, LOG_FAILED and APPLIED are not peer events but the completions
 * of actions ZAB itself asked for (a LOG, an APPLY) that may finish after
 * it gave up. They are passed on in LOOKING too: dropping them would leave
 * ZAB believing records are not durable that are, and the next sync would
 * wait for a DURABLE that never comes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "quorum.h"
#include "util.h"
#include "zab.h"

struct zk_quorum {
	struct zk_elect		*el;
	struct zk_zab		*zab;
	int			 booted;	/* BOOT seen */
	int			 state;	/* enum zk_peer_state */
	int			 leader;	/* decided; 0 LOOKING */
	int			 serving;
	int			 zab_role;	/* ZAB's last out, for */
	int			 zab_phase;	/*   steps that skip it */
	int			 zab_serving;
	int64_t			 zab_epoch;
	int64_t			 round;	/* the election's */
	int64_t			 elect_deadline; /* -1 none */
	int64_t			 zab_deadline;	/* -1 none */
};

struct zk_quorum *
zk_quorum_new(const struct zk_quorum_config *cfg,
    const struct zk_zab_persisted *p)
{
	struct zk_elect_config	 ec;
	struct zk_quorum	*q;
	size_t			 i;

	if (cfg == NULL || cfg->zab.nsids > ZK_ELECT_MAX_PEERS)
		return NULL;
	memset(&ec, 0, sizeof(ec));
	ec.myid = cfg->zab.myid;
	ec.nsids = cfg->zab.nsids;
	for (i = 0; i < cfg->zab.nsids; i++) {
		ec.sids[i] = cfg->zab.sids[i];
		ec.observer[i] = cfg->zab.observer[i];
	}
	ec.settle_ms = cfg->settle_ms;
	ec.resend_ms = cfg->resend_ms;

	q = zk_xcalloc(1, sizeof(*q));
	q->el = zk_elect_new(&ec);
	q->zab = zk_zab_new(&cfg->zab, p);
	if (q->el == NULL || q->zab == NULL) {
		zk_quorum_free(q);
		return NULL;
	}
	q->state = ZK_LOOKING;
	q->zab_role = ZK_ZAB_NONE;
	q->zab_epoch = -1;
	q->elect_deadline = -1;
	q->zab_deadline = -1;
	return q;
}

void
zk_quorum_free(struct zk_quorum *q)
{
	if (q == NULL)
		return;
	if (q->zab != NULL)
		zk_zab_free(q->zab);
	if (q->el != NULL)
		zk_elect_free(q->el);
	free(q);
}

void
zk_quorum_load(struct zk_quorum *q, int64_t zxid, const void *data,
    size_t len)
{
	zk_zab_load(q->zab, zxid, data, len);
}

const struct zk_zab *
zk_quorum_zab(const struct zk_quorum *q)
{
	return q->zab;
}

const struct zk_elect *
zk_quorum_elect(const struct zk_quorum *q)
{
	return q->el;
}

void
zk_quorum_out_close(struct zk_quorum_out *out)
{
	zk_zab_out_close(&out->zab);
}

/*
 * Steps the election and appends its sends to out->elect (invariant 4);
 * the other fields describe the machine after this step.
 */
static void
elect_step(struct zk_quorum *q, const struct zk_elect_event *ev,
    struct zk_quorum_out *out)
{
	struct zk_elect_out	 eo;
	size_t			 i, room;

	memset(&eo, 0, sizeof(eo));
	zk_elect_step(q->el, ev, &eo);
	room = sizeof(out->elect.sends) / sizeof(out->elect.sends[0]) -
	    out->elect.nsends;
	/* Each election step sends at most once to each member. */
	assert(eo.nsends <= room);
	for (i = 0; i < eo.nsends; i++)
		out->elect.sends[out->elect.nsends++] = eo.sends[i];
	if (eo.decided) {
		out->elect.decided = 1;
		out->elect.vote = eo.vote;
	}
	out->elect.state = eo.state;
	out->elect.round = eo.round;
	if (!out->elect.decided)
		out->elect.vote = eo.vote;
	out->elect.deadline_ms = eo.deadline_ms;
	q->round = eo.round;
	q->elect_deadline = eo.deadline_ms;
}

static void
start_election(struct zk_quorum *q, int64_t now, struct zk_quorum_out *out)
{
	struct zk_elect_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_ELECT_EV_START;
	ev.now_ms = now;
	ev.epoch = zk_zab_current_epoch(q->zab);
	ev.zxid = zk_zab_last_zxid(q->zab);
	q->state = ZK_LOOKING;
	q->leader = 0;
	q->serving = 0;
	elect_step(q, &ev, out);
}

/*
 * Records ZAB's out after a step; gives up to a new election when ZAB went
 * back to NONE (invariant 3), and tells the election the ensemble's epoch
 * once ZAB serves, so that its answers carry it.
 */
static void
after_zab(struct zk_quorum *q, int64_t now, struct zk_quorum_out *out)
{
	struct zk_vote	 v;

	q->zab_role = out->zab.role;
	q->zab_phase = out->zab.phase;
	q->zab_serving = out->zab.serving;
	q->zab_epoch = out->zab.epoch;
	q->zab_deadline = out->zab.deadline_ms;
	if (q->state == ZK_LOOKING)
		return;
	if (out->zab.role == ZK_ZAB_NONE) {
		memcpy(out->reason, out->zab.reason, sizeof(out->reason));
		out->reason[sizeof(out->reason) - 1] = '\0';
		q->zab_deadline = -1;
		start_election(q, now, out);
		return;
	}
	if (out->zab.serving && !q->serving) {
		v.leader = q->leader;
		v.zxid = zk_zab_last_zxid(q->zab);
		v.epoch = out->zab.epoch;
		zk_elect_settled(q->el, q->state, &v);
	}
	q->serving = out->zab.serving;
}

static void
zab_step(struct zk_quorum *q, const struct zk_zab_event *ev,
    struct zk_quorum_out *out)
{
	zk_zab_step(q->zab, ev, &out->zab);
	after_zab(q, ev->now_ms, out);
}

/* The election decided: START ZAB in the role it implies. */
static void
decided(struct zk_quorum *q, int64_t now, struct zk_quorum_out *out)
{
	struct zk_zab_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_ZAB_EV_START;
	ev.now_ms = now;
	ev.sid = out->elect.vote.leader;
	switch (out->elect.state) {
	case ZK_LEADING:
		ev.role = ZK_ZAB_LEADER;
		break;
	case ZK_OBSERVING:
		ev.role = ZK_ZAB_OBSERVER;
		break;
	default:
		ev.role = ZK_ZAB_FOLLOWER;
		break;
	}
	q->state = out->elect.state;
	q->leader = ev.sid;
	q->serving = 0;
	zab_step(q, &ev, out);
}

/* Invariant (2): a learner talking to a LOOKING peer is sent away. */
static void
close_link(struct zk_zab_out *zo, int sid)
{
	struct zk_zab_action	*a;

	if (zo->n == zo->cap) {
		zo->cap = zo->cap ? 2 * zo->cap : 8;
		zo->v = zk_xrealloc(zo->v, zo->cap * sizeof(*zo->v));
	}
	a = &zo->v[zo->n++];
	memset(a, 0, sizeof(*a));
	a->type = ZK_ZAB_CLOSE;
	a->sid = sid;
}

static int
completion(int type)
{
	return type == ZK_ZAB_EV_DURABLE || type == ZK_ZAB_EV_LOG_FAILED ||
	    type == ZK_ZAB_EV_APPLIED;
}

static void
zab_event(struct zk_quorum *q, const struct zk_quorum_event *qe,
    struct zk_quorum_out *out)
{
	struct zk_elect_event	 tev;
	struct zk_zab_event	 ev;
	int64_t			 now = qe->now_ms;

	ev = qe->zab;
	ev.now_ms = now;
	if (ev.type == ZK_ZAB_EV_START)
		return;
	if (ev.type == ZK_ZAB_EV_TIMER) {
		if (q->booted && q->elect_deadline >= 0 &&
		    now >= q->elect_deadline) {
			memset(&tev, 0, sizeof(tev));
			tev.type = ZK_ELECT_EV_TIMER;
			tev.now_ms = now;
			elect_step(q, &tev, out);
			if (out->elect.decided && q->state == ZK_LOOKING) {
				decided(q, now, out);
				return;
			}
		}
		if (q->state != ZK_LOOKING && q->zab_deadline >= 0 &&
		    now >= q->zab_deadline)
			zab_step(q, &ev, out);
		return;
	}
	if (completion(ev.type)) {
		zab_step(q, &ev, out);
		return;
	}
	if (q->state == ZK_LOOKING) {
		if (ev.type == ZK_ZAB_EV_MSG)
			close_link(&out->zab, ev.sid);
		return;
	}
	zab_step(q, &ev, out);
}

void
zk_quorum_step(struct zk_quorum *q, const struct zk_quorum_event *ev,
    struct zk_quorum_out *out)
{
	struct zk_elect_event	 ee;
	int			 state0 = q->state, serving0 = q->serving;

	/* Not the sends array (kilobytes, and every ZAB event steps here). */
	out->elect.nsends = 0;
	out->elect.decided = 0;
	memset(&out->elect.vote, 0, sizeof(out->elect.vote));
	out->elect.state = q->state;
	out->elect.round = q->round;
	out->elect.deadline_ms = q->elect_deadline;
	out->zab.n = 0;
	out->zab.reason[0] = '\0';
	out->reason[0] = '\0';

	switch (ev->type) {
	case ZK_QUORUM_EV_BOOT:
		if (!q->booted) {
			q->booted = 1;
			start_election(q, ev->now_ms, out);
		}
		break;
	case ZK_QUORUM_EV_NOTE:
		memset(&ee, 0, sizeof(ee));
		ee.type = ZK_ELECT_EV_NOTE;
		ee.now_ms = ev->now_ms;
		ee.note = ev->note;
		elect_step(q, &ee, out);
		if (out->elect.decided && q->state == ZK_LOOKING)
			decided(q, ev->now_ms, out);
		break;
	case ZK_QUORUM_EV_ZAB:
		zab_event(q, ev, out);
		break;
	default:
		break;
	}

	/* ZAB's figures as after its last step, whether or not it ran now. */
	out->zab.role = q->zab_role;
	out->zab.phase = q->zab_phase;
	out->zab.serving = q->zab_serving;
	out->zab.epoch = q->zab_epoch;
	out->zab.deadline_ms = q->zab_deadline;

	out->state = q->state;
	out->leader = q->leader;
	out->serving = q->state != ZK_LOOKING && q->serving;
	out->epoch = q->state == ZK_LOOKING ? -1 : q->zab_epoch;
	out->changed = q->state != state0 || out->serving != serving0;
	out->round = q->round;
	out->deadline_ms = q->elect_deadline;
	if (q->state != ZK_LOOKING && q->zab_deadline >= 0 &&
	    (out->deadline_ms < 0 || q->zab_deadline < out->deadline_ms))
		out->deadline_ms = q->zab_deadline;
}
