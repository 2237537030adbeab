/*
 * Unit tests for lib/elect.c: vote order, the election rules one note at
 * a time, and whole elections of three to six machines run by a tiny
 * message pump with a fake clock (tests for elect.h invariants (1)-(4)).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "test.h"
#include "util.h"

#define NMAX		6
#define SETTLE		200
#define RESEND		200
#define SLOW		10000	/* a resend_ms out of the way */
#define LIMIT_MS	600000	/* ten minutes of fake time */

/* sids 1..n; bit i of obs makes sid i + 1 an observer. */
static void
cfg_init(struct zk_elect_config *c, int myid, size_t n, unsigned obs)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->myid = myid;
	c->nsids = n;
	for (i = 0; i < n; i++) {
		c->sids[i] = (int)i + 1;
		c->observer[i] = (obs >> i) & 1;
	}
	c->settle_ms = SETTLE;
	c->resend_ms = RESEND;
}

static struct zk_elect *
mk_r(int myid, size_t n, unsigned obs, int resend_ms)
{
	struct zk_elect_config	 c;

	cfg_init(&c, myid, n, obs);
	c.resend_ms = resend_ms;
	return zk_elect_new(&c);
}

static struct zk_elect *
mk(int myid, size_t n, unsigned obs)
{
	return mk_r(myid, n, obs, RESEND);
}

static void
ev_start(struct zk_elect_event *ev, int64_t now, int64_t epoch, int64_t zxid)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ZK_ELECT_EV_START;
	ev->now_ms = now;
	ev->epoch = epoch;
	ev->zxid = zxid;
}

static void
ev_timer(struct zk_elect_event *ev, int64_t now)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ZK_ELECT_EV_TIMER;
	ev->now_ms = now;
}

static void
ev_note(struct zk_elect_event *ev, int64_t now, int sid, int state,
    int64_t round, int leader, int64_t zxid, int64_t epoch)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ZK_ELECT_EV_NOTE;
	ev->now_ms = now;
	ev->note.sid = sid;
	ev->note.state = state;
	ev->note.round = round;
	ev->note.vote.leader = leader;
	ev->note.vote.zxid = zxid;
	ev->note.vote.epoch = epoch;
}

/* 1 if out sends exactly once to sid. */
static int
sends_to(const struct zk_elect_out *out, int sid)
{
	size_t	 i;
	int	 k = 0;

	for (i = 0; i < out->nsends; i++)
		if (out->sends[i].to == sid)
			k++;
	return k;
}

/*
 * The pump: machines i = 0..n-1 with sid i + 1. Every send is queued (and
 * queued twice with dup); the queue is drained in order, or in a random
 * order with rng, before the clock jumps to the earliest deadline. A
 * message to a machine that is down is dropped.
 */
struct msg {
	int			 to;
	struct zk_elect_note	 note;
};

