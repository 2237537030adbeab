/*
 * The client session on libevent: a connect string of several servers
 * (start at a random one, move on when one fails), session establishment,
 * pings at a third of the timeout, reconnection with the same session id
 * and password, and pipelined asynchronous requests with callbacks.
 * client_sync.h is the small blocking layer the one-shot tools use.
 *
 * Invariants:
 *  (1) Every submitted request gets exactly one callback: its reply, or
 *      ZK_ECONNLOSS when the connection carrying it was lost (outcome
 *      unknown), or ZK_ESESSIONEXPIRED once the session is gone.
 *  (2) Replies come back in submission order (the server is FIFO per
 *      session); events are delivered before the reply that follows them.
 *  (3) A reconnect presents the last zxid seen, so a server that is behind
 *      refuses the session and the client moves on: time never goes back.
 *  (4) Watches outlive a connection (client_watch.c): when the session is
 *      resumed elsewhere, the one-shot watches still armed are set again
 *      with the last zxid seen (setWatches: those whose nodes changed since
 *      fire at once) and each persistent watch is added again from the
 *      last event delivered for it, so that no event is lost or repeated
 *      while the server still holds the events since.
 */
#ifndef ZK_CLIENT_H
#define ZK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "error.h"
#include "proto.h"
#include "servers.h"	/* zk_servers_parse, zk_client_resolve */

enum zk_client_state {
	ZK_STATE_CONNECTING	= 1,	/* no session yet, or reconnecting */
	ZK_STATE_CONNECTED	= 2,	/* session established */
	ZK_STATE_EXPIRED	= 3,	/* session gone for good */
	ZK_STATE_CLOSED		= 4,	/* closed by us */
	ZK_STATE_FAILED		= 5,	/* gave up: no server reachable in time */
};

struct zk_client_opts {
	const char	*servers;		/* "h:p,h:p"; NULL: $ZK_SERVERS or 127.0.0.1:2181 */
	int32_t		 session_timeout_ms;	/* requested; 0: 10000 */
	int64_t		 connect_timeout_ms;	/* give up when no session this long; 0: never */
	int		 start_at;		/* 0: a random server first; n > 0:
						   the n-th of the list (mod its length) */
};

struct zk_client;

/* rep is borrowed for the call; rep->err says how it went. */
typedef void	(*zk_reply_fn)(struct zk_client *c, const struct zk_reply *rep,
		    void *arg);
/*
 * State changes and watch events (rep->xid == ZK_XID_EVENT, state
 * unchanged): event_type, path, zxid, event_index, and data when the
 * watch asked for it. An event with err set (ZK_EHISTORY) says a
 * persistent watch on path could not be added again after a reconnect:
 * the events since were no longer held; the watch is dropped.
 */
typedef void	(*zk_watch_fn)(struct zk_client *c, int state,
		    const struct zk_reply *event, void *arg);

/*
 * A new client that starts connecting at once. Errors: ZK_EBADARGUMENTS
 * for a connect string that does not parse.
 */
struct zk_client *zk_client_new(struct event_base *base,
		    const struct zk_client_opts *opts, zk_watch_fn watch,
		    void *arg, struct zk_error *e);

/*
 * Sends req (its xid is assigned here; req is borrowed for the call).
 * Requests submitted before the session is up wait for it. fn is called
 * once (invariant (1)).
 */
void		 zk_client_submit(struct zk_client *c, const struct zk_request *req,
		    zk_reply_fn fn, void *arg);

/* Where an event stream is: after the event (zxid, index). */
struct zk_evpos {
	int64_t		 zxid;
	int32_t		 index;		/* ZK_EVINDEX_ALL: after all of zxid */
};

/* Is the event (zxid, index) after p? Everything is after NULL. */
int		 zk_evpos_after(const struct zk_evpos *p, int64_t zxid,
		    int32_t index);

/*
 * Adds a persistent watch (mode ZK_WATCH_PERSISTENT or ZK_WATCH_RECURSIVE,
 * want_data: events carry the new data) on path and keeps it, invariant
 * (4). since (NULL: none) first replays the events after it; they come,
 * through the watch fn, before fn's reply. fn (NULL: none) gets the reply:
 * ZK_OK with rep->zxid (every later event is after it), ZK_EHISTORY, or
 * another error; the watch is kept only on ZK_OK.
 */
void		 zk_client_add_watch(struct zk_client *c, const char *path,
		    int mode, int want_data, const struct zk_evpos *since,
		    zk_reply_fn fn, void *arg);

/*
 * Removes this client's watches on path of mode (proto.h ZK_WATCH_*),
 * here and on the server; fn gets ZK_OK or ZK_ENOWATCHER.
 */
void		 zk_client_remove_watch(struct zk_client *c, const char *path,
		    int mode, zk_reply_fn fn, void *arg);

/* Sends closeSession; state goes to ZK_STATE_CLOSED when it is answered. */
void		 zk_client_close(struct zk_client *c);

/* Frees at once; outstanding callbacks get ZK_ECONNLOSS first. */
void		 zk_client_free(struct zk_client *c);

int		 zk_client_state(const struct zk_client *c);
int64_t		 zk_client_session_id(const struct zk_client *c);
int64_t		 zk_client_last_zxid(const struct zk_client *c);
/* "host:port" of the current server, or "" */
const char	*zk_client_server(const struct zk_client *c);
/* Outstanding requests not yet answered. */
size_t		 zk_client_pending(const struct zk_client *c);

/*
 * Why the client reached a terminal state: ZK_EUNREACHABLE (FAILED, no
 * server accepted a session), ZK_ETIMEOUT (FAILED, a server accepted the
 * connection but did not answer in time), ZK_ESESSIONEXPIRED (EXPIRED),
 * ZK_ECONNLOSS (CLOSED); ZK_OK while connecting or connected.
 */
int		 zk_client_error(const struct zk_client *c);
/* The negotiated session timeout once connected, else the requested one. */
int32_t		 zk_client_session_timeout(const struct zk_client *c);

#endif
