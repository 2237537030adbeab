/*
 * The tools' shared front end: the flags every client tool takes, the
 * usage and help text built from one table per tool, the connection, the
 * output format, the one table from error codes to CLI.md's exit codes,
 * and the one place that writes error lines to stderr.
 *
 * A cmd/ file fills a zk_cli_spec, calls zk_cli_parse, does its work
 * through lib/, prints with zk_cli_print and returns zk_cli_done().
 *
 * Invariants:
 *  (1) Every error line is "zk-TOOL: PATH: message" or "zk-TOOL: message",
 *      one line on stderr, and only this file writes them.
 *  (2) The exit status is the worst one seen so far, from one table
 *      (zk_cli_exit_code): 0 done, 1 the answer is no, 2 usage, 3 could
 *      not reach / lost / expired, 4 timed out.
 *  (3) Paths are checked with zk_path_validate before any request is sent.
 */
#ifndef ZK_CLI_H
#define ZK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "client_sync.h"
#include "error.h"
#include "output.h"
#include "util.h"

#define ZK_VERSION		"0.1.0"
#define ZK_CLI_MAXOPTS		16	/* tool flags in one table, at most */
#define ZK_CLI_TIMEOUT_MS	10000	/* -T default for one-shot tools */
#define ZK_CLI_SESSION_MS	10000	/* --session-timeout default */

/* One of a tool's own flags; a table of them ends with an all-zero entry. */
struct zk_cli_opt {
	int		 ch;	/* short letter, or 0 for long only */
	const char	*name;	/* long name, or NULL */
	const char	*arg;	/* its argument in the usage ("N"), or NULL */
	const char	*help;	/* one phrase for -h */
};

#define ZK_CLI_READ	0x1	/* a read tool: takes --sync */
#define ZK_CLI_CMD	0x2	/* "--" after an operand starts CMD [ARG...] */
#define ZK_CLI_WAITS	0x4	/* waits for ever unless -T says otherwise
				   (zk-watch, zk-lock, zk-elect: CLI.md) */

/* What a tool is. */
struct zk_cli_spec {
	const char		*tool;		/* "zk-get" */
	const char		*operands;	/* synopsis tail: "PATH..." */
	int			 min_args;	/* operands needed */
	int			 max_args;	/* operands allowed; -1: any */
	int			 flags;		/* ZK_CLI_READ, ZK_CLI_CMD */
	const struct zk_cli_opt	*opts;		/* the tool's own flags */
};

struct zk_cli {
	const struct zk_cli_spec *spec;
	const char	*servers;	/* -s, else $ZK_SERVERS, else default */
	int32_t		 session_timeout_ms; /* --session-timeout */
	int64_t		 timeout_ms;	/* -T in ms; 0: no limit */
	int		 fmt;		/* -o: an enum zk_fmt */
	int		 quiet;		/* -q */
	int		 sync;		/* --sync */
	int		 has[ZK_CLI_MAXOPTS]; /* times tool flag i was given */
	const char	*arg[ZK_CLI_MAXOPTS]; /* tool flag i's last argument */
	char		**argv;		/* operands (the array is owned) */
	int		 argc;		/* operands */
	char		**cmd;		/* CMD ARGS after "--", or NULL */
	int		 status;	/* exit status so far, invariant (2) */
	struct zk_sync	*zs;		/* the session, once connected */
	struct zk_buf	 out;		/* stdout bytes not yet written */
};

/* A ZXID argument as the tools print them: "0x1a" or "26"; 0, else -1. */
int		 zk_cli_zxid(const char *s, int64_t *v);

/*
 * Parses argv by spec (getopt_long: flags and operands in any order; "--"
 * before the first operand ends the flags, after it with ZK_CLI_CMD it
 * starts the command). ZK_OK, or ZK_EUSAGE when the tool should stop at
 * once: after -h or -V (printed, status 0) or a usage error (printed with
 * the synopsis, status 2). Either way zk_cli_done() ends the tool.
 */
