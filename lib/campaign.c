/*
 * The election recipe over lock.c's contender queue: campaigning is
 * queueing as an exclusive contender that never gives up; leading is
 * holding; the leader is whoever holds. See campaign.h for the
 * invariants and share/doc/recipes.md for the protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "client_sync.h"
#include "lock.h"
#include "util.h"

#define LEADER_TRIES	20	/* the lowest child went while we read it */

int
zk_campaign_run(struct zk_sync *s, const char *dir, const void *id,
    size_t len, int64_t timeout_ms, struct zk_lock_node *n,
    struct zk_error *e)
{
	struct zk_error	 e2;
	int64_t		 deadline = 0;
	int		 rc;

	if (timeout_ms > 0)
		deadline = zk_now_mono_ms() + timeout_ms;
	rc = zk_lock_node_create(s, dir, ZK_CAMPAIGN_KIND, id, len, deadline,
	    n, e);
	if (rc != ZK_OK)
		return rc;
	rc = zk_lock_wait(s, n, zk_lock_rule_exclusive, -1, deadline, e);
	if (rc != ZK_OK) {
		zk_lock_leave(s, n, &e2);
		zk_lock_node_close(n);
	}
	return rc;
}

/* The first candidate among v, or NULL. */
static const struct zk_lock_child *
first(const struct zk_lock_child *v, size_t cnt)
{
	size_t	 i;

	for (i = 0; i < cnt; i++)
		if (strcmp(v[i].kind, ZK_CAMPAIGN_KIND) == 0)
			return &v[i];
	return NULL;
}

/*
 * A getChildren of a missing node leaves no watch (as in ZooKeeper): an
 * exists watch waits for dir instead. 1 when dir turned up meanwhile.
 */
static int
watch_dir(struct zk_sync *s, const char *dir, struct zk_error *e)
{
	int	 rc;

	rc = zk_sync_exists_watch(s, dir, NULL, e);
	if (rc == ZK_OK)
		return 1;
	return rc == ZK_ENONODE ? 0 : rc;
}

int
zk_campaign_leader(struct zk_sync *s, const char *dir, int watch, char **id,
    size_t *len, struct zk_error *e)
{
	const struct zk_lock_child	*c;
	struct zk_lock_child		*v;
	size_t				 cnt, dn = strlen(dir);
	char				*p;
	int				 rc, tries;

	*id = NULL;
	*len = 0;
	for (tries = 0; tries < LEADER_TRIES; tries++) {
		rc = zk_lock_children(s, dir, watch, &v, &cnt, e);
		if (rc == ZK_ENONODE && watch) {
			if ((rc = watch_dir(s, dir, e)) == 1)
				continue;
			if (rc != 0)
				return rc;
			rc = ZK_ENONODE;
		}
		if (rc == ZK_ENONODE)
			return zk_error_set(e, ZK_ENONODE, "no leader");
		if (rc != ZK_OK)
			return rc;
		if ((c = first(v, cnt)) == NULL) {
			zk_lock_children_free(v, cnt);
			return zk_error_set(e, ZK_ENONODE, "no leader");
		}
		p = zk_xmalloc(dn + strlen(c->name) + 2);
		strcpy(p, strcmp(dir, "/") == 0 ? "" : dir);
		strcat(p, "/");
		strcat(p, c->name);
		zk_lock_children_free(v, cnt);
		rc = zk_sync_get(s, p, id, len, NULL, e);
		free(p);
		/* It went between the two reads: the next one leads. */
		if (rc != ZK_ENONODE)
			return rc;
	}
	return zk_error_set(e, ZK_ENONODE, "no leader: the candidates kept "
	    "changing");
}

static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

int
zk_campaign_listen(struct zk_sync *s, const char *dir, zk_campaign_fn fn,
    void *arg, struct zk_error *e)
{
	unsigned long	 mark;
	char		*last = NULL, *id;
	size_t		 lastlen = 0, len;
	int		 rc, told = 0;

	for (;;) {
		mark = zk_sync_mark(s);
		rc = zk_campaign_leader(s, dir, 1, &id, &len, e);
		if (rc != ZK_OK && rc != ZK_ENONODE)
			break;
		/* Invariant (2): the same leader again is no change. */
		if (!told || !same(id, len, last, lastlen)) {
			told = 1;
			free(last);
			last = id;
			lastlen = len;
			if ((rc = fn(arg, id, len)) != ZK_OK)
				break;
		} else
			free(id);
		(void)zk_sync_wait_change(s, mark, 0);
	}
	free(last);
	return rc;
}
