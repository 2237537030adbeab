/*
 * The client protocol codec: frames, and requests and replies to and from
 * msgpack (layout in proto.h, the whole protocol in share/doc/protocol.md).
 *
 * Decoding runs two passes over the bytes. scan() first walks the raw
 * msgpack without building anything, because msgpack-c allocates room
 * for a container's claimed size before it reads a single element: five
 * bytes could ask it for 100 GiB. Only input that scan() has seen to be
 * one complete value reaches msgpack_unpack_next, which then builds the
 * object tree in one zone (a few dozen objects for a request); the walkers
 * below check every object's type against what the message allows, and
 * copy out what the struct keeps before the zone goes.
 *
 * Invariants:
 *  (1) Every type, length and integer range is checked before use (proto.h
 *      (1)); the object tree is never indexed past a size it states.
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
#include "proto.h"
#include "util.h"

#define MAX_DEPTH	16	/* nesting scan() passes; msgpack-c takes 32 */
#define REQ_MAX_VALUES	1024	/* a request has ~25: room for new fields */

/* Reply-only fields, above the shared ZK_FIELD_* bits. */
#define F_STAT		0x1000	/* "s" */
#define F_CHILDREN	0x2000	/* "c" */
#define F_EVENT		0x4000	/* "t" */
#define F_STATUS	0x8000	/* "j" */
#define F_BADKEY	0x80000000u

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

/* Plain words for a field, for error messages. */
static const char *
fieldname(unsigned f)
{
	switch (f) {
	case ZK_FIELD_PATH:		return "path";
	case ZK_FIELD_DATA:		return "data";
	case ZK_FIELD_VERSION:		return "version";
	case ZK_FIELD_FLAGS:		return "flags";
	case ZK_FIELD_WATCH:		return "watch";
	case ZK_FIELD_SESSION:		return "session id";
	case ZK_FIELD_TIMEOUT:		return "timeout";
	case ZK_FIELD_PASSWD:		return "password";
	case ZK_FIELD_LAST_ZXID:	return "last zxid";
	case F_STAT:			return "stat";
	case F_CHILDREN:		return "children";
	case F_EVENT:			return "event type";
	case F_STATUS:			return "status";
	}
	return "field";
}

/* The bit of a field key; 0 for a key we do not know (skipped). */
static unsigned
fieldkey(const msgpack_object *k)
{
	const char	*s = k->via.str.ptr;

	if (k->type != MSGPACK_OBJECT_STR)
		return F_BADKEY;
	switch (k->via.str.size) {
	case 1:
		switch (s[0]) {
		case 'p':	return ZK_FIELD_PATH;
		case 'd':	return ZK_FIELD_DATA;
		case 'v':	return ZK_FIELD_VERSION;
		case 'f':	return ZK_FIELD_FLAGS;
		case 'w':	return ZK_FIELD_WATCH;
		case 's':	return F_STAT;
		case 'c':	return F_CHILDREN;
		case 't':	return F_EVENT;
		case 'j':	return F_STATUS;
		}
		break;
	case 2:
		if (s[0] == 't' && s[1] == 'o')
			return ZK_FIELD_TIMEOUT;
		if (s[0] == 'p' && s[1] == 'w')
			return ZK_FIELD_PASSWD;
		if (s[0] == 'l' && s[1] == 'z')
			return ZK_FIELD_LAST_ZXID;
		break;
	case 3:
		if (memcmp(s, "sid", 3) == 0)
			return ZK_FIELD_SESSION;
		break;
	}
	return 0;
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

/* Reserves the header of a frame at the end of out; returns its offset. */
static size_t
frame_begin(struct zk_buf *out, size_t hint)
{
	size_t	 at = out->len;

	zk_buf_reserve(out, ZK_FRAME_HDR + hint);
	memset(out->data + at, 0, ZK_FRAME_HDR);
	out->len += ZK_FRAME_HDR;
	return at;
}

/* Writes the length of what followed the header at "at" (invariant (3)). */
static void
frame_end(struct zk_buf *out, size_t at)
{
	zk_store_be32(out->data + at, (uint32_t)(out->len - at - ZK_FRAME_HDR));
}

/* Encoding */

static void
packkey(msgpack_packer *pk, const char *k, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, k, n);
}
#define KEY(pk, k)	packkey((pk), (k), sizeof(k) - 1)

