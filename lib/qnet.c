/*
 * The peer links of one member (qnet.h): two listeners, the election and
 * quorum connections with their HELLOs, cutting streams into frames, and
 * handing notes and ZAB messages between the sockets and the callbacks.
 *
 * A link is one TCP connection:
 *
 *   dial() --> CONNECTING --connected--> UP --EOF, error, bad frame--> lost()
 *   accept --> HELLO -----valid HELLO--> UP
 *   any state --failure inside a zk_qnet_* call--> FAILING --timer 0--> lost()
 *   any state --zk_qnet_close, replaced, qnet freed--> link_free() (silent)
 *
 * lost() is the one place a link that broke by itself ends: it logs, reports
 * disconnected for a quorum link, and schedules the redial of an election
 * link we dial. link_free() ends a link without a word.
 *
 * Invariants:
 *  (1) A member's slot (elink, qlink) points at its current link or is
 *      NULL; a link leaves its slot in link_free and nowhere else, so a
 *      link that was replaced or closed can never be reported.
 *  (2) Callbacks are called from libevent's callbacks or the FAILING timer
 *      only (qnet.h (1)): a failure found inside a zk_qnet_* call moves the
 *      link to FAILING and lets the timer report it.
 *  (3) A link is never freed under its own read callback: link_free marks
 *      it dead while read_cb runs, and read_cb frees it on the way out.
 *  (4) Until its HELLO, an accepted connection is held to ZK_QNET_SMALL_FRAME
 *      and ZK_QNET_HELLO_MS, so strangers cost little.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "config.h"
#include "elect.h"
#include "error.h"
#include "proto.h"
#include "qnet.h"
#include "qproto.h"
#include "util.h"
#include "zab.h"

/*
 * An election link whose far end has not acknowledged our bytes for this
 * long is dead (TCP_USER_TIMEOUT); with keepalive this also bounds how
 * long an idle dead link goes unnoticed.
 */
#define ELECT_USER_TIMEOUT_MS	5000
#define ELECT_KEEPINTVL_S	1
#define ELECT_KEEPCNT		3

/*
 * Unsent bytes an election link may hold. Notes are ~40 bytes and the
 * election resends at most every resend_ms, so only a far end that reads
 * nothing gets here; the redial then carries the latest note.
 */
#define ELECT_MAX_OUT		(64 * 1024)

/* Frames above this are handed to libevent, not copied a second time. */
#define COPY_MAX		(64 * 1024)

/*
 * The most a ZAB frame's payload holds besides the data: an array of 7
 * with three int64s, a uint64, two ints and a bin header (qproto.h).
 */
#define ZAB_OVERHEAD		64

#define RELISTEN_MS		1000	/* accept failed (EMFILE): pause */
#define LISTEN_BACKLOG		64

enum link_state {
	L_CONNECTING,	/* ours: TCP connect under way */
	L_HELLO,	/* theirs: accepted, waiting for the HELLO */
	L_UP,		/* HELLO sent or received: frames flow */
	L_FAILING,	/* gone inside an API call; the timer calls lost() */
};

struct zk_qnet;

struct link {
	TAILQ_ENTRY(link)	 entry;		/* q->links */
	struct zk_qnet		*q;
	struct bufferevent	*bev;		/* owns the socket; NULL once gone */
	struct event		*timer;		/* connect, HELLO; FAILING: now */
	int			 port;		/* enum zk_qproto_port */
	int			 state;		/* enum link_state */
	int			 sid;		/* far member; 0 before its HELLO */
	int			 busy;		/* read_cb on the stack */
	int			 dead;		/* freed while busy: read_cb frees */
	int			 up;		/* has been UP */
	int			 dialing;	/* inside bufferevent_socket_connect */
	int			 dial_err;	/* errno of a failure in there */
	char			 name[64];	/* far end, "host:port" */
	char			 why[128];	/* FAILING: the reason */
};

struct member {
	struct zk_qnet		*q;
	int			 sid;
	struct sockaddr_storage	 elect_sa;	/* its election port */
	struct sockaddr_storage	 quorum_sa;	/* its quorum port */
	struct link		*elink;		/* election link, or NULL */
	struct link		*qlink;		/* quorum link, or NULL */
	struct event		*redial;	/* sid < myid: next dial */
	int			 retry_ms;	/* delay of the next redial */
	int64_t			 up_ms;		/* when elink came up */
	int			 down_logged;	/* this outage is logged */
	struct zk_elect_note	 last;		/* the latest note for it */
	int			 has_last;
};

