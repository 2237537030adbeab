/* Unit tests for lib/watch.c: the one-shot and the persistent watches. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proto.h"
#include "test.h"
#include "watch.h"

/* What the callbacks saw, in order. */
struct rec {
	size_t		 n;
	void		*owner[64];
	int		 type[64];
	char		 path[64][32];
	struct zk_watches *w;		/* for re-arming */
};

static void
record(void *owner, int type, const char *path, void *arg)
{
	struct rec	*r = arg;

	if (r->n < 64) {
		r->owner[r->n] = owner;
		r->type[r->n] = type;
		snprintf(r->path[r->n], sizeof(r->path[0]), "%s", path);
	}
	r->n++;
}

/* A client re-arming: the callback watches the same path again. */
static void
rearm(void *owner, int type, const char *path, void *arg)
{
	struct rec	*r = arg;

	record(owner, type, path, arg);
	zk_watches_add(r->w, path, ZK_WATCH_DATA, owner);
	zk_watches_add(r->w, path, ZK_WATCH_CHILD, owner);
}

/* A callback watching 1,000 paths at once, "/a" among them. */
static void
spray(void *owner, int type, const char *path, void *arg)
{
	struct rec	*r = arg;
	char		 p[32];
	int		 i;

	record(owner, type, path, arg);
	for (i = 0; i < 999; i++) {
		snprintf(p, sizeof(p), "/s/%d", i);
		zk_watches_add(r->w, p, ZK_WATCH_DATA, owner);
	}
	zk_watches_add(r->w, path, ZK_WATCH_DATA, owner);
}

static int	 A, B, C;	/* owners: only their addresses matter */

/* watch (1): a fired watch is gone */
static void
test_one_shot(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &A);
	ZK_ASSERT_EQ(r.type[0], ZK_EVENT_CHANGED);
	ZK_ASSERT_STR(r.path[0], "/a");
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	zk_watches_free(w);
}

/* watch (5): the same (path, kind, owner) twice is one watch */
static void
test_duplicates_collapse(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 1);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 2);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	zk_watches_free(w);
}

/* watch (2): two owners on one path each hear once, in add order */
static void
test_two_owners(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &C);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 3);
	zk_watches_trigger(w, "/a", ZK_EVENT_CREATED, record, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT(r.owner[0] == &B);
	ZK_ASSERT(r.owner[1] == &A);
	ZK_ASSERT(r.owner[2] == &C);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

/* watch (2)(3): an owner with both kinds gets one DELETED call */
static void
test_deleted_both_once(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 3);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT(r.owner[0] == &A);
	ZK_ASSERT(r.owner[1] == &B);
	ZK_ASSERT_EQ(r.type[0], ZK_EVENT_DELETED);
	ZK_ASSERT_EQ(r.type[1], ZK_EVENT_DELETED);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

/* watch (3): CREATED/CHANGED fire only data, CHILDREN only child */
static void
test_kinds(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &B);

	zk_watches_trigger(w, "/a", ZK_EVENT_CHILDREN, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 1);

	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &B);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT(r.owner[1] == &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_trigger(w, "/a", ZK_EVENT_CREATED, record, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT(r.owner[2] == &A);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 0);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);

	/* An owner with both kinds keeps the one the event does not fire. */
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 4);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 4);

	/* An unknown event type fires nothing. */
	zk_watches_trigger(w, "/a", 99, record, &r);
	ZK_ASSERT_EQ(r.n, 4);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	zk_watches_free(w);
}

/* watch (1): a re-arm from the callback holds, and does not fire now */
static void
test_rearm_in_callback(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	r.w = w;
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, rearm, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(zk_watches_count(w), 4);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 2);

	/* Keeps A's child watch while A re-arms; still no second firing. */
	r.n = 0;
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, rearm, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(zk_watches_count(w), 4);

	r.n = 0;
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);

	/* A callback adding enough paths to grow the table mid-trigger. */
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	r.n = 0;
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, spray, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT(r.owner[1] == &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 2 * 1000);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1000);
	zk_watches_free(w);
}

