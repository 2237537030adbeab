/*
 * The load generator behind zk-bench: CONNS sessions on one event loop,
 * each with WINDOW slots, a slot being one request always in flight: when
 * its reply comes the slot records the latency and sends the next. No
 * allocation per request: slots are allocated once, paths are formatted on
 * the stack, the client's FIFO is a ring.
 *
 * Phases, one after the other, each ended by the loop noticing its end:
 *
 *   CONNECT -> PREPARE -> WARMUP -> MEASURE -> DRAIN -> (close)
 *
 *   | phase   | what happens                          | ends when          |
 *   |---------|---------------------------------------|--------------------|
 *   | CONNECT | zk_client_new per session             | all connected, or  |
 *   |         |                                       | one gave up        |
 *   | PREPARE | /zk-bench; keys by upsert (setData,   | every key is there |
 *   |         | create when missing) or the parents   | (or an error)      |
 *   | WARMUP  | full load, nothing recorded           | warmup_ms passed   |
 *   | MEASURE | full load, completions recorded       | duration_ms passed |
 *   | DRAIN   | no new requests; replies still come   | nothing in flight  |
 *
 * Invariants:
 *  (1) Only completions inside MEASURE count, so ok / seconds is the
 *      rate the ensemble sustained, warmup and the drain tail excluded.
 *  (2) A slot sends its next request only from its reply callback and
 *      only while its session is not finished, so a dead session cannot
 *      spin the loop with instant failures.
 */
#include <sys/types.h>

#include <sys/resource.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <msgpack.h>

#include "bench.h"
#include "client.h"
#include "error.h"
#include "loop.h"
#include "output.h"
#include "proto.h"
#include "util.h"

#define ROOT		"/zk-bench"
#define DRAIN_MS	5000	/* for the last replies */
#define CLOSE_MS	2000	/* for the closeSession replies */

enum phase {
	P_CONNECT,
	P_PREPARE,
	P_WARMUP,
	P_MEASURE,
	P_DRAIN,
};

struct bench;
struct bconn;

/* One request in flight. */
struct slot {
	struct bconn	*bc;
	struct event	*pace;		/* with a rate: its turn to send */
	int64_t		 t0_us;		/* when it was sent */
	int		 key;		/* PREPARE: the key */
	int		 op;		/* PREPARE: the request sent for it */
};

struct bconn {
	struct bench		*b;
	struct zk_client	*client;
	struct slot		*slots;		/* window of them */
	uint64_t		 seq;		/* create: next node number */
	char			 parent[64];	/* create: its parent */
};

struct bench {
	const struct zk_bench_opts *o;
	struct event_base	*base;
	struct bconn		*conns;
	char			*data;		/* size bytes for every write */
	uint64_t		 rng;
	int			 phase;
	int64_t			 start_us;	/* MEASURE began */
	int64_t			 end_us;	/* MEASURE ended */
	uint64_t		 ok;
	uint64_t		 errors;
	struct zk_hist		*hist;
	struct event		*timer;		/* ends WARMUP, MEASURE */
	int			 busy;		/* requests in flight, or
						   waiting for their turn */
	int64_t			 next_at_ns;	/* with a rate: the next turn
						   (ns: 1/rate need not be
						   whole microseconds) */
	int			 next_key;	/* PREPARE */
	int			 err;		/* PREPARE: first error */
	char			 err_path[80];
};

/* The histogram */

