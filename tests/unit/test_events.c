/*
 * Unit tests for lib/events.c: the events of each kind of txn, which
 * events a persistent watch sees, and the window of recent events.
 * Txns and results are built in memory (borrowed strings, as a decoded
 * txn's would be owned), so nothing here needs the db.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "events.h"
#include "proto.h"
#include "test.h"
#include "txn.h"

static struct zk_txn
mktxn(int64_t zxid, int type, const char *path, const char *data)
{
	struct zk_txn	 t;

	memset(&t, 0, sizeof(t));
	t.zxid = zxid;
	t.type = type;
	t.path = (char *)path;
	t.data = (char *)data;
	t.data_len = data != NULL ? strlen(data) : 0;
	t.version = -1;
	return t;
}

static struct zk_result
mkres(int err, const char *path)
{
	struct zk_result	 r;

	memset(&r, 0, sizeof(r));
	r.err = err;
	r.path = (char *)path;
	r.fail_index = -1;
	return r;
}

/* Does ev have this type, path and data (NULL: none)? */
static int
is(const struct zk_event *ev, int type, const char *path, const char *data)
{
	if (ev->type != type || strcmp(ev->path, path) != 0)
		return 0;
	if (data == NULL)
		return ev->data == NULL && ev->data_len == 0;
	return ev->data_len == strlen(data) &&
	    memcmp(ev->data, data, ev->data_len) == 0;
}

/* events (table): create is created(path, data) then children(parent) */
static void
test_create(void)
{
	char			 data[] = "hello";
	struct zk_txn		 t = mktxn(7, ZK_TXN_CREATE, "/a/q-", data);
	struct zk_result	 r = mkres(ZK_OK, "/a/q-0000000003");
	struct zk_evlist	 l = { 0 };

	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.zxid, 7);
	ZK_ASSERT_EQ(l.n, 2);
	/* The result's path: a sequential create's name with its suffix. */
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/a/q-0000000003", "hello"));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/a", NULL));
	/* Copied: the txn's buffer may go. */
	ZK_ASSERT(l.ev[0].data != data);
	data[0] = 'j';
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/a/q-0000000003", "hello"));
	zk_evlist_close(&l);
	ZK_ASSERT_EQ(l.n, 0);
	ZK_ASSERT(l.ev == NULL);

	/* Under "/", with no data: children("/"), data NULL. */
	t = mktxn(8, ZK_TXN_CREATE, "/top", NULL);
	r = mkres(ZK_OK, "/top");
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.zxid, 8);
	ZK_ASSERT_EQ(l.n, 2);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/top", NULL));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/", NULL));
	zk_evlist_close(&l);
}

/* events (table): delete and deleteContainer: deleted, children(parent) */
static void
test_delete(void)
{
	int			 types[] = { ZK_TXN_DELETE,
				    ZK_TXN_DELETE_CONTAINER };
	struct zk_txn		 t;
	struct zk_result	 r = mkres(ZK_OK, NULL);
	struct zk_evlist	 l = { 0 };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		t = mktxn(9, types[i], "/a/b/c", NULL);
		zk_events_of(&t, &r, &l);
		ZK_ASSERT_EQ(l.n, 2);
		ZK_ASSERT(is(&l.ev[0], ZK_EVENT_DELETED, "/a/b/c", NULL));
		ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/a/b", NULL));
		zk_evlist_close(&l);

		t = mktxn(10, types[i], "/c", NULL);
		zk_events_of(&t, &r, &l);
		ZK_ASSERT_EQ(l.n, 2);
		ZK_ASSERT(is(&l.ev[0], ZK_EVENT_DELETED, "/c", NULL));
		ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/", NULL));
		zk_evlist_close(&l);
	}
}

/* events (table): setData is changed(path, new data) alone; "/" too */
static void
test_setdata(void)
{
	struct zk_txn		 t = mktxn(11, ZK_TXN_SETDATA, "/a", "v2");
	struct zk_result	 r = mkres(ZK_OK, NULL);
	struct zk_evlist	 l = { 0 };

	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 1);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CHANGED, "/a", "v2"));
	zk_evlist_close(&l);

	t = mktxn(12, ZK_TXN_SETDATA, "/", NULL);
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 1);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CHANGED, "/", NULL));
	zk_evlist_close(&l);
}

