/*
 * Unit tests for lib/output.c: text escaping, base64, UTF-8 checks, the
 * exact bytes of text/json/msgpack records, and reading json/msgpack
 * records back as zk-set --from does.
 */
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "output.h"
#include "test.h"

static struct zk_stat
sample_stat(void)
{
	struct zk_stat	 st;

	memset(&st, 0, sizeof(st));
	st.czxid = 0x100000002LL;
	st.mzxid = 0x100000005LL;
	st.pzxid = 0x100000007LL;
	st.ctime = 1700000000123LL;
	st.mtime = 1700000000456LL;
	st.version = 3;
	st.cversion = 2;
	st.aversion = 0;
	st.ephemeral_owner = 0;
	st.data_length = 12;
	st.num_children = 1;
	return st;
}

/* Appends a NUL so the buffer reads as a C string. */
static const char *
cstr(struct zk_buf *b)
{
	zk_buf_append(b, "", 1);
	b->len--;
	return b->data;
}

/* output (1): TAB, newline, backslash and control bytes become escapes. */
static void
test_escape_controls(void)
{
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_escape(&b, "a\tb\nc\\d\x01\x7f\r", 10);
	ZK_ASSERT_STR(cstr(&b), "a\\tb\\nc\\\\d\\x01\\x7f\\x0d");
	ZK_ASSERT(memchr(b.data, '\t', b.len) == NULL);
	ZK_ASSERT(memchr(b.data, '\n', b.len) == NULL);
	zk_buf_close(&b);
}

/* Text escaping keeps valid UTF-8 and hex-escapes bad bytes and C1 controls. */
static void
test_escape_utf8(void)
{
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_escape(&b, "caf\xc3\xa9 \xe2\x82\xac", 9);
	ZK_ASSERT_STR(cstr(&b), "caf\xc3\xa9 \xe2\x82\xac");
	b.len = 0;
	zk_out_escape(&b, "\xff\xc3(\xc2\x85\0z", 7);
	ZK_ASSERT_STR(cstr(&b), "\\xff\\xc3(\\xc2\\x85\\x00z");
	zk_buf_close(&b);
}

/* Base64 gives the RFC 4648 section 10 test vectors and decodes them back. */
static void
test_base64_vectors(void)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba",
	    "foobar" };
	static const char *out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	struct zk_buf	 b, d;
	size_t		 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		zk_buf_init(&b);
		zk_buf_init(&d);
		zk_out_base64(&b, in[i], strlen(in[i]));
		ZK_ASSERT_STR(cstr(&b), out[i]);
		ZK_ASSERT_EQ(zk_out_unbase64(&d, b.data, b.len, NULL), ZK_OK);
		ZK_ASSERT_EQ(d.len, strlen(in[i]));
		if (d.len > 0)
			ZK_ASSERT_MEM(d.data, in[i], d.len);
		zk_buf_close(&b);
		zk_buf_close(&d);
	}
}

/* Every byte value survives a base64 round trip, at every length mod 3. */
static void
test_base64_all_bytes(void)
{
	unsigned char	 raw[258];
	struct zk_buf	 b, d;
	size_t		 i, n;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(255 - i % 256);
	for (n = 255; n <= 258; n++) {
		zk_buf_init(&b);
		zk_buf_init(&d);
		zk_out_base64(&b, raw, n);
		ZK_ASSERT_EQ(b.len, (n + 2) / 3 * 4);
		ZK_ASSERT_EQ(zk_out_unbase64(&d, b.data, b.len, NULL), ZK_OK);
		ZK_ASSERT_EQ(d.len, n);
		ZK_ASSERT_MEM(d.data, raw, n);
		zk_buf_close(&b);
		zk_buf_close(&d);
	}
}

/* The decoder is strict: bad length, characters or padding are errors. */
static void
test_base64_rejects(void)
{
	static const char *bad[] = { "Zm9", "Zm=v", "Z===", "Zm9v!A==",
	    "=m9v", "Zg==Zg==", "Zm8 " };
	struct zk_buf	 d;
	struct zk_error	 e;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zk_buf_init(&d);
		ZK_ASSERT_EQ(zk_out_unbase64(&d, bad[i], strlen(bad[i]), &e),
		    ZK_EBADARGUMENTS);
		ZK_ASSERT_EQ(e.code, ZK_EBADARGUMENTS);
		zk_buf_close(&d);
	}
}

