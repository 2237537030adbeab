/*
 * zk-log's work: reading a peer's data directory, or one log or snapshot
 * file in it, offline, and printing what is there (dump, verify, stat,
 * snapshot). The formats are in share/man/man1/zk-log.1.
 *
 * target is a data directory or a file; fmt is ZK_FMT_TEXT or ZK_FMT_JSON
 * (output.h). Each function writes its records to out as it goes and
 * returns ZK_OK; ZK_EUSAGE when target is not a directory, log or
 * snapshot (e names it); ZK_ECORRUPT, after printing what came before,
 * at the first bad record (e names file and offset); ZK_EIO when reading
 * or writing fails.
 */
#ifndef ZK_LOGDUMP_H
#define ZK_LOGDUMP_H

#include <stdio.h>

#include "error.h"

/* Every txn, one line (text) or one JSON object per line. */
int		 zk_logdump_dump(const char *target, int fmt, FILE *out,
		    struct zk_error *e);

/*
 * Checksums, txn decoding and zxid order across every file (a gap between
 * log files is fine only where a snapshot covers it); snapshots are
 * checked too. On success prints "ok: N records in M files, zxid A..B".
 */
int		 zk_logdump_verify(const char *target, FILE *out,
		    struct zk_error *e);

/* Files, their zxid ranges, sizes and record counts, and the epochs. */
int		 zk_logdump_stat(const char *target, int fmt, FILE *out,
		    struct zk_error *e);

/*
 * The tree of a snapshot file, or of the newest snapshot in a directory:
 * parents first, siblings sorted; text "PATH<TAB>data", or json as zk-get.
 */
int		 zk_logdump_snapshot(const char *target, int fmt, FILE *out,
		    struct zk_error *e);

#endif
