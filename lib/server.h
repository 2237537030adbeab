/*
 * A zk-peer process: recovers its data directory, listens for clients and
 * runs the request pipeline on one libevent loop until SIGTERM or SIGINT.
 * Standalone mode is the ensemble-of-one case of that pipeline.
 */
#ifndef ZK_SERVER_H
#define ZK_SERVER_H

#include "config.h"
#include "error.h"

struct zk_server;

/* Receives one log line (no newline); the caller decides where it goes. */
typedef void	(*zk_log_fn)(const char *line);

/*
 * Recovers the data directory and binds the client port. Errors:
 * ZK_ECORRUPT (the directory is damaged: e names file and offset),
 * ZK_EIO, ZK_ESYSTEM (cannot bind...). cfg is copied.
 */
int		 zk_server_new(const struct zk_config *cfg, zk_log_fn log,
		    struct zk_server **out, struct zk_error *e);

/* Serves until SIGTERM or SIGINT; returns 0 after a clean shutdown. */
int		 zk_server_run(struct zk_server *s);

void		 zk_server_free(struct zk_server *s);

#endif
