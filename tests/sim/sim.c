/*
 * One simulated run: an ensemble of voters and observers, clients writing
 * to whoever leads, and a schedule of faults, all drawn from one seed.
 * A fault phase of random length (crashes, pauses, partitions, slow
 * disks, broken links, lost and duplicated notes) is followed by a quiet
 * phase: everything is healed, restarted and resumed, and the run ends
 * once the ensemble has converged (sim_check.c (e)) or fails when it has
 * not within QUIET_BOUND_MS.
 *
 * The quiet bound covers the election's resend back-off: a peer that was
 * cut off through a long fault phase resends its vote only every
 * (doubling, at most 60 s) interval, and it is the one that finds the
 * established leader (replication.md "Election").
 *
 * Invariants:
 *  (1) Every random choice is drawn from the run's PRNG, in the order the
 *      events are processed, so a seed replays exactly (sim.h (1)).
 *  (2) No fault is started in the quiet phase, and every one started
 *      before is over at its start.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util.h"

#define QUIET_BOUND_MS	90000	/* see above */
#define CHECK_MS	50	/* quiet phase: convergence check interval */
#define MAX_EVENTS	20000000

#ifdef ZK_PLANTED_BUGS
static const int planted[] = {
	[SIM_BUG_NONE] = ZK_ZAB_BUG_NONE,
	[SIM_BUG_ACK_BEFORE_DURABLE] = ZK_ZAB_BUG_ACK_BEFORE_DURABLE,
	[SIM_BUG_DIFF_DIVERGED] = ZK_ZAB_BUG_DIFF_DIVERGED,
	[SIM_BUG_COMMIT_MINORITY] = ZK_ZAB_BUG_COMMIT_MINORITY,
};
#endif

static void
at(struct sim *s, int type, int to, int64_t delay, uint64_t gen)
{
	struct sim_ev	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.to = to;
	ev.gen = gen;
	ev.inc = to >= 0 ? s->p[to].inc : 0;
	ev.t = s->now + delay;
	sim_push(s, &ev);
}

/* The serving leader a client would find (a random one if several). */
static struct sim_peer *
serving_leader(struct sim *s)
{
	struct sim_peer	*v[SIM_MAXP];
	int		 i, n = 0;

	for (i = 0; i < s->np; i++)
		if (s->p[i].up && !s->p[i].paused &&
		    s->p[i].state == ZK_LEADING && s->p[i].serving)
			v[n++] = &s->p[i];
	return n ? v[sim_range(s, 0, n - 1)] : NULL;
}

/* Faults aim at the leader half of the time: that is where bugs hide. */
static struct sim_peer *
target(struct sim *s)
{
	struct sim_peer	*p;
	int		 i, n = 0, v[SIM_MAXP];

	if (sim_chance(s, 0.5) && (p = serving_leader(s)) != NULL)
		return p;
	for (i = 0; i < s->np; i++)
		if (s->p[i].up && !s->p[i].paused)
			v[n++] = i;
	return n ? &s->p[v[sim_range(s, 0, n - 1)]] : NULL;
}

static void
crash(struct sim *s, struct sim_peer *p)
{
	sim_peer_crash(s, p);
	at(s, SIM_EV_RESTART, p->idx, sim_range(s, 50, 4000), 0);
}

/* Cuts the pairs in v (n pairs of peer indexes) until a HEAL. */
static void
partition(struct sim *s, int *v, size_t n)
{
	struct sim_ev	 ev;
	size_t		 i;

	for (i = 0; i < n; i++)
		sim_net_cut(s, v[2 * i], v[2 * i + 1], 1);
	memset(&ev, 0, sizeof(ev));
	ev.type = SIM_EV_HEAL;
	ev.to = -1;
	ev.n = n;
	ev.data = zk_xmemdup(v, 2 * n * sizeof(int));
	ev.t = s->now + sim_range(s, 200, 8000);
	sim_push(s, &ev);
}

