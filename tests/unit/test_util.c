/*
 * Unit tests for lib/util.c: CRC32C against the standard vectors (both the
 * SSE4.2 and the table path), big-endian loads and stores, the growable
 * buffer and the allocation helpers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "util.h"
#include "test.h"

/* util.h: CRC32C("123456789") is the standard check value 0xE3069283. */
static void
test_crc32c_check_value(void)
{
	ZK_ASSERT_EQ(zk_crc32c(0, "123456789", 9), 0xE3069283u);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, "123456789", 9), 0xE3069283u);
	ZK_ASSERT_EQ(zk_crc32c(0, "", 0), 0);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, NULL, 0), 0);
}

/* util.h: the RFC 3720 (iSCSI) vectors of 32 zero and 32 0xFF bytes. */
static void
test_crc32c_rfc3720(void)
{
	unsigned char	 b[32];
	int		 i;

	memset(b, 0, sizeof(b));
	ZK_ASSERT_EQ(zk_crc32c(0, b, 32), 0x8A9136AAu);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, b, 32), 0x8A9136AAu);
	memset(b, 0xff, sizeof(b));
	ZK_ASSERT_EQ(zk_crc32c(0, b, 32), 0x62A8AB43u);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, b, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)	/* incrementing 0..31 */
		b[i] = (unsigned char)i;
	ZK_ASSERT_EQ(zk_crc32c(0, b, 32), 0x46DD794Eu);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, b, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)	/* decrementing 31..0 */
		b[i] = (unsigned char)(31 - i);
	ZK_ASSERT_EQ(zk_crc32c(0, b, 32), 0x113FDB5Cu);
	ZK_ASSERT_EQ(zk_crc32c_sw(0, b, 32), 0x113FDB5Cu);
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* util.h: hardware and table CRC agree at every length 0..300 and offset. */
static void
test_crc32c_hw_sw_agree(void)
{
	unsigned char	 buf[300 + 16];
	size_t		 len, off, i;
	uint32_t	 seed;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rng();
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 300; len++) {
			seed = (uint32_t)rng();
			ZK_ASSERT_EQ(zk_crc32c(0, buf + off, len),
			    zk_crc32c_sw(0, buf + off, len));
			ZK_ASSERT_EQ(zk_crc32c(seed, buf + off, len),
			    zk_crc32c_sw(seed, buf + off, len));
		}
}

/* util.h: crc is a running value: chunks give the CRC of the whole. */
static void
test_crc32c_running(void)
{
	unsigned char	 buf[1000];
	uint32_t	 whole, c;
	size_t		 i, cut;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rng();
	whole = zk_crc32c(0, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 37) {
		c = zk_crc32c(0, buf, cut);
		c = zk_crc32c(c, buf + cut, sizeof(buf) - cut);
		ZK_ASSERT_EQ(c, whole);
		c = zk_crc32c_sw(0, buf, cut);
		c = zk_crc32c_sw(c, buf + cut, sizeof(buf) - cut);
		ZK_ASSERT_EQ(c, whole);
	}
	/* One flipped bit changes it. */
	buf[500] ^= 0x10;
	ZK_ASSERT(zk_crc32c(0, buf, sizeof(buf)) != whole);
}

/* util.h: be32 is big-endian, store and load are inverses, at any address. */
static void
test_be32(void)
{
	unsigned char	 b[8];
	uint32_t	 v;
	int		 i, off;

	zk_store_be32(b, 0x01020304u);
	ZK_ASSERT_MEM(b, "\x01\x02\x03\x04", 4);
	ZK_ASSERT_EQ(zk_load_be32("\xff\x00\x00\x01"), 0xff000001u);
	ZK_ASSERT_EQ(zk_load_be32("\x00\x00\x00\x00"), 0);
	zk_store_be32(b, UINT32_MAX);
	ZK_ASSERT_MEM(b, "\xff\xff\xff\xff", 4);
	for (i = 0; i < 1000; i++) {
		v = (uint32_t)rng();
		off = i % 5;
		memset(b, 0xaa, sizeof(b));
		zk_store_be32(b + off, v);
		ZK_ASSERT_EQ(zk_load_be32(b + off), v);
		/* Only its four bytes were written. */
		if (off > 0)
			ZK_ASSERT_EQ(b[off - 1], 0xaa);
		if (off + 4 < 8)
			ZK_ASSERT_EQ(b[off + 4], 0xaa);
	}
}

