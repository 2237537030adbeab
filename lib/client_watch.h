/*
 * The client's own record of the watches it holds, so that they outlive a
 * connection (client.h invariant (4)). client.c owns one and tells it what
 * happens; this file decides what to send again after a reconnect and
 * which events to pass on. Internal to the client library.
 *
 * Invariants:
 *  (1) A one-shot watch is recorded once the server has confirmed it (the
 *      reply to the read that set it) and forgotten when an event fires
 *      it, as the server's table does (watch.h (1), (3)).
 *  (2) A persistent watch's position is an event it has certainly been
 *      given or passed: the last event delivered for it, or the zxid of a
 *      reply that came after it was registered on this connection (the
 *      server sends every event up to a reply's zxid before the reply).
 *      Re-adding from the position therefore loses and repeats nothing.
 *  (3) An event is passed on unless every persistent watch it matches is
 *      already past it and it fires no one-shot watch: a replay never
 *      shows the user an event twice.
 */
#ifndef ZK_CLIENT_WATCH_H
#define ZK_CLIENT_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "proto.h"
#include "util.h"

/* Replies to these xids are the library's own (ZooKeeper uses -8 too). */
#define ZK_XID_SETWATCHES	(-8)	/* setWatches after a reconnect */
#define ZK_XID_READD		(-9)	/* a persistent watch added again */

/* One-shot kinds as the client knows them. */
#define ZK_CW_DATA	1	/* getData, or exists on a node that exists */
#define ZK_CW_EXIST	2	/* exists on a missing node */
#define ZK_CW_CHILD	3	/* getChildren */

struct zk_cwatch;

struct zk_cwatch *zk_cwatch_new(void);
void		 zk_cwatch_free(struct zk_cwatch *w);

/* The kind of one-shot watch a read sets (0: none), given its reply err. */
int		 zk_cwatch_kind(int op, int err);

/* Invariant (1): the server confirmed a one-shot watch of kind on path. */
void		 zk_cwatch_armed(struct zk_cwatch *w, const char *path, int kind);

/*
 * A persistent watch the user asked for: recorded at once (events replayed
 * before its reply move its position). Returns its handle for the reply.
 */
void		*zk_cwatch_add(struct zk_cwatch *w, const char *path, int mode,
		    int want_data, const struct zk_evpos *since);
/*
 * The reply to the user's addWatch for h (or to its re-add): ZK_OK makes
 * it active at rep->zxid; an error forgets it.
 */
void		 zk_cwatch_added(struct zk_cwatch *w, void *h,
		    const struct zk_reply *rep);
/*
 * The user's addWatch was lost with its connection: h is sent again on
 * the next connection (zk_cwatch_resume), its reply then goes to fn.
 */
void		 zk_cwatch_add_lost(struct zk_cwatch *w, void *h, zk_reply_fn fn,
		    void *arg);

/*
 * The session is over (or the client freed): the user's addWatch calls
 * still waiting to be sent again are answered err. fn may not free c.
 */
void		 zk_cwatch_fail_lost(struct zk_cwatch *w, struct zk_client *c,
		    int err);

/*
 * Forgets the watches on path of mode (ZK_WATCH_*); how many went. A
 * user's addWatch still waiting to be sent again is not answered.
 */
size_t		 zk_cwatch_remove(struct zk_cwatch *w, const char *path, int mode);

/*
 * An event came: updates the record (invariants (1), (2)); 1 when it is
 * to be passed on (invariant (3)), 0 when it is a replayed duplicate.
 */
int		 zk_cwatch_event(struct zk_cwatch *w, const struct zk_reply *ev);

/* A reply at zxid came: active persistent watches are past it. */
void		 zk_cwatch_progress(struct zk_cwatch *w, int64_t zxid);

/*
 * A session was resumed on a new connection: appends to out the frames
 * that set the watches again (an addWatch from its position for each
 * persistent one, then setWatches with last_zxid for the one-shot ones),
 * to go before anything else. Returns how many frames.
 */
size_t		 zk_cwatch_resume(struct zk_cwatch *w, int64_t last_zxid,
		    struct zk_buf *out);

/*
 * The reply to the oldest re-add sent (xid ZK_XID_READD). When the
 * server refused it, *path_out is set to the watch's path (a new string)
 * and the watch is forgotten: the caller tells the user. A re-add of a
 * user's lost addWatch calls the user's fn instead (*fn_out, *arg_out set,
 * *path_out NULL).
 */
void		 zk_cwatch_readd_reply(struct zk_cwatch *w,
		    const struct zk_reply *rep, char **path_out,
		    zk_reply_fn *fn_out, void **arg_out);

/* The record of c (client.c owns it). */
struct zk_cwatch *zk_client_cwatch(struct zk_client *c);

/* Watches recorded (one-shot and persistent), for tests. */
size_t		 zk_cwatch_count(const struct zk_cwatch *w);

#endif
