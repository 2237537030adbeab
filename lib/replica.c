/*
 * The shell of an ensemble member: the I/O around its zk_quorum machine
 * (share/doc/replication.md "The shell"). Every input becomes a quorum
 * event: the peer links' notes, links and messages (qnet), the log
 * writer's completions (DURABLE, LOG_FAILED), the deadline timer, a
 * client's write (PROPOSE) and each apply's APPLIED. After each step the
 * shell carries out what the machine asked, in order: notes to the
 * election links, then ZAB's actions (messages, links, the log, the
 * epoch files, truncation and snapshot installs, applies), and re-arms
 * the one timer. The steps that replace the log or the tree live in
 * replica_disk.c. tests/sim/sim_peer.c is the same shell over simulated
 * network, disk and tree; the two must stay alike.
 *
 *   input                      event            done by
 *   qnet note                  NOTE             on_note
 *   qnet connected/disconn.    ZAB CONNECTED..  on_connected, on_disconnected
 *   qnet msg                   ZAB MSG          on_msg
 *   log writer done            DURABLE/FAILED   zk_replica_log_done
 *   timer                      ZAB TIMER        on_timer
 *   client write               ZAB PROPOSE      zk_replica_propose
 *   APPLY carried out          ZAB APPLIED      action (queued)
 *
 * Invariants:
 *  (1) zk_quorum_step is never re-entered: an event that arrives while a
 *      step's actions are carried out (APPLIED after an APPLY, the old
 *      writer's completions while it drains) waits in a queue, with its
 *      data copied, and is fed once the current out is done.
 *  (2) Actions are carried out in the order of out, each before the next;
 *      PERSIST_*, TRUNCATE and INSTALL_SNAP are done durably, on the loop,
 *      before the action after them (zab.h). One that fails stops the
 *      peer (exit 1): the machine already counts it done, and the data
 *      directory is left in one of its crash-safe states, which the next
 *      start recovers.
 *  (3) The db is always at the machine's applied zxid: it changes only at
 *      APPLY, and at TRUNCATE (rebuilt from the cut log when it was
 *      ahead) and INSTALL_SNAP (rebuilt from the snapshot).
 *  (4) Before the log is cut or replaced, a running snapshot child is
 *      waited for (a snapshot past the cut must not appear after it), and
 *      the writer is drained and closed; its completions are dropped,
 *      since the machine counts the log durable up to the cut (zab.h).
 *  (5) Clients are served only while ZAB serves (s->serving), on the
 *      leader and on learners alike. When the leader starts serving,
 *      every session gets a full timeout from now, as a new ZooKeeper
 *      leader gives it; only it expires sessions (s->leading). When a
 *      member stops serving, every client connection is closed and every
 *      proposal and sync dropped.
 *  (6) The shell's own messages (zab.h FWD_*) go to forward.c, never to
 *      the machine; everything before them on the link has been stepped,
 *      actions and all, by then.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "peer.h"
#include "qnet.h"
#include "quorum.h"
#include "recover.h"
#include "replica_int.h"

/* The tail of the log, held until the machine exists to take it. */
struct tail {
	int64_t		*zxid;
	void		**data;
	size_t		*len;
	size_t		 n, cap;
};

static void	 step(struct zk_replica *, const struct zk_quorum_event *);

void
zk_replica_log(struct zk_replica *r, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	zk_peer_log(r->s, "%s", line);
}

/* Invariant (2): the machine counts the step done; we cannot go on. */
void
zk_replica_fatal(struct zk_replica *r, const char *what,
    const struct zk_error *e)
{
	rlog(r, "%s: %s; stopping", what, e->msg);
	r->failed = 1;
	r->s->exit_code = 1;
	event_base_loopbreak(r->s->base);
}

