/*
 * The load generator behind zk-bench: CONNS client sessions on one event
 * loop, each keeping WINDOW requests outstanding for a warmup and then a
 * measured run, with every latency in a log-linear histogram.
 */
#ifndef ZK_BENCH_H
#define ZK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

enum zk_bench_op {
	ZK_BENCH_GET	= 1,	/* getData of a prepared key */
	ZK_BENCH_SET	= 2,	/* setData of a prepared key, any version */
	ZK_BENCH_CREATE	= 3,	/* create of a new node, never deleted */
	ZK_BENCH_MIXED	= 4,	/* get or set, read_pct percent gets */
	ZK_BENCH_WATCH	= 5,	/* one change delivered to conns watchers */
};

struct zk_bench_opts {
	const char	*servers;		/* NULL: the default */
	int32_t		 session_timeout_ms;	/* 0: the client's default */
	int64_t		 connect_timeout_ms;	/* for the sessions; 0: none */
	int		 conns;			/* sessions, >= 1 */
	int		 window;		/* in flight per session */
	int64_t		 duration_ms;		/* the measured run */
	int64_t		 warmup_ms;		/* load before measuring */
	int		 op;			/* enum zk_bench_op */
	int		 read_pct;		/* mixed: percent of gets */
	size_t		 size;			/* bytes of data per write */
	int		 keys;			/* prepared nodes, 1-10000000 */
	int64_t		 rate;			/* requests (watch: changes)
						   per second in all; 0: as
						   fast as replies come */
};

#define ZK_BENCH_MAX_KEYS	10000000	/* k0000000 .. k9999999 */

struct zk_bench_result {
	uint64_t	 ok;		/* requests answered ZK_OK in the run */
	uint64_t	 errors;	/* requests answered otherwise */
	double		 seconds;	/* measured run, as it really lasted */
	double		 ops_per_sec;	/* ok / seconds */
	int64_t		 p50_us;	/* latency percentiles, microseconds */
	int64_t		 p99_us;
	int64_t		 p999_us;
	int64_t		 max_us;	/* exact */
};

/*
 * Defaults: 8 conns, window 100, 10 s, warmup 1 s, get, 100 bytes,
 * 1000 keys.
 */
void		 zk_bench_opts_init(struct zk_bench_opts *o);

/*
 * "get", "set", "create", "watch" or "mixed:PCT" (PCT 0-100). ZK_OK, or
 * ZK_EBADARGUMENTS with a message.
 */
int		 zk_bench_parse_op(const char *s, int *op, int *read_pct,
		    struct zk_error *e);
/* Seconds, fractions allowed, as milliseconds: ZK_OK or ZK_EBADARGUMENTS. */
int		 zk_bench_parse_seconds(const char *s, int64_t *ms);
/* The op as zk_bench_parse_op reads it back, into buf. */
const char	*zk_bench_op_str(int op, int read_pct, char *buf, size_t len);

/*
 * Connects every session (ZK_EUNREACHABLE or ZK_ETIMEOUT when one cannot
 * be had), prepares the nodes (/zk-bench, and the keys by upsert, or each
 * session's parent for create), runs the warmup and the measured run, and
 * closes the sessions. Errors during the run are counted, not returned;
 * an error while preparing is returned with the path in e.
 */
int		 zk_bench_run(const struct zk_bench_opts *o,
		    struct zk_bench_result *r, struct zk_error *e);

/*
 * With a rate, sends are spaced 1/rate apart over all sessions (a free
 * slot waits for its turn), and latency is still timed from each
 * request's sending: well under the ensemble's capacity, that is the
 * latency of a request reaching an idle server, the case of a lock's
 * release or an operator's write, where the disk and the cores have
 * gone idle in between.
 */
#define ZK_BENCH_MAX_RATE	1000000

/*
 * --op watch (bench_watch.c): conns sessions hold a persistent watch on
 * one node while one more session changes it, one change at a time; the
 * result counts events delivered, and the percentiles are delivery times
 * from a setData sent to each watcher's event. window is not used.
 */
int		 zk_bench_watch_run(const struct zk_bench_opts *o,
		    struct zk_bench_result *r, struct zk_error *e);

/*
 * Appends the result in fmt (an enum zk_fmt: text line, one JSON object
 * line, or one msgpack map) with the keys op, conns, window, seconds, ok,
 * errors, ops_per_sec, p50_us, p99_us, p999_us, max_us.
 */
void		 zk_bench_report(struct zk_buf *b, int fmt,
		    const struct zk_bench_opts *o,
		    const struct zk_bench_result *r);

/*
 * A log-linear latency histogram: exact below 256, then 128 buckets per
 * power of two, so a reported value is within 1/256 of the truth (bucket
 * middles). Values are clamped to [0, INT64_MAX].
 */
#define ZK_HIST_SUB		128
#define ZK_HIST_BUCKETS		(ZK_HIST_SUB * 57)

struct zk_hist {
	uint64_t	 count;			/* values added */
	int64_t		 max;			/* the largest, exact */
	uint64_t	 b[ZK_HIST_BUCKETS];	/* counts per bucket */
};

void		 zk_bench_hist_init(struct zk_hist *h);
void		 zk_bench_hist_add(struct zk_hist *h, int64_t v);
/* The value at quantile q (0 < q <= 1): 0 when empty, max at 1, never above. */
int64_t		 zk_bench_hist_quantile(const struct zk_hist *h, double q);

#endif
