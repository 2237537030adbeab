/*
 * Histories of register operations as text: reading the lines lin.h
 * describes into an array of operations, and writing one operation back
 * as one line. The recorder (linload.c) writes with zk_history_format_*,
 * the checker (lin.c) reads what zk_history_parse_* made.
 *
 * Invariants:
 *  (1) A parsed op is well formed for its kind and outcome: a read that
 *      is ok has a value and a version; a write or cas has its value; a
 *      cas has its expected version; an ok write or cas has the version
 *      it made; invoke_ns <= return_ns. Everything else is refused with
 *      FILE:LINE and the reason, and nothing of that line is kept.
 *  (2) zk_history_format_* and zk_history_parse_* agree: a line written
 *      by the one reads back as the same op through the other (values
 *      are byte strings; see the encoding in lin.h).
 */
#ifndef ZK_LIN_HISTORY_H
#define ZK_LIN_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

enum zk_lin_kind {
	ZK_LIN_READ	= 1,	/* sync, then getData */
	ZK_LIN_WRITE	= 2,	/* setData, version -1 */
	ZK_LIN_CAS	= 3,	/* setData with an expected version */
};

enum zk_lin_outcome {
	ZK_LIN_OK	= 1,	/* took effect, result known */
	ZK_LIN_FAIL	= 2,	/* definitely took no effect */
	ZK_LIN_INFO	= 3,	/* unknown: may take effect, any time later */
};

/* The return time of an info op as the checker sees it: never. */
#define ZK_LIN_NEVER	INT64_MAX

struct zk_lin_op {
	const char	*client;	/* who ran it; in h->strings */
	const char	*key;		/* which register; likewise */
	const char	*file;		/* the file it came from; likewise */
	long		 line;		/* its line number in that file */
	int		 kind;		/* enum zk_lin_kind */
	int		 outcome;	/* enum zk_lin_outcome */
	int64_t		 invoke_ns;	/* CLOCK_MONOTONIC, before sending */
	int64_t		 return_ns;	/* after the reply; info: as written */
	char		*value;		/* written or read, NUL-ended; NULL */
	size_t		 value_len;	/* bytes of value, without the NUL */
	int32_t		 version;	/* seen, or made by an ok op; or -1 */
	int32_t		 expected;	/* cas: the expected version; else -1 */
};

/* An "init" line: the register's state before any op of the history. */
struct zk_lin_init {
	const char	*key;		/* in the history's strings */
	char		*value;		/* NUL-ended */
	size_t		 value_len;	/* bytes, without the NUL */
	int32_t		 version;
	long		 line;		/* where it was declared */
	const char	*file;
};

struct zk_history {
	struct zk_lin_op	*ops;		/* in the order read */
	size_t			 nops;
	size_t			 capops;
	struct zk_lin_init	*inits;		/* one per key at most */
	size_t			 ninits;
	size_t			 capinits;
	char			**strings;	/* interned names, owned */
	size_t			 nstrings;
	size_t			 capstrings;
};

/* An empty history; close it with zk_history_close. */
void		 zk_history_init(struct zk_history *h);
void		 zk_history_close(struct zk_history *h);

/*
 * Adds the op or init of one line (without its newline) to h; blank lines
 * and comments add nothing. Errors: ZK_EBADARGUMENTS with "FILE:LINE:
 * reason" in e (invariant (1)).
 */
int		 zk_history_parse_line(struct zk_history *h, const char *line,
		    const char *file, long lineno, struct zk_error *e);

/* Every line of f, or of text; stops at the first error. */
int		 zk_history_read(struct zk_history *h, FILE *f,
		    const char *file, struct zk_error *e);
int		 zk_history_parse_string(struct zk_history *h, const char *text,
		    const char *file, struct zk_error *e);

/*
 * Writes op as one line ending in '\n' into buf (NUL-terminated). Returns
 * its length without the NUL, or -1 when it does not fit in size bytes.
 * Only the fields the format has for the op's kind and outcome are used.
 */
int		 zk_history_format(const struct zk_lin_op *op, char *buf,
		    size_t size);
int		 zk_history_format_init(const char *key, const char *value,
		    size_t len, int32_t version, char *buf, size_t size);

/* A value as the format writes it ("-" for empty, %XX escapes); -1: no room. */
int		 zk_history_encode(const char *value, size_t len, char *buf,
		    size_t size);

#endif