static void
fault(struct sim *s)
{
	struct sim_peer	*p;
	int		 v[2 * SIM_MAXP * SIM_MAXP], in[SIM_MAXP];
	size_t		 n = 0;
	int		 i, j, k, kind;

	kind = (int)sim_range(s, 0, 13);
	switch (kind) {
	case 0: case 1: case 2:		/* one crash */
		if ((p = target(s)) != NULL)
			crash(s, p);
		break;
	case 3:				/* a power cut: several */
		p = serving_leader(s);
		for (i = 0; i < s->np; i++)
			if (s->p[i].up && (&s->p[i] == p || sim_chance(s, 0.4)))
				crash(s, &s->p[i]);
		break;
	case 4: case 5:			/* SIGSTOP, SIGCONT later */
		if ((p = target(s)) != NULL) {
			p->paused = 1;
			sim_trace(s, TR_PAUSE, p->idx, 0, 0, 0, 0, NULL);
			at(s, SIM_EV_RESUME, p->idx, sim_range(s, 50, 3000), 0);
		}
		break;
	case 6: case 7:			/* random pairs cut */
		k = (int)sim_range(s, 1, s->np);
		for (i = 0; i < k; i++) {
			v[2 * n] = (int)sim_range(s, 0, s->np - 1);
			v[2 * n + 1] = (int)sim_range(s, 0, s->np - 1);
			if (v[2 * n] != v[2 * n + 1])
				n++;
		}
		partition(s, v, n);
		break;
	case 8: case 9:			/* a minority split off */
		memset(in, 0, sizeof(in));
		if ((p = target(s)) != NULL)
			in[p->idx] = 1;
		k = (int)sim_range(s, 0, (s->np - 1) / 2 - 1);
		for (i = 0; i < k; i++)
			in[sim_range(s, 0, s->np - 1)] = 1;
		for (i = 0; i < s->np; i++)
			for (j = 0; j < s->np; j++)
				if (in[i] && !in[j]) {
					v[2 * n] = i;
					v[2 * n + 1] = j;
					n++;
				}
		partition(s, v, n);
		break;
	case 10: case 11:		/* slow disks for a while */
		for (i = 0; i < s->np; i++)
			if (sim_chance(s, s->p_slow)) {
				s->p[i].disk.slow = 1;
				s->p[i].disk.slow_gen++;
				sim_trace(s, TR_SLOW, i, 0, 0, 0, 0, NULL);
				at(s, SIM_EV_DISK_FAST, i,
				    sim_range(s, 300, 6000),
				    s->p[i].disk.slow_gen);
			}
		break;
	default:			/* a link breaks */
		i = (int)sim_range(s, 0, s->np - 1);
		j = (int)sim_range(s, 0, s->np - 1);
		if (i != j)
			sim_net_break(s, i, j);
		break;
	}
}

static void
quiet(struct sim *s)
{
	int	 i, j;

	s->quiet = 1;
	s->quiet_at = s->now;
	sim_trace(s, TR_QUIET, 0, 0, 0, 0, 0, NULL);
	s->net.note_drop = s->net.note_dup = 0;
	s->net.zab_dup = s->net.zab_reorder = s->net.zab_break = 0;
	for (i = 0; i < s->np; i++)
		for (j = 0; j < s->np; j++)
			s->net.cut[i][j] = 0;
	for (i = 0; i < s->np; i++) {
		s->p[i].disk.slow = 0;
		if (!s->p[i].up)
			sim_peer_start(s, &s->p[i]);
		else if (s->p[i].paused)
			sim_peer_resume(s, &s->p[i]);
	}
	at(s, SIM_EV_CHECK, -1, CHECK_MS, 0);
}

