/*
 * Snapshots: the tree and the session table at one zxid, in one file.
 *
 *   header   "ZKSNAP01", zxid (u64 BE)                          16 bytes
 *   body     msgpack values, sessions first, then nodes parents first:
 *            [1, id, timeout_ms, passwd (bin 16)]
 *            [2, path (str), data (bin), [czxid, mzxid, pzxid, ctime,
 *                mtime, version, cversion, aversion, ephemeralOwner,
 *                dataLength, numChildren]]
 *   trailer  "ZKSNEND1", nodes (u64 BE), sessions (u32 BE),
 *            CRC32C of every byte before it (u32 BE)            24 bytes
 *
 * The whole file is built in memory and written with one write, and read
 * back with one read, so 100,000 nodes cost a few milliseconds each way.
 * The same bytes travel in ZAB's SNAP message (zk_snap_encode/decode),
 * and a received one replaces a learner's directory (zk_snap_install).
 *
 * Invariants:
 *  (1) A snapshot is only ever seen under its final name complete:
 *      written to snapshot.Z.tmp, fsynced, renamed, directory fsynced.
 *  (2) Reading checks the CRC32C and the counts before anything is
 *      believed, and every type after, so a damaged file is ZK_ECORRUPT,
 *      never a crash or a half-loaded tree passed off as whole.
 *  (3) No msgpack value is unpacked before its container counts have been
 *      checked against the bytes left (zk_fields_scan): a count the bytes cannot
 *      hold would make msgpack allocate for it first and fail after.
 *  (4) zk_snap_install: the bytes load completely before anything on disk
 *      changes; no state recovery could reach ever puts a diverged log
 *      tail on top of the new snapshot (share/doc/storage.md "SNAP").
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "file.h"
#include "path.h"
#include "fields.h"
#include "snap.h"
#include "txnlog.h"

#define SNAP_MAGIC	"ZKSNAP01"
#define SNAP_END	"ZKSNEND1"
#define SNAP_HDR	16
#define SNAP_TRAILER	24
#define REC_SESSION	1
#define REC_NODE	2
#define SNAP_RECEIVED	"received snapshot"	/* decode's errors */

static void
put_be64(unsigned char *p, uint64_t v)
{
	zk_store_be32(p, (uint32_t)(v >> 32));
	zk_store_be32(p + 4, (uint32_t)v);
}

static uint64_t
get_be64(const unsigned char *p)
{
	return (uint64_t)zk_load_be32(p) << 32 | zk_load_be32(p + 4);
}

struct packctx {
	msgpack_packer	 pk;
	uint64_t	 nodes;
};

static int
pack_node(const struct zk_node *n, void *arg)
{
	struct packctx		*c = arg;
	const struct zk_stat	*st = zk_node_stat(n);
	const char		*path = zk_node_path(n), *data;
	size_t			 len;

	data = zk_node_data(n, &len);
	msgpack_pack_array(&c->pk, 4);
	msgpack_pack_int(&c->pk, REC_NODE);
	msgpack_pack_str_with_body(&c->pk, path, strlen(path));
	msgpack_pack_bin_with_body(&c->pk, data, len);
	msgpack_pack_array(&c->pk, 11);
	msgpack_pack_int64(&c->pk, st->czxid);
	msgpack_pack_int64(&c->pk, st->mzxid);
	msgpack_pack_int64(&c->pk, st->pzxid);
	msgpack_pack_int64(&c->pk, st->ctime);
	msgpack_pack_int64(&c->pk, st->mtime);
	msgpack_pack_int32(&c->pk, st->version);
	msgpack_pack_int32(&c->pk, st->cversion);
	msgpack_pack_int32(&c->pk, st->aversion);
	msgpack_pack_int64(&c->pk, st->ephemeral_owner);
	msgpack_pack_int32(&c->pk, st->data_length);
	msgpack_pack_int32(&c->pk, st->num_children);
	c->nodes++;
	return 0;
}

