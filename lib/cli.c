/*
 * The tools' shared front end: common flags, usage and help built from the
 * tool's table, the connection, printing, and the one table from error
 * codes to exit statuses. The one place that writes error lines. See cli.h
 * for the invariants.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ops.h"
#include "output.h"
#include "path.h"

#define DEFAULT_SERVERS	"127.0.0.1:2181"
#define HELP_COL	34	/* where the help phrase starts in -h */
#define VAL_COMMON	1000	/* getopt_long values: common flag i */
#define VAL_TOOL	2000	/* tool flag i */

enum {
	CO_SERVERS, CO_SESSION, CO_TIMEOUT, CO_OUTPUT, CO_QUIET, CO_SYNC,
	CO_HELP, CO_VERSION, NCOMMON
};

static const struct zk_cli_opt common[NCOMMON] = {
	[CO_SERVERS] = { 's', "servers", "HOST:PORT[,...]",
	    "ensemble to talk to (default: $ZK_SERVERS, else 127.0.0.1:2181)" },
	[CO_SESSION] = { 0, "session-timeout", "MS",
	    "session timeout to ask for (default 10000)" },
	[CO_TIMEOUT] = { 'T', "timeout", "SECONDS",
	    "give up connecting or waiting after this long (default 10)" },
	[CO_OUTPUT] = { 'o', "output", "text|json|msgpack",
	    "output format (default text)" },
	[CO_QUIET] = { 'q', "quiet", NULL, "no output, exit status only" },
	[CO_SYNC] = { 0, "sync", NULL,
	    "sync with the leader first: the read is linearizable" },
	[CO_HELP] = { 'h', "help", NULL, "print this help and exit" },
	[CO_VERSION] = { 'V', "version", NULL, "print the version and exit" },
};

/* CLI.md's exit statuses; every code not listed means 3. */
static const struct {
	int	 code;
	int	 status;
} exit_table[] = {
	{ ZK_OK,			0 },
	{ ZK_ENONODE,			1 },
	{ ZK_ENODEEXISTS,		1 },
	{ ZK_EBADVERSION,		1 },
	{ ZK_ENOTEMPTY,			1 },
	{ ZK_ENOCHILDRENFOREPHEMERALS,	1 },
	{ ZK_EHISTORY,			1 },
	{ ZK_ENOWATCHER,		1 },
	{ ZK_EUSAGE,			2 },
	{ ZK_EBADPATH,			2 },
	{ ZK_EBADARGUMENTS,		2 },
	{ ZK_ETOOBIG,			2 },
	{ ZK_ETIMEOUT,			4 },
};

int
zk_cli_exit_code(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].code == code)
			return exit_table[i].status;
	return 3;
}

static void
raise_status(struct zk_cli *cli, int status)
{
	if (status > cli->status)
		cli->status = status;
}

/* The common flags this tool takes: --sync only for read tools. */
static int
takes_common(const struct zk_cli *cli, int i)
{
	return i != CO_SYNC || (cli->spec->flags & ZK_CLI_READ);
}

static size_t
ntool(const struct zk_cli_spec *spec)
{
	size_t	 n = 0;

	while (spec->opts != NULL && (spec->opts[n].ch != 0 ||
	    spec->opts[n].name != NULL))
		n++;
	return n;
}

/* Synopsis order for short letters: a A b B ..., as style(9) sorts them. */
static int
letter_key(int c)
{
	return tolower(c) * 2 + (isupper(c) ? 1 : 0);
}

/* Every flag of the tool, its own first: pointers into the two tables. */
static size_t
all_opts(const struct zk_cli *cli, const struct zk_cli_opt **v)
{
	size_t	 n = 0, i, nt = ntool(cli->spec);

	for (i = 0; i < nt; i++)
		v[n++] = &cli->spec->opts[i];
	for (i = 0; i < NCOMMON; i++)
		if (takes_common(cli, (int)i))
			v[n++] = &common[i];
	return n;
}

static void
word(struct zk_buf *b, size_t *col, size_t indent, const char *w)
{
	size_t	 n = strlen(w);

	if (*col + 1 + n > 79) {
		zk_buf_append(b, "\n", 1);
		for (*col = 0; *col < indent; (*col)++)
			zk_buf_append(b, " ", 1);
	} else {
		zk_buf_append(b, " ", 1);
		(*col)++;
	}
	zk_buf_append(b, w, n);
	*col += n;
}

