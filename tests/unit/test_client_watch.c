/*
 * Unit tests for lib/client_watch.c: the client's record of its watches,
 * which events it passes on, and what it sends after a reconnect.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_watch.h"
#include "proto.h"
#include "test.h"
#include "util.h"

static struct zk_reply
event(int type, const char *path, int64_t zxid, int32_t index)
{
	struct zk_reply	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.xid = ZK_XID_EVENT;
	ev.event_type = type;
	ev.path = (char *)path;
	ev.zxid = zxid;
	ev.event_index = index;
	return ev;
}

static struct zk_reply
reply(int err, int64_t zxid)
{
	struct zk_reply	 r;

	memset(&r, 0, sizeof(r));
	r.err = err;
	r.zxid = zxid;
	return r;
}

/* Decodes every request frame of out, in order, into reqs (up to max). */
static size_t
frames(const struct zk_buf *out, struct zk_request *reqs, size_t max)
{
	size_t		 off = 0, n = 0;
	uint32_t	 len;

	while (off + ZK_FRAME_HDR <= out->len && n < max) {
		if (zk_frame_check(out->data + off, 1 << 24, &len, NULL) !=
		    ZK_OK)
			break;
		if (zk_proto_decode_request(out->data + off + ZK_FRAME_HDR,
		    len, 1 << 20, &reqs[n], NULL) != ZK_OK)
			break;
		n++;
		off += ZK_FRAME_HDR + len;
	}
	return n;
}

static void
close_all(struct zk_request *reqs, size_t n)
{
	while (n-- > 0)
		zk_request_close(&reqs[n]);
}

static void
test_kinds(void)
{
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_GETDATA, ZK_OK), ZK_CW_DATA);
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_GETDATA, ZK_ENONODE), 0);
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_EXISTS, ZK_OK), ZK_CW_DATA);
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_EXISTS, ZK_ENONODE), ZK_CW_EXIST);
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_GETCHILDREN, ZK_OK), ZK_CW_CHILD);
	ZK_ASSERT_EQ(zk_cwatch_kind(ZK_OP_SETDATA, ZK_OK), 0);
}

/* One-shot: forgotten when fired, by the event kinds that fire them. */
static void
test_oneshot_fires_once(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_reply		 ev;

	zk_cwatch_armed(w, "/a", ZK_CW_DATA);
	zk_cwatch_armed(w, "/a", ZK_CW_DATA);	/* the same watch */
	zk_cwatch_armed(w, "/a", ZK_CW_CHILD);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 2);
	ev = event(ZK_EVENT_CHANGED, "/a", 10, 0);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 1);	/* the child watch stays */
	ev = event(ZK_EVENT_DELETED, "/a", 11, 0);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 0);
	zk_cwatch_free(w);
}

/* Replays: an event a persistent watch is past is not shown again. */
static void
test_persistent_dedup(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_reply		 ev, r;
	void			*h;

	h = zk_cwatch_add(w, "/cfg", ZK_WATCH_RECURSIVE, 0, NULL);
	r = reply(ZK_OK, 100);
	zk_cwatch_added(w, h, &r);
	ev = event(ZK_EVENT_CHANGED, "/cfg/a", 100, 0);	/* not after 100 */
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 0);
	ev = event(ZK_EVENT_CREATED, "/cfg/b", 101, 0);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	ev = event(ZK_EVENT_CHANGED, "/cfg/b", 101, 1);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	ev = event(ZK_EVENT_CHANGED, "/cfg/b", 101, 1);	/* the same again */
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 0);
	ev = event(ZK_EVENT_CREATED, "/cfg/b", 101, 0);	/* older */
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 0);
	/* An event no watch here sees still goes to the user. */
	ev = event(ZK_EVENT_CHANGED, "/other", 50, 0);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	zk_cwatch_free(w);
}