struct net {
	size_t			 n;
	struct zk_elect		*m[NMAX];
	int			 down[NMAX];
	int64_t			 deadline[NMAX];
	int			 state[NMAX];
	int64_t			 round[NMAX];
	struct zk_vote		 vote[NMAX];	/* decided vote */
	int			 ndecided[NMAX];
	struct msg		*q;
	size_t			 nq, cap;
	int64_t			 now;
	uint64_t		 rng;		/* 0: in order */
	int			 dup;
	long			 bad;		/* broken send rules */
	long			 delivered;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void
net_init(struct net *net, size_t n, unsigned obs)
{
	size_t	 i;

	memset(net, 0, sizeof(*net));
	net->n = n;
	for (i = 0; i < n; i++) {
		net->m[i] = mk((int)i + 1, n, obs);
		net->deadline[i] = -1;
	}
}

static void
net_free(struct net *net)
{
	size_t	 i;

	for (i = 0; i < net->n; i++)
		zk_elect_free(net->m[i]);
	free(net->q);
}

static void
push(struct net *net, const struct zk_elect_send *s)
{
	if (net->nq == net->cap) {
		net->cap = net->cap ? net->cap * 2 : 64;
		net->q = zk_xrealloc(net->q, net->cap * sizeof(*net->q));
	}
	net->q[net->nq].to = s->to;
	net->q[net->nq].note = s->note;
	net->nq++;
}

static void
net_step(struct net *net, size_t i, const struct zk_elect_event *ev)
{
	struct zk_elect_out	 out;
	size_t			 k;

	zk_elect_step(net->m[i], ev, &out);
	net->deadline[i] = out.deadline_ms;
	net->state[i] = out.state;
	net->round[i] = out.round;
	if (out.decided) {
		net->ndecided[i]++;
		net->vote[i] = out.vote;
	}
	for (k = 0; k < out.nsends; k++) {
		if (out.sends[k].to == (int)i + 1 ||
		    out.sends[k].note.sid != (int)i + 1)
			net->bad++;
		push(net, &out.sends[k]);
		if (net->dup)
			push(net, &out.sends[k]);
	}
}

static void
net_start(struct net *net, size_t i, int64_t epoch, int64_t zxid)
{
	struct zk_elect_event	 ev;

	ev_start(&ev, net->now, epoch, zxid);
	net_step(net, i, &ev);
}

static void
deliver_one(struct net *net)
{
	struct zk_elect_event	 ev;
	struct msg		 mm;
	size_t			 k = 0;

	if (net->rng != 0) {
		k = (size_t)(rnd(&net->rng) % net->nq);
		mm = net->q[k];
		net->q[k] = net->q[--net->nq];
	} else {
		mm = net->q[0];
		memmove(net->q, net->q + 1, --net->nq * sizeof(*net->q));
	}
	if (mm.to < 1 || (size_t)mm.to > net->n) {
		net->bad++;
		return;
	}
	if (net->down[mm.to - 1])
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_ELECT_EV_NOTE;
	ev.now_ms = net->now;
	ev.note = mm.note;
	net_step(net, (size_t)mm.to - 1, &ev);
	net->delivered++;
}

/* Runs until nothing is pending or the next deadline is after limit. */
static void
net_run(struct net *net, int64_t limit)
{
	struct zk_elect_event	 ev;
	int64_t			 t;
	size_t			 i;

	for (;;) {
		while (net->nq > 0) {
			deliver_one(net);
			if (net->delivered > 2000000) {
				net->bad++;	/* a message storm */
				return;
			}
		}
		t = -1;
		for (i = 0; i < net->n; i++)
			if (!net->down[i] && net->deadline[i] >= 0 &&
			    (t < 0 || net->deadline[i] < t))
				t = net->deadline[i];
		if (t < 0 || t > limit)
			return;
		if (t > net->now)
			net->now = t;
		for (i = 0; i < net->n; i++)
			if (!net->down[i] && net->deadline[i] >= 0 &&
			    net->deadline[i] <= net->now) {
				ev_timer(&ev, net->now);
				net_step(net, i, &ev);
			}
	}
}

/* Votes order by epoch, then zxid, then sid; equal votes are not better. */
static void
test_vote_order(void)
{
	struct zk_vote	 a = { 1, 100, 2 }, b = { 3, 500, 1 };

	ZK_ASSERT(zk_vote_better(&a, &b));	/* epoch beats zxid, sid */
	ZK_ASSERT(!zk_vote_better(&b, &a));
	b.epoch = 2;
	ZK_ASSERT(zk_vote_better(&b, &a));	/* zxid beats sid */
	b.zxid = 100;
	ZK_ASSERT(zk_vote_better(&b, &a));	/* then the larger sid */
	ZK_ASSERT(!zk_vote_better(&a, &b));
	ZK_ASSERT(!zk_vote_better(&a, &a));
	ZK_ASSERT_STR(zk_peer_state_name(ZK_LOOKING), "looking");
	ZK_ASSERT_STR(zk_peer_state_name(ZK_FOLLOWING), "following");
	ZK_ASSERT_STR(zk_peer_state_name(ZK_LEADING), "leading");
	ZK_ASSERT_STR(zk_peer_state_name(ZK_OBSERVING), "observing");
}

/* START sends one LOOKING note with the own vote to each other voter only. */
static void
test_start_sends(void)
{
	struct zk_elect		*el = mk(2, 5, 0x18);	/* 4, 5: obs. */
	struct zk_elect		*ob = mk(5, 5, 0x18);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;
	size_t			 i;

	ZK_ASSERT(el != NULL && ob != NULL);
	ev_start(&ev, 1000, 3, 77);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 2);
	ZK_ASSERT_EQ(sends_to(&out, 1), 1);
	ZK_ASSERT_EQ(sends_to(&out, 3), 1);
	for (i = 0; i < out.nsends; i++) {
		ZK_ASSERT_EQ(out.sends[i].note.sid, 2);
		ZK_ASSERT_EQ(out.sends[i].note.state, ZK_LOOKING);
		ZK_ASSERT_EQ(out.sends[i].note.round, 1);
		ZK_ASSERT_EQ(out.sends[i].note.vote.leader, 2);
		ZK_ASSERT_EQ(out.sends[i].note.vote.zxid, 77);
		ZK_ASSERT_EQ(out.sends[i].note.vote.epoch, 3);
	}
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.state, ZK_LOOKING);
	ZK_ASSERT_EQ(out.round, 1);
	ZK_ASSERT_EQ(out.deadline_ms, 1000 + RESEND);

	/* An observer sends its own vote too, to the three voters. */
	ev_start(&ev, 1000, 3, 900);
	zk_elect_step(ob, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 3);
	ZK_ASSERT_EQ(sends_to(&out, 1) + sends_to(&out, 2) +
	    sends_to(&out, 3), 3);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 5);
	ZK_ASSERT_EQ(out.sends[0].note.vote.zxid, 900);

	/* A second START is a new round. */
	ev_start(&ev, 1100, 3, 78);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.round, 2);
	ZK_ASSERT_EQ(out.sends[0].note.round, 2);
	zk_elect_free(el);
	zk_elect_free(ob);
}

