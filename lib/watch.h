/*
 * The watch table of one server: which owners (the server's connections,
 * opaque here) want an event when a node changes, with ZooKeeper's
 * one-shot rule, and the persistent and recursive watches of addWatch
 * beside them. A pure data structure: no I/O, no clock.
 *
 * Invariants:
 *  (1) One-shot: a watch that fired is gone; the owner re-arms it by
 *      reading again.
 *  (2) One trigger reaches each owner at most once, even if it held both
 *      kinds on that path.
 *  (3) DELETED fires both kinds; CREATED and CHANGED fire only data
 *      watches; CHILDREN fires only child watches.
 *  (4) drop_owner leaves no watch of that owner, one-shot or persistent,
 *      and touches no other's.
 *  (5) count is the number of (path, kind, owner) one-shot watches plus
 *      (path, mode, owner) persistent ones held, and count_owner the same
 *      for one owner.
 *  (6) Persistent watches never fire through zk_watches_trigger, nor
 *      one-shot ones through zk_watches_match_persistent.
 */
#ifndef ZK_WATCH_H
#define ZK_WATCH_H

#include <stddef.h>

#include "proto.h"

enum zk_watch_kind {
	ZK_WATCH_DATA = 1,	/* set by getData or exists: created, deleted, changed */
	ZK_WATCH_CHILD = 2,	/* set by getChildren: children changed, deleted */
};

struct zk_watches;

struct zk_watches *zk_watches_new(void);
void		 zk_watches_free(struct zk_watches *w);

/*
 * A one-shot watch of kind on path for owner; the same (path, kind, owner)
 * twice is one watch. path is copied.
 */
void		 zk_watches_add(struct zk_watches *w, const char *path, int kind,
		    void *owner);

/*
 * Removes every watch owner holds, one-shot and persistent (its
 * connection closed). O(all watches).
 */
void		 zk_watches_drop_owner(struct zk_watches *w, void *owner);

typedef void (*zk_watch_fire_fn)(void *owner, int type, const char *path,
		    void *arg);

/*
 * Persistent watches (ZooKeeper 3.6's addWatch): mode ZK_WATCH_PERSISTENT
 * or ZK_WATCH_RECURSIVE, never removed by firing. The same (path, mode,
 * owner) twice is one watch (its want_data is the latest). They count in
 * count and count_owner like one-shot ones.
 */
void		 zk_watches_add_persistent(struct zk_watches *w, const char *path,
		    int mode, int want_data, void *owner);

/*
 * Removes owner's watches on path of mode: ZK_WATCH_PERSISTENT,
 * ZK_WATCH_RECURSIVE, ZK_WATCH_ONESHOT_DATA, ZK_WATCH_ONESHOT_CHILD or
 * ZK_WATCH_ANY (all of them). Returns how many went (0 for another
 * mode). O(watches on path).
 */
size_t		 zk_watches_remove(struct zk_watches *w, const char *path,
		    int mode, void *owner);

typedef void (*zk_watch_match_fn)(void *owner, int want_data, void *arg);

/*
 * Calls fn once per owner holding a persistent watch that sees an event
 * of type on path (events.h zk_event_matches): persistent ones on path,
 * recursive ones on path or any ancestor. want_data is 1 when any of the
 * owner's matching watches asked for data. Owners in no particular order.
 * Other types match nothing. fn may not change the table.
 * O(length of path + matches), however many watches are held.
 */
void		 zk_watches_match_persistent(struct zk_watches *w,
		    const char *path, int type, zk_watch_match_fn fn, void *arg);

/* Persistent watches held (of all owners): skip the matching when 0. */
size_t		 zk_watches_count_persistent(const struct zk_watches *w);

/*
 * Calls fn for each persistent watch owner holds (path, mode, want_data):
 * for tests and status. fn may not change the table.
 */
void		 zk_watches_each_persistent(const struct zk_watches *w,
		    void *owner, void (*fn)(void *arg, const char *path,
		    int mode, int want_data), void *arg);

/*
 * The event type (enum zk_event_type) happened to path: fires and removes
 * every watch it triggers, calling fn once per owner for that path and
 * type, in the order the owners first added a watch there. CREATED and
 * CHANGED trigger data watches, CHILDREN child watches, DELETED both.
 * fn may call zk_watches_add (a client re-arming from its callback) but not
 * drop_owner or free; watches added during the call do not fire in it.
 * O(watches on path).
 */
void		 zk_watches_trigger(struct zk_watches *w, const char *path,
		    int type, zk_watch_fire_fn fn, void *arg);

/* Watches held, one-shot and persistent, (5). */
size_t		 zk_watches_count(const struct zk_watches *w);
/* Watches one owner holds; O(all watches), for stats and tests. */
size_t		 zk_watches_count_owner(const struct zk_watches *w, void *owner);

/*
 * Keeps each owner's count exact where the owner says, in O(1) per
 * change: from now on every add, fire and removal adds to or takes from
 * *counter(owner), so that it equals count_owner for every owner whose
 * count started at 0 with no watches. NULL stops it. Set it on an empty
 * table.
 */
void		 zk_watches_count_into(struct zk_watches *w,
		    size_t *(*counter)(void *owner));

#endif
