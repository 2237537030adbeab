/*
 * ZAB on one peer: discovery, synchronisation and broadcast, as a state
 * machine fed with events (a message from a peer, a link up or down, the
 * log durable up to a zxid, a txn applied, the time) that returns the
 * actions to take: messages to send, records to log, epochs to persist,
 * entries to apply. No sockets, no files, no clock in here
 * (share/doc/replication.md "ZAB").
 *
 * Roles after an election: LEADER, FOLLOWER (a voter), OBSERVER (a learner
 * without a vote). A machine that gives up (no quorum, no leader, a
 * protocol error, a digest that differs) goes back to NONE and says why;
 * the caller then runs an election and STARTs it again.
 *
 *   leader:   WAIT_INFO -> (quorum of FOLLOWERINFO) persist acceptedEpoch,
 *             LEADERINFO -> WAIT_ACKEPOCH -> (quorum of ACKEPOCH) sync each
 *             learner: DIFF | TRUNC+DIFF | SNAP+DIFF, NEWLEADER ->
 *             (quorum of ACKNEWLEADER) commit the new epoch's history,
 *             UPTODATE -> BROADCAST
 *   learner:  CONNECTING -> FOLLOWERINFO -> (LEADERINFO) persist
 *             acceptedEpoch, ACKEPOCH -> SYNCING: TRUNC | DIFF | SNAP,
 *             PROPOSALs logged -> (NEWLEADER, everything durable) persist
 *             currentEpoch, ACKNEWLEADER -> (UPTODATE) BROADCAST
 *
 * Invariants (each has a test in tests/unit/test_zab.c):
 *  (1) A proposal is ACKed only once it is known durable: a DURABLE
 *      event covers it, or a TRUNCATE or INSTALL_SNAP at or above it
 *      (both leave everything up to their zxid on disk).
 *  (2) acceptedEpoch is persisted (an action before the send) before
 *      ACKEPOCH or LEADERINFO is sent.
 *  (3) A learner persists currentEpoch only after every proposal of the
 *      sync is durable, and ACKs NEWLEADER only after that.
 *  (4) A learner's log has no hole: it logs a txn (PROPOSAL or INFORM)
 *      only if the txn's prev, the zxid before it in the leader's history,
 *      is exactly its own last logged zxid, and the txn's zxid continues
 *      it (within an epoch the counter goes up by one, a new epoch starts
 *      at counter 1). Anything else (a gap, a repeat, a step back, a txn
 *      reordered across an epoch boundary) is a protocol error that ends
 *      the session, never patched over.
 *  (5) A learner whose last zxid is not in the leader's history is
 *      TRUNCated to the last zxid they share; after a TRUNC the learner's
 *      last zxid must be exactly that, or it asks for a SNAP.
 *  (6) Commits happen in zxid order, only for zxids a quorum of voters
 *      (the leader's own DURABLE counting) has made durable, and APPLY
 *      actions come in zxid order with nothing uncommitted.
 *  (7) A learner whose digest after applying zxid z differs from the
 *      leader's for z leaves (NONE, reason given) and asks for a SNAP.
 *  (8) A SYNC_DONE action for a sync barrier comes only after a quorum of
 *      voters (the leader counting) echoed a heartbeat round the leader
 *      sent after the barrier arrived, so a deposed leader never answers
 *      one; and after the APPLY and the COMMIT / INFORM sends of every txn
 *      proposed before the barrier (zab_sync.c).
 */
#ifndef ZK_ZAB_H
#define ZK_ZAB_H

#include <stddef.h>
#include <stdint.h>

#define ZK_ZAB_MAX_PEERS	32	/* as ZK_MAX_SERVERS */

#define ZK_ZXID_OF(epoch, counter) \
	((int64_t)(((uint64_t)(epoch) << 32) | (uint32_t)(counter)))
#define ZK_ZXID_EPOCH_OF(zxid)	((int64_t)((uint64_t)(zxid) >> 32))
#define ZK_ZXID_COUNTER_OF(zxid) ((int64_t)((uint64_t)(zxid) & 0xffffffffu))

enum zk_zab_role {
	ZK_ZAB_NONE = 0,	/* looking: not started or given up */
	ZK_ZAB_LEADER,
	ZK_ZAB_FOLLOWER,
	ZK_ZAB_OBSERVER,
};

