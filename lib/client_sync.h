/*
 * The blocking layer over client.h that the one-shot tools use: each call
 * runs the event loop until its reply arrives or the deadline passes.
 */
#ifndef ZK_CLIENT_SYNC_H
#define ZK_CLIENT_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "error.h"
#include "proto.h"

struct zk_sync;

/*
 * Connects and waits for the session. timeout_ms bounds connecting and
 * every later call (0: none). Errors: ZK_EUNREACHABLE (no server answered
 * in time... when the time is spent on unreachable servers), ZK_ETIMEOUT,
 * ZK_EBADARGUMENTS (connect string).
 */
struct zk_sync	*zk_sync_connect(const char *servers, int32_t session_timeout_ms,
		    int64_t timeout_ms, struct zk_error *e);

/* Closes the session (closeSession, so ephemerals go at once) and frees. */
void		 zk_sync_close(struct zk_sync *s);

/* The loop and client underneath, for tools that wait on more (stdin, a child). */
struct event_base *zk_sync_base(struct zk_sync *s);
struct zk_client *zk_sync_client(struct zk_sync *s);

/*
 * One request, waiting for its reply. ZK_OK when a reply came (rep->err
 * says whether the server said yes; the return is rep->err), else the
 * connection-level error. rep is the caller's to zk_reply_close().
 */
int		 zk_sync_call(struct zk_sync *s, const struct zk_request *req,
		    struct zk_reply *rep, struct zk_error *e);

/* Conveniences; out-parameters may be NULL. Strings are new (free()). */
int		 zk_sync_get(struct zk_sync *s, const char *path, char **data,
		    size_t *len, struct zk_stat *st, struct zk_error *e);
int		 zk_sync_exists(struct zk_sync *s, const char *path,
		    struct zk_stat *st, struct zk_error *e);
/* names: a new array of new strings, sorted; free with zk_names_free. */
int		 zk_sync_children(struct zk_sync *s, const char *path,
		    char ***names, size_t *count, struct zk_stat *st,
		    struct zk_error *e);
int		 zk_sync_create(struct zk_sync *s, const char *path,
		    const void *data, size_t len, int flags, char **created,
		    struct zk_stat *st, struct zk_error *e);
int		 zk_sync_set(struct zk_sync *s, const char *path, const void *data,
		    size_t len, int32_t version, struct zk_stat *st,
		    struct zk_error *e);
int		 zk_sync_delete(struct zk_sync *s, const char *path,
		    int32_t version, struct zk_error *e);
int		 zk_sync_sync(struct zk_sync *s, const char *path,
		    struct zk_error *e);
/*
 * Waits until path exists: exists with a watch, and again after each
 * event or reconnect, within the call timeout in all (0: for ever).
 * ZK_OK once it exists; ZK_ETIMEOUT; or the error of an exists.
 */
int		 zk_sync_wait_exists(struct zk_sync *s, const char *path,
		    struct zk_error *e);

/*
 * The same reads leaving a one-shot watch on path: exists (set even when
 * the node is missing, so its creation fires it) and children. A watch
 * fires once, with an event through the client; zk_sync_wait_change
 * sees it.
 */
int		 zk_sync_exists_watch(struct zk_sync *s, const char *path,
		    struct zk_stat *st, struct zk_error *e);
int		 zk_sync_children_watch(struct zk_sync *s, const char *path,
		    char ***names, size_t *count, struct zk_stat *st,
		    struct zk_error *e);

/*
 * Waiting on the tree: take a mark, make the reads that leave watches,
 * then wait for anything after the mark. Watch events, session state
 * changes (a reconnect loses nothing, client.h (4), but may have missed
 * a change: look again) and caught signals all count.
 */
unsigned long	 zk_sync_mark(const struct zk_sync *s);
/*
 * Runs the loop until something came after mark, or until deadline_ms
 * (zk_now_mono_ms() time; 0: none) passes: ZK_OK or ZK_ETIMEOUT.
 */
int		 zk_sync_wait_change(struct zk_sync *s, unsigned long mark,
		    int64_t deadline_ms);

/*
 * 1 when the one change after mark was a watch event saying path was
 * deleted: nothing else came, no reconnect, no signal, no other event.
 */
int		 zk_sync_only_deleted(const struct zk_sync *s,
		    unsigned long mark, const char *path);

/*
 * While on, SIGINT, SIGTERM and SIGHUP are caught in the loop and count
 * as changes rather than ending the process, so that a waiter can take
 * back what it put in the tree before it goes. zk_sync_signal says which
 * came last (0: none since it was turned on). Turn it off before
 * zk_ops_hold, which handles those signals itself.
 */
void		 zk_sync_catch_signals(struct zk_sync *s, int on);
int		 zk_sync_signal(const struct zk_sync *s);

void		 zk_names_free(char **names, size_t count);

/*
 * Asks one server for its figures without a session (ZK_OP_STATUS).
 * *json is a new string holding one JSON object.
 */
int		 zk_status_query(const char *server, int64_t timeout_ms,
		    char **json, struct zk_error *e);

#endif