/* Invariant (1): a copy of ev and the bytes it points to, for later. */
static void
enqueue(struct zk_replica *r, const struct zk_quorum_event *ev)
{
	struct qev	*v = zk_xcalloc(1, sizeof(*v));

	v->ev = *ev;
	if (ev->type == ZK_QUORUM_EV_ZAB && ev->zab.type == ZK_ZAB_EV_MSG &&
	    ev->zab.msg.data != NULL) {
		v->data = zk_xmemdup(ev->zab.msg.data, ev->zab.msg.len);
		v->ev.zab.msg.data = v->data;
	} else if (ev->type == ZK_QUORUM_EV_ZAB && ev->zab.data != NULL) {
		v->data = zk_xmemdup(ev->zab.data, ev->zab.len);
		v->ev.zab.data = v->data;
	}
	if (r->tail != NULL)
		r->tail->next = v;
	else
		r->head = v;
	r->tail = v;
}

/* Steps ev now, or after the step under way (invariant (1)). */
static void
feed(struct zk_replica *r, const struct zk_quorum_event *ev)
{
	struct qev	*v;

	if (r->failed)
		return;
	if (r->busy) {
		enqueue(r, ev);
		return;
	}
	r->busy = 1;
	step(r, ev);
	while ((v = r->head) != NULL && !r->failed) {
		r->head = v->next;
		if (r->head == NULL)
			r->tail = NULL;
		step(r, &v->ev);
		free(v->data);
		free(v);
	}
	r->busy = 0;
}

/* A ZAB event of type, stamped now. */
static void
zab_ev_init(struct zk_quorum_event *ev, int type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = ZK_QUORUM_EV_ZAB;
	ev->now_ms = zk_now_mono_ms();
	ev->zab.type = type;
	ev->zab.now_ms = ev->now_ms;
}

static void
zab_event(struct zk_replica *r, int type, int sid, int64_t zxid,
    uint64_t digest)
{
	struct zk_quorum_event	 ev;

	zab_ev_init(&ev, type);
	ev.zab.sid = sid;
	ev.zab.zxid = zxid;
	ev.zab.digest = digest;
	feed(r, &ev);
}

/* qnet's callbacks: from the loop, never inside a zk_qnet_* call. */

static void
on_note(void *arg, const struct zk_elect_note *n)
{
	struct zk_quorum_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_NOTE;
	ev.now_ms = zk_now_mono_ms();
	ev.note = *n;
	feed(arg, &ev);
}

static void
on_connected(void *arg, int sid)
{
	zab_event(arg, ZK_ZAB_EV_CONNECTED, sid, 0, 0);
}

static void
on_disconnected(void *arg, int sid)
{
	zab_event(arg, ZK_ZAB_EV_DISCONNECTED, sid, 0, 0);
}

static void
on_msg(void *arg, int sid, const struct zk_zab_msg *m)
{
	struct zk_replica	*r = arg;
	struct zk_quorum_event	 ev;

	if (m->type >= ZK_ZAB_FWD_REQUEST) {
		/* Invariant (6). */
		if (!r->failed)
			zk_forward_msg(r->s, sid, m);
		return;
	}
	zab_ev_init(&ev, ZK_ZAB_EV_MSG);
	ev.zab.sid = sid;
	ev.zab.msg = *m;
	feed(arg, &ev);
}

static void
on_net_log(void *arg, const char *line)
{
	struct zk_replica	*r = arg;

	rlog(r, "%s", line);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct zk_replica	*r = arg;

	(void)fd;
	(void)what;
	r->timer_at = -1;
	zab_event(r, ZK_ZAB_EV_TIMER, 0, 0, 0);
}

void
zk_replica_log_done(void *arg, int err, int64_t durable, int64_t failed,
    const struct zk_error *e)
{
	struct zk_server	*s = arg;
	struct zk_replica	*r = s->rep;

	if (r == NULL || r->drop_lw)
		return;
	if (err == ZK_OK) {
		if (durable > s->durable)
			s->durable = durable;
		if (durable >= 0)
			zab_event(r, ZK_ZAB_EV_DURABLE, 0, durable, 0);
		return;
	}
	rlog(r, "log write failed at zxid 0x%llx: %s",
	    (unsigned long long)failed, e != NULL ? e->msg :
	    zk_error_str(err));
	/* The writer drops the rest of this generation (logwriter.h (2)). */
	s->gen++;
	/* What the batch made durable before the failure still counts. */
	if (durable > s->durable)
		s->durable = durable;
	if (durable >= 0)
		zab_event(r, ZK_ZAB_EV_DURABLE, 0, durable, 0);
	zab_event(r, ZK_ZAB_EV_LOG_FAILED, 0, failed, 0);
}

