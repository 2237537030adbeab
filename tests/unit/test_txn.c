/*
 * Unit tests for lib/txn.c: every transaction type round trips, and a
 * damaged record is an error value, never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "error.h"
#include "proto.h"
#include "txn.h"
#include "util.h"
#include "test.h"

static const unsigned char PW[ZK_PASSWD_LEN] = {
	0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xfe, 0xff
};

static int
is_zero(const void *p, size_t n)
{
	const unsigned char	*c = p;

	while (n-- > 0)
		if (*c++ != 0)
			return 0;
	return 1;
}

/* A txn of each type with every field of its type set. */
static void
sample(struct zk_txn *t, int type)
{
	memset(t, 0, sizeof(*t));
	t->zxid = ZK_ZXID(7, 12345);
	t->time_ms = 1700000000123LL;
	t->session_id = 0x0102030405060708LL;
	t->type = type;
	switch (type) {
	case ZK_TXN_CREATE:
		t->path = "/app/lock-0000000001";
		t->data = "a\0b";
		t->data_len = 3;
		t->flags = ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL;
		break;
	case ZK_TXN_DELETE:
		t->path = "/app/x";
		t->version = 17;
		break;
	case ZK_TXN_SETDATA:
		t->path = "/app/cfg";
		t->data = "new value";
		t->data_len = 9;
		t->version = -1;
		break;
	case ZK_TXN_CREATE_SESSION:
		t->timeout_ms = 6000;
		memcpy(t->passwd, PW, ZK_PASSWD_LEN);
		break;
	case ZK_TXN_CHECK:
		t->path = "/app/cfg";
		t->version = 4;
		break;
	case ZK_TXN_DELETE_CONTAINER:
		t->path = "/app/locks";
		break;
	}
}

/* txn (1): every type comes back with each field it carries, others zero. */
static void
test_roundtrip_every_type(void)
{
	static const int	 types[] = { ZK_TXN_CREATE, ZK_TXN_DELETE,
	    ZK_TXN_SETDATA, ZK_TXN_CREATE_SESSION, ZK_TXN_CLOSE_SESSION,
	    ZK_TXN_DELETE_CONTAINER };
	struct zk_txn		 in, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	size_t			 i;
	int			 type, haspath, hasdata;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		type = types[i];
		sample(&in, type);
		zk_buf_init(&b);
		zk_txn_encode(&b, &in);
		ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_OK);
		zk_buf_close(&b);
		haspath = type == ZK_TXN_CREATE || type == ZK_TXN_DELETE ||
		    type == ZK_TXN_SETDATA || type == ZK_TXN_DELETE_CONTAINER;
		hasdata = type == ZK_TXN_CREATE || type == ZK_TXN_SETDATA;
		ZK_ASSERT_EQ(out.zxid, in.zxid);
		ZK_ASSERT_EQ(out.time_ms, in.time_ms);
		ZK_ASSERT_EQ(out.session_id, in.session_id);
		ZK_ASSERT_EQ(out.type, type);
		if (haspath)
			ZK_ASSERT_STR(out.path, in.path);
		else
			ZK_ASSERT(out.path == NULL);
		if (hasdata) {
			ZK_ASSERT_EQ(out.data_len, in.data_len);
			ZK_ASSERT_MEM(out.data, in.data, in.data_len);
		} else
			ZK_ASSERT(out.data == NULL && out.data_len == 0);
		ZK_ASSERT_EQ(out.version, type == ZK_TXN_DELETE ||
		    type == ZK_TXN_SETDATA ? in.version : -1);
		ZK_ASSERT_EQ(out.flags, in.flags);
		ZK_ASSERT_EQ(out.timeout_ms, in.timeout_ms);
		ZK_ASSERT_MEM(out.passwd, in.passwd, ZK_PASSWD_LEN);
		zk_txn_close(&out);
		ZK_ASSERT(is_zero(&out, sizeof(out)));
	}
}

/* txn (1): a create with no data and extreme header values round trips. */
static void
test_roundtrip_edges(void)
{
	struct zk_txn	 in, out;
	struct zk_error	 e;
	struct zk_buf	 b;

	sample(&in, ZK_TXN_CREATE);
	in.zxid = INT64_MAX;
	in.time_ms = INT64_MIN;
	in.session_id = -1;
	in.data = NULL;
	in.data_len = 0;
	in.flags = ZK_CREATE_PARENTS;
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.zxid, INT64_MAX);
	ZK_ASSERT_EQ(out.time_ms, INT64_MIN);
	ZK_ASSERT_EQ(out.session_id, -1);
	ZK_ASSERT_EQ(out.data_len, 0);
	ZK_ASSERT_EQ(out.flags, ZK_CREATE_PARENTS);
	zk_txn_close(&out);
	zk_buf_close(&b);
}

