/* Unit tests for lib/db.c: applying transactions to the tree and sessions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "proto.h"
#include "session.h"
#include "test.h"
#include "tree.h"
#include "txn.h"
#include "util.h"

#define EPH	ZK_CREATE_EPHEMERAL
#define SEQ	ZK_CREATE_SEQUENTIAL
#define PAR	ZK_CREATE_PARENTS
#define CON	ZK_CREATE_CONTAINER

static struct zk_txn
tx(int64_t zxid, int type, int64_t sid, const char *path, const char *data,
    int32_t version, int flags)
{
	struct zk_txn	 t;

	memset(&t, 0, sizeof(t));
	t.zxid = zxid;
	t.time_ms = 1700000000000LL + zxid;
	t.session_id = sid;
	t.type = type;
	t.path = (char *)path;
	t.data = (char *)data;
	t.data_len = data != NULL ? strlen(data) : 0;
	t.version = version;
	t.flags = flags;
	t.timeout_ms = 4000;
	memset(t.passwd, (int)(sid & 0xff), ZK_PASSWD_LEN);
	return t;
}

/* Applies one txn and returns res.err, keeping res for the caller. */
static int
run(struct zk_db *db, struct zk_txn t, struct zk_result *res)
{
	struct zk_error	 e;
	int		 rc;

	rc = zk_db_apply(db, &t, 100, res, &e);
	if (rc != ZK_OK)
		return 999;
	return res->err;
}

/* Applies one txn, drops the result, returns res.err. */
static int
run1(struct zk_db *db, struct zk_txn t)
{
	struct zk_result	 res;
	int			 err = run(db, t, &res);

	zk_result_close(&res);
	return err;
}

static const struct zk_stat *
stat_of(struct zk_db *db, const char *path)
{
	struct zk_node	*n = zk_tree_find(db->tree, path);

	return n != NULL ? zk_node_stat(n) : NULL;
}

/* A create, setData and delete txn give their results and stats. */
static void
test_apply_each(void)
{
	struct zk_db		 db;
	struct zk_result	 res;

	zk_db_init(&db);
	ZK_ASSERT_EQ(db.last_zxid, 0);
	ZK_ASSERT_EQ(run(&db, tx(10, ZK_TXN_CREATE, 0, "/a", "v1", -1, 0),
	    &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/a");
	ZK_ASSERT_EQ(res.stat.czxid, 10);
	ZK_ASSERT_EQ(res.stat.ctime, 1700000000010LL);
	ZK_ASSERT_EQ(res.stat.data_length, 2);
	ZK_ASSERT_EQ(res.ndeleted, 0);
	ZK_ASSERT_EQ(db.last_zxid, 10);
	zk_result_close(&res);
	ZK_ASSERT(res.path == NULL);

	ZK_ASSERT_EQ(run(&db, tx(11, ZK_TXN_SETDATA, 0, "/a", "value2", 0, 0),
	    &res), ZK_OK);
	ZK_ASSERT(res.path == NULL);
	ZK_ASSERT_EQ(res.stat.version, 1);
	ZK_ASSERT_EQ(res.stat.mzxid, 11);
	ZK_ASSERT_EQ(res.stat.mtime, 1700000000011LL);
	ZK_ASSERT_EQ(res.stat.data_length, 6);
	ZK_ASSERT_EQ(res.stat.czxid, 10);
	zk_result_close(&res);

	ZK_ASSERT_EQ(run(&db, tx(12, ZK_TXN_DELETE, 0, "/a", NULL, 1, 0),
	    &res), ZK_OK);
	zk_result_close(&res);
	ZK_ASSERT(zk_tree_find(db.tree, "/a") == NULL);
	ZK_ASSERT_EQ(stat_of(&db, "/")->cversion, 2);
	ZK_ASSERT_EQ(stat_of(&db, "/")->pzxid, 12);
	ZK_ASSERT_EQ(db.last_zxid, 12);
	zk_db_close(&db);
}

/* db (3): failed txns change nothing but last_zxid, and say why. */
static void
test_failures(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_txn		 t;
	struct zk_error		 e;
	uint64_t		 d;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/a", "x", -1, 0)),
	    ZK_OK);
	d = zk_tree_digest(db.tree);

	t = tx(2, ZK_TXN_CREATE, 0, "/b/", NULL, -1, 0);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, &e), ZK_OK);
	ZK_ASSERT_EQ(res.err, ZK_EBADPATH);
	ZK_ASSERT(res.path == NULL);
	ZK_ASSERT_EQ(e.code, ZK_EBADPATH);
	ZK_ASSERT_STR(e.msg, "path must not end with '/'");
	ZK_ASSERT_EQ(db.last_zxid, 2);
	zk_result_close(&res);

	ZK_ASSERT_EQ(run1(&db, tx(3, ZK_TXN_SETDATA, 0, "/a/", "y", -1, 0)),
	    ZK_EBADPATH);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_DELETE, 0, "a", NULL, -1, 0)),
	    ZK_EBADPATH);
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, 0, NULL, NULL, -1, 0)),
	    ZK_EBADPATH);
	ZK_ASSERT_EQ(run1(&db, tx(6, ZK_TXN_CREATE, 0, "/a/./b", NULL, -1,
	    0)), ZK_EBADPATH);
	ZK_ASSERT_EQ(run1(&db, tx(7, ZK_TXN_CREATE, 0, "/a", NULL, -1, 0)),
	    ZK_ENODEEXISTS);
	ZK_ASSERT_EQ(run1(&db, tx(8, ZK_TXN_CREATE, 0, "/x/y", NULL, -1, 0)),
	    ZK_ENONODE);
	ZK_ASSERT_EQ(run1(&db, tx(9, ZK_TXN_SETDATA, 0, "/a", "z", 5, 0)),
	    ZK_EBADVERSION);
	ZK_ASSERT_EQ(run1(&db, tx(10, ZK_TXN_DELETE, 0, "/a", NULL, 3, 0)),
	    ZK_EBADVERSION);
	ZK_ASSERT_EQ(run1(&db, tx(11, ZK_TXN_DELETE, 0, "/", NULL, -1, 0)),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(12, ZK_TXN_DELETE, 0, "/zookeeper", NULL,
	    -1, 0)), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(13, ZK_TXN_CREATE, 0, "/a", NULL, -1, 0x40)),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(14, 77, 0, "/a", NULL, -1, 0)),
	    ZK_EUNIMPLEMENTED);
	ZK_ASSERT_EQ(run1(&db, tx(15, ZK_TXN_CLOSE_SESSION, 42, NULL, NULL,
	    -1, 0)), ZK_ESESSIONEXPIRED);
	ZK_ASSERT_EQ(run1(&db, tx(16, ZK_TXN_CREATE_SESSION, 0, NULL, NULL,
	    -1, 0)), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), d);
	ZK_ASSERT_EQ(zk_sessions_count(db.sessions), 0);
	ZK_ASSERT_EQ(db.last_zxid, 16);
	zk_db_close(&db);
}