/* watch (3): /a, /ab and /a/b are unrelated paths */
static void
test_prefix_paths(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add(w, "/ab", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a/b", ZK_WATCH_DATA, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 4);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_STR(r.path[0], "/a");
	ZK_ASSERT_EQ(zk_watches_count(w), 2);
	zk_watches_trigger(w, "/a/b", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_STR(r.path[1], "/a/b");
	zk_watches_trigger(w, "/ab", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT_STR(r.path[2], "/ab");
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

/* watch: a trigger on a path nobody watches does nothing */
static void
test_trigger_unwatched(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_trigger(w, "/none", ZK_EVENT_DELETED, record, &r);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_trigger(w, "/none", ZK_EVENT_DELETED, record, &r);
	zk_watches_trigger(w, "/", ZK_EVENT_CHILDREN, record, &r);
	ZK_ASSERT_EQ(r.n, 0);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	zk_watches_free(w);
}

/* watch (4): drop_owner removes that owner only */
static void
test_drop_owner(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &B);
	zk_watches_add(w, "/b", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/c", ZK_WATCH_DATA, &C);
	zk_watches_drop_owner(w, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 2);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 0);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &C), 1);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	zk_watches_trigger(w, "/b", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &B);
	zk_watches_drop_owner(w, &A);		/* twice: still nothing */
	zk_watches_drop_owner(w, &C);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

/* watch (4)(5): 10,000 watches over many paths and owners */
static void
test_many(void)
{
	enum { NOWNER = 50, NPATH = 2000 };
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };
	static char		 owners[NOWNER];
	char			 path[32];
	size_t			 i, want[NOWNER] = { 0 }, total = 0;

	/* 10,000 distinct (path, kind, owner) plus some duplicates. */
	for (i = 0; i < 10000; i++) {
		size_t	 p = i % NPATH, o = (i * 7 + i / NPATH) % NOWNER;
		int	 kind = (i / NPATH) % 2 ? ZK_WATCH_CHILD : ZK_WATCH_DATA;

		snprintf(path, sizeof(path), "/n/%zu", p);
		zk_watches_add(w, path, kind, &owners[o]);
		zk_watches_add(w, path, kind, &owners[o]);
	}
	for (i = 0; i < NOWNER; i++)
		total += want[i] = zk_watches_count_owner(w, &owners[i]);
	ZK_ASSERT_EQ(total, zk_watches_count(w));
	ZK_ASSERT_EQ(zk_watches_count(w), 10000);

	zk_watches_drop_owner(w, &owners[3]);
	ZK_ASSERT(want[3] > 0);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &owners[3]), 0);
	ZK_ASSERT_EQ(zk_watches_count(w), total - want[3]);
	for (i = 0; i < NOWNER; i++)
		if (i != 3)
			ZK_ASSERT_EQ(zk_watches_count_owner(w, &owners[i]),
			    want[i]);

	/* Every path deleted: no call reaches the dropped owner. */
	for (i = 0; i < NPATH; i++) {
		snprintf(path, sizeof(path), "/n/%zu", i);
		zk_watches_trigger(w, path, ZK_EVENT_DELETED, record, &r);
	}
	for (i = 0; i < 64 && i < r.n; i++)
		ZK_ASSERT(r.owner[i] != &owners[3]);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

/* What zk_watches_match_persistent called, in order. */
struct mrec {
	size_t		 n;
	void		*owner[256];
	int		 want[256];
};

static void
mrecord(void *owner, int want_data, void *arg)
{
	struct mrec	*r = arg;

	if (r->n < 256) {
		r->owner[r->n] = owner;
		r->want[r->n] = want_data;
	}
	r->n++;
}

/* The owners match_persistent calls for (path, type), into r (reset). */
static void
match(struct zk_watches *w, const char *path, int type, struct mrec *r)
{
	r->n = 0;
	zk_watches_match_persistent(w, path, type, mrecord, r);
}

/* The want_data r recorded for owner, or -1 if owner was not called. */
static int
want_of(const struct mrec *r, void *owner)
{
	size_t	 i;

	for (i = 0; i < r->n && i < 256; i++)
		if (r->owner[i] == owner)
			return r->want[i];
	return -1;
}

