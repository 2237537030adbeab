/*
 * Unit tests for lib/client.c and lib/client_sync.c against an in-process
 * fake server: an evconnlistener on 127.0.0.1 port 0 that speaks
 * lib/proto.h (connect, ping, getData, close, status) and can be told to
 * refuse, stay silent, hold replies or drop connections. The async tests
 * run the fake on the client's own event_base; the blocking ones run it on
 * a thread of its own. Every wait is bounded by a deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "client.h"
#include "client_sync.h"
#include "error.h"
#include "proto.h"
#include "test.h"
#include "util.h"

#define MAXHELD		512
#define MAXCONNS	16

/* The fake server */

struct fake {
	struct event_base	*base;
	struct evconnlistener	*lis;
	int			 port;
	char			 addr[32];		/* "127.0.0.1:port" */
	int64_t			 session_id;		/* for new sessions */
	unsigned char		 passwd[ZK_PASSWD_LEN];
	int32_t			 timeout_ms;		/* 0: as asked */
	int			 connect_err;		/* refuse with it */
	int			 silent;		/* answer nothing */
	int			 hold;			/* keep replies back */
	int			 ignore_pings;
	int			 event_first;		/* event, then reply */
	int64_t			 zxid;
	/* what it saw */
	int			 nconnects, npings, nrequests, ncloses;
	int64_t			 conn_sid;		/* the last connect's */
	int64_t			 conn_lz;
	int32_t			 conn_to;
	unsigned char		 conn_pw[ZK_PASSWD_LEN];
	int64_t			 xids[MAXHELD];		/* request xids */
	int			 ops[MAXHELD];		/* and ops */
	char			 rpath[MAXHELD][32];	/* and paths: setWatches'
							   first data watch */
	int64_t			 rzxid[MAXHELD];	/* setWatches' lz, addWatch's
							   since (-1: none) */
	/* held replies */
	struct bufferevent	*held_bev[MAXHELD];
	int64_t			 held_xid[MAXHELD];
	char			*held_path[MAXHELD];
	int			 nheld;
	struct bufferevent	*conns[MAXCONNS];
	int			 nconns;
};

static void
fake_send(struct fake *f, struct bufferevent *bev, const struct zk_reply *rep)
{
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_proto_encode_reply(&b, rep);
	bufferevent_write(bev, b.data, b.len);
	zk_buf_close(&b);
	(void)f;
}

static void
fake_answer(struct fake *f, struct bufferevent *bev, int64_t xid,
    const char *path)
{
	struct zk_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	f->zxid++;
	if (f->event_first) {
		rep.xid = ZK_XID_EVENT;
		rep.zxid = f->zxid;
		rep.event_type = ZK_EVENT_CHANGED;
		rep.path = (char *)path;
		fake_send(f, bev, &rep);
		memset(&rep, 0, sizeof(rep));
	}
	rep.xid = xid;
	rep.zxid = f->zxid;
	rep.data = (char *)path;
	rep.data_len = strlen(path);
	rep.has_data = 1;
	rep.has_stat = 1;
	rep.stat.version = 7;
	fake_send(f, bev, &rep);
}

static void
fake_forget(struct fake *f, struct bufferevent *bev)
{
	int	 i;

	for (i = 0; i < f->nconns; i++)
		if (f->conns[i] == bev)
			f->conns[i] = f->conns[--f->nconns];
	for (i = 0; i < f->nheld; i++)
		if (f->held_bev[i] == bev)
			f->held_bev[i] = NULL;
	bufferevent_free(bev);
}

