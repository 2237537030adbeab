/*
 * Unit tests of lib/snap.c: round trip of the tree and the sessions,
 * damage detection, the fork path, file listing, speed, snapshots in
 * memory (encode, decode of damaged bytes) and install's checks.
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

/*
 * snap (1) for containers: the owner mark, the container's children and
 * its ephemeral child come back; the container is on no session's list,
 * so closing the session leaves it and deleteContainer still takes it.
 */
static void
test_container_round_trip(void)
{
	struct zk_db		 a, b;
	struct zk_error		 e;
	struct zk_node		*n;
	char			*dir = newdir();
	int64_t			 zxid = 0;

	build(&a);
	ZK_ASSERT_EQ(apply(&a, ZK_TXN_CREATE, 0x11, "/svc/c", "cfg",
	    ZK_CREATE_CONTAINER | ZK_CREATE_PARENTS), ZK_OK);
	ZK_ASSERT_EQ(apply(&a, ZK_TXN_CREATE, 0x11, "/svc/c/m", NULL, 0),
	    ZK_OK);
	ZK_ASSERT_EQ(apply(&a, ZK_TXN_CREATE, 0x22, "/svc/c/e", NULL,
	    ZK_CREATE_EPHEMERAL), ZK_OK);
	ZK_ASSERT_EQ(apply(&a, ZK_TXN_CREATE, 0x11, "/svc/empty", NULL,
	    ZK_CREATE_CONTAINER), ZK_OK);
	a.last_zxid = next_zxid;
	ZK_ASSERT_EQ(zk_snap_write(&a, a.last_zxid, dir, &e), ZK_OK);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, a.last_zxid), &b, &zxid, 0, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_tree_digest(b.tree), zk_tree_digest(a.tree));
	ZK_ASSERT(same_sessions(&a, &b));
	n = zk_tree_find(b.tree, "/svc/c");
	ZK_ASSERT(n != NULL && zk_node_is_container(n));
	ZK_ASSERT_EQ(zk_node_stat(n)->ephemeral_owner, ZK_CONTAINER_OWNER);
	ZK_ASSERT_EQ(zk_node_stat(n)->num_children, 2);
	ZK_ASSERT(zk_node_is_container(zk_tree_find(b.tree, "/svc/empty")));
	ZK_ASSERT(!zk_node_is_container(zk_tree_find(b.tree, "/svc")));
	ZK_ASSERT_EQ(zk_sessions_find(b.sessions, 0x22)->nephemerals, 3);
	ZK_ASSERT_EQ(zk_sessions_find(b.sessions, 0x11)->nephemerals, 1);

	next_zxid = b.last_zxid;
	ZK_ASSERT_EQ(apply(&b, ZK_TXN_CLOSE_SESSION, 0x22, NULL, NULL, 0),
	    ZK_OK);
	ZK_ASSERT(zk_tree_find(b.tree, "/svc/c/e") == NULL);
	ZK_ASSERT(zk_tree_find(b.tree, "/svc/c") != NULL);
	ZK_ASSERT_EQ(apply(&b, ZK_TXN_DELETE, 0x11, "/svc/c/m", NULL, 0),
	    ZK_OK);
	ZK_ASSERT(zk_db_is_empty_container(&b, "/svc/c"));
	ZK_ASSERT(!zk_db_is_empty_container(&b, "/svc/empty"));
	ZK_ASSERT_EQ(apply(&b, ZK_TXN_DELETE_CONTAINER, 0, "/svc/c", NULL, 0),
	    ZK_OK);
	ZK_ASSERT(zk_tree_find(b.tree, "/svc/c") == NULL);
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