/* The resume: one-shot paths by kind, then each persistent from its place. */
static void
test_resume_frames(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_request	 reqs[8];
	struct zk_reply		 ev, r;
	struct zk_buf		 out;
	struct zk_evpos		 since = { 7, 2 };
	void			*h1, *h2;
	size_t			 n;

	zk_buf_init(&out);
	zk_cwatch_armed(w, "/d", ZK_CW_DATA);
	zk_cwatch_armed(w, "/e", ZK_CW_EXIST);
	zk_cwatch_armed(w, "/c", ZK_CW_CHILD);
	h1 = zk_cwatch_add(w, "/p", ZK_WATCH_PERSISTENT, 1, NULL);
	r = reply(ZK_OK, 40);
	zk_cwatch_added(w, h1, &r);
	ev = event(ZK_EVENT_CHILDREN, "/p", 45, 3);
	ZK_ASSERT_EQ(zk_cwatch_event(w, &ev), 1);
	h2 = zk_cwatch_add(w, "/q", ZK_WATCH_RECURSIVE, 0, &since);
	(void)h2;	/* its addWatch waits in the backlog: not re-sent */
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 99, &out), 2);
	n = frames(&out, reqs, 8);
	ZK_ASSERT_EQ(n, 2);
	/* The persistent watch first: setWatches' events must not move it. */
	ZK_ASSERT_EQ(reqs[0].xid, ZK_XID_READD);
	ZK_ASSERT_EQ(reqs[0].op, ZK_OP_ADDWATCH);
	ZK_ASSERT_STR(reqs[0].path, "/p");
	ZK_ASSERT_EQ(reqs[0].watch_mode, ZK_WATCH_PERSISTENT);
	ZK_ASSERT_EQ(reqs[0].want_data, 1);
	ZK_ASSERT_EQ(reqs[0].has_since, 1);
	ZK_ASSERT_EQ(reqs[0].since_zxid, 45);	/* the last event it had */
	ZK_ASSERT_EQ(reqs[0].since_index, 3);
	ZK_ASSERT_EQ(reqs[1].xid, ZK_XID_SETWATCHES);
	ZK_ASSERT_EQ(reqs[1].op, ZK_OP_SETWATCHES);
	ZK_ASSERT_EQ(reqs[1].last_zxid, 99);
	ZK_ASSERT_EQ(reqs[1].ndata_watches, 1);
	ZK_ASSERT_STR(reqs[1].data_watches[0], "/d");
	ZK_ASSERT_EQ(reqs[1].nexist_watches, 1);
	ZK_ASSERT_STR(reqs[1].exist_watches[0], "/e");
	ZK_ASSERT_EQ(reqs[1].nchild_watches, 1);
	ZK_ASSERT_STR(reqs[1].child_watches[0], "/c");
	close_all(reqs, n);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

/* A reply after registration moves the position on (invariant (2)). */
static void
test_progress(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_request	 reqs[4];
	struct zk_reply		 r;
	struct zk_buf		 out;
	void			*h;
	size_t			 n;

	zk_buf_init(&out);
	h = zk_cwatch_add(w, "/p", ZK_WATCH_PERSISTENT, 0, NULL);
	zk_cwatch_progress(w, 500);	/* not yet registered: no move */
	r = reply(ZK_OK, 40);
	zk_cwatch_added(w, h, &r);
	zk_cwatch_progress(w, 60);
	zk_cwatch_progress(w, 55);	/* never back */
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 60, &out), 1);
	n = frames(&out, reqs, 4);
	ZK_ASSERT_EQ(n, 1);
	ZK_ASSERT_EQ(reqs[0].since_zxid, 60);
	ZK_ASSERT_EQ(reqs[0].since_index, ZK_EVINDEX_ALL);
	close_all(reqs, n);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

/* A refused re-add is reported with its path and forgotten. */
static void
test_readd_refused(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_reply		 r;
	struct zk_buf		 out;
	zk_reply_fn		 fn;
	void			*h1, *h2, *arg;
	char			*path;

	zk_buf_init(&out);
	h1 = zk_cwatch_add(w, "/one", ZK_WATCH_RECURSIVE, 0, NULL);
	h2 = zk_cwatch_add(w, "/two", ZK_WATCH_RECURSIVE, 0, NULL);
	r = reply(ZK_OK, 10);
	zk_cwatch_added(w, h1, &r);
	zk_cwatch_added(w, h2, &r);
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 10, &out), 2);
	r = reply(ZK_EHISTORY, 900);
	zk_cwatch_readd_reply(w, &r, &path, &fn, &arg);
	ZK_ASSERT_STR(path, "/one");	/* replies come in the order sent */
	ZK_ASSERT(fn == NULL);
	free(path);
	r = reply(ZK_OK, 900);
	zk_cwatch_readd_reply(w, &r, &path, &fn, &arg);
	ZK_ASSERT(path == NULL);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 1);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

/*
 * A watch removed while its re-add is in flight: that reply is nobody's,
 * and the next one still goes to the watch it belongs to.
 */
