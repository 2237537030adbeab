/*
 * The deterministic replication simulator's shared types: one process runs
 * a whole ensemble of zk_quorum machines (lib/quorum.h) over a simulated
 * network, disk and clock, everything drawn from one 64-bit seed, and
 * checks the replication invariants as it goes (share/doc/replication.md).
 *
 *   sim_util.c   PRNG, hashes, the trace ring
 *   sim_queue.c  the event queue, ordered by (time, sequence)
 *   sim_net.c    election datagrams and ZAB links, partitions
 *   sim_disk.c   per-peer log, epochs, snapshot, and the tree digest
 *   sim_peer.c   drives one zk_quorum as the real peer's shell would
 *   sim_check.c  the invariant checks
 *   sim.c        the run loop, fault schedule and clients
 *   sim_main.c   the command line;  test_sim.c  the make test program
 *
 * Invariants of the harness itself:
 *  (1) Nothing depends on the real clock, rand() or addresses: the same
 *      seed gives the same events in the same order and the same trace.
 *  (2) Events are delivered in (time, sequence) order; a paused peer's
 *      events are kept in arrival order and delivered at its resume.
 *  (3) Everything a machine's out borrows is copied before its next step.
 */
#ifndef ZK_SIM_H
#define ZK_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "quorum.h"

#define SIM_MAXP	9	/* 7 voters + 2 observers */
#define SIM_RING	40	/* trace lines kept for a failure report */

/* The planted bugs, as zab.h's enum zk_zab_bug; 0 none. */
enum sim_bug {
	SIM_BUG_NONE = 0,
	SIM_BUG_ACK_BEFORE_DURABLE,
	SIM_BUG_DIFF_DIVERGED,
	SIM_BUG_COMMIT_MINORITY,
};

struct sim_opts {
	uint64_t	 seed;
	int		 voters;	/* 3..7 */
	int		 observers;	/* 0..2 */
	int		 bug;		/* enum sim_bug */
	int		 trace;		/* 1: print all the trace */
	int		 verbose;	/* 1: print a failure's report */
};

struct sim_result {
	int		 failed;	/* 1: a check failed */
	char		 check[256];	/* which, and the details */
	uint64_t	 trace_hash;	/* of every trace record */
	uint64_t	 events;	/* delivered */
	uint64_t	 acked;		/* client writes acknowledged */
	uint64_t	 elections;	/* serving transitions of leaders */
	int64_t		 end_ms;	/* simulated time at the end */
};

/* Runs one seed; returns 0 if every check held. */
int		 sim_run(const struct sim_opts *o, struct sim_result *r);

/* ---- everything below is internal to tests/sim ---- */

enum sim_ev_type {
	SIM_EV_NOTE = 1,	/* election datagram to `to` */
	SIM_EV_LINK_UP,		/* CONNECTED at `to` for link gen */
	SIM_EV_LINK_MSG,	/* ZAB message at `to` on link gen */
	SIM_EV_LINK_DOWN,	/* DISCONNECTED at `to` for link gen */
	SIM_EV_TIMER,		/* the peer's deadline; gen = timer gen */
	SIM_EV_FSYNC,		/* an fsync finished: gen = disk gen */
	SIM_EV_DURABLE,		/* DURABLE zxid, delivered (deferred) */
	SIM_EV_APPLIED,		/* APPLIED zxid, digest fed back */
	SIM_EV_CLIENT,		/* a client sends a write */
	SIM_EV_FAULT,		/* the next fault of the schedule */
	SIM_EV_RESTART,		/* crashed peer `to` restarts */
	SIM_EV_RESUME,		/* paused peer `to` resumes */
	SIM_EV_HEAL,		/* partition gen ends */
	SIM_EV_DISK_FAST,	/* peer's slow disk spell gen ends */
	SIM_EV_QUIET,		/* the fault phase ends */
	SIM_EV_CHECK,		/* quiet phase: the liveness check */
};

struct sim_ev {
	int64_t		 t;		/* simulated ms */
	uint64_t	 seq;		/* ties: scheduling order */
	int		 type;		/* enum sim_ev_type */
	int		 to, from;	/* peer indexes */
	uint64_t	 gen;		/* link, timer, disk gen */
	uint64_t	 inc;		/* the target's incarnation */
	int64_t		 zxid;
	uint64_t	 digest;
	size_t		 n;		/* FSYNC: records covered;
					   LINK_UP: 1 at the opener;
					   HEAL: pairs in data */
	struct zk_elect_note note;
	struct zk_zab_msg msg;		/* msg.data points into data */
	void		*data;		/* owned */
};

