/*
 * Named fields and the checked unpacking under every decoder of ours
 * (the keys and the rules in fields.h; proto.c and txn.c build on it).
 *
 * Decoding runs two passes over the bytes. zk_fields_scan() first walks the raw
 * msgpack without building anything, because msgpack-c allocates room
 * for a container's claimed size before it reads a single element: five
 * bytes could ask it for 100 GiB. Only input that the scan has seen to be
 * one complete value reaches msgpack_unpack_next, which then builds the
 * object tree in one zone (a few dozen objects for a request); the
 * getters below check every object's type against what the field allows,
 * and copy out what the struct keeps before the zone goes.
 *
 * Invariants (fields.h's (1)-(4), and):
 *  (5) The object tree is never indexed past a size it states.
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

#define MAX_DEPTH	16	/* nesting the scan passes; msgpack-c takes 32 */

/* Plain words for a field, for error messages. */
const char *
zk_fields_name(unsigned f)
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
	case ZK_FIELD_MODE:		return "mode";
	case ZK_FIELD_WANT_DATA:	return "want-data flag";
	case ZK_FIELD_SINCE_ZXID:	return "since zxid";
	case ZK_FIELD_SINCE_INDEX:	return "since index";
	case ZK_FIELD_DATA_WATCHES:	return "data watch list";
	case ZK_FIELD_EXIST_WATCHES:	return "exists watch list";
	case ZK_FIELD_CHILD_WATCHES:	return "child watch list";
	case ZK_FIELD_STAT:		return "stat";
	case ZK_FIELD_CHILDREN:		return "children";
	case ZK_FIELD_EVENT:		return "event type";
	case ZK_FIELD_STATUS:		return "status";
	case ZK_FIELD_INDEX:		return "event index";
	case ZK_FIELD_RESULTS:		return "result list";
	case ZK_FIELD_FAIL_INDEX:	return "failed op index";
	case ZK_FIELD_ERR:		return "error code";
	}
	return "field";
}

/* The bit of a field key; 0 for a key we do not know (skipped). */
unsigned
zk_fields_key(const msgpack_object *k)
{
	const char	*s = k->via.str.ptr;

	if (k->type != MSGPACK_OBJECT_STR)
		return ZK_FIELD_BADKEY;
	switch (k->via.str.size) {
	case 1:
		switch (s[0]) {
		case 'p':	return ZK_FIELD_PATH;
		case 'd':	return ZK_FIELD_DATA;
		case 'v':	return ZK_FIELD_VERSION;
		case 'f':	return ZK_FIELD_FLAGS;
		case 'w':	return ZK_FIELD_WATCH;
		case 's':	return ZK_FIELD_STAT;
		case 'c':	return ZK_FIELD_CHILDREN;
		case 't':	return ZK_FIELD_EVENT;
		case 'j':	return ZK_FIELD_STATUS;
		case 'm':	return ZK_FIELD_MODE;
		case 'i':	return ZK_FIELD_INDEX;
		case 'r':	return ZK_FIELD_RESULTS;
		case 'x':	return ZK_FIELD_FAIL_INDEX;
		case 'e':	return ZK_FIELD_ERR;
		}
		break;
	case 2:
		if (s[0] == 't' && s[1] == 'o')
			return ZK_FIELD_TIMEOUT;
		if (s[0] == 'p' && s[1] == 'w')
			return ZK_FIELD_PASSWD;
		if (s[0] == 'l' && s[1] == 'z')
			return ZK_FIELD_LAST_ZXID;
		if (s[0] == 'w' && s[1] == 'd')
			return ZK_FIELD_WANT_DATA;
		if (s[0] == 's' && s[1] == 'z')
			return ZK_FIELD_SINCE_ZXID;
		if (s[0] == 's' && s[1] == 'i')
			return ZK_FIELD_SINCE_INDEX;
		if (s[0] == 'd' && s[1] == 'w')
			return ZK_FIELD_DATA_WATCHES;
		if (s[0] == 'e' && s[1] == 'w')
			return ZK_FIELD_EXIST_WATCHES;
		if (s[0] == 'c' && s[1] == 'w')
			return ZK_FIELD_CHILD_WATCHES;
		break;
	case 3:
		if (memcmp(s, "sid", 3) == 0)
			return ZK_FIELD_SESSION;
		break;
	}
	return 0;
}

/* Encoding */

void
zk_fields_pack_key(msgpack_packer *pk, const char *k, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, k, n);
}
#define KEY(pk, k)	zk_fields_pack_key((pk), (k), sizeof(k) - 1)

