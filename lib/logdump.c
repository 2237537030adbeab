/*
 * zk-log's work: a data directory read offline and printed. The readers
 * are txnlog.c's scanner and snap.c's loader, so zk-log judges a file
 * exactly as recovery would; this file only walks and formats.
 *
 * Invariants:
 *  (1) Output is built in a buffer and written in large pieces; what was
 *      printed before a bad record stays printed, and the error names
 *      the file and offset of the first bad record.
 *  (2) JSON goes through jansson, text data through zk_out_escape: no
 *      line of output is split by the bytes of a znode.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "db.h"
#include "logdump.h"
#include "output.h"
#include "recover.h"
#include "snap.h"
#include "txn.h"
#include "txnlog.h"

#define FLUSH_AT	(64 * 1024)

enum kind { K_DIR, K_LOG, K_SNAP };

struct out {
	FILE		*fp;
	struct zk_buf	 b;
};

static int
out_maybe_flush(struct out *o, int force, struct zk_error *e)
{
	if (o->b.len == 0 || (!force && o->b.len < FLUSH_AT))
		return ZK_OK;
	return zk_out_flush(o->fp, &o->b, e);
}

static void
out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	zk_buf_reserve(&o->b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(o->b.data + o->b.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->b.len += (size_t)n;
}

static void
out_json(struct out *o, json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	zk_buf_append(&o->b, s, strlen(s));
	zk_buf_append(&o->b, "\n", 1);
	free(s);
	json_decref(j);
}

/* Finishes: the last flush, and rc unless the flush failed. */
static int
out_close(struct out *o, int rc, struct zk_error *e)
{
	struct zk_error	 fe;

	if (out_maybe_flush(o, 1, &fe) != ZK_OK && rc == ZK_OK) {
		if (e != NULL)
			*e = fe;
		rc = fe.code;
	}
	zk_buf_close(&o->b);
	return rc;
}