/* Before its first START a peer answers nobody; unknown sids are ignored. */
static void
test_unstarted_and_unknown(void)
{
	struct zk_elect		*el = mk(1, 3, 0);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_note(&ev, 0, 2, ZK_LOOKING, 1, 2, 5, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.deadline_ms, -1);
	ev_start(&ev, 0, 1, 5);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 1, 9, ZK_LOOKING, 3, 9, 99, 9);	/* sid 9: unknown */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.round, 1);
	ZK_ASSERT_EQ(out.vote.leader, 1);
	zk_elect_free(el);
}

/* Three voters started together all decide the best vote (epoch, zxid, sid). */
static void
test_three_decide_same(void)
{
	static const int64_t	 ep[3][3] = {
		{ 1, 1, 1 }, { 1, 2, 1 }, { 2, 2, 1 } };
	static const int64_t	 zx[3][3] = {
		{ 5, 5, 5 }, { 9, 3, 9 }, { 1, 1, 50 } };
	static const int	 win[3] = { 3, 2, 2 };
	struct net		 net;
	size_t			 c, i;

	for (c = 0; c < 3; c++) {
		net_init(&net, 3, 0);
		for (i = 0; i < 3; i++)
			net_start(&net, i, ep[c][i], zx[c][i]);
		net_run(&net, LIMIT_MS);
		ZK_ASSERT_EQ(net.bad, 0);
		for (i = 0; i < 3; i++) {
			ZK_ASSERT_EQ(net.ndecided[i], 1);
			ZK_ASSERT_EQ(net.vote[i].leader, win[c]);
			ZK_ASSERT_EQ(net.vote[i].zxid, zx[c][win[c] - 1]);
			ZK_ASSERT_EQ(net.vote[i].epoch, ep[c][win[c] - 1]);
			ZK_ASSERT_EQ(net.state[i], (int)i + 1 == win[c] ?
			    ZK_LEADING : ZK_FOLLOWING);
			ZK_ASSERT_EQ(net.deadline[i], -1);
		}
		/* Not before the settle time after the quorum was seen. */
		ZK_ASSERT_EQ(net.now, SETTLE);
		net_free(&net);
	}
}

/* Split votes (two groups each agreeing inside) converge on the best zxid. */
static void
test_split_votes_converge(void)
{
	static const int64_t	 zx[5] = { 100, 90, 10, 20, 30 };
	struct net		 net;
	size_t			 i;

	net_init(&net, 5, 0);
	net_start(&net, 0, 1, zx[0]);
	net_start(&net, 1, 1, zx[1]);
	net_run(&net, 50);		/* {1, 2} agree on 1: no quorum */
	ZK_ASSERT_EQ(net.state[0], ZK_LOOKING);
	net.now = 50;
	for (i = 2; i < 5; i++)
		net_start(&net, i, 1, zx[i]);
	net_run(&net, 199);		/* {3, 4, 5} agree on 5: a quorum */
	ZK_ASSERT_EQ(net.ndecided[4], 0);
	ZK_ASSERT_EQ(net.deadline[4], 50 + SETTLE);
	net_run(&net, LIMIT_MS);	/* 1 resends at 200, all move to 1 */
	ZK_ASSERT_EQ(net.bad, 0);
	for (i = 0; i < 5; i++) {
		ZK_ASSERT_EQ(net.ndecided[i], 1);
		ZK_ASSERT_EQ(net.vote[i].leader, 1);
		ZK_ASSERT_EQ(net.vote[i].zxid, 100);
	}
	ZK_ASSERT_EQ(net.state[0], ZK_LEADING);
	net_free(&net);
}

/* A peer with a higher epoch wins over peers with higher zxids. */
static void
test_higher_epoch_wins(void)
{
	struct net	 net;
	size_t		 i;

	net_init(&net, 3, 0);
	net_start(&net, 0, 5, 10);
	net_start(&net, 1, 4, 1000);
	net_start(&net, 2, 4, 500);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	for (i = 0; i < 3; i++) {
		ZK_ASSERT_EQ(net.ndecided[i], 1);
		ZK_ASSERT_EQ(net.vote[i].leader, 1);
		ZK_ASSERT_EQ(net.vote[i].epoch, 5);
		ZK_ASSERT_EQ(net.vote[i].zxid, 10);
	}
	ZK_ASSERT_EQ(net.state[0], ZK_LEADING);
	net_free(&net);
}

