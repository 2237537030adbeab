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
 *  (3) Bytes from zk_snap_encode are those of the file zk_snap_write makes,
 *      and zk_snap_decode checks them as zk_snap_read checks a file.
 */
#ifndef ZK_SNAP_H
#define ZK_SNAP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "util.h"

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
 * Appends to out the bytes a snapshot file of db as of zxid holds (for
 * ZAB's SNAP message); out is zk_buf_init'ed by the caller. Always ZK_OK.
 */
int		 zk_snap_encode(const struct zk_db *db, int64_t zxid,
		    struct zk_buf *out);

/*
 * Loads snapshot bytes (from the network) into an empty db with the checks
 * of zk_snap_read; *zxid their zxid. Damaged or cut bytes are ZK_ECORRUPT
 * "received snapshot: ...". On error db holds part of them: close it.
 * Borrows buf for the call only.
 */
int		 zk_snap_decode(const void *buf, size_t len, struct zk_db *db,
		    int64_t *zxid, int64_t now_ms, struct zk_error *e);

/*
 * ZAB's INSTALL_SNAP: makes the snapshot bytes of zxid the whole history of
 * the directories. Checks them (as zk_snap_decode, and that their zxid is
 * zxid) before anything changes; then writes snapshot.<zxid> durably and
 * removes every log file and every other snapshot, so that recovery starts
 * from it and the next log follows it. No zk_txnlog may be open on log_dir.
 * Crash-safe at every step (storage.md "SNAP"); after an error the
 * directories are in one of those crash states: recover and retry.
 */
int		 zk_snap_install(const char *snap_dir, const char *log_dir,
		    const void *buf, size_t len, int64_t zxid,
		    struct zk_error *e);

/*
 * Removes the snapshots in dir above zxid (above = 1) or below it (0),
 * newest first, each durably (zk_txnlog_remove).
 */
int		 zk_snap_remove(const char *dir, int64_t zxid, int above,
		    struct zk_error *e);

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
