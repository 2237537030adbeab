/*
 * Unit tests for lib/proto.c: frames, request and reply round trips, and
 * every way a peer can send something malformed.
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

#define MAXD	ZK_MAX_DATA_DEFAULT

static const unsigned char PW[ZK_PASSWD_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255
};

/* Encodes req and checks the frame header; payload at b->data + 4. */
static int
enc_req(struct zk_buf *b, const struct zk_request *req)
{
	zk_buf_init(b);
	zk_proto_encode_request(b, req);
	return b->len > ZK_FRAME_HDR &&
	    zk_load_be32(b->data) == b->len - ZK_FRAME_HDR;
}

static int
enc_rep(struct zk_buf *b, const struct zk_reply *rep)
{
	zk_buf_init(b);
	zk_proto_encode_reply(b, rep);
	return b->len > ZK_FRAME_HDR &&
	    zk_load_be32(b->data) == b->len - ZK_FRAME_HDR;
}

static int
is_zero(const void *p, size_t n)
{
	const unsigned char	*c = p;

	while (n-- > 0)
		if (*c++ != 0)
			return 0;
	return 1;
}

/* A payload built by hand, for input no encoder of ours would make. */
struct raw {
	struct zk_buf	 b;
	msgpack_packer	 pk;
};

static msgpack_packer *
raw_begin(struct raw *r)
{
	zk_buf_init(&r->b);
	msgpack_packer_init(&r->pk, &r->b, zk_buf_write);
	return &r->pk;
}

static void
key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

/* proto (4): every op's request comes back with the fields it uses. */
static void
test_request_roundtrip_every_op(void)
{
	static const int	 opsl[] = { ZK_OP_CREATE, ZK_OP_DELETE,
	    ZK_OP_EXISTS, ZK_OP_GETDATA, ZK_OP_SETDATA, ZK_OP_SYNC,
	    ZK_OP_PING, ZK_OP_GETCHILDREN, ZK_OP_CONNECT, ZK_OP_CLOSE,
	    ZK_OP_STATUS };
	struct zk_request	 in, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	char			 data[300];
	size_t			 i;
	int			 op, p, d, v, f, w, c;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	for (i = 0; i < sizeof(opsl) / sizeof(opsl[0]); i++) {
		op = opsl[i];
		memset(&in, 0, sizeof(in));
		in.xid = 1000 + (int64_t)i;
		in.op = op;
		in.path = "/app/cfg-\xc3\xa9";
		in.data = data;
		in.data_len = sizeof(data);
		in.has_data = 1;
		in.version = 42;
		in.flags = ZK_CREATE_EPHEMERAL | ZK_CREATE_SEQUENTIAL;
		in.watch = 1;
		in.session_id = 0x123456789abcLL;
		in.timeout_ms = 30000;
		in.last_zxid = ZK_ZXID(3, 77);
		memcpy(in.passwd, PW, ZK_PASSWD_LEN);
		ZK_ASSERT(enc_req(&b, &in));
		ZK_ASSERT_EQ(zk_proto_decode_request(b.data + ZK_FRAME_HDR,
		    b.len - ZK_FRAME_HDR, MAXD, &out, &e), ZK_OK);
		zk_buf_close(&b);

		p = op == ZK_OP_CREATE || op == ZK_OP_DELETE ||
		    op == ZK_OP_EXISTS || op == ZK_OP_GETDATA ||
		    op == ZK_OP_SETDATA || op == ZK_OP_SYNC ||
		    op == ZK_OP_GETCHILDREN;
		d = op == ZK_OP_CREATE || op == ZK_OP_SETDATA;
		v = op == ZK_OP_DELETE || op == ZK_OP_SETDATA;
		f = op == ZK_OP_CREATE;
		w = op == ZK_OP_EXISTS || op == ZK_OP_GETDATA ||
		    op == ZK_OP_GETCHILDREN;
		c = op == ZK_OP_CONNECT;
		ZK_ASSERT_EQ(out.xid, in.xid);
		ZK_ASSERT_EQ(out.op, op);
		if (p)
			ZK_ASSERT_STR(out.path, in.path);
		else
			ZK_ASSERT(out.path == NULL);
		ZK_ASSERT_EQ(out.has_data, d);
		if (d) {
			ZK_ASSERT_EQ(out.data_len, sizeof(data));
			ZK_ASSERT_MEM(out.data, data, sizeof(data));
		} else
			ZK_ASSERT(out.data == NULL && out.data_len == 0);
		ZK_ASSERT_EQ(out.version, v ? 42 : -1);
		ZK_ASSERT_EQ(out.flags, f ? in.flags : 0);
		ZK_ASSERT_EQ(out.watch, w);
		ZK_ASSERT_EQ(out.session_id, c ? in.session_id : 0);
		ZK_ASSERT_EQ(out.timeout_ms, c ? in.timeout_ms : 0);
		ZK_ASSERT_EQ(out.last_zxid, c ? in.last_zxid : 0);
		if (c)
			ZK_ASSERT_MEM(out.passwd, PW, ZK_PASSWD_LEN);
		else
			ZK_ASSERT(is_zero(out.passwd, ZK_PASSWD_LEN));
		zk_request_close(&out);
		ZK_ASSERT(is_zero(&out, sizeof(out)));
	}
}