/* A LOOKING note with a higher round resets my round and tally and resends. */
static void
test_higher_round_resets(void)
{
	struct zk_elect		*el = mk_r(1, 3, 0, SLOW);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 10, 2, ZK_LOOKING, 1, 1, 10, 1);	/* for me */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.deadline_ms, 10 + SETTLE);	/* quorum seen */

	/* Round 3 from 3 with a worse vote: my own vote, nobody with me. */
	ev_note(&ev, 20, 3, ZK_LOOKING, 3, 3, 4, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.round, 3);
	ZK_ASSERT_EQ(out.nsends, 2);
	ZK_ASSERT_EQ(sends_to(&out, 2), 1);
	ZK_ASSERT_EQ(sends_to(&out, 3), 1);
	ZK_ASSERT_EQ(out.sends[0].note.round, 3);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 1);
	ZK_ASSERT_EQ(out.deadline_ms, SLOW);		/* settle gone */
	ev_timer(&ev, 10 + SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);			/* old vote void */
	ZK_ASSERT_EQ(out.state, ZK_LOOKING);

	/* 2's vote in round 3 makes the quorum again. */
	ev_note(&ev, 300, 2, ZK_LOOKING, 3, 1, 10, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.deadline_ms, 300 + SETTLE);
	ev_timer(&ev, 300 + SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_LEADING);
	ZK_ASSERT_EQ(out.round, 3);

	/* A higher round with a better vote: adopted in that round. */
	ev_start(&ev, 1000, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.round, 4);
	ev_note(&ev, 1001, 3, ZK_LOOKING, 8, 3, 50, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.round, 8);
	ZK_ASSERT_EQ(out.vote.leader, 3);
	ZK_ASSERT_EQ(out.nsends, 2);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 3);
	ZK_ASSERT_EQ(out.deadline_ms, 1001 + SETTLE);	/* 3 and I agree */
	zk_elect_free(el);
}

/* A LOOKING note in a lower round is answered with my note and not counted. */
static void
test_lower_round_answered(void)
{
	struct zk_elect		*el = mk(1, 3, 0);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	zk_elect_step(el, &ev, &out);			/* round 2 */
	ev_note(&ev, 5, 2, ZK_LOOKING, 1, 1, 10, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 1);
	ZK_ASSERT_EQ(out.sends[0].to, 2);
	ZK_ASSERT_EQ(out.sends[0].note.sid, 1);
	ZK_ASSERT_EQ(out.sends[0].note.state, ZK_LOOKING);
	ZK_ASSERT_EQ(out.sends[0].note.round, 2);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 1);
	ZK_ASSERT_EQ(out.sends[0].note.vote.zxid, 10);
	ZK_ASSERT_EQ(out.round, 2);
	ZK_ASSERT_EQ(out.deadline_ms, RESEND);		/* no quorum */
	ev_timer(&ev, 5 + SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	zk_elect_free(el);
}

/* settle (2): no decision before settle_ms; a better vote in it wins. */
static void
test_settle(void)
{
	struct zk_elect_config	 c;
	struct zk_elect		*el = mk_r(1, 3, 0, SLOW);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 100, 2, ZK_LOOKING, 1, 1, 10, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.deadline_ms, 100 + SETTLE);
	ev_timer(&ev, 100 + SETTLE - 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.state, ZK_LOOKING);

	/* 3 with a better vote arrives just in time: adopted, resent. */
	ev_note(&ev, 100 + SETTLE - 1, 3, ZK_LOOKING, 1, 3, 20, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.nsends, 2);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 3);
	ZK_ASSERT_EQ(out.vote.leader, 3);
	/* 3 and I make a new quorum, with a new settle time. */
	ZK_ASSERT_EQ(out.deadline_ms, 100 + SETTLE - 1 + SETTLE);
	ev_timer(&ev, 100 + SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_timer(&ev, 100 + 2 * SETTLE - 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_FOLLOWING);
	ZK_ASSERT_EQ(out.vote.leader, 3);
	ZK_ASSERT_EQ(out.vote.zxid, 20);
	ZK_ASSERT_EQ(out.deadline_ms, -1);
	ZK_ASSERT_EQ(out.nsends, 0);
	/* Decided once: later steps neither decide again nor send. */
	ev_timer(&ev, 10000);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.state, ZK_FOLLOWING);
	zk_elect_free(el);

	/* settle_ms 0 decides in the step that completes the quorum. */
	cfg_init(&c, 1, 3, 0);
	c.settle_ms = 0;
	el = zk_elect_new(&c);
	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_note(&ev, 7, 2, ZK_LOOKING, 1, 1, 10, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_LEADING);
	zk_elect_free(el);

	/* A single voter is its own quorum. */
	cfg_init(&c, 1, 1, 0);
	el = zk_elect_new(&c);
	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.deadline_ms, SETTLE);
	ev_timer(&ev, SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_LEADING);
	zk_elect_free(el);
}

