/*
 * The replicated state machine: applies committed transactions to the
 * tree and the session table, validating each one against the state every
 * replica holds at its zxid, so that all replicas take the same decisions.
 *
 * Invariants (db.h (1)-(3), and):
 *  (4) Every check of a txn runs before its first change: the path rules,
 *      the create flags and the ephemeral owner here, the rest inside
 *      zk_tree_create/delete/set, which change nothing when they fail.
 *  (5) A session's ephemerals list follows the tree (session.h (1)): a
 *      successful ephemeral create adds the path, a delete of an
 *      ephemeral node and closeSession take it away.
 *  (6) Nothing here reads the local "closing" flag or a deadline: they
 *      differ between replicas. now_ms only sets new deadlines.
 *  (7) A multi is all or nothing: its ops run in order on the live tree
 *      under the tree's undo mark, every change to a session's
 *      ephemerals list is logged, and the first op that fails takes
 *      both back, newest first, before the next txn.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "path.h"
#include "session.h"
#include "tree.h"
#include "txn.h"
#include "util.h"

#define CREATE_FLAGS (ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL | \
	ZK_CREATE_PARENTS | ZK_CREATE_CONTAINER)

/* One change to a session's ephemerals list inside a multi, (7). */
struct sundo {
	int64_t		 sid;
	char		*path;		/* owned */
	int		 added;		/* 1 added to the list, 0 taken off */
};

/* The changes of one multi, oldest first; outside a multi, none kept. */
struct slog {
	struct sundo	*v;
	size_t		 n;
	size_t		 cap;
};

void
zk_db_init(struct zk_db *db)
{
	db->tree = zk_tree_new();
	db->sessions = zk_sessions_new();
	db->last_zxid = 0;
	db->applied = NULL;
	db->applied_arg = NULL;
}

void
zk_db_close(struct zk_db *db)
{
	zk_tree_free(db->tree);
	zk_sessions_free(db->sessions);
	db->tree = NULL;
	db->sessions = NULL;
}

void
zk_result_close(struct zk_result *res)
{
	size_t	 i;

	free(res->path);
	for (i = 0; i < res->ndeleted; i++)
		free(res->deleted[i]);
	free(res->deleted);
	for (i = 0; i < res->nops; i++)
		zk_result_close(&res->ops[i]);
	free(res->ops);
	memset(res, 0, sizeof(*res));
}

static void
slog_add(struct slog *l, int64_t sid, const char *path, int added)
{
	if (l == NULL)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap > 0 ? l->cap * 2 : 8;
		l->v = zk_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].sid = sid;
	l->v[l->n].path = zk_xstrdup(path);
	l->v[l->n].added = added;
	l->n++;
}

/* Takes every logged change back, newest first, and empties the log. */
static void
slog_undo(struct zk_db *db, struct slog *l)
{
	struct zk_session	*ss;
	struct sundo		*u;

	while (l->n > 0) {
		u = &l->v[--l->n];
		/* A multi closes no session: every one logged is still open. */
		ss = zk_sessions_find(db->sessions, u->sid);
		if (u->added)
			zk_session_remove_ephemeral(ss, u->path);
		else
			zk_session_add_ephemeral(ss, u->path);
		free(u->path);
	}
	free(l->v);
}