static void
packstr(msgpack_packer *pk, const char *s)
{
	size_t	 n = strlen(s);

	msgpack_pack_str(pk, n);
	if (n > 0)
		msgpack_pack_str_body(pk, s, n);
}

static void
packbin(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	if (n > 0)
		msgpack_pack_bin_body(pk, p, n);
}

void
zk_proto_pack_fields(msgpack_packer *pk, unsigned mask,
    const struct zk_request *req)
{
	if (req->path == NULL)
		mask &= ~ZK_FIELD_PATH;
	msgpack_pack_map(pk, __builtin_popcount(mask));
	if (mask & ZK_FIELD_PATH) {
		KEY(pk, "p");
		packstr(pk, req->path);
	}
	if (mask & ZK_FIELD_DATA) {
		KEY(pk, "d");
		packbin(pk, req->data, req->data_len);
	}
	if (mask & ZK_FIELD_VERSION) {
		KEY(pk, "v");
		msgpack_pack_int32(pk, req->version);
	}
	if (mask & ZK_FIELD_FLAGS) {
		KEY(pk, "f");
		msgpack_pack_int(pk, req->flags);
	}
	if (mask & ZK_FIELD_WATCH) {
		KEY(pk, "w");
		if (req->watch)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
	}
	if (mask & ZK_FIELD_SESSION) {
		KEY(pk, "sid");
		msgpack_pack_int64(pk, req->session_id);
	}
	if (mask & ZK_FIELD_TIMEOUT) {
		KEY(pk, "to");
		msgpack_pack_int32(pk, req->timeout_ms);
	}
	if (mask & ZK_FIELD_PASSWD) {
		KEY(pk, "pw");
		packbin(pk, req->passwd, ZK_PASSWD_LEN);
	}
	if (mask & ZK_FIELD_LAST_ZXID) {
		KEY(pk, "lz");
		msgpack_pack_int64(pk, req->last_zxid);
	}
}

void
zk_proto_encode_request(struct zk_buf *out, const struct zk_request *req)
{
	const struct opdesc	*d = findop(req->op);
	msgpack_packer		 pk;
	size_t			 at, hint;

	hint = 64 + req->data_len + (req->path ? strlen(req->path) : 0);
	at = frame_begin(out, hint);
	msgpack_packer_init(&pk, out, zk_buf_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_int64(&pk, req->xid);
	msgpack_pack_int(&pk, req->op);
	/* An unknown op goes out with no fields: the peer will refuse it. */
	zk_proto_pack_fields(&pk, d != NULL ? d->fields : 0, req);
	frame_end(out, at);
}

void
zk_proto_encode_reply(struct zk_buf *out, const struct zk_reply *rep)
{
	const struct zk_stat	*st = &rep->stat;
	msgpack_packer		 pk;
	size_t			 at, hint, i, n;

	hint = 128 + (rep->has_data ? rep->data_len : 0) +
	    (rep->path ? strlen(rep->path) : 0);
	at = frame_begin(out, hint);
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
		packstr(&pk, rep->path);
	}
	if (rep->has_data) {
		KEY(&pk, "d");
		packbin(&pk, rep->data, rep->data_len);
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
			packstr(&pk, rep->children[i]);
	}
	if (rep->has_session) {
		KEY(&pk, "sid");
		msgpack_pack_int64(&pk, rep->session_id);
		KEY(&pk, "to");
		msgpack_pack_int32(&pk, rep->timeout_ms);
		KEY(&pk, "pw");
		packbin(&pk, rep->passwd, ZK_PASSWD_LEN);
	}
	if (rep->xid == ZK_XID_EVENT) {
		KEY(&pk, "t");
		msgpack_pack_int(&pk, rep->event_type);
	}
	if (rep->status_json != NULL) {
		KEY(&pk, "j");
		packstr(&pk, rep->status_json);
	}
	frame_end(out, at);
}

/* Decoding: the raw pass */

