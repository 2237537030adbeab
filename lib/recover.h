/*
 * Recovery of a data directory at start-up: the newest valid snapshot,
 * then every logged txn after it, with the checks that keep a damaged
 * directory from starting silently; and purge of old files.
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

/* epoch files of the data dir (ZAB's acceptedEpoch, currentEpoch): -1 when missing. */
int		 zk_epoch_read(const char *dir, const char *name, int64_t *epoch,
		    struct zk_error *e);
/* Writes name atomically (temporary file, fsync, rename, fsync dir). */
int		 zk_epoch_write(const char *dir, const char *name, int64_t epoch,
		    struct zk_error *e);

#endif
