/*
 * The request pipeline of a peer: prep turns a write into a transaction
 * with the next zxid, the log writer makes it durable, the durable copy
 * is the ack, a quorum of acks commits, commits are applied to the db in
 * zxid order and answered on the connection that asked.
 *
 * Standalone is the quorum-of-one case: the leader's own durable copy is
 * the whole quorum. In an ensemble the zxid comes from ZAB, the txn goes
 * to ZAB as a PROPOSE (replica.c), and ZAB's APPLY actions commit: then
 * zk_pipeline_commit applies it here as standalone's commit() does, from
 * the proposal list on the leader that took the request, decoded from the
 * log record's bytes on every other replica. A follower or observer
 * preps the txn the same way and forwards it (forward.c); the leader
 * gives it a zxid and time (zk_pipeline_propose_forwarded), and the
 * learner answers its client when it applies that zxid, from the
 * leader's bytes.
 *
 * Prep is stateless here: it checks what needs no tree (path syntax,
 * sizes, flags) and stamps time and session; whether a version matches
 * or a parent exists is decided when the txn is applied, against the state
 * every replica holds at that zxid (db.h). The outcome is the one
 * ZooKeeper's prep against outstanding changes would give, and the code
 * keeps one place that knows the rules.
 *
 * Invariants (peer.h (1), (5)):
 *  (1) Standalone, next_zxid - 1 is the last zxid handed out; after a
 *      failed log write it goes back to the first failed zxid, so the log
 *      has no gap. In an ensemble ZAB keeps the same rule.
 *  (2) A proposal is applied only when acks >= quorum (standalone) or ZAB
 *      says APPLY (ensemble), and every proposal before it has been
 *      applied.
 *  (3) A sync that arrives while proposals are in flight waits (as a
 *      write would) until the last of them is applied; in an ensemble it
 *      waits for its barrier (zab.h (8)), which covers the same.
 *  (4) Watches are this server's, owned by the connection that set them:
 *      one-shot ones by a read with "w" (getData and getChildren on an
 *      existing node, exists on any), persistent ones by addWatch.
 *      Applying a txn fires them (the db's hook, notify.c) before its
 *      reply goes out, so a client hears of a change before the answer to
 *      any request it sent later; every member applies every txn, so a
 *      client's watches fire on whichever member it is on.
 */
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "peer.h"

static void
proposal_free(struct proposal *p)
{
	zk_txn_close(&p->txn);
	free(p);
}

static void
fail(struct creq *q, int err)
{
	q->kind = CREQ_ERROR;
	q->err = err;
}

/* A multi's ops share its zxid, time and session (txn.h). */
static void
stamp_ops(struct zk_txn *t)
{
	size_t	 i;

	for (i = 0; i < t->nops; i++) {
		t->ops[i].zxid = t->zxid;
		t->ops[i].time_ms = t->time_ms;
		t->ops[i].session_id = t->session_id;
	}
}

/*
 * Hands txn (its path and data are taken over) to the log, or in an
 * ensemble to ZAB. Nothing may use the proposal afterwards: ZAB's step
 * may already have dropped it.
 */
static int64_t
propose(struct zk_server *s, struct zk_txn *t, struct zk_conn *c,
    struct creq *q)
{
	struct proposal	*p;
	int64_t		 zxid;
	int		 fwd = s->rep != NULL && !s->leading;

