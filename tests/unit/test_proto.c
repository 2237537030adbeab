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
	if (a->event_index != b->event_index ||
	    a->has_fail_index != b->has_fail_index ||
	    (a->has_fail_index && a->fail_index != b->fail_index))
		return 0;
	if ((a->results == NULL) != (b->results == NULL) ||
	    a->nresults != b->nresults)
		return 0;
	for (i = 0; i < a->nresults; i++) {
		if (a->results[i].err != b->results[i].err ||
		    a->results[i].has_stat != b->results[i].has_stat ||
		    (a->results[i].path == NULL) !=
		    (b->results[i].path == NULL) ||
		    (a->results[i].path != NULL &&
		    strcmp(a->results[i].path, b->results[i].path) != 0))
			return 0;
		if (a->results[i].has_stat && memcmp(&a->results[i].stat,
		    &b->results[i].stat, sizeof(struct zk_stat)) != 0)
			return 0;
	}
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

	/* watch event; then one carrying the node's data, late in its txn */
	memset(&r, 0, sizeof(r));
	r.xid = ZK_XID_EVENT;
	r.zxid = 1234;
	r.event_type = ZK_EVENT_CHILDREN;
	r.path = "/w";
	ZK_ASSERT(reply_roundtrip(&r));
	r.event_type = ZK_EVENT_CHANGED;
	r.event_index = INT32_MAX;
	r.data = bin;
	r.data_len = sizeof(bin);
	r.has_data = 1;
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

/* proto (1): a request may not hold more than 16384 msgpack values. */
static void
test_too_many_values(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;
	int		 i;

	pk = req2(&r, ZK_OP_GETDATA, "unknown");
	msgpack_pack_array(pk, 16384);
	for (i = 0; i < 16384; i++)
		msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request holds more than 16384 values");
	/* Exactly at the limit (8 values around the array): skipped. */
	pk = req2(&r, ZK_OP_GETDATA, "unknown");
	msgpack_pack_array(pk, 16384 - 8);
	for (i = 0; i < 16384 - 8; i++)
		msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_OK);
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
	ZK_ASSERT_STR(zk_op_name(ZK_OP_CHECK), "check");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_MULTI), "multi");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_REMOVEWATCH), "removeWatch");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_DELETECONTAINER), "deleteContainer");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_SETWATCHES), "setWatches");
	ZK_ASSERT_STR(zk_op_name(ZK_OP_ADDWATCH), "addWatch");
	ZK_ASSERT_STR(zk_op_name(0), "unknown");
	ZK_ASSERT_STR(zk_op_name(77), "unknown");
}

/* Encodes req and decodes it again with max_data maxd. */
static int
req_again(const struct zk_request *in, size_t maxd, struct zk_request *out,
    struct zk_error *e)
{
	struct zk_buf	 b;
	int		 rc;

	zk_buf_init(&b);
	zk_proto_encode_request(&b, in);
	e->code = 0;
	e->msg[0] = '\0';
	rc = zk_proto_decode_request(b.data + ZK_FRAME_HDR,
	    b.len - ZK_FRAME_HDR, maxd, out, e);
	zk_buf_close(&b);
	if (rc != ZK_OK && (!is_zero(out, sizeof(*out)) || e->code != rc))
		return 999;
	return rc;
}

