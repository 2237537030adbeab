/*
 * ZooKeeper paths: validation by ZooKeeper's rules (PathUtils.validatePath)
 * and the small string operations the tree needs.
 *
 * Rules: absolute; no trailing '/' except the root "/"; no empty, "." or
 * ".." component; no NUL; no control characters U+0000-U+001F, U+007F-U+009F,
 * U+D800-U+F8FF, U+FFF0-U+FFFF (checked on the UTF-8 bytes).
 * ZooKeeper checks UTF-16 code units, so every character outside the BMP
 * (a surrogate pair there) is refused too, as are bytes that are not
 * UTF-8 (Java would decode them as U+FFFD, which is in the last range).
 */
#ifndef ZK_PATH_H
#define ZK_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * ZK_OK, or ZK_EBADPATH with a message saying which rule ("path must start
 * with '/'", "empty component", ...). len bytes of p are checked (p need not
 * be NUL-terminated; a NUL inside is an error).
 */
int		 zk_path_validate(const char *p, size_t len, struct zk_error *e);

/*
 * The rule for a sequential create: p is valid if p plus a digit is
 * (ZooKeeper validates path + "1"), so "/a/" and "/" are accepted.
 */
int		 zk_path_validate_sequential(const char *p, size_t len,
		    struct zk_error *e);

/*
 * Length of the parent of a valid path: "/a/b" -> 2 ("/a"), "/a" -> 1 ("/"),
 * "/" -> 0 (no parent). For a sequential prefix it is the parent of the
 * name to be: "/a/" -> 2 ("/a").
 */
size_t		 zk_path_parent_len(const char *p, size_t len);

/* A new string: parent and child name joined ("/", "a" -> "/a"). */
char		*zk_path_join(const char *parent, const char *name);

/* The last component of a valid path: "/a/b" -> "b"; "/" -> "". Borrowed. */
const char	*zk_path_base(const char *p);

/*
 * A 64-bit hash of len bytes (not cryptographic; the same on every host,
 * so it may go into digests). seed lets callers chain several fields.
 */
uint64_t	 zk_path_hash(uint64_t seed, const void *p, size_t len);

#endif