/* db (2): a txn at or below last_zxid is refused and changes nothing. */
static void
test_zxid_order(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_txn		 t;
	struct zk_error		 e;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, 0, "/a", NULL, -1, 0)),
	    ZK_OK);
	t = tx(5, ZK_TXN_CREATE, 0, "/b", NULL, -1, 0);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, &e), ZK_ESYSTEM);
	ZK_ASSERT_EQ(res.err, ZK_ESYSTEM);
	ZK_ASSERT_EQ(e.code, ZK_ESYSTEM);
	zk_result_close(&res);
	t = tx(4, ZK_TXN_CREATE, 0, "/b", NULL, -1, 0);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, NULL), ZK_ESYSTEM);
	zk_result_close(&res);
	t = tx(0, ZK_TXN_CREATE, 0, "/b", NULL, -1, 0);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, NULL), ZK_ESYSTEM);
	zk_result_close(&res);
	ZK_ASSERT(zk_tree_find(db.tree, "/b") == NULL);
	ZK_ASSERT_EQ(db.last_zxid, 5);
	ZK_ASSERT_EQ(run1(&db, tx(ZK_ZXID(2, 1), ZK_TXN_CREATE, 0, "/b", NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(db.last_zxid, ZK_ZXID(2, 1));
	zk_db_close(&db);
}

/* Sequential creates validate path + "1" and return the name made. */
static void
test_sequential(void)
{
	struct zk_db		 db;
	struct zk_result	 res;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/q", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run(&db, tx(2, ZK_TXN_CREATE, 0, "/q/", "d", -1, SEQ),
	    &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/q/0000000000");
	zk_result_close(&res);
	ZK_ASSERT_EQ(run(&db, tx(3, ZK_TXN_CREATE, 0, "/q/job-", "d", -1,
	    SEQ), &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/q/job-0000000001");
	zk_result_close(&res);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, 0, "/q/", NULL, -1, 0)),
	    ZK_EBADPATH);
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, 0, "/q//", NULL, -1,
	    SEQ)), ZK_EBADPATH);
	ZK_ASSERT_EQ(run(&db, tx(6, ZK_TXN_CREATE, 0, "/r/s/", NULL, -1,
	    SEQ | PAR), &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/r/s/0000000000");
	ZK_ASSERT_EQ(res.stat.czxid, 6);
	/* It made /r and /r/s: their events are due too (events.h). */
	ZK_ASSERT_EQ(res.parents, 2);
	zk_result_close(&res);
	ZK_ASSERT_EQ(stat_of(&db, "/r")->czxid, 6);
	/* One missing ancestor of three; none when all are there. */
	ZK_ASSERT_EQ(run(&db, tx(7, ZK_TXN_CREATE, 0, "/r/s/t/u", NULL, -1,
	    PAR), &res), ZK_OK);
	ZK_ASSERT_EQ(res.parents, 1);
	zk_result_close(&res);
	ZK_ASSERT_EQ(run(&db, tx(8, ZK_TXN_CREATE, 0, "/r/s/t/v", NULL, -1,
	    PAR), &res), ZK_OK);
	ZK_ASSERT_EQ(res.parents, 0);
	zk_result_close(&res);

	zk_db_close(&db);
}

/* session (1): ephemeral creates need the session and go on its list. */
static void
test_ephemerals(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_session	*ss;
	int64_t			 sid = 0x0100000000000001LL;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, sid, "/e", NULL, -1, EPH)),
	    ZK_ESESSIONEXPIRED);
	ZK_ASSERT(zk_tree_find(db.tree, "/e") == NULL);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_CREATE_SESSION, sid, NULL, NULL,
	    -1, 0)), ZK_OK);
	ss = zk_sessions_find(db.sessions, sid);
	ZK_ASSERT(ss != NULL);
	ZK_ASSERT_EQ(ss->timeout_ms, 4000);
	ZK_ASSERT_EQ(ss->deadline_ms, 4100);	/* now 100 + timeout */
	ZK_ASSERT_EQ(ss->passwd[0], 1);
	ZK_ASSERT_EQ(run(&db, tx(3, ZK_TXN_CREATE, sid, "/e", "x", -1, EPH),
	    &res), ZK_OK);
	ZK_ASSERT_EQ(res.stat.ephemeral_owner, sid);
	zk_result_close(&res);
	ZK_ASSERT_EQ(run(&db, tx(4, ZK_TXN_CREATE, sid, "/e-", NULL, -1,
	    EPH | SEQ), &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/e-0000000001");
	zk_result_close(&res);
	/* A persistent create by a session owns nothing. */
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, sid, "/p", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(stat_of(&db, "/p")->ephemeral_owner, 0);
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	ZK_ASSERT_EQ(run1(&db, tx(6, ZK_TXN_CREATE, sid, "/e/c", NULL, -1, 0)),
	    ZK_ENOCHILDRENFOREPHEMERALS);
	/* Deleting an ephemeral (by anyone) takes it off its owner's list. */
	ZK_ASSERT_EQ(run1(&db, tx(7, ZK_TXN_DELETE, 0, "/e", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(ss->nephemerals, 1);
	ZK_ASSERT_STR(ss->ephemerals[0], "/e-0000000001");
	ZK_ASSERT_EQ(run1(&db, tx(8, ZK_TXN_DELETE, 0, "/p", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(ss->nephemerals, 1);
	/* Failed with missing ancestors: nothing made, nothing counted. */
	ZK_ASSERT_EQ(run(&db, tx(9, ZK_TXN_CREATE, sid, "/e-0000000001/c/d",
	    NULL, -1, PAR), &res), ZK_ENOCHILDRENFOREPHEMERALS);
	ZK_ASSERT_EQ(res.parents, 0);
	ZK_ASSERT(zk_tree_find(db.tree, "/e-0000000001/c") == NULL);
	zk_result_close(&res);
	zk_db_close(&db);
}

/* closeSession deletes the session's ephemerals, reports them, ends it. */
static void
test_close_session(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	int64_t			 s1 = 11, s2 = 22;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE_SESSION, s1, NULL, NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_CREATE_SESSION, s2, NULL, NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(3, ZK_TXN_CREATE, s1, "/app/w/b", NULL, -1,
	    EPH | PAR)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, s1, "/app/w/a", NULL, -1,
	    EPH)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, s1, "/app/c", NULL, -1,
	    EPH)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(6, ZK_TXN_CREATE, s2, "/app/w/other", NULL,
	    -1, EPH)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(7, ZK_TXN_CREATE, s1, "/app/keep", NULL, -1,
	    0)), ZK_OK);
	ZK_ASSERT_EQ(stat_of(&db, "/app/w")->cversion, 3);
	ZK_ASSERT_EQ(zk_sessions_find(db.sessions, s1)->nephemerals, 3);

	ZK_ASSERT_EQ(run(&db, tx(8, ZK_TXN_CLOSE_SESSION, s1, NULL, NULL, -1,
	    0), &res), ZK_OK);
	ZK_ASSERT_EQ(res.ndeleted, 3);
	ZK_ASSERT_STR(res.deleted[0], "/app/c");
	ZK_ASSERT_STR(res.deleted[1], "/app/w/a");
	ZK_ASSERT_STR(res.deleted[2], "/app/w/b");
	zk_result_close(&res);
	ZK_ASSERT(zk_sessions_find(db.sessions, s1) == NULL);
	ZK_ASSERT_EQ(zk_sessions_count(db.sessions), 1);
	ZK_ASSERT(zk_tree_find(db.tree, "/app/w/a") == NULL);
	ZK_ASSERT(zk_tree_find(db.tree, "/app/w/b") == NULL);
	ZK_ASSERT(zk_tree_find(db.tree, "/app/c") == NULL);
	ZK_ASSERT(zk_tree_find(db.tree, "/app/w/other") != NULL);
	ZK_ASSERT(zk_tree_find(db.tree, "/app/keep") != NULL);
	ZK_ASSERT_EQ(stat_of(&db, "/app/w")->num_children, 1);
	ZK_ASSERT_EQ(stat_of(&db, "/app/w")->cversion, 5);
	ZK_ASSERT_EQ(stat_of(&db, "/app/w")->pzxid, 8);
	ZK_ASSERT_EQ(stat_of(&db, "/app")->pzxid, 8);
	ZK_ASSERT_EQ(stat_of(&db, "/app")->num_children, 2);

	/* Closing again, or closing a session with nothing, is clean. */
	ZK_ASSERT_EQ(run1(&db, tx(9, ZK_TXN_CLOSE_SESSION, s1, NULL, NULL, -1,
	    0)), ZK_ESESSIONEXPIRED);
	ZK_ASSERT_EQ(run1(&db, tx(10, ZK_TXN_DELETE, 0, "/app/w/other", NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(run(&db, tx(11, ZK_TXN_CLOSE_SESSION, s2, NULL, NULL,
	    -1, 0), &res), ZK_OK);
	ZK_ASSERT_EQ(res.ndeleted, 0);
	ZK_ASSERT(res.deleted == NULL);
	zk_result_close(&res);
	ZK_ASSERT_EQ(zk_sessions_count(db.sessions), 0);
	zk_db_close(&db);
}

/* A history mixing every type, successes and failures. */
static size_t
history(struct zk_txn *v)
{
	size_t	 n = 0;
	int64_t	 z = ZK_ZXID(1, 0);

	v[n++] = tx(++z, ZK_TXN_CREATE_SESSION, 7, NULL, NULL, -1, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE_SESSION, 8, NULL, NULL, -1, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 0, "/cfg", "a=1", -1, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 7, "/locks/l-", NULL, -1,
	    EPH | SEQ | PAR);
	v[n++] = tx(++z, ZK_TXN_CREATE, 8, "/locks/l-", NULL, -1, EPH | SEQ);
	v[n++] = tx(++z, ZK_TXN_SETDATA, 0, "/cfg", "a=2", 0, 0);
	/* Fails: version 0 is gone. */
	v[n++] = tx(++z, ZK_TXN_SETDATA, 0, "/cfg", "a=3", 0, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 0, "/cfg/x", "", -1, 0);
	/* Fails: not empty, then no session 9. */
	v[n++] = tx(++z, ZK_TXN_DELETE, 0, "/cfg", NULL, -1, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 9, "/e", NULL, -1, EPH);
	v[n++] = tx(++z, ZK_TXN_CLOSE_SESSION, 7, NULL, NULL, -1, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 8, "/locks/l-", NULL, -1, EPH | SEQ);
	v[n++] = tx(++z, ZK_TXN_DELETE, 0, "/cfg/x", NULL, 0, 0);
	v[n++] = tx(++z, ZK_TXN_CREATE, 0, "/bad//p", NULL, -1, 0);
	return n;
}

/* db (1): the same txns give the same tree and results on every replica. */
static void
test_determinism(void)
{
	struct zk_db		 a, b, c;
	struct zk_result	 ra, rb;
	struct zk_txn		 v[32];
	size_t			 n, i;

	n = history(v);
	zk_db_init(&a);
	zk_db_init(&b);
	zk_db_init(&c);
	for (i = 0; i < n; i++) {
		/* Different local clocks: only deadlines may differ. */
		ZK_ASSERT_EQ(zk_db_apply(&a, &v[i], 1000, &ra, NULL), ZK_OK);
		ZK_ASSERT_EQ(zk_db_apply(&b, &v[i], 999999, &rb, NULL), ZK_OK);
		ZK_ASSERT_EQ(ra.err, rb.err);
		ZK_ASSERT_MEM(&ra.stat, &rb.stat, sizeof(ra.stat));
		ZK_ASSERT((ra.path == NULL) == (rb.path == NULL));
		if (ra.path != NULL)
			ZK_ASSERT_STR(ra.path, rb.path);
		ZK_ASSERT_EQ(ra.ndeleted, rb.ndeleted);
		zk_result_close(&ra);
		zk_result_close(&rb);
	}
	ZK_ASSERT_EQ(zk_tree_digest(a.tree), zk_tree_digest(b.tree));
	ZK_ASSERT_EQ(a.last_zxid, b.last_zxid);
	ZK_ASSERT_EQ(zk_tree_count(a.tree), 4 + 4);
	ZK_ASSERT(zk_tree_find(a.tree, "/locks/l-0000000003") != NULL);
	ZK_ASSERT(zk_tree_find(a.tree, "/locks/l-0000000000") == NULL);
	ZK_ASSERT_EQ(zk_sessions_count(a.sessions), 1);

	/* One txn different (the last data written) gives another digest. */
	v[5].data = "a=9";
	for (i = 0; i < n; i++) {
		ZK_ASSERT_EQ(zk_db_apply(&c, &v[i], 1000, &ra, NULL), ZK_OK);
		zk_result_close(&ra);
	}
	ZK_ASSERT(zk_tree_digest(a.tree) != zk_tree_digest(c.tree));
	zk_db_close(&a);
	zk_db_close(&b);
	zk_db_close(&c);
}

static int
copy_node(const struct zk_node *n, void *arg)
{
	struct zk_db	*to = arg;
	const char	*d;
	size_t		 len;

	d = zk_node_data(n, &len);
	return zk_tree_load(to->tree, zk_node_path(n), d, len,
	    zk_node_stat(n), NULL) != ZK_OK;
}

/* session (1) after a snapshot load: lists are rebuilt from the owners. */
static void
test_index_ephemerals(void)
{
	struct zk_db		 a, b;
	struct zk_session	*ss;
	struct zk_txn		 v[32];
	struct zk_error		 e;
	size_t			 n, i;

	n = history(v);
	zk_db_init(&a);
	for (i = 0; i < n; i++)
		ZK_ASSERT_EQ(run1(&a, v[i]) == 999, 0);
	/* A snapshot's view: sessions, then nodes in walk order. */
	zk_db_init(&b);
	zk_sessions_add(b.sessions, 8, 4000, NULL, 0);
	ZK_ASSERT_EQ(zk_tree_walk(a.tree, zk_tree_find(a.tree, "/"),
	    copy_node, &b), 0);
	ZK_ASSERT_EQ(zk_db_index_ephemerals(&b, &e), ZK_OK);
	ss = zk_sessions_find(b.sessions, 8);
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	ZK_ASSERT(strcmp(ss->ephemerals[0], "/locks/l-0000000001") == 0 ||
	    strcmp(ss->ephemerals[1], "/locks/l-0000000001") == 0);
	ZK_ASSERT_EQ(zk_tree_digest(a.tree), zk_tree_digest(b.tree));
	/* Indexing twice gives the same lists, not doubled ones. */
	ZK_ASSERT_EQ(zk_db_index_ephemerals(&b, &e), ZK_OK);
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	/* Closing the session on the loaded copy removes both. */
	b.last_zxid = a.last_zxid;
	ZK_ASSERT_EQ(run1(&b, tx(a.last_zxid + 1, ZK_TXN_CLOSE_SESSION, 8,
	    NULL, NULL, -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(stat_of(&b, "/locks")->num_children, 0);
	/* An owner with no session is a damaged snapshot. */
	zk_sessions_remove(a.sessions, 8);
	ZK_ASSERT_EQ(zk_db_index_ephemerals(&a, &e), ZK_ECORRUPT);
	ZK_ASSERT_EQ(e.code, ZK_ECORRUPT);
	zk_db_close(&a);
	zk_db_close(&b);
}

/*
 * Containers: persistent nodes marked by their owner, on no session's
 * list, kept by closeSession and skipped by zk_db_index_ephemerals.
 */
static void
test_containers(void)
{
	struct zk_db		 db, b;
	struct zk_result	 res;
	struct zk_session	*ss;
	struct zk_error		 e;
	int64_t			 sid = 0x33;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE_SESSION, sid, NULL, NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(run(&db, tx(2, ZK_TXN_CREATE, sid, "/locks/c", "d", -1,
	    CON | PAR), &res), ZK_OK);
	ZK_ASSERT_STR(res.path, "/locks/c");
	ZK_ASSERT_EQ(res.stat.ephemeral_owner, ZK_CONTAINER_OWNER);
	ZK_ASSERT_EQ(res.fail_index, -1);
	zk_result_close(&res);
	ZK_ASSERT_EQ(stat_of(&db, "/locks")->ephemeral_owner, 0);
	ss = zk_sessions_find(db.sessions, sid);
	ZK_ASSERT_EQ(ss->nephemerals, 0);
	ZK_ASSERT_EQ(run1(&db, tx(3, ZK_TXN_CREATE, sid, "/locks/c/l-", NULL,
	    -1, EPH | SEQ)), ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, sid, "/locks/c/p", NULL,
	    -1, 0)), ZK_OK);
	ZK_ASSERT_EQ(ss->nephemerals, 1);
	ZK_ASSERT_STR(ss->ephemerals[0], "/locks/c/l-0000000000");

	/* Refused flag combinations, even without a session. */
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_CREATE, 0, "/x", NULL, -1,
	    CON | EPH)), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(6, ZK_TXN_CREATE, sid, "/x", NULL, -1,
	    CON | SEQ)), ZK_EBADARGUMENTS);
	ZK_ASSERT(zk_tree_find(db.tree, "/x") == NULL);
	/* The container's owner can never be a session's id. */
	ZK_ASSERT_EQ(run1(&db, tx(7, ZK_TXN_CREATE_SESSION, ZK_CONTAINER_OWNER,
	    NULL, NULL, -1, 0)), ZK_EBADARGUMENTS);
	ZK_ASSERT(zk_sessions_find(db.sessions, ZK_CONTAINER_OWNER) == NULL);

	/* A snapshot's view: the container is nobody's ephemeral. */
	zk_db_init(&b);
	zk_sessions_add(b.sessions, sid, 4000, NULL, 0);
	ZK_ASSERT_EQ(zk_tree_walk(db.tree, zk_tree_find(db.tree, "/"),
	    copy_node, &b), 0);
	ZK_ASSERT_EQ(zk_db_index_ephemerals(&b, &e), ZK_OK);
	ZK_ASSERT_EQ(zk_sessions_find(b.sessions, sid)->nephemerals, 1);
	zk_db_close(&b);

	/* closeSession takes the ephemeral child and leaves the container. */
	ZK_ASSERT_EQ(run(&db, tx(8, ZK_TXN_CLOSE_SESSION, sid, NULL, NULL, -1,
	    0), &res), ZK_OK);
	ZK_ASSERT_EQ(res.ndeleted, 1);
	ZK_ASSERT_STR(res.deleted[0], "/locks/c/l-0000000000");
	zk_result_close(&res);
	ZK_ASSERT(zk_tree_find(db.tree, "/locks/c") != NULL);
	ZK_ASSERT_EQ(stat_of(&db, "/locks/c")->num_children, 1);
	/* A delete of a container child under no session is fine too. */
	ZK_ASSERT_EQ(run1(&db, tx(9, ZK_TXN_DELETE, 0, "/locks/c/p", NULL, -1,
	    0)), ZK_OK);
	ZK_ASSERT(zk_db_is_empty_container(&db, "/locks/c"));
	zk_db_close(&db);
}

/*
 * deleteContainer: missing is no node, children is not empty, a plain
 * node is bad arguments (checked in that order); a failure changes
 * nothing, a success has a delete's parent stat effects.
 */
static void
test_delete_container(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_error		 e;
	struct zk_txn		 t;
	uint64_t		 d;
	const int		 DC = ZK_TXN_DELETE_CONTAINER;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/c", NULL, -1, CON)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_CREATE, 0, "/c/k", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(3, ZK_TXN_CREATE, 0, "/plain", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, 0, "/plain/k", NULL, -1,
	    0)), ZK_OK);
	d = zk_tree_digest(db.tree);

	t = tx(5, DC, 0, "/nope", NULL, -1, 0);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, &e), ZK_OK);
	ZK_ASSERT_EQ(res.err, ZK_ENONODE);
	ZK_ASSERT_EQ(res.fail_index, -1);
	ZK_ASSERT_EQ(e.code, ZK_ENONODE);
	zk_result_close(&res);
	ZK_ASSERT_EQ(run1(&db, tx(6, DC, 0, "/c", NULL, -1, 0)), ZK_ENOTEMPTY);
	ZK_ASSERT_EQ(run1(&db, tx(7, DC, 0, "/plain", NULL, -1, 0)),
	    ZK_ENOTEMPTY);
	ZK_ASSERT_EQ(run1(&db, tx(8, DC, 0, "/plain/k", NULL, -1, 0)),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(9, DC, 0, "/zookeeper", NULL, -1, 0)),
	    ZK_ENOTEMPTY);
	ZK_ASSERT_EQ(run1(&db, tx(10, DC, 0, "/", NULL, -1, 0)),
	    ZK_ENOTEMPTY);
	ZK_ASSERT_EQ(run1(&db, tx(11, DC, 0, "/zookeeper/quota", NULL, -1, 0)),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(run1(&db, tx(12, DC, 0, "bad", NULL, -1, 0)),
	    ZK_EBADPATH);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), d);
	ZK_ASSERT_EQ(db.last_zxid, 12);

	ZK_ASSERT_EQ(run1(&db, tx(13, ZK_TXN_DELETE, 0, "/c/k", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(14, DC, 0, "/c", NULL, -1, 0)), ZK_OK);
	ZK_ASSERT(zk_tree_find(db.tree, "/c") == NULL);
	ZK_ASSERT_EQ(stat_of(&db, "/")->pzxid, 14);
	ZK_ASSERT_EQ(stat_of(&db, "/")->cversion, 3);
	ZK_ASSERT_EQ(stat_of(&db, "/")->num_children, 2);
	ZK_ASSERT_EQ(run1(&db, tx(15, DC, 0, "/c", NULL, -1, 0)), ZK_ENONODE);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), zk_tree_digest_full(db.tree));
	zk_db_close(&db);
}