/* "usage: zk-get [-hqRSV] [-o text|json|msgpack] ... PATH...\n" */
static void
synopsis(const struct zk_cli *cli, struct zk_buf *b)
{
	const struct zk_cli_opt	*v[ZK_CLI_MAXOPTS + NCOMMON], *t;
	char			 w[128], flags[64];
	size_t			 n, i, j, col, indent, nf = 0;

	n = all_opts(cli, v);
	for (i = 1; i < n; i++)		/* insertion sort by letter */
		for (j = i; j > 0 && letter_key(v[j]->ch) <
		    letter_key(v[j - 1]->ch); j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	snprintf(w, sizeof(w), "usage: %s", cli->spec->tool);
	zk_buf_append(b, w, strlen(w));
	col = indent = strlen(w);
	for (i = 0; i < n; i++)
		if (v[i]->ch != 0 && v[i]->arg == NULL)
			flags[nf++] = (char)v[i]->ch;
	flags[nf] = '\0';
	if (nf > 0) {
		snprintf(w, sizeof(w), "[-%s]", flags);
		word(b, &col, indent + 1, w);
	}
	for (i = 0; i < n; i++)
		if (v[i]->ch != 0 && v[i]->arg != NULL) {
			snprintf(w, sizeof(w), "[-%c %s]", v[i]->ch, v[i]->arg);
			word(b, &col, indent + 1, w);
		}
	for (i = 0; i < n; i++)
		if (v[i]->ch == 0) {
			snprintf(w, sizeof(w), "[--%s%s%s]", v[i]->name,
			    v[i]->arg ? " " : "", v[i]->arg ? v[i]->arg : "");
			word(b, &col, indent + 1, w);
		}
	if (cli->spec->operands != NULL && cli->spec->operands[0] != '\0')
		word(b, &col, indent + 1, cli->spec->operands);
	zk_buf_append(b, "\n", 1);
}

/* The help phrase from column HELP_COL, words wrapped before column 80. */
static void
wrap(struct zk_buf *b, size_t col, const char *text)
{
	size_t	 n;

	if (col + 2 > HELP_COL) {	/* a long flag: the phrase goes below */
		zk_buf_append(b, "\n", 1);
		col = 0;
	}
	for (; col < HELP_COL; col++)
		zk_buf_append(b, " ", 1);
	while (*text != '\0') {
		n = strcspn(text, " ");
		if (col > HELP_COL && col + 1 + n > 79) {
			zk_buf_append(b, "\n", 1);
			for (col = 0; col < HELP_COL; col++)
				zk_buf_append(b, " ", 1);
		} else if (col > HELP_COL) {
			zk_buf_append(b, " ", 1);
			col++;
		}
		zk_buf_append(b, text, n);
		col += n;
		text += n;
		text += strspn(text, " ");
	}
	zk_buf_append(b, "\n", 1);
}

static void
help(const struct zk_cli *cli, struct zk_buf *b)
{
	const struct zk_cli_opt	*v[ZK_CLI_MAXOPTS + NCOMMON];
	char			 w[128];
	size_t			 n, i, len;

	synopsis(cli, b);
	zk_buf_append(b, "options:\n", 9);
	n = all_opts(cli, v);
	for (i = 0; i < n; i++) {
		if (v[i]->ch != 0)
			snprintf(w, sizeof(w), "  -%c%s", v[i]->ch,
			    v[i]->name != NULL ? ", " : "");
		else
			snprintf(w, sizeof(w), "      ");
		len = strlen(w);
		snprintf(w + len, sizeof(w) - len, "%s%s%s%s",
		    v[i]->name ? "--" : "", v[i]->name ? v[i]->name : "",
		    v[i]->arg ? " " : "", v[i]->arg ? v[i]->arg : "");
		len = strlen(w);
		zk_buf_append(b, w, len);
		wrap(b, len, v[i] == &common[CO_TIMEOUT] &&
		    (cli->spec->flags & ZK_CLI_WAITS) ? "give up connecting "
		    "or waiting after this long (default: never)" :
		    v[i]->help);
	}
}

static void
put_stderr(const struct zk_buf *b)
{
	fflush(stdout);
	fwrite(b->data, 1, b->len, stderr);
	fflush(stderr);
}

static int
vusage(struct zk_cli *cli, const char *fmt, va_list ap)
{
	struct zk_buf	 b;
	char		 msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	zk_buf_init(&b);
	zk_buf_append(&b, cli->spec->tool, strlen(cli->spec->tool));
	zk_buf_append(&b, ": ", 2);
	zk_out_escape(&b, msg, strlen(msg));
	zk_buf_append(&b, "\n", 1);
	synopsis(cli, &b);
	put_stderr(&b);
	zk_buf_close(&b);
	raise_status(cli, 2);
	return 2;
}

int
zk_cli_usage(struct zk_cli *cli, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = vusage(cli, fmt, ap);
	va_end(ap);
	return rc;
}

static int
usage_err(struct zk_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage_err(struct zk_cli *cli, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vusage(cli, fmt, ap);
	va_end(ap);
	return ZK_EUSAGE;
}

static int
parse_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

int
zk_cli_number(struct zk_cli *cli, int i, int64_t min, int64_t max,
    int64_t *v)
{
	const struct zk_cli_opt	*o = &cli->spec->opts[i];
	char			 flag[64];

	if (parse_int(cli->arg[i], min, max, v) == 0)
		return ZK_OK;
	if (o->ch != 0)
		snprintf(flag, sizeof(flag), "-%c", o->ch);
	else
		snprintf(flag, sizeof(flag), "--%s", o->name);
	return usage_err(cli, "%s: '%s' is not a number from %lld to %lld",
	    flag, cli->arg[i], (long long)min, (long long)max);
}

/* A common flag's value. */
static int
common_flag(struct zk_cli *cli, int i, const char *arg)
{
	int64_t	 n;
	double	 sec;
	char	*end;

	switch (i) {
	case CO_SERVERS:
		cli->servers = arg;
		break;
	case CO_SESSION:
		if (parse_int(arg, 1, INT32_MAX, &n) != 0)
			return usage_err(cli, "--session-timeout: '%s' is not "
			    "a number of milliseconds", arg);
		cli->session_timeout_ms = (int32_t)n;
		break;
	case CO_TIMEOUT:
		errno = 0;
		sec = strtod(arg, &end);
		if (arg[0] == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(sec) || sec < 0 || sec > 1e9)
			return usage_err(cli, "-T: '%s' is not a number of "
			    "seconds", arg);
		cli->timeout_ms = (int64_t)llround(sec * 1000);
		if (sec > 0 && cli->timeout_ms == 0)
			cli->timeout_ms = 1;
		break;
	case CO_OUTPUT:
		if ((cli->fmt = zk_out_fmt_parse(arg)) < 0)
			return usage_err(cli, "-o: '%s' is not text, json or "
			    "msgpack", arg);
		break;
	case CO_QUIET:
		cli->quiet = 1;
		break;
	case CO_SYNC:
		cli->sync = 1;
		break;
	}
	return ZK_OK;
}

/* Finds the flag getopt_long returned: common (0..) or tool (VAL_TOOL..). */
static int
flag_index(const struct zk_cli *cli, int c)
{
	size_t	 i, nt = ntool(cli->spec);

	if (c >= VAL_TOOL)
		return c;
	if (c >= VAL_COMMON)
		return c - VAL_COMMON;
	for (i = 0; i < nt; i++)
		if (cli->spec->opts[i].ch == c)
			return VAL_TOOL + (int)i;
	for (i = 0; i < NCOMMON; i++)
		if (common[i].ch == c && takes_common(cli, (int)i))
			return (int)i;
	return -1;
}

static const char *
flag_name(const struct zk_cli *cli, int idx, char *buf, size_t len)
{
	const struct zk_cli_opt	*o;

	o = idx >= VAL_TOOL ? &cli->spec->opts[idx - VAL_TOOL] : &common[idx];
	if (o->name != NULL)
		snprintf(buf, len, "--%s", o->name);
	else
		snprintf(buf, len, "-%c", o->ch);
	return buf;
}

/* optstring and long options for getopt_long from both tables. */
static void
build_getopt(const struct zk_cli *cli, char *optstr, struct option *lo)
{
	const struct zk_cli_opt	*o;
	size_t			 i, nt = ntool(cli->spec), nl = 0, ns = 2;

	/* "-": operands come back in order; ":": we word the errors. */
	strcpy(optstr, "-:");
	for (i = 0; i < NCOMMON + nt; i++) {
		o = i < NCOMMON ? &common[i] : &cli->spec->opts[i - NCOMMON];
		if (i < NCOMMON && !takes_common(cli, (int)i))
			continue;
		if (o->ch != 0) {
			optstr[ns++] = (char)o->ch;
			if (o->arg != NULL)
				optstr[ns++] = ':';
		}
		if (o->name != NULL) {
			lo[nl].name = o->name;
			lo[nl].has_arg = o->arg != NULL ? required_argument :
			    no_argument;
			lo[nl].flag = NULL;
			lo[nl].val = i < NCOMMON ? VAL_COMMON + (int)i :
			    VAL_TOOL + (int)(i - NCOMMON);
			nl++;
		}
	}
	optstr[ns] = '\0';
	memset(&lo[nl], 0, sizeof(lo[nl]));
}

/* Fds 0-2 must be open, or our socket could become "stdin". */
static void
std_fds(void)
{
	int	 fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			return;
}

/* The operand name a missing operand is called by: "PATH" of "PATH...". */
static void
first_operand(const char *ops, char *buf, size_t len)
{
	size_t	 n;

	ops += strspn(ops, "[");
	n = strcspn(ops, " .]");
	snprintf(buf, len, "%.*s", (int)n, ops);
}

static int
getopt_loop(struct zk_cli *cli, int argc, char *argv[], int *want)
{
	struct option	 lo[NCOMMON + ZK_CLI_MAXOPTS + 1];
	char		 optstr[2 + 3 * (NCOMMON + ZK_CLI_MAXOPTS) + 1], nm[64];
	int		 c, idx, rc;

	build_getopt(cli, optstr, lo);
	optind = 0;		/* glibc: start over, fully */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstr, lo, NULL)) != -1) {
		if (c == 1) {
			cli->argv[cli->argc++] = optarg;
			continue;
		}
		if (c == '?') {
			if (optopt >= VAL_COMMON)
				return usage_err(cli, "%s takes no argument",
				    flag_name(cli, flag_index(cli, optopt), nm,
				    sizeof(nm)));
			if (optopt != 0)
				return usage_err(cli, "unknown option -%c",
				    optopt);
			return usage_err(cli, "unknown option %.*s",
			    (int)strcspn(argv[optind - 1], "="),
			    argv[optind - 1]);
		}
		if (c == ':') {
			idx = flag_index(cli, optopt);
			return usage_err(cli, "%s needs an argument",
			    idx < 0 ? "option" : flag_name(cli, idx, nm,
			    sizeof(nm)));
		}
		if ((idx = flag_index(cli, c)) < 0)
			return usage_err(cli, "unknown option -%c", c);
		if (idx == CO_HELP || idx == CO_VERSION)
			*want = idx;
		else if (idx >= VAL_TOOL) {
			cli->has[idx - VAL_TOOL]++;
			cli->arg[idx - VAL_TOOL] = optarg;
		} else if ((rc = common_flag(cli, idx, optarg)) != ZK_OK)
			return rc;
	}
	return ZK_OK;
}

