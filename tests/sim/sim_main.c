/*
 * sim: runs the replication simulator over a range of seeds and reports
 * the ones whose checks failed, with their last trace lines. Without
 * --peers the ensemble size rotates with the seed (3 to 7 voters, 0 to 2
 * observers), so a long run covers them all.
 *
 *   sim [--seeds N] [--from S] [--seed S] [--peers N] [--observers N]
 *       [--jobs N] [--trace] [--bug NAME]
 *
 * The output ends with "sim: N seeds, M failed"; the exit status is 1 if
 * any failed, 2 for a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

struct args {
	uint64_t	 from, nseeds;
	int		 voters, observers;	/* -1: rotate */
	int		 jobs, trace, bug, one;
};

static const char *const bugs[] = {
	[SIM_BUG_ACK_BEFORE_DURABLE] = "ack-before-durable",
	[SIM_BUG_DIFF_DIVERGED] = "diff-diverged",
	[SIM_BUG_COMMIT_MINORITY] = "commit-minority",
};

static int
usage(void)
{
	fprintf(stderr, "usage: sim [--seeds N] [--from S] [--seed S] "
	    "[--peers N] [--observers N] [--jobs N] [--trace] "
	    "[--bug ack-before-durable|diff-diverged|commit-minority]\n");
	return 2;
}

static int
number(const char *s, uint64_t *v)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse(struct args *a, int argc, char *argv[])
{
	uint64_t	 v;
	int		 i, b;

	memset(a, 0, sizeof(*a));
	a->from = 1;
	a->nseeds = 100;
	a->voters = a->observers = -1;
	a->jobs = 1;
	for (i = 1; i < argc; i++) {
		const char	*f = argv[i], *arg = argv[i + 1];

		if (strcmp(f, "--trace") == 0) {
			a->trace = 1;
			continue;
		}
		if (strcmp(f, "--bug") == 0) {
			if (arg == NULL)
				return -1;
			for (b = 1; b < 4; b++)
				if (strcmp(arg, bugs[b]) == 0)
					a->bug = b;
			if (a->bug == 0)
				return -1;
			i++;
			continue;
		}
		if (number(arg, &v) != 0)
			return -1;
		i++;
		if (strcmp(f, "--seeds") == 0)
			a->nseeds = v;
		else if (strcmp(f, "--from") == 0)
			a->from = v;
		else if (strcmp(f, "--seed") == 0) {
			a->from = v;
			a->nseeds = 1;
			a->one = 1;
		} else if (strcmp(f, "--peers") == 0 && v >= 1 &&
		    v <= SIM_MAXP)
			a->voters = (int)v;
		else if (strcmp(f, "--observers") == 0 && v <= SIM_MAXP)
			a->observers = (int)v;
		else if (strcmp(f, "--jobs") == 0 && v >= 1 && v <= 64)
			a->jobs = (int)v;
		else
			return -1;
	}
	if (a->voters >= 0 && a->observers < 0)
		a->observers = 0;
	if (a->voters >= 0 && a->voters + a->observers > SIM_MAXP)
		return -1;
	return 0;
}

/* Runs seeds from + k, from + k + jobs, ...; returns how many failed. */
static uint64_t
run(const struct args *a, int k)
{
	struct sim_opts		 o;
	struct sim_result	 r;
	uint64_t		 i, failed = 0;

	for (i = (uint64_t)k; i < a->nseeds; i += (uint64_t)a->jobs) {
		memset(&o, 0, sizeof(o));
		o.seed = a->from + i;
		o.voters = a->voters >= 0 ? a->voters : 3 + (int)(o.seed % 5);
		o.observers = a->observers >= 0 ? a->observers :
		    (int)(o.seed / 5 % 3);
		o.bug = a->bug;
		o.trace = a->trace;
		o.verbose = 1;
		if (sim_run(&o, &r) != 0)
			failed++;
		if (a->one)
			printf("sim: seed %" PRIu64 ": %s, %" PRIu64
			    " events, %" PRIu64 " writes acknowledged, %"
			    PRIu64 " leaders, %" PRId64 " ms, trace %016"
			    PRIx64 "\n", o.seed,
			    r.failed ? "FAILED" : "ok", r.events, r.acked,
			    r.elections, r.end_ms, r.trace_hash);
		fflush(stdout);
	}
	return failed;
}

/*
 * --jobs: one child per job, each with its own pipe; the parent relays
 * their reports one child after the other and counts the failed seeds.
 */
static uint64_t
run_jobs(const struct args *a)
{
	FILE		*in[64];
	pid_t		 pid[64];
	char		 line[1024];
	uint64_t	 failed = 0;
	int		 k, fd[2], st;

	for (k = 0; k < a->jobs; k++) {
		if (pipe(fd) != 0 || (pid[k] = fork()) < 0) {
			perror("sim");
			exit(2);
		}
		if (pid[k] == 0) {
			close(fd[0]);
			dup2(fd[1], STDOUT_FILENO);
			close(fd[1]);
			printf("sim-job: %" PRIu64 " failed\n", run(a, k));
			fflush(stdout);
			_exit(0);
		}
		close(fd[1]);
		in[k] = fdopen(fd[0], "r");
	}
	for (k = 0; k < a->jobs; k++) {
		uint64_t	 f;

		while (fgets(line, sizeof(line), in[k]) != NULL) {
			if (sscanf(line, "sim-job: %" SCNu64, &f) == 1)
				failed += f;
			else
				fputs(line, stdout);
		}
		fclose(in[k]);
		if (waitpid(pid[k], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			printf("sim: job %d died\n", k);
			failed++;
		}
	}
	return failed;
}

int
main(int argc, char *argv[])
{
	struct args	 a;
	uint64_t	 failed;

	if (parse(&a, argc, argv) != 0)
		return usage();
#ifndef ZK_PLANTED_BUGS
	if (a.bug != 0) {
		fprintf(stderr, "sim: planted bugs need build/tests/"
		    "sim-planted\n");
		return 2;
	}
#endif
	failed = a.jobs > 1 ? run_jobs(&a) : run(&a, 0);
	printf("sim: %" PRIu64 " seeds, %" PRIu64 " failed\n", a.nseeds,
	    failed);
	return failed != 0;
}