static void
fake_request(struct fake *f, struct bufferevent *bev,
    const struct zk_request *req)
{
	struct zk_reply	 rep;

	if (f->silent)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.xid = req->xid;
	rep.zxid = f->zxid;
	switch (req->op) {
	case ZK_OP_CONNECT:
		f->nconnects++;
		f->conn_sid = req->session_id;
		f->conn_lz = req->last_zxid;
		f->conn_to = req->timeout_ms;
		memcpy(f->conn_pw, req->passwd, ZK_PASSWD_LEN);
		if (f->connect_err != ZK_OK) {
			rep.err = f->connect_err;
			fake_send(f, bev, &rep);
			return;
		}
		rep.has_session = 1;
		rep.session_id = req->session_id != 0 ? req->session_id :
		    f->session_id;
		rep.timeout_ms = f->timeout_ms ? f->timeout_ms :
		    req->timeout_ms;
		memcpy(rep.passwd, f->passwd, ZK_PASSWD_LEN);
		fake_send(f, bev, &rep);
		return;
	case ZK_OP_PING:
		f->npings++;
		if (!f->ignore_pings)
			fake_send(f, bev, &rep);
		return;
	case ZK_OP_CLOSE:
		f->ncloses++;
		fake_send(f, bev, &rep);
		return;
	case ZK_OP_STATUS:
		rep.status_json = "{\"mode\":\"standalone\"}";
		fake_send(f, bev, &rep);
		return;
	}
	if (f->nrequests < MAXHELD) {
		f->xids[f->nrequests] = req->xid;
		f->ops[f->nrequests] = req->op;
		snprintf(f->rpath[f->nrequests], sizeof(f->rpath[0]), "%s",
		    req->op == ZK_OP_SETWATCHES ? (req->ndata_watches > 0 ?
		    req->data_watches[0] : "") : req->path ? req->path : "");
		f->rzxid[f->nrequests] = req->op == ZK_OP_SETWATCHES ?
		    req->last_zxid : req->has_since ? req->since_zxid : -1;
	}
	f->nrequests++;
	if (f->hold && f->nheld < MAXHELD) {
		f->held_bev[f->nheld] = bev;
		f->held_xid[f->nheld] = req->xid;
		f->held_path[f->nheld] = zk_xstrdup(req->path ? req->path : "");
		f->nheld++;
		return;
	}
	fake_answer(f, bev, req->xid, req->path ? req->path : "");
}

static void
fake_read(struct bufferevent *bev, void *arg)
{
	struct fake		*f = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct zk_request	 req;
	unsigned char		 hdr[ZK_FRAME_HDR], *p;
	uint32_t		 len;

	while (evbuffer_get_length(in) >= ZK_FRAME_HDR) {
		evbuffer_copyout(in, hdr, ZK_FRAME_HDR);
		if (zk_frame_check(hdr, 1 << 24, &len, NULL) != ZK_OK) {
			fake_forget(f, bev);
			return;
		}
		if (evbuffer_get_length(in) < ZK_FRAME_HDR + len)
			return;
		p = evbuffer_pullup(in, ZK_FRAME_HDR + len);
		if (zk_proto_decode_request((char *)p + ZK_FRAME_HDR, len,
		    1 << 20, &req, NULL) != ZK_OK) {
			fake_forget(f, bev);
			return;
		}
		evbuffer_drain(in, ZK_FRAME_HDR + len);
		fake_request(f, bev, &req);
		zk_request_close(&req);
	}
}

static void
fake_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	fake_forget(arg, bev);
}

static void
fake_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fake		*f = arg;
	struct bufferevent	*bev;

	(void)l;
	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, fake_read, NULL, fake_event, f);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (f->nconns < MAXCONNS)
		f->conns[f->nconns++] = bev;
}