/* proto (4): extreme values of every integer field survive a round trip. */
static void
test_request_roundtrip_extremes(void)
{
	struct zk_request	 in, out;
	struct zk_error		 e;
	struct zk_buf		 b;

	memset(&in, 0, sizeof(in));
	in.xid = INT64_MIN;
	in.op = ZK_OP_CONNECT;
	in.session_id = INT64_MAX;
	in.timeout_ms = INT32_MAX;
	in.last_zxid = INT64_MIN;
	ZK_ASSERT(enc_req(&b, &in));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_OK);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(out.xid, INT64_MIN);
	ZK_ASSERT_EQ(out.session_id, INT64_MAX);
	ZK_ASSERT_EQ(out.timeout_ms, INT32_MAX);
	ZK_ASSERT_EQ(out.last_zxid, INT64_MIN);
	ZK_ASSERT(is_zero(out.passwd, ZK_PASSWD_LEN));
	zk_request_close(&out);

	memset(&in, 0, sizeof(in));
	in.xid = INT64_MAX;
	in.op = ZK_OP_SETDATA;
	in.path = "/";
	in.version = INT32_MIN;
	ZK_ASSERT(enc_req(&b, &in));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_OK);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(out.xid, INT64_MAX);
	ZK_ASSERT_EQ(out.version, INT32_MIN);
	ZK_ASSERT_STR(out.path, "/");
	/* Empty data is still data: "d" is always sent for setData. */
	ZK_ASSERT_EQ(out.has_data, 1);
	ZK_ASSERT_EQ(out.data_len, 0);
	zk_request_close(&out);
}

/* proto (3): frames appended one after another each hold their own length. */
static void
test_frames_append(void)
{
	struct zk_request	 a, c, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	uint32_t		 n1, n2;

	memset(&a, 0, sizeof(a));
	a.xid = 1;
	a.op = ZK_OP_GETDATA;
	a.path = "/a";
	memset(&c, 0, sizeof(c));
	c.xid = ZK_XID_PING;
	c.op = ZK_OP_PING;
	zk_buf_init(&b);
	zk_proto_encode_request(&b, &a);
	zk_proto_encode_request(&b, &c);
	n1 = zk_load_be32(b.data);
	n2 = zk_load_be32(b.data + 4 + n1);
	ZK_ASSERT_EQ(4 + n1 + 4 + n2, b.len);
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, n1, MAXD, &out, &e),
	    ZK_OK);
	ZK_ASSERT_STR(out.path, "/a");
	zk_request_close(&out);
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 8 + n1, n2, MAXD, &out,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(out.xid, ZK_XID_PING);
	ZK_ASSERT_EQ(out.op, ZK_OP_PING);
	zk_request_close(&out);
	zk_buf_close(&b);
}

/* Compares every reply field; children and strings by value. */
static int
reply_equal(const struct zk_reply *a, const struct zk_reply *b)
{
	size_t	 i;

	if (a->xid != b->xid || a->zxid != b->zxid || a->err != b->err ||
	    a->has_data != b->has_data || a->has_stat != b->has_stat ||
	    a->has_session != b->has_session ||
	    a->event_type != b->event_type)
		return 0;
	if ((a->path == NULL) != (b->path == NULL) ||
	    (a->path && strcmp(a->path, b->path) != 0))
		return 0;
	if ((a->status_json == NULL) != (b->status_json == NULL) ||
	    (a->status_json && strcmp(a->status_json, b->status_json) != 0))
		return 0;
	if (a->has_data && (a->data_len != b->data_len || (a->data_len > 0 &&
	    memcmp(a->data, b->data, a->data_len) != 0)))
		return 0;
	if (memcmp(&a->stat, &b->stat, sizeof(a->stat)) != 0)
		return 0;
	if ((a->children == NULL) != (b->children == NULL) ||
	    a->nchildren != b->nchildren)
		return 0;
	for (i = 0; i < a->nchildren; i++)
		if (strcmp(a->children[i], b->children[i]) != 0)
			return 0;
	if (a->has_session && (a->session_id != b->session_id ||
	    a->timeout_ms != b->timeout_ms ||
	    memcmp(a->passwd, b->passwd, ZK_PASSWD_LEN) != 0))
		return 0;
	return 1;
}

