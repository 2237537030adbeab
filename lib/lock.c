/*
 * The lock recipe and the contender queue it shares with the election:
 * our child of the container (created once, invariant (1)), the ordered
 * children, the wait for the one child we are behind, the two rules of
 * the lock, and the record the tools print. See lock.h for the
 * invariants and share/doc/recipes.md for the protocol.
 *
 * Everything is a sequence of blocking zk_sync calls on the caller's
 * session; a wait runs the loop, so pings go on while we queue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "client.h"
#include "client_sync.h"
#include "lock.h"
#include "output.h"
#include "path.h"
#include "proto.h"
#include "util.h"

#define SEQ_DIGITS	10	/* the server's %010d */
#define SID_DIGITS	16	/* our session id, %016llx */
#define CREATE_TRIES	20	/* container gone, or connection lost, again */
#define DELETE_TRIES	5	/* connection lost under our delete */

static int
all_in(const char *p, size_t n, const char *set)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] == '\0' || strchr(set, p[i]) == NULL)
			return 0;
	return 1;
}

/* "KIND-SSSSSSSSSSSSSSSS-NNNNNNNNNN" into c; 0 for any other name. */
static int
parse_name(const char *name, struct zk_lock_child *c)
{
	size_t	 n = strlen(name), kn;

	if (n < SEQ_DIGITS + SID_DIGITS + 3)
		return 0;
	kn = n - SEQ_DIGITS - SID_DIGITS - 1;	/* where the session id starts */
	if (kn - 1 >= sizeof(c->kind) || name[kn - 1] != '-' ||
	    name[n - SEQ_DIGITS - 1] != '-' ||
	    !all_in(name, kn - 1, "abcdefghijklmnopqrstuvwxyz") ||
	    !all_in(name + kn, SID_DIGITS, "0123456789abcdef") ||
	    !all_in(name + n - SEQ_DIGITS, SEQ_DIGITS, "0123456789"))
		return 0;
	memcpy(c->kind, name, kn - 1);
	c->kind[kn - 1] = '\0';
	c->session = (int64_t)strtoull(name + kn, NULL, 16);
	c->seq = strtoll(name + n - SEQ_DIGITS, NULL, 10);
	return 1;
}

