/*
 * linload: records a history for lincheck by running CLIENTS processes
 * that read, write and compare-and-set the znodes /lin/k0.. through live
 * servers for SECONDS, each op one line of the format in lin.h.
 * "linload --init" creates the znodes first.
 *
 *   linload -s HOST:PORT,... [-c CLIENTS] [-d SECONDS] [-k KEYS] [-r READ%]
 *           [--readers N] [--hop OPS] [-o HISTORY] [--seed N] [--init]
 *
 * Invariants:
 *  (1) An outcome is "fail" only when the op definitely did not take
 *      effect: the server answered with a refusal (BADVERSION, NOTSERVING
 *      and the like), or the client library answered an op it never sent
 *      (session expired). Timeouts, lost connections and anything else
 *      are "info": unknown, which is always safe.
 *  (2) Every line is written with one write(2) on a descriptor opened
 *      with O_APPEND, so the lines of all clients interleave whole.
 *  (3) The invocation time is taken before the first request of the op
 *      goes out, the return time after its last reply: the interval
 *      covers the op's effect.
 *  (4) Before any client starts, the parent records each key's state in
 *      an init line, so a tree left by an earlier run checks too.
 *  (5) No op outlives SECONDS by more than a connect, two calls and a
 *      close (CALL_MS each); the parent kills what is still running
 *      KILL_GRACE_S after that.
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_sync.h"
#include "error.h"
#include "servers.h"
#include "util.h"

#include "history.h"

#define SESSION_MS	4000	/* session timeout asked for */
#define CALL_MS		2000	/* per connect and per call */
#define KILL_GRACE_S	20	/* past SECONDS, before the parent kills */
#define INIT_TRIES_S	10	/* --init keeps trying this long */
#define VALUE_MAX	64	/* our values are short: "c12-3456" */

struct opts {
	const char	*servers;	/* as given */
	int		 clients;
	int		 secs;
	int		 keys;
	int		 reads;		/* percent of ops that read */
	int		 readers;	/* clients that only read */
	int		 hop;		/* ops between new sessions, about */
	const char	*out;		/* "-": standard output */
	uint64_t	 seed;
	int		 init;
};

struct counts {				/* one per client, in shared memory */
	long		 ops, ok, fail, info;
	long		 sessions;	/* connects that gave a session */
};

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t	 x;

	*s += 0x9e3779b97f4a7c15ULL;
	x = *s;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void
sleep_ms(int64_t ms)
{
	struct timespec	 ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * The connect string in a new random order. The library starts at a
 * random item of it anyway; shuffling as well makes the order in which
 * it moves on random too.
 */
static char *
shuffled(const char *servers, uint64_t *rs)
{
	char	**list, *out, *tmp;
	size_t	 n, i, j, len = 1;

	if (zk_servers_parse(servers, &list, &n, NULL) != ZK_OK)
		return zk_xstrdup(servers);
	for (i = n; i > 1; i--) {
		j = (size_t)(rnd(rs) % i);
		tmp = list[i - 1];
		list[i - 1] = list[j];
		list[j] = tmp;
	}
	for (i = 0; i < n; i++)
		len += strlen(list[i]) + 1;
	out = zk_xcalloc(1, len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, list[i]);
	}
	zk_servers_free(list, n);
	return out;
}

/* Invariant (1). */
static int
outcome_of(int rc)
{
	switch (rc) {
	case ZK_OK:
		return ZK_LIN_OK;
	case ZK_EBADVERSION:		/* the txn was refused */
	case ZK_ENONODE:
	case ZK_ENOTSERVING:		/* refused before the pipeline */
	case ZK_ESESSIONEXPIRED:	/* refused, or never sent */
	case ZK_EBADARGUMENTS:
	case ZK_EBADPATH:
	case ZK_ETOOBIG:
		return ZK_LIN_FAIL;
	default:			/* ZK_ETIMEOUT, ZK_ECONNLOSS, ... */
		return ZK_LIN_INFO;
	}
}

