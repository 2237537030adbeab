/*
 * A persistent watch as a stream that outlives its session. See
 * watchstream.h for the invariants.
 *
 * Client life (ws->client):
 *
 *              start             CONNECTED
 *   (none) ----------> CONNECTING <---------> CONNECTED
 *                        |    ^   connection lost: the
 *                        |    |   library mends it
 *   FAILED before any    |    |
 *   session: fail        v    +--- on_renew: a new client (the old one
 *                      (end)       freed outside its own callbacks), after
 *                                  EXPIRED, or FAILED after a session
 *
 *   | event                                | what happens         | function  |
 *   |--------------------------------------|----------------------|-----------|
 *   | a client is created                  | addWatch from pos    | start     |
 *   | addWatch ZK_OK                       | pos to its zxid      | on_added  |
 *   | addWatch lost with its connection    | sent again           | on_added  |
 *   | addWatch or re-add ZK_EHISTORY       | fail, for good       | on_added, |
 *   |                                      |                      | take      |
 *   | event after pos                      | passed on or queued  | take      |
 *   | event not after pos                  | dropped, inv. (1)    | take      |
 *   | EXPIRED; FAILED after a 1st session  | new client, inv. (3) | on_renew  |
 *   | FAILED before any session            | fail, for good       | on_state  |
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "client.h"
#include "error.h"
#include "events.h"
#include "proto.h"
#include "util.h"
#include "loop.h"
#include "watchstream.h"

/* An event taken in while the stream was held: owned copies. */
struct queued {
	int64_t		 zxid;
	int32_t		 index;
	int		 type;
	char		*path;
	char		*data;
	size_t		 data_len;
	int		 has_data;
};

struct zk_watchstream {
	struct event_base	*base;
	struct zk_client	*client;	/* the current one, or NULL */
	char			*servers;	/* copy, or NULL */
	int32_t			 session_timeout_ms;
	int64_t			 connect_timeout_ms;	/* invariant (4) */
	char			*path;
	int			 mode;
	int			 want_data;

	int			 has_pos;	/* invariant (2) */
	struct zk_evpos		 pos;
	int			 had_session;	/* a client was CONNECTED once */
	int			 done;		/* failed or closed: invariant (5) */

	int			 held;		/* invariant (6) */
	struct queued		*q;		/* q[qhead .. qhead + qlen) */
	size_t			 qhead;
	size_t			 qlen;
	size_t			 qcap;

	struct event		*renew_ev;	/* a new client, deferred */
	struct event		*drain_ev;	/* the queue, after a release */

	zk_watchstream_event_fn	 event_fn;
	zk_watchstream_fail_fn	 fail_fn;
	void			*arg;
};

static void	on_added(struct zk_client *, const struct zk_reply *, void *);

static int
terminal(int state)
{
	return state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED ||
	    state == ZK_STATE_FAILED;
}

/* Is (zxid, index) after the position? Everything is, without one. */
static int
after_pos(const struct zk_watchstream *ws, int64_t zxid, int32_t index)
{
	return zk_evpos_after(ws->has_pos ? &ws->pos : NULL, zxid, index);
}

static void
move_pos(struct zk_watchstream *ws, int64_t zxid, int32_t index)
{
	if (after_pos(ws, zxid, index)) {
		ws->has_pos = 1;
		ws->pos.zxid = zxid;
		ws->pos.index = index;
	}
}

/* Invariant (5): the one place that ends the stream with an error. */
static void
fail(struct zk_watchstream *ws, const char *subject, const struct zk_error *e)
{
	if (ws->done)
		return;
	ws->done = 1;
	event_del(ws->renew_ev);
	event_del(ws->drain_ev);
	ws->fail_fn(ws->arg, subject, e);
}

/* The server cannot replay from the position: the gap is for good. */
static void
fail_history(struct zk_watchstream *ws)
{
	struct zk_error	 e;

	if (ws->has_pos)
		zk_error_set(&e, ZK_EHISTORY, "the server no longer holds the "
		    "events since zxid 0x%llx",
		    (unsigned long long)ws->pos.zxid);
	else
		zk_error_set(&e, ZK_EHISTORY, "%s", zk_error_str(ZK_EHISTORY));
	fail(ws, ws->path, &e);
}

static void
add(struct zk_watchstream *ws)
{
	zk_client_add_watch(ws->client, ws->path, ws->mode, ws->want_data,
	    ws->has_pos ? &ws->pos : NULL, on_added, ws);
}