static void
slog_free(struct slog *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

static int
check_path(const struct zk_txn *t, int sequential, struct zk_error *e)
{
	if (t->path == NULL)
		return zk_error_set(e, ZK_EBADPATH, "path is missing");
	if (sequential)
		return zk_path_validate_sequential(t->path, strlen(t->path), e);
	return zk_path_validate(t->path, strlen(t->path), e);
}

/*
 * How many of path's ancestors are missing (those a create with parents
 * makes), found before the create; the root always exists.
 */
static int32_t
missing_parents(const struct zk_tree *tree, const char *path)
{
	char	*p = zk_xstrdup(path);
	size_t	 len = zk_path_parent_len(p, strlen(p));
	int32_t	 n = 0;

	while (len > 1) {
		p[len] = '\0';
		if (zk_tree_find(tree, p) != NULL)
			break;
		n++;
		len = zk_path_parent_len(p, len);
	}
	free(p);
	return n;
}

static int
apply_create(struct zk_db *db, const struct zk_txn *t, struct zk_result *res,
    struct slog *log, struct zk_error *e)
{
	struct zk_session	*ss = NULL;
	int32_t			 parents;
	int			 rc;

	if (t->flags & ~CREATE_FLAGS)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "unknown create flags 0x%x", (unsigned)t->flags);
	if ((t->flags & ZK_CREATE_CONTAINER) &&
	    (t->flags & (ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL)))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "a container cannot be ephemeral or sequential");
	rc = check_path(t, t->flags & ZK_CREATE_SEQUENTIAL, e);
	if (rc != ZK_OK)
		return rc;
	if (t->flags & ZK_CREATE_EPHEMERAL) {
		/* Owner 0 means "persistent", so it cannot own a node. */
		if (t->session_id != 0)
			ss = zk_sessions_find(db->sessions, t->session_id);
		if (ss == NULL)
			return zk_error_set(e, ZK_ESESSIONEXPIRED,
			    "session 0x%" PRIx64 " is not open",
			    (uint64_t)t->session_id);
	}
	parents = (t->flags & ZK_CREATE_PARENTS) ?
	    missing_parents(db->tree, t->path) : 0;
	rc = zk_tree_create(db->tree, t->path, t->data, t->data_len, t->flags,
	    ss != NULL ? ss->id : 0, t->zxid, t->time_ms, &res->path,
	    &res->stat, e);
	if (rc == ZK_OK)
		res->parents = parents;
	if (rc == ZK_OK && ss != NULL) {
		zk_session_add_ephemeral(ss, res->path);
		slog_add(log, ss->id, res->path, 1);
	}
	return rc;
}

static int
apply_delete(struct zk_db *db, const struct zk_txn *t, struct slog *log,
    struct zk_error *e)
{
	struct zk_session	*ss;
	int64_t			 owner = 0;
	int			 rc;

	if ((rc = check_path(t, 0, e)) != ZK_OK)
		return rc;
	rc = zk_tree_delete(db->tree, t->path, t->version, t->zxid, &owner, e);
	if (rc == ZK_OK && owner != 0 && owner != ZK_CONTAINER_OWNER &&
	    (ss = zk_sessions_find(db->sessions, owner)) != NULL) {
		zk_session_remove_ephemeral(ss, t->path);
		slog_add(log, owner, t->path, 0);
	}
	return rc;
}

/*
 * The leader's own delete of a container it saw emptied. Validated here,
 * at apply time, because a create may have come in between: ZooKeeper's
 * order of checks (PrepRequestProcessor, deleteContainer) is missing
 * node, then children, then "not a container".
 */
static int
apply_delete_container(struct zk_db *db, const struct zk_txn *t,
    struct zk_error *e)
{
	struct zk_node	*n;
	int		 rc;

	if ((rc = check_path(t, 0, e)) != ZK_OK)
		return rc;
	if ((n = zk_tree_find(db->tree, t->path)) == NULL)
		return zk_error_set(e, ZK_ENONODE, "no such node");
	if (zk_node_stat(n)->num_children > 0)
		return zk_error_set(e, ZK_ENOTEMPTY, "node has %d children",
		    zk_node_stat(n)->num_children);
	if (!zk_node_is_container(n))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "node is not a container");
	return zk_tree_delete(db->tree, t->path, -1, t->zxid, NULL, e);
}

static int
apply_set(struct zk_db *db, const struct zk_txn *t, struct zk_result *res,
    struct zk_error *e)
{
	int	 rc;

	if ((rc = check_path(t, 0, e)) != ZK_OK)
		return rc;
	return zk_tree_set(db->tree, t->path, t->data, t->data_len,
	    t->version, t->zxid, t->time_ms, &res->stat, e);
}

