/*
 * Recovery of a data directory at start-up: the newest valid snapshot,
 * then every logged txn after it, with the checks that keep a damaged
 * directory from starting silently; truncation to a zxid and the log's
 * tail for ZAB; purge of old files; the epoch files.
 *
 * Invariants:
 *  (1) A torn or corrupt record at the very tail of the newest log was
 *      never acknowledged: it is truncated away (reported in info).
 *  (2) Corruption before the tail is refused (ZK_ECORRUPT naming file and
 *      offset), never skipped.
 *  (3) Replayed zxids are continuous (zk_zxid_follows); a gap, e.g. a
 *      missing middle log file, is refused naming the gap.
 *  (4) A corrupt newest snapshot falls back to the one before it (and the
 *      logs after that); logs with no snapshot they follow from are
 *      refused. A directory with no snapshot and no log is a fresh start.
 *  (5) Replay, zk_recover_tail and zk_recover_truncate's check walk the
 *      log with the same code, so they agree on what it holds.
 */
#ifndef ZK_RECOVER_H
#define ZK_RECOVER_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

struct zk_recover_info {
	int64_t		 snap_zxid;	/* snapshot loaded from; -1 if fresh */
	char		 snap_file[512];	/* its path, "" if fresh */
	int		 snaps_skipped;	/* corrupt newer snapshots passed over */
	size_t		 replayed;	/* txns replayed from the logs */
	int64_t		 last_zxid;	/* db->last_zxid after recovery */
	int		 truncated;	/* a torn tail was cut */
	char		 truncated_file[512];
	uint64_t	 truncated_at;	/* offset cut at */
	int		 fresh;		/* nothing on disk: a new directory */
};

/*
 * Recovers into an empty db (zk_db_init'ed). snap_dir holds snapshots,
 * log_dir the logs (the same dir unless dataLogDir is set). On a fresh
 * directory, writes snapshot.0 of the initial tree so that every later
 * log follows from a snapshot.
 */
int		 zk_recover(const char *snap_dir, const char *log_dir,
		    struct zk_db *db, int64_t now_ms,
		    struct zk_recover_info *info, struct zk_error *e);

/*
 * Keeps the newest retain (>= 3) snapshots and the logs needed to replay
 * from the oldest of them; deletes the rest. *removed counts files.
 */
int		 zk_purge(const char *snap_dir, const char *log_dir, int retain,
		    size_t *removed, struct zk_error *e);

/*
 * ZAB's TRUNCATE: cuts the history after zxid, so that zk_recover then
 * gives exactly the state at zxid: snapshots above zxid are removed and
 * the logs cut after its record (zk_txnlog_truncate). When recovery could
 * not reach zxid (no snapshot at or before it from which the log leads to
 * it; a snapshot at zxid will do without the log), nothing changes and it
 * is ZK_ECORRUPT "cannot truncate to 0x...: not in the log" (or the damage
 * found on the way). No zk_txnlog may be open on log_dir. Crash-safe at
 * every step (storage.md "TRUNC"); after an error the directories are in
 * one of those crash states.
 */
int		 zk_recover_truncate(const char *snap_dir, const char *log_dir,
		    int64_t zxid, struct zk_error *e);

/*
 * The log's recent history for zk_zab_load: calls fn for the last n txns
 * logged after the snapshot recovery starts from, in zxid order, with the
 * record payloads as the log writer was given them (borrowed for the call),
 * and sets *base_zxid to the zxid the first of them follows: the record
 * before it, or the snapshot's zxid when the log after the snapshot holds
 * n txns or fewer (0 for a directory with neither snapshot nor log).
 * Changes nothing on disk: call it after zk_recover, which has cut any
 * torn tail. With n = 0, *base_zxid is the last logged zxid.
 */
int		 zk_recover_tail(const char *snap_dir, const char *log_dir,
		    size_t n, void (*fn)(void *arg, int64_t zxid,
		    const void *rec, size_t len), void *arg,
		    int64_t *base_zxid, struct zk_error *e);

/*
 * Epoch files of the data dir (ZAB's acceptedEpoch, currentEpoch), one
 * decimal number and a newline as ZooKeeper's: -1 when missing.
 */
int		 zk_epoch_read(const char *dir, const char *name, int64_t *epoch,
		    struct zk_error *e);
/* Writes name atomically (temporary file, fsync, rename, fsync dir). */
int		 zk_epoch_write(const char *dir, const char *name, int64_t epoch,
		    struct zk_error *e);

/*
 * The same with the sid of the leader the epoch came from on a second line
 * (acceptedEpoch): a one-line file reads as sid 0, a missing one as epoch
 * -1, sid 0. zk_epoch_read refuses a two-line file: read those with this.
 */
int		 zk_epoch_read_from(const char *dir, const char *name,
		    int64_t *epoch, int *sid, struct zk_error *e);
int		 zk_epoch_write_from(const char *dir, const char *name,
		    int64_t epoch, int sid, struct zk_error *e);

#endif
