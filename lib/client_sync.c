/*
 * The blocking layer over the client: each call submits one request and
 * runs the event loop a turn at a time (EVLOOP_ONCE) until its reply
 * callback has fired or the deadline timer has. A one-shot tool thus costs
 * exactly its round trips: connect, the request, close. Tools that wait
 * on the tree (a lock, an election) leave one-shot watches with their
 * reads and then run the loop until the counter of events, state changes
 * and caught signals moves (zk_sync_wait_change).
 *
 * Invariants:
 *  (1) A call that gives up at its deadline leaves its waiter behind,
 *      marked abandoned; the reply callback, which the client still owes
 *      (client.h invariant (1)), frees it. Nothing points at the stack.
 *  (2) What a call returns is a deep copy of the reply, owned by the
 *      caller; the client's borrowed reply is never kept.
 *  (3) A call is sent again, within its one deadline, only when doing so
 *      cannot do anything twice: the server refused it unseen
 *      (ZK_ENOTSERVING: it stopped serving, and the client moves on), or
 *      it reads (get, exists, children, sync) and its connection was
 *      lost. A write whose connection was lost has an unknown outcome:
 *      that is the caller's to report (CLI.md exit 3), never retried.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "client_sync.h"
#include "error.h"
#include "proto.h"
#include "util.h"

#define CLOSE_WAIT_MS	2000	/* for the closeSession reply */
#define STATUS_MAX_FRAME (16 * 1024 * 1024)

static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NCAUGHT	(sizeof(caught_signals) / sizeof(caught_signals[0]))

struct zk_sync {
	struct event_base	*base;
	struct zk_client	*client;
	struct event		*timer;		/* the deadline of the wait */
	int64_t			 timeout_ms;	/* per call; 0: none */
	int			 timed_out;
	unsigned long		 changes;	/* watch events, state changes
						   and caught signals, for waits */
	char			*deleted;	/* the last change was this
						   node's deletion event */
	struct event		*sig[NCAUGHT];	/* zk_sync_catch_signals */
	int			 signal;	/* the last one caught, or 0 */
};

struct waiter {
	int		 done;
	int		 abandoned;	/* invariant (1) */
	struct zk_reply	 rep;		/* a copy, invariant (2) */
};

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct zk_sync	*s = arg;

	(void)fd;
	(void)what;
	s->timed_out = 1;
}

/*
 * Runs the loop until done(arg) or ms passed (0: no limit). ZK_OK when
 * done, else ZK_ETIMEOUT.
 */
static int
wait_until(struct zk_sync *s, int (*done)(const void *), const void *arg,
    int64_t ms)
{
	struct timeval	 tv;

	s->timed_out = 0;
	if (ms > 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(s->timer, &tv);
	}
	/* 1 from the loop: nothing left that could ever fire. */
	while (!done(arg) && !s->timed_out)
		if (event_base_loop(s->base, EVLOOP_ONCE) != 0)
			break;
	evtimer_del(s->timer);
	return done(arg) ? ZK_OK : ZK_ETIMEOUT;
}

static int
not_connecting(const void *arg)
{
	return zk_client_state(arg) != ZK_STATE_CONNECTING;
}

static int
is_final(const void *arg)
{
	int	 st = zk_client_state(arg);

	return st == ZK_STATE_CLOSED || st == ZK_STATE_EXPIRED ||
	    st == ZK_STATE_FAILED;
}

static int
waiter_done(const void *arg)
{
	return ((const struct waiter *)arg)->done;
}

/* Every event and state change: a wait on the tree looks again. */
static void
on_watch(struct zk_client *c, int state, const struct zk_reply *ev,
    void *arg)
{
	struct zk_sync	*s = arg;

	(void)c;
	(void)state;
	free(s->deleted);
	s->deleted = NULL;
	if (ev != NULL && ev->event_type == ZK_EVENT_DELETED &&
	    ev->path != NULL)
		s->deleted = zk_xstrdup(ev->path);
	s->changes++;
}

struct change_wait {
	const struct zk_sync	*s;
	unsigned long		 seen;
};

static int
changed(const void *arg)
{
	const struct change_wait *w = arg;

	return w->s->changes != w->seen;
}

