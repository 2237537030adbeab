/*
 * What the parts of a running peer share: the peer itself, its client
 * connections, the proposals in flight, and the ensemble member's shell.
 * Internal to server.c, conn.c, pipeline.c and replica.c; the public face
 * is server.h.
 *
 * The request pipeline (DESIGN.md "Request pipeline"):
 *
 *   conn.c            pipeline.c                       conn.c
 *   read frame -> prep (validate, build txn, zxid) -> log -> commit on a
 *                 quorum -> apply to the db -> reply on the origin
 *                 connection
 *
 * Standalone, the log writer's durable copy is the whole quorum
 * (pipeline.c counts it). In an ensemble, replica.c hands the txn to the
 * ZAB machine (zk_quorum) as a PROPOSE and the machine says when to
 * APPLY it; the pipeline then applies it exactly as standalone does. On
 * a follower or observer, forward.c sends the prepped txn to the leader
 * (REQUEST), learns its zxid (ACCEPTED) and the pipeline answers when
 * that zxid is applied here.
 *
 * Invariants:
 *  (1) Proposals are committed and applied in zxid order, and only after
 *      a quorum (the leader's own durable copy counts) acknowledged them.
 *  (2) A connection answers its requests in arrival order: a read waits
 *      behind the same connection's earlier writes (FIFO client order).
 *  (3) A connection holds at most cfg.max_outstanding requests, and at
 *      most OUT_HIGH bytes of unread replies (plus one reply); beyond that
 *      it stops reading and answering until its client catches up.
 *  (4) In an ensemble, client requests other than status are taken only
 *      while this member serves (s->serving: leading, following or
 *      observing, with ZAB in broadcast); when it stops serving, every
 *      client connection is closed and every proposal and sync dropped.
 *  (5) A sync is answered only once every txn proposed before it arrived
 *      has been applied here; in an ensemble also only after the leader
 *      proved, after the sync reached it, that it still leads (zab.h (8)).
 *  (6) A learner's forwarded proposals are in the order sent, which is
 *      the order the leader gives them zxids: those with a zxid (from
 *      ACCEPTED) first, ascending, then those still waiting for one
 *      (zxid ZK_ZXID_PENDING).
 */
#ifndef ZK_PEER_H
#define ZK_PEER_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "db.h"
#include "events.h"
#include "logwriter.h"
#include "proto.h"
#include "server.h"
#include "txn.h"
#include "util.h"
#include "watch.h"
#include "zab.h"

struct zk_conn;
struct zk_replica;

/* A request a connection waits on, in arrival order. */
enum creq_kind {
	CREQ_READ,	/* answered from the tree when it reaches the head */
	CREQ_WRITE,	/* answered when its proposal is applied */
	CREQ_ERROR,	/* answered with err when it reaches the head */
	CREQ_REPLY,	/* its reply is encoded in reply, sent at the head */
	CREQ_DONE,	/* answered already; only holds its place */
};

struct creq {
	struct creq		*next;
	enum creq_kind		 kind;
	struct zk_request	 req;		/* owned */
	int			 err;		/* CREQ_ERROR */
	struct proposal		*prop;		/* CREQ_WRITE until applied */
	struct zk_buf		 reply;		/* CREQ_REPLY: the encoded frame */
	int64_t			 start_us;	/* arrival, for latency */
};

/* A forwarded proposal's zxid until the leader's ACCEPTED gives it. */
#define ZK_ZXID_PENDING	INT64_MAX

/* A txn between prep and apply. */
struct proposal {
	struct proposal		*next;
	struct zk_txn		 txn;		/* owned path and data */
	int			 acks;		/* durable copies known */
	int			 forwarded;	/* a learner's, sent to the leader */
	int64_t			 fwd_id;	/* forwarded: its request number */
	struct creq		*creq;		/* waiting request, or NULL */
	struct zk_conn		*conn;		/* its connection, or NULL */
};

struct zk_conn {
	TAILQ_ENTRY(zk_conn)	 entry;
	struct zk_server	*peer;
	struct bufferevent	*bev;		/* owns the socket */
	char			 addr[64];	/* client's address, no port */
	char			 name[80];	/* "addr:port" for log lines */
	int64_t			 session_id;	/* 0 until connected */
	int			 connecting;	/* createSession under way */
	struct creq		*qhead, *qtail;	/* waiting requests */
	size_t			 nq;
	int			 paused;	/* reading stopped (3) */
	int			 closing;	/* close once output is flushed */
	int			 closed_session; /* closeSession sent: no more requests */
	int64_t			 accepted_ms;	/* monotonic, for idle handshakes */
	int			 touched;	/* a learner's: heard from since the
						   last session touches sent */
	uint64_t		 event_seq;	/* last event sent (notify.c (1)) */
	size_t			 nwatches;	/* its watches in the server's
						   table, exact (watch.h
						   count_into) */
	size_t			 replay_unread;	/* output after the last replay;
						   0 once it drained (notify.c (4)) */
};
TAILQ_HEAD(zk_conns, zk_conn);