struct zk_qnet {
	struct event_base	*base;
	struct zk_qnet_callbacks cb;
	void			*arg;
	int			 myid;
	struct sockaddr_storage	 self_sa;	/* my host, port 0: the source */
	socklen_t		 salen;		/* of every address here */
	struct evconnlistener	*lev[2];	/* election, quorum */
	struct event		*relisten;
	struct member		 m[ZK_MAX_SERVERS];	/* everyone but me */
	size_t			 nm;
	TAILQ_HEAD(, link)	 links;		/* every link, any state */
	struct zk_buf		 out;		/* encoding scratch */
};

static void	 read_cb(struct bufferevent *, void *);
static void	 event_cb(struct bufferevent *, short, void *);
static void	 lost(struct link *, const char *, int);

static void
qlog(struct zk_qnet *q, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;

	if (q->cb.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	q->cb.log(q->arg, line);
}

static void
addr_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN] = "?";
	int	 port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		evutil_inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host,
		    sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%s:%d", host, port);
}

/* A numeric address (no lookups on the loop) and a port into sa. */
static int
parse_addr(const char *host, int port, struct sockaddr_storage *sa,
    socklen_t *len)
{
	struct sockaddr_in	*in = (void *)sa;
	struct sockaddr_in6	*in6 = (void *)sa;

	memset(sa, 0, sizeof(*sa));
	if (port < 0 || port > 65535)
		return -1;
	if (evutil_inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (evutil_inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static struct member *
find(struct zk_qnet *q, int sid)
{
	size_t	 i;

	for (i = 0; i < q->nm; i++)
		if (q->m[i].sid == sid)
			return &q->m[i];
	return NULL;
}

/* Options every link gets; election links also the dead-link detection. */
static void
sockopts(evutil_socket_t fd, int port)
{
	int	 one = 1, v;

	/* Small notes and ACKs must not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (port != ZK_QPROTO_ELECTION)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
#ifdef TCP_KEEPIDLE
	v = ZK_QNET_KEEPALIVE_S;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = ELECT_KEEPINTVL_S;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = ELECT_KEEPCNT;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
#endif
#ifdef TCP_USER_TIMEOUT
	v = ELECT_USER_TIMEOUT_MS;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
#endif
	(void)v;
}

static void
timer_ms(struct event *ev, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Links */

static void	 on_link_timer(evutil_socket_t, short, void *);

static struct link *
link_new(struct zk_qnet *q, int port, int state, int sid)
{
	struct link	*l;

	l = zk_xcalloc(1, sizeof(*l));
	l->q = q;
	l->port = port;
	l->state = state;
	l->sid = sid;
	l->timer = evtimer_new(q->base, on_link_timer, l);
	if (l->timer == NULL) {
		fprintf(stderr, "zk: out of memory for a timer\n");
		abort();
	}
	TAILQ_INSERT_TAIL(&q->links, l, entry);
	return l;
}

/* Ends a link without a word (invariant (1)); see invariant (3). */
static void
link_free(struct link *l)
{
	struct zk_qnet	*q = l->q;
	struct member	*m = l->sid != 0 ? find(q, l->sid) : NULL;

	if (m != NULL && m->elink == l)
		m->elink = NULL;
	if (m != NULL && m->qlink == l)
		m->qlink = NULL;
	if (l->bev != NULL)
		bufferevent_free(l->bev);
	l->bev = NULL;
	event_free(l->timer);
	l->timer = NULL;
	TAILQ_REMOVE(&q->links, l, entry);
	if (l->busy)
		l->dead = 1;
	else
		free(l);
}

/*
 * A failure found inside a zk_qnet_* call: the socket goes now, the
 * report comes from the loop (invariant (2)).
 */
static void
fail_later(struct link *l, const char *why)
{
	snprintf(l->why, sizeof(l->why), "%s", why);
	if (l->bev != NULL)
		bufferevent_free(l->bev);
	l->bev = NULL;
	l->state = L_FAILING;
	evtimer_del(l->timer);
	timer_ms(l->timer, 0);
}

static void
free_frame(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

/*
 * Appends the frame in q->out to l's output and empties q->out. A large
 * frame (a SNAP) is handed over rather than copied again, which also
 * keeps the scratch buffer from holding a snapshot's worth of memory.
 */
static void
put_frame(struct link *l)
{
	struct zk_qnet	*q = l->q;
	struct evbuffer	*out = bufferevent_get_output(l->bev);

	if (q->out.len > COPY_MAX && evbuffer_add_reference(out, q->out.data,
	    q->out.len, free_frame, NULL) == 0) {
		zk_buf_init(&q->out);
		return;
	}
	bufferevent_write(l->bev, q->out.data, q->out.len);
	q->out.len = 0;
}

static void
send_hello(struct link *l)
{
	zk_qproto_encode_hello(&l->q->out, l->q->myid, l->port);
	put_frame(l);
}

/* Sends m's latest note on its election link, if both exist. */
static void
send_latest(struct member *m)
{
	struct link	*l = m->elink;
	char		 why[96];

	if (!m->has_last || l == NULL || l->state != L_UP)
		return;
	if (evbuffer_get_length(bufferevent_get_output(l->bev)) >
	    ELECT_MAX_OUT) {
		snprintf(why, sizeof(why), "over %d bytes unsent: the far "
		    "end reads nothing", ELECT_MAX_OUT);
		fail_later(l, why);
		return;
	}
	zk_qproto_encode_note(&m->q->out, &m->last);
	put_frame(l);
}

/*
 * Opens a link to m's port from our own host. A failure on the way is
 * reported from the loop: the link comes back FAILING.
 */
static struct link *
dial(struct zk_qnet *q, struct member *m, int port)
{
	const struct sockaddr_storage *sa;
	struct link	*l;
	evutil_socket_t	 fd;
	char		 why[128];
	int		 one = 1;

	sa = port == ZK_QPROTO_ELECTION ? &m->elect_sa : &m->quorum_sa;
	l = link_new(q, port, L_CONNECTING, m->sid);
	addr_name((const struct sockaddr *)sa, l->name, sizeof(l->name));
	fd = socket(sa->ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		goto fail;
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    evutil_make_socket_closeonexec(fd) != 0) {
		evutil_closesocket(fd);
		goto fail;
	}
#ifdef IP_BIND_ADDRESS_NO_PORT
	/* The port is picked at connect(2), so 4-tuples may share it. */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
#endif
	(void)one;
	/* qnet.h: the source is our host, so a firewall rule cuts one pair. */
	if (bind(fd, (const struct sockaddr *)&q->self_sa, q->salen) != 0) {
		evutil_closesocket(fd);
		goto fail;
	}
	sockopts(fd, port);
	l->bev = bufferevent_socket_new(q->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		evutil_closesocket(fd);
		goto fail;
	}
	bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
	/*
	 * libevent reports a failure it sees at once through event_cb, from
	 * inside this call; dialing makes event_cb note it for us instead.
	 */
	bufferevent_enable(l->bev, EV_READ);
	l->dialing = 1;
	if (bufferevent_socket_connect(l->bev, (const struct sockaddr *)sa,
	    q->salen) != 0) {
		l->dialing = 0;
		if (l->dial_err != 0)
			errno = l->dial_err;
		goto fail;
	}
	l->dialing = 0;
	timer_ms(l->timer, ZK_QNET_CONNECT_MS);
	return l;
fail:
	snprintf(why, sizeof(why), "connect: %s", strerror(errno));
	fail_later(l, why);
	return l;
}

static void
schedule_redial(struct member *m)
{
	timer_ms(m->redial, m->retry_ms);
	m->retry_ms *= 2;
	if (m->retry_ms > ZK_QNET_RETRY_MAX_MS)
		m->retry_ms = ZK_QNET_RETRY_MAX_MS;
}

static void
on_redial(evutil_socket_t fd, short what, void *arg)
{
	struct member	*m = arg;

	(void)fd;
	(void)what;
	if (m->elink == NULL)
		m->elink = dial(m->q, m, ZK_QPROTO_ELECTION);
}

/*
 * The link broke by itself (EOF, error, timeout, bad input): the one
 * place that tells anyone. bad: the far end broke the protocol, which is
 * logged even before its HELLO.
 */
static void
lost(struct link *l, const char *why, int bad)
{
	struct zk_qnet	*q = l->q;
	struct member	*m = l->sid != 0 ? find(q, l->sid) : NULL;
	int		 sid = l->sid, was_up = l->up, port = l->port;
	int		 slot, dialer;
	char		 name[sizeof(l->name)];

	memcpy(name, l->name, sizeof(name));
	if (l->state == L_HELLO) {
		if (bad)
			qlog(q, "%s connection from %s refused: %s",
			    zk_qproto_port_name(port), name, why);
		link_free(l);
		return;
	}
	slot = m != NULL && (m->elink == l || m->qlink == l);
	link_free(l);
	if (port == ZK_QPROTO_QUORUM) {
		qlog(q, "quorum link with sid %d lost: %s", sid, why);
		q->cb.disconnected(q->arg, sid);
		return;
	}
	if (!slot)
		return;
	dialer = sid < q->myid;
	if (was_up) {
		qlog(q, "election link %s sid %d down: %s",
		    dialer ? "to" : "from", sid, why);
		m->down_logged = 1;
		/* A link that held a while is redialled quickly again. */
		if (zk_now_mono_ms() - m->up_ms >= ZK_QNET_RETRY_MAX_MS)
			m->retry_ms = ZK_QNET_RETRY_MS;
	} else if (!m->down_logged) {
		qlog(q, "election link to sid %d (%s): %s; redialling",
		    sid, name, why);
		m->down_logged = 1;
	}
	if (dialer)
		schedule_redial(m);
}

/* Input the far end should not have sent: close it (qnet.h (2)). */
static void
bad(struct link *l, const char *fmt, ...)
{
	char	 why[300];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	lost(l, why, 1);
}

static void
link_up(struct link *l, struct member *m)
{
	struct zk_qnet	*q = l->q;

	l->state = L_UP;
	l->up = 1;
	if (l->port == ZK_QPROTO_ELECTION) {
		m->up_ms = zk_now_mono_ms();
		m->down_logged = 0;
		qlog(q, "election link %s sid %d up",
		    l->sid < q->myid ? "to" : "from", l->sid);
		send_latest(m);
	} else
		q->cb.connected(q->arg, l->sid);
}

static void
on_connected(struct link *l)
{
	struct member	*m = find(l->q, l->sid);

	evtimer_del(l->timer);
	send_hello(l);
	link_up(l, m);
}

static void
on_hello(struct link *l, const char *p, size_t n)
{
	struct zk_qnet		*q = l->q;
	struct zk_qproto_hello	 h;
	struct zk_error		 e;
	struct member		*m;
	struct link		**slot;

	if (zk_qproto_decode_hello(p, n, &h, &e) != ZK_OK) {
		bad(l, "%s", e.msg);
		return;
	}
	if (h.port != l->port) {
		bad(l, "hello from sid %d for the %s port", h.sid,
		    zk_qproto_port_name(h.port));
		return;
	}
	if ((m = find(q, h.sid)) == NULL) {
		bad(l, "hello from sid %d, %s", h.sid, h.sid == q->myid ?
		    "which is mine" : "not a member");
		return;
	}
	/* One election link per pair: the larger sid dials (qnet.h). */
	if (l->port == ZK_QPROTO_ELECTION && h.sid < q->myid) {
		bad(l, "election hello from sid %d, smaller than mine (%d): "
		    "it should wait for my call", h.sid, q->myid);
		return;
	}
	evtimer_del(l->timer);
	slot = l->port == ZK_QPROTO_ELECTION ? &m->elink : &m->qlink;
	if (*slot != NULL) {
		/* qnet.h "Replacement": the old link goes without a word. */
		qlog(q, "%s link with sid %d replaced by a newer one",
		    zk_qproto_port_name(l->port), h.sid);
		link_free(*slot);
	}
	l->sid = h.sid;
	*slot = l;
	link_up(l, m);
}

static void
on_frame(struct link *l, const char *p, size_t n)
{
	struct zk_qnet		*q = l->q;
	struct zk_elect_note	 note;
	struct zk_zab_msg	 msg;
	struct zk_error		 e;

	if (l->state == L_HELLO) {
		on_hello(l, p, n);
		return;
	}
	if (l->port == ZK_QPROTO_ELECTION) {
		if (zk_qproto_decode_note(p, n, &note, &e) != ZK_OK)
			bad(l, "%s", e.msg);
		else if (note.sid != l->sid)
			bad(l, "notification from sid %d on the link of sid %d",
			    note.sid, l->sid);
		else
			q->cb.note(q->arg, &note);
		return;
	}
	if (zk_qproto_decode_zab(p, n, ZK_QNET_MAX_FRAME, &msg, &e) != ZK_OK)
		bad(l, "%s", e.msg);
	else
		q->cb.msg(q->arg, l->sid, &msg);
}

/*
 * Cuts frames off the input while the link lives: a callback may close
 * or replace it (invariant (3)). The frame is pulled up whole, so a
 * message's data is one contiguous borrow.
 */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct link	*l = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct zk_error	 e;
	unsigned char	 hdr[ZK_FRAME_HDR];
	unsigned char	*p;
	uint32_t	 n;
	size_t		 avail, limit;

	l->busy = 1;
	while (l->bev == bev) {
		avail = evbuffer_get_length(in);
		if (avail < ZK_FRAME_HDR)
			break;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		limit = l->port == ZK_QPROTO_QUORUM && l->state == L_UP ?
		    ZK_QNET_MAX_FRAME : ZK_QNET_SMALL_FRAME;
		if (zk_frame_check(hdr, limit, &n, &e) != ZK_OK) {
			bad(l, "%s", e.msg);
			break;
		}
		if (avail < ZK_FRAME_HDR + (size_t)n)
			break;
		p = evbuffer_pullup(in, ZK_FRAME_HDR + (ssize_t)n);
		on_frame(l, (const char *)p + ZK_FRAME_HDR, n);
		if (l->bev == bev)
			evbuffer_drain(in, ZK_FRAME_HDR + (size_t)n);
	}
	l->busy = 0;
	if (l->dead)
		free(l);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct link	*l = arg;
	const char	*why;

	(void)bev;
	if (l->dialing) {
		/* Inside dial(): it reports (invariant (2)). */
		if (what & BEV_EVENT_ERROR)
			l->dial_err = errno;
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		on_connected(l);
		return;
	}
	if (what & BEV_EVENT_EOF)
		why = "closed by the far end";
	else if (what & BEV_EVENT_ERROR)
		why = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
	else
		return;
	lost(l, why, 0);
}

static void
on_link_timer(evutil_socket_t fd, short what, void *arg)
{
	struct link	*l = arg;
	char		 why[sizeof(l->why)];

	(void)fd;
	(void)what;
	switch (l->state) {
	case L_CONNECTING:
		snprintf(why, sizeof(why), "connect: no answer in %d ms",
		    ZK_QNET_CONNECT_MS);
		lost(l, why, 0);
		break;
	case L_HELLO:
		snprintf(why, sizeof(why), "no hello in %d ms",
		    ZK_QNET_HELLO_MS);
		lost(l, why, 1);
		break;
	case L_FAILING:
		snprintf(why, sizeof(why), "%s", l->why);
		lost(l, why, 0);
		break;
	}
}

/* Listeners */

static void
accept_link(struct zk_qnet *q, evutil_socket_t fd, struct sockaddr *sa,
    int port)
{
	struct link	*l;

	sockopts(fd, port);
	l = link_new(q, port, L_HELLO, 0);
	addr_name(sa, l->name, sizeof(l->name));
	l->bev = bufferevent_socket_new(q->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		evutil_closesocket(fd);
		link_free(l);
		return;
	}
	bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	timer_ms(l->timer, ZK_QNET_HELLO_MS);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct zk_qnet	*q = arg;

	(void)salen;
	accept_link(q, fd, sa, lev == q->lev[0] ? ZK_QPROTO_ELECTION :
	    ZK_QPROTO_QUORUM);
}

/*
 * accept(2) failed for want of descriptors or memory: the listening
 * socket stays readable, so pause instead of spinning, and listen again.
 */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct zk_qnet	*q = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	evconnlistener_disable(lev);
	qlog(q, "accept on the %s port: %s; pausing %d ms",
	    lev == q->lev[0] ? "election" : "quorum",
	    evutil_socket_error_to_string(err), RELISTEN_MS);
	if (!evtimer_pending(q->relisten, NULL))
		timer_ms(q->relisten, RELISTEN_MS);
}

static void
on_relisten(evutil_socket_t fd, short what, void *arg)
{
	struct zk_qnet	*q = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(q->lev[0]);
	evconnlistener_enable(q->lev[1]);
}

static int
listen_on(struct zk_qnet *q, int i, const struct zk_server_addr *me,
    struct zk_error *e)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len;
	int			 port;

	/* lev[0] is the election port's listener, lev[1] the quorum's. */
	port = i == 0 ? me->election_port : me->quorum_port;
	if (parse_addr(me->host, port, &sa, &len) != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "server.%d: %s is not a numeric address", me->id, me->host);
	q->lev[i] = evconnlistener_new_bind(q->base, on_accept, q,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    LISTEN_BACKLOG, (struct sockaddr *)&sa, (int)len);
	if (q->lev[i] == NULL)
		return zk_error_set(e, ZK_ESYSTEM, "%s port %s:%d: %s",
		    i == 0 ? "election" : "quorum", me->host, port,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	evconnlistener_set_error_cb(q->lev[i], on_accept_error);
	return ZK_OK;
}

/* Fills the member table from cfg; everything but the listening. */
static int
configure(struct zk_qnet *q, const struct zk_config *cfg,
    const struct zk_server_addr **me, struct zk_error *e)
{
	const struct zk_server_addr *s;
	struct member	*m;
	socklen_t	 len;
	size_t		 i, j;

	*me = NULL;
	for (i = 0; i < cfg->nservers && i < ZK_MAX_SERVERS; i++) {
		s = &cfg->servers[i];
		for (j = 0; j < i; j++)
			if (cfg->servers[j].id == s->id)
				return zk_error_set(e, ZK_EBADARGUMENTS,
				    "server.%d is given twice", s->id);
		if (s->id <= 0)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "server.%d: the id must be positive", s->id);
		if (s->id == cfg->myid) {
			*me = s;
			if (parse_addr(s->host, 0, &q->self_sa, &len) != 0)
				return zk_error_set(e, ZK_EBADARGUMENTS,
				    "server.%d: %s is not a numeric address",
				    s->id, s->host);
			q->salen = len;
			continue;
		}
		m = &q->m[q->nm++];
		m->q = q;
		m->sid = s->id;
		m->retry_ms = ZK_QNET_RETRY_MS;
		if (parse_addr(s->host, s->election_port, &m->elect_sa,
		    &len) != 0 ||
		    parse_addr(s->host, s->quorum_port, &m->quorum_sa,
		    &len) != 0)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "server.%d: %s:%d:%d is not a numeric address "
			    "and ports", s->id, s->host, s->quorum_port,
			    s->election_port);
	}
	if (*me == NULL)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "myid %d is not among the server.N lines", cfg->myid);
	for (i = 0; i < q->nm; i++)
		if (q->m[i].elect_sa.ss_family != q->self_sa.ss_family)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "server.%d and server.%d have addresses of "
			    "different families", q->m[i].sid, cfg->myid);
	return ZK_OK;
}

