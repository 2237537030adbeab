/*
 * FastLeaderElection on one peer as a pure state machine: notes and the
 * time go in, notes to send and the decision come out (elect.h and
 * share/doc/replication.md "Election"). No clock, sockets or files here.
 *
 *   (new) --START--> LOOKING --quorum + settle_ms--> LEADING | FOLLOWING
 *                      ^   \--quorum of FOLLOWING/LEADING + leader
 *                      |      says LEADING (join)--> ... | OBSERVING
 *                      +------------- START ------------+
 *
 *   event                 state      function
 *   START                 any        start(): round + 1, own vote to voters
 *   NOTE LOOKING          LOOKING    looking_note(): round, adopt, record
 *   NOTE FOLLOWING/LEAD.  LOOKING    established_note(): record apart
 *   NOTE LOOKING          decided    answer(): state, round, decided vote
 *   any                   LOOKING    join() (3), else tally() (2)
 *   TIMER                 LOOKING    resend(): own note again, interval x2
 *
 * Invariants:
 *  (1) In one round the proposal only grows: looking_note() replaces it
 *      only with a vote zk_vote_better() orders above it.
 *  (2) tally() decides only when a quorum of voters' votes recorded in
 *      this round equal the proposal and settle_until, set when that
 *      quorum was first seen, has passed; any change of the proposal or
 *      the round, or the quorum falling apart, clears settle_until.
 *  (3) join() decides only when a quorum of voters reports FOLLOWING or
 *      LEADING the same leader and that leader's own note says LEADING.
 *  (4) Observers never count (tally() and join() count voters only), a
 *      vote naming a non-voter is never adopted, and an observer never
 *      tallies: it decides by join() alone.
 *  (5) Sends go to one sid each, never to myself, and carry my sid.
 *
 * An observer proposes nothing but still sends LOOKING notes carrying its
 * own vote: the voters answer them, and once decided their answers say
 * FOLLOWING/LEADING, which is how the observer finds the leader. It does
 * not answer LOOKING notes while LOOKING itself, since voters send to it
 * only to answer it, and answering an answer would never end.
 *
 * A LOOKING note from a peer in a round after the one of its recorded
 * FOLLOWING/LEADING note means it went back to electing, so that record is
 * dropped. A stale LOOKING note (from before it decided) has a round no
 * later than its decision's, unless it joined a leader of an older round;
 * then the record is lost until its next answer to my resend, a delay.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "members.h"
#include "util.h"

#define RESEND_MAX_MS	60000	/* the resend interval stops doubling */

struct member {
	int		 sid;
	int		 voter;		/* 0: an observer */
	int		 has_vote;	/* a LOOKING vote in my round */
	struct zk_vote	 vote;		/* that vote */
	int		 has_est;	/* a FOLLOWING/LEADING note */
	struct zk_elect_note est;	/* the latest such note */
};

struct zk_elect {
	struct zk_elect_config cfg;	/* a copy */
	struct member	 m[ZK_ELECT_MAX_PEERS];
	size_t		 n;		/* members */
	size_t		 me;		/* my index in m */
	size_t		 quorum;	/* strict majority of voters */
	int		 started;	/* a START (or settled) seen */
	int		 state;		/* enum zk_peer_state */
	int64_t		 round;		/* logical clock */
	struct zk_vote	 own;		/* myself, from the last START */
	struct zk_vote	 proposal;	/* LOOKING voter: best seen */
	struct zk_vote	 decided;	/* not LOOKING: the leader */
	int64_t		 settle_until;	/* -1: no quorum seen */
	int64_t		 next_resend;	/* LOOKING: resend at, ms */
	int64_t		 resend_iv;	/* current interval, ms */
	int		 joined;	/* decided by join(), not tally() */
};

int
zk_vote_better(const struct zk_vote *a, const struct zk_vote *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch;
	if (a->zxid != b->zxid)
		return a->zxid > b->zxid;
	return a->leader > b->leader;
}

