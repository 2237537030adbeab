/* Running a loop until something holds (loop.h). */
#include <stddef.h>

#include <event2/event.h>

#include "loop.h"

static void
wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

int
zk_loop_until(struct event_base *base, int (*done)(void *), void *arg,
    int64_t ms)
{
	struct event	*t = NULL;
	struct timeval	 tv;
	int		 late = 0;

	if (ms > 0) {
		t = evtimer_new(base, wake, &late);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(t, &tv);
	}
	while (!done(arg) && !late)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	if (t != NULL)
		event_free(t);
	return done(arg);
}