	if (s->rep == NULL)
		zxid = s->next_zxid++;
	else if (fwd)
		zxid = s->serving ? ZK_ZXID_PENDING : -1;
	else
		zxid = zk_replica_next_zxid(s);
	p = zk_xcalloc(1, sizeof(*p));
	p->txn = *t;
	memset(t, 0, sizeof(*t));
	p->txn.zxid = zxid;
	p->txn.time_ms = zk_now_wall_ms();
	stamp_ops(&p->txn);
	p->forwarded = fwd;
	if (zxid < 0 || (fwd && zk_forward_write(s, p) != ZK_OK)) {
		/* Not serving (or no leader to send to): it never happened. */
		if (q != NULL)
			fail(q, ZK_ENOTSERVING);
		if (c != NULL && p->txn.type == ZK_TXN_CREATE_SESSION)
			c->connecting = 0;
		proposal_free(p);
		return -1;
	}
	p->conn = c;
	p->creq = q;
	if (q != NULL) {
		q->kind = CREQ_WRITE;
		q->prop = p;
	}
	if (s->ptail != NULL)
		s->ptail->next = p;
	else
		s->phead = p;
	s->ptail = p;
	s->nproposals++;
	if (fwd) {
		if (s->pending == NULL)
			s->pending = p;
		return zxid;	/* sent already; ACCEPTED gives the zxid */
	}
	s->out.len = 0;
	zk_txn_encode(&s->out, &p->txn);
	if (s->rep == NULL)
		zk_logwriter_submit(s->lw, zxid, s->out.data, s->out.len,
		    s->gen);
	else
		zk_replica_propose(s, zxid, s->out.data, s->out.len);
	return zxid;
}

#define CREATE_FLAGS	(ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL | \
			 ZK_CREATE_PARENTS | ZK_CREATE_CONTAINER)

static int
check_path(const char *path, int sequential)
{
	char	 buf[4096];
	size_t	 len;

	if (path == NULL)
		return ZK_EBADARGUMENTS;
	len = strlen(path);
	/* A sequential create may end in '/': the suffix completes it. */
	if (sequential && len + 2 <= sizeof(buf)) {
		memcpy(buf, path, len);
		buf[len] = '0';
		return zk_path_validate(buf, len + 1, NULL);
	}
	return zk_path_validate(path, len, NULL);
}

static int
check_watch_paths(const struct zk_request *r)
{
	char * const	*v[3] = { r->data_watches, r->exist_watches,
			    r->child_watches };
	size_t		 nv[3] = { r->ndata_watches, r->nexist_watches,
			    r->nchild_watches };
	size_t		 i, k;
	int		 rc;

	for (k = 0; k < 3; k++)
		for (i = 0; i < nv[k]; i++)
			if ((rc = check_path(v[k][i], 0)) != ZK_OK)
				return rc;
	return ZK_OK;
}

/*
 * A multi's txn: each op checked as its lone request would be (what
 * needs the tree waits for the apply, db.h), the op list taken over
 * from the request.
 */
static int
prep_multi(struct zk_request *r, struct zk_txn *t)
{
	struct zk_multi_op	*o;
	size_t			 i;
	int			 rc;

	if (r->nops == 0 || r->nops > ZK_MULTI_MAX)
		return ZK_EBADARGUMENTS;
	t->type = ZK_TXN_MULTI;
	t->ops = zk_xcalloc(r->nops, sizeof(*t->ops));
	t->nops = r->nops;
	for (i = 0; i < r->nops; i++) {
		o = &r->ops[i];
		rc = check_path(o->path, o->op == ZK_OP_CREATE &&
		    (o->flags & ZK_CREATE_SEQUENTIAL));
		if (rc == ZK_OK && (o->version < -1 || (o->op != ZK_OP_CREATE &&
		    o->op != ZK_OP_DELETE && o->op != ZK_OP_SETDATA &&
		    o->op != ZK_OP_CHECK) || (o->flags & ~CREATE_FLAGS)))
			rc = ZK_EBADARGUMENTS;
		if (rc != ZK_OK) {
			zk_txn_close(t);
			memset(t, 0, sizeof(*t));
			return rc;
		}
		t->ops[i].type = o->op;
		t->ops[i].path = o->path;
		t->ops[i].data = o->data;
		t->ops[i].data_len = o->data_len;
		t->ops[i].version = o->version;
		t->ops[i].flags = o->flags;
		o->path = NULL;
		o->data = NULL;
	}
	return ZK_OK;
}

