/* Unit tests for lib/path.c: ZooKeeper's path rules, parents, names, hash. */
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "test.h"

struct pcase {
	const char	*path;
	size_t		 len;	/* 0: strlen(path) */
	const char	*msg;	/* NULL: valid; else the message expected */
};

#define S(lit)	lit, sizeof(lit) - 1	/* a literal that may hold NUL */

static const struct pcase cases[] = {
	{ "/", 0, NULL },
	{ "/a", 0, NULL },
	{ "/a/b/c", 0, NULL },
	{ "/zookeeper", 0, NULL },
	{ "/a.b", 0, NULL },
	{ "/.a", 0, NULL },
	{ "/a.", 0, NULL },
	{ "/...", 0, NULL },
	{ "/a/..b", 0, NULL },
	{ "/a b", 0, NULL },
	{ "/\xc3\xa9t\xc3\xa9", 0, NULL },		/* "été" */
	{ "/\xe4\xb8\xad", 0, NULL },			/* U+4E2D */
	{ "/\xef\xbf\xaf", 0, NULL },		/* U+FFEF, last allowed */
	{ "/\xc2\xa0", 0, NULL },			/* U+00A0 */
	{ "/~!@#$%^&*()_+-=[]{};:'\",<>?|", 0, NULL },
	{ "", 0, "path is empty" },
	{ "a", 0, "path must start with '/'" },
	{ "a/b", 0, "path must start with '/'" },
	{ "/a/", 0, "path must not end with '/'" },
	{ "//", 0, "path must not end with '/'" },
	{ "//a", 0, "empty node name in path" },
	{ "/a//b", 0, "empty node name in path" },
	{ "/.", 0, "relative node name '.' in path" },
	{ "/a/./b", 0, "relative node name '.' in path" },
	{ "/..", 0, "relative node name '..' in path" },
	{ "/a/../b", 0, "relative node name '..' in path" },
	{ "/a/..", 0, "relative node name '..' in path" },
	{ S("/a\0b"), "invalid character \\u0000 in path" },
	{ "/a\x01", 0, "invalid character \\u0001 in path" },
	{ "/a\x1f", 0, "invalid character \\u001f in path" },
	{ "/a\x7f", 0, "invalid character \\u007f in path" },
	{ "/a\xc2\x80", 0, "invalid character \\u0080 in path" },
	{ "/a\xc2\x9f", 0, "invalid character \\u009f in path" },
	{ "/\xee\x80\x80", 0, "invalid character \\ue000 in path" },
	{ "/\xef\xa3\xbf", 0, "invalid character \\uf8ff in path" },
	{ "/\xef\xbf\xb0", 0, "invalid character \\ufff0 in path" },
	{ "/\xef\xbf\xbf", 0, "invalid character \\uffff in path" },
	{ "/\xf0\x9f\x98\x80", 0, "invalid character \\U0001f600 in path "
	    "(outside the Basic Multilingual Plane)" },
	{ "/\xed\xa0\x80", 0, "invalid UTF-8 in path" },	/* surrogate */
	{ "/\xc0\xaf", 0, "invalid UTF-8 in path" },		/* overlong */
	{ "/\xff", 0, "invalid UTF-8 in path" },
	{ "/\xe4\xb8", 0, "invalid UTF-8 in path" },		/* cut short */
	{ "/\x80", 0, "invalid UTF-8 in path" },
};

/* path (1), (2): each rule of PathUtils.validatePath, with its message. */
static void
test_validate_table(void)
{
	struct zk_error	 e;
	size_t		 i, len;
	int		 rc;

	ZK_ASSERT(sizeof(cases) / sizeof(cases[0]) >= 25);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].path);
		memset(&e, 0, sizeof(e));
		rc = zk_path_validate(cases[i].path, len, &e);
		if (cases[i].msg == NULL) {
			if (rc != ZK_OK)
				fprintf(stderr, "case %zu: %s\n", i, e.msg);
			ZK_ASSERT_EQ(rc, ZK_OK);
		} else {
			if (rc != ZK_EBADPATH)
				fprintf(stderr, "case %zu accepted\n", i);
			ZK_ASSERT_EQ(rc, ZK_EBADPATH);
			ZK_ASSERT_EQ(e.code, ZK_EBADPATH);
			ZK_ASSERT_STR(e.msg, cases[i].msg);
		}
	}
}

