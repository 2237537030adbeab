/*
 * Watch events on the server: the db's applied hook turns each applied
 * txn into its events (events.h), sends each to the connections whose
 * watches see it, keeps it in the window of recent events, and notes the
 * containers it emptied; and the watch requests (addWatch, removeWatch,
 * setWatches) answered in a connection's request order.
 *
 * Invariants (pipeline.c (4), and):
 *  (1) A connection gets an event at most once, whichever and however
 *      many of its watches see it; with data when a persistent watch that
 *      sees it asked for data.
 *  (2) Events go out as the txn is applied, before the reply to anything
 *      the client asked later; an addWatch's replay goes out before its
 *      reply and holds every event after its "since" up to the reply's
 *      zxid, and live events after that: the stream has no gap.
 *  (3) Every member applies every txn through the same hook, log replay
 *      at start included, so every member's window holds the same events
 *      above its floor and a stream can resume on any of them.
 *  (4) A connection whose client has left more than maxClientBuffer bytes
 *      unread (beyond what an addWatch replay put there, which the
 *      window's own bound limits) is closed rather than buffered without
 *      end; its client resumes from the window on its next connection.
 *  (5) Only the serving leader (or a standalone server) deletes emptied
 *      containers, through a deleteContainer txn of its own, proposed from
 *      the loop after the apply that emptied them; one that starts to
 *      lead (or serve alone) looks for those its predecessor left.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "events.h"
#include "peer.h"

/* The event being sent, for the per-owner callbacks. */
struct sending {
	struct zk_server	*s;
	const struct zk_evlist	*l;
	size_t			 i;		/* which event of l */
};

static void
send_event_to(struct zk_conn *c, int64_t zxid, int32_t index,
    const struct zk_event *ev, int with_data, int replaying)
{
	struct zk_reply	 rep;

	if (c->closing)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.xid = ZK_XID_EVENT;
	rep.zxid = zxid;
	rep.path = ev->path;
	rep.event_type = ev->type;
	rep.event_index = index;
	if (with_data && (ev->type == ZK_EVENT_CREATED ||
	    ev->type == ZK_EVENT_CHANGED)) {
		rep.data = ev->data;
		rep.data_len = ev->data_len;
		rep.has_data = 1;
	}
	zk_conn_send(c, &rep, 0);
	/* Invariant (4); a replay may go past it (the window bounds it). */
	if (!replaying && evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    (size_t)c->peer->cfg.max_client_buffer + c->replay_unread) {
		zk_peer_log(c->peer, "client %s: more than %d bytes of events "
		    "unread; closing (it resumes from the event window)",
		    c->name, c->peer->cfg.max_client_buffer);
		zk_conn_abort(c);
	}
}

/* Invariant (1): persistent watches first, so that data goes if asked. */
static void
to_persistent(void *owner, int want_data, void *arg)
{
	struct sending	*x = arg;
	struct zk_conn	*c = owner;

	c->event_seq = x->s->event_seq;
	send_event_to(c, x->l->zxid, (int32_t)x->i, &x->l->ev[x->i],
	    want_data, 0);
}

static void
to_oneshot(void *owner, int type, const char *path, void *arg)
{
	struct sending	*x = arg;
	struct zk_conn	*c = owner;

	(void)type;
	(void)path;
	if (c->event_seq == x->s->event_seq)
		return;
	c->event_seq = x->s->event_seq;
	send_event_to(c, x->l->zxid, (int32_t)x->i, &x->l->ev[x->i], 0, 0);
}

/* The parent of path ("/a/b": "/a"; "/a": "/"), in buf. */
static int
parent_of(const char *path, char *buf, size_t len)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n;

	if (slash == NULL || path[1] == '\0')
		return 0;
	n = slash > path ? (size_t)(slash - path) : 1;
	if (n >= len)
		return 0;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 1;
}

static int
may_delete_containers(const struct zk_server *s)
{
	return s->rep == NULL || s->leading;
}

/* A container to delete from the loop (once). */
static void
due(struct zk_server *s, const char *parent)
{
	size_t	 i;

	for (i = 0; i < s->ncontainers_due; i++)
		if (strcmp(s->containers_due[i], parent) == 0)
			return;
	s->containers_due = zk_xrealloc(s->containers_due,
	    (s->ncontainers_due + 1) * sizeof(*s->containers_due));
	s->containers_due[s->ncontainers_due++] = zk_xstrdup(parent);
	if (s->ev_containers != NULL)
		event_active(s->ev_containers, EV_TIMEOUT, 0);
}

