/*
 * stamp: prints the wall clock in nanoseconds and exits. The lock
 * hand-off benchmark (run.sh recipes) runs it as the waiter's CMD and as
 * the holder's last act: a process that does nothing else, so that what
 * is measured is the hand-off and the exec, not the start of date(1),
 * which loads locales and costs about a millisecond here.
 */
#include <stdio.h>
#include <time.h>

int
main(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
