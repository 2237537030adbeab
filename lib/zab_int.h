/*
 * What the three parts of the ZAB machine share: the machine itself
 * (struct zk_zab), the leader's record of each learner, the learner's
 * link to its leader, and the helpers more than one part calls. Internal
 * to zab.c (entry points, dispatch, window, digests, timers, give-up),
 * zab_leader.c (discovery, sync and broadcast on the leader) and
 * zab_learner.c (the same on a learner); the public face is zab.h.
 *
 * Invariants:
 *  (1) Only zk_zab_step sets z->out: every function that adds an action
 *      (zk_zab_act and all that call it) runs inside a step.
 *  (2) The window holds every txn in (base, last] and its bytes live
 *      until the step after they leave it (zab.c (8), (9)): a role file
 *      may hand out a window txn's data in an action, never free it.
 */
#ifndef ZK_ZAB_INT_H
#define ZK_ZAB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "zab.h"

#ifdef ZK_PLANTED_BUGS
#define BUG(b)	(zk_zab_planted_bug == (b))
#endif

#define RING		1024		/* (zxid, digest) pairs kept */
#define COUNTER_LAST	0xffffffffLL	/* a zxid counter never used */

/* One txn of the window: a copy of its bytes. */
struct txn {
	int64_t		 zxid;
	void		*data;		/* owned, never NULL */
	size_t		 len;
};

/* The leader's view of one learner. */
enum rphase {
	RP_NONE = 0,	/* no FOLLOWERINFO on this link */
	RP_INFO,	/* FOLLOWERINFO in, the epoch not chosen yet */
	RP_LEADERINFO,	/* LEADERINFO sent */
	RP_ACKEPOCH,	/* ACKEPOCH in, waiting for the leader to sync */
	RP_SYNCED,	/* sync stream queued: in the forwarding set */
	RP_ACKED,	/* ACKNEWLEADER in: its ACKs count */
	RP_UPTODATE,	/* UPTODATE sent */
};

struct rec {
	int		 linked;	/* a link to this sid is up */
	int		 phase;		/* enum rphase */
	int		 observer;	/* no vote (config or its flag) */
	int		 flags;		/* FOLLOWERINFO flags */
	int64_t		 info_epoch;	/* FOLLOWERINFO: its acceptedEpoch */
	int64_t		 info_zxid;	/* FOLLOWERINFO: its last logged */
	int64_t		 last;		/* ACKEPOCH: its last logged */
	int64_t		 nl_zxid;	/* the NEWLEADER zxid it was sent */
	int64_t		 sent;		/* last zxid of its stream */
	int64_t		 acked;		/* durable there (after ACKNEWLEADER) */
	int64_t		 heard_ms;	/* its last message */
	int64_t		 hb;		/* highest heartbeat round echoed */
};

/* A sync waiting for leadership proof and its txns (zab_sync.c). */
struct barrier {
	int		 sid;		/* whose client asked */
	int64_t		 tag;		/* theirs, given back */
	int64_t		 after;		/* last txn proposed before it */
	int64_t		 round;		/* heartbeat round that proves it */
};

/* A learner's link to its leader. */
enum link {
	LS_NONE = 0,	/* not a learner */
	LS_CONNECTING,	/* CONNECT issued */
	LS_RETRY,	/* down; CONNECT again at retry_ms */
	LS_WAIT_INFO,	/* FOLLOWERINFO sent */
	LS_WAIT_SYNC,	/* ACKEPOCH sent */
	LS_SYNCING,	/* DIFF, TRUNC or SNAP in; txns until NEWLEADER */
	LS_WAIT_DURABLE, /* NEWLEADER in; waiting for the sync's DURABLE */
	LS_WAIT_UPTODATE, /* ACKNEWLEADER sent */
	LS_BROADCAST,	/* UPTODATE in */
};

struct zk_zab {
	struct zk_zab_config cfg;
	int		 nvoters;
	int		 quorum;	/* strict majority of voters */
	int		 voter;		/* 1: myid has a vote */

	/* Durable state, as persisted (with the PERSIST actions). */
	int64_t		 accepted_epoch;
	int		 accepted_leader;
	int64_t		 current_epoch;

