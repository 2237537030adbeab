/*
 * The linearizability search for one key, and the driver that runs it on
 * every key of a history (P-compositionality: a history is linearizable
 * iff each key's part is, since the keys are independent registers).
 *
 * The search is Wing & Gong's: walk the ops in order of invocation, try
 * to put each that has begun next in the linearization (it must fit the
 * register's state), and back up when some op's return is reached before
 * it could be placed, since everything linearized must be placed before
 * that return. The ops are kept, as Lowe does, in one list of call and
 * return entries sorted by time; placing an op takes its two entries out
 * of the list and backing up puts them back, so the ops that may go next
 * are always the calls ahead of the first return in the list. Lowe's memo
 * (memo.c) remembers each (set of placed ops, state) explored, so no
 * configuration is searched twice.
 *
 * These prunings keep typical histories fast, all exact:
 *  - An op that changes nothing (an ok read, a failed cas) and fits now
 *    is placed now, with no alternative tried: any linearization that
 *    places it later can move it here, since every op that returned
 *    before its invocation is already placed (no return precedes it in
 *    the list) and it changes no state others see.
 *  - Versions only grow. An ok op needs one exact version at its point
 *    (a read the one it saw, a write or cas the one before what it
 *    made), so a step that lifts the version past what some unplaced ok
 *    op needs is a dead end at once. This is what keeps info writes,
 *    which fit anywhere, from being tried in every subset: they fit only
 *    in the gaps the ok ops' versions leave.
 *  - Info writes whose value no read saw are twins: placing one or another
 *    here leads to the same versions and to values nobody checks, so only
 *    the first in the list (the earliest invoked) is tried; likewise for
 *    such info cas ops expecting the current version. Any linearization
 *    using a later twin here works with the first one swapped in, since
 *    the first began no later and neither has a return to respect. And
 *    when a twin cas can go, no twin write is tried: the cas can go only
 *    now, the write later too, so any order using the write here works
 *    with the cas here instead and the write never.
 *  - An info op whose value was read, and which alone wrote that value,
 *    can only make the version the read saw: elsewhere, the read could
 *    never be placed.
 * Without the last two, a violation among hundreds of info ops would try
 * every way of filling the version gaps with them.
 *
 * Invariants:
 *  (1) The list holds exactly the entries of unplaced ops, in (time,
 *      call before return, op) order; the bitset, its hash and the
 *      version counts describe exactly the ops on the stack.
 *  (2) A configuration is in the memo iff it was entered; one left by
 *      backing up has no extension that places every op that returns.
 *  (3) Reaching the return of an info op (time never) means every op
 *      that returns has been placed: the rest may never have happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "lin.h"
#include "lin_int.h"
#include "memo.h"

#define CLOCK_EVERY	4096	/* search steps between looks at the clock */

/* splitmix64's finaliser: the set hash and the value table's hash. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
state_hash(const struct state *s)
{
	return mix((uint64_t)s->val << 32 ^ (uint64_t)s->version);
}

static uint64_t
bytes_hash(const char *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

static void
vals_grow(struct vals *v)
{
	size_t	 i, j;

	free(v->tab);
	v->tabcap = v->tabcap ? v->tabcap * 2 : 64;
	v->tab = zk_xcalloc(v->tabcap, sizeof(*v->tab));
	for (i = 0; i < v->n; i++) {
		for (j = bytes_hash(v->p[i], v->len[i]) & (v->tabcap - 1);
		    v->tab[j] != 0; j = (j + 1) & (v->tabcap - 1))
			;
		v->tab[j] = (uint32_t)i + 1;
	}
}

/* A new id for p, found by no lookup. */
static uint32_t
vals_push(struct vals *v, const char *p, size_t len)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->p = zk_xrealloc(v->p, v->cap * sizeof(*v->p));
		v->len = zk_xrealloc(v->len, v->cap * sizeof(*v->len));
	}
	v->p[v->n] = p;
	v->len[v->n] = len;
	return (uint32_t)v->n++;
}

/* The id of a value, giving it one if it is new. */
static uint32_t
vals_id(struct vals *v, const char *p, size_t len)
{
	size_t		 j;
	uint32_t	 id;

	if ((v->n + 1) * 2 > v->tabcap)
		vals_grow(v);
	for (j = bytes_hash(p, len) & (v->tabcap - 1); v->tab[j] != 0;
	    j = (j + 1) & (v->tabcap - 1)) {
		id = v->tab[j] - 1;
		if (v->len[id] == len && memcmp(v->p[id], p, len) == 0)
			return id;
	}
	v->tab[j] = (uint32_t)v->n + 1;
	return vals_push(v, p, len);
}