struct zk_sync *
zk_sync_connect(const char *servers, int32_t session_timeout_ms,
    int64_t timeout_ms, struct zk_error *e)
{
	struct zk_client_opts	 o;
	struct zk_sync		*s;
	int			 rc;

	s = zk_xcalloc(1, sizeof(*s));
	s->timeout_ms = timeout_ms;
	if ((s->base = event_base_new()) == NULL ||
	    (s->timer = evtimer_new(s->base, on_timer, s)) == NULL) {
		zk_error_set(e, ZK_ESYSTEM, "cannot create an event loop");
		goto fail;
	}
	memset(&o, 0, sizeof(o));
	o.servers = servers;
	o.session_timeout_ms = session_timeout_ms;
	o.connect_timeout_ms = timeout_ms;
	if ((s->client = zk_client_new(s->base, &o, on_watch, s, e)) == NULL)
		goto fail;
	/* The client's own deadline ends the wait: FAILED. */
	(void)wait_until(s, not_connecting, s->client, 0);
	switch (zk_client_state(s->client)) {
	case ZK_STATE_CONNECTED:
		return s;
	case ZK_STATE_FAILED:
		rc = zk_client_error(s->client);
		if (rc == ZK_ETIMEOUT)
			zk_error_set(e, rc, "no session within %lld ms",
			    (long long)timeout_ms);
		else
			zk_error_set(e, rc, "%s", zk_error_str(rc));
		break;
	default:
		zk_error_set(e, zk_client_error(s->client), "%s",
		    zk_error_str(zk_client_error(s->client)));
		break;
	}
fail:
	zk_sync_close(s);
	return NULL;
}

void
zk_sync_close(struct zk_sync *s)
{
	int64_t	 ms = CLOSE_WAIT_MS;

	if (s == NULL)
		return;
	zk_sync_catch_signals(s, 0);
	if (s->client != NULL) {
		zk_client_close(s->client);
		if (s->timeout_ms > 0 && s->timeout_ms < ms)
			ms = s->timeout_ms;
		(void)wait_until(s, is_final, s->client, ms);
		zk_client_free(s->client);
	}
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->base != NULL)
		event_base_free(s->base);
	free(s->deleted);
	free(s);
}

struct event_base *
zk_sync_base(struct zk_sync *s)
{
	return s->base;
}

struct zk_client *
zk_sync_client(struct zk_sync *s)
{
	return s->client;
}

/* A deep copy of rep into dst (invariant (2)). */
static void
reply_copy(struct zk_reply *dst, const struct zk_reply *src)
{
	size_t	 i;

	*dst = *src;
	dst->path = src->path ? zk_xstrdup(src->path) : NULL;
	dst->status_json = src->status_json ? zk_xstrdup(src->status_json) :
	    NULL;
	if (src->data != NULL) {
		/* NUL-terminated for callers that print it as a string. */
		dst->data = zk_xmalloc(src->data_len + 1);
		memcpy(dst->data, src->data, src->data_len);
		dst->data[src->data_len] = '\0';
	}
	if (src->children != NULL) {
		dst->children = zk_xcalloc(src->nchildren + 1,
		    sizeof(*dst->children));
		for (i = 0; i < src->nchildren; i++)
			dst->children[i] = zk_xstrdup(src->children[i]);
	}
	if (src->results != NULL) {
		dst->results = zk_xcalloc(src->nresults + 1,
		    sizeof(*dst->results));
		for (i = 0; i < src->nresults; i++) {
			dst->results[i] = src->results[i];
			if (src->results[i].path != NULL)
				dst->results[i].path =
				    zk_xstrdup(src->results[i].path);
		}
	}
}

static void
on_reply(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct waiter	*w = arg;

	(void)c;
	if (w->abandoned) {
		free(w);
		return;
	}
	reply_copy(&w->rep, rep);
	w->done = 1;
}

/* Invariant (3). */
static int
safe_again(int op, int err)
{
	if (err == ZK_ENOTSERVING)
		return 1;
	if (err != ZK_ECONNLOSS)
		return 0;
	return op == ZK_OP_GETDATA || op == ZK_OP_EXISTS ||
	    op == ZK_OP_GETCHILDREN || op == ZK_OP_SYNC;
}

int
zk_sync_call(struct zk_sync *s, const struct zk_request *req,
    struct zk_reply *rep, struct zk_error *e)
{
	struct waiter	*w;
	int64_t		 deadline = 0, left = 0;
	int		 rc, st;

