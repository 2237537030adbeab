/*
 * Client operations of several steps that the tools share: upsert, the
 * recursive walk and delete, stdin reading and session holding with the
 * event loop running. See ops.h for the invariants.
 *
 * Everything here is a sequence of blocking zk_sync calls: simple, and a
 * walk costs one round trip per node. Pipelining the walk would be faster
 * on big trees; the one-shot tools have not needed it yet.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "client.h"
#include "client_sync.h"
#include "ops.h"
#include "path.h"
#include "proto.h"
#include "spawn.h"

#define UPSERT_TRIES	5	/* set/create races before giving up */
#define DELETE_TRIES	5	/* walks of a subtree that keeps growing */
#define MULTI_BYTES	(48 * 1024)	/* paths in one atomic delete: within
					   the frame a server takes with any
					   jute.maxbuffer (data + 64 KiB) */
#define READ_CHUNK	65536
#define HOLD_TICK_MS	100	/* how often a hold looks at the session */
#define KILL_GRACE_MS	5000	/* SIGTERM to SIGKILL, session lost */

static int
create_parents(struct zk_sync *s, const char *path, struct zk_error *e)
{
	char	*p = zk_xstrdup(path);
	size_t	 i;
	int	 rc = ZK_OK;

	for (i = 1; p[i] != '\0' && rc == ZK_OK; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		rc = zk_sync_create(s, p, "", 0, 0, NULL, NULL, e);
		if (rc == ZK_ENODEEXISTS)
			rc = ZK_OK;
		p[i] = '/';
	}
	free(p);
	return rc;
}

static int
create(struct zk_sync *s, const struct zk_ops_write *w, char **created,
    struct zk_error *e)
{
	int	 flags, rc;

	/* Parents are made here, one by one, so any server will do. */
	flags = w->flags & (ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL);
	rc = zk_sync_create(s, w->path, w->data, w->len, flags, created, NULL,
	    e);
	if (rc == ZK_ENONODE && (w->flags & ZK_CREATE_PARENTS)) {
		if ((rc = create_parents(s, w->path, e)) != ZK_OK)
			return rc;
		rc = zk_sync_create(s, w->path, w->data, w->len, flags,
		    created, NULL, e);
	}
	return rc;
}

int
zk_ops_upsert(struct zk_sync *s, const struct zk_ops_write *w, char **created,
    struct zk_error *e)
{
	int	 rc = ZK_OK, i;

