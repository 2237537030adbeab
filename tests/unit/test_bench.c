/*
 * Unit tests for lib/bench.c: the latency histogram's accuracy, the --op
 * and seconds parsers, the report formats, and a run that cannot connect.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "bench.h"
#include "error.h"
#include "output.h"
#include "test.h"
#include "util.h"

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The histogram: every quantile within 1% of the exact one, max exact. */
static void
test_hist_accuracy(void)
{
	static struct zk_hist	 h;
	static int64_t		 v[100000];
	const double		 qs[] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
	uint64_t		 x = 88172645463325252ULL;
	int64_t			 exact, got;
	size_t			 i, n = sizeof(v) / sizeof(v[0]), k;

	zk_bench_hist_init(&h);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Spread over 1 us .. ~1 s, log-uniformly. */
		v[i] = (int64_t)1 << (x % 20);
		v[i] += (int64_t)((x >> 20) % (uint64_t)v[i]);
		zk_bench_hist_add(&h, v[i]);
	}
	qsort(v, n, sizeof(v[0]), cmp64);
	ZK_ASSERT_EQ(h.count, n);
	ZK_ASSERT_EQ(h.max, v[n - 1]);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		i = (size_t)(qs[k] * (double)n + 0.999999) - 1;
		exact = v[i];
		got = zk_bench_hist_quantile(&h, qs[k]);
		if (llabs(got - exact) * 100 > exact)
			ZK_FAIL_("q %.3f: got %lld, exact %lld", qs[k],
			    (long long)got, (long long)exact);
	}
}

/* The histogram: small values are exact; empty gives 0; huge ones fit. */
static void
test_hist_edges(void)
{
	static struct zk_hist	 h;
	int			 i;

	zk_bench_hist_init(&h);
	ZK_ASSERT_EQ(zk_bench_hist_quantile(&h, 0.5), 0);
	for (i = 0; i < 256; i++)
		zk_bench_hist_add(&h, i);
	ZK_ASSERT_EQ(zk_bench_hist_quantile(&h, 0.5), 127);
	ZK_ASSERT_EQ(zk_bench_hist_quantile(&h, 1.0), 255);
	zk_bench_hist_add(&h, -5);
	zk_bench_hist_add(&h, INT64_MAX);
	ZK_ASSERT_EQ(h.max, INT64_MAX);
	ZK_ASSERT_EQ(zk_bench_hist_quantile(&h, 1.0), INT64_MAX);
	ZK_ASSERT_EQ(zk_bench_hist_quantile(&h, 0.001), 0);
}