static int
reply_roundtrip(const struct zk_reply *in)
{
	struct zk_reply	 out;
	struct zk_error	 e;
	struct zk_buf	 b;
	int		 ok;

	if (!enc_rep(&b, in))
		return 0;
	ok = zk_proto_decode_reply(b.data + 4, b.len - 4, &out, &e) == ZK_OK &&
	    reply_equal(in, &out);
	zk_reply_close(&out);
	zk_buf_close(&b);
	return ok;
}

/* proto (4): every reply shape the server sends comes back field for field. */
static void
test_reply_roundtrip_every_shape(void)
{
	struct zk_reply	 r;
	struct zk_stat	 st = { ZK_ZXID(1, 2), ZK_ZXID(1, 3), INT64_MIN,
	    1700000000123LL, INT64_MAX, INT32_MAX, INT32_MIN, 0,
	    0x1122334455667788LL, 1024, 7 };
	char		*kids[] = { "a", "b-\xe2\x82\xac", "", "zzzz" };
	char		 bin[5] = { 0, 1, 0, 2, 0 };

	/* create: the created path and its stat */
	memset(&r, 0, sizeof(r));
	r.xid = 5;
	r.zxid = ZK_ZXID(1, 3);
	r.path = "/q/lock-0000000007";
	r.stat = st;
	r.has_stat = 1;
	ZK_ASSERT(reply_roundtrip(&r));

	/* getData: data with NULs in it, and the stat */
	memset(&r, 0, sizeof(r));
	r.xid = 6;
	r.zxid = 99;
	r.data = bin;
	r.data_len = sizeof(bin);
	r.has_data = 1;
	r.stat = st;
	r.has_stat = 1;
	ZK_ASSERT(reply_roundtrip(&r));

	/* getData of an empty node */
	r.data = NULL;
	r.data_len = 0;
	ZK_ASSERT(reply_roundtrip(&r));

	/* getChildren: names and stat; then no children at all */
	memset(&r, 0, sizeof(r));
	r.xid = 7;
	r.children = kids;
	r.nchildren = 4;
	r.stat = st;
	r.has_stat = 1;
	ZK_ASSERT(reply_roundtrip(&r));
	r.nchildren = 0;
	ZK_ASSERT(reply_roundtrip(&r));

	/* connect */
	memset(&r, 0, sizeof(r));
	r.xid = 0;
	r.zxid = ZK_ZXID(2, 0);
	r.session_id = -5;
	r.timeout_ms = 4000;
	memcpy(r.passwd, PW, ZK_PASSWD_LEN);
	r.has_session = 1;
	ZK_ASSERT(reply_roundtrip(&r));

	/* watch event */
	memset(&r, 0, sizeof(r));
	r.xid = ZK_XID_EVENT;
	r.zxid = 1234;
	r.event_type = ZK_EVENT_CHILDREN;
	r.path = "/w";
	ZK_ASSERT(reply_roundtrip(&r));

	/* ping, an error, and status */
	memset(&r, 0, sizeof(r));
	r.xid = ZK_XID_PING;
	r.zxid = 77;
	ZK_ASSERT(reply_roundtrip(&r));
	r.xid = 9;
	r.err = ZK_ENONODE;
	ZK_ASSERT(reply_roundtrip(&r));
	r.err = ZK_OK;
	r.status_json = "{\"mode\":\"standalone\",\"zxid\":77}";
	ZK_ASSERT(reply_roundtrip(&r));
}

/* proto (4): a reply carries no field it was not given. */
static void
test_reply_minimal(void)
{
	struct zk_reply	 r;
	struct zk_buf	 b;

	memset(&r, 0, sizeof(r));
	r.xid = 3;
	r.zxid = 4;
	r.event_type = ZK_EVENT_CREATED;	/* not an event: not sent */
	ZK_ASSERT(enc_rep(&b, &r));
	/* [3, 4, 0, {}] */
	ZK_ASSERT_EQ(b.len, 4 + 5);
	ZK_ASSERT_MEM(b.data + 4, "\x94\x03\x04\x00\x80", 5);
	zk_buf_close(&b);
}

