/*
 * The client session on libevent: one connection at a time to one server
 * of the connect string, the session handshake on it, pings, and the FIFO
 * of pipelined requests waiting for their replies. Parsing and resolving
 * the connect string's addresses is servers.c's.
 *
 * Connection states (c->conn):
 *
 *           conn_start        CONNECTED          connect reply ok
 *   IDLE -------------> TCP -----------> HANDSHAKE -----------> READY
 *    ^                   |                   |                    |
 *    +-- attempt_failed -+-------------------+                    |
 *    |   (next server; after a full round, a pause of 50 ms       |
 *    |    doubling to 1 s)                                        |
 *    +-- lost (next server at once) ------------------------------+
 *
 *   | from      | event                          | to        | function       |
 *   |-----------|--------------------------------|-----------|----------------|
 *   | IDLE      | zk_client_new, pause over      | TCP       | conn_start     |
 *   | TCP       | BEV_EVENT_CONNECTED            | HANDSHAKE | on_event       |
 *   | TCP, HS   | error, EOF, attempt timer      | IDLE      | attempt_failed |
 *   | HANDSHAKE | reply ENOTSERVING or other err | IDLE      | attempt_failed |
 *   | HANDSHAKE | reply ok                       | READY     | established    |
 *   | HANDSHAKE | reply ESESSIONEXPIRED          | EXPIRED   | finish         |
 *   | READY     | EOF, error, silent 2/3 timeout | IDLE      | lost           |
 *   | READY     | reply out of order, bad frame  | IDLE      | lost           |
 *   | READY     | reply to closeSession          | CLOSED    | finish         |
 *   | not READY | connect_timeout_ms passed      | FAILED    | on_deadline    |
 *
 * The public state is CONNECTING until READY, CONNECTED in READY, and
 * EXPIRED, CLOSED or FAILED for good after that. FAILED answers
 * ZK_ETIMEOUT when some server took the connection and then said nothing
 * in time, ZK_EUNREACHABLE when every attempt was refused, reset or
 * declined ("not serving").
 *
 * Invariants (client.h's (1)-(3), and):
 *  (4) pending[0 .. nsent) went out on the current connection, in order;
 *      the rest wait, already encoded in the same order, in backlog.
 *  (5) bev != NULL exactly when conn is TCP, HANDSHAKE or READY.
 *  (6) A user callback may free the client: every path that calls one
 *      checks c->freed afterwards, and the struct itself goes only when
 *      the outermost libevent callback returns (enter/leave).
 *  (7) No user callback runs inside zk_client_submit or zk_client_close:
 *      what they refuse is answered from the loop (reject_ev).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "client.h"
#include "client_watch.h"
#include "error.h"
#include "proto.h"
#include "servers.h"
#include "util.h"

/* Replies may carry long child lists; the server bounds what it sends. */
#define MAX_FRAME	(16 * 1024 * 1024)
/*
 * Pauses after a round of failures grow by half each round: a client
 * waiting out an election tries again soon after the ensemble serves
 * (at most about a third of the time waited so far), while a dead
 * ensemble sees one round per second at most.
 */
#define PAUSE_MIN_MS	20	/* first pause after a round of failures */
#define PAUSE_MAX_MS	1000
#define ATTEMPT_MIN_MS	500	/* per-server connect + handshake, at least */
#define DEFAULT_SERVERS	"127.0.0.1:2181"
#define DEFAULT_TIMEOUT	10000

enum conn {
	C_IDLE,
	C_TCP,
	C_HANDSHAKE,
	C_READY,
};

/* One request waiting for its reply. */
struct pend {
	int64_t		 xid;
	zk_reply_fn	 fn;		/* NULL: our own closeSession */
	void		*arg;
	char		*wpath;		/* a read that sets a watch: its path */
	int		 wop;		/* and its op */
};

/* A FIFO of pend; capacity is a power of two. */
struct ring {
	struct pend	*v;
	size_t		 cap;
	size_t		 head;
	size_t		 len;
};

struct zk_client {
	struct event_base	*base;
	zk_watch_fn		 watch;
	void			*arg;

	char			**servers;	/* "host:port" each */
	size_t			 nservers;
	size_t			 cur;		/* the server tried or in use */
	size_t			 failures;	/* failed attempts this round */
	int64_t			 pause_ms;	/* next pause after a round */
	int			 slow;		/* a server took us, hung */
	int			 refusal;	/* last error a server answered connect with */

