/*
 * Unit tests of lib/recover.c: start-up recovery of a data directory
 * (snapshot, replay, torn tails, refusals), purge, the epoch files, and
 * what ZAB asks of the directory: truncation, the log's tail, and the
 * install of a received snapshot (lib/snap.c), each also crashed at
 * every durable step. Each test builds a directory with the real writers
 * (zk_snap_write, zk_txnlog) next to a model db that applied the same
 * txns in memory.
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
#include "recover.h"
#include "snap.h"
#include "test.h"
#include "txn.h"
#include "txnlog.h"

static char	 tmproot[] = "/tmp/zk-test-recover.XXXXXX";
static int	 ndirs;

static char *
newdir(void)
{
	char	*dir = zk_xmalloc(512);

	snprintf(dir, 512, "%s/%d", tmproot, ndirs++);
	mkdir(dir, 0755);
	return dir;
}

static char *
fname(const char *dir, const char *kind, int64_t zxid)
{
	static char	 p[4][700];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s.%016" PRIx64, dir, kind,
	    (uint64_t)zxid);
	return p[i];
}

static off_t
fsize(const char *file)
{
	struct stat	 st;

	return stat(file, &st) == 0 ? st.st_size : -1;
}

/*
 * The txn for zxid: a session at the start, then creates, sets, an ephemeral.
 */
static void
gen(int64_t zxid, struct zk_txn *t, char *path, char *data)
{
	int64_t	 c = ZK_ZXID_COUNTER(zxid) + ZK_ZXID_EPOCH(zxid) * 1000;

	memset(t, 0, sizeof(*t));
	t->zxid = zxid;
	t->time_ms = 1700000000000LL + c;
	t->session_id = 0x77;
	t->version = -1;
	snprintf(path, 64, "/n%" PRId64, c);
	snprintf(data, 64, "value %" PRId64, c);
	t->path = path;
	t->data = data;
	t->data_len = strlen(data);
	if (c == 1) {
		t->type = ZK_TXN_CREATE_SESSION;
		t->timeout_ms = 5000;
		memset(t->passwd, 7, sizeof(t->passwd));
		t->path = t->data = NULL;
		t->data_len = 0;
	} else if (c % 7 == 0) {
		t->type = ZK_TXN_SETDATA;
		snprintf(path, 64, "/n%" PRId64, c - 1);
	} else {
		t->type = ZK_TXN_CREATE;
		t->flags = c % 5 == 0 ? ZK_CREATE_EPHEMERAL : 0;
	}
}

/* A directory being written: the model db and the open log. */
struct fixture {
	char			*snap_dir;
	char			*log_dir;
	struct zk_db		 model;
	struct zk_txnlog	*log;
};

static void
fx_open(struct fixture *f, int separate_log_dir)
{
	struct zk_recover_info	 info;
	struct zk_db		 db;
	struct zk_error		 e;

	f->snap_dir = newdir();
	f->log_dir = separate_log_dir ? newdir() : f->snap_dir;
	zk_db_init(&db);
	zk_recover(f->snap_dir, f->log_dir, &db, 0, &info, &e);
	zk_db_close(&db);
	zk_db_init(&f->model);
	f->log = zk_txnlog_open(f->log_dir, 4096, &e);
}

/* Logs and applies zxids from..to of one epoch; one sync. */
static void
fx_txns(struct fixture *f, int64_t from, int64_t to)
{
	struct zk_txn		 t;
	struct zk_result	 res;
	struct zk_buf		 b;
	struct zk_error		 e;
	char			 path[64], data[64];
	int64_t			 z;

	zk_buf_init(&b);
	for (z = from; z <= to; z++) {
		gen(z, &t, path, data);
		b.len = 0;
		zk_txn_encode(&b, &t);
		zk_txnlog_append(f->log, z, b.data, b.len);
		zk_db_apply(&f->model, &t, 0, &res, NULL);
		zk_result_close(&res);
	}
	zk_buf_close(&b);
	zk_txnlog_sync(f->log, &e);
}

/* A snapshot of the model at its last zxid, and a new log file after it. */
static void
fx_snap(struct fixture *f)
{
	struct zk_error	 e;

	zk_snap_write(&f->model, f->model.last_zxid, f->snap_dir, &e);
	zk_txnlog_roll(f->log);
}

static void
fx_close(struct fixture *f)
{
	zk_txnlog_close(f->log);
	f->log = NULL;
}

/* A restart: the log is opened afresh and chains to what is on disk. */
static void
fx_reopen(struct fixture *f)
{
	struct zk_error	 e;

	zk_txnlog_close(f->log);
	f->log = zk_txnlog_open(f->log_dir, 4096, &e);
}

static void
fx_free(struct fixture *f)
{
	if (f->log != NULL)
		zk_txnlog_close(f->log);
	zk_db_close(&f->model);
	if (f->log_dir != f->snap_dir)
		free(f->log_dir);
	free(f->snap_dir);
}

/* Recovers f's directory into db (initialised here). */
static int
recover(struct fixture *f, struct zk_db *db, struct zk_recover_info *info,
    struct zk_error *e)
{
	zk_db_init(db);
	memset(e, 0, sizeof(*e));
	return zk_recover(f->snap_dir, f->log_dir, db, 0, info, e);
}

static int
same_db(const struct zk_db *a, const struct zk_db *b)
{
	return a->last_zxid == b->last_zxid &&
	    zk_tree_digest(a->tree) == zk_tree_digest(b->tree) &&
	    zk_sessions_count(a->sessions) == zk_sessions_count(b->sessions);
}