static const char *
base(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* What target is: a directory, else a file told by its magic or name. */
static int
resolve(const char *target, enum kind *k, struct zk_error *e)
{
	struct stat	 st;
	char		 magic[8];
	int		 fd;
	ssize_t		 n = 0;

	if (stat(target, &st) == -1)
		return zk_error_set(e, ZK_EUSAGE, "%s: %s", target,
		    strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		*k = K_DIR;
		return ZK_OK;
	}
	if (S_ISREG(st.st_mode) && (fd = open(target, O_RDONLY)) != -1) {
		n = read(fd, magic, sizeof(magic));
		close(fd);
	}
	if (n == 8 && memcmp(magic, "ZKLOG001", 8) == 0)
		*k = K_LOG;
	else if (n == 8 && memcmp(magic, "ZKSNAP01", 8) == 0)
		*k = K_SNAP;
	else if (S_ISREG(st.st_mode) && strncmp(base(target), "log.", 4) == 0)
		*k = K_LOG;	/* damaged: the scanner says how */
	else if (S_ISREG(st.st_mode) &&
	    strncmp(base(target), "snapshot.", 9) == 0)
		*k = K_SNAP;
	else
		return zk_error_set(e, ZK_EUSAGE,
		    "%s: not a data directory, log or snapshot", target);
	return ZK_OK;
}

/* The log files of target: all of a directory's, or the one file. */
static int
log_files(const char *target, enum kind k, char ***files, int64_t **first,
    size_t *n, struct zk_error *e)
{
	if (k == K_DIR)
		return zk_txnlog_files(target, files, first, n, e);
	*files = zk_xcalloc(1, sizeof(char *));
	*first = zk_xcalloc(1, sizeof(int64_t));
	(*files)[0] = zk_xstrdup(target);
	*n = 1;
	return ZK_OK;
}

static const char *
type_name(int type)
{
	switch (type) {
	case ZK_TXN_CREATE:		return "create";
	case ZK_TXN_DELETE:		return "delete";
	case ZK_TXN_SETDATA:		return "setData";
	case ZK_TXN_CREATE_SESSION:	return "createSession";
	case ZK_TXN_CLOSE_SESSION:	return "closeSession";
	case ZK_TXN_CHECK:		return "check";
	case ZK_TXN_MULTI:		return "multi";
	case ZK_TXN_DELETE_CONTAINER:	return "deleteContainer";
	}
	return "unknown";
}

static void
flag_names(struct out *o, int flags)
{
	const char	*sep = "";

	if (flags == 0) {
		out_printf(o, "persistent");
		return;
	}
	if (flags & ZK_CREATE_EPHEMERAL) {
		out_printf(o, "ephemeral");
		sep = ",";
	}
	if (flags & ZK_CREATE_SEQUENTIAL) {
		out_printf(o, "%ssequential", sep);
		sep = ",";
	}
	if (flags & ZK_CREATE_PARENTS) {
		out_printf(o, "%sparents", sep);
		sep = ",";
	}
	if (flags & ZK_CREATE_CONTAINER)
		out_printf(o, "%scontainer", sep);
}

/*
 * TYPE PATH [fields], data last: a txn after its zxid, time and session,
 * or one op of a multi. A multi's ops follow on its line as "[K] TYPE
 * PATH [fields]", one line per txn as for every other type, as
 * ZooKeeper's TxnLogToolkit prints a multi on one line.
 */
static void
op_text(struct out *o, const struct zk_txn *t)
{
	size_t	 i;

	out_printf(o, "%s %s", type_name(t->type),
	    t->path != NULL ? t->path : "-");
	switch (t->type) {
	case ZK_TXN_CREATE:
		out_printf(o, " flags=");
		flag_names(o, t->flags);
		break;
	case ZK_TXN_DELETE:
	case ZK_TXN_SETDATA:
	case ZK_TXN_CHECK:
		out_printf(o, " version=%d", (int)t->version);
		break;
	case ZK_TXN_CREATE_SESSION:
		out_printf(o, " timeout=%d", (int)t->timeout_ms);
		break;
	case ZK_TXN_MULTI:
		out_printf(o, " ops=%zu", t->nops);
		for (i = 0; i < t->nops; i++) {
			out_printf(o, " [%zu] ", i);
			op_text(o, &t->ops[i]);
		}
		break;
	}
	if (t->type == ZK_TXN_CREATE || t->type == ZK_TXN_SETDATA) {
		out_printf(o, " data=");
		zk_out_escape(&o->b, t->data != NULL ? t->data : "",
		    t->data_len);
	}
}

/* ZXID TIME SESSION TYPE PATH [fields], data last since it may hold spaces. */
static void
txn_text(struct out *o, const struct zk_txn *t)
{
	struct tm	 tm;
	time_t		 secs = (time_t)(t->time_ms / 1000);
	char		 when[32];

	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	out_printf(o, "0x%" PRIx64 " %s.%03dZ 0x%" PRIx64 " ",
	    (uint64_t)t->zxid, when, (int)(t->time_ms % 1000 + 1000) % 1000,
	    (uint64_t)t->session_id);
	op_text(o, t);
	out_printf(o, "\n");
}

/* A string that jansson takes (valid UTF-8), else NULL. */
static json_t *
utf8(const char *p, size_t n)
{
	if (!zk_out_utf8_valid(p, n))
		return NULL;
	return json_stringn(n > 0 ? p : "", n);
}

static void
set_bytes(json_t *j, const char *key, const char *b64key, const char *p,
    size_t n)
{
	struct zk_buf	 b;
	json_t		*s;

	if ((s = utf8(p, n)) != NULL) {
		json_object_set_new(j, key, s);
		return;
	}
	zk_buf_init(&b);
	zk_out_base64(&b, p, n);
	json_object_set_new(j, b64key, json_stringn(b.data ? b.data : "",
	    b.len));
	zk_buf_close(&b);
}

/*
 * A txn's own fields, from "type" on, into j; a multi's ops as "ops", an
 * array of objects with the same fields.
 */
static void
op_json(json_t *j, const struct zk_txn *t)
{
	json_t	*ops, *op;
	size_t	 i;

	json_object_set_new(j, "type", json_string(type_name(t->type)));
	if (t->path != NULL)
		set_bytes(j, "path", "path_b64", t->path, strlen(t->path));
	if (t->type == ZK_TXN_CREATE || t->type == ZK_TXN_SETDATA)
		set_bytes(j, "data", "data_b64", t->data, t->data_len);
	if (t->type == ZK_TXN_DELETE || t->type == ZK_TXN_SETDATA ||
	    t->type == ZK_TXN_CHECK)
		json_object_set_new(j, "version", json_integer(t->version));
	if (t->type == ZK_TXN_CREATE)
		json_object_set_new(j, "flags", json_integer(t->flags));
	if (t->type == ZK_TXN_CREATE_SESSION)
		json_object_set_new(j, "timeout", json_integer(t->timeout_ms));
	if (t->type == ZK_TXN_MULTI) {
		ops = json_array();
		for (i = 0; i < t->nops; i++) {
			op = json_object();
			op_json(op, &t->ops[i]);
			json_array_append_new(ops, op);
		}
		json_object_set_new(j, "ops", ops);
	}
}

static void
txn_json(struct out *o, const struct zk_txn *t)
{
	json_t	*j = json_object();

	json_object_set_new(j, "zxid", json_integer(t->zxid));
	json_object_set_new(j, "time", json_integer(t->time_ms));
	json_object_set_new(j, "session", json_integer(t->session_id));
	op_json(j, t);
	out_json(o, j);
}

static int
decode(const char *file, const struct zk_logrec *rec, struct zk_txn *t,
    struct zk_error *e)
{
	struct zk_error	 why;

	memset(t, 0, sizeof(*t));
	if (zk_txn_decode(rec->payload, rec->len, t, &why) != ZK_OK)
		return zk_error_set(e, ZK_ECORRUPT, "%s: bad record at offset %"
		    PRIu64 " (undecodable txn: %s)", file, rec->offset,
		    why.msg);
	if (t->zxid != rec->zxid) {
		zk_txn_close(t);
		return zk_error_set(e, ZK_ECORRUPT, "%s: bad record at offset %"
		    PRIu64 " (txn zxid disagrees)", file, rec->offset);
	}
	return ZK_OK;
}

int
zk_logdump_dump(const char *target, int fmt, FILE *fp, struct zk_error *e)
{
	struct out		 o = { fp, { NULL, 0, 0 } };
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	struct zk_txn		 t;
	enum kind		 k;
	char			**files;
	int64_t			*first;
	size_t			 n, i;
	int			 rc, torn;

	if ((rc = resolve(target, &k, e)) != ZK_OK)
		return rc;
	if (k == K_SNAP)
		return zk_error_set(e, ZK_EUSAGE, "%s: a snapshot, not a log "
		    "(use zk-log snapshot)", target);
	if ((rc = log_files(target, k, &files, &first, &n, e)) != ZK_OK)
		return rc;
	for (i = 0; i < n && rc == ZK_OK; i++) {
		if ((s = zk_logscan_open(files[i], e)) == NULL) {
			rc = ZK_ECORRUPT;
			break;
		}
		while ((rc = zk_logscan_next(s, &rec, &torn, e)) == 1) {
			if ((rc = decode(files[i], &rec, &t, e)) != ZK_OK)
				break;
			if (fmt == ZK_FMT_JSON)
				txn_json(&o, &t);
			else
				txn_text(&o, &t);
			zk_txn_close(&t);
			if ((rc = out_maybe_flush(&o, 0, e)) != ZK_OK)
				break;
		}
		zk_logscan_close(s);
	}
	zk_txnlog_files_free(files, first, n);
	return out_close(&o, rc, e);
}

/* A gap between log files is fine where a snapshot (a SNAP sync) bridges it. */
static int
bridged(const int64_t *snaps, size_t nsnaps, int64_t last, int64_t next)
{
	size_t	 i;

	for (i = 0; i < nsnaps; i++)
		if (snaps[i] >= last && zk_zxid_follows(next, snaps[i]))
			return 1;
	return 0;
}

struct tally {
	size_t		 records;
	int64_t		 first;		/* -1 until a record */
	int64_t		 last;
	int64_t		 chain;		/* the last file's end, -2 before one */
};

/*
 * Files chain through their headers (txnlog.h); a file whose header does
 * not name its predecessor falls back to zxid order.
 */
static int
chained(struct zk_logscan *s, const struct tally *ty, int64_t zxid,
    const int64_t *snaps, size_t nsnaps)
{
	int64_t	 prev = zk_logscan_prev(s);

	if (ty->chain == -2)
		return 1;
	if (prev != -1)
		return prev == ty->chain;
	return ty->last == -1 || (zxid > ty->last &&
	    (zk_zxid_follows(zxid, ty->last) ||
	    bridged(snaps, nsnaps, ty->last, zxid)));
}

static int
verify_log(const char *file, struct tally *ty, const int64_t *snaps,
    size_t nsnaps, struct zk_error *e)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	struct zk_txn		 t;
	int			 rc, torn;

	if ((s = zk_logscan_open(file, e)) == NULL)
		return ZK_ECORRUPT;
	if (!chained(s, ty, zk_logscan_first(s), snaps, nsnaps)) {
		rc = zk_error_set(e, ZK_ECORRUPT, "%s: zxid gap: log ends at "
		    "0x%" PRIx64 ", next record is 0x%" PRIx64, file,
		    (uint64_t)ty->chain, (uint64_t)zk_logscan_first(s));
		zk_logscan_close(s);
		return rc;
	}
	ty->chain = zk_logscan_prev(s);
	while ((rc = zk_logscan_next(s, &rec, &torn, e)) == 1) {
		if ((rc = decode(file, &rec, &t, e)) != ZK_OK)
			break;
		zk_txn_close(&t);
		ty->chain = rec.zxid;
		if (ty->first == -1)
			ty->first = rec.zxid;
		ty->last = rec.zxid;
		ty->records++;
	}
	zk_logscan_close(s);
	return rc;
}

