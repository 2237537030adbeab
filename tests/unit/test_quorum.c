/*
 * Tests of lib/quorum.c: three members pumped in one process (election
 * notes and ZAB messages through in-order queues, links that come up at
 * once, a disk whose every record is durable at once, and a clock moved
 * by hand), plus single steps for the rules of quorum.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quorum.h"
#include "util.h"
#include "test.h"

#define N	3
#define QMAX	4096

struct pdisk {
	int64_t		 zxid[256];	/* applied, in order */
	char		 data[256][16];
	int		 napplied;
	int64_t		 logged[256];
	int		 nlogged;
	uint64_t	 digest;
};

struct delivery {
	int		 to;
	struct zk_quorum_event ev;
	char		 data[64];	/* the message's bytes */
};

static struct zk_quorum		*q[N];
static struct zk_quorum_out	 out[N];
static struct pdisk		 disk[N];
static int			 up[N];
static int			 link_up[N][N];	/* [a][b]: a links b */
static struct delivery		 queue[QMAX];
static size_t			 qhead, qtail;
static int64_t			 now;

static void
push(int to, const struct zk_quorum_event *ev, const void *data, size_t len)
{
	struct delivery	*d;

	ZK_ASSERT_EQ(qtail < QMAX, 1);
	d = &queue[qtail++];
	d->to = to;
	d->ev = *ev;
	if (len > sizeof(d->data))
		len = sizeof(d->data);
	if (len > 0)
		memcpy(d->data, data, len);
	d->ev.zab.msg.len = len;
	d->ev.zab.msg.data = NULL;
}

static void
zab_ev(int to, int type, int sid, int64_t zxid, uint64_t digest)
{
	struct zk_quorum_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_ZAB;
	ev.zab.type = type;
	ev.zab.sid = sid;
	ev.zab.zxid = zxid;
	ev.zab.digest = digest;
	push(to, &ev, NULL, 0);
}

/* Does what out[i] says, as a shell would; queues what follows. */
static void
act(int i)
{
	struct zk_quorum_out	*o = &out[i];
	struct zk_quorum_event	 ev;
	struct zk_zab_action	*a;
	struct pdisk		*d = &disk[i];
	size_t			 k;
	int			 to;

	for (k = 0; k < o->elect.nsends; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = ZK_QUORUM_EV_NOTE;
		ev.note = o->elect.sends[k].note;
		push(o->elect.sends[k].to - 1, &ev, NULL, 0);
	}
	for (k = 0; k < o->zab.n; k++) {
		a = &o->zab.v[k];
		to = a->sid - 1;
		switch (a->type) {
		case ZK_ZAB_CONNECT:
			link_up[i][to] = link_up[to][i] = 1;
			zab_ev(to, ZK_ZAB_EV_CONNECTED, i + 1, 0, 0);
			zab_ev(i, ZK_ZAB_EV_CONNECTED, to + 1, 0, 0);
			break;
		case ZK_ZAB_CLOSE:
			if (link_up[i][to]) {
				link_up[i][to] = link_up[to][i] = 0;
				zab_ev(to, ZK_ZAB_EV_DISCONNECTED, i + 1, 0, 0);
			}
			break;
		case ZK_ZAB_SEND:
			if (!link_up[i][to])
				break;
			memset(&ev, 0, sizeof(ev));
			ev.type = ZK_QUORUM_EV_ZAB;
			ev.zab.type = ZK_ZAB_EV_MSG;
			ev.zab.sid = i + 1;
			ev.zab.msg = a->msg;
			push(to, &ev, a->msg.data, a->msg.len);
			break;
		case ZK_ZAB_LOG:
			d->logged[d->nlogged++] = a->zxid;
			zab_ev(i, ZK_ZAB_EV_DURABLE, 0, a->zxid, 0);
			break;
		case ZK_ZAB_APPLY:
			d->zxid[d->napplied] = a->zxid;
			memset(d->data[d->napplied], 0, sizeof(d->data[0]));
			memcpy(d->data[d->napplied], a->data,
			    a->len < 15 ? a->len : 15);
			d->napplied++;
			d->digest = d->digest * 31 + (uint64_t)a->zxid;
			zab_ev(i, ZK_ZAB_EV_APPLIED, 0, a->zxid, d->digest);
			break;
		default:
			break;
		}
	}
}

