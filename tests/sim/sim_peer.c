/*
 * One simulated peer: what the real peer's I/O shell does around its
 * zk_quorum machine, with the network, disk and tree of the simulator
 * instead of sockets, files and the znode tree. It turns deliveries into
 * quorum events, does the actions of each step in order (notes, then
 * ZAB's actions: sends, links, log, epochs, truncation, snapshots,
 * applies), feeds completions back as events, and keeps the one timer of
 * the machine's deadline. It restarts a crashed peer the way the real one
 * recovers: epochs, snapshot and durable log, the whole log replayed.
 *
 * Invariants:
 *  (1) Actions are done in the order of out, each before the next, so
 *      what must be persisted before a send is (zab.h).
 *  (2) Nothing reaches a crashed peer; a paused peer's deliveries wait
 *      in order until it resumes, timers included.
 *  (3) A client write counts as acknowledged only when the leader that
 *      took it APPLYs it, with the same bytes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

static void	 step(struct sim *, struct sim_peer *,
		    const struct zk_quorum_event *);

void
sim_peer_free(struct sim_peer *p)
{
	size_t	 i;

	if (p->q != NULL)
		zk_quorum_free(p->q);
	p->q = NULL;
	zk_quorum_out_close(&p->out);
	memset(&p->out, 0, sizeof(p->out));
	for (i = 0; i < p->ndeferred; i++)
		free(p->deferred[i].data);
	free(p->deferred);
	p->deferred = NULL;
	p->ndeferred = p->capdeferred = 0;
	free(p->pending);
	p->pending = NULL;
	p->npending = p->cappending = 0;
	sim_disk_free(&p->disk);
	sim_tree_free(&p->tree);
}

/* Boot, or restart from what the disk kept (replication.md "Restart"). */
void
sim_peer_start(struct sim *s, struct sim_peer *p)
{
	struct zk_quorum_config	 cfg = s->qcfg;
	struct zk_zab_persisted	 pp;
	struct zk_quorum_event	 ev;
	struct sim_disk		*d = &p->disk;
	size_t			 i;
	int			 b;

	p->inc++;
	p->up = 1;
	p->paused = 0;
	p->state = ZK_LOOKING;
	p->leader = 0;
	p->serving = 0;
	p->epoch = -1;
	p->timer_at = -1;
	p->timer_gen++;
	for (b = 0; b < s->np; b++)
		s->net.end[p->idx][b] = 0;

	memset(&pp, 0, sizeof(pp));
	pp.accepted_epoch = d->accepted_epoch;
	pp.accepted_leader = d->accepted_leader;
	pp.current_epoch = d->current_epoch;
	pp.last_zxid = sim_disk_last(d);
	pp.base_zxid = d->has_snap ? d->snap.zxid : 0;
	pp.applied_zxid = pp.last_zxid;
	cfg.zab.myid = p->sid;
	p->q = zk_quorum_new(&cfg, &pp);
	if (p->q == NULL) {
		sim_fail(s, "p%d: zk_quorum_new refused the config", p->sid);
		p->up = 0;
		return;
	}
	for (i = 0; i < d->n; i++)
		zk_quorum_load(p->q, d->log[i].zxid, d->log[i].data,
		    d->log[i].len);
	sim_disk_rebuild(s, p, INT64_MAX);
	sim_trace(s, p->inc == 1 ? TR_BOOT : TR_RESTART, p->idx, 0, 0,
	    pp.last_zxid, pp.current_epoch, NULL);

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_BOOT;
	ev.now_ms = s->now;
	step(s, p, &ev);
}

void
sim_peer_crash(struct sim *s, struct sim_peer *p)
{
	size_t	 i;

	if (!p->up)
		return;
	sim_trace(s, TR_CRASH, p->idx, 0, 0, sim_disk_last(&p->disk),
	    (int64_t)p->disk.durable, NULL);
	p->up = 0;
	p->paused = 0;
	zk_quorum_free(p->q);
	p->q = NULL;
	zk_quorum_out_close(&p->out);
	memset(&p->out, 0, sizeof(p->out));
	sim_disk_crash(&p->disk);
	sim_tree_reset(&p->tree);
	sim_net_break_all(s, p->idx);
	for (i = 0; i < p->ndeferred; i++)
		free(p->deferred[i].data);
	p->ndeferred = 0;
	p->npending = 0;
	p->timer_gen++;
	p->timer_at = -1;
	p->state = ZK_LOOKING;
	p->serving = 0;
	p->leader = 0;
}

