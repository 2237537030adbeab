/*
 * The replicated state machine: the tree plus the session table, and the
 * one function that applies a committed transaction to both.
 *
 * Validation happens here, at apply time, against the state every replica
 * holds at that zxid: version checks, missing parents, ephemeral owners.
 * Applying the same transactions in the same order therefore gives every
 * replica the same tree and the same result (see share/doc/design.md).
 *
 * Invariants:
 *  (1) zk_db_apply never reads a clock or a random source.
 *  (2) last_zxid only grows; a txn at or below it is refused (ZK_ESYSTEM).
 *  (3) A failed txn changes nothing but last_zxid.
 */
#ifndef ZK_DB_H
#define ZK_DB_H

#include <stdint.h>

#include "error.h"
#include "session.h"
#include "tree.h"
#include "txn.h"

struct zk_db {
	struct zk_tree		*tree;		/* owned */
	struct zk_sessions	*sessions;	/* owned */
	int64_t			 last_zxid;	/* last applied */
};

/* What a txn did, for the reply (and, later, watches). */
struct zk_result {
	int		 err;		/* ZK_OK or the reason it failed */
	char		*path;		/* create: created path (owned) */
	struct zk_stat	 stat;		/* create, setData: the new stat */
	char		**deleted;	/* closeSession: ephemerals removed (owned) */
	size_t		 ndeleted;
};

void		 zk_db_init(struct zk_db *db);
void		 zk_db_close(struct zk_db *db);

/*
 * Applies t. Returns ZK_OK when the txn was applied, whatever its own
 * outcome (that is res->err); returns an error only when t cannot be
 * applied at all (zxid not after last_zxid). now_ms is the local
 * monotonic time, only used for new sessions' local deadlines.
 * When res->err is not ZK_OK, e (if not NULL) also holds it with its
 * one line of context, for the reply or the log.
 *
 * Outcomes: create validates the path (for ZK_CREATE_SEQUENTIAL, path
 * plus a digit), then as zk_tree_create; an ephemeral create needs the
 * txn's session (else ZK_ESESSIONEXPIRED) and goes on its list. delete
 * and setData validate the path, then as the tree. createSession adds the
 * session (deadline now_ms + timeout). closeSession deletes the session's
 * ephemerals (res->deleted, sorted with strcmp) and removes it; an unknown
 * session is ZK_ESESSIONEXPIRED. An unknown type is ZK_EUNIMPLEMENTED.
 * Every applied txn, failed or not, sets last_zxid.
 */
int		 zk_db_apply(struct zk_db *db, const struct zk_txn *t,
		    int64_t now_ms, struct zk_result *res, struct zk_error *e);

void		 zk_result_close(struct zk_result *res);

/*
 * Rebuilds every session's ephemerals list from the tree's ephemeral
 * owners, after a snapshot has loaded the nodes (zk_tree_load) and the
 * sessions (zk_sessions_add) in any order. ZK_ECORRUPT if a node's owner
 * is not a session.
 */
int		 zk_db_index_ephemerals(struct zk_db *db, struct zk_error *e);

#endif