static struct fake *
fake_new(struct event_base *base)
{
	struct fake		*f = zk_xcalloc(1, sizeof(*f));
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	f->base = base;
	f->session_id = 0x1234567890LL;
	memset(f->passwd, 0xa5, sizeof(f->passwd));
	f->zxid = 100;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lis = evconnlistener_new_bind(base, fake_accept, f,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (f->lis == NULL)
		abort();
	getsockname(evconnlistener_get_fd(f->lis), (struct sockaddr *)&sin,
	    &len);
	f->port = ntohs(sin.sin_port);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", f->port);
	return f;
}

/* Closes every connection the fake holds: the client sees a lost one. */
static void
fake_drop_all(struct fake *f)
{
	while (f->nconns > 0)
		fake_forget(f, f->conns[0]);
}

static void
fake_release(struct fake *f)
{
	int	 i;

	for (i = 0; i < f->nheld; i++) {
		if (f->held_bev[i] != NULL)
			fake_answer(f, f->held_bev[i], f->held_xid[i],
			    f->held_path[i]);
		free(f->held_path[i]);
	}
	f->nheld = 0;
	f->hold = 0;
}

static void
fake_free(struct fake *f)
{
	int	 i;

	fake_drop_all(f);
	for (i = 0; i < f->nheld; i++)
		free(f->held_path[i]);
	evconnlistener_free(f->lis);
	free(f);
}

/* A port nothing listens on: bound once, then closed. */
static int
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Driving the loop */

static int	 woke;

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	woke = 1;
}

/* Runs base until *flag is set or ms passed; returns *flag. */
static int
run_until(struct event_base *base, const volatile int *flag, int ms)
{
	struct event	*t = evtimer_new(base, on_wake, NULL);
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	woke = 0;
	evtimer_add(t, &tv);
	while (!*flag && !woke)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *flag;
}

/* Runs base for ms, whatever happens. */
static void
run_for(struct event_base *base, int ms)
{
	static const int	 never = 0;

	(void)run_until(base, &never, ms);
}

/* What the callbacks saw */

struct log {
	int	 nreplies;
	int64_t	 xid[MAXHELD];
	int	 err[MAXHELD];
	char	 data[MAXHELD][32];
	int	 states[32];
	int	 nstates;
	int	 connected;		/* CONNECTED seen since reset */
	int	 terminal;
	char	 order[64];		/* 'E' event, 'R' reply */
	int	 norder;
	int	 want;			/* replies to wait for */
	int	 enough;		/* nreplies >= want */
	struct zk_client *free_me;	/* free the client on the first reply */
};

static void
log_reply(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct log	*l = arg;
	int		 i = l->nreplies;

	(void)c;
	if (i < MAXHELD) {
		l->xid[i] = rep->xid;
		l->err[i] = rep->err;
		snprintf(l->data[i], sizeof(l->data[i]), "%.*s",
		    (int)rep->data_len, rep->data ? rep->data : "");
	}
	l->nreplies++;
	if (l->norder < 63)
		l->order[l->norder++] = 'R';
	if (l->nreplies >= l->want)
		l->enough = 1;
	if (l->free_me != NULL) {
		c = l->free_me;
		l->free_me = NULL;
		zk_client_free(c);
	}
}

static void
log_watch(struct zk_client *c, int state, const struct zk_reply *ev,
    void *arg)
{
	struct log	*l = arg;

	(void)c;
	if (ev != NULL) {
		if (l->norder < 63)
			l->order[l->norder++] = 'E';
		return;
	}
	if (l->nstates < 32)
		l->states[l->nstates++] = state;
	if (state == ZK_STATE_CONNECTED)
		l->connected = 1;
	if (state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED ||
	    state == ZK_STATE_FAILED)
		l->terminal = 1;
}

static void
get(struct zk_client *c, const char *path, struct log *l)
{
	struct zk_request	 req;

	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_GETDATA;
	req.path = (char *)path;
	req.version = -1;
	zk_client_submit(c, &req, log_reply, l);
}

static struct zk_client *
client(struct event_base *base, const char *servers, int32_t to,
    int64_t cto, struct log *l)
{
	struct zk_client_opts	 o;

	memset(&o, 0, sizeof(o));
	o.servers = servers;
	o.session_timeout_ms = to;
	o.connect_timeout_ms = cto;
	return zk_client_new(base, &o, log_watch, l, NULL);
}

/* The tests */

