/*
 * zoo.cfg and myid: ZooKeeper's key=value format, with the keys of
 * DESIGN.md "Configuration" and a few of ZooKeeper's tuning keys that
 * have a meaning here (jute.maxbuffer, preAllocSize,
 * globalOutstandingLimit, commitLogCount), and ours: electionSettleMs,
 * and for watches eventWindowTxns, eventWindowBytes, maxWatches and
 * maxClientBuffer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void
zk_config_defaults(struct zk_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tick_ms = 2000;
	c->init_limit = 10;
	c->sync_limit = 5;
	snprintf(c->data_dir, sizeof(c->data_dir), "./data");
	c->client_port = 2181;
	snprintf(c->client_address, sizeof(c->client_address), "127.0.0.1");
	c->max_client_cnxns = 60;
	c->max_connections = 4096;
	c->snap_count = 100000;
	c->snap_retain = 3;
	c->max_data = 1024 * 1024;
	c->prealloc = 64 * 1024 * 1024;
	c->max_outstanding = 1000;
	c->commit_log_count = 500;
	c->settle_ms = 50;
	c->event_window_txns = 10000;
	c->event_window_bytes = 64 * 1024 * 1024;
	c->max_watches = 100000;
	c->max_client_buffer = 64 * 1024 * 1024;
}

static int
parse_int(const char *v, long lo, long hi, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* server.N=host:quorumPort:electionPort[:participant|:observer] */
static int
parse_server(struct zk_config *c, const char *key, const char *v,
    struct zk_error *e)
{
	struct zk_server_addr	*s;
	char			 buf[512], *f[4], *p;
	long			 id, qp, ep;
	int			 n = 0;

	if (parse_int(key + 7, 1, 255, &id) != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: server id must be 1..255", key);
	if (c->nservers >= ZK_MAX_SERVERS)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: more than %d servers", key, ZK_MAX_SERVERS);
	snprintf(buf, sizeof(buf), "%s", v);
	for (p = buf; n < 4 && p != NULL; n++)
		f[n] = strsep(&p, ":");
	if (n < 3 || p != NULL || parse_int(f[1], 1, 65535, &qp) != 0 ||
	    parse_int(f[2], 1, 65535, &ep) != 0 || f[0][0] == '\0')
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: want host:quorumPort:electionPort[:observer]", key);
	if (n == 4 && strcmp(f[3], "observer") != 0 &&
	    strcmp(f[3], "participant") != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: role must be observer or participant", key);
	s = &c->servers[c->nservers++];
	s->id = (int)id;
	snprintf(s->host, sizeof(s->host), "%s", f[0]);
	s->quorum_port = (int)qp;
	s->election_port = (int)ep;
	s->observer = n == 4 && strcmp(f[3], "observer") == 0;
	return ZK_OK;
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
zk_config_line(struct zk_config *c, const char *line, struct zk_error *e)
{
	static const struct {
		const char	*key;
		size_t		 off;
		long		 lo, hi;
	} ints[] = {
#define F(k, f, lo, hi) { k, offsetof(struct zk_config, f), lo, hi }
		F("tickTime", tick_ms, 1, 3600000),
		F("initLimit", init_limit, 1, 100000),
		F("syncLimit", sync_limit, 1, 100000),
		F("clientPort", client_port, 0, 65535),
		F("maxClientCnxns", max_client_cnxns, 0, 1000000),
		F("maxConnections", max_connections, 1, 1000000),
		F("minSessionTimeout", min_session_ms, 1, 86400000),
		F("maxSessionTimeout", max_session_ms, 1, 86400000),
		F("snapCount", snap_count, 2, 100000000),
		F("autopurge.snapRetainCount", snap_retain, 1, 1000000),
		F("globalOutstandingLimit", max_outstanding, 1, 10000000),
		F("commitLogCount", commit_log_count, 1, 10000000),
		F("electionSettleMs", settle_ms, 0, 60000),
		F("eventWindowTxns", event_window_txns, 0, 100000000),
		F("eventWindowBytes", event_window_bytes, 0, 1 << 30),
		F("maxWatches", max_watches, 1, 100000000),
		F("maxClientBuffer", max_client_buffer, 1 << 20, 1 << 30),
#undef F
	};
	char	 buf[1024], *k, *v, *eq;
	long	 n;
	size_t	 i;

	snprintf(buf, sizeof(buf), "%s", line);
	k = trim(buf);
	if (*k == '\0' || *k == '#')
		return ZK_OK;
	if ((eq = strchr(k, '=')) == NULL)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "'%s' is not key=value", k);
	*eq = '\0';
	v = trim(eq + 1);
	k = trim(k);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(k, ints[i].key) != 0)
			continue;
		if (parse_int(v, ints[i].lo, ints[i].hi, &n) != 0)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "%s: '%s' is not a number in %ld..%ld", k, v,
			    ints[i].lo, ints[i].hi);
		*(int *)((char *)c + ints[i].off) = (int)n;
		return ZK_OK;
	}
	if (strcmp(k, "dataDir") == 0)
		snprintf(c->data_dir, sizeof(c->data_dir), "%s", v);
	else if (strcmp(k, "dataLogDir") == 0)
		snprintf(c->data_log_dir, sizeof(c->data_log_dir), "%s", v);
	else if (strcmp(k, "clientPortAddress") == 0)
		snprintf(c->client_address, sizeof(c->client_address), "%s", v);
	else if (strcmp(k, "jute.maxbuffer") == 0) {
		if (parse_int(v, 1024, 256L * 1024 * 1024, &n) != 0)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "%s: '%s' is not a size in bytes", k, v);
		c->max_data = (size_t)n;
	} else if (strcmp(k, "preAllocSize") == 0) {	/* KiB, as ZooKeeper */
		if (parse_int(v, 4, 4L * 1024 * 1024, &n) != 0)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "%s: '%s' is not a size in KiB", k, v);
		c->prealloc = (size_t)n * 1024;
	} else if (strncmp(k, "server.", 7) == 0)
		return parse_server(c, k, v, e);
	return ZK_OK;
}