enum zk_zab_phase {
	ZK_ZAB_DISCOVERY = 1,	/* leader: epoch; learner: connect, epoch */
	ZK_ZAB_SYNC,		/* history being brought in line */
	ZK_ZAB_BROADCAST,	/* serving: UPTODATE seen / quorum acked */
};

/* Messages between peers on the quorum port (protocol.md has the wire). */
enum zk_zab_msg_type {
	ZK_ZAB_FOLLOWERINFO = 1, /* L<-l: epoch = acceptedEpoch, zxid = last
				    logged, flags: OBSERVER, WANT_SNAP */
	ZK_ZAB_LEADERINFO,	/* L->l: epoch = the new epoch */
	ZK_ZAB_ACKEPOCH,	/* L<-l: epoch = currentEpoch, zxid = last logged */
	ZK_ZAB_DIFF,		/* L->l: zxid = learner's last; entries follow */
	ZK_ZAB_TRUNC,		/* L->l: cut the log after zxid; entries follow */
	ZK_ZAB_SNAP,		/* L->l: data = the tree at zxid (the shell's
				   bytes); entries after zxid follow */
	ZK_ZAB_PROPOSAL,	/* L->f: zxid, data = the txn; prev */
	ZK_ZAB_COMMIT,		/* L->f: everything up to zxid is committed;
				   zxid2, digest: the leader's tree after
				   applying zxid2 (0 if none yet) */
	ZK_ZAB_INFORM,		/* L->o: a committed txn: zxid, data;
				   prev; zxid2, digest as in COMMIT */
	ZK_ZAB_NEWLEADER,	/* L->l: epoch; zxid = the last of the sync */
	ZK_ZAB_ACKNEWLEADER,	/* L<-l: epoch; zxid = as in NEWLEADER */
	ZK_ZAB_UPTODATE,	/* L->l: zxid: commit up to it, start serving */
	ZK_ZAB_ACK,		/* L<-f: everything up to zxid is durable */
	ZK_ZAB_PING,		/* both ways; from L: zxid = commit point,
				   zxid2, digest as in COMMIT, prev = the
				   heartbeat round; a learner's answer
				   echoes prev (8) */
	/*
	 * The shell's own messages, on the same ordered link; the machine
	 * never sees them (share/doc/replication.md "Clients on every
	 * server").
	 */
	ZK_ZAB_FWD_REQUEST,	/* L<-l: a client's write to propose:
				   zxid = the learner's request number,
				   data = the txn (zxid and time unset) */
	ZK_ZAB_FWD_ACCEPTED,	/* L->l: zxid = the zxid given to the
				   learner's next request, -1: refused;
				   prev = its request number */
	ZK_ZAB_FWD_SYNC,	/* L<-l: a client's sync; zxid = its tag */
	ZK_ZAB_FWD_SYNCED,	/* L->l: the sync tagged zxid is done */
	ZK_ZAB_FWD_SESSIONS,	/* L<-l: data = the sessions heard from
				   since the last one (msgpack array) */
};
#define ZK_ZAB_MSG_LAST	ZK_ZAB_FWD_SESSIONS

#define ZK_ZAB_F_OBSERVER	0x1	/* FOLLOWERINFO: a learner without a vote */
#define ZK_ZAB_F_WANT_SNAP	0x2	/* FOLLOWERINFO: send a SNAP, not a DIFF */

struct zk_zab_msg {
	int		 type;		/* enum zk_zab_msg_type */
	int		 flags;		/* ZK_ZAB_F_* */
	int64_t		 epoch;
	int64_t		 zxid;
	int64_t		 prev;		/* PROPOSAL, INFORM: the zxid before
					   zxid in the leader's history (for
					   the first txn of a sync, the DIFF,
					   TRUNC or SNAP zxid); 0 elsewhere.
					   (4): the learner's last must be it */
	int64_t		 zxid2;
	uint64_t	 digest;
	const void	*data;		/* borrowed; see the event/action */
	size_t		 len;
};