static int
verify_snapshot(const char *file, struct out *o, struct zk_error *e)
{
	struct zk_db	 db;
	int64_t		 zxid;
	int		 rc;

	zk_db_init(&db);
	rc = zk_snap_read(file, &db, &zxid, 0, e);
	if (rc == ZK_OK)
		out_printf(o, "ok: snapshot zxid 0x%" PRIx64 ", %zu nodes, %zu "
		    "sessions\n", (uint64_t)zxid, zk_tree_count(db.tree),
		    zk_sessions_count(db.sessions));
	zk_db_close(&db);
	return rc;
}

int
zk_logdump_verify(const char *target, FILE *fp, struct zk_error *e)
{
	struct out	 o = { fp, { NULL, 0, 0 } };
	struct tally	 ty = { 0, -1, -1, -2 };
	enum kind	 k;
	char		**files, **snaps = NULL;
	int64_t		*first, *szxid = NULL, sz;
	size_t		 n, nsnaps = 0, i;
	uint64_t	 nodes;
	uint32_t	 sessions;
	int		 rc;

	if ((rc = resolve(target, &k, e)) != ZK_OK)
		return rc;
	if (k == K_SNAP)
		return out_close(&o, verify_snapshot(target, &o, e), e);
	if (k == K_DIR &&
	    (rc = zk_snap_files(target, &snaps, &szxid, &nsnaps, e)) != ZK_OK)
		return rc;
	if ((rc = log_files(target, k, &files, &first, &n, e)) != ZK_OK) {
		zk_snap_files_free(snaps, szxid, nsnaps);
		return rc;
	}
	for (i = 0; i < n && rc == ZK_OK; i++)
		rc = verify_log(files[i], &ty, szxid, nsnaps, e);
	for (i = 0; i < nsnaps && rc == ZK_OK; i++)
		rc = zk_snap_check(snaps[i], &sz, &nodes, &sessions, e);
	if (rc == ZK_OK && ty.records > 0)
		out_printf(&o, "ok: %zu records in %zu files, zxid 0x%" PRIx64
		    "..0x%" PRIx64 "\n", ty.records, n, (uint64_t)ty.first,
		    (uint64_t)ty.last);
	else if (rc == ZK_OK)
		out_printf(&o, "ok: 0 records in %zu files\n", n);
	zk_txnlog_files_free(files, first, n);
	zk_snap_files_free(snaps, szxid, nsnaps);
	return out_close(&o, rc, e);
}

