/*
 * The simulated network. Election notes are datagrams: each may be
 * dropped, duplicated or delayed by a random amount, so they arrive in any
 * order. A ZAB link is what a TCP connection gives the real peer: the
 * learner CONNECTs, both ends later get CONNECTED, and messages arrive in
 * order after a random delay; a link breaks (at random, by CLOSE, by a
 * partition or a crash) and both ends that still hold it get DISCONNECTED
 * while everything in flight is lost. With a small chance a message is
 * duplicated or overtakes the one before it, which TCP never does: the
 * machines must notice and give up, never accept it.
 *
 * Each link has a generation; each end remembers the generation it holds
 * (end[a][b]). Events about a generation an end no longer holds are
 * dropped, as a real shell drops the callbacks of a connection it closed.
 *
 * Invariants:
 *  (1) Everything delivered at b about a (CONNECTED, messages,
 *      DISCONNECTED) keeps the order it was sent in, across generations,
 *      except a message deliberately reordered: last[a][b] is the floor.
 *  (2) Nothing crosses a cut pair: notes are dropped, links break.
 *  (3) An end gets at most one DISCONNECTED per generation, and none for
 *      a generation it closed or replaced itself.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

#define LO(a, b)	((a) < (b) ? (a) : (b))
#define HI(a, b)	((a) < (b) ? (b) : (a))

/* A delivery time from a to b that keeps FIFO order (invariant 1). */
static int64_t
fifo(struct sim *s, int a, int b, int64_t delay)
{
	int64_t	 t = s->now + delay;

	if (t < s->net.last[a][b])
		t = s->net.last[a][b];
	s->net.last[a][b] = t;
	return t;
}

void
sim_net_note(struct sim *s, int from, int to, const struct zk_elect_note *n)
{
	struct sim_net	*net = &s->net;
	struct sim_ev	 ev;
	int		 copies, i;

	if (net->cut[from][to] || sim_chance(s, net->note_drop))
		return;
	copies = sim_chance(s, net->note_dup) ? 2 : 1;
	for (i = 0; i < copies; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SIM_EV_NOTE;
		ev.to = to;
		ev.from = from;
		ev.note = *n;
		ev.t = s->now + sim_range(s, 1, 8);
		if (sim_chance(s, 0.05))
			ev.t += sim_range(s, 10, 300);
		sim_push(s, &ev);
	}
}

static void
link_ev(struct sim *s, int type, int from, int to, uint64_t gen, int opener,
    int64_t delay)
{
	struct sim_ev	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.from = from;
	ev.to = to;
	ev.gen = gen;
	ev.n = (size_t)opener;
	ev.t = fifo(s, from, to, delay);
	sim_push(s, &ev);
}

/* The link a-b breaks: both ends that hold it hear of it. */
void
sim_net_break(struct sim *s, int a, int b)
{
	struct sim_net	*net = &s->net;
	int		 lo = LO(a, b), hi = HI(a, b);
	uint64_t	 g = net->gen[lo][hi];

	if (!net->open[lo][hi])
		return;
	net->open[lo][hi] = 0;
	sim_trace(s, TR_BREAK, a, b, 0, (int64_t)g, 0, NULL);
	if (s->p[a].up)
		link_ev(s, SIM_EV_LINK_DOWN, b, a, g, 0, sim_range(s, 1, 20));
	if (s->p[b].up)
		link_ev(s, SIM_EV_LINK_DOWN, a, b, g, 0, sim_range(s, 1, 20));
}

void
sim_net_break_all(struct sim *s, int a)
{
	int	 b;

	for (b = 0; b < s->np; b++)
		if (b != a)
			sim_net_break(s, a, b);
}

void
sim_net_connect(struct sim *s, int from, int to)
{
	struct sim_net	*net = &s->net;
	int		 lo = LO(from, to), hi = HI(from, to);
	uint64_t	 g;

	/* A new connection replaces the old one: the far end hears so. */
	if (net->open[lo][hi]) {
		net->open[lo][hi] = 0;
		if (s->p[to].up)
			link_ev(s, SIM_EV_LINK_DOWN, from, to, net->gen[lo][hi],
			    0, sim_range(s, 1, 5));
	}
	g = ++net->next_gen;
	net->gen[lo][hi] = g;
	net->end[from][to] = g;
	sim_trace(s, TR_CONNECT, from, to, 0, (int64_t)g, 0, NULL);
	if (net->cut[from][to] || !s->p[to].up) {
		/* Refused, or no answer until the connect times out. */
		link_ev(s, SIM_EV_LINK_DOWN, to, from, g, 0,
		    net->cut[from][to] ? sim_range(s, 50, 300) :
		    sim_range(s, 1, 5));
		return;
	}
	net->open[lo][hi] = 1;
	link_ev(s, SIM_EV_LINK_UP, from, to, g, 0, sim_range(s, 1, 6));
	link_ev(s, SIM_EV_LINK_UP, to, from, g, 1, sim_range(s, 2, 10));
}