int
zk_snap_encode(const struct zk_db *db, int64_t zxid, struct zk_buf *out)
{
	struct packctx		 c;
	struct zk_session	*ss;
	unsigned char		 hdr[SNAP_HDR], tr[SNAP_TRAILER];
	uint32_t		 nsessions = 0;
	size_t			 start = out->len;

	memcpy(hdr, SNAP_MAGIC, 8);
	put_be64(hdr + 8, (uint64_t)zxid);
	zk_buf_append(out, hdr, sizeof(hdr));
	msgpack_packer_init(&c.pk, out, zk_buf_write);
	c.nodes = 0;
	for (ss = zk_sessions_first(db->sessions); ss != NULL;
	    ss = zk_sessions_next(db->sessions, ss)) {
		msgpack_pack_array(&c.pk, 4);
		msgpack_pack_int(&c.pk, REC_SESSION);
		msgpack_pack_int64(&c.pk, ss->id);
		msgpack_pack_int32(&c.pk, ss->timeout_ms);
		msgpack_pack_bin_with_body(&c.pk, ss->passwd, ZK_PASSWD_LEN);
		nsessions++;
	}
	zk_tree_walk(db->tree, zk_tree_find(db->tree, "/"), pack_node, &c);
	memcpy(tr, SNAP_END, 8);
	put_be64(tr + 8, c.nodes);
	zk_store_be32(tr + 16, nsessions);
	zk_buf_append(out, tr, 20);
	zk_store_be32(tr + 20, zk_crc32c(0, out->data + start,
	    out->len - start));
	zk_buf_append(out, tr + 20, 4);
	return ZK_OK;
}

int
zk_snap_write(const struct zk_db *db, int64_t zxid, const char *dir,
    struct zk_error *e)
{
	struct zk_buf	 b;
	char		 name[64];
	int		 rc;

	snprintf(name, sizeof(name), "snapshot.%016" PRIx64, (uint64_t)zxid);
	zk_buf_init(&b);
	zk_snap_encode(db, zxid, &b);
	rc = zk_file_replace(dir, name, b.data, b.len, e);
	zk_buf_close(&b);
	return rc;
}

pid_t
zk_snap_fork(const struct zk_db *db, int64_t zxid, const char *dir,
    struct zk_error *e)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		zk_error_set(e, ZK_ESYSTEM, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/*
		 * The child holds no client socket open: a connection the
		 * parent closes must end now, not when the snapshot is done.
		 */
		close_range(3, ~0U, 0);
		_exit(zk_snap_write(db, zxid, dir, NULL) == ZK_OK ? 0 : 1);
	}
	return pid;
}

/*
 * Invariant (2), first half: header, trailer, CRC32C. what names the bytes
 * in messages (the file, or "received snapshot").
 */
static int
check(const char *what, const unsigned char *buf, uint64_t size,
    int64_t *zxid, uint64_t *nodes, uint32_t *sessions, struct zk_error *e)
{
	const unsigned char	*tr;
	uint64_t		 z;

	if (size < SNAP_HDR + SNAP_TRAILER || memcmp(buf, SNAP_MAGIC, 8) != 0)
		return zk_error_set(e, ZK_ECORRUPT,
		    "%s: not a snapshot (bad header)", what);
	tr = buf + size - SNAP_TRAILER;
	if (memcmp(tr, SNAP_END, 8) != 0)
		return zk_error_set(e, ZK_ECORRUPT,
		    "%s: incomplete snapshot (no trailer)", what);
	if (zk_crc32c(0, buf, size - 4) != zk_load_be32(tr + 20))
		return zk_error_set(e, ZK_ECORRUPT,
		    "%s: checksum mismatch", what);
	z = get_be64(buf + 8);
	if (z > INT64_MAX)
		return zk_error_set(e, ZK_ECORRUPT, "%s: header says zxid 0x%"
		    PRIx64 ", not a zxid", what, z);
	*zxid = (int64_t)z;
	*nodes = get_be64(tr + 8);
	*sessions = zk_load_be32(tr + 16);
	return ZK_OK;
}