/*
 * events (table): closeSession: every deleted first, in the result's
 * order, then children once per parent, in order of first appearance
 */
static void
test_close_session(void)
{
	char			*deleted[] = { "/l/a", "/l/b", "/m/x", "/top",
				    "/l/c" };
	struct zk_txn		 t = mktxn(13, ZK_TXN_CLOSE_SESSION, NULL,
				    NULL);
	struct zk_result	 r = mkres(ZK_OK, NULL);
	struct zk_evlist	 l = { 0 };

	/* Two ephemerals under one parent: one children event. */
	r.deleted = deleted;
	r.ndeleted = 2;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 3);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_DELETED, "/l/a", NULL));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_DELETED, "/l/b", NULL));
	ZK_ASSERT(is(&l.ev[2], ZK_EVENT_CHILDREN, "/l", NULL));
	zk_evlist_close(&l);

	r.ndeleted = 5;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 8);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_DELETED, "/l/a", NULL));
	ZK_ASSERT(is(&l.ev[3], ZK_EVENT_DELETED, "/top", NULL));
	ZK_ASSERT(is(&l.ev[4], ZK_EVENT_DELETED, "/l/c", NULL));
	ZK_ASSERT(is(&l.ev[5], ZK_EVENT_CHILDREN, "/l", NULL));
	ZK_ASSERT(is(&l.ev[6], ZK_EVENT_CHILDREN, "/m", NULL));
	ZK_ASSERT(is(&l.ev[7], ZK_EVENT_CHILDREN, "/", NULL));
	zk_evlist_close(&l);

	/* A session with no ephemerals: nothing. */
	r.ndeleted = 0;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);
	zk_evlist_close(&l);
}

/* events (table): 3,000 ephemerals under 300 parents, interleaved */
static void
test_close_session_many(void)
{
	enum { NDEL = 3000, NPARENT = 300 };
	struct zk_txn		 t = mktxn(14, ZK_TXN_CLOSE_SESSION, NULL,
				    NULL);
	struct zk_result	 r = mkres(ZK_OK, NULL);
	struct zk_evlist	 l = { 0 };
	char			 want[32];
	size_t			 i;

	r.deleted = calloc(NDEL, sizeof(*r.deleted));
	for (i = 0; i < NDEL; i++) {
		r.deleted[i] = malloc(32);
		snprintf(r.deleted[i], 32, "/p%zu/e%zu", i % NPARENT, i);
	}
	r.ndeleted = NDEL;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, NDEL + NPARENT);
	for (i = 0; i < NDEL; i++)
		ZK_ASSERT(is(&l.ev[i], ZK_EVENT_DELETED, r.deleted[i], NULL));
	for (i = 0; i < NPARENT; i++) {
		snprintf(want, sizeof(want), "/p%zu", i);
		ZK_ASSERT(is(&l.ev[NDEL + i], ZK_EVENT_CHILDREN, want, NULL));
	}
	zk_evlist_close(&l);
	for (i = 0; i < NDEL; i++)
		free(r.deleted[i]);
	free(r.deleted);
}

/*
 * events (table): a multi's events are its ops' in turn (check: none),
 * created paths from res->ops[i].path, children never twice
 */
