/*
 * Snapshots: the whole replicated state (tree and sessions) at one zxid in
 * one file, snapshot.<zxid as 16 hex digits>, checksummed, written to a
 * temporary name, fsynced and renamed into place. share/doc/storage.md has
 * the layout.
 *
 * Invariants:
 *  (1) A snapshot file either is complete and verifies or is ignored
 *      (recovery falls back to an older one).
 *  (2) Writing a snapshot never blocks the event loop: the peer forks and
 *      the child writes the copy-on-write image (zk_snap_fork).
 */
#ifndef ZK_SNAP_H
#define ZK_SNAP_H

#include <stdint.h>
#include <sys/types.h>

#include "db.h"
#include "error.h"

/* Writes db as of zxid into dir, synchronously (temporary file, fsync, rename, fsync dir). */
int		 zk_snap_write(const struct zk_db *db, int64_t zxid,
		    const char *dir, struct zk_error *e);

/*
 * Forks a child that writes the snapshot and exits 0 on success. Returns
 * the child's pid (the caller reaps it with waitpid), or -1 with e set.
 */
pid_t		 zk_snap_fork(const struct zk_db *db, int64_t zxid,
		    const char *dir, struct zk_error *e);

/* Loads a snapshot file into an empty db (zk_db_init'ed); *zxid its zxid. */
int		 zk_snap_read(const char *file, struct zk_db *db, int64_t *zxid,
		    int64_t now_ms, struct zk_error *e);

/*
 * Checks a snapshot file's header, trailer and CRC32C without loading it;
 * gives its zxid and the node and session counts of its trailer.
 */
int		 zk_snap_check(const char *file, int64_t *zxid, uint64_t *nodes,
		    uint32_t *sessions, struct zk_error *e);

/*
 * Snapshot files in dir, newest first. Returns new arrays; free with
 * zk_snap_files_free.
 */
int		 zk_snap_files(const char *dir, char ***files, int64_t **zxids,
		    size_t *count, struct zk_error *e);
void		 zk_snap_files_free(char **files, int64_t *zxids, size_t count);

#endif
