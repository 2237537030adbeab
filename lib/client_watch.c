/*
 * The client's record of its watches (client_watch.h): one-shot ones as
 * the server confirmed them, persistent ones with the position of the last
 * event each was given, and what to send to set them all again on a new
 * connection; and client.h's zk_client_add_watch and remove_watch, which
 * keep it.
 *
 * Watches are few per client (a tool holds one or two), so plain arrays
 * scanned in full are the simplest correct choice here.
 */
#include <stdlib.h>
#include <string.h>

#include "client_watch.h"
#include "events.h"
#include "proto.h"
#include "util.h"

/* One setWatches request holds at most these (proto.h's bound, a frame). */
#define SETW_PATHS	1000
#define SETW_BYTES	(48 * 1024)

/* A persistent watch's life. */
enum pstate {
	P_ADDING,	/* the user's addWatch is in the request FIFO */
	P_LOST,		/* that request was lost with its connection */
	P_READD,	/* sent again (xid ZK_XID_READD), no reply yet */
	P_ACTIVE,	/* registered on the current connection */
};

struct oneshot {
	char		*path;
	int		 kind;		/* ZK_CW_* */
};

struct persistent {
	char		*path;
	int		 mode;		/* ZK_WATCH_PERSISTENT, _RECURSIVE */
	int		 want_data;
	int		 state;		/* enum pstate */
	int		 has_pos;	/* pos means something */
	struct zk_evpos	 pos;		/* invariant (2) */
	zk_reply_fn	 fn;		/* P_LOST: the user's, for the reply */
	void		*arg;
};

struct zk_cwatch {
	struct oneshot		*one;
	size_t			 none;
	struct persistent	**per;
	size_t			 nper;
	struct persistent	**readd;	/* re-adds sent, oldest first */
	size_t			 nreadd;
};

struct zk_cwatch *
zk_cwatch_new(void)
{
	return zk_xcalloc(1, sizeof(struct zk_cwatch));
}

static void
persistent_free(struct persistent *p)
{
	free(p->path);
	free(p);
}

void
zk_cwatch_free(struct zk_cwatch *w)
{
	size_t	 i;

	if (w == NULL)
		return;
	for (i = 0; i < w->none; i++)
		free(w->one[i].path);
	for (i = 0; i < w->nper; i++)
		persistent_free(w->per[i]);
	free(w->one);
	free(w->per);
	free(w->readd);
	free(w);
}

int
zk_cwatch_kind(int op, int err)
{
	switch (op) {
	case ZK_OP_GETDATA:
		return err == ZK_OK ? ZK_CW_DATA : 0;
	case ZK_OP_EXISTS:
		return err == ZK_OK ? ZK_CW_DATA :
		    err == ZK_ENONODE ? ZK_CW_EXIST : 0;
	case ZK_OP_GETCHILDREN:
		return err == ZK_OK ? ZK_CW_CHILD : 0;
	}
	return 0;
}

void
zk_cwatch_armed(struct zk_cwatch *w, const char *path, int kind)
{
	size_t	 i;

	for (i = 0; i < w->none; i++)
		if (w->one[i].kind == kind && strcmp(w->one[i].path, path) == 0)
			return;
	w->one = zk_xrealloc(w->one, (w->none + 1) * sizeof(*w->one));
	w->one[w->none].path = zk_xstrdup(path);
	w->one[w->none].kind = kind;
	w->none++;
}

void *
zk_cwatch_add(struct zk_cwatch *w, const char *path, int mode, int want_data,
    const struct zk_evpos *since)
{
	struct persistent	*p = zk_xcalloc(1, sizeof(*p));

	p->path = zk_xstrdup(path);
	p->mode = mode;
	p->want_data = want_data;
	p->state = P_ADDING;
	if (since != NULL) {
		p->has_pos = 1;
		p->pos = *since;
	}
	w->per = zk_xrealloc(w->per, (w->nper + 1) * sizeof(*w->per));
	w->per[w->nper++] = p;
	return p;
}

