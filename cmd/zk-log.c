/*
 * zk-log: read a peer's data directory offline. dump prints every txn,
 * verify checks checksums and zxid order (exit 1 at the first bad record),
 * stat summarises files, zxid ranges and epochs, snapshot prints the tree
 * of a snapshot. The work is in lib/logdump.c.
 *
 * It takes no connection flags, so it parses its own few with
 * getopt_long rather than through lib/cli.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "logdump.h"
#include "output.h"

#define USAGE	"usage: zk-log [-hV] [-o text|json] " \
		"dump|verify|stat|snapshot DATADIR|FILE\n"

static const struct option longopts[] = {
	{ "output",	required_argument,	NULL,	'o' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "zk-log: %s\n", why);
	fputs(USAGE, stderr);
	return 2;
}

static int
help(void)
{
	fputs(USAGE
	    "\n"
	    "Commands:\n"
	    "  dump      every transaction, one per line\n"
	    "  verify    check checksums and zxid order; exit 1 at the first "
	    "bad record\n"
	    "  stat      files, zxid ranges, sizes and epochs\n"
	    "  snapshot  the tree of a snapshot (the newest one of DATADIR)\n"
	    "\n"
	    "Options:\n"
	    "  -o, --output text|json  output format (default text)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n", stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct zk_error	 e;
	const char	*cmd, *target;
	int		 ch, fmt = ZK_FMT_TEXT, rc;

	while ((ch = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			fmt = zk_out_fmt_parse(optarg);
			if (fmt != ZK_FMT_TEXT && fmt != ZK_FMT_JSON)
				return usage("-o takes text or json");
			break;
		case 'h':
			return help();
		case 'V':
			printf("zk-log %s\n", ZK_VERSION);
			return 0;
		default:
			return usage(NULL);
		}
	}
	if (argc - optind != 2)
		return usage(argc - optind < 2 ? "missing operand" :
		    "too many operands");
	cmd = argv[optind];
	target = argv[optind + 1];
	memset(&e, 0, sizeof(e));
	if (strcmp(cmd, "dump") == 0)
		rc = zk_logdump_dump(target, fmt, stdout, &e);
	else if (strcmp(cmd, "verify") == 0)
		rc = zk_logdump_verify(target, stdout, &e);
	else if (strcmp(cmd, "stat") == 0)
		rc = zk_logdump_stat(target, fmt, stdout, &e);
	else if (strcmp(cmd, "snapshot") == 0)
		rc = zk_logdump_snapshot(target, fmt, stdout, &e);
	else {
		fprintf(stderr, "zk-log: %s: unknown command\n", cmd);
		return usage(NULL);
	}
	if (rc == ZK_OK)
		return 0;
	/* Messages from lib/ start with the file they are about. */
	fprintf(stderr, "zk-log: %s\n", e.msg);
	return rc == ZK_EUSAGE ? 2 : 1;
}
