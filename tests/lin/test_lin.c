/*
 * Unit tests of the linearizability checker (lin.h) and of the history
 * format (history.h), on histories written as strings: small ones whose
 * verdict is known by hand, and large random ones drawn from a simulated
 * sequential register, whose verdict is known by construction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

#include "lin.h"
#include "../unit/test.h"

/* Parses text (which must parse) and checks it; r is the caller's. */
static int
check(const char *text, struct zk_lin_result *r)
{
	struct zk_history	 h;
	struct zk_error		 e;
	int			 v;

	zk_history_init(&h);
	if (zk_history_parse_string(&h, text, "t", &e) != ZK_OK) {
		fprintf(stderr, "parse: %s\n", e.msg);
		zk_history_close(&h);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	v = zk_lin_check(&h, NULL, r);
	zk_history_close(&h);
	return v;
}

/* The verdict alone. */
static int
verdict(const char *text)
{
	struct zk_lin_result	 r;
	int			 v = check(text, &r);

	zk_lin_result_close(&r);
	return v;
}

/* lin.h model: ops one after another, each seeing the last write. */
static void
test_sequential_ok(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 read k0 10 20 ok 0 0\n"
	    "c1 write k0 30 40 ok a 1\n"
	    "c2 read k0 50 60 ok a 1\n"
	    "c2 cas k0 70 80 ok 1 b 2\n"
	    "c1 cas k0 90 100 fail 1 c\n"
	    "c1 read k0 110 120 ok b 2\n"), ZK_LIN_LINEARIZABLE);
}

/* An empty history, and comments and blank lines only, are linearizable. */
static void
test_empty(void)
{
	struct zk_lin_result	 r;

	ZK_ASSERT_EQ(check("", &r), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(r.nops, 0);
	zk_lin_result_close(&r);
	ZK_ASSERT_EQ(verdict("# nothing\n\n   \n"), ZK_LIN_LINEARIZABLE);
}

/* A read overlapping a write may see the state before it or after it. */
static void
test_concurrent_read_either_side(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 1\n"
	    "c2 read k0 20 30 ok 0 0\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 1\n"
	    "c2 read k0 20 30 ok a 1\n"), ZK_LIN_LINEARIZABLE);
}

/* Overlapping writes take effect in either order, as their versions say. */
static void
test_concurrent_writes_either_order(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 1\n"
	    "c2 write k0 20 40 ok b 2\n"
	    "c3 read k0 60 70 ok b 2\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 2\n"
	    "c2 write k0 20 40 ok b 1\n"
	    "c3 read k0 60 70 ok a 2\n"), ZK_LIN_LINEARIZABLE);
}

/* Invariant (2) of lin.h: a read begun after a write returned sees it. */
static void
test_stale_read_rejected(void)
{
	struct zk_lin_result	 r;

	ZK_ASSERT_EQ(check(
	    "c1 write k0 10 20 ok a 1\n"
	    "c1 write k0 30 40 ok b 2\n"
	    "c2 read k0 50 60 ok a 1\n", &r), ZK_LIN_VIOLATION);
	ZK_ASSERT_STR(r.key, "k0");
	ZK_ASSERT(r.explain != NULL);
	/* The explanation names the op that could not be placed. */
	ZK_ASSERT(strstr(r.explain, "t:3 c2 read ok a 1") != NULL);
	zk_lin_result_close(&r);
}

/* Equal times count as concurrent, so either order is allowed. */
static void
test_equal_times_concurrent(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 read k0 20 30 ok 0 0\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 read k0 21 30 ok 0 0\n"), ZK_LIN_VIOLATION);
}