static void
test_multi(void)
{
	struct zk_txn		 ops[7], t = mktxn(15, ZK_TXN_MULTI, NULL,
				    NULL);
	struct zk_result	 rops[7], r = mkres(ZK_OK, NULL);
	struct zk_evlist	 l = { 0 };
	size_t			 i;

	ops[0] = mktxn(15, ZK_TXN_CHECK, "/a", NULL);
	ops[1] = mktxn(15, ZK_TXN_CREATE, "/a/s-", "one");
	ops[2] = mktxn(15, ZK_TXN_SETDATA, "/a/s-0000000000", "two");
	ops[3] = mktxn(15, ZK_TXN_SETDATA, "/a/s-0000000000", NULL);
	ops[4] = mktxn(15, ZK_TXN_DELETE, "/c/d", NULL);
	ops[5] = mktxn(15, ZK_TXN_CREATE, "/a/x", "three");
	ops[6] = mktxn(15, ZK_TXN_DELETE, "/c", NULL);
	for (i = 0; i < 7; i++)
		rops[i] = mkres(ZK_OK, NULL);
	rops[1].path = "/a/s-0000000000";
	rops[5].path = "/a/x";
	t.ops = ops;
	t.nops = 7;
	r.ops = rops;
	r.nops = 7;

	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.zxid, 15);
	ZK_ASSERT_EQ(l.n, 9);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/a/s-0000000000", "one"));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/a", NULL));
	ZK_ASSERT(is(&l.ev[2], ZK_EVENT_CHANGED, "/a/s-0000000000", "two"));
	ZK_ASSERT(is(&l.ev[3], ZK_EVENT_CHANGED, "/a/s-0000000000", NULL));
	ZK_ASSERT(is(&l.ev[4], ZK_EVENT_DELETED, "/c/d", NULL));
	ZK_ASSERT(is(&l.ev[5], ZK_EVENT_CHILDREN, "/c", NULL));
	ZK_ASSERT(is(&l.ev[6], ZK_EVENT_CREATED, "/a/x", "three"));
	ZK_ASSERT(is(&l.ev[7], ZK_EVENT_DELETED, "/c", NULL));
	ZK_ASSERT(is(&l.ev[8], ZK_EVENT_CHILDREN, "/", NULL));
	zk_evlist_close(&l);

	/* Only checks: no events. */
	t.nops = 1;
	r.nops = 1;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);
	zk_evlist_close(&l);
}

/*
 * events (table): a create with parents first announces each ancestor it
 * made, top down, and each children event comes once per txn
 */
static void
test_create_parents(void)
{
	struct zk_txn		 ops[2], t = mktxn(8, ZK_TXN_CREATE, "/a/b/c",
				    "x");
	struct zk_result	 rops[2], r = mkres(ZK_OK, "/a/b/c");
	struct zk_evlist	 l = { 0 };

	r.parents = 2;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 6);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/a", NULL));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/", NULL));
	ZK_ASSERT(is(&l.ev[2], ZK_EVENT_CREATED, "/a/b", NULL));
	ZK_ASSERT(is(&l.ev[3], ZK_EVENT_CHILDREN, "/a", NULL));
	ZK_ASSERT(is(&l.ev[4], ZK_EVENT_CREATED, "/a/b/c", "x"));
	ZK_ASSERT(is(&l.ev[5], ZK_EVENT_CHILDREN, "/a/b", NULL));
	zk_evlist_close(&l);

	/* A sequential name's ancestors are its prefix's. */
	t = mktxn(9, ZK_TXN_CREATE, "/q/", NULL);
	r = mkres(ZK_OK, "/q/0000000000");
	r.parents = 1;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 4);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/q", NULL));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/", NULL));
	ZK_ASSERT(is(&l.ev[2], ZK_EVENT_CREATED, "/q/0000000000", NULL));
	ZK_ASSERT(is(&l.ev[3], ZK_EVENT_CHILDREN, "/q", NULL));
	zk_evlist_close(&l);

	/* In a multi, a second op under a made parent: children(/m) once. */
	ops[0] = mktxn(10, ZK_TXN_CREATE, "/m/n", NULL);
	ops[1] = mktxn(10, ZK_TXN_CREATE, "/m/o", NULL);
	rops[0] = mkres(ZK_OK, "/m/n");
	rops[0].parents = 1;
	rops[1] = mkres(ZK_OK, "/m/o");
	t = mktxn(10, ZK_TXN_MULTI, NULL, NULL);
	t.ops = ops;
	t.nops = 2;
	r = mkres(ZK_OK, NULL);
	r.ops = rops;
	r.nops = 2;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 5);
	ZK_ASSERT(is(&l.ev[0], ZK_EVENT_CREATED, "/m", NULL));
	ZK_ASSERT(is(&l.ev[1], ZK_EVENT_CHILDREN, "/", NULL));
	ZK_ASSERT(is(&l.ev[2], ZK_EVENT_CREATED, "/m/n", NULL));
	ZK_ASSERT(is(&l.ev[3], ZK_EVENT_CHILDREN, "/m", NULL));
	ZK_ASSERT(is(&l.ev[4], ZK_EVENT_CREATED, "/m/o", NULL));
	zk_evlist_close(&l);
}

