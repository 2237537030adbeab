/*
 * Recovery of a data directory at start-up: load the newest snapshot that
 * verifies, replay every logged txn after it, cut a torn tail off the
 * newest log, and refuse, naming file and offset or the missing zxids,
 * anything else that is damaged. Also ZAB's truncation and the log's tail
 * (the same walk over the log as replay), purge of old files, and the
 * epoch files ZAB keeps next to them.
 *
 * Invariants (those of recover.h, and):
 *  (1) Only the newest log may lose its tail: every older file was synced
 *      in full before a later one got a record (logwriter rolls between
 *      syncs), so damage there was acknowledged data going bad.
 *  (2) Nothing in the directory changes before every check that could
 *      refuse it has passed: a torn tail is cut after the replay of all
 *      that comes before it, so a refused directory is left as it was.
 *  (3) Purge never removes a file that recovery from the oldest kept
 *      snapshot would read.
 *  (4) A dry walk (tail, truncate's check) changes nothing: a torn tail
 *      in the newest log ends its records there, as the cut would.
 *  (5) zk_recover_truncate removes nothing before its dry walk has reached
 *      zxid; every state between two of its durable steps recovers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "recover.h"
#include "snap.h"
#include "txn.h"
#include "txnlog.h"

/* A snapshot.*.tmp is a write that never finished: not a snapshot. */
static void
remove_tmp(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096];
	size_t		 n;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (strncmp(de->d_name, "snapshot.", 9) != 0 || n < 13 ||
		    strcmp(de->d_name + n - 4, ".tmp") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) < sizeof(path))
			unlink(path);
	}
	closedir(d);
}

/*
 * A log whose header never reached the disk: shorter than the header, or
 * the header all zeros. Only the newest file can be one (a crash while it
 * was being made); nothing in it was ever acknowledged.
 */
static int
header_torn(const char *file)
{
	unsigned char	 hdr[ZK_LOG_HDR];
	ssize_t		 n;
	int		 fd, i;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n < 0)
		return 0;
	if (n < (ssize_t)sizeof(hdr))
		return 1;
	for (i = 0; i < ZK_LOG_HDR; i++)
		if (hdr[i] != 0)
			return 0;
	return 1;
}

static void
note_cut(struct zk_recover_info *info, const char *file, uint64_t at)
{
	info->truncated = 1;
	snprintf(info->truncated_file, sizeof(info->truncated_file), "%s",
	    file);
	info->truncated_at = at;
}

/* Invariant (1) of recover.h: the torn tail goes; an empty file goes whole. */
static int
cut_tail(const char *dir, const char *file, uint64_t at,
    struct zk_recover_info *info, struct zk_error *e)
{
	int	 fd, rc = 0;

	note_cut(info, file, at);
	if (at <= ZK_LOG_HDR) {
		if (unlink(file) == -1 || zk_fsync_dir(dir) == -1)
			return zk_error_set(e, ZK_EIO, "%s: removing: %s",
			    file, strerror(errno));
		return ZK_OK;
	}
	if ((fd = open(file, O_WRONLY | O_CLOEXEC)) == -1 ||
	    ftruncate(fd, (off_t)at) == -1 || fsync(fd) == -1)
		rc = errno;
	if (fd != -1)
		close(fd);
	if (rc != 0)
		return zk_error_set(e, ZK_EIO, "%s: truncating at %" PRIu64
		    ": %s", file, at, strerror(rc));
	return ZK_OK;
}

/*
 * A walk over the logged records after a snapshot, in zxid order, as
 * recovery replays them: replay, the tail for ZAB and the truncate check
 * are the same walk with another fn, so they agree on what the log holds.
 */
struct walk {
	int64_t		 snap_zxid;	/* records up to it are skipped */
	int64_t		 last;		/* the last record given so far */
	int64_t		 limit;		/* none after it is given */
	int		 dry;		/* change nothing on disk */
	int		 done;		/* a record past limit was seen */
	int		(*fn)(struct walk *, const char *,
			    const struct zk_logrec *, struct zk_error *);
	void		*arg;		/* fn's */
	int64_t		 now_ms;	/* replay's */
	struct zk_recover_info *info;	/* replay's; scratch if dry */
};