int64_t
zk_replica_next_zxid(struct zk_server *s)
{
	return zk_zab_next_zxid(zk_quorum_zab(s->rep->q));
}

void
zk_replica_sync(struct zk_server *s, int sid, int64_t tag)
{
	struct zk_quorum_event	 ev;

	zab_ev_init(&ev, ZK_ZAB_EV_SYNC);
	ev.zab.sid = sid;
	ev.zab.zxid = tag;
	feed(s->rep, &ev);
}

int
zk_replica_leader(struct zk_server *s)
{
	struct zk_replica	*r = s->rep;

	return r != NULL && s->serving && r->state != ZK_LEADING ?
	    r->leader : 0;
}

int
zk_replica_send(struct zk_server *s, int sid, const struct zk_zab_msg *m)
{
	return zk_qnet_send(s->rep->net, sid, m);
}

int
zk_replica_learners_synced(struct zk_server *s, int observers)
{
	return zk_zab_learners_synced(zk_quorum_zab(s->rep->q), observers);
}

void
zk_replica_propose(struct zk_server *s, int64_t zxid, const void *data,
    size_t len)
{
	struct zk_quorum_event	 ev;

	zab_ev_init(&ev, ZK_ZAB_EV_PROPOSE);
	ev.zab.zxid = zxid;
	ev.zab.data = data;
	ev.zab.len = len;
	feed(s->rep, &ev);
}

/* Carrying out the actions. */

static void
send_msg(struct zk_replica *r, const struct zk_zab_action *a)
{
	if (a->msg.type == ZK_ZAB_DIFF)
		rlog(r, "sync %d: DIFF from 0x%llx", a->sid,
		    (unsigned long long)a->msg.zxid);
	else if (a->msg.type == ZK_ZAB_TRUNC)
		rlog(r, "sync %d: TRUNC to 0x%llx", a->sid,
		    (unsigned long long)a->msg.zxid);
	/*
	 * A link that is gone says so with a disconnected() from the loop;
	 * a message too big for any member cannot be sent at all.
	 */
	if (zk_qnet_send(r->net, a->sid, &a->msg) == ZK_ETOOBIG)
		rlog(r, "%s of %zu bytes to %d is over the link's limit",
		    zk_zab_msg_name(a->msg.type), a->msg.len, a->sid);
}

/* APPLY, then APPLIED with the digest right after it (invariant (1)). */
static void
apply(struct zk_replica *r, const struct zk_zab_action *a)
{
	struct zk_server	*s = r->s;
	struct zk_error		 e;

	/*
	 * A committed txn this replica cannot apply would leave its tree
	 * apart from everyone's while it went on serving: stop instead; the
	 * next start recovers from the log and resyncs.
	 */
	if (zk_pipeline_commit(s, a->zxid, a->data, a->len, &e) != ZK_OK) {
		zk_replica_fatal(r, "APPLY", &e);
		return;
	}
	/* Queued, since a step is under way (feed). */
	zab_event(r, ZK_ZAB_EV_APPLIED, 0, a->zxid, zk_tree_digest(s->db.tree));
}

static const char *
phase_name(int phase)
{
	switch (phase) {
	case ZK_ZAB_DISCOVERY:
		return "discovery";
	case ZK_ZAB_SYNC:
		return "sync";
	case ZK_ZAB_BROADCAST:
		return "broadcast";
	}
	return "none";
}

