/*
 * The peer links of one member (qnet.h): the API, and the life of each
 * link: the election and quorum connections with their HELLOs, redialling,
 * replacement, and handing notes and ZAB messages between the frames and
 * the callbacks. The sockets under the links (connects, listeners, TCP
 * options, cutting streams into frames) are qnet_sock.c's; what the two
 * share is in qnet_int.h.
 *
 * A link is one TCP connection:
 *
 *   dial() --> CONNECTING --connected--> UP --EOF, error, bad frame--> lost
 *   accept --> HELLO -----valid HELLO--> UP
 *   any state --failure inside a zk_qnet_* call--> FAILING --timer 0--> lost
 *   any state --zk_qnet_close, replaced, qnet freed--> link_free (silent)
 *
 * (lost is zk_qnet_lost, link_free zk_qnet_link_free; accept is in
 * qnet_sock.c.) lost is the one place a link that broke by itself ends: it
 * logs, reports disconnected for a quorum link, and schedules the redial
 * of an election link we dial. link_free ends a link without a word.
 *
 * Invariants:
 *  (1) A member's slot (elink, qlink) points at its current link or is
 *      NULL; a link leaves its slot in link_free and nowhere else, so a
 *      link that was replaced or closed can never be reported.
 *  (2) Callbacks are called from libevent's callbacks or the FAILING timer
 *      only (qnet.h (1)): a failure found inside a zk_qnet_* call moves the
 *      link to FAILING and lets the timer report it.
 *  (3) A link is never freed under its own read callback: link_free marks
 *      it dead while read_cb (qnet_sock.c) runs, and read_cb frees it on
 *      the way out.
 *  (4) Until its HELLO, an accepted connection is held to ZK_QNET_SMALL_FRAME
 *      and ZK_QNET_HELLO_MS, so strangers cost little.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
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
#include <event2/util.h>

#include "config.h"
#include "elect.h"
#include "error.h"
#include "proto.h"
#include "qnet.h"
#include "qnet_int.h"
#include "qproto.h"
#include "util.h"
#include "zab.h"

/*
 * Unsent bytes an election link may hold. Notes are ~40 bytes and the
 * election resends at most every resend_ms, so only a far end that reads
 * nothing gets here; the redial then carries the latest note.
 */
#define ELECT_MAX_OUT		(64 * 1024)

/*
 * The most a ZAB frame's payload holds besides the data: an array of 7
 * with three int64s, a uint64, two ints and a bin header (qproto.h).
 */
#define ZAB_OVERHEAD		64

void
zk_qnet_log(struct zk_qnet *q, const char *fmt, ...)
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

static struct member *
find(struct zk_qnet *q, int sid)
{
	size_t	 i;

	for (i = 0; i < q->nm; i++)
		if (q->m[i].sid == sid)
			return &q->m[i];
	return NULL;
}

/* Links */

static void	 on_link_timer(evutil_socket_t, short, void *);

struct link *
zk_qnet_link_new(struct zk_qnet *q, int port, int state, int sid)
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
void
zk_qnet_link_free(struct link *l)
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
	zk_qnet_sock_timer_ms(l->timer, 0);
}

static void
send_hello(struct link *l)
{
	zk_qproto_encode_hello(&l->q->out, l->q->myid, l->port);
	zk_qnet_sock_put_frame(l);
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
	zk_qnet_sock_put_frame(l);
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
	char		 why[128];

	sa = port == ZK_QPROTO_ELECTION ? &m->elect_sa : &m->quorum_sa;
	l = zk_qnet_link_new(q, port, L_CONNECTING, m->sid);
	zk_qnet_sock_addr_name((const struct sockaddr *)sa, l->name,
	    sizeof(l->name));
	if (zk_qnet_sock_connect(l, sa) != 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		fail_later(l, why);
	}
	return l;
}

static void
schedule_redial(struct member *m)
{
	zk_qnet_sock_timer_ms(m->redial, m->retry_ms);
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
void
zk_qnet_lost(struct link *l, const char *why, int bad)
{
	struct zk_qnet	*q = l->q;
	struct member	*m = l->sid != 0 ? find(q, l->sid) : NULL;
	int		 sid = l->sid, was_up = l->up, port = l->port;
	int		 slot, dialer;
	char		 name[sizeof(l->name)];

	memcpy(name, l->name, sizeof(name));
	if (l->state == L_HELLO) {
		if (bad)
			zk_qnet_log(q, "%s connection from %s refused: %s",
			    zk_qproto_port_name(port), name, why);
		zk_qnet_link_free(l);
		return;
	}
	slot = m != NULL && (m->elink == l || m->qlink == l);
	zk_qnet_link_free(l);
	if (port == ZK_QPROTO_QUORUM) {
		zk_qnet_log(q, "quorum link with sid %d lost: %s", sid, why);
		q->cb.disconnected(q->arg, sid);
		return;
	}
	if (!slot)
		return;
	dialer = sid < q->myid;
	if (was_up) {
		zk_qnet_log(q, "election link %s sid %d down: %s",
		    dialer ? "to" : "from", sid, why);
		m->down_logged = 1;
		/* A link that held a while is redialled quickly again. */
		if (zk_now_mono_ms() - m->up_ms >= ZK_QNET_RETRY_MAX_MS)
			m->retry_ms = ZK_QNET_RETRY_MS;
	} else if (!m->down_logged) {
		zk_qnet_log(q, "election link to sid %d (%s): %s; redialling",
		    sid, name, why);
		m->down_logged = 1;
	}
	if (dialer)
		schedule_redial(m);
}

/* Input the far end should not have sent: close it (qnet.h (2)). */
void
zk_qnet_bad(struct link *l, const char *fmt, ...)
{
	char	 why[300];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	zk_qnet_lost(l, why, 1);
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
		zk_qnet_log(q, "election link %s sid %d up",
		    l->sid < q->myid ? "to" : "from", l->sid);
		send_latest(m);
	} else
		q->cb.connected(q->arg, l->sid);
}