static void
flip(const char *file, off_t at)
{
	unsigned char	 c;
	int		 fd = open(file, O_RDWR);

	if (pread(fd, &c, 1, at) == 1) {
		c ^= 0x10;
		if (pwrite(fd, &c, 1, at) != 1)
			fprintf(stderr, "flip failed\n");
	}
	close(fd);
}

/* Offset of the record for zxid in a log file. */
static uint64_t
offset_of(const char *file, int64_t zxid)
{
	struct zk_logscan	*s = zk_logscan_open(file, NULL);
	struct zk_logrec	 rec;
	uint64_t		 at = 0;
	int			 torn;

	while (s != NULL && zk_logscan_next(s, &rec, &torn, NULL) == 1)
		if (rec.zxid == zxid)
			at = rec.offset;
	zk_logscan_close(s);
	return at;
}

/* recover (4): an empty directory is a fresh start that writes snapshot 0. */
static void
test_fresh(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db, fresh;
	struct fixture		 f = { 0 };

	f.snap_dir = f.log_dir = newdir();
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.fresh, 1);
	ZK_ASSERT_EQ(info.last_zxid, 0);
	ZK_ASSERT(fsize(fname(f.snap_dir, "snapshot", 0)) > 0);
	zk_db_close(&db);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.fresh, 0);
	ZK_ASSERT_EQ(info.snap_zxid, 0);
	ZK_ASSERT_EQ(info.replayed, 0);
	zk_db_init(&fresh);
	ZK_ASSERT(same_db(&db, &fresh));
	zk_db_close(&fresh);
	zk_db_close(&db);
	free(f.snap_dir);
}

/*
 * recover: snapshot plus replayed logs give the state that was logged
 * (separate log dir, epoch change).
 */
static void
test_round_trip(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 1);
	fx_txns(&f, 1, 40);
	fx_txns(&f, ZK_ZXID(1, 1), ZK_ZXID(1, 30));
	fx_close(&f);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 70);
	ZK_ASSERT_EQ(info.last_zxid, ZK_ZXID(1, 30));
	ZK_ASSERT_EQ(info.truncated, 0);
	ZK_ASSERT(same_db(&db, &f.model));
	ZK_ASSERT(zk_sessions_find(db.sessions, 0x77) != NULL);
	ZK_ASSERT_EQ(zk_sessions_find(db.sessions, 0x77)->nephemerals,
	    zk_sessions_find(f.model.sessions, 0x77)->nephemerals);
	zk_db_close(&db);
	fx_free(&f);
}

static void
copy_file(const char *from, const char *to, off_t len)
{
	char	 buf[65536];
	ssize_t	 n;
	off_t	 done = 0;
	int	 a = open(from, O_RDONLY), b;

	b = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (done < len && (n = read(a, buf, (size_t)(len - done) <
	    sizeof(buf) ? (size_t)(len - done) : sizeof(buf))) > 0) {
		if (write(b, buf, (size_t)n) != n)
			break;
		done += n;
	}
	close(a);
	close(b);
}

/*
 * recover (1): a log cut at any byte inside its last record recovers the
 * records before it and is truncated to their end; the next recovery is
 * clean. The log is copied while still open, preallocated, as after a crash.
 */
static void
test_torn_every_offset(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f, c = { 0 };
	char			 log[700], clog[700];
	uint64_t		 last, end, at;
	int			 ok = 1, truncs = 0;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 1));
	last = offset_of(log, 10);
	fx_close(&f);
	end = (uint64_t)fsize(log);	/* the records' end, once closed */
	c.snap_dir = c.log_dir = newdir();
	copy_file(fname(f.snap_dir, "snapshot", 0),
	    fname(c.snap_dir, "snapshot", 0), 1 << 20);
	snprintf(clog, sizeof(clog), "%s", fname(c.log_dir, "log", 1));
	for (at = last + 1; at < end && ok; at++) {
		copy_file(log, clog, (off_t)at);
		ok &= recover(&c, &db, &info, &e) == ZK_OK;
		ok &= info.replayed == 9 && db.last_zxid == 9;
		ok &= fsize(clog) <= (off_t)at;
		if (info.truncated) {
			truncs++;
			ok &= info.truncated_at == last &&
			    fsize(clog) == (off_t)last &&
			    strcmp(info.truncated_file, clog) == 0;
		}
		zk_db_close(&db);
		ok &= recover(&c, &db, &info, &e) == ZK_OK &&
		    info.truncated == 0 && info.replayed == 9;
		zk_db_close(&db);
		if (!ok)
			fprintf(stderr, "cut at %" PRIu64 ": %s\n", at, e.msg);
	}
	ZK_ASSERT(ok);
	/* Only cuts that left nothing but zero bytes needed no truncation. */
	ZK_ASSERT(truncs >= (int)(end - last) - 4);
	fx_free(&f);
	free(c.snap_dir);
}

/*
 * recover (1): a crash image (preallocated zeros, half a record) recovers and
 * is cut.
 */
static void
test_torn_preallocated(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	char			 log[700];
	uint64_t		 last;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 1));
	last = offset_of(log, 10);
	flip(log, (off_t)last + ZK_LOG_REC_HDR + 2);	/* the torn write */
	ZK_ASSERT_EQ(fsize(log) % 4096, 0);		/* still preallocated */
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 9);
	ZK_ASSERT_EQ(info.truncated, 1);
	ZK_ASSERT_EQ(info.truncated_at, last);
	ZK_ASSERT_EQ(fsize(log), (off_t)last);
	zk_db_close(&db);
	fx_free(&f);
}