	int			 state;		/* enum zk_client_state */
	int			 conn;		/* enum conn */
	int			 closing;	/* zk_client_close was called */
	int			 term_err;	/* answer once terminal */
	struct bufferevent	*bev;

	struct event		*attempt_ev;	/* attempt timeout; the pause */
	struct event		*hb_ev;		/* pings, silence */
	struct event		*deadline_ev;	/* connect_timeout_ms */
	struct event		*reject_ev;	/* answers rejects, deferred */

	int32_t			 req_timeout_ms;	/* asked for */
	int32_t			 timeout_ms;	/* negotiated */
	int64_t			 connect_timeout_ms;
	int64_t			 session_id;
	unsigned char		 passwd[ZK_PASSWD_LEN];
	int64_t			 last_zxid;
	int64_t			 next_xid;
	int64_t			 last_send_ms;
	int64_t			 last_recv_ms;

	struct zk_cwatch	*cw;		/* watches to set again */
	struct ring		 pending;	/* submitted, unanswered */
	size_t			 nsent;		/* invariant (4) */
	struct ring		 rejects;	/* refused, to answer */
	struct zk_buf		 backlog;	/* encoded, not yet sent */
	struct zk_buf		 out;		/* frames for this connection */
	size_t			 out_off;	/* bytes of out already sent */
	int			 fd;		/* the connected socket; -1 */
	struct event		*wr_ev;		/* fd writable, send blocked */
	struct event		*flush_ev;	/* sends out once per turn */
	int			 flush_queued;

	int			 depth;		/* callbacks under way */
	int			 freed;		/* zk_client_free was called */
};

static void	conn_start(struct zk_client *);
static void	attempt_failed(struct zk_client *);
static void	drop(struct zk_client *);
static void	on_read(struct bufferevent *, void *);
static void	on_event(struct bufferevent *, short, void *);

/* The FIFO */