/* One log file's figures; damage is reported, not fatal. */
static void
stat_log(struct out *o, const char *file, int fmt, struct tally *all)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	struct zk_error		 why;
	struct tally		 ty = { 0, -1, -1, -2 };
	struct stat		 st;
	json_t			*j;
	int			 rc = 0, torn;

	why.msg[0] = '\0';
	if ((s = zk_logscan_open(file, &why)) != NULL) {
		while ((rc = zk_logscan_next(s, &rec, &torn, &why)) == 1) {
			if (ty.first == -1)
				ty.first = rec.zxid;
			ty.last = rec.zxid;
			ty.records++;
		}
		zk_logscan_close(s);
	}
	if (stat(file, &st) == -1)
		st.st_size = 0;
	all->records += ty.records;
	if (all->first == -1)
		all->first = ty.first;
	if (ty.last != -1)
		all->last = ty.last;
	if (fmt == ZK_FMT_JSON) {
		j = json_object();
		json_object_set_new(j, "file", json_string(base(file)));
		json_object_set_new(j, "kind", json_string("log"));
		json_object_set_new(j, "first_zxid", ty.first == -1 ?
		    json_null() : json_integer(ty.first));
		json_object_set_new(j, "last_zxid", ty.last == -1 ?
		    json_null() : json_integer(ty.last));
		json_object_set_new(j, "records", json_integer(ty.records));
		json_object_set_new(j, "bytes", json_integer(st.st_size));
		if (s == NULL || rc < 0)
			json_object_set_new(j, "error", json_string(why.msg));
		out_json(o, j);
		return;
	}
	out_printf(o, "log %s records %zu", base(file), ty.records);
	if (ty.first != -1)
		out_printf(o, " zxid 0x%" PRIx64 "..0x%" PRIx64,
		    (uint64_t)ty.first, (uint64_t)ty.last);
	out_printf(o, " bytes %jd", (intmax_t)st.st_size);
	if (s == NULL || rc < 0)
		out_printf(o, " error %s", why.msg);
	out_printf(o, "\n");
}

