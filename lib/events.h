/*
 * Watch events: the list of events an applied txn causes, derived the same
 * way on every member, and the window of recent txns' events a server
 * keeps so that a persistent watch re-registered "since" a point replays
 * what it missed, in order. Pure data structures: no I/O, no clock.
 *
 * The events of a txn, in order (index 0, 1, ...):
 *   create            created(path, data), children(parent); first, for
 *                     each ancestor a create with parents made (the
 *                     result's count, top down): created(a), children(
 *                     a's parent)
 *   delete            deleted(path), children(parent)
 *   deleteContainer   deleted(path), children(parent)
 *   setData           changed(path, new data)
 *   closeSession      deleted(p) for each ephemeral removed (in the
 *                     result's order, sorted), then children(parent) once
 *                     per parent, in order of first appearance
 *   multi             the events of each op in turn (check: none)
 *   failed txn, createSession: none
 * A children(parent) event already in the list is not added again, so
 * children(p) appears at most once per txn; the other events appear once
 * per op that caused them (a multi may set a node twice: two changed).
 * "/" has no parent: no children event. A create's path is the result's
 * (res->path, or res->ops[i].path in a multi: sequential suffix included).
 *
 * Invariants:
 *  (1) Deterministic: the list depends only on the txn and its result,
 *      which every member applying the same txns holds alike.
 *  (2) The window holds, for every txn with events whose zxid is above
 *      floor, its whole list; floor only grows (entries leave oldest first
 *      when the window is over its txn count or byte bound).
 *  (3) A replay from (zxid, index) visits exactly the events after it
 *      in (zxid, index) order, or says ZK_EHISTORY when some of them are
 *      no longer held: zxid < floor, or zxid == floor and the floor txn
 *      had events after index (see zk_evwindow_replay).
 */
#ifndef ZK_EVENTS_H
#define ZK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "txn.h"

struct zk_event {
	int		 type;		/* enum zk_event_type */
	char		*path;		/* owned */
	char		*data;		/* created, changed: the data (owned;
					   NULL when empty); else NULL */
	size_t		 data_len;
};

/* The events of one txn. */
struct zk_evlist {
	int64_t		 zxid;
	struct zk_event	*ev;
	size_t		 n;
	size_t		 cap;
};

/*
 * Fills out (zeroed, or emptied by zk_evlist_close) with the events of t,
 * applied with result res (see the table above). Copies what it keeps.
 */
void		 zk_events_of(const struct zk_txn *t, const struct zk_result *res,
		    struct zk_evlist *out);
void		 zk_evlist_close(struct zk_evlist *l);

/*
 * Does a persistent watch (mode ZK_WATCH_PERSISTENT or ZK_WATCH_RECURSIVE)
 * on wpath see an event of type on path? Persistent: created, deleted,
 * changed of wpath, children of wpath. Recursive: created, deleted,
 * changed of wpath and of every node under it; no children events.
 */
int		 zk_event_matches(int mode, const char *wpath, int type,
		    const char *path);

struct zk_evwindow;

/*
 * A window holding at most max_txns txns' events and about max_bytes
 * bytes (paths and data), starting empty with floor = zxid: everything
 * after zxid will be held.
 */
struct zk_evwindow *zk_evwindow_new(size_t max_txns, size_t max_bytes,
		    int64_t floor);
void		 zk_evwindow_free(struct zk_evwindow *w);

/*
 * Takes l's events into the window (l is emptied; its zxid must be above
 * every held one and floor). A txn with no events is not held; one alone
 * larger than max_bytes makes the window hold nothing, floor = its zxid.
 */
void		 zk_evwindow_add(struct zk_evwindow *w, struct zk_evlist *l);

/* Forgets everything: floor = zxid (a member that loaded a snapshot). */
void		 zk_evwindow_reset(struct zk_evwindow *w, int64_t floor);

int64_t		 zk_evwindow_floor(const struct zk_evwindow *w);
size_t		 zk_evwindow_txns(const struct zk_evwindow *w);
size_t		 zk_evwindow_bytes(const struct zk_evwindow *w);

typedef void	(*zk_evwindow_fn)(void *arg, int64_t zxid, int32_t index,
		    const struct zk_event *ev);

/*
 * Invariant (3): calls fn for every held event after (zxid, index)
 * (ZK_EVINDEX_ALL: after all of zxid; a negative index: all of zxid's)
 * that a watch of mode on wpath sees (zk_event_matches), oldest first;
 * index is the event's place in its txn's list. ZK_EHISTORY (nothing
 * called) when zxid < floor, or when zxid == floor and index is before
 * the last event of the txn that left at floor; after new or reset that
 * txn's events are unknown, so at zxid == floor only ZK_EVINDEX_ALL is
 * served. O(log txns + events held after zxid).
 */
int		 zk_evwindow_replay(const struct zk_evwindow *w, int64_t zxid,
		    int32_t index, int mode, const char *wpath, zk_evwindow_fn fn,
		    void *arg, struct zk_error *e);

#endif