	if (created != NULL)
		*created = NULL;
	if (w->mode == ZK_CREATE_ONLY ||
	    (w->flags & (ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL)))
		return create(s, w, created, e);
	if (w->mode == ZK_UPDATE_ONLY || w->version >= 0)
		return zk_sync_set(s, w->path, w->data, w->len, w->version,
		    NULL, e);
	/* Another client may create or delete it between our two steps. */
	for (i = 0; i < UPSERT_TRIES; i++) {
		rc = zk_sync_set(s, w->path, w->data, w->len, -1, NULL, e);
		if (rc != ZK_ENONODE)
			return rc;
		rc = create(s, w, created, e);
		if (rc != ZK_ENODEEXISTS)
			return rc;
	}
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strv {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static void
strv_push(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = zk_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

static void
strv_free(struct strv *sv)
{
	while (sv->n > 0)
		free(sv->v[--sv->n]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

int
zk_ops_walk(struct zk_sync *s, const char *path, int self, zk_ops_visit_fn fn,
    void *arg, struct zk_error *e)
{
	struct strv	 stack = { NULL, 0, 0 };
	char		**names, *p;
	size_t		 count, i;
	int		 rc = ZK_OK, root = 1;

	/* Depth first with an explicit stack: paths can nest deeper than C. */
	strv_push(&stack, zk_xstrdup(path));
	while (stack.n > 0 && rc == ZK_OK) {
		p = stack.v[--stack.n];
		names = NULL;
		count = 0;
		rc = zk_sync_children(s, p, &names, &count, NULL, e);
		if (rc == ZK_ENONODE && !root) {	/* gone meanwhile */
			free(p);
			rc = ZK_OK;
			continue;
		}
		if (rc == ZK_OK && (!root || self))
			rc = fn(arg, p);
		if (rc == ZK_OK && count > 0) {
			qsort(names, count, sizeof(*names), cmp_names);
			for (i = count; i-- > 0;)
				strv_push(&stack, zk_path_join(p, names[i]));
		}
		if (names != NULL)
			zk_names_free(names, count);
		free(p);
		root = 0;
	}
	strv_free(&stack);
	return rc;
}

static int
collect(void *arg, const char *path)
{
	strv_push(arg, zk_xstrdup(path));
	return ZK_OK;
}

/*
 * Deletes the collected subtree (preorder in all) in one multi, every
 * node after its children: all of it goes under one zxid, or nothing
 * does. ZK_OK; the failing op's error; or a connection error. *again is
 * set when the subtree changed under us (it grew, or part of it went)
 * and a new walk may succeed.
 */
static int
delete_multi(struct zk_sync *s, const struct strv *all, int32_t version,
    int *again, struct zk_error *e)
{
	struct zk_request	 req;
	struct zk_reply		 rep;
	struct zk_multi_op	*ops = zk_xcalloc(all->n, sizeof(*ops));
	size_t			 i;
	int			 rc;

	for (i = 0; i < all->n; i++) {
		ops[i].op = ZK_OP_DELETE;
		ops[i].path = all->v[all->n - 1 - i];
		ops[i].version = i == all->n - 1 ? version : -1;
	}
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_MULTI;
	req.ops = ops;
	req.nops = all->n;
	rc = zk_sync_call(s, &req, &rep, e);
	*again = 0;
	if (rc != ZK_OK && rep.has_fail_index && rep.fail_index >= 0 &&
	    (size_t)rep.fail_index < all->n) {
		*again = rc == ZK_ENOTEMPTY || (rc == ZK_ENONODE &&
		    (size_t)rep.fail_index < all->n - 1);
		if ((size_t)rep.fail_index < all->n - 1)
			zk_error_set(e, rc, "%s: %s", ops[rep.fail_index].path,
			    zk_error_str(rc));
	}
	zk_reply_close(&rep);
	free(ops);
	return rc;
}

/* Small enough for one multi (and one frame). */
static int
fits_multi(const struct strv *all)
{
	size_t	 i, bytes = 0;

	if (all->n > ZK_MULTI_MAX)
		return 0;
	for (i = 0; i < all->n; i++)
		bytes += strlen(all->v[i]) + 16;
	return bytes <= MULTI_BYTES;
}

int
zk_ops_delete_tree(struct zk_sync *s, const char *path, int32_t version,
    struct zk_error *e)
{
	struct strv	 all = { NULL, 0, 0 };
	struct zk_stat	 st;
	size_t		 i;
	int		 rc, tries, again;

	for (tries = 0;; tries++) {
		/* A version mismatch must stop us before the children go. */
		if (version >= 0) {
			if ((rc = zk_sync_exists(s, path, &st, e)) != ZK_OK)
				return rc;
			if (st.version != version)
				return zk_error_set(e, ZK_EBADVERSION,
				    "version is %d, not %d", st.version,
				    version);
		}
		if ((rc = zk_ops_walk(s, path, 1, collect, &all, e)) != ZK_OK) {
			strv_free(&all);
			return rc;
		}
		if (fits_multi(&all)) {
			/* Atomic: no reader ever sees half a subtree. */
			rc = delete_multi(s, &all, version, &again, e);
			strv_free(&all);
			if (!again || tries + 1 == DELETE_TRIES)
				return rc;
			continue;
		}
		/* Reversed preorder: every node comes after its children. */
		for (i = all.n; i-- > 0 && rc == ZK_OK;) {
			rc = zk_sync_delete(s, all.v[i], i == 0 ? version : -1,
			    e);
			if (rc == ZK_ENONODE && i > 0)
				rc = ZK_OK;
		}
		strv_free(&all);
		if (rc != ZK_ENOTEMPTY || tries + 1 == DELETE_TRIES)
			return rc;
	}
}

void
zk_ops_input_init(struct zk_ops_input *in, int fd)
{
	struct stat	 sb;

	memset(in, 0, sizeof(*in));
	in->fd = fd;
	zk_buf_init(&in->buf);
	if (fstat(fd, &sb) != 0) {
		in->eof = 1;
		return;
	}
	/*
	 * epoll refuses regular files and /dev/null; they never block, so
	 * they are read directly. Pipes, sockets and terminals are waited on.
	 */
	in->pollable = S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) ||
	    (S_ISCHR(sb.st_mode) && isatty(fd));
}

void
zk_ops_input_close(struct zk_ops_input *in)
{
	zk_buf_close(&in->buf);
	memset(in, 0, sizeof(*in));
}

static void
on_flag(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until fd is readable: 0, or -1 when it cannot be watched. */
static int
wait_readable(struct zk_sync *s, int fd)
{
	struct event_base	*base = zk_sync_base(s);
	struct event		*ev;
	int			 ready = 0;

	if ((ev = event_new(base, fd, EV_READ, on_flag, &ready)) == NULL)
		return -1;
	if (event_add(ev, NULL) != 0) {
		event_free(ev);
		return -1;
	}
	while (!ready)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	event_free(ev);
	return ready ? 0 : -1;
}

int
zk_ops_input_fill(struct zk_ops_input *in, struct zk_sync *s,
    struct zk_error *e)
{
	struct pollfd	 pfd;
	ssize_t		 n;

	if (in->off > 0 && in->off >= in->buf.len / 2) {
		memmove(in->buf.data, in->buf.data + in->off,
		    in->buf.len - in->off);
		in->buf.len -= in->off;
		in->off = 0;
	}
	if (in->eof)
		return ZK_OK;
	zk_buf_reserve(&in->buf, READ_CHUNK);
	for (;;) {
		if (s != NULL && in->pollable && wait_readable(s, in->fd) != 0)
			in->pollable = 0;
		n = read(in->fd, in->buf.data + in->buf.len,
		    in->buf.cap - in->buf.len);
		if (n > 0) {
			in->buf.len += (size_t)n;
			return ZK_OK;
		}
		if (n == 0) {
			in->eof = 1;
			return ZK_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return zk_error_set(e, ZK_EIO, "standard input: %s",
			    strerror(errno));
		/* EAGAIN: someone made our stdin O_NONBLOCK. */
		if (!in->pollable || s == NULL) {
			pfd.fd = in->fd;
			pfd.events = POLLIN;
			(void)poll(&pfd, 1, -1);
		}
	}
}

int
zk_ops_input_all(struct zk_ops_input *in, size_t max, size_t *total,
    struct zk_error *e)
{
	size_t	 dropped = 0;
	int	 rc;

	while (!in->eof) {
		/* Past max only the count matters: "data is N bytes". */
		if (in->buf.len > max) {
			dropped += in->buf.len;
			in->buf.len = 0;
		}
		if ((rc = zk_ops_input_fill(in, NULL, e)) != ZK_OK)
			return rc;
	}
	*total = dropped + in->buf.len;
	return ZK_OK;
}

int
zk_ops_input_line(struct zk_ops_input *in, struct zk_sync *s, char **line,
    size_t *len, struct zk_error *e)
{
	char	*p, *nl;
	size_t	 n;
	int	 rc;

	for (;;) {
		p = in->buf.data + in->off;
		n = in->buf.len - in->off;
		if (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
			*nl = '\0';
			*line = p;
			*len = (size_t)(nl - p);
			in->off += *len + 1;
			return 1;
		}
		if (in->eof) {
			if (n == 0)
				return 0;
			zk_buf_reserve(&in->buf, 1);
			p = in->buf.data + in->off;
			p[n] = '\0';
			*line = p;
			*len = n;
			in->off = in->buf.len;
			return 1;
		}
		if ((rc = zk_ops_input_fill(in, s, e)) != ZK_OK)
			return rc;
	}
}

/* What a hold watches; every callback only records and returns. */
struct hold {
	struct zk_client	*client;
	pid_t			 pid;		/* CMD, or -1 */
	int			 wstatus;	/* CMD's, once reaped */
	int			 done;	/* CMD reaped, stdin EOF, signal */
	int			 lost;	/* the session's error, or ZK_OK */
	int32_t			 lost_after_ms;	/* disconnected this long */
	int64_t			 down_since;	/* mono ms; 0: connected */
};

static void
on_child(evutil_socket_t sig, short what, void *arg)
{
	struct hold	*h = arg;

	(void)sig;
	(void)what;
	if (h->pid > 0 && waitpid(h->pid, &h->wstatus, WNOHANG) == h->pid)
		h->done = 1;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct hold	*h = arg;

	(void)what;
	if (h->pid > 0)
		kill(h->pid, (int)sig);		/* CMD decides; we wait */
	else
		h->done = 1;
}

static void
on_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct hold	*h = arg;
	char		 junk[4096];
	ssize_t		 n;

	(void)what;
	n = read(fd, junk, sizeof(junk));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		h->done = 1;
}

/*
 * Looks at the session each tick. Polling is deliberate: the sync layer
 * owns the client's state callback, and a tenth of a second is well
 * inside any session timeout.
 */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hold	*h = arg;
	int64_t		 now = zk_now_mono_ms();

	(void)fd;
	(void)what;
	switch (zk_client_state(h->client)) {
	case ZK_STATE_CONNECTED:
		h->down_since = 0;
		break;
	case ZK_STATE_CONNECTING:
		if (h->down_since == 0)
			h->down_since = now;
		else if (now - h->down_since > h->lost_after_ms)
			h->lost = ZK_ECONNLOSS;
		break;
	case ZK_STATE_EXPIRED:
		h->lost = ZK_ESESSIONEXPIRED;
		break;
	default:
		h->lost = ZK_ECONNLOSS;
		break;
	}
}

static const int held_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NHELD	(sizeof(held_signals) / sizeof(held_signals[0]))


/* Ends CMD after the session was lost, invariant (3). */
static void
stop_child(struct hold *h, struct event_base *base)
{
	int64_t	 deadline = zk_now_mono_ms() + KILL_GRACE_MS;

	kill(h->pid, SIGTERM);
	while (!h->done && zk_now_mono_ms() < deadline)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	if (!h->done) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, &h->wstatus, 0) < 0 && errno == EINTR)
			;
		h->done = 1;
	}
}

static int
wait_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 1;
}

