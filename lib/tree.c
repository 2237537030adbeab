/*
 * The znode tree: one hash table from full path to node, and the children
 * of each node on an intrusive doubly-linked sibling list, so that finding,
 * adding and removing a node are O(1) however many siblings it has.
 *
 * Memory is the point of the layout. A node is one block: the header
 * below, then its path and a NUL, then its data (setData reallocates the
 * block). There is no parent pointer: the parent is found by hashing the
 * path's prefix, which create and delete hash anyway, and with no pointer
 * from children to parent a reallocated node only has to fix its two
 * siblings, its bucket and possibly its parent's first-child pointer.
 * For 100 bytes of data and a 20-byte path this is one ~256-byte block
 * per node, plus 8 to 16 bytes of bucket.
 *
 * The digest is kept up to date as the tree changes, because replication
 * compares it after every transaction (share/doc/replication.md
 * "Digests"). It is a sum mod 2^64 of one hash per node, so a change
 * subtracts the node's old share and adds its new one. A share is the
 * hash of the path and data chained into the hash of the stat; each node
 * keeps the first part (8 bytes), so that a stat-only change, such as a
 * parent's cversion on every create under it, costs a hash of 88 bytes
 * and not a rehash of the parent's data. A create or setData hashes the
 * node's own path and data once, which copying them costs anyway.
 *
 * Invariants:
 *  (1) Every node but "/" is on its parent's child list and in exactly
 *      one hash bucket; st.num_children is the length of the child list
 *      and st.data_length the bytes stored after the path.
 *  (2) The bucket count is a power of two and at least the node count
 *      (the table doubles when it is exceeded; it never shrinks).
 *  (3) A mutation that fails changes nothing: every check runs before the
 *      first write.
 *  (4) "/zookeeper" and the nodes under it change only by zk_tree_load.
 *  (5) cversion and version wrap as ZooKeeper's Java ints do (computed in
 *      unsigned arithmetic, so no signed overflow).
 *  (6) Between calls, t->digest is the sum of share(n) over every node n,
 *      and n->pdhash the hash of n's path and data: each mutation takes a
 *      node's share out (unsum) before it changes the node and puts it
 *      back (sum) after, and digest_full recomputes both from scratch.
 *  (7) A node is ephemeral when its owner is neither 0 nor
 *      ZK_CONTAINER_OWNER: a container is a persistent node for every
 *      rule here (it may have children); only the server deletes it.
 *  (8) While marked (zk_tree_mark), no node block moves or is freed:
 *      setData puts the node in a new block and keeps the old one, delete
 *      keeps the deleted block. So every block an undo record names is
 *      the one the tree held when the change was made, and undoing the
 *      records newest first meets each node in the state its change left
 *      it in: restoring a saved stat or block is then exact, digest
 *      included, at O(1) per record.
 *
 * Undo is what a multi needs: its ops apply one by one on the live tree,
 * each seeing the ones before, and if one fails the tree must be as if
 * none had run. Applying to a copy would cost the whole tree per multi;
 * records cost O(1) per change, and nothing at all outside a mark.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "proto.h"
#include "tree.h"
#include "util.h"

struct zk_node {
	struct zk_node	*hnext;		/* next in the same hash bucket */
	struct zk_node	*child;		/* first child, or NULL */
	struct zk_node	*prev;		/* previous sibling; NULL if first */
	struct zk_node	*next;		/* next sibling, or NULL */
	struct zk_stat	 st;
	uint64_t	 pdhash;	/* pd_hash of path and data, (6) */
	uint32_t	 hash;		/* low half of zk_path_hash(path) */
	uint32_t	 pathlen;	/* bytes of path, without the NUL */
	uint32_t	 namepos;	/* offset of the last component */
	char		 path[];	/* path, NUL, then the data */
};

/* What one change did, enough to take it back, (8). */
enum undo_kind {
	U_CREATED,		/* n was created under p */
	U_DELETED,		/* n (kept) was deleted from under p */
	U_SET			/* n (kept) was replaced by the block p */
};

