/*
 * Unit tests of lib/snap.c: round trip of the tree and the sessions,
 * damage detection, the fork path, file listing, and speed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "snap.h"
#include "test.h"

/* Sanitizers slow everything down about tenfold; the bound follows. */
#if defined(__SANITIZE_ADDRESS__)
#define SPEED_LIMIT_MS	10000
#else
#define SPEED_LIMIT_MS	1000
#endif

static char	 tmproot[] = "/tmp/zk-test-snap.XXXXXX";
static int	 ndirs;

static char *
newdir(void)
{
	static char	 dir[512];

	snprintf(dir, sizeof(dir), "%s/%d", tmproot, ndirs++);
	mkdir(dir, 0755);
	return dir;
}

static char *
snapname(const char *dir, int64_t zxid)
{
	static char	 p[600];

	snprintf(p, sizeof(p), "%s/snapshot.%016" PRIx64, dir, (uint64_t)zxid);
	return p;
}

static int64_t	 next_zxid;

static int
apply(struct zk_db *db, int type, int64_t session, const char *path,
    const char *data, int flags)
{
	struct zk_txn		 t;
	struct zk_result	 res;
	int			 rc;

	memset(&t, 0, sizeof(t));
	t.zxid = ++next_zxid;
	t.time_ms = 1700000000000LL + t.zxid;
	t.session_id = session;
	t.type = type;
	t.path = (char *)path;
	t.data = (char *)data;
	t.data_len = data ? strlen(data) : 0;
	t.version = -1;
	t.flags = flags;
	t.timeout_ms = 4000 + (int32_t)session;
	memset(t.passwd, (int)session, sizeof(t.passwd));
	if (zk_db_apply(db, &t, 0, &res, NULL) != ZK_OK)
		return -1;
	rc = res.err;
	zk_result_close(&res);
	return rc;
}

/* A db with persistent, sequential and ephemeral nodes, two sessions. */
static void
build(struct zk_db *db)
{
	next_zxid = ZK_ZXID(3, 0);
	zk_db_init(db);
	apply(db, ZK_TXN_CREATE_SESSION, 0x11, NULL, NULL, 0);
	apply(db, ZK_TXN_CREATE_SESSION, 0x22, NULL, NULL, 0);
	apply(db, ZK_TXN_CREATE, 0x11, "/app", "config", 0);
	apply(db, ZK_TXN_CREATE, 0x11, "/app/a", "", 0);
	apply(db, ZK_TXN_CREATE, 0x11, "/app/a/deep", "x\ny", 0);
	apply(db, ZK_TXN_CREATE, 0x11, "/app/q-", "s1", ZK_CREATE_SEQUENTIAL);
	apply(db, ZK_TXN_CREATE, 0x11, "/app/q-", "s2", ZK_CREATE_SEQUENTIAL);
	apply(db, ZK_TXN_CREATE, 0x11, "/app/e1", "mine", ZK_CREATE_EPHEMERAL);
	apply(db, ZK_TXN_CREATE, 0x22, "/app/e2", "yours", ZK_CREATE_EPHEMERAL);
	apply(db, ZK_TXN_CREATE, 0x22, "/app/e3", "", ZK_CREATE_EPHEMERAL);
	apply(db, ZK_TXN_SETDATA, 0x11, "/app", "config v2", 0);
	apply(db, ZK_TXN_DELETE, 0x11, "/app/a/deep", NULL, 0);
	db->last_zxid = next_zxid;
}

/* Sessions equal: ids, timeouts, passwords and ephemeral counts. */
static int
same_sessions(const struct zk_db *a, const struct zk_db *b)
{
	struct zk_session	*s, *t;

	if (zk_sessions_count(a->sessions) != zk_sessions_count(b->sessions))
		return 0;
	for (s = zk_sessions_first(a->sessions); s != NULL;
	    s = zk_sessions_next(a->sessions, s)) {
		if ((t = zk_sessions_find(b->sessions, s->id)) == NULL ||
		    t->timeout_ms != s->timeout_ms ||
		    memcmp(t->passwd, s->passwd, ZK_PASSWD_LEN) != 0 ||
		    t->nephemerals != s->nephemerals)
			return 0;
	}
	return 1;
}