static void
new_session(struct zk_server *s, struct zk_conn *c, struct creq *q)
{
	struct zk_txn	 t;
	int32_t		 to = q->req.timeout_ms;

	/*
	 * ZooKeeper's session ids: the server id in the top byte and the
	 * start time below it, counting up; unique across restarts.
	 */
	if (s->next_session == 0)
		s->next_session = (int64_t)(((uint64_t)s->cfg.myid << 56) |
		    (((uint64_t)zk_now_wall_ms() << 24) >> 8));
	if (to < s->cfg.min_session_ms)
		to = s->cfg.min_session_ms;
	if (to > s->cfg.max_session_ms)
		to = s->cfg.max_session_ms;
	memset(&t, 0, sizeof(t));
	t.type = ZK_TXN_CREATE_SESSION;
	t.session_id = ++s->next_session;
	t.timeout_ms = to;
	if (getrandom(t.passwd, sizeof(t.passwd), 0) != sizeof(t.passwd))
		for (size_t i = 0; i < sizeof(t.passwd); i++)
			t.passwd[i] = (unsigned char)random();
	c->connecting = 1;
	(void)propose(s, &t, c, q);
}

static void
reconnect(struct zk_server *s, struct zk_conn *c, struct creq *q)
{
	struct zk_session	*ss;
	struct zk_conn		*o;
	struct zk_reply		 rep;

	/*
	 * First: a client that has seen a newer state must go elsewhere. A
	 * tree that far behind cannot judge the session either: it may have
	 * been made after the point this replica has reached.
	 */
	if (q->req.last_zxid > s->db.last_zxid) {
		zk_peer_log(s, "client %s: session 0x%llx has seen zxid 0x%llx,"
		    " ahead of ours 0x%llx; refusing", c->name,
		    (unsigned long long)q->req.session_id,
		    (unsigned long long)q->req.last_zxid,
		    (unsigned long long)s->db.last_zxid);
		fail(q, ZK_ENOTSERVING);
		return;
	}
	ss = zk_sessions_find(s->db.sessions, q->req.session_id);
	if (ss == NULL || ss->closing ||
	    memcmp(ss->passwd, q->req.passwd, ZK_PASSWD_LEN) != 0) {
		fail(q, ZK_ESESSIONEXPIRED);
		return;
	}
	/* A session lives on one connection: the newest one wins. */
	TAILQ_FOREACH(o, &s->conns, entry)
		if (o != c && o->session_id == ss->id)
			zk_conn_close_later(o);
	c->session_id = ss->id;
	c->touched = 1;
	zk_sessions_touch(s->db.sessions, ss->id, zk_now_mono_ms());
	memset(&rep, 0, sizeof(rep));
	rep.xid = q->req.xid;
	rep.zxid = s->db.last_zxid;
	rep.session_id = ss->id;
	rep.timeout_ms = ss->timeout_ms;
	memcpy(rep.passwd, ss->passwd, ZK_PASSWD_LEN);
	rep.has_session = 1;
	zk_conn_send(c, &rep, q->start_us);
	q->kind = CREQ_DONE;	/* answered: nothing more to send */
}

/* Invariant (3): q blocks its connection until zxid is applied. */
static void
wait_sync(struct zk_server *s, struct zk_conn *c, struct creq *q,
    int64_t zxid)
{
	struct syncwait	*w = zk_xmalloc(sizeof(*w));

	q->kind = CREQ_WRITE;
	w->conn = c;
	w->creq = q;
	w->zxid = zxid;
	w->tag = 0;
	w->next = s->syncs;
	s->syncs = w;
}

/* Unlinks and answers the sync w (answering drains its connection). */
static void
answer_sync(struct zk_server *s, struct syncwait **pw)
{
	struct syncwait	*w = *pw;
	struct zk_reply	 rep;

	*pw = w->next;
	memset(&rep, 0, sizeof(rep));
	rep.xid = w->creq->req.xid;
	rep.zxid = s->db.last_zxid;
	rep.path = w->creq->req.path;
	zk_conn_answer(w->conn, w->creq, &rep);
	free(w);
}