static void
ring_push(struct ring *r, const struct pend *p)
{
	struct pend	*v;
	size_t		 i, cap;

	if (r->len == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		v = zk_xcalloc(cap, sizeof(*v));
		for (i = 0; i < r->len; i++)
			v[i] = r->v[(r->head + i) & (r->cap - 1)];
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	r->v[(r->head + r->len) & (r->cap - 1)] = *p;
	r->len++;
}

static void
ring_pop(struct ring *r, struct pend *p)
{
	*p = r->v[r->head];
	r->head = (r->head + 1) & (r->cap - 1);
	r->len--;
}

/* Reentrancy (invariant (6)) */

static void
destroy(struct zk_client *c)
{
	struct event	*evs[] = { c->attempt_ev, c->hb_ev, c->deadline_ev,
			    c->reject_ev, c->flush_ev };
	size_t		 i;

	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	free(c->pending.v);
	free(c->rejects.v);
	zk_cwatch_free(c->cw);
	zk_buf_close(&c->backlog);
	zk_buf_close(&c->out);
	zk_servers_free(c->servers, c->nservers);
	free(c);
}

static void
enter(struct zk_client *c)
{
	c->depth++;
}

static void
leave(struct zk_client *c)
{
	if (--c->depth == 0 && c->freed)
		destroy(c);
}

/* Answers */

static void
answer_err(struct zk_client *c, const struct pend *p, int err)
{
	struct zk_reply	 rep;

	free(p->wpath);
	if (p->fn == NULL)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.xid = p->xid;
	rep.zxid = c->last_zxid;
	rep.err = err;
	p->fn(c, &rep, p->arg);
}

/* Pops the first n pending, each answered with err, unless freed meanwhile. */
static void
fail_first(struct zk_client *c, size_t n, int err)
{
	struct pend	 p;

	while (n-- > 0 && c->pending.len > 0 && !c->freed) {
		ring_pop(&c->pending, &p);
		if (c->nsent > 0)
			c->nsent--;
		answer_err(c, &p, err);
	}
}

/* Every pending request, sent or not; the backlog goes with them. */
static void
fail_all(struct zk_client *c, int err)
{
	c->backlog.len = 0;
	fail_first(c, c->pending.len, err);
}

static void
on_reject(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;
	struct pend		 p;

	(void)fd;
	(void)what;
	enter(c);
	while (c->rejects.len > 0 && !c->freed) {
		ring_pop(&c->rejects, &p);
		answer_err(c, &p, c->term_err);
	}
	leave(c);
}

static void
notify(struct zk_client *c, int state)
{
	c->state = state;
	if (c->watch != NULL && !c->freed)
		c->watch(c, state, NULL, c->arg);
}

/* Connections */

static int
terminal(int state)
{
	return state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED ||
	    state == ZK_STATE_FAILED;
}

static void
teardown(struct zk_client *c)
{
	if (c->wr_ev != NULL) {
		event_free(c->wr_ev);
		c->wr_ev = NULL;
	}
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->fd = -1;
	c->out.len = 0;
	c->out_off = 0;
	event_del(c->attempt_ev);
	event_del(c->hb_ev);
	c->conn = C_IDLE;
	c->nsent = 0;
}

static void
timer_ms(struct event *ev, int64_t ms)
{
	struct timeval	 tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

static void
arm_deadline(struct zk_client *c)
{
	c->slow = 0;
	c->refusal = 0;
	if (c->connect_timeout_ms > 0)
		timer_ms(c->deadline_ev, c->connect_timeout_ms);
}

/* Enters a terminal state: no connection, every request answered with err. */
static void
finish(struct zk_client *c, int state, int err)
{
	teardown(c);
	event_del(c->deadline_ev);
	c->state = state;
	c->term_err = err;
	fail_all(c, err);
	if (!c->freed)
		zk_cwatch_fail_lost(c->cw, c, err);
	if (c->rejects.len > 0)
		event_active(c->reject_ev, EV_TIMEOUT, 0);
	notify(c, state);
}

/*
 * Frames go out through our own send(2) with MSG_NOSIGNAL rather than the
 * bufferevent's writev(2): a server that dies under us must cost a
 * connection, not the whole process by SIGPIPE, and the tools cannot
 * ignore SIGPIPE since their stdout should still end them like cat(1).
 * Everything queued during one loop turn leaves in one send.
 */
static void
kick(struct zk_client *c)
{
	if (!c->flush_queued) {
		c->flush_queued = 1;
		event_active(c->flush_ev, EV_WRITE, 0);
	}
}

static void
send_frame(struct zk_client *c, const struct zk_request *req)
{
	zk_proto_encode_request(&c->out, req);
	c->last_send_ms = zk_now_mono_ms();
	kick(c);
}

static void
flush(struct zk_client *c)
{
	ssize_t	 n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.data + c->out_off,
		    c->out.len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Keep appending at the end; reclaim the front now. */
			if (c->out_off > c->out.len / 2) {
				memmove(c->out.data, c->out.data + c->out_off,
				    c->out.len - c->out_off);
				c->out.len -= c->out_off;
				c->out_off = 0;
			}
			event_add(c->wr_ev, NULL);
			return;
		}
		drop(c);	/* EPIPE, ECONNRESET: the connection is gone */
		return;
	}
	c->out.len = 0;
	c->out_off = 0;
	event_del(c->wr_ev);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;

	(void)fd;
	(void)what;
	c->flush_queued = 0;
	if (c->fd < 0 || c->freed)
		return;
	enter(c);
	flush(c);
	leave(c);
}

static void
arm_hb(struct zk_client *c)
{
	int64_t	 now = zk_now_mono_ms(), t = c->timeout_ms;
	int64_t	 ping_at, dead_at;

	ping_at = c->last_send_ms + t / 3;
	dead_at = c->last_recv_ms + t * 2 / 3;
	timer_ms(c->hb_ev, (ping_at < dead_at ? ping_at : dead_at) - now + 1);
}

/*
 * The connection under a session is gone: what was sent has an unknown
 * outcome (invariant (1)), what waits in the backlog goes to the next
 * server, which is tried at once since this one may well be dead.
 */
static void
lost(struct zk_client *c)
{
	size_t	 n = c->nsent;

	teardown(c);
	if (c->closing) {
		finish(c, ZK_STATE_CLOSED, ZK_ECONNLOSS);
		return;
	}
	c->state = ZK_STATE_CONNECTING;
	arm_deadline(c);
	fail_first(c, n, ZK_ECONNLOSS);
	notify(c, ZK_STATE_CONNECTING);
	if (c->freed || c->conn != C_IDLE || terminal(c->state))
		return;
	c->cur = (c->cur + 1) % c->nservers;
	c->failures = 0;
	conn_start(c);
}

static void
drop(struct zk_client *c)
{
	if (c->conn == C_READY)
		lost(c);
	else if (c->conn != C_IDLE)
		attempt_failed(c);
}

