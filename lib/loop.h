/*
 * Running a libevent loop until something holds: the one wait that the
 * load generators and the watch stream's close share.
 */
#ifndef ZK_LOOP_H
#define ZK_LOOP_H

#include <stdint.h>

struct event_base;

/* Runs base until done(arg), or ms passed (0: no limit); done(arg). */
int	 zk_loop_until(struct event_base *base, int (*done)(void *), void *arg,
	    int64_t ms);

#endif