/* A cas succeeds only on its expected version and makes the next one. */
static void
test_cas_ok_cases(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 cas k0 10 20 ok 0 a 1\n"
	    "c2 cas k0 30 40 ok 1 b 2\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 cas k0 30 40 ok 0 b 1\n"), ZK_LIN_VIOLATION);
	/* Concurrent: the cas may go first, then the write. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 2\n"
	    "c2 cas k0 20 40 ok 0 b 1\n"), ZK_LIN_LINEARIZABLE);
}

/* A failed cas is kept: it saw a version other than the expected one. */
static void
test_cas_fail_cases(void)
{
	/* Fails against version 0, expecting 1: fine. */
	ZK_ASSERT_EQ(verdict(
	    "c1 cas k0 10 20 fail 1 a\n"), ZK_LIN_LINEARIZABLE);
	/* Expecting 0 when the version can only be 0: impossible. */
	ZK_ASSERT_EQ(verdict(
	    "c1 cas k0 10 20 fail 0 a\n"), ZK_LIN_VIOLATION);
	/* Concurrent with the write that moves 0 to 1: may come after it. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok x 1\n"
	    "c2 cas k0 20 40 fail 0 a\n"), ZK_LIN_LINEARIZABLE);
	/* Between two writes, expecting the only version it could see. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok x 1\n"
	    "c2 cas k0 30 40 fail 1 a\n"
	    "c1 write k0 50 60 ok y 2\n"), ZK_LIN_VIOLATION);
}

/* An info write may have taken effect, or not; a read may see either. */
static void
test_info_write_maybe(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 info a\n"
	    "c2 read k0 30 40 ok a 1\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 info a\n"
	    "c2 read k0 30 40 ok 0 0\n"), ZK_LIN_LINEARIZABLE);
	/* It may take effect long after the client gave up on it. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 info a\n"
	    "c2 read k0 30 40 ok 0 0\n"
	    "c2 read k0 50 60 ok a 1\n"), ZK_LIN_LINEARIZABLE);
}

/* But once seen, it cannot be unseen without another write. */
static void
test_info_write_seen_then_unseen(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 info a\n"
	    "c2 read k0 30 40 ok a 1\n"
	    "c2 read k0 50 60 ok 0 0\n"), ZK_LIN_VIOLATION);
}

/* An info write fills the version an ok write skipped. */
static void
test_info_write_fills_gap(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 write k0 30 40 info b\n"
	    "c1 write k0 50 60 ok c 3\n"), ZK_LIN_LINEARIZABLE);
	/* Without it, version 3 after version 1 cannot be. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c1 write k0 50 60 ok c 3\n"), ZK_LIN_VIOLATION);
	/* An info cas that matched counts as well; one that could not, not. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 cas k0 30 40 info 1 b\n"
	    "c1 write k0 50 60 ok c 3\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 cas k0 30 40 info 0 b\n"
	    "c1 write k0 50 60 ok c 3\n"), ZK_LIN_VIOLATION);
}

/* A write returning a version other than the next is caught. */
static void
test_version_mismatch(void)
{
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 2\n"), ZK_LIN_VIOLATION);
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 20 ok a 1\n"
	    "c2 read k0 30 40 ok a 2\n"), ZK_LIN_VIOLATION);
	/* Two ok writes may not both make version 1. */
	ZK_ASSERT_EQ(verdict(
	    "c1 write k0 10 50 ok a 1\n"
	    "c2 write k0 20 40 ok b 1\n"), ZK_LIN_VIOLATION);
}