/* Invariant (5): a container this txn emptied. */
static void
note_container(struct zk_server *s, const char *path)
{
	char	 parent[4096];

	if (parent_of(path, parent, sizeof(parent)) &&
	    zk_db_is_empty_container(&s->db, parent))
		due(s, parent);
}

static int
scan_one(const struct zk_node *n, void *arg)
{
	struct zk_server	*s = arg;
	const char		*path = zk_node_path(n);

	if (zk_node_is_container(n) && zk_db_is_empty_container(&s->db, path))
		due(s, path);
	return 0;
}

void
zk_notify_scan_containers(struct zk_server *s)
{
	if (may_delete_containers(s))
		(void)zk_tree_walk(s->db.tree, zk_tree_find(s->db.tree, "/"),
		    scan_one, s);
}

/* The db's applied hook (db.h). */
static void
applied(void *arg, const struct zk_txn *t, const struct zk_result *res)
{
	struct zk_server	*s = arg;
	struct zk_evlist	 l;
	struct sending		 x;
	size_t			 i;

	if (res == NULL) {
		/* A snapshot was loaded: the window starts again after it. */
		zk_evwindow_reset(s->evwin, t->zxid);
		return;
	}
	memset(&l, 0, sizeof(l));
	zk_events_of(t, res, &l);
	if (l.n == 0)
		return;
	x.s = s;
	x.l = &l;
	for (i = 0; i < l.n; i++) {
		x.i = i;
		s->event_seq++;
		if (zk_watches_count(s->watches) > 0) {
			if (zk_watches_count_persistent(s->watches) > 0)
				zk_watches_match_persistent(s->watches,
				    l.ev[i].path, l.ev[i].type, to_persistent,
				    &x);
			zk_watches_trigger(s->watches, l.ev[i].path,
			    l.ev[i].type, to_oneshot, &x);
		}
		if (l.ev[i].type == ZK_EVENT_DELETED &&
		    may_delete_containers(s))
			note_container(s, l.ev[i].path);
	}
	zk_evwindow_add(s->evwin, &l);
	zk_evlist_close(&l);
}

/* From the loop: propose the deletion of the containers emptied. */
static void
on_containers(evutil_socket_t fd, short what, void *arg)
{
	struct zk_server	*s = arg;
	struct zk_txn		 t;
	size_t			 i;

	(void)fd;
	(void)what;
	for (i = 0; i < s->ncontainers_due; i++) {
		if (may_delete_containers(s) && !s->stopping &&
		    zk_db_is_empty_container(&s->db, s->containers_due[i])) {
			memset(&t, 0, sizeof(t));
			t.type = ZK_TXN_DELETE_CONTAINER;
			t.path = s->containers_due[i];	/* taken over */
			t.version = -1;
			s->containers_due[i] = NULL;
			(void)zk_pipeline_propose_own(s, &t);
		}
		free(s->containers_due[i]);
	}
	s->ncontainers_due = 0;
}

/* The table's owners are connections: each keeps its own count. */
static size_t *
watch_count(void *owner)
{
	return &((struct zk_conn *)owner)->nwatches;
}

void
zk_notify_init(struct zk_server *s)
{
	zk_watches_count_into(s->watches, watch_count);
	s->evwin = zk_evwindow_new((size_t)s->cfg.event_window_txns,
	    (size_t)s->cfg.event_window_bytes, s->db.last_zxid);
	s->db.applied = applied;
	s->db.applied_arg = s;
}

void
zk_notify_start(struct zk_server *s)
{
	s->ev_containers = event_new(s->base, -1, 0, on_containers, s);
	if (s->cfg.nservers <= 1)	/* a leader scans when it starts */
		zk_notify_scan_containers(s);
	if (s->ncontainers_due > 0 && s->ev_containers != NULL)
		event_active(s->ev_containers, EV_TIMEOUT, 0);
}

void
zk_notify_free(struct zk_server *s)
{
	size_t	 i;

	if (s->ev_containers != NULL)
		event_free(s->ev_containers);
	for (i = 0; i < s->ncontainers_due; i++)
		free(s->containers_due[i]);
	free(s->containers_due);
	if (s->evwin != NULL)
		zk_evwindow_free(s->evwin);
}

/* A replayed event for an addWatch: to its connection alone. */
struct replay {
	struct zk_conn	*c;
	int		 want_data;
};

static void
replay_one(void *arg, int64_t zxid, int32_t index, const struct zk_event *ev)
{
	struct replay	*r = arg;

	send_event_to(r->c, zxid, index, ev, r->want_data, 1);
}

/* Refuses a watch past the connection's bound, in O(1). */
static int
over_bound(struct zk_conn *c)
{
	return c->nwatches >= (size_t)c->peer->cfg.max_watches;
}

