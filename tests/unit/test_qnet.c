/*
 * Unit tests of lib/qnet: two or three members' links in one process on
 * one event_base, over 127.0.0.1 (and 127.0.0.2 where it can be bound),
 * on ports found free at run time. Where a test needs a member that
 * misbehaves or just listens, a plain socket plays it.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "elect.h"
#include "error.h"
#include "proto.h"
#include "qnet.h"
#include "qproto.h"
#include "util.h"
#include "zab.h"

#include "test.h"

#define MAXREC	64

struct rmsg {
	int		 sid;
	struct zk_zab_msg m;
	char		*data;		/* copy; NULL when m.data was NULL */
};

/* One member under test and what its callbacks saw. */
struct node {
	struct zk_qnet	*q;
	struct zk_config cfg;
	struct zk_elect_note notes[MAXREC];
	int		 nnotes;
	int		 conn[MAXREC], nconn;
	int		 disc[MAXREC], ndisc;
	struct rmsg	 msgs[MAXREC];
	int		 nmsgs;
	char		 logs[MAXREC][256];
	int		 nlogs;
};

static struct event_base *base;
static struct event	*tick;
static const char	*host2;		/* 127.0.0.2 if bindable, else NULL */

/* Runs the loop until cond holds or ms pass; never a bare sleep. */
#define WAIT(cond, ms) do {						\
	int64_t end_ = zk_now_mono_ms() + (ms);				\
	while (!(cond) && zk_now_mono_ms() < end_)			\
		event_base_loop(base, EVLOOP_ONCE);			\
} while (0)

/* Runs the loop for ms, for "and nothing more happens" checks. */
#define SPIN(ms)	WAIT(0, ms)

static void
on_note(void *arg, const struct zk_elect_note *n)
{
	struct node	*nd = arg;

	if (nd->nnotes < MAXREC)
		nd->notes[nd->nnotes++] = *n;
}

static void
on_connected(void *arg, int sid)
{
	struct node	*nd = arg;

	if (nd->nconn < MAXREC)
		nd->conn[nd->nconn++] = sid;
}

static void
on_disconnected(void *arg, int sid)
{
	struct node	*nd = arg;

	if (nd->ndisc < MAXREC)
		nd->disc[nd->ndisc++] = sid;
}

static void
on_msg(void *arg, int sid, const struct zk_zab_msg *m)
{
	struct node	*nd = arg;
	struct rmsg	*r;

	if (nd->nmsgs >= MAXREC)
		return;
	r = &nd->msgs[nd->nmsgs++];
	r->sid = sid;
	r->m = *m;
	r->data = m->data != NULL ? zk_xmemdup(m->data, m->len) : NULL;
	r->m.data = r->data;
}

static void
on_log(void *arg, const char *line)
{
	struct node	*nd = arg;

	if (nd->nlogs < MAXREC)
		snprintf(nd->logs[nd->nlogs++], sizeof(nd->logs[0]), "%s",
		    line);
}

static const struct zk_qnet_callbacks cbs = {
	on_note, on_connected, on_disconnected, on_msg, on_log,
};

