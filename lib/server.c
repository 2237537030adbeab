/*
 * A running peer: start-up (recover the data directory, choose the epoch
 * or, in an ensemble, start the replica shell, start the log writer, bind
 * the client port), the timers and signals of its loop, snapshots in a
 * forked child, the status figures, and a clean shutdown.
 *
 * Standalone (no server.N lines, or one) and ensemble member (two or more)
 * share all of this; what differs is who picks the epoch and the zxids
 * (start_epoch here, ZAB through replica.c) and who commits (the log
 * writer's done: pipeline.c standalone, replica.c in an ensemble).
 *
 * Invariants:
 *  (1) Standalone, the epoch a peer serves in is above every epoch in its
 *      data directory, and is written (acceptedEpoch, currentEpoch) before
 *      the first txn of that epoch is proposed: zxids never repeat. An
 *      ensemble member leaves the epochs to ZAB.
 *  (2) At most one snapshot child runs at a time; the log rolls to a new
 *      file at each snapshot, so purge can drop whole files.
 *  (3) On SIGTERM every txn handed to the log writer reaches the disk
 *      before the process exits.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "peer.h"
#include "recover.h"
#include "snap.h"
#include "txnlog.h"

void
zk_peer_log(struct zk_server *s, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;

	if (s->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(line);
}

char *
zk_peer_status_json(struct zk_server *s)
{
	json_t			*o = json_object();
	struct zk_replica_status st;
	struct zk_conn		*c;
	size_t			 outstanding = 0, evtxns;
	int64_t			 evfloor;
	char			*text, digest[17];

	TAILQ_FOREACH(c, &s->conns, entry)
		outstanding += c->nq;
	if (s->rep != NULL) {
		zk_replica_status(s, &st);
		snprintf(digest, sizeof(digest), "%016llx",
		    (unsigned long long)zk_tree_digest(s->db.tree));
		json_object_set_new(o, "mode", json_string(st.mode));
		json_object_set_new(o, "server_id", json_integer(s->cfg.myid));
		json_object_set_new(o, "epoch", json_integer(st.epoch));
		json_object_set_new(o, "zxid", json_integer(s->db.last_zxid));
		json_object_set_new(o, "last_logged",
		    json_integer(st.last_logged));
		json_object_set_new(o, "digest", json_string(digest));
		json_object_set_new(o, "leader", json_integer(st.leader));
		json_object_set_new(o, "round", json_integer(st.round));
		json_object_set_new(o, "serving", json_boolean(st.serving));
		if (s->leading) {
			json_object_set_new(o, "synced_followers", json_integer(
			    zk_replica_learners_synced(s, 0)));
			json_object_set_new(o, "synced_observers", json_integer(
			    zk_replica_learners_synced(s, 1)));
		}
	} else {
		json_object_set_new(o, "mode", json_string("standalone"));
		json_object_set_new(o, "server_id", json_integer(s->cfg.myid));
		json_object_set_new(o, "epoch", json_integer(s->epoch));
		json_object_set_new(o, "zxid", json_integer(s->db.last_zxid));
	}
	json_object_set_new(o, "connections", json_integer((json_int_t)s->nconns));
	json_object_set_new(o, "outstanding", json_integer((json_int_t)outstanding));
	json_object_set_new(o, "proposals", json_integer((json_int_t)s->nproposals));
	json_object_set_new(o, "znodes",
	    json_integer((json_int_t)zk_tree_count(s->db.tree)));
	json_object_set_new(o, "watches",
	    json_integer((json_int_t)zk_watches_count(s->watches)));
	zk_notify_status(s, &evtxns, &evfloor);
	json_object_set_new(o, "event_window_txns",
	    json_integer((json_int_t)evtxns));
	json_object_set_new(o, "event_window_floor", json_integer(evfloor));
	json_object_set_new(o, "sessions",
	    json_integer((json_int_t)zk_sessions_count(s->db.sessions)));
	json_object_set_new(o, "latency_min_us", json_integer(s->lat_min));
	json_object_set_new(o, "latency_avg_us", json_integer(s->lat_n ?
	    (json_int_t)(s->lat_sum / (int64_t)s->lat_n) : 0));
	json_object_set_new(o, "latency_max_us", json_integer(s->lat_max));
	json_object_set_new(o, "requests", json_integer((json_int_t)s->lat_n));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

void
zk_peer_maybe_snapshot(struct zk_server *s)
{
	struct zk_error	 e;
	pid_t		 pid;

	if (s->since_snap < s->cfg.snap_count || s->snap_pid != 0 ||
	    s->stopping)
		return;
	/*
	 * A learner applies what the leader committed, perhaps before its
	 * own copy is durable: a snapshot past its durable log could leave,
	 * after a crash, a log that ends short of the snapshot it leads to.
	 * The next apply tries again.
	 */
	if (s->rep != NULL && s->durable < s->db.last_zxid)
		return;
	/* Txns proposed from here on go to a new log file (invariant (2)). */
	zk_logwriter_roll(s->lw);
	pid = zk_snap_fork(&s->db, s->db.last_zxid, s->cfg.data_dir, &e);
	if (pid < 0) {
		zk_peer_log(s, "snapshot at zxid 0x%llx: %s",
		    (unsigned long long)s->db.last_zxid, e.msg);
		return;
	}
	s->snap_pid = pid;
	s->snap_zxid = s->db.last_zxid;
	s->since_snap = 0;
}

