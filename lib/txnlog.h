/*
 * The transaction log on disk: record format, appending with preallocation,
 * and scanning (for recovery and zk-log). share/doc/storage.md has the
 * byte layout.
 *
 * A log file is named log.<first zxid as 16 hex digits> and starts with a
 * 24-byte header: "ZKLOG001", the first zxid, and the last zxid of the log
 * file written before this one (-1 if none was known), both big-endian
 * 64-bit. The latter chains the files together, so a missing file shows
 * even where the zxids on both sides of it are legitimately apart (a new
 * epoch starts its counter again). Each record is
 * [u32 BE payload length][u32 BE CRC32C of payload][payload], the payload
 * being one txn (txn.h). The file is preallocated in chunks with zeros,
 * so a length of 0 marks the end of the records.
 *
 * Invariants:
 *  (1) Records in a file have strictly increasing zxids, and each follows
 *      its predecessor: zxid + 1, or the first zxid of a later epoch.
 *  (2) zk_txnlog_sync returns only after the records are on disk
 *      (fdatasync); a failed write leaves the file as it was before it
 *      (truncated back), so a later append goes on cleanly.
 *  (3) A file's header names the end of the file before it: its last
 *      record, or for a file with none, the zxid its own header names.
 */
#ifndef ZK_TXNLOG_H
#define ZK_TXNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

#define ZK_LOG_HDR		24
#define ZK_LOG_REC_HDR		8
#define ZK_LOG_PREALLOC		(16 * 1024 * 1024)	/* bytes per chunk */

/* zxid a follows zxid b in a log: b + 1, or the start of a later epoch. */
int		 zk_zxid_follows(int64_t a, int64_t b);

/* The appending side. Not thread-safe: one writer thread owns it. */
struct zk_txnlog;

/*
 * Opens a log directory for appending; no file is made until the first
 * sync, which starts a new file named after its first record. prealloc
 * is the allocation chunk in bytes (0: ZK_LOG_PREALLOC). Reads the newest
 * log already there, to chain the next file's header to it.
 */
struct zk_txnlog *zk_txnlog_open(const char *dir, size_t prealloc,
		    struct zk_error *e);
/* Drops records not yet synced; gives back the unused preallocation. */
void		 zk_txnlog_close(struct zk_txnlog *l);

/* Buffers one record; written by the next zk_txnlog_sync. */
void		 zk_txnlog_append(struct zk_txnlog *l, int64_t zxid,
		    const void *payload, size_t len);

/*
 * Writes every buffered record and fdatasyncs. On error (ENOSPC...) the
 * buffered records are dropped, the file truncated back to its last
 * durable record, and the error returned (ZK_EIO, naming file and reason).
 */
int		 zk_txnlog_sync(struct zk_txnlog *l, struct zk_error *e);

/* The next append starts a new file (after a snapshot); records still
 * buffered go to the new file too. */
void		 zk_txnlog_roll(struct zk_txnlog *l);

/*
 * Cuts every record after zxid (ZAB's TRUNC): the file holding zxid is
 * truncated just after it, later files are removed. No zk_txnlog may be
 * open on dir meanwhile. Crash-safe: later files go newest first, each
 * removal made durable before the next, so a crash leaves the log cut at
 * some point at or after zxid, never with a file missing in the middle.
 */
int		 zk_txnlog_truncate(const char *dir, int64_t zxid,
		    struct zk_error *e);

/*
 * Removes file from dir durably: unlink, then fsync of dir. A file already
 * gone is no error. ZK_EIO naming the file otherwise.
 */
int		 zk_txnlog_remove(const char *dir, const char *file,
		    struct zk_error *e);

/*
 * Crash tests only: when not NULL, called after each durable step of the
 * operations that rewrite a data directory (zk_txnlog_truncate,
 * zk_txnlog_remove, zk_snap_install, zk_recover_truncate), saying what the
 * step did. A test's hook _exits a forked child at step N, which leaves
 * the directory as a crash right there would. NULL in the peer and tools.
 */
extern void	(*zk_txnlog_step_hook)(const char *what);

/* The scanning side. */
struct zk_logrec {
	int64_t		 zxid;
	const char	*payload;	/* borrowed until the next scan call */
	size_t		 len;
	uint64_t	 offset;	/* of the record header in its file */
};

/*
 * Log files in dir, sorted by first zxid. Returns a new array of new
 * strings (full paths); free with zk_txnlog_files_free.
 */
int		 zk_txnlog_files(const char *dir, char ***files, int64_t **first,
		    size_t *count, struct zk_error *e);
void		 zk_txnlog_files_free(char **files, int64_t *first, size_t count);

/*
 * Files in dir named prefix + 16 lowercase hex digits, sorted by that
 * number (snapshots and logs share the naming). Free as above.
 */
int		 zk_txnlog_list(const char *dir, const char *prefix,
		    char ***files, int64_t **zxids, size_t *count,
		    struct zk_error *e);

/* Reads a whole file into a new buffer (the caller frees it). */
int		 zk_txnlog_read_file(const char *file, unsigned char **buf,
		    uint64_t *size, struct zk_error *e);

struct zk_logscan;

/* Reads a whole log file (mmap or read); validates the file header. */
struct zk_logscan *zk_logscan_open(const char *file, struct zk_error *e);
void		 zk_logscan_close(struct zk_logscan *s);

/*
 * The next record: 1 and *rec set; 0 at the clean end of the records;
 * negative on a bad record, with e naming file and offset. A bad record
 * is a "torn tail" when no valid record follows it in the file
 * (*torn set to 1), else corruption in the middle (*torn 0).
 */
int		 zk_logscan_next(struct zk_logscan *s, struct zk_logrec *rec,
		    int *torn, struct zk_error *e);

/* Offset just after the last good record returned. */
uint64_t	 zk_logscan_good_end(const struct zk_logscan *s);
/*
 * The first zxid the file header names; the last zxid of the file written
 * before it (-1: unknown); the file's size in bytes.
 */
int64_t		 zk_logscan_first(const struct zk_logscan *s);
int64_t		 zk_logscan_prev(const struct zk_logscan *s);
uint64_t	 zk_logscan_size(const struct zk_logscan *s);

#endif
