/*
 * A persistent watch as an endless stream of events that outlives its
 * session: zk-watch's engine. It owns the client, adds the watch
 * (optionally replaying from a zxid first), passes each event on once and
 * in order, and when the session is gone for good it starts a new one and
 * adds the watch again from where the stream stood.
 *
 * A lost connection is the client library's to mend (client.h invariant
 * (4): it adds the watch again from the last event it delivered); this
 * file handles what the library cannot: an expired session, and a first
 * connection bounded in time.
 *
 * Invariants:
 *  (1) Events reach the event fn in (zxid, index) order, each once: one
 *      that is not after the stream's position is dropped, whatever the
 *      server or the library sends.
 *  (2) The position is the last event taken in (passed on, or queued to
 *      be); or, once an addWatch was answered, that reply's zxid with
 *      ZK_EVINDEX_ALL when it is later (the server sends every event up
 *      to a reply's zxid before the reply); or the since the stream was
 *      started with; or none.
 *  (3) When a session expires (or a client gives up after the first
 *      session), a new client adds the watch from the position: nothing is
 *      lost or repeated while a server still holds the events since.
 *  (4) Only the first connection is bounded (connect_timeout_ms); later
 *      ones are waited for as long as it takes.
 *  (5) The fail fn is called at most once; after it, and after
 *      zk_watchstream_close(), no fn is called again.
 *  (6) While held, events wait in order in a queue (copies); a release
 *      passes them on from the loop, never inside the call.
 */
#ifndef ZK_WATCHSTREAM_H
#define ZK_WATCHSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "client.h"
#include "error.h"
#include "proto.h"

struct zk_watchstream_opts {
	const char	*servers;		/* NULL: $ZK_SERVERS or default */
	int32_t		 session_timeout_ms;	/* 0: the client's default */
	int64_t		 connect_timeout_ms;	/* first session only; 0: none */
	const char	*path;			/* the watched node (copied) */
	int		 mode;			/* ZK_WATCH_PERSISTENT, _RECURSIVE */
	int		 want_data;		/* events carry the new data */
	const struct zk_evpos *since;		/* replay after it; NULL: from now */
};

struct zk_watchstream;

/*
 * An event: ev->zxid, event_index, event_type, path and (with want_data,
 * for created and changed) data; borrowed for the call.
 */
typedef void	(*zk_watchstream_event_fn)(void *arg,
		    const struct zk_reply *ev);
/*
 * The stream has ended for good: e->code is ZK_EHISTORY (the events
 * since the position are no longer held), ZK_ETIMEOUT or ZK_EUNREACHABLE
 * (no first session in time), or the server's refusal of the watch.
 * subject is what the error is about: the watched path, or the servers.
 */
typedef void	(*zk_watchstream_fail_fn)(void *arg, const char *subject,
		    const struct zk_error *e);

/*
 * Starts connecting on base at once. Errors: ZK_EBADARGUMENTS (connect
 * string), ZK_ESYSTEM.
 */
struct zk_watchstream *zk_watchstream_new(struct event_base *base,
		    const struct zk_watchstream_opts *o,
		    zk_watchstream_event_fn event, zk_watchstream_fail_fn fail,
		    void *arg, struct zk_error *e);

/* Invariant (6): 1 queues events from now on, 0 lets them flow again. */
void		 zk_watchstream_hold(struct zk_watchstream *ws, int hold);

/*
 * Ends the stream: no fn is called from now on (invariant (5)) and the
 * session is closed (closeSession, so the server drops the watch at once).
 * Run the loop until zk_watchstream_closed() to let that go out.
 */
void		 zk_watchstream_close(struct zk_watchstream *ws);

/* 1 when nothing is left to send: the close was answered or is moot. */
int		 zk_watchstream_closed(const struct zk_watchstream *ws);

/* Closes and runs the loop until that is done or ms passed. */
void		 zk_watchstream_close_wait(struct zk_watchstream *ws,
		    int64_t ms);

void		 zk_watchstream_free(struct zk_watchstream *ws);

#endif
