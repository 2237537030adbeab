/*
 * Client connections of a peer: accepting within the limits, cutting the
 * byte stream into frames, the per-connection queue that keeps replies in
 * request order, and back-pressure.
 *
 * Invariants (peer.h (2), (3)):
 *  (1) Replies leave in request order: only the head of the queue is ever
 *      sent; a write answered early waits, encoded, for its turn, and a
 *      write not yet applied blocks everything behind it.
 *  (2) A connection with cfg.max_outstanding queued requests, or with more
 *      than OUT_HIGH bytes of replies its client has not read, stops
 *      reading and answering until it has drained: memory per connection
 *      is bounded by what its client reads.
 *  (4) A closing connection answers nothing more: its queue is freed and
 *      its proposals forget it at once.
 *  (3) A frame that breaks the protocol gets one error reply (xid 0) and
 *      the connection is closed: the rest of its stream cannot be trusted.
 *  (5) An ensemble member that does not serve (looking, or not yet in
 *      broadcast) answers status and refuses anything else with
 *      ZK_ENOTSERVING, closing the connection, so that the client moves
 *      on to another server.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "path.h"
#include "peer.h"

#define OUT_HIGH	(4 * 1024 * 1024)	/* unread reply bytes */

static void	 conn_read(struct bufferevent *, void *);
static void	 conn_write(struct bufferevent *, void *);
static void	 conn_event(struct bufferevent *, short, void *);

static size_t
count_from(struct zk_server *s, const char *addr)
{
	struct zk_conn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (strcmp(c->addr, addr) == 0)
			n++;
	return n;
}

static void
sockaddr_names(const struct sockaddr *sa, char *addr, size_t alen,
    char *name, size_t nlen)
{
	char	 host[INET6_ADDRSTRLEN] = "?";
	int	 port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(addr, alen, "%s", host);
	snprintf(name, nlen, "%s:%d", host, port);
}

void
zk_conn_accept(struct zk_server *s, evutil_socket_t fd,
    const struct sockaddr *sa, int salen)
{
	struct zk_conn	*c;
	char		 addr[64], name[80];
	int		 one = 1;

	(void)salen;
	sockaddr_names(sa, addr, sizeof(addr), name, sizeof(name));
	/*
	 * ZooKeeper's maxClientCnxns is per client address; over it the
	 * connection is closed at once, as ZooKeeper does.
	 */
	if (s->cfg.max_client_cnxns > 0 &&
	    count_from(s, addr) >= (size_t)s->cfg.max_client_cnxns) {
		zk_peer_log(s, "client %s: too many connections from %s "
		    "(maxClientCnxns %d), closing", name, addr,
		    s->cfg.max_client_cnxns);
		evutil_closesocket(fd);
		return;
	}
	c = zk_xcalloc(1, sizeof(*c));
	c->peer = s;
	c->accepted_ms = zk_now_mono_ms();
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	snprintf(c->name, sizeof(c->name), "%s", name);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	evutil_make_socket_nonblocking(fd);
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	/* Past the total bound the listener pauses: back-pressure, not refusal. */
	if (++s->nconns >= (size_t)s->cfg.max_connections)
		evconnlistener_disable(s->listener);
}

static void
creq_free(struct creq *q)
{
	zk_request_close(&q->req);
	zk_buf_close(&q->reply);
	free(q);
}

/* Invariant (4): nothing more will be answered on c. */
static void
forget_queue(struct zk_conn *c)
{
	struct creq	*q, *next;

	zk_pipeline_conn_gone(c);
	for (q = c->qhead; q != NULL; q = next) {
		next = q->next;
		creq_free(q);
	}
	c->qhead = c->qtail = NULL;
	c->nq = 0;
}

void
zk_conn_free(struct zk_conn *c)
{
	struct zk_server	*s = c->peer;

	forget_queue(c);
	zk_watches_drop_owner(s->watches, c);
	TAILQ_REMOVE(&s->conns, c, entry);
	if (s->nconns-- >= (size_t)s->cfg.max_connections)
		evconnlistener_enable(s->listener);
	bufferevent_free(c->bev);
	free(c);
}

