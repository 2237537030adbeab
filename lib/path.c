/*
 * ZooKeeper paths: validation by PathUtils.validatePath's rules, read on
 * UTF-8 bytes, the parent and last-component helpers, and the hash the
 * tree and the session table index paths with.
 *
 * Invariants:
 *  (1) zk_path_validate reads exactly len bytes of p and never past them.
 *  (2) Every refused path gets the message of the first rule it breaks,
 *      scanning left to right as ZooKeeper does.
 *  (3) zk_path_hash depends only on the bytes, not on the host's byte
 *      order or word size, so replicas may compare digests built on it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "util.h"

#define K1	0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio, odd */
#define K2	0xd6e8feb86659fd93ULL	/* another odd constant, well mixed */

/*
 * Decodes one UTF-8 character at p (n > 0 bytes left). Returns its width
 * and sets *cp, or returns 0 for bytes that are not shortest-form UTF-8
 * of a scalar value.
 */
static size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t	 c = p[0], min;
	size_t		 w, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		w = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		w = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		w = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	if (n < w)
		return 0;
	for (i = 1; i < w; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return w;
}

/* The characters ZooKeeper refuses (PathUtils), as code points. */
static int
forbidden(uint32_t cp)
{
	return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0xd800 && cp <= 0xf8ff) || cp >= 0xfff0;
}

/*
 * The rules on p as if p were followed by one more ordinary character
 * when seq is set (a sequential create's suffix).
 */
static int
validate(const char *s, size_t len, int seq, struct zk_error *e)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 total = len + (seq ? 1 : 0), i, w;
	uint32_t		 cp;

/* The byte at i of p plus the virtual suffix; '\0' past the end. */
#define AT(i)	((i) < len ? p[i] : ((i) < total ? '1' : '\0'))
/* Whether a component ends right before i. */
#define ENDS(i)	((i) == total || AT(i) == '/')

	if (total == 0)
		return zk_error_set(e, ZK_EBADPATH, "path is empty");
	if (AT(0) != '/')
		return zk_error_set(e, ZK_EBADPATH, "path must start with '/'");
	if (total == 1)
		return ZK_OK;
	if (AT(total - 1) == '/')
		return zk_error_set(e, ZK_EBADPATH,
		    "path must not end with '/'");
	for (i = 1; i < len; i += w) {
		w = 1;
		if (p[i] == '/') {
			if (p[i - 1] == '/')
				return zk_error_set(e, ZK_EBADPATH,
				    "empty node name in path");
			continue;
		}
		if (p[i] == '.' && p[i - 1] == '/') {
			if (ENDS(i + 1))
				return zk_error_set(e, ZK_EBADPATH,
				    "relative node name '.' in path");
			if (AT(i + 1) == '.' && ENDS(i + 2))
				return zk_error_set(e, ZK_EBADPATH,
				    "relative node name '..' in path");
		}
		if ((w = utf8_decode(p + i, len - i, &cp)) == 0)
			return zk_error_set(e, ZK_EBADPATH,
			    "invalid UTF-8 in path");
		if (cp > 0xffff)
			return zk_error_set(e, ZK_EBADPATH,
			    "invalid character \\U%08x in path (outside the "
			    "Basic Multilingual Plane)", (unsigned)cp);
		if (forbidden(cp))
			return zk_error_set(e, ZK_EBADPATH,
			    "invalid character \\u%04x in path", (unsigned)cp);
	}
#undef AT
#undef ENDS
	return ZK_OK;
}

int
zk_path_validate(const char *p, size_t len, struct zk_error *e)
{
	return validate(p, len, 0, e);
}

int
zk_path_validate_sequential(const char *p, size_t len, struct zk_error *e)
{
	return validate(p, len, 1, e);
}

size_t
zk_path_parent_len(const char *p, size_t len)
{
	size_t	 i;

	if (len <= 1)
		return 0;
	for (i = len - 1; i > 0; i--)
		if (p[i] == '/')
			return i;
	return 1;
}

const char *
zk_path_base(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* Absorbs one 64-bit word into h. */
static uint64_t
absorb(uint64_t h, uint64_t k)
{
	h = (h ^ k) * K1;
	return h ^ (h >> 29);
}

uint64_t
zk_path_hash(uint64_t seed, const void *buf, size_t len)
{
	const unsigned char	*b = buf;
	uint64_t		 h, k;
	size_t			 i;

	h = absorb(seed ^ K2, (uint64_t)len);
	for (; len >= 8; b += 8, len -= 8) {
		/* Little-endian by construction, whatever the host. */
		k = 0;
		for (i = 0; i < 8; i++)
			k |= (uint64_t)b[i] << (8 * i);
		h = absorb(h, k);
	}
	k = 0;
	for (i = 0; i < len; i++)
		k |= (uint64_t)b[i] << (8 * i);
	h = absorb(h, k);
	h ^= h >> 32;
	h *= K2;
	return h ^ (h >> 31);
}

char *
zk_path_join(const char *parent, const char *name)
{
	size_t	 pn = strlen(parent), nn = strlen(name);
	char	*p;

	if (strcmp(parent, "/") == 0)
		pn = 0;
	p = zk_xmalloc(pn + nn + 2);
	memcpy(p, parent, pn);
	p[pn] = '/';
	memcpy(p + pn + 1, name, nn + 1);
	return p;
}
