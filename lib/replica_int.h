/*
 * What the two files of an ensemble member's shell share: replica.c
 * (events in, the machine stepped, actions out) and replica_disk.c (the
 * rare steps that replace the log or the tree: TRUNCATE, INSTALL_SNAP, and
 * the SNAP a leader sends). Internal; the shell's face is peer.h.
 */
#ifndef ZK_REPLICA_INT_H
#define ZK_REPLICA_INT_H

#include <stdint.h>

#include <event2/event.h>

#include "peer.h"
#include "qnet.h"
#include "quorum.h"

struct qev {
	struct qev		*next;
	struct zk_quorum_event	 ev;
	void			*data;		/* owned copy ev points into */
};

struct zk_replica {
	struct zk_server	*s;
	struct zk_quorum	*q;
	struct zk_qnet		*net;
	struct zk_quorum_out	 out;		/* the current step's */
	struct event		*timer;
	int64_t			 timer_at;	/* armed for, -1 none */
	struct qev		*head, *tail;	/* invariant (1) */
	int			 busy;		/* inside a step */
	int			 drop_lw;	/* invariant (4) */
	int			 failed;	/* invariant (2): stopping */
	int			 state;		/* last logged; -1 at first */
	int			 leader;
	int			 serving;	/* ZAB serves */
	int64_t			 epoch;		/* -1 while LOOKING */
	int64_t			 round;
};

/* One log line. */
void	 zk_replica_log(struct zk_replica *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define rlog	zk_replica_log

/* replica.c invariant (2): a disk step failed; the peer stops (exit 1). */
void	 zk_replica_fatal(struct zk_replica *r, const char *what,
	    const struct zk_error *e);

/* replica_disk.c: the actions of the same names (zab.h). */
void	 zk_replica_send_snap(struct zk_replica *r,
	    const struct zk_zab_action *a);
void	 zk_replica_truncate(struct zk_replica *r, int64_t zxid);
void	 zk_replica_install_snap(struct zk_replica *r,
	    const struct zk_zab_action *a);

#endif
