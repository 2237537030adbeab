/*
 * The election recipe, after ZooKeeper's "Leader Election": candidates
 * queue under a container DIR exactly as lock contenders do (lock.h), as
 * "candidate-SSSSSSSSSSSSSSSS-NNNNNNNNNN" children holding their ids; the
 * candidate with the lowest sequence number leads, and each of the others
 * watches only the candidate just before it. Listeners read the leader
 * (the data of the lowest child) and watch the child list.
 *
 * Invariants:
 *  (1) At most one candidate whose session lives believes it leads: the
 *      lowest child; a later one leads only once every child before it
 *      is gone (deleted, or its session expired). lock.h (2) and (3)
 *      hold: a new leader's node has a greater czxid than every earlier
 *      leader's, so the czxid is a fencing token for leadership too.
 *  (2) A listener reports the leader after every change of the child
 *      list it has seen, and never the same leader twice in a row.
 */
#ifndef ZK_CAMPAIGN_H
#define ZK_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "client_sync.h"
#include "error.h"
#include "lock.h"

#define ZK_CAMPAIGN_KIND	"candidate"

/*
 * Joins the election at dir with id (len bytes) as our data and waits
 * until we lead: ZK_OK and n our candidate node (its czxid the token;
 * zk_lock_node_delete resigns). timeout_ms (0: never) gives ZK_ETIMEOUT;
 * other errors as zk_lock_wait's. On an error our node is gone again.
 */
int		 zk_campaign_run(struct zk_sync *s, const char *dir,
		    const void *id, size_t len, int64_t timeout_ms,
		    struct zk_lock_node *n, struct zk_error *e);

/*
 * The current leader's id: ZK_OK and *id, a new NUL-terminated string
 * of *len bytes (free()); ZK_ENONODE "no leader" when dir is missing or
 * holds no candidate. With watch, a watch is left that fires when that
 * may change: on the child list, or on dir's creation when it is missing.
 */
int		 zk_campaign_leader(struct zk_sync *s, const char *dir,
		    int watch, char **id, size_t *len, struct zk_error *e);

/*
 * Called with the leader's id (NULL, 0: none) at first and after each
 * change; anything but ZK_OK stops the listening and is returned.
 */
typedef int	(*zk_campaign_fn)(void *arg, const char *id, size_t len);

/*
 * Listens at dir until fn stops it or a call fails (invariant (2)).
 */
int		 zk_campaign_listen(struct zk_sync *s, const char *dir,
		    zk_campaign_fn fn, void *arg, struct zk_error *e);

#endif