void
zk_bench_hist_init(struct zk_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static size_t
hist_index(uint64_t v)
{
	int	 shift;

	if (v < 2 * ZK_HIST_SUB)
		return (size_t)v;
	shift = 63 - __builtin_clzll(v) - 7;	/* v >> shift in [128, 256) */
	return (size_t)(shift + 1) * ZK_HIST_SUB + (size_t)(v >> shift) -
	    ZK_HIST_SUB;
}

/* The middle of bucket i: within half a bucket of every value in it. */
static int64_t
hist_value(size_t i)
{
	int		 shift;
	uint64_t	 low;

	if (i < 2 * ZK_HIST_SUB)
		return (int64_t)i;
	shift = (int)(i / ZK_HIST_SUB) - 1;
	low = (uint64_t)(i % ZK_HIST_SUB + ZK_HIST_SUB) << shift;
	return (int64_t)(low + ((1ULL << shift) - 1) / 2);
}

void
zk_bench_hist_add(struct zk_hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	h->b[hist_index((uint64_t)v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

int64_t
zk_bench_hist_quantile(const struct zk_hist *h, double q)
{
	uint64_t	 rank, seen = 0;
	int64_t		 v;
	size_t		 i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max;
	for (i = 0; i < ZK_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = hist_value(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* Options */

void
zk_bench_opts_init(struct zk_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conns = 8;
	o->window = 100;
	o->duration_ms = 10000;
	o->warmup_ms = 1000;
	o->op = ZK_BENCH_GET;
	o->read_pct = 100;
	o->size = 100;
	o->keys = 1000;
}

int
zk_bench_parse_op(const char *s, int *op, int *read_pct, struct zk_error *e)
{
	char	*end;
	long	 pct;

	*read_pct = 100;
	if (strcmp(s, "get") == 0)
		*op = ZK_BENCH_GET;
	else if (strcmp(s, "set") == 0) {
		*op = ZK_BENCH_SET;
		*read_pct = 0;
	} else if (strcmp(s, "create") == 0) {
		*op = ZK_BENCH_CREATE;
		*read_pct = 0;
	} else if (strcmp(s, "watch") == 0) {
		*op = ZK_BENCH_WATCH;
		*read_pct = 0;
	} else if (strncmp(s, "mixed:", 6) == 0 && s[6] >= '0' &&
	    s[6] <= '9') {
		pct = strtol(s + 6, &end, 10);
		if (*end != '\0' || pct < 0 || pct > 100)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "--op: '%s': the read percentage is not 0 to 100",
			    s);
		*op = ZK_BENCH_MIXED;
		*read_pct = (int)pct;
	} else
		return zk_error_set(e, ZK_EBADARGUMENTS, "--op: '%s' is not "
		    "get, set, create, watch or mixed:READ_PERCENT", s);
	return ZK_OK;
}

const char *
zk_bench_op_str(int op, int read_pct, char *buf, size_t len)
{
	switch (op) {
	case ZK_BENCH_GET:
		snprintf(buf, len, "get");
		break;
	case ZK_BENCH_SET:
		snprintf(buf, len, "set");
		break;
	case ZK_BENCH_CREATE:
		snprintf(buf, len, "create");
		break;
	case ZK_BENCH_WATCH:
		snprintf(buf, len, "watch");
		break;
	default:
		snprintf(buf, len, "mixed:%d", read_pct);
		break;
	}
	return buf;
}

int
zk_bench_parse_seconds(const char *s, int64_t *ms)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || !isfinite(v) || v < 0 ||
	    v > 1e7)
		return ZK_EBADARGUMENTS;
	*ms = (int64_t)llround(v * 1000);
	return ZK_OK;
}

/* The loop */

static uint64_t
rnd(struct bench *b)
{
	/* xorshift64*: plenty for picking keys. */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545f4914f6cdd1dULL;
}

static int
finished(int state)
{
	return state == ZK_STATE_EXPIRED || state == ZK_STATE_CLOSED ||
	    state == ZK_STATE_FAILED;
}

/* DRAIN: the slots still waiting for their turn will not send. */
static void
unpace(struct bench *b)
{
	struct slot	*s;
	int		 i, w;

	for (i = 0; i < b->o->conns; i++)
		for (w = 0; w < b->o->window; w++) {
			s = &b->conns[i].slots[w];
			if (s->pace != NULL && evtimer_pending(s->pace, NULL)) {
				evtimer_del(s->pace);
				b->busy--;
			}
		}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;
	struct timeval	 tv;
	int64_t		 now = zk_now_mono_us();

	(void)fd;
	(void)what;
	if (b->phase == P_WARMUP) {
		b->phase = P_MEASURE;
		b->start_us = now;
		tv.tv_sec = b->o->duration_ms / 1000;
		tv.tv_usec = (b->o->duration_ms % 1000) * 1000;
		evtimer_add(b->timer, &tv);
	} else if (b->phase == P_MEASURE) {
		b->phase = P_DRAIN;
		b->end_us = now;
		unpace(b);
	}
}

/* Runs the loop until done(b) or ms passed (0: no limit); done(b). */
static int
run(struct bench *b, int (*done)(void *), int64_t ms)
{
	return zk_loop_until(b->base, done, b, ms);
}

/* Every session connected, or one gave up. */
static int
all_connected(void *arg)
{
	struct bench	*b = arg;
	int	 i, st, n = 0;

	for (i = 0; i < b->o->conns; i++) {
		st = zk_client_state(b->conns[i].client);
		if (finished(st))
			return 1;
		n += st == ZK_STATE_CONNECTED;
	}
	return n == b->o->conns;
}

static int
idle(void *arg)
{
	struct bench	*b = arg;
	return b->busy == 0;
}

static int
all_finished(void *arg)
{
	struct bench	*b = arg;
	int	 i;

	for (i = 0; i < b->o->conns; i++)
		if (b->conns[i].client != NULL &&
		    !finished(zk_client_state(b->conns[i].client)))
			return 0;
	return 1;
}

static int
drained_or_over(void *arg)
{
	struct bench	*b = arg;
	return b->phase == P_DRAIN && b->busy == 0;
}

static void
submit(struct slot *s, int op, const char *path, int with_data,
    zk_reply_fn fn)
{
	struct zk_request	 req;
	struct bench		*b = s->bc->b;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.path = (char *)path;
	req.version = -1;
	if (with_data) {
		req.data = b->data;
		req.data_len = b->o->size;
		req.has_data = 1;
	}
	s->op = op;
	s->t0_us = zk_now_mono_us();
	zk_client_submit(s->bc->client, &req, fn, s);
}

/* Preparing */

static void	prepare_next(struct slot *);

/* ROOT "/k%07d", by hand: snprintf was a tenth of the bench's own time. */
static void
key_path(char *buf, size_t len, int key)
{
	static const char	 pre[] = ROOT "/k";
	int			 i;

	if (len < sizeof(pre) + 7)
		abort();
	memcpy(buf, pre, sizeof(pre) - 1);
	for (i = 6; i >= 0; i--) {
		buf[sizeof(pre) - 1 + i] = (char)('0' + key % 10);
		key /= 10;
	}
	buf[sizeof(pre) - 1 + 7] = '\0';
}

static void
prepare_fail(struct bench *b, int err, const char *path)
{
	if (b->err == ZK_OK) {
		b->err = err;
		snprintf(b->err_path, sizeof(b->err_path), "%s", path);
	}
}

/* Upsert: setData; missing, create; created meanwhile, setData again. */
static void
on_prepared(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct slot	*s = arg;
	struct bench	*b = s->bc->b;
	char		 path[64];

	(void)c;
	key_path(path, sizeof(path), s->key);
	if (s->op == ZK_OP_SETDATA && rep->err == ZK_ENONODE)
		submit(s, ZK_OP_CREATE, path, 1, on_prepared);
	else if (s->op == ZK_OP_CREATE && rep->err == ZK_ENODEEXISTS)
		submit(s, ZK_OP_SETDATA, path, 1, on_prepared);
	else if (rep->err != ZK_OK) {
		prepare_fail(b, rep->err, path);
		b->busy--;
	} else
		prepare_next(s);
}

static void
prepare_next(struct slot *s)
{
	struct bench	*b = s->bc->b;
	char		 path[64];

	if (b->err != ZK_OK || b->next_key >= b->o->keys) {
		b->busy--;
		return;
	}
	s->key = b->next_key++;
	key_path(path, sizeof(path), s->key);
	submit(s, ZK_OP_SETDATA, path, 1, on_prepared);
}

/* A create whose node may already be there. */
static void
on_created(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct slot	*s = arg;
	struct bench	*b = s->bc->b;

	(void)c;
	if (rep->err != ZK_OK && rep->err != ZK_ENODEEXISTS)
		prepare_fail(b, rep->err, s->key ? s->bc->parent : ROOT);
	b->busy--;
}

static int
prepare(struct bench *b)
{
	const struct zk_bench_opts	*o = b->o;
	int				 i, w;

	b->busy = 1;
	b->conns[0].slots[0].key = 0;
	submit(&b->conns[0].slots[0], ZK_OP_CREATE, ROOT, 0, on_created);
	run(b, idle, 0);
	if (b->err != ZK_OK)
		return b->err;
	if (o->op == ZK_BENCH_CREATE) {
		for (i = 0; i < o->conns; i++) {
			snprintf(b->conns[i].parent,
			    sizeof(b->conns[i].parent), ROOT "/c%ld-%d",
			    (long)getpid(), i);
			b->conns[i].slots[0].key = 1;
			b->busy++;
			submit(&b->conns[i].slots[0], ZK_OP_CREATE,
			    b->conns[i].parent, 0, on_created);
		}
	} else
		for (i = 0; i < o->conns; i++)
			for (w = 0; w < o->window; w++) {
				b->busy++;
				prepare_next(&b->conns[i].slots[w]);
			}
	run(b, idle, 0);
	return b->err;
}

/* The load */

static void	on_loaded(struct zk_client *, const struct zk_reply *, void *);

static void
send_next(struct slot *s)
{
	struct bench	*b = s->bc->b;
	char		 path[96];
	int		 get;

	if (b->o->op == ZK_BENCH_CREATE) {
		snprintf(path, sizeof(path), "%s/n%010llu", s->bc->parent,
		    (unsigned long long)s->bc->seq++);
		submit(s, ZK_OP_CREATE, path, 1, on_loaded);
		return;
	}
	key_path(path, sizeof(path), (int)(rnd(b) % (uint64_t)b->o->keys));
	get = b->o->op == ZK_BENCH_GET || (b->o->op == ZK_BENCH_MIXED &&
	    (int)(rnd(b) % 100) < b->o->read_pct);
	if (get)
		submit(s, ZK_OP_GETDATA, path, 0, on_loaded);
	else
		submit(s, ZK_OP_SETDATA, path, 1, on_loaded);
}

static void
on_turn(evutil_socket_t fd, short what, void *arg)
{
	struct slot	*s = arg;

	(void)fd;
	(void)what;
	send_next(s);
}

/* The slot's next request, now or, with a rate, at its turn. */
static void
load_next(struct slot *s)
{
	struct bench	*b = s->bc->b;
	struct timeval	 tv;
	int64_t		 now, at, us;

	if (b->o->rate <= 0) {
		send_next(s);
		return;
	}
	now = zk_now_mono_us() * 1000;
	at = b->next_at_ns > now ? b->next_at_ns : now;
	b->next_at_ns = at + 1000000000 / b->o->rate;
	if ((us = (at - now) / 1000) <= 0) {
		send_next(s);
		return;
	}
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(s->pace, &tv);
}

static void
on_loaded(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct slot	*s = arg;
	struct bench	*b = s->bc->b;
	int64_t		 now;

	if (b->phase == P_MEASURE) {	/* invariant (1) */
		now = zk_now_mono_us();
		if (rep->err == ZK_OK) {
			b->ok++;
			zk_bench_hist_add(b->hist, now - s->t0_us);
		} else
			b->errors++;
	}
	if ((b->phase == P_WARMUP || b->phase == P_MEASURE) &&
	    !finished(zk_client_state(c)))	/* invariant (2) */
		load_next(s);
	else
		b->busy--;
}

static int
load(struct bench *b)
{
	const struct zk_bench_opts	*o = b->o;
	struct timeval			 tv;
	int64_t				 first;
	int				 i, w;

	b->phase = P_WARMUP;
	first = o->warmup_ms > 0 ? o->warmup_ms : 0;
	tv.tv_sec = first / 1000;
	tv.tv_usec = (first % 1000) * 1000;
	evtimer_add(b->timer, &tv);
	for (i = 0; i < o->conns; i++)
		for (w = 0; w < o->window; w++) {
			b->busy++;
			load_next(&b->conns[i].slots[w]);
		}
	/* Every session lost for good ends the run early. */
	while (b->phase != P_DRAIN) {
		if (b->busy == 0) {
			if (b->phase == P_MEASURE)
				b->end_us = zk_now_mono_us();
			else
				b->start_us = b->end_us = zk_now_mono_us();
			b->phase = P_DRAIN;
			break;
		}
		if (event_base_loop(b->base, EVLOOP_ONCE) != 0)
			break;
	}
	evtimer_del(b->timer);
	run(b, drained_or_over, DRAIN_MS);
	return ZK_OK;
}

static void
finish(struct bench *b, struct zk_bench_result *r)
{
	double	 secs = (double)(b->end_us - b->start_us) / 1e6;

	memset(r, 0, sizeof(*r));
	r->ok = b->ok;
	r->errors = b->errors;
	r->seconds = secs;
	r->ops_per_sec = secs > 0 ? (double)b->ok / secs : 0;
	r->p50_us = zk_bench_hist_quantile(b->hist, 0.50);
	r->p99_us = zk_bench_hist_quantile(b->hist, 0.99);
	r->p999_us = zk_bench_hist_quantile(b->hist, 0.999);
	r->max_us = b->hist->max;
}

static int
connect_all(struct bench *b, struct zk_error *e)
{
	const struct zk_bench_opts	*o = b->o;
	struct zk_client_opts		 co;
	int				 i, rc;

	memset(&co, 0, sizeof(co));
	co.servers = o->servers;
	co.session_timeout_ms = o->session_timeout_ms;
	co.connect_timeout_ms = o->connect_timeout_ms;
	for (i = 0; i < o->conns; i++) {
		/* Round-robin over the servers: every one gets its share. */
		co.start_at = i + 1;
		b->conns[i].b = b;
		b->conns[i].slots = zk_xcalloc((size_t)o->window,
		    sizeof(struct slot));
		b->conns[i].client = zk_client_new(b->base, &co, NULL, NULL,
		    e);
		if (b->conns[i].client == NULL)
			return e != NULL ? e->code : ZK_EBADARGUMENTS;
		for (rc = 0; rc < o->window; rc++) {
			b->conns[i].slots[rc].bc = &b->conns[i];
			if (o->rate > 0 && (b->conns[i].slots[rc].pace =
			    evtimer_new(b->base, on_turn,
			    &b->conns[i].slots[rc])) == NULL)
				return zk_error_set(e, ZK_ESYSTEM, "cannot "
				    "create a timer");
		}
	}
	run(b, all_connected, 0);
	for (i = 0; i < o->conns; i++) {
		rc = zk_client_error(b->conns[i].client);
		if (rc == ZK_ETIMEOUT)
			return zk_error_set(e, rc, "no session within %lld ms",
			    (long long)o->connect_timeout_ms);
		if (rc != ZK_OK)
			return zk_error_set(e, rc, "%s", zk_error_str(rc));
	}
	return ZK_OK;
}

/* A thousand sessions need more descriptors than a shell's usual 1024. */
static void
raise_fd_limit(rlim_t want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
zk_bench_run(const struct zk_bench_opts *o, struct zk_bench_result *r,
    struct zk_error *e)
{
	struct bench	 b;
	int		 i, w, rc;

	memset(r, 0, sizeof(*r));
	if (o->conns < 1 || o->window < 1 || o->duration_ms <= 0 ||
	    o->warmup_ms < 0 || o->keys < 1 || o->keys > ZK_BENCH_MAX_KEYS ||
	    o->read_pct < 0 || o->read_pct > 100 || o->rate < 0 ||
	    o->rate > ZK_BENCH_MAX_RATE)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "invalid benchmark parameters");
	raise_fd_limit((rlim_t)o->conns + 64);
	if (o->op == ZK_BENCH_WATCH)
		return zk_bench_watch_run(o, r, e);
	memset(&b, 0, sizeof(b));
	b.o = o;
	b.rng = (uint64_t)zk_now_mono_us() ^ ((uint64_t)getpid() << 32) ^
	    0x9e3779b97f4a7c15ULL;
	b.data = zk_xmalloc(o->size + 1);
	memset(b.data, 'x', o->size);
	b.hist = zk_xmalloc(sizeof(*b.hist));
	zk_bench_hist_init(b.hist);
	b.conns = zk_xcalloc((size_t)o->conns, sizeof(*b.conns));
	if ((b.base = event_base_new()) == NULL ||
	    (b.timer = evtimer_new(b.base, on_timer, &b)) == NULL) {
		rc = zk_error_set(e, ZK_ESYSTEM, "cannot create an event loop");
		goto out;
	}
	if ((rc = connect_all(&b, e)) != ZK_OK)
		goto out;
	b.phase = P_PREPARE;
	if ((rc = prepare(&b)) != ZK_OK) {
		zk_error_set(e, rc, "%s: %s", b.err_path, zk_error_str(rc));
		goto out;
	}
	load(&b);
	finish(&b, r);
out:
	for (i = 0; i < o->conns; i++)
		if (b.conns[i].client != NULL)
			zk_client_close(b.conns[i].client);
	if (b.base != NULL)
		run(&b, all_finished, CLOSE_MS);
	for (i = 0; i < o->conns; i++) {
		zk_client_free(b.conns[i].client);
		for (w = 0; b.conns[i].slots != NULL && w < o->window; w++)
			if (b.conns[i].slots[w].pace != NULL)
				event_free(b.conns[i].slots[w].pace);
		free(b.conns[i].slots);
	}
	if (b.timer != NULL)
		event_free(b.timer);
	if (b.base != NULL)
		event_base_free(b.base);
	free(b.conns);
	free(b.hist);
	free(b.data);
	return rc;
}

/* The report */

void
zk_bench_report(struct zk_buf *b, int fmt, const struct zk_bench_opts *o,
    const struct zk_bench_result *r)
{
	char		 op[32], line[512];
	double		 secs = (double)o->duration_ms / 1000;
	double		 ops = round(r->ops_per_sec * 10) / 10;
	json_t		*j;
	char		*s;
	msgpack_packer	 pk;

	zk_bench_op_str(o->op, o->read_pct, op, sizeof(op));
	switch (fmt) {
	case ZK_FMT_JSON:
		j = json_pack("{s:s, s:i, s:i, s:f, s:I, s:I, s:f, s:I, s:I, "
		    "s:I, s:I}", "op", op, "conns", o->conns, "window",
		    o->window, "seconds", secs, "ok", (json_int_t)r->ok,
		    "errors", (json_int_t)r->errors, "ops_per_sec", ops,
		    "p50_us", (json_int_t)r->p50_us, "p99_us",
		    (json_int_t)r->p99_us, "p999_us", (json_int_t)r->p999_us,
		    "max_us", (json_int_t)r->max_us);
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(12));
		zk_buf_append(b, s, strlen(s));
		zk_buf_append(b, "\n", 1);
		free(s);
		json_decref(j);
		break;
	case ZK_FMT_MSGPACK:
		msgpack_packer_init(&pk, b, zk_buf_write);
		msgpack_pack_map(&pk, 11);
#define KEY(k)	do { msgpack_pack_str(&pk, sizeof(k) - 1); \
		    msgpack_pack_str_body(&pk, k, sizeof(k) - 1); } while (0)
		KEY("op");
		msgpack_pack_str(&pk, strlen(op));
		msgpack_pack_str_body(&pk, op, strlen(op));
		KEY("conns");
		msgpack_pack_int(&pk, o->conns);
		KEY("window");
		msgpack_pack_int(&pk, o->window);
		KEY("seconds");
		msgpack_pack_double(&pk, secs);
		KEY("ok");
		msgpack_pack_uint64(&pk, r->ok);
		KEY("errors");
		msgpack_pack_uint64(&pk, r->errors);
		KEY("ops_per_sec");
		msgpack_pack_double(&pk, ops);
		KEY("p50_us");
		msgpack_pack_int64(&pk, r->p50_us);
		KEY("p99_us");
		msgpack_pack_int64(&pk, r->p99_us);
		KEY("p999_us");
		msgpack_pack_int64(&pk, r->p999_us);
		KEY("max_us");
		msgpack_pack_int64(&pk, r->max_us);
#undef KEY
		break;
	default:
		snprintf(line, sizeof(line), "op=%s conns=%d window=%d "
		    "seconds=%g ok=%llu errors=%llu ops/s=%.0f p50_us=%lld "
		    "p99_us=%lld p999_us=%lld max_us=%lld\n", op, o->conns,
		    o->window, secs, (unsigned long long)r->ok,
		    (unsigned long long)r->errors, r->ops_per_sec,
		    (long long)r->p50_us, (long long)r->p99_us,
		    (long long)r->p999_us, (long long)r->max_us);
		zk_buf_append(b, line, strlen(line));
		break;
	}
}