/* Invariant (1): a file named snapshot.Z holds the snapshot of Z. */
static int
check_file(const char *file, const unsigned char *buf, uint64_t size,
    int64_t *zxid, uint64_t *nodes, uint32_t *sessions, struct zk_error *e)
{
	const char	*base;
	char		 name[32];
	int		 rc;

	if ((rc = check(file, buf, size, zxid, nodes, sessions, e)) != ZK_OK)
		return rc;
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	snprintf(name, sizeof(name), "snapshot.%016" PRIx64, (uint64_t)*zxid);
	if (strncmp(base, "snapshot.", 9) == 0 &&
	    strlen(base) == strlen(name) && strcmp(base, name) != 0)
		return zk_error_set(e, ZK_ECORRUPT, "%s: header says zxid 0x%"
		    PRIx64 ", name disagrees", file, (uint64_t)*zxid);
	return ZK_OK;
}

int
zk_snap_check(const char *file, int64_t *zxid, uint64_t *nodes,
    uint32_t *sessions, struct zk_error *e)
{
	unsigned char	*buf;
	uint64_t	 size;
	int		 rc;

	if ((rc = zk_txnlog_read_file(file, &buf, &size, e)) != ZK_OK)
		return rc;
	rc = check_file(file, buf, size, zxid, nodes, sessions, e);
	free(buf);
	return rc;
}

static int
get_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > (uint64_t)max)
			return 0;
		*v = (int64_t)o->via.u64;
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		if (o->via.i64 < min)
			return 0;
		*v = o->via.i64;
	} else
		return 0;
	return 1;
}

static int
load_session(struct zk_db *db, const msgpack_object *a, int64_t now_ms)
{
	int64_t	 id, to;

	if (a->via.array.size != 4 ||
	    !get_int(&a->via.array.ptr[1], INT64_MIN, INT64_MAX, &id) ||
	    !get_int(&a->via.array.ptr[2], 0, INT32_MAX, &to) ||
	    a->via.array.ptr[3].type != MSGPACK_OBJECT_BIN ||
	    a->via.array.ptr[3].via.bin.size != ZK_PASSWD_LEN ||
	    zk_sessions_find(db->sessions, id) != NULL)
		return 0;
	zk_sessions_add(db->sessions, id, (int32_t)to,
	    (const unsigned char *)a->via.array.ptr[3].via.bin.ptr, now_ms);
	return 1;
}

static int
load_node(struct zk_db *db, const msgpack_object *a, struct zk_buf *path,
    struct zk_error *e)
{
	const msgpack_object	*p, *d, *s;
	struct zk_stat		 st;
	int64_t			 v[11];
	uint32_t		 i;

	if (a->via.array.size != 4)
		return 0;
	p = &a->via.array.ptr[1];
	d = &a->via.array.ptr[2];
	s = &a->via.array.ptr[3];
	if (p->type != MSGPACK_OBJECT_STR || d->type != MSGPACK_OBJECT_BIN ||
	    s->type != MSGPACK_OBJECT_ARRAY || s->via.array.size != 11)
		return 0;
	if (zk_path_validate(p->via.str.ptr, p->via.str.size, NULL) != ZK_OK)
		return 0;
	for (i = 0; i < 11; i++)
		if (!get_int(&s->via.array.ptr[i], INT64_MIN, INT64_MAX, &v[i]))
			return 0;
	for (i = 5; i < 11; i++)	/* the 32-bit fields */
		if (i != 8 && (v[i] < INT32_MIN || v[i] > INT32_MAX))
			return 0;
	st.czxid = v[0];
	st.mzxid = v[1];
	st.pzxid = v[2];
	st.ctime = v[3];
	st.mtime = v[4];
	st.version = (int32_t)v[5];
	st.cversion = (int32_t)v[6];
	st.aversion = (int32_t)v[7];
	st.ephemeral_owner = v[8];
	st.data_length = (int32_t)v[9];
	st.num_children = (int32_t)v[10];
	path->len = 0;
	zk_buf_append(path, p->via.str.ptr, p->via.str.size);
	zk_buf_append(path, "", 1);
	return zk_tree_load(db->tree, path->data, d->via.bin.ptr,
	    d->via.bin.size, &st, e) == ZK_OK;
}