static void
describe(struct sim *s, char *buf, size_t len)
{
	size_t	 o = 0;
	int	 i;

	for (i = 0; i < s->np && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%sp%d %s%s%s at %"
		    PRId64 ":%" PRId64, i ? ", " : "", s->p[i].sid,
		    s->p[i].up ? zk_peer_state_name(s->p[i].state) : "down",
		    s->p[i].serving ? " serving" : "",
		    s->p[i].paused ? " paused" : "",
		    ZK_ZXID_EPOCH_OF(s->p[i].tree.zxid),
		    ZK_ZXID_COUNTER_OF(s->p[i].tree.zxid));
}

static void
dispatch(struct sim *s, struct sim_ev *ev)
{
	struct sim_peer	*p = ev->to >= 0 ? &s->p[ev->to] : NULL;
	struct sim_peer	*l;
	char		 buf[200];
	size_t		 i;
	int		*v;

	switch (ev->type) {
	case SIM_EV_NOTE:
	case SIM_EV_LINK_UP:
	case SIM_EV_LINK_MSG:
	case SIM_EV_LINK_DOWN:
	case SIM_EV_TIMER:
	case SIM_EV_DURABLE:
	case SIM_EV_APPLIED:
		sim_peer_deliver(s, p, ev);
		return;
	case SIM_EV_FSYNC:
		sim_disk_fsynced(s, p, ev);
		break;
	case SIM_EV_CLIENT:
		/* After the quiet phase's write the clients stop. */
		if (s->quiet_acked)
			break;
		if ((l = serving_leader(s)) != NULL)
			sim_peer_propose(s, l);
		at(s, SIM_EV_CLIENT, -1, sim_range(s, 1, 2 * s->write_iv), 0);
		break;
	case SIM_EV_FAULT:
		if (s->quiet)
			break;
		fault(s);
		at(s, SIM_EV_FAULT, -1, sim_range(s, 1, 2 * s->fault_iv), 0);
		break;
	case SIM_EV_RESTART:
		if (!p->up)
			sim_peer_start(s, p);
		break;
	case SIM_EV_RESUME:
		if (p->up && p->paused && ev->inc == p->inc)
			sim_peer_resume(s, p);
		break;
	case SIM_EV_HEAL:
		v = ev->data;
		for (i = 0; !s->quiet && i < ev->n; i++)
			sim_net_cut(s, v[2 * i], v[2 * i + 1], -1);
		break;
	case SIM_EV_DISK_FAST:
		if (p->disk.slow_gen == ev->gen && p->disk.slow) {
			p->disk.slow = 0;
			sim_trace(s, TR_FAST, p->idx, 0, 0, 0, 0, NULL);
		}
		break;
	case SIM_EV_QUIET:
		quiet(s);
		break;
	case SIM_EV_CHECK:
		if (sim_check_converged(s)) {
			sim_trace(s, TR_DONE, 0, 0, 0, s->p[0].tree.zxid, 0,
			    NULL);
			s->done = 1;
			sim_check_final(s);
		} else if (s->now - s->quiet_at > QUIET_BOUND_MS) {
			describe(s, buf, sizeof(buf));
			sim_fail(s, "(e) not converged %d s after the faults "
			    "stopped%s: %s", QUIET_BOUND_MS / 1000,
			    s->quiet_acked ? "" : " (no write acknowledged)",
			    buf);
		} else
			at(s, SIM_EV_CHECK, -1, CHECK_MS, 0);
		break;
	}
	free(ev->data);
}

