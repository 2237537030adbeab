/*
 * Configuration of a peer: ZooKeeper's zoo.cfg format and the data
 * directory's myid, with defaults that make a bare `zk-peer` a standalone
 * server on 127.0.0.1:2181. Flags override the file: the caller sets
 * fields after zk_config_load.
 *
 * Invariants:
 *  (1) After zk_config_finish, every field holds a usable value: session
 *      timeout bounds derived from tickTime when unset, dataLogDir defaults
 *      to dataDir, snapRetainCount is at least 3.
 */
#ifndef ZK_CONFIG_H
#define ZK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ZK_MAX_SERVERS	32

struct zk_server_addr {
	int		 id;		/* the N of server.N */
	char		 host[256];
	int		 quorum_port;
	int		 election_port;
	int		 observer;	/* ":observer" given */
};

struct zk_config {
	int		 tick_ms;		/* tickTime, default 2000 */
	int		 init_limit;		/* ticks, default 10 */
	int		 sync_limit;		/* ticks, default 5 */
	char		 data_dir[512];		/* default "./data" */
	char		 data_log_dir[512];	/* default: data_dir */
	int		 client_port;		/* default 2181 */
	char		 client_address[256];	/* default 127.0.0.1 */
	int		 max_client_cnxns;	/* per client address; 0 none; default 60 */
	int		 max_connections;	/* in all; default 4096 */
	int		 min_session_ms;	/* default 2 * tick */
	int		 max_session_ms;	/* default 20 * tick */
	int		 snap_count;		/* txns between snapshots, default 100000 */
	int		 snap_retain;		/* autopurge.snapRetainCount, >= 3 */
	size_t		 max_data;		/* jute.maxbuffer: bytes of data, 1 MiB */
	size_t		 prealloc;		/* preAllocSize: log chunk bytes */
	int		 max_outstanding;	/* per connection, before pushing back */
	int		 commit_log_count;	/* commitLogCount, 500: txns
						   kept to sync by DIFF */
	int		 settle_ms;		/* electionSettleMs, 50: quiet
						   after a quorum agrees */
	int		 event_window_txns;	/* eventWindowTxns, 10000: txns
						   whose events are kept (events.h) */
	int		 event_window_bytes;	/* eventWindowBytes, 64 MiB */
	int		 max_watches;		/* maxWatches, 100000: per
						   connection */
	int		 max_client_buffer;	/* maxClientBuffer, 64 MiB: unread
						   bytes before a slow watcher
						   is cut off */
	int		 myid;			/* from --id or myid; 0 standalone */
	struct zk_server_addr servers[ZK_MAX_SERVERS];
	size_t		 nservers;
};

/* Defaults: a standalone server on 127.0.0.1:2181, data in ./data. */
void		 zk_config_defaults(struct zk_config *c);

/*
 * Reads a zoo.cfg file over the current values. Unknown keys are ignored
 * (ZooKeeper's files carry many); a bad value is ZK_EBADARGUMENTS naming
 * the file, line and key.
 */
int		 zk_config_load(struct zk_config *c, const char *file,
		    struct zk_error *e);

/* Parses one "key=value" line (comments and blanks are ZK_OK). */
int		 zk_config_line(struct zk_config *c, const char *line,
		    struct zk_error *e);

/*
 * Reads myid from the data dir when no id was given, and fills derived
 * defaults (invariant (1)). Checks ranges.
 */
int		 zk_config_finish(struct zk_config *c, struct zk_error *e);

#endif
