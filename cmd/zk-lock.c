/*
 * zk-lock: take the fair distributed lock PATH, then run CMD holding it
 * and exit with its status, as flock(1) does; without CMD print the
 * fencing token and hold the lock until stdin closes or a signal.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "ops.h"

enum { O_NONBLOCK, O_WAIT, O_SHARED, O_CONFLICT };

static const struct zk_cli_opt lock_opts[] = {
	[O_NONBLOCK] = { 'n', "nonblock", NULL,
	    "exit 1 at once if the lock is held" },
	[O_WAIT] = { 'w', "wait", "SECONDS",
	    "exit 1 if not acquired within SECONDS" },
	[O_SHARED] = { 'r', "shared", NULL,
	    "a read lock: readers share, writers exclude" },
	[O_CONFLICT] = { 'E', "conflict-exit-code", "CODE",
	    "exit CODE instead of 1 when the lock is busy" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec lock_spec = {
	"zk-lock", "PATH [-- CMD [ARG...]]", 1, 1, ZK_CLI_CMD | ZK_CLI_WAITS, lock_opts
};

/* -w SECONDS, fractions allowed, as flock(1) takes it. */
static int
wait_ms(struct zk_cli *cli, int64_t *ms)
{
	const char	*arg = cli->arg[O_WAIT];
	char		*end;
	double		 sec;

	errno = 0;
	sec = strtod(arg, &end);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(sec) ||
	    sec < 0 || sec > 1e9)
		return zk_cli_usage(cli, "-w: '%s' is not a number of seconds",
		    arg);
	*ms = (int64_t)llround(sec * 1000);
	return 0;
}

/* Our token in the environment CMD inherits; printed without CMD. */
static int
announce(struct zk_cli *cli, const char *path, int64_t token)
{
	struct zk_lock_out	 x = { path, "token", NULL, 0, token, 0 };
	struct zk_error		 e;
	char			 num[32];

	snprintf(num, sizeof(num), "%" PRId64, token);
	setenv("ZK_LOCK_PATH", path, 1);
	setenv("ZK_LOCK_TOKEN", num, 1);
	if (cli->cmd != NULL || cli->quiet)
		return 0;
	zk_lock_format(&cli->out, cli->fmt, &x);
	if (zk_out_flush(stdout, &cli->out, &e) != ZK_OK)
		return zk_cli_fail(cli, NULL, &e);
	return 0;
}

/* Holds the lock while CMD runs (or until stdin closes), then releases. */
static void
hold(struct zk_cli *cli, struct zk_lock_node *n)
{
	struct zk_error	 e;
	int		 status, rc;

	rc = zk_ops_hold(cli->zs, cli->cmd, zk_lock_hold_ms(cli->zs), &status,
	    &e);
	if (rc != ZK_OK)
		zk_cli_fail(cli, rc == ZK_ESYSTEM ? NULL : n->dir, &e);
	if (rc == ZK_OK && zk_lock_node_delete(cli->zs, n, &e) != ZK_OK)
		zk_cli_fail(cli, n->path, &e);
	if (rc == ZK_OK || rc == ZK_ESYSTEM)
		cli->status = status;	/* CMD's own status, as flock(1) */
}

/*
 * Options checked, then the lock taken and held. A signal that ended the
 * wait is returned, to be raised again once the session is closed.
 */
static int
lock(struct zk_cli *cli)
{
	struct zk_lock_opts	 o;
	struct zk_lock_node	 n;
	struct zk_error		 e;
	int64_t			 code = 1;
	int			 rc, sig;

	memset(&o, 0, sizeof(o));
	o.busy_ms = -1;
	if (cli->has[O_NONBLOCK] && cli->has[O_WAIT]) {
		zk_cli_usage(cli, "-n and -w exclude each other");
		return 0;
	}
	if ((cli->has[O_WAIT] && wait_ms(cli, &o.busy_ms) != 0) ||
	    (cli->has[O_CONFLICT] && zk_cli_number(cli, O_CONFLICT, 0, 255,
	    &code) != ZK_OK) ||
	    zk_cli_check_path(cli, cli->argv[0]) != ZK_OK ||
	    zk_cli_connect(cli) != ZK_OK)
		return 0;
	if (cli->has[O_NONBLOCK])
		o.busy_ms = 0;
	o.shared = cli->has[O_SHARED] > 0;
	o.timeout_ms = cli->timeout_ms;

	/* A signal while we queue: leave the queue first, then die of it. */
	zk_sync_catch_signals(cli->zs, 1);
	rc = zk_lock_acquire(cli->zs, cli->argv[0], &o, &n, &e);
	sig = zk_sync_signal(cli->zs);
	zk_sync_catch_signals(cli->zs, 0);
	if (sig != 0) {		/* even one that came as we got it */
		if (rc == ZK_OK) {
			zk_lock_leave(cli->zs, &n, &e);
			zk_lock_node_close(&n);
		}
		return sig;
	}
	if (rc != ZK_OK) {
		zk_cli_fail(cli, cli->argv[0], &e);
		if (rc == ZK_ENODEEXISTS)
			cli->status = (int)code;	/* busy: -E, as flock(1) */
		return 0;
	}
	if (announce(cli, cli->argv[0], n.czxid) == 0)
		hold(cli, &n);
	zk_lock_node_close(&n);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	int		 status, sig = 0;

	if (zk_cli_parse(&cli, &lock_spec, argc, argv) == ZK_OK)
		sig = lock(&cli);
	status = zk_cli_done(&cli);
	if (sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		status = 128 + sig;
	}
	return status;
}