static void
walk_init(struct walk *w, int64_t snap_zxid, struct zk_recover_info *info)
{
	memset(w, 0, sizeof(*w));
	w->snap_zxid = w->last = snap_zxid;
	w->limit = INT64_MAX;
	w->info = info;
}

/* One record: invariant (3) of recover.h, then fn. */
static int
walk_rec(struct walk *w, const char *file, const struct zk_logrec *rec,
    struct zk_error *e)
{
	int	 rc;

	if (rec->zxid <= w->snap_zxid)
		return ZK_OK;
	if (rec->zxid > w->limit) {
		w->done = 1;
		return ZK_OK;
	}
	if (rec->zxid <= w->last)
		return zk_error_set(e, ZK_ECORRUPT, "%s: record 0x%" PRIx64
		    " at offset %" PRIu64 " overlaps records already replayed"
		    " up to 0x%" PRIx64, file, (uint64_t)rec->zxid,
		    rec->offset, (uint64_t)w->last);
	if (!zk_zxid_follows(rec->zxid, w->last))
		return zk_error_set(e, ZK_ECORRUPT, "zxid gap: %s ends at 0x%"
		    PRIx64 ", next record is 0x%" PRIx64 " (%s)",
		    w->last == w->snap_zxid ? "snapshot" : "log",
		    (uint64_t)w->last, (uint64_t)rec->zxid, file);
	rc = w->fn != NULL ? w->fn(w, file, rec, e) : ZK_OK;
	if (rc == ZK_OK)
		w->last = rec->zxid;
	return rc;
}

/* Replay's fn: decode and apply. */
static int
replay_rec(struct walk *w, const char *file, const struct zk_logrec *rec,
    struct zk_error *e)
{
	struct zk_db		*db = w->arg;
	struct zk_txn		 t;
	struct zk_result	 res;
	struct zk_error		 why;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if (zk_txn_decode(rec->payload, rec->len, &t, &why) != ZK_OK)
		return zk_error_set(e, ZK_ECORRUPT, "%s: bad record at offset %"
		    PRIu64 " (undecodable txn: %s)", file, rec->offset,
		    why.msg);
	if (t.zxid != rec->zxid) {
		zk_txn_close(&t);
		return zk_error_set(e, ZK_ECORRUPT, "%s: bad record at offset %"
		    PRIu64 " (txn zxid disagrees)", file, rec->offset);
	}
	rc = zk_db_apply(db, &t, w->now_ms, &res, NULL);
	if (rc == ZK_OK)
		zk_result_close(&res);
	zk_txn_close(&t);
	if (rc != ZK_OK)
		return zk_error_set(e, ZK_ECORRUPT, "%s: record at offset %"
		    PRIu64 " cannot be applied", file, rec->offset);
	w->info->replayed++;
	return ZK_OK;
}

/*
 * Invariant (3) of recover.h across files: a file's header names the last
 * zxid of the file written before it; *chain is that of the file scanned
 * before this one (NO_CHAIN for none) and becomes this file's own.
 */
#define NO_CHAIN	(-2)

