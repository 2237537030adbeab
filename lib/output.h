/*
 * The tools' records on the way out and back in: a node (path, data,
 * stat), a listing entry (path, name, stat) or a watch event (zxid, type,
 * path, data) as text, JSON Lines or msgpack, and the reader that turns
 * json/msgpack node records back into nodes for zk-set --from. CLI.md
 * "Output formats" is the contract.
 *
 * The encoders append to a zk_buf and never touch a file, so the unit
 * tests see the exact bytes; zk_out_flush() is the one writer.
 *
 * Invariants:
 *  (1) A record encodes as exactly one line (text, json) or one msgpack
 *      map; text escaping leaves no raw TAB or newline in data. Paths and
 *      names are written raw, so that they pipe into the next tool as they
 *      are: ZooKeeper's path rules keep control characters out of them.
 *  (2) Data that is not valid UTF-8 goes into "data_b64" (json); msgpack
 *      carries it as bin. Reading a record back yields the same bytes.
 *  (3) Keys and stat fields come in ZooKeeper's Stat order: czxid, mzxid,
 *      ctime, mtime, version, cversion, aversion, ephemeralOwner,
 *      dataLength, numChildren, pzxid.
 */
#ifndef ZK_OUTPUT_H
#define ZK_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "proto.h"
#include "util.h"

enum zk_fmt {
	ZK_FMT_TEXT	= 0,	/* for people, cut and awk */
	ZK_FMT_JSON	= 1,	/* JSON Lines */
	ZK_FMT_MSGPACK	= 2,	/* one map per record */
};

/*
 * One record. For printing every pointer is borrowed; a record read back
 * by zk_out_reader_next() owns path and data (zk_record_close()).
 */
struct zk_record {
	char		*path;		/* full path; always set */
	char		*name;		/* listing entry's name, or NULL */
	char		*data;		/* node data when has_data */
	size_t		 data_len;	/* bytes of data */
	int		 has_data;	/* carries data (maybe empty) */
	struct zk_stat	 stat;		/* when has_stat */
	int		 has_stat;	/* the record carries a stat */
};

void		 zk_record_close(struct zk_record *r);

/* "text", "json", "msgpack" to an enum zk_fmt; -1 for anything else. */
int		 zk_out_fmt_parse(const char *s);

/* 1 if p[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int		 zk_out_utf8_valid(const char *p, size_t n);

/*
 * Text escaping for one-line records: "\\" "\t" "\n" for those three,
 * \xHH for other control bytes (C0, DEL, C1) and bytes that are not
 * part of valid UTF-8; printable ASCII and valid UTF-8 pass unchanged.
 */
void		 zk_out_escape(struct zk_buf *b, const char *p, size_t n);

/* Standard base64 (RFC 4648, with padding). */
void		 zk_out_base64(struct zk_buf *b, const void *p, size_t n);
/* Strict: ZK_EBADARGUMENTS for a bad character, length or padding. */
int		 zk_out_unbase64(struct zk_buf *b, const char *p, size_t n,
		    struct zk_error *e);

/* The stat as "name value" lines, each after prefix (NULL: none). */
void		 zk_out_text_stat(struct zk_buf *b, const char *prefix,
		    const struct zk_stat *st);
/* A long listing line: "version dataLength numChildren owner name\n". */
void		 zk_out_text_long(struct zk_buf *b, const struct zk_stat *st,
		    const char *name);
/* "PATH<TAB>escaped data\n" */
void		 zk_out_text_line(struct zk_buf *b, const struct zk_record *r);

/* One compact JSON object and a newline: path, name, data|data_b64, stat. */
void		 zk_out_json(struct zk_buf *b, const struct zk_record *r);
/* One msgpack map with the same keys; data as bin. */
void		 zk_out_msgpack(struct zk_buf *b, const struct zk_record *r);

/* One watch event as zk-watch prints it; every pointer is borrowed. */
struct zk_event_record {
	int64_t		 zxid;		/* the txn that caused it */
	int		 type;		/* enum zk_event_type */
	const char	*path;		/* the node it is about */
	const char	*data;		/* the new data when has_data */
	size_t		 data_len;	/* bytes of data */
	int		 has_data;	/* carries data (maybe empty) */
};

/* "created", "deleted", "changed", "children"; "unknown" for others. */
const char	*zk_out_event_name(int type);

/*
 * "ZXID EVENT PATH\n" with ZXID as 0x-hex (as stat zxids print); with
 * data, a space and the data escaped (zk_out_escape) before the newline.
 */
void		 zk_out_event_text(struct zk_buf *b,
		    const struct zk_event_record *r);
/* {"zxid": number, "type": name, "path": ..., "data"|"data_b64": ...} */
void		 zk_out_event_json(struct zk_buf *b,
		    const struct zk_event_record *r);
/* One msgpack map with the same keys; data as bin. */
void		 zk_out_event_msgpack(struct zk_buf *b,
		    const struct zk_event_record *r);

/*
 * Writes b to fp, flushes, and empties b. ZK_OK, or ZK_EIO with strerror
 * in e. A closed pipe (EPIPE) ends the process by SIGPIPE, as it would end
 * cat(1), since nobody reads what follows.
 */
int		 zk_out_flush(FILE *fp, struct zk_buf *b, struct zk_error *e);

/*
 * Reads records back: JSON Lines (blank lines skipped) or a stream of
 * msgpack maps, fed in pieces of any size.
 */
struct zk_out_reader;

struct zk_out_reader *zk_out_reader_new(int fmt);
void		 zk_out_reader_free(struct zk_out_reader *rd);
void		 zk_out_reader_feed(struct zk_out_reader *rd, const char *p,
		    size_t n);
/*
 * 1 and *r filled (owned by the caller: zk_record_close) when a whole
 * record is there; 0 when more input is needed (or, with eof set, when the
 * input ended cleanly); ZK_EBADARGUMENTS naming the record number for a
 * record that does not parse or lacks "path" or data, or for input that
 * ends inside a record. The record's stat and name are ignored.
 */
int		 zk_out_reader_next(struct zk_out_reader *rd, int eof,
		    struct zk_record *r, struct zk_error *e);

#endif