static int
vote_eq(const struct zk_vote *a, const struct zk_vote *b)
{
	return a->leader == b->leader && a->zxid == b->zxid &&
	    a->epoch == b->epoch;
}

const char *
zk_peer_state_name(int state)
{
	switch (state) {
	case ZK_LOOKING:
		return "looking";
	case ZK_FOLLOWING:
		return "following";
	case ZK_LEADING:
		return "leading";
	case ZK_OBSERVING:
		return "observing";
	}
	return "unknown";
}

struct zk_elect *
zk_elect_new(const struct zk_elect_config *cfg)
{
	struct zk_elect	*el;
	size_t		 i;
	int		 me, nvoters;

	if (cfg == NULL || cfg->nsids == 0 ||
	    cfg->nsids > ZK_ELECT_MAX_PEERS || cfg->settle_ms < 0 ||
	    cfg->resend_ms <= 0)
		return NULL;
	if ((me = zk_members_check(cfg->myid, cfg->sids, cfg->observer,
	    cfg->nsids, &nvoters)) < 0)
		return NULL;

	el = zk_xcalloc(1, sizeof(*el));
	el->cfg = *cfg;
	el->n = cfg->nsids;
	el->me = (size_t)me;
	el->quorum = nvoters / 2 + 1;
	for (i = 0; i < el->n; i++) {
		el->m[i].sid = cfg->sids[i];
		el->m[i].voter = cfg->observer[i] == 0;
	}
	el->state = ZK_LOOKING;
	el->settle_until = -1;
	el->next_resend = -1;
	el->resend_iv = cfg->resend_ms;
	return el;
}

void
zk_elect_free(struct zk_elect *el)
{
	free(el);
}

static int
find(const struct zk_elect *el, int sid)
{
	size_t	 i;

	for (i = 0; i < el->n; i++)
		if (el->m[i].sid == sid)
			return (int)i;
	return -1;
}

/* A vote may be adopted only if it names a voter of this ensemble. */
static int
votable(const struct zk_elect *el, const struct zk_vote *v)
{
	int	 i = find(el, v->leader);

	return i >= 0 && el->m[i].voter;
}

static int
i_vote(const struct zk_elect *el)
{
	return el->m[el->me].voter;
}

/* What I tell others now: my state, round and vote. */
static void
my_note(const struct zk_elect *el, struct zk_elect_note *n)
{
	n->sid = el->cfg.myid;
	n->state = el->state;
	n->round = el->round;
	if (el->state != ZK_LOOKING)
		n->vote = el->decided;
	else if (i_vote(el))
		n->vote = el->proposal;
	else
		n->vote = el->own;
}

static void
answer(const struct zk_elect *el, int to, struct zk_elect_out *out)
{
	struct zk_elect_send	*s;

	assert(to != el->cfg.myid);
	assert(out->nsends < sizeof(out->sends) / sizeof(out->sends[0]));
	s = &out->sends[out->nsends++];
	s->to = to;
	my_note(el, &s->note);
}

static void
broadcast(const struct zk_elect *el, struct zk_elect_out *out)
{
	size_t	 i;

	for (i = 0; i < el->n; i++)
		if (i != el->me && el->m[i].voter)
			answer(el, el->m[i].sid, out);
}

static void
forget_votes(struct zk_elect *el)
{
	size_t	 i;

	for (i = 0; i < el->n; i++)
		el->m[i].has_vote = 0;
}

static void
start(struct zk_elect *el, const struct zk_elect_event *ev,
    struct zk_elect_out *out)
{
	size_t	 i;

	el->started = 1;
	el->round++;
	el->state = ZK_LOOKING;
	el->own.leader = el->cfg.myid;
	el->own.zxid = ev->zxid;
	el->own.epoch = ev->epoch;
	el->proposal = el->own;
	memset(&el->decided, 0, sizeof(el->decided));
	for (i = 0; i < el->n; i++) {
		el->m[i].has_vote = 0;
		el->m[i].has_est = 0;
	}
	el->settle_until = -1;
	el->resend_iv = el->cfg.resend_ms;
	el->next_resend = ev->now_ms + el->resend_iv;
	el->joined = 0;
	broadcast(el, out);
}