/* proto (1): a payload cut short at any byte is an error, never a crash. */
static void
test_truncated_every_length(void)
{
	struct zk_request	 req, out;
	struct zk_reply		 rep, rout;
	struct zk_error		 e;
	struct zk_buf		 b;
	char			*kids[] = { "x", "yy" };
	size_t			 n;
	char			*cut;

	memset(&req, 0, sizeof(req));
	req.xid = 77;
	req.op = ZK_OP_CREATE;
	req.path = "/trunc";
	req.data = "hello world";
	req.data_len = 11;
	req.flags = ZK_CREATE_PARENTS;
	ZK_ASSERT(enc_req(&b, &req));
	for (n = 0; n < b.len - 4; n++) {
		/* A copy of exactly n bytes, so ASan sees any overread. */
		cut = zk_xmemdup(b.data + 4, n);
		e.code = 0;
		ZK_ASSERT_EQ(zk_proto_decode_request(cut, n, MAXD, &out, &e),
		    ZK_EMARSHALLING);
		ZK_ASSERT_EQ(e.code, ZK_EMARSHALLING);
		ZK_ASSERT(is_zero(&out, sizeof(out)));
		free(cut);
	}
	zk_buf_close(&b);

	memset(&rep, 0, sizeof(rep));
	rep.xid = 8;
	rep.path = "/p";
	rep.data = "dd";
	rep.data_len = 2;
	rep.has_data = 1;
	rep.has_stat = 1;
	rep.children = kids;
	rep.nchildren = 2;
	rep.has_session = 1;
	rep.status_json = "{}";
	ZK_ASSERT(enc_rep(&b, &rep));
	for (n = 0; n < b.len - 4; n++) {
		cut = zk_xmemdup(b.data + 4, n);
		ZK_ASSERT_EQ(zk_proto_decode_reply(cut, n, &rout, &e),
		    ZK_EMARSHALLING);
		ZK_ASSERT(is_zero(&rout, sizeof(rout)));
		free(cut);
	}
	zk_buf_close(&b);
}

/* A small xorshift generator, seeded, so that failures repeat. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* proto (1): random bytes decode or fail with a code, never crash. */
static void
test_random_bytes(void)
{
	struct zk_request	 out;
	struct zk_reply		 rout;
	struct zk_error		 e;
	unsigned char		*p;
	size_t			 n, j;
	int			 i, rc, ok = 0;

	for (i = 0; i < 10000; i++) {
		n = rng() % 200;
		p = zk_xmalloc(n);
		for (j = 0; j < n; j++)
			p[j] = (unsigned char)rng();
		/* Half of them start like a request, to get further in. */
		if (n > 0 && (i & 1))
			p[0] = 0x93;
		rc = zk_proto_decode_request((char *)p, n, 64, &out, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING ||
		    rc == ZK_ETOOBIG || rc == ZK_EUNIMPLEMENTED);
		if (rc == ZK_OK) {
			ok++;
			zk_request_close(&out);
		} else
			ZK_ASSERT(is_zero(&out, sizeof(out)));
		rc = zk_proto_decode_reply((char *)p, n, &rout, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING);
		if (rc == ZK_OK)
			zk_reply_close(&rout);
		else
			ZK_ASSERT(is_zero(&rout, sizeof(rout)));
		free(p);
	}
	ZK_ASSERT(ok < 10000);
}

/* proto (1): valid frames with random bytes changed decode or fail cleanly. */
static void
test_mutated_frames(void)
{
	struct zk_request	 req, out;
	struct zk_reply		 rep, rout;
	struct zk_error		 e;
	struct zk_buf		 qb, pb;
	char			*kids[] = { "one", "two", "three" };
	unsigned char		*p;
	size_t			 n, k;
	int			 i, rc, okq = 0, okp = 0;

	memset(&req, 0, sizeof(req));
	req.xid = 12;
	req.op = ZK_OP_SETDATA;
	req.path = "/m/n";
	req.data = "0123456789";
	req.data_len = 10;
	req.version = 3;
	ZK_ASSERT(enc_req(&qb, &req));
	memset(&rep, 0, sizeof(rep));
	rep.xid = 12;
	rep.children = kids;
	rep.nchildren = 3;
	rep.has_stat = 1;
	rep.has_session = 1;
	ZK_ASSERT(enc_rep(&pb, &rep));
	for (i = 0; i < 10000; i++) {
		n = qb.len - 4;
		p = zk_xmemdup(qb.data + 4, n);
		for (k = 1 + rng() % 3; k > 0; k--)
			p[rng() % n] = (unsigned char)rng();
		rc = zk_proto_decode_request((char *)p, n, MAXD, &out, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING ||
		    rc == ZK_EUNIMPLEMENTED);
		okq += rc == ZK_OK;
		zk_request_close(&out);
		free(p);

		n = pb.len - 4;
		p = zk_xmemdup(pb.data + 4, n);
		for (k = 1 + rng() % 3; k > 0; k--)
			p[rng() % n] = (unsigned char)rng();
		rc = zk_proto_decode_reply((char *)p, n, &rout, &e);
		ZK_ASSERT(rc == ZK_OK || rc == ZK_EMARSHALLING);
		okp += rc == ZK_OK;
		zk_reply_close(&rout);
		free(p);
	}
	/* Some mutations hit only data or ints and still decode. */
	ZK_ASSERT(okq > 0 && okq < 10000);
	ZK_ASSERT(okp > 0 && okp < 10000);
	zk_buf_close(&qb);
	zk_buf_close(&pb);
}

