/*
 * FastLeaderElection on one peer, as a state machine: fed with the
 * notifications other peers send and with the time, it returns the
 * notifications to send and, once it has decided, the leader. No sockets,
 * no clock, no files in here (share/doc/replication.md "Election").
 *
 * A vote names a leader by (sid, its last logged zxid, its current epoch)
 * and votes order by epoch, then zxid, then sid: larger wins. A
 * notification carries the sender's vote, its election round and its
 * state. While LOOKING a peer proposes the best vote it has seen in its
 * round and decides when a quorum of voters proposes the same; a peer that
 * has decided keeps answering LOOKING peers with its decision, so that
 * late peers join an established leader.
 *
 * Invariants:
 *  (1) In one round a peer's proposal only grows: it adopts a vote only if
 *      it orders above the one it proposes.
 *  (2) A decision from LOOKING votes needs a quorum of voters whose latest
 *      vote in this round equals the proposal, and settle_ms with no
 *      better vote after that quorum was first seen.
 *  (3) Joining an established leader needs a quorum of voters reporting
 *      (FOLLOWING or LEADING) the same leader and that leader itself
 *      reporting LEADING.
 *  (4) Observers never count towards a quorum and a vote for an observer
 *      is never adopted; an observer decides only by (3).
 */
#ifndef ZK_ELECT_H
#define ZK_ELECT_H

#include <stddef.h>
#include <stdint.h>

#define ZK_ELECT_MAX_PEERS	32	/* as ZK_MAX_SERVERS */

enum zk_peer_state {
	ZK_LOOKING = 0,
	ZK_FOLLOWING,
	ZK_LEADING,
	ZK_OBSERVING,
};

struct zk_vote {
	int		 leader;	/* sid of the proposed leader */
	int64_t		 zxid;		/* its last logged zxid */
	int64_t		 epoch;		/* its current epoch (peer epoch) */
};

/* A notification: what one peer tells another. */
struct zk_elect_note {
	int		 sid;		/* the sender */
	int		 state;		/* the sender's enum zk_peer_state */
	int64_t		 round;		/* the sender's election round */
	struct zk_vote	 vote;		/* the sender's current vote */
};

struct zk_elect_config {
	int		 myid;
	int		 sids[ZK_ELECT_MAX_PEERS];	/* every member, myid too */
	int		 observer[ZK_ELECT_MAX_PEERS];	/* 1: sids[i] has no vote */
	size_t		 nsids;
	int		 settle_ms;	/* wait for a better vote, 200 */
	int		 resend_ms;	/* first resend of the own vote, 200;
					   doubles up to 60 s while undecided */
};

enum zk_elect_event_type {
	ZK_ELECT_EV_START = 1,	/* enter LOOKING with epoch and zxid */
	ZK_ELECT_EV_NOTE,	/* a notification arrived */
	ZK_ELECT_EV_TIMER,	/* the deadline passed (or any time) */
};

struct zk_elect_event {
	int		 type;		/* enum zk_elect_event_type */
	int64_t		 now_ms;	/* monotonic time of the event */
	int64_t		 epoch;		/* START: own current epoch */
	int64_t		 zxid;		/* START: own last logged zxid */
	struct zk_elect_note note;	/* NOTE */
};

struct zk_elect_send {
	int		 to;		/* sid */
	struct zk_elect_note note;
};

/* What a step asks for; zk_elect_step fills it from empty. */
struct zk_elect_out {
	struct zk_elect_send sends[2 * ZK_ELECT_MAX_PEERS];
	size_t		 nsends;
	int		 decided;	/* 1: the step decided (once per START) */
	int		 state;		/* after the step: enum zk_peer_state */
	struct zk_vote	 vote;		/* decided: the leader's vote */
	int64_t		 round;		/* after the step */
	int64_t		 deadline_ms;	/* call again with TIMER then; -1 none */
};

struct zk_elect;

/* Checks cfg (myid among sids, sids distinct and > 0); NULL if bad. */
struct zk_elect	*zk_elect_new(const struct zk_elect_config *cfg);
void		 zk_elect_free(struct zk_elect *el);

/*
 * One event in, what to do out. A START begins a new round (LOOKING, a
 * vote for itself sent to every voter); a NOTE from an unknown sid is
 * ignored. Before the first START the peer answers nobody.
 */
void		 zk_elect_step(struct zk_elect *el,
		    const struct zk_elect_event *ev, struct zk_elect_out *out);

/*
 * The ensemble has moved on without a new election: the peer stays in
 * state (FOLLOWING, LEADING, OBSERVING) with vote and answers LOOKING
 * peers so. Used when ZAB learns the leader's epoch after the decision.
 */
void		 zk_elect_settled(struct zk_elect *el, int state,
		    const struct zk_vote *vote);

/*
 * The votes that stand behind the current proposal or decision, for the
 * peer's log: after a decision by (3), the FOLLOWING/LEADING notes that
 * name the leader; otherwise this peer's own note and the latest vote each
 * member sent in this round (each as a LOOKING note of this round). In
 * member order, at most max of them into out; returns how many.
 */
size_t		 zk_elect_votes(const struct zk_elect *el,
		    struct zk_elect_note *out, size_t max);

/* 1 if a orders above b (epoch, then zxid, then sid). */
int		 zk_vote_better(const struct zk_vote *a, const struct zk_vote *b);

const char	*zk_peer_state_name(int state);	/* "looking", ... */

#endif
