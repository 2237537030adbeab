/*
 * zk-bench --op watch: how long one change takes to reach many watchers.
 * CONNS sessions each hold a persistent watch on one node; one more
 * session sets that node, one change at a time. A change's delivery time
 * to a watcher is from the moment its setData was sent to the moment
 * that watcher's event arrived; the next change goes once every watcher
 * has had the last (or after ROUND_MS, the missing ones counted as
 * errors). ok counts events delivered in the measured run, ops/s is
 * events per second, and the percentiles are of delivery times.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"
#include "client.h"
#include "error.h"
#include "loop.h"
#include "proto.h"
#include "util.h"

#define ROOT		"/zk-bench"
#define WATCHED		"/zk-bench/watched"
#define ROUND_MS	5000	/* a change not seen by all by then: errors */
#define CLOSE_MS	2000

struct wbench;

struct watcher {
	struct wbench		*b;
	struct zk_client	*client;
	int			 added;		/* its addWatch was answered */
	int			 failed;
	uint64_t		 seen;		/* rounds it has had */
};

struct wbench {
	const struct zk_bench_opts *o;
	struct event_base	*base;
	struct watcher		*w;		/* o->conns of them */
	struct zk_client	*writer;
	char			*data;
	struct zk_hist		*hist;
	int			 nadded;	/* addWatch answered, ok or not */
	int			 prepared;	/* writer's setup answered */
	int			 err;		/* first setup error */
	uint64_t		 round;		/* changes sent */
	int64_t			 t0_us;		/* the current change was sent */
	int64_t			 next_at_ns;	/* with a rate: the next change */
	int			 got;		/* watchers that have it */
	int			 set_done;	/* its setData was answered */
	int			 set_failed;
	int			 measuring;
	uint64_t		 ok, errors;
	int64_t			 start_us, end_us;
};

static int
finished(int state)
{
	return state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED ||
	    state == ZK_STATE_FAILED;
}

static void
on_event(struct zk_client *c, int state, const struct zk_reply *ev, void *arg)
{
	struct watcher	*w = arg;
	struct wbench	*b = w->b;

	(void)c;
	(void)state;
	if (ev == NULL || ev->xid != ZK_XID_EVENT ||
	    ev->event_type != ZK_EVENT_CHANGED || w->seen >= b->round)
		return;
	w->seen = b->round;
	if (b->measuring) {
		zk_bench_hist_add(b->hist, zk_now_mono_us() - b->t0_us);
		b->ok++;
	}
	b->got++;
}

static void
on_added(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct watcher	*w = arg;

	(void)c;
	w->added = 1;
	w->failed = rep->err != ZK_OK;
	if (w->failed && w->b->err == ZK_OK)
		w->b->err = rep->err;
	w->b->nadded++;
}

static void
on_set(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct wbench	*b = arg;

	(void)c;
	if (rep->err != ZK_OK) {
		b->errors++;
		b->set_failed = 1;
	}
	b->set_done = 1;
}

static void
next_round(struct wbench *b)
{
	struct zk_request	 req;

	b->round++;
	b->got = 0;
	b->set_done = 0;
	b->set_failed = 0;
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_SETDATA;
	req.path = (char *)WATCHED;
	req.data = b->data;
	req.data_len = b->o->size;
	req.version = -1;
	b->t0_us = zk_now_mono_us();
	zk_client_submit(b->writer, &req, on_set, b);
}

static void
on_prepared(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct wbench	*b = arg;

	(void)c;
	if (rep->err != ZK_OK && rep->err != ZK_ENODEEXISTS && b->err == ZK_OK)
		b->err = rep->err;
	b->prepared++;
}

/* Runs the loop until done(b) or ms passed (0: no limit); done(b). */
static int
loop_until(struct wbench *b, int (*done)(void *), int64_t ms)
{
	return zk_loop_until(b->base, done, b, ms);
}

static int
all_connected(void *arg)
{
	struct wbench	*b = arg;
	int	 i, n = 0, st;

	for (i = 0; i <= b->o->conns; i++) {
		st = zk_client_state(i < b->o->conns ? b->w[i].client :
		    b->writer);
		if (finished(st))
			return 1;
		n += st == ZK_STATE_CONNECTED;
	}
	return n == b->o->conns + 1;
}

static int
setup_done(void *arg)
{
	struct wbench	*b = arg;
	return b->prepared == 2 || b->err != ZK_OK;
}

static int
all_added(void *arg)
{
	struct wbench	*b = arg;
	return b->nadded == b->o->conns;
}

static int
all_finished(void *arg)
{
	struct wbench	*b = arg;
	int	 i;

	for (i = 0; i < b->o->conns; i++)
		if (b->w[i].client != NULL &&
		    !finished(zk_client_state(b->w[i].client)))
			return 0;
	return b->writer == NULL || finished(zk_client_state(b->writer));
}

/* The change was answered and every watcher has had it. */
static int
round_over(void *arg)
{
	struct wbench	*b = arg;
	return b->set_done && (b->got == b->o->conns || b->set_failed);
}