/* recover (1): garbage appended after the last record is a torn tail. */
static void
test_garbage_appended(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	char			 log[700];
	char			 junk[] = "\x13garbage that is not a record";
	off_t			 end;
	int			 fd;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	fx_close(&f);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 1));
	end = fsize(log);
	fd = open(log, O_WRONLY | O_APPEND);
	ZK_ASSERT_EQ(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 10);
	ZK_ASSERT_EQ(info.truncated, 1);
	ZK_ASSERT_EQ(info.truncated_at, (uint64_t)end);
	ZK_ASSERT_EQ(fsize(log), end);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover (2): a bad record followed by good ones is refused, naming file and
 * offset; nothing is cut.
 */
static void
test_middle_corruption(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	char			 log[700], want[900];
	uint64_t		 at;
	off_t			 size;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	fx_close(&f);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 1));
	at = offset_of(log, 4);
	flip(log, (off_t)at + ZK_LOG_REC_HDR + 5);
	size = fsize(log);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	snprintf(want, sizeof(want), "%s: bad record at offset %" PRIu64
	    " (checksum mismatch)", log, at);
	ZK_ASSERT_STR(e.msg, want);
	ZK_ASSERT(strstr(e.msg, "log.0000000000000001") != NULL);
	ZK_ASSERT_EQ(fsize(log), size);
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover (1) of this file: a bad tail in a log that is not the newest is
 * refused.
 */
static void
test_torn_not_newest(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	char			 log[700];

	fx_open(&f, 0);
	fx_txns(&f, 1, 5);
	zk_txnlog_roll(f.log);
	fx_txns(&f, 6, 10);
	fx_close(&f);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 1));
	flip(log, fsize(log) - 1);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "log.0000000000000001: bad record at offset") !=
	    NULL);
	ZK_ASSERT(strstr(e.msg, "not the newest") != NULL);
	zk_db_close(&db);
	fx_free(&f);
}

/* recover (3): a missing middle log file is refused, naming the gap. */
static void
test_missing_middle(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 0);
	fx_txns(&f, 1, 5);
	zk_txnlog_roll(f.log);
	fx_txns(&f, 6, 10);
	zk_txnlog_roll(f.log);
	fx_txns(&f, 11, 15);
	fx_close(&f);
	ZK_ASSERT_EQ(unlink(fname(f.log_dir, "log", 6)), 0);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "zxid gap: log ends at 0x5, next record is 0xb")
	    != NULL);
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover (3): a missing log file between two epochs is refused, though
 * the zxids on both sides of it would follow (a new epoch restarts the
 * counter); the file headers' chain shows the gap.
 */
static void
test_missing_middle_epochs(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 0);
	fx_txns(&f, 1, 5);
	fx_reopen(&f);
	fx_txns(&f, ZK_ZXID(1, 1), ZK_ZXID(1, 4));
	fx_reopen(&f);
	fx_txns(&f, ZK_ZXID(2, 1), ZK_ZXID(2, 3));
	fx_close(&f);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 12);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	ZK_ASSERT_EQ(unlink(fname(f.log_dir, "log", ZK_ZXID(1, 1))), 0);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "zxid gap: log ends at 0x5, next record is "
	    "0x200000001") != NULL);
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover (4): a corrupt newest snapshot falls back to the one before and its
 * logs.
 */
static void
test_snapshot_fallback(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	fx_snap(&f);
	fx_txns(&f, 11, 15);
	fx_close(&f);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snap_zxid, 10);
	ZK_ASSERT_EQ(info.replayed, 5);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	flip(fname(f.snap_dir, "snapshot", 10), 30);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snaps_skipped, 1);
	ZK_ASSERT_EQ(info.snap_zxid, 0);
	ZK_ASSERT_EQ(info.replayed, 15);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	/* With every snapshot bad there is nothing to start from. */
	flip(fname(f.snap_dir, "snapshot", 0), 20);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "no valid snapshot") != NULL);
	zk_db_close(&db);
	fx_free(&f);
}

/* recover (4): logs with no snapshot are refused. */
static void
test_logs_without_snapshot(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	fx_close(&f);
	ZK_ASSERT_EQ(unlink(fname(f.snap_dir, "snapshot", 0)), 0);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "without a snapshot") != NULL);
	ZK_ASSERT(fsize(fname(f.log_dir, "log", 1)) > 0);
	zk_db_close(&db);
	fx_free(&f);
}

/* recover (3): logs that start past the snapshot's successor are a gap. */
static void
test_gap_after_snapshot(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;

	fx_open(&f, 0);
	fx_txns(&f, 1, 5);
	zk_txnlog_roll(f.log);
	fx_txns(&f, 6, 10);
	fx_close(&f);
	unlink(fname(f.log_dir, "log", 1));
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "zxid gap: snapshot ends at 0x0, next record "
	    "is 0x6") != NULL);
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover: a snapshot past the end of the old logs (a SNAP sync) needs none of
 * them.
 */
static void
test_snapshot_past_logs(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	struct zk_txn		 t;
	struct zk_result	 res;
	char			 path[64], data[64];
	int64_t			 z;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	for (z = 11; z <= 20; z++) {	/* applied, never logged here */
		gen(z, &t, path, data);
		zk_db_apply(&f.model, &t, 0, &res, NULL);
		zk_result_close(&res);
	}
	fx_snap(&f);
	fx_txns(&f, 21, 25);
	fx_close(&f);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snap_zxid, 20);
	ZK_ASSERT_EQ(info.replayed, 5);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	fx_free(&f);
}

