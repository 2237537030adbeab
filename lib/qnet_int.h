/*
 * What the two halves of the peer links share: the qnet itself, its
 * members and their links, and the calls each half makes into the
 * other. Internal to qnet.c (the API, the link states, HELLOs, election
 * and quorum links) and qnet_sock.c (sockets, connects, listeners, frame
 * I/O); the public face is qnet.h.
 *
 * qnet_sock.c turns socket events into link events and hands every
 * complete frame to zk_qnet_on_frame; it decides nothing about a link
 * but that its socket failed, and says so through zk_qnet_lost or
 * zk_qnet_bad. The link states and invariants are in qnet.c's header.
 *
 * Invariants:
 *  (1) Every link is on q->links from zk_qnet_link_new to
 *      zk_qnet_link_free, whichever file made it.
 *  (2) l->bev is the link's socket while it has one, and NULL after:
 *      code that may have called back into qnet.c (read_cb) checks that
 *      l->bev is still the bufferevent it started with before going on.
 */
#ifndef ZK_QNET_INT_H
#define ZK_QNET_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "elect.h"
#include "qnet.h"
#include "util.h"

enum link_state {
	L_CONNECTING,	/* ours: TCP connect under way */
	L_HELLO,	/* theirs: accepted, waiting for the HELLO */
	L_UP,		/* HELLO sent or received: frames flow */
	L_FAILING,	/* gone inside an API call; the timer calls lost() */
};

struct link {
	TAILQ_ENTRY(link)	 entry;		/* q->links */
	struct zk_qnet		*q;
	struct bufferevent	*bev;		/* owns the socket; NULL once gone */
	struct event		*timer;		/* connect, HELLO; FAILING: now */
	int			 port;		/* enum zk_qproto_port */
	int			 state;		/* enum link_state */
	int			 sid;		/* far member; 0 before its HELLO */
	int			 busy;		/* read_cb on the stack */
	int			 dead;		/* freed while busy: read_cb frees */
	int			 up;		/* has been UP */
	int			 dialing;	/* inside bufferevent_socket_connect */
	int			 dial_err;	/* errno of a failure in there */
	char			 name[64];	/* far end, "host:port" */
	char			 why[128];	/* FAILING: the reason */
};

struct member {
	struct zk_qnet		*q;
	int			 sid;
	struct sockaddr_storage	 elect_sa;	/* its election port */
	struct sockaddr_storage	 quorum_sa;	/* its quorum port */
	struct link		*elink;		/* election link, or NULL */
	struct link		*qlink;		/* quorum link, or NULL */
	struct event		*redial;	/* sid < myid: next dial */
	int			 retry_ms;	/* delay of the next redial */
	int64_t			 up_ms;		/* when elink came up */
	int			 down_logged;	/* this outage is logged */
	struct zk_elect_note	 last;		/* the latest note for it */
	int			 has_last;
};

struct zk_qnet {
	struct event_base	*base;
	struct zk_qnet_callbacks cb;
	void			*arg;
	int			 myid;
	struct sockaddr_storage	 self_sa;	/* my host, port 0: the source */
	socklen_t		 salen;		/* of every address here */
	struct evconnlistener	*lev[2];	/* election, quorum */
	struct event		*relisten;
	struct member		 m[ZK_MAX_SERVERS];	/* everyone but me */
	size_t			 nm;
	TAILQ_HEAD(, link)	 links;		/* every link, any state */
	struct zk_buf		 out;		/* encoding scratch */
};

/* qnet.c: links */
void		 zk_qnet_log(struct zk_qnet *q, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
struct link	*zk_qnet_link_new(struct zk_qnet *q, int port, int state,
		    int sid);
/* Ends a link without a word; under read_cb it only marks it dead. */
void		 zk_qnet_link_free(struct link *l);
/* The link broke by itself; bad: the far end broke the protocol. */
void		 zk_qnet_lost(struct link *l, const char *why, int bad);
/* Input the far end should not have sent: zk_qnet_lost(l, why, 1). */
void		 zk_qnet_bad(struct link *l, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Our connect finished: HELLO, then UP. */
void		 zk_qnet_on_connected(struct link *l);
/* One whole frame's payload (n bytes at p, borrowed) arrived on l. */
void		 zk_qnet_on_frame(struct link *l, const char *p, size_t n);

/* qnet_sock.c: sockets */
void		 zk_qnet_sock_timer_ms(struct event *ev, int ms);
/* "host:port" of sa into buf. */
void		 zk_qnet_sock_addr_name(const struct sockaddr *sa, char *buf,
		    size_t len);
/* A numeric address and a port into sa; -1 if host is not numeric. */
int		 zk_qnet_sock_parse_addr(const char *host, int port,
		    struct sockaddr_storage *sa, socklen_t *len);
/*
 * Starts a non-blocking connect of l to sa from q->self_sa and arms
 * l's timer for ZK_QNET_CONNECT_MS; -1 with errno set if it failed.
 */
int		 zk_qnet_sock_connect(struct link *l,
		    const struct sockaddr_storage *sa);
/* Listens on lev[i]: 0 the election port of me, 1 its quorum port. */
int		 zk_qnet_sock_listen(struct zk_qnet *q, int i,
		    const struct zk_server_addr *me, struct zk_error *e);
/* q->relisten's callback: listens again after an accept failure. */
void		 zk_qnet_sock_relisten(evutil_socket_t fd, short what,
		    void *arg);
/* Appends the frame in q->out to l's output and empties q->out. */
void		 zk_qnet_sock_put_frame(struct link *l);

#endif