struct undo {
	enum undo_kind	 kind;
	struct zk_node	*n;
	struct zk_node	*p;
	struct zk_stat	 pst;		/* created, deleted: p's stat before */
};

struct zk_tree {
	struct zk_node	**b;		/* buckets */
	size_t		 nb;		/* number of buckets, a power of two */
	size_t		 count;		/* nodes */
	size_t		 bytes;		/* bytes of node blocks */
	uint64_t	 digest;	/* sum of every node's share, (6) */
	struct zk_node	*root;
	int		 marked;	/* recording undo records, (8) */
	struct undo	*u;		/* the records, oldest first */
	size_t		 nu;
	size_t		 capu;
};

#define ZK_ROOT_NAME	"/zookeeper"
#define ZK_ROOT_LEN	(sizeof(ZK_ROOT_NAME) - 1)

static size_t
node_size(size_t pathlen, size_t datalen)
{
	return offsetof(struct zk_node, path) + pathlen + 1 + datalen;
}

static char *
node_data(const struct zk_node *n)
{
	return (char *)n->path + n->pathlen + 1;
}

static uint32_t
path_hash(const char *p, size_t len)
{
	return (uint32_t)zk_path_hash(0, p, len);
}

/* The first part of a node's share of the digest: its path and data. */
static uint64_t
pd_hash(const char *p, size_t plen, const void *data, size_t len)
{
	return zk_path_hash(zk_path_hash(1, p, plen), data, len);
}