/* proto (4): a multi's ops come back, each with the fields of its op. */
static void
test_multi_roundtrip(void)
{
	struct zk_multi_op	 ops[4];
	struct zk_request	 in, out;
	struct zk_error		 e;

	memset(ops, 0, sizeof(ops));
	ops[0].op = ZK_OP_CHECK;
	ops[0].path = "/cfg";
	ops[0].version = 7;
	ops[0].data = "not a check's";	/* fields a check does not carry */
	ops[0].data_len = 13;
	ops[0].flags = ZK_CREATE_EPHEMERAL;
	ops[1].op = ZK_OP_CREATE;
	ops[1].path = "/q/c-\xc3\xa9";
	ops[1].data = "v\0w";
	ops[1].data_len = 3;
	ops[1].flags = ZK_CREATE_CONTAINER | ZK_CREATE_SEQUENTIAL;
	ops[1].version = 5;		/* a create carries none */
	ops[2].op = ZK_OP_SETDATA;
	ops[2].path = "/cfg";
	ops[2].version = INT32_MIN;
	ops[2].flags = ZK_CREATE_PARENTS;	/* a setData carries none */
	ops[3].op = ZK_OP_DELETE;
	ops[3].path = "/old";
	ops[3].version = -1;
	memset(&in, 0, sizeof(in));
	in.xid = 42;
	in.op = ZK_OP_MULTI;
	in.path = "/not-sent";
	in.ops = ops;
	in.nops = 4;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.xid, 42);
	ZK_ASSERT_EQ(out.op, ZK_OP_MULTI);
	ZK_ASSERT(out.path == NULL && out.data == NULL);
	ZK_ASSERT_EQ(out.nops, 4);

	ZK_ASSERT_EQ(out.ops[0].op, ZK_OP_CHECK);
	ZK_ASSERT_STR(out.ops[0].path, "/cfg");
	ZK_ASSERT_EQ(out.ops[0].version, 7);
	ZK_ASSERT(out.ops[0].data == NULL && out.ops[0].data_len == 0);
	ZK_ASSERT_EQ(out.ops[0].flags, 0);

	ZK_ASSERT_EQ(out.ops[1].op, ZK_OP_CREATE);
	ZK_ASSERT_STR(out.ops[1].path, "/q/c-\xc3\xa9");
	ZK_ASSERT_EQ(out.ops[1].data_len, 3);
	ZK_ASSERT_MEM(out.ops[1].data, "v\0w", 3);
	ZK_ASSERT_EQ(out.ops[1].flags,
	    ZK_CREATE_CONTAINER | ZK_CREATE_SEQUENTIAL);
	ZK_ASSERT_EQ(out.ops[1].version, -1);

	ZK_ASSERT_EQ(out.ops[2].op, ZK_OP_SETDATA);
	ZK_ASSERT_STR(out.ops[2].path, "/cfg");
	ZK_ASSERT_EQ(out.ops[2].data_len, 0);
	ZK_ASSERT_EQ(out.ops[2].version, INT32_MIN);
	ZK_ASSERT_EQ(out.ops[2].flags, 0);

	ZK_ASSERT_EQ(out.ops[3].op, ZK_OP_DELETE);
	ZK_ASSERT_STR(out.ops[3].path, "/old");
	ZK_ASSERT_EQ(out.ops[3].version, -1);
	ZK_ASSERT(out.ops[3].data == NULL);
	zk_request_close(&out);
	ZK_ASSERT(is_zero(&out, sizeof(out)));
}

/* proto (6): ZK_MULTI_MAX ops of every field pass; one more is too big. */
static void
test_multi_at_the_limit(void)
{
	struct zk_multi_op	*ops;
	struct zk_request	 in, out;
	struct zk_error		 e;
	char			 big[1001];
	size_t			 i;

	ops = zk_xcalloc(ZK_MULTI_MAX + 1, sizeof(*ops));
	for (i = 0; i <= ZK_MULTI_MAX; i++) {
		ops[i].op = i % 2 ? ZK_OP_CREATE : ZK_OP_SETDATA;
		ops[i].path = i == ZK_MULTI_MAX - 1 ? "/last" : "/n";
		ops[i].data = "x";
		ops[i].data_len = 1;
		ops[i].version = 3;
		ops[i].flags = ZK_CREATE_EPHEMERAL;
	}
	memset(&in, 0, sizeof(in));
	in.xid = 1;
	in.op = ZK_OP_MULTI;
	in.ops = ops;
	in.nops = ZK_MULTI_MAX;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.nops, ZK_MULTI_MAX);
	ZK_ASSERT_STR(out.ops[ZK_MULTI_MAX - 1].path, "/last");
	ZK_ASSERT_EQ(out.ops[ZK_MULTI_MAX - 1].flags, ZK_CREATE_EPHEMERAL);
	ZK_ASSERT_EQ(out.ops[ZK_MULTI_MAX - 2].version, 3);
	zk_request_close(&out);

	in.nops = ZK_MULTI_MAX + 1;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg, "multi request has 1001 ops, over the limit of "
	    "1000");

	/* Each op's data has a request's limit; the last op is over it. */
	memset(big, 'b', sizeof(big));
	in.nops = 3;
	ops[2].data = big;
	ops[2].data_len = sizeof(big);
	ZK_ASSERT_EQ(req_again(&in, 1000, &out, &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg, "data is 1001 bytes, over the limit of 1000");
	ZK_ASSERT_EQ(req_again(&in, 1001, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.ops[2].data_len, 1001);
	zk_request_close(&out);
	free(ops);
}

/* [1, multi, {"ops": [{nkv pairs}]}]: the caller packs the pairs. */
static msgpack_packer *
multi1(struct raw *r, uint32_t nkv)
{
	msgpack_packer	*pk = req1(r, ZK_OP_MULTI, "ops");

	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, nkv);
	return pk;
}

