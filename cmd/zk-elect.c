/*
 * zk-elect: campaign for leadership under PATH and, once elected, run
 * CMD while leading (or print "elected" and hold until stdin closes);
 * -l follows the leader without campaigning; --leader prints it once.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"
#include "lock.h"
#include "ops.h"

enum { O_ID, O_LISTEN, O_LEADER };

static const struct zk_cli_opt elect_opts[] = {
	[O_ID] = { 0, "id", "VALUE",
	    "this candidate's id (default HOST:PID)" },
	[O_LISTEN] = { 'l', "listen", NULL,
	    "no campaign: print the leader and each change" },
	[O_LEADER] = { 0, "leader", NULL,
	    "print the current leader once; exit 1 if none" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec elect_spec = {
	"zk-elect", "PATH [-- CMD [ARG...]]", 1, 1, ZK_CLI_CMD | ZK_CLI_WAITS, elect_opts
};

static int
check_flags(struct zk_cli *cli)
{
	const int	*h = cli->has;

	if (h[O_LISTEN] && h[O_LEADER])
		return zk_cli_usage(cli, "-l and --leader exclude each other");
	if ((h[O_LISTEN] || h[O_LEADER]) && (h[O_ID] || cli->cmd != NULL))
		return zk_cli_usage(cli, "-l and --leader do not campaign: "
		    "no --id, no command");
	return zk_cli_check_write(cli, cli->argv[0], h[O_ID] ?
	    strlen(cli->arg[O_ID]) : 0) != ZK_OK ? 2 : 0;
}

/* One line (record) about the leader: its id, or none. */
static int
show(void *arg, const char *id, size_t len)
{
	struct zk_cli		*cli = arg;
	struct zk_lock_out	 x = { cli->argv[0], "leader", id, len, 0,
	    id == NULL };
	struct zk_error		 e;

	if (cli->quiet)
		return ZK_OK;
	zk_lock_format(&cli->out, cli->fmt, &x);
	if (zk_out_flush(stdout, &cli->out, &e) != ZK_OK) {
		zk_cli_fail(cli, NULL, &e);
		return e.code;
	}
	return ZK_OK;
}

static void
follow(struct zk_cli *cli)
{
	struct zk_error	 e;
	char		*id;
	size_t		 len;

	if (cli->has[O_LISTEN]) {
		if (zk_campaign_listen(cli->zs, cli->argv[0], show, cli,
		    &e) != ZK_OK && cli->status == 0)
			zk_cli_fail(cli, cli->argv[0], &e);
		return;
	}
	if (zk_campaign_leader(cli->zs, cli->argv[0], 0, &id, &len,
	    &e) != ZK_OK) {
		zk_cli_fail(cli, cli->argv[0], &e);
		return;
	}
	show(cli, id, len);
	free(id);
}

/* Leads: CMD runs (or "elected" is printed) until it ends; then resigns. */
static void
lead(struct zk_cli *cli, struct zk_lock_node *n, const char *id)
{
	struct zk_lock_out	 x = { cli->argv[0], "leader", id, strlen(id),
	    0, 0 };
	struct zk_error		 e;
	char			 num[32];
	int			 status, rc;

	snprintf(num, sizeof(num), "%" PRId64, n->czxid);
	setenv("ZK_ELECT_PATH", cli->argv[0], 1);
	setenv("ZK_ELECT_ID", id, 1);
	setenv("ZK_ELECT_TOKEN", num, 1);
	if (cli->cmd == NULL && !cli->quiet) {
		if (cli->fmt == ZK_FMT_TEXT) {
			x.str = "elected";
			x.len = strlen(x.str);
		}
		zk_lock_format(&cli->out, cli->fmt, &x);
		if (zk_out_flush(stdout, &cli->out, &e) != ZK_OK) {
			zk_cli_fail(cli, NULL, &e);
			return;
		}
	}
	rc = zk_ops_hold(cli->zs, cli->cmd, zk_lock_hold_ms(cli->zs), &status,
	    &e);
	if (rc != ZK_OK)
		zk_cli_fail(cli, rc == ZK_ESYSTEM ? NULL : cli->argv[0], &e);
	if (rc == ZK_OK && zk_lock_node_delete(cli->zs, n, &e) != ZK_OK)
		zk_cli_fail(cli, n->path, &e);
	if (rc == ZK_OK || rc == ZK_ESYSTEM)
		cli->status = status;	/* CMD's own status */
}

/*
 * The campaign, then the lead. A signal that ended the wait is returned,
 * to be raised again once the session is closed.
 */
static int
campaign(struct zk_cli *cli)
{
	struct zk_lock_node	 n;
	struct zk_error		 e;
	char			 host[256], *id;
	int			 rc, sig;

	if (cli->has[O_ID])
		id = zk_xstrdup(cli->arg[O_ID]);
	else {
		if (gethostname(host, sizeof(host)) != 0)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		id = zk_xmalloc(strlen(host) + 24);
		sprintf(id, "%s:%ld", host, (long)getpid());
	}
	/* A signal while we queue: leave the queue first, then die of it. */
	zk_sync_catch_signals(cli->zs, 1);
	rc = zk_campaign_run(cli->zs, cli->argv[0], id, strlen(id),
	    cli->timeout_ms, &n, &e);
	sig = zk_sync_signal(cli->zs);
	zk_sync_catch_signals(cli->zs, 0);
	if (rc == ZK_OK && sig != 0)	/* it came as we were elected */
		zk_lock_leave(cli->zs, &n, &e);
	else if (rc == ZK_OK)
		lead(cli, &n, id);
	else if (sig == 0)
		zk_cli_fail(cli, cli->argv[0], &e);
	if (rc == ZK_OK)
		zk_lock_node_close(&n);
	free(id);
	return sig;
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	int		 status, sig = 0;

	if (zk_cli_parse(&cli, &elect_spec, argc, argv) == ZK_OK &&
	    check_flags(&cli) == 0 && zk_cli_connect(&cli) == ZK_OK) {
		if (cli.has[O_LISTEN] || cli.has[O_LEADER])
			follow(&cli);
		else
			sig = campaign(&cli);
	}
	status = zk_cli_done(&cli);
	if (sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		status = 128 + sig;
	}
	return status;
}