/* txn.h: encode appends to what the buffer already holds. */
static void
test_encode_appends(void)
{
	struct zk_txn	 a, c, out;
	struct zk_error	 e;
	struct zk_buf	 b;
	size_t		 first;

	sample(&a, ZK_TXN_DELETE);
	sample(&c, ZK_TXN_CLOSE_SESSION);
	zk_buf_init(&b);
	zk_txn_encode(&b, &a);
	first = b.len;
	zk_txn_encode(&b, &c);
	ZK_ASSERT(b.len > first);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, first, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.type, ZK_TXN_DELETE);
	zk_txn_close(&out);
	ZK_ASSERT_EQ(zk_txn_decode(b.data + first, b.len - first, &out, &e),
	    ZK_OK);
	ZK_ASSERT_EQ(out.type, ZK_TXN_CLOSE_SESSION);
	zk_txn_close(&out);
	/* Both at once is one value with bytes after it. */
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_EMARSHALLING);
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	zk_buf_close(&b);
}

/* txn (2): a record cut short at any byte is an error, never a crash. */
static void
test_truncated_every_length(void)
{
	static const int	 types[] = { ZK_TXN_CREATE, ZK_TXN_SETDATA,
	    ZK_TXN_CREATE_SESSION };
	struct zk_txn		 in, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	size_t			 i, n;
	char			*cut;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		sample(&in, types[i]);
		zk_buf_init(&b);
		zk_txn_encode(&b, &in);
		for (n = 0; n < b.len; n++) {
			cut = zk_xmemdup(b.data, n);
			ZK_ASSERT_EQ(zk_txn_decode(cut, n, &out, &e),
			    ZK_EMARSHALLING);
			ZK_ASSERT(is_zero(&out, sizeof(out)));
			free(cut);
		}
		zk_buf_close(&b);
	}
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* txn (2): random bytes and damaged records decode or fail, never crash. */
static void
test_random_and_mutated(void)
{
	struct zk_txn	 in, out;
	struct zk_error	 e;
	struct zk_buf	 b;
	unsigned char	*p;
	size_t		 n, j;
	int		 i, rc, ok = 0;

	for (i = 0; i < 10000; i++) {
		n = rng() % 100;
		p = zk_xmalloc(n);
		for (j = 0; j < n; j++)
			p[j] = (unsigned char)rng();
		if (n > 0 && (i & 1))
			p[0] = 0x95;
		rc = zk_txn_decode((char *)p, n, &out, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING ||
		    rc == ZK_EUNIMPLEMENTED);
		if (rc == ZK_OK)
			zk_txn_close(&out);
		else
			ZK_ASSERT(is_zero(&out, sizeof(out)));
		free(p);
	}
	sample(&in, ZK_TXN_CREATE);
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	for (i = 0; i < 10000; i++) {
		p = zk_xmemdup(b.data, b.len);
		p[rng() % b.len] = (unsigned char)rng();
		rc = zk_txn_decode((char *)p, b.len, &out, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING ||
		    rc == ZK_EUNIMPLEMENTED);
		ok += rc == ZK_OK;
		zk_txn_close(&out);
		free(p);
	}
	ZK_ASSERT(ok > 0 && ok < 10000);
	zk_buf_close(&b);
}

/* A hand-made record [1, 2, 3, type, {k: <value>}]. */
struct raw {
	struct zk_buf	 b;
	msgpack_packer	 pk;
};

static msgpack_packer *
raw(struct raw *r, int type, int nfields)
{
	zk_buf_init(&r->b);
	msgpack_packer_init(&r->pk, &r->b, zk_buf_write);
	msgpack_pack_array(&r->pk, 5);
	msgpack_pack_int(&r->pk, 1);
	msgpack_pack_int(&r->pk, 2);
	msgpack_pack_int(&r->pk, 3);
	msgpack_pack_int(&r->pk, type);
	msgpack_pack_map(&r->pk, nfields);
	return &r->pk;
}

static void
key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

static int
decode_raw(struct raw *r, struct zk_error *e)
{
	struct zk_txn	 out;
	int		 rc;

	e->msg[0] = '\0';
	rc = zk_txn_decode(r->b.data, r->b.len, &out, e);
	if (rc == ZK_OK)
		zk_txn_close(&out);
	else if (!is_zero(&out, sizeof(out)))
		rc = 999;
	zk_buf_close(&r->b);
	return rc;
}