void
zk_fields_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	 n = strlen(s);

	msgpack_pack_str(pk, n);
	if (n > 0)
		msgpack_pack_str_body(pk, s, n);
}

void
zk_fields_pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	if (n > 0)
		msgpack_pack_bin_body(pk, p, n);
}

static void
packpaths(msgpack_packer *pk, char *const *paths, size_t n)
{
	size_t	 i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		zk_fields_pack_str(pk, paths[i]);
}

void
zk_fields_pack_stat(msgpack_packer *pk, const struct zk_stat *st)
{
	msgpack_pack_array(pk, 11);
	msgpack_pack_int64(pk, st->czxid);
	msgpack_pack_int64(pk, st->mzxid);
	msgpack_pack_int64(pk, st->pzxid);
	msgpack_pack_int64(pk, st->ctime);
	msgpack_pack_int64(pk, st->mtime);
	msgpack_pack_int32(pk, st->version);
	msgpack_pack_int32(pk, st->cversion);
	msgpack_pack_int32(pk, st->aversion);
	msgpack_pack_int64(pk, st->ephemeral_owner);
	msgpack_pack_int32(pk, st->data_length);
	msgpack_pack_int32(pk, st->num_children);
}

void
zk_fields_pack(msgpack_packer *pk, unsigned mask,
    const struct zk_request *req)
{
	zk_fields_pack_extra(pk, mask, req, 0);
}

void
zk_fields_pack_extra(msgpack_packer *pk, unsigned mask,
    const struct zk_request *req, size_t extra)
{
	if (req->path == NULL)
		mask &= ~ZK_FIELD_PATH;
	if (!req->has_since)
		mask &= ~(ZK_FIELD_SINCE_ZXID | ZK_FIELD_SINCE_INDEX);
	if (req->ndata_watches == 0)
		mask &= ~ZK_FIELD_DATA_WATCHES;
	if (req->nexist_watches == 0)
		mask &= ~ZK_FIELD_EXIST_WATCHES;
	if (req->nchild_watches == 0)
		mask &= ~ZK_FIELD_CHILD_WATCHES;
	msgpack_pack_map(pk, __builtin_popcount(mask) + extra);
	if (mask & ZK_FIELD_PATH) {
		KEY(pk, "p");
		zk_fields_pack_str(pk, req->path);
	}
	if (mask & ZK_FIELD_DATA) {
		KEY(pk, "d");
		zk_fields_pack_bin(pk, req->data, req->data_len);
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
		zk_fields_pack_bin(pk, req->passwd, ZK_PASSWD_LEN);
	}
	if (mask & ZK_FIELD_LAST_ZXID) {
		KEY(pk, "lz");
		msgpack_pack_int64(pk, req->last_zxid);
	}
	if (mask & ZK_FIELD_MODE) {
		KEY(pk, "m");
		msgpack_pack_int(pk, req->watch_mode);
	}
	if (mask & ZK_FIELD_WANT_DATA) {
		KEY(pk, "wd");
		if (req->want_data)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
	}
	if (mask & ZK_FIELD_SINCE_ZXID) {
		KEY(pk, "sz");
		msgpack_pack_int64(pk, req->since_zxid);
	}
	if (mask & ZK_FIELD_SINCE_INDEX) {
		KEY(pk, "si");
		msgpack_pack_int32(pk, req->since_index);
	}
	if (mask & ZK_FIELD_DATA_WATCHES) {
		KEY(pk, "dw");
		packpaths(pk, req->data_watches, req->ndata_watches);
	}
	if (mask & ZK_FIELD_EXIST_WATCHES) {
		KEY(pk, "ew");
		packpaths(pk, req->exist_watches, req->nexist_watches);
	}
	if (mask & ZK_FIELD_CHILD_WATCHES) {
		KEY(pk, "cw");
		packpaths(pk, req->child_watches, req->nchild_watches);
	}
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
 * Walks the msgpack value at the start of p[0..len): one complete value,
 * nested at most MAX_DEPTH deep, of at most max_values values; *vlen is
 * its length in bytes. Every header's claimed length is checked against
 * the bytes left before it is believed. Returns ZK_OK or ZK_EMARSHALLING.
 */
int
zk_fields_scan(const void *buf, size_t len, size_t max_values,
    const char *what, size_t *vlen, struct zk_error *e)
{
	const unsigned char *p = buf;
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
	*vlen = pos;
	return ZK_OK;

truncated:
	return zk_error_set(e, ZK_EMARSHALLING, "%s is truncated", what);
}

int
zk_fields_unpack(msgpack_unpacked *u, const char *buf, size_t len,
    size_t max_values, const char *what, struct zk_error *e)
{
	size_t	 off = 0, vlen;
	int	 rc;

	if ((rc = zk_fields_scan(buf, len, max_values, what, &vlen,
	    e)) != ZK_OK)
		return rc;
	if (vlen != len)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s has %zu bytes after its end", what, len - vlen);
	if (msgpack_unpack_next(u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != len)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s is not valid msgpack", what);
	return ZK_OK;
}

/* Decoding: the object walkers */

int
zk_fields_int(const msgpack_object *o, int64_t min, int64_t max,
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

int
zk_fields_code(const msgpack_object *o, const char *what,
    const char *unknown, int64_t *code, struct zk_error *e)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		/* Beyond INT64_MAX it must not wrap onto a negative code. */
		if (o->via.u64 > INT64_MAX)
			return zk_error_set(e, ZK_EUNIMPLEMENTED, "%s %" PRIu64,
			    unknown, o->via.u64);
		*code = (int64_t)o->via.u64;
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*code = o->via.i64;
	else
		return zk_error_set(e, ZK_EMARSHALLING, "%s is not an integer",
		    what);
	return ZK_OK;
}

/* A field's integer in [min, max], with "what: field" in the message. */
int
zk_fields_get_int(const msgpack_object *o, int64_t min, int64_t max,
    const char *what, unsigned f, int64_t *v, struct zk_error *e)
{
	int	 rc;

	if ((rc = zk_fields_int(o, min, max, "", v, NULL)) == ZK_OK)
		return ZK_OK;
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the %s is not an integer", what, zk_fields_name(f));
	return zk_error_set(e, ZK_EMARSHALLING, "%s: the %s is out of range",
	    what, zk_fields_name(f));
}

/* A str without NUL bytes, as a new NUL-terminated copy (fields.h (3)). */
int
zk_fields_get_str(const msgpack_object *o, const char *what,
    const char *name, char **out, struct zk_error *e)
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
int
zk_fields_get_data(const msgpack_object *o, const char *what, size_t max,
    char **out, size_t *len, struct zk_error *e)
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

int
zk_fields_get_passwd(const msgpack_object *o, const char *what,
    unsigned char pw[ZK_PASSWD_LEN], struct zk_error *e)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != ZK_PASSWD_LEN)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the password is not %d bytes of binary", what,
		    ZK_PASSWD_LEN);
	memcpy(pw, o->via.bin.ptr, ZK_PASSWD_LEN);
	return ZK_OK;
}

