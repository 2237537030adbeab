/* Unit tests for lib/session.c: the session table, expiry, ephemerals. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "session.h"
#include "test.h"
#include "util.h"

static const unsigned char pw[ZK_PASSWD_LEN] = "0123456789abcdef";

/* A session is found by id until removed; adding an id again updates it. */
static void
test_add_find_remove(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	struct zk_session	*ss;
	unsigned char		 pw2[ZK_PASSWD_LEN];

	ss = zk_sessions_add(s, 0x100000001LL, 6000, pw, 1000);
	ZK_ASSERT(ss != NULL);
	ZK_ASSERT_EQ(ss->id, 0x100000001LL);
	ZK_ASSERT_EQ(ss->timeout_ms, 6000);
	ZK_ASSERT_EQ(ss->deadline_ms, 7000);
	ZK_ASSERT_MEM(ss->passwd, pw, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(ss->nephemerals, 0);
	ZK_ASSERT(zk_sessions_find(s, 0x100000001LL) == ss);
	ZK_ASSERT(zk_sessions_find(s, 2) == NULL);
	ZK_ASSERT_EQ(zk_sessions_count(s), 1);

	zk_session_add_ephemeral(ss, "/e");
	ss->closing = 1;
	memset(pw2, 7, sizeof(pw2));
	ZK_ASSERT(zk_sessions_add(s, 0x100000001LL, 9000, pw2, 2000) == ss);
	ZK_ASSERT_EQ(zk_sessions_count(s), 1);
	ZK_ASSERT_EQ(ss->timeout_ms, 9000);
	ZK_ASSERT_EQ(ss->deadline_ms, 11000);
	ZK_ASSERT_MEM(ss->passwd, pw2, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(ss->closing, 0);
	ZK_ASSERT_EQ(ss->nephemerals, 1);	/* session (1): still owned */

	/* Removing frees what is left on the list (ASan would tell). */
	zk_sessions_remove(s, 0x100000001LL);
	ZK_ASSERT(zk_sessions_find(s, 0x100000001LL) == NULL);
	ZK_ASSERT_EQ(zk_sessions_count(s), 0);
	zk_sessions_remove(s, 0x100000001LL);
	ZK_ASSERT_EQ(zk_sessions_count(s), 0);
	zk_sessions_free(s);
}

/* session (2): touch pushes the deadline to now + timeout. */
static void
test_touch(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	struct zk_session	*ss = zk_sessions_add(s, 5, 3000, pw, 0);

	ZK_ASSERT_EQ(zk_sessions_touch(s, 5, 10000), ZK_OK);
	ZK_ASSERT_EQ(ss->deadline_ms, 13000);
	ZK_ASSERT_EQ(zk_sessions_touch(s, 6, 10000), ZK_ESESSIONEXPIRED);
	zk_sessions_free(s);
}

/* Expiry lists sessions past their deadline, not closing, at most max. */
static void
test_expired(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	int64_t			 ids[8];
	size_t			 n;

	zk_sessions_add(s, 1, 1000, pw, 0);	/* deadline 1000 */
	zk_sessions_add(s, 2, 2000, pw, 0);	/* 2000 */
	zk_sessions_add(s, 3, 500, pw, 0);	/* 500, but closing */
	zk_sessions_find(s, 3)->closing = 1;
	zk_sessions_add(s, 4, 5000, pw, 0);	/* 5000 */
	ZK_ASSERT_EQ(zk_sessions_expired(s, 999, ids, 8), 0);
	n = zk_sessions_expired(s, 1000, ids, 8);
	ZK_ASSERT_EQ(n, 1);
	ZK_ASSERT_EQ(ids[0], 1);
	n = zk_sessions_expired(s, 2500, ids, 8);
	ZK_ASSERT_EQ(n, 2);
	ZK_ASSERT((ids[0] == 1 && ids[1] == 2) || (ids[0] == 2 && ids[1] == 1));
	ZK_ASSERT_EQ(zk_sessions_expired(s, 2500, ids, 1), 1);
	ZK_ASSERT_EQ(zk_sessions_touch(s, 1, 2000), ZK_OK);
	n = zk_sessions_expired(s, 2500, ids, 8);
	ZK_ASSERT_EQ(n, 1);
	ZK_ASSERT_EQ(ids[0], 2);
	ZK_ASSERT_EQ(zk_sessions_expired(s, 10000, ids, 8), 3);
	zk_sessions_free(s);
}

/* first/next visit every session exactly once, across table growth. */
static void
test_iterate(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	struct zk_session	*ss;
	static unsigned char	 seen[1000];
	int			 i, n = 0;

	ZK_ASSERT(zk_sessions_first(s) == NULL);
	for (i = 0; i < 1000; i++)
		zk_sessions_add(s, ((int64_t)i << 40) | 7, 1000, pw, 0);
	ZK_ASSERT_EQ(zk_sessions_count(s), 1000);
	for (ss = zk_sessions_first(s); ss != NULL;
	    ss = zk_sessions_next(s, ss)) {
		i = (int)(ss->id >> 40);
		ZK_ASSERT(i >= 0 && i < 1000);
		ZK_ASSERT_EQ(seen[i], 0);
		seen[i] = 1;
		n++;
	}
	ZK_ASSERT_EQ(n, 1000);
	for (i = 0; i < 1000; i += 2)
		zk_sessions_remove(s, ((int64_t)i << 40) | 7);
	ZK_ASSERT_EQ(zk_sessions_count(s), 500);
	ZK_ASSERT(zk_sessions_find(s, (1LL << 40) | 7) != NULL);
	ZK_ASSERT(zk_sessions_find(s, (2LL << 40) | 7) == NULL);
	zk_sessions_free(s);
}

/* Whether the list holds path exactly once. */
static int
holds(const struct zk_session *ss, const char *path)
{
	size_t	 i;
	int	 k = 0;

	for (i = 0; i < ss->nephemerals; i++)
		if (strcmp(ss->ephemerals[i], path) == 0)
			k++;
	return k == 1;
}

/* Ephemerals: add copies, remove takes exactly that path, take empties. */
static void
test_ephemerals_small(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	struct zk_session	*ss = zk_sessions_add(s, 9, 1000, pw, 0);
	char			 buf[8] = "/a";
	char			**v;
	size_t			 n;

	zk_session_add_ephemeral(ss, buf);
	buf[1] = 'b';
	zk_session_add_ephemeral(ss, buf);
	zk_session_add_ephemeral(ss, "/c");
	ZK_ASSERT_EQ(ss->nephemerals, 3);
	ZK_ASSERT(holds(ss, "/a") && holds(ss, "/b") && holds(ss, "/c"));
	zk_session_remove_ephemeral(ss, "/a");
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	ZK_ASSERT(!holds(ss, "/a") && holds(ss, "/b") && holds(ss, "/c"));
	zk_session_remove_ephemeral(ss, "/nope");
	ZK_ASSERT_EQ(ss->nephemerals, 2);
	v = zk_session_take_ephemerals(ss, &n);
	ZK_ASSERT_EQ(n, 2);
	ZK_ASSERT(v != NULL);
	ZK_ASSERT((strcmp(v[0], "/b") == 0 && strcmp(v[1], "/c") == 0) ||
	    (strcmp(v[0], "/c") == 0 && strcmp(v[1], "/b") == 0));
	free(v[0]);
	free(v[1]);
	free(v);
	ZK_ASSERT_EQ(ss->nephemerals, 0);
	ZK_ASSERT(ss->ephemerals == NULL);
	ZK_ASSERT(zk_session_take_ephemerals(ss, &n) == NULL);
	ZK_ASSERT_EQ(n, 0);
	zk_session_add_ephemeral(ss, "/d");
	ZK_ASSERT(holds(ss, "/d"));
	zk_sessions_free(s);
}

/* session (1) with many paths: the index keeps every remove exact and fast. */
static void
test_ephemerals_many(void)
{
	struct zk_sessions	*s = zk_sessions_new();
	struct zk_session	*ss = zk_sessions_add(s, 9, 1000, pw, 0);
	static unsigned char	 live[100000];
	char			 path[32];
	int64_t			 t0, t1;
	size_t			 i, k, removed = 0;
	int			 j;

	t0 = zk_now_mono_us();
	for (j = 0; j < 100000; j++) {
		snprintf(path, sizeof(path), "/locks/n%d", j);
		zk_session_add_ephemeral(ss, path);
		live[j] = 1;
	}
	ZK_ASSERT_EQ(ss->nephemerals, 100000);
	/* In creation order for a third, then a scattered order. */
	for (j = 0; j < 33333; j++) {
		snprintf(path, sizeof(path), "/locks/n%d", j);
		zk_session_remove_ephemeral(ss, path);
		live[j] = 0;
		removed++;
	}
	for (j = 0; j < 100000; j++) {
		k = ((size_t)j * 7919) % 100000;
		if (k % 3 != 0 || !live[k])
			continue;
		snprintf(path, sizeof(path), "/locks/n%zu", k);
		zk_session_remove_ephemeral(ss, path);
		live[k] = 0;
		removed++;
	}
	t1 = zk_now_mono_us();
	k = 0;
	for (j = 0; j < 100000; j++)
		k += live[j];
	ZK_ASSERT_EQ(ss->nephemerals, k);
	ZK_ASSERT_EQ(k, 100000 - removed);
	ZK_ASSERT(removed > 50000);
	for (i = 0; i < ss->nephemerals; i++) {
		j = atoi(ss->ephemerals[i] + strlen("/locks/n"));
		ZK_ASSERT(j >= 0 && j < 100000 && live[j] == 1);
		live[j] = 2;	/* seen once */
	}
	/* Removing everything left, then adding again, still works. */
	for (j = 0; j < 100000; j++) {
		snprintf(path, sizeof(path), "/locks/n%d", j);
		zk_session_remove_ephemeral(ss, path);
	}
	ZK_ASSERT_EQ(ss->nephemerals, 0);
	zk_session_add_ephemeral(ss, "/x");
	ZK_ASSERT(holds(ss, "/x"));
	fprintf(stderr, "  100000 ephemerals added and %zu removed in "
	    "%lld ms\n", removed, (long long)(t1 - t0) / 1000);
	ZK_ASSERT(t1 - t0 < 5 * 1000 * 1000);
	zk_sessions_free(s);
}

int
main(void)
{
	ZK_RUN(test_add_find_remove);
	ZK_RUN(test_touch);
	ZK_RUN(test_expired);
	ZK_RUN(test_iterate);
	ZK_RUN(test_ephemerals_small);
	ZK_RUN(test_ephemerals_many);
	return ZK_TEST_DONE();
}