/* proto (1), (6): every way a multi's list and ops can be malformed. */
static void
test_multi_malformed(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;
	char		*big;

	pk = req1(&r, ZK_OP_MULTI, NULL);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request has no op list");
	pk = req1(&r, ZK_OP_MULTI, "ops");
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request: the op list is not an array");
	/* An empty multi is malformed: a client library never sends one. */
	pk = req1(&r, ZK_OP_MULTI, "ops");
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request has no ops");
	pk = req1(&r, ZK_OP_MULTI, "ops");
	msgpack_pack_array(pk, 1);
	msgpack_pack_int(pk, ZK_OP_DELETE);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0 is not a map");

	pk = raw_begin(&r);		/* "ops" twice */
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_MULTI);
	msgpack_pack_map(pk, 2);
	key(pk, "ops");
	msgpack_pack_array(pk, 0);
	key(pk, "ops");
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request: the op list is there twice");

	pk = multi1(&r, 1);		/* no "o" */
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0 has no op");
	pk = multi1(&r, 2);		/* "o" a string */
	key(pk, "o");
	msgpack_pack_str_with_body(pk, "create", 6);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: the op is not an integer");
	pk = multi1(&r, 3);		/* "o" twice */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_DELETE);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_DELETE);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: the op is there twice");

	pk = multi1(&r, 2);		/* an op we do not know */
	key(pk, "o");
	msgpack_pack_int(pk, 77);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "multi request: unknown op 77");
	/* 2^64 - 10 must not wrap onto createSession (-10) */
	pk = multi1(&r, 2);
	key(pk, "o");
	msgpack_pack_uint64(pk, UINT64_MAX - 9);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EUNIMPLEMENTED);
	ZK_ASSERT_STR(e.msg, "multi request: unknown op 18446744073709551606");

	pk = req1(&r, ZK_OP_MULTI, "ops");	/* op 1 lacks its path */
	msgpack_pack_array(pk, 2);
	msgpack_pack_map(pk, 2);
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_CHECK);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	msgpack_pack_map(pk, 2);
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_SETDATA);
	key(pk, "d");
	msgpack_pack_bin_with_body(pk, "x", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 1 has no path");

	pk = multi1(&r, 2);		/* a NUL in an op's path */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_CREATE);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a\0b", 4);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: the path holds a NUL byte");
	pk = multi1(&r, 2);		/* path as bin */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_DELETE);
	key(pk, "p");
	msgpack_pack_bin_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: the path is not a string");
	pk = multi1(&r, 3);		/* version as str */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_CHECK);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	key(pk, "v");
	msgpack_pack_str_with_body(pk, "1", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: the version is not an "
	    "integer");
	pk = multi1(&r, 3);		/* flags negative */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_CREATE);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	key(pk, "f");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = multi1(&r, 3);		/* a key that is no string */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_DELETE);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "multi request op 0: a field name is not a "
	    "string");
	big = zk_xcalloc(1, MAXD + 1);
	pk = multi1(&r, 3);		/* data over the limit, given as str */
	key(pk, "o");
	msgpack_pack_int(pk, ZK_OP_SETDATA);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	key(pk, "d");
	msgpack_pack_str_with_body(pk, big, MAXD + 1);
	free(big);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg, "data is 1048577 bytes, over the limit of "
	    "1048576");
}

/* proto (5): only check, create, setData and delete stand in a multi. */
static void
test_multi_op_kinds(void)
{
	static const int	 no[] = { ZK_OP_EXISTS, ZK_OP_GETDATA,
	    ZK_OP_SYNC, ZK_OP_PING, ZK_OP_GETCHILDREN, ZK_OP_MULTI,
	    ZK_OP_REMOVEWATCH, ZK_OP_DELETECONTAINER, ZK_OP_SETWATCHES,
	    ZK_OP_ADDWATCH, ZK_OP_CONNECT, ZK_OP_CLOSE, ZK_OP_STATUS };
	static const int	 yes[] = { ZK_OP_CHECK, ZK_OP_CREATE,
	    ZK_OP_SETDATA, ZK_OP_DELETE };
	char			 want[ZK_ERROR_MSG_MAX];
	struct raw		 r;
	struct zk_error		 e;
	msgpack_packer		*pk;
	size_t			 i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		pk = multi1(&r, 2);
		key(pk, "o");
		msgpack_pack_int(pk, no[i]);
		key(pk, "p");
		msgpack_pack_str_with_body(pk, "/a", 2);
		ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
		snprintf(want, sizeof(want),
		    "multi request op 0: a multi cannot hold a %s",
		    zk_op_name(no[i]));
		ZK_ASSERT_STR(e.msg, want);
	}
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		pk = multi1(&r, 2);
		key(pk, "o");
		msgpack_pack_int(pk, yes[i]);
		key(pk, "p");
		msgpack_pack_str_with_body(pk, "/a", 2);
		ZK_ASSERT_EQ(raw_req(&r, &e), ZK_OK);
	}
}