int
zk_lin_step(const struct kop *o, const struct state *s, struct state *next)
{
	*next = *s;
	switch (o->kind) {
	case ZK_LIN_READ:
		return o->val == s->val && o->version == s->version;
	case ZK_LIN_CAS:
		if (o->outcome == ZK_LIN_FAIL)
			return s->version != o->expected;
		if (s->version != o->expected)
			return 0;
		break;
	}
	if (o->pin >= 0 && o->pin != s->version + 1)
		return 0;
	/* A write, or a cas that matched: ZooKeeper's setData. */
	if (o->outcome == ZK_LIN_OK && o->version != s->version + 1)
		return 0;
	next->val = o->val;
	next->version = s->version + 1;
	return 1;
}

/* Fenwick tree over needed versions: add d at v, count those below v. */
static void
fen_add(struct keyck *k, int64_t v, int64_t d)
{
	size_t	 i = (size_t)(v - k->fenlo) + 1;

	for (; i <= k->nfen; i += i & -i)
		k->fen[i - 1] += d;
}

static int64_t
fen_below(const struct keyck *k, int64_t v)
{
	int64_t	 sum = 0;
	size_t	 i;

	if (v <= k->fenlo)
		return 0;
	i = (size_t)(v - k->fenlo);
	if (i > k->nfen)
		i = k->nfen;
	for (; i > 0; i -= i & -i)
		sum += k->fen[i - 1];
	return sum;
}

static void
unlink_ent(struct ent *e, uint32_t x)
{
	e[e[x].prev].next = e[x].next;
	e[e[x].next].prev = e[x].prev;
}

static void
relink_ent(struct ent *e, uint32_t x)
{
	e[e[x].prev].next = x;
	e[e[x].next].prev = x;
}