int
zk_config_load(struct zk_config *c, const char *file, struct zk_error *e)
{
	FILE	*f;
	char	 line[1024];
	int	 lineno = 0, rc = ZK_OK;

	if ((f = fopen(file, "r")) == NULL)
		return zk_error_set(e, ZK_EBADARGUMENTS, "%s: %s", file,
		    strerror(errno));
	while (rc == ZK_OK && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		rc = zk_config_line(c, line, e);
	}
	fclose(f);
	if (rc != ZK_OK && e != NULL) {
		char	 msg[ZK_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		zk_error_set(e, rc, "%s line %d: %s", file, lineno, msg);
	}
	return rc;
}

static int
read_myid(const char *dir, int *id, struct zk_error *e)
{
	char	 path[600], buf[32];
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/myid", dir);
	if ((f = fopen(path, "r")) == NULL)
		return ZK_OK;
	if (fgets(buf, sizeof(buf), f) == NULL ||
	    parse_int(trim(buf), 1, 255, &n) != 0) {
		fclose(f);
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "%s: want a server id 1..255", path);
	}
	fclose(f);
	*id = (int)n;
	return ZK_OK;
}

int
zk_config_finish(struct zk_config *c, struct zk_error *e)
{
	size_t	 i;
	int	 rc;

	if (c->data_log_dir[0] == '\0')
		snprintf(c->data_log_dir, sizeof(c->data_log_dir), "%s",
		    c->data_dir);
	if (c->myid == 0 && (rc = read_myid(c->data_dir, &c->myid, e)) != ZK_OK)
		return rc;
	if (c->min_session_ms == 0)
		c->min_session_ms = 2 * c->tick_ms;
	if (c->max_session_ms == 0)
		c->max_session_ms = 20 * c->tick_ms;
	if (c->min_session_ms > c->max_session_ms)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "minSessionTimeout %d is above maxSessionTimeout %d",
		    c->min_session_ms, c->max_session_ms);
	if (c->snap_retain < 3)
		c->snap_retain = 3;
	if (c->nservers > 1 && c->myid == 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "servers are listed but no id given (--id or myid)");
	if (c->nservers > 1) {
		for (i = 0; i < c->nservers; i++)
			if (c->servers[i].id == c->myid)
				break;
		if (i == c->nservers)
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "server id %d is not one of the server.N lines",
			    c->myid);
	}
	return ZK_OK;
}
