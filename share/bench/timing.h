/*
 * What the small benchmark programs of share/bench share: a monotonic
 * clock in microseconds and a qsort comparison for their samples. Each
 * program is one file built alone (run.sh: cc -O2 -o NAME NAME.c), so
 * these are static.
 */
#ifndef ZK_BENCH_TIMING_H
#define ZK_BENCH_TIMING_H

#include <time.h>

static inline double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* For qsort over doubles, ascending. */
static inline int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