/* Big-endian unsigned of n (1, 2, 4 or 8) bytes. */
static uint64_t
load_be(const unsigned char *p, int n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * Walks p[0..len) as msgpack and checks that it is one complete value,
 * nested at most MAX_DEPTH deep, of at most max_values values, with
 * nothing after it. Every header's claimed length is checked against the
 * bytes left before it is believed. Returns ZK_OK or ZK_EMARSHALLING.
 */
static int
scan(const unsigned char *p, size_t len, size_t max_values, const char *what,
    struct zk_error *e)
{
	uint64_t	 left[MAX_DEPTH + 1];	/* values still due per level */
	uint64_t	 need, count;
	size_t		 pos = 0, values = 0;
	int		 depth = 0, lenbytes;
	unsigned char	 b;

	if (len == 0)
		return zk_error_set(e, ZK_EMARSHALLING, "%s is empty", what);
	left[0] = 1;
	while (depth >= 0) {
		if (left[depth] == 0) {
			depth--;
			continue;
		}
		left[depth]--;
		if (pos >= len)
			goto truncated;
		if (++values > max_values)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s holds more than %zu values", what, max_values);
		b = p[pos];
		count = 0;		/* elements of a container */
		need = 1;		/* bytes of a scalar, header included */
		lenbytes = 0;		/* a length field after the type byte */
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			/* fixint, nil, bool */
		} else if (b <= 0x8f) {
			count = 2 * (uint64_t)(b & 0x0f);
		} else if (b <= 0x9f) {
			count = b & 0x0f;
		} else if (b <= 0xbf) {
			need = 1 + (uint64_t)(b & 0x1f);
		} else {
			switch (b) {
			/* bin and str 8, 16, 32: a length, then the bytes */
			case 0xc4: case 0xd9:	lenbytes = 1; break;
			case 0xc5: case 0xda:	lenbytes = 2; break;
			case 0xc6: case 0xdb:	lenbytes = 4; break;
			/* ext 8, 16, 32: a length, a type byte, the bytes */
			case 0xc7:		lenbytes = 1; need = 2; break;
			case 0xc8:		lenbytes = 2; need = 2; break;
			case 0xc9:		lenbytes = 4; need = 2; break;
			/* float 32, 64; uint and int 8, 16, 32, 64 */
			case 0xca:		need = 5; break;
			case 0xcb:		need = 9; break;
			case 0xcc: case 0xd0:	need = 2; break;
			case 0xcd: case 0xd1:	need = 3; break;
			case 0xce: case 0xd2:	need = 5; break;
			case 0xcf: case 0xd3:	need = 9; break;
			/* fixext 1, 2, 4, 8, 16: a type byte, the bytes */
			case 0xd4:		need = 3; break;
			case 0xd5:		need = 4; break;
			case 0xd6:		need = 6; break;
			case 0xd7:		need = 10; break;
			case 0xd8:		need = 18; break;
			/* array 16, 32; map 16, 32: a count of elements */
			case 0xdc: case 0xde:	lenbytes = 2; break;
			case 0xdd: case 0xdf:	lenbytes = 4; break;
			default:
				return zk_error_set(e, ZK_EMARSHALLING,
				    "%s holds the invalid msgpack byte 0x%02x",
				    what, b);
			}
			if (lenbytes > 0) {
				if (len - pos < 1 + (size_t)lenbytes)
					goto truncated;
				count = load_be(p + pos + 1, lenbytes);
				if (b >= 0xdc) {
					if (b >= 0xde)
						count *= 2;
					need = 1 + lenbytes;
				} else {
					need += lenbytes + count;
					count = 0;
				}
			}
		}
		if (need > len - pos)
			goto truncated;
		pos += need;
		if (count > 0) {
			/* Each element takes a byte at least. */
			if (count > len - pos)
				goto truncated;
			if (depth == MAX_DEPTH)
				return zk_error_set(e, ZK_EMARSHALLING,
				    "%s is nested more than %d deep", what,
				    MAX_DEPTH);
			left[++depth] = count;
		}
	}
	if (pos != len)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s has %zu bytes after its end", what, len - pos);
	return ZK_OK;

truncated:
	return zk_error_set(e, ZK_EMARSHALLING, "%s is truncated", what);
}

int
zk_proto_unpack(msgpack_unpacked *u, const char *buf, size_t len,
    size_t max_values, const char *what, struct zk_error *e)
{
	size_t	 off = 0;
	int	 rc;

	if ((rc = scan((const unsigned char *)buf, len, max_values, what,
	    e)) != ZK_OK)
		return rc;
	if (msgpack_unpack_next(u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != len)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s is not valid msgpack", what);
	return ZK_OK;
}

/* Decoding: the object walkers */

int
zk_proto_int(const msgpack_object *o, int64_t min, int64_t max,
    const char *what, int64_t *v, struct zk_error *e)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (max >= 0 && o->via.u64 <= (uint64_t)max &&
		    (int64_t)o->via.u64 >= min) {
			*v = (int64_t)o->via.u64;
			return ZK_OK;
		}
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		if (o->via.i64 >= min && o->via.i64 <= max) {
			*v = o->via.i64;
			return ZK_OK;
		}
	} else
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s is not an integer", what);
	return zk_error_set(e, ZK_EMARSHALLING, "%s is out of range", what);
}