static void
set_bit(uint64_t *b, uint32_t i, int on)
{
	if (on)
		b[i / 64] |= (uint64_t)1 << (i % 64);
	else
		b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/*
 * Places the op of call entry e, moving from *s to next, unless that is
 * a dead end by versions or a configuration already explored. 1 if done.
 */
static int
enter(struct keyck *k, uint32_t e, struct state *s, uint64_t *h,
    const struct state *next, int forced)
{
	struct kop	*o = &k->ops[k->ents[e].op];
	struct frame	*f;

	if (o->needs)
		fen_add(k, o->need, -1);
	if (next->version > s->version && fen_below(k, next->version) > 0)
		goto no;
	set_bit(k->bits, k->ents[e].op, 1);
	if (!zk_memo_add(k->memo, k->bits, *h ^ o->zob ^ state_hash(next),
	    next->val, next->version)) {
		set_bit(k->bits, k->ents[e].op, 0);
		goto no;
	}
	f = &k->stack[k->depth++];
	f->ent = e;
	f->before = *s;
	f->forced = forced;
	*s = *next;
	*h ^= o->zob;
	unlink_ent(k->ents, e);
	unlink_ent(k->ents, k->ents[e].match);
	return 1;
no:
	if (o->needs)
		fen_add(k, o->need, 1);
	return 0;
}

/* Undoes the frame on top of the stack (invariant (1)). */
static const struct frame *
leave(struct keyck *k, struct state *s, uint64_t *h)
{
	const struct frame	*f = &k->stack[--k->depth];
	struct kop		*o = &k->ops[k->ents[f->ent].op];

	relink_ent(k->ents, k->ents[f->ent].match);
	relink_ent(k->ents, f->ent);
	set_bit(k->bits, k->ents[f->ent].op, 0);
	if (o->needs)
		fen_add(k, o->need, 1);
	*h ^= o->zob;
	*s = f->before;
	return f;
}

/* Keeps the deepest dead end for the explanation: return entry r blocked. */
static void
note_dead_end(struct keyck *k, uint32_t r, const struct state *s)
{
	uint32_t	 e;
	size_t		 i;

	if ((long)k->depth <= k->best)
		return;
	k->best = (long)k->depth;
	for (i = 0; i < k->depth; i++)
		k->best_prefix[i] = k->ents[k->stack[i].ent].op;
	k->best_state = *s;
	k->best_block = k->ents[r].op;
	k->best_ncands = 0;
	for (e = k->ents[0].next; e != r; e = k->ents[e].next)
		k->best_cands[k->best_ncands++] = k->ents[e].op;
}

static int
out_of_time(struct keyck *k)
{
	if (++k->steps % CLOCK_EVERY != 0 || k->deadline_ms == 0)
		return 0;
	return zk_now_mono_ms() > k->deadline_ms;
}

/*
 * The search (see the top of the file). Labels rather than loops, since
 * backing up resumes the scan of the window in the middle.
 */
static int
search(struct keyck *k)
{
	const struct frame	*f;
	struct state		 s = k->init, next;
	struct kop		*o;
	struct ent		*ents = k->ents;
	uint64_t		 h = 0;
	uint32_t		 e;
	int			 seen, casnow;

round:
	if (out_of_time(k))
		return ZK_LIN_UNKNOWN;
	/*
	 * First, an op that changes nothing and fits goes now, alone. On
	 * the way, note whether a twin cas could go now.
	 */
	casnow = 0;
	for (e = ents[0].next; e != 0 && !ents[e].ret; e = ents[e].next) {
		o = &k->ops[ents[e].op];
		if (o->pure && zk_lin_step(o, &s, &next))
			break;
		if (o->twin == TWIN_CAS && o->expected == s.version)
			casnow = 1;
	}
	if (e == 0)
		return ZK_LIN_LINEARIZABLE;
	if (!ents[e].ret) {
		if (enter(k, e, &s, &h, &next, 1))
			goto round;
		goto back;	/* explored already: so was this (2) */
	}
	e = ents[0].next;
	seen = casnow ? TWIN_WRITE : 0;	/* the cas goes before any write */
scan:
	for (; !ents[e].ret; e = ents[e].next) {
		o = &k->ops[ents[e].op];
		if (o->pure)
			continue;
		if (o->twin == TWIN_WRITE || (o->twin == TWIN_CAS &&
		    o->expected == s.version)) {
			if (seen & o->twin)
				continue;	/* a twin went first */
			seen |= o->twin;
		}
		if (zk_lin_step(o, &s, &next) &&
		    enter(k, e, &s, &h, &next, 0)) {
			k->stack[k->depth - 1].seen = seen;
			goto round;
		}
	}
	if (ents[e].t == ZK_LIN_NEVER)
		return ZK_LIN_LINEARIZABLE;	/* invariant (3) */
	note_dead_end(k, e, &s);
back:
	do {
		if (k->depth == 0)
			return ZK_LIN_VIOLATION;
		f = leave(k, &s, &h);
	} while (f->forced);
	e = ents[f->ent].next;
	seen = f->seen;
	goto scan;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct ent	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->ret != y->ret)
		return x->ret - y->ret;	/* calls first: lin.h (2) */
	return x->op < y->op ? -1 : x->op > y->op;
}

/* Whether the checker keeps op (see lin.h's model). */
static int
kept(const struct zk_lin_op *op)
{
	if (op->kind == ZK_LIN_CAS)
		return 1;
	return op->outcome == ZK_LIN_OK ||
	    (op->kind == ZK_LIN_WRITE && op->outcome == ZK_LIN_INFO);
}

/*
 * Marks the info ops: twins (no ok read returned their value) and pinned
 * ones (the only writer of a value that reads saw, at one version).
 */
static void
pin_and_twin(struct keyck *k)
{
	int64_t		*readver = zk_xcalloc(k->vals.n, sizeof(int64_t));
	uint32_t	*writers = zk_xcalloc(k->vals.n, sizeof(uint32_t));
	struct kop	*o;
	size_t		 i;

	for (i = 0; i < k->vals.n; i++)
		readver[i] = -1;	/* -1: not read; -2: at two versions */
	writers[k->init.val]++;
	for (i = 0; i < k->n; i++) {
		o = &k->ops[i];
		if (o->kind != ZK_LIN_READ) {
			if (!o->pure)
				writers[o->val]++;
		} else if (readver[o->val] == -1)
			readver[o->val] = o->version;
		else if (readver[o->val] != o->version)
			readver[o->val] = -2;
	}
	for (i = 0; i < k->n; i++) {
		o = &k->ops[i];
		if (o->outcome != ZK_LIN_INFO)
			continue;
		if (readver[o->val] == -1)
			o->twin = o->kind == ZK_LIN_WRITE ? TWIN_WRITE :
			    TWIN_CAS;
		else if (readver[o->val] >= 0 && writers[o->val] == 1)
			o->pin = readver[o->val];
	}
	free(readver);
	free(writers);
}

