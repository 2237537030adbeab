/*
 * The znode tree: nodes with data, children and ZooKeeper's stat, and the
 * three mutations transactions make (create, delete, setData). No I/O, no
 * clock: zxid and time come in as arguments.
 *
 * Invariants:
 *  (1) Every node but "/" has its parent in the tree; "/" and "/zookeeper"
 *      always exist. "/" cannot be deleted (its data may be set, as in
 *      ZooKeeper); "/zookeeper", "/zookeeper/config" and "/zookeeper/quota"
 *      are read-only: no create under them, no delete, no setData
 *      (ZK_EBADARGUMENTS). zk_tree_load alone may replace them.
 *  (2) stat follows ZooKeeper: create sets czxid=mzxid=pzxid=zxid,
 *      ctime=mtime=time; it and delete bump the parent's cversion, set its
 *      pzxid and numChildren; setData bumps version, sets mzxid, mtime and
 *      dataLength.
 *  (3) A sequential name is the given path plus the parent's cversion
 *      before the create, as %010d (ZooKeeper's rule; it wraps as a signed
 *      32-bit value would).
 *  (4) An ephemeral node has no children.
 *  (5) A container (ZooKeeper 3.5's CONTAINER) has ephemeral_owner
 *      ZK_CONTAINER_OWNER and is otherwise a persistent node: it may have
 *      children and belongs to no session. The tree never deletes it by
 *      itself; the server proposes that (db.h, zk_db_is_empty_container).
 */
#ifndef ZK_TREE_H
#define ZK_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "proto.h"

struct zk_tree;
struct zk_node;

/*
 * A new tree holding "/", "/zookeeper", "/zookeeper/config" and
 * "/zookeeper/quota" (zxid 0, time 0, empty data).
 */
struct zk_tree	*zk_tree_new(void);
void		 zk_tree_free(struct zk_tree *t);

/* The node at a path, or NULL. Borrowed until the tree next changes. */
struct zk_node	*zk_tree_find(const struct zk_tree *t, const char *path);

/* Number of nodes, counting "/" and the three "/zookeeper" nodes. */
size_t		 zk_tree_count(const struct zk_tree *t);

/* Approximate bytes the tree holds (nodes, paths, data), for status. */
size_t		 zk_tree_bytes(const struct zk_tree *t);

/* Reading a node. Pointers are borrowed until the tree next changes. */
const char	*zk_node_path(const struct zk_node *n);
const char	*zk_node_name(const struct zk_node *n);	/* last component */
const char	*zk_node_data(const struct zk_node *n, size_t *len);
const struct zk_stat *zk_node_stat(const struct zk_node *n);
/* Whether n is ephemeral (owned by a session), or a container, (5). */
int		 zk_node_is_ephemeral(const struct zk_node *n);
int		 zk_node_is_container(const struct zk_node *n);
/* Children in no particular order: first, then next until NULL. */
struct zk_node	*zk_node_first_child(const struct zk_node *n);
struct zk_node	*zk_node_next_sibling(const struct zk_node *n);

/*
 * Children names of a node, sorted bytewise. Returns a new array of
 * borrowed names (valid until the tree changes); the caller frees the
 * array with free().
 */
const char	**zk_node_children_sorted(const struct zk_node *n, size_t *count);

/*
 * Creates path (validated by the caller). flags: ZK_CREATE_SEQUENTIAL
 * appends the suffix; ZK_CREATE_PARENTS creates missing ancestors as
 * empty persistent nodes in the same zxid; ZK_CREATE_CONTAINER makes the
 * node a container (owner ZK_CONTAINER_OWNER; its missing parents stay
 * plain persistent). ephemeral_owner is the session id for an ephemeral
 * node, else 0. On ZK_OK, *created (if not NULL) is a new string the
 * caller frees, and *st (if not NULL) the new node's stat.
 * Errors: ZK_ENONODE (parent missing), ZK_ENODEEXISTS,
 * ZK_ENOCHILDRENFOREPHEMERALS, ZK_EBADARGUMENTS (under /zookeeper, data
 * over INT32_MAX bytes, a container with ZK_CREATE_EPHEMERAL,
 * ZK_CREATE_SEQUENTIAL or an owner, or missing parents whose paths would
 * add up to more than ZK_TREE_MAX_PARENT_BYTES: each node holds its
 * full path, so a deep path could otherwise cost its length squared in
 * one txn).
 * On error nothing changes. With ZK_CREATE_SEQUENTIAL, path may end in
 * '/' ("/a/" creates "/a/0000000003"; "/" creates "/0000000003").
 */