/* proto (1): a multi cut short anywhere, or claiming ops it lacks, fails. */
static void
test_multi_truncated(void)
{
	struct zk_multi_op	 ops[3];
	struct zk_request	 in, out;
	struct zk_error		 e;
	struct zk_buf		 b;
	struct raw		 r;
	msgpack_packer		*pk;
	size_t			 n;
	char			*cut;

	memset(ops, 0, sizeof(ops));
	ops[0].op = ZK_OP_CHECK;
	ops[0].path = "/a";
	ops[1].op = ZK_OP_CREATE;
	ops[1].path = "/a/b";
	ops[1].data = "data";
	ops[1].data_len = 4;
	ops[2].op = ZK_OP_DELETE;
	ops[2].path = "/c";
	memset(&in, 0, sizeof(in));
	in.xid = 3;
	in.op = ZK_OP_MULTI;
	in.ops = ops;
	in.nops = 3;
	ZK_ASSERT(enc_req(&b, &in));
	for (n = 0; n < b.len - 4; n++) {
		cut = zk_xmemdup(b.data + 4, n);
		ZK_ASSERT_EQ(zk_proto_decode_request(cut, n, MAXD, &out, &e),
		    ZK_EMARSHALLING);
		ZK_ASSERT(is_zero(&out, sizeof(out)));
		free(cut);
	}
	zk_buf_close(&b);

	/* An ops array claiming three ops and holding two. */
	pk = req1(&r, ZK_OP_MULTI, "ops");
	msgpack_pack_array(pk, 3);
	for (n = 0; n < 2; n++) {
		msgpack_pack_map(pk, 2);
		key(pk, "o");
		msgpack_pack_int(pk, ZK_OP_DELETE);
		key(pk, "p");
		msgpack_pack_str_with_body(pk, "/a", 2);
	}
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "request is truncated");
}

/* proto (4): addWatch's mode, want-data and since come back. */
static void
test_addwatch_roundtrip(void)
{
	struct zk_request	 in, out;
	struct zk_error		 e;

	memset(&in, 0, sizeof(in));
	in.xid = 8;
	in.op = ZK_OP_ADDWATCH;
	in.path = "/app";
	in.watch_mode = ZK_WATCH_RECURSIVE;
	in.want_data = 1;
	in.has_since = 1;
	in.since_zxid = ZK_ZXID(5, 9);
	in.since_index = 3;
	in.version = 9;			/* not an addWatch field */
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.op, ZK_OP_ADDWATCH);
	ZK_ASSERT_STR(out.path, "/app");
	ZK_ASSERT_EQ(out.watch_mode, ZK_WATCH_RECURSIVE);
	ZK_ASSERT_EQ(out.want_data, 1);
	ZK_ASSERT_EQ(out.has_since, 1);
	ZK_ASSERT_EQ(out.since_zxid, ZK_ZXID(5, 9));
	ZK_ASSERT_EQ(out.since_index, 3);
	ZK_ASSERT_EQ(out.version, -1);
	zk_request_close(&out);

	/* Extremes of since: zxid 0 and the index before every event. */
	in.since_zxid = 0;
	in.since_index = INT32_MIN;
	in.watch_mode = ZK_WATCH_PERSISTENT;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.has_since, 1);
	ZK_ASSERT_EQ(out.since_zxid, 0);
	ZK_ASSERT_EQ(out.since_index, INT32_MIN);
	ZK_ASSERT_EQ(out.watch_mode, ZK_WATCH_PERSISTENT);
	zk_request_close(&out);
	in.since_zxid = INT64_MAX;
	in.since_index = ZK_EVINDEX_ALL;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.since_zxid, INT64_MAX);
	ZK_ASSERT_EQ(out.since_index, ZK_EVINDEX_ALL);
	zk_request_close(&out);

	/* No since: none sent, and the index reads "after all". */
	in.has_since = 0;
	in.since_zxid = 77;
	in.since_index = 4;
	in.want_data = 0;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.has_since, 0);
	ZK_ASSERT_EQ(out.since_zxid, 0);
	ZK_ASSERT_EQ(out.since_index, ZK_EVINDEX_ALL);
	ZK_ASSERT_EQ(out.want_data, 0);
	zk_request_close(&out);
}

/* [1, addWatch, {"p": "/", "m": 0, k: <value>}], value by the caller. */
static msgpack_packer *
addwatch3(struct raw *r, const char *k)
{
	msgpack_packer	*pk = raw_begin(r);

	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_ADDWATCH);
	msgpack_pack_map(pk, 3);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/", 1);
	key(pk, "m");
	msgpack_pack_int(pk, 0);
	key(pk, k);
	return pk;
}