/* A sync waiting for the txns proposed before it (invariant (5)). */
struct syncwait {
	struct syncwait		*next;
	struct zk_conn		*conn;
	struct creq		*creq;
	int64_t			 zxid;		/* standalone: answered once this
						   is applied */
	int64_t			 tag;		/* ensemble: answered when the
						   barrier tagged so is done */
};

struct zk_server {
	struct event_base	*base;
	struct zk_config	 cfg;
	zk_log_fn		 log;
	struct zk_db		 db;
	struct zk_logwriter	*lw;
	struct evconnlistener	*listener;
	struct event		*ev_term, *ev_int, *ev_chld, *ev_tick;
	struct zk_conns		 conns;
	size_t			 nconns;
	int64_t			 epoch;		/* standalone: current epoch */
	int64_t			 next_zxid;	/* standalone: next to assign */
	unsigned		 gen;		/* log writer generation */
	int64_t			 next_session;	/* last session id handed out */
	int			 quorum;	/* acks needed to commit */
	struct proposal		*phead, *ptail;	/* in zxid order */
	struct proposal		*pending;	/* learner: the first forwarded
						   one still without a zxid (6) */
	size_t			 nproposals;
	struct syncwait		*syncs;		/* in no order */
	struct zk_watches	*watches;	/* owners are connections
						   (pipeline.c (4), notify.c) */
	struct zk_evwindow	*evwin;		/* recent txns' events */
	uint64_t		 event_seq;	/* events applied so far */
	char			**containers_due; /* emptied, to delete */
	size_t			 ncontainers_due;
	struct event		*ev_containers;	/* deletes them from the loop */
	struct zk_replica	*rep;		/* ensemble: the shell; NULL
						   standalone */
	int			 serving;	/* ensemble: clients are served
						   (invariant (4)) */
	int			 leading;	/* ensemble: the serving leader */
	int64_t			 fwd_next;	/* learner: last request number */
	int64_t			 sync_next;	/* last sync tag handed out */
	int64_t			 durable;	/* ensemble: the log is durable
						   up to this zxid */
	pid_t			 snap_pid;	/* snapshot child, or 0 */
	int64_t			 snap_zxid;
	int64_t			 since_snap;	/* txns applied since */
	struct zk_buf		 out;		/* scratch for encoding */
	uint64_t		 lat_n;		/* latency figures, µs */
	int64_t			 lat_min, lat_max, lat_sum;
	int			 exit_code;
	int			 stopping;	/* shutting down: no new snapshots */
};

