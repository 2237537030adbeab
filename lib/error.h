/*
 * Error values: the codes every lib function returns and the one line of
 * context that goes with them.
 *
 * Codes are ZooKeeper's (KeeperException.Code) where ZooKeeper has one, so
 * that the meaning carries over; the few of our own sit in unused slots.
 * ZK_OK is 0 and every error is negative.
 */
#ifndef ZK_ERROR_H
#define ZK_ERROR_H

enum zk_code {
	ZK_OK			= 0,
	ZK_ESYSTEM		= -1,	/* our own mistake or the OS failed */
	ZK_ECONNLOSS		= -4,	/* connection lost, outcome unknown */
	ZK_EMARSHALLING		= -5,	/* malformed frame or message */
	ZK_EUNIMPLEMENTED	= -6,	/* unknown message type */
	ZK_ETIMEOUT		= -7,	/* gave up waiting (-T) */
	ZK_EBADARGUMENTS	= -8,	/* invalid argument */
	ZK_ENOTSERVING		= -9,	/* server is not serving (LOOKING) */
	ZK_EBADPATH		= -20,	/* path breaks ZooKeeper's rules */
	ZK_ETOOBIG		= -21,	/* data or frame over the limit */
	ZK_EIO			= -22,	/* disk write failed (full disk...) */
	ZK_EUSAGE		= -23,	/* bad flag or argument to a tool */
	ZK_EUNREACHABLE		= -24,	/* no server of the ensemble answered */
	ZK_ECORRUPT		= -25,	/* data directory is damaged */
	ZK_EBUSY		= -26,	/* too many connections / requests */
	ZK_EHISTORY		= -27,	/* events since that zxid no longer held */
	ZK_ENONODE		= -101,	/* no such node */
	ZK_EBADVERSION		= -103,	/* version mismatch */
	ZK_ENOCHILDRENFOREPHEMERALS = -108, /* ephemerals have no children */
	ZK_ENODEEXISTS		= -110,	/* node exists */
	ZK_ENOTEMPTY		= -111,	/* node has children */
	ZK_ESESSIONEXPIRED	= -112,	/* session expired or unknown */
	ZK_ESESSIONMOVED	= -118,	/* session moved to another server */
	ZK_ENOWATCHER		= -121,	/* no such watch to remove */
};

#define ZK_ERROR_MSG_MAX 256

struct zk_error {
	int	 code;				/* an enum zk_code */
	char	 msg[ZK_ERROR_MSG_MAX];		/* one line, no newline */
};

/* Plain words for a code: "no such node". Never NULL. */
const char	*zk_error_str(int code);

/*
 * Fills e (if not NULL) with code and a printf-style message; returns code,
 * so that "return zk_error_set(e, ZK_ENONODE, "%s", path);" reads as one step.
 * An empty format ("") means the plain words of zk_error_str().
 */
int		 zk_error_set(struct zk_error *e, int code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

#endif