static void
snapshot_done(struct zk_server *s, int status)
{
	struct zk_error	 e;
	size_t		 removed = 0;

	s->snap_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		zk_peer_log(s, "snapshot at zxid 0x%llx failed; the log still "
		    "holds every txn", (unsigned long long)s->snap_zxid);
		return;
	}
	zk_peer_log(s, "snapshot at zxid 0x%llx written",
	    (unsigned long long)s->snap_zxid);
	if (zk_purge(s->cfg.data_dir, s->cfg.data_log_dir, s->cfg.snap_retain,
	    &removed, &e) != ZK_OK)
		zk_peer_log(s, "purge: %s", e.msg);
	else if (removed > 0)
		zk_peer_log(s, "purged %zu old files", removed);
}

void
zk_peer_snapshot_wait(struct zk_server *s)
{
	int	 status;

	if (s->snap_pid != 0 && waitpid(s->snap_pid, &status, 0) == s->snap_pid)
		snapshot_done(s, status);
}

static void
on_chld(evutil_socket_t sig, short what, void *arg)
{
	struct zk_server	*s = arg;
	int			 status;

	(void)sig;
	(void)what;
	if (s->snap_pid != 0 && waitpid(s->snap_pid, &status, WNOHANG) ==
	    s->snap_pid)
		snapshot_done(s, status);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct zk_server	*s = arg;

	(void)what;
	zk_peer_log(s, "%s: shutting down", strsignal(sig));
	event_base_loopbreak(s->base);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct zk_server	*s = arg;
	struct zk_conn		*c;
	int64_t			 now = zk_now_mono_ms();

	(void)fd;
	(void)what;
	/*
	 * A connection paused by back-pressure cannot read its client's
	 * pings; the connection itself is the proof of life.
	 */
	TAILQ_FOREACH(c, &s->conns, entry)
		if (c->paused && c->session_id != 0)
			zk_sessions_touch(s->db.sessions, c->session_id, now);
	/* The leader owns session expiry (DESIGN.md "Sessions"). */
	if (s->rep == NULL || s->leading)
		zk_pipeline_expire(s, now);
	else if (s->serving)
		zk_forward_sessions(s);
	/* As ZooKeeper, a connection gets initLimit ticks to make a session. */
	zk_conn_reap_idle(s, now, (int64_t)s->cfg.init_limit * s->cfg.tick_ms);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	zk_conn_accept(arg, fd, sa, salen);
}