/* persistent: a recursive watch on "/" sees every node event, no children */
static void
test_pers_recursive_root(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 r;

	zk_watches_add_persistent(w, "/", ZK_WATCH_RECURSIVE, 0, &A);
	match(w, "/a", ZK_EVENT_CREATED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &A);
	ZK_ASSERT_EQ(r.want[0], 0);
	match(w, "/a/b/c/d", ZK_EVENT_DELETED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	match(w, "/zookeeper", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	match(w, "/", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	match(w, "/", ZK_EVENT_CHILDREN, &r);
	ZK_ASSERT_EQ(r.n, 0);
	match(w, "/a", ZK_EVENT_CHILDREN, &r);
	ZK_ASSERT_EQ(r.n, 0);
	match(w, "/a", 99, &r);
	ZK_ASSERT_EQ(r.n, 0);
	zk_watches_free(w);
}

/* persistent: mode 0 sees its node's events and child list, nothing below */
static void
test_pers_persistent_mode(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 r;
	int			 t;

	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 1, &A);
	for (t = ZK_EVENT_CREATED; t <= ZK_EVENT_CHILDREN; t++) {
		match(w, "/a", t, &r);
		ZK_ASSERT_EQ(r.n, 1);
		ZK_ASSERT(r.owner[0] == &A);
		ZK_ASSERT_EQ(r.want[0], 1);
		match(w, "/a/b", t, &r);
		ZK_ASSERT_EQ(r.n, 0);
		match(w, "/ab", t, &r);
		ZK_ASSERT_EQ(r.n, 0);
		match(w, "/", t, &r);
		ZK_ASSERT_EQ(r.n, 0);
	}
	zk_watches_free(w);
}

/* persistent: recursive watches on ancestors match; "/ab" is not under "/a" */
static void
test_pers_ancestors(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 r;

	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/a/b", ZK_WATCH_RECURSIVE, 0, &B);
	zk_watches_add_persistent(w, "/a/b/c", ZK_WATCH_PERSISTENT, 0, &C);

	match(w, "/a/b/c", ZK_EVENT_CREATED, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT_EQ(want_of(&r, &A), 0);
	ZK_ASSERT_EQ(want_of(&r, &B), 0);
	ZK_ASSERT_EQ(want_of(&r, &C), 0);

	match(w, "/a/b/c/d/e", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(want_of(&r, &C), -1);

	match(w, "/a/bc", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &A);
	match(w, "/ab", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 0);
	match(w, "/ab/c", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 0);
	match(w, "/", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 0);
	match(w, "/b", ZK_EVENT_CREATED, &r);
	ZK_ASSERT_EQ(r.n, 0);

	/* Children of /a/b/c: only C's persistent watch, not the recursive. */
	match(w, "/a/b/c", ZK_EVENT_CHILDREN, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT(r.owner[0] == &C);
	zk_watches_free(w);
}

/* persistent: one call per owner, want_data ORed over its matches */
static void
test_pers_one_call_merge(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 r;

	zk_watches_add_persistent(w, "/", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 1, &A);
	zk_watches_add_persistent(w, "/a/b", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/a/b", ZK_WATCH_PERSISTENT, 0, &A);
	zk_watches_add_persistent(w, "/", ZK_WATCH_RECURSIVE, 0, &B);
	zk_watches_add_persistent(w, "/a/b", ZK_WATCH_RECURSIVE, 0, &B);

	match(w, "/a/b", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(want_of(&r, &A), 1);
	ZK_ASSERT_EQ(want_of(&r, &B), 0);
	match(w, "/a/b/x", ZK_EVENT_DELETED, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(want_of(&r, &A), 1);
	match(w, "/x", ZK_EVENT_CREATED, &r);
	ZK_ASSERT_EQ(r.n, 2);
	ZK_ASSERT_EQ(want_of(&r, &A), 0);

	/* Both modes on one path: children sees only the persistent one's. */
	zk_watches_add_persistent(w, "/c", ZK_WATCH_PERSISTENT, 0, &C);
	zk_watches_add_persistent(w, "/c", ZK_WATCH_RECURSIVE, 1, &C);
	match(w, "/c", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT_EQ(want_of(&r, &C), 1);
	match(w, "/c", ZK_EVENT_CHILDREN, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_EQ(want_of(&r, &C), 0);
	zk_watches_free(w);
}

/* persistent: 200 owners each on three ancestors: 200 calls, each once */
static void
test_pers_many_owners_once(void)
{
	enum { NOWNER = 200 };
	struct zk_watches	*w = zk_watches_new();
	static char		 owners[NOWNER];
	struct mrec		 r;
	size_t			 i, j;

	for (i = 0; i < NOWNER; i++) {
		zk_watches_add_persistent(w, "/", ZK_WATCH_RECURSIVE,
		    i == 7, &owners[i]);
		zk_watches_add_persistent(w, "/q", ZK_WATCH_RECURSIVE, 0,
		    &owners[i]);
		zk_watches_add_persistent(w, "/q/r", ZK_WATCH_RECURSIVE, 0,
		    &owners[i]);
	}
	match(w, "/q/r/s", ZK_EVENT_CREATED, &r);
	ZK_ASSERT_EQ(r.n, NOWNER);
	for (i = 0; i < NOWNER; i++)
		for (j = i + 1; j < NOWNER; j++)
			ZK_ASSERT(r.owner[i] != r.owner[j]);
	for (i = 0; i < NOWNER; i++)
		ZK_ASSERT_EQ(r.want[i], r.owner[i] == &owners[7]);
	zk_watches_free(w);
}

/* persistent: the same (path, mode, owner) twice is one, latest want_data */
static void
test_pers_duplicates(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 r;

	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 1, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), 1);
	match(w, "/a", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_EQ(r.want[0], 0);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 1, &A);
	match(w, "/a", ZK_EVENT_CHANGED, &r);
	ZK_ASSERT_EQ(r.want[0], 1);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	/* A mode that is not a persistent one adds nothing. */
	zk_watches_add_persistent(w, "/a", ZK_WATCH_ONESHOT_DATA, 1, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	zk_watches_free(w);
}

/* watch (5): counts take in persistent watches */
static void
test_pers_counts(void)
{
	struct zk_watches	*w = zk_watches_new();

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/b", ZK_WATCH_RECURSIVE, 0, &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 5);
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), 3);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 4);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &C), 0);
	zk_watches_free(w);
}

/* watch (6): triggers and matches keep to their own kind of watch */
static void
test_pers_apart(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct rec		 r = { 0 };
	struct mrec		 m;

	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 0);
	ZK_ASSERT_EQ(zk_watches_count(w), 2);
	/* Persistent: still there after matching, and again. */
	match(w, "/a", ZK_EVENT_DELETED, &m);
	ZK_ASSERT_EQ(m.n, 1);
	match(w, "/a", ZK_EVENT_DELETED, &m);
	ZK_ASSERT_EQ(m.n, 1);

	zk_watches_add(w, "/b", ZK_WATCH_DATA, &B);
	match(w, "/b", ZK_EVENT_DELETED, &m);
	ZK_ASSERT_EQ(m.n, 0);
	zk_watches_trigger(w, "/b", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_EQ(zk_watches_count(w), 2);
	zk_watches_free(w);
}

/* persistent: removal by mode takes exactly that mode's watches */
static void
test_pers_remove(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 m;
	struct rec		 r = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &B);
	zk_watches_add_persistent(w, "/b", ZK_WATCH_RECURSIVE, 0, &A);
	ZK_ASSERT_EQ(zk_watches_count(w), 6);

	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_RECURSIVE, &A), 1);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_RECURSIVE, &A), 0);
	ZK_ASSERT_EQ(zk_watches_count(w), 5);
	match(w, "/a/x", ZK_EVENT_CREATED, &m);
	ZK_ASSERT_EQ(m.n, 1);
	ZK_ASSERT(m.owner[0] == &B);
	match(w, "/a", ZK_EVENT_CHILDREN, &m);
	ZK_ASSERT_EQ(m.n, 1);
	ZK_ASSERT(m.owner[0] == &A);

	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ONESHOT_DATA, &A), 1);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ONESHOT_DATA, &A), 0);
	zk_watches_trigger(w, "/a", ZK_EVENT_CHANGED, record, &r);
	ZK_ASSERT_EQ(r.n, 0);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 3);

	/* Nothing of that mode on that path, or another owner's: 0. */
	ZK_ASSERT_EQ(zk_watches_remove(w, "/b", ZK_WATCH_PERSISTENT, &A), 0);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_PERSISTENT, &C), 0);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/none", ZK_WATCH_ANY, &A), 0);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", 99, &A), 0);

	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ANY, &A), 2);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 1);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &B), 1);
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), 2);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, record, &r);
	ZK_ASSERT_EQ(r.n, 0);

	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ONESHOT_CHILD, &B), 0);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &B);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ONESHOT_CHILD, &B), 1);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/b", ZK_WATCH_RECURSIVE, &A), 1);
	ZK_ASSERT_EQ(zk_watches_remove(w, "/a", ZK_WATCH_ANY, &B), 1);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), 0);
	match(w, "/a", ZK_EVENT_CHANGED, &m);
	ZK_ASSERT_EQ(m.n, 0);
	zk_watches_free(w);
}