/* A LOOKING note while I am LOOKING (replication.md "Election"). */
static void
looking_note(struct zk_elect *el, int i, const struct zk_elect_note *n,
    struct zk_elect_out *out)
{
	struct member	*p = &el->m[i];

	if (p->has_est && n->round > p->est.round)
		p->has_est = 0;
	if (!p->voter) {
		/* Answered so that it learns of us; never counted. */
		if (i_vote(el))
			answer(el, n->sid, out);
		return;
	}
	if (!i_vote(el))
		return;

	if (n->round > el->round) {
		/* Its round is newer: the votes of mine are void. */
		el->round = n->round;
		forget_votes(el);
		el->settle_until = -1;
		el->proposal = el->own;
		if (votable(el, &n->vote) &&
		    zk_vote_better(&n->vote, &el->proposal))
			el->proposal = n->vote;
		p->has_vote = 1;
		p->vote = n->vote;
		broadcast(el, out);
	} else if (n->round < el->round) {
		answer(el, n->sid, out);
	} else {
		p->has_vote = 1;
		p->vote = n->vote;
		if (votable(el, &n->vote) &&
		    zk_vote_better(&n->vote, &el->proposal)) {
			el->proposal = n->vote;
			el->settle_until = -1;
			broadcast(el, out);
		} else if (zk_vote_better(&el->proposal, &n->vote)) {
			/*
			 * It may not know my better vote: the one I sent
			 * may have reached it before it was looking, when it
			 * only answered. Without this it would learn it at
			 * my next resend, a whole resend interval later.
			 */
			answer(el, n->sid, out);
		}
	}
}

/* A FOLLOWING or LEADING note while I am LOOKING: kept for join(). */
static void
established_note(struct zk_elect *el, int i, const struct zk_elect_note *n)
{
	struct member	*p = &el->m[i];

	p->has_est = 1;
	p->est = *n;
	/* In my round its decided vote is a vote like any other. */
	if (i_vote(el) && p->voter && n->round == el->round) {
		p->has_vote = 1;
		p->vote = n->vote;
	}
}

static void
note(struct zk_elect *el, const struct zk_elect_event *ev,
    struct zk_elect_out *out)
{
	const struct zk_elect_note	*n = &ev->note;
	int				 i;

	i = find(el, n->sid);
	if (!el->started || i < 0 || (size_t)i == el->me ||
	    n->state < ZK_LOOKING || n->state > ZK_OBSERVING)
		return;
	if (el->state != ZK_LOOKING) {
		if (n->state == ZK_LOOKING)
			answer(el, n->sid, out);
		return;
	}
	if (n->state == ZK_LOOKING)
		looking_note(el, i, n, out);
	else if (n->state == ZK_FOLLOWING || n->state == ZK_LEADING)
		established_note(el, i, n);
}

static void
decide(struct zk_elect *el, const struct zk_vote *v, int64_t round,
    struct zk_elect_out *out)
{
	if (v->leader == el->cfg.myid)
		el->state = ZK_LEADING;
	else if (!i_vote(el))
		el->state = ZK_OBSERVING;
	else
		el->state = ZK_FOLLOWING;
	el->decided = *v;
	el->round = round;
	el->settle_until = -1;
	el->next_resend = -1;
	out->decided = 1;
}

/* Invariant (3): a quorum follows one leader and it says it leads. */
static int
join(struct zk_elect *el, struct zk_elect_out *out)
{
	const struct member	*l, *p;
	size_t			 i, j, count;

	for (i = 0; i < el->n; i++) {
		l = &el->m[i];
		if (!l->voter || !l->has_est || l->est.state != ZK_LEADING ||
		    l->est.vote.leader != l->sid)
			continue;
		count = 0;
		for (j = 0; j < el->n; j++) {
			p = &el->m[j];
			if (p->voter && p->has_est &&
			    p->est.vote.leader == l->sid)
				count++;
		}
		if (count >= el->quorum) {
			el->joined = 1;
			decide(el, &l->est.vote, l->est.round, out);
			return 1;
		}
	}
	return 0;
}

