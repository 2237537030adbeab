/*
 * zk-stat: print a node's stat; exit 1 if it does not exist, so that
 * "zk-stat -q PATH" is an existence test.
 */
#include <string.h>

#include "cli.h"

static const struct zk_cli_opt stat_opts[] = {
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec stat_spec = {
	"zk-stat", "PATH...", 1, -1, ZK_CLI_READ, stat_opts
};

static int
stat_path(struct zk_cli *cli, const char *path, void *arg)
{
	struct zk_record	 r;
	struct zk_error		 e;
	int			*show = arg;

	if (zk_cli_sync(cli, path) != ZK_OK)
		return cli->status;
	memset(&r, 0, sizeof(r));
	r.path = (char *)path;
	r.has_stat = 1;
	if (zk_sync_exists(cli->zs, path, &r.stat, &e) != ZK_OK)
		return zk_cli_fail(cli, path, &e);
	zk_cli_print(cli, &r, *show);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	int		 show;

	if (zk_cli_parse(&cli, &stat_spec, argc, argv) != ZK_OK ||
	    zk_cli_check_paths(&cli, 0) != ZK_OK ||
	    zk_cli_connect(&cli) != ZK_OK)
		return zk_cli_done(&cli);
	/* Several nodes: each line starts with its path and a TAB. */
	show = cli.argc == 1 && strcmp(cli.argv[0], "-") != 0 ?
	    ZK_SHOW_STAT : ZK_SHOW_STAT_LINES;
	zk_cli_each_path(&cli, stat_path, &show);
	return zk_cli_done(&cli);
}