static int
walk_file(struct walk *w, const char *dir, const char *file, int newest,
    int64_t *chain, struct zk_error *e)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	struct zk_error		 why;
	uint64_t		 end;
	int64_t			 prev;
	int			 rc, torn = 0;

	if ((s = zk_logscan_open(file, &why)) == NULL) {
		if (e != NULL)
			*e = why;
		return why.code;
	}
	prev = zk_logscan_prev(s);
	if (*chain != NO_CHAIN && prev != -1 && prev != *chain) {
		rc = zk_error_set(e, ZK_ECORRUPT, "zxid gap: log ends at 0x%"
		    PRIx64 ", next record is 0x%" PRIx64 " (%s was written "
		    "after 0x%" PRIx64 ")", (uint64_t)*chain,
		    (uint64_t)zk_logscan_first(s), file, (uint64_t)prev);
		zk_logscan_close(s);
		return rc;
	}
	*chain = prev;
	while ((rc = zk_logscan_next(s, &rec, &torn, &why)) == 1) {
		*chain = rec.zxid;
		if ((rc = walk_rec(w, file, &rec, &why)) != ZK_OK || w->done)
			break;
	}
	end = zk_logscan_good_end(s);
	zk_logscan_close(s);
	if (rc == ZK_OK)	/* the clean end, or the limit */
		return ZK_OK;
	if (!torn || !newest) {
		if (torn)	/* invariant (1) */
			snprintf(why.msg + strlen(why.msg),
			    sizeof(why.msg) - strlen(why.msg),
			    " in a log that is not the newest");
		if (e != NULL)
			*e = why;
		return why.code;
	}
	if (w->dry)	/* recovery would cut it: the records end here */
		return ZK_OK;
	return cut_tail(dir, file, end, w->info, e);
}

static int
walk_logs(struct walk *w, const char *log_dir, struct zk_error *e)
{
	char	**files;
	int64_t	*first, chain = NO_CHAIN;
	size_t	 n, i, start = 0, nread;
	int	 rc, torn_hdr;

	if ((rc = zk_txnlog_files(log_dir, &files, &first, &n, e)) != ZK_OK)
		return rc;
	torn_hdr = n > 0 && header_torn(files[n - 1]);
	nread = torn_hdr ? n - 1 : n;
	/* The last file starting at or before the snapshot holds what follows. */
	for (i = 0; i < nread; i++)
		if (first[i] <= w->snap_zxid)
			start = i;
	for (i = start; i < nread && rc == ZK_OK && !w->done; i++) {
		rc = walk_file(w, log_dir, files[i], i == nread - 1, &chain, e);
		/* A later file starting inside what this one holds overlaps. */
		if (rc == ZK_OK && w->done && i + 1 < nread &&
		    first[i + 1] <= w->limit)
			rc = zk_error_set(e, ZK_ECORRUPT, "%s: starts at 0x%"
			    PRIx64 ", inside what %s holds", files[i + 1],
			    (uint64_t)first[i + 1], files[i]);
	}
	if (rc == ZK_OK && torn_hdr && !w->dry)
		rc = cut_tail(log_dir, files[n - 1], 0, w->info, e);
	zk_txnlog_files_free(files, first, n);
	return rc;
}

/* Newest snapshot that loads; invariant (4) of recover.h. */
static int
load_snapshot(const char *snap_dir, char **snaps, size_t nsnaps,
    struct zk_db *db, int64_t now_ms, struct zk_recover_info *info,
    struct zk_error *e)
{
	struct zk_error	 why, first;
	zk_db_applied_fn hook;
	void		*hook_arg;
	int64_t		 zxid;
	size_t		 i;
	int		 rc;

	memset(&first, 0, sizeof(first));
	for (i = 0; i < nsnaps; i++) {
		rc = zk_snap_read(snaps[i], db, &zxid, now_ms, &why);
		if (rc == ZK_OK) {
			info->snap_zxid = zxid;
			snprintf(info->snap_file, sizeof(info->snap_file),
			    "%s", snaps[i]);
			return ZK_OK;
		}
		if (rc != ZK_ECORRUPT) {
			if (e != NULL)
				*e = why;
			return rc;
		}
		if (i == 0)
			first = why;
		info->snaps_skipped++;
		zk_db_close(db);
		hook = db->applied;
		hook_arg = db->applied_arg;
		zk_db_init(db);
		db->applied = hook;	/* the caller's, for the replay */
		db->applied_arg = hook_arg;
	}
	return zk_error_set(e, ZK_ECORRUPT, "%s: no valid snapshot (%s)",
	    snap_dir, first.msg);
}