static void
put64(unsigned char *p, int64_t v)
{
	uint64_t	 u = (uint64_t)v;
	int		 i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

/*
 * A node's share of the digest: pd, the hash of its path and data,
 * chained into every stat field. The layout is the digest's definition:
 * changing it changes every digest (and zk_tree_digest's promise that it
 * gives what earlier versions gave).
 */
static uint64_t
share(uint64_t pd, const struct zk_stat *s)
{
	unsigned char	 b[11 * 8];

	put64(b + 0, s->czxid);
	put64(b + 8, s->mzxid);
	put64(b + 16, s->pzxid);
	put64(b + 24, s->ctime);
	put64(b + 32, s->mtime);
	put64(b + 40, s->version);
	put64(b + 48, s->cversion);
	put64(b + 56, s->aversion);
	put64(b + 64, s->ephemeral_owner);
	put64(b + 72, s->data_length);
	put64(b + 80, s->num_children);
	return zk_path_hash(pd, b, sizeof(b));
}

/* Takes n's share out of the digest, before n changes or goes (6). */
static void
unsum(struct zk_tree *t, const struct zk_node *n)
{
	t->digest -= share(n->pdhash, &n->st);
}

/* Puts n's share (back) into the digest, once n has changed (6). */
static void
sum(struct zk_tree *t, const struct zk_node *n)
{
	t->digest += share(n->pdhash, &n->st);
}

/* Whether a node with this stat is ephemeral, (7). */
static int
ephemeral(const struct zk_stat *s)
{
	return s->ephemeral_owner != 0 &&
	    s->ephemeral_owner != ZK_CONTAINER_OWNER;
}

/* Whether a path of len bytes is "/zookeeper" or below it. */
static int
read_only(const char *p, size_t len)
{
	return len >= ZK_ROOT_LEN &&
	    memcmp(p, ZK_ROOT_NAME, ZK_ROOT_LEN) == 0 &&
	    (len == ZK_ROOT_LEN || p[ZK_ROOT_LEN] == '/');
}

static struct zk_node *
lookup(const struct zk_tree *t, const char *p, size_t len)
{
	struct zk_node	*n;
	uint32_t	 h = path_hash(p, len);

	for (n = t->b[h & (t->nb - 1)]; n != NULL; n = n->hnext)
		if (n->hash == h && n->pathlen == len &&
		    memcmp(n->path, p, len) == 0)
			return n;
	return NULL;
}

static void
bucket_push(struct zk_tree *t, struct zk_node *n)
{
	struct zk_node	**b = &t->b[n->hash & (t->nb - 1)];

	n->hnext = *b;
	*b = n;
}

static void
bucket_unlink(struct zk_tree *t, struct zk_node *n)
{
	struct zk_node	**pp = &t->b[n->hash & (t->nb - 1)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
}

/* Doubles the bucket array; nodes keep their addresses. */
static void
grow(struct zk_tree *t)
{
	struct zk_node	**old = t->b, *n, *nx;
	size_t		 oldnb = t->nb, i;

	t->nb *= 2;
	t->b = zk_xcalloc(t->nb, sizeof(*t->b));
	for (i = 0; i < oldnb; i++)
		for (n = old[i]; n != NULL; n = nx) {
			nx = n->hnext;
			bucket_push(t, n);
		}
	free(old);
}

static struct zk_node *
node_new(const char *p, size_t plen, const void *data, size_t len,
    const struct zk_stat *st)
{
	struct zk_node	*n;
	size_t		 i;

	n = zk_xmalloc(node_size(plen, len));
	n->hnext = n->child = n->prev = n->next = NULL;
	n->st = *st;
	n->st.data_length = (int32_t)len;
	n->st.num_children = 0;
	n->hash = path_hash(p, plen);
	n->pathlen = (uint32_t)plen;
	n->namepos = 1;
	for (i = plen; i > 1; i--)
		if (p[i - 1] == '/') {
			n->namepos = (uint32_t)i;
			break;
		}
	memcpy(n->path, p, plen);
	n->path[plen] = '\0';
	if (len > 0)
		memcpy(node_data(n), data, len);
	n->pdhash = pd_hash(n->path, plen, node_data(n), len);
	return n;
}

/*
 * Puts n in the table and on parent's child list; no stat but the count,
 * and nothing of the digest.
 */
static void
link_child(struct zk_tree *t, struct zk_node *parent, struct zk_node *n)
{
	if (t->count + 1 > t->nb)
		grow(t);
	bucket_push(t, n);
	t->count++;
	t->bytes += node_size(n->pathlen, n->st.data_length);
	n->prev = NULL;
	n->next = parent->child;
	if (parent->child != NULL)
		parent->child->prev = n;
	parent->child = n;
	parent->st.num_children++;
}

/* The inverse of link_child: n out of the table and off parent's list. */
static void
unlink_child(struct zk_tree *t, struct zk_node *parent, struct zk_node *n)
{
	bucket_unlink(t, n);
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		parent->child = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	parent->st.num_children--;
	t->count--;
	t->bytes -= node_size(n->pathlen, n->st.data_length);
}

/*
 * Keeps an undo record when marked; p's stat is saved before the change
 * (for U_SET, p is the new block and its stat is not needed).
 */
static void
note(struct zk_tree *t, enum undo_kind kind, struct zk_node *n,
    struct zk_node *p)
{
	struct undo	*u;

	if (!t->marked)
		return;
	if (t->nu == t->capu) {
		t->capu = t->capu > 0 ? t->capu * 2 : 16;
		t->u = zk_xrealloc(t->u, t->capu * sizeof(*t->u));
	}
	u = &t->u[t->nu++];
	u->kind = kind;
	u->n = n;
	u->p = p;
	u->pst = p->st;
}

/* link_child, with the digest: parent's new count and n's share. */
static void
attach(struct zk_tree *t, struct zk_node *parent, struct zk_node *n)
{
	unsum(t, parent);
	link_child(t, parent, n);
	sum(t, parent);
	sum(t, n);
}

/* attach, plus the parent's stat changes a create makes (tree.h (2)). */
static void
attach_created(struct zk_tree *t, struct zk_node *parent, struct zk_node *n,
    int64_t zxid)
{
	note(t, U_CREATED, n, parent);
	unsum(t, parent);
	link_child(t, parent, n);
	parent->st.cversion = (int32_t)((uint32_t)parent->st.cversion + 1);
	parent->st.pzxid = zxid;
	sum(t, parent);
	sum(t, n);
}

/*
 * Gives n room for len bytes of data, moving it if realloc must, and
 * returns its (maybe new) address. The data bytes are left to the caller.
 */
static struct zk_node *
resize(struct zk_tree *t, struct zk_node *n, size_t len)
{
	struct zk_node	*prev = n->prev, *next = n->next, *nn, *parent;
	size_t		 osz, nsz;
	uintptr_t	 old = (uintptr_t)n;
	int		 isroot = n == t->root;

	assert(!t->marked);	/* (8): blocks stay put while marked */
	osz = node_size(n->pathlen, n->st.data_length);
	nsz = node_size(n->pathlen, len);
	if (osz == nsz)
		return n;
	/* Nothing may point at the old block once realloc has run. */
	bucket_unlink(t, n);
	nn = zk_xrealloc(n, nsz);
	bucket_push(t, nn);
	t->bytes = t->bytes - osz + nsz;
	if ((uintptr_t)nn == old)
		return nn;
	if (isroot)
		t->root = nn;
	else if (prev != NULL)
		prev->next = nn;
	else {
		parent = lookup(t, nn->path,
		    zk_path_parent_len(nn->path, nn->pathlen));
		parent->child = nn;
	}
	if (next != NULL)
		next->prev = nn;
	return nn;
}

/*
 * Puts the block nn in cur's place: table, sibling list, parent's first
 * child pointer. nn already holds cur's header (but its links), path and
 * whatever data it is to have. Nothing of the digest.
 */
static void
swap_in(struct zk_tree *t, struct zk_node *cur, struct zk_node *nn)
{
	struct zk_node	*parent;

	nn->child = cur->child;
	nn->prev = cur->prev;
	nn->next = cur->next;
	bucket_unlink(t, cur);
	bucket_push(t, nn);
	t->bytes = t->bytes - node_size(cur->pathlen, cur->st.data_length) +
	    node_size(nn->pathlen, nn->st.data_length);
	if (cur == t->root)
		t->root = nn;
	else if (nn->prev != NULL)
		nn->prev->next = nn;
	else {
		parent = lookup(t, nn->path,
		    zk_path_parent_len(nn->path, nn->pathlen));
		parent->child = nn;
	}
	if (nn->next != NULL)
		nn->next->prev = nn;
}

/*
 * resize while marked: a new block with room for len bytes takes n's
 * place, and n is kept for undo with its data and stat, (8). Costs the
 * copy of the path, which resize's realloc may cost too.
 */
static struct zk_node *
replace(struct zk_tree *t, struct zk_node *n, size_t len)
{
	struct zk_node	*nn;

	nn = zk_xmalloc(node_size(n->pathlen, len));
	memcpy(nn, n, node_size(n->pathlen, 0));
	nn->st.data_length = (int32_t)len;
	swap_in(t, n, nn);
	note(t, U_SET, n, nn);
	return nn;
}

/* Adds a built-in node: empty, zxid 0, never counted as a change. */
static struct zk_node *
add_builtin(struct zk_tree *t, struct zk_node *parent, const char *p)
{
	struct zk_stat	 st;
	struct zk_node	*n;

	memset(&st, 0, sizeof(st));
	n = node_new(p, strlen(p), NULL, 0, &st);
	attach(t, parent, n);
	return n;
}

struct zk_tree *
zk_tree_new(void)
{
	struct zk_tree	*t;
	struct zk_stat	 st;
	struct zk_node	*zk;

	t = zk_xcalloc(1, sizeof(*t));
	t->nb = 16;
	t->b = zk_xcalloc(t->nb, sizeof(*t->b));
	memset(&st, 0, sizeof(st));
	t->root = node_new("/", 1, NULL, 0, &st);
	bucket_push(t, t->root);
	t->count = 1;
	t->bytes = node_size(1, 0);
	sum(t, t->root);
	zk = add_builtin(t, t->root, ZK_ROOT_NAME);
	add_builtin(t, zk, ZK_ROOT_NAME "/config");
	add_builtin(t, zk, ZK_ROOT_NAME "/quota");
	return t;
}

void
zk_tree_free(struct zk_tree *t)
{
	struct zk_node	*n, *nx;
	size_t		 i;

	if (t == NULL)
		return;
	if (t->marked)
		zk_tree_commit(t);	/* frees the blocks kept for undo */
	for (i = 0; i < t->nb; i++)
		for (n = t->b[i]; n != NULL; n = nx) {
			nx = n->hnext;
			free(n);
		}
	free(t->b);
	free(t);
}

struct zk_node *
zk_tree_find(const struct zk_tree *t, const char *path)
{
	return lookup(t, path, strlen(path));
}

size_t
zk_tree_count(const struct zk_tree *t)
{
	return t->count;
}

size_t
zk_tree_bytes(const struct zk_tree *t)
{
	return t->bytes + t->nb * sizeof(*t->b) + sizeof(*t);
}

const char *
zk_node_path(const struct zk_node *n)
{
	return n->path;
}

const char *
zk_node_name(const struct zk_node *n)
{
	return n->path + n->namepos;
}

const char *
zk_node_data(const struct zk_node *n, size_t *len)
{
	if (len != NULL)
		*len = (size_t)n->st.data_length;
	return node_data(n);
}

const struct zk_stat *
zk_node_stat(const struct zk_node *n)
{
	return &n->st;
}

int
zk_node_is_ephemeral(const struct zk_node *n)
{
	return ephemeral(&n->st);
}

int
zk_node_is_container(const struct zk_node *n)
{
	return n->st.ephemeral_owner == ZK_CONTAINER_OWNER;
}

struct zk_node *
zk_node_first_child(const struct zk_node *n)
{
	return n->child;
}

struct zk_node *
zk_node_next_sibling(const struct zk_node *n)
{
	return n->next;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
zk_node_children_sorted(const struct zk_node *n, size_t *count)
{
	const char		**v;
	const struct zk_node	*c;
	size_t			 k = 0, max = (size_t)n->st.num_children;

	v = zk_xmalloc((max > 0 ? max : 1) * sizeof(*v));
	for (c = n->child; c != NULL && k < max; c = c->next)
		v[k++] = c->path + c->namepos;
	qsort(v, k, sizeof(*v), cmp_names);
	*count = k;
	return v;
}

/*
 * Finds the nearest existing ancestor of the parent prefix p[0..parlen)
 * (which is missing), returning it and its length in *alen. Fails if the
 * missing ancestors' paths add up to more than ZK_TREE_MAX_PARENT_BYTES.
 */
static int
find_ancestor(const struct zk_tree *t, const char *p, size_t parlen,
    struct zk_node **anc, size_t *alen, struct zk_error *e)
{
	struct zk_node	*a = NULL;
	size_t		 len = parlen, need = 0;

	/* The root always exists, so this ends by len 1 at the latest. */
	while (a == NULL) {
		need += len + 1;
		if (need > ZK_TREE_MAX_PARENT_BYTES)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "too many missing parents to create (over %d bytes "
			    "of paths)", ZK_TREE_MAX_PARENT_BYTES);
		len = zk_path_parent_len(p, len);
		a = lookup(t, p, len);
	}
	*anc = a;
	*alen = len;
	return ZK_OK;
}

int
zk_tree_create(struct zk_tree *t, const char *path, const void *data,
    size_t len, int flags, int64_t ephemeral_owner, int64_t zxid,
    int64_t time_ms, char **created, struct zk_stat *st, struct zk_error *e)
{
	struct zk_node	*parent, *anc = NULL, *n;
	struct zk_stat	 ns;
	size_t		 plen = strlen(path), parlen, alen = 0, flen, i;
	char		*fin;
	int32_t		 seq = 0;
	int		 rc;

	if (len > INT32_MAX)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "data of %zu bytes is too big", len);
	/* ZooKeeper has no ephemeral or sequential CreateMode.CONTAINER. */
	if ((flags & ZK_CREATE_CONTAINER) && ((flags & (ZK_CREATE_EPHEMERAL |
	    ZK_CREATE_SEQUENTIAL)) || ephemeral_owner != 0))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "a container cannot be ephemeral or sequential");
	/* A sequential "/" names a child of the root. */
	if (plen == 1 && (flags & ZK_CREATE_SEQUENTIAL))
		parlen = 1;
	else
		parlen = zk_path_parent_len(path, plen);
	if (parlen == 0)
		return zk_error_set(e, ZK_ENODEEXISTS, "the root node exists");
	if (read_only(path, parlen))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s is read-only", ZK_ROOT_NAME);

	if ((parent = lookup(t, path, parlen)) == NULL) {
		if (!(flags & ZK_CREATE_PARENTS))
			return zk_error_set(e, ZK_ENONODE,
			    "parent node %.*s does not exist",
			    (int)parlen, path);
		rc = find_ancestor(t, path, parlen, &anc, &alen, e);
		if (rc != ZK_OK)
			return rc;
		if (ephemeral(&anc->st))
			return zk_error_set(e, ZK_ENOCHILDRENFOREPHEMERALS,
			    "ancestor node %s is ephemeral", anc->path);
		/* The new parent's cversion is 0 before this create. */
	} else
		seq = parent->st.cversion;

	fin = (char *)path;
	flen = plen;
	if (flags & ZK_CREATE_SEQUENTIAL) {
		/* ZooKeeper: path + String.format("%010d", parentCVersion). */
		fin = zk_xmalloc(plen + 12);
		memcpy(fin, path, plen);
		flen = plen + (size_t)snprintf(fin + plen, 12, "%010d", seq);
	}
	/* ZooKeeper's order: NodeExists before NoChildrenForEphemerals. */
	if (parent != NULL && lookup(t, fin, flen) != NULL) {
		rc = zk_error_set(e, ZK_ENODEEXISTS, "node %s exists", fin);
		goto fail;
	}
	if (parent != NULL && ephemeral(&parent->st)) {
		rc = zk_error_set(e, ZK_ENOCHILDRENFOREPHEMERALS,
		    "parent node %s is ephemeral", parent->path);
		goto fail;
	}

	/* Every check has passed: from here on the tree changes. */
	memset(&ns, 0, sizeof(ns));
	ns.czxid = ns.mzxid = ns.pzxid = zxid;
	ns.ctime = ns.mtime = time_ms;
	if (parent == NULL) {
		/*
		 * Missing ancestors end at each '/' after the existing one
		 * (no component is empty, so the scan may start a byte late).
		 */
		for (i = alen + 1; i <= parlen; i++) {
			if (i < parlen && path[i] != '/')
				continue;
			n = node_new(path, i, NULL, 0, &ns);
			attach_created(t, anc, n, zxid);
			anc = n;
		}
		parent = anc;
	}
	ns.ephemeral_owner = (flags & ZK_CREATE_CONTAINER) ?
	    ZK_CONTAINER_OWNER : ephemeral_owner;
	n = node_new(fin, flen, data, len, &ns);
	attach_created(t, parent, n, zxid);
	if (st != NULL)
		*st = n->st;
	if (created != NULL)
		*created = fin != path ? fin : zk_xstrdup(path);
	else if (fin != path)
		free(fin);
	return ZK_OK;

fail:
	if (fin != path)
		free(fin);
	return rc;
}

