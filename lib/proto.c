/*
 * The client protocol codec: frames, and requests and replies to and from
 * msgpack (layout in proto.h, the whole protocol in share/doc/protocol.md).
 * The named fields at the end of each message, and the checked unpacking
 * every decode starts with, are fields.c's; this file knows which op
 * carries which fields and the shape of the message around them.
 *
 * Invariants:
 *  (1) Every type, length and integer range is checked before use (proto.h
 *      (1), fields.h (2)); the object tree is never indexed past a size it
 *      states.
 *  (2) A decode that fails leaves the struct zeroed and owning nothing.
 *  (3) A frame's header holds exactly the length of the one msgpack value
 *      after it, and the value is the whole message.
 *  (4) Encoding emits just the fields the op uses, and decoding gives them
 *      back as they were (decode(encode(x)) == x on those fields).
 *  (5) An op code we do not know is ZK_EUNIMPLEMENTED; one we know, where
 *      it may not be (a check on its own, a getData or a multi inside a
 *      multi, the server's own deleteContainer), is ZK_EMARSHALLING.
 *  (6) Counts have limits checked before anything is copied: a multi
 *      holds 1 to ZK_MULTI_MAX ops, a setWatches at most
 *      ZK_SETWATCHES_MAX paths (ZK_ETOOBIG beyond; no ops is malformed,
 *      since a client library never sends an empty multi), and each op's
 *      data is bounded by max_data as a request's is.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "error.h"
#include "fields.h"
#include "proto.h"
#include "util.h"

/*
 * Values the checked unpacking lets a request hold. A plain request has
 * about 25; a multi of ZK_MULTI_MAX ops with all their fields 11 an op;
 * a setWatches of ZK_SETWATCHES_MAX paths one a path. msgpack-c builds an
 * object of 24 bytes for each, so this caps a request's tree at 384 KiB.
 */
#define REQ_MAX_VALUES	16384

#define P	ZK_FIELD_PATH
#define D	ZK_FIELD_DATA
#define V	ZK_FIELD_VERSION
#define F	ZK_FIELD_FLAGS
#define W	ZK_FIELD_WATCH
#define M	ZK_FIELD_MODE
#define LZ	ZK_FIELD_LAST_ZXID

/* Where an op may stand. */
#define ALONE	0x1	/* a request of its own */
#define INMULTI	0x2	/* an op of a multi */

/*
 * What a request of each op carries, and must carry. A multi's "ops" is
 * read by getops(), since its ops are maps of fields themselves.
 */
static const struct opdesc {
	int		 op;
	const char	*name;
	const char	*request;	/* "getData request", for errors */
	unsigned	 fields;
	unsigned	 required;
	int		 where;		/* ALONE, INMULTI */
} ops[] = {
	{ ZK_OP_CREATE, "create", "create request", P | D | F, P,
	    ALONE | INMULTI },
	{ ZK_OP_DELETE, "delete", "delete request", P | V, P,
	    ALONE | INMULTI },
	{ ZK_OP_EXISTS, "exists", "exists request", P | W, P, ALONE },
	{ ZK_OP_GETDATA, "getData", "getData request", P | W, P, ALONE },
	{ ZK_OP_SETDATA, "setData", "setData request", P | D | V, P,
	    ALONE | INMULTI },
	{ ZK_OP_SYNC, "sync", "sync request", P, P, ALONE },
	{ ZK_OP_PING, "ping", "ping request", 0, 0, ALONE },
	{ ZK_OP_GETCHILDREN, "getChildren", "getChildren request", P | W, P,
	    ALONE },
	{ ZK_OP_CHECK, "check", "check request", P | V, P, INMULTI },
	{ ZK_OP_MULTI, "multi", "multi request", 0, 0, ALONE },
	{ ZK_OP_REMOVEWATCH, "removeWatch", "removeWatch request", P | M, P,
	    ALONE },
	{ ZK_OP_DELETECONTAINER, "deleteContainer", "deleteContainer request",
	    0, 0, 0 },
	{ ZK_OP_SETWATCHES, "setWatches", "setWatches request",
	    LZ | ZK_FIELD_DATA_WATCHES | ZK_FIELD_EXIST_WATCHES |
	    ZK_FIELD_CHILD_WATCHES, LZ, ALONE },
	{ ZK_OP_ADDWATCH, "addWatch", "addWatch request",
	    P | M | ZK_FIELD_WANT_DATA | ZK_FIELD_SINCE_ZXID |
	    ZK_FIELD_SINCE_INDEX, P | M, ALONE },
	{ ZK_OP_CONNECT, "createSession", "connect request",
	    ZK_FIELD_SESSION | ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD | LZ, 0,
	    ALONE },
	{ ZK_OP_CLOSE, "closeSession", "closeSession request", 0, 0, ALONE },
	{ ZK_OP_STATUS, "status", "status request", 0, 0, ALONE },
};