/* API */

struct zk_qnet *
zk_qnet_new(struct event_base *base, const struct zk_config *cfg,
    const struct zk_qnet_callbacks *cb, void *arg, struct zk_error *e)
{
	const struct zk_server_addr *me;
	struct zk_qnet	*q;
	struct member	*m;
	size_t		 i;

	if (cb->note == NULL || cb->connected == NULL ||
	    cb->disconnected == NULL || cb->msg == NULL) {
		zk_error_set(e, ZK_EBADARGUMENTS, "qnet: a callback is NULL");
		return NULL;
	}
	q = zk_xcalloc(1, sizeof(*q));
	q->base = base;
	q->cb = *cb;
	q->arg = arg;
	q->myid = cfg->myid;
	TAILQ_INIT(&q->links);
	zk_buf_init(&q->out);
	q->relisten = evtimer_new(base, on_relisten, q);
	if (q->relisten == NULL) {
		zk_error_set(e, ZK_ESYSTEM, "qnet: no timer");
		zk_qnet_free(q);
		return NULL;
	}
	if (configure(q, cfg, &me, e) != ZK_OK ||
	    listen_on(q, 0, me, e) != ZK_OK ||
	    listen_on(q, 1, me, e) != ZK_OK) {
		zk_qnet_free(q);
		return NULL;
	}
	/* A member that resets a link must cost the link, not the process. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < q->nm; i++) {
		m = &q->m[i];
		if (m->sid > q->myid)
			continue;	/* it dials us */
		m->redial = evtimer_new(base, on_redial, m);
		if (m->redial == NULL) {
			zk_error_set(e, ZK_ESYSTEM, "qnet: no timer");
			zk_qnet_free(q);
			return NULL;
		}
		timer_ms(m->redial, 0);
	}
	return q;
}