static int
connect_and_watch(struct wbench *b, struct zk_error *e)
{
	const struct zk_bench_opts	*o = b->o;
	struct zk_client_opts		 co;
	struct zk_request		 req;
	int				 i, rc;

	memset(&co, 0, sizeof(co));
	co.servers = o->servers;
	co.session_timeout_ms = o->session_timeout_ms;
	co.connect_timeout_ms = o->connect_timeout_ms;
	for (i = 0; i < o->conns; i++) {
		co.start_at = i + 1;	/* round-robin over the servers */
		b->w[i].b = b;
		b->w[i].client = zk_client_new(b->base, &co, on_event,
		    &b->w[i], e);
		if (b->w[i].client == NULL)
			return e->code;
	}
	co.start_at = 0;
	if ((b->writer = zk_client_new(b->base, &co, NULL, NULL, e)) == NULL)
		return e->code;
	loop_until(b, all_connected, 0);
	for (i = 0; i <= o->conns; i++) {
		rc = zk_client_error(i < o->conns ? b->w[i].client : b->writer);
		if (rc != ZK_OK)
			return zk_error_set(e, rc, "%s", zk_error_str(rc));
	}
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_CREATE;
	req.path = (char *)ROOT;
	zk_client_submit(b->writer, &req, on_prepared, b);
	req.path = (char *)WATCHED;
	zk_client_submit(b->writer, &req, on_prepared, b);
	loop_until(b, setup_done, 0);
	if (b->err != ZK_OK)
		return zk_error_set(e, b->err, "%s: %s", WATCHED,
		    zk_error_str(b->err));
	for (i = 0; i < o->conns; i++)
		zk_client_add_watch(b->w[i].client, WATCHED,
		    ZK_WATCH_PERSISTENT, 0, NULL, on_added, &b->w[i]);
	loop_until(b, all_added, 0);
	if (b->err != ZK_OK)
		return zk_error_set(e, b->err, "%s: addWatch: %s", WATCHED,
		    zk_error_str(b->err));
	return ZK_OK;
}

static int
turn_come(void *arg)
{
	struct wbench	*b = arg;
	return zk_now_mono_us() * 1000 >= b->next_at_ns;
}

/* With a rate, until the next change's turn (bench.h). */
static void
pace(struct wbench *b)
{
	int64_t	 now = zk_now_mono_us() * 1000;

	if (b->o->rate <= 0)
		return;
	if (b->next_at_ns > now)
		loop_until(b, turn_come,
		    (b->next_at_ns - now + 999999) / 1000000);
	else
		b->next_at_ns = now;
	b->next_at_ns += 1000000000 / b->o->rate;
}

/* Changes one after another until the time is up. */
static void
measure(struct wbench *b)
{
	int64_t	 warm_end = zk_now_mono_us() + b->o->warmup_ms * 1000;
	int64_t	 end = warm_end + b->o->duration_ms * 1000;

	for (;;) {
		pace(b);
		next_round(b);
		if (!loop_until(b, round_over, ROUND_MS) && b->measuring)
			/* Some watchers never had it. */
			b->errors += (uint64_t)(b->o->conns - b->got);
		if (!b->measuring && zk_now_mono_us() >= warm_end) {
			b->measuring = 1;
			b->start_us = zk_now_mono_us();
		}
		if (b->measuring && zk_now_mono_us() >= end)
			break;
	}
	b->measuring = 0;
	b->end_us = zk_now_mono_us();
}

int
zk_bench_watch_run(const struct zk_bench_opts *o, struct zk_bench_result *r,
    struct zk_error *e)
{
	struct wbench	 b;
	double		 secs;
	int		 i, rc;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.data = zk_xmalloc(o->size + 1);
	memset(b.data, 'x', o->size);
	b.hist = zk_xmalloc(sizeof(*b.hist));
	zk_bench_hist_init(b.hist);
	b.w = zk_xcalloc((size_t)o->conns, sizeof(*b.w));
	if ((b.base = event_base_new()) == NULL) {
		rc = zk_error_set(e, ZK_ESYSTEM, "cannot create an event loop");
		goto out;
	}
	if ((rc = connect_and_watch(&b, e)) != ZK_OK)
		goto out;
	measure(&b);
	secs = (double)(b.end_us - b.start_us) / 1e6;
	r->ok = b.ok;
	r->errors = b.errors;
	r->seconds = secs;
	r->ops_per_sec = secs > 0 ? (double)b.ok / secs : 0;
	r->p50_us = zk_bench_hist_quantile(b.hist, 0.50);
	r->p99_us = zk_bench_hist_quantile(b.hist, 0.99);
	r->p999_us = zk_bench_hist_quantile(b.hist, 0.999);
	r->max_us = b.hist->max;
out:
	for (i = 0; i < o->conns; i++)
		if (b.w[i].client != NULL)
			zk_client_close(b.w[i].client);
	if (b.writer != NULL)
		zk_client_close(b.writer);
	if (b.base != NULL)
		loop_until(&b, all_finished, CLOSE_MS);
	for (i = 0; i < o->conns; i++)
		zk_client_free(b.w[i].client);
	zk_client_free(b.writer);
	if (b.base != NULL)
		event_base_free(b.base);
	free(b.w);
	free(b.hist);
	free(b.data);
	return rc;
}