static void
forget(struct zk_cwatch *w, struct persistent *p)
{
	size_t	 i;

	for (i = 0; i < w->nper; i++)
		if (w->per[i] == p) {
			w->per[i] = w->per[--w->nper];
			break;
		}
	/* Its re-add is still answered: the slot stays, empty (readd_reply). */
	for (i = 0; i < w->nreadd; i++)
		if (w->readd[i] == p)
			w->readd[i] = NULL;
	persistent_free(p);
}

static int
known(const struct zk_cwatch *w, const struct persistent *p)
{
	size_t	 i;

	for (i = 0; i < w->nper; i++)
		if (w->per[i] == p)
			return 1;
	return 0;
}

int
zk_evpos_after(const struct zk_evpos *p, int64_t zxid, int32_t index)
{
	if (p == NULL || zxid > p->zxid)
		return 1;
	return zxid == p->zxid && index > p->index;
}

/* Is (zxid, index) after p's position? */
static int
after(const struct persistent *p, int64_t zxid, int32_t index)
{
	return zk_evpos_after(p->has_pos ? &p->pos : NULL, zxid, index);
}

static void
move_to(struct persistent *p, int64_t zxid, int32_t index)
{
	if (after(p, zxid, index)) {
		p->has_pos = 1;
		p->pos.zxid = zxid;
		p->pos.index = index;
	}
}

void
zk_cwatch_added(struct zk_cwatch *w, void *h, const struct zk_reply *rep)
{
	struct persistent	*p = h;

	if (!known(w, p))
		return;		/* removed meanwhile */
	if (rep->err != ZK_OK) {
		forget(w, p);
		return;
	}
	p->state = P_ACTIVE;
	move_to(p, rep->zxid, ZK_EVINDEX_ALL);
}

void
zk_cwatch_add_lost(struct zk_cwatch *w, void *h, zk_reply_fn fn, void *arg)
{
	struct persistent	*p = h;

	if (!known(w, p))
		return;
	p->state = P_LOST;
	p->fn = fn;
	p->arg = arg;
}

size_t
zk_cwatch_remove(struct zk_cwatch *w, const char *path, int mode)
{
	size_t	 i, j, n = 0;
	int	 kind;

	for (i = 0; i < w->nper; )
		if (strcmp(w->per[i]->path, path) == 0 &&
		    (mode == ZK_WATCH_ANY || mode == w->per[i]->mode)) {
			forget(w, w->per[i]);
			n++;
		} else
			i++;
	for (i = j = 0; i < w->none; i++) {
		kind = w->one[i].kind;
		if (strcmp(w->one[i].path, path) == 0 && (mode == ZK_WATCH_ANY ||
		    (mode == ZK_WATCH_ONESHOT_CHILD && kind == ZK_CW_CHILD) ||
		    (mode == ZK_WATCH_ONESHOT_DATA && kind != ZK_CW_CHILD))) {
			free(w->one[i].path);
			n++;
		} else
			w->one[j++] = w->one[i];
	}
	w->none = j;
	return n;
}

/* Does an event of type fire a one-shot watch of kind (watch.h (3))? */
static int
fires(int kind, int type)
{
	switch (type) {
	case ZK_EVENT_DELETED:
		return 1;
	case ZK_EVENT_CHILDREN:
		return kind == ZK_CW_CHILD;
	default:
		return kind != ZK_CW_CHILD;
	}
}

int
zk_cwatch_event(struct zk_cwatch *w, const struct zk_reply *ev)
{
	struct persistent	*p;
	size_t			 i, j;
	int			 pass = 0, matched = 0;

	if (ev->path == NULL)
		return 1;
	for (i = j = 0; i < w->none; i++)
		if (strcmp(w->one[i].path, ev->path) == 0 &&
		    fires(w->one[i].kind, ev->event_type)) {
			free(w->one[i].path);
			pass = 1;
		} else
			w->one[j++] = w->one[i];
	w->none = j;
	for (i = 0; i < w->nper; i++) {
		p = w->per[i];
		if (!zk_event_matches(p->mode, p->path, ev->event_type,
		    ev->path))
			continue;
		matched = 1;
		if (after(p, ev->zxid, ev->event_index)) {
			pass = 1;
			move_to(p, ev->zxid, ev->event_index);
		}
	}
	/* An event nobody here asked for is still the user's to see. */
	return pass || !matched;
}

