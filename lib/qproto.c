/*
 * The peer protocol codec: HELLO, election notifications and ZAB messages
 * to and from frames (layout in qproto.h, the bytes in
 * share/doc/protocol.md "Peer protocol"). The checked unpacking and the
 * integer checks are fields.c's, shared with the client protocol; this
 * file knows the shape of each message and the range of each element.
 *
 * Invariants:
 *  (1) Every element's type and range is checked before it is stored
 *      (qproto.h (1)); the object tree is never indexed past the array
 *      size it states, and that size is checked first.
 *  (2) A payload holds at most MAX_VALUES msgpack values, so a message
 *      claiming a huge array is refused by the scan before msgpack-c
 *      allocates for it.
 *  (3) A frame's header holds exactly the length of the one value after
 *      it (proto.c (3)).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "elect.h"
#include "error.h"
#include "fields.h"
#include "proto.h"
#include "qproto.h"
#include "util.h"
#include "zab.h"

/* The largest message has 9 values (the array and 8 elements). */
#define MAX_VALUES	16

#define HELLO_LEN	4
#define NOTE_LEN	7
#define ZAB_LEN		8

static const char *const port_names[] = {
	[ZK_QPROTO_ELECTION] = "election",
	[ZK_QPROTO_QUORUM] = "quorum",
};

const char *
zk_qproto_port_name(int port)
{
	if (port == ZK_QPROTO_ELECTION || port == ZK_QPROTO_QUORUM)
		return port_names[port];
	return "unknown";
}

/* Encoding (frames are built with proto.h's zk_frame_begin/end) */

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t	 n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Encoding */

void
zk_qproto_encode_hello(struct zk_buf *out, int sid, int port)
{
	msgpack_packer	 pk;
	size_t		 at;

	at = zk_frame_begin(out, 32);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, HELLO_LEN);
	pack_str(&pk, ZK_QPROTO_MAGIC);
	msgpack_pack_int(&pk, ZK_QPROTO_VERSION);
	msgpack_pack_int(&pk, sid);
	pack_str(&pk, zk_qproto_port_name(port));
	zk_frame_end(out, at);
}

void
zk_qproto_encode_note(struct zk_buf *out, const struct zk_elect_note *n)
{
	msgpack_packer	 pk;
	size_t		 at;

	at = zk_frame_begin(out, 48);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, NOTE_LEN);
	pack_str(&pk, "N");
	msgpack_pack_int(&pk, n->sid);
	msgpack_pack_int(&pk, n->state);
	msgpack_pack_int64(&pk, n->round);
	msgpack_pack_int(&pk, n->vote.leader);
	msgpack_pack_int64(&pk, n->vote.zxid);
	msgpack_pack_int64(&pk, n->vote.epoch);
	zk_frame_end(out, at);
}

int
zk_qproto_encode_zab(struct zk_buf *out, const struct zk_zab_msg *m,
    struct zk_error *e)
{
	msgpack_packer	 pk;
	size_t		 at;

	if (m->data != NULL && m->len > ZK_QPROTO_MAX_DATA)
		return zk_error_set(e, ZK_ETOOBIG,
		    "ZAB message data of %zu bytes does not fit in a frame",
		    m->len);
	at = zk_frame_begin(out, 64 + (m->data != NULL ? m->len : 0));
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, ZAB_LEN);
	msgpack_pack_int(&pk, m->type);
	msgpack_pack_int(&pk, m->flags);
	msgpack_pack_int64(&pk, m->epoch);
	msgpack_pack_int64(&pk, m->zxid);
	msgpack_pack_int64(&pk, m->prev);
	msgpack_pack_int64(&pk, m->zxid2);
	msgpack_pack_uint64(&pk, m->digest);
	if (m->data != NULL) {
		msgpack_pack_bin(&pk, m->len);
		msgpack_pack_bin_body(&pk, m->data, m->len);
	} else
		msgpack_pack_nil(&pk);
	zk_frame_end(out, at);
	return ZK_OK;
}

/* Decoding */

/*
 * Unpacks buf into u and checks that it is an array of n elements, which
 * *a then points at. what names the message in errors.
 */
static int
open_array(msgpack_unpacked *u, const char *buf, size_t len, uint32_t n,
    const char *what, const msgpack_object **a, struct zk_error *e)
{
	int	 rc;

	if ((rc = zk_fields_unpack(u, buf, len, MAX_VALUES, what, e)) !=
	    ZK_OK)
		return rc;
	if (u->data.type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING, "%s is not an array",
		    what);
	if (u->data.via.array.size != n)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s has %u elements, not %u", what,
		    u->data.via.array.size, n);
	*a = u->data.via.array.ptr;
	return ZK_OK;
}

/* Whether o is the str s. */
static int
is_str(const msgpack_object *o, const char *s)
{
	size_t	 n = strlen(s);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	    memcmp(o->via.str.ptr, s, n) == 0;
}

/* An integer in [min, max] into an int; else ZK_EMARSHALLING. */
static int
get_int(const msgpack_object *o, int64_t min, int64_t max, const char *what,
    int *v, struct zk_error *e)
{
	int64_t	 x;
	int	 rc;

	if ((rc = zk_fields_int(o, min, max, what, &x, e)) != ZK_OK)
		return rc;
	*v = (int)x;
	return ZK_OK;
}

