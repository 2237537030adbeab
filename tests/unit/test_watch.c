/* Unit tests for lib/watch.c: the one-shot watch table. */
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
	return ZK_TEST_DONE();
}
