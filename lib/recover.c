/*
 * Recovery of a data directory at start-up: load the newest snapshot that
 * verifies, replay every logged txn after it, cut a torn tail off the
 * newest log, and refuse, naming file and offset or the missing zxids,
 * anything else that is damaged. Also purge of old files, and the epoch
 * files ZAB keeps next to them.
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

struct replay {
	struct zk_db		*db;
	int64_t			 now_ms;
	int64_t			 snap_zxid;
	struct zk_recover_info	*info;
};

/* One record: invariant (3) of recover.h, then decode and apply. */
static int
replay_rec(struct replay *r, const char *file, const struct zk_logrec *rec,
    struct zk_error *e)
{
	struct zk_txn		 t;
	struct zk_result	 res;
	struct zk_error		 why;
	int64_t			 last = r->db->last_zxid;
	int			 rc;

	if (rec->zxid <= r->snap_zxid)
		return ZK_OK;
	if (rec->zxid <= last)
		return zk_error_set(e, ZK_ECORRUPT, "%s: record 0x%" PRIx64
		    " at offset %" PRIu64 " overlaps records already replayed"
		    " up to 0x%" PRIx64, file, (uint64_t)rec->zxid,
		    rec->offset, (uint64_t)last);
	if (!zk_zxid_follows(rec->zxid, last))
		return zk_error_set(e, ZK_ECORRUPT, "zxid gap: %s ends at 0x%"
		    PRIx64 ", next record is 0x%" PRIx64 " (%s)",
		    last == r->snap_zxid ? "snapshot" : "log", (uint64_t)last,
		    (uint64_t)rec->zxid, file);
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
	rc = zk_db_apply(r->db, &t, r->now_ms, &res, NULL);
	if (rc == ZK_OK)
		zk_result_close(&res);
	zk_txn_close(&t);
	if (rc != ZK_OK)
		return zk_error_set(e, ZK_ECORRUPT, "%s: record at offset %"
		    PRIu64 " cannot be applied", file, rec->offset);
	r->info->replayed++;
	return ZK_OK;
}

/*
 * Invariant (3) of recover.h across files: a file's header names the last
 * zxid of the file written before it; *chain is that of the file scanned
 * before this one (NO_CHAIN for none) and becomes this file's own.
 */
#define NO_CHAIN	(-2)

static int
replay_file(struct replay *r, const char *dir, const char *file, int newest,
    int64_t *chain, struct zk_error *e)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	uint64_t		 end;
	int64_t			 prev;
	int			 rc, torn;

	if ((s = zk_logscan_open(file, e)) == NULL)
		return e != NULL ? e->code : ZK_ECORRUPT;
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
	while ((rc = zk_logscan_next(s, &rec, &torn, e)) == 1) {
		*chain = rec.zxid;
		if ((rc = replay_rec(r, file, &rec, e)) != ZK_OK)
			break;
	}
	end = zk_logscan_good_end(s);
	zk_logscan_close(s);
	if (rc >= 0)
		return rc;
	if (!torn || !newest) {
		if (torn && e != NULL)	/* invariant (1) */
			snprintf(e->msg + strlen(e->msg),
			    sizeof(e->msg) - strlen(e->msg),
			    " in a log that is not the newest");
		return rc;
	}
	return cut_tail(dir, file, end, r->info, e);
}

static int
replay_logs(struct replay *r, const char *log_dir, struct zk_error *e)
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
		if (first[i] <= r->snap_zxid)
			start = i;
	for (i = start; i < nread && rc == ZK_OK; i++)
		rc = replay_file(r, log_dir, files[i], i == nread - 1, &chain,
		    e);
	if (rc == ZK_OK && torn_hdr)
		rc = cut_tail(log_dir, files[n - 1], 0, r->info, e);
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
		zk_db_init(db);
	}
	return zk_error_set(e, ZK_ECORRUPT, "%s: no valid snapshot (%s)",
	    snap_dir, first.msg);
}

int
zk_recover(const char *snap_dir, const char *log_dir, struct zk_db *db,
    int64_t now_ms, struct zk_recover_info *info, struct zk_error *e)
{
	struct replay	 r;
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
	if (rc == ZK_OK && !info->fresh) {
		r.db = db;
		r.now_ms = now_ms;
		r.snap_zxid = info->snap_zxid;
		r.info = info;
		rc = replay_logs(&r, log_dir, e);
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

int
zk_epoch_read(const char *dir, const char *name, int64_t *epoch,
    struct zk_error *e)
{
	char		 path[4096], buf[32], *end;
	long long	 v;
	ssize_t		 n;
	int		 fd;

	*epoch = -1;
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
	if (n == 0 || buf[0] < '0' || buf[0] > '9' || errno != 0 ||
	    (*end != '\0' && strcmp(end, "\n") != 0))
		return zk_error_set(e, ZK_ECORRUPT, "%s: not an epoch number",
		    path);
	*epoch = v;
	return ZK_OK;
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
