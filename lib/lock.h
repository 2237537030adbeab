/*
 * The lock recipe: a fair, herd-free distributed lock, exclusive or
 * shared, after ZooKeeper's "Locks" and "Shared Locks" recipes; and the
 * contender queue under it that the election recipe (campaign.h) shares.
 *
 * A lock is a container node DIR. Each contender creates an ephemeral
 * sequential child "KIND-SSSSSSSSSSSSSSSS-NNNNNNNNNN": KIND is "write" or
 * "read" ("candidate" for an election), S its session id in 16 hex digits,
 * N the sequence number the server appends. Contenders are ordered by N.
 * An exclusive contender holds the lock when no child comes before its
 * own; a shared one when no "write" child does. Each waiter watches one
 * node only, the one it waits for, so a release wakes one waiter (or the
 * readers right behind a writer), never the herd. share/doc/recipes.md
 * has the whole protocol.
 *
 * Invariants:
 *  (1) A session keeps at most one child in DIR. A create whose
 *      connection was lost is looked for, by the session id in the name,
 *      before it is tried again (the first found is kept, others go); a
 *      lost create applied only after that look shows up as a second
 *      child of our session, which the wait deletes when it sees it.
 *  (2) Exclusive holders never overlap while their sessions live: a
 *      holder's child precedes every later contender's, and it goes only
 *      when the holder deletes it or its session ends.
 *  (3) The token, our child's czxid, strictly grows in the order in which
 *      exclusive holders acquire: the order of the children is the order
 *      of their creates, and zxids grow with every txn.
 *  (4) A contender that gives up (busy, timed out, a signal) deletes its
 *      child before it returns, or, cut off from the ensemble, leaves it
 *      to its session's end: nobody waits for ever behind a contender
 *      that is gone.
 *  (5) A waiter whose predecessor was the first child when it looked
 *      holds the lock (both rules) as soon as that child's deletion event
 *      comes, with nothing else in between, without looking again: the
 *      server numbers children in increasing order, so none can have come
 *      in front since; our own child is still there unless its session
 *      ended (then no event comes) or somebody deleted it (which a holder
 *      does not notice either). Not when a create of ours may still land
 *      late (twin): that child must be seen and deleted first. Saves a
 *      round trip on every hand-off.
 */
#ifndef ZK_LOCK_H
#define ZK_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "client_sync.h"
#include "error.h"
#include "util.h"

#define ZK_LOCK_WRITE	"write"		/* exclusive contender's kind */
#define ZK_LOCK_READ	"read"		/* shared contender's kind */

/* A child of DIR in the recipes' form, parsed. */
struct zk_lock_child {
	char		*name;		/* owned */
	char		 kind[16];	/* "write", "read", "candidate" */
	int64_t		 session;	/* from the name */
	int64_t		 seq;		/* the server's sequence number */
};

/*
 * The children of dir in the recipes' form, in sequence order (names of
 * any other form are left out). With watch, a child watch is left on dir.
 * *v is new: zk_lock_children_free(). ZK_ENONODE when dir is missing.
 */
int		 zk_lock_children(struct zk_sync *s, const char *dir,
		    int watch, struct zk_lock_child **v, size_t *n,
		    struct zk_error *e);
void		 zk_lock_children_free(struct zk_lock_child *v, size_t n);

/* Our place in a queue: our child of dir. */
struct zk_lock_node {
	char		*dir;		/* the container, as given (owned) */
	char		*path;		/* dir/name of our child (owned) */
	const char	*name;		/* its last component, in path */
	int64_t		 seq;		/* its sequence number */
	int64_t		 czxid;		/* its czxid: the fencing token */
	int		 twin;		/* a create of ours lost with its
					   connection may still be applied
					   (invariant (1)) */
};

/*
 * Creates our child of dir, of kind, holding data: dir is made first as
 * a container (missing parents persistent) when it is missing or was
 * just removed by the server; invariant (1) across a lost connection.
 * deadline_ms (zk_now_mono_ms time; 0: none) bounds the retries.
 * n is filled; zk_lock_node_close() frees it.
 */