static int
check_version(const struct zk_node *n, int32_t version, struct zk_error *e)
{
	if (version != -1 && version != n->st.version)
		return zk_error_set(e, ZK_EBADVERSION,
		    "node is at version %d, not %d", n->st.version, version);
	return ZK_OK;
}

int
zk_tree_delete(struct zk_tree *t, const char *path, int32_t version,
    int64_t zxid, int64_t *owner, struct zk_error *e)
{
	struct zk_node	*n, *parent;
	size_t		 plen = strlen(path);
	int		 rc;

	if (plen == 1 && path[0] == '/')
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "the root node cannot be deleted");
	if (read_only(path, plen))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s is read-only", ZK_ROOT_NAME);
	if ((n = lookup(t, path, plen)) == NULL)
		return zk_error_set(e, ZK_ENONODE, "no such node");
	if ((rc = check_version(n, version, e)) != ZK_OK)
		return rc;
	if (n->st.num_children > 0)
		return zk_error_set(e, ZK_ENOTEMPTY, "node has %d children",
		    n->st.num_children);

	parent = lookup(t, path, zk_path_parent_len(path, plen));
	note(t, U_DELETED, n, parent);
	unsum(t, n);
	unsum(t, parent);
	unlink_child(t, parent, n);
	parent->st.cversion = (int32_t)((uint32_t)parent->st.cversion + 1);
	parent->st.pzxid = zxid;
	sum(t, parent);
	if (owner != NULL)
		*owner = n->st.ephemeral_owner;
	if (!t->marked)
		free(n);	/* else the undo record keeps it, (8) */
	return ZK_OK;
}