/* SIGCONT: what arrived while stopped, in order, at the resume time. */
void
sim_peer_resume(struct sim *s, struct sim_peer *p)
{
	struct sim_ev	*v = p->deferred;
	size_t		 i, n = p->ndeferred;

	sim_trace(s, TR_RESUME, p->idx, 0, 0, (int64_t)n, 0, NULL);
	p->paused = 0;
	p->deferred = NULL;
	p->ndeferred = p->capdeferred = 0;
	for (i = 0; i < n; i++) {
		v[i].t = s->now;
		sim_peer_deliver(s, p, &v[i]);
	}
	free(v);
	sim_disk_kick(s, p);
}

static void
defer(struct sim_peer *p, struct sim_ev *ev)
{
	if (p->ndeferred == p->capdeferred) {
		p->capdeferred = p->capdeferred ? 2 * p->capdeferred : 32;
		p->deferred = zk_xrealloc(p->deferred,
		    p->capdeferred * sizeof(*p->deferred));
	}
	p->deferred[p->ndeferred++] = *ev;
	ev->data = NULL;
}

static void
zab_event(struct sim *s, struct sim_peer *p, int type,
    const struct sim_ev *ev)
{
	struct zk_quorum_event	 qe;

	memset(&qe, 0, sizeof(qe));
	qe.type = ZK_QUORUM_EV_ZAB;
	qe.now_ms = s->now;
	qe.zab.type = type;
	qe.zab.now_ms = s->now;
	qe.zab.sid = s->p[ev->from].sid;
	qe.zab.zxid = ev->zxid;
	qe.zab.digest = ev->digest;
	if (type == ZK_ZAB_EV_MSG) {
		qe.zab.msg = ev->msg;
		qe.zab.msg.data = ev->data;
	}
	step(s, p, &qe);
}

/* Takes ownership of ev's data (invariant 2). */
void
sim_peer_deliver(struct sim *s, struct sim_peer *p, struct sim_ev *ev)
{
	struct zk_quorum_event	 qe;
	int			 inc_bound;

	inc_bound = ev->type == SIM_EV_TIMER || ev->type == SIM_EV_DURABLE ||
	    ev->type == SIM_EV_APPLIED;
	if (!p->up || (inc_bound && ev->inc != p->inc))
		goto done;
	if (p->paused) {
		defer(p, ev);
		return;
	}
	switch (ev->type) {
	case SIM_EV_NOTE:
		if (!sim_net_accept(s, ev))
			break;
		sim_trace(s, TR_NOTE, p->idx, ev->from, ev->note.state,
		    ev->note.vote.zxid, (ev->note.round << 8) |
		    (ev->note.vote.leader & 0xff), NULL);
		memset(&qe, 0, sizeof(qe));
		qe.type = ZK_QUORUM_EV_NOTE;
		qe.now_ms = s->now;
		qe.note = ev->note;
		step(s, p, &qe);
		break;
	case SIM_EV_LINK_UP:
		if (!sim_net_accept(s, ev))
			break;
		sim_trace(s, TR_UP, p->idx, ev->from, 0, (int64_t)ev->gen, 0,
		    NULL);
		zab_event(s, p, ZK_ZAB_EV_CONNECTED, ev);
		break;
	case SIM_EV_LINK_MSG:
		if (!sim_net_accept(s, ev))
			break;
		sim_trace(s, TR_RECV, p->idx, ev->from, ev->msg.type,
		    ev->msg.zxid, ev->msg.zxid2, NULL);
		zab_event(s, p, ZK_ZAB_EV_MSG, ev);
		break;
	case SIM_EV_LINK_DOWN:
		if (!sim_net_accept(s, ev))
			break;
		sim_trace(s, TR_DOWN, p->idx, ev->from, 0, (int64_t)ev->gen, 0,
		    NULL);
		zab_event(s, p, ZK_ZAB_EV_DISCONNECTED, ev);
		break;
	case SIM_EV_TIMER:
		if (ev->gen != p->timer_gen)
			break;
		p->timer_at = -1;
		zab_event(s, p, ZK_ZAB_EV_TIMER, ev);
		break;
	case SIM_EV_DURABLE:
		zab_event(s, p, ZK_ZAB_EV_DURABLE, ev);
		break;
	case SIM_EV_APPLIED:
		zab_event(s, p, ZK_ZAB_EV_APPLIED, ev);
		break;
	}
done:
	free(ev->data);
	ev->data = NULL;
}