int
zk_cli_parse(struct zk_cli *cli, const struct zk_cli_spec *spec, int argc,
    char *argv[])
{
	const char	*env;
	struct zk_buf	 b;
	char		 nm[64];
	int		 want = -1, i, rc;

	memset(cli, 0, sizeof(*cli));
	cli->spec = spec;
	cli->session_timeout_ms = ZK_CLI_SESSION_MS;
	cli->timeout_ms = spec->flags & ZK_CLI_WAITS ? 0 : ZK_CLI_TIMEOUT_MS;
	cli->fmt = ZK_FMT_TEXT;
	zk_buf_init(&cli->out);
	cli->argv = zk_xcalloc((size_t)argc + 1, sizeof(*cli->argv));
	std_fds();
	if ((rc = getopt_loop(cli, argc, argv, &want)) != ZK_OK)
		return rc;
	/* After "--": a command (after an operand), else more operands. */
	for (i = optind; i < argc; i++) {
		if ((spec->flags & ZK_CLI_CMD) && cli->argc > 0 &&
		    (i == optind || strcmp(argv[i], "--") == 0)) {
			cli->cmd = argv + i + (i > optind);
			break;
		}
		cli->argv[cli->argc++] = argv[i];
	}
	if (cli->cmd != NULL && cli->cmd[0] == NULL)
		cli->cmd = NULL;
	if (want >= 0) {
		zk_buf_init(&b);
		if (want == CO_HELP)
			help(cli, &b);
		else {
			zk_buf_append(&b, spec->tool, strlen(spec->tool));
			zk_buf_append(&b, " " ZK_VERSION "\n",
			    strlen(" " ZK_VERSION "\n"));
		}
		fwrite(b.data, 1, b.len, stdout);
		zk_buf_close(&b);
		return ZK_EUSAGE;
	}
	if ((env = getenv("ZK_SERVERS")) != NULL && env[0] != '\0' &&
	    cli->servers == NULL)
		cli->servers = env;
	if (cli->servers == NULL)
		cli->servers = DEFAULT_SERVERS;
	if (cli->argc < spec->min_args) {
		first_operand(spec->operands, nm, sizeof(nm));
		return usage_err(cli, "missing %s", nm);
	}
	if (spec->max_args >= 0 && cli->argc > spec->max_args)
		return usage_err(cli, "unexpected argument '%s'",
		    cli->argv[spec->max_args]);
	return ZK_OK;
}

