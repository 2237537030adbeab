/*
 * Starting a tool's CMD as a child: the one place that forks and execs
 * for zk-set -e, zk-lock, zk-elect (ops.c's hold) and zk-watch (once per
 * event).
 *
 * Invariants:
 *  (1) The child gets back the dispositions its parent found for the
 *      signals the parent catches (an ignored SIGHUP stays ignored under
 *      nohup), SIGPIPE and SIGCHLD their defaults, and an empty signal
 *      mask; our own descriptors are close-on-exec, so it holds none of
 *      them.
 *  (2) zk_spawn returns once CMD runs or has failed to: a CMD that
 *      cannot be run is reported (and its child reaped) at once, with the
 *      status a shell gives it: 127 not found, else 126.
 */
#ifndef ZK_SPAWN_H
#define ZK_SPAWN_H

#include <sys/types.h>
#include <signal.h>
#include <stddef.h>

#include "error.h"

/*
 * Runs argv (NULL-terminated; searched in PATH) with env set in the
 * child's environment (NULL, or "NAME", "VALUE" pairs ending in NULL).
 * sigs[0 .. nsigs) are the signals the caller catches and saved their
 * dispositions as it found them. ZK_OK and *pid; or ZK_ESYSTEM, *status
 * 127 or 126 and no child left.
 */
int	 zk_spawn(char *const argv[], const char *const *env, const int *sigs,
	    const struct sigaction *saved, size_t nsigs, pid_t *pid,
	    int *status, struct zk_error *e);

#endif