/* proto (1): addWatch takes modes 0 and 1 only, and typed fields. */
static void
test_addwatch_malformed(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;
	int		 m;

	for (m = ZK_WATCH_ONESHOT_DATA; m <= ZK_WATCH_ANY; m++) {
		pk = req2(&r, ZK_OP_ADDWATCH, "m");
		msgpack_pack_int(pk, m);
		ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
		ZK_ASSERT_STR(e.msg, "addWatch request: the mode is out of "
		    "range");
	}
	pk = req2(&r, ZK_OP_ADDWATCH, "m");
	msgpack_pack_int(pk, 5);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_ADDWATCH, "m");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_ADDWATCH, "m");
	msgpack_pack_str_with_body(pk, "0", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request: the mode is not an integer");
	pk = req1(&r, ZK_OP_ADDWATCH, "p");
	msgpack_pack_str_with_body(pk, "/", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request has no mode");
	pk = req1(&r, ZK_OP_ADDWATCH, "m");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request has no path");
	pk = req1(&r, ZK_OP_ADDWATCH, "p");
	msgpack_pack_str_with_body(pk, "/\0", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);

	pk = addwatch3(&r, "wd");
	msgpack_pack_int(pk, 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request: the want-data flag is not a "
	    "boolean");
	pk = addwatch3(&r, "sz");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request: the since zxid is out of "
	    "range");
	pk = addwatch3(&r, "sz");
	msgpack_pack_str_with_body(pk, "0x1", 3);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = addwatch3(&r, "sz");
	msgpack_pack_uint64(pk, (uint64_t)INT64_MAX + 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = addwatch3(&r, "si");
	msgpack_pack_int64(pk, (int64_t)INT32_MAX + 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request: the since index is out of "
	    "range");
	pk = addwatch3(&r, "si");
	msgpack_pack_nil(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = addwatch3(&r, "m");	/* the mode twice */
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "addWatch request: the mode is there twice");
}

/* proto (4), (1): removeWatch modes 0..4, ZK_WATCH_ANY when none sent. */
static void
test_removewatch(void)
{
	struct zk_request	 in, out;
	struct zk_error		 e;
	struct raw		 r;
	msgpack_packer		*pk;
	int			 m;

	memset(&in, 0, sizeof(in));
	in.xid = 2;
	in.op = ZK_OP_REMOVEWATCH;
	in.path = "/w";
	for (m = ZK_WATCH_PERSISTENT; m <= ZK_WATCH_ANY; m++) {
		in.watch_mode = m;
		ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
		ZK_ASSERT_EQ(out.op, ZK_OP_REMOVEWATCH);
		ZK_ASSERT_STR(out.path, "/w");
		ZK_ASSERT_EQ(out.watch_mode, m);
		zk_request_close(&out);
	}

	pk = req1(&r, ZK_OP_REMOVEWATCH, "p");
	msgpack_pack_str_with_body(pk, "/w", 2);
	ZK_ASSERT_EQ(zk_proto_decode_request(r.b.data, r.b.len, MAXD, &out,
	    &e), ZK_OK);
	ZK_ASSERT_EQ(out.watch_mode, ZK_WATCH_ANY);
	zk_request_close(&out);
	zk_buf_close(&r.b);

	pk = req2(&r, ZK_OP_REMOVEWATCH, "m");
	msgpack_pack_int(pk, 5);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "removeWatch request: the mode is out of range");
	pk = req2(&r, ZK_OP_REMOVEWATCH, "m");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req2(&r, ZK_OP_REMOVEWATCH, "m");
	msgpack_pack_true(pk);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = req1(&r, ZK_OP_REMOVEWATCH, "m");
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "removeWatch request has no path");
}