/* UTF-8 validity follows RFC 3629: no overlongs, surrogates or > U+10FFFF. */
static void
test_utf8_valid(void)
{
	ZK_ASSERT(zk_out_utf8_valid("", 0));
	ZK_ASSERT(zk_out_utf8_valid("plain\0nul", 9));
	ZK_ASSERT(zk_out_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	ZK_ASSERT(zk_out_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	ZK_ASSERT(!zk_out_utf8_valid("\xc0\x80", 2));
	ZK_ASSERT(!zk_out_utf8_valid("\xe0\x80\xaf", 3));
	ZK_ASSERT(!zk_out_utf8_valid("\xed\xa0\x80", 3));
	ZK_ASSERT(!zk_out_utf8_valid("\xf4\x90\x80\x80", 4));
	ZK_ASSERT(!zk_out_utf8_valid("\xe2\x82", 2));
	ZK_ASSERT(!zk_out_utf8_valid("\x80", 1));
	ZK_ASSERT(!zk_out_utf8_valid("\xff", 1));
}

/* output (3): the text stat is "name value" lines in ZooKeeper's order. */
static void
test_text_stat(void)
{
	struct zk_stat	 st = sample_stat();
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_text_stat(&b, NULL, &st);
	ZK_ASSERT_STR(cstr(&b),
	    "czxid 0x100000002\nmzxid 0x100000005\nctime 1700000000123\n"
	    "mtime 1700000000456\nversion 3\ncversion 2\naversion 0\n"
	    "ephemeralOwner 0x0\ndataLength 12\nnumChildren 1\n"
	    "pzxid 0x100000007\n");
	b.len = 0;
	zk_out_text_stat(&b, "/a\t", &st);
	ZK_ASSERT(strncmp(cstr(&b), "/a\tczxid 0x100000002\n/a\tmzxid", 29)
	    == 0);
	zk_buf_close(&b);
}

/* A long listing line is "version dataLength numChildren owner name". */
static void
test_text_long(void)
{
	struct zk_stat	 st = sample_stat();
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_text_long(&b, &st, "app");
	ZK_ASSERT_STR(cstr(&b), "3 12 1 - app\n");
	b.len = 0;
	st.ephemeral_owner = 0x1f00000001LL;
	zk_out_text_long(&b, &st, "back\\slash");
	ZK_ASSERT_STR(cstr(&b), "3 12 1 0x1f00000001 back\\slash\n");
	zk_buf_close(&b);
}

/* output (1): a text record is one line, raw PATH, TAB, escaped data. */
static void
test_text_line(void)
{
	struct zk_record r = { .path = "/a\\b", .data = "x\ny", .data_len = 3,
	    .has_data = 1 };
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_text_line(&b, &r);
	ZK_ASSERT_STR(cstr(&b), "/a\\b\tx\\ny\n");
	zk_buf_close(&b);
}

/* A node in json is one compact line with path, data and the stat in order. */
static void
test_json_exact(void)
{
	struct zk_record r = { .path = "/a", .data = "hi \"x\"", .data_len = 6,
	    .has_data = 1 };
	struct zk_buf	 b;

	r.stat = sample_stat();
	r.has_stat = 1;
	zk_buf_init(&b);
	zk_out_json(&b, &r);
	ZK_ASSERT_STR(cstr(&b),
	    "{\"path\":\"/a\",\"data\":\"hi \\\"x\\\"\",\"stat\":{"
	    "\"czxid\":4294967298,\"mzxid\":4294967301,"
	    "\"ctime\":1700000000123,\"mtime\":1700000000456,"
	    "\"version\":3,\"cversion\":2,\"aversion\":0,"
	    "\"ephemeralOwner\":0,\"dataLength\":12,\"numChildren\":1,"
	    "\"pzxid\":4294967303}}\n");
	b.len = 0;
	r.name = "a";
	r.has_stat = 0;
	r.has_data = 0;
	zk_out_json(&b, &r);
	ZK_ASSERT_STR(cstr(&b), "{\"path\":\"/a\",\"name\":\"a\"}\n");
	zk_buf_close(&b);
}

/* output (2): data that is not UTF-8 goes base64 into data_b64, not data. */
static void
test_json_binary(void)
{
	struct zk_record r = { .path = "/b", .data = "\xff\x00\x01",
	    .data_len = 3, .has_data = 1 };
	struct zk_buf	 b;

	zk_buf_init(&b);
	zk_out_json(&b, &r);
	ZK_ASSERT_STR(cstr(&b), "{\"path\":\"/b\",\"data_b64\":\"/wAB\"}\n");
	zk_buf_close(&b);
}

/* Feeds b to a reader one byte at a time and returns the records read. */
static size_t
read_back(int fmt, const struct zk_buf *b, struct zk_record *out, size_t max,
    int *err)
{
	struct zk_out_reader	*rd = zk_out_reader_new(fmt);
	struct zk_error		 e;
	size_t			 i, n = 0;
	int			 rc;

	*err = ZK_OK;
	for (i = 0; i <= b->len && *err == ZK_OK; i++) {
		if (i < b->len)
			zk_out_reader_feed(rd, b->data + i, 1);
		while (n < max && (rc = zk_out_reader_next(rd, i == b->len,
		    &out[n], &e)) != 0) {
			if (rc < 0) {
				*err = rc;
				break;
			}
			n++;
		}
	}
	zk_out_reader_free(rd);
	return n;
}

static void
fill_records(struct zk_record *r, char *big, size_t bign)
{
	memset(r, 0, 3 * sizeof(*r));
	r[0].path = "/app";
	r[0].data = "";
	r[0].has_data = 1;
	r[1].path = "/app/bin";
	r[1].data = "\xff\0tab\there";
	r[1].data_len = 11;
	r[1].has_data = 1;
	r[1].stat = sample_stat();
	r[1].has_stat = 1;
	r[2].path = "/app/big";
	r[2].data = big;
	r[2].data_len = bign;
	r[2].has_data = 1;
}

/* output (2): json and msgpack records read back to the same bytes. */
static void
test_round_trip(void)
{
	struct zk_record	 in[3], out[4];
	struct zk_buf		 b;
	size_t			 bign = 70000, i, n;
	char			*big = zk_xmalloc(bign);
	int			 fmt, err;

	for (i = 0; i < bign; i++)
		big[i] = (char)('a' + i % 26);
	fill_records(in, big, bign);
	for (fmt = ZK_FMT_JSON; fmt <= ZK_FMT_MSGPACK; fmt++) {
		zk_buf_init(&b);
		for (i = 0; i < 3; i++)
			if (fmt == ZK_FMT_JSON)
				zk_out_json(&b, &in[i]);
			else
				zk_out_msgpack(&b, &in[i]);
		n = read_back(fmt, &b, out, 4, &err);
		zk_buf_close(&b);
		ZK_ASSERT_EQ(err, ZK_OK);
		ZK_ASSERT_EQ(n, 3);
		for (i = 0; i < 3; i++) {
			ZK_ASSERT_STR(out[i].path, in[i].path);
			ZK_ASSERT(out[i].has_data);
			ZK_ASSERT_EQ(out[i].data_len, in[i].data_len);
			if (in[i].data_len > 0)
				ZK_ASSERT_MEM(out[i].data, in[i].data,
				    in[i].data_len);
			zk_record_close(&out[i]);
		}
	}
	free(big);
}

/* The msgpack encoding is a map with path, data as bin, and an 11-key stat. */
static void
test_msgpack_shape(void)
{
	struct zk_record r = { .path = "/m", .data = "\x01", .data_len = 1,
	    .has_data = 1 };
	msgpack_unpacked	 u;
	struct zk_buf		 b;
	msgpack_object		*m;

	r.stat = sample_stat();
	r.has_stat = 1;
	zk_buf_init(&b);
	zk_out_msgpack(&b, &r);
	msgpack_unpacked_init(&u);
	ZK_ASSERT_EQ(msgpack_unpack_next(&u, b.data, b.len, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	m = &u.data;
	ZK_ASSERT_EQ(m->type, MSGPACK_OBJECT_MAP);
	ZK_ASSERT_EQ(m->via.map.size, 3);
	ZK_ASSERT_EQ(m->via.map.ptr[1].val.type, MSGPACK_OBJECT_BIN);
	ZK_ASSERT_EQ(m->via.map.ptr[2].val.type, MSGPACK_OBJECT_MAP);
	ZK_ASSERT_EQ(m->via.map.ptr[2].val.via.map.size, 11);
	ZK_ASSERT_EQ(m->via.map.ptr[2].val.via.map.ptr[10].val.via.u64,
	    0x100000007LL);
	msgpack_unpacked_destroy(&u);
	zk_buf_close(&b);
}

/* A last json line without its newline still counts at end of input. */
static void
test_json_last_line(void)
{
	struct zk_buf		 b;
	struct zk_record	 out[2];
	const char		*s = "\n{\"path\":\"/x\",\"data\":\"1\"}\n  \n"
	    "{\"path\":\"/y\",\"data_b64\":\"Mg==\"}";
	size_t			 n;
	int			 err;

	zk_buf_init(&b);
	zk_buf_append(&b, s, strlen(s));
	n = read_back(ZK_FMT_JSON, &b, out, 2, &err);
	zk_buf_close(&b);
	ZK_ASSERT_EQ(err, ZK_OK);
	ZK_ASSERT_EQ(n, 2);
	ZK_ASSERT_STR(out[1].path, "/y");
	ZK_ASSERT_EQ(out[1].data_len, 1);
	ZK_ASSERT_EQ(out[1].data[0], '2');
	zk_record_close(&out[0]);
	zk_record_close(&out[1]);
}

/* Bad records are ZK_EBADARGUMENTS naming the record's number. */
static void
test_reader_errors(void)
{
	static const char *bad[] = {
	    "{\"path\":\"/x\",\"data\":\"1\"}\n{\"path\":\"/y\"}\n",
	    "{\"path\":\"/x\",\"data\":\"1\"}\n{\"data\":\"1\"}\n",
	    "{\"path\":\"/x\",\"data\":\"1\"}\n[1,2]\n",
	    "{\"path\":\"/x\",\"data\":\"1\"}\n{\"path\":\n",
	    "{\"path\":\"/x\",\"data\":\"1\"}\n"
	    "{\"path\":\"/y\",\"data_b64\":\"@\"}",
	};
	struct zk_out_reader	*rd;
	struct zk_record	 r;
	struct zk_error		 e;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rd = zk_out_reader_new(ZK_FMT_JSON);
		zk_out_reader_feed(rd, bad[i], strlen(bad[i]));
		ZK_ASSERT_EQ(zk_out_reader_next(rd, 1, &r, &e), 1);
		zk_record_close(&r);
		ZK_ASSERT_EQ(zk_out_reader_next(rd, 1, &r, &e),
		    ZK_EBADARGUMENTS);
		ZK_ASSERT(strncmp(e.msg, "record 2: ", 10) == 0);
		zk_out_reader_free(rd);
	}
}

/* A msgpack stream cut inside a record is an error at end of input. */
static void
test_msgpack_truncated(void)
{
	struct zk_record r = { .path = "/t", .data = "abc", .data_len = 3,
	    .has_data = 1 };
	struct zk_out_reader	*rd;
	struct zk_record	 out;
	struct zk_error		 e;
	struct zk_buf		 b;

	zk_buf_init(&b);
	zk_out_msgpack(&b, &r);
	zk_out_msgpack(&b, &r);
	rd = zk_out_reader_new(ZK_FMT_MSGPACK);
	zk_out_reader_feed(rd, b.data, b.len - 2);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 0, &out, &e), 1);
	zk_record_close(&out);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 0, &out, &e), 0);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 1, &out, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT(strstr(e.msg, "record 2") != NULL);
	zk_out_reader_free(rd);
	rd = zk_out_reader_new(ZK_FMT_MSGPACK);
	zk_out_reader_feed(rd, "\x81\xa4path", 6);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 0, &out, &e), 0);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 1, &out, &e), ZK_EBADARGUMENTS);
	ZK_ASSERT(strstr(e.msg, "record 1") != NULL);
	zk_out_reader_free(rd);
	rd = zk_out_reader_new(ZK_FMT_MSGPACK);
	zk_out_reader_feed(rd, "\xc1", 1);
	ZK_ASSERT_EQ(zk_out_reader_next(rd, 1, &out, &e), ZK_EBADARGUMENTS);
	zk_out_reader_free(rd);
	zk_buf_close(&b);
}

