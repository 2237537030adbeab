/*
 * The peer links of one ensemble member, on libevent: election links that
 * carry notifications and quorum links that carry ZAB messages, over the
 * peer protocol of qproto.h. qnet moves notes and messages and reports
 * quorum links up and down; what they mean is the state machines' business
 * (quorum.h), so nothing in here knows the protocol's logic.
 *
 * Election links (share/doc/replication.md "Election"): one TCP
 * connection per pair of members, by a fixed rule: the member with the
 * larger sid dials the smaller one's election port and keeps redialling
 * while the link is down (after 200 ms, doubling to 2 s); the smaller
 * one only accepts. A note for a member is kept as that member's latest
 * and sent on the link when it is up, and again each time a link to that
 * member comes up: notes are idempotent and only the latest matters, and
 * resending it on a new link repairs a note lost with an old one, as
 * ZooKeeper's QuorumCnxManager.SendWorker does with lastMessageSent.
 *
 * Quorum links: a learner dials its leader's quorum port (zk_qnet_connect);
 * both ends then report connected(sid), and a break disconnected(sid).
 * There is one quorum link per member sid, whichever side dialled.
 *
 * Every connection starts with the dialler's HELLO (qproto.h); the
 * acceptor answers none. Every outgoing socket is bound to this member's
 * configured host before it connects, so that a firewall rule between
 * two 127.0.0.x addresses cuts exactly one pair of members (DESIGN.md
 * "Testing a distributed system on one machine").
 *
 * Invariants:
 *  (1) Callbacks run only from the event loop, never from inside a
 *      zk_qnet_* call, so a state machine's step is never re-entered.
 *  (2) Bad input from the network (a malformed HELLO or frame, an unknown
 *      or rule-breaking sid, a frame over the limit, a note whose sid is
 *      not its link's) closes that one connection, gives one line to
 *      cb->log, and never stops the listeners.
 *  (3) Per zk_qnet_connect attempt, and per accepted quorum link, exactly
 *      one of: connected(sid) then later disconnected(sid); disconnected
 *      (sid) alone; or nothing further because the caller closed or
 *      replaced the link (zk_qnet_close, zk_qnet_connect again, or a newer
 *      link from the same sid: see below).
 *  (4) Nothing blocks the loop: connects are non-blocking and time out;
 *      unsent output is bounded (ZK_QNET_MAX_OUT on a quorum link); a
 *      connection that has not said HELLO may buffer at most one small
 *      frame and is closed after ZK_QNET_HELLO_MS.
 *
 * Replacement: a newer quorum link for a sid (a HELLO from it on our
 * quorum port, or our own zk_qnet_connect to it) silently closes the
 * older one. Its disconnected is not reported, because the newer link is
 * what the machine talks on: a connected(sid) while sid's link was up
 * means "replaced", and whatever was queued on the old link is lost. The
 * same holds for a newer election connection from the same sid, which is
 * how a restarted member takes the place of its half-open old link.
 *
 * Dead election links are found by TCP itself: keepalive probes after
 * ZK_QNET_KEEPALIVE_S idle seconds and TCP_USER_TIMEOUT, so that after a
 * network cut heals the dialler is connected again within a few seconds
 * rather than after TCP's minutes of retransmission. Quorum links need no
 * such help: ZAB pings and closes a link silent for syncLimit ticks.
 *
 * The process must not die of SIGPIPE when a member resets a link:
 * zk_qnet_new sets SIGPIPE to SIG_IGN, as the standalone server does.
 */
#ifndef ZK_QNET_H
#define ZK_QNET_H

#include <stddef.h>

#include <event2/event.h>

#include "config.h"
#include "elect.h"
#include "error.h"
#include "zab.h"

/*
 * The most unsent bytes a quorum link may hold; a send that would go
 * past it closes the link (disconnected is reported), so a stalled member
 * cannot grow our memory without end. A SNAP carries a whole tree, so
 * this is a constant, not a multiple of jute.maxbuffer.
 */
#define ZK_QNET_MAX_OUT		((size_t)256 * 1024 * 1024)

/*
 * The largest quorum-port frame we accept, header excluded: the same
 * bound, since a frame we could never queue we need never receive. A
 * larger claimed length closes the link before any of it is buffered.
 * Data in a ZAB message is bounded by this and by nothing else (not by
 * cfg->max_data: SNAP data is a whole tree).
 */