static int
has_log(const struct node *nd, const char *part)
{
	int	 i;

	for (i = 0; i < nd->nlogs; i++)
		if (strstr(nd->logs[i], part) != NULL)
			return 1;
	return 0;
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
setup(void)
{
	struct timeval	 tv = { 0, 5000 };

	base = event_base_new();
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(tick, &tv);
}

static void
node_reset(struct node *nd)
{
	int	 i;

	zk_qnet_free(nd->q);
	nd->q = NULL;
	for (i = 0; i < nd->nmsgs; i++)
		free(nd->msgs[i].data);
	nd->nmsgs = nd->nnotes = nd->nconn = nd->ndisc = nd->nlogs = 0;
}

static void
teardown(struct node *nd, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		node_reset(&nd[i]);
	event_free(tick);
	event_base_free(base);
}

static int
addr_of(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A socket bound to host:port (0: any); -1 if that fails. */
static int
bound_socket(const char *host, int port)
{
	struct sockaddr_in	 sa;
	int			 fd, one = 1;

	if (addr_of(host, port, &sa) != 0 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
port_of(int fd)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

/*
 * The configuration of n members, member i+1 on hosts[i], with free
 * ports: all are held open at once, so that they differ, then released.
 */
static void
configure(struct node *nd, int n, const char *const hosts[])
{
	struct zk_server_addr	 s[ZK_MAX_SERVERS];
	int			 fds[2 * ZK_MAX_SERVERS];
	int			 i, j;

	for (i = 0; i < n; i++) {
		fds[2 * i] = bound_socket(hosts[i], 0);
		fds[2 * i + 1] = bound_socket(hosts[i], 0);
		memset(&s[i], 0, sizeof(s[i]));
		s[i].id = i + 1;
		snprintf(s[i].host, sizeof(s[i].host), "%s", hosts[i]);
		s[i].quorum_port = port_of(fds[2 * i]);
		s[i].election_port = port_of(fds[2 * i + 1]);
	}
	for (i = 0; i < 2 * n; i++)
		close(fds[i]);
	for (i = 0; i < n; i++) {
		memset(&nd[i], 0, sizeof(nd[i]));
		zk_config_defaults(&nd[i].cfg);
		nd[i].cfg.myid = i + 1;
		for (j = 0; j < n; j++)
			nd[i].cfg.servers[j] = s[j];
		nd[i].cfg.nservers = (size_t)n;
	}
}

static int
start(struct node *nd)
{
	struct zk_error	 e;

	nd->q = zk_qnet_new(base, &nd->cfg, &cbs, nd, &e);
	if (nd->q == NULL)
		fprintf(stderr, "zk_qnet_new: %s\n", e.msg);
	return nd->q != NULL;
}

static const struct zk_server_addr *
server(const struct node *nd, int sid)
{
	return &nd->cfg.servers[sid - 1];
}

/* Plain sockets playing a member */

/* A non-blocking listener on host:port. */
static int
raw_listen(const char *host, int port)
{
	int	 fd = bound_socket(host, port);

	if (fd < 0)
		return -1;
	if (listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	evutil_make_socket_nonblocking(fd);
	return fd;
}

/* A blocking connection from src (NULL: any) to host:port. */
static int
raw_connect(const char *src, const char *host, int port)
{
	struct sockaddr_in	 sa;
	int			 fd;

	fd = src != NULL ? bound_socket(src, 0) : socket(AF_INET,
	    SOCK_STREAM, 0);
	if (fd < 0 || addr_of(host, port, &sa) != 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
raw_send(int fd, const struct zk_buf *b)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < b->len) {
		n = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void
raw_hello(int fd, int sid, int port)
{
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_qproto_encode_hello(&b, sid, port);
	raw_send(fd, &b);
	zk_buf_close(&b);
}

/* Appends what fd has to acc; 1 if fd is at EOF or broken. */
static int
raw_fill(int fd, struct zk_buf *acc)
{
	char	 buf[4096];
	ssize_t	 n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			zk_buf_append(acc, buf, (size_t)n);
		else if (n == 0)
			return 1;
		else
			return errno != EAGAIN && errno != EWOULDBLOCK;
	}
}

/* Whether the far end closed fd (reading whatever came before). */
static int
raw_closed(int fd)
{
	struct zk_buf	 acc;
	int		 closed;

	zk_buf_init(&acc);
	closed = raw_fill(fd, &acc);
	zk_buf_close(&acc);
	return closed;
}

/* Whether acc holds a whole frame at its start; its payload length. */
static int
whole_frame(const struct zk_buf *acc, uint32_t *len)
{
	if (acc->len < ZK_FRAME_HDR)
		return 0;
	*len = zk_load_be32(acc->data);
	return acc->len >= ZK_FRAME_HDR + (size_t)*len;
}

/* Drops the first frame of acc. */
static void
drop_frame(struct zk_buf *acc)
{
	size_t	 n = ZK_FRAME_HDR + zk_load_be32(acc->data);

	memmove(acc->data, acc->data + n, acc->len - n);
	acc->len -= n;
}

static int
try_accept(int lfd)
{
	return accept(lfd, NULL, NULL);
}

static struct zk_elect_note
note(int sid, int64_t round)
{
	struct zk_elect_note	 n;

	memset(&n, 0, sizeof(n));
	n.sid = sid;
	n.state = ZK_LOOKING;
	n.round = round;
	n.vote.leader = sid;
	n.vote.zxid = 0x100000000LL + round;
	n.vote.epoch = 1;
	return n;
}

static int
same_note(const struct zk_elect_note *a, const struct zk_elect_note *b)
{
	return a->sid == b->sid && a->state == b->state &&
	    a->round == b->round && a->vote.leader == b->vote.leader &&
	    a->vote.zxid == b->vote.zxid && a->vote.epoch == b->vote.epoch;
}

/* Tests */

/* Notes flow both ways over the one election link of every pair. */
static void
test_notes_all_pairs(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1",
	    "127.0.0.1" };
	struct node		 nd[3];
	struct zk_elect_note	 n;
	int			 i, j, k, found, ok = 1;

	setup();
	configure(nd, 3, hosts);
	for (i = 0; i < 3; i++)
		ok = ok && start(&nd[i]);
	ZK_ASSERT(ok);
	WAIT(zk_qnet_election_up(nd[0].q, 2) &&
	    zk_qnet_election_up(nd[0].q, 3) &&
	    zk_qnet_election_up(nd[1].q, 1) &&
	    zk_qnet_election_up(nd[1].q, 3) &&
	    zk_qnet_election_up(nd[2].q, 1) &&
	    zk_qnet_election_up(nd[2].q, 2), 3000);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (i != j)
				ZK_ASSERT(zk_qnet_election_up(nd[i].q, j + 1));
	/* Each sends its note, round 10 + its sid, to both others. */
	for (i = 0; i < 3; i++) {
		n = note(i + 1, 10 + i + 1);
		for (j = 0; j < 3; j++)
			if (i != j)
				zk_qnet_send_note(nd[i].q, j + 1, &n);
	}
	WAIT(nd[0].nnotes >= 2 && nd[1].nnotes >= 2 && nd[2].nnotes >= 2,
	    3000);
	SPIN(100);
	for (i = 0; i < 3; i++) {
		ZK_ASSERT_EQ(nd[i].nnotes, 2);
		for (j = 0; j < 3; j++) {
			if (i == j)
				continue;
			n = note(j + 1, 10 + j + 1);
			found = 0;
			for (k = 0; k < nd[i].nnotes; k++)
				found += same_note(&nd[i].notes[k], &n);
			ZK_ASSERT_EQ(found, 1);
		}
	}
	/* The links say so in the log, from the side the rule names. */
	ZK_ASSERT(has_log(&nd[2], "election link to sid 1 up"));
	ZK_ASSERT(has_log(&nd[0], "election link from sid 3 up"));
	ZK_ASSERT_EQ(nd[0].nconn + nd[1].nconn + nd[2].nconn, 0);
	teardown(nd, 3);
}

/*
 * Only the larger sid dials, its HELLO names it and the election port, and
 * the connection comes from its own configured host.
 */
static void
dial_rule(const char *h2)
{
	const char		*hosts[3] = { "127.0.0.1", h2, "127.0.0.1" };
	struct node		 nd[3];
	struct zk_qproto_hello	 h;
	struct zk_error		 e;
	struct zk_buf		 acc;
	struct sockaddr_in	 peer;
	socklen_t		 plen = sizeof(peer);
	char			 addr[INET_ADDRSTRLEN];
	uint32_t		 len = 0;
	int			 l1, l3, c1 = -1, c3 = -1;

	setup();
	configure(nd, 3, hosts);
	l1 = raw_listen("127.0.0.1", server(&nd[1], 1)->election_port);
	l3 = raw_listen("127.0.0.1", server(&nd[1], 3)->election_port);
	ZK_ASSERT(l1 >= 0 && l3 >= 0);
	ZK_ASSERT(start(&nd[1]));
	WAIT((c1 = try_accept(l1)) >= 0, 3000);
	ZK_ASSERT(c1 >= 0);
	ZK_ASSERT_EQ(getpeername(c1, (struct sockaddr *)&peer, &plen), 0);
	inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
	ZK_ASSERT_STR(addr, h2);
	zk_buf_init(&acc);
	WAIT((raw_fill(c1, &acc), whole_frame(&acc, &len)), 2000);
	ZK_ASSERT(whole_frame(&acc, &len));
	ZK_ASSERT_EQ(zk_qproto_decode_hello(acc.data + ZK_FRAME_HDR, len, &h,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(h.sid, 2);
	ZK_ASSERT_EQ(h.port, ZK_QPROTO_ELECTION);
	zk_buf_close(&acc);
	ZK_ASSERT(zk_qnet_election_up(nd[1].q, 1));
	/* Sid 3 is larger: member 2 waits for its call and never dials. */
	SPIN(600);
	c3 = try_accept(l3);
	ZK_ASSERT_EQ(c3, -1);
	ZK_ASSERT(!zk_qnet_election_up(nd[1].q, 3));
	close(c1);
	close(l1);
	close(l3);
	teardown(nd, 3);
}

/* qnet.h: the larger sid dials, from its own host (127.0.0.1 here). */
static void
test_larger_dials_from_own_host(void)
{
	dial_rule("127.0.0.1");
}

/* qnet.h: the dialler's source address is its host, 127.0.0.2 here. */
static void
test_larger_dials_from_second_host(void)
{
	if (host2 == NULL) {
		fprintf(stderr, "skip: 127.0.0.2 cannot be bound here\n");
		return;
	}
	dial_rule(host2);
}

/*
 * A note sent while the link is down arrives once it is up, and only the
 * latest of several, in both directions.
 */
static void
test_note_before_link(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_elect_note	 n;
	int			 r;

	setup();
	configure(nd, 2, hosts);
	/* Member 1 first, alone: nobody dials it yet. */
	ZK_ASSERT(start(&nd[0]));
	for (r = 4; r <= 5; r++) {
		n = note(1, r);
		zk_qnet_send_note(nd[0].q, 2, &n);
	}
	SPIN(300);
	ZK_ASSERT(!zk_qnet_election_up(nd[0].q, 2));
	ZK_ASSERT(start(&nd[1]));
	for (r = 1; r <= 3; r++) {
		n = note(2, r);
		zk_qnet_send_note(nd[1].q, 1, &n);
	}
	WAIT(nd[0].nnotes >= 1 && nd[1].nnotes >= 1, 3000);
	SPIN(300);
	ZK_ASSERT_EQ(nd[0].nnotes, 1);
	ZK_ASSERT_EQ(nd[0].notes[0].round, 3);
	ZK_ASSERT_EQ(nd[0].notes[0].sid, 2);
	ZK_ASSERT_EQ(nd[1].nnotes, 1);
	ZK_ASSERT_EQ(nd[1].notes[0].round, 5);
	ZK_ASSERT_EQ(nd[1].notes[0].sid, 1);
	teardown(nd, 2);
}

/*
 * The dialler keeps redialling a member that is down, and the latest note
 * crosses once the member starts.
 */
static void
test_redial_until_up(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_elect_note	 n;

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[1]));
	n = note(2, 7);
	zk_qnet_send_note(nd[1].q, 1, &n);
	SPIN(900);	/* several refused dials */
	ZK_ASSERT(has_log(&nd[1], "redialling"));
	ZK_ASSERT(start(&nd[0]));
	WAIT(nd[0].nnotes >= 1, 4000);
	ZK_ASSERT_EQ(nd[0].nnotes, 1);
	ZK_ASSERT(same_note(&nd[0].notes[0], &n));
	ZK_ASSERT(zk_qnet_election_up(nd[1].q, 1));
	teardown(nd, 2);
}

static struct zk_zab_msg
zmsg(int type, int64_t zxid, const void *data, size_t len)
{
	struct zk_zab_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.epoch = 3;
	m.zxid = zxid;
	m.zxid2 = -1;
	m.data = data;
	m.len = len;
	return m;
}

/* A quorum link is reported on both ends and carries messages both ways. */
static void
test_quorum_messages(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_zab_msg	 m;
	size_t			 big = 5 * 1024 * 1024, i;
	char			*snap;

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[0]) && start(&nd[1]));
	m = zmsg(ZK_ZAB_PING, 0, NULL, 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[1].q, 1, &m), ZK_ECONNLOSS);
	zk_qnet_connect(nd[1].q, 1);
	ZK_ASSERT_EQ(nd[1].nconn, 0);	/* qnet.h (1): not from inside */
	WAIT(nd[0].nconn == 1 && nd[1].nconn == 1, 3000);
	ZK_ASSERT_EQ(nd[0].nconn, 1);
	ZK_ASSERT_EQ(nd[0].conn[0], 2);
	ZK_ASSERT_EQ(nd[1].nconn, 1);
	ZK_ASSERT_EQ(nd[1].conn[0], 1);

	/* Learner to leader: FOLLOWERINFO with flags, then an ACK. */
	m = zmsg(ZK_ZAB_FOLLOWERINFO, 0x200000005LL, NULL, 0);
	m.flags = ZK_ZAB_F_WANT_SNAP;
	ZK_ASSERT_EQ(zk_qnet_send(nd[1].q, 1, &m), ZK_OK);
	m = zmsg(ZK_ZAB_ACK, 0x300000001LL, NULL, 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[1].q, 1, &m), ZK_OK);
	/* Leader to learner: a 5 MiB SNAP, an empty PROPOSAL, a PING. */
	snap = zk_xmalloc(big);
	for (i = 0; i < big; i++)
		snap[i] = (char)(i * 7 + i / 4099);
	m = zmsg(ZK_ZAB_SNAP, 0x300000000LL, snap, big);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_OK);
	m = zmsg(ZK_ZAB_PROPOSAL, 0x300000001LL, "", 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_OK);
	m = zmsg(ZK_ZAB_PING, 0x300000001LL, NULL, 0);
	m.zxid2 = 0x300000001LL;
	m.digest = UINT64_MAX;
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_OK);
	WAIT(nd[0].nmsgs >= 2 && nd[1].nmsgs >= 3, 5000);

	ZK_ASSERT_EQ(nd[0].nmsgs, 2);
	ZK_ASSERT_EQ(nd[0].msgs[0].sid, 2);
	ZK_ASSERT_EQ(nd[0].msgs[0].m.type, ZK_ZAB_FOLLOWERINFO);
	ZK_ASSERT_EQ(nd[0].msgs[0].m.flags, ZK_ZAB_F_WANT_SNAP);
	ZK_ASSERT_EQ(nd[0].msgs[0].m.epoch, 3);
	ZK_ASSERT_EQ(nd[0].msgs[0].m.zxid, 0x200000005LL);
	ZK_ASSERT(nd[0].msgs[0].data == NULL);
	ZK_ASSERT_EQ(nd[0].msgs[1].m.type, ZK_ZAB_ACK);
	ZK_ASSERT_EQ(nd[0].msgs[1].m.zxid, 0x300000001LL);

	ZK_ASSERT_EQ(nd[1].nmsgs, 3);
	ZK_ASSERT_EQ(nd[1].msgs[0].sid, 1);
	ZK_ASSERT_EQ(nd[1].msgs[0].m.type, ZK_ZAB_SNAP);
	ZK_ASSERT_EQ(nd[1].msgs[0].m.zxid, 0x300000000LL);
	ZK_ASSERT_EQ(nd[1].msgs[0].m.len, big);
	ZK_ASSERT(nd[1].msgs[0].data != NULL);
	ZK_ASSERT_MEM(nd[1].msgs[0].data, snap, big);
	ZK_ASSERT_EQ(nd[1].msgs[1].m.type, ZK_ZAB_PROPOSAL);
	ZK_ASSERT(nd[1].msgs[1].data != NULL);	/* empty bin, not nil */
	ZK_ASSERT_EQ(nd[1].msgs[1].m.len, 0);
	ZK_ASSERT_EQ(nd[1].msgs[2].m.type, ZK_ZAB_PING);
	ZK_ASSERT_EQ(nd[1].msgs[2].m.zxid2, 0x300000001LL);
	ZK_ASSERT(nd[1].msgs[2].m.digest == UINT64_MAX);
	ZK_ASSERT_EQ(nd[0].ndisc + nd[1].ndisc, 0);
	free(snap);
	teardown(nd, 2);
}