/* A field's integer in [min, max], with "what: field" in the message. */
static int
fieldint(const msgpack_object *o, int64_t min, int64_t max, const char *what,
    unsigned f, int64_t *v, struct zk_error *e)
{
	int	 rc;

	if ((rc = zk_proto_int(o, min, max, "", v, NULL)) == ZK_OK)
		return ZK_OK;
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the %s is not an integer", what, fieldname(f));
	return zk_error_set(e, ZK_EMARSHALLING, "%s: the %s is out of range",
	    what, fieldname(f));
}

/* A str without NUL bytes, as a new NUL-terminated copy (proto.h (2)). */
static int
getstr(const msgpack_object *o, const char *what, const char *name,
    char **out, struct zk_error *e)
{
	uint32_t	 n = o->via.str.size;
	char		*s;

	if (o->type != MSGPACK_OBJECT_STR)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the %s is not a string", what, name);
	if (n > 0 && memchr(o->via.str.ptr, '\0', n) != NULL)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the %s holds a NUL byte", what, name);
	s = zk_xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(s, o->via.str.ptr, n);
	s[n] = '\0';
	*out = s;
	return ZK_OK;
}

/*
 * Data as a new copy. Bin is what we send; str is taken too, so that a
 * client in a language whose msgpack library packs byte strings as str
 * can still write data.
 */
static int
getdata(const msgpack_object *o, const char *what, size_t max, char **out,
    size_t *len, struct zk_error *e)
{
	const char	*p;
	size_t		 n;

	if (o->type == MSGPACK_OBJECT_BIN) {
		p = o->via.bin.ptr;
		n = o->via.bin.size;
	} else if (o->type == MSGPACK_OBJECT_STR) {
		p = o->via.str.ptr;
		n = o->via.str.size;
	} else
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the data is not binary", what);
	if (n > max)
		return zk_error_set(e, ZK_ETOOBIG,
		    "data is %zu bytes, over the limit of %zu", n, max);
	*out = zk_xmemdup(p, n);
	*len = n;
	return ZK_OK;
}

static int
getpasswd(const msgpack_object *o, const char *what,
    unsigned char pw[ZK_PASSWD_LEN], struct zk_error *e)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != ZK_PASSWD_LEN)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the password is not %d bytes of binary", what,
		    ZK_PASSWD_LEN);
	memcpy(pw, o->via.bin.ptr, ZK_PASSWD_LEN);
	return ZK_OK;
}

/* The first field of a set, for "lacks" and "twice" messages. */
static unsigned
lowbit(unsigned set)
{
	return set & -set;
}

int
zk_proto_decode_fields(const msgpack_object *map, unsigned mask,
    unsigned required, size_t max_data, const char *what,
    struct zk_request *req, struct zk_error *e)
{
	const msgpack_object_kv	*kv;
	const msgpack_object	*o;
	unsigned		 f, seen = 0;
	uint32_t		 i;
	int64_t			 v = 0;
	int			 rc = ZK_OK;