/* server.c */
void	 zk_peer_log(struct zk_server *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
char	*zk_peer_status_json(struct zk_server *s);
void	 zk_peer_maybe_snapshot(struct zk_server *s);
/* Waits for a running snapshot child (before the history is cut). */
void	 zk_peer_snapshot_wait(struct zk_server *s);
/* Opens the log of cfg.data_log_dir and starts its writer thread. */
int	 zk_peer_open_log(struct zk_server *s, struct zk_error *e);

/* conn.c */
void	 zk_conn_accept(struct zk_server *s, evutil_socket_t fd,
	    const struct sockaddr *sa, int salen);
void	 zk_conn_free(struct zk_conn *c);
void	 zk_conn_drain(struct zk_conn *c);
void	 zk_conn_send(struct zk_conn *c, const struct zk_reply *rep,
	    int64_t start_us);
/* Answers q (anywhere in the queue) with rep; sent in queue order. */
void	 zk_conn_answer(struct zk_conn *c, struct creq *q,
	    const struct zk_reply *rep);
/* Closes connections still without a session after limit_ms. */
void	 zk_conn_reap_idle(struct zk_server *s, int64_t now_ms,
	    int64_t limit_ms);
/* Closes after what is queued for output is sent. */
void	 zk_conn_close_later(struct zk_conn *c);
/*
 * Closes, dropping what is queued for output (a client that stopped
 * reading); freed from the loop, as close_later. Safe while one of c's
 * requests is being answered: c answers nothing more, and its queue goes
 * when c does.
 */
void	 zk_conn_abort(struct zk_conn *c);

/* pipeline.c */
void	 zk_pipeline_request(struct zk_conn *c, struct creq *q);
void	 zk_pipeline_read(struct zk_conn *c, struct creq *q);
void	 zk_pipeline_log_done(void *arg, int err, int64_t durable,
	    int64_t failed, const struct zk_error *e);
void	 zk_pipeline_expire(struct zk_server *s, int64_t now_ms);
void	 zk_pipeline_conn_gone(struct zk_conn *c);
/*
 * Ensemble: apply the committed txn zxid (data: its encoding), from the
 * proposal list when this peer proposed it (answering its client), else
 * decoded from data. ZK_OK, or the error that kept it out of the db.
 */
int	 zk_pipeline_commit(struct zk_server *s, int64_t zxid,
	    const void *data, size_t len, struct zk_error *e);
/* Ensemble, stopping to serve: every proposal and sync fails with err. */
void	 zk_pipeline_drop_all(struct zk_server *s, int err);
/* Ensemble: the sync barrier tagged tag is done: answer its sync. */
void	 zk_pipeline_sync_done(struct zk_server *s, int64_t tag);
/*
 * Learner: the leader gave the next forwarded proposal zxid (-1: refused
 * it, which fails it with ZK_ENOTSERVING); fwd_id is checked against it.
 */
void	 zk_pipeline_accepted(struct zk_server *s, int64_t fwd_id,
	    int64_t zxid);
/*
 * Leader: a learner's prepped txn (data, len) to propose as if one of our
 * own clients asked. Returns its zxid, or -1 when it cannot be proposed
 * (not the serving leader, or bytes that are no client txn).
 */
int64_t	 zk_pipeline_propose_forwarded(struct zk_server *s, int sid,
	    const void *data, size_t len);

/*
 * Leader or standalone: proposes a txn of the server's own (no client
 * waits for it); its path and data are taken over. Its zxid, or -1.
 */
int64_t	 zk_pipeline_propose_own(struct zk_server *s, struct zk_txn *t);

/* notify.c: watch events (share/doc/protocol.md "Watches"). */
/* Before recovery: makes the event window and sets the db's hook. */
void	 zk_notify_init(struct zk_server *s);
/* With s->base made: the deferred container deletes. */
void	 zk_notify_start(struct zk_server *s);
void	 zk_notify_free(struct zk_server *s);
/* A one-shot watch (ZK_WATCH_DATA/CHILD) for c; ZK_EBUSY over the bound. */
int	 zk_notify_oneshot(struct zk_conn *c, const char *path, int kind);
/* Leader or standalone, starting: queues every emptied container. */
void	 zk_notify_scan_containers(struct zk_server *s);
/* Answers addWatch, removeWatch or setWatches, in c's request order. */
void	 zk_notify_request(struct zk_conn *c, struct creq *q);
/* The window's figures, for status. */
void	 zk_notify_status(struct zk_server *s, size_t *txns, int64_t *floor);

/* forward.c: clients on a learner (replication.md "Clients on every
 * server"). */
/* Learner: sends p's txn to the leader; ZK_OK or ZK_ENOTSERVING. */
int	 zk_forward_write(struct zk_server *s, struct proposal *p);
/* Learner: asks the leader for the sync barrier tag; as above. */
int	 zk_forward_sync(struct zk_server *s, int64_t tag);
/* Learner: the sessions heard from since the last call, to the leader. */
void	 zk_forward_sessions(struct zk_server *s);
/* Any member: a FWD message from sid (zab.h); the shell's, not ZAB's. */
void	 zk_forward_msg(struct zk_server *s, int sid,
	    const struct zk_zab_msg *m);
/* Leader: the barrier of member sid tagged tag is done (SYNC_DONE). */
void	 zk_forward_sync_done(struct zk_server *s, int sid, int64_t tag);

/* replica.c: the ensemble member (share/doc/replication.md "The shell"). */
struct zk_replica_status {
	const char	*mode;		/* leader, follower, observer,
					   looking */
	int		 leader;	/* sid, 0 while looking */
	int		 serving;	/* ZAB serves (broadcast phase) */
	int64_t		 epoch;		/* the epoch served; looking:
					   currentEpoch */
	int64_t		 last_logged;	/* last zxid handed to the log */
	int64_t		 round;		/* election round */
};

/*
 * After recovery, with s->base made: reads the epochs and the log's tail,
 * makes the quorum machine and listens on the peer ports. s->rep is set
 * even on error (zk_replica_free frees it).
 */
int	 zk_replica_new(struct zk_server *s, struct zk_error *e);
void	 zk_replica_free(struct zk_replica *r);
/* Starts the first election (BOOT). */
void	 zk_replica_boot(struct zk_server *s);
/* The log writer's done() in an ensemble (see logwriter.h). */
void	 zk_replica_log_done(void *arg, int err, int64_t durable,
	    int64_t failed, const struct zk_error *e);
/* The zxid the next proposal takes; -1 unless the serving leader. */
int64_t	 zk_replica_next_zxid(struct zk_server *s);
/* Hands a new txn (zxid from zk_replica_next_zxid) to ZAB; copies data. */
void	 zk_replica_propose(struct zk_server *s, int64_t zxid,
	    const void *data, size_t len);
/* Leader: a sync barrier for member sid's tag (zab.h EV_SYNC). */
void	 zk_replica_sync(struct zk_server *s, int sid, int64_t tag);
/* The leader followed while serving as a learner; else 0. */
int	 zk_replica_leader(struct zk_server *s);
/* A message to member sid on the quorum link; ZK_OK or why not. */
int	 zk_replica_send(struct zk_server *s, int sid,
	    const struct zk_zab_msg *m);
/* Leader: followers (or observers) up to date, for status. */
int	 zk_replica_learners_synced(struct zk_server *s, int observers);
void	 zk_replica_status(struct zk_server *s, struct zk_replica_status *st);

#endif