int		 zk_cli_parse(struct zk_cli *cli,
		    const struct zk_cli_spec *spec, int argc, char *argv[]);

/* A usage error the tool found itself: the message, the synopsis; 2. */
int		 zk_cli_usage(struct zk_cli *cli, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Tool flag i's argument as an integer in [min, max], or a usage error
 * ("-v: 'x' is not a number from 0 to 2147483647"): ZK_OK or ZK_EUSAGE.
 */
int		 zk_cli_number(struct zk_cli *cli, int i, int64_t min,
		    int64_t max, int64_t *v);

/* CLI.md's exit status for an error code (ZK_OK: 0). */
int		 zk_cli_exit_code(int code);

/*
 * Reports e for path (NULL: none) as one line, unless -q hides it (-q
 * silences the answers of exit status 1), and raises the exit status.
 * Returns the exit status for e.
 */
int		 zk_cli_fail(struct zk_cli *cli, const char *path,
		    const struct zk_error *e);

/* zk_path_validate, reported through zk_cli_fail: ZK_OK or ZK_EBADPATH. */
int		 zk_cli_check_path(struct zk_cli *cli, const char *path);

/*
 * A write's path and data length (at most ZK_MAX_DATA_DEFAULT, 1 MiB),
 * checked before anything is sent: ZK_OK, or ZK_EBADPATH or ZK_ETOOBIG
 * ("data is N bytes, over the limit of 1048576"), reported.
 */
int		 zk_cli_check_write(struct zk_cli *cli, const char *path,
		    size_t len);

/*
 * Checks operands from..argc as paths ("-" aside) before anything is
 * sent: ZK_OK, or ZK_EBADPATH after reporting the first bad one.
 */
int		 zk_cli_check_paths(struct zk_cli *cli, int from);

/*
 * Connects with the common flags (ignoring SIGPIPE from here on: a dead
 * server must be an error value, not the end of the process). ZK_OK, or
 * the error, already reported.
 */
int		 zk_cli_connect(struct zk_cli *cli);

/* With --sync, zk_sync_sync(path) first; the error is reported. */
int		 zk_cli_sync(struct zk_cli *cli, const char *path);

/*
 * Calls fn for each path operand in order; "-" reads paths from stdin, one
 * a line, each handled as it arrives (the session stays alive while
 * stdin is quiet). A bad path is reported and skipped. fn returns an exit
 * status; 3 and above stop the walk. Needs zk_cli_connect first.
 */
int		 zk_cli_each_path(struct zk_cli *cli,
		    int (*fn)(struct zk_cli *, const char *, void *),
		    void *arg);

/*
 * Calls fn for each record on stdin in format fmt (ZK_FMT_JSON or
 * ZK_FMT_MSGPACK, as zk_out_reader reads them), waiting with the loop
 * running. fn returns an exit status; 2 and above stop. A record that does
 * not parse is reported (status 2) and stops. Needs zk_cli_connect first.
 */
int		 zk_cli_each_record(struct zk_cli *cli, int fmt,
		    int (*fn)(struct zk_cli *, struct zk_record *, void *),
		    void *arg);

/* How zk_cli_print shows a record in text mode. */
enum zk_cli_show {
	ZK_SHOW_DATA,		/* the data, raw */
	ZK_SHOW_LINE,		/* PATH<TAB>escaped data */
	ZK_SHOW_STAT,		/* "name value" lines */
	ZK_SHOW_STAT_LINES,	/* "PATH<TAB>name value" lines */
	ZK_SHOW_NAME,		/* the name (or path when name is NULL) */
	ZK_SHOW_LONG,		/* long listing line */
};

/*
 * Prints r in the chosen format (json and msgpack print every field r
 * has; text shows what show says) and flushes it, unless -q. ZK_OK or
 * ZK_EIO (reported).
 */
int		 zk_cli_print(struct zk_cli *cli, const struct zk_record *r,
		    int show);

/* Flushes, closes the session, frees; returns the exit status. */
int		 zk_cli_done(struct zk_cli *cli);

#endif
