/*
 * Transactions to and from msgpack: [zxid, time_ms, session_id, type,
 * {fields}], the fields packed and checked by fields.c: a txn's fields
 * are a request's, so a txn is packed and read through a struct
 * zk_request of borrowed or moved pointers.
 *
 * Invariants:
 *  (1) A txn carries every field its type's effect depends on, and
 *      decoding insists on them (txn.h (1)): create, delete and setData
 *      need a path, createSession its timeout and password.
 *  (2) Decoding checks every type and range (fields.h (2)); a decode that
 *      fails leaves the txn zeroed and owning nothing.
 *  (3) A multi holds check, create, setData and delete txns and nothing
 *      else: no multi in a multi, no session txns. Its ops come back with
 *      the outer zxid, time and session, which are not sent again.
 *  (4) A type we do not know is ZK_EUNIMPLEMENTED (a newer peer's log);
 *      one we know, where it may not be (a check on its own, a multi in
 *      a multi), is ZK_EMARSHALLING.
 *
 * A multi's op count is not bounded here: the request decoder held it
 * to ZK_MULTI_MAX, and a record of ours is read as it was written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "error.h"
#include "fields.h"
#include "proto.h"
#include "txn.h"
#include "util.h"

/* Where a type may stand. */
#define ALONE	0x1	/* a txn of its own */
#define INMULTI	0x2	/* an op of a multi */

/* A multi's "ops" are read by getops(), not through the field mask. */
static const struct txndesc {
	int		 type;
	const char	*what;		/* for errors */
	unsigned	 fields;
	unsigned	 required;
	int		 where;		/* ALONE, INMULTI */
} types[] = {
	{ ZK_TXN_CREATE, "create txn",
	    ZK_FIELD_PATH | ZK_FIELD_DATA | ZK_FIELD_FLAGS, ZK_FIELD_PATH,
	    ALONE | INMULTI },
	{ ZK_TXN_DELETE, "delete txn",
	    ZK_FIELD_PATH | ZK_FIELD_VERSION, ZK_FIELD_PATH, ALONE | INMULTI },
	{ ZK_TXN_SETDATA, "setData txn",
	    ZK_FIELD_PATH | ZK_FIELD_DATA | ZK_FIELD_VERSION, ZK_FIELD_PATH,
	    ALONE | INMULTI },
	{ ZK_TXN_CREATE_SESSION, "createSession txn",
	    ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD,
	    ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD, ALONE },
	{ ZK_TXN_CLOSE_SESSION, "closeSession txn", 0, 0, ALONE },
	{ ZK_TXN_CHECK, "check txn",
	    ZK_FIELD_PATH | ZK_FIELD_VERSION, ZK_FIELD_PATH, INMULTI },
	{ ZK_TXN_MULTI, "multi txn", 0, 0, ALONE },
	{ ZK_TXN_DELETE_CONTAINER, "deleteContainer txn",
	    ZK_FIELD_PATH, ZK_FIELD_PATH, ALONE },
};

