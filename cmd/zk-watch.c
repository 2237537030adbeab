/*
 * zk-watch: stream the changes under a path, one line per event, flushed
 * as it happens, until interrupted; or run a command once per event. The
 * stream (reconnects, expired sessions, order, no repeats) is
 * lib/watchstream.c's; this file prints, runs CMD and handles signals.
 *
 * With CMD, events are handled one at a time: while CMD runs, those that
 * come wait their turn in the stream's queue, and the loop goes on, so the
 * session stays alive however long CMD takes.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "output.h"
#include "spawn.h"
#include "watchstream.h"

#define CLOSE_WAIT_MS	2000	/* for the closeSession reply */

enum { O_RECURSIVE, O_DATA, O_COUNT, O_SINCE };

static const struct zk_cli_opt watch_opts[] = {
	[O_RECURSIVE] = { 'r', "recursive", NULL,
	    "the whole subtree: every node created, deleted, changed" },
	[O_DATA] = { 0, "data", NULL,
	    "include the new data of created and changed nodes" },
	[O_COUNT] = { 'n', "count", "COUNT", "stop after COUNT events" },
	[O_SINCE] = { 0, "since", "ZXID",
	    "first replay what changed after ZXID (0x hex or decimal)" },
	{ 0, NULL, NULL, NULL }
};

static const struct zk_cli_spec watch_spec = {
	"zk-watch", "PATH [-- CMD [ARG...]]", 1, 1, ZK_CLI_CMD | ZK_CLI_WAITS, watch_opts
};

/* The signals that end zk-watch (passed on to a running CMD first). */
static const int end_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NEND	(sizeof(end_signals) / sizeof(end_signals[0]))

struct watch {
	struct zk_cli		*cli;
	struct event_base	*base;
	struct zk_watchstream	*ws;
	const char		*path;
	int			 want_data;	/* --data */
	int64_t			 count;		/* -n; 0: no limit */
	int64_t			 seen;		/* events handled or begun */
	pid_t			 pid;		/* CMD running, or -1 */
	int			 signo;		/* ended by this signal, or 0 */
	int			 stop;		/* leave the loop */
	struct sigaction	 saved[NEND];	/* for CMD: as we found them */
};

static void
stop(struct watch *w)
{
	w->stop = 1;
	event_base_loopbreak(w->base);
}

static int
limit_reached(const struct watch *w)
{
	return w->count > 0 && w->seen >= w->count;
}

static void
print_event(struct watch *w, const struct zk_reply *ev)
{
	struct zk_cli		*cli = w->cli;
	struct zk_event_record	 r;
	struct zk_error		 e;

	if (cli->quiet)
		return;
	memset(&r, 0, sizeof(r));
	r.zxid = ev->zxid;
	r.type = ev->event_type;
	r.path = ev->path;
	/* Empty data may come without "d": it is still data. */
	r.has_data = w->want_data && (ev->event_type == ZK_EVENT_CREATED ||
	    ev->event_type == ZK_EVENT_CHANGED);
	r.data = ev->has_data ? ev->data : NULL;
	r.data_len = ev->has_data ? ev->data_len : 0;
	if (cli->fmt == ZK_FMT_JSON)
		zk_out_event_json(&cli->out, &r);
	else if (cli->fmt == ZK_FMT_MSGPACK)
		zk_out_event_msgpack(&cli->out, &r);
	else
		zk_out_event_text(&cli->out, &r);
	/* A closed pipe ends us here by SIGPIPE, as it ends cat(1). */
	if (zk_out_flush(stdout, &cli->out, &e) != ZK_OK) {
		zk_cli_fail(cli, NULL, &e);
		stop(w);
	}
}

/*
 * Starts CMD for ev. A CMD that cannot be run at all ends zk-watch with
 * 127 (not found) or 126, as env(1) and the shell do: no later event
 * would fare better.
 */
static void
spawn(struct watch *w, const struct zk_reply *ev)
{
	struct zk_error	 e;
	char		 zxid[32];
	const char	*env[] = { "ZK_EVENT", zk_out_event_name(ev->event_type),
			    "ZK_PATH", ev->path, "ZK_ZXID", zxid, NULL };
	int		 status;

	snprintf(zxid, sizeof(zxid), "0x%" PRIx64, (uint64_t)ev->zxid);
	if (zk_spawn(w->cli->cmd, env, end_signals, w->saved, NEND, &w->pid,
	    &status, &e) == ZK_OK)
		return;
	zk_cli_fail(w->cli, NULL, &e);
	w->cli->status = status;
	stop(w);
}

static void
on_event(void *arg, const struct zk_reply *ev)
{
	struct watch	*w = arg;

	if (w->stop || limit_reached(w))
		return;
	w->seen++;
	if (w->cli->cmd != NULL) {
		/* One CMD at a time: the rest wait in the stream's queue. */
		zk_watchstream_hold(w->ws, 1);
		spawn(w, ev);
		return;
	}
	print_event(w, ev);
	if (limit_reached(w))
		stop(w);
}