/* A client's write to this leader (the caller checked it serves). */
void
sim_peer_propose(struct sim *s, struct sim_peer *p)
{
	struct zk_quorum_event	 qe;
	struct sim_write	*w;
	char			 buf[64];
	int64_t			 z;
	int			 len;

	z = zk_zab_next_zxid(zk_quorum_zab(p->q));
	if (z < 0)
		return;
	s->writes++;
	len = snprintf(buf, sizeof(buf), "w%" PRIu64 "-%" PRIu64, s->o.seed,
	    s->writes);
	if (p->npending == p->cappending) {
		p->cappending = p->cappending ? 2 * p->cappending : 16;
		p->pending = zk_xrealloc(p->pending,
		    p->cappending * sizeof(*p->pending));
	}
	w = &p->pending[p->npending++];
	w->zxid = z;
	w->h = sim_hash(0, buf, (size_t)len);
	w->t = s->now;
	sim_trace(s, TR_WRITE, p->idx, 0, 0, z, 0, buf);

	memset(&qe, 0, sizeof(qe));
	qe.type = ZK_QUORUM_EV_ZAB;
	qe.now_ms = s->now;
	qe.zab.type = ZK_ZAB_EV_PROPOSE;
	qe.zab.now_ms = s->now;
	qe.zab.zxid = z;
	qe.zab.data = buf;
	qe.zab.len = (size_t)len;
	step(s, p, &qe);
}

/* Invariant (3): the leader's APPLY of a write it took answers it. */
static void
answer_writes(struct sim *s, struct sim_peer *p, int64_t zxid, uint64_t h)
{
	size_t	 i = 0;

	while (i < p->npending && p->pending[i].zxid < zxid)
		i++;
	if (i < p->npending && p->pending[i].zxid == zxid) {
		if (p->pending[i].h != h)
			sim_fail(s, "(b) p%d applies %" PRId64 ":%" PRId64
			    " with other bytes than the write it took",
			    p->sid, ZK_ZXID_EPOCH_OF(zxid),
			    ZK_ZXID_COUNTER_OF(zxid));
		else {
			sim_check_acked(s, &p->pending[i]);
			sim_trace(s, TR_ACK, p->idx, 0, 0, zxid, 0, NULL);
			if (s->quiet && p->pending[i].t >= s->quiet_at)
				s->quiet_acked = 1;
		}
		i++;
	}
	if (i == 0)
		return;
	memmove(p->pending, p->pending + i,
	    (p->npending - i) * sizeof(*p->pending));
	p->npending -= i;
}

static void
send_snap(struct sim *s, struct sim_peer *p, const struct zk_zab_action *a)
{
	struct zk_zab_msg	 m;
	void			*data;
	size_t			 len;

	if (a->zxid != p->tree.zxid) {
		sim_fail(s, "p%d: SEND_SNAP at %" PRId64 ":%" PRId64
		    " but the tree is at %" PRId64 ":%" PRId64, p->sid,
		    ZK_ZXID_EPOCH_OF(a->zxid), ZK_ZXID_COUNTER_OF(a->zxid),
		    ZK_ZXID_EPOCH_OF(p->tree.zxid),
		    ZK_ZXID_COUNTER_OF(p->tree.zxid));
		return;
	}
	sim_tree_encode(&p->tree, &data, &len);
	memset(&m, 0, sizeof(m));
	m.type = ZK_ZAB_SNAP;
	m.zxid = p->tree.zxid;
	m.digest = p->tree.digest;
	m.data = data;
	m.len = len;
	sim_net_send(s, p->idx, a->sid - 1, &m);
	free(data);
}

static int
peer_of(struct sim *s, struct sim_peer *p, int sid)
{
	if (sid < 1 || sid > s->np || sid == p->sid) {
		sim_fail(s, "p%d: an action names sid %d", p->sid, sid);
		return -1;
	}
	return sid - 1;
}