int
zk_fields_lookup(const msgpack_object *map, const char *k, const char *what,
    const char *name, const msgpack_object **v, struct zk_error *e)
{
	const msgpack_object_kv	*kv;
	size_t			 n = strlen(k);
	uint32_t		 i;

	*v = NULL;
	if (map->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the fields are not a map", what);
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->key.via.str.size != n ||
		    memcmp(kv->key.via.str.ptr, k, n) != 0)
			continue;
		if (*v != NULL) {
			*v = NULL;
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s: the %s is there twice", what, name);
		}
		*v = &kv->val;
	}
	return ZK_OK;
}

/*
 * An array of paths as new copies; empty is NULL and 0. *n counts the
 * slots as soon as they exist, so that zk_request_close frees what a
 * failure half way leaves.
 */
static int
getpaths(const msgpack_object *o, const char *what, unsigned f,
    char ***out, size_t *n, struct zk_error *e)
{
	uint32_t	 i;
	int		 rc;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the %s is not an array", what, zk_fields_name(f));
	if (o->via.array.size == 0)
		return ZK_OK;
	*out = zk_xcalloc(o->via.array.size, sizeof(char *));
	*n = o->via.array.size;
	for (i = 0; i < o->via.array.size; i++)
		if ((rc = zk_fields_get_str(&o->via.array.ptr[i], what,
		    "watch path", &(*out)[i], e)) != ZK_OK)
			return rc;
	return ZK_OK;
}