static int
make_dir(const char *dir, struct zk_error *e)
{
	char	 buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return zk_error_set(e, ZK_EIO, "cannot make %s: %s",
			    buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return zk_error_set(e, ZK_EIO, "cannot make %s: %s", buf,
		    strerror(errno));
	return ZK_OK;
}

/* Invariant (1): a new epoch above everything on disk, written first. */
static int
start_epoch(struct zk_server *s, struct zk_error *e)
{
	int64_t	 cur = -1, acc = -1, epoch;
	int	 rc, sid;

	/* An ensemble member's acceptedEpoch has its leader's sid too. */
	if ((rc = zk_epoch_read(s->cfg.data_dir, "currentEpoch", &cur, e)) ||
	    (rc = zk_epoch_read_from(s->cfg.data_dir, "acceptedEpoch", &acc,
	    &sid, e)))
		return rc;
	epoch = cur > acc ? cur : acc;
	if (ZK_ZXID_EPOCH(s->db.last_zxid) > epoch)
		epoch = ZK_ZXID_EPOCH(s->db.last_zxid);
	epoch++;
	if ((rc = zk_epoch_write(s->cfg.data_dir, "acceptedEpoch", epoch, e)) ||
	    (rc = zk_epoch_write(s->cfg.data_dir, "currentEpoch", epoch, e)))
		return rc;
	s->epoch = epoch;
	s->next_zxid = ZK_ZXID(epoch, 1);
	return ZK_OK;
}

int
zk_peer_open_log(struct zk_server *s, struct zk_error *e)
{
	struct zk_txnlog	*tl;

	tl = zk_txnlog_open(s->cfg.data_log_dir, s->cfg.prealloc, e);
	if (tl == NULL)
		return e->code;
	s->lw = zk_logwriter_new(s->base, tl, s->rep != NULL ?
	    zk_replica_log_done : zk_pipeline_log_done, s);
	if (s->lw == NULL)
		return zk_error_set(e, ZK_ESYSTEM,
		    "cannot start the log writer thread");
	return ZK_OK;
}

static int
listen_clients(struct zk_server *s, struct zk_error *e)
{
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);
	char			 addr[300];

	snprintf(addr, sizeof(addr), strchr(s->cfg.client_address, ':') ?
	    "[%s]:%d" : "%s:%d", s->cfg.client_address, s->cfg.client_port);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "client address %s is not a numeric address", addr);
	s->listener = evconnlistener_new_bind(s->base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	    (struct sockaddr *)&ss, sslen);
	if (s->listener == NULL)
		return zk_error_set(e, ZK_ESYSTEM, "cannot listen on %s: %s",
		    addr, strerror(errno));
	return ZK_OK;
}

int
zk_server_new(const struct zk_config *cfg, zk_log_fn log,
    struct zk_server **out, struct zk_error *e)
{
	struct zk_server	*s = zk_xcalloc(1, sizeof(*s));
	struct zk_recover_info	 info;
	struct timeval		 tv;
	int			 rc, tick, ensemble;