/* proto (4): setWatches' zxid and three path lists come back. */
static void
test_setwatches_roundtrip(void)
{
	char			*dw[] = { "/a", "/b/c" };
	char			*cw[] = { "/", "/x-\xe2\x82\xac", "/a" };
	char			**many;
	struct zk_request	 in, out;
	struct zk_error		 e;
	size_t			 i;

	memset(&in, 0, sizeof(in));
	in.xid = 4;
	in.op = ZK_OP_SETWATCHES;
	in.last_zxid = ZK_ZXID(4, 2);
	in.data_watches = dw;
	in.ndata_watches = 2;
	in.child_watches = cw;
	in.nchild_watches = 3;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.op, ZK_OP_SETWATCHES);
	ZK_ASSERT_EQ(out.last_zxid, ZK_ZXID(4, 2));
	ZK_ASSERT_EQ(out.ndata_watches, 2);
	ZK_ASSERT_STR(out.data_watches[0], "/a");
	ZK_ASSERT_STR(out.data_watches[1], "/b/c");
	ZK_ASSERT(out.exist_watches == NULL && out.nexist_watches == 0);
	ZK_ASSERT_EQ(out.nchild_watches, 3);
	for (i = 0; i < 3; i++)
		ZK_ASSERT_STR(out.child_watches[i], cw[i]);
	zk_request_close(&out);
	ZK_ASSERT(is_zero(&out, sizeof(out)));

	/* Only exists watches, then none at all. */
	memset(&in, 0, sizeof(in));
	in.op = ZK_OP_SETWATCHES;
	in.exist_watches = dw;
	in.nexist_watches = 1;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.nexist_watches, 1);
	ZK_ASSERT_STR(out.exist_watches[0], "/a");
	ZK_ASSERT(out.data_watches == NULL && out.child_watches == NULL);
	zk_request_close(&out);
	in.nexist_watches = 0;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT(out.data_watches == NULL && out.exist_watches == NULL &&
	    out.child_watches == NULL);
	zk_request_close(&out);

	/* ZK_SETWATCHES_MAX paths pass; one more is too many. */
	many = zk_xcalloc(ZK_SETWATCHES_MAX + 1, sizeof(char *));
	for (i = 0; i <= ZK_SETWATCHES_MAX; i++)
		many[i] = "/p";
	in.data_watches = many;
	in.ndata_watches = ZK_SETWATCHES_MAX / 2;
	in.child_watches = many;
	in.nchild_watches = ZK_SETWATCHES_MAX - ZK_SETWATCHES_MAX / 2;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_OK);
	ZK_ASSERT_EQ(out.ndata_watches + out.nchild_watches,
	    ZK_SETWATCHES_MAX);
	zk_request_close(&out);
	in.exist_watches = many;
	in.nexist_watches = 1;
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_ETOOBIG);
	ZK_ASSERT_STR(e.msg, "setWatches request has 10001 paths, over the "
	    "limit of 10000");
	free(many);
}

/* [1, setWatches, {"lz": 5, k: <value>}], the value by the caller. */
static msgpack_packer *
setwatches2(struct raw *r, const char *k)
{
	msgpack_packer	*pk = raw_begin(r);

	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 1);
	msgpack_pack_int(pk, ZK_OP_SETWATCHES);
	msgpack_pack_map(pk, 2);
	key(pk, "lz");
	msgpack_pack_int(pk, 5);
	key(pk, k);
	return pk;
}

/* proto (1), (2): setWatches' lists hold strings without NULs. */
static void
test_setwatches_malformed(void)
{
	struct raw	 r;
	struct zk_error	 e;
	msgpack_packer	*pk;

	pk = req1(&r, ZK_OP_SETWATCHES, "dw");
	msgpack_pack_array(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request has no last zxid");
	pk = req1(&r, ZK_OP_SETWATCHES, "lz");
	msgpack_pack_str_with_body(pk, "5", 1);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	pk = setwatches2(&r, "dw");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request: the data watch list is not "
	    "an array");
	pk = setwatches2(&r, "ew");
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request: the exists watch list is "
	    "not an array");
	pk = setwatches2(&r, "cw");	/* a bin among the paths */
	msgpack_pack_array(pk, 2);
	msgpack_pack_str_with_body(pk, "/a", 2);
	msgpack_pack_bin_with_body(pk, "/b", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request: the watch path is not a "
	    "string");
	pk = setwatches2(&r, "dw");	/* a NUL in the third path */
	msgpack_pack_array(pk, 3);
	msgpack_pack_str_with_body(pk, "/a", 2);
	msgpack_pack_str_with_body(pk, "/b", 2);
	msgpack_pack_str_with_body(pk, "/c\0", 3);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request: the watch path holds a NUL "
	    "byte");
	pk = setwatches2(&r, "lz");
	msgpack_pack_int(pk, 6);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "setWatches request: the last zxid is there "
	    "twice");
}

