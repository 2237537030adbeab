/*
 * Client operations of several steps that the tools share: upsert (set,
 * else create, with parents), the recursive listing (parents first,
 * siblings sorted), the recursive delete (children first), reading stdin
 * while the session stays alive, and holding a session while a command
 * runs or until stdin closes or a signal comes.
 *
 * Invariants:
 *  (1) Every wait runs the session's event loop, so pings go on and a
 *      quiet stdin or a long-running CMD never lets the session expire.
 *  (2) A walk visits a parent before its descendants and siblings in
 *      byte order; a node removed while the walk runs is skipped, not an
 *      error. A tree delete removes children before their parent.
 *  (3) When the session is lost while CMD runs, CMD is sent SIGTERM (then
 *      SIGKILL after a grace period) and reaped before hold returns.
 */
#ifndef ZK_OPS_H
#define ZK_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "client_sync.h"
#include "error.h"
#include "util.h"

enum zk_ops_mode {
	ZK_UPSERT	= 0,	/* set if it exists, else create */
	ZK_CREATE_ONLY	= 1,	/* ZK_ENODEEXISTS if it exists */
	ZK_UPDATE_ONLY	= 2,	/* ZK_ENONODE if it is missing */
};

/* One write for zk_ops_upsert. */
struct zk_ops_write {
	const char	*path;		/* validated */
	const char	*data;		/* borrowed */
	size_t		 len;		/* bytes of data */
	int		 mode;		/* enum zk_ops_mode */
	int32_t		 version;	/* >= 0: update at this version only */
	int		 flags;		/* ZK_CREATE_* */
};

/*
 * Writes w. A sequential or ephemeral node is always created (neither can
 * come about by setting an existing node); with ZK_CREATE_PARENTS the
 * missing parents are created first, persistent and empty. *created (when
 * not NULL) is set to a new string holding the created path, or NULL when
 * an existing node was set.
 */
int		 zk_ops_upsert(struct zk_sync *s, const struct zk_ops_write *w,
		    char **created, struct zk_error *e);

/* Called per node by zk_ops_walk; anything but ZK_OK stops the walk. */
typedef int	(*zk_ops_visit_fn)(void *arg, const char *path);

/*
 * Visits path (when self) and every descendant, invariant (2). Returns
 * ZK_OK, the error for path itself (ZK_ENONODE...), a connection error,
 * or what fn returned to stop.
 */
int		 zk_ops_walk(struct zk_sync *s, const char *path, int self,
		    zk_ops_visit_fn fn, void *arg, struct zk_error *e);

/*
 * Deletes path and its subtree, children first. version (>= 0) is checked
 * on path before anything is deleted; -1: any. A subtree that grows while
 * it is being deleted is walked again, a few times, before ZK_ENOTEMPTY.
 */
int		 zk_ops_delete_tree(struct zk_sync *s, const char *path,
		    int32_t version, struct zk_error *e);

/* Reading a file descriptor (stdin) in lines or chunks, loop running. */
struct zk_ops_input {
	int		 fd;		/* read from */
	struct zk_buf	 buf;		/* bytes read, not yet consumed */
	size_t		 off;		/* where they start in buf */
	int		 eof;		/* fd reached end of file */
	int		 pollable;	/* waits in the loop (pipe, tty...) */
};

void		 zk_ops_input_init(struct zk_ops_input *in, int fd);
void		 zk_ops_input_close(struct zk_ops_input *in);
/*
 * Reads what fd has, waiting in s's loop (s NULL: a plain blocking read)
 * until something or end of file comes: ZK_OK (bytes appended to buf, or
 * eof set), or ZK_EIO.
 */
int		 zk_ops_input_fill(struct zk_ops_input *in, struct zk_sync *s,
		    struct zk_error *e);
/*
 * Reads fd to its end with plain blocking reads (data given on stdin).
 * *total is every byte read; buf holds them all when *total <= max, and
 * past max only the count is kept. ZK_OK or ZK_EIO.
 */
int		 zk_ops_input_all(struct zk_ops_input *in, size_t max,
		    size_t *total, struct zk_error *e);
/*
 * The next line, without its newline: 1 and *line (borrowed until the next
 * call; NUL-terminated, *len bytes) or 0 at end of input; ZK_EIO. A last
 * line without a newline counts.
 */
int		 zk_ops_input_line(struct zk_ops_input *in, struct zk_sync *s,
		    char **line, size_t *len, struct zk_error *e);

/*
 * Holds the session, invariant (1): with argv (NULL-terminated), runs CMD
 * and waits until it exits, passing on SIGINT, SIGTERM and SIGHUP; without,
 * waits until stdin reaches end of file or one of those signals arrives.
 * A session disconnected for longer than session_timeout_ms counts as
 * lost. *status is CMD's exit status (128+N when signal N killed it), or
 * 0 without CMD.
 * Returns ZK_OK; the session's error (ZK_ESESSIONEXPIRED, ZK_ECONNLOSS...)
 * when it was lost, after invariant (3); or ZK_ESYSTEM when CMD could not
 * be run (*status 127 when not found, else 126).
 */
int		 zk_ops_hold(struct zk_sync *s, char *const argv[],
		    int32_t session_timeout_ms, int *status,
		    struct zk_error *e);

#endif