/* recover (1): a newest log whose header never reached the disk is removed. */
static void
test_torn_header(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	char			 zero[ZK_LOG_HDR] = { 0 }, log[700];
	int			 fd;

	fx_open(&f, 0);
	fx_txns(&f, 1, 10);
	fx_close(&f);
	snprintf(log, sizeof(log), "%s", fname(f.log_dir, "log", 11));
	fd = open(log, O_WRONLY | O_CREAT, 0644);
	ZK_ASSERT_EQ(write(fd, zero, sizeof(zero)), (ssize_t)sizeof(zero));
	close(fd);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 10);
	ZK_ASSERT_EQ(info.truncated, 1);
	ZK_ASSERT_STR(info.truncated_file, log);
	ZK_ASSERT_EQ(fsize(log), -1);
	zk_db_close(&db);
	fx_free(&f);
}

/*
 * recover (3) of this file: purge keeps retain snapshots and the logs from the
 * oldest kept.
 */
static void
test_purge(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f;
	size_t			 removed = 0;
	int64_t			 z;

	fx_open(&f, 1);
	for (z = 1; z <= 41; z += 10) {
		fx_txns(&f, z, z + 9);
		if (z < 41)
			fx_snap(&f);
	}
	fx_close(&f);
	/* snapshots 0, 10, 20, 30, 40; logs 1, 11, 21, 31, 41 */
	ZK_ASSERT_EQ(zk_purge(f.snap_dir, f.log_dir, 2, &removed, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_purge(f.snap_dir, f.log_dir, 3, &removed, &e), ZK_OK);
	ZK_ASSERT_EQ(removed, 4);
	ZK_ASSERT_EQ(fsize(fname(f.snap_dir, "snapshot", 0)), -1);
	ZK_ASSERT_EQ(fsize(fname(f.snap_dir, "snapshot", 10)), -1);
	ZK_ASSERT(fsize(fname(f.snap_dir, "snapshot", 20)) > 0);
	ZK_ASSERT_EQ(fsize(fname(f.log_dir, "log", 1)), -1);
	ZK_ASSERT_EQ(fsize(fname(f.log_dir, "log", 11)), -1);
	ZK_ASSERT(fsize(fname(f.log_dir, "log", 21)) > 0);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	/* The oldest kept snapshot alone still recovers everything. */
	unlink(fname(f.snap_dir, "snapshot", 40));
	unlink(fname(f.snap_dir, "snapshot", 30));
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snap_zxid, 20);
	ZK_ASSERT_EQ(info.replayed, 30);
	ZK_ASSERT(same_db(&db, &f.model));
	zk_db_close(&db);
	/* Purging again with fewer snapshots than retained removes nothing. */
	ZK_ASSERT_EQ(zk_purge(f.snap_dir, f.log_dir, 3, &removed, &e), ZK_OK);
	ZK_ASSERT_EQ(removed, 0);
	fx_free(&f);
}

/*
 * recover: epoch files read back what was written; missing is -1, junk is
 * refused.
 */
static void
test_epoch(void)
{
	struct zk_error	 e;
	char		*dir = newdir(), p[700], buf[16];
	int64_t		 v = 0;
	int		 fd;
	ssize_t		 n;

	ZK_ASSERT_EQ(zk_epoch_read(dir, "acceptedEpoch", &v, &e), ZK_OK);
	ZK_ASSERT_EQ(v, -1);
	ZK_ASSERT_EQ(zk_epoch_write(dir, "acceptedEpoch", 7, &e), ZK_OK);
	ZK_ASSERT_EQ(zk_epoch_write(dir, "acceptedEpoch", 12, &e), ZK_OK);
	ZK_ASSERT_EQ(zk_epoch_read(dir, "acceptedEpoch", &v, &e), ZK_OK);
	ZK_ASSERT_EQ(v, 12);
	snprintf(p, sizeof(p), "%s/acceptedEpoch", dir);
	fd = open(p, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ZK_ASSERT_EQ(n, 3);
	ZK_ASSERT_MEM(buf, "12\n", 3);
	snprintf(p, sizeof(p), "%s/acceptedEpoch.tmp", dir);
	ZK_ASSERT_EQ(fsize(p), -1);
	snprintf(p, sizeof(p), "%s/currentEpoch", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ZK_ASSERT_EQ(write(fd, "1x\n", 3), 3);
	close(fd);
	ZK_ASSERT_EQ(zk_epoch_read(dir, "currentEpoch", &v, &e), ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "currentEpoch") != NULL);
	free(dir);
}

/*
 * The txn for zxid in one of two histories that agree up to counter 10:
 * branch 1 (a leader's) creates /L... where branch 0 creates /n....
 */
static void
gen_branch(int64_t zxid, int branch, struct zk_txn *t, char *path, char *data)
{
	gen(zxid, t, path, data);
	if (branch && t->path != NULL && ZK_ZXID_COUNTER(zxid) > 10)
		path[1] = 'L';
}

/* db: branch's history from 1 to k, applied in memory. */
static void
model_at(struct zk_db *db, int branch, int64_t k)
{
	struct zk_txn		 t;
	struct zk_result	 res;
	char			 path[64], data[64];
	int64_t			 z;

	zk_db_init(db);
	for (z = 1; z <= k; z++) {
		gen_branch(z, branch, &t, path, data);
		zk_db_apply(db, &t, 0, &res, NULL);
		zk_result_close(&res);
	}
}

/* Digest of branch 0's history at every zxid 0..n. */
static void
digests(uint64_t *d, int64_t n)
{
	struct zk_txn		 t;
	struct zk_result	 res;
	struct zk_db		 db;
	char			 path[64], data[64];
	int64_t			 z;

	zk_db_init(&db);
	d[0] = zk_tree_digest(db.tree);
	for (z = 1; z <= n; z++) {
		gen(z, &t, path, data);
		zk_db_apply(&db, &t, 0, &res, NULL);
		zk_result_close(&res);
		d[z] = zk_tree_digest(db.tree);
	}
	zk_db_close(&db);
}

/* Appends branch's zxids from..to to the logs of log_dir; one sync. */
static int
append_branch(const char *log_dir, int branch, int64_t from, int64_t to)
{
	struct zk_txnlog	*l;
	struct zk_txn		 t;
	struct zk_buf		 b;
	struct zk_error		 e;
	char			 path[64], data[64];
	int64_t			 z;
	int			 rc;

	if ((l = zk_txnlog_open(log_dir, 4096, &e)) == NULL)
		return ZK_EIO;
	zk_buf_init(&b);
	for (z = from; z <= to; z++) {
		gen_branch(z, branch, &t, path, data);
		b.len = 0;
		zk_txn_encode(&b, &t);
		zk_txnlog_append(l, z, b.data, b.len);
	}
	rc = zk_txnlog_sync(l, &e);
	zk_txnlog_close(l);
	zk_buf_close(&b);
	return rc;
}

/* The names, sizes and CRCs of every file in dir: what "changed" means. */
static void
dir_sig(const char *dir, char *out, size_t len)
{
	char	 cmd[700];
	FILE	*p;
	size_t	 n = 0;

	snprintf(cmd, sizeof(cmd), "cd %s && for f in *; do echo \"$f\"; "
	    "cksum < \"$f\"; done | tr '\\n' ' '", dir);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		n = fread(out, 1, len - 1, p);
		pclose(p);
	}
	out[n] = '\0';
}