int
zk_ops_hold(struct zk_sync *s, char *const argv[], int32_t session_timeout_ms,
    int *status, struct zk_error *e)
{
	struct event_base	*base = zk_sync_base(s);
	struct event		*sig[NHELD], *chld, *tick, *in = NULL;
	struct sigaction	 saved[NHELD];
	struct zk_ops_input	 drain;
	struct timeval		 tv = { 0, HOLD_TICK_MS * 1000 };
	struct hold		 h;
	size_t			 i;
	int			 rc = ZK_OK;

	memset(&h, 0, sizeof(h));
	h.client = zk_sync_client(s);
	h.pid = -1;
	h.lost_after_ms = session_timeout_ms;
	*status = 0;
	/* Handlers go in before fork, so an early SIGCHLD is not missed. */
	for (i = 0; i < NHELD; i++) {
		sigaction(held_signals[i], NULL, &saved[i]);
		sig[i] = evsignal_new(base, held_signals[i], on_signal, &h);
		evsignal_add(sig[i], NULL);
	}
	chld = evsignal_new(base, SIGCHLD, on_child, &h);
	evsignal_add(chld, NULL);
	tick = event_new(base, -1, EV_PERSIST, on_tick, &h);
	evtimer_add(tick, &tv);

	if (argv != NULL)
		rc = zk_spawn(argv, NULL, held_signals, saved, NHELD, &h.pid,
		    status, e);
	else {
		zk_ops_input_init(&drain, STDIN_FILENO);
		if (drain.pollable) {
			in = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
			    on_stdin, &h);
			if (event_add(in, NULL) != 0)
				drain.pollable = 0;
		}
		/* A file or /dev/null ends at once: read it to its end. */
		while (!drain.pollable && !drain.eof && rc == ZK_OK) {
			drain.buf.len = drain.off = 0;
			rc = zk_ops_input_fill(&drain, NULL, e);
		}
		if (!drain.pollable)
			h.done = 1;
		zk_ops_input_close(&drain);
	}
	while (rc == ZK_OK && !h.done && h.lost == ZK_OK)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	if (rc == ZK_OK && h.lost != ZK_OK) {
		if (h.pid > 0 && !h.done)
			stop_child(&h, base);
		if (h.lost == ZK_ESESSIONEXPIRED)
			rc = zk_error_set(e, h.lost, "session expired");
		else
			rc = zk_error_set(e, h.lost, "session lost: no server "
			    "answered for %d ms", (int)h.lost_after_ms);
	}
	if (h.pid > 0 && h.done)
		*status = wait_status(h.wstatus);

	if (in != NULL)
		event_free(in);
	event_free(tick);
	event_free(chld);
	for (i = 0; i < NHELD; i++)
		event_free(sig[i]);
	return rc;
}