/* events (table): a failed txn, createSession: none */
static void
test_no_events(void)
{
	struct zk_txn		 ops[2], t;
	struct zk_result	 r;
	struct zk_evlist	 l = { 0 };
	char			*deleted[] = { "/e" };

	t = mktxn(16, ZK_TXN_CREATE, "/a", "x");
	r = mkres(ZK_ENODEEXISTS, NULL);
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.zxid, 16);
	ZK_ASSERT_EQ(l.n, 0);

	t = mktxn(17, ZK_TXN_SETDATA, "/a", "x");
	r = mkres(ZK_EBADVERSION, NULL);
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);

	t = mktxn(18, ZK_TXN_CLOSE_SESSION, NULL, NULL);
	r = mkres(ZK_ESESSIONEXPIRED, NULL);
	r.deleted = deleted;
	r.ndeleted = 1;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);

	/* A failed multi: nothing, whatever ops came before the failure. */
	ops[0] = mktxn(19, ZK_TXN_CREATE, "/b", NULL);
	ops[1] = mktxn(19, ZK_TXN_DELETE, "/none", NULL);
	t = mktxn(19, ZK_TXN_MULTI, NULL, NULL);
	t.ops = ops;
	t.nops = 2;
	r = mkres(ZK_ENONODE, NULL);
	r.fail_index = 1;
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);

	t = mktxn(20, ZK_TXN_CREATE_SESSION, NULL, NULL);
	r = mkres(ZK_OK, NULL);
	zk_events_of(&t, &r, &l);
	ZK_ASSERT_EQ(l.n, 0);
	zk_evlist_close(&l);
}

/* zk_event_matches: persistent is the node and its child list only */
static void
test_matches_persistent(void)
{
	int	 t;

	for (t = ZK_EVENT_CREATED; t <= ZK_EVENT_CHILDREN; t++) {
		ZK_ASSERT(zk_event_matches(ZK_WATCH_PERSISTENT, "/a", t, "/a"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a", t,
		    "/a/b"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a", t,
		    "/ab"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a", t, "/"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a/b", t,
		    "/a"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_PERSISTENT, "/", t, "/"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/", t,
		    "/a"));
	}
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a", 0, "/a"));
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_PERSISTENT, "/a", 99, "/a"));
}

/* zk_event_matches: recursive is the node and all below, no children */
static void
test_matches_recursive(void)
{
	int	 t;

	for (t = ZK_EVENT_CREATED; t <= ZK_EVENT_CHANGED; t++) {
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t, "/a"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t,
		    "/a/b"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t,
		    "/a/b/c"));
		/* Prefix traps: "/ab" and "/ab/c" are not under "/a". */
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t,
		    "/ab"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t,
		    "/ab/c"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a/b", t,
		    "/a/bc"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a", t, "/"));
		ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a/b", t,
		    "/a"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/", t, "/"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/", t, "/a"));
		ZK_ASSERT(zk_event_matches(ZK_WATCH_RECURSIVE, "/", t,
		    "/zookeeper/quota"));
	}
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a", ZK_EVENT_CHILDREN,
	    "/a"));
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/", ZK_EVENT_CHILDREN,
	    "/"));
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_RECURSIVE, "/a", 99, "/a"));
	/* The one-shot and "any" modes are not persistent watches. */
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_ONESHOT_DATA, "/a",
	    ZK_EVENT_CHANGED, "/a"));
	ZK_ASSERT(!zk_event_matches(ZK_WATCH_ANY, "/a", ZK_EVENT_CHANGED,
	    "/a"));
}

/* A list of n changed events at zxid on /d/<zxid>/<i>, datalen bytes each. */
static void
mklist(struct zk_evlist *l, int64_t zxid, size_t n, size_t datalen)
{
	struct zk_txn		 t, *ops;
	struct zk_result	 r = mkres(ZK_OK, NULL);
	char			*data, (*paths)[32];
	size_t			 i;

	ops = calloc(n, sizeof(*ops));
	paths = calloc(n, sizeof(*paths));
	data = malloc(datalen + 1);
	memset(data, 'x', datalen);
	data[datalen] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/d/%lld/%zu",
		    (long long)zxid, i);
		ops[i] = mktxn(zxid, ZK_TXN_SETDATA, paths[i], data);
	}
	t = mktxn(zxid, ZK_TXN_MULTI, NULL, NULL);
	t.ops = ops;
	t.nops = n;
	zk_events_of(&t, &r, l);
	free(ops);
	free(paths);
	free(data);
}