/* Invariant (2), second half: every record, every type. */
static int
load_body(const char *what, const char *body, size_t len, struct zk_db *db,
    uint64_t nodes, uint32_t sessions, int64_t now_ms, struct zk_error *e)
{
	msgpack_unpacked	 u;
	msgpack_object		 o;
	struct zk_buf		 path;
	struct zk_error		 why;
	uint64_t		 gotn = 0;
	uint32_t		 gots = 0;
	size_t			 off = 0, at = 0, n;
	int64_t			 kind;
	int			 ok = 1;

	msgpack_unpacked_init(&u);
	zk_buf_init(&path);
	why.msg[0] = '\0';
	while (ok && off < len) {
		at = off;
		if (zk_fields_scan(body + off, len - off, SIZE_MAX, "record",
		    &n, &why) != ZK_OK || msgpack_unpack_next(&u, body,
		    off + n, &off) != MSGPACK_UNPACK_SUCCESS) {
			ok = 0;
			break;
		}
		o = u.data;
		ok = o.type == MSGPACK_OBJECT_ARRAY && o.via.array.size > 0 &&
		    get_int(&o.via.array.ptr[0], 0, 2, &kind);
		if (ok && kind == REC_SESSION && gotn == 0) {
			ok = load_session(db, &o, now_ms);
			gots++;
		} else if (ok && kind == REC_NODE) {
			ok = load_node(db, &o, &path, &why);
			gotn++;
		} else
			ok = 0;
	}
	msgpack_unpacked_destroy(&u);
	zk_buf_close(&path);
	if (!ok)
		return zk_error_set(e, ZK_ECORRUPT,
		    "%s: bad record at offset %zu%s%s", what, at + SNAP_HDR,
		    why.msg[0] ? ": " : "", why.msg);
	if (gotn != nodes || gots != sessions)
		return zk_error_set(e, ZK_ECORRUPT, "%s: holds %" PRIu64
		    " nodes and %u sessions, trailer says %" PRIu64 " and %u",
		    what, gotn, gots, nodes, sessions);
	return zk_db_index_ephemerals(db, e);
}

/* Checked bytes, body loaded: the part zk_snap_read and _decode share. */
static int
load(const char *what, const unsigned char *buf, size_t size,
    struct zk_db *db, int64_t zxid, uint64_t nodes, uint32_t sessions,
    int64_t now_ms, struct zk_error *e)
{
	int	 rc;

	rc = load_body(what, (const char *)buf + SNAP_HDR,
	    size - SNAP_HDR - SNAP_TRAILER, db, nodes, sessions, now_ms, e);
	if (rc == ZK_OK)
		db->last_zxid = zxid;
	return rc;
}

int
zk_snap_read(const char *file, struct zk_db *db, int64_t *zxid,
    int64_t now_ms, struct zk_error *e)
{
	unsigned char	*buf;
	uint64_t	 size, nodes;
	uint32_t	 sessions;
	int		 rc;

	if ((rc = zk_txnlog_read_file(file, &buf, &size, e)) != ZK_OK)
		return rc;
	rc = check_file(file, buf, size, zxid, &nodes, &sessions, e);
	if (rc == ZK_OK)
		rc = load(file, buf, size, db, *zxid, nodes, sessions, now_ms,
		    e);
	free(buf);
	return rc;
}

int
zk_snap_decode(const void *buf, size_t len, struct zk_db *db, int64_t *zxid,
    int64_t now_ms, struct zk_error *e)
{
	uint64_t	 nodes;
	uint32_t	 sessions;
	int		 rc;

	rc = check(SNAP_RECEIVED, buf, len, zxid, &nodes, &sessions, e);
	if (rc == ZK_OK)
		rc = load(SNAP_RECEIVED, buf, len, db, *zxid, nodes, sessions,
		    now_ms, e);
	return rc;
}

int
zk_snap_remove(const char *dir, int64_t zxid, int above, struct zk_error *e)
{
	char	**files;
	int64_t	*zxids;
	size_t	 n, i;
	int	 rc;

	if ((rc = zk_snap_files(dir, &files, &zxids, &n, e)) != ZK_OK)
		return rc;
	for (i = 0; i < n && rc == ZK_OK; i++)	/* newest first */
		if (above ? zxids[i] > zxid : zxids[i] < zxid)
			rc = zk_txnlog_remove(dir, files[i], e);
	zk_snap_files_free(files, zxids, n);
	return rc;
}