/* txn (2): each field with a value of the wrong type is refused. */
static void
test_wrong_types(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = raw(&r, ZK_TXN_DELETE, 1);
	key(pk, "p");
	msgpack_pack_bin_with_body(pk, "/x", 2);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "delete txn: the path is not a string");

	pk = raw(&r, ZK_TXN_SETDATA, 2);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/x", 2);
	key(pk, "d");
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);

	pk = raw(&r, ZK_TXN_SETDATA, 2);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/x", 2);
	key(pk, "v");
	msgpack_pack_int64(pk, INT64_MAX);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setData txn: the version is out of range");

	pk = raw(&r, ZK_TXN_CREATE, 2);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/x\0", 3);
	key(pk, "f");
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "create txn: the path holds a NUL byte");

	pk = raw(&r, ZK_TXN_CREATE_SESSION, 2);
	key(pk, "to");
	msgpack_pack_str_with_body(pk, "5", 1);
	key(pk, "pw");
	msgpack_pack_bin_with_body(pk, PW, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);

	pk = raw(&r, ZK_TXN_CREATE_SESSION, 2);
	key(pk, "to");
	msgpack_pack_int(pk, 5);
	key(pk, "pw");
	msgpack_pack_str_with_body(pk, PW, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);

	/* header: zxid a string; then four elements only */
	zk_buf_init(&r.b);
	msgpack_packer_init(&r.pk, &r.b, zk_buf_write);
	msgpack_pack_array(&r.pk, 5);
	msgpack_pack_str_with_body(&r.pk, "1", 1);
	msgpack_pack_int(&r.pk, 2);
	msgpack_pack_int(&r.pk, 3);
	msgpack_pack_int(&r.pk, ZK_TXN_CLOSE_SESSION);
	msgpack_pack_map(&r.pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "txn zxid is not an integer");

	zk_buf_init(&r.b);
	msgpack_packer_init(&r.pk, &r.b, zk_buf_write);
	msgpack_pack_array(&r.pk, 4);
	msgpack_pack_int(&r.pk, 1);
	msgpack_pack_int(&r.pk, 2);
	msgpack_pack_int(&r.pk, 3);
	msgpack_pack_int(&r.pk, ZK_TXN_CLOSE_SESSION);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "txn has 4 elements, not 5");

	pk = raw(&r, ZK_TXN_CLOSE_SESSION, 0);
	(void)pk;
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_OK);
}

/* txn (1): a txn lacking a field its effect needs is refused. */
static void
test_missing_fields(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = raw(&r, ZK_TXN_CREATE, 1);
	key(pk, "d");
	msgpack_pack_bin_with_body(pk, "x", 1);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "create txn has no path");

	pk = raw(&r, ZK_TXN_CREATE_SESSION, 1);
	key(pk, "to");
	msgpack_pack_int(pk, 5000);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "createSession txn has no password");

	/* A delete without a version means any version. */
	pk = raw(&r, ZK_TXN_DELETE, 1);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/d", 2);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_OK);
}

/* txn (2): an unknown type is ZK_EUNIMPLEMENTED, naming the number. */
static void
test_unknown_type(void)
{
	struct raw	 r;
	struct zk_error	 e;
	struct zk_txn	 in;
	struct zk_buf	 b;
	struct zk_txn	 out;

	raw(&r, ZK_OP_GETDATA, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "unknown txn type 4");

	sample(&in, 99);
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	zk_buf_close(&b);
}

/* A multi of check, create, setData and delete, with ops[4] filled. */
static void
sample_multi(struct zk_txn *t, struct zk_txn ops[4])
{
	sample(&ops[0], ZK_TXN_CHECK);
	sample(&ops[1], ZK_TXN_CREATE);
	sample(&ops[2], ZK_TXN_SETDATA);
	sample(&ops[3], ZK_TXN_DELETE);
	memset(t, 0, sizeof(*t));
	t->zxid = ZK_ZXID(9, 1);
	t->time_ms = 1700000000999LL;
	t->session_id = 77;
	t->type = ZK_TXN_MULTI;
	t->ops = ops;
	t->nops = 4;
}