/*
 * This server did not give us a session: try the next, and after a whole
 * round of failures pause, longer each round, so that a dead ensemble is
 * not hammered.
 */
static void
attempt_failed(struct zk_client *c)
{
	teardown(c);
	c->cur = (c->cur + 1) % c->nservers;
	if (++c->failures < c->nservers) {
		conn_start(c);
		return;
	}
	c->failures = 0;
	timer_ms(c->attempt_ev, c->pause_ms);
	c->pause_ms += c->pause_ms / 2;
	if (c->pause_ms > PAUSE_MAX_MS)
		c->pause_ms = PAUSE_MAX_MS;
}

static void
conn_start(struct zk_client *c)
{
	struct sockaddr_storage	 ss;
	struct bufferevent	*bev;
	int64_t			 ms;
	int			 sslen;

	if (zk_client_resolve(c->servers[c->cur], &ss, &sslen, NULL) != ZK_OK) {
		c->conn = C_TCP;	/* counted as a failed attempt */
		attempt_failed(c);
		return;
	}
	bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		c->conn = C_TCP;
		attempt_failed(c);
		return;
	}
	c->bev = bev;
	c->conn = C_TCP;
	ms = c->req_timeout_ms / (int64_t)c->nservers;
	timer_ms(c->attempt_ev, ms < ATTEMPT_MIN_MS ? ATTEMPT_MIN_MS : ms);
	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	bufferevent_enable(bev, EV_READ);
	/* A synchronous failure has already gone through on_event. */
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss,
	    sslen) < 0 && c->bev == bev) {
		attempt_failed(c);
		return;
	}
	/*
	 * A command a tool runs (zk-set -e -- CMD) must not inherit the
	 * session's socket: it would hold the connection open after us.
	 */
	if (c->bev == bev && bufferevent_getfd(bev) >= 0)
		evutil_make_socket_closeonexec(bufferevent_getfd(bev));
}

