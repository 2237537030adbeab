/*
 * The explanation of a violation, in plain lines: the key, the longest
 * prefix the search could linearize (its last ops and the state it left),
 * the op whose return came before it could be placed, and why each op that
 * could have gone next did not fit. Times are shown from the history's
 * first invocation, ops with their FILE:LINE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "history.h"
#include "lin_int.h"

#define SHOW_PREFIX	6	/* ops shown from the end of the best prefix */
#define SHOW_CANDS	12	/* ops shown that could not go next */

/* printf onto a growing text. */
static void
say(struct zk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct zk_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		zk_buf_append(b, small, (size_t)n);
		return;
	}
	zk_buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The text as a NUL-terminated string, which the caller frees. */
static char *
text_of(struct zk_buf *b)
{
	zk_buf_append(b, "", 1);
	return b->data;
}

static void
say_value(struct zk_buf *b, const char *p, size_t len)
{
	char	 tmp[3 * 64 + 8];

	if (len > 64) {
		zk_history_encode(p, 64, tmp, sizeof(tmp));
		say(b, "%s...", tmp);
	} else {
		zk_history_encode(p, len, tmp, sizeof(tmp));
		say(b, "%s", tmp);
	}
}

static void
say_time(struct zk_buf *b, int64_t t, int64_t base)
{
	if (t == ZK_LIN_NEVER) {
		say(b, "never");
		return;
	}
	t -= base;
	say(b, "+%lld.%09llds", (long long)(t / 1000000000),
	    (long long)(t % 1000000000));
}

/* One op as "FILE:LINE CLIENT OP OUTCOME ARGS [+inv, +ret]". */
static void
say_op(struct zk_buf *b, const struct zk_lin_op *op, int64_t base)
{
	static const char *const kinds[] = { "", "read", "write", "cas" };
	static const char *const outs[] = { "", "ok", "fail", "info" };

	say(b, "%s:%ld %s %s %s", op->file, op->line, op->client,
	    kinds[op->kind], outs[op->outcome]);
	if (op->kind == ZK_LIN_CAS)
		say(b, " %d", (int)op->expected);
	if (op->value != NULL) {
		say(b, " ");
		say_value(b, op->value, op->value_len);
	}
	if (op->outcome == ZK_LIN_OK)
		say(b, " %d", (int)op->version);
	say(b, " [");
	say_time(b, op->invoke_ns, base);
	say(b, ", ");
	say_time(b, op->outcome == ZK_LIN_INFO ? ZK_LIN_NEVER : op->return_ns,
	    base);
	say(b, "]");
}

/*
 * Why op i could not be placed in state s, in a few words; placed[]
 * marks the ops of the prefix, so that an op the version rule protects
 * can be named.
 */
static void
say_why(struct zk_buf *b, const struct keyck *k, uint32_t i,
    const struct state *s, const unsigned char *placed, int64_t base)
{
	const struct kop	*o = &k->ops[i], *q;
	struct state		 next;
	size_t			 j;

	if (zk_lin_step(o, s, &next)) {
		for (j = 0; next.version > s->version && j < k->n; j++) {
			q = &k->ops[j];
			if (j != i && !placed[j] && q->needs &&
			    q->need < next.version) {
				say(b, "fits, but makes version %lld, past the "
				    "%lld that this one needs: ",
				    (long long)next.version,
				    (long long)q->need);
				say_op(b, q->src, base);
				return;
			}
		}
		say(b, "fits, but then no order of the rest does");
		return;
	}
	switch (o->kind) {
	case ZK_LIN_READ:
		say(b, "read another state");
		break;
	case ZK_LIN_WRITE:
		if (o->pin >= 0)
			say(b, "its value was read at version %lld",
			    (long long)o->pin);
		else
			say(b, "made version %lld, not the next one",
			    (long long)o->version);
		break;
	default:
		if (o->outcome == ZK_LIN_FAIL)
			say(b, "failed, yet the version is the one expected");
		else if (s->version != o->expected)
			say(b, "expected version %lld", (long long)o->expected);
		else if (o->pin >= 0)
			say(b, "its value was read at version %lld",
			    (long long)o->pin);
		else
			say(b, "made version %lld, not the next one",
			    (long long)o->version);
	}
}

static void
say_cand(struct zk_buf *b, const struct keyck *k, uint32_t i,
    const unsigned char *placed, int64_t base)
{
	say(b, "  ");
	say_op(b, k->ops[i].src, base);
	say(b, "\n    ");
	say_why(b, k, i, &k->best_state, placed, base);
	say(b, "\n");
}

char *
zk_explain_key(const struct keyck *k, const char *key, int64_t base,
    size_t ninfo)
{
	struct zk_buf	 b;
	unsigned char	*placed;
	size_t		 i, from, shown;

	zk_buf_init(&b);
	say(&b, "key %s: %zu ops (%zu info); no order of them fits the "
	    "register.\n", key, k->n, ninfo);
	if (k->best < 0) {
		say(&b, "(no dead end was recorded)\n");
		return text_of(&b);
	}
	placed = zk_xcalloc(k->n + 1, 1);
	for (i = 0; i < (size_t)k->best; i++)
		placed[k->best_prefix[i]] = 1;
	say(&b, "longest linearizable prefix: %ld ops", k->best);
	from = (size_t)k->best > SHOW_PREFIX ? (size_t)k->best - SHOW_PREFIX :
	    0;
	if (k->best == 0)
		say(&b, " (not even the first op fits)\n");
	else if (from > 0)
		say(&b, ", the last %d:\n", SHOW_PREFIX);
	else
		say(&b, ":\n");
	for (i = from; i < (size_t)k->best; i++) {
		say(&b, "  ");
		say_op(&b, k->ops[k->best_prefix[i]].src, base);
		say(&b, "\n");
	}
	say(&b, "state after it: ");
	if (k->best_state.val == k->unread)
		say(&b, "a value no read returned");
	else {
		say(&b, "value ");
		say_value(&b, k->vals.p[k->best_state.val],
		    k->vals.len[k->best_state.val]);
	}
	say(&b, ", version %lld\n", (long long)k->best_state.version);
	say(&b, "this op returned before it could be placed:\n");
	say_cand(&b, k, k->best_block, placed, base);
	if (k->best_ncands > 1)
		say(&b, "and none of the others that had begun could go "
		    "first:\n");
	for (i = shown = 0; i < k->best_ncands; i++) {
		if (k->best_cands[i] == k->best_block)
			continue;
		if (shown++ == SHOW_CANDS) {
			say(&b, "  and %zu more\n", k->best_ncands - 1 -
			    SHOW_CANDS);
			break;
		}
		say_cand(&b, k, k->best_cands[i], placed, base);
	}
	free(placed);
	return text_of(&b);
}