/* snap (1): what is written reads back the same tree and session table. */
static void
test_round_trip(void)
{
	struct zk_db		 a, b;
	struct zk_error		 e;
	struct zk_session	*ss;
	char			*dir = newdir();
	int64_t			 zxid = 0;

	build(&a);
	ZK_ASSERT_EQ(zk_snap_write(&a, a.last_zxid, dir, &e), ZK_OK);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, a.last_zxid), &b, &zxid, 0, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(zxid, a.last_zxid);
	ZK_ASSERT_EQ(b.last_zxid, a.last_zxid);
	ZK_ASSERT_EQ(zk_tree_count(b.tree), zk_tree_count(a.tree));
	ZK_ASSERT_EQ(zk_tree_digest(b.tree), zk_tree_digest(a.tree));
	ZK_ASSERT(same_sessions(&a, &b));
	ss = zk_sessions_find(b.sessions, 0x22);
	ZK_ASSERT(ss != NULL);
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	ZK_ASSERT(zk_tree_find(b.tree, "/app/q-0000000001") != NULL);
	ZK_ASSERT(zk_tree_find(b.tree, "/app/q-0000000002") != NULL);
	ZK_ASSERT_EQ(zk_node_stat(zk_tree_find(b.tree, "/app/e1"))->
	    ephemeral_owner, 0x11);
	/* The loaded ephemerals still go with their session. */
	apply(&b, ZK_TXN_CLOSE_SESSION, 0x22, NULL, NULL, 0);
	ZK_ASSERT(zk_tree_find(b.tree, "/app/e2") == NULL);
	ZK_ASSERT(zk_tree_find(b.tree, "/app/e1") != NULL);
	zk_db_close(&a);
	zk_db_close(&b);
}

static void
flip(const char *file, off_t at)
{
	unsigned char	 c;
	int		 fd = open(file, O_RDWR);

	if (pread(fd, &c, 1, at) == 1) {
		c ^= 0x40;
		if (pwrite(fd, &c, 1, at) != 1)
			fprintf(stderr, "flip failed\n");
	}
	close(fd);
}

/*
 * snap (2): a flipped byte anywhere, or a cut file, is ZK_ECORRUPT naming the
 * file.
 */
static void
test_damage(void)
{
	struct zk_db	 a, b;
	struct zk_error	 e;
	struct stat	 st;
	char		*dir = newdir(), file[600];
	int64_t		 zxid;
	off_t		 at;
	int		 all = 1;

	build(&a);
	zk_snap_write(&a, a.last_zxid, dir, &e);
	snprintf(file, sizeof(file), "%s", snapname(dir, a.last_zxid));
	stat(file, &st);
	for (at = 0; at < st.st_size; at += 7) {
		flip(file, at);
		zk_db_init(&b);
		all &= zk_snap_read(file, &b, &zxid, 0, &e) == ZK_ECORRUPT &&
		    strstr(e.msg, file) != NULL;
		zk_db_close(&b);
		flip(file, at);
	}
	ZK_ASSERT(all);
	ZK_ASSERT_EQ(truncate(file, st.st_size - 1), 0);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(file, &b, &zxid, 0, &e), ZK_ECORRUPT);
	zk_db_close(&b);
	zk_db_close(&a);
}

/* snap (1): a snapshot under another zxid's name is refused. */
static void
test_name_mismatch(void)
{
	struct zk_db	 a, b;
	struct zk_error	 e;
	char		*dir = newdir(), from[600];
	int64_t		 zxid;

	build(&a);
	zk_snap_write(&a, a.last_zxid, dir, &e);
	snprintf(from, sizeof(from), "%s", snapname(dir, a.last_zxid));
	ZK_ASSERT_EQ(rename(from, snapname(dir, 5)), 0);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, 5), &b, &zxid, 0, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "name disagrees") != NULL);
	zk_db_close(&b);
	zk_db_close(&a);
}

