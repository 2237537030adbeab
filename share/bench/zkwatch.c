/*
 * zkwatch: the yardstick for zk-bench --op watch, on Apache ZooKeeper
 * through libzookeeper-mt: how long one change takes to reach many
 * watchers. WATCHERS sessions each keep a one-shot data watch (exists)
 * on one node and set it again after each event (the C client of 3.8 has
 * no persistent watches); one more session sets the node, one change at
 * a time. A delivery time is from the moment the setData is handed to
 * the client library to the moment a watcher's callback has the event.
 * It prints one line:
 *
 *	op=watch watchers=N secs=S rounds=R ok=K err=E events/s=X
 *	lat_us p50=... p99=... p999=... max=...
 *
 * ok counts events delivered in the measured run, err events that never
 * came (and failed sets), rounds the changes sent in the measured run.
 *
 * Invariants:
 *  (1) A change is sent only once every watcher has had the last one AND
 *      its re-arming exists was answered (the watch is set again on the
 *      server), or ROUND_MS passed: each watcher sees each change once,
 *      and a missing event is an error (only an event later than
 *      ROUND_MS can be taken for the next change's).
 *  (2) Only events of changes sent in the measured run are samples.
 *  (3) Every shared field of the run is under run.mu: the callbacks of
 *      each session run on that session's own completion thread.
 *
 * Build (as the yardstick builds zkload):
 *	cc -O2 -o zkwatch zkwatch.c -lzookeeper_mt -lpthread -lm
 * Usage:
 *	zkwatch [-s HOST:PORT] [-c WATCHERS] [-d SECONDS] [-W SECONDS]
 *	    [-T SECONDS] [--size BYTES] [--path PATH]
 * Exit: 0 done, 1 a request failed while setting up, 2 usage,
 * 3 no session within -T or a session expired.
 */
#define _GNU_SOURCE
#define THREADED
#include <zookeeper/zookeeper.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUND_MS	5000	/* as zk-bench: a change not seen by all by then */
#define SESSION_MS	10000	/* the session timeout asked for */

struct session {
	zhandle_t	*zh;
	int		 up;		/* counted in run.connected */
	uint64_t	 seen;		/* the last change it had an event for */
};

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	const char	*path;
	int		 n;		/* watchers */
	int		 connected;	/* sessions connected, writer too */
	int		 lost;		/* a session expired */
	uint64_t	 round;		/* changes sent; 0 while arming */
	int64_t		 t0_us;		/* the current change was sent */
	int		 got;		/* watchers that had it */
	int		 armed;		/* of those, watching again */
	int		 arm_err;	/* first failed exists */
	int		 set_done;	/* its setData was answered */
	int		 set_rc;
	int		 measuring;
	uint32_t	*lat;		/* samples, microseconds */
	size_t		 nlat, cap;
	uint64_t	 rounds, errors;	/* in the measured run */
} run = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: zkwatch [-s HOST:PORT] [-c WATCHERS] "
	    "[-d SECONDS] [-W SECONDS] [-T SECONDS]\n"
	    "               [--size BYTES] [--path PATH]\n");
	exit(2);
}

static double
seconds(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 1e6)
		usage();
	return v;
}