/* Only a childless container that has had a child is to be deleted. */
static void
test_is_empty_container(void)
{
	struct zk_db	 db;

	zk_db_init(&db);
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/c"));
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/c", NULL, -1, CON)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_CREATE, 0, "/p", NULL, -1, 0)),
	    ZK_OK);
	/* Never had a child: kept (ZooKeeper waits for cversion > 0). */
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/c"));
	ZK_ASSERT_EQ(run1(&db, tx(3, ZK_TXN_CREATE, 0, "/c/a", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, 0, "/p/a", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/c"));
	ZK_ASSERT_EQ(run1(&db, tx(5, ZK_TXN_DELETE, 0, "/c/a", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(6, ZK_TXN_DELETE, 0, "/p/a", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT(zk_db_is_empty_container(&db, "/c"));
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/p"));
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/"));
	ZK_ASSERT(!zk_db_is_empty_container(&db, "/zookeeper/quota"));
	zk_db_close(&db);
}

/* An op of a multi: only type, path, data, version and flags matter. */
static struct zk_txn
op(int type, const char *path, const char *data, int32_t version, int flags)
{
	return tx(0, type, 0, path, data, version, flags);
}

/* A multi txn over ops (borrowed). */
static struct zk_txn
multi(int64_t zxid, int64_t sid, struct zk_txn *ops, size_t nops)
{
	struct zk_txn	 t = tx(zxid, ZK_TXN_MULTI, sid, NULL, NULL, -1, 0);

	t.ops = ops;
	t.nops = nops;
	return t;
}

static int
text_node(const struct zk_node *n, void *arg)
{
	struct zk_buf		*b = arg;
	const struct zk_stat	*s = zk_node_stat(n);
	const char		*d;
	char			 line[512];
	size_t			 len;
	int			 k;

	d = zk_node_data(n, &len);
	k = snprintf(line, sizeof(line), "%s [%.*s] %lld %lld %lld %lld %lld "
	    "%d %d %d %lld %d %d\n", zk_node_path(n), (int)len, d,
	    (long long)s->czxid, (long long)s->mzxid, (long long)s->pzxid,
	    (long long)s->ctime, (long long)s->mtime, s->version, s->cversion,
	    s->aversion, (long long)s->ephemeral_owner, s->data_length,
	    s->num_children);
	zk_buf_append(b, line, (size_t)k);
	return 0;
}

static int
cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The replicated state as text: every node (path, data, every stat
 * field), every session's ephemerals, each sorted, and the digest. Equal
 * states give equal strings. The caller frees it.
 */
static char *
state(const struct zk_db *db)
{
	struct zk_buf		 b, out;
	struct zk_session	*ss;
	char			**v, *p, *nl, num[64];
	size_t			 n = 0, i, j;

	zk_buf_init(&b);
	zk_tree_walk(db->tree, zk_tree_find(db->tree, "/"), text_node, &b);
	for (ss = zk_sessions_first(db->sessions); ss != NULL;
	    ss = zk_sessions_next(db->sessions, ss))
		for (j = 0; j < ss->nephemerals; j++) {
			snprintf(num, sizeof(num), "session %llx ",
			    (long long)ss->id);
			zk_buf_append(&b, num, strlen(num));
			zk_buf_append(&b, ss->ephemerals[j],
			    strlen(ss->ephemerals[j]));
			zk_buf_append(&b, "\n", 1);
		}
	zk_buf_append(&b, "", 1);
	v = malloc((b.len + 1) * sizeof(*v));
	for (p = b.data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		v[n++] = p;
	}
	qsort(v, n, sizeof(*v), cmp_lines);
	zk_buf_init(&out);
	for (i = 0; i < n; i++) {
		zk_buf_append(&out, v[i], strlen(v[i]));
		zk_buf_append(&out, "\n", 1);
	}
	snprintf(num, sizeof(num), "digest %016llx count %zu sessions %zu",
	    (unsigned long long)zk_tree_digest(db->tree),
	    zk_tree_count(db->tree), zk_sessions_count(db->sessions));
	zk_buf_append(&out, num, strlen(num) + 1);
	free(v);
	zk_buf_close(&b);
	return out.data;
}

/*
 * A multi applies its ops in order under one zxid, each seeing those
 * before (create /a then /a/b), and gives one result per op: the path
 * of a create, the stat of a create or setData.
 */
static void
test_multi(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_txn		 ops[8], t;
	struct zk_error		 e;
	int64_t			 z = 0x500000001LL;
	size_t			 i;

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/old", "o", -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_CREATE, 0, "/gone", NULL, -1, 0)),
	    ZK_OK);
	ops[0] = op(ZK_TXN_CHECK, "/old", NULL, 0, 0);
	ops[1] = op(ZK_TXN_CREATE, "/a", "A", -1, 0);
	ops[2] = op(ZK_TXN_CREATE, "/a/b", "B", -1, 0);
	ops[3] = op(ZK_TXN_CREATE, "/a/q-", NULL, -1, SEQ);
	ops[4] = op(ZK_TXN_SETDATA, "/old", "new", 0, 0);
	ops[5] = op(ZK_TXN_CHECK, "/old", NULL, 1, 0);
	ops[6] = op(ZK_TXN_DELETE, "/gone", NULL, 0, 0);
	ops[7] = op(ZK_TXN_SETDATA, "/a/b", "B2", -1, 0);
	/* The ops' own zxids and times are not used: the multi's are. */
	ops[1].zxid = 3;
	ops[1].time_ms = 5;
	t = multi(z, 0, ops, 8);
	ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, &e), ZK_OK);
	ZK_ASSERT_EQ(res.err, ZK_OK);
	ZK_ASSERT_EQ(res.fail_index, -1);
	ZK_ASSERT_EQ(res.nops, 8);
	ZK_ASSERT(res.path == NULL);
	for (i = 0; i < 8; i++) {
		ZK_ASSERT_EQ(res.ops[i].err, ZK_OK);
		ZK_ASSERT_EQ(res.ops[i].fail_index, -1);
	}
	ZK_ASSERT(res.ops[0].path == NULL);
	ZK_ASSERT_STR(res.ops[1].path, "/a");
	ZK_ASSERT_STR(res.ops[2].path, "/a/b");
	ZK_ASSERT_STR(res.ops[3].path, "/a/q-0000000001");
	ZK_ASSERT_EQ(res.ops[1].stat.czxid, z);
	ZK_ASSERT_EQ(res.ops[1].stat.ctime, t.time_ms);
	/* A create's stat is the node as that op left it. */
	ZK_ASSERT_EQ(res.ops[1].stat.num_children, 0);
	ZK_ASSERT_EQ(res.ops[4].stat.version, 1);
	ZK_ASSERT_EQ(res.ops[4].stat.mzxid, z);
	ZK_ASSERT_EQ(res.ops[7].stat.version, 1);
	ZK_ASSERT_EQ(res.ops[7].stat.data_length, 2);
	ZK_ASSERT(res.ops[6].path == NULL);
	zk_result_close(&res);
	ZK_ASSERT(res.ops == NULL);

	/* One zxid on every node the multi touched. */
	ZK_ASSERT_EQ(stat_of(&db, "/a")->czxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/a")->pzxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/a")->cversion, 2);
	ZK_ASSERT_EQ(stat_of(&db, "/a/b")->czxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/a/b")->mzxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/a/q-0000000001")->czxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/old")->mzxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/")->pzxid, z);
	ZK_ASSERT_EQ(stat_of(&db, "/")->cversion, 4);
	ZK_ASSERT(zk_tree_find(db.tree, "/gone") == NULL);
	ZK_ASSERT_EQ(db.last_zxid, z);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), zk_tree_digest_full(db.tree));

	/* An empty multi is applied and does nothing. */
	t = multi(z + 1, 0, NULL, 0);
	ZK_ASSERT_EQ(run(&db, t, &res), ZK_OK);
	ZK_ASSERT_EQ(res.nops, 0);
	ZK_ASSERT_EQ(res.fail_index, -1);
	zk_result_close(&res);
	ZK_ASSERT_EQ(db.last_zxid, z + 1);
	zk_db_close(&db);
}

