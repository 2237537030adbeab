/* Unit tests for lib/file.c: atomic replacement and directory fsync. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "test.h"

static char	 dir[] = "/tmp/zk-test-file.XXXXXX";

static size_t
slurp(const char *name, char *buf, size_t cap)
{
	char	 path[256];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return (size_t)-1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* file: a replacement holds exactly the new bytes and leaves no .tmp. */
static void
test_replace(void)
{
	char		 buf[64], path[256];
	struct stat	 st;

	ZK_ASSERT_EQ(zk_file_replace(dir, "f", "first", 5, NULL), ZK_OK);
	ZK_ASSERT_EQ(slurp("f", buf, sizeof(buf)), 5);
	ZK_ASSERT_MEM(buf, "first", 5);
	ZK_ASSERT_EQ(zk_file_replace(dir, "f", "2nd", 3, NULL), ZK_OK);
	ZK_ASSERT_EQ(slurp("f", buf, sizeof(buf)), 3);
	ZK_ASSERT_MEM(buf, "2nd", 3);
	ZK_ASSERT_EQ(zk_file_replace(dir, "empty", "", 0, NULL), ZK_OK);
	ZK_ASSERT_EQ(slurp("empty", buf, sizeof(buf)), 0);
	snprintf(path, sizeof(path), "%s/f.tmp", dir);
	ZK_ASSERT(stat(path, &st) == -1);
}

/* file: a failure is ZK_EIO naming the file and the step, nothing left. */
static void
test_failure(void)
{
	struct zk_error	 e;
	char		 missing[300];

	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	ZK_ASSERT_EQ(zk_file_replace(missing, "f", "x", 1, &e), ZK_EIO);
	ZK_ASSERT(strstr(e.msg, "f.tmp") != NULL);
	ZK_ASSERT(strstr(e.msg, "create") != NULL);
	ZK_ASSERT_EQ(zk_fsync_dir(missing), -1);
	ZK_ASSERT_EQ(zk_fsync_dir(dir), 0);
}

int
main(void)
{
	char	 cmd[300];
	int	 rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	ZK_RUN(test_replace);
	ZK_RUN(test_failure);
	rc = ZK_TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0 || rc;
}