static void
on_added(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct zk_watchstream	*ws = arg;
	struct zk_error		 e;

	if (c != ws->client || ws->done)
		return;		/* an old client's, being freed */
	/*
	 * A client gone for good answers with its end (expired,
	 * unreachable): the state change that follows says what to do.
	 */
	if (terminal(zk_client_state(c)))
		return;
	switch (rep->err) {
	case ZK_OK:
		move_pos(ws, rep->zxid, ZK_EVINDEX_ALL);
		break;
	case ZK_EHISTORY:
		fail_history(ws);
		break;
	case ZK_ECONNLOSS:
	case ZK_ENOTSERVING:
	case ZK_EBUSY:
		/* Not registered: ask again, on the next connection. */
		add(ws);
		break;
	case ZK_ESESSIONEXPIRED:
		break;		/* the EXPIRED state change follows */
	default:
		zk_error_set(&e, rep->err, "cannot watch: %s",
		    zk_error_str(rep->err));
		fail(ws, ws->path, &e);
		break;
	}
}

static void
pass_on(struct zk_watchstream *ws, const struct queued *q)
{
	struct zk_reply	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.xid = ZK_XID_EVENT;
	ev.zxid = q->zxid;
	ev.event_index = q->index;
	ev.event_type = q->type;
	ev.path = q->path;
	ev.data = q->data;
	ev.data_len = q->data_len;
	ev.has_data = q->has_data;
	ws->event_fn(ws->arg, &ev);
}

static void
enqueue(struct zk_watchstream *ws, const struct zk_reply *ev)
{
	struct queued	*q;

	if (ws->qhead + ws->qlen == ws->qcap) {
		if (ws->qhead > 0) {	/* reclaim the front first */
			memmove(ws->q, ws->q + ws->qhead,
			    ws->qlen * sizeof(*ws->q));
			ws->qhead = 0;
		}
		if (ws->qlen == ws->qcap) {
			ws->qcap = ws->qcap ? ws->qcap * 2 : 16;
			ws->q = zk_xrealloc(ws->q, ws->qcap *
			    sizeof(*ws->q));
		}
	}
	q = &ws->q[ws->qhead + ws->qlen++];
	q->zxid = ev->zxid;
	q->index = ev->event_index;
	q->type = ev->event_type;
	q->path = zk_xstrdup(ev->path);
	q->data = ev->data_len > 0 ? zk_xmemdup(ev->data, ev->data_len) : NULL;
	q->data_len = ev->data_len;
	q->has_data = ev->has_data;
}

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct zk_watchstream	*ws = arg;
	struct queued		 q;

	(void)fd;
	(void)what;
	while (!ws->held && !ws->done && ws->qlen > 0) {
		q = ws->q[ws->qhead++];
		if (--ws->qlen == 0)
			ws->qhead = 0;
		pass_on(ws, &q);
		free(q.path);
		free(q.data);
	}
}