int		 zk_lock_node_create(struct zk_sync *s, const char *dir,
		    const char *kind, const void *data, size_t len,
		    int64_t deadline_ms, struct zk_lock_node *n,
		    struct zk_error *e);

/*
 * Deletes our child (a missing one is no error: it was ours alone, so
 * trying again after a lost connection is safe).
 */
int		 zk_lock_node_delete(struct zk_sync *s, struct zk_lock_node *n,
		    struct zk_error *e);
void		 zk_lock_node_close(struct zk_lock_node *n);

/* Whom a contender waits for, given the children in order. */
typedef const struct zk_lock_child *(*zk_lock_rule_fn)(
		    const struct zk_lock_child *v, size_t at);

/*
 * Waits until rule(children, our index) returns NULL, watching only the
 * child it names each time (exists with a watch; again after each event
 * or reconnect). A child of ours missing from the list means
 * ZK_ESESSIONEXPIRED when the session expired, else ZK_ENONODE (someone
 * deleted it). When the wait ends early the child stays: the caller
 * decides (invariant (4)).
 * Returns ZK_OK; ZK_ENODEEXISTS (the answer is no) when busy_ms (-1:
 * never) passed first, with 0 at once; ZK_ETIMEOUT at deadline_ms (0:
 * none); ZK_ESYSTEM "interrupted by signal N" when a signal caught by
 * zk_sync_catch_signals came; or a call's error.
 */
int		 zk_lock_wait(struct zk_sync *s, struct zk_lock_node *n,
		    zk_lock_rule_fn rule, int64_t busy_ms, int64_t deadline_ms,
		    struct zk_error *e);

/* The two rules of the lock: the child just before; the last writer before. */
const struct zk_lock_child *zk_lock_rule_exclusive(
		    const struct zk_lock_child *v, size_t at);
const struct zk_lock_child *zk_lock_rule_shared(
		    const struct zk_lock_child *v, size_t at);

/*
 * Invariant (4) for a contender that gives up: deletes our child while
 * the session is connected; otherwise the child goes with the session
 * (closed, or expired), since waiting for a connection could be for ever.
 * n is left as it is.
 */
void		 zk_lock_leave(struct zk_sync *s, struct zk_lock_node *n,
		    struct zk_error *e);

/*
 * How long a holder may stay disconnected before it must assume that
 * its session, and so its lock or leadership, may be gone: for
 * zk_ops_hold. The server expires the session a session timeout T after
 * it last heard from us; the client finds a silent connection lost 2T/3
 * after its last answer; so T/4 more (less than the T/3 left, for the
 * hold's tick and the signal) stops CMD before another can take over. A
 * failover quicker than that costs nothing: the session carries on.
 */
int32_t		 zk_lock_hold_ms(struct zk_sync *s);

/* How to take a lock. */
struct zk_lock_opts {
	int		 shared;	/* a read lock */
	int64_t		 busy_ms;	/* give up, busy: 0 at once, -1 never */
	int64_t		 timeout_ms;	/* give up, ZK_ETIMEOUT; 0: never */
};

/*
 * Takes the lock at dir: n is our child (holding it: its czxid is the
 * token). On anything but ZK_OK our child is deleted again (invariant
 * (4)) and n holds nothing. Errors as zk_lock_wait's.
 */
int		 zk_lock_acquire(struct zk_sync *s, const char *dir,
		    const struct zk_lock_opts *o, struct zk_lock_node *n,
		    struct zk_error *e);

/*
 * One record a recipe prints, in format fmt (output.h's enum zk_fmt):
 * text "VALUE\n"; json {"path": PATH, KEY: VALUE} (a string value that
 * is not UTF-8 goes as KEY_b64, base64); msgpack the same map.
 */
struct zk_lock_out {
	const char	*path;		/* the lock or election */
	const char	*key;		/* "token", "leader" */
	const char	*str;		/* a string value, or NULL */
	size_t		 len;		/* bytes of str */
	int64_t		 num;		/* the value when str is NULL */
	int		 null;		/* no value: text "", json null */
};

void		 zk_lock_format(struct zk_buf *b, int fmt,
		    const struct zk_lock_out *o);

#endif