static long
number(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

/* Each session has a socket and a wake-up pipe: a thousand need more
 * descriptors than a shell's usual 1024. */
static void
raise_fd_limit(rlim_t want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Called with run.mu held. */
static int
round_over(void)
{
	return run.set_done && (run.set_rc != ZOK ||
	    (run.got == run.n && run.armed == run.n));
}

/* Called with run.mu held; the samples grow by doubling. */
static void
sample(int64_t us)
{
	if (run.nlat == run.cap) {
		run.cap = run.cap ? run.cap * 2 : 65536;
		if ((run.lat = realloc(run.lat, run.cap * sizeof(*run.lat))) ==
		    NULL) {
			perror("zkwatch");
			abort();
		}
	}
	run.lat[run.nlat++] = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)us;
}

static void
on_session(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct session	*s = ctx;

	(void)zh;
	(void)path;
	if (type != ZOO_SESSION_EVENT)
		return;
	pthread_mutex_lock(&run.mu);
	if (state == ZOO_CONNECTED_STATE && !s->up) {
		s->up = 1;
		run.connected++;
	} else if (state != ZOO_CONNECTED_STATE && s->up) {
		s->up = 0;
		run.connected--;
	}
	if (state == ZOO_EXPIRED_SESSION_STATE ||
	    state == ZOO_AUTH_FAILED_STATE)
		run.lost = 1;
	pthread_cond_broadcast(&run.cv);
	pthread_mutex_unlock(&run.mu);
}

static void	arm(struct session *);

/* The watch fired: one sample (invariant (2)), then watch again. */
static void
on_change(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct session	*s = ctx;
	int64_t		 now = now_us();

	(void)zh;
	(void)state;
	(void)path;
	if (type != ZOO_CHANGED_EVENT)
		return;		/* a session event passed to every watch */
	pthread_mutex_lock(&run.mu);
	if (s->seen < run.round) {
		s->seen = run.round;
		if (run.measuring)
			sample(now - run.t0_us);
		run.got++;
	}
	pthread_mutex_unlock(&run.mu);
	arm(s);
}

/* The exists that set the watch was answered: it watches again. */
static void
on_armed(int rc, const struct Stat *st, const void *data)
{
	struct session	*s = (struct session *)data;

	(void)st;
	pthread_mutex_lock(&run.mu);
	if (rc != ZOK && run.arm_err == ZOK)
		run.arm_err = rc;
	/* Only a watcher that had this round's change counts (inv. (1)). */
	if (rc == ZOK && s->seen == run.round)
		run.armed++;
	if (round_over() || (run.round == 0 && run.armed == run.n))
		pthread_cond_broadcast(&run.cv);
	pthread_mutex_unlock(&run.mu);
}

static void
arm(struct session *s)
{
	int	 rc;

	rc = zoo_awexists(s->zh, run.path, on_change, s, on_armed, s);
	if (rc != ZOK) {
		pthread_mutex_lock(&run.mu);
		if (run.arm_err == ZOK)
			run.arm_err = rc;
		pthread_mutex_unlock(&run.mu);
	}
}

static void
on_set(int rc, const struct Stat *st, const void *data)
{
	(void)st;
	(void)data;
	pthread_mutex_lock(&run.mu);
	run.set_done = 1;
	run.set_rc = rc;
	if (round_over())
		pthread_cond_broadcast(&run.cv);
	pthread_mutex_unlock(&run.mu);
}

/* Waits on run.cv (run.mu held) until done() or deadline_us; done(). */
static int
wait_until(int (*done)(void), int64_t deadline_us)
{
	struct timespec	 ts;
	int64_t		 left;

	while (!done()) {
		left = deadline_us - now_us();
		if (left <= 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000000;
		ts.tv_nsec += (left % 1000000) * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&run.cv, &run.mu, &ts);
	}
	return done();
}

static int
all_connected(void)
{
	return run.lost || run.connected == run.n + 1;
}

static int
all_armed(void)
{
	return run.arm_err != ZOK || run.armed == run.n;
}

/* Sends the next change (invariant (1) holds: the last round is over). */
static void
change(zhandle_t *writer, const char *data, int len)
{
	int	 rc;

	pthread_mutex_lock(&run.mu);
	run.round++;
	run.got = run.armed = run.set_done = 0;
	run.set_rc = ZOK;
	run.t0_us = now_us();
	pthread_mutex_unlock(&run.mu);
	if ((rc = zoo_aset(writer, run.path, data, len, -1, on_set, NULL)) !=
	    ZOK)
		on_set(rc, NULL, NULL);
}

/* Changes one after another: warm_s unrecorded, then dur_s measured. */
static double
measure(zhandle_t *writer, const char *data, int len, double warm_s,
    double dur_s)
{
	int64_t	 warm_end = now_us() + (int64_t)(warm_s * 1e6);
	int64_t	 end = warm_end + (int64_t)(dur_s * 1e6), start = 0, now;
	int	 over;

	for (;;) {
		change(writer, data, len);
		pthread_mutex_lock(&run.mu);
		over = wait_until(round_over, now_us() + ROUND_MS * 1000);
		if (run.measuring) {
			run.rounds++;
			if (!over)	/* some watchers never had it */
				run.errors += (uint64_t)(run.n - run.got);
			if (run.set_done && run.set_rc != ZOK)
				run.errors++;
		}
		now = now_us();
		if (!run.measuring && now >= warm_end) {
			run.measuring = 1;
			start = now;
		} else if (run.measuring && now >= end) {
			run.measuring = 0;
			pthread_mutex_unlock(&run.mu);
			break;
		}
		pthread_mutex_unlock(&run.mu);
	}
	return (double)(now - start) / 1e6;
}

static int
by_value(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the least sample with at least q of them at or below. */
static uint32_t
quantile(double q)
{
	size_t	 k;

	if (run.nlat == 0)
		return 0;
	k = (size_t)ceil(q * (double)run.nlat);
	return run.lat[(k > 0 ? k : 1) - 1];
}

/*
 * The sessions, s[0..n-1] watching and s[n] writing, the node, and every
 * watch set: 0, or the exit status (1 a request failed, 3 no sessions).
 */
static int
setup(struct session *s, const char *host, const char *data, int len,
    double conn_s)
{
	int	 i, rc;

	for (i = 0; i <= run.n; i++) {
		s[i].zh = zookeeper_init(host, on_session, SESSION_MS, NULL,
		    &s[i], 0);
		if (s[i].zh == NULL) {
			fprintf(stderr, "zkwatch: zookeeper_init: %s\n",
			    strerror(errno));
			return 3;
		}
		/* Else the client resolves the host at every turn of its
		 * I/O loop: a thousand sessions would spend the CPU on it. */
		zoo_set_servers_resolution_delay(s[i].zh, -1);
	}
	pthread_mutex_lock(&run.mu);
	rc = wait_until(all_connected, now_us() + (int64_t)(conn_s * 1e6));
	rc = rc && !run.lost;
	pthread_mutex_unlock(&run.mu);
	if (!rc) {
		fprintf(stderr, "zkwatch: %d of %d sessions within %g s\n",
		    run.connected, run.n + 1, conn_s);
		return 3;
	}
	rc = zoo_create(s[run.n].zh, run.path, data, len, &ZOO_OPEN_ACL_UNSAFE,
	    0, NULL, 0);
	if (rc != ZOK && rc != ZNODEEXISTS) {
		fprintf(stderr, "zkwatch: create %s: %s\n", run.path,
		    zerror(rc));
		return 1;
	}
	for (i = 0; i < run.n; i++)
		arm(&s[i]);
	pthread_mutex_lock(&run.mu);
	wait_until(all_armed, now_us() + ROUND_MS * 1000);
	rc = run.armed == run.n ? ZOK : run.arm_err != ZOK ? run.arm_err :
	    ZOPERATIONTIMEOUT;
	pthread_mutex_unlock(&run.mu);
	if (rc != ZOK) {
		fprintf(stderr, "zkwatch: exists %s: %s\n", run.path,
		    zerror(rc));
		return 1;
	}
	return 0;
}

static void
report(double secs)
{
	qsort(run.lat, run.nlat, sizeof(*run.lat), by_value);
	printf("op=watch watchers=%d secs=%.2f rounds=%llu ok=%zu err=%llu "
	    "events/s=%.0f lat_us p50=%u p99=%u p999=%u max=%u\n", run.n, secs,
	    (unsigned long long)run.rounds, run.nlat,
	    (unsigned long long)run.errors,
	    secs > 0 ? (double)run.nlat / secs : 0, quantile(0.50),
	    quantile(0.99), quantile(0.999), quantile(1.0));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 'z' },
		{ "path", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*host = "127.0.0.1:2181";
	struct session	*s;
	double		 dur = 10, warm = 1, conn_s = 60, secs = 0;
	char		*data;
	int		 ch, i, len = 100, status;

	run.path = "/zkwatch";
	run.n = 1;
	while ((ch = getopt_long(argc, argv, "s:c:d:W:T:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':
			host = optarg;
			break;
		case 'c':
			run.n = (int)number(optarg, 1, 100000);
			break;
		case 'd':
			dur = seconds(optarg);
			break;
		case 'W':
			warm = seconds(optarg);
			break;
		case 'T':
			conn_s = seconds(optarg);
			break;
		case 'z':
			len = (int)number(optarg, 0, 1 << 20);
			break;
		case 'p':
			if (optarg[0] != '/')
				usage();
			run.path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || dur <= 0)
		usage();
	if ((data = malloc((size_t)len + 1)) == NULL ||
	    (s = calloc((size_t)run.n + 1, sizeof(*s))) == NULL) {
		perror("zkwatch");
		return 1;
	}
	memset(data, 'x', (size_t)len);
	raise_fd_limit((rlim_t)run.n * 3 + 64);
	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);

	status = setup(s, host, data, len, conn_s);
	if (status == 0)
		secs = measure(s[run.n].zh, data, len, warm, dur);
	/* Closing joins each session's threads: no callback runs after. */
	for (i = 0; i <= run.n; i++)
		if (s[i].zh != NULL)
			zookeeper_close(s[i].zh);
	if (status == 0)
		report(secs);
	free(run.lat);
	free(data);
	free(s);
	return status;
}