/* Decodes the raw request r and returns the code; checks zeroing on error. */
static int
raw_req(struct raw *r, struct zk_error *e)
{
	struct zk_request	 out;
	int			 rc;

	e->code = 0;
	e->msg[0] = '\0';
	rc = zk_proto_decode_request(r->b.data, r->b.len, MAXD, &out, e);
	if (rc == ZK_OK)
		zk_request_close(&out);
	else if (!is_zero(&out, sizeof(out)) || e->code != rc)
		rc = 999;
	zk_buf_close(&r->b);
	return rc;
}

/* A one-field request [1, op, {k: <value>}], value packed by the caller. */
static msgpack_packer *
req1(struct raw *r, int op, const char *k)
{
	msgpack_packer	*pk = raw_begin(r);

	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, op);
	msgpack_pack_map(pk, k != NULL ? 1 : 0);
	if (k != NULL)
		key(pk, k);
	return pk;
}

/* A request with path "/" and one more field k, value packed by the caller. */
static msgpack_packer *
req2(struct raw *r, int op, const char *k)
{
	msgpack_packer	*pk = raw_begin(r);

	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, op);
	msgpack_pack_map(pk, 2);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/", 1);
	key(pk, k);
	return pk;
}

/* proto (1): each field with a value of the wrong type is refused. */
static void
test_wrong_types(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	/* path as bin, as int, as nil */
	pk = req1(&r, ZK_OP_GETDATA, "p");
	msgpack_pack_bin_with_body(pk, "/", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "getData request: the path is not a string");
	pk = req1(&r, ZK_OP_GETDATA, "p");
	msgpack_pack_int(pk, 5);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_GETDATA, "p");
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	/* data as int, as array */
	pk = req2(&r, ZK_OP_SETDATA, "d");
	msgpack_pack_int(pk, 5);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setData request: the data is not binary");
	pk = req2(&r, ZK_OP_CREATE, "d");
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	/* version as str, as float, as bool */
	pk = req2(&r, ZK_OP_DELETE, "v");
	msgpack_pack_str_with_body(pk, "1", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "delete request: the version is not an integer");
	pk = req2(&r, ZK_OP_DELETE, "v");
	msgpack_pack_double(pk, 1.0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_SETDATA, "v");
	msgpack_pack_true(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	/* flags as str; watch as int */
	pk = req2(&r, ZK_OP_CREATE, "f");
	msgpack_pack_str_with_body(pk, "e", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_EXISTS, "w");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "exists request: the watch is not a boolean");

	/* connect: sid as str, to as bin, pw as str, pw too short, lz as nil */
	pk = req1(&r, ZK_OP_CONNECT, "sid");
	msgpack_pack_str_with_body(pk, "12", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "to");
	msgpack_pack_bin_with_body(pk, "12", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "pw");
	msgpack_pack_str_with_body(pk, PW, ZK_PASSWD_LEN);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg,
	    "connect request: the password is not 16 bytes of binary");
	pk = req1(&r, ZK_OP_CONNECT, "pw");
	msgpack_pack_bin_with_body(pk, PW, ZK_PASSWD_LEN - 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "lz");
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	/* the fields are not a map */
	pk = raw_begin(&r);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_PING);
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	/* a field name that is not a string */
	pk = raw_begin(&r);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_PING);
	msgpack_pack_map(pk, 1);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
}

/* proto (1): the frame around the fields must be [int xid, int op, map]. */
static void
test_wrong_shape(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = raw_begin(&r);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request is not an array");

	pk = raw_begin(&r);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_PING);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request has 2 elements, not 3");

	pk = raw_begin(&r);
	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_PING);
	msgpack_pack_map(pk, 0);
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	pk = raw_begin(&r);		/* xid a string */
	msgpack_pack_array(pk, 3);
	msgpack_pack_str_with_body(pk, "1", 1);
	msgpack_pack_int(pk, ZK_OP_PING);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request xid is not an integer");

	pk = raw_begin(&r);		/* xid beyond int64 */
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, UINT64_MAX);
	msgpack_pack_int(pk, ZK_OP_PING);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request xid is out of range");

	pk = raw_begin(&r);		/* op a float */
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_double(pk, 4.0);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request type is not an integer");
}