int
zk_tree_set(struct zk_tree *t, const char *path, const void *data,
    size_t len, int32_t version, int64_t zxid, int64_t time_ms,
    struct zk_stat *st, struct zk_error *e)
{
	struct zk_node	*n;
	size_t		 plen = strlen(path);
	int		 rc;

	if (read_only(path, plen))
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s is read-only", ZK_ROOT_NAME);
	if ((n = lookup(t, path, plen)) == NULL)
		return zk_error_set(e, ZK_ENONODE, "no such node");
	if ((rc = check_version(n, version, e)) != ZK_OK)
		return rc;
	if (len > INT32_MAX)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "data of %zu bytes is too big", len);

	unsum(t, n);
	n = t->marked ? replace(t, n, len) : resize(t, n, len);
	if (len > 0)
		memmove(node_data(n), data, len);
	n->st.data_length = (int32_t)len;
	n->st.version = (int32_t)((uint32_t)n->st.version + 1);
	n->st.mzxid = zxid;
	n->st.mtime = time_ms;
	n->pdhash = pd_hash(n->path, n->pathlen, node_data(n), len);
	sum(t, n);
	if (st != NULL)
		*st = n->st;
	return ZK_OK;
}

int
zk_tree_load(struct zk_tree *t, const char *path, const void *data,
    size_t len, const struct zk_stat *st, struct zk_error *e)
{
	struct zk_node	*n, *parent;
	size_t		 plen = strlen(path), parlen;
	int32_t		 nchildren;
	int		 rc;

	assert(!t->marked);	/* tree.h: no load while marked */
	if ((rc = zk_path_validate(path, plen, e)) != ZK_OK)
		return rc;
	if (len > INT32_MAX)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "data of %zu bytes is too big", len);
	if ((n = lookup(t, path, plen)) != NULL) {
		if (ephemeral(st) && n->child != NULL)
			return zk_error_set(e, ZK_ENOCHILDRENFOREPHEMERALS,
			    "an ephemeral node would have children");
		nchildren = n->st.num_children;
		unsum(t, n);
		n = resize(t, n, len);
		if (len > 0)
			memmove(node_data(n), data, len);
		n->st = *st;
		n->st.num_children = nchildren;
		n->st.data_length = (int32_t)len;
		n->pdhash = pd_hash(n->path, n->pathlen, node_data(n), len);
		sum(t, n);
		return ZK_OK;
	}
	parlen = zk_path_parent_len(path, plen);
	if ((parent = lookup(t, path, parlen)) == NULL)
		return zk_error_set(e, ZK_ENONODE,
		    "parent node %.*s is not loaded", (int)parlen, path);
	if (ephemeral(&parent->st))
		return zk_error_set(e, ZK_ENOCHILDRENFOREPHEMERALS,
		    "parent node %s is ephemeral", parent->path);
	attach(t, parent, node_new(path, plen, data, len, st));
	return ZK_OK;
}