	req->version = -1;
	if (map->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the fields are not a map", what);
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		o = &kv->val;
		f = fieldkey(&kv->key);
		if (f == F_BADKEY)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s: a field name is not a string", what);
		if ((f & mask) == 0)
			continue;	/* unknown or unused: for newer peers */
		if (seen & f)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s: the %s is there twice", what, fieldname(f));
		seen |= f;
		switch (f) {
		case ZK_FIELD_PATH:
			rc = getstr(o, what, "path", &req->path, e);
			break;
		case ZK_FIELD_DATA:
			rc = getdata(o, what, max_data, &req->data,
			    &req->data_len, e);
			req->has_data = rc == ZK_OK;
			break;
		case ZK_FIELD_VERSION:
			rc = fieldint(o, INT32_MIN, INT32_MAX, what, f, &v, e);
			req->version = (int32_t)v;
			break;
		case ZK_FIELD_FLAGS:
			rc = fieldint(o, 0, INT32_MAX, what, f, &v, e);
			req->flags = (int)v;
			break;
		case ZK_FIELD_WATCH:
			if (o->type != MSGPACK_OBJECT_BOOLEAN)
				return zk_error_set(e, ZK_EMARSHALLING,
				    "%s: the watch is not a boolean", what);
			req->watch = o->via.boolean;
			break;
		case ZK_FIELD_SESSION:
			rc = fieldint(o, INT64_MIN, INT64_MAX, what, f,
			    &req->session_id, e);
			break;
		case ZK_FIELD_TIMEOUT:
			rc = fieldint(o, 0, INT32_MAX, what, f, &v, e);
			req->timeout_ms = (int32_t)v;
			break;
		case ZK_FIELD_PASSWD:
			rc = getpasswd(o, what, req->passwd, e);
			break;
		case ZK_FIELD_LAST_ZXID:
			rc = fieldint(o, INT64_MIN, INT64_MAX, what, f,
			    &req->last_zxid, e);
			break;
		}
		if (rc != ZK_OK)
			return rc;
	}
	if (required & ~seen)
		return zk_error_set(e, ZK_EMARSHALLING, "%s has no %s", what,
		    fieldname(lowbit(required & ~seen)));
	return ZK_OK;
}

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
	rc = zk_proto_unpack(&u, buf, len, REQ_MAX_VALUES, "request", e);
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
	if ((rc = zk_proto_int(&a[0], INT64_MIN, INT64_MAX, "request xid",
	    &req->xid, e)) != ZK_OK)
		goto out;
	if (a[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    a[1].via.u64 > INT64_MAX) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown message type %" PRIu64, a[1].via.u64);
		goto out;
	}
	if ((rc = zk_proto_int(&a[1], INT64_MIN, INT64_MAX, "request type",
	    &op, e)) != ZK_OK)
		goto out;
	if ((d = findop(op)) == NULL) {
		rc = zk_error_set(e, ZK_EUNIMPLEMENTED,
		    "unknown message type %" PRId64, op);
		goto out;
	}
	req->op = d->op;
	rc = zk_proto_decode_fields(&a[2], d->fields, d->required, max_data,
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
			rc = fieldint(&a[i], INT32_MIN, INT32_MAX, "reply",
			    F_STAT, &v[i], e);
		else
			rc = fieldint(&a[i], INT64_MIN, INT64_MAX, "reply",
			    F_STAT, &v[i], e);
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
		if ((rc = getstr(&o->via.array.ptr[i], "reply", "child name",
		    &rep->children[i], e)) != ZK_OK)
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
		if ((f = fieldkey(&kv->key)) == F_BADKEY)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: a field name is not a string");
		if (seen & f)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "reply: the %s is there twice", fieldname(f));
		seen |= f;
		switch (f) {
		case ZK_FIELD_PATH:
			rc = getstr(o, "reply", "path", &rep->path, e);
			break;
		case ZK_FIELD_DATA:
			rc = getdata(o, "reply", SIZE_MAX, &rep->data,
			    &rep->data_len, e);
			rep->has_data = rc == ZK_OK;
			break;
		case F_STAT:
			rc = getstat(o, &rep->stat, e);
			rep->has_stat = rc == ZK_OK;
			break;
		case F_CHILDREN:
			rc = getchildren(o, rep, e);
			break;
		case ZK_FIELD_SESSION:
			rc = fieldint(o, INT64_MIN, INT64_MAX, "reply", f,
			    &rep->session_id, e);
			rep->has_session = 1;
			break;
		case ZK_FIELD_TIMEOUT:
			rc = fieldint(o, 0, INT32_MAX, "reply", f, &v, e);
			rep->timeout_ms = (int32_t)v;
			rep->has_session = 1;
			break;
		case ZK_FIELD_PASSWD:
			rc = getpasswd(o, "reply", rep->passwd, e);
			rep->has_session = 1;
			break;
		case F_EVENT:
			rc = fieldint(o, INT32_MIN, INT32_MAX, "reply", f, &v,
			    e);
			rep->event_type = (int)v;
			break;
		case F_STATUS:
			rc = getstr(o, "reply", "status", &rep->status_json, e);
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
	rc = zk_proto_unpack(&u, buf, len, SIZE_MAX, "reply", e);
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
	if ((rc = zk_proto_int(&a[0], INT64_MIN, INT64_MAX, "reply xid",
	    &rep->xid, e)) != ZK_OK ||
	    (rc = zk_proto_int(&a[1], INT64_MIN, INT64_MAX, "reply zxid",
	    &rep->zxid, e)) != ZK_OK ||
	    (rc = zk_proto_int(&a[2], INT32_MIN, INT32_MAX, "reply error code",
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