static void
step(int i, struct zk_quorum_event *ev)
{
	ev->now_ms = now;
	zk_quorum_step(q[i], ev, &out[i]);
	act(i);
}

/* Delivers everything queued, in order, to the peers that are up. */
static void
drain(void)
{
	struct delivery	*d;

	while (qhead < qtail) {
		d = &queue[qhead++];
		if (!up[d->to])
			continue;
		if (d->ev.type == ZK_QUORUM_EV_ZAB &&
		    d->ev.zab.type == ZK_ZAB_EV_MSG) {
			if (!link_up[d->to][d->ev.zab.sid - 1])
				continue;
			d->ev.zab.msg.data = d->data;
		}
		step(d->to, &d->ev);
	}
	qhead = qtail = 0;
}

/* Runs the clock for ms, firing deadlines in order. */
static void
run(int64_t ms)
{
	struct zk_quorum_event	 ev;
	int64_t			 end = now + ms, t;
	int			 i, next;

	drain();
	for (;;) {
		next = -1;
		t = end;
		for (i = 0; i < N; i++)
			if (up[i] && out[i].deadline_ms >= 0 &&
			    out[i].deadline_ms <= t) {
				t = out[i].deadline_ms;
				next = i;
			}
		if (next < 0)
			break;
		if (t > now)
			now = t;
		memset(&ev, 0, sizeof(ev));
		ev.type = ZK_QUORUM_EV_ZAB;
		ev.zab.type = ZK_ZAB_EV_TIMER;
		step(next, &ev);
		drain();
		/* A deadline that does not move would spin: step the clock. */
		if (out[next].deadline_ms == t && t == now)
			now++;
	}
	now = end;
}

static void
config(struct zk_quorum_config *c, int myid)
{
	int	 i;

	memset(c, 0, sizeof(*c));
	c->zab.myid = myid;
	c->zab.nsids = N;
	for (i = 0; i < N; i++)
		c->zab.sids[i] = i + 1;
	c->zab.tick_ms = 100;
	c->zab.init_limit = 10;
	c->zab.sync_limit = 5;
	c->zab.window = 100;
	c->settle_ms = 50;
	c->resend_ms = 100;
}

static void
boot_all(void)
{
	struct zk_quorum_config	 c;
	struct zk_quorum_event	 ev;
	int			 i;

	memset(disk, 0, sizeof(disk));
	memset(link_up, 0, sizeof(link_up));
	qhead = qtail = 0;
	now = 1000;
	for (i = 0; i < N; i++) {
		config(&c, i + 1);
		q[i] = zk_quorum_new(&c, NULL);
		memset(&out[i], 0, sizeof(out[i]));
		out[i].deadline_ms = -1;
		up[i] = 1;
	}
	for (i = 0; i < N; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = ZK_QUORUM_EV_BOOT;
		step(i, &ev);
	}
}

static void
free_all(void)
{
	int	 i;

	for (i = 0; i < N; i++) {
		zk_quorum_free(q[i]);
		zk_quorum_out_close(&out[i]);
	}
}

static int
leader_of(void)
{
	int	 i, l = -1;

	for (i = 0; i < N; i++)
		if (up[i] && out[i].state == ZK_LEADING && out[i].serving)
			l = i;
	return l;
}

static void
propose(int l, const char *s)
{
	struct zk_quorum_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_ZAB;
	ev.zab.type = ZK_ZAB_EV_PROPOSE;
	ev.zab.zxid = zk_zab_next_zxid(zk_quorum_zab(q[l]));
	ev.zab.data = s;
	ev.zab.len = strlen(s);
	step(l, &ev);
}

