/*
 * The simulator's small tools: the seeded PRNG (xoshiro256**, seeded by
 * splitmix64), the 64-bit hashes behind digests and the trace hash, and
 * the trace: every record is hashed, the last SIM_RING kept for a
 * failure's report, and all of them printed under --trace.
 *
 * Invariants:
 *  (1) The only source of randomness is the seed (never rand(), the clock
 *      or an address), so a seed replays exactly.
 *  (2) The trace hash covers every record's fields, so two runs with the
 *      same hash took the same steps.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

uint64_t
sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
sim_seed(struct sim *s, uint64_t seed)
{
	int	 i;

	for (i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		s->rng[i] = sim_mix(seed);
	}
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
sim_rand(struct sim *s)
{
	uint64_t	*r = s->rng;
	uint64_t	 out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;

	r[2] ^= r[0];
	r[3] ^= r[1];
	r[1] ^= r[2];
	r[0] ^= r[3];
	r[2] ^= t;
	r[3] = rotl(r[3], 45);
	return out;
}

/* Uniform in [lo, hi]; the modulo bias is irrelevant at these ranges. */
int64_t
sim_range(struct sim *s, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(sim_rand(s) % (uint64_t)(hi - lo + 1));
}

int
sim_chance(struct sim *s, double p)
{
	if (p <= 0)
		return 0;
	return (double)(sim_rand(s) >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* FNV-1a over the bytes, then mixed, chained through h. */
uint64_t
sim_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;
	uint64_t		 x = 0xcbf29ce484222325ULL ^ h;
	size_t			 i;

	for (i = 0; i < len; i++) {
		x ^= c[i];
		x *= 0x100000001b3ULL;
	}
	return sim_mix(x ^ len);
}

static const char *const kinds[] = {
	[TR_BOOT] = "boot", [TR_CRASH] = "CRASH", [TR_RESTART] = "restart",
	[TR_PAUSE] = "PAUSE", [TR_RESUME] = "resume", [TR_CUT] = "CUT",
	[TR_HEAL] = "heal", [TR_SLOW] = "SLOWDISK", [TR_FAST] = "fastdisk",
	[TR_BREAK] = "BREAK", [TR_NOTE] = "note", [TR_CONNECT] = "connect",
	[TR_UP] = "linkup", [TR_DOWN] = "linkdown", [TR_CLOSE] = "close",
	[TR_RECV] = "recv", [TR_LOG] = "log", [TR_DURABLE] = "durable",
	[TR_TRUNC] = "truncate", [TR_SNAP] = "installsnap",
	[TR_APPLY] = "apply", [TR_EPOCH] = "persist", [TR_STATE] = "state",
	[TR_WRITE] = "write", [TR_ACK] = "ack", [TR_QUIET] = "QUIET",
	[TR_DONE] = "converged", [TR_DROP] = "drop", [TR_DUP] = "DUP",
	[TR_REORDER] = "REORDER", [TR_FAIL] = "FAIL",
};

static void
zx(char *buf, size_t len, int64_t z)
{
	if (z < 0)
		snprintf(buf, len, "%" PRId64, z);
	else
		snprintf(buf, len, "%" PRId64 ":%" PRId64,
		    ZK_ZXID_EPOCH_OF(z), ZK_ZXID_COUNTER_OF(z));
}

static void
print_rec(const struct sim_trace_rec *r, FILE *f)
{
	char	 a[32], b[32];

	zx(a, sizeof(a), r->x);
	zx(b, sizeof(b), r->y);
	fprintf(f, "%6" PRId64 ".%03" PRId64 " p%-2d %-9s", r->t / 1000,
	    r->t % 1000, r->peer + 1, kinds[r->kind]);
	switch (r->kind) {
	case TR_NOTE:
		fprintf(f, " from p%d %s round %" PRId64 " vote p%d %s\n",
		    r->a + 1, zk_peer_state_name(r->b), r->y >> 8,
		    (int)(r->y & 0xff), a);
		break;
	case TR_RECV:
	case TR_DUP:
	case TR_REORDER:
		fprintf(f, " p%d %s zxid %s zxid2 %s\n", r->a + 1,
		    zk_zab_msg_name(r->b), a, b);
		break;
	case TR_CUT:
	case TR_HEAL:
	case TR_BREAK:
	case TR_CONNECT:
	case TR_UP:
	case TR_DOWN:
	case TR_CLOSE:
	case TR_DROP:
		fprintf(f, " p%d gen %" PRId64 "\n", r->a + 1, r->x);
		break;
	case TR_EPOCH:
		if (r->a > 0)
			fprintf(f, " %s %" PRId64 " from p%d\n", r->s, r->x,
			    r->a);
		else
			fprintf(f, " %s %" PRId64 "\n", r->s, r->x);
		break;
	case TR_STATE:
		fprintf(f, " %s leader p%d epoch %" PRId64 " serving %d %s\n",
		    zk_peer_state_name(r->a), r->b, r->x, (int)r->y, r->s);
		break;
	default:
		fprintf(f, " %s %s %s\n", a, b, r->s);
		break;
	}
}

void
sim_trace(struct sim *s, int kind, int peer, int a, int b, int64_t x,
    int64_t y, const char *str)
{
	struct sim_trace_rec	*r = &s->tr.ring[s->tr.n % SIM_RING];
	uint64_t		 h = s->tr.hash;
	int64_t			 f[6];

	r->t = s->now;
	r->kind = kind;
	r->peer = peer;
	r->a = a;
	r->b = b;
	r->x = x;
	r->y = y;
	if (str != NULL)
		snprintf(r->s, sizeof(r->s), "%s", str);
	else
		r->s[0] = '\0';
	f[0] = r->t;
	f[1] = ((int64_t)kind << 32) | (uint32_t)peer;
	f[2] = ((int64_t)a << 32) | (uint32_t)b;
	f[3] = x;
	f[4] = y;
	f[5] = (int64_t)strlen(r->s);
	h = sim_hash(h, f, sizeof(f));
	if (r->s[0] != '\0')
		h = sim_hash(h, r->s, (size_t)f[5]);
	s->tr.hash = h;
	s->tr.n++;
	if (s->tr.print)
		print_rec(r, stdout);
}

/* The last SIM_RING records, oldest first. */
void
sim_trace_dump(struct sim *s, FILE *f)
{
	uint64_t	 i = s->tr.n > SIM_RING ? s->tr.n - SIM_RING : 0;

	for (; i < s->tr.n; i++)
		print_rec(&s->tr.ring[i % SIM_RING], f);
}