/*
 * disconnected is reported once when the far member frees its qnet, and
 * never for a link this side closed itself.
 */
static void
test_disconnect_reports(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_zab_msg	 m = zmsg(ZK_ZAB_PING, 0, NULL, 0);

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[0]) && start(&nd[1]));

	/* The learner closes: only the leader hears of it. */
	zk_qnet_connect(nd[1].q, 1);
	WAIT(nd[0].nconn == 1 && nd[1].nconn == 1, 3000);
	ZK_ASSERT_EQ(nd[1].nconn, 1);
	zk_qnet_close(nd[1].q, 1);
	ZK_ASSERT_EQ(zk_qnet_send(nd[1].q, 1, &m), ZK_ECONNLOSS);
	WAIT(nd[0].ndisc == 1, 3000);
	SPIN(200);
	ZK_ASSERT_EQ(nd[0].ndisc, 1);
	ZK_ASSERT_EQ(nd[0].disc[0], 2);
	ZK_ASSERT_EQ(nd[1].ndisc, 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_ECONNLOSS);

	/* Again, and now the leader's qnet goes away. */
	zk_qnet_connect(nd[1].q, 1);
	WAIT(nd[0].nconn == 2 && nd[1].nconn == 2, 3000);
	ZK_ASSERT_EQ(nd[1].nconn, 2);
	node_reset(&nd[0]);
	WAIT(nd[1].ndisc == 1, 3000);
	SPIN(300);
	ZK_ASSERT_EQ(nd[1].ndisc, 1);
	ZK_ASSERT_EQ(nd[1].disc[0], 1);
	ZK_ASSERT_EQ(zk_qnet_send(nd[1].q, 1, &m), ZK_ECONNLOSS);
	teardown(nd, 2);
}