static void
test_readd_after_remove(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_reply		 r;
	struct zk_buf		 out;
	zk_reply_fn		 fn;
	void			*ha, *hb, *arg;
	char			*path;

	zk_buf_init(&out);
	ha = zk_cwatch_add(w, "/a", ZK_WATCH_RECURSIVE, 0, NULL);
	hb = zk_cwatch_add(w, "/b", ZK_WATCH_RECURSIVE, 0, NULL);
	r = reply(ZK_OK, 10);
	zk_cwatch_added(w, ha, &r);
	zk_cwatch_added(w, hb, &r);
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 10, &out), 2);
	ZK_ASSERT_EQ(zk_cwatch_remove(w, "/a", ZK_WATCH_ANY), 1);
	r = reply(ZK_EHISTORY, 50);		/* /a's, late */
	zk_cwatch_readd_reply(w, &r, &path, &fn, &arg);
	ZK_ASSERT(path == NULL);		/* not /b's failure */
	ZK_ASSERT_EQ(zk_cwatch_count(w), 1);
	r = reply(ZK_EHISTORY, 50);		/* /b's */
	zk_cwatch_readd_reply(w, &r, &path, &fn, &arg);
	ZK_ASSERT_STR(path, "/b");
	free(path);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

static int	 user_called;

static void
user_fn(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	(void)c;
	(void)rep;
	user_called = *(int *)arg;
}

/* The user's addWatch lost with its connection: re-sent, answered to them. */
static void
test_lost_add(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_request	 reqs[4];
	struct zk_reply		 r;
	struct zk_buf		 out;
	zk_reply_fn		 fn;
	void			*h, *arg;
	char			*path;
	int			 tag = 42;
	size_t			 n;

	zk_buf_init(&out);
	h = zk_cwatch_add(w, "/w", ZK_WATCH_PERSISTENT, 0, NULL);
	zk_cwatch_add_lost(w, h, user_fn, &tag);
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 5, &out), 1);
	n = frames(&out, reqs, 4);
	ZK_ASSERT_EQ(n, 1);
	ZK_ASSERT_EQ(reqs[0].has_since, 0);	/* it never had a place */
	close_all(reqs, n);
	r = reply(ZK_OK, 8);
	zk_cwatch_readd_reply(w, &r, &path, &fn, &arg);
	ZK_ASSERT(path == NULL);
	ZK_ASSERT(fn == user_fn);
	fn(NULL, &r, arg);
	ZK_ASSERT_EQ(user_called, 42);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 1);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

static void
test_remove(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();

	zk_cwatch_armed(w, "/a", ZK_CW_DATA);
	zk_cwatch_armed(w, "/a", ZK_CW_CHILD);
	(void)zk_cwatch_add(w, "/a", ZK_WATCH_RECURSIVE, 0, NULL);
	(void)zk_cwatch_add(w, "/b", ZK_WATCH_PERSISTENT, 0, NULL);
	ZK_ASSERT_EQ(zk_cwatch_remove(w, "/a", ZK_WATCH_ONESHOT_CHILD), 1);
	ZK_ASSERT_EQ(zk_cwatch_remove(w, "/a", ZK_WATCH_PERSISTENT), 0);
	ZK_ASSERT_EQ(zk_cwatch_remove(w, "/a", ZK_WATCH_ANY), 2);
	ZK_ASSERT_EQ(zk_cwatch_count(w), 1);
	zk_cwatch_free(w);
}

/* Many one-shot watches go in several setWatches, within the bounds. */
static void
test_resume_split(void)
{
	struct zk_cwatch	*w = zk_cwatch_new();
	struct zk_request	*reqs = zk_xcalloc(16, sizeof(*reqs));
	struct zk_buf		 out;
	char			 path[64];
	size_t			 i, n, total = 0;

	zk_buf_init(&out);
	for (i = 0; i < 2500; i++) {
		snprintf(path, sizeof(path), "/n%04zu", i);
		zk_cwatch_armed(w, path, ZK_CW_DATA);
	}
	ZK_ASSERT_EQ(zk_cwatch_resume(w, 1, &out), 3);
	n = frames(&out, reqs, 16);
	ZK_ASSERT_EQ(n, 3);
	for (i = 0; i < n; i++) {
		ZK_ASSERT(reqs[i].ndata_watches <= 1000);
		total += reqs[i].ndata_watches;
	}
	ZK_ASSERT_EQ(total, 2500);
	close_all(reqs, n);
	free(reqs);
	zk_buf_close(&out);
	zk_cwatch_free(w);
}

int
main(void)
{
	ZK_RUN(test_kinds);
	ZK_RUN(test_oneshot_fires_once);
	ZK_RUN(test_persistent_dedup);
	ZK_RUN(test_resume_frames);
	ZK_RUN(test_progress);
	ZK_RUN(test_readd_refused);
	ZK_RUN(test_readd_after_remove);
	ZK_RUN(test_lost_add);
	ZK_RUN(test_remove);
	ZK_RUN(test_resume_split);
	return ZK_TEST_DONE();
}