/* Keys are independent registers; the bad one is named. */
static void
test_keys_independent(void)
{
	struct zk_lin_result	 r;

	ZK_ASSERT_EQ(check(
	    "c1 write k0 10 20 ok a 1\n"
	    "c1 write k1 10 20 ok a 1\n"
	    "c2 read k2 30 40 ok 0 0\n"
	    "c2 read k0 30 40 ok a 1\n"
	    "c2 read k1 30 40 ok 0 0\n"
	    "c2 read k2 50 60 ok 0 0\n", &r), ZK_LIN_VIOLATION);
	ZK_ASSERT_STR(r.key, "k1");
	ZK_ASSERT_EQ(r.nbad, 1);
	ZK_ASSERT_EQ(r.nkeys, 3);
	ZK_ASSERT(strncmp(r.explain, "key k1:", 7) == 0);
	zk_lin_result_close(&r);
	/* The same version numbers on different keys do not interfere. */
	ZK_ASSERT_EQ(check(
	    "c1 write k0 10 20 ok a 1\n"
	    "c1 write k1 10 20 ok a 1\n"
	    "c2 read k1 30 40 ok a 1\n", &r), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(r.nkeys, 2);
	zk_lin_result_close(&r);
}

/* Failed reads and writes and info reads are dropped and counted. */
static void
test_dropped_and_counted(void)
{
	struct zk_lin_result	 r;
	char			 line[256];

	ZK_ASSERT_EQ(check(
	    "c1 write k0 10 20 fail zz\n"
	    "c1 read k0 30 40 info\n"
	    "c1 read k0 30 40 fail\n"
	    "c1 write k0 50 60 info a\n"
	    "c1 read k0 70 80 ok 0 0\n", &r), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(r.nops, 2);
	ZK_ASSERT_EQ(r.ninfo, 1);
	ZK_ASSERT_EQ(r.ndropped, 3);
	zk_lin_summary(&r, line, sizeof(line));
	ZK_ASSERT_STR(line,
	    "linearizable: 2 ops on 1 keys (1 info, 3 dropped)");
	zk_lin_result_close(&r);
}

/* An init line sets the register's first state; one per key. */
static void
test_init_line(void)
{
	struct zk_history	 h;
	struct zk_error		 e;

	ZK_ASSERT_EQ(verdict(
	    "init k0 c1-5 7\n"
	    "c2 read k0 10 20 ok c1-5 7\n"
	    "c2 cas k0 30 40 ok 7 x 8\n"), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT_EQ(verdict(
	    "init k0 c1-5 7\n"
	    "c2 read k0 10 20 ok 0 0\n"), ZK_LIN_VIOLATION);
	zk_history_init(&h);
	ZK_ASSERT_EQ(zk_history_parse_string(&h,
	    "init k0 a 1\ninit k0 a 1\n", "f", &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_STR(e.msg, "f:2: a second init line for this key");
	zk_history_close(&h);
}

/* history (1): each malformed line is refused with FILE:LINE. */
static void
test_malformed_lines(void)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} bad[] = {
		{ "c1 wrte k0 1 2 ok a 1",
		  "the op is not read, write or cas" },
		{ "c1 read k0 1 2 yes a 1",
		  "the outcome is not ok, fail or info" },
		{ "c1 read k0 a 2 ok a 1",
		  "the invoke time is not a number of ns >= 0" },
		{ "c1 read k0 5 2 ok a 1",
		  "it returns before it is invoked" },
		{ "c1 read k0 1 2 ok a",
		  "an ok read ends in VALUE VERSION" },
		{ "c1 write k0 1 2 ok a",
		  "an ok write ends in VALUE VERSION" },
		{ "c1 write k0 1 2 info",
		  "a write that is not ok ends in VALUE" },
		{ "c1 cas k0 1 2 fail a b",
		  "the expected version is not a number >= 0" },
		{ "c1 read k0 1 2 ok a -1",
		  "the version is not a number >= 0" },
		{ "c1 read k0 1 2 ok %4 1",
		  "bad %XX escape in the value" },
		{ "c1 read k0 1",
		  "want CLIENT OP KEY INVOKE_NS RETURN_NS OUTCOME ..." },
		{ "c1 read k0 1 - ok a 1",
		  "the return time is not a number of ns >= 0" },
		{ "init k0 a",
		  "an init line is: init KEY VALUE VERSION" },
		{ "a b c d e f g h i j k l m",
		  "too many fields" },
	};
	struct zk_history	 h;
	struct zk_error		 e;
	char			 text[256], want[256];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# header\n%s\nc1 read k0 1 2 "
		    "ok 0 0\n", bad[i].text);
		zk_history_init(&h);
		ZK_ASSERT_EQ(zk_history_parse_string(&h, text, "x", &e),
		    ZK_EBADARGUMENTS);
		snprintf(want, sizeof(want), "x:2: %s", bad[i].msg);
		ZK_ASSERT_STR(e.msg, want);
		ZK_ASSERT_EQ(h.nops, 0);
		zk_history_close(&h);
	}
}

/* history (2): a line written reads back as the same op. */
static void
test_format_round_trip(void)
{
	static const char *const values[] = {
		"c3-17", "", "-", "a b", "100%", "#x", "\n\t\x01\xff", "--",
	};
	struct zk_lin_op	 op, *got;
	struct zk_history	 h;
	struct zk_error		 e;
	char			 line[512];
	size_t			 i;
	int			 n;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		memset(&op, 0, sizeof(op));
		op.client = "c9";
		op.key = "k2";
		op.kind = i % 2 ? ZK_LIN_CAS : ZK_LIN_READ;
		op.outcome = ZK_LIN_OK;
		op.invoke_ns = 1234567890123LL;
		op.return_ns = 1234567890999LL;
		op.value = (char *)values[i];
		op.value_len = strlen(values[i]);
		op.version = (int32_t)i + 1;
		op.expected = (int32_t)i;
		n = zk_history_format(&op, line, sizeof(line));
		ZK_ASSERT(n > 0 && line[n - 1] == '\n');
		line[n - 1] = '\0';
		zk_history_init(&h);
		ZK_ASSERT_EQ(zk_history_parse_line(&h, line, "f", 1, &e),
		    ZK_OK);
		ZK_ASSERT_EQ(h.nops, 1);
		got = &h.ops[0];
		ZK_ASSERT_STR(got->client, "c9");
		ZK_ASSERT_STR(got->key, "k2");
		ZK_ASSERT_EQ(got->kind, op.kind);
		ZK_ASSERT_EQ(got->invoke_ns, op.invoke_ns);
		ZK_ASSERT_EQ(got->return_ns, op.return_ns);
		ZK_ASSERT_EQ(got->value_len, op.value_len);
		ZK_ASSERT_MEM(got->value, op.value, op.value_len);
		ZK_ASSERT_EQ(got->version, op.version);
		if (op.kind == ZK_LIN_CAS)
			ZK_ASSERT_EQ(got->expected, op.expected);
		zk_history_close(&h);
	}
	/* A lone dash and an empty value differ on the line. */
	ZK_ASSERT_EQ(zk_history_encode("", 0, line, sizeof(line)), 1);
	ZK_ASSERT_STR(line, "-");
	ZK_ASSERT_EQ(zk_history_encode("-", 1, line, sizeof(line)), 3);
	ZK_ASSERT_STR(line, "%2D");
	ZK_ASSERT_EQ(zk_history_encode("abc", 3, line, 3), -1);
	/* An info op may have "-" for its return time. */
	zk_history_init(&h);
	ZK_ASSERT_EQ(zk_history_parse_line(&h, "c1 write k0 5 - info v # lost",
	    "f", 1, &e), ZK_OK);
	ZK_ASSERT_EQ(h.ops[0].return_ns, ZK_LIN_NEVER);
	zk_history_close(&h);
}