static void
action(struct zk_replica *r, const struct zk_zab_action *a)
{
	struct zk_server	*s = r->s;
	struct zk_error		 e;

	switch (a->type) {
	case ZK_ZAB_SEND:
		send_msg(r, a);
		break;
	case ZK_ZAB_SEND_SNAP:
		zk_replica_send_snap(r, a);
		break;
	case ZK_ZAB_CONNECT:
		zk_qnet_connect(r->net, a->sid);
		break;
	case ZK_ZAB_CLOSE:
		zk_qnet_close(r->net, a->sid);
		break;
	case ZK_ZAB_LOG:
		zk_logwriter_submit(s->lw, a->zxid, a->data, a->len, s->gen);
		break;
	case ZK_ZAB_PERSIST_ACCEPTED:
		if (zk_epoch_write_from(s->cfg.data_dir, "acceptedEpoch",
		    a->epoch, a->sid, &e) != ZK_OK)
			zk_replica_fatal(r, "acceptedEpoch", &e);
		break;
	case ZK_ZAB_PERSIST_CURRENT:
		if (zk_epoch_write(s->cfg.data_dir, "currentEpoch", a->epoch,
		    &e) != ZK_OK)
			zk_replica_fatal(r, "currentEpoch", &e);
		break;
	case ZK_ZAB_TRUNCATE:
		zk_replica_truncate(r, a->zxid);
		break;
	case ZK_ZAB_INSTALL_SNAP:
		zk_replica_install_snap(r, a);
		break;
	case ZK_ZAB_APPLY:
		apply(r, a);
		break;
	case ZK_ZAB_SYNC_DONE:
		zk_forward_sync_done(s, a->sid, a->zxid);
		break;
	case ZK_ZAB_ROLE:
		if (r->out.zab.role != ZK_ZAB_NONE)
			rlog(r, "zab %s, %s, epoch %lld",
			    zk_zab_role_name(r->out.zab.role),
			    phase_name(r->out.zab.phase),
			    (long long)r->out.zab.epoch);
		break;
	}
}

/* "state leading, epoch E, round R, votes: 1->3 2->3 3->3" */
static void
log_decision(struct zk_replica *r)
{
	const struct zk_elect_out *eo = &r->out.elect;
	struct zk_elect_note	 v[ZK_ELECT_MAX_PEERS];
	char			 votes[ZK_ELECT_MAX_PEERS * 12 + 1], who[32];
	size_t			 i, n, len = 0;

	n = zk_elect_votes(zk_quorum_elect(r->q), v, ZK_ELECT_MAX_PEERS);
	votes[0] = '\0';
	/* A peer may name any sid in its vote: stop where the line is full. */
	for (i = 0; i < n && len < sizeof(votes); i++)
		len += (size_t)snprintf(votes + len, sizeof(votes) - len,
		    "%s%d->%d", i > 0 ? " " : "", v[i].sid, v[i].vote.leader);
	if (eo->state == ZK_LEADING)
		snprintf(who, sizeof(who), "leading");
	else
		snprintf(who, sizeof(who), "%s %d",
		    eo->state == ZK_OBSERVING ? "observing" : "following",
		    eo->vote.leader);
	rlog(r, "state %s, epoch %lld, round %lld, votes: %s", who,
	    (long long)eo->vote.epoch, (long long)eo->round, votes);
	r->state = eo->state;
}

/* Invariant (5). */
static void
serve_clients(struct zk_replica *r)
{
	struct zk_server	*s = r->s;
	struct zk_session	*ss;
	int64_t			 now = zk_now_mono_ms();

	if (r->state == ZK_LEADING)
		for (ss = zk_sessions_first(s->db.sessions); ss != NULL;
		    ss = zk_sessions_next(s->db.sessions, ss)) {
			ss->deadline_ms = now + ss->timeout_ms;
			ss->closing = 0;
		}
	s->leading = r->state == ZK_LEADING;
	s->serving = 1;
	zk_notify_scan_containers(s);
}

static void
stop_clients(struct zk_replica *r)
{
	struct zk_server	*s = r->s;
	struct zk_conn		*c;

	s->serving = 0;
	s->leading = 0;
	TAILQ_FOREACH(c, &s->conns, entry)
		if (!c->closing)
			zk_conn_close_later(c);
	zk_pipeline_drop_all(s, ZK_ECONNLOSS);
}