static const struct opdesc *
findop(int64_t op)
{
	size_t	 i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return &ops[i];
	return NULL;
}

const char *
zk_op_name(int op)
{
	const struct opdesc	*d = findop(op);

	return d != NULL ? d->name : "unknown";
}

/* Frames */

int
zk_frame_check(const void *hdr, size_t max_frame, uint32_t *len,
    struct zk_error *e)
{
	uint32_t	 n = zk_load_be32(hdr);

	*len = 0;
	if (n == 0)
		return zk_error_set(e, ZK_EMARSHALLING, "empty frame");
	if (n > max_frame)
		return zk_error_set(e, ZK_ETOOBIG,
		    "frame of %u bytes over the limit of %zu", n, max_frame);
	*len = n;
	return ZK_OK;
}

size_t
zk_frame_begin(struct zk_buf *out, size_t hint)
{
	size_t	 at = out->len;

	zk_buf_reserve(out, ZK_FRAME_HDR + hint);
	memset(out->data + at, 0, ZK_FRAME_HDR);
	out->len += ZK_FRAME_HDR;
	return at;
}

/* Invariant (3): the length is of what followed the header at "at". */
void
zk_frame_end(struct zk_buf *out, size_t at)
{
	zk_store_be32(out->data + at, (uint32_t)(out->len - at - ZK_FRAME_HDR));
}

/* Encoding */

#define KEY(pk, k)	zk_fields_pack_key((pk), (k), sizeof(k) - 1)

/* One op of a multi: {"o": op, and the fields of that op's request}. */
static void
packop(msgpack_packer *pk, const struct zk_multi_op *op)
{
	const struct opdesc	*d = findop(op->op);
	struct zk_request	 r;

	memset(&r, 0, sizeof(r));
	r.path = op->path;
	r.data = op->data;
	r.data_len = op->data_len;
	r.version = op->version;
	r.flags = op->flags;
	zk_fields_pack_extra(pk, d != NULL ? d->fields : 0, &r, 1);
	KEY(pk, "o");
	msgpack_pack_int(pk, op->op);
}

void
zk_proto_encode_request(struct zk_buf *out, const struct zk_request *req)
{
	const struct opdesc	*d = findop(req->op);
	msgpack_packer		 pk;
	size_t			 at, hint, i;

	hint = 64 + req->data_len + (req->path ? strlen(req->path) : 0);
	for (i = 0; i < req->nops; i++)
		hint += 32 + req->ops[i].data_len;
	at = zk_frame_begin(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_int64(&pk, req->xid);
	msgpack_pack_int(&pk, req->op);
	if (req->op == ZK_OP_MULTI) {
		zk_fields_pack_extra(&pk, 0, req, 1);
		KEY(&pk, "ops");
		msgpack_pack_array(&pk, req->nops);
		for (i = 0; i < req->nops; i++)
			packop(&pk, &req->ops[i]);
	} else
		/* An unknown op goes out with no fields: the peer refuses. */
		zk_fields_pack(&pk, d != NULL ? d->fields : 0, req);
	zk_frame_end(out, at);
}

/* A multi's results: [{"e": err, "p": path, "s": stat}, ...]. */
static void
packresults(msgpack_packer *pk, const struct zk_op_result *r, size_t n)
{
	size_t	 i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++, r++) {
		msgpack_pack_map(pk, 1 + (r->path != NULL) +
		    (r->has_stat != 0));
		KEY(pk, "e");
		msgpack_pack_int(pk, r->err);
		if (r->path != NULL) {
			KEY(pk, "p");
			zk_fields_pack_str(pk, r->path);
		}
		if (r->has_stat) {
			KEY(pk, "s");
			zk_fields_pack_stat(pk, &r->stat);
		}
	}
}