/* join (3): a quorum must report the leader and the leader say LEADING. */
static void
test_join_established(void)
{
	struct zk_elect		*el = mk(3, 5, 0);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 9, 9999);	/* my vote beats theirs: no matter */
	zk_elect_step(el, &ev, &out);
	/* Three followers of 5, but 5 has not said it leads. */
	ev_note(&ev, 1, 1, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 2, 2, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 3, 4, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.state, ZK_LOOKING);
	ZK_ASSERT_EQ(out.nsends, 0);		/* not answered */
	ev_timer(&ev, 100000);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	/* Naming itself is not enough: it must say LEADING. */
	ev_note(&ev, 100000, 5, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_note(&ev, 100001, 5, ZK_LEADING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_FOLLOWING);
	ZK_ASSERT_EQ(out.vote.leader, 5);
	ZK_ASSERT_EQ(out.vote.zxid, 40);
	ZK_ASSERT_EQ(out.vote.epoch, 2);
	ZK_ASSERT_EQ(out.round, 7);
	ZK_ASSERT_EQ(out.deadline_ms, -1);
	zk_elect_free(el);

	/* The leader and one follower are not a quorum of five. */
	el = mk(3, 5, 0);
	ev_start(&ev, 0, 1, 1);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 1, 5, ZK_LEADING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 2, 1, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_note(&ev, 3, 1, ZK_FOLLOWING, 7, 5, 40, 2);	/* again */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_note(&ev, 4, 2, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.vote.leader, 5);
	zk_elect_free(el);

	/* A leader whose later note says LOOKING no longer leads. */
	el = mk(3, 5, 0);
	ev_start(&ev, 0, 1, 1);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 1, 5, ZK_LEADING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 2, 5, ZK_LOOKING, 8, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 3, 1, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 4, 2, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 5, 4, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ZK_ASSERT_EQ(out.state, ZK_LOOKING);
	zk_elect_free(el);

	/* Observers reporting the leader do not make its quorum. */
	el = mk(3, 5, 0x18);			/* 4, 5 observe */
	ev_start(&ev, 0, 1, 1);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 1, 1, ZK_LEADING, 2, 1, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 2, 4, ZK_FOLLOWING, 2, 1, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 3, 5, ZK_FOLLOWING, 2, 1, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);
	ev_note(&ev, 4, 2, ZK_FOLLOWING, 2, 1, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	ZK_ASSERT_EQ(out.state, ZK_FOLLOWING);
	ZK_ASSERT_EQ(out.vote.leader, 1);
	ZK_ASSERT_EQ(out.round, 2);
	zk_elect_free(el);
}

/* A restarted voter with the best vote still joins the running leader. */
static void
test_late_voter_joins(void)
{
	struct net	 net;
	size_t		 i;

	net_init(&net, 5, 0);
	net_start(&net, 0, 1, 10);
	net_start(&net, 1, 1, 30);
	net_start(&net, 2, 1, 20);
	net_run(&net, LIMIT_MS);
	for (i = 0; i < 3; i++) {
		ZK_ASSERT_EQ(net.ndecided[i], 1);
		ZK_ASSERT_EQ(net.vote[i].leader, 2);
	}
	/* Sid 4 arrives later, with more history than the leader. */
	net.now += 5000;
	net_start(&net, 3, 1, 999);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	ZK_ASSERT_EQ(net.ndecided[3], 1);
	ZK_ASSERT_EQ(net.state[3], ZK_FOLLOWING);
	ZK_ASSERT_EQ(net.vote[3].leader, 2);
	ZK_ASSERT_EQ(net.vote[3].zxid, 30);
	ZK_ASSERT_EQ(net.round[3], net.round[1]);
	ZK_ASSERT_EQ(net.ndecided[4], 0);	/* never started */
	for (i = 0; i < 3; i++)
		ZK_ASSERT_EQ(net.ndecided[i], 1);	/* undisturbed */
	net_free(&net);
}