/* proto (5): a check, or a deleteContainer, is no request on its own. */
static void
test_not_alone(void)
{
	struct zk_request	 in, out;
	struct zk_error		 e;
	struct raw		 r;
	msgpack_packer		*pk;

	memset(&in, 0, sizeof(in));
	in.xid = 1;
	in.op = ZK_OP_CHECK;
	in.path = "/a";
	ZK_ASSERT_EQ(req_again(&in, MAXD, &out, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "check is not a request outside a multi");
	pk = req1(&r, ZK_OP_DELETECONTAINER, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_req(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "deleteContainer is not a request");
}

/* proto (4): a multi's results, and a failed multi's index, come back. */
static void
test_multi_reply_roundtrip(void)
{
	struct zk_stat		 st = { ZK_ZXID(2, 5), ZK_ZXID(2, 5), 1, 2,
	    3, 0, 0, 0, ZK_CONTAINER_OWNER, 4, 0 };
	struct zk_op_result	 res[4];
	struct zk_reply		 r, out;
	struct zk_error		 e;
	struct zk_buf		 b;

	memset(res, 0, sizeof(res));
	res[1].path = "/q/c-0000000001";
	res[1].stat = st;
	res[1].has_stat = 1;
	res[2].stat = st;
	res[2].stat.version = 9;
	res[2].has_stat = 1;
	memset(&r, 0, sizeof(r));
	r.xid = 11;
	r.zxid = ZK_ZXID(2, 5);
	r.results = res;
	r.nresults = 4;
	ZK_ASSERT(reply_roundtrip(&r));
	ZK_ASSERT(enc_rep(&b, &r));
	ZK_ASSERT_EQ(zk_proto_decode_reply(b.data + 4, b.len - 4, &out, &e),
	    ZK_OK);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(out.nresults, 4);
	ZK_ASSERT(out.results[0].path == NULL && !out.results[0].has_stat);
	ZK_ASSERT_STR(out.results[1].path, "/q/c-0000000001");
	ZK_ASSERT_EQ(out.results[1].stat.ephemeral_owner, ZK_CONTAINER_OWNER);
	ZK_ASSERT_EQ(out.results[2].stat.version, 9);
	/* No "x": fail_index reads -1. */
	ZK_ASSERT_EQ(out.has_fail_index, 0);
	ZK_ASSERT_EQ(out.fail_index, -1);
	zk_reply_close(&out);

	/* A failed multi: the failing op's error, its index, no results. */
	memset(&r, 0, sizeof(r));
	r.xid = 12;
	r.err = ZK_EBADVERSION;
	r.fail_index = 2;
	r.has_fail_index = 1;
	ZK_ASSERT(reply_roundtrip(&r));
	ZK_ASSERT(enc_rep(&b, &r));
	ZK_ASSERT_EQ(zk_proto_decode_reply(b.data + 4, b.len - 4, &out, &e),
	    ZK_OK);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(out.err, ZK_EBADVERSION);
	ZK_ASSERT_EQ(out.fail_index, 2);
	ZK_ASSERT(out.results == NULL);
	zk_reply_close(&out);

	/* Index 0 is an index; results with errors in them travel too. */
	res[0].err = ZK_ENONODE;
	r.fail_index = 0;
	r.results = res;
	r.nresults = 1;
	ZK_ASSERT(reply_roundtrip(&r));
	r.fail_index = INT32_MAX;
	r.nresults = 0;
	ZK_ASSERT(reply_roundtrip(&r));
}

/* proto (1): multi results and indexes are checked as strictly. */
static void
test_multi_reply_malformed(void)
{
	struct zk_op_result	 res[2];
	struct zk_reply		 rep, rout;
	struct zk_error		 e;
	struct zk_buf		 b;
	struct raw		 r;
	msgpack_packer		*pk;
	size_t			 n;
	char			*cut;

	pk = rep1(&r, "r");
	msgpack_pack_map(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the result list is not an array");
	pk = rep1(&r, "r");
	msgpack_pack_array(pk, 1);
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: a multi result is not a map");
	pk = rep1(&r, "r");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 1);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a", 2);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: a multi result has no error code");
	pk = rep1(&r, "r");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 1);
	key(pk, "e");
	msgpack_pack_str_with_body(pk, "0", 1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the error code is not an integer");
	pk = rep1(&r, "r");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 1);
	key(pk, "e");
	msgpack_pack_int64(pk, INT64_MAX);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "r");		/* a NUL in a created path */
	msgpack_pack_array(pk, 2);
	msgpack_pack_map(pk, 1);
	key(pk, "e");
	msgpack_pack_int(pk, 0);
	msgpack_pack_map(pk, 2);
	key(pk, "e");
	msgpack_pack_int(pk, 0);
	key(pk, "p");
	msgpack_pack_str_with_body(pk, "/a\0", 3);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the path holds a NUL byte");
	pk = rep1(&r, "r");		/* a short stat */
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 2);
	key(pk, "e");
	msgpack_pack_int(pk, 0);
	key(pk, "s");
	msgpack_pack_array(pk, 1);
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "r");		/* "e" twice */
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 2);
	key(pk, "e");
	msgpack_pack_int(pk, 0);
	key(pk, "e");
	msgpack_pack_int(pk, 0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the error code is there twice");
	pk = rep1(&r, "x");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the failed op index is out of range");
	pk = rep1(&r, "x");
	msgpack_pack_str_with_body(pk, "1", 1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	pk = rep1(&r, "i");
	msgpack_pack_int(pk, -1);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);
	ZK_ASSERT_STR(e.msg, "reply: the event index is out of range");
	pk = rep1(&r, "i");
	msgpack_pack_double(pk, 1.0);
	ZK_ASSERT_EQ(raw_rep(&r, &e), ZK_EMARSHALLING);

	/* A multi reply cut short at any byte. */
	memset(res, 0, sizeof(res));
	res[0].path = "/made";
	res[1].has_stat = 1;
	memset(&rep, 0, sizeof(rep));
	rep.xid = 5;
	rep.results = res;
	rep.nresults = 2;
	rep.has_fail_index = 1;
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

/* Mutates the payload of b n times; each decode succeeds or fails clean. */
static int
mutate(const struct zk_buf *b, int request, int n)
{
	struct zk_request	 out;
	struct zk_reply		 rout;
	struct zk_error		 e;
	unsigned char		*p;
	size_t			 len = b->len - 4, k;
	int			 i, rc, ok = 0;

	for (i = 0; i < n; i++) {
		p = zk_xmemdup(b->data + 4, len);
		for (k = 1 + rng() % 3; k > 0; k--)
			p[rng() % len] = (unsigned char)rng();
		if (request) {
			rc = zk_proto_decode_request((char *)p, len, 64, &out,
			    &e);
			if (rc != ZK_OK && rc != ZK_EMARSHALLING &&
			    rc != ZK_ETOOBIG && rc != ZK_EUNIMPLEMENTED)
				return -1;
			if (rc != ZK_OK && !is_zero(&out, sizeof(out)))
				return -1;
			zk_request_close(&out);
		} else {
			rc = zk_proto_decode_reply((char *)p, len, &rout, &e);
			if (rc != ZK_OK && (rc != ZK_EMARSHALLING ||
			    !is_zero(&rout, sizeof(rout))))
				return -1;
			zk_reply_close(&rout);
		}
		ok += rc == ZK_OK;
		free(p);
	}
	return ok;
}

/* proto (1), (2): the new messages, damaged, decode or fail cleanly. */
static void
test_new_mutated(void)
{
	struct zk_multi_op	 ops[3];
	struct zk_op_result	 res[2];
	struct zk_request	 q;
	struct zk_reply		 rep;
	struct zk_buf		 b;
	char			*paths[] = { "/a", "/b/c", "/d" };
	int			 ok;

	memset(ops, 0, sizeof(ops));
	ops[0].op = ZK_OP_CHECK;
	ops[0].path = "/a";
	ops[0].version = 2;
	ops[1].op = ZK_OP_CREATE;
	ops[1].path = "/a/b";
	ops[1].data = "0123456789";
	ops[1].data_len = 10;
	ops[2].op = ZK_OP_SETDATA;
	ops[2].path = "/c";
	memset(&q, 0, sizeof(q));
	q.op = ZK_OP_MULTI;
	q.ops = ops;
	q.nops = 3;
	ZK_ASSERT(enc_req(&b, &q));
	ok = mutate(&b, 1, 5000);
	zk_buf_close(&b);
	ZK_ASSERT(ok > 0 && ok < 5000);

	memset(&q, 0, sizeof(q));
	q.op = ZK_OP_ADDWATCH;
	q.path = "/w";
	q.want_data = 1;
	q.has_since = 1;
	q.since_zxid = 300;
	ZK_ASSERT(enc_req(&b, &q));
	ok = mutate(&b, 1, 5000);
	zk_buf_close(&b);
	ZK_ASSERT(ok > 0 && ok < 5000);

	memset(&q, 0, sizeof(q));
	q.op = ZK_OP_SETWATCHES;
	q.data_watches = paths;
	q.ndata_watches = 3;
	q.child_watches = paths;
	q.nchild_watches = 2;
	ZK_ASSERT(enc_req(&b, &q));
	ok = mutate(&b, 1, 5000);
	zk_buf_close(&b);
	ZK_ASSERT(ok > 0 && ok < 5000);

	memset(res, 0, sizeof(res));
	res[0].path = "/made";
	res[1].has_stat = 1;
	memset(&rep, 0, sizeof(rep));
	rep.results = res;
	rep.nresults = 2;
	rep.has_fail_index = 1;
	ZK_ASSERT(enc_rep(&b, &rep));
	ok = mutate(&b, 0, 5000);
	zk_buf_close(&b);
	ZK_ASSERT(ok > 0 && ok < 5000);
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
	ZK_RUN(test_multi_roundtrip);
	ZK_RUN(test_multi_at_the_limit);
	ZK_RUN(test_multi_malformed);
	ZK_RUN(test_multi_op_kinds);
	ZK_RUN(test_multi_truncated);
	ZK_RUN(test_addwatch_roundtrip);
	ZK_RUN(test_addwatch_malformed);
	ZK_RUN(test_removewatch);
	ZK_RUN(test_setwatches_roundtrip);
	ZK_RUN(test_setwatches_malformed);
	ZK_RUN(test_not_alone);
	ZK_RUN(test_multi_reply_roundtrip);
	ZK_RUN(test_multi_reply_malformed);
	ZK_RUN(test_new_mutated);
	return ZK_TEST_DONE();
}