#ifdef ZK_PLANTED_BUGS
/*
 * Test builds only (build/tests/zk-peer-planted): with ZK_PLANTED_BUG=
 * stale-sync in the environment, a sync is answered from this replica's
 * tree at once, as if no leader had to be asked. A learner behind the
 * leader then serves stale reads; the linearizability test must see it.
 */
static int
planted_stale_sync(void)
{
	static int	 on = -1;
	const char	*v;

	if (on < 0)
		on = (v = getenv("ZK_PLANTED_BUG")) != NULL &&
		    strcmp(v, "stale-sync") == 0;
	return on;
}
#endif

/*
 * Invariant (3) in an ensemble: a barrier on the leader, asked for
 * directly there, through the leader elsewhere. The barrier comes back
 * (zk_pipeline_sync_done) after what was proposed before it is applied
 * here: on a learner, the leader's SYNCED follows its COMMITs.
 */
static void
ensemble_sync(struct zk_server *s, struct zk_conn *c, struct creq *q)
{
	int64_t	 tag = ++s->sync_next;

#ifdef ZK_PLANTED_BUGS
	if (planted_stale_sync())
		return;		/* answered as a read, from here */
#endif
	if (!s->leading && zk_forward_sync(s, tag) != ZK_OK) {
		fail(q, ZK_ENOTSERVING);
		return;
	}
	wait_sync(s, c, q, INT64_MAX);
	s->syncs->tag = tag;
	if (s->leading)
		zk_replica_sync(s, s->cfg.myid, tag);
}

/*
 * Answers the syncs waiting for zxids up to upto, one at a time: an
 * answer drains its connection, which may change the list.
 */
static void
answer_syncs(struct zk_server *s, int64_t upto)
{
	struct syncwait	**pw, *w;

	for (;;) {
		for (pw = &s->syncs; (w = *pw) != NULL; pw = &w->next)
			if (w->zxid <= upto)
				break;
		if (w == NULL)
			return;
		answer_sync(s, pw);
	}
}

void
zk_pipeline_sync_done(struct zk_server *s, int64_t tag)
{
	struct syncwait	**pw, *w;

	for (pw = &s->syncs; (w = *pw) != NULL; pw = &w->next)
		if (w->tag == tag) {
			answer_sync(s, pw);
			return;
		}
}

void
zk_pipeline_request(struct zk_conn *c, struct creq *q)
{
	struct zk_server	*s = c->peer;
	struct zk_request	*r = &q->req;
	struct zk_session	*ss;
	struct zk_txn		 t;
	int			 rc;

	q->kind = CREQ_READ;
	memset(&t, 0, sizeof(t));
	/* After closeSession, or once expiry has begun, the session is over. */
	if (r->op != ZK_OP_CONNECT && (c->closed_session ||
	    ((ss = zk_sessions_find(s->db.sessions, c->session_id)) != NULL &&
	    ss->closing))) {
		fail(q, ZK_ESESSIONEXPIRED);
		return;
	}
	switch (r->op) {
	case ZK_OP_CONNECT:
		if (r->session_id == 0)
			new_session(s, c, q);
		else
			reconnect(s, c, q);
		return;
	case ZK_OP_GETDATA:
	case ZK_OP_EXISTS:
	case ZK_OP_GETCHILDREN:
	case ZK_OP_ADDWATCH:
	case ZK_OP_REMOVEWATCH:
		if ((rc = check_path(r->path, 0)) != ZK_OK)
			fail(q, rc);
		return;
	case ZK_OP_SETWATCHES:
		if ((rc = check_watch_paths(r)) != ZK_OK)
			fail(q, rc);
		return;
	case ZK_OP_MULTI:
		if ((rc = prep_multi(r, &t)) != ZK_OK)
			{ fail(q, rc); return; }
		break;
	case ZK_OP_SYNC:
		if ((rc = check_path(r->path, 0)) != ZK_OK)
			fail(q, rc);
		else if (s->rep != NULL)
			ensemble_sync(s, c, q);
		else if (s->ptail != NULL)
			wait_sync(s, c, q, s->ptail->txn.zxid);
		return;
	case ZK_OP_CREATE:
		if ((rc = check_path(r->path,
		    r->flags & ZK_CREATE_SEQUENTIAL)) != ZK_OK)
			{ fail(q, rc); return; }
		if (r->flags & ~CREATE_FLAGS)
			{ fail(q, ZK_EBADARGUMENTS); return; }
		t.type = ZK_TXN_CREATE;
		t.flags = r->flags;
		break;
	case ZK_OP_DELETE:
		if ((rc = check_path(r->path, 0)) != ZK_OK)
			{ fail(q, rc); return; }
		t.type = ZK_TXN_DELETE;
		break;
	case ZK_OP_SETDATA:
		if ((rc = check_path(r->path, 0)) != ZK_OK)
			{ fail(q, rc); return; }
		t.type = ZK_TXN_SETDATA;
		break;
	case ZK_OP_CLOSE:
		t.type = ZK_TXN_CLOSE_SESSION;
		if ((ss = zk_sessions_find(s->db.sessions,
		    c->session_id)) != NULL)
			ss->closing = 1;	/* no reconnect, no expiry twice */
		c->closed_session = 1;
		break;
	default:
		{ fail(q, ZK_EUNIMPLEMENTED); return; }
	}
	if (r->version < -1)
		{ fail(q, ZK_EBADARGUMENTS); return; }
	t.session_id = c->session_id;
	t.version = r->version;
	t.path = r->path;
	t.data = r->data;
	t.data_len = r->data_len;
	r->path = NULL;
	r->data = NULL;
	(void)propose(s, &t, c, q);
}