struct sim_queue {
	struct sim_ev	*v;		/* a binary heap */
	size_t		 n, cap;
	uint64_t	 seq;
};

/* The tree: a digest chained over applied txns, and their list. */
struct sim_hent {
	int64_t		 zxid;
	uint64_t	 h;		/* hash of the txn's bytes */
};
struct sim_tree {
	int64_t		 zxid;		/* last applied, 0 none */
	uint64_t	 digest;	/* 0 for the empty tree */
	struct sim_hent	*v;		/* applied txns, in order */
	size_t		 n, cap;
};

struct sim_rec {
	int64_t		 zxid;
	void		*data;
	size_t		 len;
};

struct sim_disk {
	struct sim_rec	*log;		/* after the snapshot */
	size_t		 n, cap;
	size_t		 durable;	/* log[0..durable) is durable */
	int		 busy;		/* an fsync is in flight */
	uint64_t	 gen;		/* bumped: in-flight fsyncs void */
	int		 slow;		/* slow disk spell */
	uint64_t	 slow_gen;
	int64_t		 accepted_epoch;
	int		 accepted_leader;
	int64_t		 current_epoch;
	int		 has_snap;
	struct sim_tree	 snap;		/* the durable snapshot */
};

struct sim_write {
	int64_t		 zxid;
	uint64_t	 h;
	int64_t		 t;		/* when it was sent */
};

struct sim_peer {
	int		 idx, sid;
	int		 observer;
	int		 up;		/* running (else crashed) */
	int		 paused;
	uint64_t	 inc;		/* incarnation */
	struct zk_quorum *q;
	struct zk_quorum_out out;
	uint64_t	 timer_gen;
	int64_t		 timer_at;	/* -1 none */
	struct sim_disk	 disk;
	struct sim_tree	 tree;
	int		 state, leader, serving;
	int64_t		 epoch;
	struct sim_ev	*deferred;	/* while paused */
	size_t		 ndeferred, capdeferred;
	struct sim_write *pending;	/* writes it proposed, in order */
	size_t		 npending, cappending;
};

struct sim_net {
	uint64_t	 gen[SIM_MAXP][SIM_MAXP];  /* [lo][hi]: link gen */
	int		 open[SIM_MAXP][SIM_MAXP]; /* [lo][hi]: live */
	uint64_t	 end[SIM_MAXP][SIM_MAXP];  /* [a][b]: a's view */
	int64_t		 last[SIM_MAXP][SIM_MAXP]; /* [a][b]: FIFO */
	int		 cut[SIM_MAXP][SIM_MAXP];  /* cuts across a, b */
	uint64_t	 next_gen;
	double		 note_drop, note_dup;	/* per datagram */
	double		 zab_dup, zab_reorder;	/* per message */
	double		 zab_break;		/* per message */
};

struct sim_zent {
	int64_t		 zxid;		/* 0: free slot */
	uint64_t	 h;		/* the txn's bytes */
	uint64_t	 digest;	/* the tree after it */
	int		 has_digest;
};

struct sim_check {
	struct sim_zent	*tab;		/* open addressing */
	size_t		 cap, n;
	int		*epoch_leader;	/* [epoch]: its leader's sid */
	size_t		 nepochs;
	struct sim_write *acked;
	size_t		 nacked, capacked;
	int		 failed;
	char		 what[256];
};

struct sim_trace_rec {
	int64_t		 t;
	int		 kind, peer, a, b;
	int64_t		 x, y;
	char		 s[72];
};

struct sim_trace {
	struct sim_trace_rec ring[SIM_RING];
	uint64_t	 n;		/* records so far */
	uint64_t	 hash;
	int		 print;		/* --trace */
};

struct sim {
	struct sim_opts	 o;
	uint64_t	 rng[4];
	int64_t		 now;
	struct sim_queue q;
	int		 np, nvoters;
	struct sim_peer	 p[SIM_MAXP];
	struct sim_net	 net;
	struct sim_check chk;
	struct sim_trace tr;
	struct zk_quorum_config qcfg;
	uint64_t	 events;
	uint64_t	 writes;	/* client writes sent */
	uint64_t	 elections;
	uint64_t	 part_gen;
	int		 quiet;		/* the fault phase is over */
	int64_t		 quiet_at;
	int		 quiet_acked;	/* a write since then acked */
	int		 done;		/* converged: the run ends */
	int64_t		 write_iv;	/* mean ms between writes */
	int64_t		 fault_iv;	/* mean ms between faults */
	double		 p_slow;	/* chance a disk is slowed */
};

