/*
 * The session table: which sessions exist (replicated: created and closed
 * by transactions), their ephemeral nodes, and expiry decisions made from
 * a time passed in (no clock read here).
 *
 * Invariants:
 *  (1) A session's ephemerals list holds exactly the paths of the nodes
 *      whose ephemeralOwner is that session (the db keeps it so).
 *  (2) Deadlines are local, not replicated: a restarted server gives every
 *      loaded session a full timeout from the time it loads.
 */
#ifndef ZK_SESSION_H
#define ZK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct zk_session {
	int64_t		 id;
	int32_t		 timeout_ms;	/* negotiated */
	unsigned char	 passwd[ZK_PASSWD_LEN];
	int64_t		 deadline_ms;	/* monotonic; local, not replicated */
	int		 closing;	/* a close txn is under way */
	char		**ephemerals;	/* owned paths, in no order */
	size_t		 nephemerals;
	size_t		 capephemerals;
	struct zk_eindex *eindex;	/* private to session.c: path -> slot */
};

struct zk_sessions;

struct zk_sessions *zk_sessions_new(void);
void		 zk_sessions_free(struct zk_sessions *s);

/*
 * Adds a session. A session with the same id is updated in place
 * (timeout, password, deadline; closing cleared) and keeps its ephemerals,
 * since the tree still holds them. Borrowed until removed.
 */
struct zk_session *zk_sessions_add(struct zk_sessions *s, int64_t id,
		    int32_t timeout_ms, const unsigned char *passwd,
		    int64_t now_ms);
struct zk_session *zk_sessions_find(const struct zk_sessions *s, int64_t id);
/*
 * Removes and frees a session; its ephemerals list must be handled first
 * (paths still on it are freed). Not during a first/next walk.
 */
void		 zk_sessions_remove(struct zk_sessions *s, int64_t id);
size_t		 zk_sessions_count(const struct zk_sessions *s);

/* Pushes the deadline to now + timeout. ZK_ESESSIONEXPIRED if unknown. */
int		 zk_sessions_touch(struct zk_sessions *s, int64_t id,
		    int64_t now_ms);

/*
 * Ids of sessions whose deadline has passed (deadline_ms <= now_ms) and
 * that are not closing, at most max of them, into ids. Returns how many.
 * O(sessions) per call.
 */
size_t		 zk_sessions_expired(const struct zk_sessions *s, int64_t now_ms,
		    int64_t *ids, size_t max);

/* Every session in no particular order: first, then next until NULL. */
struct zk_session *zk_sessions_first(const struct zk_sessions *s);
struct zk_session *zk_sessions_next(const struct zk_sessions *s,
		    const struct zk_session *cur);

/*
 * Ephemeral bookkeeping, O(1) each (a private index keeps removal cheap
 * when a session owns many nodes). add copies path; remove of a path not
 * on the list does nothing.
 */
void		 zk_session_add_ephemeral(struct zk_session *ss, const char *path);
void		 zk_session_remove_ephemeral(struct zk_session *ss,
		    const char *path);

/*
 * Takes the whole ephemerals list away, leaving it empty. Returns the
 * array (NULL if empty) with *n paths; the caller frees each path and the
 * array with free().
 */
char		**zk_session_take_ephemerals(struct zk_session *ss, size_t *n);

#endif
