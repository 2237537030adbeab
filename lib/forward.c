/*
 * Clients on a follower or observer: what they ask that only the leader
 * can do goes to it over the learner's quorum link, as the shell's own
 * messages beside ZAB's (zab.h FWD_*), and the leader's side of each
 * (share/doc/replication.md "Clients on every server").
 *
 *   learner                              leader
 *   write  -> REQUEST(n, txn)       ->   propose as its own client's
 *          <- ACCEPTED(zxid, n)     <-   (or zxid -1: refused)
 *             ... PROPOSAL, COMMIT or INFORM: applied, client answered
 *   sync   -> SYNC(tag)             ->   barrier (zab.h (8))
 *          <- SYNCED(tag)           <-   after the COMMITs before it
 *   tick   -> SESSIONS(ids)         ->   touch each: only it expires them
 *
 * Invariants:
 *  (1) Messages on one link arrive in the order sent, and the leader
 *      answers REQUESTs in arrival order, so ACCEPTEDs come back in the
 *      order of the learner's proposal list (peer.h (6)).
 *  (2) The leader's SYNCED and ACCEPTED go on the same link as its
 *      PROPOSALs, COMMITs and INFORMs: a SYNCED arrives after the commit
 *      of everything proposed before its sync, and an ACCEPTED before the
 *      commit of its zxid.
 *  (3) Only the serving leader acts on REQUEST, SYNC and SESSIONS; a
 *      learner acts on ACCEPTED and SYNCED only from the leader it
 *      serves with. Anything else is dropped: whoever sent it has lost
 *      or will lose the link, and its clients get a connection loss.
 */
#include <string.h>

#include "peer.h"

/* Session ids in SESSIONS: 8 bytes each, big-endian. */
#define SESSION_BYTES	8

static int
to_leader(struct zk_server *s, int type, int64_t zxid, const void *data,
    size_t len)
{
	struct zk_zab_msg	 m;
	int			 leader = zk_replica_leader(s);

	if (leader == 0)
		return ZK_ENOTSERVING;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.zxid = zxid;
	m.data = data;
	m.len = len;
	return zk_replica_send(s, leader, &m) == ZK_OK ? ZK_OK :
	    ZK_ENOTSERVING;
}

int
zk_forward_write(struct zk_server *s, struct proposal *p)
{
	p->fwd_id = ++s->fwd_next;
	s->out.len = 0;
	zk_txn_encode(&s->out, &p->txn);
	return to_leader(s, ZK_ZAB_FWD_REQUEST, p->fwd_id, s->out.data,
	    s->out.len);
}

int
zk_forward_sync(struct zk_server *s, int64_t tag)
{
	return to_leader(s, ZK_ZAB_FWD_SYNC, tag, NULL, 0);
}

void
zk_forward_sessions(struct zk_server *s)
{
	struct zk_conn	*c;
	unsigned char	*p;
	size_t		 n = 0;
	uint64_t	 id;
	int		 i;

	if (zk_replica_leader(s) == 0)
		return;
	s->out.len = 0;
	TAILQ_FOREACH(c, &s->conns, entry) {
		/* A paused connection cannot read pings: it is the proof. */
		if (c->session_id == 0 || (!c->touched && !c->paused))
			continue;
		c->touched = 0;
		zk_buf_reserve(&s->out, SESSION_BYTES);
		p = (unsigned char *)s->out.data + s->out.len;
		id = (uint64_t)c->session_id;
		for (i = 0; i < SESSION_BYTES; i++)
			p[i] = (unsigned char)(id >> (8 * (SESSION_BYTES - 1 -
			    i)));
		s->out.len += SESSION_BYTES;
		n++;
	}
	if (n > 0)
		(void)to_leader(s, ZK_ZAB_FWD_SESSIONS, 0, s->out.data,
		    s->out.len);
}

/* Leader: SESSIONS: each session was heard from just now. */
static void
touch_sessions(struct zk_server *s, const struct zk_zab_msg *m)
{
	const unsigned char	*p = m->data;
	int64_t			 now = zk_now_mono_ms();
	uint64_t		 id;
	size_t			 i, j;

	for (i = 0; i + SESSION_BYTES <= m->len; i += SESSION_BYTES) {
		for (id = 0, j = 0; j < SESSION_BYTES; j++)
			id = id << 8 | p[i + j];
		zk_sessions_touch(s->db.sessions, (int64_t)id, now);
	}
}

/* Leader: REQUEST: propose it, then say which zxid it got (1). */
static void
take_request(struct zk_server *s, int sid, const struct zk_zab_msg *m)
{
	struct zk_zab_msg	 a;

	memset(&a, 0, sizeof(a));
	a.type = ZK_ZAB_FWD_ACCEPTED;
	a.prev = m->zxid;
	a.zxid = zk_pipeline_propose_forwarded(s, sid, m->data, m->len);
	(void)zk_replica_send(s, sid, &a);
}

void
zk_forward_msg(struct zk_server *s, int sid, const struct zk_zab_msg *m)
{
	int	 leading = s->leading, learning = s->serving && !s->leading &&
		    sid == zk_replica_leader(s);

	switch (m->type) {
	case ZK_ZAB_FWD_REQUEST:
		if (leading)
			take_request(s, sid, m);
		return;
	case ZK_ZAB_FWD_SYNC:
		if (leading)
			zk_replica_sync(s, sid, m->zxid);
		return;
	case ZK_ZAB_FWD_SESSIONS:
		if (leading)
			touch_sessions(s, m);
		return;
	case ZK_ZAB_FWD_ACCEPTED:
		if (learning)
			zk_pipeline_accepted(s, m->prev, m->zxid);
		return;
	case ZK_ZAB_FWD_SYNCED:
		if (learning)
			zk_pipeline_sync_done(s, m->zxid);
		return;
	}
}

void
zk_forward_sync_done(struct zk_server *s, int sid, int64_t tag)
{
	struct zk_zab_msg	 m;

	if (sid == s->cfg.myid) {
		zk_pipeline_sync_done(s, tag);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = ZK_ZAB_FWD_SYNCED;
	m.zxid = tag;
	(void)zk_replica_send(s, sid, &m);
}