/* The state test_multi_rollback starts from each time. */
static void
rollback_base(struct zk_db *db)
{
	zk_db_init(db);
	run1(db, tx(1, ZK_TXN_CREATE_SESSION, 7, NULL, NULL, -1, 0));
	run1(db, tx(2, ZK_TXN_CREATE, 0, "/app", "cfg", -1, 0));
	run1(db, tx(3, ZK_TXN_CREATE, 0, "/app/q-", NULL, -1, SEQ));
	run1(db, tx(4, ZK_TXN_CREATE, 7, "/app/e", "mine", -1, EPH));
	run1(db, tx(5, ZK_TXN_CREATE, 0, "/app/c", NULL, -1, CON));
	run1(db, tx(6, ZK_TXN_CREATE, 0, "/app/c/k", NULL, -1, 0));
	run1(db, tx(7, ZK_TXN_SETDATA, 0, "/", "root", -1, 0));
}

/*
 * db (3) and (7): a multi whose op k fails, for every k, leaves the db
 * exactly as before (every node and stat field, the digest, the
 * sequence counters, the sessions' ephemerals), with op k's error and
 * index; only last_zxid moves. Each failing op is of another kind.
 */
static void
test_multi_rollback(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_error		 e;
	struct zk_txn		 ops[12], bad[12], t;
	char			*before, *after;
	int			 err[12];
	size_t			 k, n = 12;

	/* Valid ops, every kind of change, each seeing those before. */
	ops[0] = op(ZK_TXN_CREATE, "/app/q-", "s", -1, SEQ);
	ops[1] = op(ZK_TXN_CREATE, "/app/e2", NULL, -1, EPH);
	ops[2] = op(ZK_TXN_SETDATA, "/app", "cfg2 is longer", 0, 0);
	ops[3] = op(ZK_TXN_DELETE, "/app/e", NULL, -1, 0);
	ops[4] = op(ZK_TXN_CREATE, "/new/deep/x", "x", -1, PAR);
	ops[5] = op(ZK_TXN_DELETE, "/app/c/k", NULL, 0, 0);
	ops[6] = op(ZK_TXN_CREATE, "/app/c/k2", NULL, -1, EPH | SEQ);
	ops[7] = op(ZK_TXN_SETDATA, "/", "", -1, 0);
	ops[8] = op(ZK_TXN_CREATE, "/app/e", "again", -1, 0);
	ops[9] = op(ZK_TXN_CHECK, "/app", NULL, 1, 0);
	ops[10] = op(ZK_TXN_CREATE, "/new/box", NULL, -1, CON);
	ops[11] = op(ZK_TXN_SETDATA, "/new/deep/x", "y", 0, 0);
	/* For each index, an op that fails there after the ones before. */
	bad[0] = op(ZK_TXN_CHECK, "/nope", NULL, -1, 0);
	err[0] = ZK_ENONODE;
	bad[1] = op(ZK_TXN_CHECK, "/app", NULL, 3, 0);
	err[1] = ZK_EBADVERSION;
	bad[2] = op(ZK_TXN_CREATE, "/app/e2", NULL, -1, 0);
	err[2] = ZK_ENODEEXISTS;
	bad[3] = op(ZK_TXN_SETDATA, "/app", "x", 0, 0);
	err[3] = ZK_EBADVERSION;
	bad[4] = op(ZK_TXN_DELETE, "/app", NULL, -1, 0);
	err[4] = ZK_ENOTEMPTY;
	bad[5] = op(ZK_TXN_CREATE_SESSION, NULL, NULL, -1, 0);
	err[5] = ZK_EBADARGUMENTS;
	bad[6] = op(ZK_TXN_CREATE, "/app/e2/x", NULL, -1, 0);
	err[6] = ZK_ENOCHILDRENFOREPHEMERALS;
	bad[7] = op(ZK_TXN_DELETE, "/app/c/k", NULL, -1, 0);
	err[7] = ZK_ENONODE;
	bad[8] = op(ZK_TXN_CREATE, "/app/bad/", NULL, -1, 0);
	err[8] = ZK_EBADPATH;
	bad[9] = op(ZK_TXN_CREATE, "/zookeeper/x", NULL, -1, 0);
	err[9] = ZK_EBADARGUMENTS;
	bad[10] = op(ZK_TXN_CLOSE_SESSION, NULL, NULL, -1, 0);
	err[10] = ZK_EBADARGUMENTS;
	bad[11] = op(ZK_TXN_DELETE_CONTAINER, "/new/box", NULL, -1, 0);
	err[11] = ZK_EBADARGUMENTS;

	/* The valid ops alone succeed. */
	rollback_base(&db);
	ZK_ASSERT_EQ(run(&db, multi(100, 7, ops, n), &res), ZK_OK);
	ZK_ASSERT_STR(res.ops[0].path, "/app/q-0000000003");
	ZK_ASSERT_STR(res.ops[6].path, "/app/c/k20000000002");
	zk_result_close(&res);
	ZK_ASSERT_EQ(zk_sessions_find(db.sessions, 7)->nephemerals, 2);
	zk_db_close(&db);

	for (k = 0; k < n; k++) {
		struct zk_txn	 v[12];

		memcpy(v, ops, sizeof(v));
		v[k] = bad[k];
		rollback_base(&db);
		before = state(&db);
		t = multi(100, 7, v, n);
		ZK_ASSERT_EQ(zk_db_apply(&db, &t, 0, &res, &e), ZK_OK);
		if (res.err != err[k] || res.fail_index != (int32_t)k)
			ZK_FAIL_("index %zu: err %d at %d, want %d", k,
			    res.err, res.fail_index, err[k]);
		ZK_ASSERT_EQ(e.code, err[k]);
		ZK_ASSERT(strncmp(e.msg, "op ", 3) == 0);
		ZK_ASSERT(res.ops == NULL);
		ZK_ASSERT_EQ(res.nops, 0);
		zk_result_close(&res);
		after = state(&db);
		if (strcmp(before, after) != 0)
			ZK_FAIL_("index %zu: state differs:\n%s\n--\n%s", k,
			    before, after);
		free(before);
		free(after);
		ZK_ASSERT_EQ(db.last_zxid, 100);
		/* The sequence counter was rolled back with the rest. */
		ZK_ASSERT_EQ(run(&db, tx(101, ZK_TXN_CREATE, 0, "/app/q-",
		    NULL, -1, SEQ), &res), ZK_OK);
		ZK_ASSERT_STR(res.path, "/app/q-0000000003");
		zk_result_close(&res);
		ZK_ASSERT_EQ(zk_tree_digest(db.tree),
		    zk_tree_digest_full(db.tree));
		zk_db_close(&db);
	}
}