/* txn (1), (3): a multi's ops come back whole, under the outer header. */
static void
test_multi_roundtrip(void)
{
	struct zk_txn	 ops[4], in, out;
	struct zk_error	 e;
	struct zk_buf	 b;
	size_t		 i;

	sample_multi(&in, ops);
	in.path = "/not-sent";		/* a multi's own fields are its ops */
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_OK);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(out.type, ZK_TXN_MULTI);
	ZK_ASSERT_EQ(out.zxid, in.zxid);
	ZK_ASSERT_EQ(out.time_ms, in.time_ms);
	ZK_ASSERT_EQ(out.session_id, in.session_id);
	ZK_ASSERT(out.path == NULL && out.data == NULL);
	ZK_ASSERT_EQ(out.nops, 4);
	for (i = 0; i < 4; i++) {
		/* sample() gave the ops a header of their own: not sent. */
		ZK_ASSERT_EQ(out.ops[i].zxid, in.zxid);
		ZK_ASSERT_EQ(out.ops[i].time_ms, in.time_ms);
		ZK_ASSERT_EQ(out.ops[i].session_id, in.session_id);
		ZK_ASSERT_EQ(out.ops[i].type, ops[i].type);
		ZK_ASSERT_STR(out.ops[i].path, ops[i].path);
		ZK_ASSERT(out.ops[i].ops == NULL && out.ops[i].nops == 0);
	}
	ZK_ASSERT_EQ(out.ops[0].version, 4);
	ZK_ASSERT(out.ops[0].data == NULL);
	ZK_ASSERT_EQ(out.ops[1].data_len, 3);
	ZK_ASSERT_MEM(out.ops[1].data, "a\0b", 3);
	ZK_ASSERT_EQ(out.ops[1].flags, ZK_CREATE_EPHEMERAL |
	    ZK_CREATE_SEQUENTIAL);
	ZK_ASSERT_EQ(out.ops[1].version, -1);
	ZK_ASSERT_EQ(out.ops[2].data_len, 9);
	ZK_ASSERT_MEM(out.ops[2].data, "new value", 9);
	ZK_ASSERT_EQ(out.ops[2].version, -1);
	ZK_ASSERT_EQ(out.ops[3].version, 17);
	ZK_ASSERT(out.ops[3].data == NULL);
	zk_txn_close(&out);
	ZK_ASSERT(is_zero(&out, sizeof(out)));

	/* The one-op multi, and the empty one (read as written). */
	in.nops = 1;
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.nops, 1);
	ZK_ASSERT_EQ(out.ops[0].type, ZK_TXN_CHECK);
	zk_txn_close(&out);
	zk_buf_close(&b);
	in.nops = 0;
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.type, ZK_TXN_MULTI);
	ZK_ASSERT_EQ(out.nops, 0);
	zk_txn_close(&out);
	zk_buf_close(&b);
}

/* txn (2): a multi cut short at any byte is an error, never a crash. */
static void
test_multi_truncated(void)
{
	struct zk_txn	 ops[4], in, out;
	struct zk_error	 e;
	struct zk_buf	 b;
	size_t		 n;
	char		*cut;

	sample_multi(&in, ops);
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	for (n = 0; n < b.len; n++) {
		cut = zk_xmemdup(b.data, n);
		ZK_ASSERT_EQ(zk_txn_decode(cut, n, &out, &e), ZK_EMARSHALLING);
		ZK_ASSERT(is_zero(&out, sizeof(out)));
		free(cut);
	}
	zk_buf_close(&b);
}

/* A multi record whose one op is [type, {"p": path}]. */
static void
multi1(struct raw *r, int type, const char *path, size_t pathlen)
{
	msgpack_packer	*pk = raw(r, ZK_TXN_MULTI, 1);

	key(pk, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, type);
	msgpack_pack_map(pk, 1);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, path, pathlen);
}

/* txn (3), (4): nothing but the four op types in a multi; no nesting. */
static void
test_multi_nesting(void)
{
	static const int	 no[] = { ZK_TXN_MULTI, ZK_TXN_CREATE_SESSION,
	    ZK_TXN_CLOSE_SESSION, ZK_TXN_DELETE_CONTAINER };
	static const int	 yes[] = { ZK_TXN_CHECK, ZK_TXN_CREATE,
	    ZK_TXN_SETDATA, ZK_TXN_DELETE };
	struct zk_txn		 ops[4], inner, in, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	struct raw		 r;
	size_t			 i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		multi1(&r, no[i], "/a", 2);
		ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
		ZK_ASSERT(strstr(e.msg, "multi txn op 0: a multi cannot hold "
		    "a ") == e.msg);
	}
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		multi1(&r, yes[i], "/a", 2);
		ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_OK);
	}
	multi1(&r, 99, "/a", 2);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "multi txn: unknown txn type 99");

	/* A multi of ours holding a multi is refused as it is read back. */
	sample_multi(&inner, ops);
	memset(&in, 0, sizeof(in));
	in.type = ZK_TXN_MULTI;
	in.ops = &inner;
	in.nops = 1;
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 0: a multi cannot hold a multi "
	    "txn");
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	zk_buf_close(&b);

	/* A check stands only in a multi. */
	sample(&in, ZK_TXN_CHECK);
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	ZK_ASSERT_EQ(zk_txn_decode(b.data, b.len, &out, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "a check txn is only allowed in a multi");
	zk_buf_close(&b);
}