void
zk_pipeline_read(struct zk_conn *c, struct creq *q)
{
	struct zk_server	*s = c->peer;
	struct zk_node		*n = NULL;
	struct zk_reply		 rep;
	const char		**names = NULL;

	switch (q->req.op) {
	case ZK_OP_ADDWATCH:
	case ZK_OP_REMOVEWATCH:
	case ZK_OP_SETWATCHES:
		zk_notify_request(c, q);
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.xid = q->req.xid;
	rep.zxid = s->db.last_zxid;
	if (q->req.op != ZK_OP_SYNC &&
	    (n = zk_tree_find(s->db.tree, q->req.path)) == NULL)
		rep.err = ZK_ENONODE;
	else switch (q->req.op) {
	case ZK_OP_GETDATA:
		rep.data = (char *)zk_node_data(n, &rep.data_len);
		rep.has_data = 1;
		/* FALLTHROUGH */
	case ZK_OP_EXISTS:
		rep.stat = *zk_node_stat(n);
		rep.has_stat = 1;
		break;
	case ZK_OP_GETCHILDREN:
		names = zk_node_children_sorted(n, &rep.nchildren);
		rep.children = (char **)names;
		rep.stat = *zk_node_stat(n);
		rep.has_stat = 1;
		break;
	case ZK_OP_SYNC:
		/* Nothing was in flight when it came (invariant (3)). */
		rep.path = q->req.path;
		break;
	}
	/* Invariant (4): exists watches a missing node too. */
	if (q->req.watch && (n != NULL || q->req.op == ZK_OP_EXISTS) &&
	    q->req.op != ZK_OP_SYNC && zk_notify_oneshot(c, q->req.path,
	    q->req.op == ZK_OP_GETCHILDREN ? ZK_WATCH_CHILD :
	    ZK_WATCH_DATA) != ZK_OK) {
		/* Over the connection's bound: the read without its watch. */
		memset(&rep, 0, sizeof(rep));
		rep.xid = q->req.xid;
		rep.zxid = s->db.last_zxid;
		rep.err = ZK_EBUSY;
	}
	zk_conn_send(c, &rep, q->start_us);
	free(names);
}

/* Closes every connection bound to a session that has just ended. */
static void
drop_session_conns(struct zk_server *s, int64_t id, struct zk_conn *origin)
{
	struct zk_conn	*c;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (c != origin && c->session_id == id && !c->closing) {
			c->session_id = 0;
			zk_conn_close_later(c);
		}
}

/* A multi's reply: each op's outcome, or which op failed. */
static void
multi_reply(const struct zk_result *res, struct zk_reply *rep)
{
	size_t	 i;

	if (res->err != ZK_OK) {
		rep->fail_index = res->fail_index;
		rep->has_fail_index = 1;
		return;
	}
	rep->results = zk_xcalloc(res->nops + 1, sizeof(*rep->results));
	rep->nresults = res->nops;
	for (i = 0; i < res->nops; i++) {
		rep->results[i].err = res->ops[i].err;
		rep->results[i].path = res->ops[i].path;	/* borrowed */
		rep->results[i].stat = res->ops[i].stat;
		rep->results[i].has_stat = res->ops[i].path != NULL ||
		    res->ops[i].stat.mzxid != 0;
	}
}

static void
apply(struct zk_server *s, struct proposal *p)
{
	struct zk_result	 res;
	struct zk_error		 e;
	struct zk_reply		 rep;
	struct zk_conn		*c = p->conn;
	const struct zk_txn	*t = &p->txn;

	memset(&res, 0, sizeof(res));
	if (zk_db_apply(&s->db, t, zk_now_mono_ms(), &res, &e) != ZK_OK) {
		zk_peer_log(s, "zxid 0x%llx: cannot apply: %s",
		    (unsigned long long)t->zxid, e.msg);
		res.err = ZK_ESYSTEM;
	}
	s->since_snap++;	/* its watch events went from the db's hook */
	if (t->type == ZK_TXN_CLOSE_SESSION)
		drop_session_conns(s, t->session_id, c);
	if (p->creq == NULL || c == NULL) {
		zk_result_close(&res);
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.xid = p->creq->req.xid;
	rep.zxid = t->zxid;
	rep.err = res.err;
	switch (t->type) {
	case ZK_TXN_CREATE:
		rep.path = res.path;
		/* FALLTHROUGH */
	case ZK_TXN_SETDATA:
		rep.stat = res.stat;
		rep.has_stat = res.err == ZK_OK;
		break;
	case ZK_TXN_MULTI:
		multi_reply(&res, &rep);
		break;
	case ZK_TXN_CREATE_SESSION:
		c->connecting = 0;
		if (res.err != ZK_OK)
			break;
		c->session_id = t->session_id;
		rep.session_id = t->session_id;
		rep.timeout_ms = t->timeout_ms;
		memcpy(rep.passwd, t->passwd, ZK_PASSWD_LEN);
		rep.has_session = 1;
		break;
	}
	if (t->type == ZK_TXN_CLOSE_SESSION)
		c->session_id = 0;	/* the drain closes c after the reply */
	zk_conn_answer(c, p->creq, &rep);
	free(rep.results);
	zk_result_close(&res);
}

/* Applies, in zxid order, every proposal at the head that has its quorum. */
static void
commit(struct zk_server *s)
{
	struct proposal	*p;

	while ((p = s->phead) != NULL && p->acks >= s->quorum) {
		s->phead = p->next;
		if (s->phead == NULL)
			s->ptail = NULL;
		s->nproposals--;
		apply(s, p);
		proposal_free(p);
	}
	if (s->syncs != NULL)
		answer_syncs(s, s->db.last_zxid);
	zk_peer_maybe_snapshot(s);
}

/* p, unlinked already, did not happen: its request fails with err. */
static void
drop(struct zk_server *s, struct proposal *p, int err)
{
	struct zk_session	*ss;

	s->nproposals--;
	if (p->txn.type == ZK_TXN_CLOSE_SESSION &&
	    (ss = zk_sessions_find(s->db.sessions, p->txn.session_id)) != NULL)
		ss->closing = 0;	/* expiry will try again */
	if (p->creq != NULL) {
		fail(p->creq, err);
		p->creq->prop = NULL;
		if (p->txn.type == ZK_TXN_CREATE_SESSION)
			p->conn->connecting = 0;
		zk_conn_drain(p->conn);
	}
	proposal_free(p);
}

/* The log could not take proposals from failed on: none of them happened. */
static void
fail_from(struct zk_server *s, int64_t failed, int err)
{
	struct proposal		**pp = &s->phead, *p;
	struct syncwait		*w;

	while ((p = *pp) != NULL) {
		if (p->txn.zxid < failed) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		drop(s, p, err);
	}
	s->ptail = NULL;
	for (p = s->phead; p != NULL; p = p->next)
		s->ptail = p;
	s->next_zxid = failed;
	s->gen++;
	/* A sync waits for what was proposed before it and still stands. */
	for (w = s->syncs; w != NULL; w = w->next)
		if (w->zxid >= failed)
			w->zxid = s->ptail != NULL ? s->ptail->txn.zxid : 0;
}

void
zk_pipeline_log_done(void *arg, int err, int64_t durable, int64_t failed,
    const struct zk_error *e)
{
	struct zk_server	*s = arg;
	struct proposal		*p;

	for (p = s->phead; p != NULL && p->txn.zxid <= durable; p = p->next)
		if (p->acks == 0)
			p->acks = 1;	/* our own durable copy */
	if (err != ZK_OK) {
		zk_peer_log(s, "log write failed at zxid 0x%llx: %s",
		    (unsigned long long)failed, e != NULL ? e->msg :
		    zk_error_str(err));
		fail_from(s, failed, ZK_EIO);
	}
	commit(s);
}

void
zk_pipeline_expire(struct zk_server *s, int64_t now_ms)
{
	struct zk_session	*ss;
	struct zk_txn		 t;
	int64_t			 ids[64];
	size_t			 i, n;

	n = zk_sessions_expired(s->db.sessions, now_ms, ids, 64);
	for (i = 0; i < n; i++) {
		if ((ss = zk_sessions_find(s->db.sessions, ids[i])) == NULL)
			continue;
		zk_peer_log(s, "session 0x%llx expired after %d ms",
		    (unsigned long long)ids[i], ss->timeout_ms);
		ss->closing = 1;
		memset(&t, 0, sizeof(t));
		t.type = ZK_TXN_CLOSE_SESSION;
		t.session_id = ids[i];
		(void)propose(s, &t, NULL, NULL);
	}
}

void
zk_pipeline_conn_gone(struct zk_conn *c)
{
	struct zk_server	*s = c->peer;
	struct syncwait		**pw, *w;
	struct creq		*q;

	for (q = c->qhead; q != NULL; q = q->next)
		if (q->prop != NULL) {
			q->prop->creq = NULL;
			q->prop->conn = NULL;
		}
	for (pw = &s->syncs; (w = *pw) != NULL; )
		if (w->conn == c) {
			*pw = w->next;
			free(w);
		} else
			pw = &w->next;
}

/* The txn of zxid from the committed bytes, checked. */
static int
decode_committed(int64_t zxid, const void *data, size_t len,
    struct zk_txn *t, struct zk_error *e)
{
	if (zk_txn_decode(data, len, t, e) != ZK_OK)
		return e->code;
	if (t->zxid != zxid) {
		zk_txn_close(t);
		return zk_error_set(e, ZK_ECORRUPT, "the txn of zxid 0x%llx "
		    "says zxid 0x%llx", (unsigned long long)zxid,
		    (unsigned long long)t->zxid);
	}
	return ZK_OK;
}

int
zk_pipeline_commit(struct zk_server *s, int64_t zxid, const void *data,
    size_t len, struct zk_error *e)
{
	struct proposal	*p, rp;

	/* Proposals ZAB passed over were cut from the history. */
	while ((p = s->phead) != NULL && p->txn.zxid < zxid) {
		s->phead = p->next;
		drop(s, p, ZK_ECONNLOSS);
	}
	if (s->phead == NULL)
		s->ptail = NULL;
	memset(&rp, 0, sizeof(rp));
	if (p != NULL && p->txn.zxid == zxid) {
		/* A learner's own: the leader's bytes, its zxid and time. */
		if (p->forwarded &&
		    decode_committed(zxid, data, len, &rp.txn, e) != ZK_OK)
			return e->code;
		s->phead = p->next;
		if (s->phead == NULL)
			s->ptail = NULL;
		s->nproposals--;
		if (p->forwarded) {
			zk_txn_close(&p->txn);
			p->txn = rp.txn;
		}
		apply(s, p);
		proposal_free(p);
	} else {
		if (decode_committed(zxid, data, len, &rp.txn, e) != ZK_OK)
			return e->code;
		if (zxid <= s->db.last_zxid) {
			zk_txn_close(&rp.txn);
			return zk_error_set(e, ZK_ESYSTEM, "zxid 0x%llx is not "
			    "after the tree's 0x%llx", (unsigned long long)zxid,
			    (unsigned long long)s->db.last_zxid);
		}
		apply(s, &rp);
		zk_txn_close(&rp.txn);
	}
	if (s->syncs != NULL)
		answer_syncs(s, s->db.last_zxid);
	zk_peer_maybe_snapshot(s);
	return ZK_OK;
}

void
zk_pipeline_drop_all(struct zk_server *s, int err)
{
	struct proposal	*p;
	struct syncwait	*w;

	while ((p = s->phead) != NULL) {
		s->phead = p->next;
		drop(s, p, err);
	}
	s->ptail = NULL;
	s->pending = NULL;
	while ((w = s->syncs) != NULL) {
		s->syncs = w->next;
		w->creq->prop = NULL;
		fail(w->creq, err);
		zk_conn_drain(w->conn);
		free(w);
	}
}

void
zk_pipeline_accepted(struct zk_server *s, int64_t fwd_id, int64_t zxid)
{
	struct proposal	**pp, *p = s->pending, *t;

	if (p == NULL || p->fwd_id != fwd_id) {
		/* Invariant (6) broken: our bug; the client times out. */
		zk_peer_log(s, "ACCEPTED for request %lld, but the next "
		    "waiting is %lld", (long long)fwd_id,
		    p != NULL ? (long long)p->fwd_id : -1LL);
		return;
	}
	/* Invariant (6): those after it wait for their zxids too. */
	s->pending = p->next;
	if (zxid >= 0) {
		p->txn.zxid = zxid;
		stamp_ops(&p->txn);
		return;
	}
	for (pp = &s->phead; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	if (s->ptail == p) {
		s->ptail = NULL;
		for (t = s->phead; t != NULL; t = t->next)
			s->ptail = t;
	}
	drop(s, p, ZK_ENOTSERVING);
}

int64_t
zk_pipeline_propose_forwarded(struct zk_server *s, int sid, const void *data,
    size_t len)
{
	struct zk_session	*ss;
	struct zk_error		 e;
	struct zk_txn		 t;

	if (!s->leading)
		return -1;
	if (zk_txn_decode(data, len, &t, &e) != ZK_OK) {
		zk_peer_log(s, "a request forwarded by %d: %s", sid, e.msg);
		return -1;
	}
	switch (t.type) {
	case ZK_TXN_CLOSE_SESSION:
		if ((ss = zk_sessions_find(s->db.sessions,
		    t.session_id)) != NULL)
			ss->closing = 1;	/* no expiry twice */
		break;
	case ZK_TXN_CREATE:
	case ZK_TXN_DELETE:
	case ZK_TXN_SETDATA:
	case ZK_TXN_CREATE_SESSION:
	case ZK_TXN_MULTI:
		break;
	default:
		zk_peer_log(s, "a request forwarded by %d has txn type %d",
		    sid, t.type);
		zk_txn_close(&t);
		return -1;
	}
	return propose(s, &t, NULL, NULL);
}

int64_t
zk_pipeline_propose_own(struct zk_server *s, struct zk_txn *t)
{
	if (s->rep != NULL && !s->leading)
		return -1;
	return propose(s, t, NULL, NULL);
}