int
zk_recover(const char *snap_dir, const char *log_dir, struct zk_db *db,
    int64_t now_ms, struct zk_recover_info *info, struct zk_error *e)
{
	struct walk	 w;
	struct zk_txn	 loaded;
	char		**snaps, **logs;
	int64_t		*szxid, *lfirst;
	size_t		 nsnaps, nlogs;
	int		 rc;

	memset(info, 0, sizeof(*info));
	info->snap_zxid = -1;
	if ((rc = zk_snap_files(snap_dir, &snaps, &szxid, &nsnaps, e)) != ZK_OK)
		return rc;
	if ((rc = zk_txnlog_files(log_dir, &logs, &lfirst, &nlogs, e)) !=
	    ZK_OK) {
		zk_snap_files_free(snaps, szxid, nsnaps);
		return rc;
	}
	if (nsnaps == 0 && nlogs == 0) {
		/* Fresh: from now on every log follows from a snapshot. */
		info->fresh = 1;
		rc = zk_snap_write(db, db->last_zxid, snap_dir, e);
	} else if (nsnaps == 0) {
		rc = zk_error_set(e, ZK_ECORRUPT, "%s: logs without a snapshot"
		    " they follow from", logs[0]);
	} else {
		rc = load_snapshot(snap_dir, snaps, nsnaps, db, now_ms, info,
		    e);
	}
	zk_snap_files_free(snaps, szxid, nsnaps);
	zk_txnlog_files_free(logs, lfirst, nlogs);
	/* db.h: the state was replaced; what follows is the log's replay. */
	if (rc == ZK_OK && db->applied != NULL) {
		memset(&loaded, 0, sizeof(loaded));
		loaded.zxid = db->last_zxid;
		db->applied(db->applied_arg, &loaded, NULL);
	}
	if (rc == ZK_OK && !info->fresh) {
		walk_init(&w, info->snap_zxid, info);
		w.fn = replay_rec;
		w.arg = db;
		w.now_ms = now_ms;
		rc = walk_logs(&w, log_dir, e);
	}
	info->last_zxid = db->last_zxid;
	if (rc == ZK_OK)
		remove_tmp(snap_dir);
	return rc;
}

static int
remove_file(const char *file, size_t *removed, struct zk_error *e)
{
	if (unlink(file) == -1 && errno != ENOENT)
		return zk_error_set(e, ZK_EIO, "%s: %s", file, strerror(errno));
	(*removed)++;
	return ZK_OK;
}

int
zk_purge(const char *snap_dir, const char *log_dir, int retain,
    size_t *removed, struct zk_error *e)
{
	char	**snaps, **logs;
	int64_t	*szxid, *lfirst, oldest;
	size_t	 nsnaps, nlogs, i, keep_from = 0;
	int	 rc;

	*removed = 0;
	if (retain < 3)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "purge must retain at least 3 snapshots, not %d", retain);
	if ((rc = zk_snap_files(snap_dir, &snaps, &szxid, &nsnaps, e)) != ZK_OK)
		return rc;
	if (nsnaps == 0) {
		zk_snap_files_free(snaps, szxid, nsnaps);
		return ZK_OK;
	}
	if ((rc = zk_txnlog_files(log_dir, &logs, &lfirst, &nlogs, e)) !=
	    ZK_OK) {
		zk_snap_files_free(snaps, szxid, nsnaps);
		return rc;
	}
	i = nsnaps < (size_t)retain ? nsnaps : (size_t)retain;
	oldest = szxid[i - 1];
	for (i = (size_t)retain; i < nsnaps && rc == ZK_OK; i++)
		rc = remove_file(snaps[i], removed, e);
	/* Invariant (3): the file that may hold oldest's successor stays. */
	for (i = 0; i < nlogs; i++)
		if (lfirst[i] <= oldest)
			keep_from = i;
	/* Unless the next file starts right after it: then that one does. */
	if (keep_from + 1 < nlogs && lfirst[keep_from] <= oldest &&
	    lfirst[keep_from + 1] == oldest + 1)
		keep_from++;
	for (i = 0; i < keep_from && rc == ZK_OK; i++)
		rc = remove_file(logs[i], removed, e);
	zk_snap_files_free(snaps, szxid, nsnaps);
	zk_txnlog_files_free(logs, lfirst, nlogs);
	if (rc == ZK_OK && *removed > 0 &&
	    (zk_fsync_dir(snap_dir) == -1 || zk_fsync_dir(log_dir) == -1))
		rc = zk_error_set(e, ZK_EIO, "%s: %s", snap_dir,
		    strerror(errno));
	return rc;
}