/*
 * A value no ok read returned is never compared with anything, so they
 * all become one value (after the twins and pins are known): orders that
 * differ only in which of them is current then meet in the memo.
 */
static void
merge_unread(struct keyck *k)
{
	unsigned char	*read = zk_xcalloc(k->vals.n, 1);
	size_t		 i;

	for (i = 0; i < k->n; i++)
		if (k->ops[i].kind == ZK_LIN_READ)
			read[k->ops[i].val] = 1;
	k->unread = vals_push(&k->vals, "", 0);
	for (i = 0; i < k->n; i++)
		if (k->ops[i].kind != ZK_LIN_READ && !read[k->ops[i].val])
			k->ops[i].val = k->unread;
	if (!read[k->init.val])
		k->init.val = k->unread;
	free(read);
}

/* Builds k from the ops idx[0..n) (all kept, all on one key). */
static void
setup(struct keyck *k, const struct zk_history *h, const size_t *idx,
    size_t n, const struct zk_lin_init *in)
{
	static const char	 zero[] = "0";
	const struct zk_lin_op	*src;
	struct kop		*o;
	int64_t			 lo, hi;
	size_t			 i, m;

	memset(k, 0, sizeof(*k));
	k->n = n;
	k->ops = zk_xcalloc(n ? n : 1, sizeof(*k->ops));
	k->init.val = in != NULL ? vals_id(&k->vals, in->value,
	    in->value_len) : vals_id(&k->vals, zero, 1);
	k->init.version = in != NULL ? in->version : 0;
	lo = hi = k->init.version;
	for (i = 0; i < n; i++) {
		o = &k->ops[i];
		src = o->src = &h->ops[idx[i]];
		o->kind = src->kind;
		o->outcome = src->outcome;
		o->version = src->version;
		o->expected = src->expected;
		o->val = vals_id(&k->vals, src->value, src->value_len);
		o->pure = (o->kind == ZK_LIN_READ) ||
		    (o->kind == ZK_LIN_CAS && o->outcome == ZK_LIN_FAIL);
		o->zob = mix(0x5eed0000ULL + i) | 1;
		o->pin = -1;
		if (o->outcome == ZK_LIN_OK) {
			o->needs = 1;
			o->need = o->kind == ZK_LIN_READ ? o->version :
			    o->version - 1;
			lo = o->need < lo ? o->need : lo;
			hi = o->need > hi ? o->need : hi;
		}
	}
	pin_and_twin(k);
	merge_unread(k);
	k->fenlo = lo;
	k->nfen = (size_t)(hi - lo) + 1;
	k->fen = zk_xcalloc(k->nfen, sizeof(*k->fen));
	for (i = 0; i < n; i++)
		if (k->ops[i].needs)
			fen_add(k, k->ops[i].need, 1);

	k->ents = zk_xcalloc(2 * n + 1, sizeof(*k->ents));
	for (i = 0; i < n; i++) {
		k->ents[1 + 2 * i].t = k->ops[i].src->invoke_ns;
		k->ents[1 + 2 * i].op = (uint32_t)i;
		k->ents[2 + 2 * i].t = k->ops[i].outcome == ZK_LIN_INFO ?
		    ZK_LIN_NEVER : k->ops[i].src->return_ns;
		k->ents[2 + 2 * i].op = (uint32_t)i;
		k->ents[2 + 2 * i].ret = 1;
	}
	qsort(k->ents + 1, 2 * n, sizeof(*k->ents), ent_cmp);
	{
		/* Each call learns where its return went after the sort. */
		uint32_t	*call_of = zk_xcalloc(n + 1, sizeof(*call_of));

		for (m = 1; m <= 2 * n; m++) {
			k->ents[m].prev = (uint32_t)m - 1;
			k->ents[m].next = m == 2 * n ? 0 : (uint32_t)m + 1;
			if (!k->ents[m].ret)
				call_of[k->ents[m].op] = (uint32_t)m;
			else
				k->ents[call_of[k->ents[m].op]].match =
				    (uint32_t)m;
		}
		k->ents[0].next = n ? 1 : 0;
		k->ents[0].prev = (uint32_t)(2 * n);
		free(call_of);
	}
	k->bits = zk_xcalloc((n + 63) / 64 + 1, sizeof(uint64_t));
	k->memo = zk_memo_new(n);
	k->stack = zk_xcalloc(n ? n : 1, sizeof(*k->stack));
	k->best = -1;
	k->best_prefix = zk_xcalloc(n ? n : 1, sizeof(uint32_t));
	k->best_cands = zk_xcalloc(n ? n : 1, sizeof(uint32_t));
}