/* txn (2): every way a multi's list and ops can be malformed. */
static void
test_multi_malformed(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	raw(&r, ZK_TXN_MULTI, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn has no op list");
	pk = raw(&r, ZK_TXN_MULTI, 1);
	key(pk, "ops");
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn: the op list is not an array");
	pk = raw(&r, ZK_TXN_MULTI, 2);
	key(pk, "ops");
	msgpack_pack_array(pk, 0);
	key(pk, "ops");
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn: the op list is there twice");

	pk = raw(&r, ZK_TXN_MULTI, 1);	/* an op that is a map */
	key(pk, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 0 is not an array of type and "
	    "fields");
	pk = raw(&r, ZK_TXN_MULTI, 1);	/* [type, fields, extra] */
	key(pk, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, ZK_TXN_DELETE);
	msgpack_pack_map(pk, 0);
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	pk = raw(&r, ZK_TXN_MULTI, 1);	/* type a string */
	key(pk, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, 2);
	msgpack_pack_str_with_body(pk, "2", 1);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 0: the type is not an integer");
	pk = raw(&r, ZK_TXN_MULTI, 1);	/* fields not a map */
	key(pk, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, ZK_TXN_DELETE);
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 0: the fields are not a map");

	pk = raw(&r, ZK_TXN_MULTI, 1);	/* op 1 lacks its path */
	key(pk, "ops");
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, ZK_TXN_CHECK);
	msgpack_pack_map(pk, 1);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, ZK_TXN_SETDATA);
	msgpack_pack_map(pk, 1);
	key(pk, "v");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 1 has no path");

	multi1(&r, ZK_TXN_CREATE, "/a\0b", 4);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi txn op 0: the path holds a NUL byte");

	/* An ops array claiming two ops and holding one. */
	pk = raw(&r, ZK_TXN_MULTI, 1);
	key(pk, "ops");
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, ZK_TXN_DELETE);
	msgpack_pack_map(pk, 1);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "txn is truncated");
}

/* txn (1): deleteContainer carries its path and needs it. */
static void
test_delete_container(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = raw(&r, ZK_TXN_DELETE_CONTAINER, 1);
	key(pk, "v");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "deleteContainer txn has no path");
	pk = raw(&r, ZK_TXN_DELETE_CONTAINER, 1);
	key(pk, "p");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(decode_raw(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "deleteContainer txn: the path is not a string");
}

/* txn (2): damaged multis decode or fail cleanly, owning nothing. */
static void
test_multi_mutated(void)
{
	struct zk_txn	 ops[4], in, out;
	struct zk_error	 e;
	struct zk_buf	 b;
	unsigned char	*p;
	size_t		 k;
	int		 i, rc, ok = 0;

	sample_multi(&in, ops);
	zk_buf_init(&b);
	zk_txn_encode(&b, &in);
	for (i = 0; i < 10000; i++) {
		p = zk_xmemdup(b.data, b.len);
		for (k = 1 + rng() % 3; k > 0; k--)
			p[rng() % b.len] = (unsigned char)rng();
		rc = zk_txn_decode((char *)p, b.len, &out, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING ||
		    rc == ZK_EUNIMPLEMENTED);
		if (rc != ZK_OK)
			ZK_ASSERT(is_zero(&out, sizeof(out)));
		ok += rc == ZK_OK;
		zk_txn_close(&out);
		free(p);
	}
	ZK_ASSERT(ok > 0 && ok < 10000);
	zk_buf_close(&b);
}

int
main(void)
{
	ZK_RUN(test_roundtrip_every_type);
	ZK_RUN(test_roundtrip_edges);
	ZK_RUN(test_encode_appends);
	ZK_RUN(test_truncated_every_length);
	ZK_RUN(test_random_and_mutated);
	ZK_RUN(test_wrong_types);
	ZK_RUN(test_missing_fields);
	ZK_RUN(test_unknown_type);
	ZK_RUN(test_multi_roundtrip);
	ZK_RUN(test_multi_truncated);
	ZK_RUN(test_multi_nesting);
	ZK_RUN(test_multi_malformed);
	ZK_RUN(test_delete_container);
	ZK_RUN(test_multi_mutated);
	return ZK_TEST_DONE();
}