struct zk_zab_config {
	int		 myid;
	int		 sids[ZK_ZAB_MAX_PEERS];	/* every member, myid too */
	int		 observer[ZK_ZAB_MAX_PEERS];	/* 1: sids[i] has no vote */
	size_t		 nsids;
	int		 tick_ms;	/* tickTime */
	int		 init_limit;	/* ticks for discovery + sync */
	int		 sync_limit;	/* ticks of silence a link may have */
	size_t		 window;	/* committed entries kept for DIFF;
					   a learner further behind gets SNAP */
};

/* What the data directory held at start (after recovery). */
struct zk_zab_persisted {
	int64_t		 accepted_epoch;	/* -1: none */
	int		 accepted_leader;	/* sid that epoch came from, 0 */
	int64_t		 current_epoch;		/* -1: none */
	int64_t		 last_zxid;	/* last record in the log (or snapshot) */
	int64_t		 base_zxid;	/* the zxid the first zk_zab_load'ed
					   txn follows: the snapshot's, 0 for
					   an empty data dir */
	int64_t		 applied_zxid;	/* what the shell's tree holds; after a
					   restart the whole log is applied */
};

enum zk_zab_event_type {
	ZK_ZAB_EV_START = 1,	/* begin in role with leader (after election) */
	ZK_ZAB_EV_CONNECTED,	/* the link to sid is up (either side) */
	ZK_ZAB_EV_DISCONNECTED,	/* the link to sid broke or was closed */
	ZK_ZAB_EV_MSG,		/* msg arrived from sid on its link */
	ZK_ZAB_EV_DURABLE,	/* every record logged up to zxid is durable;
				   one not above what the machine counts
				   durable already changes nothing */
	ZK_ZAB_EV_LOG_FAILED,	/* the record zxid (and later) did not reach
				   the disk */
	ZK_ZAB_EV_APPLIED,	/* the shell applied zxid; digest of its tree */
	ZK_ZAB_EV_PROPOSE,	/* leader: a new txn, zxid from
				   zk_zab_next_zxid, data = its bytes */
	ZK_ZAB_EV_TIMER,	/* the deadline passed (or any time) */
	ZK_ZAB_EV_SYNC,		/* leader: a sync barrier; sid = the member
				   whose client asked, zxid = its tag. A
				   SYNC_DONE with both follows (8), unless the
				   machine gives up first */
};

struct zk_zab_event {
	int		 type;		/* enum zk_zab_event_type */
	int64_t		 now_ms;	/* monotonic time of the event */
	int		 sid;		/* START: the leader; link events, MSG: peer */
	int		 role;		/* START: enum zk_zab_role */
	int64_t		 zxid;		/* DURABLE, LOG_FAILED, APPLIED, PROPOSE;
					   SYNC: the tag */
	uint64_t	 digest;	/* APPLIED */
	const void	*data;		/* PROPOSE: copied by the machine */
	size_t		 len;
	struct zk_zab_msg msg;		/* MSG: data is copied if kept */
};

/*
 * Actions, to be done in order. SEND, LOG and CONNECT/CLOSE may complete
 * later; PERSIST_EPOCH, TRUNCATE and INSTALL_SNAP are done (durably)
 * before the actions after them.
 */
enum zk_zab_action_type {
	ZK_ZAB_SEND = 1,	/* msg to sid */
	ZK_ZAB_SEND_SNAP,	/* a SNAP of the shell's tree to sid; the tree
				   is at zxid now (the machine's applied) */
	ZK_ZAB_CONNECT,		/* open the link to sid (learner to leader) */
	ZK_ZAB_CLOSE,		/* close the link to sid */
	ZK_ZAB_LOG,		/* append the txn zxid, data to the log;
				   a DURABLE or LOG_FAILED event follows */
	ZK_ZAB_PERSIST_ACCEPTED, /* acceptedEpoch = epoch, from leader sid */
	ZK_ZAB_PERSIST_CURRENT,	/* currentEpoch = epoch */
	ZK_ZAB_TRUNCATE,	/* wait for pending LOGs, cut the log after
				   zxid, drop snapshots after zxid, and
				   rebuild the tree at zxid if it is ahead.
				   Since the pending LOGs are written first,
				   the machine counts the log durable up to
				   zxid from here on: the shell owes no
				   DURABLE for it (one at or below zxid
				   changes nothing) */
	ZK_ZAB_INSTALL_SNAP,	/* replace tree and log with the snapshot
				   data at zxid, durably; the machine counts
				   the log durable up to zxid from here on,
				   as after TRUNCATE */
	ZK_ZAB_APPLY,		/* apply the committed txn zxid, data */
	ZK_ZAB_ROLE,		/* role and phase changed (see out) */
	ZK_ZAB_SYNC_DONE,	/* the sync barrier of member sid tagged
				   zxid is done (8) */
};