static void
action(struct sim *s, struct sim_peer *p, const struct zk_zab_action *a)
{
	struct sim_disk	*d = &p->disk;
	struct sim_ev	 ev;
	int		 to;

	switch (a->type) {
	case ZK_ZAB_SEND:
		if ((to = peer_of(s, p, a->sid)) >= 0)
			sim_net_send(s, p->idx, to, &a->msg);
		break;
	case ZK_ZAB_SEND_SNAP:
		if (peer_of(s, p, a->sid) >= 0)
			send_snap(s, p, a);
		break;
	case ZK_ZAB_CONNECT:
		if ((to = peer_of(s, p, a->sid)) >= 0)
			sim_net_connect(s, p->idx, to);
		break;
	case ZK_ZAB_CLOSE:
		if ((to = peer_of(s, p, a->sid)) >= 0)
			sim_net_close(s, p->idx, to);
		break;
	case ZK_ZAB_LOG:
		sim_trace(s, TR_LOG, p->idx, 0, 0, a->zxid, 0, NULL);
		sim_check_log(s, p, a->zxid, a->data, a->len);
		sim_disk_append(s, p, a->zxid, a->data, a->len);
		break;
	case ZK_ZAB_PERSIST_ACCEPTED:
		sim_trace(s, TR_EPOCH, p->idx, a->sid, 0, a->epoch, 0,
		    "acceptedEpoch");
		if (a->epoch < d->accepted_epoch)
			sim_fail(s, "p%d: acceptedEpoch goes back from %" PRId64
			    " to %" PRId64, p->sid, d->accepted_epoch,
			    a->epoch);
		d->accepted_epoch = a->epoch;
		d->accepted_leader = a->sid;
		break;
	case ZK_ZAB_PERSIST_CURRENT:
		sim_trace(s, TR_EPOCH, p->idx, 0, 0, a->epoch, 0,
		    "currentEpoch");
		if (a->epoch < d->current_epoch ||
		    a->epoch > d->accepted_epoch)
			sim_fail(s, "p%d: currentEpoch %" PRId64 " after %"
			    PRId64 ", acceptedEpoch %" PRId64, p->sid,
			    a->epoch, d->current_epoch, d->accepted_epoch);
		d->current_epoch = a->epoch;
		break;
	case ZK_ZAB_TRUNCATE:
		sim_trace(s, TR_TRUNC, p->idx, 0, 0, a->zxid,
		    sim_disk_last(d), NULL);
		sim_disk_truncate(s, p, a->zxid);
		break;
	case ZK_ZAB_INSTALL_SNAP:
		sim_trace(s, TR_SNAP, p->idx, 0, 0, a->zxid, p->tree.zxid,
		    NULL);
		sim_disk_install(s, p, a->zxid, a->data, a->len);
		break;
	case ZK_ZAB_APPLY:
		sim_trace(s, TR_APPLY, p->idx, 0, 0, a->zxid, 0, NULL);
		sim_check_apply(s, p, a->zxid, a->data, a->len, "APPLY");
		answer_writes(s, p, a->zxid, sim_hash(0, a->data, a->len));
		memset(&ev, 0, sizeof(ev));
		ev.type = SIM_EV_APPLIED;
		ev.to = p->idx;
		ev.from = p->idx;
		ev.inc = p->inc;
		ev.t = s->now;
		ev.zxid = p->tree.zxid;
		ev.digest = p->tree.digest;
		sim_push(s, &ev);
		break;
	case ZK_ZAB_ROLE:
		break;
	default:
		sim_fail(s, "p%d: unknown action %d", p->sid, a->type);
		break;
	}
}

static void
schedule_timer(struct sim *s, struct sim_peer *p, int64_t deadline)
{
	struct sim_ev	 ev;

	if (deadline < 0) {
		if (p->timer_at >= 0)
			p->timer_gen++;
		p->timer_at = -1;
		return;
	}
	if (deadline == p->timer_at)
		return;
	p->timer_gen++;
	p->timer_at = deadline;
	memset(&ev, 0, sizeof(ev));
	ev.type = SIM_EV_TIMER;
	ev.to = p->idx;
	ev.from = p->idx;
	ev.inc = p->inc;
	ev.gen = p->timer_gen;
	ev.t = deadline > s->now ? deadline : s->now + 1;
	sim_push(s, &ev);
}

static void
step(struct sim *s, struct sim_peer *p, const struct zk_quorum_event *qe)
{
	struct zk_quorum_out	*out = &p->out;
	size_t			 i;
	int			 was_leading;

	zk_quorum_step(p->q, qe, out);
	for (i = 0; i < out->elect.nsends; i++) {
		if (out->elect.sends[i].to < 1 ||
		    out->elect.sends[i].to > s->np ||
		    out->elect.sends[i].to == p->sid) {
			sim_fail(s, "p%d: a note to sid %d", p->sid,
			    out->elect.sends[i].to);
			continue;
		}
		sim_net_note(s, p->idx, out->elect.sends[i].to - 1,
		    &out->elect.sends[i].note);
	}
	for (i = 0; i < out->zab.n && p->up; i++)
		action(s, p, &out->zab.v[i]);

	was_leading = p->state == ZK_LEADING && p->serving;
	if (out->state != p->state || out->serving != p->serving ||
	    out->leader != p->leader || out->epoch != p->epoch)
		sim_trace(s, TR_STATE, p->idx, out->state, out->leader,
		    out->epoch, out->serving, out->reason);
	p->state = out->state;
	p->leader = out->leader;
	p->epoch = out->epoch;
	if (out->serving && !p->serving) {
		p->serving = 1;
		sim_check_tree(s, p, "starting to serve");
		if (p->state == ZK_LEADING) {
			s->elections++;
			sim_check_established(s, p);
		}
	}
	p->serving = out->serving;
	/* A leader that stops serving fails its clients' writes. */
	if (was_leading && !(p->state == ZK_LEADING && p->serving))
		p->npending = 0;
	schedule_timer(s, p, out->deadline_ms);
}