static void
send_connect(struct zk_client *c)
{
	struct zk_request	 req;

	memset(&req, 0, sizeof(req));
	req.xid = 0;
	req.op = ZK_OP_CONNECT;
	req.session_id = c->session_id;
	req.timeout_ms = c->req_timeout_ms;
	req.last_zxid = c->last_zxid;	/* invariant (3) */
	memcpy(req.passwd, c->passwd, ZK_PASSWD_LEN);
	send_frame(c, &req);
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;

	(void)fd;
	(void)what;
	enter(c);
	flush(c);
	leave(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct zk_client	*c = arg;
	evutil_socket_t		 fd;
	int			 one = 1;

	if (bev != c->bev)
		return;
	enter(c);
	if (what & BEV_EVENT_CONNECTED) {
		fd = bufferevent_getfd(bev);
		/* Small request frames must not wait for Nagle. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		c->wr_ev = event_new(c->base, fd, EV_WRITE | EV_PERSIST,
		    on_writable, c);
		if (c->wr_ev == NULL) {
			drop(c);
			leave(c);
			return;
		}
		c->fd = fd;
		c->conn = C_HANDSHAKE;
		send_connect(c);
	} else if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		drop(c);
	leave(c);
}

/* The connect reply: the session is ours, refused, or gone. */
static void
established(struct zk_client *c, const struct zk_reply *rep)
{
	int64_t	 now;
	int	 resumed;

	if (rep->xid != 0) {
		/* Not a connect reply: whatever this is, it is no server. */
		attempt_failed(c);
		return;
	}
	if (rep->err == ZK_ESESSIONEXPIRED ||
	    (rep->err == ZK_OK && c->session_id != 0 && rep->has_session &&
	    rep->session_id != c->session_id)) {
		finish(c, ZK_STATE_EXPIRED, ZK_ESESSIONEXPIRED);
		return;
	}
	if (rep->err != ZK_OK || !rep->has_session) {
		/* Not serving, behind our last zxid, busy: try the next. */
		if (rep->err != ZK_OK && rep->err != ZK_ENOTSERVING)
			c->refusal = rep->err;
		attempt_failed(c);
		return;
	}
	resumed = c->session_id != 0;
	c->session_id = rep->session_id;
	memcpy(c->passwd, rep->passwd, ZK_PASSWD_LEN);
	c->timeout_ms = rep->timeout_ms > 0 ? rep->timeout_ms :
	    c->req_timeout_ms;
	c->conn = C_READY;
	c->failures = 0;
	c->pause_ms = PAUSE_MIN_MS;
	event_del(c->attempt_ev);
	event_del(c->deadline_ev);
	/* Invariant (4) of client.h: watches first, before any request. */
	if (resumed && zk_cwatch_resume(c->cw, c->last_zxid, &c->out) > 0)
		kick(c);
	if (c->backlog.len > 0) {
		zk_buf_append(&c->out, c->backlog.data, c->backlog.len);
		c->backlog.len = 0;
		kick(c);
	}
	c->nsent = c->pending.len;
	now = zk_now_mono_ms();
	c->last_send_ms = c->last_recv_ms = now;
	arm_hb(c);
	notify(c, ZK_STATE_CONNECTED);
}

/* One decoded frame on the connection bev. */
/*
 * A persistent watch added again after a reconnect was answered: a
 * refusal (the events since are gone) is the user's to hear, as an event.
 */
static void
readd_done(struct zk_client *c, const struct zk_reply *rep)
{
	struct zk_reply	 ev;
	zk_reply_fn	 fn;
	void		*arg;
	char		*path;

	zk_cwatch_readd_reply(c->cw, rep, &path, &fn, &arg);
	if (fn != NULL)
		fn(c, rep, arg);
	if (path == NULL)
		return;
	if (!c->freed && c->watch != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.xid = ZK_XID_EVENT;
		ev.zxid = rep->zxid;
		ev.err = rep->err;
		ev.path = path;
		c->watch(c, c->state, &ev, c->arg);
	}
	free(path);
}

static void
handle(struct zk_client *c, const struct zk_reply *rep)
{
	struct pend	 p;
	int		 kind;

	if (rep->zxid > c->last_zxid)
		c->last_zxid = rep->zxid;
	if (c->conn == C_HANDSHAKE) {
		established(c, rep);
		return;
	}
	if (rep->xid == ZK_XID_EVENT) {
		if (zk_cwatch_event(c->cw, rep) && c->watch != NULL)
			c->watch(c, c->state, rep, c->arg);
		return;
	}
	zk_cwatch_progress(c->cw, rep->zxid);
	if (rep->xid == ZK_XID_PING || rep->xid == ZK_XID_SETWATCHES)
		return;
	if (rep->xid == ZK_XID_READD) {
		readd_done(c, rep);
		return;
	}
	if (c->nsent == 0 || c->pending.v[c->pending.head].xid != rep->xid) {
		/* The stream broke FIFO order: trust it no more. */
		lost(c);
		return;
	}
	ring_pop(&c->pending, &p);
	c->nsent--;
	if (p.wpath != NULL) {
		if ((kind = zk_cwatch_kind(p.wop, rep->err)) != 0)
			zk_cwatch_armed(c->cw, p.wpath, kind);
		free(p.wpath);
	}
	if (p.fn == NULL) {
		finish(c, ZK_STATE_CLOSED, ZK_ECONNLOSS);
		return;
	}
	p.fn(c, rep, p.arg);
	if (c->freed || terminal(c->state) || c->conn != C_READY)
		return;
	if (rep->err == ZK_ESESSIONEXPIRED)
		finish(c, ZK_STATE_EXPIRED, ZK_ESESSIONEXPIRED);
	else if (rep->err == ZK_ENOTSERVING)
		lost(c);	/* it went LOOKING: find one that serves */
}

/*
 * Frames: the 4-byte header says how much to wait for; a frame is decoded
 * only once it is all buffered, from one contiguous copy of exactly it.
 */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct zk_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct zk_reply		 rep;
	unsigned char		 hdr[ZK_FRAME_HDR], *p;
	uint32_t		 len;
	int			 rc;

	if (bev != c->bev)
		return;
	enter(c);
	c->last_recv_ms = zk_now_mono_ms();
	while (evbuffer_get_length(in) >= ZK_FRAME_HDR) {
		evbuffer_copyout(in, hdr, ZK_FRAME_HDR);
		if (zk_frame_check(hdr, MAX_FRAME, &len, NULL) != ZK_OK) {
			drop(c);
			break;
		}
		if (evbuffer_get_length(in) < ZK_FRAME_HDR + (size_t)len)
			break;
		p = evbuffer_pullup(in, ZK_FRAME_HDR + (ev_ssize_t)len);
		rc = zk_proto_decode_reply((const char *)p + ZK_FRAME_HDR, len,
		    &rep, NULL);
		evbuffer_drain(in, ZK_FRAME_HDR + (size_t)len);
		if (rc != ZK_OK) {
			drop(c);
			break;
		}
		handle(c, &rep);
		zk_reply_close(&rep);
		if (c->freed || c->bev != bev)
			break;
	}
	leave(c);
}

/* The attempt timer: an attempt took too long, or a pause is over. */
static void
on_attempt(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;

	(void)fd;
	(void)what;
	enter(c);
	if (c->conn == C_IDLE) {
		if (!terminal(c->state))
			conn_start(c);
	} else {
		if (c->conn == C_HANDSHAKE)
			c->slow = 1;
		attempt_failed(c);
	}
	leave(c);
}

/*
 * Pings when nothing was sent for a third of the timeout; a server silent
 * for two thirds of it is taken for dead while the session still lives,
 * leaving a third to reach another server (ZooKeeper's ClientCnxn rule).
 */
static void
on_hb(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;
	struct zk_request	 req;
	int64_t			 now = zk_now_mono_ms();

	(void)fd;
	(void)what;
	if (c->conn != C_READY)
		return;
	enter(c);
	if (now - c->last_recv_ms >= (int64_t)c->timeout_ms * 2 / 3)
		lost(c);
	else {
		if (now - c->last_send_ms >= c->timeout_ms / 3) {
			memset(&req, 0, sizeof(req));
			req.xid = ZK_XID_PING;
			req.op = ZK_OP_PING;
			send_frame(c, &req);
		}
		arm_hb(c);
	}
	leave(c);
}

/*
 * No session within connect_timeout_ms. A server that took the connection
 * and then said nothing makes it a timeout; refusals alone (closed ports,
 * resets, "not serving") make it unreachable.
 */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct zk_client	*c = arg;
	int			 err;

	(void)fd;
	(void)what;
	if (c->conn == C_READY || terminal(c->state))
		return;
	enter(c);
	/*
	 * A server that answered with a reason (its disk is full: ZK_EIO)
	 * says more than "unreachable".
	 */
	err = c->refusal != 0 ? c->refusal : c->slow ||
	    c->conn == C_HANDSHAKE ? ZK_ETIMEOUT : ZK_EUNREACHABLE;
	finish(c, ZK_STATE_FAILED, err);
	leave(c);
}

/* The API */

struct zk_client *
zk_client_new(struct event_base *base, const struct zk_client_opts *opts,
    zk_watch_fn watch, void *arg, struct zk_error *e)
{
	struct zk_client	*c;
	const char		*servers = opts != NULL ? opts->servers : NULL;
	char			**list;
	size_t			 n;
	uint64_t		 r;

	if (servers == NULL)
		servers = getenv("ZK_SERVERS");
	if (servers == NULL || *servers == '\0')
		servers = DEFAULT_SERVERS;
	if (zk_servers_parse(servers, &list, &n, e) != ZK_OK)
		return NULL;
	c = zk_xcalloc(1, sizeof(*c));
	c->cw = zk_cwatch_new();
	c->base = base;
	c->watch = watch;
	c->arg = arg;
	c->servers = list;
	c->nservers = n;
	/* Spread clients over the ensemble: a mixed clock and pid is enough. */
	r = (uint64_t)zk_now_mono_us() * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)getpid() * 0xbf58476d1ce4e5b9ULL ^ (uintptr_t)c;
	r ^= r >> 31;
	c->cur = (size_t)(r % n);
	if (opts != NULL && opts->start_at > 0)
		c->cur = (size_t)(opts->start_at - 1) % n;
	c->pause_ms = PAUSE_MIN_MS;
	c->state = ZK_STATE_CONNECTING;
	c->conn = C_IDLE;
	c->term_err = ZK_ECONNLOSS;
	c->req_timeout_ms = opts != NULL && opts->session_timeout_ms > 0 ?
	    opts->session_timeout_ms : DEFAULT_TIMEOUT;
	c->timeout_ms = c->req_timeout_ms;
	c->connect_timeout_ms = opts != NULL ? opts->connect_timeout_ms : 0;
	c->next_xid = 1;
	c->fd = -1;
	c->flush_ev = event_new(base, -1, 0, on_flush, c);
	c->attempt_ev = evtimer_new(base, on_attempt, c);
	c->hb_ev = evtimer_new(base, on_hb, c);
	c->deadline_ev = evtimer_new(base, on_deadline, c);
	c->reject_ev = event_new(base, -1, 0, on_reject, c);
	if (c->attempt_ev == NULL || c->hb_ev == NULL ||
	    c->deadline_ev == NULL || c->reject_ev == NULL ||
	    c->flush_ev == NULL) {
		destroy(c);
		zk_error_set(e, ZK_ESYSTEM, "cannot create timers");
		return NULL;
	}
	enter(c);
	arm_deadline(c);
	conn_start(c);
	leave(c);
	return c;
}