/* A decided peer answers LOOKING notes with its decision, as settled says. */
static void
test_decided_answers(void)
{
	struct zk_elect		*el = mk(2, 3, 0);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;
	struct zk_vote		 v = { 2, 300, 4 };

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 0, 1, ZK_LOOKING, 1, 2, 10, 1);
	zk_elect_step(el, &ev, &out);
	ev_timer(&ev, SETTLE);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.state, ZK_LEADING);
	ev_note(&ev, 500, 3, ZK_LOOKING, 6, 3, 999, 9);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 1);
	ZK_ASSERT_EQ(out.sends[0].to, 3);
	ZK_ASSERT_EQ(out.sends[0].note.state, ZK_LEADING);
	ZK_ASSERT_EQ(out.sends[0].note.round, 1);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 2);
	ZK_ASSERT_EQ(out.sends[0].note.vote.zxid, 10);
	ZK_ASSERT_EQ(out.round, 1);			/* not taken */
	ev_note(&ev, 501, 3, ZK_FOLLOWING, 6, 3, 999, 9);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);

	zk_elect_settled(el, ZK_LEADING, &v);
	ev_note(&ev, 600, 1, ZK_LOOKING, 2, 1, 10, 1);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 1);
	ZK_ASSERT_EQ(out.sends[0].note.vote.zxid, 300);
	ZK_ASSERT_EQ(out.sends[0].note.vote.epoch, 4);
	ZK_ASSERT_EQ(out.state, ZK_LEADING);
	ZK_ASSERT_EQ(out.deadline_ms, -1);
	zk_elect_free(el);
}

/* observers (4): a voter answers an observer but never counts or adopts it. */
static void
test_observer_note(void)
{
	struct zk_elect		*el = mk(1, 4, 0x8);	/* 4: obs. */
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 2);
	ev_note(&ev, 1, 4, ZK_LOOKING, 1, 4, 999, 5);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 1);
	ZK_ASSERT_EQ(out.sends[0].to, 4);
	ZK_ASSERT_EQ(out.sends[0].note.state, ZK_LOOKING);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 1);
	ZK_ASSERT_EQ(out.vote.leader, 1);
	/* A voter's note naming the observer is recorded, not adopted. */
	ev_note(&ev, 2, 2, ZK_LOOKING, 1, 4, 999, 5);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.vote.leader, 1);
	ev_note(&ev, 3, 3, ZK_LOOKING, 1, 4, 999, 5);
	zk_elect_step(el, &ev, &out);
	ev_timer(&ev, 100000);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 0);			/* nobody agrees */
	zk_elect_free(el);
}

/* observers (4): the best zxid on an observer neither wins nor counts. */
static void
test_observer_never_wins(void)
{
	struct net	 net;
	size_t		 i;

	net_init(&net, 5, 0x18);		/* 4, 5 observe */
	net_start(&net, 0, 1, 10);
	net_start(&net, 1, 1, 20);
	net_start(&net, 2, 1, 15);
	net_start(&net, 3, 3, 999);
	net_start(&net, 4, 1, 998);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	for (i = 0; i < 5; i++) {
		ZK_ASSERT_EQ(net.ndecided[i], 1);
		ZK_ASSERT_EQ(net.vote[i].leader, 2);
		ZK_ASSERT_EQ(net.vote[i].zxid, 20);
	}
	ZK_ASSERT_EQ(net.state[1], ZK_LEADING);
	ZK_ASSERT_EQ(net.state[3], ZK_OBSERVING);
	ZK_ASSERT_EQ(net.state[4], ZK_OBSERVING);
	net_free(&net);

	/* One voter of three and two observers elect nobody. */
	net_init(&net, 5, 0x18);
	net.down[1] = net.down[2] = 1;
	net_start(&net, 0, 1, 10);
	net_start(&net, 3, 1, 999);
	net_start(&net, 4, 1, 998);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	for (i = 0; i < 5; i++)
		ZK_ASSERT_EQ(net.ndecided[i], 0);
	ZK_ASSERT_EQ(net.state[0], ZK_LOOKING);
	ZK_ASSERT(net.now > LIMIT_MS - 60000);	/* kept trying */
	net_free(&net);

	/* An observer started after the election joins the leader. */
	net_init(&net, 4, 0x8);
	net_start(&net, 0, 1, 10);
	net_start(&net, 1, 1, 5);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.ndecided[0], 1);
	net.now += 1000;
	net_start(&net, 3, 1, 9999);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	ZK_ASSERT_EQ(net.ndecided[3], 1);
	ZK_ASSERT_EQ(net.state[3], ZK_OBSERVING);
	ZK_ASSERT_EQ(net.vote[3].leader, 1);
	ZK_ASSERT_EQ(net.ndecided[2], 0);
	net_free(&net);
}

/* Five voters with two never started elect the best of the other three. */
static void
test_five_two_down(void)
{
	struct net	 net;
	size_t		 i;

	net_init(&net, 5, 0);
	net_start(&net, 1, 2, 7);
	net_start(&net, 2, 2, 9);
	net_start(&net, 4, 2, 8);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.bad, 0);
	for (i = 0; i < 5; i++) {
		if (i == 0 || i == 3) {
			ZK_ASSERT_EQ(net.ndecided[i], 0);
			continue;
		}
		ZK_ASSERT_EQ(net.ndecided[i], 1);
		ZK_ASSERT_EQ(net.vote[i].leader, 3);
	}
	ZK_ASSERT_EQ(net.state[2], ZK_LEADING);
	ZK_ASSERT_EQ(net.state[1], ZK_FOLLOWING);
	net_free(&net);

	/* Two of five are not a quorum. */
	net_init(&net, 5, 0);
	net_start(&net, 1, 2, 7);
	net_start(&net, 2, 2, 9);
	net_run(&net, LIMIT_MS);
	ZK_ASSERT_EQ(net.ndecided[1] + net.ndecided[2], 0);
	net_free(&net);
}