/*
 * An ephemeral create in a multi needs the multi's session, goes on its
 * list and leaves with closeSession; rolled back, it leaves no trace on
 * the list; a delete of an ephemeral rolled back puts it back on.
 */
static void
test_multi_ephemerals(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_session	*ss;
	struct zk_txn		 ops[3];

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE_SESSION, 7, NULL, NULL, -1,
	    0)), ZK_OK);
	ss = zk_sessions_find(db.sessions, 7);
	ops[0] = op(ZK_TXN_CREATE, "/lock", NULL, -1, CON);
	ops[1] = op(ZK_TXN_CREATE, "/lock/l-", NULL, -1, EPH | SEQ);
	/* No session: the ephemeral fails at its index. */
	ZK_ASSERT_EQ(run(&db, multi(2, 0, ops, 2), &res), ZK_ESESSIONEXPIRED);
	ZK_ASSERT_EQ(res.fail_index, 1);
	zk_result_close(&res);
	ZK_ASSERT(zk_tree_find(db.tree, "/lock") == NULL);
	ZK_ASSERT_EQ(run(&db, multi(3, 9, ops, 2), &res), ZK_ESESSIONEXPIRED);
	zk_result_close(&res);

	ZK_ASSERT_EQ(run(&db, multi(4, 7, ops, 2), &res), ZK_OK);
	ZK_ASSERT_STR(res.ops[1].path, "/lock/l-0000000000");
	ZK_ASSERT_EQ(res.ops[1].stat.ephemeral_owner, 7);
	zk_result_close(&res);
	ZK_ASSERT_EQ(ss->nephemerals, 1);

	/* Rolled back: a created ephemeral off the list, a deleted one on. */
	ops[0] = op(ZK_TXN_CREATE, "/lock/l-", NULL, -1, EPH | SEQ);
	ops[1] = op(ZK_TXN_DELETE, "/lock/l-0000000000", NULL, -1, 0);
	ops[2] = op(ZK_TXN_CHECK, "/lock", NULL, 5, 0);
	ZK_ASSERT_EQ(run(&db, multi(5, 7, ops, 3), &res), ZK_EBADVERSION);
	ZK_ASSERT_EQ(res.fail_index, 2);
	zk_result_close(&res);
	ZK_ASSERT_EQ(ss->nephemerals, 1);
	ZK_ASSERT_STR(ss->ephemerals[0], "/lock/l-0000000000");
	ZK_ASSERT(zk_tree_find(db.tree, "/lock/l-0000000001") == NULL);

	/* closeSession takes the multi's ephemeral; the container stays. */
	ZK_ASSERT_EQ(run(&db, tx(6, ZK_TXN_CLOSE_SESSION, 7, NULL, NULL, -1,
	    0), &res), ZK_OK);
	ZK_ASSERT_EQ(res.ndeleted, 1);
	ZK_ASSERT_STR(res.deleted[0], "/lock/l-0000000000");
	zk_result_close(&res);
	ZK_ASSERT(zk_tree_find(db.tree, "/lock") != NULL);
	ZK_ASSERT(zk_db_is_empty_container(&db, "/lock"));
	zk_db_close(&db);
}

