/*
 * What the parts of a running peer share: the peer itself, its client
 * connections, and the proposals in flight. Internal to server.c,
 * conn.c and pipeline.c; the public face is server.h.
 *
 * The request pipeline (DESIGN.md "Request pipeline"):
 *
 *   conn.c            pipeline.c                       conn.c
 *   read frame -> prep (validate, build txn, zxid) -> log writer thread
 *                 (fdatasync) -> ack -> commit on a quorum (of one, here)
 *                 -> apply to the db -> reply on the origin connection
 *
 * Invariants:
 *  (1) Proposals are committed and applied in zxid order, and only after
 *      a quorum (the leader's own durable copy counts) acknowledged them.
 *  (2) A connection answers its requests in arrival order: a read waits
 *      behind the same connection's earlier writes (FIFO client order).
 *  (3) A connection holds at most cfg.max_outstanding requests, and at
 *      most OUT_HIGH bytes of unread replies (plus one reply); beyond that
 *      it stops reading and answering until its client catches up.
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
#include "logwriter.h"
#include "proto.h"
#include "server.h"
#include "txn.h"
#include "util.h"

struct zk_conn;

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

/* A txn between prep and apply. */
struct proposal {
	struct proposal		*next;
	struct zk_txn		 txn;		/* owned path and data */
	int			 acks;		/* durable copies known */
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
};
TAILQ_HEAD(zk_conns, zk_conn);

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
	int64_t			 epoch;		/* current epoch */
	int64_t			 next_zxid;	/* next to assign */
	unsigned		 gen;		/* log writer generation */
	int64_t			 next_session;	/* last session id handed out */
	int			 quorum;	/* acks needed to commit */
	struct proposal		*phead, *ptail;	/* in zxid order */
	size_t			 nproposals;
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

/* pipeline.c */
void	 zk_pipeline_request(struct zk_conn *c, struct creq *q);
void	 zk_pipeline_read(struct zk_conn *c, struct creq *q);
void	 zk_pipeline_log_done(void *arg, int err, int64_t durable,
	    int64_t failed, const struct zk_error *e);
void	 zk_pipeline_expire(struct zk_server *s, int64_t now_ms);
void	 zk_pipeline_conn_gone(struct zk_conn *c);

#endif