void
zk_proto_encode_reply(struct zk_buf *out, const struct zk_reply *rep)
{
	msgpack_packer		 pk;
	size_t			 at, hint, i, n;

	hint = 128 + (rep->has_data ? rep->data_len : 0) +
	    (rep->path ? strlen(rep->path) : 0) + 128 * rep->nresults;
	at = zk_frame_begin(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int64(&pk, rep->xid);
	msgpack_pack_int64(&pk, rep->zxid);
	msgpack_pack_int(&pk, rep->err);

	n = (rep->path != NULL) + (rep->has_data != 0) + (rep->has_stat != 0) +
	    (rep->children != NULL) + (rep->has_session ? 3 : 0) +
	    (rep->xid == ZK_XID_EVENT ? 2 : 0) + (rep->status_json != NULL) +
	    (rep->results != NULL) + (rep->has_fail_index != 0);
	msgpack_pack_map(&pk, n);
	if (rep->path != NULL) {
		KEY(&pk, "p");
		zk_fields_pack_str(&pk, rep->path);
	}
	if (rep->has_data) {
		KEY(&pk, "d");
		zk_fields_pack_bin(&pk, rep->data, rep->data_len);
	}
	if (rep->has_stat) {
		KEY(&pk, "s");
		zk_fields_pack_stat(&pk, &rep->stat);
	}
	if (rep->children != NULL) {
		KEY(&pk, "c");
		msgpack_pack_array(&pk, rep->nchildren);
		for (i = 0; i < rep->nchildren; i++)
			zk_fields_pack_str(&pk, rep->children[i]);
	}
	if (rep->has_session) {
		KEY(&pk, "sid");
		msgpack_pack_int64(&pk, rep->session_id);
		KEY(&pk, "to");
		msgpack_pack_int32(&pk, rep->timeout_ms);
		KEY(&pk, "pw");
		zk_fields_pack_bin(&pk, rep->passwd, ZK_PASSWD_LEN);
	}
	if (rep->xid == ZK_XID_EVENT) {
		KEY(&pk, "t");
		msgpack_pack_int(&pk, rep->event_type);
		KEY(&pk, "i");
		msgpack_pack_int32(&pk, rep->event_index);
	}
	if (rep->status_json != NULL) {
		KEY(&pk, "j");
		zk_fields_pack_str(&pk, rep->status_json);
	}
	if (rep->results != NULL) {
		KEY(&pk, "r");
		packresults(&pk, rep->results, rep->nresults);
	}
	if (rep->has_fail_index) {
		KEY(&pk, "x");
		msgpack_pack_int32(&pk, rep->fail_index);
	}
	zk_frame_end(out, at);
}

/* Decoding */

/*
 * An op code: ZK_EMARSHALLING when o is no integer ("<what> is not an
 * integer"), ZK_EUNIMPLEMENTED when we know no such op ("<unknown> N").
 */
static int
getcode(const msgpack_object *o, const char *what, const char *unknown,
    const struct opdesc **d, struct zk_error *e)
{
	int64_t	 c;
	int	 rc;

	*d = NULL;
	if ((rc = zk_fields_code(o, what, unknown, &c, e)) != ZK_OK)
		return rc;
	if ((*d = findop(c)) == NULL)
		return zk_error_set(e, ZK_EUNIMPLEMENTED, "%s %" PRId64,
		    unknown, c);
	return ZK_OK;
}

/* One op of a multi, as a map holding "o" and that op's fields. */
static int
getop(const msgpack_object *o, uint32_t i, size_t max_data,
    struct zk_multi_op *op, struct zk_error *e)
{
	const msgpack_object	*v;
	const struct opdesc	*d;
	struct zk_request	 r;
	char			 what[40], type[48];
	int			 rc;

	snprintf(what, sizeof(what), "multi request op %u", i);
	if (o->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING, "%s is not a map",
		    what);
	if ((rc = zk_fields_lookup(o, "o", what, "op", &v, e)) != ZK_OK)
		return rc;
	if (v == NULL)
		return zk_error_set(e, ZK_EMARSHALLING, "%s has no op", what);
	snprintf(type, sizeof(type), "multi request op %u: the op", i);
	if ((rc = getcode(v, type, "multi request: unknown op", &d,
	    e)) != ZK_OK)
		return rc;
	if (!(d->where & INMULTI))
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: a multi cannot hold a %s", what, d->name);
	memset(&r, 0, sizeof(r));
	if ((rc = zk_fields_decode(o, d->fields, d->required, max_data, what,
	    &r, e)) != ZK_OK) {
		zk_request_close(&r);
		return rc;
	}
	op->op = d->op;
	op->path = r.path;		/* moved: the op owns them now */
	op->data = r.data;
	op->data_len = r.data_len;
	op->version = r.version;
	op->flags = r.flags;
	return ZK_OK;
}

/* A multi's "ops": 1 to ZK_MULTI_MAX maps (invariant (6)). */
static int
getops(const msgpack_object *map, size_t max_data, struct zk_request *req,
    struct zk_error *e)
{
	const msgpack_object	*o;
	uint32_t		 i, n;
	int			 rc;

	if ((rc = zk_fields_lookup(map, "ops", "multi request", "op list", &o,
	    e)) != ZK_OK)
		return rc;
	if (o == NULL)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "multi request has no op list");
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "multi request: the op list is not an array");
	n = o->via.array.size;
	if (n == 0)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "multi request has no ops");
	if (n > ZK_MULTI_MAX)
		return zk_error_set(e, ZK_ETOOBIG,
		    "multi request has %u ops, over the limit of %d", n,
		    ZK_MULTI_MAX);
	/* Zeroed, so that zk_request_close frees what a failure leaves. */
	req->ops = zk_xcalloc(n, sizeof(*req->ops));
	req->nops = n;
	for (i = 0; i < n; i++)
		if ((rc = getop(&o->via.array.ptr[i], i, max_data,
		    &req->ops[i], e)) != ZK_OK)
			return rc;
	return ZK_OK;
}