/*
 * A connect to a port nobody listens on, or to a sid that is no member,
 * reports disconnected exactly once and never connected.
 */
static void
test_connect_refused(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[1]));
	zk_qnet_connect(nd[1].q, 1);
	zk_qnet_connect(nd[1].q, 9);
	ZK_ASSERT_EQ(nd[1].ndisc, 0);	/* qnet.h (1): not from inside */
	WAIT(nd[1].ndisc == 2, 3000);
	SPIN(300);
	ZK_ASSERT_EQ(nd[1].ndisc, 2);
	ZK_ASSERT((nd[1].disc[0] == 1 && nd[1].disc[1] == 9) ||
	    (nd[1].disc[0] == 9 && nd[1].disc[1] == 1));
	ZK_ASSERT_EQ(nd[1].nconn, 0);
	teardown(nd, 2);
}

/*
 * Bad HELLOs (unknown sid, wrong port, election from a smaller sid, not a
 * peer at all) close that connection, are logged, and the listeners still
 * accept the next good one.
 */
static void
test_bad_hello(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1",
	    "127.0.0.1" };
	static const char http[] = "GET / HTTP/1.0\r\n\r\n";
	struct node		 nd[3];
	struct zk_buf		 b;
	int			 qp, ep, fd[4], i;

	setup();
	configure(nd, 3, hosts);
	ZK_ASSERT(start(&nd[1]));
	qp = server(&nd[1], 2)->quorum_port;
	ep = server(&nd[1], 2)->election_port;
	fd[0] = raw_connect(NULL, "127.0.0.1", qp);
	raw_hello(fd[0], 9, ZK_QPROTO_QUORUM);
	fd[1] = raw_connect(NULL, "127.0.0.1", qp);
	raw_hello(fd[1], 3, ZK_QPROTO_ELECTION);
	fd[2] = raw_connect(NULL, "127.0.0.1", ep);
	raw_hello(fd[2], 1, ZK_QPROTO_ELECTION);
	fd[3] = raw_connect(NULL, "127.0.0.1", ep);
	zk_buf_init(&b);
	zk_buf_append(&b, http, sizeof(http) - 1);
	raw_send(fd[3], &b);
	zk_buf_close(&b);
	for (i = 0; i < 4; i++)
		ZK_ASSERT(fd[i] >= 0);
	WAIT(raw_closed(fd[0]) && raw_closed(fd[1]) && raw_closed(fd[2]) &&
	    raw_closed(fd[3]), 3000);
	for (i = 0; i < 4; i++) {
		ZK_ASSERT(raw_closed(fd[i]));
		close(fd[i]);
	}
	ZK_ASSERT(has_log(&nd[1], "sid 9, not a member"));
	ZK_ASSERT(has_log(&nd[1], "for the election port"));
	ZK_ASSERT(has_log(&nd[1], "smaller than mine"));
	ZK_ASSERT(has_log(&nd[1], "over the limit"));
	ZK_ASSERT_EQ(nd[1].nconn + nd[1].ndisc + nd[1].nnotes, 0);

	/* The listeners still work: member 3 on both ports. */
	ZK_ASSERT(start(&nd[2]));
	zk_qnet_connect(nd[2].q, 2);
	WAIT(nd[1].nconn == 1 && nd[2].nconn == 1 &&
	    zk_qnet_election_up(nd[1].q, 3), 3000);
	ZK_ASSERT_EQ(nd[1].nconn, 1);
	ZK_ASSERT_EQ(nd[1].conn[0], 3);
	ZK_ASSERT_EQ(nd[2].nconn, 1);
	ZK_ASSERT(zk_qnet_election_up(nd[1].q, 3));
	teardown(nd, 3);
}