/* An event from the client: invariant (1), then on or into the queue. */
static void
take(struct zk_watchstream *ws, const struct zk_reply *ev)
{
	struct zk_error	 e;
	struct queued	 q;

	if (ev->err == ZK_EHISTORY) {
		fail_history(ws);
		return;
	}
	if (ev->err != ZK_OK) {
		zk_error_set(&e, ev->err, "watch lost: %s",
		    zk_error_str(ev->err));
		fail(ws, ws->path, &e);
		return;
	}
	if (ev->path == NULL || !zk_event_matches(ws->mode, ws->path,
	    ev->event_type, ev->path) ||
	    !after_pos(ws, ev->zxid, ev->event_index))
		return;
	move_pos(ws, ev->zxid, ev->event_index);
	if (ws->held || ws->qlen > 0) {
		enqueue(ws, ev);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.zxid = ev->zxid;
	q.index = ev->event_index;
	q.type = ev->event_type;
	q.path = ev->path;
	q.data = ev->data;
	q.data_len = ev->data_len;
	q.has_data = ev->has_data;
	pass_on(ws, &q);
}

static void
on_state(struct zk_watchstream *ws, int state)
{
	struct zk_error	 e;
	int		 err;

	switch (state) {
	case ZK_STATE_CONNECTED:
		ws->had_session = 1;
		break;
	case ZK_STATE_EXPIRED:
		event_active(ws->renew_ev, EV_TIMEOUT, 0);
		break;
	case ZK_STATE_FAILED:
		/* Invariant (4): only a first session has a deadline. */
		if (ws->had_session) {
			event_active(ws->renew_ev, EV_TIMEOUT, 0);
			break;
		}
		err = zk_client_error(ws->client);
		if (err == ZK_ETIMEOUT)
			zk_error_set(&e, err, "no session within %lld ms",
			    (long long)ws->connect_timeout_ms);
		else
			zk_error_set(&e, err, "%s", zk_error_str(err));
		fail(ws, ws->servers != NULL ? ws->servers : "", &e);
		break;
	}
}

static void
on_watch(struct zk_client *c, int state, const struct zk_reply *ev,
    void *arg)
{
	struct zk_watchstream	*ws = arg;

	if (c != ws->client || ws->done)
		return;
	if (ev != NULL)
		take(ws, ev);
	else
		on_state(ws, state);
}

/* A client for the stream, and the watch added on it. */
static int
start(struct zk_watchstream *ws, struct zk_error *e)
{
	struct zk_client_opts	 o;

	memset(&o, 0, sizeof(o));
	o.servers = ws->servers;
	o.session_timeout_ms = ws->session_timeout_ms;
	o.connect_timeout_ms = ws->had_session ? 0 : ws->connect_timeout_ms;
	if ((ws->client = zk_client_new(ws->base, &o, on_watch, ws,
	    e)) == NULL)
		return e != NULL ? e->code : ZK_ESYSTEM;
	add(ws);
	return ZK_OK;
}

/* Invariant (3): the old session is gone; a new one takes up the stream. */
static void
on_renew(evutil_socket_t fd, short what, void *arg)
{
	struct zk_watchstream	*ws = arg;
	struct zk_client	*old = ws->client;
	struct zk_error		 e;

	(void)fd;
	(void)what;
	ws->client = NULL;	/* its last callbacks are ignored */
	zk_client_free(old);
	if (ws->done)
		return;
	if (start(ws, &e) != ZK_OK)
		fail(ws, ws->servers != NULL ? ws->servers : "", &e);
}

struct zk_watchstream *
zk_watchstream_new(struct event_base *base,
    const struct zk_watchstream_opts *o, zk_watchstream_event_fn event,
    zk_watchstream_fail_fn failfn, void *arg, struct zk_error *e)
{
	struct zk_watchstream	*ws = zk_xcalloc(1, sizeof(*ws));

	ws->base = base;
	ws->servers = o->servers != NULL ? zk_xstrdup(o->servers) : NULL;
	ws->session_timeout_ms = o->session_timeout_ms;
	ws->connect_timeout_ms = o->connect_timeout_ms;
	ws->path = zk_xstrdup(o->path);
	ws->mode = o->mode;
	ws->want_data = o->want_data;
	if (o->since != NULL) {
		ws->has_pos = 1;
		ws->pos = *o->since;
	}
	ws->event_fn = event;
	ws->fail_fn = failfn;
	ws->arg = arg;
	ws->renew_ev = event_new(base, -1, 0, on_renew, ws);
	ws->drain_ev = event_new(base, -1, 0, on_drain, ws);
	if (ws->renew_ev == NULL || ws->drain_ev == NULL) {
		zk_error_set(e, ZK_ESYSTEM, "cannot create events");
		zk_watchstream_free(ws);
		return NULL;
	}
	if (start(ws, e) != ZK_OK) {
		zk_watchstream_free(ws);
		return NULL;
	}
	return ws;
}

void
zk_watchstream_hold(struct zk_watchstream *ws, int hold)
{
	ws->held = hold != 0;
	if (!ws->held && ws->qlen > 0 && !ws->done)
		event_active(ws->drain_ev, EV_TIMEOUT, 0);
}

void
zk_watchstream_close(struct zk_watchstream *ws)
{
	ws->done = 1;
	event_del(ws->renew_ev);
	event_del(ws->drain_ev);
	if (ws->client != NULL)
		zk_client_close(ws->client);
}

/*
 * Only a connected client has a closeSession worth waiting for; one that
 * is reconnecting would send it who knows when, and the server expires
 * the session anyway.
 */
int
zk_watchstream_closed(const struct zk_watchstream *ws)
{
	return ws->client == NULL ||
	    zk_client_state(ws->client) != ZK_STATE_CONNECTED;
}

void
zk_watchstream_free(struct zk_watchstream *ws)
{
	struct zk_client	*c;
	size_t			 i;

	if (ws == NULL)
		return;
	ws->done = 1;
	c = ws->client;
	ws->client = NULL;
	zk_client_free(c);
	for (i = 0; i < ws->qlen; i++) {
		free(ws->q[ws->qhead + i].path);
		free(ws->q[ws->qhead + i].data);
	}
	free(ws->q);
	if (ws->renew_ev != NULL)
		event_free(ws->renew_ev);
	if (ws->drain_ev != NULL)
		event_free(ws->drain_ev);
	free(ws->servers);
	free(ws->path);
	free(ws);
}

static int
is_closed(void *arg)
{
	return zk_watchstream_closed(arg);
}

void
zk_watchstream_close_wait(struct zk_watchstream *ws, int64_t ms)
{
	zk_watchstream_close(ws);
	(void)zk_loop_until(ws->base, is_closed, ws, ms);
}