/* The names of the files in dir, sorted, each followed by a space. */
static void
listing(const char *dir, char *out, size_t len)
{
	char	 cmd[700];
	FILE	*p;
	size_t	 n = 0;

	snprintf(cmd, sizeof(cmd), "ls %s | tr '\n' ' '", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		n = fread(out, 1, len - 1, p);
		pclose(p);
	}
	out[n] = '\0';
}

static void
copy_dir(const char *from, const char *to)
{
	char	 cmd[1200];

	snprintf(cmd, sizeof(cmd), "cp -a %s/. %s/", from, to);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
}

/* A fresh copy of f's directories. */
static void
fx_copy(const struct fixture *f, struct fixture *c)
{
	memset(c, 0, sizeof(*c));
	c->snap_dir = newdir();
	copy_dir(f->snap_dir, c->snap_dir);
	c->log_dir = c->snap_dir;
	if (f->log_dir != f->snap_dir) {
		c->log_dir = newdir();
		copy_dir(f->log_dir, c->log_dir);
	}
	zk_db_init(&c->model);
}

/* Crash simulation: the child dies (_exit, no clean-up) at step crash_at. */
static int	 crash_at, crash_steps;

static void
crash_hook(const char *what)
{
	(void)what;
	if (++crash_steps == crash_at)
		_exit(42);
}

struct op {
	struct fixture	*f;
	int64_t		 zxid;
	const void	*buf;	/* install: the snapshot's bytes */
	size_t		 len;
};

static int
op_install(struct op *o)
{
	struct zk_error	 e;

	return zk_snap_install(o->f->snap_dir, o->f->log_dir, o->buf, o->len,
	    o->zxid, &e);
}

static int
op_truncate(struct op *o)
{
	struct zk_error	 e;

	return zk_recover_truncate(o->f->snap_dir, o->f->log_dir, o->zxid, &e);
}

/*
 * Runs fn in a child that dies at its durable step n (0: none). 42 when it
 * died there, 0 when fn completed, 1 when fn failed.
 */