void
zk_cwatch_progress(struct zk_cwatch *w, int64_t zxid)
{
	size_t	 i;

	for (i = 0; i < w->nper; i++)
		if (w->per[i]->state == P_ACTIVE)
			move_to(w->per[i], zxid, ZK_EVINDEX_ALL);
}

/* One setWatches request being filled. */
struct setw {
	struct zk_request	 req;
	size_t			 bytes;		/* path bytes in it */
};

static void
setw_flush(struct setw *sw, int64_t last_zxid, struct zk_buf *out,
    size_t *frames)
{
	if (sw->req.ndata_watches + sw->req.nexist_watches +
	    sw->req.nchild_watches > 0) {
		zk_proto_encode_request(out, &sw->req);
		(*frames)++;
	}
	free(sw->req.data_watches);
	free(sw->req.exist_watches);
	free(sw->req.child_watches);
	memset(sw, 0, sizeof(*sw));
	sw->req.xid = ZK_XID_SETWATCHES;
	sw->req.op = ZK_OP_SETWATCHES;
	sw->req.last_zxid = last_zxid;
}

static void
setw_add(struct setw *sw, const struct oneshot *o)
{
	char	***v;
	size_t	 *n;

	switch (o->kind) {
	case ZK_CW_DATA:
		v = &sw->req.data_watches;
		n = &sw->req.ndata_watches;
		break;
	case ZK_CW_EXIST:
		v = &sw->req.exist_watches;
		n = &sw->req.nexist_watches;
		break;
	default:
		v = &sw->req.child_watches;
		n = &sw->req.nchild_watches;
		break;
	}
	*v = zk_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = o->path;		/* borrowed */
	sw->bytes += strlen(o->path) + 8;
}

size_t
zk_cwatch_resume(struct zk_cwatch *w, int64_t last_zxid, struct zk_buf *out)
{
	struct zk_request	 req;
	struct persistent	*p;
	struct setw		 sw;
	size_t			 i, frames = 0;

	w->nreadd = 0;
	for (i = 0; i < w->nper; i++) {
		p = w->per[i];
		if (p->state == P_ADDING)
			continue;	/* its request waits in the backlog */
		memset(&req, 0, sizeof(req));
		req.xid = ZK_XID_READD;
		req.op = ZK_OP_ADDWATCH;
		req.path = p->path;
		req.watch_mode = p->mode;
		req.want_data = p->want_data;
		if (p->has_pos) {
			req.has_since = 1;
			req.since_zxid = p->pos.zxid;
			req.since_index = p->pos.index;
		}
		zk_proto_encode_request(out, &req);
		if (p->state != P_LOST)
			p->state = P_READD;
		w->readd = zk_xrealloc(w->readd,
		    (w->nreadd + 1) * sizeof(*w->readd));
		w->readd[w->nreadd++] = p;
		frames++;
	}
	/*
	 * One-shot watches after them: setWatches may answer with events at
	 * a node's mzxid, which must not move a persistent watch past what
	 * its own replay still has to deliver (invariant (2)); once the
	 * re-adds are answered, the watches are past them already. Split so
	 * that each request is within the server's limits.
	 */
	memset(&sw, 0, sizeof(sw));
	setw_flush(&sw, last_zxid, out, &frames);
	for (i = 0; i < w->none; i++) {
		if (sw.req.ndata_watches + sw.req.nexist_watches +
		    sw.req.nchild_watches >= SETW_PATHS ||
		    sw.bytes + strlen(w->one[i].path) > SETW_BYTES)
			setw_flush(&sw, last_zxid, out, &frames);
		setw_add(&sw, &w->one[i]);
	}
	setw_flush(&sw, last_zxid, out, &frames);
	free(sw.req.data_watches);
	return frames;
}

