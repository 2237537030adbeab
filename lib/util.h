/*
 * Small helpers every file needs: allocation that cannot fail, CRC32C,
 * clocks, and a growable byte buffer.
 */
#ifndef ZK_UTIL_H
#define ZK_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Out of memory is fatal: these print one line and abort, never return NULL. */
void		*zk_xmalloc(size_t n);
void		*zk_xcalloc(size_t n, size_t size);
void		*zk_xrealloc(void *p, size_t n);
char		*zk_xstrdup(const char *s);
void		*zk_xmemdup(const void *p, size_t n);

/*
 * CRC32C (Castagnoli). Uses the SSE4.2 instruction when the CPU has it,
 * a table otherwise; both give the standard check value 0xE3069283 for
 * "123456789". crc is the running value: start from 0.
 */
uint32_t	 zk_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t	 zk_crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* Clocks: wall time for stat ctime/mtime, monotonic for timeouts. */
int64_t		 zk_now_wall_ms(void);
int64_t		 zk_now_mono_ms(void);
int64_t		 zk_now_mono_us(void);

/* Big-endian 32-bit load and store, for frame and record headers. */
uint32_t	 zk_load_be32(const void *p);
void		 zk_store_be32(void *p, uint32_t v);

/* A growable byte buffer; init to zeros or with zk_buf_init. */
struct zk_buf {
	char	*data;	/* owned; NULL when empty and never grown */
	size_t	 len;	/* bytes used */
	size_t	 cap;	/* bytes allocated */
};
void		 zk_buf_init(struct zk_buf *b);
void		 zk_buf_close(struct zk_buf *b);
void		 zk_buf_reserve(struct zk_buf *b, size_t extra);
void		 zk_buf_append(struct zk_buf *b, const void *p, size_t n);
/* msgpack_packer write callback: msgpack_packer_init(&pk, buf, zk_buf_write) */
int		 zk_buf_write(void *buf, const char *p, size_t n);

#endif
