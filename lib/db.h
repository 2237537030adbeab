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

struct zk_result;

/*
 * Told of every txn zk_db_apply applied (whatever its own outcome), after
 * the tree changed: the server derives watch events from it (events.h).
 * zk_recover calls it with res NULL and t holding only zxid (type 0)
 * once it has loaded a snapshot of that zxid into the db, before
 * replaying the log: whatever came before is gone.
 */
typedef void	(*zk_db_applied_fn)(void *arg, const struct zk_txn *t,
		    const struct zk_result *res);

struct zk_db {
	struct zk_tree		*tree;		/* owned */
	struct zk_sessions	*sessions;	/* owned */
	int64_t			 last_zxid;	/* last applied */
	zk_db_applied_fn	 applied;	/* or NULL (zk_db_init's) */
	void			*applied_arg;
};

/* What a txn did, for the reply and for watches. */
struct zk_result {
	int		 err;		/* ZK_OK or the reason it failed */
	char		*path;		/* create: created path (owned) */
	int32_t		 parents;	/* create with ZK_CREATE_PARENTS:
					   missing ancestors it made, the
					   path's nearest ones */
	struct zk_stat	 stat;		/* create, setData: the new stat */
	char		**deleted;	/* closeSession: ephemerals removed (owned) */
	size_t		 ndeleted;
	struct zk_result *ops;		/* multi, all applied: one per op */
	size_t		 nops;
	int32_t		 fail_index;	/* multi: the op that failed; else -1 */
};

/* An empty db, with no applied hook. */
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
 * session (deadline now_ms + timeout; ids 0 and ZK_CONTAINER_OWNER are
 * ZK_EBADARGUMENTS). closeSession deletes the session's ephemerals
 * (res->deleted, sorted with strcmp) and removes it; an unknown session
 * is ZK_ESESSIONEXPIRED; containers stay. A create with
 * ZK_CREATE_CONTAINER and ZK_CREATE_EPHEMERAL or ZK_CREATE_SEQUENTIAL is
 * ZK_EBADARGUMENTS. deleteContainer deletes path as delete does if it is
 * a container without children, else fails with ZK_ENONODE (missing),
 * ZK_ENOTEMPTY (children) or ZK_EBADARGUMENTS (not a container), checked
 * in that order. A multi applies its ops (check, create, setData,
 * delete, each as alone, under the multi's zxid, time and session; check:
 * ZK_ENONODE, or ZK_EBADVERSION unless version is -1) in order, each
 * seeing those before; any other op type is ZK_EBADARGUMENTS. If op k
 * fails, all the ops before it are undone exactly (tree, stats, digest,
 * sessions' ephemerals), res->err is op k's error and res->fail_index k;
 * else res->ops holds one result per op (path for a create, stat for a
 * create or setData). An unknown type is ZK_EUNIMPLEMENTED. A create
 * with ZK_CREATE_PARENTS counts the ancestors it made in res->parents
 * (watch events are due for them too, events.h).
 * res->fail_index is -1 but for a failed multi (e's message then
 * starts "op K: "). Every applied txn, failed or not, sets last_zxid,
 * then the applied hook (if set) is called with t and res.
 */
int		 zk_db_apply(struct zk_db *db, const struct zk_txn *t,
		    int64_t now_ms, struct zk_result *res, struct zk_error *e);

void		 zk_result_close(struct zk_result *res);

/*
 * Whether path is a container with no children that has had one
 * (cversion > 0): one the leader should delete. The server asks after
 * applying a txn, for the parents of the nodes it deleted, and proposes a
 * deleteContainer for each; a container never given a child stays, as in
 * ZooKeeper (whose ContainerManager also waits for cversion > 0).
 */
int		 zk_db_is_empty_container(const struct zk_db *db,
		    const char *path);

/*
 * Rebuilds every session's ephemerals list from the tree's ephemeral
 * owners (containers are no session's), after a snapshot has loaded the nodes (zk_tree_load) and the
 * sessions (zk_sessions_add) in any order. ZK_ECORRUPT if a node's owner
 * is not a session.
 */
int		 zk_db_index_ephemerals(struct zk_db *db, struct zk_error *e);

#endif