static int
run_crashing(int n, int (*fn)(struct op *), struct op *o)
{
	pid_t	 pid;
	int	 status = -1;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		crash_at = n;
		crash_steps = 0;
		zk_txnlog_step_hook = crash_hook;
		_exit(fn(o) == ZK_OK ? 0 : 1);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The diverged directory of the install tests: snapshots 0, 10 (and 30
 * if newer) and logs 1-10, 11-30, 31-40 (11-40 without snapshot 30) of
 * branch 0, logs apart from snapshots; and the leader's (branch 1)
 * snapshot bytes at 20.
 */
static void
diverged(struct fixture *f, struct zk_buf *snap, struct zk_db *leader,
    int newer)
{
	fx_open(f, 1);
	fx_txns(f, 1, 10);
	fx_snap(f);
	fx_txns(f, 11, 30);
	if (newer)
		fx_snap(f);
	fx_txns(f, 31, 40);
	fx_close(f);
	model_at(leader, 1, 20);
	zk_buf_init(snap);
	zk_snap_encode(leader, 20, snap);
}

/*
 * snap (4): install replaces a diverged history (logs past zxid, a newer
 * snapshot) by the snapshot alone; recovery gives its state, and logging
 * goes on after it.
 */
static void
test_install(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db, leader, want;
	struct zk_buf		 snap;
	struct fixture		 f;
	char			 sig[2048];

	diverged(&f, &snap, &leader, 1);
	ZK_ASSERT_EQ(zk_snap_install(f.snap_dir, f.log_dir, snap.data,
	    snap.len, 20, &e), ZK_OK);
	listing(f.log_dir, sig, sizeof(sig));
	ZK_ASSERT_STR(sig, "");
	listing(f.snap_dir, sig, sizeof(sig));
	ZK_ASSERT_STR(sig, "snapshot.0000000000000014 ");
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snap_zxid, 20);
	ZK_ASSERT_EQ(info.replayed, 0);
	ZK_ASSERT(same_db(&db, &leader));
	zk_db_close(&db);
	/* The leader's txns after 20 follow it in a new log. */
	ZK_ASSERT_EQ(append_branch(f.log_dir, 1, 21, 25), ZK_OK);
	ZK_ASSERT_EQ(recover(&f, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.replayed, 5);
	model_at(&want, 1, 25);
	ZK_ASSERT(same_db(&db, &want));
	ZK_ASSERT(zk_tree_find(db.tree, "/L22") != NULL);
	ZK_ASSERT(zk_tree_find(db.tree, "/n22") == NULL);
	zk_db_close(&want);
	zk_db_close(&db);
	zk_db_close(&leader);
	zk_buf_close(&snap);
	fx_free(&f);
}

/*
 * Kills install after each of its durable steps in turn, on copies of the
 * diverged directory; checks what recovery makes of each. Returns the
 * number of steps (-1 if a check failed), *news the crash states that
 * recovered the new snapshot.
 */
static int
install_crashes(int newer, int *news)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db, leader;
	struct zk_buf		 snap;
	struct fixture		 f, c;
	struct op		 o;
	uint64_t		 old[41];
	int			 n, r, ok = 1, is_new, was_new = 0;

	*news = 0;
	diverged(&f, &snap, &leader, newer);
	digests(old, 40);
	o.zxid = 20;
	o.buf = snap.data;
	o.len = snap.len;
	for (n = 1; n < 50 && ok; n++) {
		fx_copy(&f, &c);
		o.f = &c;
		if ((r = run_crashing(n, op_install, &o)) != 42) {
			ok = r == 0;
			fx_free(&c);
			break;
		}
		if (recover(&c, &db, &info, &e) != ZK_OK) {
			fprintf(stderr, "install, crash after step %d: %s\n",
			    n, e.msg);
			ok = 0;
		}
		is_new = same_db(&db, &leader);
		if (!is_new && (db.last_zxid < 20 || db.last_zxid > 40 ||
		    zk_tree_digest(db.tree) != old[db.last_zxid])) {
			fprintf(stderr, "install, crash after step %d: "
			    "recovered 0x%" PRIx64 ", neither old nor new\n", n,
			    (uint64_t)db.last_zxid);
			ok = 0;
		}
		ok &= is_new || !was_new;
		was_new |= is_new;
		*news += is_new;
		zk_db_close(&db);
		/* Done again on what the crash left, it completes. */
		ok &= run_crashing(0, op_install, &o) == 0;
		ok &= recover(&c, &db, &info, &e) == ZK_OK &&
		    same_db(&db, &leader) && info.replayed == 0;
		zk_db_close(&db);
		fx_free(&c);
	}
	zk_db_close(&leader);
	zk_buf_close(&snap);
	fx_free(&f);
	return ok ? n - 1 : -1;
}

/*
 * snap (4): install killed after any of its durable steps leaves a
 * directory that recovers to the old history (in full or cut at a point at
 * or after zxid, never with a diverged tail on the new snapshot) or to the
 * new snapshot, and never old again once new; running it again completes.
 * With and without an old snapshot newer than the installed one.
 */
static void
test_install_crash(void)
{
	int	 news;

	/* tmp, log 31, cut 11, rename, snapshot 30, logs 11, 1, snaps 10, 0 */
	ZK_ASSERT_EQ(install_crashes(1, &news), 9);
	ZK_ASSERT_EQ(news, 5);	/* after snapshot 30 went */
	/* tmp, cut log 11, rename, logs 11, 1, snapshots 10, 0 */
	ZK_ASSERT_EQ(install_crashes(0, &news), 7);
	ZK_ASSERT_EQ(news, 5);	/* from the rename on */
}

/*
 * The directory of the truncate and tail tests: snapshots 0, 10, 20; logs
 * 1-10, 11-18, 19-20, 21-25 (one directory).
 */
static void
history(struct fixture *f)
{
	fx_open(f, 0);
	fx_txns(f, 1, 10);
	fx_snap(f);
	fx_txns(f, 11, 18);
	zk_txnlog_roll(f->log);
	fx_txns(f, 19, 20);
	fx_snap(f);
	fx_txns(f, 21, 25);
	fx_close(f);
}

/* Truncates a copy of f to zxid; recovers it into db. */
static int
truncated(struct fixture *f, struct fixture *c, int64_t zxid,
    struct zk_db *db, struct zk_recover_info *info, struct zk_error *e)
{
	int	 rc;

	fx_copy(f, c);
	if ((rc = zk_recover_truncate(c->snap_dir, c->log_dir, zxid, e)) !=
	    ZK_OK)
		return rc;
	return recover(c, db, info, e);
}

/*
 * recover (5) of recover.c: truncation to a middle zxid, to the last, to a
 * snapshot's, and to one only a snapshot holds gives exactly the state at
 * it, and logging goes on after it.
 */
