/* Unit tests for lib/db.c: applying transactions to the tree and sessions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "proto.h"
#include "session.h"
#include "test.h"
#include "tree.h"
#include "txn.h"

#define EPH	ZK_CREATE_EPHEMERAL
#define SEQ	ZK_CREATE_SEQUENTIAL
#define PAR	ZK_CREATE_PARENTS

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
	zk_result_close(&res);
	ZK_ASSERT_EQ(stat_of(&db, "/r")->czxid, 6);
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
	return ZK_TEST_DONE();
}