/* proto (1): an integer beyond its field's range is malformed. */
static void
test_integer_ranges(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = req2(&r, ZK_OP_SETDATA, "v");
	msgpack_pack_int64(pk, (int64_t)INT32_MAX + 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setData request: the version is out of range");
	pk = req2(&r, ZK_OP_DELETE, "v");
	msgpack_pack_int64(pk, (int64_t)INT32_MIN - 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_DELETE, "v");
	msgpack_pack_int64(pk, INT32_MIN);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_OK);
	pk = req2(&r, ZK_OP_CREATE, "f");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "to");
	msgpack_pack_int64(pk, (int64_t)INT32_MAX + 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "to");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_CONNECT, "sid");
	msgpack_pack_uint64(pk, (uint64_t)INT64_MAX + 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	/* A small positive number packed as a signed int8 is still fine. */
	pk = req2(&r, ZK_OP_DELETE, "v");
	msgpack_pack_int8(pk, 5);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_OK);
}

/* proto (2): a path holding a NUL byte is refused. */
static void
test_nul_in_path(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = req1(&r, ZK_OP_CREATE, "p");
	msgpack_pack_str_with_body(pk, "/a\0b", 4);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "create request: the path holds a NUL byte");
	pk = req1(&r, ZK_OP_SYNC, "p");
	msgpack_pack_str_with_body(pk, "\0", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
}

/* proto (1): data over max_data is ZK_ETOOBIG; exactly max_data is fine. */
static void
test_oversize_data(void)
{
	struct zk_request	 req, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	char			*big;

	big = zk_xcalloc(1, 1001);
	memset(&req, 0, sizeof(req));
	req.xid = 1;
	req.op = ZK_OP_SETDATA;
	req.path = "/big";
	req.data = big;
	req.data_len = 1001;
	ZK_ASSERT(enc_req(&b, &req));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, 1000, &out,
	    &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg, "data is 1001 bytes, over the limit of 1000");
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, 1001, &out,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(out.data_len, 1001);
	zk_request_close(&out);
	zk_buf_close(&b);

	/* A limit of the full default size, with data of that size. */
	free(big);
	big = zk_xcalloc(1, MAXD + 1);
	req.data = big;
	req.data_len = MAXD;
	ZK_ASSERT(enc_req(&b, &req));
	ZK_ASSERT(b.len - 4 <= MAXD + ZK_FRAME_OVERHEAD);
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_OK);
	zk_request_close(&out);
	zk_buf_close(&b);
	req.data_len = MAXD + 1;
	ZK_ASSERT(enc_req(&b, &req));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_ETOOBIG);
	zk_buf_close(&b);
	free(big);
}

/* proto (1): an op outside enum zk_op is ZK_EUNIMPLEMENTED. */
static void
test_unknown_op(void)
{
	struct zk_request	 req, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	struct raw		 r;
	msgpack_packer		*pk;

	memset(&req, 0, sizeof(req));
	req.xid = 1;
	req.op = 77;
	req.path = "/x";
	ZK_ASSERT(enc_req(&b, &req));
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "unknown message type 77");
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	zk_buf_close(&b);

	pk = req1(&r, -3, NULL);
	(void)pk;
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "unknown message type -3");

	pk = raw_begin(&r);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_uint64(pk, UINT64_MAX);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "unknown message type 18446744073709551615");
}