static void
arm(struct zk_replica *r, int64_t deadline)
{
	struct timeval	 tv;
	int64_t		 ms;

	if (deadline == r->timer_at)
		return;
	r->timer_at = deadline;
	if (deadline < 0) {
		evtimer_del(r->timer);
		return;
	}
	ms = deadline - zk_now_mono_ms();
	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

/* After the actions: log what changed, serve or stop, re-arm the timer. */
static void
after(struct zk_replica *r)
{
	const struct zk_quorum_out *out = &r->out;
	int			 clients;

	if (out->state == ZK_LOOKING && r->state != ZK_LOOKING) {
		if (out->reason[0] != '\0')
			rlog(r, "state looking, round %lld: %s",
			    (long long)out->round, out->reason);
		else
			rlog(r, "state looking, round %lld",
			    (long long)out->round);
	}
	if (out->serving && !r->serving) {
		if (out->state == ZK_LEADING)
			rlog(r, "serving as leader, epoch %lld",
			    (long long)out->epoch);
		else
			rlog(r, "serving as %s of %d, epoch %lld",
			    out->state == ZK_OBSERVING ? "observer" :
			    "follower", out->leader, (long long)out->epoch);
	}
	r->state = out->state;
	r->leader = out->leader;
	r->serving = out->serving;
	r->epoch = out->epoch;
	r->round = out->round;
	clients = out->state != ZK_LOOKING && out->serving;
	if (clients && !r->s->serving)
		serve_clients(r);
	else if (!clients && r->s->serving)
		stop_clients(r);
	arm(r, out->deadline_ms);
}

static void
step(struct zk_replica *r, const struct zk_quorum_event *ev)
{
	struct zk_quorum_out	*out = &r->out;
	size_t			 i;

	zk_quorum_step(r->q, ev, out);
	for (i = 0; i < out->elect.nsends; i++)
		zk_qnet_send_note(r->net, out->elect.sends[i].to,
		    &out->elect.sends[i].note);
	if (out->elect.decided)
		log_decision(r);
	for (i = 0; i < out->zab.n && !r->failed; i++)
		action(r, &out->zab.v[i]);
	if (!r->failed)
		after(r);
}

/* Start-up. */

static void
keep_tail(void *arg, int64_t zxid, const void *rec, size_t len)
{
	struct tail	*t = arg;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->zxid = zk_xrealloc(t->zxid, t->cap * sizeof(*t->zxid));
		t->data = zk_xrealloc(t->data, t->cap * sizeof(*t->data));
		t->len = zk_xrealloc(t->len, t->cap * sizeof(*t->len));
	}
	t->zxid[t->n] = zxid;
	t->data[t->n] = zk_xmalloc(len ? len : 1);
	memcpy(t->data[t->n], rec, len);
	t->len[t->n++] = len;
}

static void
tail_free(struct tail *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->data[i]);
	free(t->zxid);
	free(t->data);
	free(t->len);
}

/* The quorum machine's settings, from zoo.cfg. */
static void
quorum_config(const struct zk_config *cfg, struct zk_quorum_config *qc)
{
	size_t	 i;

	memset(qc, 0, sizeof(*qc));
	qc->zab.myid = cfg->myid;
	qc->zab.nsids = cfg->nservers;
	for (i = 0; i < cfg->nservers && i < ZK_ZAB_MAX_PEERS; i++) {
		qc->zab.sids[i] = cfg->servers[i].id;
		qc->zab.observer[i] = cfg->servers[i].observer;
	}
	qc->zab.tick_ms = cfg->tick_ms;
	qc->zab.init_limit = cfg->init_limit;
	qc->zab.sync_limit = cfg->sync_limit;
	qc->zab.window = (size_t)cfg->commit_log_count;
	/* No longer than a tick: the ticks bound everything after it. */
	qc->settle_ms = cfg->settle_ms < cfg->tick_ms ? cfg->settle_ms :
	    cfg->tick_ms;
	qc->resend_ms = 200;
}