static uint32_t	 rng = 2463534242u;	/* xorshift32, fixed seed */

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A whole file's bytes, or NULL. */
static unsigned char *
slurp(const char *file, size_t *len)
{
	struct stat	 st;
	unsigned char	*b;
	int		 fd;

	if ((fd = open(file, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	*len = (size_t)read(fd, b, (size_t)st.st_size);
	close(fd);
	return b;
}

/* The trailer's CRC32C made right again after the bytes were changed. */
static void
reseal(unsigned char *b, size_t len)
{
	zk_store_be32(b + len - 4, zk_crc32c(0, b, len - 4));
}

/*
 * snap (3) of snap.h: encode gives the bytes of the file zk_snap_write
 * makes (also after bytes already in the buffer), and decode loads what
 * zk_snap_read loads.
 */
static void
test_encode_decode(void)
{
	struct zk_db	 a, b, c;
	struct zk_buf	 buf;
	struct zk_error	 e;
	unsigned char	*file;
	char		*dir = newdir();
	size_t		 flen = 0;
	int64_t		 zb = 0, zc = 0;

	build(&a);
	ZK_ASSERT_EQ(zk_snap_write(&a, a.last_zxid, dir, &e), ZK_OK);
	file = slurp(snapname(dir, a.last_zxid), &flen);
	ZK_ASSERT(file != NULL);
	zk_buf_init(&buf);
	zk_buf_append(&buf, "frame", 5);
	ZK_ASSERT_EQ(zk_snap_encode(&a, a.last_zxid, &buf), ZK_OK);
	ZK_ASSERT_EQ(buf.len, flen + 5);
	ZK_ASSERT_MEM(buf.data + 5, file, flen);
	zk_db_init(&b);
	zk_db_init(&c);
	ZK_ASSERT_EQ(zk_snap_decode(buf.data + 5, buf.len - 5, &b, &zb, 0, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, a.last_zxid), &c, &zc, 0, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(zb, a.last_zxid);
	ZK_ASSERT_EQ(zb, zc);
	ZK_ASSERT_EQ(b.last_zxid, c.last_zxid);
	ZK_ASSERT_EQ(zk_tree_digest(b.tree), zk_tree_digest(a.tree));
	ZK_ASSERT_EQ(zk_tree_digest(b.tree), zk_tree_digest(c.tree));
	ZK_ASSERT_EQ(zk_tree_digest_full(b.tree), zk_tree_digest(b.tree));
	ZK_ASSERT(same_sessions(&b, &c));
	ZK_ASSERT(same_sessions(&a, &b));
	free(file);
	zk_buf_close(&buf);
	zk_db_close(&a);
	zk_db_close(&b);
	zk_db_close(&c);
}

/* snap (2): every cut of received bytes is ZK_ECORRUPT naming them. */
static void
test_decode_truncated(void)
{
	struct zk_db	 a, b;
	struct zk_buf	 buf;
	struct zk_error	 e;
	unsigned char	*cut;
	int64_t		 zxid;
	size_t		 len;
	int		 all = 1;

	build(&a);
	zk_buf_init(&buf);
	zk_snap_encode(&a, a.last_zxid, &buf);
	for (len = 0; len < buf.len; len++) {
		cut = malloc(len + 1);	/* exactly len bytes for ASan */
		memcpy(cut, buf.data, len);
		zk_db_init(&b);
		all &= zk_snap_decode(cut, len, &b, &zxid, 0, &e) ==
		    ZK_ECORRUPT &&
		    strncmp(e.msg, "received snapshot: ", 19) == 0;
		zk_db_close(&b);
		free(cut);
	}
	ZK_ASSERT(all);
	zk_buf_close(&buf);
	zk_db_close(&a);
}

/*
 * snap (2), (3): 1,000 random bytes changed are all caught by the CRC;
 * with the CRC made right again, the body checks catch them or the bytes
 * load as a whole db, never a crash, never another error.
 */
static void
test_decode_random(void)
{
	struct zk_db	 a, b;
	struct zk_buf	 buf;
	struct zk_error	 e;
	unsigned char	*m;
	int64_t		 zxid;
	size_t		 at;
	int		 i, rc, crc_caught = 0, refused = 0, loaded = 0;

	build(&a);
	zk_buf_init(&buf);
	zk_snap_encode(&a, a.last_zxid, &buf);
	m = malloc(buf.len);
	for (i = 0; i < 1000; i++) {
		memcpy(m, buf.data, buf.len);
		at = rnd() % buf.len;
		m[at] ^= (unsigned char)(1 + rnd() % 255);
		zk_db_init(&b);
		crc_caught += zk_snap_decode(m, buf.len, &b, &zxid, 0, &e) ==
		    ZK_ECORRUPT;
		zk_db_close(&b);
		reseal(m, buf.len);
		zk_db_init(&b);
		rc = zk_snap_decode(m, buf.len, &b, &zxid, 0, &e);
		if (rc == ZK_OK && b.last_zxid == zxid &&
		    zk_tree_digest_full(b.tree) == zk_tree_digest(b.tree))
			loaded++;
		else if (rc == ZK_ECORRUPT)
			refused++;
		zk_db_close(&b);
	}
	free(m);
	ZK_ASSERT_EQ(crc_caught, 1000);
	ZK_ASSERT_EQ(refused + loaded, 1000);
	fprintf(stderr, "     (resealed: %d refused, %d loaded)\n", refused,
	    loaded);
	ZK_ASSERT(refused > 0 && loaded > 0);
	zk_buf_close(&buf);
	zk_db_close(&a);
}

/*
 * snap (3): a record claiming 2^32 - 1 items is refused before msgpack
 * would allocate for them.
 */
static void
test_decode_huge_count(void)
{
	struct zk_db	 a, b;
	struct zk_buf	 buf;
	struct zk_error	 e;
	unsigned char	*m;
	int64_t		 zxid;
	size_t		 len;

	zk_db_init(&a);
	zk_buf_init(&buf);
	zk_snap_encode(&a, 5, &buf);
	len = buf.len;
	m = malloc(len);
	memcpy(m, buf.data, len);
	/* The root's record starts the body: make it an array 32 of ~4G. */
	ZK_ASSERT_EQ(m[16], 0x94);
	m[16] = 0xdd;
	m[17] = m[18] = m[19] = m[20] = 0xff;
	reseal(m, len);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_decode(m, len, &b, &zxid, 0, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "received snapshot: bad record at offset 16")
	    != NULL);
	zk_db_close(&b);
	free(m);
	zk_buf_close(&buf);
	zk_db_close(&a);
}

/* Names of the files in dir, sorted, joined by spaces. */
static void
listing(const char *dir, char *out, size_t len)
{
	char	 cmd[700];
	FILE	*p;
	size_t	 n;

	snprintf(cmd, sizeof(cmd), "ls %s | tr '\\n' ' '", dir);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	pclose(p);
}

/*
 * snap (4) of snap.c: install refuses damaged bytes and bytes of another
 * zxid, changing nothing; good bytes become snapshot.Z, the only file.
 */
static void
test_install_checks(void)
{
	struct zk_db	 a, b;
	struct zk_buf	 buf;
	struct zk_error	 e;
	char		*dir = newdir(), before[512], after[512];
	int64_t		 zxid;

	build(&a);
	ZK_ASSERT_EQ(zk_snap_write(&a, 0, dir, &e), ZK_OK);
	zk_buf_init(&buf);
	zk_snap_encode(&a, a.last_zxid, &buf);
	listing(dir, before, sizeof(before));
	buf.data[40] ^= 1;
	ZK_ASSERT_EQ(zk_snap_install(dir, dir, buf.data, buf.len, a.last_zxid,
	    &e), ZK_ECORRUPT);
	ZK_ASSERT_STR(e.msg, "received snapshot: checksum mismatch");
	buf.data[40] ^= 1;
	ZK_ASSERT_EQ(zk_snap_install(dir, dir, buf.data, buf.len, 7, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "expected 0x7") != NULL);
	listing(dir, after, sizeof(after));
	ZK_ASSERT_STR(after, before);
	ZK_ASSERT_EQ(zk_snap_install(dir, dir, buf.data, buf.len, a.last_zxid,
	    &e), ZK_OK);
	listing(dir, after, sizeof(after));
	snprintf(before, sizeof(before), "snapshot.%016" PRIx64 " ",
	    (uint64_t)a.last_zxid);
	ZK_ASSERT_STR(after, before);
	zk_db_init(&b);
	ZK_ASSERT_EQ(zk_snap_read(snapname(dir, a.last_zxid), &b, &zxid, 0,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_digest(b.tree), zk_tree_digest(a.tree));
	zk_db_close(&b);
	zk_buf_close(&buf);
	zk_db_close(&a);
}

int
main(void)
{
	char	 cmd[600];
	int	 rc;

	if (mkdtemp(tmproot) == NULL)
		return 1;
	ZK_RUN(test_round_trip);
	ZK_RUN(test_container_round_trip);
	ZK_RUN(test_damage);
	ZK_RUN(test_name_mismatch);
	ZK_RUN(test_files);
	ZK_RUN(test_fork);
	ZK_RUN(test_write_error);
	ZK_RUN(test_speed);
	ZK_RUN(test_encode_decode);
	ZK_RUN(test_decode_truncated);
	ZK_RUN(test_decode_random);
	ZK_RUN(test_decode_huge_count);
	ZK_RUN(test_install_checks);
	rc = ZK_TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmproot);
	return rc;
}