/* zk_servers_parse: a connect string is HOST:PORT items split by commas. */
static void
test_servers_parse(void)
{
	struct zk_error	 e;
	char		**v;
	size_t		 n;

	ZK_ASSERT_EQ(zk_servers_parse("127.0.0.1:2181, [::1]:2182,zk3:9",
	    &v, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 3);
	ZK_ASSERT_STR(v[0], "127.0.0.1:2181");
	ZK_ASSERT_STR(v[1], "[::1]:2182");
	ZK_ASSERT_STR(v[2], "zk3:9");
	zk_servers_free(v, n);
	ZK_ASSERT_EQ(zk_servers_parse("", &v, &n, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_servers_parse("host", &v, &n, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_servers_parse("h:0", &v, &n, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_servers_parse("h:65536", &v, &n, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_servers_parse("a:1,,b:2", &v, &n, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_servers_parse("::1:2181", &v, &n, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(v == NULL, 1);
}

/* The first message asks for a new session; its id and timeout are kept. */
static void
test_session_established(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	struct log		 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	f->timeout_ms = 3000;
	c = client(base, f->addr, 4000, 2000, &l);
	ZK_ASSERT(c != NULL);
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_CONNECTING);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_CONNECTED);
	ZK_ASSERT_EQ(zk_client_session_id(c), f->session_id);
	ZK_ASSERT_EQ(zk_client_session_timeout(c), 3000);
	ZK_ASSERT_STR(zk_client_server(c), f->addr);
	ZK_ASSERT_EQ(f->nconnects, 1);
	ZK_ASSERT_EQ(f->conn_sid, 0);
	ZK_ASSERT_EQ(f->conn_to, 4000);
	ZK_ASSERT_EQ(zk_client_last_zxid(c), 100);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/* client (2): pipelined requests, all in flight at once, answered in order. */
static void
test_pipelined_in_order(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;
	char			 path[32];
	int			 i, all;

	memset(&l, 0, sizeof(l));
	f->hold = 1;
	c = client(base, f->addr, 4000, 2000, &l);
	/* Submitted while connecting: they wait for the session. */
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		get(c, path, &l);
	}
	ZK_ASSERT_EQ(zk_client_pending(c), 100);
	l.want = 100;
	for (i = 0; i < 200 && f->nrequests < 100; i++)
		run_for(base, 5);
	/* The server holds every reply: all 100 were in flight together. */
	ZK_ASSERT_EQ(f->nrequests, 100);
	ZK_ASSERT_EQ(l.nreplies, 0);
	fake_release(f);
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	all = 1;
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		if (l.xid[i] != i + 1 || f->xids[i] != i + 1 ||
		    l.err[i] != ZK_OK || strcmp(l.data[i], path) != 0)
			all = 0;
	}
	ZK_ASSERT(all);
	ZK_ASSERT_EQ(zk_client_pending(c), 0);
	ZK_ASSERT_EQ(zk_client_last_zxid(c), 200);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/*
 * client (1) and (3): a lost connection fails what was in flight with
 * ZK_ECONNLOSS, then the client resumes the same session with its password
 * and the last zxid it saw.
 */
static void
test_connloss_then_resume(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;
	int			 i;

	memset(&l, 0, sizeof(l));
	c = client(base, f->addr, 4000, 2000, &l);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	l.want = 1;
	get(c, "/a", &l);
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	ZK_ASSERT_EQ(zk_client_last_zxid(c), 101);
	f->hold = 1;
	for (i = 0; i < 5; i++)
		get(c, "/b", &l);
	for (i = 0; i < 200 && f->nrequests < 6; i++)
		run_for(base, 5);
	ZK_ASSERT_EQ(f->nrequests, 6);
	l.connected = 0;
	l.enough = 0;
	l.want = 6;
	fake_drop_all(f);
	f->hold = 0;
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	for (i = 1; i < 6; i++)
		ZK_ASSERT_EQ(l.err[i], ZK_ECONNLOSS);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	ZK_ASSERT_EQ(f->nconnects, 2);
	ZK_ASSERT_EQ(f->conn_sid, f->session_id);
	ZK_ASSERT_MEM(f->conn_pw, f->passwd, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(f->conn_lz, 101);
	ZK_ASSERT_EQ(zk_client_session_id(c), f->session_id);
	ZK_ASSERT_EQ(l.states[0], ZK_STATE_CONNECTED);
	ZK_ASSERT_EQ(l.states[1], ZK_STATE_CONNECTING);
	ZK_ASSERT_EQ(l.states[2], ZK_STATE_CONNECTED);
	/* And the session carries on. */
	l.enough = 0;
	l.want = 7;
	get(c, "/c", &l);
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	ZK_ASSERT_EQ(l.err[6], ZK_OK);
	ZK_ASSERT_STR(l.data[6], "/c");
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

static void
watched_get(struct zk_client *c, const char *path, struct log *l)
{
	struct zk_request	 req;

	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_GETDATA;
	req.path = (char *)path;
	req.watch = 1;
	zk_client_submit(c, &req, log_reply, l);
}

/*
 * client.h invariant (4): on the resumed session the watches go first: an
 * addWatch of the persistent one from where it was, then a setWatches with
 * the one-shot watch still armed and the last zxid; a one-shot watch that
 * fired is not set again.
 */
static void
test_watches_set_again(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;
	struct zk_reply		 ev;
	int			 i, n;

	memset(&l, 0, sizeof(l));
	c = client(base, f->addr, 4000, 2000, &l);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	l.want = 3;
	watched_get(c, "/w", &l);		/* answered at zxid 101 */
	watched_get(c, "/gone", &l);		/* 102 */
	zk_client_add_watch(c, "/p", ZK_WATCH_RECURSIVE, 0, NULL, log_reply,
	    &l);				/* 103 */
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	ZK_ASSERT_EQ(l.err[2], ZK_OK);
	/* /gone fires: a one-shot watch that fired is not set again. */
	memset(&ev, 0, sizeof(ev));
	ev.xid = ZK_XID_EVENT;
	ev.zxid = ++f->zxid;			/* 104 */
	ev.event_type = ZK_EVENT_DELETED;
	ev.path = "/gone";
	fake_send(f, f->conns[0], &ev);
	run_for(base, 20);
	n = f->nrequests;
	l.connected = 0;
	fake_drop_all(f);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	get(c, "/after", &l);
	for (i = 0; i < 200 && f->nrequests < n + 3; i++)
		run_for(base, 5);
	ZK_ASSERT_EQ(f->nrequests, n + 3);
	ZK_ASSERT_EQ(f->ops[n], ZK_OP_ADDWATCH);
	ZK_ASSERT_EQ(f->xids[n], -9);
	ZK_ASSERT_STR(f->rpath[n], "/p");
	/* From its reply's zxid, or a later one: nothing before it is owed. */
	ZK_ASSERT(f->rzxid[n] >= 103);
	ZK_ASSERT_EQ(f->ops[n + 1], ZK_OP_SETWATCHES);
	ZK_ASSERT_EQ(f->xids[n + 1], -8);
	ZK_ASSERT_STR(f->rpath[n + 1], "/w");
	ZK_ASSERT_EQ(f->rzxid[n + 1], 104);	/* the last zxid seen */
	ZK_ASSERT_EQ(f->ops[n + 2], ZK_OP_GETDATA);
	ZK_ASSERT_STR(f->rpath[n + 2], "/after");
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/*
 * Connect string: whichever server it starts at, a refused port and a
 * server that is not serving are passed over for the one that serves.
 */
static void
test_moves_to_next_server(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*good = fake_new(base);
	struct fake		*looking = fake_new(base);
	struct log		 l;
	struct zk_client	*c;
	char			 servers[128], refused[32];
	int			 run, from_refused = 0, from_looking = 0;

	looking->connect_err = ZK_ENOTSERVING;
	snprintf(refused, sizeof(refused), "127.0.0.1:%d", closed_port());
	snprintf(servers, sizeof(servers), "%s,%s,%s", refused,
	    looking->addr, good->addr);
	for (run = 0; run < 60 && (!from_refused || !from_looking); run++) {
		memset(&l, 0, sizeof(l));
		c = client(base, servers, 4000, 2000, &l);
		if (strcmp(zk_client_server(c), refused) == 0)
			from_refused = 1;
		if (strcmp(zk_client_server(c), looking->addr) == 0)
			from_looking = 1;
		ZK_ASSERT(run_until(base, &l.connected, 2000));
		ZK_ASSERT_STR(zk_client_server(c), good->addr);
		zk_client_free(c);
		fake_drop_all(good);
		run_for(base, 1);
	}
	ZK_ASSERT(from_refused);
	ZK_ASSERT(from_looking);
	ZK_ASSERT(looking->nconnects >= 1);
	fake_free(good);
	fake_free(looking);
	event_base_free(base);
}

/*
 * connect_timeout_ms: a server that accepts and never answers makes
 * FAILED with ZK_ETIMEOUT; nothing listening makes ZK_EUNREACHABLE; the
 * waiting request gets the same code.
 */
static void
test_connect_timeout(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;
	char			 refused[32];
	int64_t			 t0;

	memset(&l, 0, sizeof(l));
	f->silent = 1;
	t0 = zk_now_mono_ms();
	c = client(base, f->addr, 4000, 200, &l);
	l.want = 1;
	get(c, "/x", &l);
	ZK_ASSERT(run_until(base, &l.terminal, 2000));
	ZK_ASSERT(zk_now_mono_ms() - t0 < 1000);
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_FAILED);
	ZK_ASSERT_EQ(zk_client_error(c), ZK_ETIMEOUT);
	ZK_ASSERT_EQ(l.nreplies, 1);
	ZK_ASSERT_EQ(l.err[0], ZK_ETIMEOUT);
	zk_client_free(c);

	memset(&l, 0, sizeof(l));
	snprintf(refused, sizeof(refused), "127.0.0.1:%d", closed_port());
	c = client(base, refused, 4000, 200, &l);
	l.want = 1;
	get(c, "/x", &l);
	ZK_ASSERT(run_until(base, &l.terminal, 2000));
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_FAILED);
	ZK_ASSERT_EQ(zk_client_error(c), ZK_EUNREACHABLE);
	ZK_ASSERT(run_until(base, &l.enough, 500));
	ZK_ASSERT_EQ(l.err[0], ZK_EUNREACHABLE);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/*
 * client (1): an expired-session reply makes EXPIRED; waiting and later
 * requests get ZK_ESESSIONEXPIRED, the later ones from the loop, not from
 * inside zk_client_submit.
 */
static void
test_expired(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	f->connect_err = ZK_ESESSIONEXPIRED;
	c = client(base, f->addr, 4000, 2000, &l);
	get(c, "/x", &l);
	ZK_ASSERT(run_until(base, &l.terminal, 2000));
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_EXPIRED);
	ZK_ASSERT_EQ(zk_client_error(c), ZK_ESESSIONEXPIRED);
	ZK_ASSERT_EQ(l.nreplies, 1);
	ZK_ASSERT_EQ(l.err[0], ZK_ESESSIONEXPIRED);
	get(c, "/y", &l);
	ZK_ASSERT_EQ(l.nreplies, 1);
	l.want = 2;
	l.enough = 0;
	ZK_ASSERT(run_until(base, &l.enough, 500));
	ZK_ASSERT_EQ(l.err[1], ZK_ESESSIONEXPIRED);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/*
 * Pings go out when idle for a third of the timeout; a server silent for
 * two thirds of it is left for a new connection under the same session.
 */
static void
test_pings_and_silence(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	struct log		 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	f->timeout_ms = 300;
	c = client(base, f->addr, 300, 2000, &l);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	run_for(base, 350);
	ZK_ASSERT(f->npings >= 2);
	ZK_ASSERT_EQ(f->nconnects, 1);
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_CONNECTED);
	f->ignore_pings = 1;
	l.connected = 0;
	ZK_ASSERT(run_until(base, &l.connected, 1500));
	ZK_ASSERT_EQ(f->nconnects, 2);
	ZK_ASSERT_EQ(f->conn_sid, f->session_id);
	ZK_ASSERT_EQ(zk_client_session_id(c), f->session_id);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/* client (2): an event sent before a reply reaches the watch callback first. */
static void
test_event_before_reply(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	f->event_first = 1;
	c = client(base, f->addr, 4000, 2000, &l);
	l.want = 2;
	get(c, "/e1", &l);
	get(c, "/e2", &l);
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	ZK_ASSERT_STR(l.order, "ERER");
	ZK_ASSERT_EQ(zk_client_last_zxid(c), 102);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/* zk_client_close sends closeSession; CLOSED on its reply; then all fail. */
static void
test_close(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	c = client(base, f->addr, 4000, 2000, &l);
	ZK_ASSERT(run_until(base, &l.connected, 2000));
	zk_client_close(c);
	ZK_ASSERT(run_until(base, &l.terminal, 2000));
	ZK_ASSERT_EQ(zk_client_state(c), ZK_STATE_CLOSED);
	ZK_ASSERT_EQ(f->ncloses, 1);
	l.want = 1;
	get(c, "/x", &l);
	ZK_ASSERT(run_until(base, &l.enough, 500));
	ZK_ASSERT_EQ(l.err[0], ZK_ECONNLOSS);
	zk_client_free(c);
	fake_free(f);
	event_base_free(base);
}

/* client (1): freeing the client in a reply callback answers the rest once. */
static void
test_free_in_callback(void)
{
	struct event_base	*base = event_base_new();
	struct fake		*f = fake_new(base);
	static struct log	 l;
	struct zk_client	*c;

	memset(&l, 0, sizeof(l));
	c = client(base, f->addr, 4000, 2000, &l);
	get(c, "/1", &l);
	get(c, "/2", &l);
	get(c, "/3", &l);
	l.free_me = c;
	l.want = 3;
	ZK_ASSERT(run_until(base, &l.enough, 2000));
	run_for(base, 20);
	ZK_ASSERT_EQ(l.nreplies, 3);
	ZK_ASSERT_EQ(l.err[0], ZK_OK);
	ZK_ASSERT_EQ(l.err[1], ZK_ECONNLOSS);
	ZK_ASSERT_EQ(l.err[2], ZK_ECONNLOSS);
	fake_free(f);
	event_base_free(base);
}

/* The blocking layer, against a fake on its own thread */

struct fake_thread {
	pthread_t	 tid;
	struct fake	*f;
	volatile int	 stop;
};

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void *
fake_main(void *arg)
{
	struct fake_thread	*t = arg;
	struct event_base	*base = t->f->base;
	struct event		*ev;
	struct timeval		 tv = { 0, 10000 };

	ev = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(ev, &tv);
	while (!t->stop)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return NULL;
}

static void
thread_start(struct fake_thread *t, int hold)
{
	memset(t, 0, sizeof(*t));
	t->f = fake_new(event_base_new());
	t->f->hold = hold;
	pthread_create(&t->tid, NULL, fake_main, t);
}

static void
thread_stop(struct fake_thread *t)
{
	struct event_base	*base = t->f->base;

	t->stop = 1;
	pthread_join(t->tid, NULL);
	fake_free(t->f);
	event_base_free(base);
}

/* zk_sync: connect, one get, close: three round trips and nothing else. */
static void
test_sync_roundtrip(void)
{
	struct fake_thread	 t;
	struct zk_sync		*s;
	struct zk_error		 e;
	struct zk_stat		 st;
	char			*data = NULL;
	size_t			 len = 0;
	int64_t			 t0, us;

	thread_start(&t, 0);
	t0 = zk_now_mono_us();
	s = zk_sync_connect(t.f->addr, 4000, 2000, &e);
	ZK_ASSERT(s != NULL);
	ZK_ASSERT_EQ(zk_sync_get(s, "/abc", &data, &len, &st, &e), ZK_OK);
	zk_sync_close(s);
	us = zk_now_mono_us() - t0;
	fprintf(stderr, "     connect + get + close: %lld us\n", (long long)us);
	ZK_ASSERT(us < 50000);
	ZK_ASSERT_EQ(len, 4);
	ZK_ASSERT_STR(data, "/abc");
	ZK_ASSERT_EQ(st.version, 7);
	free(data);
	thread_stop(&t);
}

/* zk_sync_connect: nothing listening is ZK_EUNREACHABLE, within the timeout. */
static void
test_sync_unreachable(void)
{
	struct zk_error		 e;
	char			 refused[32];
	int64_t			 t0 = zk_now_mono_ms();

	snprintf(refused, sizeof(refused), "127.0.0.1:%d", closed_port());
	memset(&e, 0, sizeof(e));
	ZK_ASSERT(zk_sync_connect(refused, 4000, 300, &e) == NULL);
	ZK_ASSERT_EQ(e.code, ZK_EUNREACHABLE);
	ZK_ASSERT(zk_now_mono_ms() - t0 < 1500);
	ZK_ASSERT(zk_sync_connect("nonsense", 4000, 300, &e) == NULL);
	ZK_ASSERT_EQ(e.code, ZK_EBADARGUMENTS);
}

/* zk_sync_call: no reply in time is ZK_ETIMEOUT; closing after is safe. */
static void
test_sync_call_timeout(void)
{
	struct fake_thread	 t;
	struct zk_sync		*s;
	struct zk_error		 e;
	int64_t			 t0;

	thread_start(&t, 1);
	s = zk_sync_connect(t.f->addr, 4000, 300, &e);
	ZK_ASSERT(s != NULL);
	t0 = zk_now_mono_ms();
	ZK_ASSERT_EQ(zk_sync_get(s, "/slow", NULL, NULL, NULL, &e),
	    ZK_ETIMEOUT);
	ZK_ASSERT_EQ(e.code, ZK_ETIMEOUT);
	ZK_ASSERT(zk_now_mono_ms() - t0 < 1000);
	zk_sync_close(s);
	thread_stop(&t);
}

/* zk_status_query: one STATUS frame, no session, the figures come back. */
static void
test_status_query(void)
{
	struct fake_thread	 t;
	struct zk_error		 e;
	char			*json = NULL, refused[32];

	thread_start(&t, 0);
	ZK_ASSERT_EQ(zk_status_query(t.f->addr, 2000, &json, &e), ZK_OK);
	ZK_ASSERT_STR(json, "{\"mode\":\"standalone\"}");
	free(json);
	thread_stop(&t);
	snprintf(refused, sizeof(refused), "127.0.0.1:%d", closed_port());
	ZK_ASSERT_EQ(zk_status_query(refused, 500, &json, &e),
	    ZK_EUNREACHABLE);
	ZK_ASSERT(json == NULL);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* the fake writes with bufferevents */
	ZK_RUN(test_servers_parse);
	ZK_RUN(test_session_established);
	ZK_RUN(test_pipelined_in_order);
	ZK_RUN(test_connloss_then_resume);
	ZK_RUN(test_watches_set_again);
	ZK_RUN(test_moves_to_next_server);
	ZK_RUN(test_connect_timeout);
	ZK_RUN(test_expired);
	ZK_RUN(test_pings_and_silence);
	ZK_RUN(test_event_before_reply);
	ZK_RUN(test_close);
	ZK_RUN(test_free_in_callback);
	ZK_RUN(test_sync_roundtrip);
	ZK_RUN(test_sync_unreachable);
	ZK_RUN(test_sync_call_timeout);
	ZK_RUN(test_status_query);
	return ZK_TEST_DONE();
}