	s->cfg = *cfg;
	s->log = log;
	s->quorum = 1;
	TAILQ_INIT(&s->conns);
	zk_buf_init(&s->out);
	zk_db_init(&s->db);
	s->watches = zk_watches_new();
	zk_notify_init(s);	/* log replay fills the event window too */
	*out = s;
	if ((rc = make_dir(cfg->data_dir, e)) != ZK_OK ||
	    (rc = make_dir(cfg->data_log_dir, e)) != ZK_OK)
		return rc;
	rc = zk_recover(cfg->data_dir, cfg->data_log_dir, &s->db,
	    zk_now_mono_ms(), &info, e);
	if (rc != ZK_OK)
		return rc;
	if (info.fresh)
		zk_peer_log(s, "new data directory %s", cfg->data_dir);
	else
		zk_peer_log(s, "recovered %s: snapshot 0x%llx%s, %zu txns "
		    "replayed, last zxid 0x%llx", cfg->data_dir,
		    (unsigned long long)info.snap_zxid,
		    info.snaps_skipped ? " (a newer one was corrupt)" : "",
		    info.replayed, (unsigned long long)info.last_zxid);
	if (info.truncated)
		zk_peer_log(s, "%s: torn tail cut at offset %llu",
		    info.truncated_file,
		    (unsigned long long)info.truncated_at);
	if ((s->base = event_base_new()) == NULL)
		return zk_error_set(e, ZK_ESYSTEM, "cannot make an event loop");
	zk_notify_start(s);
	ensemble = cfg->nservers > 1;
	if (ensemble)
		rc = zk_replica_new(s, e);
	else
		rc = start_epoch(s, e);
	if (rc != ZK_OK || (rc = zk_peer_open_log(s, e)) != ZK_OK)
		return rc;
	if ((rc = listen_clients(s, e)) != ZK_OK)
		return rc;
	s->ev_term = evsignal_new(s->base, SIGTERM, on_stop, s);
	s->ev_int = evsignal_new(s->base, SIGINT, on_stop, s);
	s->ev_chld = evsignal_new(s->base, SIGCHLD, on_chld, s);
	event_add(s->ev_term, NULL);
	event_add(s->ev_int, NULL);
	event_add(s->ev_chld, NULL);
	/* Expiry is checked a few times per tick, as ZooKeeper does per tick. */
	tick = cfg->tick_ms / 4;
	tick = tick < 10 ? 10 : tick > 500 ? 500 : tick;
	tv.tv_sec = tick / 1000;
	tv.tv_usec = (tick % 1000) * 1000;
	s->ev_tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	event_add(s->ev_tick, &tv);
	signal(SIGPIPE, SIG_IGN);
	if (ensemble) {
		zk_peer_log(s, "ensemble member %d of %zu, clients at %s:%d",
		    cfg->myid, cfg->nservers, cfg->client_address,
		    cfg->client_port);
		zk_replica_boot(s);
	} else
		zk_peer_log(s, "standalone, epoch %lld, serving %s:%d",
		    (long long)s->epoch, cfg->client_address, cfg->client_port);
	return ZK_OK;
}

int
zk_server_run(struct zk_server *s)
{
	event_base_dispatch(s->base);
	return s->exit_code;
}

void
zk_server_free(struct zk_server *s)
{
	struct zk_conn	*c;
	struct proposal	*p;
	struct zk_error	 e;
	int		 status;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		zk_conn_free(c);
	if (s->listener != NULL)
		evconnlistener_free(s->listener);
	/* The writer's last completions are for nobody: ZAB stops first. */
	zk_replica_free(s->rep);
	s->rep = NULL;
	/* Invariant (3): the writer drains its queue before it stops. */
	s->stopping = 1;
	if (s->lw != NULL)
		zk_logwriter_free(s->lw);
	if (s->snap_pid != 0 && waitpid(s->snap_pid, &status, 0) == s->snap_pid)
		snapshot_done(s, status);
	/*
	 * A snapshot of what is applied makes the next start load one file
	 * instead of replaying the log since the last snapshot.
	 */
	if (s->lw != NULL && s->since_snap > 0) {
		if (zk_snap_write(&s->db, s->db.last_zxid, s->cfg.data_dir,
		    &e) != ZK_OK)
			zk_peer_log(s, "snapshot at shutdown: %s", e.msg);
		else {
			s->snap_zxid = s->db.last_zxid;
			snapshot_done(s, 0);
		}
	}
	while ((p = s->phead) != NULL) {
		s->phead = p->next;
		zk_txn_close(&p->txn);
		free(p);
	}
	zk_notify_free(s);
	zk_watches_free(s->watches);
	if (s->ev_term != NULL) {
		event_free(s->ev_term);
		event_free(s->ev_int);
		event_free(s->ev_chld);
		event_free(s->ev_tick);
	}
	if (s->base != NULL)
		event_base_free(s->base);
	zk_db_close(&s->db);
	zk_buf_close(&s->out);
	free(s);
}