/* quorum (1)-(3): three members boot, elect, establish and commit a txn. */
static void
test_boot_elect_establish_commit(void)
{
	int64_t	 z;
	int	 i, l;

	boot_all();
	run(3000);
	l = leader_of();
	ZK_ASSERT(l >= 0);
	for (i = 0; i < N; i++) {
		ZK_ASSERT_EQ(out[i].state, i == l ? ZK_LEADING : ZK_FOLLOWING);
		ZK_ASSERT_EQ(out[i].leader, l + 1);
		ZK_ASSERT_EQ(out[i].serving, 1);
		ZK_ASSERT_EQ(out[i].epoch, 1);
	}
	z = zk_zab_next_zxid(zk_quorum_zab(q[l]));
	ZK_ASSERT_EQ(z, ZK_ZXID_OF(1, 1));
	propose(l, "hello");
	run(500);
	for (i = 0; i < N; i++) {
		ZK_ASSERT_EQ(disk[i].napplied, 1);
		ZK_ASSERT_EQ(disk[i].zxid[0], z);
		ZK_ASSERT_STR(disk[i].data[0], "hello");
		ZK_ASSERT_EQ(zk_zab_committed_zxid(zk_quorum_zab(q[i])), z);
	}
	free_all();
}

/* quorum (3): a lost leader makes the others elect anew, in a new epoch. */
static void
test_leader_crash_elects_a_higher_epoch(void)
{
	int	 i, l, l2;

	boot_all();
	run(3000);
	l = leader_of();
	ZK_ASSERT(l >= 0);
	propose(l, "before");
	run(500);
	up[l] = 0;	/* nothing reaches it, nothing leaves it */
	run(5000);
	l2 = leader_of();
	ZK_ASSERT(l2 >= 0);
	ZK_ASSERT(l2 != l);
	for (i = 0; i < N; i++) {
		if (i == l)
			continue;
		ZK_ASSERT_EQ(out[i].leader, l2 + 1);
		ZK_ASSERT_EQ(out[i].serving, 1);
		ZK_ASSERT_EQ(out[i].epoch, 2);
	}
	propose(l2, "after");
	run(500);
	for (i = 0; i < N; i++) {
		if (i == l)
			continue;
		ZK_ASSERT_EQ(disk[i].napplied, 2);
		ZK_ASSERT_STR(disk[i].data[0], "before");
		ZK_ASSERT_EQ(disk[i].zxid[1], ZK_ZXID_OF(2, 1));
		ZK_ASSERT_STR(disk[i].data[1], "after");
	}
	free_all();
}

/* quorum (2): a ZAB message while LOOKING is answered by a CLOSE, only. */
static void
test_zab_msg_while_looking_is_closed(void)
{
	struct zk_quorum_config	 c;
	struct zk_quorum_event	 ev;
	struct zk_quorum_out	 o;
	struct zk_quorum	*qq;

	config(&c, 1);
	qq = zk_quorum_new(&c, NULL);
	ZK_ASSERT(qq != NULL);
	memset(&o, 0, sizeof(o));
	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_BOOT;
	ev.now_ms = 10;
	zk_quorum_step(qq, &ev, &o);
	ZK_ASSERT_EQ(o.state, ZK_LOOKING);

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_ZAB;
	ev.now_ms = 20;
	ev.zab.type = ZK_ZAB_EV_MSG;
	ev.zab.sid = 3;
	ev.zab.msg.type = ZK_ZAB_FOLLOWERINFO;
	ev.zab.msg.epoch = 7;
	zk_quorum_step(qq, &ev, &o);
	ZK_ASSERT_EQ(o.zab.n, 1);
	ZK_ASSERT_EQ(o.zab.v[0].type, ZK_ZAB_CLOSE);
	ZK_ASSERT_EQ(o.zab.v[0].sid, 3);
	ZK_ASSERT_EQ(o.elect.nsends, 0);
	ZK_ASSERT_EQ(o.state, ZK_LOOKING);
	ZK_ASSERT_EQ(o.zab.role, ZK_ZAB_NONE);
	ZK_ASSERT_EQ(o.leader, 0);
	ZK_ASSERT_EQ(o.epoch, -1);
	ZK_ASSERT_EQ(o.changed, 0);

	/* A link coming up is not a message: nothing to do yet. */
	ev.zab.type = ZK_ZAB_EV_CONNECTED;
	zk_quorum_step(qq, &ev, &o);
	ZK_ASSERT_EQ(o.zab.n, 0);
	zk_quorum_free(qq);
	zk_quorum_out_close(&o);
}

