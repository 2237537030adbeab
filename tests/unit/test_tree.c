/* Unit tests for lib/tree.c: znodes, ZooKeeper's stat rules, the digest. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "proto.h"
#include "test.h"
#include "tree.h"
#include "util.h"

#define SEQ	ZK_CREATE_SEQUENTIAL
#define PAR	ZK_CREATE_PARENTS
#define CON	ZK_CREATE_CONTAINER
#define EPH	ZK_CREATE_EPHEMERAL

static const struct zk_stat *
stat_of(struct zk_tree *t, const char *path)
{
	struct zk_node	*n = zk_tree_find(t, path);

	return n != NULL ? zk_node_stat(n) : NULL;
}

/* Creates a persistent node with string data; returns the code. */
static int
mk(struct zk_tree *t, const char *path, const char *data, int64_t zxid)
{
	return zk_tree_create(t, path, data, data ? strlen(data) : 0, 0, 0,
	    zxid, 1000 + zxid, NULL, NULL, NULL);
}

/* tree (1): a new tree holds "/" and the three read-only nodes. */
static void
test_new_tree(void)
{
	struct zk_tree	*t = zk_tree_new();
	const char	**v;
	size_t		 n;

	ZK_ASSERT_EQ(zk_tree_count(t), 4);
	ZK_ASSERT(zk_tree_find(t, "/") != NULL);
	ZK_ASSERT(zk_tree_find(t, "/zookeeper") != NULL);
	ZK_ASSERT(zk_tree_find(t, "/zookeeper/config") != NULL);
	ZK_ASSERT(zk_tree_find(t, "/zookeeper/quota") != NULL);
	ZK_ASSERT(zk_tree_find(t, "/zookeeper/") == NULL);
	ZK_ASSERT_EQ(stat_of(t, "/")->num_children, 1);
	ZK_ASSERT_EQ(stat_of(t, "/zookeeper")->num_children, 2);
	ZK_ASSERT_STR(zk_node_name(zk_tree_find(t, "/")), "");
	ZK_ASSERT_STR(zk_node_name(zk_tree_find(t, "/zookeeper/quota")),
	    "quota");
	v = zk_node_children_sorted(zk_tree_find(t, "/zookeeper"), &n);
	ZK_ASSERT_EQ(n, 2);
	ZK_ASSERT_STR(v[0], "config");
	ZK_ASSERT_STR(v[1], "quota");
	free(v);
	ZK_ASSERT(zk_tree_bytes(t) > 0);
	zk_tree_free(t);
}

/* tree (2): create sets every stat field and the parent's child stats. */
static void
test_create_stat(void)
{
	struct zk_tree		*t = zk_tree_new();
	const struct zk_stat	*s, *r;
	struct zk_stat		 st;
	char			*created = NULL;
	const char		*d;
	size_t			 len;

	ZK_ASSERT_EQ(zk_tree_create(t, "/a", "hello", 5, 0, 0, 7, 1234,
	    &created, &st, NULL), ZK_OK);
	ZK_ASSERT_STR(created, "/a");
	free(created);
	s = stat_of(t, "/a");
	ZK_ASSERT(s != NULL);
	ZK_ASSERT_MEM(s, &st, sizeof(st));
	ZK_ASSERT_EQ(s->czxid, 7);
	ZK_ASSERT_EQ(s->mzxid, 7);
	ZK_ASSERT_EQ(s->pzxid, 7);
	ZK_ASSERT_EQ(s->ctime, 1234);
	ZK_ASSERT_EQ(s->mtime, 1234);
	ZK_ASSERT_EQ(s->version, 0);
	ZK_ASSERT_EQ(s->cversion, 0);
	ZK_ASSERT_EQ(s->aversion, 0);
	ZK_ASSERT_EQ(s->ephemeral_owner, 0);
	ZK_ASSERT_EQ(s->data_length, 5);
	ZK_ASSERT_EQ(s->num_children, 0);
	d = zk_node_data(zk_tree_find(t, "/a"), &len);
	ZK_ASSERT_EQ(len, 5);
	ZK_ASSERT_MEM(d, "hello", 5);
	r = stat_of(t, "/");
	ZK_ASSERT_EQ(r->cversion, 1);
	ZK_ASSERT_EQ(r->pzxid, 7);
	ZK_ASSERT_EQ(r->num_children, 2);
	ZK_ASSERT_EQ(r->mzxid, 0);
	ZK_ASSERT_EQ(r->version, 0);

	ZK_ASSERT_EQ(mk(t, "/a/b", NULL, 8), ZK_OK);
	s = stat_of(t, "/a");
	ZK_ASSERT_EQ(s->cversion, 1);
	ZK_ASSERT_EQ(s->pzxid, 8);
	ZK_ASSERT_EQ(s->num_children, 1);
	ZK_ASSERT_EQ(s->mzxid, 7);	/* a child is not a data change */
	ZK_ASSERT_EQ(s->version, 0);
	ZK_ASSERT_EQ(stat_of(t, "/a/b")->data_length, 0);
	ZK_ASSERT_EQ(zk_tree_count(t), 6);
	zk_tree_free(t);
}

/* tree (2): setData bumps version, sets mzxid, mtime, dataLength only. */
static void
test_set_stat(void)
{
	struct zk_tree		*t = zk_tree_new();
	const struct zk_stat	*s;
	struct zk_stat		 st;
	char			 big[5000];
	const char		*d;
	size_t			 len;

	ZK_ASSERT_EQ(mk(t, "/a", "x", 3), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_set(t, "/a", "yz", 2, -1, 9, 5000, &st, NULL),
	    ZK_OK);
	s = stat_of(t, "/a");
	ZK_ASSERT_MEM(s, &st, sizeof(st));
	ZK_ASSERT_EQ(s->version, 1);
	ZK_ASSERT_EQ(s->mzxid, 9);
	ZK_ASSERT_EQ(s->mtime, 5000);
	ZK_ASSERT_EQ(s->data_length, 2);
	ZK_ASSERT_EQ(s->czxid, 3);
	ZK_ASSERT_EQ(s->ctime, 1003);
	ZK_ASSERT_EQ(s->pzxid, 3);
	ZK_ASSERT_EQ(s->cversion, 0);
	ZK_ASSERT_EQ(stat_of(t, "/")->cversion, 1);	/* parent untouched */

	memset(big, 'q', sizeof(big));
	ZK_ASSERT_EQ(zk_tree_set(t, "/a", big, sizeof(big), 1, 10, 6000, NULL,
	    NULL), ZK_OK);
	d = zk_node_data(zk_tree_find(t, "/a"), &len);
	ZK_ASSERT_EQ(len, sizeof(big));
	ZK_ASSERT_MEM(d, big, sizeof(big));
	ZK_ASSERT_EQ(zk_tree_set(t, "/a", NULL, 0, 2, 11, 7000, NULL, NULL),
	    ZK_OK);
	s = stat_of(t, "/a");
	ZK_ASSERT_EQ(s->version, 3);
	ZK_ASSERT_EQ(s->data_length, 0);
	ZK_ASSERT_EQ(s->mzxid, 11);

	/* The root's data may be set, as in ZooKeeper. */
	ZK_ASSERT_EQ(zk_tree_set(t, "/", big, sizeof(big), -1, 12, 8000, NULL,
	    NULL), ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/")->data_length, (int)sizeof(big));
	ZK_ASSERT_EQ(stat_of(t, "/")->num_children, 2);
	ZK_ASSERT(zk_tree_find(t, "/a") != NULL);
	ZK_ASSERT_EQ(mk(t, "/b", NULL, 13), ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/")->num_children, 3);
	zk_tree_free(t);
}

/*
 * Counts the children on parent's list, checking that each is the node
 * the table finds for its path; -1 if not, or if the count is off.
 */
static int
list_ok(struct zk_tree *t, const char *parent)
{
	struct zk_node	*p = zk_tree_find(t, parent), *c;
	int		 k = 0;

	for (c = zk_node_first_child(p); c != NULL;
	    c = zk_node_next_sibling(c)) {
		if (zk_tree_find(t, zk_node_path(c)) != c)
			return -1;
		k++;
	}
	return k == zk_node_stat(p)->num_children ? k : -1;
}

/* tree (1): a setData that moves a node keeps every link to it right. */
static void
test_set_moves_node(void)
{
	struct zk_tree	*t = zk_tree_new();
	static char	 big[1 << 20];
	char		 path[32];
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		ZK_ASSERT_EQ(mk(t, path, "a", 10 + i), ZK_OK);
	}
	ZK_ASSERT_EQ(mk(t, "/p2/c", "x", 20), ZK_OK);
	memset(big, 'z', sizeof(big));
	/* First, middle and last sibling, each grown then shrunk. */
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		ZK_ASSERT_EQ(zk_tree_set(t, path, big, sizeof(big), -1,
		    30 + 2 * i, 0, NULL, NULL), ZK_OK);
		ZK_ASSERT_EQ(list_ok(t, "/"), 6);
		ZK_ASSERT_EQ(zk_tree_set(t, path, "s", 1, -1, 31 + 2 * i, 0,
		    NULL, NULL), ZK_OK);
		ZK_ASSERT_EQ(list_ok(t, "/"), 6);
	}
	ZK_ASSERT_EQ(list_ok(t, "/p2"), 1);
	ZK_ASSERT(zk_tree_find(t, "/p2/c") != NULL);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/p2/c", -1, 50, NULL, NULL), ZK_OK);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		ZK_ASSERT_EQ(zk_tree_delete(t, path, -1, 51 + i, NULL, NULL),
		    ZK_OK);
	}
	ZK_ASSERT_EQ(list_ok(t, "/"), 1);
	ZK_ASSERT_EQ(zk_tree_count(t), 4);
	zk_tree_free(t);
}

