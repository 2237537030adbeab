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
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "error.h"
#include "fields.h"
#include "proto.h"
#include "util.h"

#define REQ_MAX_VALUES	1024	/* a request has ~25: room for new fields */

#define P	ZK_FIELD_PATH
#define D	ZK_FIELD_DATA
#define V	ZK_FIELD_VERSION
#define F	ZK_FIELD_FLAGS
#define W	ZK_FIELD_WATCH

/* What a request of each op carries, and must carry. */
static const struct opdesc {
	int		 op;
	const char	*name;
	const char	*request;	/* "getData request", for errors */
	unsigned	 fields;
	unsigned	 required;
} ops[] = {
	{ ZK_OP_CREATE, "create", "create request", P | D | F, P },
	{ ZK_OP_DELETE, "delete", "delete request", P | V, P },
	{ ZK_OP_EXISTS, "exists", "exists request", P | W, P },
	{ ZK_OP_GETDATA, "getData", "getData request", P | W, P },
	{ ZK_OP_SETDATA, "setData", "setData request", P | D | V, P },
	{ ZK_OP_SYNC, "sync", "sync request", P, P },
	{ ZK_OP_PING, "ping", "ping request", 0, 0 },
	{ ZK_OP_GETCHILDREN, "getChildren", "getChildren request", P | W, P },
	{ ZK_OP_CONNECT, "createSession", "connect request",
	    ZK_FIELD_SESSION | ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD |
	    ZK_FIELD_LAST_ZXID, 0 },
	{ ZK_OP_CLOSE, "closeSession", "closeSession request", 0, 0 },
	{ ZK_OP_STATUS, "status", "status request", 0, 0 },
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

void
zk_proto_encode_request(struct zk_buf *out, const struct zk_request *req)
{
	const struct opdesc	*d = findop(req->op);
	msgpack_packer		 pk;
	size_t			 at, hint;

	hint = 64 + req->data_len + (req->path ? strlen(req->path) : 0);
	at = zk_frame_begin(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_int64(&pk, req->xid);
	msgpack_pack_int(&pk, req->op);
	/* An unknown op goes out with no fields: the peer will refuse it. */
	zk_fields_pack(&pk, d != NULL ? d->fields : 0, req);
	zk_frame_end(out, at);
}

void
zk_proto_encode_reply(struct zk_buf *out, const struct zk_reply *rep)
{
	const struct zk_stat	*st = &rep->stat;
	msgpack_packer		 pk;
	size_t			 at, hint, i, n;

	hint = 128 + (rep->has_data ? rep->data_len : 0) +
	    (rep->path ? strlen(rep->path) : 0);
	at = zk_frame_begin(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int64(&pk, rep->xid);
	msgpack_pack_int64(&pk, rep->zxid);
	msgpack_pack_int(&pk, rep->err);

	n = (rep->path != NULL) + (rep->has_data != 0) + (rep->has_stat != 0) +
	    (rep->children != NULL) + (rep->has_session ? 3 : 0) +
	    (rep->xid == ZK_XID_EVENT) + (rep->status_json != NULL);
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
		msgpack_pack_array(&pk, 11);
		msgpack_pack_int64(&pk, st->czxid);
		msgpack_pack_int64(&pk, st->mzxid);
		msgpack_pack_int64(&pk, st->pzxid);
		msgpack_pack_int64(&pk, st->ctime);
		msgpack_pack_int64(&pk, st->mtime);
		msgpack_pack_int32(&pk, st->version);
		msgpack_pack_int32(&pk, st->cversion);
		msgpack_pack_int32(&pk, st->aversion);
		msgpack_pack_int64(&pk, st->ephemeral_owner);
		msgpack_pack_int32(&pk, st->data_length);
		msgpack_pack_int32(&pk, st->num_children);
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
	}
	if (rep->status_json != NULL) {
		KEY(&pk, "j");
		zk_fields_pack_str(&pk, rep->status_json);
	}
	zk_frame_end(out, at);
}

/* Decoding */

int
zk_proto_decode_request(const char *buf, size_t len, size_t max_data,
    struct zk_request *req, struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	const struct opdesc	*d;
	int64_t			 op;
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
	if (a[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    a[1].via.u64 > INT64_MAX) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown message type %" PRIu64, a[1].via.u64);
		goto out;
	}
	if ((rc = zk_fields_int(&a[1], INT64_MIN, INT64_MAX, "request type",
	    &op, e)) != ZK_OK)
		goto out;
	if ((d = findop(op)) == NULL) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown message type %" PRId64, op);
		goto out;
	}
	req->op = d->op;
	rc = zk_fields_decode(&a[2], d->fields, d->required, max_data,
	    d->request, req, e);
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		zk_request_close(req);
	return rc;
}

/* An array of the 11 stat fields, in struct zk_stat's order. */
static int
getstat(const msgpack_object *o, struct zk_stat *st, struct zk_error *e)
{
	const msgpack_object	*a;
	int64_t			 v[11];
	int			 i, rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 11)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "reply: the stat is not an array of 11 integers");
	a = o->via.array.ptr;
	for (i = 0; i < 11; i++) {
		/* version, cversion, aversion, dataLength, numChildren */
		if (i == 5 || i == 6 || i == 7 || i == 9 || i == 10)
			rc = zk_fields_get_int(&a[i], INT32_MIN, INT32_MAX,
			    "reply", ZK_FIELD_STAT, &v[i], e);
		else
			rc = zk_fields_get_int(&a[i], INT64_MIN, INT64_MAX,
			    "reply", ZK_FIELD_STAT, &v[i], e);
		if (rc != ZK_OK)
			return rc;
	}
	st->czxid = v[0];
	st->mzxid = v[1];
	st->pzxid = v[2];
	st->ctime = v[3];
	st->mtime = v[4];
	st->version = (int32_t)v[5];
	st->cversion = (int32_t)v[6];
	st->aversion = (int32_t)v[7];
	st->ephemeral_owner = v[8];
	st->data_length = (int32_t)v[9];
	st->num_children = (int32_t)v[10];
	return ZK_OK;
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
			rc = getstat(o, &rep->stat, e);
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
		default:
			break;	/* a request field or unknown: skipped */
		}
		if (rc != ZK_OK)
			return rc;
	}
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

void
zk_request_close(struct zk_request *req)
{
	free(req->path);
	free(req->data);
	memset(req, 0, sizeof(*req));
}

void
zk_reply_close(struct zk_reply *rep)
{
	size_t	 i;

	free(rep->path);
	free(rep->data);
	if (rep->children != NULL) {
		for (i = 0; i < rep->nchildren; i++)
			free(rep->children[i]);
		free(rep->children);
	}
	free(rep->status_json);
	memset(rep, 0, sizeof(*rep));
}