static void
test_truncate(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f, c;
	uint64_t		 old[26];

	history(&f);
	digests(old, 25);
	/* The middle of log 11, below snapshot 20. */
	ZK_ASSERT_EQ(truncated(&f, &c, 15, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(db.last_zxid, 15);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), old[15]);
	ZK_ASSERT_EQ(info.snap_zxid, 10);
	ZK_ASSERT_EQ(fsize(fname(c.snap_dir, "snapshot", 20)), -1);
	ZK_ASSERT_EQ(fsize(fname(c.log_dir, "log", 19)), -1);
	ZK_ASSERT_EQ(fsize(fname(c.log_dir, "log", 21)), -1);
	zk_db_close(&db);
	ZK_ASSERT_EQ(append_branch(c.log_dir, 0, 16, 17), ZK_OK);
	ZK_ASSERT_EQ(recover(&c, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(db.last_zxid, 17);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), old[17]);
	zk_db_close(&db);
	fx_free(&c);
	/* The last record: nothing to cut. */
	ZK_ASSERT_EQ(truncated(&f, &c, 25, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(db.last_zxid, 25);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), old[25]);
	zk_db_close(&db);
	fx_free(&c);
	/* A snapshot's zxid: it stays, the log after it goes. */
	ZK_ASSERT_EQ(truncated(&f, &c, 20, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(info.snap_zxid, 20);
	ZK_ASSERT_EQ(info.replayed, 0);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), old[20]);
	ZK_ASSERT_EQ(fsize(fname(c.log_dir, "log", 21)), -1);
	ZK_ASSERT(fsize(fname(c.log_dir, "log", 19)) > 0);
	zk_db_close(&db);
	fx_free(&c);
	/* A zxid only a snapshot holds (its log purged). */
	unlink(fname(f.log_dir, "log", 1));
	ZK_ASSERT_EQ(truncated(&f, &c, 10, &db, &info, &e), ZK_OK);
	ZK_ASSERT_EQ(db.last_zxid, 10);
	ZK_ASSERT_EQ(zk_tree_digest(db.tree), old[10]);
	ZK_ASSERT_EQ(info.replayed, 0);
	zk_db_close(&db);
	fx_free(&c);
	fx_free(&f);
}

/*
 * recover (5) of recover.c: a zxid recovery cannot reach (past the end, of
 * a later epoch, before a purged log) is refused and changes nothing.
 */