/* A check op passes or fails on existence and version (-1: any). */
static void
test_multi_check(void)
{
	struct zk_db		 db;
	struct zk_result	 res;
	struct zk_txn		 ops[2];

	zk_db_init(&db);
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/n", "v", -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_SETDATA, 0, "/n", "w", -1, 0)),
	    ZK_OK);
	ops[1] = op(ZK_TXN_SETDATA, "/n", "x", -1, 0);
	ops[0] = op(ZK_TXN_CHECK, "/n", NULL, 1, 0);
	ZK_ASSERT_EQ(run(&db, multi(3, 0, ops, 2), &res), ZK_OK);
	ZK_ASSERT(res.ops[0].path == NULL);
	zk_result_close(&res);
	ops[0] = op(ZK_TXN_CHECK, "/n", NULL, -1, 0);
	ZK_ASSERT_EQ(run1(&db, multi(4, 0, ops, 2)), ZK_OK);
	ops[0] = op(ZK_TXN_CHECK, "/n", NULL, 1, 0);	/* now 3 */
	ZK_ASSERT_EQ(run(&db, multi(5, 0, ops, 2), &res), ZK_EBADVERSION);
	ZK_ASSERT_EQ(res.fail_index, 0);
	zk_result_close(&res);
	ops[0] = op(ZK_TXN_CHECK, "/m", NULL, -1, 0);
	ZK_ASSERT_EQ(run(&db, multi(6, 0, ops, 2), &res), ZK_ENONODE);
	ZK_ASSERT_EQ(res.fail_index, 0);
	zk_result_close(&res);
	ops[0] = op(ZK_TXN_CHECK, "m", NULL, -1, 0);
	ZK_ASSERT_EQ(run1(&db, multi(7, 0, ops, 2)), ZK_EBADPATH);
	/* A check is only for a multi. */
	ZK_ASSERT_EQ(run1(&db, tx(8, ZK_TXN_CHECK, 0, "/n", NULL, -1, 0)),
	    ZK_EUNIMPLEMENTED);
	ZK_ASSERT_EQ(stat_of(&db, "/n")->version, 3);
	zk_db_close(&db);
}