	if (s->timeout_ms > 0)
		deadline = zk_now_mono_ms() + s->timeout_ms;
	/*
	 * What happened while no call ran the loop (a server that went away
	 * between two calls) is seen first: the request then waits for the
	 * reconnected session instead of going down a dead connection with
	 * an outcome nobody could know.
	 */
	(void)event_base_loop(s->base, EVLOOP_NONBLOCK);
again:
	if (deadline > 0 && (left = deadline - zk_now_mono_ms()) < 1)
		left = 1;
	w = zk_xcalloc(1, sizeof(*w));
	zk_client_submit(s->client, req, on_reply, w);
	if (wait_until(s, waiter_done, w, left) != ZK_OK) {
		w->abandoned = 1;
		memset(rep, 0, sizeof(*rep));
		rep->err = ZK_ETIMEOUT;
		return zk_error_set(e, ZK_ETIMEOUT, "no reply within %lld ms",
		    (long long)s->timeout_ms);
	}
	*rep = w->rep;
	free(w);
	rc = rep->err;
	st = zk_client_state(s->client);
	if (safe_again(req->op, rc) && (deadline == 0 ||
	    zk_now_mono_ms() < deadline) && st != ZK_STATE_EXPIRED &&
	    st != ZK_STATE_CLOSED && st != ZK_STATE_FAILED) {
		zk_reply_close(rep);
		goto again;
	}
	if (rc != ZK_OK)
		zk_error_set(e, rc, "%s", zk_error_str(rc));
	return rc;
}

static void
request(struct zk_request *req, int op, const char *path)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->path = (char *)path;
	req->version = -1;
}

int
zk_sync_get(struct zk_sync *s, const char *path, char **data, size_t *len,
    struct zk_stat *st, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_GETDATA, path);
	if ((rc = zk_sync_call(s, &req, &rep, e)) != ZK_OK) {
		zk_reply_close(&rep);
		return rc;
	}
	if (data != NULL) {
		*data = rep.data != NULL ? rep.data : zk_xstrdup("");
		rep.data = NULL;
	}
	if (len != NULL)
		*len = rep.data_len;
	if (st != NULL)
		*st = rep.stat;
	zk_reply_close(&rep);
	return ZK_OK;
}

static int
exists(struct zk_sync *s, const char *path, int watch, struct zk_stat *st,
    struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_EXISTS, path);
	req.watch = watch;
	rc = zk_sync_call(s, &req, &rep, e);
	if (rc == ZK_OK && st != NULL)
		*st = rep.stat;
	zk_reply_close(&rep);
	return rc;
}

int
zk_sync_exists(struct zk_sync *s, const char *path, struct zk_stat *st,
    struct zk_error *e)
{
	return exists(s, path, 0, st, e);
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
children(struct zk_sync *s, const char *path, int watch, char ***names,
    size_t *count, struct zk_stat *st, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_GETCHILDREN, path);
	req.watch = watch;
	if ((rc = zk_sync_call(s, &req, &rep, e)) != ZK_OK) {
		zk_reply_close(&rep);
		return rc;
	}
	if (rep.children == NULL)
		rep.children = zk_xcalloc(1, sizeof(*rep.children));
	qsort(rep.children, rep.nchildren, sizeof(*rep.children), namecmp);
	if (names != NULL) {
		*names = rep.children;
		rep.children = NULL;
	}
	if (count != NULL)
		*count = rep.nchildren;
	if (names != NULL)
		rep.nchildren = 0;
	if (st != NULL)
		*st = rep.stat;
	zk_reply_close(&rep);
	return ZK_OK;
}

int
zk_sync_children(struct zk_sync *s, const char *path, char ***names,
    size_t *count, struct zk_stat *st, struct zk_error *e)
{
	return children(s, path, 0, names, count, st, e);
}

int
zk_sync_create(struct zk_sync *s, const char *path, const void *data,
    size_t len, int flags, char **created, struct zk_stat *st,
    struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_CREATE, path);
	req.data = (char *)data;
	req.data_len = len;
	req.has_data = 1;
	req.flags = flags;
	if ((rc = zk_sync_call(s, &req, &rep, e)) != ZK_OK) {
		zk_reply_close(&rep);
		return rc;
	}
	if (created != NULL) {
		*created = rep.path != NULL ? rep.path : zk_xstrdup(path);
		rep.path = NULL;
	}
	if (st != NULL)
		*st = rep.stat;
	zk_reply_close(&rep);
	return ZK_OK;
}

