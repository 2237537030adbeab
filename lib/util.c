/* Small helpers: allocation that cannot fail, CRC32C, clocks, byte buffers. */
#include <nmmintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void
oom(size_t n)
{
	fprintf(stderr, "zk: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
zk_xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
zk_xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
zk_xrealloc(void *p, size_t n)
{
	void	*q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
zk_xstrdup(const char *s)
{
	return zk_xmemdup(s, strlen(s) + 1);
}

void *
zk_xmemdup(const void *p, size_t n)
{
	void	*q = zk_xmalloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* The reflected Castagnoli polynomial. */
#define CRC32C_POLY 0x82f63b78u

uint32_t
zk_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t		 table[256];
	static int		 ready;
	const unsigned char	*p = buf;
	uint32_t		 c;
	int			 i, k;

	if (!ready) {	/* racy but idempotent: every thread computes the same */
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint64_t		 c = ~crc;
	uint64_t		 w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

uint32_t
zk_crc32c(uint32_t crc, const void *buf, size_t len)
{
	static int	 hw = -1;

	if (hw < 0) {
		__builtin_cpu_init();
		hw = __builtin_cpu_supports("sse4.2");
	}
	return hw ? crc32c_hw(crc, buf, len) : zk_crc32c_sw(crc, buf, len);
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
zk_now_wall_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000;
}

int64_t
zk_now_mono_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t
zk_now_mono_us(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000;
}

uint32_t
zk_load_be32(const void *p)
{
	const unsigned char	*b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

void
zk_store_be32(void *p, uint32_t v)
{
	unsigned char	*b = p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

void
zk_buf_init(struct zk_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
zk_buf_close(struct zk_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
zk_buf_reserve(struct zk_buf *b, size_t extra)
{
	size_t	 cap = b->cap ? b->cap : 256;

	if (b->len + extra <= b->cap)
		return;
	while (cap < b->len + extra)
		cap *= 2;
	b->data = zk_xrealloc(b->data, cap);
	b->cap = cap;
}

void
zk_buf_append(struct zk_buf *b, const void *p, size_t n)
{
	zk_buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

int
zk_buf_write(void *buf, const char *p, size_t n)
{
	zk_buf_append(buf, p, n);
	return 0;
}