static const struct txndesc *
findtype(int64_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

/* The fields, borrowed into the shape the shared packer reads. */
static void
torequest(const struct zk_txn *t, struct zk_request *r)
{
	memset(r, 0, sizeof(*r));
	r->path = t->path;
	r->data = t->data;
	r->data_len = t->data_len;
	r->version = t->version;
	r->flags = t->flags;
	r->timeout_ms = t->timeout_ms;
	memcpy(r->passwd, t->passwd, ZK_PASSWD_LEN);
}

/* The field map of t; a multi's is {"ops": [[type, {fields}], ...]}. */
static void
packfields(msgpack_packer *pk, const struct zk_txn *t)
{
	const struct txndesc	*d = findtype(t->type);
	const struct zk_txn	*op;
	struct zk_request	 r;
	size_t			 i;

	torequest(t, &r);
	if (t->type != ZK_TXN_MULTI) {
		/* An unknown type goes out with no fields, to be refused. */
		zk_fields_pack(pk, d != NULL ? d->fields : 0, &r);
		return;
	}
	zk_fields_pack_extra(pk, 0, &r, 1);
	zk_fields_pack_key(pk, "ops", 3);
	msgpack_pack_array(pk, t->nops);
	for (i = 0; i < t->nops; i++) {
		op = &t->ops[i];
		d = findtype(op->type);
		torequest(op, &r);
		msgpack_pack_array(pk, 2);
		msgpack_pack_int(pk, op->type);
		zk_fields_pack(pk, d != NULL ? d->fields : 0, &r);
	}
}

void
zk_txn_encode(struct zk_buf *out, const struct zk_txn *t)
{
	msgpack_packer	 pk;
	size_t		 hint, i;

	hint = 64 + t->data_len + (t->path ? strlen(t->path) : 0);
	for (i = 0; i < t->nops; i++)
		hint += 32 + t->ops[i].data_len +
		    (t->ops[i].path ? strlen(t->ops[i].path) : 0);
	zk_buf_reserve(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 5);
	msgpack_pack_int64(&pk, t->zxid);
	msgpack_pack_int64(&pk, t->time_ms);
	msgpack_pack_int64(&pk, t->session_id);
	msgpack_pack_int(&pk, t->type);
	packfields(&pk, t);
}

/*
 * A type: ZK_EMARSHALLING when o is no integer ("<what> is not an
 * integer"), ZK_EUNIMPLEMENTED when we know no such type.
 */
static int
gettype(const msgpack_object *o, const char *what, const char *unknown,
    const struct txndesc **d, struct zk_error *e)
{
	int64_t	 c;
	int	 rc;

	*d = NULL;
	if ((rc = zk_fields_code(o, what, unknown, &c, e)) != ZK_OK)
		return rc;
	if ((*d = findtype(c)) == NULL)
		return zk_error_set(e, ZK_EUNIMPLEMENTED, "%s %" PRId64,
		    unknown, c);
	return ZK_OK;
}

/* The fields of a txn of type d from map into t (moved out of a request). */
static int
getfields(const msgpack_object *map, const struct txndesc *d,
    const char *what, struct zk_txn *t, struct zk_error *e)
{
	struct zk_request	 r;
	int			 rc;

	memset(&r, 0, sizeof(r));
	if ((rc = zk_fields_decode(map, d->fields, d->required, SIZE_MAX,
	    what, &r, e)) != ZK_OK) {
		zk_request_close(&r);
		return rc;
	}
	t->type = d->type;
	t->path = r.path;		/* moved: the txn owns them now */
	t->data = r.data;
	t->data_len = r.data_len;
	t->version = r.version;
	t->flags = r.flags;
	t->timeout_ms = r.timeout_ms;
	memcpy(t->passwd, r.passwd, ZK_PASSWD_LEN);
	return ZK_OK;
}

/* One op of a multi: [type, {fields}], under the outer t's header. */
static int
getop(const msgpack_object *o, uint32_t i, const struct zk_txn *t,
    struct zk_txn *op, struct zk_error *e)
{
	const struct txndesc	*d;
	char			 what[40], type[48];
	int			 rc;

	snprintf(what, sizeof(what), "multi txn op %u", i);
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s is not an array of type and fields", what);
	snprintf(type, sizeof(type), "multi txn op %u: the type", i);
	if ((rc = gettype(&o->via.array.ptr[0], type,
	    "multi txn: unknown txn type", &d, e)) != ZK_OK)
		return rc;
	if (!(d->where & INMULTI))
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: a multi cannot hold a %s", what, d->what);
	op->zxid = t->zxid;
	op->time_ms = t->time_ms;
	op->session_id = t->session_id;
	return getfields(&o->via.array.ptr[1], d, what, op, e);
}

static int
getops(const msgpack_object *map, struct zk_txn *t, struct zk_error *e)
{
	const msgpack_object	*o;
	uint32_t		 i, n;
	int			 rc;

	if ((rc = zk_fields_lookup(map, "ops", "multi txn", "op list", &o,
	    e)) != ZK_OK)
		return rc;
	if (o == NULL)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "multi txn has no op list");
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "multi txn: the op list is not an array");
	n = o->via.array.size;
	/* Zeroed, so that zk_txn_close frees what a failure leaves. */
	t->ops = zk_xcalloc(n, sizeof(*t->ops));
	t->nops = n;
	for (i = 0; i < n; i++)
		if ((rc = getop(&o->via.array.ptr[i], i, t, &t->ops[i],
		    e)) != ZK_OK)
			return rc;
	return ZK_OK;
}

int
zk_txn_decode(const char *buf, size_t len, struct zk_txn *t,
    struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	const struct txndesc	*d;
	int			 rc;

	memset(t, 0, sizeof(*t));
	msgpack_unpacked_init(&u);
	rc = zk_fields_unpack(&u, buf, len, SIZE_MAX, "txn", e);
	if (rc != ZK_OK)
		goto out;
	if (u.data.type != MSGPACK_OBJECT_ARRAY) {
		rc = zk_error_set(e, ZK_EMARSHALLING, "txn is not an array");
		goto out;
	}
	if (u.data.via.array.size != 5) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "txn has %u elements, not 5", u.data.via.array.size);
		goto out;
	}
	a = u.data.via.array.ptr;
	if ((rc = zk_fields_int(&a[0], INT64_MIN, INT64_MAX, "txn zxid",
	    &t->zxid, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[1], INT64_MIN, INT64_MAX, "txn time",
	    &t->time_ms, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[2], INT64_MIN, INT64_MAX, "txn session id",
	    &t->session_id, e)) != ZK_OK)
		goto out;
	if ((rc = gettype(&a[3], "txn type", "unknown txn type", &d,
	    e)) != ZK_OK)
		goto out;
	if (!(d->where & ALONE)) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "a %s is only allowed in a multi", d->what);
		goto out;
	}
	if ((rc = getfields(&a[4], d, d->what, t, e)) != ZK_OK)
		goto out;
	if (d->type == ZK_TXN_MULTI)
		rc = getops(&a[4], t, e);
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		zk_txn_close(t);
	return rc;
}

void
zk_txn_close(struct zk_txn *t)
{
	size_t	 i;

	free(t->path);
	free(t->data);
	if (t->ops != NULL) {
		for (i = 0; i < t->nops; i++)
			zk_txn_close(&t->ops[i]);
		free(t->ops);
	}
	memset(t, 0, sizeof(*t));
}
