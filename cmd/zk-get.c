/*
 * zk-get: print a node's data raw, or its stat with -S; several paths,
 * paths on stdin ("-") and whole subtrees (-R) give one record each.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops.h"

enum { O_STAT, O_RECURSIVE, O_WAIT };

static const struct zk_cli_opt get_opts[] = {
	[O_STAT] = { 'S', "stat", NULL, "print the stat instead of the data" },
	[O_RECURSIVE] = { 'R', "recursive", NULL,
	    "PATH and every descendant, parents first" },
	[O_WAIT] = { 'w', "wait", NULL,
	    "wait until PATH exists (at most -T seconds), then read it" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec get_spec = {
	"zk-get", "PATH...", 1, -1, ZK_CLI_READ, get_opts
};

struct get {
	struct zk_cli	*cli;
	int		 show;		/* enum zk_cli_show for text */
	int		 stat_only;	/* -S */
	int		 out_failed;	/* stdout failed, reported */
	struct zk_error	 e;
};

/* Reads and prints one node: ZK_OK or the error, not yet reported. */
static int
fetch(struct get *g, const char *path)
{
	struct zk_record	 r;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.path = (char *)path;
	if (g->stat_only)
		rc = zk_sync_exists(g->cli->zs, path, &r.stat, &g->e);
	else
		rc = zk_sync_get(g->cli->zs, path, &r.data, &r.data_len,
		    &r.stat, &g->e);
	if (rc != ZK_OK)
		return rc;
	r.has_data = !g->stat_only;
	r.has_stat = 1;
	if (zk_cli_print(g->cli, &r, g->show) != ZK_OK)
		g->out_failed = 1;
	free(r.data);
	return g->out_failed ? ZK_EIO : ZK_OK;
}

/* A walk's visitor: a node gone since it was listed is skipped. */
static int
visit(void *arg, const char *path)
{
	int	 rc = fetch(arg, path);

	return rc == ZK_ENONODE ? ZK_OK : rc;
}

static int
get_path(struct zk_cli *cli, const char *path, void *arg)
{
	struct get	*g = arg;
	int		 rc;

	if (cli->has[O_WAIT] &&
	    zk_sync_wait_exists(cli->zs, path, &g->e) != ZK_OK)
		return zk_cli_fail(cli, path, &g->e);
	if (zk_cli_sync(cli, path) != ZK_OK)
		return cli->status;
	if (cli->has[O_RECURSIVE])
		rc = zk_ops_walk(cli->zs, path, 1, visit, g, &g->e);
	else
		rc = fetch(g, path);
	if (g->out_failed)
		return cli->status;
	return rc == ZK_OK ? 0 : zk_cli_fail(cli, path, &g->e);
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	struct get	 g;
	int		 single;

	if (zk_cli_parse(&cli, &get_spec, argc, argv) != ZK_OK ||
	    zk_cli_check_paths(&cli, 0) != ZK_OK ||
	    zk_cli_connect(&cli) != ZK_OK)
		return zk_cli_done(&cli);
	/* One plain path prints raw; anything more, one line per node. */
	single = cli.argc == 1 && strcmp(cli.argv[0], "-") != 0 &&
	    !cli.has[O_RECURSIVE];
	memset(&g, 0, sizeof(g));
	g.cli = &cli;
	g.stat_only = cli.has[O_STAT] > 0;
	if (g.stat_only)
		g.show = single ? ZK_SHOW_STAT : ZK_SHOW_STAT_LINES;
	else
		g.show = single ? ZK_SHOW_DATA : ZK_SHOW_LINE;
	zk_cli_each_path(&cli, get_path, &g);
	return zk_cli_done(&cli);
}