struct seen {
	int		 calls;
	int		 types[8];
	int		 errs[8];
	int		 node_there;	/* the tree had changed at the call */
	struct zk_db	*db;
};

static void
applied(void *arg, const struct zk_txn *t, const struct zk_result *res)
{
	struct seen	*s = arg;

	if (s->calls < 8) {
		s->types[s->calls] = t->type;
		s->errs[s->calls] = res->err;
	}
	s->calls++;
	if (t->type == ZK_TXN_MULTI && res->err == ZK_OK)
		s->node_there = zk_tree_find(s->db->tree, "/m/x") != NULL &&
		    res->nops == 2;
}

/* db.h: the applied hook is told once of every applied txn, after it. */
static void
test_applied_hook(void)
{
	struct zk_db	 db;
	struct seen	 s;
	struct zk_txn	 ops[2];

	zk_db_init(&db);
	ZK_ASSERT(db.applied == NULL);
	memset(&s, 0, sizeof(s));
	s.db = &db;
	db.applied = applied;
	db.applied_arg = &s;
	ZK_ASSERT_EQ(run1(&db, tx(1, ZK_TXN_CREATE, 0, "/m", NULL, -1, 0)),
	    ZK_OK);
	ZK_ASSERT_EQ(run1(&db, tx(2, ZK_TXN_DELETE, 0, "/none", NULL, -1, 0)),
	    ZK_ENONODE);
	ops[0] = op(ZK_TXN_CREATE, "/m/x", NULL, -1, 0);
	ops[1] = op(ZK_TXN_CHECK, "/m", NULL, -1, 0);
	ZK_ASSERT_EQ(run1(&db, multi(3, 0, ops, 2)), ZK_OK);
	ops[1] = op(ZK_TXN_CHECK, "/m", NULL, 7, 0);
	ZK_ASSERT_EQ(run1(&db, multi(4, 0, ops, 2)), ZK_ENODEEXISTS);
	/* Refused (zxid not after the last): not applied, not told. */
	ZK_ASSERT_EQ(run1(&db, tx(4, ZK_TXN_CREATE, 0, "/z", NULL, -1, 0)),
	    999);
	ZK_ASSERT_EQ(s.calls, 4);
	ZK_ASSERT_EQ(s.types[0], ZK_TXN_CREATE);
	ZK_ASSERT_EQ(s.errs[0], ZK_OK);
	ZK_ASSERT_EQ(s.types[1], ZK_TXN_DELETE);
	ZK_ASSERT_EQ(s.errs[1], ZK_ENONODE);
	ZK_ASSERT_EQ(s.types[2], ZK_TXN_MULTI);
	ZK_ASSERT_EQ(s.errs[2], ZK_OK);
	ZK_ASSERT_EQ(s.errs[3], ZK_ENODEEXISTS);
	ZK_ASSERT(s.node_there);
	zk_db_close(&db);
}

int
main(void)
{
	ZK_RUN(test_apply_each);
	ZK_RUN(test_failures);
	ZK_RUN(test_zxid_order);
	ZK_RUN(test_sequential);
	ZK_RUN(test_ephemerals);
	ZK_RUN(test_close_session);
	ZK_RUN(test_determinism);
	ZK_RUN(test_index_ephemerals);
	ZK_RUN(test_containers);
	ZK_RUN(test_delete_container);
	ZK_RUN(test_is_empty_container);
	ZK_RUN(test_multi);
	ZK_RUN(test_multi_rollback);
	ZK_RUN(test_multi_ephemerals);
	ZK_RUN(test_multi_check);
	ZK_RUN(test_applied_hook);
	return ZK_TEST_DONE();
}