/* --op: get, set, create, mixed:0..100, nothing else. */
static void
test_parse_op(void)
{
	struct zk_error	 e;
	int		 op, pct;
	char		 buf[32];
	int64_t		 ms;

	ZK_ASSERT_EQ(zk_bench_parse_op("get", &op, &pct, &e), ZK_OK);
	ZK_ASSERT_EQ(op, ZK_BENCH_GET);
	ZK_ASSERT_EQ(zk_bench_parse_op("set", &op, &pct, &e), ZK_OK);
	ZK_ASSERT_EQ(op, ZK_BENCH_SET);
	ZK_ASSERT_EQ(zk_bench_parse_op("create", &op, &pct, &e), ZK_OK);
	ZK_ASSERT_EQ(op, ZK_BENCH_CREATE);
	ZK_ASSERT_EQ(zk_bench_parse_op("mixed:90", &op, &pct, &e), ZK_OK);
	ZK_ASSERT_EQ(op, ZK_BENCH_MIXED);
	ZK_ASSERT_EQ(pct, 90);
	ZK_ASSERT_STR(zk_bench_op_str(op, pct, buf, sizeof(buf)), "mixed:90");
	ZK_ASSERT_EQ(zk_bench_parse_op("mixed:101", &op, &pct, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_op("mixed:", &op, &pct, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_op("mixed:-1", &op, &pct, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_op("delete", &op, &pct, &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_seconds("2.5", &ms), ZK_OK);
	ZK_ASSERT_EQ(ms, 2500);
	ZK_ASSERT_EQ(zk_bench_parse_seconds("0", &ms), ZK_OK);
	ZK_ASSERT_EQ(ms, 0);
	ZK_ASSERT_EQ(zk_bench_parse_seconds("-1", &ms), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_seconds("1s", &ms), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_bench_parse_seconds("", &ms), ZK_EBADARGUMENTS);
}

/* The report: the text line and the JSON object carry CLI.md's keys. */
static void
test_report(void)
{
	struct zk_bench_opts	 o;
	struct zk_bench_result	 r;
	struct zk_buf		 b;
	msgpack_unpacked	 u;
	json_t			*j;
	json_error_t		 je;

	zk_bench_opts_init(&o);
	memset(&r, 0, sizeof(r));
	r.ok = 1000;
	r.errors = 2;
	r.ops_per_sec = 100.04;
	r.p50_us = 50;
	r.p99_us = 99;
	r.p999_us = 999;
	r.max_us = 1234;
	zk_buf_init(&b);
	zk_bench_report(&b, ZK_FMT_TEXT, &o, &r);
	zk_buf_append(&b, "", 1);
	ZK_ASSERT_STR(b.data, "op=get conns=8 window=100 seconds=10 ok=1000 "
	    "errors=2 ops/s=100 p50_us=50 p99_us=99 p999_us=999 "
	    "max_us=1234\n");
	b.len = 0;
	zk_bench_report(&b, ZK_FMT_JSON, &o, &r);
	ZK_ASSERT(b.len > 0 && b.data[b.len - 1] == '\n');
	j = json_loadb(b.data, b.len, 0, &je);
	ZK_ASSERT(j != NULL);
	ZK_ASSERT_STR(json_string_value(json_object_get(j, "op")), "get");
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "conns")), 8);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "window")), 100);
	ZK_ASSERT_EQ(json_number_value(json_object_get(j, "seconds")), 10);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "ok")), 1000);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "errors")), 2);
	ZK_ASSERT_EQ(json_number_value(json_object_get(j, "ops_per_sec")) *
	    10, 1000);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "p50_us")), 50);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "p99_us")), 99);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "p999_us")), 999);
	ZK_ASSERT_EQ(json_integer_value(json_object_get(j, "max_us")), 1234);
	ZK_ASSERT_EQ(json_object_size(j), 11);
	json_decref(j);
	b.len = 0;
	zk_bench_report(&b, ZK_FMT_MSGPACK, &o, &r);
	msgpack_unpacked_init(&u);
	ZK_ASSERT_EQ(msgpack_unpack_next(&u, b.data, b.len, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	ZK_ASSERT_EQ(u.data.type, MSGPACK_OBJECT_MAP);
	ZK_ASSERT_EQ(u.data.via.map.size, 11);
	msgpack_unpacked_destroy(&u);
	zk_buf_close(&b);
}

/* A run whose ensemble refuses every connection fails with ZK_EUNREACHABLE. */
static void
test_run_unreachable(void)
{
	struct zk_bench_opts	 o;
	struct zk_bench_result	 r;
	struct zk_error		 e;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 servers[32];
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	snprintf(servers, sizeof(servers), "127.0.0.1:%d",
	    ntohs(sin.sin_port));
	zk_bench_opts_init(&o);
	o.servers = servers;
	o.conns = 2;
	o.connect_timeout_ms = 200;
	ZK_ASSERT_EQ(zk_bench_run(&o, &r, &e), ZK_EUNREACHABLE);
	ZK_ASSERT_EQ(e.code, ZK_EUNREACHABLE);
	ZK_ASSERT_EQ(r.ok, 0);
	o.servers = "not an address";
	ZK_ASSERT_EQ(zk_bench_run(&o, &r, &e), ZK_EBADARGUMENTS);
}

int
main(void)
{
	ZK_RUN(test_hist_accuracy);
	ZK_RUN(test_hist_edges);
	ZK_RUN(test_parse_op);
	ZK_RUN(test_report);
	ZK_RUN(test_run_unreachable);
	return ZK_TEST_DONE();
}