/* watch (4): drop_owner takes persistent watches too, and no other's */
static void
test_pers_drop_owner(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct mrec		 m;

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add_persistent(w, "/", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 0, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 0, &B);
	zk_watches_drop_owner(w, &A);
	ZK_ASSERT_EQ(zk_watches_count_owner(w, &A), 0);
	ZK_ASSERT_EQ(zk_watches_count(w), 1);
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), 1);
	match(w, "/a", ZK_EVENT_CHANGED, &m);
	ZK_ASSERT_EQ(m.n, 1);
	ZK_ASSERT(m.owner[0] == &B);
	match(w, "/x", ZK_EVENT_CHANGED, &m);
	ZK_ASSERT_EQ(m.n, 0);
	zk_watches_drop_owner(w, &B);
	ZK_ASSERT_EQ(zk_watches_count(w), 0);
	zk_watches_free(w);
}

struct each {
	size_t		 n;
	char		 path[8][16];
	int		 mode[8];
	int		 want[8];
};

static void
each_record(void *arg, const char *path, int mode, int want_data)
{
	struct each	*e = arg;

	if (e->n < 8) {
		snprintf(e->path[e->n], sizeof(e->path[0]), "%s", path);
		e->mode[e->n] = mode;
		e->want[e->n] = want_data;
	}
	e->n++;
}