/* What the field map alone cannot say about a request of op d. */
static int
checkreq(const struct opdesc *d, const msgpack_object *map,
    size_t max_data, struct zk_request *req, struct zk_error *e)
{
	size_t	 n;

	switch (d->op) {
	case ZK_OP_MULTI:
		return getops(map, max_data, req, e);
	case ZK_OP_ADDWATCH:
		/* The one-shot kinds are for removeWatch alone. */
		if (req->watch_mode != ZK_WATCH_PERSISTENT &&
		    req->watch_mode != ZK_WATCH_RECURSIVE)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "addWatch request: the mode is out of range");
		break;
	case ZK_OP_SETWATCHES:
		n = req->ndata_watches + req->nexist_watches +
		    req->nchild_watches;
		if (n > ZK_SETWATCHES_MAX)
			return zk_error_set(e, ZK_ETOOBIG,
			    "setWatches request has %zu paths, over the limit "
			    "of %d", n, ZK_SETWATCHES_MAX);
		break;
	}
	return ZK_OK;
}

int
zk_proto_decode_request(const char *buf, size_t len, size_t max_data,
    struct zk_request *req, struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	const struct opdesc	*d;
	int			 rc;

	memset(req, 0, sizeof(*req));
	msgpack_unpacked_init(&u);
	rc = zk_fields_unpack(&u, buf, len, REQ_MAX_VALUES, "request", e);
	if (rc != ZK_OK)
		goto out;
	if (u.data.type != MSGPACK_OBJECT_ARRAY) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "request is not an array");
		goto out;
	}
	if (u.data.via.array.size != 3) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "request has %u elements, not 3", u.data.via.array.size);
		goto out;
	}
	a = u.data.via.array.ptr;
	if ((rc = zk_fields_int(&a[0], INT64_MIN, INT64_MAX, "request xid",
	    &req->xid, e)) != ZK_OK)
		goto out;
	if ((rc = getcode(&a[1], "request type", "unknown message type", &d,
	    e)) != ZK_OK)
		goto out;
	if (!(d->where & ALONE)) {
		rc = zk_error_set(e, ZK_EMARSHALLING, "%s is not a request%s",
		    d->name, d->where & INMULTI ? " outside a multi" : "");
		goto out;
	}
	req->op = d->op;
	if ((rc = zk_fields_decode(&a[2], d->fields, d->required, max_data,
	    d->request, req, e)) != ZK_OK)
		goto out;
	rc = checkreq(d, &a[2], max_data, req, e);
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		zk_request_close(req);
	return rc;
}