void
zk_cwatch_readd_reply(struct zk_cwatch *w, const struct zk_reply *rep,
    char **path_out, zk_reply_fn *fn_out, void **arg_out)
{
	struct persistent	*p;

	*path_out = NULL;
	*fn_out = NULL;
	*arg_out = NULL;
	if (w->nreadd == 0)
		return;
	p = w->readd[0];
	memmove(w->readd, w->readd + 1, --w->nreadd * sizeof(*w->readd));
	if (p == NULL)
		return;		/* removed since: the answer is nobody's */
	if (p->state == P_LOST) {
		/* The user's own addWatch, sent again: the answer is theirs. */
		*fn_out = p->fn;
		*arg_out = p->arg;
		p->fn = NULL;
		zk_cwatch_added(w, p, rep);
		return;
	}
	if (rep->err != ZK_OK) {
		*path_out = zk_xstrdup(p->path);
		forget(w, p);
		return;
	}
	zk_cwatch_added(w, p, rep);
}

size_t
zk_cwatch_count(const struct zk_cwatch *w)
{
	return w->none + w->nper;
}

/* The public face of the record: client.h */

/* The user's addWatch: what its reply is for. */
struct add_ctx {
	void		*h;		/* the record's handle */
	zk_reply_fn	 fn;
	void		*arg;
};

static void
add_done(struct zk_client *c, const struct zk_reply *rep, void *arg)
{
	struct add_ctx	*a = arg;
	struct zk_cwatch *w = zk_client_cwatch(c);
	int		 st = zk_client_state(c);

	if (rep->err == ZK_ECONNLOSS && st != ZK_STATE_EXPIRED &&
	    st != ZK_STATE_CLOSED && st != ZK_STATE_FAILED)
		/* Sent again on the next connection; answered then. */
		zk_cwatch_add_lost(w, a->h, a->fn, a->arg);
	else {
		zk_cwatch_added(w, a->h, rep);
		if (a->fn != NULL)
			a->fn(c, rep, a->arg);
	}
	free(a);
}

void
zk_client_add_watch(struct zk_client *c, const char *path, int mode,
    int want_data, const struct zk_evpos *since, zk_reply_fn fn, void *arg)
{
	struct zk_request	 req;
	struct add_ctx		*a = zk_xcalloc(1, sizeof(*a));

	a->h = zk_cwatch_add(zk_client_cwatch(c), path, mode, want_data,
	    since);
	a->fn = fn;
	a->arg = arg;
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_ADDWATCH;
	req.path = (char *)path;
	req.watch_mode = mode;
	req.want_data = want_data;
	if (since != NULL) {
		req.has_since = 1;
		req.since_zxid = since->zxid;
		req.since_index = since->index;
	}
	zk_client_submit(c, &req, add_done, a);
}

void
zk_client_remove_watch(struct zk_client *c, const char *path, int mode,
    zk_reply_fn fn, void *arg)
{
	struct zk_request	 req;

	(void)zk_cwatch_remove(zk_client_cwatch(c), path, mode);
	memset(&req, 0, sizeof(req));
	req.op = ZK_OP_REMOVEWATCH;
	req.path = (char *)path;
	req.watch_mode = mode;
	zk_client_submit(c, &req, fn, arg);
}

void
zk_cwatch_fail_lost(struct zk_cwatch *w, struct zk_client *c, int err)
{
	struct persistent	*p;
	struct zk_reply		 rep;
	zk_reply_fn		 fn;
	void			*arg;
	size_t			 i;

	memset(&rep, 0, sizeof(rep));
	rep.err = err;
	rep.zxid = zk_client_last_zxid(c);
	for (i = 0; i < w->nper; i++) {
		p = w->per[i];
		if (p->state != P_LOST || p->fn == NULL)
			continue;
		fn = p->fn;
		arg = p->arg;
		p->fn = NULL;
		fn(c, &rep, arg);
	}
}
