/* Unit tests for lib/config.c: zoo.cfg lines, files, myid and defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

/* Defaults make a standalone server on 127.0.0.1:2181 (config (1)). */
static void
test_defaults(void)
{
	struct zk_config	 c;

	zk_config_defaults(&c);
	ZK_ASSERT_EQ(zk_config_finish(&c, NULL), ZK_OK);
	ZK_ASSERT_EQ(c.client_port, 2181);
	ZK_ASSERT_STR(c.client_address, "127.0.0.1");
	ZK_ASSERT_EQ(c.tick_ms, 2000);
	ZK_ASSERT_EQ(c.min_session_ms, 4000);
	ZK_ASSERT_EQ(c.max_session_ms, 40000);
	ZK_ASSERT_STR(c.data_log_dir, c.data_dir);
	ZK_ASSERT_EQ(c.max_data, 1048576);
	ZK_ASSERT_EQ(c.nservers, 0);
	ZK_ASSERT_EQ(c.commit_log_count, 500);
	ZK_ASSERT_EQ(c.settle_ms, 50);
}

/* Every documented key lands in its field; comments and blanks are fine. */
static void
test_keys(void)
{
	struct zk_config	 c;
	const char		*lines[] = {
		"# a comment", "", "  tickTime = 100 ", "initLimit=7",
		"syncLimit=3", "dataDir=/tmp/zkd", "dataLogDir=/tmp/zkl",
		"clientPort=12345", "clientPortAddress=127.0.0.2",
		"maxClientCnxns=7", "minSessionTimeout=300",
		"maxSessionTimeout=9000", "snapCount=50",
		"autopurge.snapRetainCount=5", "jute.maxbuffer=2048",
		"preAllocSize=128", "globalOutstandingLimit=10",
		"commitLogCount=20", "electionSettleMs=7",
		"someUnknownKey=whatever",
	};
	size_t			 i;

	zk_config_defaults(&c);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ZK_ASSERT_EQ(zk_config_line(&c, lines[i], NULL), ZK_OK);
	ZK_ASSERT_EQ(zk_config_finish(&c, NULL), ZK_OK);
	ZK_ASSERT_EQ(c.tick_ms, 100);
	ZK_ASSERT_EQ(c.init_limit, 7);
	ZK_ASSERT_EQ(c.sync_limit, 3);
	ZK_ASSERT_STR(c.data_dir, "/tmp/zkd");
	ZK_ASSERT_STR(c.data_log_dir, "/tmp/zkl");
	ZK_ASSERT_EQ(c.client_port, 12345);
	ZK_ASSERT_STR(c.client_address, "127.0.0.2");
	ZK_ASSERT_EQ(c.max_client_cnxns, 7);
	ZK_ASSERT_EQ(c.min_session_ms, 300);
	ZK_ASSERT_EQ(c.max_session_ms, 9000);
	ZK_ASSERT_EQ(c.snap_count, 50);
	ZK_ASSERT_EQ(c.snap_retain, 5);
	ZK_ASSERT_EQ(c.max_data, 2048);
	ZK_ASSERT_EQ(c.prealloc, 128 * 1024);
	ZK_ASSERT_EQ(c.max_outstanding, 10);
	ZK_ASSERT_EQ(c.commit_log_count, 20);
	ZK_ASSERT_EQ(c.settle_ms, 7);
}