struct zk_zab_action {
	int		 type;		/* enum zk_zab_action_type */
	int		 sid;		/* SEND, SEND_SNAP, CONNECT, CLOSE,
					   PERSIST_ACCEPTED, SYNC_DONE */
	int64_t		 epoch;		/* PERSIST_* */
	int64_t		 zxid;		/* LOG, TRUNCATE, INSTALL_SNAP, APPLY,
					   SEND_SNAP; SYNC_DONE: the tag */
	const void	*data;		/* LOG, INSTALL_SNAP, APPLY; borrowed
					   until the next step */
	size_t		 len;
	struct zk_zab_msg msg;		/* SEND; msg.data borrowed likewise */
};

/*
 * What a step asks for. zk_zab_step empties it first; the action array
 * grows as needed and is the caller's to free with zk_zab_out_close.
 */
struct zk_zab_out {
	struct zk_zab_action *v;
	size_t		 n, cap;
	int		 role;		/* after the step: enum zk_zab_role */
	int		 phase;		/* enum zk_zab_phase; 0 with NONE */
	int		 serving;	/* 1: reads and writes may be served */
	int64_t		 epoch;		/* the epoch being led or followed */
	char		 reason[160];	/* set when the step gave up: why */
	int64_t		 deadline_ms;	/* call again with TIMER then; -1 none */
};

struct zk_zab;

/*
 * cfg as for elect; p is what recovery found. The machine starts in NONE.
 * Returns NULL if cfg is bad.
 */
struct zk_zab	*zk_zab_new(const struct zk_zab_config *cfg,
		    const struct zk_zab_persisted *p);
void		 zk_zab_free(struct zk_zab *z);

/*
 * Hands the machine a txn of the log, in zxid order, before the first
 * START: the recent history it may need for a DIFF (only the last
 * cfg->window are kept). Copies data.
 */
void		 zk_zab_load(struct zk_zab *z, int64_t zxid, const void *data,
		    size_t len);

void		 zk_zab_step(struct zk_zab *z, const struct zk_zab_event *ev,
		    struct zk_zab_out *out);

void		 zk_zab_out_close(struct zk_zab_out *out);

/* The zxid the next PROPOSE must carry; -1 unless leading and serving. */
int64_t		 zk_zab_next_zxid(const struct zk_zab *z);

/* For status and for the election: epochs and zxids now. */
int64_t		 zk_zab_current_epoch(const struct zk_zab *z);
int64_t		 zk_zab_last_zxid(const struct zk_zab *z);	/* logged */
int64_t		 zk_zab_committed_zxid(const struct zk_zab *z);
/*
 * Leader: followers (observers: 0) or observers (1) linked and up to
 * date (UPTODATE sent); 0 on any other member.
 */
int		 zk_zab_learners_synced(const struct zk_zab *z, int observers);

#ifdef ZK_PLANTED_BUGS
/*
 * Test builds only (the simulator's planted-bug run): deliberately broken
 * behaviour, to show that the simulator's checks catch it.
 */
enum zk_zab_bug {
	ZK_ZAB_BUG_NONE = 0,
	ZK_ZAB_BUG_ACK_BEFORE_DURABLE,	/* breaks (1): ACK on receipt */
	ZK_ZAB_BUG_DIFF_DIVERGED,	/* breaks (5): DIFF, never TRUNC */
	ZK_ZAB_BUG_COMMIT_MINORITY,	/* breaks (6): commit on one ACK */
};
extern int	 zk_zab_planted_bug;	/* an enum zk_zab_bug */
#endif

const char	*zk_zab_msg_name(int type);	/* "PROPOSAL", ... */
const char	*zk_zab_role_name(int role);	/* "leader", ... */

#endif