/* A multi's check op: the node exists, at that version unless -1. */
static int
apply_check(struct zk_db *db, const struct zk_txn *t, struct zk_error *e)
{
	struct zk_node	*n;
	int32_t		 v;
	int		 rc;

	if ((rc = check_path(t, 0, e)) != ZK_OK)
		return rc;
	if ((n = zk_tree_find(db->tree, t->path)) == NULL)
		return zk_error_set(e, ZK_ENONODE, "no such node");
	v = zk_node_stat(n)->version;
	if (t->version != -1 && t->version != v)
		return zk_error_set(e, ZK_EBADVERSION,
		    "node is at version %d, not %d", v, t->version);
	return ZK_OK;
}

/* One op of a multi; op carries the multi's zxid, time and session. */
static int
apply_op(struct zk_db *db, const struct zk_txn *op, struct zk_result *r,
    struct slog *log, struct zk_error *e)
{
	switch (op->type) {
	case ZK_TXN_CHECK:
		return apply_check(db, op, e);
	case ZK_TXN_CREATE:
		return apply_create(db, op, r, log, e);
	case ZK_TXN_SETDATA:
		return apply_set(db, op, r, e);
	case ZK_TXN_DELETE:
		return apply_delete(db, op, log, e);
	}
	return zk_error_set(e, ZK_EBADARGUMENTS,
	    "op type %d cannot be in a multi", op->type);
}

/*
 * A multi, (7): each op sees the ones before it (ZooKeeper validates a
 * multi's ops the same way, one after the other), all under the multi's
 * zxid, time and session whatever the ops themselves carry.
 */
static int
apply_multi(struct zk_db *db, const struct zk_txn *t, struct zk_result *res,
    struct zk_error *e)
{
	struct zk_result	*r;
	struct zk_txn		 op;
	struct slog		 log;
	char			 why[ZK_ERROR_MSG_MAX];
	size_t			 i, j;
	int			 rc = ZK_OK;

	r = zk_xcalloc(t->nops > 0 ? t->nops : 1, sizeof(*r));
	memset(&log, 0, sizeof(log));
	zk_tree_mark(db->tree);
	for (i = 0; i < t->nops; i++) {
		op = t->ops[i];
		op.zxid = t->zxid;
		op.time_ms = t->time_ms;
		op.session_id = t->session_id;
		r[i].fail_index = -1;
		if ((rc = apply_op(db, &op, &r[i], &log, e)) != ZK_OK)
			break;
	}
	if (rc == ZK_OK) {
		zk_tree_commit(db->tree);
		slog_free(&log);
		res->ops = r;
		res->nops = t->nops;
		return ZK_OK;
	}
	slog_undo(db, &log);
	zk_tree_rollback(db->tree);
	for (j = 0; j <= i; j++)
		zk_result_close(&r[j]);
	free(r);
	res->fail_index = (int32_t)i;
	snprintf(why, sizeof(why), "%s", e->msg);
	return zk_error_set(e, rc, "op %zu: %.200s", i, why);
}

static int
apply_create_session(struct zk_db *db, const struct zk_txn *t, int64_t now_ms,
    struct zk_error *e)
{
	/* 0 marks persistent nodes, ZK_CONTAINER_OWNER containers. */
	if (t->session_id == 0 || t->session_id == ZK_CONTAINER_OWNER)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "session id 0x%" PRIx64 " is reserved",
		    (uint64_t)t->session_id);
	zk_sessions_add(db->sessions, t->session_id, t->timeout_ms, t->passwd,
	    now_ms);
	return ZK_OK;
}

static int
cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
apply_close_session(struct zk_db *db, const struct zk_txn *t,
    struct zk_result *res, struct zk_error *e)
{
	struct zk_session	*ss;
	char			**v;
	size_t			 n, i, k = 0;

	if ((ss = zk_sessions_find(db->sessions, t->session_id)) == NULL)
		return zk_error_set(e, ZK_ESESSIONEXPIRED,
		    "session 0x%" PRIx64 " is not open",
		    (uint64_t)t->session_id);
	/*
	 * Ephemerals have no children (tree.h (4)) and their parents cannot
	 * go while they exist, so every delete succeeds in any order; the
	 * final tree is the same whatever order the list is in. A path the
	 * tree no longer holds would be our own bookkeeping mistake; it is
	 * dropped rather than reported as deleted.
	 */
	v = zk_session_take_ephemerals(ss, &n);
	for (i = 0; i < n; i++) {
		if (zk_tree_delete(db->tree, v[i], -1, t->zxid, NULL,
		    NULL) == ZK_OK)
			v[k++] = v[i];
		else
			free(v[i]);
	}
	/* Sorted, so that every replica reports the same list. */
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_paths);
	if (k == 0) {
		free(v);
		v = NULL;
	}
	res->deleted = v;
	res->ndeleted = k;
	zk_sessions_remove(db->sessions, t->session_id);
	return ZK_OK;
}

