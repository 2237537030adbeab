/*
 * Unit tests of lib/recover.c: start-up recovery of a data directory
 * (snapshot, replay, torn tails, refusals), purge, and the epoch files.
 * Each test builds a directory with the real writers (zk_snap_write,
 * zk_txnlog) next to a model db that applied the same txns in memory.
 */
#include <sys/stat.h>

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
	rc = ZK_TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmproot);
	return rc;
}