/* sim_util.c */
void		 sim_seed(struct sim *s, uint64_t seed);
uint64_t	 sim_rand(struct sim *s);
int64_t		 sim_range(struct sim *s, int64_t lo, int64_t hi);
int		 sim_chance(struct sim *s, double p);
uint64_t	 sim_hash(uint64_t h, const void *p, size_t len);
uint64_t	 sim_mix(uint64_t x);

enum sim_tr_kind {
	TR_BOOT = 1, TR_CRASH, TR_RESTART, TR_PAUSE, TR_RESUME, TR_CUT,
	TR_HEAL, TR_SLOW, TR_FAST, TR_BREAK, TR_NOTE, TR_CONNECT, TR_UP,
	TR_DOWN, TR_CLOSE, TR_RECV, TR_LOG, TR_DURABLE, TR_TRUNC, TR_SNAP,
	TR_APPLY, TR_EPOCH, TR_STATE, TR_WRITE, TR_ACK, TR_QUIET, TR_DONE,
	TR_DROP, TR_DUP, TR_REORDER, TR_FAIL,
};
void		 sim_trace(struct sim *s, int kind, int peer, int a, int b,
		    int64_t x, int64_t y, const char *str);
void		 sim_trace_dump(struct sim *s, FILE *f);

/* sim_queue.c */
void		 sim_push(struct sim *s, struct sim_ev *ev);
int		 sim_pop(struct sim *s, struct sim_ev *out);
void		 sim_queue_free(struct sim_queue *q);

/* sim_disk.c */
void		 sim_tree_reset(struct sim_tree *t);
void		 sim_tree_copy(struct sim_tree *dst,
		    const struct sim_tree *src);
void		 sim_tree_apply(struct sim_tree *t, int64_t zxid,
		    const void *data, size_t len);
void		 sim_tree_encode(const struct sim_tree *t, void **data,
		    size_t *len);
int		 sim_tree_decode(struct sim_tree *t, const void *data,
		    size_t len);
void		 sim_tree_free(struct sim_tree *t);
void		 sim_disk_init(struct sim_disk *d);
void		 sim_disk_free(struct sim_disk *d);
int64_t		 sim_disk_last(const struct sim_disk *d);
void		 sim_disk_append(struct sim *s, struct sim_peer *p,
		    int64_t zxid, const void *data, size_t len);
void		 sim_disk_fsynced(struct sim *s, struct sim_peer *p,
		    const struct sim_ev *ev);
void		 sim_disk_kick(struct sim *s, struct sim_peer *p);
void		 sim_disk_crash(struct sim_disk *d);
int		 sim_disk_truncate(struct sim *s, struct sim_peer *p,
		    int64_t zxid);
int		 sim_disk_install(struct sim *s, struct sim_peer *p,
		    int64_t zxid, const void *data, size_t len);
int		 sim_disk_rebuild(struct sim *s, struct sim_peer *p,
		    int64_t upto);

/* sim_net.c */
void		 sim_net_note(struct sim *s, int from, int to,
		    const struct zk_elect_note *n);
void		 sim_net_connect(struct sim *s, int from, int to);
void		 sim_net_close(struct sim *s, int from, int to);
void		 sim_net_send(struct sim *s, int from, int to,
		    const struct zk_zab_msg *m);
void		 sim_net_break(struct sim *s, int a, int b);
void		 sim_net_break_all(struct sim *s, int a);
void		 sim_net_cut(struct sim *s, int a, int b, int delta);
int		 sim_net_accept(struct sim *s, const struct sim_ev *ev);

/* sim_peer.c */
void		 sim_peer_start(struct sim *s, struct sim_peer *p);
void		 sim_peer_crash(struct sim *s, struct sim_peer *p);
void		 sim_peer_resume(struct sim *s, struct sim_peer *p);
void		 sim_peer_deliver(struct sim *s, struct sim_peer *p,
		    struct sim_ev *ev);
void		 sim_peer_propose(struct sim *s, struct sim_peer *p);
void		 sim_peer_free(struct sim_peer *p);

/* sim_check.c */
void		 sim_check_init(struct sim_check *c);
void		 sim_check_free(struct sim_check *c);
int		 sim_fail(struct sim *s, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 sim_check_log(struct sim *s, struct sim_peer *p,
		    int64_t zxid, const void *data, size_t len);
void		 sim_check_apply(struct sim *s, struct sim_peer *p,
		    int64_t zxid, const void *data, size_t len,
		    const char *how);
void		 sim_check_tree(struct sim *s, struct sim_peer *p,
		    const char *how);
void		 sim_check_established(struct sim *s, struct sim_peer *p);
void		 sim_check_acked(struct sim *s, const struct sim_write *w);
int		 sim_check_converged(struct sim *s);
void		 sim_check_final(struct sim *s);

#endif