#define ZK_QNET_MAX_FRAME	ZK_QNET_MAX_OUT

/* HELLOs and notes are tens of bytes; anything longer is not ours. */
#define ZK_QNET_SMALL_FRAME	1024

#define ZK_QNET_RETRY_MS	200	/* first election redial */
#define ZK_QNET_RETRY_MAX_MS	2000	/* redial backoff ceiling */
#define ZK_QNET_CONNECT_MS	2000	/* a TCP connect that takes longer fails */
#define ZK_QNET_HELLO_MS	10000	/* accepted, no HELLO yet: closed */
#define ZK_QNET_KEEPALIVE_S	2	/* election links: idle before probing */

/*
 * What qnet reports; all run on the loop (invariant (1)). zk_qnet_free
 * must not be called from inside one; every other zk_qnet_* call may.
 */
struct zk_qnet_callbacks {
	/* A note arrived on an election link; n->sid is that link's sid. */
	void	(*note)(void *arg, const struct zk_elect_note *n);
	/* The quorum link with sid is up (ours dialled, or theirs said HELLO). */
	void	(*connected)(void *arg, int sid);
	/* The quorum link with sid failed or broke (invariant (3)). */
	void	(*disconnected)(void *arg, int sid);
	/* A ZAB message from sid; m->data is borrowed for the call only. */
	void	(*msg)(void *arg, int sid, const struct zk_zab_msg *m);
	/*
	 * Optional (may be NULL): one line, no newline, saying why a
	 * connection was refused or closed, or that an election link came
	 * up or went down. For the peer's log; lib never prints.
	 */
	void	(*log)(void *arg, const char *line);
};

struct zk_qnet;

/*
 * Listens on this member's election and quorum ports (cfg->servers entry
 * for cfg->myid) on its host, and starts dialling the election ports of
 * every member with a smaller sid. Every host in cfg->servers must be a
 * numeric address (no name lookups on the loop), all of one family.
 * Copies what it needs of cfg and cb; arg is passed to every callback.
 * Returns NULL with e set: ZK_EBADARGUMENTS for a bad configuration,
 * ZK_ESYSTEM when a port cannot be listened on (e->msg says which).
 */
struct zk_qnet	*zk_qnet_new(struct event_base *base,
		    const struct zk_config *cfg,
		    const struct zk_qnet_callbacks *cb, void *arg,
		    struct zk_error *e);

/* Closes every link and listener; reports nothing. NULL is a no-op. */
void		 zk_qnet_free(struct zk_qnet *q);

/*
 * Makes n the latest note for sid: sent now if the election link is up,
 * else when it comes up (and again on every later link, see above).
 * Copies n. A sid that is not another member is ignored.
 */
void		 zk_qnet_send_note(struct zk_qnet *q, int sid,
		    const struct zk_elect_note *n);

/*
 * Dials sid's quorum port, from our host, and sends HELLO; then
 * connected(sid), or disconnected(sid) if the connect fails (refused,
 * ZK_QNET_CONNECT_MS passed, sid not another member). An existing quorum
 * link with sid is closed first, as by zk_qnet_close.
 */
void		 zk_qnet_connect(struct zk_qnet *q, int sid);

/*
 * Queues m on sid's quorum link; copies m and its data. ZK_ECONNLOSS if
 * there is no link up with sid, or if m would take the link past
 * ZK_QNET_MAX_OUT: the link is then closed and disconnected(sid) follows
 * from the loop. ZK_ETOOBIG, the link untouched, if m alone is larger
 * than any member accepts (ZK_QNET_MAX_FRAME).
 */
int		 zk_qnet_send(struct zk_qnet *q, int sid,
		    const struct zk_zab_msg *m);

/*
 * Closes sid's quorum link, dropping unsent output, without reporting
 * disconnected (also cancels a disconnected not yet reported). No link:
 * a no-op.
 */
void		 zk_qnet_close(struct zk_qnet *q, int sid);

/* 1 if the election link with sid is up (HELLO sent or received), else 0. */
int		 zk_qnet_election_up(const struct zk_qnet *q, int sid);

#endif