static void
teardown(struct keyck *k)
{
	free(k->ops);
	free(k->ents);
	free(k->vals.p);
	free(k->vals.len);
	free(k->vals.tab);
	free(k->bits);
	zk_memo_free(k->memo);
	free(k->stack);
	free(k->fen);
	free(k->best_prefix);
	free(k->best_cands);
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct keys of h's ops, sorted by name. */
static const char **
keys_of(const struct zk_history *h, size_t *n)
{
	const char	**keys = zk_xcalloc(h->nstrings + 1, sizeof(*keys));
	size_t		 i, j, nk = 0;

	for (i = 0; i < h->nops; i++) {
		/* Names are interned: equal keys are the same pointer. */
		for (j = 0; j < nk && keys[j] != h->ops[i].key; j++)
			;
		if (j == nk)
			keys[nk++] = h->ops[i].key;
	}
	qsort(keys, nk, sizeof(*keys), key_cmp);
	*n = nk;
	return keys;
}

int
zk_lin_check(const struct zk_history *h, const struct zk_lin_opts *opts,
    struct zk_lin_result *r)
{
	const struct zk_lin_init *in;
	const char	**keys;
	struct keyck	 k;
	size_t		*idx, nk, ki, i, n, ninfo;
	int64_t		 base = INT64_MAX, deadline = 0;
	int		 v;

	memset(r, 0, sizeof(*r));
	if (opts != NULL && opts->time_limit_ms > 0)
		deadline = zk_now_mono_ms() + opts->time_limit_ms;
	for (i = 0; i < h->nops; i++)
		if (h->ops[i].invoke_ns < base)
			base = h->ops[i].invoke_ns;
	keys = keys_of(h, &nk);
	r->nkeys = nk;
	idx = zk_xcalloc(h->nops + 1, sizeof(*idx));
	for (ki = 0; ki < nk; ki++) {
		n = ninfo = 0;
		for (i = 0; i < h->nops; i++) {
			if (h->ops[i].key != keys[ki])
				continue;
			if (!kept(&h->ops[i])) {
				r->ndropped++;
				continue;
			}
			idx[n++] = i;
			ninfo += h->ops[i].outcome == ZK_LIN_INFO;
		}
		r->nops += n;
		r->ninfo += ninfo;
		for (in = NULL, i = 0; i < h->ninits; i++)
			if (h->inits[i].key == keys[ki])
				in = &h->inits[i];
		setup(&k, h, idx, n, in);
		k.deadline_ms = deadline;
		v = search(&k);
		if (v == ZK_LIN_UNKNOWN) {
			/* A violation found already stands; else undecided. */
			if (r->verdict != ZK_LIN_VIOLATION) {
				r->verdict = ZK_LIN_UNKNOWN;
				r->key = zk_xstrdup(keys[ki]);
			}
			teardown(&k);
			break;
		}
		if (v == ZK_LIN_VIOLATION) {
			if (r->nbad++ == 0) {
				r->verdict = ZK_LIN_VIOLATION;
				r->key = zk_xstrdup(keys[ki]);
				r->explain = zk_explain_key(&k, keys[ki],
				    base, ninfo);
			}
		}
		teardown(&k);
	}
	free(idx);
	free(keys);
	return r->verdict;
}

void
zk_lin_result_close(struct zk_lin_result *r)
{
	free(r->key);
	free(r->explain);
	memset(r, 0, sizeof(*r));
}

int
zk_lin_summary(const struct zk_lin_result *r, char *buf, size_t size)
{
	switch (r->verdict) {
	case ZK_LIN_LINEARIZABLE:
		return snprintf(buf, size, "linearizable: %zu ops on %zu "
		    "keys (%zu info, %zu dropped)", r->nops, r->nkeys,
		    r->ninfo, r->ndropped);
	case ZK_LIN_VIOLATION:
		return snprintf(buf, size, "not linearizable: key %s (%zu of "
		    "%zu keys)", r->key, r->nbad, r->nkeys);
	default:
		return snprintf(buf, size, "unknown: the time limit passed "
		    "while checking key %s", r->key);
	}
}