/* Notes delivered twice and in any order still elect one best leader. */
static void
test_duplicate_reorder(void)
{
	struct net	 net;
	struct zk_vote	 own[NMAX], best;
	uint64_t	 seed = 0x9e3779b97f4a7c15ULL;
	size_t		 n, i, np, quorum, lead;
	int		 part[NMAX], run;

	for (run = 0; run < 200; run++) {
		n = 3 + (size_t)(rnd(&seed) % 3);
		quorum = n / 2 + 1;
		net_init(&net, n, 0);
		net.dup = 1;
		net.rng = rnd(&seed) | 1;
		np = 0;
		for (i = 0; i < n; i++) {
			part[i] = np < quorum || rnd(&seed) % 3 != 0;
			np += part[i];
		}
		for (i = 0; i < n; i++) {
			if (!part[i])
				continue;
			own[i].leader = (int)i + 1;
			own[i].epoch = 1 + (int64_t)(rnd(&seed) % 2);
			own[i].zxid = (int64_t)(rnd(&seed) % 4);
			net_start(&net, i, own[i].epoch, own[i].zxid);
			if (rnd(&seed) % 4 == 0)	/* a round ahead */
				net_start(&net, i, own[i].epoch, own[i].zxid);
		}
		best.leader = 0;
		for (i = 0; i < n; i++)
			if (part[i] && (best.leader == 0 ||
			    zk_vote_better(&own[i], &best)))
				best = own[i];
		net_run(&net, LIMIT_MS);
		ZK_ASSERT_EQ(net.bad, 0);
		lead = (size_t)best.leader - 1;
		for (i = 0; i < n; i++) {
			if (!part[i]) {
				ZK_ASSERT_EQ(net.ndecided[i], 0);
				continue;
			}
			ZK_ASSERT_EQ(net.ndecided[i], 1);
			ZK_ASSERT_EQ(net.vote[i].leader, best.leader);
			ZK_ASSERT_EQ(net.vote[i].zxid, best.zxid);
			ZK_ASSERT_EQ(net.vote[i].epoch, best.epoch);
			ZK_ASSERT_EQ(net.round[i], net.round[lead]);
			ZK_ASSERT_EQ(net.state[i], i == lead ?
			    ZK_LEADING : ZK_FOLLOWING);
		}
		net_free(&net);
	}
}

/*
 * A worse vote in my round is answered with mine, to that sender only:
 * its own LOOKING note may have reached me before I was looking, so it
 * cannot know mine; without the answer it learns it at my next resend.
 * An equal vote gets no answer (no ping-pong), a better one is adopted
 * and sent to all.
 */
static void
test_worse_vote_answered(void)
{
	struct zk_elect		*el = mk_r(2, 3, 0, SLOW);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;

	ev_start(&ev, 0, 1, 10);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 5, 1, ZK_LOOKING, 1, 1, 10, 1);	/* 1 votes 1: worse */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 1);
	ZK_ASSERT_EQ(sends_to(&out, 1), 1);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 2);
	ZK_ASSERT_EQ(out.sends[0].note.state, ZK_LOOKING);
	ZK_ASSERT_EQ(out.sends[0].note.round, 1);
	ev_note(&ev, 6, 1, ZK_LOOKING, 1, 2, 10, 1);	/* 1 now votes 2 */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.deadline_ms, 6 + SETTLE);	/* a quorum: settling */
	ev_note(&ev, 7, 3, ZK_LOOKING, 1, 3, 10, 1);	/* better: to all */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 2);
	ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 3);
	zk_elect_free(el);
}

/* Undecided, the own note is resent after resend_ms, doubling up to 60 s. */
static void
test_resend_doubles(void)
{
	struct zk_elect		*el = mk(1, 3, 0);
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;
	int64_t			 now = 0, gap = RESEND;
	int			 k;

	ev_start(&ev, now, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.deadline_ms, RESEND);
	ev_timer(&ev, RESEND - 1);			/* early: nothing */
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.nsends, 0);
	ZK_ASSERT_EQ(out.deadline_ms, RESEND);
	for (k = 0; k < 12; k++) {
		now += gap;
		ev_timer(&ev, now);
		zk_elect_step(el, &ev, &out);
		ZK_ASSERT_EQ(out.nsends, 2);
		ZK_ASSERT_EQ(sends_to(&out, 2), 1);
		ZK_ASSERT_EQ(sends_to(&out, 3), 1);
		ZK_ASSERT_EQ(out.sends[0].note.vote.leader, 1);
		gap = gap * 2 > 60000 ? 60000 : gap * 2;
		ZK_ASSERT_EQ(out.deadline_ms, now + gap);
	}
	ZK_ASSERT_EQ(gap, 60000);	/* 200 * 2^9 = 102400: capped */
	/* A new START begins at resend_ms again. */
	ev_start(&ev, now, 1, 10);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.deadline_ms, now + RESEND);
	zk_elect_free(el);
}