static int
getchildren(const msgpack_object *o, struct zk_reply *rep,
    struct zk_error *e)
{
	uint32_t	 i, n;
	int		 rc;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: the children are not an array");
	n = o->via.array.size;
	/* Zeroed, so that zk_reply_close frees what a failure leaves. */
	rep->children = zk_xcalloc(n, sizeof(char *));
	rep->nchildren = n;
	for (i = 0; i < n; i++)
		if ((rc = zk_fields_get_str(&o->via.array.ptr[i], "reply",
		    "child name", &rep->children[i], e)) != ZK_OK)
			return rc;
	return ZK_OK;
}

/* One result of a multi: {"e": err, "p": path, "s": stat}, "e" a must. */
static int
getresult(const msgpack_object *map, struct zk_op_result *r,
    struct zk_error *e)
{
	const msgpack_object_kv	*kv;
	unsigned		 f, seen = 0;
	uint32_t		 i;
	int64_t			 v;
	int			 rc = ZK_OK;

	if (map->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: a multi result is not a map");
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		if ((f = zk_fields_key(&kv->key)) == ZK_FIELD_BADKEY)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: a field name is not a string");
		if (seen & f)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: the %s is there twice", zk_fields_name(f));
		seen |= f;
		switch (f) {
		case ZK_FIELD_ERR:
			rc = zk_fields_get_int(&kv->val, INT32_MIN, INT32_MAX,
			    "reply", f, &v, e);
			r->err = (int)v;
			break;
		case ZK_FIELD_PATH:
			rc = zk_fields_get_str(&kv->val, "reply", "path",
			    &r->path, e);
			break;
		case ZK_FIELD_STAT:
			rc = zk_fields_get_stat(&kv->val, "reply", &r->stat, e);
			r->has_stat = rc == ZK_OK;
			break;
		default:
			break;	/* unknown: skipped */
		}
		if (rc != ZK_OK)
			return rc;
	}
	if (!(seen & ZK_FIELD_ERR))
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: a multi result has no error code");
	return ZK_OK;
}

static int
getresults(const msgpack_object *o, struct zk_reply *rep,
    struct zk_error *e)
{
	uint32_t	 i, n;
	int		 rc;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: the result list is not an array");
	n = o->via.array.size;
	/* Zeroed, so that zk_reply_close frees what a failure leaves. */
	rep->results = zk_xcalloc(n, sizeof(*rep->results));
	rep->nresults = n;
	for (i = 0; i < n; i++)
		if ((rc = getresult(&o->via.array.ptr[i], &rep->results[i],
		    e)) != ZK_OK)
			return rc;
	return ZK_OK;
}

static int
replyfields(const msgpack_object *map, struct zk_reply *rep,
    struct zk_error *e)
{
	const msgpack_object_kv	*kv;
	const msgpack_object	*o;
	unsigned		 f, seen = 0;
	uint32_t		 i;
	int64_t			 v = 0;
	int			 rc = ZK_OK;