/* tree (2): delete bumps the parent's cversion, sets pzxid, numChildren. */
static void
test_delete_stat(void)
{
	struct zk_tree		*t = zk_tree_new();
	const struct zk_stat	*s;
	int64_t			 owner = -1;

	ZK_ASSERT_EQ(mk(t, "/a", NULL, 2), ZK_OK);
	ZK_ASSERT_EQ(mk(t, "/a/b", NULL, 3), ZK_OK);
	ZK_ASSERT_EQ(mk(t, "/a/c", NULL, 4), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/a/b", -1, 9, &owner, NULL), ZK_OK);
	ZK_ASSERT_EQ(owner, 0);
	ZK_ASSERT(zk_tree_find(t, "/a/b") == NULL);
	s = stat_of(t, "/a");
	ZK_ASSERT_EQ(s->cversion, 3);
	ZK_ASSERT_EQ(s->pzxid, 9);
	ZK_ASSERT_EQ(s->num_children, 1);
	ZK_ASSERT_EQ(s->mzxid, 2);
	ZK_ASSERT_EQ(s->version, 0);
	ZK_ASSERT_EQ(zk_tree_count(t), 6);
	zk_tree_free(t);
}

/* tree (3): sequential names count the parent's cversion, also deletes. */
static void
test_sequential(void)
{
	struct zk_tree	*t = zk_tree_new();
	char		*c = NULL;
	struct zk_stat	 st;

	ZK_ASSERT_EQ(mk(t, "/q", NULL, 1), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/lock-", NULL, 0, SEQ, 0, 2, 0, &c,
	    &st, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/q/lock-0000000000");
	ZK_ASSERT_EQ(st.czxid, 2);
	free(c);
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/lock-", NULL, 0, SEQ, 0, 3, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/q/lock-0000000001");
	free(c);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/q/lock-0000000000", -1, 4, NULL,
	    NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/q/lock-0000000001", -1, 5, NULL,
	    NULL), ZK_OK);
	/* Two creates and two deletes: the counter is at 4, not back to 0. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/lock-", NULL, 0, SEQ, 0, 6, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/q/lock-0000000004");
	free(c);
	/* A prefix ending in '/' names the child by its number alone. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/", NULL, 0, SEQ, 0, 7, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/q/0000000005");
	free(c);
	ZK_ASSERT_EQ(zk_tree_create(t, "/", NULL, 0, SEQ, 0, 8, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/0000000001");	/* "/zookeeper" came free */
	free(c);
	ZK_ASSERT(zk_tree_find(t, "/0000000001") != NULL);
	ZK_ASSERT_EQ(stat_of(t, "/q")->num_children, 2);
	zk_tree_free(t);
}