int
zk_replica_new(struct zk_server *s, struct zk_error *e)
{
	static const struct zk_qnet_callbacks cb = {
		on_note, on_connected, on_disconnected, on_msg, on_net_log,
	};
	const struct zk_config	*cfg = &s->cfg;
	struct zk_quorum_config	 qc;
	struct zk_zab_persisted	 pp;
	struct zk_replica	*r;
	struct tail		 t;
	size_t			 i;
	int			 rc;

	r = zk_xcalloc(1, sizeof(*r));
	r->s = s;
	r->state = -1;
	r->epoch = -1;
	r->timer_at = -1;
	s->rep = r;
	s->durable = s->db.last_zxid;	/* recovery read it from the disk */

	memset(&pp, 0, sizeof(pp));
	if ((rc = zk_epoch_read_from(cfg->data_dir, "acceptedEpoch",
	    &pp.accepted_epoch, &pp.accepted_leader, e)) != ZK_OK ||
	    (rc = zk_epoch_read(cfg->data_dir, "currentEpoch",
	    &pp.current_epoch, e)) != ZK_OK)
		return rc;
	/* replication.md "Restart": the whole log is in the tree. */
	pp.last_zxid = pp.applied_zxid = s->db.last_zxid;
	memset(&t, 0, sizeof(t));
	rc = zk_recover_tail(cfg->data_dir, cfg->data_log_dir,
	    (size_t)cfg->commit_log_count, keep_tail, &t, &pp.base_zxid, e);
	if (rc == ZK_OK) {
		quorum_config(cfg, &qc);
		r->q = zk_quorum_new(&qc, &pp);
		if (r->q == NULL)
			rc = zk_error_set(e, ZK_EBADARGUMENTS, "the server.N "
			    "lines do not make an ensemble with id %d in it "
			    "and a voter", cfg->myid);
	}
	for (i = 0; rc == ZK_OK && i < t.n; i++)
		zk_quorum_load(r->q, t.zxid[i], t.data[i], t.len[i]);
	tail_free(&t);
	if (rc != ZK_OK)
		return rc;
	zk_peer_log(s, "epochs: accepted %lld (from %d), current %lld; last "
	    "zxid 0x%llx, %zu txns of history after 0x%llx",
	    (long long)pp.accepted_epoch, pp.accepted_leader,
	    (long long)pp.current_epoch, (unsigned long long)pp.last_zxid,
	    t.n, (unsigned long long)pp.base_zxid);
	if ((r->net = zk_qnet_new(s->base, cfg, &cb, r, e)) == NULL)
		return e->code;
	if ((r->timer = evtimer_new(s->base, on_timer, r)) == NULL)
		return zk_error_set(e, ZK_ESYSTEM, "cannot make a timer");
	return ZK_OK;
}

void
zk_replica_boot(struct zk_server *s)
{
	struct zk_quorum_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ZK_QUORUM_EV_BOOT;
	ev.now_ms = zk_now_mono_ms();
	feed(s->rep, &ev);
}

void
zk_replica_free(struct zk_replica *r)
{
	struct qev	*v;

	if (r == NULL)
		return;
	while ((v = r->head) != NULL) {
		r->head = v->next;
		free(v->data);
		free(v);
	}
	if (r->timer != NULL)
		event_free(r->timer);
	zk_qnet_free(r->net);
	if (r->q != NULL)
		zk_quorum_free(r->q);
	zk_quorum_out_close(&r->out);
	free(r);
}

void
zk_replica_status(struct zk_server *s, struct zk_replica_status *st)
{
	struct zk_replica	*r = s->rep;
	const struct zk_zab	*z = zk_quorum_zab(r->q);

	switch (r->state) {
	case ZK_LEADING:
		st->mode = "leader";
		break;
	case ZK_FOLLOWING:
		st->mode = "follower";
		break;
	case ZK_OBSERVING:
		st->mode = "observer";
		break;
	default:
		st->mode = "looking";
		break;
	}
	st->leader = r->leader;
	st->serving = r->serving;
	st->epoch = r->epoch >= 0 ? r->epoch : zk_zab_current_epoch(z);
	st->last_logged = zk_zab_last_zxid(z);
	st->round = r->round;
}