/* Invariant (2): one line, one write. */
static int
put_line(int fd, const char *line, size_t len)
{
	ssize_t	 n;

	while ((n = write(fd, line, len)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)len ? 0 : -1;
}

/* Writes op (with rc's words as a comment when it failed). */
static int
record(int fd, struct zk_lin_op *op, int rc, struct counts *c)
{
	size_t	 size = 3 * op->value_len + 256;
	char	*buf = zk_xmalloc(size);
	int	 n, r;

	op->outcome = outcome_of(rc);
	n = zk_history_format(op, buf, size - 64);
	if (n < 0) {
		free(buf);
		return -1;
	}
	if (rc != ZK_OK) {
		/* Replace the newline with "# words\n" for the reader. */
		n--;
		n += snprintf(buf + n, size - (size_t)n, " # %s\n",
		    zk_error_str(rc));
	}
	r = put_line(fd, buf, (size_t)n);
	free(buf);
	c->ops++;
	if (op->outcome == ZK_LIN_OK)
		c->ok++;
	else if (op->outcome == ZK_LIN_FAIL)
		c->fail++;
	else
		c->info++;
	return r;
}

/* Invariant (3). A read is sync, then getData, so it sees the latest. */
static int
do_read(struct zk_sync *s, const char *path, struct zk_lin_op *op)
{
	struct zk_stat	 st;
	struct zk_error	 e;
	int		 rc;

	op->kind = ZK_LIN_READ;
	op->invoke_ns = now_ns();
	rc = zk_sync_sync(s, path, &e);
	if (rc == ZK_OK)
		rc = zk_sync_get(s, path, &op->value, &op->value_len, &st,
		    &e);
	op->return_ns = now_ns();
	if (rc == ZK_OK)
		op->version = st.version;
	return rc;
}

static int
do_set(struct zk_sync *s, const char *path, struct zk_lin_op *op,
    int32_t version)
{
	struct zk_stat	 st;
	struct zk_error	 e;
	int		 rc;

	op->invoke_ns = now_ns();
	rc = zk_sync_set(s, path, op->value, op->value_len, version, &st, &e);
	op->return_ns = now_ns();
	if (rc == ZK_OK)
		op->version = st.version;
	return rc;
}

/*
 * One client: random ops on random keys until the deadline, through a
 * session that is closed and opened again every HOP ops or so (three
 * quarters to one and a quarter of it; 20 by default) and after any
 * error, so that it lands on other servers. The first READERS clients
 * only read.
 */
static int
run_client(const struct opts *o, int id, int fd, int64_t deadline_ns,
    struct counts *c)
{
	struct zk_sync	*s = NULL;
	struct zk_lin_op op;
	struct zk_error	 e;
	int32_t		*seen = zk_xcalloc((size_t)o->keys, sizeof(*seen));
	uint64_t	 rs = o->seed * 1000003 + (uint64_t)id;
	char		 client[32], key[32], path[48], value[VALUE_MAX];
	char		*servers;
	long		 seq = 0;
	int		 left = 0, k, r, rc, failed = 0;

	snprintf(client, sizeof(client), "c%d", id);
	while (!failed && now_ns() < deadline_ns) {
		if (s == NULL) {
			servers = shuffled(o->servers, &rs);
			s = zk_sync_connect(servers, SESSION_MS, CALL_MS, &e);
			free(servers);
			if (s == NULL) {
				/* The nemesis may have them all down: wait. */
				sleep_ms(100 + (int64_t)(rnd(&rs) % 200));
				continue;
			}
			c->sessions++;
			left = o->hop * 3 / 4 + (int)(rnd(&rs) %
			    (uint64_t)(o->hop / 2 + 1));
		}
		k = (int)(rnd(&rs) % (uint64_t)o->keys);
		snprintf(key, sizeof(key), "k%d", k);
		snprintf(path, sizeof(path), "/lin/k%d", k);
		memset(&op, 0, sizeof(op));
		op.client = client;
		op.key = key;
		op.version = op.expected = -1;
		r = (int)(rnd(&rs) % 100);
		if (r < o->reads || id < o->readers) {
			rc = do_read(s, path, &op);
			if (rc == ZK_OK)
				seen[k] = op.version;
		} else {
			snprintf(value, sizeof(value), "c%d-%ld", id, ++seq);
			op.value = value;
			op.value_len = strlen(value);
			if (r < o->reads + (100 - o->reads) / 2) {
				op.kind = ZK_LIN_WRITE;
				rc = do_set(s, path, &op, -1);
			} else {
				op.kind = ZK_LIN_CAS;
				op.expected = seen[k];
				rc = do_set(s, path, &op, seen[k]);
			}
		}
		if (record(fd, &op, rc, c) != 0)
			failed = 1;
		if (op.kind == ZK_LIN_READ)
			free(op.value);
		/* A cas that lost the race is no reason to move. */
		if ((rc != ZK_OK && rc != ZK_EBADVERSION) || --left <= 0) {
			zk_sync_close(s);
			s = NULL;
		}
	}
	if (s != NULL)
		zk_sync_close(s);
	free(seen);
	return failed;
}

/* Invariant (4): sync and read each key, trying until the deadline. */
static int
record_init(const struct opts *o, int fd, int64_t deadline_ns)
{
	struct zk_sync	*s = NULL;
	struct zk_stat	 st;
	struct zk_error	 e;
	char		 path[48], key[32], *data, *line;
	size_t		 len;
	int		 k = 0, rc, n;

	memset(&e, 0, sizeof(e));
	while (k < o->keys && now_ns() < deadline_ns) {
		if (s == NULL &&
		    (s = zk_sync_connect(o->servers, SESSION_MS, CALL_MS,
		    &e)) == NULL) {
			sleep_ms(200);
			continue;
		}
		snprintf(path, sizeof(path), "/lin/k%d", k);
		snprintf(key, sizeof(key), "k%d", k);
		if ((rc = zk_sync_sync(s, path, &e)) == ZK_OK)
			rc = zk_sync_get(s, path, &data, &len, &st, &e);
		if (rc == ZK_ENONODE) {
			fprintf(stderr, "linload: %s: no such node; run "
			    "linload --init first\n", path);
			zk_sync_close(s);
			return -1;
		}
		if (rc != ZK_OK) {
			zk_sync_close(s);
			s = NULL;
			continue;
		}
		line = zk_xmalloc(3 * len + 128);
		n = zk_history_format_init(key, data, len, st.version, line,
		    3 * len + 128);
		free(data);
		if (n < 0 || put_line(fd, line, (size_t)n) != 0) {
			free(line);
			fprintf(stderr, "linload: %s: %s\n", o->out,
			    strerror(errno));
			zk_sync_close(s);
			return -1;
		}
		free(line);
		k++;
	}
	if (s != NULL)
		zk_sync_close(s);
	if (k < o->keys) {
		fprintf(stderr, "linload: cannot read the initial state: %s\n",
		    e.msg[0] ? e.msg : "no time left");
		return -1;
	}
	return 0;
}

/* --init: /lin and /lin/k0.. with value "0"; nodes that exist stay. */
static int
do_init(const struct opts *o)
{
	struct zk_sync	*s = NULL;
	struct zk_error	 e;
	int64_t		 deadline = now_ns() + (int64_t)INIT_TRIES_S *
	    1000000000;
	char		 path[48];
	int		 k = -1, rc;

	memset(&e, 0, sizeof(e));
	while (k < o->keys && now_ns() < deadline) {
		if (s == NULL &&
		    (s = zk_sync_connect(o->servers, SESSION_MS, CALL_MS,
		    &e)) == NULL) {
			sleep_ms(200);
			continue;
		}
		if (k < 0)
			snprintf(path, sizeof(path), "/lin");
		else
			snprintf(path, sizeof(path), "/lin/k%d", k);
		rc = zk_sync_create(s, path, "0", k < 0 ? 0 : 1, 0, NULL,
		    NULL, &e);
		if (rc == ZK_OK || rc == ZK_ENODEEXISTS) {
			k++;
			continue;
		}
		/* A lost reply may hide a create that happened: exists next. */
		zk_sync_close(s);
		s = NULL;
	}
	if (s != NULL)
		zk_sync_close(s);
	if (k < o->keys) {
		fprintf(stderr, "linload: cannot create the znodes: %s\n",
		    e.msg[0] ? e.msg : "no time left");
		return 1;
	}
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: linload -s HOST:PORT,... [-c CLIENTS] "
	    "[-d SECONDS] [-k KEYS] [-r READ_PERCENT] [--readers N] "
	    "[--hop OPS] [-o HISTORY] [--seed N] [--init]\n");
	return 2;
}