void
zk_client_submit(struct zk_client *c, const struct zk_request *req,
    zk_reply_fn fn, void *arg)
{
	struct zk_request	 r;
	struct pend		 p;

	p.xid = c->next_xid++;
	p.fn = fn;
	p.arg = arg;
	p.wpath = NULL;
	p.wop = req->op;
	if (req->watch && req->path != NULL &&
	    zk_cwatch_kind(req->op, ZK_OK) != 0)
		p.wpath = zk_xstrdup(req->path);
	if (c->freed) {
		answer_err(c, &p, ZK_ECONNLOSS);
		return;
	}
	if (terminal(c->state) || c->closing) {
		/* Answered from the loop, never from inside this call. */
		ring_push(&c->rejects, &p);
		event_active(c->reject_ev, EV_TIMEOUT, 0);
		return;
	}
	r = *req;
	r.xid = p.xid;
	ring_push(&c->pending, &p);
	if (c->conn == C_READY) {
		send_frame(c, &r);
		c->nsent++;
	} else
		zk_proto_encode_request(&c->backlog, &r);
}

void
zk_client_close(struct zk_client *c)
{
	struct zk_request	 req;
	struct pend		 p;

	if (c->freed || terminal(c->state) || c->closing)
		return;
	c->closing = 1;
	if (c->session_id == 0) {
		/* No session to close: done now; no callback runs in here. */
		teardown(c);
		event_del(c->deadline_ev);
		c->state = ZK_STATE_CLOSED;
		c->term_err = ZK_ECONNLOSS;
		while (c->pending.len > 0) {
			ring_pop(&c->pending, &p);
			ring_push(&c->rejects, &p);
		}
		c->backlog.len = 0;
		if (c->rejects.len > 0)
			event_active(c->reject_ev, EV_TIMEOUT, 0);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_CLOSE;
	req.xid = c->next_xid++;
	p.xid = req.xid;
	p.fn = NULL;
	p.arg = NULL;
	p.wpath = NULL;
	ring_push(&c->pending, &p);
	if (c->conn == C_READY) {
		send_frame(c, &req);
		c->nsent++;
	} else
		zk_proto_encode_request(&c->backlog, &req);
}

void
zk_client_free(struct zk_client *c)
{
	struct pend	 p;

	if (c == NULL || c->freed)
		return;
	c->freed = 1;
	enter(c);
	teardown(c);
	event_del(c->deadline_ev);
	event_del(c->reject_ev);
	/* c->freed is set: the loops run on whatever the callbacks do. */
	c->backlog.len = 0;
	while (c->pending.len > 0) {
		ring_pop(&c->pending, &p);
		answer_err(c, &p, ZK_ECONNLOSS);
	}
	while (c->rejects.len > 0) {
		ring_pop(&c->rejects, &p);
		answer_err(c, &p, terminal(c->state) ? c->term_err :
		    ZK_ECONNLOSS);
	}
	zk_cwatch_fail_lost(c->cw, c, ZK_ECONNLOSS);
	leave(c);
}

int
zk_client_state(const struct zk_client *c)
{
	return c->state;
}

int64_t
zk_client_session_id(const struct zk_client *c)
{
	return c->session_id;
}

int64_t
zk_client_last_zxid(const struct zk_client *c)
{
	return c->last_zxid;
}

const char *
zk_client_server(const struct zk_client *c)
{
	return c->conn != C_IDLE ? c->servers[c->cur] : "";
}

size_t
zk_client_pending(const struct zk_client *c)
{
	return c->pending.len + c->rejects.len;
}

int
zk_client_error(const struct zk_client *c)
{
	return terminal(c->state) ? c->term_err : ZK_OK;
}

int32_t
zk_client_session_timeout(const struct zk_client *c)
{
	return c->timeout_ms;
}

struct zk_cwatch *
zk_client_cwatch(struct zk_client *c)
{
	return c->cw;
}
