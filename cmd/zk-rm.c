/*
 * zk-rm: delete nodes; -R a whole subtree, children first; -v only at a
 * given version; -f a missing node is not an error.
 */
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "ops.h"

enum { O_VERSION, O_RECURSIVE, O_FORCE };

static const struct zk_cli_opt rm_opts[] = {
	[O_VERSION] = { 'v', "if-version", "N",
	    "only if the node's version is N" },
	[O_RECURSIVE] = { 'R', "recursive", NULL,
	    "the whole subtree, children first" },
	[O_FORCE] = { 'f', "force", NULL, "a missing node is not an error" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec rm_spec = {
	"zk-rm", "PATH...", 1, -1, 0, rm_opts
};

static int
rm_path(struct zk_cli *cli, const char *path, void *arg)
{
	struct zk_error	 e;
	int32_t		 version = *(int32_t *)arg;
	int		 rc;

	if (strcmp(path, "/") == 0) {
		zk_error_set(&e, ZK_EBADARGUMENTS,
		    "the root cannot be deleted");
		return zk_cli_fail(cli, path, &e);
	}
	if (cli->has[O_RECURSIVE])
		rc = zk_ops_delete_tree(cli->zs, path, version, &e);
	else
		rc = zk_sync_delete(cli->zs, path, version, &e);
	if (rc == ZK_OK || (rc == ZK_ENONODE && cli->has[O_FORCE]))
		return 0;
	return zk_cli_fail(cli, path, &e);
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	int64_t		 v = -1;
	int32_t		 version;

	if (zk_cli_parse(&cli, &rm_spec, argc, argv) != ZK_OK ||
	    (cli.has[O_VERSION] &&
	    zk_cli_number(&cli, O_VERSION, 0, INT32_MAX, &v) != ZK_OK) ||
	    zk_cli_check_paths(&cli, 0) != ZK_OK ||
	    zk_cli_connect(&cli) != ZK_OK)
		return zk_cli_done(&cli);
	version = (int32_t)v;
	zk_cli_each_path(&cli, rm_path, &version);
	return zk_cli_done(&cli);
}