int
zk_qproto_decode_hello(const char *buf, size_t len, struct zk_qproto_hello *h,
    struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	int			 rc;

	memset(h, 0, sizeof(*h));
	msgpack_unpacked_init(&u);
	if ((rc = open_array(&u, buf, len, HELLO_LEN, "hello", &a, e)) !=
	    ZK_OK)
		goto out;
	if (!is_str(&a[0], ZK_QPROTO_MAGIC)) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "hello does not start with \"%s\": not a zk peer",
		    ZK_QPROTO_MAGIC);
		goto out;
	}
	if ((rc = get_int(&a[1], INT32_MIN, INT32_MAX, "hello version",
	    &h->version, e)) != ZK_OK)
		goto out;
	if (h->version != ZK_QPROTO_VERSION) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "hello: peer protocol version %d, not %d", h->version,
		    ZK_QPROTO_VERSION);
		goto out;
	}
	if ((rc = get_int(&a[2], 1, INT_MAX, "hello sid", &h->sid, e)) !=
	    ZK_OK)
		goto out;
	if (is_str(&a[3], port_names[ZK_QPROTO_ELECTION]))
		h->port = ZK_QPROTO_ELECTION;
	else if (is_str(&a[3], port_names[ZK_QPROTO_QUORUM]))
		h->port = ZK_QPROTO_QUORUM;
	else
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "hello: the port is not \"election\" or \"quorum\"");
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		memset(h, 0, sizeof(*h));
	return rc;
}

int
zk_qproto_decode_note(const char *buf, size_t len, struct zk_elect_note *n,
    struct zk_error *e)
{
	msgpack_unpacked	 u;
	const msgpack_object	*a;
	int			 rc;

	memset(n, 0, sizeof(*n));
	msgpack_unpacked_init(&u);
	if ((rc = open_array(&u, buf, len, NOTE_LEN, "notification", &a,
	    e)) != ZK_OK)
		goto out;
	if (!is_str(&a[0], "N")) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "notification does not start with \"N\"");
		goto out;
	}
	if ((rc = get_int(&a[1], 1, INT_MAX, "notification sid", &n->sid,
	    e)) != ZK_OK ||
	    (rc = get_int(&a[2], ZK_LOOKING, ZK_OBSERVING,
	    "notification state", &n->state, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[3], 0, INT64_MAX, "notification round",
	    &n->round, e)) != ZK_OK ||
	    (rc = get_int(&a[4], 1, INT_MAX, "notification leader",
	    &n->vote.leader, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[5], -1, INT64_MAX, "notification zxid",
	    &n->vote.zxid, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[6], -1, INT64_MAX, "notification epoch",
	    &n->vote.epoch, e)) != ZK_OK)
		goto out;
	rc = ZK_OK;
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		memset(n, 0, sizeof(*n));
	return rc;
}

int
zk_qproto_decode_zab(const char *buf, size_t len, size_t max_data,
    struct zk_zab_msg *m, struct zk_error *e)
{
	static const char	 empty[1];
	msgpack_unpacked	 u;
	const msgpack_object	*a, *d;
	int64_t			 type;
	int			 rc;

	memset(m, 0, sizeof(*m));
	msgpack_unpacked_init(&u);
	if ((rc = open_array(&u, buf, len, ZAB_LEN, "ZAB message", &a, e)) !=
	    ZK_OK)
		goto out;
	if ((rc = zk_fields_int(&a[0], INT64_MIN, INT64_MAX,
	    "ZAB message type", &type, e)) != ZK_OK)
		goto out;
	if (type < ZK_ZAB_FOLLOWERINFO || type > ZK_ZAB_MSG_LAST) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "ZAB message type %lld is unknown", (long long)type);
		goto out;
	}
	m->type = (int)type;
	if ((rc = get_int(&a[1], 0, INT_MAX, "ZAB message flags", &m->flags,
	    e)) != ZK_OK)
		goto out;
	if (m->flags & ~(ZK_ZAB_F_OBSERVER | ZK_ZAB_F_WANT_SNAP)) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "ZAB message flags 0x%x hold unknown bits", m->flags);
		goto out;
	}
	if ((rc = zk_fields_int(&a[2], -1, INT64_MAX, "ZAB message epoch",
	    &m->epoch, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[3], -1, INT64_MAX, "ZAB message zxid",
	    &m->zxid, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[4], -1, INT64_MAX, "ZAB message prev",
	    &m->prev, e)) != ZK_OK ||
	    (rc = zk_fields_int(&a[5], -1, INT64_MAX, "ZAB message zxid2",
	    &m->zxid2, e)) != ZK_OK)
		goto out;
	/* Any uint64 encoding; a negative integer is no digest. */
	if (a[6].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "ZAB message digest is not an unsigned integer");
		goto out;
	}
	m->digest = a[6].via.u64;
	d = &a[7];
	if (d->type == MSGPACK_OBJECT_NIL)
		goto out;
	if (d->type != MSGPACK_OBJECT_BIN) {
		rc = zk_error_set(e, ZK_EMARSHALLING,
		    "ZAB message data is not bin or nil");
		goto out;
	}
	if (d->via.bin.size > max_data) {
		rc = zk_error_set(e, ZK_ETOOBIG,
		    "ZAB message data of %u bytes is over the limit of %zu",
		    d->via.bin.size, max_data);
		goto out;
	}
	/* msgpack-c points a bin into buf: borrowed (qproto.h (2)). */
	m->data = d->via.bin.ptr != NULL ? d->via.bin.ptr : empty;
	m->len = d->via.bin.size;
out:
	msgpack_unpacked_destroy(&u);
	if (rc != ZK_OK)
		memset(m, 0, sizeof(*m));
	return rc;
}