int
zk_db_apply(struct zk_db *db, const struct zk_txn *t, int64_t now_ms,
    struct zk_result *res, struct zk_error *e)
{
	struct zk_error	 why;
	int		 rc;

	memset(res, 0, sizeof(*res));
	res->fail_index = -1;
	if (t->zxid <= db->last_zxid) {
		res->err = ZK_ESYSTEM;
		return zk_error_set(e, ZK_ESYSTEM, "txn zxid 0x%" PRIx64
		    " is not after the last applied 0x%" PRIx64,
		    (uint64_t)t->zxid, (uint64_t)db->last_zxid);
	}
	db->last_zxid = t->zxid;
	memset(&why, 0, sizeof(why));
	switch (t->type) {
	case ZK_TXN_CREATE:
		rc = apply_create(db, t, res, NULL, &why);
		break;
	case ZK_TXN_DELETE:
		rc = apply_delete(db, t, NULL, &why);
		break;
	case ZK_TXN_SETDATA:
		rc = apply_set(db, t, res, &why);
		break;
	case ZK_TXN_CREATE_SESSION:
		rc = apply_create_session(db, t, now_ms, &why);
		break;
	case ZK_TXN_CLOSE_SESSION:
		rc = apply_close_session(db, t, res, &why);
		break;
	case ZK_TXN_DELETE_CONTAINER:
		rc = apply_delete_container(db, t, &why);
		break;
	case ZK_TXN_MULTI:
		rc = apply_multi(db, t, res, &why);
		break;
	default:
		rc = zk_error_set(&why, ZK_EUNIMPLEMENTED,
		    "unknown txn type %d", t->type);
		break;
	}
	res->err = rc;
	if (rc != ZK_OK) {
		/* A failed create may not leave a path behind. */
		free(res->path);
		res->path = NULL;
		if (e != NULL)
			*e = why;
	}
	if (db->applied != NULL)
		db->applied(db->applied_arg, t, res);
	return ZK_OK;
}

int
zk_db_is_empty_container(const struct zk_db *db, const char *path)
{
	const struct zk_node	*n = zk_tree_find(db->tree, path);

	return n != NULL && zk_node_is_container(n) &&
	    zk_node_stat(n)->num_children == 0 &&
	    zk_node_stat(n)->cversion > 0;
}

struct index_ctx {
	struct zk_db	*db;
	struct zk_error	*e;
	int		 rc;
};

static int
index_node(const struct zk_node *n, void *arg)
{
	struct index_ctx	*c = arg;
	struct zk_session	*ss;
	int64_t			 owner = zk_node_stat(n)->ephemeral_owner;

	if (!zk_node_is_ephemeral(n))
		return 0;
	if ((ss = zk_sessions_find(c->db->sessions, owner)) == NULL) {
		c->rc = zk_error_set(c->e, ZK_ECORRUPT,
		    "node %s is owned by unknown session 0x%" PRIx64,
		    zk_node_path(n), (uint64_t)owner);
		return 1;
	}
	zk_session_add_ephemeral(ss, zk_node_path(n));
	return 0;
}

int
zk_db_index_ephemerals(struct zk_db *db, struct zk_error *e)
{
	struct zk_session	*ss;
	struct index_ctx	 c;
	char			**v;
	size_t			 n, i;

	for (ss = zk_sessions_first(db->sessions); ss != NULL;
	    ss = zk_sessions_next(db->sessions, ss)) {
		v = zk_session_take_ephemerals(ss, &n);
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
	}
	c.db = db;
	c.e = e;
	c.rc = ZK_OK;
	zk_tree_walk(db->tree, zk_tree_find(db->tree, "/"), index_node, &c);
	return c.rc;
}