static void
step(const char *what)
{
	if (zk_txnlog_step_hook != NULL)
		zk_txnlog_step_hook(what);
}

/*
 * Invariant (4); the order and why each state between two steps recovers
 * are in share/doc/storage.md "SNAP":
 *   1. the bytes load into a scratch db (nothing changed on failure);
 *   2. they are made durable as snapshot.Z.tmp, which recovery ignores;
 *   3. the logs are cut after Z (zk_txnlog_truncate);
 *   4. snapshot.Z.tmp is renamed to snapshot.Z, the directory fsynced;
 *   5. snapshots above Z go, newest first; then every log; then the
 *      snapshots below Z, whose logs are gone.
 */
int
zk_snap_install(const char *snap_dir, const char *log_dir, const void *buf,
    size_t len, int64_t zxid, struct zk_error *e)
{
	struct zk_db	 scratch;
	char		 name[32], tmp[48], *from, *to, **files;
	int64_t		*zxids, z;
	size_t		 n, i, plen;
	int		 rc;

	zk_db_init(&scratch);
	rc = zk_snap_decode(buf, len, &scratch, &z, 0, e);
	zk_db_close(&scratch);
	if (rc != ZK_OK)
		return rc;
	if (z != zxid)
		return zk_error_set(e, ZK_ECORRUPT, "%s: header says zxid 0x%"
		    PRIx64 ", expected 0x%" PRIx64, SNAP_RECEIVED,
		    (uint64_t)z, (uint64_t)zxid);
	snprintf(name, sizeof(name), "snapshot.%016" PRIx64, (uint64_t)zxid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if ((rc = zk_file_replace(snap_dir, tmp, buf, len, e)) != ZK_OK)
		return rc;
	plen = strlen(snap_dir) + sizeof(tmp) + 2;
	from = zk_xmalloc(plen);
	to = zk_xmalloc(plen);
	snprintf(from, plen, "%s/%s", snap_dir, tmp);
	snprintf(to, plen, "%s/%s", snap_dir, name);
	step(from);
	if ((rc = zk_txnlog_truncate(log_dir, zxid, e)) == ZK_OK) {
		if (rename(from, to) == -1 || zk_fsync_dir(snap_dir) == -1)
			rc = zk_error_set(e, ZK_EIO, "%s: rename: %s", from,
			    strerror(errno));
		else
			step(to);
	}
	free(from);
	free(to);
	if (rc == ZK_OK)
		rc = zk_snap_remove(snap_dir, zxid, 1, e);
	if (rc == ZK_OK &&
	    (rc = zk_txnlog_files(log_dir, &files, &zxids, &n, e)) == ZK_OK) {
		for (i = n; i-- > 0 && rc == ZK_OK; )
			rc = zk_txnlog_remove(log_dir, files[i], e);
		zk_txnlog_files_free(files, zxids, n);
	}
	if (rc == ZK_OK)
		rc = zk_snap_remove(snap_dir, zxid, 0, e);
	return rc;
}

int
zk_snap_files(const char *dir, char ***files, int64_t **zxids,
    size_t *count, struct zk_error *e)
{
	char	*f;
	int64_t	 z;
	size_t	 i, n;
	int	 rc;

	if ((rc = zk_txnlog_list(dir, "snapshot.", files, zxids, count, e)) !=
	    ZK_OK)
		return rc;
	n = *count;
	for (i = 0; i < n / 2; i++) {	/* newest first */
		f = (*files)[i];
		(*files)[i] = (*files)[n - 1 - i];
		(*files)[n - 1 - i] = f;
		z = (*zxids)[i];
		(*zxids)[i] = (*zxids)[n - 1 - i];
		(*zxids)[n - 1 - i] = z;
	}
	return ZK_OK;
}

void
zk_snap_files_free(char **files, int64_t *zxids, size_t count)
{
	zk_txnlog_files_free(files, zxids, count);
}