static void
on_fail(void *arg, const char *subject, const struct zk_error *e)
{
	struct watch	*w = arg;

	zk_cli_fail(w->cli, subject, e);
	stop(w);
}

/* CMD is done (its status is its own business); the next event may go. */
static void
on_child(evutil_socket_t sig, short what, void *arg)
{
	struct watch	*w = arg;

	(void)sig;
	(void)what;
	if (w->pid <= 0 || waitpid(w->pid, NULL, WNOHANG) != w->pid)
		return;
	w->pid = -1;
	if (limit_reached(w))
		stop(w);
	else if (!w->stop)
		zk_watchstream_hold(w->ws, 0);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct watch	*w = arg;

	(void)what;
	if (w->pid > 0)
		kill(w->pid, (int)sig);
	w->signo = (int)sig;
	stop(w);
}

/* Closes the session, so the server drops the watch now, not at expiry. */
static void
close_stream(struct watch *w)
{
	zk_watchstream_close_wait(w->ws, CLOSE_WAIT_MS);
	zk_watchstream_free(w->ws);
	w->ws = NULL;
}

static int
setup(struct watch *w, struct zk_watchstream_opts *o, struct zk_evpos *since)
{
	struct zk_cli	*cli = w->cli;
	int64_t		 zxid = 0;

	if (cli->has[O_COUNT] &&
	    zk_cli_number(cli, O_COUNT, 1, INT64_MAX, &w->count) != ZK_OK)
		return -1;
	if (cli->has[O_SINCE] && zk_cli_zxid(cli->arg[O_SINCE], &zxid) != 0) {
		zk_cli_usage(cli, "--since: '%s' is not a zxid (0x hex or "
		    "decimal)", cli->arg[O_SINCE]);
		return -1;
	}
	if (zk_cli_check_path(cli, cli->argv[0]) != ZK_OK)
		return -1;
	w->path = cli->argv[0];
	w->want_data = cli->has[O_DATA] > 0;
	w->pid = -1;
	memset(o, 0, sizeof(*o));
	o->servers = cli->servers;
	o->session_timeout_ms = cli->session_timeout_ms;
	o->connect_timeout_ms = cli->timeout_ms;
	o->path = w->path;
	o->mode = cli->has[O_RECURSIVE] ? ZK_WATCH_RECURSIVE :
	    ZK_WATCH_PERSISTENT;
	o->want_data = w->want_data;
	if (cli->has[O_SINCE]) {
		since->zxid = zxid;
		since->index = ZK_EVINDEX_ALL;
		o->since = since;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct zk_cli			 cli;
	struct zk_watchstream_opts	 o;
	struct zk_evpos			 since;
	struct zk_error			 e;
	struct watch			 w;
	struct event			*sig[NEND], *chld = NULL;
	size_t				 i;
	int				 status;

	memset(&w, 0, sizeof(w));
	memset(sig, 0, sizeof(sig));
	w.cli = &cli;
	if (zk_cli_parse(&cli, &watch_spec, argc, argv) != ZK_OK ||
	    setup(&w, &o, &since) != 0)
		goto done;
	if ((w.base = event_base_new()) == NULL) {
		zk_error_set(&e, ZK_ESYSTEM, "cannot create an event loop");
		zk_cli_fail(&cli, NULL, &e);
		goto done;
	}
	/* Handlers go in before any fork: no early SIGCHLD is missed. */
	for (i = 0; i < NEND; i++) {
		sigaction(end_signals[i], NULL, &w.saved[i]);
		sig[i] = evsignal_new(w.base, end_signals[i], on_signal, &w);
		evsignal_add(sig[i], NULL);
	}
	if (cli.cmd != NULL) {
		chld = evsignal_new(w.base, SIGCHLD, on_child, &w);
		evsignal_add(chld, NULL);
	}
	if ((w.ws = zk_watchstream_new(w.base, &o, on_event, on_fail, &w,
	    &e)) == NULL) {
		zk_cli_fail(&cli, cli.servers, &e);
		goto done;
	}
	while (!w.stop)
		if (event_base_loop(w.base, 0) != 0)
			break;
	close_stream(&w);
done:
	if (chld != NULL)
		event_free(chld);
	for (i = 0; i < NEND; i++)
		if (sig[i] != NULL)
			event_free(sig[i]);
	if (w.base != NULL)
		event_base_free(w.base);
	status = zk_cli_done(&cli);
	if (w.signo != 0) {
		/* Die by the signal: the caller sees 128+N, as from cat(1). */
		signal(w.signo, SIG_DFL);
		raise(w.signo);
	}
	return status;
}