static void
stat_snapshot(struct out *o, const char *file, int fmt)
{
	struct zk_error	 why;
	struct stat	 st;
	uint64_t	 nodes = 0;
	uint32_t	 sessions = 0;
	int64_t		 zxid = -1;
	json_t		*j;
	int		 rc;

	rc = zk_snap_check(file, &zxid, &nodes, &sessions, &why);
	if (stat(file, &st) == -1)
		st.st_size = 0;
	if (fmt == ZK_FMT_JSON) {
		j = json_object();
		json_object_set_new(j, "file", json_string(base(file)));
		json_object_set_new(j, "kind", json_string("snapshot"));
		json_object_set_new(j, "zxid", rc == ZK_OK ?
		    json_integer(zxid) : json_null());
		json_object_set_new(j, "nodes",
		    json_integer((json_int_t)nodes));
		json_object_set_new(j, "sessions", json_integer(sessions));
		json_object_set_new(j, "bytes", json_integer(st.st_size));
		if (rc != ZK_OK)
			json_object_set_new(j, "error", json_string(why.msg));
		out_json(o, j);
		return;
	}
	if (rc == ZK_OK)
		out_printf(o, "snapshot %s zxid 0x%" PRIx64 " nodes %" PRIu64
		    " sessions %u bytes %jd\n", base(file), (uint64_t)zxid,
		    nodes, sessions, (intmax_t)st.st_size);
	else
		out_printf(o, "snapshot %s bytes %jd error %s\n", base(file),
		    (intmax_t)st.st_size, why.msg);
}