int
zk_sync_set(struct zk_sync *s, const char *path, const void *data,
    size_t len, int32_t version, struct zk_stat *st, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_SETDATA, path);
	req.data = (char *)data;
	req.data_len = len;
	req.has_data = 1;
	req.version = version;
	rc = zk_sync_call(s, &req, &rep, e);
	if (rc == ZK_OK && st != NULL)
		*st = rep.stat;
	zk_reply_close(&rep);
	return rc;
}

int
zk_sync_delete(struct zk_sync *s, const char *path, int32_t version,
    struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_DELETE, path);
	req.version = version;
	rc = zk_sync_call(s, &req, &rep, e);
	zk_reply_close(&rep);
	return rc;
}

int
zk_sync_wait_exists(struct zk_sync *s, const char *path, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	struct change_wait	 w;
	int64_t			 deadline = 0, left = 0;
	int			 rc;

	if (s->timeout_ms > 0)
		deadline = zk_now_mono_ms() + s->timeout_ms;
	for (;;) {
		/*
		 * Anything that happens from here on counts: the watch the
		 * exists leaves, and a reconnect, which loses it (watches are
		 * the connection's), both send us round again.
		 */
		w.s = s;
		w.seen = s->changes;
		request(&req, ZK_OP_EXISTS, path);
		req.watch = 1;
		rc = zk_sync_call(s, &req, &rep, e);
		zk_reply_close(&rep);
		if (rc != ZK_ENONODE)
			return rc;
		if (deadline > 0 && (left = deadline - zk_now_mono_ms()) < 1)
			break;
		if (wait_until(s, changed, &w, left) != ZK_OK)
			break;
	}
	return zk_error_set(e, ZK_ETIMEOUT, "%s did not appear within %lld ms",
	    path, (long long)s->timeout_ms);
}

int
zk_sync_exists_watch(struct zk_sync *s, const char *path, struct zk_stat *st,
    struct zk_error *e)
{
	return exists(s, path, 1, st, e);
}

int
zk_sync_children_watch(struct zk_sync *s, const char *path, char ***names,
    size_t *count, struct zk_stat *st, struct zk_error *e)
{
	return children(s, path, 1, names, count, st, e);
}

unsigned long
zk_sync_mark(const struct zk_sync *s)
{
	return s->changes;
}

int
zk_sync_only_deleted(const struct zk_sync *s, unsigned long mark,
    const char *path)
{
	return s->changes == mark + 1 && s->deleted != NULL &&
	    strcmp(s->deleted, path) == 0;
}

int
zk_sync_wait_change(struct zk_sync *s, unsigned long mark,
    int64_t deadline_ms)
{
	struct change_wait	 w;
	int64_t			 left = 0;

	w.s = s;
	w.seen = mark;
	if (changed(&w))
		return ZK_OK;
	if (deadline_ms > 0 && (left = deadline_ms - zk_now_mono_ms()) < 1)
		return ZK_ETIMEOUT;
	return wait_until(s, changed, &w, left);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct zk_sync	*s = arg;

	(void)what;
	s->signal = (int)sig;
	free(s->deleted);
	s->deleted = NULL;
	s->changes++;
}

void
zk_sync_catch_signals(struct zk_sync *s, int on)
{
	size_t	 i;

	for (i = 0; i < NCAUGHT; i++) {
		if (on && s->sig[i] == NULL) {
			s->sig[i] = evsignal_new(s->base, caught_signals[i],
			    on_signal, s);
			if (s->sig[i] != NULL)
				evsignal_add(s->sig[i], NULL);
		} else if (!on && s->sig[i] != NULL) {
			event_free(s->sig[i]);
			s->sig[i] = NULL;
		}
	}
	if (on)
		s->signal = 0;
}

int
zk_sync_signal(const struct zk_sync *s)
{
	return s->signal;
}

int
zk_sync_sync(struct zk_sync *s, const char *path, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	int			 rc;

	request(&req, ZK_OP_SYNC, path);
	rc = zk_sync_call(s, &req, &rep, e);
	zk_reply_close(&rep);
	return rc;
}