	if (map->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: the fields are not a map");
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		o = &kv->val;
		if ((f = zk_fields_key(&kv->key)) == ZK_FIELD_BADKEY)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: a field name is not a string");
		if (seen & f)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: the %s is there twice", zk_fields_name(f));
		seen |= f;
		switch (f) {
		case ZK_FIELD_PATH:
			rc = zk_fields_get_str(o, "reply", "path", &rep->path,
			    e);
			break;
		case ZK_FIELD_DATA:
			rc = zk_fields_get_data(o, "reply", SIZE_MAX,
			    &rep->data, &rep->data_len, e);
			rep->has_data = rc == ZK_OK;
			break;
		case ZK_FIELD_STAT:
			rc = zk_fields_get_stat(o, "reply", &rep->stat, e);
			rep->has_stat = rc == ZK_OK;
			break;
		case ZK_FIELD_CHILDREN:
			rc = getchildren(o, rep, e);
			break;
		case ZK_FIELD_SESSION:
			rc = zk_fields_get_int(o, INT64_MIN, INT64_MAX,
			    "reply", f, &rep->session_id, e);
			rep->has_session = 1;
			break;
		case ZK_FIELD_TIMEOUT:
			rc = zk_fields_get_int(o, 0, INT32_MAX, "reply", f, &v,
			    e);
			rep->timeout_ms = (int32_t)v;
			rep->has_session = 1;
			break;
		case ZK_FIELD_PASSWD:
			rc = zk_fields_get_passwd(o, "reply", rep->passwd, e);
			rep->has_session = 1;
			break;
		case ZK_FIELD_EVENT:
			rc = zk_fields_get_int(o, INT32_MIN, INT32_MAX,
			    "reply", f, &v, e);
			rep->event_type = (int)v;
			break;
		case ZK_FIELD_STATUS:
			rc = zk_fields_get_str(o, "reply", "status",
			    &rep->status_json, e);
			break;
		case ZK_FIELD_INDEX:
			rc = zk_fields_get_int(o, 0, INT32_MAX, "reply", f, &v,
			    e);
			rep->event_index = (int32_t)v;
			break;
		case ZK_FIELD_RESULTS:
			rc = getresults(o, rep, e);
			break;
		case ZK_FIELD_FAIL_INDEX:
			rc = zk_fields_get_int(o, 0, INT32_MAX, "reply", f, &v,
			    e);
			rep->fail_index = (int32_t)v;
			rep->has_fail_index = rc == ZK_OK;
			break;
		default:
			break;	/* a request field or unknown: skipped */
		}
		if (rc != ZK_OK)
			return rc;
	}
	if (!rep->has_fail_index)
		rep->fail_index = -1;
	return ZK_OK;
}

int
zk_proto_decode_reply(const char *buf, size_t len, struct zk_reply *rep,
    struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	int64_t			 err;
	int			 rc;

	memset(rep, 0, sizeof(*rep));
	msgpack_unpacked_init(&u);
	/* A reply may list many children: bounded by the frame alone. */
	rc = zk_fields_unpack(&u, buf, len, SIZE_MAX, "reply", e);
	if (rc != ZK_OK)
		goto out;
	if (u.data.type != MSGPACK_OBJECT_ARRAY) {
		rc = zk_error_set(e, ZK_EMARSHALLING, "reply is not an array");
		goto out;
	}
	if (u.data.via.array.size != 4) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "reply has %u elements, not 4", u.data.via.array.size);
		goto out;
	}
	a = u.data.via.array.ptr;
	if ((rc = zk_fields_int(&a[0], INT64_MIN, INT64_MAX, "reply xid",
	    &rep->xid, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[1], INT64_MIN, INT64_MAX, "reply zxid",
	    &rep->zxid, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[2], INT32_MIN, INT32_MAX, "reply error code",
	    &err, e)) != ZK_OK)
		goto out;
	rep->err = (int)err;
	rc = replyfields(&a[3], rep, e);
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		zk_reply_close(rep);
	return rc;
}

static void
freepaths(char **paths, size_t n)
{
	size_t	 i;

	if (paths == NULL)
		return;
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

void
zk_request_close(struct zk_request *req)
{
	size_t	 i;

	free(req->path);
	free(req->data);
	if (req->ops != NULL) {
		for (i = 0; i < req->nops; i++) {
			free(req->ops[i].path);
			free(req->ops[i].data);
		}
		free(req->ops);
	}
	freepaths(req->data_watches, req->ndata_watches);
	freepaths(req->exist_watches, req->nexist_watches);
	freepaths(req->child_watches, req->nchild_watches);
	memset(req, 0, sizeof(*req));
}

void
zk_reply_close(struct zk_reply *rep)
{
	size_t	 i;

	free(rep->path);
	free(rep->data);
	freepaths(rep->children, rep->nchildren);
	if (rep->results != NULL) {
		for (i = 0; i < rep->nresults; i++)
			free(rep->results[i].path);
		free(rep->results);
	}
	free(rep->status_json);
	memset(rep, 0, sizeof(*rep));
}