/* snap: files are listed newest first; temporaries and strangers are not. */
static void
test_files(void)
{
	struct zk_db	 a;
	struct zk_error	 e;
	char		*dir = newdir(), p[700], **files;
	int64_t		*zxids;
	size_t		 n;
	int		 fd;

	zk_db_init(&a);
	zk_snap_write(&a, 0, dir, &e);
	zk_snap_write(&a, ZK_ZXID(1, 9), dir, &e);
	zk_snap_write(&a, 0x20, dir, &e);
	snprintf(p, sizeof(p), "%s.tmp", snapname(dir, ZK_ZXID(2, 1)));
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(p, sizeof(p), "%s/snapshot.xyz", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	ZK_ASSERT_EQ(zk_snap_files(dir, &files, &zxids, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 3);
	ZK_ASSERT_EQ(zxids[0], ZK_ZXID(1, 9));
	ZK_ASSERT_EQ(zxids[1], 0x20);
	ZK_ASSERT_EQ(zxids[2], 0);
	ZK_ASSERT_STR(files[0], snapname(dir, ZK_ZXID(1, 9)));
	zk_snap_files_free(files, zxids, n);
	zk_db_close(&a);
}

/* snap (2) of snap.h: the forked child writes the same snapshot and exits 0. */
static void
test_fork(void)
{
	struct zk_db	 a, b;
	struct zk_error	 e;
	char		*dir = newdir();
	int64_t		 zxid, at;
	pid_t		 pid;
	int		 status = -1;

	build(&a);
	at = a.last_zxid;
	pid = zk_snap_fork(&a, at, dir, &e);
	ZK_ASSERT(pid > 0);
	/*
	 * The parent may change its tree at once: the child has its own copy.
	 */
	apply(&a, ZK_TXN_CREATE, 0x11, "/after", "", 0);
	ZK_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ZK_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, at), &b, &zxid, 0, &e), ZK_OK);
	ZK_ASSERT_EQ(zxid, at);
	ZK_ASSERT(zk_tree_find(b.tree, "/after") == NULL);
	ZK_ASSERT_EQ(zk_tree_count(b.tree) + 1, zk_tree_count(a.tree));
	zk_db_close(&a);
	zk_db_close(&b);
}

/* snap: a failed write (no such directory) is ZK_EIO; the child exits 1. */
static void
test_write_error(void)
{
	struct zk_db	 a;
	struct zk_error	 e;
	pid_t		 pid;
	int		 status = -1;

	zk_db_init(&a);
	ZK_ASSERT_EQ(zk_snap_write(&a, 1, "/nonexistent/zk", &e), ZK_EIO);
	ZK_ASSERT(strstr(e.msg, "/nonexistent/zk/snapshot.") != NULL);
	pid = zk_snap_fork(&a, 1, "/nonexistent/zk", &e);
	ZK_ASSERT(pid > 0);
	waitpid(pid, &status, 0);
	ZK_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	zk_db_close(&a);
}

/* snap: 100,000 nodes are written and read back in well under a second each. */
static void
test_speed(void)
{
	struct zk_db	 a, b;
	struct zk_error	 e;
	char		*dir = newdir(), path[64];
	int64_t		 t0, wrote, read, zxid;
	int		 i, j, same;

	zk_db_init(&a);
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/d%03d", i);
		zk_tree_create(a.tree, path, "", 0, 0, 0, i + 1, 0, NULL, NULL,
		    NULL);
		for (j = 0; j < 1000; j++) {
			snprintf(path, sizeof(path), "/d%03d/n%04d", i, j);
			zk_tree_create(a.tree, path, "some data", 9, 0, 0,
			    1000 + i * 1000 + j, 0, NULL, NULL, NULL);
		}
	}
	ZK_ASSERT(zk_tree_count(a.tree) > 100000);
	t0 = zk_now_mono_ms();
	ZK_ASSERT_EQ(zk_snap_write(&a, 200000, dir, &e), ZK_OK);
	wrote = zk_now_mono_ms() - t0;
	zk_db_init(&b);
	t0 = zk_now_mono_ms();
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, 200000), &b, &zxid, 0, &e),
	    ZK_OK);
	read = zk_now_mono_ms() - t0;
	fprintf(stderr, "     (100k nodes: write %" PRId64 " ms, read %" PRId64
	    " ms)\n", wrote, read);
	same = zk_tree_digest(b.tree) == zk_tree_digest(a.tree);
	zk_db_close(&a);
	zk_db_close(&b);
	ZK_ASSERT(same);
	ZK_ASSERT(wrote < SPEED_LIMIT_MS);
	ZK_ASSERT(read < SPEED_LIMIT_MS);
}

int
main(void)
{
	char	 cmd[600];
	int	 rc;

	if (mkdtemp(tmproot) == NULL)
		return 1;
	ZK_RUN(test_round_trip);
	ZK_RUN(test_damage);
	ZK_RUN(test_name_mismatch);
	ZK_RUN(test_files);
	ZK_RUN(test_fork);
	ZK_RUN(test_write_error);
	ZK_RUN(test_speed);
	rc = ZK_TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmproot);
	return rc;
}
