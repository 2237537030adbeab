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
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "error.h"
#include "fields.h"
#include "proto.h"
#include "txn.h"
#include "util.h"

static const struct txndesc {
	int		 type;
	const char	*what;		/* for errors */
	unsigned	 fields;
	unsigned	 required;
} types[] = {
	{ ZK_TXN_CREATE, "create txn",
	    ZK_FIELD_PATH | ZK_FIELD_DATA | ZK_FIELD_FLAGS, ZK_FIELD_PATH },
	{ ZK_TXN_DELETE, "delete txn",
	    ZK_FIELD_PATH | ZK_FIELD_VERSION, ZK_FIELD_PATH },
	{ ZK_TXN_SETDATA, "setData txn",
	    ZK_FIELD_PATH | ZK_FIELD_DATA | ZK_FIELD_VERSION, ZK_FIELD_PATH },
	{ ZK_TXN_CREATE_SESSION, "createSession txn",
	    ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD,
	    ZK_FIELD_TIMEOUT | ZK_FIELD_PASSWD },
	{ ZK_TXN_CLOSE_SESSION, "closeSession txn", 0, 0 },
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

void
zk_txn_encode(struct zk_buf *out, const struct zk_txn *t)
{
	const struct txndesc	*d = findtype(t->type);
	struct zk_request	 r;
	msgpack_packer		 pk;

	/* The fields, borrowed into the shape the shared packer reads. */
	memset(&r, 0, sizeof(r));
	r.path = t->path;
	r.data = t->data;
	r.data_len = t->data_len;
	r.version = t->version;
	r.flags = t->flags;
	r.timeout_ms = t->timeout_ms;
	memcpy(r.passwd, t->passwd, ZK_PASSWD_LEN);

	zk_buf_reserve(out, 64 + t->data_len + (t->path ? strlen(t->path) : 0));
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 5);
	msgpack_pack_int64(&pk, t->zxid);
	msgpack_pack_int64(&pk, t->time_ms);
	msgpack_pack_int64(&pk, t->session_id);
	msgpack_pack_int(&pk, t->type);
	zk_fields_pack(&pk, d != NULL ? d->fields : 0, &r);
}

int
zk_txn_decode(const char *buf, size_t len, struct zk_txn *t,
    struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	const struct txndesc	*d;
	struct zk_request	 r;
	int64_t			 type;
	int			 rc;

	memset(t, 0, sizeof(*t));
	memset(&r, 0, sizeof(r));
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
	if (a[3].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    a[3].via.u64 > INT64_MAX) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown txn type %" PRIu64, a[3].via.u64);
		goto out;
	}
	if ((rc = zk_fields_int(&a[3], INT64_MIN, INT64_MAX, "txn type", &type,
	    e)) != ZK_OK)
		goto out;
	if ((d = findtype(type)) == NULL) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown txn type %" PRId64, type);
		goto out;
	}
	rc = zk_fields_decode(&a[4], d->fields, d->required, SIZE_MAX,
	    d->what, &r, e);
	if (rc != ZK_OK)
		goto out;
	t->type = d->type;
	t->path = r.path;		/* moved: the txn owns them now */
	t->data = r.data;
	t->data_len = r.data_len;
	t->version = r.version;
	t->flags = r.flags;
	t->timeout_ms = r.timeout_ms;
	memcpy(t->passwd, r.passwd, ZK_PASSWD_LEN);
	memset(&r, 0, sizeof(r));
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK) {
		zk_request_close(&r);
		memset(t, 0, sizeof(*t));
	}
	return rc;
}

void
zk_txn_close(struct zk_txn *t)
{
	free(t->path);
	free(t->data);
	memset(t, 0, sizeof(*t));
}