static int
int_arg(const char *s, int min, int max, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse(struct opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "seed",	required_argument,	NULL,	'S' },
		{ "readers",	required_argument,	NULL,	'R' },
		{ "hop",	required_argument,	NULL,	'H' },
		{ "init",	no_argument,		NULL,	'I' },
		{ NULL,		0,			NULL,	0 },
	};
	char			*end;
	int			 ch;

	memset(o, 0, sizeof(o[0]));
	o->clients = 4;
	o->secs = 10;
	o->keys = 3;
	o->reads = 40;
	o->hop = 20;
	o->out = "-";
	o->seed = (uint64_t)now_ns() ^ (uint64_t)getpid() << 32;
	opterr = 0;	/* usage() is the one line */
	while ((ch = getopt_long(argc, argv, "s:c:d:k:o:r:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			o->servers = optarg;
			break;
		case 'c':
			if (int_arg(optarg, 1, 1000, &o->clients) != 0)
				return -1;
			break;
		case 'd':
			if (int_arg(optarg, 1, 86400, &o->secs) != 0)
				return -1;
			break;
		case 'k':
			if (int_arg(optarg, 1, 1000, &o->keys) != 0)
				return -1;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			if (int_arg(optarg, 0, 100, &o->reads) != 0)
				return -1;
			break;
		case 'S':
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0')
				return -1;
			break;
		case 'I':
			o->init = 1;
			break;
		case 'R':
			if (int_arg(optarg, 0, 1000, &o->readers) != 0)
				return -1;
			break;
		case 'H':
			if (int_arg(optarg, 1, 1000000, &o->hop) != 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || o->servers == NULL)
		return -1;
	return 0;
}

/* Invariant (5): waits for every child, killing those that overstay. */
static int
wait_all(pid_t *pids, int n, int64_t kill_at_ns)
{
	int	 left = n, bad = 0, st, i;
	pid_t	 p;

	while (left > 0) {
		p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno != EINTR)
			break;
		if (p <= 0) {
			if (now_ns() > kill_at_ns)
				for (i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
			sleep_ms(20);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == p) {
				pids[i] = 0;
				left--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
					fprintf(stderr, "linload: client c%d "
					    "did not finish\n", i);
					bad = 1;
				}
			}
	}
	return bad;
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct counts	*cs, sum;
	pid_t		*pids;
	int64_t		 start, deadline;
	int		 fd, i, bad;

	if (parse(&o, argc, argv) != 0)
		return usage();
	if (o.init)
		return do_init(&o);
	if (strcmp(o.out, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
	    0644)) < 0) {
		fprintf(stderr, "linload: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	start = now_ns();
	deadline = start + (int64_t)o.secs * 1000000000;
	if (record_init(&o, fd, deadline) != 0)
		return 1;
	cs = mmap(NULL, (size_t)o.clients * sizeof(*cs),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cs == MAP_FAILED) {
		fprintf(stderr, "linload: mmap: %s\n", strerror(errno));
		return 1;
	}
	memset(cs, 0, (size_t)o.clients * sizeof(*cs));
	pids = zk_xcalloc((size_t)o.clients, sizeof(*pids));
	fflush(NULL);
	for (i = 0; i < o.clients; i++) {
		if ((pids[i] = fork()) < 0) {
			fprintf(stderr, "linload: fork: %s\n", strerror(errno));
			pids[i] = 0;
			break;
		}
		if (pids[i] == 0)
			_exit(run_client(&o, i, fd, deadline, &cs[i]));
	}
	bad = wait_all(pids, o.clients, deadline + (int64_t)KILL_GRACE_S *
	    1000000000) || i < o.clients;
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < o.clients; i++) {
		sum.ops += cs[i].ops;
		sum.ok += cs[i].ok;
		sum.fail += cs[i].fail;
		sum.info += cs[i].info;
		sum.sessions += cs[i].sessions;
	}
	fprintf(stderr, "linload: %d clients, %ld ops (%ld ok, %ld fail, "
	    "%ld info), %ld sessions, %.1f s\n", o.clients, sum.ops, sum.ok,
	    sum.fail, sum.info, sum.sessions,
	    (double)(now_ns() - start) / 1e9);
	if (sum.ops == 0) {
		fprintf(stderr, "linload: no op was recorded\n");
		bad = 1;
	}
	munmap(cs, (size_t)o.clients * sizeof(*cs));
	free(pids);
	if (fd != STDOUT_FILENO && close(fd) != 0) {
		fprintf(stderr, "linload: %s: %s\n", o.out, strerror(errno));
		bad = 1;
	}
	return bad;
}
