/*
 * One ensemble member's replication state as one pure state machine:
 * FastLeaderElection (elect.h) while LOOKING, ZAB (zab.h) once a leader
 * is decided, and back to the election when ZAB gives up. The peer's I/O
 * shell and the deterministic simulator (tests/sim) both drive this, so
 * the simulator tests the same code the real peers run.
 *
 *   LOOKING --elect decides--> LEADING | FOLLOWING | OBSERVING
 *      ^                               |
 *      +------ zab gives up (reason) --+
 *
 * Invariants:
 *  (1) Election notifications are always answered (by the election
 *      machine, which keeps its decision while not LOOKING).
 *  (2) ZAB events reach ZAB only outside LOOKING; while LOOKING, a ZAB
 *      message is answered by closing its link, so the learner retries
 *      once this peer has decided.
 *  (3) Entering LOOKING starts an election with ZAB's current epoch and
 *      last logged zxid.
 */
#ifndef ZK_QUORUM_H
#define ZK_QUORUM_H

#include <stddef.h>
#include <stdint.h>

#include "elect.h"
#include "zab.h"

struct zk_quorum_config {
	struct zk_zab_config zab;	/* members, limits, window */
	int		 settle_ms;	/* election: wait for a better vote */
	int		 resend_ms;	/* election: first resend of own vote */
};

enum zk_quorum_event_type {
	ZK_QUORUM_EV_BOOT = 1,	/* start: run the first election */
	ZK_QUORUM_EV_NOTE,	/* an election notification (note) */
	ZK_QUORUM_EV_ZAB,	/* a ZAB event (zab; not START) */
};

struct zk_quorum_event {
	int		 type;		/* enum zk_quorum_event_type */
	int64_t		 now_ms;
	struct zk_elect_note note;	/* NOTE */
	struct zk_zab_event zab;	/* ZAB; zab.now_ms is set from now_ms */
};

/*
 * What a step asks for: notifications for the election port, then ZAB's
 * actions (quorum port, log, epochs, tree) in order. zk_quorum_step
 * empties it first; zk_quorum_out_close frees it.
 */
struct zk_quorum_out {
	struct zk_elect_out elect;
	struct zk_zab_out zab;
	int		 state;		/* after the step: enum zk_peer_state */
	int		 leader;	/* sid of the leader, 0 while LOOKING */
	int		 serving;	/* 1: may serve clients */
	int64_t		 epoch;		/* ZAB's epoch, -1 while LOOKING */
	int		 changed;	/* 1: state or serving changed */
	char		 reason[160];	/* why ZAB gave up, when it did */
	int64_t		 round;		/* election round now */
	int64_t		 deadline_ms;	/* the earlier of both; -1 none */
};

struct zk_quorum;

/* See zk_zab_new; the election's settings come from cfg too. */
struct zk_quorum *zk_quorum_new(const struct zk_quorum_config *cfg,
		    const struct zk_zab_persisted *p);
void		 zk_quorum_free(struct zk_quorum *q);

/* Before BOOT: the log's recent txns, as zk_zab_load. */
void		 zk_quorum_load(struct zk_quorum *q, int64_t zxid,
		    const void *data, size_t len);

void		 zk_quorum_step(struct zk_quorum *q,
		    const struct zk_quorum_event *ev, struct zk_quorum_out *out);
void		 zk_quorum_out_close(struct zk_quorum_out *out);

/* The ZAB machine, for next_zxid and the status figures. */
const struct zk_zab *zk_quorum_zab(const struct zk_quorum *q);

/* The election machine, for the votes behind a decision (zk_elect_votes). */
const struct zk_elect *zk_quorum_elect(const struct zk_quorum *q);

#endif