/*
 * After a good HELLO, a malformed frame, a frame over the limit, or a note
 * whose sid is not the link's closes the link (quorum: disconnected).
 */
static void
test_bad_frame(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	static const char junk[] = { 0, 0, 0, 4, (char)0x93, 1, 2, 3 };
	struct node		 nd[2];
	struct zk_elect_note	 n = note(3, 1);
	struct zk_buf		 b;
	char			 huge[4];
	int			 qp, ep, fd;

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[0]));
	qp = server(&nd[0], 1)->quorum_port;
	ep = server(&nd[0], 1)->election_port;
	zk_buf_init(&b);

	/* [1, 2, 3] is no ZAB message. */
	fd = raw_connect(NULL, "127.0.0.1", qp);
	raw_hello(fd, 2, ZK_QPROTO_QUORUM);
	WAIT(nd[0].nconn == 1, 3000);
	ZK_ASSERT_EQ(nd[0].nconn, 1);
	zk_buf_append(&b, junk, sizeof(junk));
	raw_send(fd, &b);
	WAIT(nd[0].ndisc == 1 && raw_closed(fd), 3000);
	ZK_ASSERT_EQ(nd[0].ndisc, 1);
	ZK_ASSERT_EQ(nd[0].disc[0], 2);
	ZK_ASSERT(raw_closed(fd));
	ZK_ASSERT_EQ(nd[0].nmsgs, 0);
	close(fd);

	/* A frame claiming more than ZK_QNET_MAX_FRAME bytes. */
	fd = raw_connect(NULL, "127.0.0.1", qp);
	raw_hello(fd, 2, ZK_QPROTO_QUORUM);
	WAIT(nd[0].nconn == 2, 3000);
	ZK_ASSERT_EQ(nd[0].nconn, 2);
	zk_store_be32(huge, (uint32_t)ZK_QNET_MAX_FRAME + 1);
	b.len = 0;
	zk_buf_append(&b, huge, sizeof(huge));
	raw_send(fd, &b);
	WAIT(nd[0].ndisc == 2 && raw_closed(fd), 3000);
	ZK_ASSERT_EQ(nd[0].ndisc, 2);
	ZK_ASSERT(raw_closed(fd));
	close(fd);

	/* On the election port, sid 2 speaking for sid 3. */
	fd = raw_connect(NULL, "127.0.0.1", ep);
	raw_hello(fd, 2, ZK_QPROTO_ELECTION);
	WAIT(zk_qnet_election_up(nd[0].q, 2), 3000);
	ZK_ASSERT(zk_qnet_election_up(nd[0].q, 2));
	b.len = 0;
	zk_qproto_encode_note(&b, &n);
	raw_send(fd, &b);
	WAIT(raw_closed(fd), 3000);
	ZK_ASSERT(raw_closed(fd));
	ZK_ASSERT(!zk_qnet_election_up(nd[0].q, 2));
	ZK_ASSERT_EQ(nd[0].nnotes, 0);
	ZK_ASSERT(has_log(&nd[0], "on the link of sid 2"));
	close(fd);
	zk_buf_close(&b);
	teardown(nd, 2);
}