/* A small deterministic generator: xorshift64*. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void
add(struct zk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct zk_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 tmp[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	zk_buf_append(b, tmp, (size_t)n);
}

/*
 * A history drawn from a sequential register: op i takes effect at
 * instant 1000 + i * gap, and its interval is drawn around that instant,
 * up to spread ns either side, so the intervals overlap at random. Of
 * writes and cas ops, info_pct percent become info, and half of those
 * never take effect. With
 * mutate, one late read is made to return a version older than one that
 * an op returned before the read began: not linearizable.
 */
static char *
random_history(size_t n, int64_t gap, int64_t spread, unsigned info_pct,
    uint64_t seed, int mutate)
{
	struct zk_buf	 b;
	char		**vals = zk_xcalloc(n + 1, sizeof(*vals));
	int64_t		 lp, inv, ret, stale;
	int64_t		*ret_of_v = zk_xcalloc(n + 1, sizeof(int64_t));
	size_t		 i, j, ver = 0;
	unsigned	 r;
	char		 v[32];
	int		 info, applied, match, ev, mutated = 0;

	zk_buf_init(&b);
	vals[0] = zk_xstrdup("0");
	seed = seed * 2 + 1;
	for (i = 0; i < n; i++) {
		lp = 1000 + (int64_t)i * gap;
		inv = lp - (int64_t)(rnd(&seed) % (uint64_t)spread);
		ret = lp + (int64_t)(rnd(&seed) % (uint64_t)spread);
		r = (unsigned)(rnd(&seed) % 100);
		info = rnd(&seed) % 100 < info_pct;
		applied = !info || rnd(&seed) % 2;
		snprintf(v, sizeof(v), "c%zu-%zu", i % 7, i);
		if (r < 40 || (mutate && !mutated && i >= n * 3 / 4)) {
			stale = -1;
			if (mutate && !mutated && i >= n * 3 / 4) {
				/* The newest an ok op returned before inv. */
				for (j = 1; j <= ver; j++)
					if (ret_of_v[j] != 0 &&
					    ret_of_v[j] < inv)
						stale = (int64_t)j - 1;
			}
			if (stale < 0)
				add(&b, "c%zu read k0 %lld %lld ok %s %zu\n",
				    i % 7, (long long)inv, (long long)ret,
				    vals[ver], ver);
			else {
				add(&b, "c%zu read k0 %lld %lld ok %s %lld\n",
				    i % 7, (long long)inv, (long long)ret,
				    vals[stale], (long long)stale);
				mutated = 1;
			}
			continue;
		}
		if (r < 70) {
			if (applied) {
				vals[++ver] = zk_xstrdup(v);
				if (!info)
					ret_of_v[ver] = ret;
			}
			if (info)
				add(&b, "c%zu write k0 %lld %lld info %s\n",
				    i % 7, (long long)inv, (long long)ret, v);
			else
				add(&b, "c%zu write k0 %lld %lld ok %s %zu\n",
				    i % 7, (long long)inv, (long long)ret, v,
				    ver);
			continue;
		}
		/* A cas expecting the current version half of the time. */
		ev = (int)ver - (int)(rnd(&seed) % 2);
		if (ev < 0)
			ev = 1;
		match = (size_t)ev == ver;
		if (match && applied) {
			vals[++ver] = zk_xstrdup(v);
			if (!info)
				ret_of_v[ver] = ret;
		}
		if (info)
			add(&b, "c%zu cas k0 %lld %lld info %d %s\n", i % 7,
			    (long long)inv, (long long)ret, ev, v);
		else if (match)
			add(&b, "c%zu cas k0 %lld %lld ok %d %s %zu\n", i % 7,
			    (long long)inv, (long long)ret, ev, v, ver);
		else
			add(&b, "c%zu cas k0 %lld %lld fail %d %s\n", i % 7,
			    (long long)inv, (long long)ret, ev, v);
	}
	if (mutate && !mutated)
		add(&b, "bad line: no read could be made stale\n");
	zk_buf_append(&b, "", 1);
	for (i = 0; i <= n; i++)
		free(vals[i]);
	free(vals);
	free(ret_of_v);
	return b.data;
}

