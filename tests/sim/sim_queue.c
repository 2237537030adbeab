/*
 * The simulator's clock: a binary heap of pending events ordered by
 * (time, sequence number). The sequence number is the order in which
 * events were scheduled, so events at the same millisecond keep a
 * deterministic order.
 *
 * Invariants:
 *  (1) sim_pop returns events in (t, seq) order; seq is unique.
 *  (2) The queue owns each event's data until it is popped; the popper
 *      owns it then.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

static int
before(const struct sim_ev *a, const struct sim_ev *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	return a->seq < b->seq;
}

/* Schedules a copy of ev; it takes ownership of ev->data. */
void
sim_push(struct sim *s, struct sim_ev *ev)
{
	struct sim_queue	*q = &s->q;
	struct sim_ev		 tmp;
	size_t			 i, up;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->v = zk_xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	ev->seq = q->seq++;
	if (ev->t < s->now)
		ev->t = s->now;
	i = q->n++;
	q->v[i] = *ev;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!before(&q->v[i], &q->v[up]))
			break;
		tmp = q->v[i];
		q->v[i] = q->v[up];
		q->v[up] = tmp;
		i = up;
	}
}

/* Moves the earliest event to out; 0 if the queue is empty. */
int
sim_pop(struct sim *s, struct sim_ev *out)
{
	struct sim_queue	*q = &s->q;
	struct sim_ev		 tmp;
	size_t			 i, l, r, m;

	if (q->n == 0)
		return 0;
	*out = q->v[0];
	q->v[0] = q->v[--q->n];
	i = 0;
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < q->n && before(&q->v[l], &q->v[m]))
			m = l;
		if (r < q->n && before(&q->v[r], &q->v[m]))
			m = r;
		if (m == i)
			break;
		tmp = q->v[i];
		q->v[i] = q->v[m];
		q->v[m] = tmp;
		i = m;
	}
	/* The message points into its own data, which moved with it. */
	if (out->data != NULL)
		out->msg.data = out->data;
	return 1;
}

void
sim_queue_free(struct sim_queue *q)
{
	size_t	 i;

	for (i = 0; i < q->n; i++)
		free(q->v[i].data);
	free(q->v);
	memset(q, 0, sizeof(*q));
}