static void
setup(struct sim *s, const struct sim_opts *o)
{
	struct zk_zab_config	*z = &s->qcfg.zab;
	int			 i;
	static const size_t	 windows[] = { 4, 20, 100, 100000 };

	s->o = *o;
	sim_seed(s, o->seed);
	s->tr.print = o->trace;
	s->nvoters = o->voters;
	s->np = o->voters + o->observers;
	sim_check_init(&s->chk);

	z->nsids = (size_t)s->np;
	for (i = 0; i < s->np; i++) {
		z->sids[i] = i + 1;
		z->observer[i] = i >= o->voters;
	}
	z->tick_ms = 100;
	z->init_limit = 10;
	z->sync_limit = 5;
	z->window = windows[sim_range(s, 0, 3)];
	s->qcfg.settle_ms = (int)sim_range(s, 20, 200);
	s->qcfg.resend_ms = (int)sim_range(s, 50, 200);

	/* How hostile this run is: rates for the whole fault phase. */
	s->net.note_drop = sim_chance(s, 0.5) ? 0 : sim_range(s, 0, 30) / 100.0;
	s->net.note_dup = sim_chance(s, 0.5) ? 0 : sim_range(s, 0, 10) / 100.0;
	if (sim_chance(s, 0.3)) {
		s->net.zab_dup = 0.001;
		s->net.zab_reorder = 0.001;
	}
	s->net.zab_break = sim_chance(s, 0.5) ? 0 : 0.001;
	s->p_slow = sim_range(s, 20, 100) / 100.0;
	s->write_iv = sim_range(s, 10, 150);
	s->fault_iv = sim_range(s, 200, 2000);

	for (i = 0; i < s->np; i++) {
		s->p[i].idx = i;
		s->p[i].sid = i + 1;
		s->p[i].observer = i >= o->voters;
		s->p[i].timer_at = -1;
		s->p[i].epoch = -1;
		sim_disk_init(&s->p[i].disk);
		at(s, SIM_EV_RESTART, i, sim_range(s, 0, 50), 0);
	}
	at(s, SIM_EV_CLIENT, -1, sim_range(s, 100, 1000), 0);
	at(s, SIM_EV_FAULT, -1, sim_range(s, 500, 2 * s->fault_iv), 0);
	at(s, SIM_EV_QUIET, -1, sim_range(s, 10000, 60000), 0);
}

int
sim_run(const struct sim_opts *o, struct sim_result *r)
{
	struct sim	*s;
	struct sim_ev	 ev;
	int		 i;

	memset(r, 0, sizeof(*r));
	if (o->voters < 1 || o->voters + o->observers > SIM_MAXP ||
	    o->observers < 0) {
		snprintf(r->check, sizeof(r->check), "bad ensemble size");
		r->failed = 1;
		return -1;
	}
#ifdef ZK_PLANTED_BUGS
	zk_zab_planted_bug = planted[o->bug];
#else
	if (o->bug != SIM_BUG_NONE) {
		snprintf(r->check, sizeof(r->check),
		    "planted bugs need the sim-planted build");
		r->failed = 1;
		return -1;
	}
#endif
	s = zk_xcalloc(1, sizeof(*s));
	setup(s, o);
	while (!s->chk.failed && !s->done && sim_pop(s, &ev)) {
		s->now = ev.t;
		s->events++;
		dispatch(s, &ev);
		if (s->events > MAX_EVENTS)
			sim_fail(s, "more than %d events: a message storm",
			    MAX_EVENTS);
	}
	if (!s->chk.failed && !s->done)
		sim_fail(s, "(e) nothing left to happen and not converged");

	r->failed = s->chk.failed;
	snprintf(r->check, sizeof(r->check), "%s", s->chk.what);
	r->trace_hash = s->tr.hash;
	r->events = s->events;
	r->acked = s->chk.nacked;
	r->elections = s->elections;
	r->end_ms = s->now;
	if (r->failed && o->verbose) {
		printf("sim: seed %" PRIu64 " (%d voters, %d observers%s%s): "
		    "FAILED %s\n", o->seed, o->voters, o->observers,
		    o->bug ? ", planted bug " : "", o->bug ? "on" : "",
		    r->check);
		if (!o->trace) {
			printf("sim: the last %d trace lines:\n", SIM_RING);
			sim_trace_dump(s, stdout);
		}
	}

	for (i = 0; i < s->np; i++)
		sim_peer_free(&s->p[i]);
	sim_queue_free(&s->q);
	sim_check_free(&s->chk);
	free(s);
	return r->failed ? -1 : 0;
}