/*
 * The zxid of the newest snapshot in dir at or below max that passes
 * zk_snap_check: the one recovery would start from (a snapshot whose
 * checksum holds but whose body does not load is not looked for).
 */
static int
newest_checked(const char *dir, int64_t max, int64_t *zxid,
    struct zk_error *e)
{
	struct zk_error	 why;
	char		**files;
	int64_t		*zxids, z;
	uint64_t	 nodes;
	uint32_t	 sessions;
	size_t		 n, i;
	int		 rc, found = 0;

	if ((rc = zk_snap_files(dir, &files, &zxids, &n, e)) != ZK_OK)
		return rc;
	for (i = 0; i < n && !found; i++)
		if (zxids[i] <= max && zk_snap_check(files[i], &z, &nodes,
		    &sessions, &why) == ZK_OK) {
			*zxid = z;
			found = 1;
		}
	zk_snap_files_free(files, zxids, n);
	if (!found)
		return zk_error_set(e, ZK_ECORRUPT, "no valid snapshot at or "
		    "before 0x%" PRIx64 " in %s", (uint64_t)max, dir);
	return ZK_OK;
}

/*
 * The order (storage.md "TRUNC"): nothing changes until a dry walk has
 * reached zxid from a snapshot at or below it; then the snapshots above
 * zxid go, newest first, while the whole log is still there (each crash
 * state recovers the old history in full); then the log is cut, newest
 * file first (each crash state recovers the old history cut somewhere at
 * or after zxid).
 */
int
zk_recover_truncate(const char *snap_dir, const char *log_dir, int64_t zxid,
    struct zk_error *e)
{
	struct zk_recover_info	 scratch;
	struct zk_error		 why;
	struct walk		 w;
	int64_t			 snap;
	int			 rc;

	memset(&scratch, 0, sizeof(scratch));
	if ((rc = newest_checked(snap_dir, zxid, &snap, &why)) == ZK_OK) {
		walk_init(&w, snap, &scratch);
		w.limit = zxid;
		w.dry = 1;
		rc = walk_logs(&w, log_dir, &why);
		if (rc == ZK_OK && w.last != zxid)
			rc = zk_error_set(&why, ZK_ECORRUPT, "not in the log");
	}
	if (rc != ZK_OK)
		return zk_error_set(e, rc, "cannot truncate to 0x%" PRIx64
		    ": %s", (uint64_t)zxid, why.msg);
	if ((rc = zk_snap_remove(snap_dir, zxid, 1, e)) != ZK_OK)
		return rc;
	return zk_txnlog_truncate(log_dir, zxid, e);
}

struct tail {
	size_t		 seen;		/* records walked so far */
	size_t		 skip;		/* records before the first one given */
	int64_t		 base;		/* the last one skipped */
	void		(*fn)(void *, int64_t, const void *, size_t);
	void		*arg;
};

static int
count_rec(struct walk *w, const char *file, const struct zk_logrec *rec,
    struct zk_error *e)
{
	struct tail	*t = w->arg;

	(void)file;
	(void)rec;
	(void)e;
	t->seen++;
	return ZK_OK;
}

static int
tail_rec(struct walk *w, const char *file, const struct zk_logrec *rec,
    struct zk_error *e)
{
	struct tail	*t = w->arg;

	(void)file;
	(void)e;
	if (t->seen++ < t->skip)
		t->base = rec->zxid;
	else
		t->fn(t->arg, rec->zxid, rec->payload, rec->len);
	return ZK_OK;
}

/*
 * Two dry walks, one to count and one to give: the tail's payloads are
 * borrowed from the scan, so nothing is copied, at the cost of reading
 * the logs after the snapshot twice.
 */