/*
 * A newer election connection from the same sid replaces the older, and
 * the latest note goes out on each new link as it comes up.
 */
static void
test_newer_election_link(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_elect_note	 n = note(1, 4), got;
	struct zk_buf		 a, b;
	struct zk_error		 e;
	uint32_t		 len = 0;
	int			 ep, fa, fb;

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[0]));
	ep = server(&nd[0], 1)->election_port;
	zk_qnet_send_note(nd[0].q, 2, &n);
	zk_buf_init(&a);
	zk_buf_init(&b);

	fa = raw_connect(NULL, "127.0.0.1", ep);
	raw_hello(fa, 2, ZK_QPROTO_ELECTION);
	WAIT((raw_fill(fa, &a), whole_frame(&a, &len)), 3000);
	ZK_ASSERT(whole_frame(&a, &len));
	ZK_ASSERT_EQ(zk_qproto_decode_note(a.data + ZK_FRAME_HDR, len, &got,
	    &e), ZK_OK);
	ZK_ASSERT(same_note(&got, &n));

	fb = raw_connect(NULL, "127.0.0.1", ep);
	raw_hello(fb, 2, ZK_QPROTO_ELECTION);
	WAIT((raw_fill(fb, &b), whole_frame(&b, &len)), 3000);
	ZK_ASSERT(whole_frame(&b, &len));
	ZK_ASSERT_EQ(zk_qproto_decode_note(b.data + ZK_FRAME_HDR, len, &got,
	    &e), ZK_OK);
	ZK_ASSERT(same_note(&got, &n));
	drop_frame(&b);
	WAIT(raw_closed(fa), 3000);
	ZK_ASSERT(raw_closed(fa));

	/* New notes take the newer link. */
	n = note(1, 5);
	zk_qnet_send_note(nd[0].q, 2, &n);
	WAIT((raw_fill(fb, &b), whole_frame(&b, &len)), 3000);
	ZK_ASSERT(whole_frame(&b, &len));
	ZK_ASSERT_EQ(zk_qproto_decode_note(b.data + ZK_FRAME_HDR, len, &got,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(got.round, 5);
	ZK_ASSERT(zk_qnet_election_up(nd[0].q, 2));
	close(fa);
	close(fb);
	zk_buf_close(&a);
	zk_buf_close(&b);
	teardown(nd, 2);
}

/*
 * A quorum connect comes from this member's host and opens with a quorum
 * HELLO naming it; connected follows without any answer from the far end.
 */
static void
quorum_source(const char *h2)
{
	const char		*hosts[2] = { "127.0.0.1", h2 };
	struct node		 nd[2];
	struct zk_qproto_hello	 h;
	struct zk_error		 e;
	struct zk_buf		 acc;
	struct sockaddr_in	 peer;
	socklen_t		 plen = sizeof(peer);
	char			 addr[INET_ADDRSTRLEN];
	uint32_t		 len = 0;
	int			 l1, c = -1;

	setup();
	configure(nd, 2, hosts);
	l1 = raw_listen("127.0.0.1", server(&nd[1], 1)->quorum_port);
	ZK_ASSERT(l1 >= 0);
	ZK_ASSERT(start(&nd[1]));
	zk_qnet_connect(nd[1].q, 1);
	WAIT((c = try_accept(l1)) >= 0, 3000);
	ZK_ASSERT(c >= 0);
	ZK_ASSERT_EQ(getpeername(c, (struct sockaddr *)&peer, &plen), 0);
	inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
	ZK_ASSERT_STR(addr, h2);
	zk_buf_init(&acc);
	WAIT((raw_fill(c, &acc), whole_frame(&acc, &len)), 3000);
	ZK_ASSERT(whole_frame(&acc, &len));
	ZK_ASSERT_EQ(zk_qproto_decode_hello(acc.data + ZK_FRAME_HDR, len, &h,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(h.sid, 2);
	ZK_ASSERT_EQ(h.port, ZK_QPROTO_QUORUM);
	WAIT(nd[1].nconn == 1, 3000);
	ZK_ASSERT_EQ(nd[1].nconn, 1);
	ZK_ASSERT_EQ(nd[1].conn[0], 1);
	zk_buf_close(&acc);
	close(c);
	close(l1);
	teardown(nd, 2);
}

/* qnet.h: outgoing quorum links come from this member's host, 127.0.0.1. */
static void
test_quorum_source_first_host(void)
{
	quorum_source("127.0.0.1");
}

/* qnet.h: outgoing quorum links come from this member's host, 127.0.0.2. */
static void
test_quorum_source_second_host(void)
{
	if (host2 == NULL) {
		fprintf(stderr, "skip: 127.0.0.2 cannot be bound here\n");
		return;
	}
	quorum_source(host2);
}

/*
 * qnet.h (4): a quorum link whose unsent output would pass ZK_QNET_MAX_OUT
 * is closed with disconnected reported; a message larger than any member
 * accepts is refused with ZK_ETOOBIG and the link stays.
 */
static void
test_output_bound(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_zab_msg	 m;
	size_t			 big = ZK_QNET_MAX_OUT / 2 + 1024;
	char			*data, one = 'x';
	int			 fd;

	setup();
	configure(nd, 2, hosts);
	ZK_ASSERT(start(&nd[0]));
	/* Member 2 says HELLO and then reads nothing. */
	fd = raw_connect(NULL, "127.0.0.1", server(&nd[0], 1)->quorum_port);
	raw_hello(fd, 2, ZK_QPROTO_QUORUM);
	WAIT(nd[0].nconn == 1, 3000);
	ZK_ASSERT_EQ(nd[0].nconn, 1);

	/* Never read: the length alone says no. */
	m = zmsg(ZK_ZAB_SNAP, 1, &one, ZK_QNET_MAX_FRAME + 1);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_ETOOBIG);
	m = zmsg(ZK_ZAB_PING, 1, NULL, 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_OK);

	data = zk_xcalloc(1, big);
	m = zmsg(ZK_ZAB_SNAP, 1, data, big);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_OK);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_ECONNLOSS);
	free(data);
	ZK_ASSERT_EQ(nd[0].ndisc, 0);	/* qnet.h (1): not from inside */
	WAIT(nd[0].ndisc == 1, 3000);
	SPIN(200);
	ZK_ASSERT_EQ(nd[0].ndisc, 1);
	ZK_ASSERT_EQ(nd[0].disc[0], 2);
	ZK_ASSERT(has_log(&nd[0], "reads too slowly"));
	m = zmsg(ZK_ZAB_PING, 1, NULL, 0);
	ZK_ASSERT_EQ(zk_qnet_send(nd[0].q, 2, &m), ZK_ECONNLOSS);
	close(fd);
	teardown(nd, 2);
}