/* tree (3): the suffix is %010d of a signed 32-bit cversion, which wraps. */
static void
test_sequential_wraps(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_stat	 st;
	char		*c = NULL;

	memset(&st, 0, sizeof(st));
	st.cversion = INT32_MAX;
	ZK_ASSERT_EQ(zk_tree_load(t, "/w", NULL, 0, &st, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/w/x-", NULL, 0, SEQ, 0, 1, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/w/x-2147483647");
	free(c);
	ZK_ASSERT_EQ(stat_of(t, "/w")->cversion, INT32_MIN);
	ZK_ASSERT_EQ(zk_tree_create(t, "/w/x-", NULL, 0, SEQ, 0, 2, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/w/x--2147483648");
	free(c);
	st.cversion = -5;
	ZK_ASSERT_EQ(zk_tree_load(t, "/w", NULL, 0, &st, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/w/x-", NULL, 0, SEQ, 0, 3, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/w/x--000000005");
	free(c);
	zk_tree_free(t);
}

/* tree (2) and (3): a sequential name that exists fails, changing nothing. */
static void
test_sequential_exists(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;
	char		*c = NULL;
	uint64_t	 d;

	ZK_ASSERT_EQ(mk(t, "/q", NULL, 1), ZK_OK);
	ZK_ASSERT_EQ(mk(t, "/q/n0000000001", NULL, 2), ZK_OK);
	/* cversion is 1 and the name it gives is taken. */
	d = zk_tree_digest(t);
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/n", NULL, 0, SEQ, 0, 3, 0, &c,
	    NULL, &e), ZK_ENODEEXISTS);
	ZK_ASSERT_STR(e.msg, "node /q/n0000000001 exists");
	ZK_ASSERT(c == NULL);
	ZK_ASSERT_EQ(zk_tree_digest(t), d);
	ZK_ASSERT_EQ(stat_of(t, "/q")->cversion, 1);
	ZK_ASSERT_EQ(stat_of(t, "/q")->num_children, 1);
	/* Any other child change moves the counter past it. */
	ZK_ASSERT_EQ(mk(t, "/q/other", NULL, 4), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/q/n", NULL, 0, SEQ, 0, 5, 0, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/q/n0000000002");
	free(c);
	zk_tree_free(t);
}

/* ZK_CREATE_PARENTS makes missing ancestors, persistent, at the same zxid. */
static void
test_parents(void)
{
	struct zk_tree		*t = zk_tree_new();
	const struct zk_stat	*s;
	struct zk_error		 e;
	char			*c = NULL;

	ZK_ASSERT_EQ(zk_tree_create(t, "/p/q/r", "d", 1, 0, 0, 5, 50, NULL,
	    NULL, &e), ZK_ENONODE);
	ZK_ASSERT_STR(e.msg, "parent node /p/q does not exist");
	ZK_ASSERT_EQ(zk_tree_count(t), 4);
	ZK_ASSERT_EQ(zk_tree_create(t, "/p/q/r", "d", 1, PAR, 0, 5, 50, &c,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_STR(c, "/p/q/r");
	free(c);
	ZK_ASSERT_EQ(zk_tree_count(t), 7);
	s = stat_of(t, "/p");
	ZK_ASSERT_EQ(s->czxid, 5);
	ZK_ASSERT_EQ(s->ctime, 50);
	ZK_ASSERT_EQ(s->pzxid, 5);
	ZK_ASSERT_EQ(s->cversion, 1);
	ZK_ASSERT_EQ(s->num_children, 1);
	ZK_ASSERT_EQ(s->data_length, 0);
	ZK_ASSERT_EQ(s->ephemeral_owner, 0);
	s = stat_of(t, "/p/q");
	ZK_ASSERT_EQ(s->cversion, 1);
	ZK_ASSERT_EQ(s->num_children, 1);
	ZK_ASSERT_EQ(stat_of(t, "/p/q/r")->data_length, 1);
	ZK_ASSERT_EQ(stat_of(t, "/")->cversion, 1);

	/* An ephemeral owner is for the leaf only. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/p/x/y/", NULL, 0,
	    PAR | SEQ | ZK_CREATE_EPHEMERAL, 77, 6, 60, &c, NULL, NULL),
	    ZK_OK);
	ZK_ASSERT_STR(c, "/p/x/y/0000000000");
	free(c);
	ZK_ASSERT_EQ(stat_of(t, "/p/x/y")->ephemeral_owner, 0);
	ZK_ASSERT_EQ(stat_of(t, "/p/x/y/0000000000")->ephemeral_owner, 77);

	/* With every parent there, the flag changes nothing. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/p/q/s", NULL, 0, PAR, 0, 7, 0, NULL,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/p/q")->num_children, 2);
	ZK_ASSERT_EQ(zk_tree_create(t, "/p/q/s", NULL, 0, PAR, 0, 8, 0, NULL,
	    NULL, NULL), ZK_ENODEEXISTS);
	zk_tree_free(t);
}

/* A deep path's missing parents are capped, since each holds its path. */
static void
test_parents_cap(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;
	char		*p;
	size_t		 i, n = 6000;

	p = malloc(n + 1);
	for (i = 0; i < n; i += 2) {
		p[i] = '/';
		p[i + 1] = 'a';
	}
	p[n] = '\0';
	ZK_ASSERT_EQ(zk_tree_create(t, p, NULL, 0, PAR, 0, 1, 0, NULL, NULL,
	    &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_count(t), 4);
	p[1000] = '\0';		/* 500 levels, 250 kB of paths: fine */
	ZK_ASSERT_EQ(zk_tree_create(t, p, NULL, 0, PAR, 0, 1, 0, NULL, NULL,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_count(t), 504);
	free(p);
	zk_tree_free(t);
}

/* tree (4): an ephemeral node has no children, created or by parents. */
static void
test_ephemeral_rules(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;
	int64_t		 owner = 0;

	ZK_ASSERT_EQ(zk_tree_create(t, "/e", NULL, 0, ZK_CREATE_EPHEMERAL,
	    0x1234, 1, 0, NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/e")->ephemeral_owner, 0x1234);
	ZK_ASSERT_EQ(mk(t, "/e/x", NULL, 2), ZK_ENOCHILDRENFOREPHEMERALS);
	ZK_ASSERT_EQ(zk_tree_create(t, "/e/x/y", NULL, 0, PAR, 0, 3, 0, NULL,
	    NULL, &e), ZK_ENOCHILDRENFOREPHEMERALS);
	ZK_ASSERT_STR(e.msg, "ancestor node /e is ephemeral");
	ZK_ASSERT_EQ(zk_tree_create(t, "/e/", NULL, 0, SEQ, 0, 4, 0, NULL,
	    NULL, NULL), ZK_ENOCHILDRENFOREPHEMERALS);
	ZK_ASSERT_EQ(zk_tree_count(t), 5);
	ZK_ASSERT_EQ(stat_of(t, "/e")->cversion, 0);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/e", -1, 5, &owner, NULL), ZK_OK);
	ZK_ASSERT_EQ(owner, 0x1234);
	zk_tree_free(t);
}

/*
 * tree (5): a container is marked by its owner, takes children (ephemeral
 * ones too), is persistent for every rule, and cannot be ephemeral or
 * sequential; its missing parents are plain persistent.
 */
static void
test_container(void)
{
	struct zk_tree		*t = zk_tree_new(), *b = zk_tree_new();
	const struct zk_stat	*s;
	struct zk_stat		 st;
	struct zk_error		 e;
	uint64_t		 d;
	int64_t			 owner = 0;

	ZK_ASSERT_EQ(zk_tree_create(t, "/c", "x", 1, CON, 0, 1, 10, NULL, &st,
	    NULL), ZK_OK);
	s = stat_of(t, "/c");
	ZK_ASSERT_EQ(s->ephemeral_owner, ZK_CONTAINER_OWNER);
	ZK_ASSERT_EQ(st.ephemeral_owner, ZK_CONTAINER_OWNER);
	ZK_ASSERT(zk_node_is_container(zk_tree_find(t, "/c")));
	ZK_ASSERT(!zk_node_is_ephemeral(zk_tree_find(t, "/c")));
	ZK_ASSERT_EQ(mk(t, "/c/a", NULL, 2), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/c/e", NULL, 0, EPH, 0x55, 3, 0,
	    NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT(zk_node_is_ephemeral(zk_tree_find(t, "/c/e")));
	ZK_ASSERT(!zk_node_is_container(zk_tree_find(t, "/c/e")));
	ZK_ASSERT(!zk_node_is_ephemeral(zk_tree_find(t, "/c/a")));
	ZK_ASSERT_EQ(zk_tree_create(t, "/c/s-", NULL, 0, SEQ, 0, 4, 0, NULL,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT(zk_tree_find(t, "/c/s-0000000002") != NULL);
	ZK_ASSERT_EQ(stat_of(t, "/c")->num_children, 3);
	ZK_ASSERT_EQ(zk_tree_create(t, "/c/p/q", NULL, 0, PAR, 0, 5, 0, NULL,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/c", -1, 6, NULL, NULL), ZK_ENOTEMPTY);

	/* Refused combinations change nothing. */
	d = zk_tree_digest(t);
	ZK_ASSERT_EQ(zk_tree_create(t, "/d", NULL, 0, CON | EPH, 0x55, 7, 0,
	    NULL, NULL, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_STR(e.msg, "a container cannot be ephemeral or sequential");
	ZK_ASSERT_EQ(zk_tree_create(t, "/d", NULL, 0, CON, 0x55, 7, 0,
	    NULL, NULL, NULL), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_create(t, "/d", NULL, 0, CON | SEQ, 0, 7, 0,
	    NULL, NULL, NULL), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_digest(t), d);
	ZK_ASSERT(zk_tree_find(t, "/d") == NULL);

	/* With parents: only the leaf is a container. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/m/n/o", NULL, 0, CON | PAR, 0, 8, 0,
	    NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/m")->ephemeral_owner, 0);
	ZK_ASSERT_EQ(stat_of(t, "/m/n")->ephemeral_owner, 0);
	ZK_ASSERT_EQ(stat_of(t, "/m/n/o")->ephemeral_owner,
	    ZK_CONTAINER_OWNER);
	ZK_ASSERT_EQ(zk_tree_create(t, "/m/n/o/p/q", NULL, 0, PAR, 0, 9, 0,
	    NULL, NULL, NULL), ZK_OK);

	/* A plain delete takes an empty container and reports its owner. */
	ZK_ASSERT_EQ(zk_tree_create(t, "/gone", NULL, 0, CON, 0, 10, 0, NULL,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/gone", -1, 11, &owner, NULL), ZK_OK);
	ZK_ASSERT_EQ(owner, ZK_CONTAINER_OWNER);

	/* Loading: a container's children load under it. */
	ZK_ASSERT_EQ(zk_tree_load(b, "/c", "x", 1, stat_of(t, "/c"), NULL),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_tree_load(b, "/c/a", NULL, 0, stat_of(t, "/c/a"),
	    &e), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_load(b, "/c", "x", 1, stat_of(t, "/c"), &e),
	    ZK_OK);
	ZK_ASSERT_EQ(stat_of(b, "/c")->num_children, 1);
	ZK_ASSERT(zk_node_is_container(zk_tree_find(b, "/c")));
	ZK_ASSERT_EQ(zk_tree_digest(t), zk_tree_digest_full(t));
	ZK_ASSERT_EQ(zk_tree_digest(b), zk_tree_digest_full(b));
	zk_tree_free(t);
	zk_tree_free(b);
}

/* tree (1): "/zookeeper" and its nodes refuse create, delete and set. */
static void
test_zookeeper_read_only(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;
	uint64_t	 d = zk_tree_digest(t);

	ZK_ASSERT_EQ(mk(t, "/zookeeper/x", NULL, 1), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_create(t, "/zookeeper/quota/x", NULL, 0, 0, 0, 2,
	    0, NULL, NULL, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_STR(e.msg, "/zookeeper is read-only");
	ZK_ASSERT_EQ(zk_tree_create(t, "/zookeeper/", NULL, 0, SEQ, 0, 3, 0,
	    NULL, NULL, NULL), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_create(t, "/zookeeper/a/b", NULL, 0, PAR, 0, 3,
	    0, NULL, NULL, NULL), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(mk(t, "/zookeeper", NULL, 4), ZK_ENODEEXISTS);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/zookeeper", -1, 5, NULL, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_STR(e.msg, "/zookeeper is read-only");
	ZK_ASSERT_EQ(zk_tree_delete(t, "/zookeeper/quota", -1, 5, NULL, NULL),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_set(t, "/zookeeper", "x", 1, -1, 6, 0, NULL, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_set(t, "/zookeeper/config", "x", 1, -1, 6, 0,
	    NULL, NULL), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_tree_digest(t), d);
	/* A name that only starts with "zookeeper" is an ordinary node. */
	ZK_ASSERT_EQ(mk(t, "/zookeeperx", NULL, 7), ZK_OK);
	ZK_ASSERT_EQ(mk(t, "/zookeeperx/y", NULL, 8), ZK_OK);
	zk_tree_free(t);
}

/* A version other than -1 must match, for setData and delete. */
static void
test_versions(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;
	uint64_t	 d;

	ZK_ASSERT_EQ(mk(t, "/v", "a", 1), ZK_OK);
	d = zk_tree_digest(t);
	ZK_ASSERT_EQ(zk_tree_set(t, "/v", "b", 1, 1, 2, 0, NULL, &e),
	    ZK_EBADVERSION);
	ZK_ASSERT_STR(e.msg, "node is at version 0, not 1");
	ZK_ASSERT_EQ(zk_tree_digest(t), d);
	ZK_ASSERT_EQ(zk_tree_set(t, "/v", "b", 1, 0, 3, 0, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_set(t, "/v", "c", 1, -1, 4, 0, NULL, NULL),
	    ZK_OK);
	ZK_ASSERT_EQ(stat_of(t, "/v")->version, 2);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/v", 1, 5, NULL, NULL),
	    ZK_EBADVERSION);
	ZK_ASSERT(zk_tree_find(t, "/v") != NULL);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/v", 2, 6, NULL, NULL), ZK_OK);
	ZK_ASSERT(zk_tree_find(t, "/v") == NULL);
	zk_tree_free(t);
}

/* tree (1): the root cannot go; other refusals name their reason. */
static void
test_refusals(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct zk_error	 e;

	ZK_ASSERT_EQ(zk_tree_delete(t, "/", -1, 1, NULL, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_STR(e.msg, "the root node cannot be deleted");
	ZK_ASSERT_EQ(mk(t, "/", NULL, 1), ZK_ENODEEXISTS);
	ZK_ASSERT_EQ(mk(t, "/a", NULL, 2), ZK_OK);
	ZK_ASSERT_EQ(mk(t, "/a", NULL, 3), ZK_ENODEEXISTS);
	ZK_ASSERT_EQ(mk(t, "/a/b", NULL, 4), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/a", -1, 5, NULL, &e), ZK_ENOTEMPTY);
	ZK_ASSERT_STR(e.msg, "node has 1 children");
	ZK_ASSERT_EQ(zk_tree_delete(t, "/nope", -1, 6, NULL, &e), ZK_ENONODE);
	ZK_ASSERT_EQ(zk_tree_set(t, "/nope", "", 0, -1, 6, 0, NULL, NULL),
	    ZK_ENONODE);
	ZK_ASSERT_EQ(mk(t, "/x/y", NULL, 7), ZK_ENONODE);
	ZK_ASSERT_EQ(zk_tree_count(t), 6);
	ZK_ASSERT_EQ(stat_of(t, "/")->cversion, 1);
	ZK_ASSERT_EQ(stat_of(t, "/a")->cversion, 1);
	zk_tree_free(t);
}

/* The digest depends on content, not on the order nodes were made in. */
static void
test_digest(void)
{
	struct zk_tree	*a = zk_tree_new(), *b = zk_tree_new();
	struct zk_tree	*c = zk_tree_new();

	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest(b));
	/*
	 * Same zxid per node and the same last change under each parent,
	 * but siblings and subtrees made in another order, so sibling lists
	 * and hash chains differ.
	 */
	ZK_ASSERT_EQ(mk(a, "/x", "1", 1), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/y", "2", 2), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/x/c", "3", 3), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/x/d", "4", 4), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/y/f", "6", 6), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/x/e", "5", 5), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/x", "1", 1), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/y", "2", 2), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/y/f", "6", 6), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/x/d", "4", 4), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/x/c", "3", 3), ZK_OK);
	ZK_ASSERT_EQ(mk(b, "/x/e", "5", 5), ZK_OK);
	ZK_ASSERT(zk_node_first_child(zk_tree_find(a, "/x")) ==
	    zk_tree_find(a, "/x/e"));
	ZK_ASSERT_STR(zk_node_name(zk_node_next_sibling(zk_node_first_child(
	    zk_tree_find(a, "/x")))), "d");
	ZK_ASSERT_STR(zk_node_name(zk_node_next_sibling(zk_node_first_child(
	    zk_tree_find(b, "/x")))), "c");
	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest(b));
	/* The same nodes but another last child change: pzxid differs. */
	ZK_ASSERT_EQ(mk(c, "/x", "1", 1), ZK_OK);
	ZK_ASSERT_EQ(mk(c, "/y", "2", 2), ZK_OK);
	ZK_ASSERT_EQ(mk(c, "/x/c", "3", 3), ZK_OK);
	ZK_ASSERT_EQ(mk(c, "/x/e", "5", 5), ZK_OK);
	ZK_ASSERT_EQ(mk(c, "/x/d", "4", 4), ZK_OK);
	ZK_ASSERT_EQ(mk(c, "/y/f", "6", 6), ZK_OK);
	ZK_ASSERT_EQ(stat_of(c, "/x")->pzxid, 4);
	ZK_ASSERT(zk_tree_digest(a) != zk_tree_digest(c));
	zk_tree_free(c);
	/* Different data, then equal data but another version. */
	ZK_ASSERT_EQ(zk_tree_set(a, "/y", "9", 1, -1, 4, 1004, NULL, NULL),
	    ZK_OK);
	ZK_ASSERT(zk_tree_digest(a) != zk_tree_digest(b));
	ZK_ASSERT_EQ(zk_tree_set(b, "/y", "9", 1, -1, 4, 1004, NULL, NULL),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest(b));
	ZK_ASSERT_EQ(zk_tree_set(a, "/y", "9", 1, -1, 5, 1004, NULL, NULL),
	    ZK_OK);
	ZK_ASSERT(zk_tree_digest(a) != zk_tree_digest(b));
	zk_tree_free(a);
	zk_tree_free(b);
}

/* A fixed-seed generator (splitmix64), so that every run sees the same. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t	 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A path of 1 to 3 components from "a" to "e": 155 in all, so ops collide. */
static void
rnd_path(uint64_t *s, char *p)
{
	int	 depth = (int)(rnd(s) % 3) + 1, i;

	for (i = 0; i < depth; i++) {
		*p++ = '/';
		*p++ = (char)('a' + rnd(s) % 5);
	}
	*p = '\0';
}

/* Random data, usually short, now and then a few KiB. */
static size_t
rnd_data(uint64_t *s, char *d)
{
	size_t	 n = rnd(s) % 16 == 0 ? rnd(s) % 4096 : rnd(s) % 40, i;

	for (i = 0; i < n; i++)
		d[i] = (char)rnd(s);
	return n;
}

enum { OP_CREATE, OP_SET, OP_DELETE, OP_LOAD, OP_ROOT, NOPS };

/*
 * One random mutation at zxid: creates (some sequential, with parents or
 * ephemeral), setData and delete (some with a version that may not
 * match), a load with an arbitrary stat, a setData of "/" or a write to
 * "/zookeeper". Many fail, which is part of the point. Returns the
 * outcome; *op says which kind it was.
 */
static int
rnd_op(struct zk_tree *t, uint64_t *s, int64_t zxid, int *op)
{
	struct zk_stat	 st;
	char		 path[16], data[4096];
	size_t		 len;
	int32_t		 ver;
	uint64_t	 r = rnd(s) % 100;
	int		 flags;

	rnd_path(s, path);
	len = rnd_data(s, data);
	ver = rnd(s) % 4 == 0 ? (int32_t)(rnd(s) % 3) : -1;
	if (r < 40) {
		*op = OP_CREATE;
		flags = (rnd(s) % 8 == 0 ? PAR : 0) |
		    (rnd(s) % 8 == 0 ? SEQ : 0);
		return zk_tree_create(t, path, data, len, flags,
		    rnd(s) % 8 == 0 ? (int64_t)(rnd(s) % 3 + 1) : 0, zxid,
		    zxid * 10, NULL, NULL, NULL);
	}
	if (r < 68) {
		*op = OP_SET;
		return zk_tree_set(t, path, data, len, ver, zxid, zxid * 10,
		    NULL, NULL);
	}
	if (r < 94) {
		*op = OP_DELETE;
		return zk_tree_delete(t, path, ver, zxid, NULL, NULL);
	}
	if (r < 97) {
		*op = OP_LOAD;
		st.czxid = (int64_t)rnd(s);
		st.mzxid = INT64_MAX;
		st.pzxid = zxid;
		st.ctime = (int64_t)rnd(s);
		st.mtime = INT64_MIN;
		st.version = (int32_t)rnd(s);
		st.cversion = (int32_t)(rnd(s) % 50);
		st.aversion = 0;
		st.ephemeral_owner = rnd(s) % 4 == 0 ? 9 : 0;
		st.data_length = 12345;		/* ignored: len counts */
		st.num_children = -7;		/* ignored: counted */
		return zk_tree_load(t, path, data, len, &st, NULL);
	}
	*op = OP_ROOT;
	if (r < 99)
		return zk_tree_set(t, "/", data, len, -1, zxid, zxid * 10,
		    NULL, NULL);
	return zk_tree_create(t, "/zookeeper/x", NULL, 0, 0, 0, zxid, 0,
	    NULL, NULL, NULL);
}

/*
 * tree.c (6): after each of 10,000 random creates, sets, deletes and
 * loads, failed ones included, the kept digest equals the digest
 * recomputed from every node.
 */
static void
test_digest_incremental(void)
{
	struct zk_tree	*t = zk_tree_new();
	uint64_t	 s = 20240601;
	int		 i, op, ok[NOPS], tried[NOPS];

	memset(ok, 0, sizeof(ok));
	memset(tried, 0, sizeof(tried));
	ZK_ASSERT_EQ(zk_tree_digest(t), zk_tree_digest_full(t));
	for (i = 1; i <= 10000; i++) {
		if (rnd_op(t, &s, i, &op) == ZK_OK)
			ok[op]++;
		tried[op]++;
		if (zk_tree_digest(t) != zk_tree_digest_full(t))
			ZK_FAIL_("step %d (op %d): digest %016llx, "
			    "recomputed %016llx", i, op,
			    (unsigned long long)zk_tree_digest(t),
			    (unsigned long long)zk_tree_digest_full(t));
	}
	/* Every kind of change happened often, failures too. */
	for (op = 0; op < NOPS; op++)
		if (ok[op] < 50 || ok[op] == tried[op])
			ZK_FAIL_("op %d: %d of %d succeeded", op, ok[op],
			    tried[op]);
	ZK_ASSERT(zk_tree_count(t) > 40);
	zk_tree_free(t);
}

/*
 * The digest is what zk_tree_digest has always given for the same tree:
 * the values below were computed by the full recomputation alone (the
 * tree.c before the digest was kept), for the random history above.
 */
static void
test_digest_same_as_before(void)
{
	static const uint64_t	 want[5] = {	/* after 2000, 4000, ... */
		0xb0c4184415756f48ULL, 0x9562377545a9dbd1ULL,
		0x387abdbeacc11e71ULL, 0x1c7a547808513ea4ULL,
		0x271330469e42ec72ULL,
	};
	struct zk_tree		*t = zk_tree_new();
	uint64_t		 s = 20240601;
	int			 i, op;

	ZK_ASSERT_EQ(zk_tree_digest(t), 0xa25eb05f6f416736ULL);
	for (i = 1; i <= 10000; i++) {
		rnd_op(t, &s, i, &op);
		if (i % 2000 == 0 && zk_tree_digest(t) != want[i / 2000 - 1])
			ZK_FAIL_("step %d: digest %016llx, not %016llx", i,
			    (unsigned long long)zk_tree_digest(t),
			    (unsigned long long)want[i / 2000 - 1]);
	}
	zk_tree_free(t);
}

/* A node as collected by the walk, to be loaded elsewhere. */
struct copy {
	char		*path;
	char		*data;
	size_t		 len;
	struct zk_stat	 st;
	int		 depth;
	uint64_t	 key;
};

struct copies {
	struct copy	 v[512];
	size_t		 n;
};

static int
collect(const struct zk_node *n, void *arg)
{
	struct copies	*c = arg;
	struct copy	*k;
	const char	*d, *p;

	if (c->n == sizeof(c->v) / sizeof(c->v[0]))
		return 1;
	k = &c->v[c->n++];
	k->path = zk_xstrdup(zk_node_path(n));
	d = zk_node_data(n, &k->len);
	k->data = k->len > 0 ? zk_xmemdup(d, k->len) : NULL;
	k->st = *zk_node_stat(n);
	k->depth = 0;
	for (p = k->path; *p != '\0'; p++)
		k->depth += *p == '/';
	return 0;
}

static int
by_depth_key(const void *a, const void *b)
{
	const struct copy	*x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * Two trees that reach the same content in different orders have the
 * same digest: a random history's tree, copied node by node into new
 * trees in two other orders (parents first, siblings shuffled).
 */
static void
test_digest_order(void)
{
	struct zk_tree	*a = zk_tree_new(), *b;
	struct copies	*c = zk_xcalloc(1, sizeof(*c));
	uint64_t	 s = 77;
	size_t		 i;
	int		 k, op;

	for (k = 1; k <= 3000; k++)
		rnd_op(a, &s, k, &op);
	ZK_ASSERT_EQ(zk_tree_walk(a, zk_tree_find(a, "/"), collect, c), 0);
	ZK_ASSERT_EQ(c->n, zk_tree_count(a));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < c->n; i++)
			c->v[i].key = k == 0 ? c->n - i : rnd(&s);
		qsort(c->v, c->n, sizeof(c->v[0]), by_depth_key);
		b = zk_tree_new();
		for (i = 0; i < c->n; i++)
			if (zk_tree_load(b, c->v[i].path, c->v[i].data,
			    c->v[i].len, &c->v[i].st, NULL) != ZK_OK)
				ZK_FAIL_("load of %s failed", c->v[i].path);
		ZK_ASSERT_EQ(zk_tree_count(b), zk_tree_count(a));
		ZK_ASSERT_EQ(zk_tree_digest(b), zk_tree_digest(a));
		ZK_ASSERT_EQ(zk_tree_digest(b), zk_tree_digest_full(b));
		zk_tree_free(b);
	}
	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].data);
	}
	free(c);
	zk_tree_free(a);
}

/* A one-byte change of data alone changes the digest; undoing it restores. */
static void
test_digest_one_byte(void)
{
	struct zk_tree		*a = zk_tree_new(), *b = zk_tree_new();
	struct zk_stat		 st;
	char			 data[100];
	uint64_t		 d;

	memset(data, 'x', sizeof(data));
	ZK_ASSERT_EQ(zk_tree_create(a, "/n", data, sizeof(data), 0, 0, 1, 10,
	    NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(b, "/n", data, sizeof(data), 0, 0, 1, 10,
	    NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest(b));
	d = zk_tree_digest(a);

	/* The same write but for the last byte, at the same zxid and time. */
	ZK_ASSERT_EQ(zk_tree_set(a, "/n", data, sizeof(data), -1, 2, 20, NULL,
	    NULL), ZK_OK);
	data[99] = 'y';
	ZK_ASSERT_EQ(zk_tree_set(b, "/n", data, sizeof(data), -1, 2, 20, NULL,
	    NULL), ZK_OK);
	ZK_ASSERT(zk_tree_digest(a) != zk_tree_digest(b));
	ZK_ASSERT(zk_tree_digest(a) != d);

	/* Data alone, stat kept as it was (as a snapshot load would). */
	st = *stat_of(a, "/n");
	d = zk_tree_digest(a);
	data[99] = 'x';
	data[0] ^= 1;
	ZK_ASSERT_EQ(zk_tree_load(a, "/n", data, sizeof(data), &st, NULL),
	    ZK_OK);
	ZK_ASSERT(zk_tree_digest(a) != d);
	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest_full(a));
	data[0] ^= 1;
	ZK_ASSERT_EQ(zk_tree_load(a, "/n", data, sizeof(data), &st, NULL),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_tree_digest(a), d);
	zk_tree_free(a);
	zk_tree_free(b);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Children come back sorted bytewise (strcmp), as ZooKeeper's getChildren. */
static void
test_children_sorted(void)
{
	struct zk_tree	*t = zk_tree_new();
	const char	*names[] = {
		"b", "aa", "B", "a", "a0", "\xc3\xa9", "_"
	};
	const char	**v;
	char		 path[16];
	size_t		 i, n;

	for (i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "/s/%s", names[i]);
		ZK_ASSERT_EQ(zk_tree_create(t, path, NULL, 0, PAR, 0, 1 + i, 0,
		    NULL, NULL, NULL), ZK_OK);
	}
	v = zk_node_children_sorted(zk_tree_find(t, "/s"), &n);
	ZK_ASSERT_EQ(n, 7);
	qsort(names, 7, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++)
		ZK_ASSERT_STR(v[i], names[i]);
	ZK_ASSERT_STR(v[0], "B");
	ZK_ASSERT_STR(v[6], "\xc3\xa9");
	free(v);
	v = zk_node_children_sorted(zk_tree_find(t, "/s/a"), &n);
	ZK_ASSERT_EQ(n, 0);
	free(v);
	zk_tree_free(t);
}

/* 100,000 children under one parent: create, list, delete stay fast. */
static void
test_many_children(void)
{
	struct zk_tree	*t = zk_tree_new();
	const char	**v;
	char		 path[64];
	size_t		 n;
	int64_t		 t0, t1;
	int		 i;

	t0 = zk_now_mono_us();
	ZK_ASSERT_EQ(mk(t, "/big", NULL, 1), ZK_OK);
	for (i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "/big/n%d", i);
		ZK_ASSERT_EQ(mk(t, path, NULL, 2 + i), ZK_OK);
	}
	ZK_ASSERT_EQ(zk_tree_count(t), 100005);
	ZK_ASSERT_EQ(stat_of(t, "/big")->num_children, 100000);
	v = zk_node_children_sorted(zk_tree_find(t, "/big"), &n);
	ZK_ASSERT_EQ(n, 100000);
	ZK_ASSERT_STR(v[0], "n0");
	ZK_ASSERT_STR(v[1], "n1");
	ZK_ASSERT_STR(v[2], "n10");
	ZK_ASSERT_STR(v[99999], "n99999");
	free(v);
	/* Every other one first, from the middle of the sibling list. */
	for (i = 0; i < 100000; i += 2) {
		snprintf(path, sizeof(path), "/big/n%d", i);
		ZK_ASSERT_EQ(zk_tree_delete(t, path, -1, 200000 + i, NULL,
		    NULL), ZK_OK);
	}
	ZK_ASSERT_EQ(stat_of(t, "/big")->num_children, 50000);
	for (i = 1; i < 100000; i += 2) {
		snprintf(path, sizeof(path), "/big/n%d", i);
		ZK_ASSERT_EQ(zk_tree_delete(t, path, -1, 200000 + i, NULL,
		    NULL), ZK_OK);
	}
	t1 = zk_now_mono_us();
	ZK_ASSERT_EQ(stat_of(t, "/big")->num_children, 0);
	ZK_ASSERT_EQ(stat_of(t, "/big")->cversion, 200000);
	ZK_ASSERT(zk_node_first_child(zk_tree_find(t, "/big")) == NULL);
	ZK_ASSERT_EQ(zk_tree_count(t), 5);
	fprintf(stderr, "  100000 children created and deleted in %lld ms\n",
	    (long long)(t1 - t0) / 1000);
	ZK_ASSERT(t1 - t0 < 5 * 1000 * 1000);
	zk_tree_free(t);
}

struct dump {
	char		**path;
	char		**data;
	size_t		*len;
	struct zk_stat	*st;
	size_t		 n;
};

static int
dump_node(const struct zk_node *n, void *arg)
{
	struct dump	*d = arg;
	const char	*p;
	size_t		 len;

	p = zk_node_data(n, &len);
	d->path[d->n] = strdup(zk_node_path(n));
	d->data[d->n] = malloc(len + 1);
	memcpy(d->data[d->n], p, len);
	d->len[d->n] = len;
	d->st[d->n] = *zk_node_stat(n);
	d->n++;
	return 0;
}

/* load rebuilds a tree (parents first) to the same digest and stats. */
static void
test_load(void)
{
	struct zk_tree	*a = zk_tree_new(), *b = zk_tree_new();
	struct dump	 d;
	struct zk_stat	 st;
	struct zk_error	 e;
	size_t		 i, cap = 64;

	ZK_ASSERT_EQ(mk(a, "/x", "1", 1), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/x/y", "22", 2), ZK_OK);
	ZK_ASSERT_EQ(mk(a, "/x/z", NULL, 3), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_delete(a, "/x/z", -1, 4, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(a, "/e", "eph", 3, ZK_CREATE_EPHEMERAL, 9,
	    5, 0, NULL, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_set(a, "/", "root", 4, -1, 6, 66, NULL, NULL),
	    ZK_OK);
	d.path = calloc(cap, sizeof(char *));
	d.data = calloc(cap, sizeof(char *));
	d.len = calloc(cap, sizeof(size_t));
	d.st = calloc(cap, sizeof(struct zk_stat));
	d.n = 0;
	ZK_ASSERT_EQ(zk_tree_walk(a, zk_tree_find(a, "/"), dump_node, &d), 0);
	ZK_ASSERT_EQ(d.n, 7);
	ZK_ASSERT_STR(d.path[0], "/");
	for (i = 0; i < d.n; i++) {
		st = d.st[i];
		st.num_children = 12345;	/* ignored */
		ZK_ASSERT_EQ(zk_tree_load(b, d.path[i], d.data[i], d.len[i],
		    &st, NULL), ZK_OK);
	}
	ZK_ASSERT_EQ(zk_tree_count(b), 7);
	ZK_ASSERT_EQ(zk_tree_digest(a), zk_tree_digest(b));
	ZK_ASSERT_MEM(stat_of(a, "/x"), stat_of(b, "/x"), sizeof(st));
	ZK_ASSERT_MEM(stat_of(a, "/"), stat_of(b, "/"), sizeof(st));
	ZK_ASSERT_EQ(stat_of(b, "/x")->cversion, 3);
	ZK_ASSERT_EQ(stat_of(b, "/x")->num_children, 1);
	ZK_ASSERT_EQ(stat_of(b, "/e")->ephemeral_owner, 9);

	ZK_ASSERT_EQ(zk_tree_load(b, "/m/n", NULL, 0, &st, &e), ZK_ENONODE);
	ZK_ASSERT_EQ(zk_tree_load(b, "/m/", NULL, 0, &st, &e), ZK_EBADPATH);
	ZK_ASSERT_EQ(zk_tree_load(b, "/e/c", NULL, 0, &st, &e),
	    ZK_ENOCHILDRENFOREPHEMERALS);
	for (i = 0; i < d.n; i++) {
		free(d.path[i]);
		free(d.data[i]);
	}
	free(d.path);
	free(d.data);
	free(d.len);
	free(d.st);
	zk_tree_free(a);
	zk_tree_free(b);
}

struct order {
	char	 seen[16][32];
	int	 n;
	int	 stop_at;
};

static int
record(const struct zk_node *n, void *arg)
{
	struct order	*o = arg;

	snprintf(o->seen[o->n++], sizeof(o->seen[0]), "%s",
	    zk_node_path(n));
	return o->n == o->stop_at ? 42 : 0;
}

static int
seen_before(const struct order *o, const char *a, const char *b)
{
	int	 i, ia = -1, ib = -1;

	for (i = 0; i < o->n; i++) {
		if (strcmp(o->seen[i], a) == 0)
			ia = i;
		if (strcmp(o->seen[i], b) == 0)
			ib = i;
	}
	return ia >= 0 && ib >= 0 && ia < ib;
}

/* walk visits parents before children and stops on a non-zero return. */
static void
test_walk(void)
{
	struct zk_tree	*t = zk_tree_new();
	struct order	 o;

	ZK_ASSERT_EQ(zk_tree_create(t, "/a/b/c", NULL, 0, PAR, 0, 1, 0, NULL,
	    NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_create(t, "/a/d", NULL, 0, 0, 0, 2, 0, NULL,
	    NULL, NULL), ZK_OK);
	memset(&o, 0, sizeof(o));
	ZK_ASSERT_EQ(zk_tree_walk(t, zk_tree_find(t, "/"), record, &o), 0);
	ZK_ASSERT_EQ(o.n, 8);
	ZK_ASSERT(seen_before(&o, "/", "/a"));
	ZK_ASSERT(seen_before(&o, "/a", "/a/b"));
	ZK_ASSERT(seen_before(&o, "/a/b", "/a/b/c"));
	ZK_ASSERT(seen_before(&o, "/a", "/a/d"));
	ZK_ASSERT(seen_before(&o, "/zookeeper", "/zookeeper/quota"));
	memset(&o, 0, sizeof(o));
	ZK_ASSERT_EQ(zk_tree_walk(t, zk_tree_find(t, "/a"), record, &o), 0);
	ZK_ASSERT_EQ(o.n, 4);
	memset(&o, 0, sizeof(o));
	o.stop_at = 2;
	ZK_ASSERT_EQ(zk_tree_walk(t, zk_tree_find(t, "/"), record, &o), 42);
	ZK_ASSERT_EQ(o.n, 2);
	zk_tree_free(t);
}

/* Memory use of 100,000 nodes of 100 bytes (printed for the lead). */
static void
test_memory(void)
{
	struct zk_tree	*t;
	struct mallinfo2 m0, m1;
	char		 path[64], data[100];
	int		 i;

	memset(data, 'm', sizeof(data));
	m0 = mallinfo2();
	t = zk_tree_new();
	ZK_ASSERT_EQ(mk(t, "/bench", NULL, 1), ZK_OK);
	for (i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "/bench/node-%010d", i);
		ZK_ASSERT_EQ(zk_tree_create(t, path, data, sizeof(data), 0, 0,
		    2 + i, 0, NULL, NULL, NULL), ZK_OK);
	}
	m1 = mallinfo2();
	ZK_ASSERT_EQ(zk_tree_count(t), 100005);
	fprintf(stderr, "  100000 nodes of 100 B, paths of %zu B: "
	    "malloc %.1f B/node (%.1f MB), zk_tree_bytes %.1f B/node\n",
	    strlen(path), (double)(m1.uordblks - m0.uordblks) / 100000,
	    (double)(m1.uordblks - m0.uordblks) / 1e6,
	    (double)zk_tree_bytes(t) / 100000);
	zk_tree_free(t);
}

/*
 * The whole tree as text, one line per node (path, data in hex, every
 * stat field), sorted: equal trees give equal strings whatever the order
 * of their siblings. The caller frees it.
 */
struct text {
	char	**v;
	size_t	 n;
	size_t	 cap;
	size_t	 bytes;
};

static int
text_node(const struct zk_node *n, void *arg)
{
	struct text		*x = arg;
	const struct zk_stat	*s = zk_node_stat(n);
	const char		*d;
	char			*l;
	size_t			 len, i, k;

	d = zk_node_data(n, &len);
	l = malloc(strlen(zk_node_path(n)) + 2 * len + 400);
	k = (size_t)sprintf(l, "%s ", zk_node_path(n));
	for (i = 0; i < len; i++)
		k += (size_t)sprintf(l + k, "%02x", (unsigned char)d[i]);
	k += (size_t)sprintf(l + k, " %lld %lld %lld %lld %lld %d %d %d %lld "
	    "%d %d", (long long)s->czxid, (long long)s->mzxid,
	    (long long)s->pzxid, (long long)s->ctime, (long long)s->mtime,
	    s->version, s->cversion, s->aversion,
	    (long long)s->ephemeral_owner, s->data_length, s->num_children);
	if (x->n == x->cap) {
		x->cap = x->cap > 0 ? x->cap * 2 : 64;
		x->v = realloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = l;
	x->bytes += k + 1;
	return 0;
}

static char *
tree_text(const struct zk_tree *t)
{
	struct text	 x;
	char		*all, *p;
	size_t		 i, len;

	memset(&x, 0, sizeof(x));
	zk_tree_walk(t, zk_tree_find(t, "/"), text_node, &x);
	qsort(x.v, x.n, sizeof(*x.v), cmp_str);
	p = all = malloc(x.bytes + 1);
	for (i = 0; i < x.n; i++) {
		len = strlen(x.v[i]);
		memcpy(p, x.v[i], len);
		p[len] = '\n';
		p += len + 1;
		free(x.v[i]);
	}
	*p = '\0';
	free(x.v);
	return all;
}

/* The fixed list of changes test_undo makes; every one succeeds. */
static int
undo_changes(struct zk_tree *t)
{
	char	*c = NULL;
	int	 rc = 0;

	rc |= zk_tree_create(t, "/n/m/o", "o", 1, PAR, 0, 20, 200, NULL,
	    NULL, NULL);
	rc |= zk_tree_create(t, "/a/s-", NULL, 0, SEQ, 0, 20, 200, &c, NULL,
	    NULL);
	rc |= strcmp(c, "/a/s-0000000001") != 0;
	free(c);
	rc |= zk_tree_set(t, "/a/x", "a much longer value than before", 31,
	    -1, 20, 200, NULL, NULL);
	rc |= zk_tree_set(t, "/a/x", "y", 1, 1, 20, 200, NULL, NULL);
	rc |= zk_tree_set(t, "/", "root2", 5, -1, 20, 200, NULL, NULL);
	rc |= mk(t, "/a/x/child", "c", 20);
	rc |= zk_tree_delete(t, "/a/x/child", -1, 20, NULL, NULL);
	rc |= zk_tree_delete(t, "/e", 0, 20, NULL, NULL);
	rc |= mk(t, "/b/k", NULL, 20);
	rc |= zk_tree_delete(t, "/n/m/o", -1, 20, NULL, NULL);
	rc |= zk_tree_set(t, "/n", "nn", 2, 0, 20, 200, NULL, NULL);
	rc |= zk_tree_create(t, "/e", "again", 5, EPH, 6, 20, 200, NULL,
	    NULL, NULL);
	rc |= zk_tree_set(t, "/e", NULL, 0, -1, 20, 200, NULL, NULL);
	return rc;
}

static struct zk_tree *
undo_tree(void)
{
	struct zk_tree	*t = zk_tree_new();

	mk(t, "/a", "A", 1);
	mk(t, "/a/x", "xx", 2);
	zk_tree_create(t, "/b", NULL, 0, CON, 0, 3, 30, NULL, NULL, NULL);
	zk_tree_create(t, "/e", "eph", 3, EPH, 5, 4, 40, NULL, NULL, NULL);
	zk_tree_set(t, "/", "root", 4, -1, 5, 50, NULL, NULL);
	return t;
}

/*
 * tree.c (8): rollback after creates (with parents, sequential), sets
 * (of "/", twice of one node, of a node created since the mark), deletes
 * (of a node created since, of an ephemeral) and a re-create leaves the
 * tree as at the mark: every node, data and stat field, the digest, the
 * counts; commit leaves it as the same changes made unmarked.
 */
static void
test_undo(void)
{
	struct zk_tree	*t = undo_tree(), *u = undo_tree();
	char		*before, *after, *plain;
	uint64_t	 d = zk_tree_digest(t);
	size_t		 count = zk_tree_count(t), bytes = zk_tree_bytes(t);
	struct zk_error	 e;

	before = tree_text(t);
	zk_tree_mark(t);
	ZK_ASSERT_EQ(undo_changes(t), 0);
	ZK_ASSERT(zk_tree_digest(t) != d);
	ZK_ASSERT_EQ(zk_tree_digest(t), zk_tree_digest_full(t));
	/* A failed change keeps no record (and changes nothing). */
	ZK_ASSERT_EQ(zk_tree_delete(t, "/a", -1, 20, NULL, &e), ZK_ENOTEMPTY);
	zk_tree_rollback(t);
	after = tree_text(t);
	ZK_ASSERT_STR(after, before);
	free(after);
	ZK_ASSERT_EQ(zk_tree_digest(t), d);
	ZK_ASSERT_EQ(zk_tree_digest_full(t), d);
	ZK_ASSERT_EQ(zk_tree_count(t), count);
	ZK_ASSERT_EQ(zk_tree_bytes(t), bytes);
	ZK_ASSERT_EQ(stat_of(t, "/a")->cversion, 1);

	/* Commit: as if unmarked; and a new mark works after either. */
	ZK_ASSERT_EQ(undo_changes(u), 0);
	plain = tree_text(u);
	zk_tree_mark(t);
	ZK_ASSERT_EQ(undo_changes(t), 0);
	zk_tree_commit(t);
	after = tree_text(t);
	ZK_ASSERT_STR(after, plain);
	free(after);
	ZK_ASSERT_EQ(zk_tree_digest(t), zk_tree_digest(u));
	ZK_ASSERT_EQ(zk_tree_bytes(t), zk_tree_bytes(u));
	zk_tree_mark(t);
	zk_tree_rollback(t);
	after = tree_text(t);
	ZK_ASSERT_STR(after, plain);
	free(after);

	/* Freed while marked: the kept blocks go too (ASan checks). */
	zk_tree_mark(t);
	ZK_ASSERT_EQ(zk_tree_delete(t, "/b/k", -1, 30, NULL, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_tree_set(t, "/a", "zzz", 3, -1, 30, 0, NULL, NULL),
	    ZK_OK);
	free(before);
	free(plain);
	zk_tree_free(t);
	zk_tree_free(u);
}

/* One random change fit for a mark: no load. */
static int
rnd_change(struct zk_tree *t, uint64_t *s, int64_t zxid)
{
	char		 path[16], data[4096];
	size_t		 len;
	int32_t		 ver;
	uint64_t	 r = rnd(s) % 100;
	int		 flags;

	rnd_path(s, path);
	len = rnd_data(s, data);
	ver = rnd(s) % 4 == 0 ? (int32_t)(rnd(s) % 3) : -1;
	if (r < 45) {
		flags = (rnd(s) % 6 == 0 ? PAR : 0) |
		    (rnd(s) % 6 == 0 ? SEQ : 0) |
		    (rnd(s) % 8 == 0 ? CON : 0);
		return zk_tree_create(t, path, data, len, flags,
		    rnd(s) % 8 == 0 ? (int64_t)(rnd(s) % 3 + 1) : 0, zxid,
		    zxid * 10, NULL, NULL, NULL);
	}
	if (r < 70)
		return zk_tree_set(t, path, data, len, ver, zxid, zxid * 10,
		    NULL, NULL);
	if (r < 97)
		return zk_tree_delete(t, path, ver, zxid, NULL, NULL);
	return zk_tree_set(t, "/", data, len, -1, zxid, zxid * 10, NULL, NULL);
}

/*
 * tree.c (8) at random: 400 rounds of 1 to 12 random changes under a
 * mark, failed ones included; rolled back, the tree is as before the
 * round; committed, it is as a twin that made the same changes unmarked.
 */
static void
test_undo_random(void)
{
	struct zk_tree	*t = zk_tree_new(), *u = zk_tree_new();
	uint64_t	 s = 777, again, d;
	char		*a, *b;
	int64_t		 zxid = 1;
	int		 round, k, n, ok = 0, op;

	for (k = 0; k < 300; k++) {
		again = s;
		rnd_op(t, &s, zxid, &op);
		rnd_op(u, &again, zxid++, &op);
	}
	for (round = 0; round < 400; round++) {
		n = (int)(rnd(&s) % 12) + 1;
		d = zk_tree_digest(t);
		again = s;
		zk_tree_mark(t);
		for (k = 0; k < n; k++)
			ok += rnd_change(t, &s, zxid + k) == ZK_OK;
		if (zk_tree_digest(t) != zk_tree_digest_full(t))
			ZK_FAIL_("round %d: digest out of step", round);
		if (round % 2 == 0) {
			zk_tree_rollback(t);
			ZK_ASSERT_EQ(zk_tree_digest(t), d);
		} else {
			zk_tree_commit(t);
			for (k = 0; k < n; k++)
				rnd_change(u, &again, zxid + k);
			zxid += n;
		}
		ZK_ASSERT_EQ(zk_tree_digest(t), zk_tree_digest(u));
		ZK_ASSERT_EQ(zk_tree_count(t), zk_tree_count(u));
		if (round % 50 == 49) {
			a = tree_text(t);
			b = tree_text(u);
			if (strcmp(a, b) != 0)
				ZK_FAIL_("round %d: trees differ", round);
			free(a);
			free(b);
		}
	}
	a = tree_text(t);
	b = tree_text(u);
	ZK_ASSERT_STR(a, b);
	free(a);
	free(b);
	ZK_ASSERT(ok > 500);
	ZK_ASSERT(zk_tree_count(t) > 30);
	zk_tree_free(t);
	zk_tree_free(u);
}

int
main(void)
{
	ZK_RUN(test_new_tree);
	ZK_RUN(test_create_stat);
	ZK_RUN(test_set_stat);
	ZK_RUN(test_set_moves_node);
	ZK_RUN(test_delete_stat);
	ZK_RUN(test_sequential);
	ZK_RUN(test_sequential_wraps);
	ZK_RUN(test_sequential_exists);
	ZK_RUN(test_parents);
	ZK_RUN(test_parents_cap);
	ZK_RUN(test_ephemeral_rules);
	ZK_RUN(test_container);
	ZK_RUN(test_zookeeper_read_only);
	ZK_RUN(test_versions);
	ZK_RUN(test_refusals);
	ZK_RUN(test_digest);
	ZK_RUN(test_digest_incremental);
	ZK_RUN(test_digest_same_as_before);
	ZK_RUN(test_digest_order);
	ZK_RUN(test_digest_one_byte);
	ZK_RUN(test_children_sorted);
	ZK_RUN(test_many_children);
	ZK_RUN(test_load);
	ZK_RUN(test_walk);
	ZK_RUN(test_memory);
	ZK_RUN(test_undo);
	ZK_RUN(test_undo_random);
	return ZK_TEST_DONE();
}
