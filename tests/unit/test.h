/*
 * The unit test harness: a test file is a program whose main() calls
 * ZK_RUN(fn) per test and returns ZK_TEST_DONE(). A failed assertion
 * prints file:line and both values and ends that test. The last line of
 * output is "unit NAME: N passed, M failed", which tests/run.sh counts.
 */
#ifndef ZK_TEST_H
#define ZK_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int zk_t_passed, zk_t_failed, zk_t_cur_failed;

#define ZK_FAIL_(...) do { fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
	zk_t_cur_failed = 1; return; } while (0)
#define ZK_ASSERT(c) do { if (!(c)) ZK_FAIL_("assertion failed: %s", #c); } while (0)
#define ZK_ASSERT_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) ZK_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_); } while (0)
#define ZK_ASSERT_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
		ZK_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define ZK_ASSERT_MEM(a, b, n) do { if (memcmp((a), (b), (n)) != 0) \
	ZK_FAIL_("%s and %s differ in %zu bytes", #a, #b, (size_t)(n)); } while (0)
#define ZK_RUN(fn) do { zk_t_cur_failed = 0; fn(); \
	if (zk_t_cur_failed) { zk_t_failed++; fprintf(stderr, "FAIL %s\n", #fn); } \
	else { zk_t_passed++; fprintf(stderr, "ok   %s\n", #fn); } } while (0)
#define ZK_TEST_DONE() (printf("unit %s: %d passed, %d failed\n", __FILE__, \
	zk_t_passed, zk_t_failed), zk_t_failed != 0)

#endif