	/* The log and the tree as far as this machine asked for them. */
	int64_t		 last;		/* last zxid a LOG was issued for */
	int64_t		 durable;	/* DURABLE events up to here */
	int64_t		 applied;	/* last zxid an APPLY was issued for */
	int64_t		 committed;	/* known committed (and logged) */
	int64_t		 base;		/* the zxid before the oldest kept */
	struct txn	*w;		/* window: valid in [woff, wn) */
	size_t		 woff, wn, wcap;

	/* Digests: the shell's APPLIED events and the leader's pairs. */
	int64_t		 rz[RING];	/* ring of (zxid, digest), ascending */
	uint64_t	 rd[RING];
	size_t		 rh, rn;	/* oldest index, count */
	int64_t		 apz;		/* latest APPLIED zxid, or baseline */
	int64_t		 my_z;		/* latest APPLIED event: zxid */
	uint64_t	 my_d;		/* and digest */
	int64_t		 pend_z;	/* leader's pair not applied here yet */
	uint64_t	 pend_d;
	int		 want_snap;	/* ask for a SNAP next time (5), (7) */

	/* The session. */
	int		 role;		/* enum zk_zab_role */
	int		 phase;		/* enum zk_zab_phase, 0 with NONE */
	int		 serving;
	int		 leader;	/* sid led or followed */
	int64_t		 epoch;		/* chosen / accepted new epoch, -1 */
	int64_t		 init_ms;	/* discovery + sync must end by then */
	int64_t		 ping_ms;	/* leader: next pings */
	int64_t		 retry_ms;	/* learner: next CONNECT */
	int64_t		 retry_iv;	/* learner: the wait before the one
					   after, doubling up to half a tick */
	int64_t		 heard_ms;	/* learner: last message of leader */
	int64_t		 next_zxid;	/* leader serving: next PROPOSE */
	char		 reason[160];

	/* Leader (zab_leader.c). */
	struct rec	 recs[ZK_ZAB_MAX_PEERS];	/* as cfg.sids */
	int		 acked_epoch[ZK_ZAB_MAX_PEERS]; /* ACKEPOCHed ours */
	int		 chosen;	/* the new epoch is chosen */
	int		 synced;	/* currentEpoch persisted, syncing */
	int64_t		 est_last;	/* L: the new epoch's initial history */

	/* Learner (zab_learner.c). */
	int		 ls;		/* enum link */
	int64_t		 sync_last;	/* NEWLEADER's zxid */
	int64_t		 commit_z;	/* highest COMMIT/UPTODATE/INFORM */
	int		 acked_nl;	/* ACKNEWLEADER sent */
	int64_t		 last_ack;	/* last ACK (or ACKNEWLEADER) zxid */

	/* Leader: sync barriers and heartbeat rounds (zab_sync.c). */
	struct barrier	*bar;		/* waiting, in arrival order */
	size_t		 nbar, capbar;
	int64_t		 hb_sent;	/* last heartbeat round sent */
	int64_t		 hb_done;	/* highest round a quorum echoed */

	/* One step. */
	struct zk_zab_out *out;
	int64_t		 now;
	int		 gave_up;
	void		**dead;		/* graveyard, freed at the next step */
	size_t		 ndead, capdead;
};

/* Small helpers: sids, time, the window's slots. */

/* Index of sid in cfg.sids, -1 if it is no member. */
static inline int
idx(const struct zk_zab *z, int sid)
{
	size_t	 i;

	for (i = 0; i < z->cfg.nsids; i++)
		if (z->cfg.sids[i] == sid)
			return (int)i;
	return -1;
}

static inline int64_t
half_tick(const struct zk_zab *z)
{
	return z->cfg.tick_ms / 2 > 0 ? z->cfg.tick_ms / 2 : 1;
}

static inline int64_t
sync_ms(const struct zk_zab *z)
{
	return (int64_t)z->cfg.sync_limit * z->cfg.tick_ms;
}

static inline int
is_learner(const struct zk_zab *z)
{
	return z->role == ZK_ZAB_FOLLOWER || z->role == ZK_ZAB_OBSERVER;
}

/* A voter learner, by the config or its own word. */
static inline int
rec_votes(const struct zk_zab *z, int i)
{
	return !z->cfg.observer[i] && !z->recs[i].observer &&
	    z->cfg.sids[i] != z->cfg.myid;
}

