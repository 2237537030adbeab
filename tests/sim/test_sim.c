/*
 * The simulator's part of make test: fixed seed ranges for several
 * ensemble sizes must pass every check, a seed must replay to the same
 * trace, and the regression seeds must pass. Built with ZK_PLANTED_BUGS
 * (build/tests/test_sim_planted, with lib/zab.c built so too) it instead
 * shows that each planted bug is caught within a fixed budget of seeds.
 *
 * ZK_SIM_SCALE (the Makefile sets it for check-asan) divides the seed
 * counts, so that the sanitizer run stays short.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "../unit/test.h"

#ifndef ZK_PLANTED_BUGS

static uint64_t
scaled(uint64_t n)
{
	const char	*e = getenv("ZK_SIM_SCALE");
	long		 k = e != NULL ? atol(e) : 1;

	if (k < 1)
		k = 1;
	return n / (uint64_t)k > 0 ? n / (uint64_t)k : 1;
}

/* Runs n seeds from `from`; returns how many failed (reports printed). */
static uint64_t
sweep(int voters, int observers, uint64_t from, uint64_t n)
{
	struct sim_opts		 o;
	struct sim_result	 r;
	uint64_t		 i, failed = 0;

	for (i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		o.seed = from + i;
		o.voters = voters;
		o.observers = observers;
		o.verbose = failed < 3;
		if (sim_run(&o, &r) != 0)
			failed++;
	}
	return failed;
}

/* sim (a)-(e): every seed of 3 voters keeps every invariant. */
static void
test_3_voters_2000_seeds(void)
{
	ZK_ASSERT_EQ(sweep(3, 0, 1, scaled(2000)), 0);
}

/* sim (a)-(e): 5 voters and an observer, 1000 seeds. */
static void
test_5_voters_1_observer_1000_seeds(void)
{
	ZK_ASSERT_EQ(sweep(5, 1, 100001, scaled(1000)), 0);
}

/* sim (a)-(e): 7 voters, 300 seeds. */
static void
test_7_voters_300_seeds(void)
{
	ZK_ASSERT_EQ(sweep(7, 0, 200001, scaled(300)), 0);
}

/* sim.h (1): the same seed replays the same trace; another one differs. */
static void
test_same_seed_replays_the_same_trace(void)
{
	struct sim_opts		 o;
	struct sim_result	 r1, r2, r3;

	memset(&o, 0, sizeof(o));
	o.seed = 4242;
	o.voters = 5;
	o.observers = 2;
	ZK_ASSERT_EQ(sim_run(&o, &r1), 0);
	ZK_ASSERT_EQ(sim_run(&o, &r2), 0);
	ZK_ASSERT(r1.events > 1000);
	ZK_ASSERT_EQ(r1.trace_hash, r2.trace_hash);
	ZK_ASSERT_EQ(r1.events, r2.events);
	ZK_ASSERT_EQ(r1.acked, r2.acked);
	ZK_ASSERT_EQ(r1.end_ms, r2.end_ms);
	o.seed = 4243;
	ZK_ASSERT_EQ(sim_run(&o, &r3), 0);
	ZK_ASSERT(r3.trace_hash != r1.trace_hash);
}

/* One seed that once failed, in the ensemble it failed in. */
static int
regress(uint64_t seed, int voters, int observers)
{
	struct sim_opts		 o;
	struct sim_result	 r;

	memset(&o, 0, sizeof(o));
	o.seed = seed;
	o.voters = voters;
	o.observers = observers;
	o.verbose = 1;
	return sim_run(&o, &r);
}

/*
 * zab (4): a PROPOSAL that overtakes the rest of an older epoch's stream
 * (here 2:1 ahead of 1:1 after DIFF 0) is refused, not logged. Fails
 * while the learner accepts any n:1 after any zxid of an older epoch.
 */
static void
test_regression_seed_465_proposal_reordered_across_epochs(void)
{
	ZK_ASSERT_EQ(regress(465, 3, 0), 0);
}

/*
 * replication.md "Discovery" 3 and sim (e): a learner that accepted epoch
 * e from a leader that never established it still joins the leader that
 * did. Fails while the learner refuses LEADERINFO(e) from it for ever.
 */
static void
test_regression_seed_629_learner_refuses_established_epoch(void)
{
	ZK_ASSERT_EQ(regress(629, 3, 0), 0);
}

#else

/* Runs seeds until the bug is caught; the seed, 0 if never. */
static uint64_t
hunt(int bug, int voters, int observers, uint64_t budget)
{
	struct sim_opts		 o;
	struct sim_result	 r;
	uint64_t		 i;

	for (i = 1; i <= budget; i++) {
		memset(&o, 0, sizeof(o));
		o.seed = i;
		o.voters = voters;
		o.observers = observers;
		o.bug = bug;
		if (sim_run(&o, &r) != 0) {
			printf("caught at seed %" PRIu64 ": %s\n", i, r.check);
			return i;
		}
	}
	return 0;
}

/* zab (1) broken (ACK on receipt): the simulator catches it. */
static void
test_planted_ack_before_durable_is_caught(void)
{
	ZK_ASSERT(hunt(SIM_BUG_ACK_BEFORE_DURABLE, 3, 0, 2000) != 0);
}

/* zab (5) broken (DIFF, never TRUNC): the simulator catches it. */
static void
test_planted_diff_diverged_is_caught(void)
{
	ZK_ASSERT(hunt(SIM_BUG_DIFF_DIVERGED, 3, 0, 2000) != 0);
}

/* zab (6) broken (commit on one ACK): the simulator catches it. */
static void
test_planted_commit_minority_is_caught(void)
{
	ZK_ASSERT(hunt(SIM_BUG_COMMIT_MINORITY, 5, 0, 2000) != 0);
}

#endif

int
main(void)
{
#ifndef ZK_PLANTED_BUGS
	ZK_RUN(test_3_voters_2000_seeds);
	ZK_RUN(test_5_voters_1_observer_1000_seeds);
	ZK_RUN(test_7_voters_300_seeds);
	ZK_RUN(test_same_seed_replays_the_same_trace);
	ZK_RUN(test_regression_seed_465_proposal_reordered_across_epochs);
	ZK_RUN(test_regression_seed_629_learner_refuses_established_epoch);
#else
	ZK_RUN(test_planted_ack_before_durable_is_caught);
	ZK_RUN(test_planted_diff_diverged_is_caught);
	ZK_RUN(test_planted_commit_minority_is_caught);
#endif
	return ZK_TEST_DONE();
}
