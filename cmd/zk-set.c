/*
 * zk-set: write a node's data (from DATA, else stdin), creating it if it
 * is missing; -e keeps an ephemeral node while CMD runs or until stdin
 * closes; --from writes every record zk-get -o printed (a restore).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ops.h"

enum { O_CREATE, O_UPDATE, O_VERSION, O_PARENTS, O_SEQUENTIAL, O_EPHEMERAL,
    O_FROM };

static const struct zk_cli_opt set_opts[] = {
	[O_CREATE] = { 'c', "create", NULL, "create only: exit 1 if present" },
	[O_UPDATE] = { 'u', "update", NULL, "update only: exit 1 if missing" },
	[O_VERSION] = { 'v', "if-version", "N", "only if its version is N" },
	[O_PARENTS] = { 'p', "parents", NULL, "create missing parents" },
	[O_SEQUENTIAL] = { 'S', "sequential", NULL,
	    "append a sequence number, print the path" },
	[O_EPHEMERAL] = { 'e', "ephemeral", NULL,
	    "live while CMD runs, else until stdin closes" },
	[O_FROM] = { 0, "from", "msgpack|json",
	    "write every record read from stdin" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec set_spec = {
	"zk-set", "PATH [DATA] [-- CMD [ARG...]]", 0, 2, ZK_CLI_CMD, set_opts
};

/* Flags that cannot go together, or with --from. */
static int
check_flags(struct zk_cli *cli)
{
	const int	*h = cli->has;

	if (h[O_CREATE] && h[O_UPDATE])
		return zk_cli_usage(cli, "-c and -u exclude each other");
	if (h[O_VERSION] && (h[O_CREATE] || h[O_SEQUENTIAL] || h[O_EPHEMERAL]))
		return zk_cli_usage(cli, "-v applies to updates only");
	if (h[O_UPDATE] && (h[O_SEQUENTIAL] || h[O_EPHEMERAL]))
		return zk_cli_usage(cli, "-u cannot create a node");
	if (cli->cmd != NULL && !h[O_EPHEMERAL])
		return zk_cli_usage(cli, "a command needs -e");
	if (h[O_FROM] && (cli->argc > 0 || h[O_VERSION] || h[O_SEQUENTIAL] ||
	    h[O_EPHEMERAL]))
		return zk_cli_usage(cli, "--from takes records on stdin, "
		    "with -c, -u or -p only");
	if (h[O_FROM] && zk_out_fmt_parse(cli->arg[O_FROM]) <= ZK_FMT_TEXT)
		return zk_cli_usage(cli, "--from: '%s' is not msgpack or json",
		    cli->arg[O_FROM]);
	if (!h[O_FROM] && cli->argc == 0)
		return zk_cli_usage(cli, "missing PATH");
	return 0;
}

/* Checks path and size, then writes; errors are reported. */
static int
write_node(struct zk_cli *cli, struct zk_ops_write *w, char **created)
{
	struct zk_error	 e;

	if (zk_cli_check_write(cli, w->path, w->len) != ZK_OK ||
	    (cli->zs == NULL && zk_cli_connect(cli) != ZK_OK))
		return cli->status;
	if (zk_ops_upsert(cli->zs, w, created, &e) != ZK_OK)
		return zk_cli_fail(cli, w->path, &e);
	return 0;
}

/*
 * --from: one record; a failure of status 1 lets the rest go on. The
 * server's own /zookeeper subtree is in every dump of "/" and takes no
 * writes, so it is skipped.
 */
static int
restore(struct zk_cli *cli, struct zk_record *r, void *arg)
{
	struct zk_ops_write	*w = arg;

	if (strcmp(r->path, "/zookeeper") == 0 ||
	    strncmp(r->path, "/zookeeper/", 11) == 0)
		return 0;

	w->path = r->path;
	w->data = r->data;
	w->len = r->data_len;
	return write_node(cli, w, NULL);
}

static void
hold(struct zk_cli *cli, const char *path)
{
	struct zk_error	 e;
	int		 status, rc;

	rc = zk_ops_hold(cli->zs, cli->cmd, cli->session_timeout_ms, &status,
	    &e);
	if (rc != ZK_OK)
		zk_cli_fail(cli, rc == ZK_ESYSTEM ? NULL : path, &e);
	if (rc == ZK_OK || rc == ZK_ESYSTEM)
		cli->status = status;	/* CMD's own status, as flock(1) */
}

int
main(int argc, char *argv[])
{
	struct zk_cli		 cli;
	struct zk_ops_write	 w;
	struct zk_ops_input	 in;
	struct zk_record	 r;
	struct zk_error		 e;
	int64_t			 v = -1;

	memset(&in, 0, sizeof(in));
	if (zk_cli_parse(&cli, &set_spec, argc, argv) != ZK_OK ||
	    check_flags(&cli) != 0 || (cli.has[O_VERSION] &&
	    zk_cli_number(&cli, O_VERSION, 0, INT32_MAX, &v) != ZK_OK))
		return zk_cli_done(&cli);
	memset(&w, 0, sizeof(w));
	w.data = "";
	w.mode = cli.has[O_CREATE] ? ZK_CREATE_ONLY :
	    cli.has[O_UPDATE] ? ZK_UPDATE_ONLY : ZK_UPSERT;
	w.version = (int32_t)v;
	w.flags = (cli.has[O_PARENTS] ? ZK_CREATE_PARENTS : 0) |
	    (cli.has[O_SEQUENTIAL] ? ZK_CREATE_SEQUENTIAL : 0) |
	    (cli.has[O_EPHEMERAL] ? ZK_CREATE_EPHEMERAL : 0);
	if (cli.has[O_FROM]) {
		if (zk_cli_connect(&cli) == ZK_OK)
			zk_cli_each_record(&cli,
			    zk_out_fmt_parse(cli.arg[O_FROM]), restore, &w);
		return zk_cli_done(&cli);
	}
	w.path = cli.argv[0];
	if (cli.argc == 2) {
		w.data = cli.argv[1];
		w.len = strlen(cli.argv[1]);
	} else if (cli.cmd == NULL) {	/* with CMD, stdin is CMD's */
		if (zk_cli_check_path(&cli, w.path) != ZK_OK)
			goto done;
		zk_ops_input_init(&in, STDIN_FILENO);
		if (zk_ops_input_all(&in, ZK_MAX_DATA_DEFAULT, &w.len,
		    &e) != ZK_OK) {
			zk_cli_fail(&cli, NULL, &e);
			goto done;
		}
		w.data = in.buf.data != NULL ? in.buf.data : "";
	}
	memset(&r, 0, sizeof(r));
	if (write_node(&cli, &w, &r.path) != 0)
		goto done;
	if (r.path != NULL && cli.has[O_SEQUENTIAL])
		zk_cli_print(&cli, &r, ZK_SHOW_NAME);
	if (cli.has[O_EPHEMERAL])
		hold(&cli, r.path != NULL ? r.path : w.path);
	free(r.path);
done:
	zk_ops_input_close(&in);
	return zk_cli_done(&cli);
}