/* persistent: each_persistent lists one owner's watches with their modes */
static void
test_pers_each(void)
{
	struct zk_watches	*w = zk_watches_new();
	struct each		 e = { 0 };

	zk_watches_add(w, "/a", ZK_WATCH_DATA, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_PERSISTENT, 1, &A);
	zk_watches_add_persistent(w, "/a", ZK_WATCH_RECURSIVE, 0, &A);
	zk_watches_add_persistent(w, "/b", ZK_WATCH_RECURSIVE, 0, &B);
	zk_watches_each_persistent(w, &A, each_record, &e);
	ZK_ASSERT_EQ(e.n, 2);
	ZK_ASSERT_STR(e.path[0], "/a");
	ZK_ASSERT_STR(e.path[1], "/a");
	ZK_ASSERT_EQ(e.mode[0], ZK_WATCH_PERSISTENT);
	ZK_ASSERT_EQ(e.want[0], 1);
	ZK_ASSERT_EQ(e.mode[1], ZK_WATCH_RECURSIVE);
	ZK_ASSERT_EQ(e.want[1], 0);
	e.n = 0;
	zk_watches_each_persistent(w, &C, each_record, &e);
	ZK_ASSERT_EQ(e.n, 0);
	zk_watches_free(w);
}

/* persistent: 10,000 watches on other paths do not reach a match */
static void
test_pers_many_paths(void)
{
	enum { NPATH = 10000 };
	struct zk_watches	*w = zk_watches_new();
	static char		 owners[NPATH];
	struct mrec		 m;
	char			 path[32];
	size_t			 i;

	for (i = 0; i < NPATH; i++) {
		snprintf(path, sizeof(path), "/n/%zu", i);
		zk_watches_add_persistent(w, path, i % 2 ?
		    ZK_WATCH_RECURSIVE : ZK_WATCH_PERSISTENT, 0, &owners[i]);
	}
	ZK_ASSERT_EQ(zk_watches_count_persistent(w), NPATH);
	match(w, "/n/4242", ZK_EVENT_CHILDREN, &m);
	ZK_ASSERT_EQ(m.n, 1);
	ZK_ASSERT(m.owner[0] == &owners[4242]);
	match(w, "/n/4243/x/y", ZK_EVENT_CREATED, &m);
	ZK_ASSERT_EQ(m.n, 1);
	ZK_ASSERT(m.owner[0] == &owners[4243]);
	match(w, "/n/4242/x", ZK_EVENT_CREATED, &m);
	ZK_ASSERT_EQ(m.n, 0);
	match(w, "/n", ZK_EVENT_CHILDREN, &m);
	ZK_ASSERT_EQ(m.n, 0);
	for (i = 0; i < NPATH; i += 2)
		zk_watches_drop_owner(w, &owners[i]);
	ZK_ASSERT_EQ(zk_watches_count(w), NPATH / 2);
	match(w, "/n/4242", ZK_EVENT_CHILDREN, &m);
	ZK_ASSERT_EQ(m.n, 0);
	zk_watches_free(w);
}

