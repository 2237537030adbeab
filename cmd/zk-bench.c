/* zk-bench: load an ensemble with pipelined requests; print rate, latency. */
#include <stdint.h>
#include <stdlib.h>

#include "bench.h"
#include "cli.h"
#include "proto.h"

enum { F_CONNS, F_WINDOW, F_SECONDS, F_OP, F_SIZE, F_KEYS, F_WARMUP, F_RATE };

static const struct zk_cli_opt bench_flags[] = {
	[F_CONNS] = { 'c', NULL, "CONNS", "sessions, one connection each "
	    "(default 8)" },
	[F_WINDOW] = { 'w', NULL, "WINDOW", "requests outstanding per "
	    "session (default 100)" },
	[F_SECONDS] = { 'd', NULL, "SECONDS", "length of the measured run "
	    "(default 10)" },
	[F_OP] = { 0, "op", "get|set|create|watch|mixed:READ_PERCENT",
	    "the request to send (default get); watch: CONNS watchers "
	    "of one changing node" },
	[F_SIZE] = { 0, "size", "BYTES", "data per write (default 100)" },
	[F_KEYS] = { 0, "keys", "N", "nodes prepared for get and set "
	    "(default 1000)" },
	[F_WARMUP] = { 0, "warmup", "SECONDS", "load before measuring "
	    "(default 1)" },
	[F_RATE] = { 0, "rate", "N", "at most N requests (watch: changes) "
	    "per second in all (default: as fast as replies come)" },
	{ 0, NULL, NULL, NULL },
};

static const struct zk_cli_spec spec = {
	"zk-bench", "", 0, 0, 0, bench_flags
};

/* The tool's own flags into o; ZK_OK or ZK_EUSAGE (reported). */
static int
bench_opts(struct zk_cli *cli, struct zk_bench_opts *o)
{
	struct zk_error	 e;
	int64_t		 v;

	zk_bench_opts_init(o);
	o->servers = cli->servers;
	o->session_timeout_ms = cli->session_timeout_ms;
	o->connect_timeout_ms = cli->timeout_ms;
	if (cli->has[F_CONNS] && zk_cli_number(cli, F_CONNS, 1, 4096,
	    &v) != ZK_OK)
		return ZK_EUSAGE;
	o->conns = cli->has[F_CONNS] ? (int)v : o->conns;
	if (cli->has[F_WINDOW] && zk_cli_number(cli, F_WINDOW, 1, 100000,
	    &v) != ZK_OK)
		return ZK_EUSAGE;
	o->window = cli->has[F_WINDOW] ? (int)v : o->window;
	if (cli->has[F_SIZE] && zk_cli_number(cli, F_SIZE, 0,
	    ZK_MAX_DATA_DEFAULT, &v) != ZK_OK)
		return ZK_EUSAGE;
	o->size = cli->has[F_SIZE] ? (size_t)v : o->size;
	if (cli->has[F_KEYS] && zk_cli_number(cli, F_KEYS, 1,
	    ZK_BENCH_MAX_KEYS, &v) != ZK_OK)
		return ZK_EUSAGE;
	o->keys = cli->has[F_KEYS] ? (int)v : o->keys;
	if (cli->has[F_RATE] && zk_cli_number(cli, F_RATE, 1,
	    ZK_BENCH_MAX_RATE, &v) != ZK_OK)
		return ZK_EUSAGE;
	o->rate = cli->has[F_RATE] ? v : o->rate;
	if (cli->has[F_SECONDS] && (zk_bench_parse_seconds(cli->arg[F_SECONDS],
	    &o->duration_ms) != ZK_OK || o->duration_ms <= 0))
		return zk_cli_usage(cli, "-d: '%s' is not a number of seconds "
		    "above 0", cli->arg[F_SECONDS]), ZK_EUSAGE;
	if (cli->has[F_WARMUP] && zk_bench_parse_seconds(cli->arg[F_WARMUP],
	    &o->warmup_ms) != ZK_OK)
		return zk_cli_usage(cli, "--warmup: '%s' is not a number of "
		    "seconds", cli->arg[F_WARMUP]), ZK_EUSAGE;
	if (cli->has[F_OP] && zk_bench_parse_op(cli->arg[F_OP], &o->op,
	    &o->read_pct, &e) != ZK_OK)
		return zk_cli_usage(cli, "%s", e.msg), ZK_EUSAGE;
	return ZK_OK;
}

int
main(int argc, char *argv[])
{
	struct zk_cli		 cli;
	struct zk_bench_opts	 o;
	struct zk_bench_result	 r;
	struct zk_error		 e;

	if (zk_cli_parse(&cli, &spec, argc, argv) != ZK_OK ||
	    bench_opts(&cli, &o) != ZK_OK)
		return zk_cli_done(&cli);
	if (zk_bench_run(&o, &r, &e) != ZK_OK) {
		zk_cli_fail(&cli, NULL, &e);
		return zk_cli_done(&cli);
	}
	if (!cli.quiet)
		zk_bench_report(&cli.out, cli.fmt, &o, &r);
	return zk_cli_done(&cli);
}