static void
test_truncate_missing(void)
{
	struct zk_error		 e;
	struct fixture		 f;
	char			 before[2048], after[2048];

	history(&f);
	unlink(fname(f.log_dir, "log", 1));
	dir_sig(f.snap_dir, before, sizeof(before));
	ZK_ASSERT_EQ(zk_recover_truncate(f.snap_dir, f.log_dir, 26, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT_STR(e.msg, "cannot truncate to 0x1a: not in the log");
	ZK_ASSERT_EQ(zk_recover_truncate(f.snap_dir, f.log_dir, ZK_ZXID(1, 3),
	    &e), ZK_ECORRUPT);
	ZK_ASSERT_STR(e.msg, "cannot truncate to 0x100000003: not in the log");
	ZK_ASSERT_EQ(zk_recover_truncate(f.snap_dir, f.log_dir, 5, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT_STR(e.msg, "cannot truncate to 0x5: not in the log");
	ZK_ASSERT_EQ(zk_recover_truncate(f.snap_dir, f.log_dir, -1, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "no valid snapshot at or before") != NULL);
	dir_sig(f.snap_dir, after, sizeof(after));
	ZK_ASSERT_STR(after, before);
	fx_free(&f);
}

/*
 * recover (5) of recover.c: truncate killed after any durable step leaves
 * the old history, in full or cut at a point at or after zxid; run again,
 * it completes.
 */
static void
test_truncate_crash(void)
{
	struct zk_recover_info	 info;
	struct zk_error		 e;
	struct zk_db		 db;
	struct fixture		 f, c;
	struct op		 o;
	uint64_t		 old[26];
	int64_t			 prev = 25;
	int			 n, r, ok = 1;

	history(&f);
	digests(old, 25);
	o.zxid = 15;
	for (n = 1; n < 20; n++) {
		fx_copy(&f, &c);
		o.f = &c;
		if ((r = run_crashing(n, op_truncate, &o)) != 42) {
			ZK_ASSERT_EQ(r, 0);
			fx_free(&c);
			break;
		}
		ok &= recover(&c, &db, &info, &e) == ZK_OK;
		ok &= db.last_zxid >= 15 && db.last_zxid <= prev &&
		    zk_tree_digest(db.tree) == old[db.last_zxid];
		prev = db.last_zxid;
		zk_db_close(&db);
		ok &= run_crashing(0, op_truncate, &o) == 0;
		ok &= recover(&c, &db, &info, &e) == ZK_OK &&
		    db.last_zxid == 15 && zk_tree_digest(db.tree) == old[15];
		zk_db_close(&db);
		fx_free(&c);
		if (!ok)
			fprintf(stderr, "crash at step %d: %s\n", n, e.msg);
	}
	ZK_ASSERT(ok);
	ZK_ASSERT_EQ(n, 5);	/* snapshot 20, logs 21 and 19, cut log 11 */
	fx_free(&f);
}

struct got {
	int64_t	 zxid[64];
	size_t	 n;
	int	 same;	/* every payload is the txn's encoding */
};

static void
collect(void *arg, int64_t zxid, const void *rec, size_t len)
{
	struct got	*g = arg;
	struct zk_txn	 t;
	struct zk_buf	 b;
	char		 path[64], data[64];

	gen(zxid, &t, path, data);
	zk_buf_init(&b);
	zk_txn_encode(&b, &t);
	g->same &= b.len == len && memcmp(b.data, rec, len) == 0;
	zk_buf_close(&b);
	if (g->n < 64)
		g->zxid[g->n++] = zxid;
}

static int
tail(struct fixture *f, size_t n, struct got *g, int64_t *base)
{
	struct zk_error	 e;

	memset(g, 0, sizeof(*g));
	g->same = 1;
	return zk_recover_tail(f->snap_dir, f->log_dir, n, collect, g, base,
	    &e);
}

/*
 * recover (5): the tail gives the last n logged txns after the snapshot,
 * in order, as logged, and the zxid before them; across a log roll, and
 * from the snapshot when the log after it holds fewer.
 */
static void
test_tail(void)
{
	struct fixture	 f, c = { 0 };
	struct got	 g;
	int64_t		 base = -1;
	size_t		 i;
	int		 ok = 1;

	fx_open(&f, 1);
	fx_txns(&f, 1, 10);
	fx_snap(&f);
	fx_txns(&f, 11, 18);
	zk_txnlog_roll(f.log);
	fx_txns(&f, 19, 25);
	fx_close(&f);
	/* snapshots 0, 10; logs 1-10, 11-18, 19-25 */
	ZK_ASSERT_EQ(tail(&f, 5, &g, &base), ZK_OK);
	ZK_ASSERT_EQ(g.n, 5);
	ZK_ASSERT_EQ(g.zxid[0], 21);
	ZK_ASSERT_EQ(base, 20);
	ZK_ASSERT(g.same);
	/* Across the roll. */
	ZK_ASSERT_EQ(tail(&f, 10, &g, &base), ZK_OK);
	ZK_ASSERT_EQ(g.n, 10);
	for (i = 0; i < g.n; i++)
		ok &= g.zxid[i] == 16 + (int64_t)i;
	ZK_ASSERT(ok);
	ZK_ASSERT_EQ(base, 15);
	ZK_ASSERT(g.same);
	/* More than the log holds after the snapshot: from the snapshot. */
	ZK_ASSERT_EQ(tail(&f, 100, &g, &base), ZK_OK);
	ZK_ASSERT_EQ(g.n, 15);
	ZK_ASSERT_EQ(g.zxid[0], 11);
	ZK_ASSERT_EQ(g.zxid[14], 25);
	ZK_ASSERT_EQ(base, 10);
	ZK_ASSERT_EQ(tail(&f, 0, &g, &base), ZK_OK);
	ZK_ASSERT_EQ(g.n, 0);
	ZK_ASSERT_EQ(base, 25);
	/* A fresh directory has nothing; base 0. */
	c.snap_dir = c.log_dir = newdir();
	ZK_ASSERT_EQ(tail(&c, 10, &g, &base), ZK_OK);
	ZK_ASSERT_EQ(g.n, 0);
	ZK_ASSERT_EQ(base, 0);
	free(c.snap_dir);
	fx_free(&f);
}

/*
 * recover: acceptedEpoch keeps the leader's sid on a second line; a
 * one-line file reads as sid 0; junk on the second line is refused.
 */
static void
test_epoch_from(void)
{
	struct zk_error	 e;
	char		*dir = newdir(), p[700], buf[16];
	int64_t		 v = 0;
	int		 sid = -1, fd;
	ssize_t		 n;

	ZK_ASSERT_EQ(zk_epoch_read_from(dir, "acceptedEpoch", &v, &sid, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(v, -1);
	ZK_ASSERT_EQ(sid, 0);
	ZK_ASSERT_EQ(zk_epoch_write_from(dir, "acceptedEpoch", 12, 3, &e),
	    ZK_OK);
	snprintf(p, sizeof(p), "%s/acceptedEpoch", dir);
	fd = open(p, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ZK_ASSERT_EQ(n, 5);
	ZK_ASSERT_MEM(buf, "12\n3\n", 5);
	ZK_ASSERT_EQ(zk_epoch_read_from(dir, "acceptedEpoch", &v, &sid, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(v, 12);
	ZK_ASSERT_EQ(sid, 3);
	/* The one-line reader keeps refusing what is not one number. */
	ZK_ASSERT_EQ(zk_epoch_read(dir, "acceptedEpoch", &v, &e), ZK_ECORRUPT);
	/* A file ZooKeeper (or zk_epoch_write) wrote: sid 0. */
	ZK_ASSERT_EQ(zk_epoch_write(dir, "acceptedEpoch", 7, &e), ZK_OK);
	ZK_ASSERT_EQ(zk_epoch_read_from(dir, "acceptedEpoch", &v, &sid, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(v, 7);
	ZK_ASSERT_EQ(sid, 0);
	fd = open(p, O_WRONLY | O_TRUNC);
	ZK_ASSERT_EQ(write(fd, "7\n3x\n", 5), 5);
	close(fd);
	ZK_ASSERT_EQ(zk_epoch_read_from(dir, "acceptedEpoch", &v, &sid, &e),
	    ZK_ECORRUPT);
	ZK_ASSERT(strstr(e.msg, "acceptedEpoch: not an epoch number") != NULL);
	fd = open(p, O_WRONLY | O_TRUNC);
	ZK_ASSERT_EQ(write(fd, "7\n99999999999\n", 14), 14);
	close(fd);
	ZK_ASSERT_EQ(zk_epoch_read_from(dir, "acceptedEpoch", &v, &sid, &e),
	    ZK_ECORRUPT);
	free(dir);
}

int
main(void)
{
	char	 cmd[600];
	int	 rc;

	if (mkdtemp(tmproot) == NULL)
		return 1;
	ZK_RUN(test_fresh);
	ZK_RUN(test_round_trip);
	ZK_RUN(test_torn_every_offset);
	ZK_RUN(test_torn_preallocated);
	ZK_RUN(test_garbage_appended);
	ZK_RUN(test_middle_corruption);
	ZK_RUN(test_torn_not_newest);
	ZK_RUN(test_missing_middle);
	ZK_RUN(test_missing_middle_epochs);
	ZK_RUN(test_snapshot_fallback);
	ZK_RUN(test_logs_without_snapshot);
	ZK_RUN(test_gap_after_snapshot);
	ZK_RUN(test_snapshot_past_logs);
	ZK_RUN(test_torn_header);
	ZK_RUN(test_purge);
	ZK_RUN(test_epoch);
	ZK_RUN(test_epoch_from);
	ZK_RUN(test_install);
	ZK_RUN(test_install_crash);
	ZK_RUN(test_truncate);
	ZK_RUN(test_truncate_missing);
	ZK_RUN(test_truncate_crash);
	ZK_RUN(test_tail);
	rc = ZK_TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmproot);
	return rc;
}