/* path (1): only len bytes are read; what follows does not matter. */
static void
test_validate_len(void)
{
	ZK_ASSERT_EQ(zk_path_validate("/a/b/", 4, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate("/a//", 2, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate("/a\xe4\xb8\xad", 4, NULL), ZK_EBADPATH);
	ZK_ASSERT_EQ(zk_path_validate("/ab", 0, NULL), ZK_EBADPATH);
}

/* A sequential prefix is valid if it is valid with a digit appended. */
static void
test_validate_sequential(void)
{
	struct zk_error	 e;

	ZK_ASSERT_EQ(zk_path_validate_sequential("/", 1, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate_sequential("/a/", 3, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate_sequential("/a/lock-", 8, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate_sequential("/a/.", 4, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate_sequential("/a/..", 5, NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_path_validate_sequential("/a//", 4, &e), ZK_EBADPATH);
	ZK_ASSERT_STR(e.msg, "empty node name in path");
	ZK_ASSERT_EQ(zk_path_validate_sequential("/./", 3, &e), ZK_EBADPATH);
	ZK_ASSERT_STR(e.msg, "relative node name '.' in path");
	ZK_ASSERT_EQ(zk_path_validate_sequential("", 0, &e), ZK_EBADPATH);
	ZK_ASSERT_STR(e.msg, "path must start with '/'");
	ZK_ASSERT_EQ(zk_path_validate_sequential("/\x01", 2, &e), ZK_EBADPATH);
	ZK_ASSERT_STR(e.msg, "invalid character \\u0001 in path");
}

/* Parent lengths and last components, including the sequential prefix. */
static void
test_parent_and_base(void)
{
	ZK_ASSERT_EQ(zk_path_parent_len("/a/b", 4), 2);
	ZK_ASSERT_EQ(zk_path_parent_len("/a", 2), 1);
	ZK_ASSERT_EQ(zk_path_parent_len("/", 1), 0);
	ZK_ASSERT_EQ(zk_path_parent_len("/abc/def/g", 10), 8);
	ZK_ASSERT_EQ(zk_path_parent_len("/a/", 3), 2);
	ZK_ASSERT_STR(zk_path_base("/a/b"), "b");
	ZK_ASSERT_STR(zk_path_base("/abc"), "abc");
	ZK_ASSERT_STR(zk_path_base("/"), "");
	ZK_ASSERT_STR(zk_path_base("/a/"), "");
}

/* path (3): the hash depends on bytes, seed and length only. */
static void
test_hash(void)
{
	char	 a[32], b[40];

	memcpy(a, "/some/path/of/27/bytes/long", 28);
	memcpy(b + 3, a, 28);
	ZK_ASSERT_EQ(zk_path_hash(0, a, 27), zk_path_hash(0, b + 3, 27));
	ZK_ASSERT(zk_path_hash(0, a, 27) != zk_path_hash(0, a, 26));
	ZK_ASSERT(zk_path_hash(0, a, 27) != zk_path_hash(1, a, 27));
	ZK_ASSERT(zk_path_hash(0, "/a", 2) != zk_path_hash(0, "/b", 2));
	ZK_ASSERT(zk_path_hash(0, "", 0) != zk_path_hash(0, "\0", 1));
	/*
	 * Pinned values: the same on every host, and a change of function
	 * (which changes every digest) does not go unnoticed.
	 */
	ZK_ASSERT(zk_path_hash(0, "/", 1) == 0xbdcfb75f34f684fbULL);
	ZK_ASSERT(zk_path_hash(7, "/zookeeper/quota", 16) ==
	    0xd92a0542d1f4de52ULL);
}

int
main(void)
{
	ZK_RUN(test_validate_table);
	ZK_RUN(test_validate_len);
	ZK_RUN(test_validate_sequential);
	ZK_RUN(test_parent_and_base);
	ZK_RUN(test_hash);
	return ZK_TEST_DONE();
}