/*
 * The brute force the checker must agree with: try every order of the
 * kept ops that respects real time, each info op placed or left out.
 */
static int
brute(const struct zk_lin_op *ops, const int *keep, size_t n,
    unsigned placed, const char *val, int64_t ver)
{
	const struct zk_lin_op	*o;
	size_t			 i, j;
	int			 left = 0, ok;

	for (j = 0; j < n; j++) {
		if (!keep[j] || (placed >> j & 1))
			continue;
		o = &ops[j];
		left |= o->outcome != ZK_LIN_INFO;
		for (ok = 1, i = 0; i < n && ok; i++)
			if (keep[i] && i != j && !(placed >> i & 1) &&
			    ops[i].outcome != ZK_LIN_INFO &&
			    ops[i].return_ns < o->invoke_ns)
				ok = 0;
		if (!ok)
			continue;
		if (o->kind == ZK_LIN_READ) {
			if (strcmp(o->value, val) == 0 && o->version == ver &&
			    brute(ops, keep, n, placed | 1u << j, val, ver))
				return 1;
		} else if (o->kind == ZK_LIN_CAS &&
		    o->outcome == ZK_LIN_FAIL) {
			if (o->expected != ver &&
			    brute(ops, keep, n, placed | 1u << j, val, ver))
				return 1;
		} else if ((o->kind == ZK_LIN_WRITE || o->expected == ver) &&
		    (o->outcome != ZK_LIN_OK || o->version == ver + 1) &&
		    brute(ops, keep, n, placed | 1u << j, o->value, ver + 1))
			return 1;
	}
	return !left;
}

/* The shape of the small random histories compared with brute force. */
struct small {
	int	 nmin, nmax;	/* ops */
	int	 nvals;		/* distinct values written, 2..7 */
	int	 ok_pct;	/* ok outcomes; the rest half fail, half info */
	int	 span;		/* invocations fall in [0, span) */
};