#define ZK_TREE_MAX_PARENT_BYTES	(1024 * 1024)
int		 zk_tree_create(struct zk_tree *t, const char *path,
		    const void *data, size_t len, int flags,
		    int64_t ephemeral_owner, int64_t zxid, int64_t time_ms,
		    char **created, struct zk_stat *st, struct zk_error *e);

/*
 * Deletes path if version is -1 or matches. *owner (if not NULL) gets the
 * node's ephemeral owner (ZK_CONTAINER_OWNER for a container). Errors: ZK_ENONODE, ZK_EBADVERSION,
 * ZK_ENOTEMPTY, ZK_EBADARGUMENTS ("/" or "/zookeeper").
 */
int		 zk_tree_delete(struct zk_tree *t, const char *path,
		    int32_t version, int64_t zxid, int64_t *owner,
		    struct zk_error *e);

/* Sets data if version is -1 or matches. Errors: ZK_ENONODE, ZK_EBADVERSION. */
int		 zk_tree_set(struct zk_tree *t, const char *path, const void *data,
		    size_t len, int32_t version, int64_t zxid, int64_t time_ms,
		    struct zk_stat *st, struct zk_error *e);

/*
 * Inserts a node with a given stat, for loading a snapshot (parents come
 * first). numChildren in st is ignored: it is counted as children arrive.
 * Replaces the data and stat of an existing node ("/", "/zookeeper").
 * Errors: ZK_ENONODE (parent missing), ZK_EBADPATH (path invalid),
 * ZK_EBADARGUMENTS (data over INT32_MAX bytes).
 */
int		 zk_tree_load(struct zk_tree *t, const char *path, const void *data,
		    size_t len, const struct zk_stat *st, struct zk_error *e);

/*
 * Undo, for a multi. After zk_tree_mark, every create, delete and setData
 * keeps a record of what it did (O(1) more each; deleted nodes and the
 * old blocks of set nodes are kept, not freed) until zk_tree_rollback
 * takes them all back, newest first, leaving the tree exactly as at the
 * mark (nodes, data, every stat field, the digest; only the order of
 * siblings, which is no order, may differ), or zk_tree_commit keeps the
 * changes and drops the records. A change that fails keeps no record.
 * Marks do not nest, and zk_tree_load is not for use while marked.
 */
void		 zk_tree_mark(struct zk_tree *t);
void		 zk_tree_rollback(struct zk_tree *t);
void		 zk_tree_commit(struct zk_tree *t);

/*
 * Calls fn for n and every descendant, parents before children, children
 * in no particular order. fn returns 0 to go on, else the walk stops and
 * returns that value. fn must not change the tree.
 */
int		 zk_tree_walk(const struct zk_tree *t, const struct zk_node *n,
		    int (*fn)(const struct zk_node *, void *), void *arg);

/*
 * A digest of the whole tree (paths, data, stat), independent of the
 * order nodes were created in: replicas with equal trees have equal
 * digests. The tree keeps it up to date as it changes, so this is O(1);
 * each create, delete, setData or load adds O(bytes of the changed
 * node's path and data) to that mutation, and O(1) for the parent's stat.
 * The value is the same as this function has always given for the same
 * tree: a sum mod 2^64 of a hash per node of its path, data and stat.
 */
uint64_t	 zk_tree_digest(const struct zk_tree *t);

/*
 * The same digest recomputed from every node, O(nodes + bytes of data);
 * always equal to zk_tree_digest. For tests and offline checks.
 */
uint64_t	 zk_tree_digest_full(const struct zk_tree *t);

#endif