/* util.h: zk_buf grows to hold whatever is appended, in order, intact. */
static void
test_buf_growth(void)
{
	struct zk_buf	 b;
	unsigned char	 chunk[97];
	size_t		 i, total = 0, j;
	int		 ok = 1;

	zk_buf_init(&b);
	ZK_ASSERT(b.data == NULL && b.len == 0 && b.cap == 0);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < i % sizeof(chunk); j++)
			chunk[j] = (unsigned char)(total + j);
		zk_buf_append(&b, chunk, i % sizeof(chunk));
		total += i % sizeof(chunk);
		ZK_ASSERT_EQ(b.len, total);
		ZK_ASSERT(b.cap >= b.len);
	}
	for (j = 0; j < total; j++)
		ok &= b.data[j] == (char)(unsigned char)j;
	ZK_ASSERT(ok);

	/* Reserve makes room without changing the content. */
	zk_buf_reserve(&b, 1 << 20);
	ZK_ASSERT(b.cap >= total + (1 << 20));
	ZK_ASSERT_EQ(b.len, total);
	ZK_ASSERT_EQ((unsigned char)b.data[total - 1],
	    (unsigned char)(total - 1));

	/* An empty append changes nothing. */
	zk_buf_append(&b, NULL, 0);
	ZK_ASSERT_EQ(b.len, total);

	zk_buf_close(&b);
	ZK_ASSERT(b.data == NULL && b.len == 0 && b.cap == 0);

	/* A zeroed buffer works without zk_buf_init. */
	memset(&b, 0, sizeof(b));
	zk_buf_append(&b, "xyz", 3);
	ZK_ASSERT_EQ(b.len, 3);
	ZK_ASSERT_MEM(b.data, "xyz", 3);
	zk_buf_close(&b);
}

/* util.h: zk_buf_write is a msgpack_packer write callback that appends. */
static void
test_buf_as_packer(void)
{
	struct zk_buf	 b;
	msgpack_packer	 pk;

	zk_buf_init(&b);
	zk_buf_append(&b, "H", 1);
	msgpack_packer_init(&pk, &b, zk_buf_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_str_with_body(&pk, "ab", 2);
	ZK_ASSERT_EQ(b.len, 6);
	ZK_ASSERT_MEM(b.data, "H\x92\x01\xa2" "ab", 6);
	zk_buf_close(&b);
}

/* util.h: the x-allocators return usable copies, also of zero bytes. */
static void
test_xalloc(void)
{
	char	*s, *p;
	int	*z;
	int	 i;

	s = zk_xstrdup("hello");
	ZK_ASSERT_STR(s, "hello");
	free(s);
	p = zk_xmemdup("a\0b", 3);
	ZK_ASSERT_MEM(p, "a\0b", 3);
	free(p);
	p = zk_xmemdup(NULL, 0);
	ZK_ASSERT(p != NULL);
	free(p);
	z = zk_xcalloc(100, sizeof(int));
	for (i = 0; i < 100; i++)
		ZK_ASSERT_EQ(z[i], 0);
	z = zk_xrealloc(z, 1000 * sizeof(int));
	ZK_ASSERT_EQ(z[99], 0);
	free(z);
	p = zk_xmalloc(0);
	ZK_ASSERT(p != NULL);
	free(p);
}

/* util.h: clocks move forward and agree on their units. */
static void
test_clocks(void)
{
	int64_t	 ms, us, ms2, us2, wall;

	ms = zk_now_mono_ms();
	us = zk_now_mono_us();
	wall = zk_now_wall_ms();
	ZK_ASSERT(wall > 1500000000000LL);	/* after 2017 */
	ZK_ASSERT(us / 1000 - ms >= 0 && us / 1000 - ms < 1000);
	ms2 = zk_now_mono_ms();
	us2 = zk_now_mono_us();
	ZK_ASSERT(ms2 >= ms);
	ZK_ASSERT(us2 >= us);
}

int
main(void)
{
	ZK_RUN(test_crc32c_check_value);
	ZK_RUN(test_crc32c_rfc3720);
	ZK_RUN(test_crc32c_hw_sw_agree);
	ZK_RUN(test_crc32c_running);
	ZK_RUN(test_be32);
	ZK_RUN(test_buf_growth);
	ZK_RUN(test_buf_as_packer);
	ZK_RUN(test_xalloc);
	ZK_RUN(test_clocks);
	return ZK_TEST_DONE();
}