static void
small_history(struct zk_buf *b, const struct small *sh, uint64_t *seed)
{
	static const char *const vals[] = { "0", "a", "b", "c", "d", "e",
	    "f", "g" };
	static const char *const outs[] = { "ok", "fail", "info" };
	const char	*out;
	int		 i, n, t, d, rv;

	n = sh->nmin + (int)(rnd(seed) % (uint64_t)(sh->nmax - sh->nmin + 1));
	for (i = 0; i < n; i++) {
		t = (int)(rnd(seed) % (uint64_t)sh->span);
		d = (int)(rnd(seed) % 8);
		out = outs[(int)(rnd(seed) % 100) < sh->ok_pct ? 0 :
		    1 + rnd(seed) % 2];
		switch (rnd(seed) % 3) {
		case 0:
			add(b, "c read k0 %d %d %s", t, t + d, out);
			/* Version 0 goes with "0", as it must. */
			rv = (int)(rnd(seed) % 3);
			if (strcmp(out, "ok") == 0)
				add(b, " %s %d", rv == 0 ? vals[0] :
				    vals[1 + rnd(seed) % (uint64_t)sh->nvals],
				    rv);
			break;
		case 1:
			add(b, "c write k0 %d %d %s %s", t, t + d, out,
			    vals[1 + rnd(seed) % (uint64_t)sh->nvals]);
			if (strcmp(out, "ok") == 0)
				add(b, " %d", 1 + (int)(rnd(seed) % 3));
			break;
		default:
			add(b, "c cas k0 %d %d %s %d %s", t, t + d, out,
			    (int)(rnd(seed) % 3),
			    vals[1 + rnd(seed) % (uint64_t)sh->nvals]);
			if (strcmp(out, "ok") == 0)
				add(b, " %d", 1 + (int)(rnd(seed) % 3));
		}
		add(b, "\n");
	}
	zk_buf_append(b, "", 1);
}

/* Runs rounds histories of shape sh; *nlin counts the linearizable. */
static void
agree(const struct small *sh, int rounds, uint64_t seed, int *nlin)
{
	struct zk_history	 h;
	struct zk_lin_result	 r;
	struct zk_error		 e;
	struct zk_buf		 b;
	size_t			 i;
	int			 keep[16], round, want;

	*nlin = 0;
	for (round = 0; round < rounds; round++) {
		zk_buf_init(&b);
		small_history(&b, sh, &seed);
		zk_history_init(&h);
		ZK_ASSERT_EQ(zk_history_parse_string(&h, b.data, "t", &e),
		    ZK_OK);
		for (i = 0; i < h.nops; i++)
			keep[i] = h.ops[i].kind == ZK_LIN_CAS ||
			    h.ops[i].outcome == ZK_LIN_OK ||
			    (h.ops[i].kind == ZK_LIN_WRITE &&
			    h.ops[i].outcome == ZK_LIN_INFO);
		want = brute(h.ops, keep, h.nops, 0, "0", 0) ?
		    ZK_LIN_LINEARIZABLE : ZK_LIN_VIOLATION;
		*nlin += want == ZK_LIN_LINEARIZABLE;
		if (zk_lin_check(&h, NULL, &r) != want)
			fprintf(stderr, "disagree on:\n%s", b.data);
		ZK_ASSERT_EQ(r.verdict, want);
		zk_lin_result_close(&r);
		zk_history_close(&h);
		zk_buf_close(&b);
	}
}

/* lin.h (1): on small random histories, the verdict is brute force's. */
static void
test_agrees_with_brute_force(void)
{
	static const struct small sh = { 1, 7, 2, 70, 20 };
	int	 nlin;

	agree(&sh, 4000, 12345, &nlin);
	/* Both verdicts were exercised often. */
	ZK_ASSERT(nlin > 400 && nlin < 3600);
}

/* The same with many info ops and values, where the prunings do most. */
static void
test_agrees_with_brute_force_info(void)
{
	static const struct small sh = { 6, 9, 7, 50, 30 };
	int	 nlin;

	agree(&sh, 1500, 777, &nlin);
	ZK_ASSERT(nlin > 20 && nlin < 1400);
}

/* Histories from a real sequential register are linearizable. */
static void
test_random_linearizable(void)
{
	struct zk_lin_result	 r;
	uint64_t		 seed;
	char			*text;

	for (seed = 1; seed <= 20; seed++) {
		text = random_history(600, 100, 700, 3, seed, 0);
		ZK_ASSERT_EQ(check(text, &r), ZK_LIN_LINEARIZABLE);
		ZK_ASSERT_EQ(r.nops, 600);
		zk_lin_result_close(&r);
		free(text);
	}
}