/* proto (3): bytes after the one value make the frame malformed. */
static void
test_trailing_garbage(void)
{
	struct zk_request	 req, out;
	struct zk_reply		 rep, rout;
	struct zk_error		 e;
	struct zk_buf		 b;

	memset(&req, 0, sizeof(req));
	req.xid = 1;
	req.op = ZK_OP_EXISTS;
	req.path = "/t";
	ZK_ASSERT(enc_req(&b, &req));
	zk_buf_append(&b, "\xc0", 1);
	ZK_ASSERT_EQ(zk_proto_decode_request(b.data + 4, b.len - 4, MAXD, &out,
	    &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request has 1 bytes after its end");
	ZK_ASSERT(is_zero(&out, sizeof(out)));
	zk_buf_close(&b);

	memset(&rep, 0, sizeof(rep));
	ZK_ASSERT(enc_rep(&b, &rep));
	zk_buf_append(&b, "\x93\x00\x00\x80", 4);
	ZK_ASSERT_EQ(zk_proto_decode_reply(b.data + 4, b.len - 4, &rout, &e),
	    ZK_EMARSHALLING);
	zk_buf_close(&b);
}

/* proto (1): claimed sizes the bytes cannot back are refused unbelieved. */
static void
test_lying_headers(void)
{
	struct zk_request	 out;
	struct zk_reply		 rout;
	struct zk_error		 e;
	char			 deep[40];
	int			 i;

	/* array32 of 4 billion, map32 of 4 billion, bin32 of 4 GiB */
	ZK_ASSERT_EQ(zk_proto_decode_request("\xdd\xff\xff\xff\xff\x01", 6,
	    MAXD, &out, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request is truncated");
	ZK_ASSERT_EQ(zk_proto_decode_reply("\xdf\xff\xff\xff\xff\x01\x01", 7,
	    &rout, &e), ZK_EMARSHALLING);
	ZK_ASSERT_EQ(zk_proto_decode_reply("\x94\x01\x01\x00\x81\xa1\x64"
	    "\xc6\xff\xff\xff\xff\x00", 13, &rout, &e), ZK_EMARSHALLING);
	/* the reserved byte 0xc1 */
	ZK_ASSERT_EQ(zk_proto_decode_request("\x93\x01\xc1\x80", 4, MAXD, &out,
	    &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request holds the invalid msgpack byte 0xc1");
	/* nested deeper than anyone needs */
	for (i = 0; i < 39; i++)
		deep[i] = '\x91';
	deep[39] = '\x00';
	ZK_ASSERT_EQ(zk_proto_decode_request(deep, sizeof(deep), MAXD, &out,
	    &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request is nested more than 16 deep");
	/* empty */
	ZK_ASSERT_EQ(zk_proto_decode_request("", 0, MAXD, &out, &e),
	    ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request is empty");
}

/* proto (1): a request may not hold more than 1024 msgpack values. */
static void
test_too_many_values(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;
	int		 i;

	pk = req2(&r, ZK_OP_GETDATA, "unknown");
	msgpack_pack_array(pk, 2000);
	for (i = 0; i < 2000; i++)
		msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request holds more than 1024 values");
}

/* proto.h: unknown keys and keys the op does not use are skipped. */
static void
test_unknown_fields_skipped(void)
{
	struct raw		 r;
	struct zk_request	 out;
	struct zk_error		 e;
	msgpack_packer		*pk;

	pk = raw_begin(&r);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 9);
	msgpack_pack_int(pk, ZK_OP_GETDATA);
	msgpack_pack_map(pk, 4);
	key(pk, "future");
	msgpack_pack_map(pk, 1);
	key(pk, "x");
	msgpack_pack_double(pk, 2.5);
	key(pk, "d");			/* not a getData field */
	msgpack_pack_bin_with_body(pk, "zz", 2);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/k", 2);
	key(pk, "v");			/* not a getData field, wrong type */
	msgpack_pack_str_with_body(pk, "no", 2);
	ZK_ASSERT_EQ(zk_proto_decode_request(r.b.data, r.b.len, MAXD, &out,
	    &e), ZK_OK);
	ZK_ASSERT_STR(out.path, "/k");
	ZK_ASSERT(out.data == NULL);
	ZK_ASSERT_EQ(out.has_data, 0);
	ZK_ASSERT_EQ(out.version, -1);
	ZK_ASSERT_EQ(out.watch, 0);
	zk_request_close(&out);
	zk_buf_close(&r.b);
}

/* proto (1): a field twice, or a path missing, is malformed. */
static void
test_duplicate_and_missing(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = req2(&r, ZK_OP_DELETE, "p");
	msgpack_pack_str_with_body(pk, "/b", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "delete request: the path is there twice");

	pk = req1(&r, ZK_OP_GETCHILDREN, "w");
	msgpack_pack_true(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "getChildren request has no path");

	/* Fields a connect needs none of: a new session sends all defaults. */
	pk = req1(&r, ZK_OP_CONNECT, NULL);
	(void)pk;
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_OK);
}

/* proto.h: data may come as str as well as bin (lenient), and decodes alike. */
static void
test_data_as_str(void)
{
	struct raw		 r;
	struct zk_request	 out;
	struct zk_error		 e;
	msgpack_packer		*pk;

	pk = req2(&r, ZK_OP_CREATE, "d");
	msgpack_pack_str_with_body(pk, "text\0x", 6);
	ZK_ASSERT_EQ(zk_proto_decode_request(r.b.data, r.b.len, MAXD, &out,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(out.has_data, 1);
	ZK_ASSERT_EQ(out.data_len, 6);
	ZK_ASSERT_MEM(out.data, "text\0x", 6);
	ZK_ASSERT_EQ(out.flags, 0);
	zk_request_close(&out);
	zk_buf_close(&r.b);
}

/* Decodes the raw reply r and returns the code; checks zeroing on error. */
static int
raw_rep(struct raw *r, struct zk_error *e)
{
	struct zk_reply	 out;
	int		 rc;

	e->msg[0] = '\0';
	rc = zk_proto_decode_reply(r->b.data, r->b.len, &out, e);
	if (rc == ZK_OK)
		zk_reply_close(&out);
	else if (!is_zero(&out, sizeof(out)))
		rc = 999;
	zk_buf_close(&r->b);
	return rc;
}

static msgpack_packer *
rep1(struct raw *r, const char *k)
{
	msgpack_packer	*pk = raw_begin(r);

	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 2);
	msgpack_pack_int(pk, 0);
	msgpack_pack_map(pk, 1);
	key(pk, k);
	return pk;
}

/* proto (1): replies are checked as strictly as requests. */
static void
test_reply_wrong_types(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;
	int		 i;

	pk = rep1(&r, "s");		/* stat of 10 */
	msgpack_pack_array(pk, 10);
	for (i = 0; i < 10; i++)
		msgpack_pack_int(pk, i);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "s");		/* version beyond int32 */
	msgpack_pack_array(pk, 11);
	for (i = 0; i < 11; i++)
		msgpack_pack_int64(pk, i == 5 ? INT64_MAX : i);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the stat is out of range");
	pk = rep1(&r, "s");		/* a str in the stat */
	msgpack_pack_array(pk, 11);
	for (i = 0; i < 11; i++)
		if (i == 10)
			msgpack_pack_str_with_body(pk, "x", 1);
		else
			msgpack_pack_int(pk, i);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "c");		/* children: a bin among them */
	msgpack_pack_array(pk, 3);
	msgpack_pack_str_with_body(pk, "a", 1);
	msgpack_pack_str_with_body(pk, "b", 1);
	msgpack_pack_bin_with_body(pk, "c", 1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "c");		/* children: a NUL in a name */
	msgpack_pack_array(pk, 2);
	msgpack_pack_str_with_body(pk, "a", 1);
	msgpack_pack_str_with_body(pk, "b\0", 2);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "c");
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "j");
	msgpack_pack_bin_with_body(pk, "{}", 2);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "t");
	msgpack_pack_str_with_body(pk, "1", 1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "pw");
	msgpack_pack_bin_with_body(pk, PW, 8);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "p");
	msgpack_pack_bin_with_body(pk, "/", 1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);

	pk = raw_begin(&r);		/* error code beyond int32 */
	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 2);
	msgpack_pack_int64(pk, INT64_MIN);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply error code is out of range");

	pk = raw_begin(&r);		/* three elements */
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 2);
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply has 3 elements, not 4");
}