/* count_into: each owner's counter, next to it. */
struct counted {
	size_t		 n;
	int		 id;
};

static size_t *
counter_of(void *owner)
{
	return &((struct counted *)owner)->n;
}

static void
ignore(void *owner, int type, const char *path, void *arg)
{
	(void)owner;
	(void)type;
	(void)path;
	(void)arg;
}

/*
 * (5) kept exactly: after every add (new or duplicate, either kind, either
 * persistent mode), fire, removal of each mode and drop, three owners'
 * counters equal their recounts; a trigger of both kinds takes two.
 */
static void
test_count_into(void)
{
	static const char *paths[] = { "/a", "/a/b", "/c", "/a/b/c" };
	static const int types[] = { ZK_EVENT_CREATED, ZK_EVENT_DELETED,
	    ZK_EVENT_CHANGED, ZK_EVENT_CHILDREN };
	struct zk_watches	*w = zk_watches_new();
	struct counted		 o[3] = { { 0, 0 }, { 0, 1 }, { 0, 2 } };
	uint64_t		 x = 88172645463325252ULL;
	const char		*p;
	int			 i, k, r;

	zk_watches_count_into(w, counter_of);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &o[0]);
	zk_watches_add(w, "/a", ZK_WATCH_CHILD, &o[0]);
	zk_watches_add(w, "/a", ZK_WATCH_DATA, &o[0]);	/* duplicate */
	ZK_ASSERT_EQ(o[0].n, 2);
	zk_watches_trigger(w, "/a", ZK_EVENT_DELETED, ignore, NULL);
	ZK_ASSERT_EQ(o[0].n, 0);
	for (i = 0; i < 5000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (int)(x % 3);
		p = paths[(x >> 8) % 4];
		r = (int)((x >> 16) % 16);
		if (r < 5)
			zk_watches_add(w, p, r % 2 ? ZK_WATCH_DATA :
			    ZK_WATCH_CHILD, &o[k]);
		else if (r < 8)
			zk_watches_add_persistent(w, p, r % 2 ?
			    ZK_WATCH_PERSISTENT : ZK_WATCH_RECURSIVE, r == 7,
			    &o[k]);
		else if (r < 13)
			zk_watches_trigger(w, p, types[(x >> 24) % 4], ignore,
			    NULL);
		else if (r < 15)
			(void)zk_watches_remove(w, p, (int)((x >> 24) % 5),
			    &o[k]);
		else
			zk_watches_drop_owner(w, &o[k]);
		for (k = 0; k < 3; k++)
			ZK_ASSERT_EQ(o[k].n, zk_watches_count_owner(w, &o[k]));
	}
	ZK_ASSERT_EQ(o[0].n + o[1].n + o[2].n, zk_watches_count(w));
	zk_watches_free(w);
}

int
main(void)
{
	ZK_RUN(test_one_shot);
	ZK_RUN(test_duplicates_collapse);
	ZK_RUN(test_two_owners);
	ZK_RUN(test_deleted_both_once);
	ZK_RUN(test_kinds);
	ZK_RUN(test_rearm_in_callback);
	ZK_RUN(test_prefix_paths);
	ZK_RUN(test_trigger_unwatched);
	ZK_RUN(test_drop_owner);
	ZK_RUN(test_many);
	ZK_RUN(test_pers_recursive_root);
	ZK_RUN(test_pers_persistent_mode);
	ZK_RUN(test_pers_ancestors);
	ZK_RUN(test_pers_one_call_merge);
	ZK_RUN(test_pers_many_owners_once);
	ZK_RUN(test_pers_duplicates);
	ZK_RUN(test_pers_counts);
	ZK_RUN(test_pers_apart);
	ZK_RUN(test_pers_remove);
	ZK_RUN(test_pers_drop_owner);
	ZK_RUN(test_pers_each);
	ZK_RUN(test_pers_many_paths);
	ZK_RUN(test_count_into);
	return ZK_TEST_DONE();
}