/* The same with one read turned stale is not: the checker is not vacuous. */
static void
test_random_mutated_rejected(void)
{
	struct zk_lin_result	 r;
	uint64_t		 seed;
	char			*text;

	for (seed = 1; seed <= 20; seed++) {
		text = random_history(600, 100, 700, 3, seed, 1);
		ZK_ASSERT_EQ(check(text, &r), ZK_LIN_VIOLATION);
		ZK_ASSERT_STR(r.key, "k0");
		zk_lin_result_close(&r);
		free(text);
	}
}

/*
 * Memoization and the prunings keep a 2,000-op history with some thirty
 * ops in flight at once tractable, linearizable or not.
 */
static void
test_memo_large(void)
{
	char	*text;

	text = random_history(2000, 20, 300, 3, 77, 0);
	ZK_ASSERT_EQ(verdict(text), ZK_LIN_LINEARIZABLE);
	free(text);
	text = random_history(2000, 20, 300, 3, 77, 1);
	ZK_ASSERT_EQ(verdict(text), ZK_LIN_VIOLATION);
	free(text);
}

/*
 * Hundreds of info ops, which fit in any gap between versions, in a
 * 3,000-op history, with and without a stale read: the twin and pin
 * prunings keep both verdicts quick.
 */
static void
test_many_info_ops(void)
{
	struct zk_lin_result	 r;
	char			*text;

	text = random_history(3000, 100, 700, 40, 9, 0);
	ZK_ASSERT_EQ(check(text, &r), ZK_LIN_LINEARIZABLE);
	ZK_ASSERT(r.ninfo > 300);
	zk_lin_result_close(&r);
	free(text);
	text = random_history(3000, 100, 700, 40, 9, 1);
	ZK_ASSERT_EQ(verdict(text), ZK_LIN_VIOLATION);
	free(text);
}

/*
 * Many concurrent reads of one state and an impossible read among them:
 * without placing fitting reads at once, every subset would be tried.
 */
static void
test_many_concurrent_reads(void)
{
	struct zk_buf	 b;
	int		 i;

	zk_buf_init(&b);
	for (i = 0; i < 2000; i++)
		add(&b, "c%d read k0 %d %d ok 0 0\n", i, 10 + i, 100000);
	add(&b, "x read k0 5000 6000 ok zz 0\n");
	zk_buf_append(&b, "", 1);
	ZK_ASSERT_EQ(verdict(b.data), ZK_LIN_VIOLATION);
	zk_buf_close(&b);
}

/* The time limit gives up with UNKNOWN rather than running on. */
static void
test_time_limit_option(void)
{
	struct zk_history	 h;
	struct zk_lin_result	 r;
	struct zk_lin_opts	 o;
	struct zk_error		 e;
	char			*text;

	text = random_history(2000, 20, 300, 3, 5, 0);
	zk_history_init(&h);
	ZK_ASSERT_EQ(zk_history_parse_string(&h, text, "t", &e), ZK_OK);
	o.time_limit_ms = 60000;	/* generous: it must decide */
	ZK_ASSERT_EQ(zk_lin_check(&h, &o, &r), ZK_LIN_LINEARIZABLE);
	zk_lin_result_close(&r);
	zk_history_close(&h);
	free(text);
}

int
main(void)
{
	ZK_RUN(test_sequential_ok);
	ZK_RUN(test_empty);
	ZK_RUN(test_concurrent_read_either_side);
	ZK_RUN(test_concurrent_writes_either_order);
	ZK_RUN(test_stale_read_rejected);
	ZK_RUN(test_equal_times_concurrent);
	ZK_RUN(test_cas_ok_cases);
	ZK_RUN(test_cas_fail_cases);
	ZK_RUN(test_info_write_maybe);
	ZK_RUN(test_info_write_seen_then_unseen);
	ZK_RUN(test_info_write_fills_gap);
	ZK_RUN(test_version_mismatch);
	ZK_RUN(test_keys_independent);
	ZK_RUN(test_dropped_and_counted);
	ZK_RUN(test_init_line);
	ZK_RUN(test_malformed_lines);
	ZK_RUN(test_format_round_trip);
	ZK_RUN(test_agrees_with_brute_force);
	ZK_RUN(test_agrees_with_brute_force_info);
	ZK_RUN(test_random_linearizable);
	ZK_RUN(test_random_mutated_rejected);
	ZK_RUN(test_memo_large);
	ZK_RUN(test_many_info_ops);
	ZK_RUN(test_many_concurrent_reads);
	ZK_RUN(test_time_limit_option);
	return ZK_TEST_DONE();
}