int
zk_cli_fail(struct zk_cli *cli, const char *path, const struct zk_error *e)
{
	const char	*msg = e->msg;
	struct zk_buf	 b;
	size_t		 n;
	int		 status = zk_cli_exit_code(e->code);

	if (msg[0] == '\0')
		msg = zk_error_str(e->code);
	raise_status(cli, status);
	if (cli->quiet && status == 1)
		return status;
	/* A message that already starts with the path must not repeat it. */
	if (path != NULL && strncmp(msg, path, n = strlen(path)) == 0 &&
	    msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	zk_buf_init(&b);
	zk_buf_append(&b, cli->spec->tool, strlen(cli->spec->tool));
	zk_buf_append(&b, ": ", 2);
	if (path != NULL) {
		zk_out_escape(&b, path, strlen(path));
		zk_buf_append(&b, ": ", 2);
	}
	zk_out_escape(&b, msg, strlen(msg));
	zk_buf_append(&b, "\n", 1);
	put_stderr(&b);
	zk_buf_close(&b);
	return status;
}

int
zk_cli_check_path(struct zk_cli *cli, const char *path)
{
	struct zk_error	 e;
	int		 rc;

	if ((rc = zk_path_validate(path, strlen(path), &e)) != ZK_OK)
		zk_cli_fail(cli, path, &e);
	return rc;
}

int
zk_cli_check_write(struct zk_cli *cli, const char *path, size_t len)
{
	struct zk_error	 e;
	int		 rc;

	if ((rc = zk_cli_check_path(cli, path)) != ZK_OK)
		return rc;
	if (len <= ZK_MAX_DATA_DEFAULT)
		return ZK_OK;
	zk_error_set(&e, ZK_ETOOBIG, "data is %zu bytes, over the limit of %d",
	    len, ZK_MAX_DATA_DEFAULT);
	zk_cli_fail(cli, path, &e);
	return ZK_ETOOBIG;
}

int
zk_cli_check_paths(struct zk_cli *cli, int from)
{
	int	 i, rc;

	for (i = from; i < cli->argc; i++)
		if (strcmp(cli->argv[i], "-") != 0 &&
		    (rc = zk_cli_check_path(cli, cli->argv[i])) != ZK_OK)
			return rc;
	return ZK_OK;
}

int
zk_cli_connect(struct zk_cli *cli)
{
	struct zk_error	 e;

	signal(SIGPIPE, SIG_IGN);
	cli->zs = zk_sync_connect(cli->servers, cli->session_timeout_ms,
	    cli->timeout_ms, &e);
	if (cli->zs == NULL) {
		zk_cli_fail(cli, cli->servers, &e);
		return e.code;
	}
	return ZK_OK;
}

int
zk_cli_sync(struct zk_cli *cli, const char *path)
{
	struct zk_error	 e;
	int		 rc;

	if (!cli->sync)
		return ZK_OK;
	if ((rc = zk_sync_sync(cli->zs, path, &e)) != ZK_OK)
		zk_cli_fail(cli, path, &e);
	return rc;
}

static void
each_one(struct zk_cli *cli, const char *path,
    int (*fn)(struct zk_cli *, const char *, void *), void *arg)
{
	if (zk_cli_check_path(cli, path) == ZK_OK)
		raise_status(cli, fn(cli, path, arg));
}

int
zk_cli_each_path(struct zk_cli *cli,
    int (*fn)(struct zk_cli *, const char *, void *), void *arg)
{
	struct zk_ops_input	 in;
	struct zk_error		 e;
	char			*line;
	size_t			 len;
	int			 i, rc = 0;

	for (i = 0; i < cli->argc && cli->status < 3; i++) {
		if (strcmp(cli->argv[i], "-") != 0) {
			each_one(cli, cli->argv[i], fn, arg);
			continue;
		}
		zk_ops_input_init(&in, STDIN_FILENO);
		while (cli->status < 3 &&
		    (rc = zk_ops_input_line(&in, cli->zs, &line, &len,
		    &e)) == 1)
			if (len > 0)	/* blank lines are no paths */
				each_one(cli, line, fn, arg);
		if (rc < 0)
			zk_cli_fail(cli, NULL, &e);
		zk_ops_input_close(&in);
	}
	return cli->status;
}

int
zk_cli_each_record(struct zk_cli *cli, int fmt,
    int (*fn)(struct zk_cli *, struct zk_record *, void *), void *arg)
{
	struct zk_out_reader	*rd = zk_out_reader_new(fmt);
	struct zk_ops_input	 in;
	struct zk_record	 r;
	struct zk_error		 e;
	int			 rc = ZK_OK;

	zk_ops_input_init(&in, STDIN_FILENO);
	while (rc == ZK_OK && cli->status < 2) {
		while (cli->status < 2 &&
		    (rc = zk_out_reader_next(rd, in.eof, &r, &e)) == 1) {
			raise_status(cli, fn(cli, &r, arg));
			zk_record_close(&r);
		}
		if (rc < 0 || in.eof)
			break;
		/* Whatever was read goes to the reader: buf is then spent. */
		if ((rc = zk_ops_input_fill(&in, cli->zs, &e)) == ZK_OK) {
			zk_out_reader_feed(rd, in.buf.data + in.off,
			    in.buf.len - in.off);
			in.off = in.buf.len;
		}
	}
	if (rc < 0)
		zk_cli_fail(cli, NULL, &e);
	zk_ops_input_close(&in);
	zk_out_reader_free(rd);
	return cli->status;
}

int
zk_cli_print(struct zk_cli *cli, const struct zk_record *r, int show)
{
	struct zk_buf	*b = &cli->out;
	struct zk_error	 e;
	const char	*s;
	char		*prefix;

	if (cli->quiet)
		return ZK_OK;
	if (cli->fmt == ZK_FMT_JSON)
		zk_out_json(b, r);
	else if (cli->fmt == ZK_FMT_MSGPACK)
		zk_out_msgpack(b, r);
	else if (show == ZK_SHOW_DATA)
		zk_buf_append(b, r->data, r->data_len);
	else if (show == ZK_SHOW_LINE)
		zk_out_text_line(b, r);
	else if (show == ZK_SHOW_STAT)
		zk_out_text_stat(b, NULL, &r->stat);
	else if (show == ZK_SHOW_STAT_LINES) {
		prefix = zk_xmalloc(strlen(r->path) + 2);
		sprintf(prefix, "%s\t", r->path);
		zk_out_text_stat(b, prefix, &r->stat);
		free(prefix);
	} else if (show == ZK_SHOW_LONG)
		zk_out_text_long(b, &r->stat, r->name ? r->name : r->path);
	else {
		s = r->name ? r->name : r->path;
		zk_buf_append(b, s, strlen(s));
		zk_buf_append(b, "\n", 1);
	}
	if (zk_out_flush(stdout, b, &e) != ZK_OK) {
		zk_cli_fail(cli, NULL, &e);
		return e.code;
	}
	return ZK_OK;
}

int
zk_cli_done(struct zk_cli *cli)
{
	struct zk_error	 e;

	if (cli->out.len > 0 && zk_out_flush(stdout, &cli->out, &e) != ZK_OK)
		zk_cli_fail(cli, NULL, &e);
	if (cli->zs != NULL)
		zk_sync_close(cli->zs);
	cli->zs = NULL;
	zk_buf_close(&cli->out);
	free(cli->argv);
	cli->argv = NULL;
	return cli->status;
}

int
zk_cli_zxid(const char *s, int64_t *v)
{
	unsigned long long	 n;
	char			*end;
	int			 base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!(base == 16 ? isxdigit((unsigned char)s[0]) :
	    isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (*end != '\0' || errno != 0 || n > INT64_MAX)
		return -1;
	*v = (int64_t)n;
	return 0;
}