/* A bad config (myid missing, duplicate or non-positive sids...) is NULL. */
static void
test_bad_config(void)
{
	struct zk_elect_config	 c;
	struct zk_elect		*el;

	cfg_init(&c, 1, 3, 0);
	el = zk_elect_new(&c);
	ZK_ASSERT(el != NULL);
	zk_elect_free(el);
	ZK_ASSERT(zk_elect_new(NULL) == NULL);
	cfg_init(&c, 4, 3, 0);				/* not a member */
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.sids[2] = 2;					/* duplicate */
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.sids[2] = 0;					/* not > 0 */
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	c.sids[2] = -3;
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.nsids = 0;
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	c.nsids = ZK_ELECT_MAX_PEERS + 1;
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.settle_ms = -1;
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.resend_ms = 0;
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0x7);			/* no voter at all */
	ZK_ASSERT(zk_elect_new(&c) == NULL);
	cfg_init(&c, 1, 3, 0);
	c.settle_ms = 0;				/* 0 is allowed */
	el = zk_elect_new(&c);
	ZK_ASSERT(el != NULL);
	zk_elect_free(el);
}

/*
 * zk_elect_votes gives, for the log, the votes behind a decision: after a
 * LOOKING election each member's latest vote of the round (all naming the
 * winner here), after joining the FOLLOWING/LEADING notes that name the
 * leader.
 */
static void
test_votes_for_the_log(void)
{
	struct zk_elect_note	 v[NMAX];
	struct zk_elect		*el;
	struct zk_elect_event	 ev;
	struct zk_elect_out	 out;
	struct net		 net;
	size_t			 i, j, n;

	net_init(&net, 3, 0);
	for (i = 0; i < 3; i++)
		net_start(&net, i, 1, (int64_t)(10 + i));
	net_run(&net, LIMIT_MS);
	for (i = 0; i < 3; i++) {
		ZK_ASSERT_EQ(net.vote[i].leader, 3);
		n = zk_elect_votes(net.m[i], v, NMAX);
		ZK_ASSERT_EQ(n, 3);
		for (j = 0; j < n; j++) {
			ZK_ASSERT_EQ(v[j].sid, (int)j + 1);	/* member order */
			ZK_ASSERT_EQ(v[j].vote.leader, 3);
			ZK_ASSERT_EQ(v[j].round, net.round[i]);
		}
		ZK_ASSERT_EQ(zk_elect_votes(net.m[i], v, 2), 2);  /* at most max */
	}
	net_free(&net);

	el = mk(3, 5, 0);
	ev_start(&ev, 0, 9, 9999);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 1, 1, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 2, 2, ZK_FOLLOWING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ev_note(&ev, 3, 5, ZK_LEADING, 7, 5, 40, 2);
	zk_elect_step(el, &ev, &out);
	ZK_ASSERT_EQ(out.decided, 1);
	n = zk_elect_votes(el, v, NMAX);
	ZK_ASSERT_EQ(n, 3);
	for (j = 0; j < n; j++) {
		ZK_ASSERT(v[j].state == ZK_FOLLOWING || v[j].state == ZK_LEADING);
		ZK_ASSERT_EQ(v[j].vote.leader, 5);
	}
	zk_elect_free(el);
}

int
main(void)
{
	ZK_RUN(test_vote_order);
	ZK_RUN(test_start_sends);
	ZK_RUN(test_unstarted_and_unknown);
	ZK_RUN(test_three_decide_same);
	ZK_RUN(test_split_votes_converge);
	ZK_RUN(test_higher_epoch_wins);
	ZK_RUN(test_higher_round_resets);
	ZK_RUN(test_lower_round_answered);
	ZK_RUN(test_settle);
	ZK_RUN(test_join_established);
	ZK_RUN(test_late_voter_joins);
	ZK_RUN(test_decided_answers);
	ZK_RUN(test_observer_note);
	ZK_RUN(test_observer_never_wins);
	ZK_RUN(test_five_two_down);
	ZK_RUN(test_duplicate_reorder);
	ZK_RUN(test_resend_doubles);
	ZK_RUN(test_worse_vote_answered);
	ZK_RUN(test_bad_config);
	ZK_RUN(test_votes_for_the_log);
	return ZK_TEST_DONE();
}