void
zk_tree_mark(struct zk_tree *t)
{
	assert(!t->marked);	/* marks do not nest */
	t->marked = 1;
	t->nu = 0;
}

/* Takes one record back; the tree is as the record's change left it. */
static void
undo_one(struct zk_tree *t, const struct undo *u)
{
	switch (u->kind) {
	case U_CREATED:
		assert(u->n->child == NULL);
		unsum(t, u->n);
		unsum(t, u->p);
		unlink_child(t, u->p, u->n);
		u->p->st = u->pst;
		sum(t, u->p);
		free(u->n);
		break;
	case U_DELETED:
		unsum(t, u->p);
		link_child(t, u->p, u->n);
		u->p->st = u->pst;
		sum(t, u->p);
		sum(t, u->n);
		break;
	case U_SET:
		unsum(t, u->p);
		swap_in(t, u->p, u->n);
		sum(t, u->n);
		free(u->p);
		break;
	}
}

/* Ends a mark: the records and their array go. */
static void
unmark(struct zk_tree *t)
{
	free(t->u);
	t->u = NULL;
	t->nu = t->capu = 0;
	t->marked = 0;
}

void
zk_tree_rollback(struct zk_tree *t)
{
	assert(t->marked);
	while (t->nu > 0)
		undo_one(t, &t->u[--t->nu]);
	unmark(t);
}