int
zk_recover_tail(const char *snap_dir, const char *log_dir, size_t n,
    void (*fn)(void *arg, int64_t zxid, const void *rec, size_t len),
    void *arg, int64_t *base_zxid, struct zk_error *e)
{
	struct zk_recover_info	 scratch;
	struct walk		 w;
	struct tail		 t;
	char			**files;
	int64_t			*zxids, snap;
	size_t			 nsnaps, nlogs;
	int			 rc, pass;

	*base_zxid = 0;
	if ((rc = zk_snap_files(snap_dir, &files, &zxids, &nsnaps, e)) !=
	    ZK_OK)
		return rc;
	zk_snap_files_free(files, zxids, nsnaps);
	if ((rc = zk_txnlog_files(log_dir, &files, &zxids, &nlogs, e)) !=
	    ZK_OK)
		return rc;
	zk_txnlog_files_free(files, zxids, nlogs);
	if (nsnaps == 0 && nlogs == 0)	/* a fresh directory */
		return ZK_OK;
	if ((rc = newest_checked(snap_dir, INT64_MAX, &snap, e)) != ZK_OK)
		return rc;
	memset(&t, 0, sizeof(t));
	t.fn = fn;
	t.arg = arg;
	t.base = snap;
	for (pass = 0; pass < 2 && rc == ZK_OK; pass++) {
		memset(&scratch, 0, sizeof(scratch));
		walk_init(&w, snap, &scratch);
		w.dry = 1;
		w.fn = pass == 0 ? count_rec : tail_rec;
		w.arg = &t;
		if (pass == 1) {
			t.skip = t.seen > n ? t.seen - n : 0;
			t.seen = 0;
		}
		rc = walk_logs(&w, log_dir, e);
	}
	if (rc == ZK_OK)
		*base_zxid = t.base;
	return rc;
}

/*
 * An epoch file: the epoch on the first line, as ZooKeeper writes it; with
 * sid not NULL, the leader's sid on an optional second line (0 without).
 */
static int
epoch_read(const char *dir, const char *name, int64_t *epoch, int *sid,
    struct zk_error *e)
{
	char		 path[4096], buf[64], *end;
	long long	 v, w = 0;
	ssize_t		 n;
	int		 fd, ok;

	*epoch = -1;
	if (sid != NULL)
		*sid = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return ZK_OK;
		return zk_error_set(e, ZK_EIO, "%s: %s", path, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return zk_error_set(e, ZK_EIO, "%s: %s", path, strerror(errno));
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	ok = n > 0 && buf[0] >= '0' && buf[0] <= '9' && errno == 0;
	if (ok && sid != NULL && end[0] == '\n' && end[1] >= '0' &&
	    end[1] <= '9') {
		w = strtoll(end + 1, &end, 10);
		ok = errno == 0 && w <= INT32_MAX;
	}
	if (!ok || (*end != '\0' && strcmp(end, "\n") != 0))
		return zk_error_set(e, ZK_ECORRUPT, "%s: not an epoch number%s",
		    path, sid != NULL ? " and a leader's sid" : "");
	*epoch = v;
	if (sid != NULL)
		*sid = (int)w;
	return ZK_OK;
}

int
zk_epoch_read(const char *dir, const char *name, int64_t *epoch,
    struct zk_error *e)
{
	return epoch_read(dir, name, epoch, NULL, e);
}

int
zk_epoch_read_from(const char *dir, const char *name, int64_t *epoch,
    int *sid, struct zk_error *e)
{
	return epoch_read(dir, name, epoch, sid, e);
}

int
zk_epoch_write(const char *dir, const char *name, int64_t epoch,
    struct zk_error *e)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof(buf), "%lld\n", (long long)epoch);
	return zk_file_replace(dir, name, buf, (size_t)len, e);
}

int
zk_epoch_write_from(const char *dir, const char *name, int64_t epoch,
    int sid, struct zk_error *e)
{
	char	 buf[48];
	int	 len;

	len = snprintf(buf, sizeof(buf), "%lld\n%d\n", (long long)epoch, sid);
	return zk_file_replace(dir, name, buf, (size_t)len, e);
}