void
zk_qnet_free(struct zk_qnet *q)
{
	struct link	*l;
	size_t		 i;

	if (q == NULL)
		return;
	while ((l = TAILQ_FIRST(&q->links)) != NULL)
		link_free(l);
	for (i = 0; i < q->nm; i++)
		if (q->m[i].redial != NULL)
			event_free(q->m[i].redial);
	for (i = 0; i < 2; i++)
		if (q->lev[i] != NULL)
			evconnlistener_free(q->lev[i]);
	if (q->relisten != NULL)
		event_free(q->relisten);
	zk_buf_close(&q->out);
	free(q);
}

void
zk_qnet_send_note(struct zk_qnet *q, int sid, const struct zk_elect_note *n)
{
	struct member	*m;

	if ((m = find(q, sid)) == NULL)
		return;
	m->last = *n;
	m->has_last = 1;
	send_latest(m);
}

void
zk_qnet_connect(struct zk_qnet *q, int sid)
{
	struct member	*m;
	struct link	*l;
	char		 why[64];

	if ((m = find(q, sid)) == NULL) {
		/* No slot to hold it: a link of its own reports the failure. */
		l = link_new(q, ZK_QPROTO_QUORUM, L_CONNECTING, sid);
		snprintf(why, sizeof(why), "sid %d is not another member",
		    sid);
		fail_later(l, why);
		return;
	}
	if (m->qlink != NULL)
		link_free(m->qlink);
	m->qlink = dial(q, m, ZK_QPROTO_QUORUM);
}