void
zk_conn_close_later(struct zk_conn *c)
{
	/*
	 * Never frees at once: callers up the stack still hold c. The write
	 * callback frees it once the output is flushed (now, if it is).
	 */
	c->closing = 1;
	forget_queue(c);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

void
zk_conn_abort(struct zk_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	/*
	 * What its client did not read goes now: nothing waits for it. A
	 * socket bufferevent keeps its output's start frozen (only it sends
	 * from there): thawed for the drain.
	 */
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_freeze(out, 1);
	/*
	 * As close_later, but the queue stays until the free: this may run
	 * while a request of c is being answered (an addWatch's replay).
	 * Closing, c answers nothing more (zk_conn_drain).
	 */
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

static void
latency(struct zk_server *s, int64_t start_us)
{
	int64_t	 us;

	if (start_us <= 0)
		return;
	us = zk_now_mono_us() - start_us;
	if (s->lat_n == 0 || us < s->lat_min)
		s->lat_min = us;
	if (us > s->lat_max)
		s->lat_max = us;
	s->lat_sum += us;
	s->lat_n++;
}

void
zk_conn_send(struct zk_conn *c, const struct zk_reply *rep, int64_t start_us)
{
	struct zk_server	*s = c->peer;

	s->out.len = 0;
	zk_proto_encode_reply(&s->out, rep);
	bufferevent_write(c->bev, s->out.data, s->out.len);
	latency(s, start_us);
}

static void
send_encoded(struct zk_conn *c, struct creq *q)
{
	bufferevent_write(c->bev, q->reply.data, q->reply.len);
	latency(c->peer, q->start_us);
}

static void
send_error(struct zk_conn *c, int64_t xid, int err, int64_t start_us)
{
	struct zk_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.xid = xid;
	rep.zxid = c->peer->db.last_zxid;
	rep.err = err;
	zk_conn_send(c, &rep, start_us);
}

/* Protocol broken: one error reply, then close (invariant (3)). */
static void
reject(struct zk_conn *c, const struct zk_error *e)
{
	zk_peer_log(c->peer, "client %s: %s; closing", c->name, e->msg);
	send_error(c, 0, e->code, 0);
	zk_conn_close_later(c);
}

static size_t
unread(struct zk_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

static void
pause_reading(struct zk_conn *c)
{
	c->paused = 1;
	bufferevent_disable(c->bev, EV_READ);
}

static void
resume(struct zk_conn *c)
{
	if (!c->paused || c->closing ||
	    c->nq > (size_t)c->peer->cfg.max_outstanding / 2 ||
	    unread(c) > OUT_HIGH)
		return;
	c->paused = 0;
	bufferevent_enable(c->bev, EV_READ);
	/* Frames may already sit in the input buffer: look at them again. */
	bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

static void
pop(struct zk_conn *c)
{
	struct creq	*q = c->qhead;

	c->qhead = q->next;
	if (c->qhead == NULL)
		c->qtail = NULL;
	c->nq--;
	creq_free(q);
}

/*
 * Answers what stands at the head of the queue, up to the first write not
 * yet applied, while the client keeps up with reading (invariant (2)).
 */
void
zk_conn_drain(struct zk_conn *c)
{
	struct creq	*q;

	while ((q = c->qhead) != NULL && !c->closing) {
		if (q->kind == CREQ_WRITE)
			break;
		if (unread(c) > OUT_HIGH) {
			pause_reading(c);
			return;		/* conn_write drains again */
		}
		if (q->kind == CREQ_READ) {
			zk_pipeline_read(c, q);
			if (c->closing)
				return;	/* cut off while reading (abort) */
		} else if (q->kind == CREQ_ERROR)
			send_error(c, q->req.xid, q->err, q->start_us);
		else if (q->kind == CREQ_REPLY)
			send_encoded(c, q);
		/* A refused connect ends the connection: there is no session. */
		if (q->req.op == ZK_OP_CONNECT && c->session_id == 0) {
			zk_conn_close_later(c);
			return;
		}
		/* After closeSession is answered the connection ends. */
		if (q->req.op == ZK_OP_CLOSE && q->kind == CREQ_REPLY) {
			zk_conn_close_later(c);
			return;
		}
		pop(c);
	}
	resume(c);
}

void
zk_conn_answer(struct zk_conn *c, struct creq *q, const struct zk_reply *rep)
{
	q->kind = CREQ_REPLY;
	q->prop = NULL;
	zk_proto_encode_reply(&q->reply, rep);
	zk_conn_drain(c);
}

static void
enqueue(struct zk_conn *c, struct creq *q)
{
	q->next = NULL;
	if (c->qtail != NULL)
		c->qtail->next = q;
	else
		c->qhead = q;
	c->qtail = q;
	c->nq++;
}

static void
handle(struct zk_conn *c, struct creq *q)
{
	struct zk_server	*s = c->peer;
	struct zk_error		 e;
	struct zk_reply		 rep;
	char			*json;

	q->start_us = zk_now_mono_us();
	if (s->rep != NULL && !s->serving && q->req.op != ZK_OP_STATUS) {
		/* Invariant (5). */
		send_error(c, q->req.xid, ZK_ENOTSERVING, 0);
		creq_free(q);
		zk_conn_close_later(c);
		return;
	}
	if (c->session_id != 0) {
		zk_sessions_touch(s->db.sessions, c->session_id,
		    zk_now_mono_ms());
		c->touched = 1;	/* a learner tells the leader (forward.c) */
	}
	switch (q->req.op) {
	case ZK_OP_STATUS:	/* needs no session, answered at once */
		memset(&rep, 0, sizeof(rep));
		rep.xid = q->req.xid;
		rep.zxid = s->db.last_zxid;
		rep.status_json = json = zk_peer_status_json(s);
		zk_conn_send(c, &rep, 0);
		free(json);
		creq_free(q);
		return;
	case ZK_OP_PING:	/* liveness: never waits behind writes */
		send_error(c, q->req.xid, ZK_OK, 0);
		creq_free(q);
		return;
	case ZK_OP_CONNECT:
		if (c->session_id != 0 || c->connecting) {
			creq_free(q);
			zk_error_set(&e, ZK_EMARSHALLING,
			    "connect on a connection that has a session");
			reject(c, &e);
			return;
		}
		break;
	default:
		if (c->session_id == 0) {
			creq_free(q);
			zk_error_set(&e, ZK_ESESSIONEXPIRED,
			    "request before a session was established");
			reject(c, &e);
			return;
		}
	}
	enqueue(c, q);
	zk_pipeline_request(c, q);
	if (c->closing)
		return;
	zk_conn_drain(c);
	if (!c->closing && c->nq >= (size_t)s->cfg.max_outstanding)
		pause_reading(c);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct zk_conn		*c = arg;
	struct zk_server	*s = c->peer;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct zk_error		 e;
	struct creq		*q;
	unsigned char		 hdr[ZK_FRAME_HDR];
	uint32_t		 len;
	size_t			 avail;
	char			*p;
	int			 rc;

	while (!c->closing && !c->paused) {
		avail = evbuffer_get_length(in);
		if (avail < ZK_FRAME_HDR)
			break;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		if (zk_frame_check(hdr, s->cfg.max_data + ZK_FRAME_OVERHEAD,
		    &len, &e) != ZK_OK) {
			reject(c, &e);
			return;
		}
		if (avail < ZK_FRAME_HDR + (size_t)len)
			break;
		p = (char *)evbuffer_pullup(in, ZK_FRAME_HDR + len);
		q = zk_xcalloc(1, sizeof(*q));
		rc = zk_proto_decode_request(p + ZK_FRAME_HDR, len,
		    s->cfg.max_data, &q->req, &e);
		evbuffer_drain(in, ZK_FRAME_HDR + len);
		if (rc != ZK_OK) {
			free(q);
			reject(c, &e);
			return;
		}
		handle(c, q);
		if (!c->closing && unread(c) > OUT_HIGH)
			pause_reading(c);
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct zk_conn	*c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			zk_conn_free(c);
	} else {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			c->replay_unread = 0;	/* read it all */
		zk_conn_drain(c);	/* answers what waited, then resumes */
	}
}

void
zk_conn_reap_idle(struct zk_server *s, int64_t now_ms, int64_t limit_ms)
{
	struct zk_conn	*c;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (c->session_id == 0 && !c->connecting && !c->closing &&
		    now_ms - c->accepted_ms > limit_ms) {
			zk_peer_log(s, "client %s: no session after %lld ms; "
			    "closing", c->name, (long long)limit_ms);
			zk_conn_close_later(c);
		}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct zk_conn	*c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		zk_conn_free(c);
}