/* Output format names map to the enum, anything else to -1. */
static void
test_fmt_parse(void)
{
	ZK_ASSERT_EQ(zk_out_fmt_parse("text"), ZK_FMT_TEXT);
	ZK_ASSERT_EQ(zk_out_fmt_parse("json"), ZK_FMT_JSON);
	ZK_ASSERT_EQ(zk_out_fmt_parse("msgpack"), ZK_FMT_MSGPACK);
	ZK_ASSERT_EQ(zk_out_fmt_parse("yaml"), -1);
	ZK_ASSERT_EQ(zk_out_fmt_parse(""), -1);
}

int
main(void)
{
	ZK_RUN(test_escape_controls);
	ZK_RUN(test_escape_utf8);
	ZK_RUN(test_base64_vectors);
	ZK_RUN(test_base64_all_bytes);
	ZK_RUN(test_base64_rejects);
	ZK_RUN(test_utf8_valid);
	ZK_RUN(test_text_stat);
	ZK_RUN(test_text_long);
	ZK_RUN(test_text_line);
	ZK_RUN(test_json_exact);
	ZK_RUN(test_json_binary);
	ZK_RUN(test_round_trip);
	ZK_RUN(test_msgpack_shape);
	ZK_RUN(test_json_last_line);
	ZK_RUN(test_reader_errors);
	ZK_RUN(test_msgpack_truncated);
	ZK_RUN(test_fmt_parse);
	return ZK_TEST_DONE();
}