void
zk_tree_commit(struct zk_tree *t)
{
	size_t	 i;

	assert(t->marked);
	/* The kept blocks are out of the tree; created nodes stay in it. */
	for (i = 0; i < t->nu; i++)
		if (t->u[i].kind != U_CREATED)
			free(t->u[i].n);
	unmark(t);
}

int
zk_tree_walk(const struct zk_tree *t, const struct zk_node *n,
    int (*fn)(const struct zk_node *, void *), void *arg)
{
	const struct zk_node	**stk, *c, *ch;
	size_t			 top = 0, cap = 64;
	int			 rc = 0;

	/*
	 * An explicit stack rather than recursion: a path may be thousands
	 * of components deep, and the C stack is not ours to spend.
	 */
	(void)t;
	stk = zk_xmalloc(cap * sizeof(*stk));
	stk[top++] = n;
	while (top > 0) {
		c = stk[--top];
		if ((rc = fn(c, arg)) != 0)
			break;
		for (ch = c->child; ch != NULL; ch = ch->next) {
			if (top == cap) {
				cap *= 2;
				stk = zk_xrealloc(stk, cap * sizeof(*stk));
			}
			stk[top++] = ch;
		}
	}
	free(stk);
	return rc;
}

/*
 * The digest from scratch: every node's share, its path and data hashed
 * afresh rather than taken from pdhash. O(nodes + bytes of data); what
 * zk_tree_digest computed on every call before the tree kept the sum.
 */
static uint64_t
digest_full(const struct zk_tree *t)
{
	const struct zk_node	*n;
	uint64_t		 total = 0;
	size_t			 i;

	/* A sum of per-node hashes is the same in whatever order we visit. */
	for (i = 0; i < t->nb; i++)
		for (n = t->b[i]; n != NULL; n = n->hnext)
			total += share(pd_hash(n->path, n->pathlen,
			    node_data(n), (size_t)n->st.data_length), &n->st);
	return total;
}

uint64_t
zk_tree_digest(const struct zk_tree *t)
{
	return t->digest;
}

uint64_t
zk_tree_digest_full(const struct zk_tree *t)
{
	return digest_full(t);
}