/* A bad configuration is refused with ZK_EBADARGUMENTS, not a crash. */
static void
test_bad_config(void)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	struct node		 nd[2];
	struct zk_error		 e;

	setup();
	configure(nd, 2, hosts);
	nd[0].cfg.myid = 5;
	ZK_ASSERT(zk_qnet_new(base, &nd[0].cfg, &cbs, &nd[0], &e) == NULL);
	ZK_ASSERT_EQ(e.code, ZK_EBADARGUMENTS);
	nd[0].cfg.myid = 1;
	snprintf(nd[0].cfg.servers[1].host, sizeof(nd[0].cfg.servers[1].host),
	    "localhost");
	ZK_ASSERT(zk_qnet_new(base, &nd[0].cfg, &cbs, &nd[0], &e) == NULL);
	ZK_ASSERT_EQ(e.code, ZK_EBADARGUMENTS);
	ZK_ASSERT(strstr(e.msg, "numeric") != NULL);
	teardown(nd, 0);
}

int
main(void)
{
	int	 fd;

	/* 127.0.0.2 works on Linux's loopback; elsewhere it may not. */
	if ((fd = bound_socket("127.0.0.2", 0)) >= 0) {
		host2 = "127.0.0.2";
		close(fd);
	}
	ZK_RUN(test_notes_all_pairs);
	ZK_RUN(test_larger_dials_from_own_host);
	ZK_RUN(test_larger_dials_from_second_host);
	ZK_RUN(test_note_before_link);
	ZK_RUN(test_redial_until_up);
	ZK_RUN(test_quorum_messages);
	ZK_RUN(test_disconnect_reports);
	ZK_RUN(test_connect_refused);
	ZK_RUN(test_bad_hello);
	ZK_RUN(test_bad_frame);
	ZK_RUN(test_newer_election_link);
	ZK_RUN(test_quorum_source_first_host);
	ZK_RUN(test_quorum_source_second_host);
	ZK_RUN(test_output_bound);
	ZK_RUN(test_bad_config);
	return ZK_TEST_DONE();
}
