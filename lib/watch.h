/*
 * The watch table of one server: which owners (the server's connections,
 * opaque here) want an event when a node changes, with ZooKeeper's
 * one-shot rule. A pure data structure: no I/O, no clock.
 *
 * Invariants:
 *  (1) One-shot: a watch that fired is gone; the owner re-arms it by
 *      reading again.
 *  (2) One trigger reaches each owner at most once, even if it held both
 *      kinds on that path.
 *  (3) DELETED fires both kinds; CREATED and CHANGED fire only data
 *      watches; CHILDREN fires only child watches.
 *  (4) drop_owner leaves no watch of that owner and touches no other's.
 *  (5) count is the number of (path, kind, owner) watches held, and
 *      count_owner the same for one owner.
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

/* Removes every watch owner holds (its connection closed). O(all watches). */
void		 zk_watches_drop_owner(struct zk_watches *w, void *owner);

typedef void (*zk_watch_fire_fn)(void *owner, int type, const char *path,
		    void *arg);

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

/* (path, kind, owner) watches held. */
size_t		 zk_watches_count(const struct zk_watches *w);
/* Watches one owner holds; O(all watches), for stats and tests. */
size_t		 zk_watches_count_owner(const struct zk_watches *w, void *owner);

#endif