/* CLOSE by from: the far end hears of it, from itself does not. */
void
sim_net_close(struct sim *s, int from, int to)
{
	struct sim_net	*net = &s->net;
	int		 lo = LO(from, to), hi = HI(from, to);
	uint64_t	 g = net->gen[lo][hi];

	if (net->end[from][to] != g)
		return;
	net->end[from][to] = 0;
	sim_trace(s, TR_CLOSE, from, to, 0, (int64_t)g, 0, NULL);
	if (!net->open[lo][hi])
		return;
	net->open[lo][hi] = 0;
	if (s->p[to].up)
		link_ev(s, SIM_EV_LINK_DOWN, from, to, g, 0,
		    sim_range(s, 1, 5));
}

void
sim_net_send(struct sim *s, int from, int to, const struct zk_zab_msg *m)
{
	struct sim_net	*net = &s->net;
	int		 lo = LO(from, to), hi = HI(from, to);
	uint64_t	 g = net->gen[lo][hi];
	struct sim_ev	 ev;
	int64_t		 delay;

	if (!net->open[lo][hi] || net->end[from][to] != g)
		return;
	if (net->cut[from][to] || sim_chance(s, net->zab_break)) {
		sim_net_break(s, from, to);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SIM_EV_LINK_MSG;
	ev.from = from;
	ev.to = to;
	ev.gen = g;
	ev.msg = *m;
	if (m->len > 0) {
		ev.data = zk_xmemdup(m->data, m->len);
		ev.msg.data = ev.data;
	} else
		ev.msg.data = NULL;
	delay = sim_range(s, 1, 4);
	if (sim_chance(s, net->zab_reorder)) {
		/* Overtakes what is in flight: the floor is not raised. */
		ev.t = s->now + 1;
		sim_trace(s, TR_REORDER, from, to, m->type, m->zxid, m->zxid2,
		    NULL);
	} else
		ev.t = fifo(s, from, to, delay);
	if (sim_chance(s, net->zab_dup)) {
		struct sim_ev	 dup = ev;

		if (ev.data != NULL) {
			dup.data = zk_xmemdup(ev.data, m->len);
			dup.msg.data = dup.data;
		}
		dup.t = fifo(s, from, to, delay + sim_range(s, 0, 20));
		sim_trace(s, TR_DUP, from, to, m->type, m->zxid, m->zxid2,
		    NULL);
		sim_push(s, &ev);
		sim_push(s, &dup);
		return;
	}
	sim_push(s, &ev);
}

/* Partitions: delta +1 cuts the pair, -1 heals one cut of it. */
void
sim_net_cut(struct sim *s, int a, int b, int delta)
{
	struct sim_net	*net = &s->net;

	net->cut[a][b] += delta;
	net->cut[b][a] = net->cut[a][b];
	sim_trace(s, delta > 0 ? TR_CUT : TR_HEAL, a, b, 0, net->cut[a][b], 0,
	    NULL);
	if (net->cut[a][b] > 0)
		sim_net_break(s, a, b);
}

/*
 * Whether ev still reaches its peer, with the end's bookkeeping: an
 * accepting end takes the generation with CONNECTED, and DISCONNECTED
 * ends it (invariant 3).
 */
int
sim_net_accept(struct sim *s, const struct sim_ev *ev)
{
	struct sim_net	*net = &s->net;
	int		 a = ev->to, b = ev->from;
	int		 lo = LO(a, b), hi = HI(a, b);
	int		 live;

	live = net->open[lo][hi] && net->gen[lo][hi] == ev->gen;
	switch (ev->type) {
	case SIM_EV_NOTE:
		return !net->cut[b][a];
	case SIM_EV_LINK_UP:
		if (ev->n)	/* the opener's end */
			return live && net->end[a][b] == ev->gen;
		if (!live)
			return 0;
		net->end[a][b] = ev->gen;
		return 1;
	case SIM_EV_LINK_MSG:
		return live && net->end[a][b] == ev->gen;
	case SIM_EV_LINK_DOWN:
		if (net->end[a][b] != ev->gen)
			return 0;
		net->end[a][b] = 0;
		return 1;
	}
	return 0;
}