static inline size_t
wcount(const struct zk_zab *z)
{
	return z->wn - z->woff;
}

static inline struct txn *
wat(const struct zk_zab *z, size_t i)
{
	return &z->w[z->woff + i];
}

/* The zxid before the window's txn i in this history: (8) makes it the
 * txn before, or base for the first. */
static inline int64_t
wprev(const struct zk_zab *z, size_t i)
{
	return i > 0 ? wat(z, i - 1)->zxid : z->base;
}

/* zab.c: memory, the window, the ring, actions, giving up. */

/* (9): frees p at the start of the next step. */
void		 zk_zab_bury(struct zk_zab *z, void *p);

/* Index of the first window txn above zxid (wcount if none). */
size_t		 zk_zab_wupper(const struct zk_zab *z, int64_t zxid);
/* 1 if the window holds zxid. */
int		 zk_zab_wholds(const struct zk_zab *z, int64_t zxid);
/* The largest zxid of this history below zxid: a window txn or base. */
int64_t		 zk_zab_wbelow(const struct zk_zab *z, int64_t zxid);
/* Drops window txns above zxid; their bytes outlive this step (9). */
void		 zk_zab_wcut(struct zk_zab *z, int64_t zxid);

/* Drops the ring's pairs above zxid. */
void		 zk_zab_ring_cut(struct zk_zab *z, int64_t zxid);
/* 1 and *digest if the ring holds a pair for zxid. */
int		 zk_zab_ring_find(const struct zk_zab *z, int64_t zxid,
		    uint64_t *digest);

/*
 * The k-th largest value among the voters that count for a quorum: mine
 * (if this member votes) and each voter learner linked and past
 * ACKNEWLEADER, read by value(); -1 when fewer than k count. With k the
 * quorum, it is what a quorum has reached: the commit point (ACKs), the
 * heartbeat round confirmed (zab_sync.c).
 */
int64_t		 zk_zab_voters_kth(const struct zk_zab *z, int64_t mine,
		    int64_t (*value)(const struct rec *), size_t k);

/* Appends an action of type to the step's out; returns it zeroed. */
struct zk_zab_action *zk_zab_act(struct zk_zab *z, int type);
/* A SEND of type to sid; fill the message before the next action. */
struct zk_zab_msg *zk_zab_post(struct zk_zab *z, int sid, int type);
/* CLOSE the link to sid and forget its record's phase. */
void		 zk_zab_close_link(struct zk_zab *z, int sid);
/* Copies the txn into the window and LOGs it; last = zxid. */
void		 zk_zab_log_txn(struct zk_zab *z, int64_t zxid,
		    const void *data, size_t len);
/* (6): APPLY, in order, the window txns in (applied, min(c, last)]. */
void		 zk_zab_apply_to(struct zk_zab *z, int64_t c);
/* Closes every link this machine knows of, back to NONE, says why. */
void		 zk_zab_give_up(struct zk_zab *z, int want_snap,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* zab_leader.c: the leader's side, entered from zk_zab_step. */
void		 zk_zab_lead_start(struct zk_zab *z);
void		 zk_zab_lead_msg(struct zk_zab *z, int i,
		    const struct zk_zab_msg *m);
void		 zk_zab_lead_durable(struct zk_zab *z);
void		 zk_zab_lead_propose(struct zk_zab *z,
		    const struct zk_zab_event *ev);
void		 zk_zab_lead_timer(struct zk_zab *z);

/* zab_sync.c: sync barriers on the serving leader (zab.h (8)). */
void		 zk_zab_sync_reset(struct zk_zab *z);
void		 zk_zab_sync_add(struct zk_zab *z, int sid, int64_t tag);
void		 zk_zab_sync_echo(struct zk_zab *z, int i, int64_t round);
void		 zk_zab_sync_run(struct zk_zab *z);

/* zab_learner.c: the learner's side, likewise. */
void		 zk_zab_learn_start(struct zk_zab *z, int leader);
void		 zk_zab_learn_connected(struct zk_zab *z);
void		 zk_zab_learn_disconnected(struct zk_zab *z, int sid);
void		 zk_zab_learn_msg(struct zk_zab *z, const struct zk_zab_msg *m);
void		 zk_zab_learn_durable(struct zk_zab *z);
void		 zk_zab_learn_timer(struct zk_zab *z);

#endif