/* An array of the 11 stat fields, in struct zk_stat's order. */
int
zk_fields_get_stat(const msgpack_object *o, const char *what,
    struct zk_stat *st, struct zk_error *e)
{
	const msgpack_object	*a;
	int64_t			 v[11];
	int			 i, rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 11)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the stat is not an array of 11 integers", what);
	a = o->via.array.ptr;
	for (i = 0; i < 11; i++) {
		/* version, cversion, aversion, dataLength, numChildren */
		if (i == 5 || i == 6 || i == 7 || i == 9 || i == 10)
			rc = zk_fields_get_int(&a[i], INT32_MIN, INT32_MAX,
			    what, ZK_FIELD_STAT, &v[i], e);
		else
			rc = zk_fields_get_int(&a[i], INT64_MIN, INT64_MAX,
			    what, ZK_FIELD_STAT, &v[i], e);
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

/* The first field of a set, for "lacks" and "twice" messages. */
static unsigned
lowbit(unsigned set)
{
	return set & -set;
}

int
zk_fields_decode(const msgpack_object *map, unsigned mask,
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
	if (mask & ZK_FIELD_MODE)
		req->watch_mode = ZK_WATCH_ANY;
	if (mask & ZK_FIELD_SINCE_INDEX)
		req->since_index = ZK_EVINDEX_ALL;
	if (map->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EMARSHALLING,
		    "%s: the fields are not a map", what);
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		o = &kv->val;
		f = zk_fields_key(&kv->key);
		if (f == ZK_FIELD_BADKEY)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s: a field name is not a string", what);
		if ((f & mask) == 0)
			continue;	/* unknown or unused: for newer peers */
		if (seen & f)
			return zk_error_set(e, ZK_EMARSHALLING,
			    "%s: the %s is there twice", what,
			    zk_fields_name(f));
		seen |= f;
		switch (f) {
		case ZK_FIELD_PATH:
			rc = zk_fields_get_str(o, what, "path", &req->path, e);
			break;
		case ZK_FIELD_DATA:
			rc = zk_fields_get_data(o, what, max_data, &req->data,
			    &req->data_len, e);
			req->has_data = rc == ZK_OK;
			break;
		case ZK_FIELD_VERSION:
			rc = zk_fields_get_int(o, INT32_MIN, INT32_MAX, what,
			    f, &v, e);
			req->version = (int32_t)v;
			break;
		case ZK_FIELD_FLAGS:
			rc = zk_fields_get_int(o, 0, INT32_MAX, what, f, &v, e);
			req->flags = (int)v;
			break;
		case ZK_FIELD_WATCH:
		case ZK_FIELD_WANT_DATA:
			if (o->type != MSGPACK_OBJECT_BOOLEAN)
				return zk_error_set(e, ZK_EMARSHALLING,
				    "%s: the %s is not a boolean", what,
				    zk_fields_name(f));
			if (f == ZK_FIELD_WATCH)
				req->watch = o->via.boolean;
			else
				req->want_data = o->via.boolean;
			break;
		case ZK_FIELD_SESSION:
			rc = zk_fields_get_int(o, INT64_MIN, INT64_MAX, what, f,
			    &req->session_id, e);
			break;
		case ZK_FIELD_TIMEOUT:
			rc = zk_fields_get_int(o, 0, INT32_MAX, what, f, &v, e);
			req->timeout_ms = (int32_t)v;
			break;
		case ZK_FIELD_PASSWD:
			rc = zk_fields_get_passwd(o, what, req->passwd, e);
			break;
		case ZK_FIELD_LAST_ZXID:
			rc = zk_fields_get_int(o, INT64_MIN, INT64_MAX, what, f,
			    &req->last_zxid, e);
			break;
		case ZK_FIELD_MODE:
			rc = zk_fields_get_int(o, 0, ZK_WATCH_ANY, what, f, &v,
			    e);
			req->watch_mode = (int)v;
			break;
		case ZK_FIELD_SINCE_ZXID:
			rc = zk_fields_get_int(o, 0, INT64_MAX, what, f,
			    &req->since_zxid, e);
			req->has_since = rc == ZK_OK;
			break;
		case ZK_FIELD_SINCE_INDEX:
			rc = zk_fields_get_int(o, INT32_MIN, INT32_MAX, what,
			    f, &v, e);
			req->since_index = (int32_t)v;
			break;
		case ZK_FIELD_DATA_WATCHES:
			rc = getpaths(o, what, f, &req->data_watches,
			    &req->ndata_watches, e);
			break;
		case ZK_FIELD_EXIST_WATCHES:
			rc = getpaths(o, what, f, &req->exist_watches,
			    &req->nexist_watches, e);
			break;
		case ZK_FIELD_CHILD_WATCHES:
			rc = getpaths(o, what, f, &req->child_watches,
			    &req->nchild_watches, e);
			break;
		}
		if (rc != ZK_OK)
			return rc;
	}
	if (required & ~seen)
		return zk_error_set(e, ZK_EMARSHALLING, "%s has no %s", what,
		    zk_fields_name(lowbit(required & ~seen)));
	return ZK_OK;
}