static int
by_seq(const void *a, const void *b)
{
	const struct zk_lock_child *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
zk_lock_children(struct zk_sync *s, const char *dir, int watch,
    struct zk_lock_child **v, size_t *n, struct zk_error *e)
{
	struct zk_lock_child	*out;
	char			**names = NULL;
	size_t			 count = 0, i, k = 0;
	int			 rc;

	*v = NULL;
	*n = 0;
	if (watch)
		rc = zk_sync_children_watch(s, dir, &names, &count, NULL, e);
	else
		rc = zk_sync_children(s, dir, &names, &count, NULL, e);
	if (rc != ZK_OK)
		return rc;
	out = zk_xcalloc(count + 1, sizeof(*out));
	for (i = 0; i < count; i++)
		if (parse_name(names[i], &out[k])) {
			out[k++].name = names[i];
			names[i] = NULL;
		}
	zk_names_free(names, count);
	qsort(out, k, sizeof(*out), by_seq);
	*v = out;
	*n = k;
	return ZK_OK;
}

void
zk_lock_children_free(struct zk_lock_child *v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * The container, with persistent parents; one that exists will do. A
 * lost connection is no error here: the create of our child that
 * follows tells whether the container is there.
 */
static int
make_dir(struct zk_sync *s, const char *dir, struct zk_error *e)
{
	int	 rc;

	rc = zk_sync_create(s, dir, "", 0,
	    ZK_CREATE_CONTAINER | ZK_CREATE_PARENTS, NULL, NULL, e);
	return rc == ZK_ENODEEXISTS || rc == ZK_ECONNLOSS ? ZK_OK : rc;
}

static void
node_set(struct zk_lock_node *n, const char *dir, const char *path,
    int64_t czxid)
{
	struct zk_lock_child	 c;

	n->dir = zk_xstrdup(dir);
	n->path = zk_xstrdup(path);
	n->name = strrchr(n->path, '/') + 1;
	n->seq = parse_name(n->name, &c) ? c.seq : -1;
	n->czxid = czxid;
}

static int
delete_path(struct zk_sync *s, const char *path, struct zk_error *e)
{
	int	 rc = ZK_OK, i;

	/* The node is ours alone: deleting it again cannot delete another. */
	for (i = 0; i < DELETE_TRIES; i++) {
		rc = zk_sync_delete(s, path, -1, e);
		if (rc == ZK_ENONODE)
			return ZK_OK;
		if (rc != ZK_ECONNLOSS)
			return rc;
	}
	return rc;
}

/*
 * After a create whose connection was lost: is a child of ours there?
 * The sync first makes the server we now talk to as current as the
 * leader, so a create applied before it is seen. 1 (n filled), 0 (none:
 * create again), or an error.
 */
static int
find_ours(struct zk_sync *s, const char *dir, const char *kind,
    int64_t sid, struct zk_lock_node *n, struct zk_error *e)
{
	struct zk_lock_child	*v;
	struct zk_stat		 st;
	char			*p;
	size_t			 cnt, i;
	int			 rc, found = 0;

	if ((rc = zk_sync_sync(s, dir, e)) != ZK_OK ||
	    (rc = zk_lock_children(s, dir, 0, &v, &cnt, e)) != ZK_OK)
		return rc == ZK_ENONODE ? 0 : rc;
	/* Invariant (1): the first of ours is kept, later ones go. */
	for (i = 0; i < cnt && rc == ZK_OK; i++) {
		if (v[i].session != sid || strcmp(v[i].kind, kind) != 0)
			continue;
		p = zk_path_join(dir, v[i].name);
		if (found)
			rc = delete_path(s, p, e);
		else if ((rc = zk_sync_exists(s, p, &st, e)) == ZK_OK) {
			node_set(n, dir, p, st.czxid);
			found = 1;
		} else if (rc == ZK_ENONODE)
			rc = ZK_OK;
		free(p);
	}
	zk_lock_children_free(v, cnt);
	if (rc != ZK_OK) {
		if (found)
			zk_lock_node_close(n);
		return rc;
	}
	return found;
}

int
zk_lock_node_create(struct zk_sync *s, const char *dir, const char *kind,
    const void *data, size_t len, int64_t deadline_ms,
    struct zk_lock_node *n, struct zk_error *e)
{
	struct zk_stat	 st;
	int64_t		 sid;
	char		*prefix, *created, name[64];
	int		 rc = ZK_OK, tries, twin = 0;

	memset(n, 0, sizeof(*n));
	sid = zk_client_session_id(zk_sync_client(s));
	snprintf(name, sizeof(name), "%s-%016" PRIx64 "-", kind,
	    (uint64_t)sid);
	prefix = zk_path_join(dir, name);
	for (tries = 0; tries < CREATE_TRIES; tries++) {
		if (deadline_ms > 0 && zk_now_mono_ms() >= deadline_ms) {
			rc = zk_error_set(e, ZK_ETIMEOUT, "no place in the "
			    "queue in time");
			break;
		}
		rc = zk_sync_create(s, prefix, data, len,
		    ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL, &created, &st,
		    e);
		if (rc == ZK_OK) {
			node_set(n, dir, created, st.czxid);
			n->twin = twin;
			free(created);
			break;
		}
		/*
		 * No container: never made, or the server removed it when
		 * its last child went, between our look and our create.
		 */
		if (rc == ZK_ENONODE) {
			if ((rc = make_dir(s, dir, e)) != ZK_OK)
				break;
			continue;
		}
		if (rc != ZK_ECONNLOSS)
			break;
		if ((rc = find_ours(s, dir, kind, sid, n, e)) == 1) {
			/* A create sent before may still land late. */
			n->twin = twin;
			rc = ZK_OK;
			break;
		}
		if (rc != 0)
			break;
		rc = ZK_ECONNLOSS;	/* not there: create again */
		twin = 1;
	}
	free(prefix);
	if (tries == CREATE_TRIES)
		zk_error_set(e, rc, "could not join the queue in %d tries: %s",
		    tries, zk_error_str(rc));
	return rc;
}

int
zk_lock_node_delete(struct zk_sync *s, struct zk_lock_node *n,
    struct zk_error *e)
{
	if (n->path == NULL)
		return ZK_OK;
	return delete_path(s, n->path, e);
}

void
zk_lock_node_close(struct zk_lock_node *n)
{
	free(n->dir);
	free(n->path);
	memset(n, 0, sizeof(*n));
}

const struct zk_lock_child *
zk_lock_rule_exclusive(const struct zk_lock_child *v, size_t at)
{
	return at > 0 ? &v[at - 1] : NULL;
}

const struct zk_lock_child *
zk_lock_rule_shared(const struct zk_lock_child *v, size_t at)
{
	while (at-- > 0)
		if (strcmp(v[at].kind, ZK_LOCK_WRITE) == 0)
			return &v[at];
	return NULL;
}

/*
 * Our index among v, after deleting any other child of our session
 * (invariant (1): a lost create that was applied late). -1: ours is not
 * there; -2: one was deleted, list again; or an error.
 */
static int
place(struct zk_sync *s, const struct zk_lock_node *n,
    const struct zk_lock_child *v, size_t cnt, int64_t sid, size_t *at,
    struct zk_error *e)
{
	char	*p;
	size_t	 i;
	int	 rc, found = 0, again = 0;

	for (i = 0; i < cnt; i++) {
		if (strcmp(v[i].name, n->name) == 0) {
			*at = i;
			found = 1;
		} else if (v[i].session == sid) {
			p = zk_path_join(n->dir, v[i].name);
			rc = delete_path(s, p, e);
			free(p);
			if (rc != ZK_OK)
				return rc;
			again = 1;
		}
	}
	if (again)
		return -2;
	return found ? 0 : -1;
}

/* Our child is gone while we queue: why, in the session's words. */
static int
gone(struct zk_sync *s, const struct zk_lock_node *n, struct zk_error *e)
{
	if (zk_client_state(zk_sync_client(s)) == ZK_STATE_EXPIRED)
		return zk_error_set(e, ZK_ESESSIONEXPIRED, "session expired");
	return zk_error_set(e, ZK_ENONODE, "our node %s was deleted", n->path);
}

int
zk_lock_wait(struct zk_sync *s, struct zk_lock_node *n, zk_lock_rule_fn rule,
    int64_t busy_ms, int64_t deadline_ms, struct zk_error *e)
{
	const struct zk_lock_child	*ahead;
	struct zk_lock_child		*v;
	unsigned long			 mark;
	int64_t				 busy_at = 0, until, sid;
	size_t				 cnt, at = 0;
	char				*p;
	int				 rc, sig, first;

	sid = zk_client_session_id(zk_sync_client(s));
	if (busy_ms > 0)
		busy_at = zk_now_mono_ms() + busy_ms;
	for (;;) {
		if ((sig = zk_sync_signal(s)) != 0)
			return zk_error_set(e, ZK_ESYSTEM, "interrupted by "
			    "signal %d", sig);
		/* From here on, every event counts (client_sync.h). */
		mark = zk_sync_mark(s);
		if ((rc = zk_lock_children(s, n->dir, 0, &v, &cnt, e)) != ZK_OK)
			return rc == ZK_ENONODE ? gone(s, n, e) : rc;
		rc = place(s, n, v, cnt, sid, &at, e);
		if (rc != 0) {
			zk_lock_children_free(v, cnt);
			if (rc == -2)
				continue;
			return rc == -1 ? gone(s, n, e) : rc;
		}
		if ((ahead = rule(v, at)) == NULL) {
			zk_lock_children_free(v, cnt);
			return ZK_OK;
		}
		first = ahead == &v[0];
		p = zk_path_join(n->dir, ahead->name);
		zk_lock_children_free(v, cnt);
		if (busy_ms == 0) {
			free(p);
			return zk_error_set(e, ZK_ENODEEXISTS, "held by "
			    "another");
		}
		/* Gone already: look again at once. */
		rc = zk_sync_exists_watch(s, p, NULL, e);
		if (rc == ZK_ENONODE) {
			free(p);
			continue;
		}
		if (rc != ZK_OK) {
			free(p);
			return rc;
		}
		until = busy_at;
		if (deadline_ms > 0 && (until == 0 || deadline_ms < until))
			until = deadline_ms;
		rc = zk_sync_wait_change(s, mark, until);
		/*
		 * Invariant (5): the first in the queue went, and nothing
		 * else happened; we are first now, with no need to look.
		 */
		if (rc == ZK_OK && first && !n->twin &&
		    zk_sync_only_deleted(s, mark, p)) {
			free(p);
			return ZK_OK;
		}
		free(p);
		if (rc == ZK_OK)
			continue;
		if (until == deadline_ms)
			return zk_error_set(e, ZK_ETIMEOUT, "not acquired in "
			    "time (-T)");
		return zk_error_set(e, ZK_ENODEEXISTS, "held by another; "
		    "not acquired within %lld ms", (long long)busy_ms);
	}
}

int
zk_lock_acquire(struct zk_sync *s, const char *dir,
    const struct zk_lock_opts *o, struct zk_lock_node *n, struct zk_error *e)
{
	struct zk_error	 e2;
	int64_t		 deadline = 0;
	int		 rc;

	if (o->timeout_ms > 0)
		deadline = zk_now_mono_ms() + o->timeout_ms;
	rc = zk_lock_node_create(s, dir, o->shared ? ZK_LOCK_READ :
	    ZK_LOCK_WRITE, "", 0, deadline, n, e);
	if (rc != ZK_OK)
		return rc;
	rc = zk_lock_wait(s, n, o->shared ? zk_lock_rule_shared :
	    zk_lock_rule_exclusive, o->busy_ms, deadline, e);
	if (rc != ZK_OK) {
		zk_lock_leave(s, n, &e2);
		zk_lock_node_close(n);
	}
	return rc;
}

void
zk_lock_leave(struct zk_sync *s, struct zk_lock_node *n, struct zk_error *e)
{
	/*
	 * Invariant (4). Without a session now, the child goes with it:
	 * at close, or at expiry; waiting here could be for ever.
	 */
	if (zk_client_state(zk_sync_client(s)) == ZK_STATE_CONNECTED)
		(void)zk_lock_node_delete(s, n, e);
}

int32_t
zk_lock_hold_ms(struct zk_sync *s)
{
	return zk_client_session_timeout(zk_sync_client(s)) / 4;
}

/* A string value as JSON: the string, or base64 under KEY_b64. */
static void
json_value(json_t *o, const struct zk_lock_out *x)
{
	struct zk_buf	 b;
	char		 key[64];

	if (x->null) {
		json_object_set_new(o, x->key, json_null());
		return;
	}
	if (x->str == NULL) {
		json_object_set_new(o, x->key, json_integer(x->num));
		return;
	}
	if (zk_out_utf8_valid(x->str, x->len)) {
		json_object_set_new(o, x->key, json_stringn(x->str, x->len));
		return;
	}
	zk_buf_init(&b);
	zk_out_base64(&b, x->str, x->len);
	snprintf(key, sizeof(key), "%s_b64", x->key);
	json_object_set_new(o, key, json_stringn(b.data ? b.data : "", b.len));
	zk_buf_close(&b);
}

void
zk_lock_format(struct zk_buf *b, int fmt, const struct zk_lock_out *x)
{
	msgpack_packer	 pk;
	json_t		*o;
	char		*s, num[32];

	if (fmt == ZK_FMT_JSON) {
		o = json_object();
		json_object_set_new(o, "path", json_string(x->path));
		json_value(o, x);
		if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
		    NULL) {
			zk_buf_append(b, s, strlen(s));
			zk_buf_append(b, "\n", 1);
			free(s);
		}
		json_decref(o);
	} else if (fmt == ZK_FMT_MSGPACK) {
		msgpack_packer_init(&pk, b, zk_buf_write);
		msgpack_pack_map(&pk, 2);
		msgpack_pack_str(&pk, 4);
		msgpack_pack_str_body(&pk, "path", 4);
		msgpack_pack_str(&pk, strlen(x->path));
		msgpack_pack_str_body(&pk, x->path, strlen(x->path));
		msgpack_pack_str(&pk, strlen(x->key));
		msgpack_pack_str_body(&pk, x->key, strlen(x->key));
		if (x->null)
			msgpack_pack_nil(&pk);
		else if (x->str == NULL)
			msgpack_pack_int64(&pk, x->num);
		else {
			msgpack_pack_bin(&pk, x->len);
			msgpack_pack_bin_body(&pk, x->str, x->len);
		}
	} else {
		if (x->str != NULL && !x->null)
			zk_out_escape(b, x->str, x->len);
		else if (!x->null) {
			snprintf(num, sizeof(num), "%lld", (long long)x->num);
			zk_buf_append(b, num, strlen(num));
		}
		zk_buf_append(b, "\n", 1);
	}
}