/* quorum (3): BOOT votes for myself with ZAB's epoch and last zxid. */
static void
test_boot_votes_with_zab_epoch_and_zxid(void)
{
	struct zk_quorum_config	 c;
	struct zk_zab_persisted	 p;
	struct zk_quorum_event	 ev;
	struct zk_quorum_out	 o;
	struct zk_quorum	*qq;
	size_t			 k;

	config(&c, 2);
	memset(&p, 0, sizeof(p));
	p.accepted_epoch = 5;
	p.accepted_leader = 3;
	p.current_epoch = 4;
	p.last_zxid = ZK_ZXID_OF(4, 7);
	p.applied_zxid = p.last_zxid;
	qq = zk_quorum_new(&c, &p);
	ZK_ASSERT(qq != NULL);
	memset(&o, 0, sizeof(o));
	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_BOOT;
	ev.now_ms = 100;
	zk_quorum_step(qq, &ev, &o);
	ZK_ASSERT_EQ(o.state, ZK_LOOKING);
	ZK_ASSERT_EQ(o.changed, 0);
	ZK_ASSERT_EQ(o.round, 1);
	ZK_ASSERT_EQ(o.elect.nsends, 2);
	for (k = 0; k < o.elect.nsends; k++) {
		ZK_ASSERT(o.elect.sends[k].to != 2);
		ZK_ASSERT_EQ(o.elect.sends[k].note.sid, 2);
		ZK_ASSERT_EQ(o.elect.sends[k].note.state, ZK_LOOKING);
		ZK_ASSERT_EQ(o.elect.sends[k].note.vote.leader, 2);
		ZK_ASSERT_EQ(o.elect.sends[k].note.vote.epoch, 4);
		ZK_ASSERT_EQ(o.elect.sends[k].note.vote.zxid,
		    ZK_ZXID_OF(4, 7));
	}
	/* Only the election runs: its resend is the deadline. */
	ZK_ASSERT_EQ(o.deadline_ms, 100 + c.resend_ms);
	/* A second BOOT is not a second election. */
	zk_quorum_step(qq, &ev, &o);
	ZK_ASSERT_EQ(o.elect.nsends, 0);
	ZK_ASSERT_EQ(o.round, 1);
	zk_quorum_free(qq);
	zk_quorum_out_close(&o);
}

/* quorum (1): a member that leads answers a LOOKING note with its decision. */
static void
test_decided_member_answers_notes(void)
{
	struct zk_quorum_event	 ev;
	int			 l, f;

	boot_all();
	run(3000);
	l = leader_of();
	ZK_ASSERT(l >= 0);
	f = (l + 1) % N;
	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_NOTE;
	ev.now_ms = now;
	ev.note.sid = f + 1;
	ev.note.state = ZK_LOOKING;
	ev.note.round = 1;
	ev.note.vote.leader = f + 1;
	zk_quorum_step(q[l], &ev, &out[l]);
	ZK_ASSERT_EQ(out[l].elect.nsends, 1);
	ZK_ASSERT_EQ(out[l].elect.sends[0].to, f + 1);
	ZK_ASSERT_EQ(out[l].elect.sends[0].note.state, ZK_LEADING);
	ZK_ASSERT_EQ(out[l].elect.sends[0].note.vote.leader, l + 1);
	/* zk_elect_settled gave the election the established epoch. */
	ZK_ASSERT_EQ(out[l].elect.sends[0].note.vote.epoch, 1);
	ZK_ASSERT_EQ(out[l].state, ZK_LEADING);
	ZK_ASSERT_EQ(out[l].serving, 1);
	ZK_ASSERT_EQ(out[l].zab.n, 0);
	/* While serving, ZAB's pings set the deadline. */
	ZK_ASSERT(out[l].deadline_ms > now);
	ZK_ASSERT(out[l].deadline_ms <= now + 100);
	free_all();
}

int
main(void)
{
	ZK_RUN(test_boot_elect_establish_commit);
	ZK_RUN(test_leader_crash_elects_a_higher_epoch);
	ZK_RUN(test_zab_msg_while_looking_is_closed);
	ZK_RUN(test_boot_votes_with_zab_epoch_and_zxid);
	ZK_RUN(test_decided_member_answers_notes);
	return ZK_TEST_DONE();
}
