/*
 * The linearizability checker: given a history of reads, writes and
 * compare-and-sets on a few znodes, decides whether some order of the ops,
 * each taking effect at one instant between its invocation and its return,
 * explains every result with ZooKeeper's setData semantics. Checks each
 * key on its own (a history is linearizable iff each key's sub-history is)
 * with Wing & Gong's search and Lowe's memoization; share/doc/lincheck.md
 * tells the whole story.
 *
 * The model. Each key is a register holding (value, version), by default
 * ("0", 0) as linload --init creates it, or what an init line says.
 *   read         sync then getData; ok returns (value, version) = state.
 *   write V      setData(V, -1): state becomes (V, version + 1); an ok one
 *                returned that new version.
 *   cas E V      setData(V, E): if version == E, as write V; an ok one
 *                returned E + 1. A failed one (BADVERSION) changed nothing
 *                and saw a version != E at its point.
 * Outcomes: ok (took effect, result known), fail (definitely took no
 * effect), info (unknown: may take effect at any time after its
 * invocation, or never; its return time is taken as infinite). Failed
 * reads and writes and info reads say nothing and are dropped; failed
 * cas ops stay, as constraints.
 *
 * The history format. Plain text, one line per finished operation,
 * fields separated by blanks; blank lines and text from a field starting
 * with '#' to the end of the line are ignored. Files are concatenated in
 * any order: the checker sorts by time.
 *
 *   CLIENT read  KEY INVOKE_NS RETURN_NS ok VALUE VERSION
 *   CLIENT read  KEY INVOKE_NS RETURN_NS fail|info
 *   CLIENT write KEY INVOKE_NS RETURN_NS ok VALUE NEW_VERSION
 *   CLIENT write KEY INVOKE_NS RETURN_NS fail|info VALUE
 *   CLIENT cas   KEY INVOKE_NS RETURN_NS ok EXPECTED VALUE NEW_VERSION
 *   CLIENT cas   KEY INVOKE_NS RETURN_NS fail|info EXPECTED VALUE
 *   init KEY VALUE VERSION
 *
 * Times are nanoseconds of CLOCK_MONOTONIC, which is system-wide, so that
 * the files of several processes on one machine merge; RETURN_NS of an
 * info op is when the client gave up (or "-") and is not used. CLIENT and
 * KEY are words; the client "init" is reserved. A VALUE is its bytes with
 * every byte outside '!'..'~', and '%' and '#', written as %XX; the empty
 * value is "-" and a value that is a lone dash is "%2D". An init line
 * gives KEY's state before the first op; at most one per key.
 *
 * Invariants:
 *  (1) Verdicts are exact: LINEARIZABLE means an order was found, and
 *      VIOLATION means every order was ruled out, for the key named.
 *      Only a time limit makes the answer UNKNOWN.
 *  (2) Ops that happen-before are never reordered: an op whose return
 *      precedes another's invocation (strictly, in ns) is placed first.
 *      Equal times count as concurrent, which can only accept more.
 */
#ifndef ZK_LIN_H
#define ZK_LIN_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

enum zk_lin_verdict {
	ZK_LIN_LINEARIZABLE	= 0,
	ZK_LIN_VIOLATION	= 1,
	ZK_LIN_UNKNOWN		= 3,	/* the time limit passed first */
};

struct zk_lin_opts {
	int64_t		 time_limit_ms;	/* for the whole check; 0: none */
};

struct zk_lin_result {
	int		 verdict;	/* enum zk_lin_verdict */
	size_t		 nops;		/* ops checked, info ones included */
	size_t		 ninfo;		/* of which info */
	size_t		 ndropped;	/* failed reads/writes, info reads */
	size_t		 nkeys;		/* keys with ops */
	size_t		 nbad;		/* keys found not linearizable */
	char		*key;		/* the first bad (or undecided) key */
	char		*explain;	/* lines, each ending '\n', or NULL */
};

/*
 * Checks every key of h (which is only read). Returns r->verdict. o may be
 * NULL. r, whose strings are its own, is the caller's to zk_lin_result_close().
 */
int		 zk_lin_check(const struct zk_history *h,
		    const struct zk_lin_opts *o, struct zk_lin_result *r);
void		 zk_lin_result_close(struct zk_lin_result *r);

/*
 * The one line for the verdict, without newline: "linearizable: 5321 ops
 * on 3 keys (12 info, 40 dropped)", "not linearizable: key k1 (1 of 3
 * keys)" or "unknown: ...". Returns what snprintf returns.
 */
int		 zk_lin_summary(const struct zk_lin_result *r, char *buf,
		    size_t size);

#endif