int
zk_qnet_send(struct zk_qnet *q, int sid, const struct zk_zab_msg *msg)
{
	struct member	*m;
	struct link	*l;
	char		 why[96];
	size_t		 queued, size;
	int		 rc;

	if ((m = find(q, sid)) == NULL || (l = m->qlink) == NULL ||
	    l->state != L_UP)
		return ZK_ECONNLOSS;
	/* Both checks before encoding, which would copy the data. */
	size = msg->data != NULL ? msg->len : 0;
	if (size > ZK_QNET_MAX_FRAME - ZAB_OVERHEAD)
		return ZK_ETOOBIG;
	size += ZK_FRAME_HDR + ZAB_OVERHEAD;
	queued = evbuffer_get_length(bufferevent_get_output(l->bev));
	if (queued + size > ZK_QNET_MAX_OUT) {
		snprintf(why, sizeof(why), "over %zu bytes unsent: the far "
		    "end reads too slowly", ZK_QNET_MAX_OUT);
		fail_later(l, why);
		return ZK_ECONNLOSS;
	}
	q->out.len = 0;
	if ((rc = zk_qproto_encode_zab(&q->out, msg, NULL)) != ZK_OK)
		return rc;
	put_frame(l);
	return ZK_OK;
}

void
zk_qnet_close(struct zk_qnet *q, int sid)
{
	struct member	*m;

	if ((m = find(q, sid)) != NULL && m->qlink != NULL)
		link_free(m->qlink);
}

int
zk_qnet_election_up(const struct zk_qnet *q, int sid)
{
	size_t	 i;

	for (i = 0; i < q->nm; i++)
		if (q->m[i].sid == sid)
			return q->m[i].elink != NULL &&
			    q->m[i].elink->state == L_UP;
	return 0;
}