void
zk_names_free(char **names, size_t count)
{
	size_t	 i;

	if (names == NULL)
		return;
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* The status query: one blocking exchange, no session, no event loop. */

/* Milliseconds left before deadline (-1: none), at least 0. */
static int
left_ms(int64_t deadline)
{
	int64_t	 ms;

	if (deadline == 0)
		return -1;
	ms = deadline - zk_now_mono_ms();
	if (ms < 0)
		ms = 0;
	return ms > 1000000 ? 1000000 : (int)ms;
}

static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	do {
		n = poll(&pfd, 1, left_ms(deadline));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return ZK_ESYSTEM;
	return n == 0 ? ZK_ETIMEOUT : ZK_OK;
}

/* Reads exactly n bytes. */
static int
read_full(int fd, char *p, size_t n, int64_t deadline)
{
	ssize_t	 r;
	int	 rc;

	while (n > 0) {
		if ((rc = wait_fd(fd, POLLIN, deadline)) != ZK_OK)
			return rc;
		r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return ZK_ECONNLOSS;
		p += r;
		n -= (size_t)r;
	}
	return ZK_OK;
}

static int
write_full(int fd, const char *p, size_t n, int64_t deadline)
{
	ssize_t	 r;
	int	 rc;

	while (n > 0) {
		if ((rc = wait_fd(fd, POLLOUT, deadline)) != ZK_OK)
			return rc;
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return ZK_ECONNLOSS;
		p += r;
		n -= (size_t)r;
	}
	return ZK_OK;
}

static int
status_connect(const char *server, int64_t deadline, int *fdp,
    struct zk_error *e)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, rc, err, sslen;

	if ((rc = zk_client_resolve(server, &ss, &sslen, e)) != ZK_OK)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return zk_error_set(e, ZK_ESYSTEM, "%s: socket: %s", server,
		    strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, (socklen_t)sslen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			return zk_error_set(e, ZK_EUNREACHABLE, "%s: %s",
			    server, strerror(err));
		}
		if ((rc = wait_fd(fd, POLLOUT, deadline)) != ZK_OK) {
			close(fd);
			return zk_error_set(e, rc, "%s: %s", server,
			    rc == ZK_ETIMEOUT ? "no connection in time" :
			    strerror(errno));
		}
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			close(fd);
			return zk_error_set(e, ZK_EUNREACHABLE, "%s: %s",
			    server, strerror(err));
		}
	}
	*fdp = fd;
	return ZK_OK;
}

int
zk_status_query(const char *server, int64_t timeout_ms, char **json,
    struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	struct zk_buf		 b;
	char			 hdr[ZK_FRAME_HDR];
	int64_t			 deadline = 0;
	uint32_t		 len;
	int			 fd = -1, rc;

	*json = NULL;
	if (timeout_ms > 0)
		deadline = zk_now_mono_ms() + timeout_ms;
	if ((rc = status_connect(server, deadline, &fd, e)) != ZK_OK)
		return rc;
	zk_buf_init(&b);
	memset(&req, 0, sizeof(req));
	req.xid = 1;
	req.op = ZK_OP_STATUS;
	req.version = -1;
	zk_proto_encode_request(&b, &req);
	rc = write_full(fd, b.data, b.len, deadline);
	if (rc == ZK_OK)
		rc = read_full(fd, hdr, sizeof(hdr), deadline);
	if (rc != ZK_OK) {
		zk_error_set(e, rc, "%s: %s", server, rc == ZK_ETIMEOUT ?
		    "no answer in time" : "connection lost");
		goto out;
	}
	if ((rc = zk_frame_check(hdr, STATUS_MAX_FRAME, &len, e)) != ZK_OK)
		goto out;
	b.len = 0;
	zk_buf_reserve(&b, len);
	if ((rc = read_full(fd, b.data, len, deadline)) != ZK_OK) {
		zk_error_set(e, rc, "%s: %s", server, rc == ZK_ETIMEOUT ?
		    "no answer in time" : "connection lost");
		goto out;
	}
	if ((rc = zk_proto_decode_reply(b.data, len, &rep, e)) != ZK_OK)
		goto out;
	if (rep.err != ZK_OK)
		rc = zk_error_set(e, rep.err, "%s: %s", server,
		    zk_error_str(rep.err));
	else if (rep.status_json == NULL)
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the status reply has no figures", server);
	else {
		*json = rep.status_json;
		rep.status_json = NULL;
	}
	zk_reply_close(&rep);
out:
	zk_buf_close(&b);
	close(fd);
	return rc;
}