static void
stat_epoch(struct out *o, const char *dir, const char *name, int fmt)
{
	struct zk_error	 why;
	int64_t		 v = -1;
	json_t		*j;
	int		 rc, sid;

	/* acceptedEpoch may carry the sid of its leader on a second line. */
	rc = zk_epoch_read_from(dir, name, &v, &sid, &why);
	if (fmt == ZK_FMT_JSON) {
		j = json_object();
		json_object_set_new(j, "file", json_string(name));
		json_object_set_new(j, "kind", json_string("epoch"));
		json_object_set_new(j, "epoch", rc == ZK_OK && v >= 0 ?
		    json_integer(v) : json_null());
		if (rc != ZK_OK)
			json_object_set_new(j, "error", json_string(why.msg));
		out_json(o, j);
	} else if (rc != ZK_OK)
		out_printf(o, "epoch %s error %s\n", name, why.msg);
	else if (v >= 0)
		out_printf(o, "epoch %s %" PRId64 "\n", name, v);
	else
		out_printf(o, "epoch %s -\n", name);
}

/*
 * One line (text) or JSON object per file, then a total. JSON objects all
 * carry "kind" (epoch, snapshot, log, total), so jq can select.
 */
int
zk_logdump_stat(const char *target, int fmt, FILE *fp, struct zk_error *e)
{
	struct out	 o = { fp, { NULL, 0, 0 } };
	struct tally	 all = { 0, -1, -1, -2 };
	enum kind	 k;
	char		**files = NULL, **snaps = NULL;
	int64_t		*first = NULL, *szxid = NULL;
	size_t		 n = 0, nsnaps = 0, i;
	json_t		*j;
	int		 rc;

	if ((rc = resolve(target, &k, e)) != ZK_OK)
		return rc;
	if (k == K_SNAP) {
		stat_snapshot(&o, target, fmt);
		return out_close(&o, ZK_OK, e);
	}
	if (k == K_DIR) {
		stat_epoch(&o, target, "acceptedEpoch", fmt);
		stat_epoch(&o, target, "currentEpoch", fmt);
		if ((rc = zk_snap_files(target, &snaps, &szxid, &nsnaps, e)) !=
		    ZK_OK)
			return out_close(&o, rc, e);
		for (i = nsnaps; i-- > 0; )	/* oldest first, as the logs */
			stat_snapshot(&o, snaps[i], fmt);
		zk_snap_files_free(snaps, szxid, nsnaps);
	}
	if ((rc = log_files(target, k, &files, &first, &n, e)) != ZK_OK)
		return out_close(&o, rc, e);
	for (i = 0; i < n; i++)
		stat_log(&o, files[i], fmt, &all);
	zk_txnlog_files_free(files, first, n);
	if (fmt == ZK_FMT_JSON) {
		j = json_object();
		json_object_set_new(j, "kind", json_string("total"));
		json_object_set_new(j, "logs", json_integer((json_int_t)n));
		json_object_set_new(j, "snapshots",
		    json_integer((json_int_t)nsnaps));
		json_object_set_new(j, "records",
		    json_integer((json_int_t)all.records));
		json_object_set_new(j, "first_zxid", all.first == -1 ?
		    json_null() : json_integer(all.first));
		json_object_set_new(j, "last_zxid", all.last == -1 ?
		    json_null() : json_integer(all.last));
		out_json(&o, j);
	} else {
		out_printf(&o, "total logs %zu snapshots %zu records %zu", n,
		    nsnaps, all.records);
		if (all.first != -1)
			out_printf(&o, " zxid 0x%" PRIx64 "..0x%" PRIx64,
			    (uint64_t)all.first, (uint64_t)all.last);
		out_printf(&o, "\n");
	}
	return out_close(&o, ZK_OK, e);
}

