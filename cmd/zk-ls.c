/*
 * zk-ls: list a node's children, sorted; -R every descendant as a full
 * path, parents first; -l a long listing with each child's stat.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops.h"
#include "path.h"

enum { O_RECURSIVE, O_LONG };

static const struct zk_cli_opt ls_opts[] = {
	[O_RECURSIVE] = { 'R', "recursive", NULL,
	    "every descendant as a full path, parents first" },
	[O_LONG] = { 'l', "long", NULL,
	    "version, data length, children, ephemeral owner, name" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec ls_spec = {
	"zk-ls", "PATH...", 1, -1, ZK_CLI_READ, ls_opts
};

struct ls {
	struct zk_cli	*cli;
	int		 full;		/* text shows full paths, not names */
	struct zk_error	 e;
};

/* One entry; a node gone since it was listed is skipped. */
static int
entry(void *arg, const char *path)
{
	struct ls		*ls = arg;
	struct zk_cli		*cli = ls->cli;
	struct zk_record	 r;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.path = (char *)path;
	r.name = (char *)zk_path_base(path);
	if (ls->full && cli->fmt == ZK_FMT_TEXT)
		r.name = NULL;
	if (cli->has[O_LONG]) {
		rc = zk_sync_exists(cli->zs, path, &r.stat, &ls->e);
		if (rc != ZK_OK)
			return rc == ZK_ENONODE ? ZK_OK : rc;
		r.has_stat = 1;
	}
	if (zk_cli_print(cli, &r, cli->has[O_LONG] ? ZK_SHOW_LONG :
	    ZK_SHOW_NAME) != ZK_OK)
		return ZK_EIO;
	return ZK_OK;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ls_children(struct ls *ls, const char *path)
{
	char		**names, *full;
	size_t		 count, i, n = strlen(path);
	int		 rc;

	rc = zk_sync_children(ls->cli->zs, path, &names, &count, NULL, &ls->e);
	if (rc != ZK_OK)
		return rc;
	qsort(names, count, sizeof(*names), cmp_names);
	for (i = 0; i < count && rc == ZK_OK; i++) {
		full = zk_xmalloc(n + strlen(names[i]) + 2);
		strcpy(full, strcmp(path, "/") == 0 ? "" : path);
		strcat(full, "/");
		strcat(full, names[i]);
		rc = entry(ls, full);
		free(full);
	}
	zk_names_free(names, count);
	return rc;
}

static int
ls_path(struct zk_cli *cli, const char *path, void *arg)
{
	struct ls	*ls = arg;
	int		 rc;

	if (zk_cli_sync(cli, path) != ZK_OK)
		return cli->status;
	if (cli->has[O_RECURSIVE])
		rc = zk_ops_walk(cli->zs, path, 0, entry, ls, &ls->e);
	else
		rc = ls_children(ls, path);
	if (rc == ZK_OK || cli->status >= 3)
		return cli->status;
	return zk_cli_fail(cli, path, &ls->e);
}

int
main(int argc, char *argv[])
{
	struct zk_cli	 cli;
	struct ls	 ls;

	if (zk_cli_parse(&cli, &ls_spec, argc, argv) != ZK_OK ||
	    zk_cli_check_paths(&cli, 0) != ZK_OK ||
	    zk_cli_connect(&cli) != ZK_OK)
		return zk_cli_done(&cli);
	memset(&ls, 0, sizeof(ls));
	ls.cli = &cli;
	/* Names are enough for one plain PATH; otherwise full paths. */
	ls.full = cli.has[O_RECURSIVE] || cli.argc > 1 ||
	    strcmp(cli.argv[0], "-") == 0;
	zk_cli_each_path(&cli, ls_path, &ls);
	return zk_cli_done(&cli);
}