/* Invariant (2): a quorum of equal votes, then settle_ms of quiet. */
static void
tally(struct zk_elect *el, int64_t now, struct zk_elect_out *out)
{
	const struct member	*p;
	size_t			 i, count = 1;	/* myself */

	for (i = 0; i < el->n; i++) {
		p = &el->m[i];
		if (i != el->me && p->voter && p->has_vote &&
		    vote_eq(&p->vote, &el->proposal))
			count++;
	}
	if (count < el->quorum) {
		el->settle_until = -1;
		return;
	}
	if (el->settle_until < 0)
		el->settle_until = now + el->cfg.settle_ms;
	if (now >= el->settle_until)
		decide(el, &el->proposal, el->round, out);
}

static void
resend(struct zk_elect *el, int64_t now, struct zk_elect_out *out)
{
	broadcast(el, out);
	if (el->resend_iv < RESEND_MAX_MS) {
		el->resend_iv *= 2;
		if (el->resend_iv > RESEND_MAX_MS)
			el->resend_iv = RESEND_MAX_MS;
	}
	el->next_resend = now + el->resend_iv;
}

void
zk_elect_step(struct zk_elect *el, const struct zk_elect_event *ev,
    struct zk_elect_out *out)
{
	out->nsends = 0;
	out->decided = 0;

	switch (ev->type) {
	case ZK_ELECT_EV_START:
		start(el, ev, out);
		break;
	case ZK_ELECT_EV_NOTE:
		note(el, ev, out);
		break;
	default:
		break;
	}

	if (el->started && el->state == ZK_LOOKING) {
		if (!join(el, out) && i_vote(el))
			tally(el, ev->now_ms, out);
	}
	if (ev->type == ZK_ELECT_EV_TIMER && el->started &&
	    el->state == ZK_LOOKING && ev->now_ms >= el->next_resend)
		resend(el, ev->now_ms, out);

	out->state = el->state;
	out->round = el->round;
	if (el->state != ZK_LOOKING)
		out->vote = el->decided;
	else if (i_vote(el))
		out->vote = el->proposal;
	else
		out->vote = el->own;
	out->deadline_ms = -1;
	if (el->started && el->state == ZK_LOOKING) {
		out->deadline_ms = el->next_resend;
		if (el->settle_until >= 0 &&
		    el->settle_until < out->deadline_ms)
			out->deadline_ms = el->settle_until;
	}
}

/*
 * For the log: the votes behind the proposal or the decision. After a
 * join, the FOLLOWING/LEADING notes naming the leader; otherwise my own
 * vote and each member's latest LOOKING vote of this round.
 */
size_t
zk_elect_votes(const struct zk_elect *el, struct zk_elect_note *out,
    size_t max)
{
	const struct member	*p;
	size_t			 i, n = 0;

	if (el->joined && el->state != ZK_LOOKING) {
		for (i = 0; i < el->n && n < max; i++) {
			p = &el->m[i];
			if (p->has_est &&
			    p->est.vote.leader == el->decided.leader)
				out[n++] = p->est;
		}
		return n;
	}
	for (i = 0; i < el->n && n < max; i++) {
		p = &el->m[i];
		if (i == el->me)
			my_note(el, &out[n++]);
		else if (p->has_vote) {
			out[n].sid = p->sid;
			out[n].state = ZK_LOOKING;
			out[n].round = el->round;
			out[n++].vote = p->vote;
		}
	}
	return n;
}

void
zk_elect_settled(struct zk_elect *el, int state, const struct zk_vote *vote)
{
	/* LOOKING is entered by START only; anything else is not a state. */
	if (state != ZK_FOLLOWING && state != ZK_LEADING &&
	    state != ZK_OBSERVING)
		return;
	el->started = 1;
	el->state = state;
	el->decided = *vote;
	el->settle_until = -1;
	el->next_resend = -1;
}