/* The bytes mklist's list costs: paths and data. */
static size_t
list_cost(int64_t zxid, size_t n, size_t datalen)
{
	char	 p[32];
	size_t	 i, b = 0;

	for (i = 0; i < n; i++)
		b += (size_t)snprintf(p, sizeof(p), "/d/%lld/%zu",
		    (long long)zxid, i) + datalen;
	return b;
}

static void
add(struct zk_evwindow *w, int64_t zxid, size_t n, size_t datalen)
{
	struct zk_evlist	 l = { 0 };

	mklist(&l, zxid, n, datalen);
	zk_evwindow_add(w, &l);
	zk_evlist_close(&l);
}

/* What a replay visited, in order. */
struct seen {
	size_t		 n;
	int64_t		 zxid[64];
	int32_t		 index[64];
	char		 path[64][32];
};

static void
visit(void *arg, int64_t zxid, int32_t index, const struct zk_event *ev)
{
	struct seen	*s = arg;

	if (s->n < 64) {
		s->zxid[s->n] = zxid;
		s->index[s->n] = index;
		snprintf(s->path[s->n], sizeof(s->path[0]), "%s", ev->path);
	}
	s->n++;
}

static int
replay(struct zk_evwindow *w, int64_t zxid, int32_t index, int mode,
    const char *wpath, struct seen *s)
{
	struct zk_error	 e;

	memset(s, 0, sizeof(*s));
	e.code = ZK_OK;
	return zk_evwindow_replay(w, zxid, index, mode, wpath, visit, s, &e);
}

/* events (2): the txn bound evicts oldest first and floor grows */
static void
test_window_txn_bound(void)
{
	struct zk_evwindow	*w = zk_evwindow_new(3, 1 << 20, 0);
	struct zk_evlist	 l = { 0 };
	int64_t			 z;

	ZK_ASSERT_EQ(zk_evwindow_floor(w), 0);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 0);
	for (z = 1; z <= 3; z++)
		add(w, z, 2, 0);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 0);
	add(w, 4, 1, 0);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 1);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w),
	    list_cost(2, 2, 0) + list_cost(3, 2, 0) + list_cost(4, 1, 0));

	/* A txn with no events is not held and moves nothing. */
	l.zxid = 5;
	zk_evwindow_add(w, &l);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 1);

	add(w, 6, 1, 0);
	add(w, 7, 1, 0);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w),
	    list_cost(4, 1, 0) + list_cost(6, 1, 0) + list_cost(7, 1, 0));
	zk_evwindow_free(w);
}

/* events (2): the byte bound evicts oldest first; an oversized txn clears */
static void
test_window_byte_bound(void)
{
	size_t			 c = list_cost(10, 2, 50);
	struct zk_evwindow	*w = zk_evwindow_new(1000, 3 * c + c / 2, 5);
	struct zk_evlist	 l = { 0 };

	/* Same-length paths: each of 10..13 costs c. */
	add(w, 10, 2, 50);
	add(w, 11, 2, 50);
	add(w, 12, 2, 50);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w), 3 * c);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 5);
	add(w, 13, 2, 50);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 3);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w), 3 * c);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 10);

	/* One txn over the bound alone: nothing held, floor its zxid. */
	mklist(&l, 20, 10, 100);
	zk_evwindow_add(w, &l);
	ZK_ASSERT_EQ(l.n, 0);
	ZK_ASSERT(l.ev == NULL);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 0);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w), 0);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 20);

	add(w, 21, 1, 0);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 1);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 20);
	zk_evwindow_free(w);
}