struct walk {
	struct out	*o;
	struct zk_tree	*tree;
	int		 fmt;
	struct zk_error	*e;
};

/* Parents first, siblings sorted bytewise: the order zk-get -R prints. */
static int
print_node(struct walk *w, const struct zk_node *n)
{
	struct zk_record	 r;
	struct zk_buf		 child;
	const char		**names, *path = zk_node_path(n);
	size_t			 count, i;
	int			 rc = ZK_OK;

	memset(&r, 0, sizeof(r));
	r.path = (char *)path;
	r.data = (char *)zk_node_data(n, &r.data_len);
	r.has_data = 1;
	r.stat = *zk_node_stat(n);
	r.has_stat = w->fmt == ZK_FMT_JSON;
	if (w->fmt == ZK_FMT_JSON)
		zk_out_json(&w->o->b, &r);
	else
		zk_out_text_line(&w->o->b, &r);
	if ((rc = out_maybe_flush(w->o, 0, w->e)) != ZK_OK)
		return rc;
	names = zk_node_children_sorted(n, &count);
	zk_buf_init(&child);
	for (i = 0; i < count && rc == ZK_OK; i++) {
		child.len = 0;
		if (strcmp(path, "/") != 0)
			zk_buf_append(&child, path, strlen(path));
		zk_buf_append(&child, "/", 1);
		zk_buf_append(&child, names[i], strlen(names[i]) + 1);
		rc = print_node(w, zk_tree_find(w->tree, child.data));
	}
	zk_buf_close(&child);
	free(names);
	return rc;
}

int
zk_logdump_snapshot(const char *target, int fmt, FILE *fp,
    struct zk_error *e)
{
	struct out	 o = { fp, { NULL, 0, 0 } };
	struct walk	 w;
	struct zk_db	 db;
	enum kind	 k;
	char		**snaps = NULL, *file;
	int64_t		*szxid = NULL, zxid;
	size_t		 nsnaps = 0;
	int		 rc;

	if ((rc = resolve(target, &k, e)) != ZK_OK)
		return rc;
	if (k == K_LOG)
		return zk_error_set(e, ZK_EUSAGE, "%s: a log, not a snapshot "
		    "(use zk-log dump)", target);
	if (k == K_DIR) {
		if ((rc = zk_snap_files(target, &snaps, &szxid, &nsnaps, e)) !=
		    ZK_OK)
			return rc;
		if (nsnaps == 0) {
			zk_snap_files_free(snaps, szxid, nsnaps);
			return zk_error_set(e, ZK_EUSAGE, "%s: no snapshot",
			    target);
		}
		file = zk_xstrdup(snaps[0]);	/* newest */
		zk_snap_files_free(snaps, szxid, nsnaps);
	} else
		file = zk_xstrdup(target);
	zk_db_init(&db);
	rc = zk_snap_read(file, &db, &zxid, 0, e);
	if (rc == ZK_OK) {
		w.o = &o;
		w.tree = db.tree;
		w.fmt = fmt;
		w.e = e;
		rc = print_node(&w, zk_tree_find(db.tree, "/"));
	}
	zk_db_close(&db);
	free(file);
	return out_close(&o, rc, e);
}