int
zk_notify_oneshot(struct zk_conn *c, const char *path, int kind)
{
	if (over_bound(c))
		return ZK_EBUSY;
	zk_watches_add(c->peer->watches, path, kind, c);
	return ZK_OK;
}

/* addWatch: invariant (2). */
static int
add_watch(struct zk_conn *c, const struct zk_request *r, struct zk_error *e)
{
	struct zk_server	*s = c->peer;
	struct replay		 rp;

	if (r->watch_mode != ZK_WATCH_PERSISTENT &&
	    r->watch_mode != ZK_WATCH_RECURSIVE)
		return zk_error_set(e, ZK_EBADARGUMENTS, "no such watch mode "
		    "%d", r->watch_mode);
	if (over_bound(c))
		return zk_error_set(e, ZK_EBUSY, "more than %d watches on one "
		    "connection", s->cfg.max_watches);
	if (r->has_since) {
		rp.c = c;
		rp.want_data = r->want_data;
		if (zk_evwindow_replay(s->evwin, r->since_zxid, r->since_index,
		    r->watch_mode, r->path, replay_one, &rp, e) != ZK_OK)
			return e->code;
		/*
		 * Invariant (4) counts from the end of the replay: a client
		 * catching up has the bound again for the live events.
		 */
		c->replay_unread = evbuffer_get_length(
		    bufferevent_get_output(c->bev));
	}
	zk_watches_add_persistent(s->watches, r->path, r->watch_mode,
	    r->want_data, c);
	return ZK_OK;
}

/*
 * setWatches: one-shot watches set again after a reconnect; those whose
 * nodes changed after last_zxid fire at once (ZooKeeper's rules), the
 * rest are armed again.
 */
static void
set_watches(struct zk_conn *c, const struct zk_request *r)
{
	struct zk_server	*s = c->peer;
	const struct zk_stat	*st;
	struct zk_node		*n;
	struct zk_event		 ev;
	int64_t			 z = r->last_zxid, at;
	size_t			 i, k;
	char * const		*v[3] = { r->data_watches, r->exist_watches,
				    r->child_watches };
	size_t			 nv[3] = { r->ndata_watches, r->nexist_watches,
				    r->nchild_watches };

	for (k = 0; k < 3; k++)
		for (i = 0; i < nv[k]; i++) {
			memset(&ev, 0, sizeof(ev));
			ev.path = v[k][i];
			n = zk_tree_find(s->db.tree, ev.path);
			st = n != NULL ? zk_node_stat(n) : NULL;
			at = s->db.last_zxid;
			if (k == 1 && n != NULL) {
				ev.type = ZK_EVENT_CREATED;
				at = st->czxid;
			} else if (k != 1 && n == NULL)
				ev.type = ZK_EVENT_DELETED;
			else if (k == 0 && st->mzxid > z) {
				ev.type = ZK_EVENT_CHANGED;
				at = st->mzxid;
			} else if (k == 2 && st->pzxid > z) {
				ev.type = ZK_EVENT_CHILDREN;
				at = st->pzxid;
			}
			if (ev.type != 0)
				send_event_to(c, at, 0, &ev, 0, 0);
			else
				(void)zk_notify_oneshot(c, ev.path, k == 2 ?
				    ZK_WATCH_CHILD : ZK_WATCH_DATA);
		}
}

void
zk_notify_request(struct zk_conn *c, struct creq *q)
{
	struct zk_server	*s = c->peer;
	const struct zk_request	*r = &q->req;
	struct zk_reply		 rep;
	struct zk_error		 e;

	memset(&rep, 0, sizeof(rep));
	rep.xid = r->xid;
	switch (r->op) {
	case ZK_OP_ADDWATCH:
		if ((rep.err = add_watch(c, r, &e)) != ZK_OK)
			zk_peer_log(s, "client %s: addWatch %s: %s", c->name,
			    r->path, e.msg);
		break;
	case ZK_OP_REMOVEWATCH:
		if (zk_watches_remove(s->watches, r->path, r->watch_mode,
		    c) == 0)
			rep.err = ZK_ENOWATCHER;
		break;
	case ZK_OP_SETWATCHES:
		set_watches(c, r);
		break;
	}
	if (c->closing)
		return;		/* cut off while answering (invariant (4)) */
	rep.zxid = s->db.last_zxid;
	zk_conn_send(c, &rep, q->start_us);
}

void
zk_notify_status(struct zk_server *s, size_t *txns, int64_t *floor)
{
	*txns = zk_evwindow_txns(s->evwin);
	*floor = zk_evwindow_floor(s->evwin);
}