/* server.N lines parse, with and without a role; bad ones are refused. */
static void
test_servers(void)
{
	struct zk_config	 c;
	struct zk_error		 e;

	zk_config_defaults(&c);
	ZK_ASSERT_EQ(zk_config_line(&c, "server.1=127.0.0.1:2888:3888", &e),
	    ZK_OK);
	ZK_ASSERT_EQ(zk_config_line(&c,
	    "server.3=127.0.0.3:2890:3890:observer", &e), ZK_OK);
	ZK_ASSERT_EQ(c.nservers, 2);
	ZK_ASSERT_EQ(c.servers[0].id, 1);
	ZK_ASSERT_STR(c.servers[0].host, "127.0.0.1");
	ZK_ASSERT_EQ(c.servers[0].quorum_port, 2888);
	ZK_ASSERT_EQ(c.servers[0].election_port, 3888);
	ZK_ASSERT_EQ(c.servers[0].observer, 0);
	ZK_ASSERT_EQ(c.servers[1].observer, 1);
	ZK_ASSERT_EQ(zk_config_line(&c, "server.2=h:1", &e), ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_config_line(&c, "server.x=h:1:2", &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_config_line(&c, "server.2=h:1:2:boss", &e),
	    ZK_EBADARGUMENTS);
	/* Several servers and no id cannot start. */
	ZK_ASSERT_EQ(zk_config_finish(&c, &e), ZK_EBADARGUMENTS);
}

/* A bad value names the key; a bad line in a file names file and line. */
static void
test_bad_values(void)
{
	struct zk_config	 c;
	struct zk_error		 e;
	char			 file[] = "/tmp/zk-test-cfg.XXXXXX";
	FILE			*f;
	int			 fd;

	zk_config_defaults(&c);
	ZK_ASSERT_EQ(zk_config_line(&c, "tickTime=fast", &e), ZK_EBADARGUMENTS);
	ZK_ASSERT(strstr(e.msg, "tickTime") != NULL);
	ZK_ASSERT_EQ(zk_config_line(&c, "clientPort=70000", &e),
	    ZK_EBADARGUMENTS);
	ZK_ASSERT_EQ(zk_config_line(&c, "no equals sign", &e),
	    ZK_EBADARGUMENTS);
	fd = mkstemp(file);
	ZK_ASSERT(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "tickTime=100\n\nsnapCount=oops\n");
	fclose(f);
	ZK_ASSERT_EQ(zk_config_load(&c, file, &e), ZK_EBADARGUMENTS);
	unlink(file);
	ZK_ASSERT(strstr(e.msg, "line 3") != NULL);
	ZK_ASSERT(strstr(e.msg, "snapCount") != NULL);
	ZK_ASSERT_EQ(zk_config_load(&c, "/nonexistent/zoo.cfg", &e),
	    ZK_EBADARGUMENTS);
	zk_config_defaults(&c);
	ZK_ASSERT_EQ(zk_config_line(&c, "minSessionTimeout=5000", &e), ZK_OK);
	ZK_ASSERT_EQ(zk_config_line(&c, "maxSessionTimeout=4000", &e), ZK_OK);
	ZK_ASSERT_EQ(zk_config_finish(&c, &e), ZK_EBADARGUMENTS);
}

/* myid in the data dir gives the id unless one was set. */
static void
test_myid(void)
{
	struct zk_config	 c;
	char			 dir[] = "/tmp/zk-test-myid.XXXXXX", path[300];
	FILE			*f;

	ZK_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/myid", dir);
	f = fopen(path, "w");
	fprintf(f, "3\n");
	fclose(f);
	zk_config_defaults(&c);
	snprintf(c.data_dir, sizeof(c.data_dir), "%s", dir);
	ZK_ASSERT_EQ(zk_config_finish(&c, NULL), ZK_OK);
	ZK_ASSERT_EQ(c.myid, 3);
	zk_config_defaults(&c);
	snprintf(c.data_dir, sizeof(c.data_dir), "%s", dir);
	c.myid = 7;
	ZK_ASSERT_EQ(zk_config_finish(&c, NULL), ZK_OK);
	ZK_ASSERT_EQ(c.myid, 7);
	f = fopen(path, "w");
	fprintf(f, "zero\n");
	fclose(f);
	zk_config_defaults(&c);
	snprintf(c.data_dir, sizeof(c.data_dir), "%s", dir);
	ZK_ASSERT_EQ(zk_config_finish(&c, NULL), ZK_EBADARGUMENTS);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	ZK_RUN(test_defaults);
	ZK_RUN(test_keys);
	ZK_RUN(test_servers);
	ZK_RUN(test_bad_values);
	ZK_RUN(test_myid);
	return ZK_TEST_DONE();
}
