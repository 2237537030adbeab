/*
 * The socket side of the peer links (qnet_int.h): addresses, the
 * non-blocking connect bound to our own host, the listeners and their
 * pause when accept(2) fails, the TCP options of each kind of link, and
 * frames in and out of a link's bufferevent. What a frame or a socket
 * event means is qnet.c's business: complete frames go to
 * zk_qnet_on_frame, a finished connect to zk_qnet_on_connected, and a
 * broken socket or stream to zk_qnet_lost or zk_qnet_bad.
 *
 * Invariants:
 *  (1) Every outgoing socket is bound to q->self_sa before it connects,
 *      so a firewall rule between two hosts cuts exactly one pair
 *      (qnet.h).
 *  (2) No frame is buffered past its limit: a header claiming more than
 *      ZK_QNET_SMALL_FRAME (ZK_QNET_MAX_FRAME on an UP quorum link)
 *      closes the link before the payload is read (qnet.c (4)).
 *  (3) A failure inside bufferevent_socket_connect is noted in
 *      l->dial_err, not reported, so the caller of zk_qnet_sock_connect
 *      reports it from the loop (qnet.c (2)).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
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
#include "error.h"
#include "proto.h"
#include "qnet.h"
#include "qnet_int.h"
#include "qproto.h"
#include "util.h"

/*
 * An election link whose far end has not acknowledged our bytes for this
 * long is dead (TCP_USER_TIMEOUT); with keepalive this also bounds how
 * long an idle dead link goes unnoticed.
 */
#define ELECT_USER_TIMEOUT_MS	5000
#define ELECT_KEEPINTVL_S	1
#define ELECT_KEEPCNT		3

/* Frames above this are handed to libevent, not copied a second time. */
#define COPY_MAX		(64 * 1024)

#define RELISTEN_MS		1000	/* accept failed (EMFILE): pause */
#define LISTEN_BACKLOG		64

static void	 read_cb(struct bufferevent *, void *);
static void	 event_cb(struct bufferevent *, short, void *);

void
zk_qnet_sock_timer_ms(struct event *ev, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

void
zk_qnet_sock_addr_name(const struct sockaddr *sa, char *buf, size_t len)
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
int
zk_qnet_sock_parse_addr(const char *host, int port,
    struct sockaddr_storage *sa, socklen_t *len)
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

/* Frames */

static void
free_frame(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

/*
 * A large frame (a SNAP) is handed over rather than copied again, which
 * also keeps the scratch buffer from holding a snapshot's worth of
 * memory.
 */
void
zk_qnet_sock_put_frame(struct link *l)
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

/*
 * Cuts frames off the input while the link lives: a callback may close
 * or replace it (qnet.c (3)). The frame is pulled up whole, so a
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
			zk_qnet_bad(l, "%s", e.msg);
			break;
		}
		if (avail < ZK_FRAME_HDR + (size_t)n)
			break;
		p = evbuffer_pullup(in, ZK_FRAME_HDR + (ssize_t)n);
		zk_qnet_on_frame(l, (const char *)p + ZK_FRAME_HDR, n);
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
		/* Inside zk_qnet_sock_connect: its caller reports (3). */
		if (what & BEV_EVENT_ERROR)
			l->dial_err = errno;
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		zk_qnet_on_connected(l);
		return;
	}
	if (what & BEV_EVENT_EOF)
		why = "closed by the far end";
	else if (what & BEV_EVENT_ERROR)
		why = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
	else
		return;
	zk_qnet_lost(l, why, 0);
}

/* Connecting */

int
zk_qnet_sock_connect(struct link *l, const struct sockaddr_storage *sa)
{
	struct zk_qnet	*q = l->q;
	evutil_socket_t	 fd;
	int		 one = 1;

	fd = socket(sa->ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    evutil_make_socket_closeonexec(fd) != 0) {
		evutil_closesocket(fd);
		return -1;
	}
#ifdef IP_BIND_ADDRESS_NO_PORT
	/* The port is picked at connect(2), so 4-tuples may share it. */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
#endif
	(void)one;
	/* (1): the source is our host, so a firewall rule cuts one pair. */
	if (bind(fd, (const struct sockaddr *)&q->self_sa, q->salen) != 0) {
		evutil_closesocket(fd);
		return -1;
	}
	sockopts(fd, l->port);
	l->bev = bufferevent_socket_new(q->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		evutil_closesocket(fd);
		return -1;
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
		return -1;
	}
	l->dialing = 0;
	zk_qnet_sock_timer_ms(l->timer, ZK_QNET_CONNECT_MS);
	return 0;
}

/* Listeners */

static void
accept_link(struct zk_qnet *q, evutil_socket_t fd, struct sockaddr *sa,
    int port)
{
	struct link	*l;

	sockopts(fd, port);
	l = zk_qnet_link_new(q, port, L_HELLO, 0);
	zk_qnet_sock_addr_name(sa, l->name, sizeof(l->name));
	l->bev = bufferevent_socket_new(q->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		evutil_closesocket(fd);
		zk_qnet_link_free(l);
		return;
	}
	bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	zk_qnet_sock_timer_ms(l->timer, ZK_QNET_HELLO_MS);
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
	zk_qnet_log(q, "accept on the %s port: %s; pausing %d ms",
	    lev == q->lev[0] ? "election" : "quorum",
	    evutil_socket_error_to_string(err), RELISTEN_MS);
	if (!evtimer_pending(q->relisten, NULL))
		zk_qnet_sock_timer_ms(q->relisten, RELISTEN_MS);
}

void
zk_qnet_sock_relisten(evutil_socket_t fd, short what, void *arg)
{
	struct zk_qnet	*q = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(q->lev[0]);
	evconnlistener_enable(q->lev[1]);
}

int
zk_qnet_sock_listen(struct zk_qnet *q, int i,
    const struct zk_server_addr *me, struct zk_error *e)
{
	struct sockaddr_storage	 sa;
	socklen_t		 len;
	int			 port;

	/* lev[0] is the election port's listener, lev[1] the quorum's. */
	port = i == 0 ? me->election_port : me->quorum_port;
	if (zk_qnet_sock_parse_addr(me->host, port, &sa, &len) != 0)
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