void
zk_qnet_on_connected(struct link *l)
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
		zk_qnet_bad(l, "%s", e.msg);
		return;
	}
	if (h.port != l->port) {
		zk_qnet_bad(l, "hello from sid %d for the %s port", h.sid,
		    zk_qproto_port_name(h.port));
		return;
	}
	if ((m = find(q, h.sid)) == NULL) {
		zk_qnet_bad(l, "hello from sid %d, %s", h.sid,
		    h.sid == q->myid ? "which is mine" : "not a member");
		return;
	}
	/* One election link per pair: the larger sid dials (qnet.h). */
	if (l->port == ZK_QPROTO_ELECTION && h.sid < q->myid) {
		zk_qnet_bad(l, "election hello from sid %d, smaller than mine "
		    "(%d): it should wait for my call", h.sid, q->myid);
		return;
	}
	evtimer_del(l->timer);
	slot = l->port == ZK_QPROTO_ELECTION ? &m->elink : &m->qlink;
	if (*slot != NULL) {
		/* qnet.h "Replacement": the old link goes without a word. */
		zk_qnet_log(q, "%s link with sid %d replaced by a newer one",
		    zk_qproto_port_name(l->port), h.sid);
		zk_qnet_link_free(*slot);
	}
	l->sid = h.sid;
	*slot = l;
	link_up(l, m);
}

void
zk_qnet_on_frame(struct link *l, const char *p, size_t n)
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
			zk_qnet_bad(l, "%s", e.msg);
		else if (note.sid != l->sid)
			zk_qnet_bad(l, "notification from sid %d on the link "
			    "of sid %d", note.sid, l->sid);
		else
			q->cb.note(q->arg, &note);
		return;
	}
	if (zk_qproto_decode_zab(p, n, ZK_QNET_MAX_FRAME, &msg, &e) != ZK_OK)
		zk_qnet_bad(l, "%s", e.msg);
	else
		q->cb.msg(q->arg, l->sid, &msg);
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
		zk_qnet_lost(l, why, 0);
		break;
	case L_HELLO:
		snprintf(why, sizeof(why), "no hello in %d ms",
		    ZK_QNET_HELLO_MS);
		zk_qnet_lost(l, why, 1);
		break;
	case L_FAILING:
		snprintf(why, sizeof(why), "%s", l->why);
		zk_qnet_lost(l, why, 0);
		break;
	}
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
			if (zk_qnet_sock_parse_addr(s->host, 0, &q->self_sa,
			    &len) != 0)
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
		if (zk_qnet_sock_parse_addr(s->host, s->election_port,
		    &m->elect_sa, &len) != 0 ||
		    zk_qnet_sock_parse_addr(s->host, s->quorum_port,
		    &m->quorum_sa, &len) != 0)
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
	q->relisten = evtimer_new(base, zk_qnet_sock_relisten, q);
	if (q->relisten == NULL) {
		zk_error_set(e, ZK_ESYSTEM, "qnet: no timer");
		zk_qnet_free(q);
		return NULL;
	}
	if (configure(q, cfg, &me, e) != ZK_OK ||
	    zk_qnet_sock_listen(q, 0, me, e) != ZK_OK ||
	    zk_qnet_sock_listen(q, 1, me, e) != ZK_OK) {
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
		zk_qnet_sock_timer_ms(m->redial, 0);
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
		zk_qnet_link_free(l);
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
		l = zk_qnet_link_new(q, ZK_QPROTO_QUORUM, L_CONNECTING, sid);
		snprintf(why, sizeof(why), "sid %d is not another member",
		    sid);
		fail_later(l, why);
		return;
	}
	if (m->qlink != NULL)
		zk_qnet_link_free(m->qlink);
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
	zk_qnet_sock_put_frame(l);
	return ZK_OK;
}

void
zk_qnet_close(struct zk_qnet *q, int sid)
{
	struct member	*m;

	if ((m = find(q, sid)) != NULL && m->qlink != NULL)
		zk_qnet_link_free(m->qlink);
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
