/*
 * handoff: how long a lock takes to pass from one zk-lock to the next,
 * without any command's start-up in the figure. Each round starts a holder
 * (zk-lock PATH, no CMD: it prints its token and holds until its stdin
 * closes), waits for its token, starts a waiter the same way, runs READY
 * (a shell command) until it succeeds (the waiter is queued), then closes
 * the holder's stdin and times how long the waiter's token takes to
 * arrive. Between the two: the holder seeing end of file, its delete (a
 * write, synced), the deleted event to the waiter (which, next in line,
 * takes the lock on it without listing the queue again: lock.h (5)), and
 * its token written to a pipe. Prints p50, p90, p99 and max in
 * microseconds. run.sh recipes runs it (share/doc/bench.md).
 *
 *   handoff ZK-LOCK SERVERS PATH REPS READY
 */
#define _GNU_SOURCE	/* pipe2 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

struct locker {
	pid_t	 pid;
	int	 in;	/* its stdin: closing it releases the lock */
	FILE	*out;	/* its stdout: the token, once it holds */
};



static int
start(struct locker *l, char *const argv[])
{
	int	 in[2], out[2];

	/* Close-on-exec: a later locker must not hold this one's stdin open. */
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		return -1;
	if ((l->pid = fork()) == -1)
		return -1;
	if (l->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	l->in = in[1];
	l->out = fdopen(out[0], "r");
	return l->out == NULL ? -1 : 0;
}

/* Its token line; 0 once it is read, -1 if zk-lock ended without one. */
static int
token(struct locker *l)
{
	char	 line[256];

	return fgets(line, sizeof(line), l->out) == NULL ? -1 : 0;
}

static void
finish(struct locker *l)
{
	if (l->in >= 0)
		close(l->in);
	l->in = -1;
	waitpid(l->pid, NULL, 0);
	fclose(l->out);
}

int
main(int argc, char *argv[])
{
	struct locker	 h, w;
	double		*lat, t0;
	int		 reps, r;

	if (argc != 6 || (reps = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: handoff ZK-LOCK SERVERS PATH REPS "
		    "READY\n");
		return 2;
	}
	char *const	 args[] = { argv[1], "-s", argv[2], argv[3], NULL };

	signal(SIGPIPE, SIG_IGN);
	lat = calloc((size_t)reps, sizeof(*lat));
	for (r = 0; r < reps; r++) {
		if (start(&h, args) == -1 || token(&h) == -1) {
			fprintf(stderr, "handoff: the holder got no lock\n");
			return 1;
		}
		if (start(&w, args) == -1) {
			perror("handoff");
			return 1;
		}
		while (system(argv[5]) != 0) {
			if (waitpid(w.pid, NULL, WNOHANG) != 0) {
				fprintf(stderr, "handoff: the waiter ended "
				    "before it queued\n");
				return 1;
			}
			usleep(2000);
		}
		t0 = now_us();
		close(h.in);
		h.in = -1;
		if (token(&w) == -1) {
			fprintf(stderr, "handoff: the waiter got no lock\n");
			return 1;
		}
		lat[r] = now_us() - t0;
		finish(&h);
		finish(&w);
	}
	qsort(lat, (size_t)reps, sizeof(*lat), cmp_double);
	printf("reps=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
	    reps, lat[reps / 2], lat[reps * 9 / 10], lat[reps * 99 / 100],
	    lat[reps - 1]);
	free(lat);
	return 0;
}