/* proto.h: zk_frame_check takes 1..max_frame and refuses 0 and beyond. */
static void
test_frame_check(void)
{
	struct zk_error	 e;
	unsigned char	 h[4];
	uint32_t	 n;
	size_t		 max = ZK_MAX_DATA_DEFAULT + ZK_FRAME_OVERHEAD;

	zk_store_be32(h, 0);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "empty frame");
	zk_store_be32(h, 1);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 1);
	zk_store_be32(h, (uint32_t)max);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, max);
	zk_store_be32(h, (uint32_t)max + 1);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg,
	    "frame of 1114113 bytes over the limit of 1114112");
	zk_store_be32(h, UINT32_MAX);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_ETOOBIG);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, NULL), ZK_ETOOBIG);
	/* The header is big-endian. */
	memcpy(h, "\x00\x00\x01\x02", 4);
	ZK_ASSERT_EQ(zk_frame_check(h, max, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 258);
}

/* proto.h: every op has its ZooKeeper name; others are "unknown". */
static void
test_op_names(void)
{
	ZK_ASSERT_STR(zk_op_name(ZK_OP_CREATE), "create");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_DELETE), "delete");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_EXISTS), "exists");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_GETDATA), "getData");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_SETDATA), "setData");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_SYNC), "sync");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_PING), "ping");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_GETCHILDREN), "getChildren");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_CONNECT), "createSession");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_CLOSE), "closeSession");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_STATUS), "status");
	ZK_ASSERT_STR(zk_op_name(0), "unknown");
	ZK_ASSERT_STR(zk_op_name(77), "unknown");
}

int
main(void)
{
	ZK_RUN(test_request_roundtrip_every_op);
	ZK_RUN(test_request_roundtrip_extremes);
	ZK_RUN(test_frames_append);
	ZK_RUN(test_reply_roundtrip_every_shape);
	ZK_RUN(test_reply_minimal);
	ZK_RUN(test_truncated_every_length);
	ZK_RUN(test_random_bytes);
	ZK_RUN(test_mutated_frames);
	ZK_RUN(test_wrong_types);
	ZK_RUN(test_wrong_shape);
	ZK_RUN(test_integer_ranges);
	ZK_RUN(test_nul_in_path);
	ZK_RUN(test_oversize_data);
	ZK_RUN(test_unknown_op);
	ZK_RUN(test_trailing_garbage);
	ZK_RUN(test_lying_headers);
	ZK_RUN(test_too_many_values);
	ZK_RUN(test_unknown_fields_skipped);
	ZK_RUN(test_duplicate_and_missing);
	ZK_RUN(test_data_as_str);
	ZK_RUN(test_reply_wrong_types);
	ZK_RUN(test_frame_check);
	ZK_RUN(test_op_names);
	return ZK_TEST_DONE();
}
