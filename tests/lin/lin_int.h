/*
 * The checker's insides, shared by the search (lin.c) and the text that
 * explains a violation (explain.c): one key's ops, their list of calls
 * and returns, the search stack and the deepest dead end it met.
 * Nothing outside tests/lin/lin.c and explain.c includes this.
 */
#ifndef ZK_LIN_INT_H
#define ZK_LIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lin.h"

struct zk_memo;

struct state {
	uint32_t	 val;		/* value id, see struct vals */
	int64_t		 version;
};

struct kop {				/* an op as the search sees it */
	const struct zk_lin_op	*src;
	int		 kind;		/* enum zk_lin_kind */
	int		 outcome;	/* enum zk_lin_outcome */
	int		 pure;		/* ok read or failed cas */
	int		 twin;		/* TWIN_*: an info op no read saw */
	int64_t		 pin;		/* info: the version it must make; -1 */
	int		 needs;		/* an ok op: needs version need */
	int64_t		 need;		/* the version at its point */
	uint32_t	 val;		/* written, or read */
	int64_t		 version;	/* read: seen; ok write/cas: made */
	int64_t		 expected;	/* cas */
	uint64_t	 zob;		/* its bit's share of the set hash */
};

struct ent {				/* a call or return in the list */
	int64_t		 t;		/* ns; ZK_LIN_NEVER for info returns */
	uint32_t	 op;
	uint32_t	 prev, next;	/* 0 is the head */
	uint32_t	 match;		/* call: its return entry */
	int		 ret;
};

/* Twin classes; a scan tries only the first op of each. */
#define TWIN_WRITE	1
#define TWIN_CAS	2	/* among those expecting the current version */

struct frame {
	uint32_t	 ent;		/* the call entry placed */
	struct state	 before;
	int		 forced;	/* no alternative to try */
	int		 seen;		/* TWIN_* classes the scan had passed */
};

struct vals {				/* the key's distinct values */
	const char	**p;		/* by id; borrowed from the history */
	size_t		*len;
	size_t		 n, cap;
	uint32_t	*tab;		/* id + 1 by hash; 0: empty */
	size_t		 tabcap;	/* a power of two */
};

struct keyck {
	struct kop	*ops;
	size_t		 n;
	struct ent	*ents;		/* [0] head, then 2n entries */
	struct vals	 vals;
	struct state	 init;
	uint32_t	 unread;	/* the value id of all no read saw */
	uint64_t	*bits;
	struct zk_memo	*memo;
	struct frame	*stack;
	size_t		 depth;
	int64_t		*fen;		/* Fenwick counts of unplaced needs */
	size_t		 nfen;
	int64_t		 fenlo;		/* the version at index 0 */
	int64_t		 deadline_ms;	/* 0: none */
	size_t		 steps;
	long		 best;		/* deepest dead end, -1: none */
	uint32_t	*best_prefix;	/* op ids placed there */
	struct state	 best_state;
	uint32_t	 best_block;	/* the op whose return was reached */
	uint32_t	*best_cands;	/* the ops that could have gone next */
	size_t		 best_ncands;
};

/* Whether o fits state s, and the state after it. */
int		 zk_lin_step(const struct kop *o, const struct state *s,
		    struct state *next);

/*
 * The explanation of a violation on key k, from its deepest dead end:
 * a new string of lines, each ending '\n'. base is the time shown as +0.
 */
char		*zk_explain_key(const struct keyck *k, const char *key,
		    int64_t base, size_t ninfo);

#endif