/* events (3): replay after (zxid, index) is exact, in (zxid, index) order */
static void
test_window_replay(void)
{
	struct zk_evwindow	*w = zk_evwindow_new(100, 1 << 20, 5);
	struct seen		 s;
	struct zk_error		 e;

	add(w, 10, 3, 0);
	add(w, 20, 2, 0);
	add(w, 30, 1, 0);

	/* From floor, all of it: every event. */
	ZK_ASSERT_EQ(replay(w, 5, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_OK);
	ZK_ASSERT_EQ(s.n, 6);
	ZK_ASSERT_EQ(s.zxid[0], 10);
	ZK_ASSERT_EQ(s.index[0], 0);
	ZK_ASSERT_STR(s.path[0], "/d/10/0");
	ZK_ASSERT_EQ(s.zxid[2], 10);
	ZK_ASSERT_EQ(s.index[2], 2);
	ZK_ASSERT_EQ(s.zxid[3], 20);
	ZK_ASSERT_EQ(s.index[3], 0);
	ZK_ASSERT_EQ(s.zxid[5], 30);
	ZK_ASSERT_STR(s.path[5], "/d/30/0");

	/* Mid-txn: the rest of 10, then the later txns. */
	ZK_ASSERT_EQ(replay(w, 10, 0, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 5);
	ZK_ASSERT_EQ(s.zxid[0], 10);
	ZK_ASSERT_EQ(s.index[0], 1);
	ZK_ASSERT_EQ(replay(w, 10, 1, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 4);
	ZK_ASSERT_EQ(s.index[0], 2);
	/* After the last of 10, or all of 10: from 20. */
	ZK_ASSERT_EQ(replay(w, 10, 2, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(replay(w, 10, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(s.index[0], 0);
	/* A negative index: all of 10's events. */
	ZK_ASSERT_EQ(replay(w, 10, -1, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 6);
	/* A zxid between held ones, with any index: from the next. */
	ZK_ASSERT_EQ(replay(w, 15, 0, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(replay(w, 25, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 1);
	ZK_ASSERT_EQ(s.zxid[0], 30);
	/* At or past the end: nothing, and fine. */
	ZK_ASSERT_EQ(replay(w, 30, 0, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 0);
	ZK_ASSERT_EQ(replay(w, 99, 0, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 0);

	/* Filtered by the watch; indices stay the txn's own. */
	ZK_ASSERT_EQ(replay(w, 5, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/d/10",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(replay(w, 5, ZK_EVINDEX_ALL, ZK_WATCH_PERSISTENT,
	    "/d/20/1", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 1);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(s.index[0], 1);
	ZK_ASSERT_EQ(replay(w, 5, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/d/1",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 0);

	/* Below floor: ZK_EHISTORY, nothing called. */
	memset(&s, 0, sizeof(s));
	ZK_ASSERT_EQ(zk_evwindow_replay(w, 4, ZK_EVINDEX_ALL,
	    ZK_WATCH_RECURSIVE, "/", visit, &s, &e), ZK_EHISTORY);
	ZK_ASSERT_EQ(e.code, ZK_EHISTORY);
	ZK_ASSERT_EQ(s.n, 0);
	/* At floor mid-txn, the floor txn's events unknown: same. */
	ZK_ASSERT_EQ(replay(w, 5, 0, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_EHISTORY);
	ZK_ASSERT_EQ(s.n, 0);
	zk_evwindow_free(w);
}

/* events (2)(3): after eviction, floor is where a replay may start */
static void
test_window_replay_evicted(void)
{
	struct zk_evwindow	*w = zk_evwindow_new(2, 1 << 20, 0);
	struct seen		 s;

	add(w, 10, 3, 0);
	add(w, 20, 2, 0);
	add(w, 30, 1, 0);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 10);
	ZK_ASSERT_EQ(replay(w, 9, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_EHISTORY);
	/* 10's events 1 and 2 are gone: not a silent gap. */
	ZK_ASSERT_EQ(replay(w, 10, 0, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_EHISTORY);
	ZK_ASSERT_EQ(replay(w, 10, 1, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_EHISTORY);
	ZK_ASSERT_EQ(s.n, 0);
	/* After the last of 10: nothing missing. */
	ZK_ASSERT_EQ(replay(w, 10, 2, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(replay(w, 10, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 3);
	ZK_ASSERT_EQ(replay(w, 20, 0, ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 2);
	ZK_ASSERT_EQ(s.zxid[0], 20);
	ZK_ASSERT_EQ(s.index[0], 1);
	zk_evwindow_free(w);
}

/* events (2): reset forgets everything; floor is the snapshot's zxid */
static void
test_window_reset(void)
{
	struct zk_evwindow	*w = zk_evwindow_new(10, 1 << 20, 0);
	struct seen		 s;

	add(w, 1, 2, 10);
	add(w, 2, 2, 10);
	zk_evwindow_reset(w, 100);
	ZK_ASSERT_EQ(zk_evwindow_txns(w), 0);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w), 0);
	ZK_ASSERT_EQ(zk_evwindow_floor(w), 100);
	ZK_ASSERT_EQ(replay(w, 2, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/", &s),
	    ZK_EHISTORY);
	ZK_ASSERT_EQ(replay(w, 100, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 0);
	add(w, 101, 1, 0);
	ZK_ASSERT_EQ(replay(w, 100, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 1);
	ZK_ASSERT_EQ(s.zxid[0], 101);
	zk_evwindow_free(w);
}

/* events (2)(3): 1,000 txns through a window of 37, the ring wrapping */
static void
test_window_wrap(void)
{
	enum { MAX = 37, N = 1000 };
	struct zk_evwindow	*w = zk_evwindow_new(MAX, 1 << 20, 0);
	struct seen		 s;
	int64_t			 z, from;

	for (z = 1; z <= N; z++) {
		add(w, 2 * z, 1 + (size_t)z % 3, 0);
		if (z < MAX)
			continue;
		ZK_ASSERT_EQ(zk_evwindow_txns(w), MAX);
		ZK_ASSERT_EQ(zk_evwindow_floor(w), 2 * (z - MAX));
		/* From a held txn in the middle: exactly what follows. */
		from = 2 * (z - 3);
		ZK_ASSERT_EQ(replay(w, from, ZK_EVINDEX_ALL,
		    ZK_WATCH_RECURSIVE, "/", &s), ZK_OK);
		ZK_ASSERT_EQ(s.n, (size_t)(1 + (z - 2) % 3) +
		    (size_t)(1 + (z - 1) % 3) + (size_t)(1 + z % 3));
		ZK_ASSERT_EQ(s.zxid[0], from + 2);
		ZK_ASSERT_EQ(s.zxid[s.n - 1], 2 * z);
	}
	zk_evwindow_free(w);
}

/* events (1): a list from zk_events_of goes into the window whole */
static void
test_window_from_txn(void)
{
	struct zk_evwindow	*w = zk_evwindow_new(10, 1 << 20, 0);
	struct zk_txn		 t = mktxn(3, ZK_TXN_CREATE, "/a/b", "data");
	struct zk_result	 r = mkres(ZK_OK, "/a/b");
	struct zk_evlist	 l = { 0 };
	struct seen		 s;

	zk_events_of(&t, &r, &l);
	zk_evwindow_add(w, &l);
	ZK_ASSERT_EQ(l.n, 0);
	ZK_ASSERT_EQ(zk_evwindow_bytes(w), strlen("/a/b") + 4 + strlen("/a"));
	ZK_ASSERT_EQ(replay(w, 0, ZK_EVINDEX_ALL, ZK_WATCH_PERSISTENT, "/a",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 1);
	ZK_ASSERT_EQ(s.index[0], 1);
	ZK_ASSERT_STR(s.path[0], "/a");
	ZK_ASSERT_EQ(replay(w, 0, ZK_EVINDEX_ALL, ZK_WATCH_RECURSIVE, "/a",
	    &s), ZK_OK);
	ZK_ASSERT_EQ(s.n, 1);
	ZK_ASSERT_EQ(s.index[0], 0);
	ZK_ASSERT_STR(s.path[0], "/a/b");
	zk_evlist_close(&l);
	zk_evwindow_free(w);
}

int
main(void)
{
	ZK_RUN(test_create);
	ZK_RUN(test_create_parents);
	ZK_RUN(test_delete);
	ZK_RUN(test_setdata);
	ZK_RUN(test_close_session);
	ZK_RUN(test_close_session_many);
	ZK_RUN(test_multi);
	ZK_RUN(test_no_events);
	ZK_RUN(test_matches_persistent);
	ZK_RUN(test_matches_recursive);
	ZK_RUN(test_window_txn_bound);
	ZK_RUN(test_window_byte_bound);
	ZK_RUN(test_window_replay);
	ZK_RUN(test_window_replay_evicted);
	ZK_RUN(test_window_reset);
	ZK_RUN(test_window_wrap);
	ZK_RUN(test_window_from_txn);
	zk_evwindow_free(NULL);
	return ZK_TEST_DONE();
}
