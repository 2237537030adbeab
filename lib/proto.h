/*
 * The client protocol: frames and the messages they carry.
 *
 * A frame is a 4-byte big-endian length followed by exactly that many bytes
 * holding one msgpack value. Requests and replies are msgpack arrays whose
 * last element is a map of named fields, so a message can grow a field
 * without breaking older readers (unknown keys are ignored):
 *
 *   request  [xid, op, {fields}]
 *   reply    [xid, zxid, err, {fields}]
 *   event    [-1, zxid, 0, {"t": type, "p": path, "i": index, "d": data}]
 *
 * An event's (zxid, index) names it: index is its place among the events
 * of its txn (every member derives the same list, events.h), so the pair
 * orders every event and a client resuming a stream says where it was.
 * "d" (the node's new data) only on created/changed events of a watch
 * that asked for data.
 *
 * The field keys ("p" path, "d" data, "v" version, ...) and the codec of
 * the field map are fields.h's; status figures travel as one JSON object
 * of readable keys. The whole protocol is written down in
 * share/doc/protocol.md.
 *
 * Invariants:
 *  (1) Decoding never trusts the input: every type and length is checked and
 *      a bad message is ZK_EMARSHALLING (or ZK_ETOOBIG / ZK_EUNIMPLEMENTED),
 *      never a crash or an out-of-bounds read.
 *  (2) Decoded strings are NUL-terminated copies owned by the struct; a path
 *      or name holding a NUL byte is rejected.
 */
#ifndef ZK_PROTO_H
#define ZK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

#define ZK_FRAME_HDR		4
#define ZK_MAX_DATA_DEFAULT	(1024 * 1024)	/* bytes of znode data */
#define ZK_FRAME_OVERHEAD	(64 * 1024)	/* room for path and fields */
#define ZK_PASSWD_LEN		16

/* Operation codes: ZooKeeper's OpCode numbers where it has one. */
enum zk_op {
	ZK_OP_CREATE		= 1,
	ZK_OP_DELETE		= 2,
	ZK_OP_EXISTS		= 3,
	ZK_OP_GETDATA		= 4,
	ZK_OP_SETDATA		= 5,
	ZK_OP_SYNC		= 9,
	ZK_OP_PING		= 11,
	ZK_OP_GETCHILDREN	= 12,	/* ZooKeeper's getChildren2: with stat */
	ZK_OP_CHECK		= 13,	/* only inside multi: version check */
	ZK_OP_MULTI		= 14,	/* atomic list of check/create/set/delete */
	ZK_OP_REMOVEWATCH	= 18,	/* ZooKeeper's removeWatches */
	ZK_OP_DELETECONTAINER	= 20,	/* server's own: an emptied container */
	ZK_OP_SETWATCHES	= 101,	/* re-register one-shot watches */
	ZK_OP_ADDWATCH		= 106,	/* persistent or recursive watch */
	ZK_OP_CONNECT		= -10,	/* createSession / reconnect */
	ZK_OP_CLOSE		= -11,	/* closeSession */
	ZK_OP_STATUS		= 200,	/* server figures; needs no session */
};

/* Special xids. */
#define ZK_XID_EVENT	(-1)
#define ZK_XID_PING	(-2)

/* Create flags ("f"). */
#define ZK_CREATE_EPHEMERAL	0x1
#define ZK_CREATE_SEQUENTIAL	0x2
#define ZK_CREATE_PARENTS	0x4	/* create missing parents, persistent */
#define ZK_CREATE_CONTAINER	0x8	/* deleted by the server once its last
					   child goes (ZooKeeper 3.5's CONTAINER) */

/*
 * A container's stat.ephemeralOwner, as ZooKeeper marks it (Long.MIN_VALUE):
 * never a session id.
 */
#define ZK_CONTAINER_OWNER	INT64_MIN

/* addWatch modes ("m"), ZooKeeper's AddWatchMode numbers. */
#define ZK_WATCH_PERSISTENT	0	/* the node and its child list */
#define ZK_WATCH_RECURSIVE	1	/* the node and every descendant */
/* removeWatch modes beyond those: one-shot watches of a kind, or all. */
#define ZK_WATCH_ONESHOT_DATA	2
#define ZK_WATCH_ONESHOT_CHILD	3
#define ZK_WATCH_ANY		4

/* A since index meaning "after every event of that zxid". */
#define ZK_EVINDEX_ALL		INT32_MAX

/* Most ops in one multi. */
#define ZK_MULTI_MAX		1000

/*
 * Most paths in one setWatches ("dw", "ew" and "cw" together): a client
 * with more sends several, each also within the frame limit (as
 * ZooKeeper's client splits its setWatches at 128 KiB).
 */
#define ZK_SETWATCHES_MAX	10000

/* Watch event types, ZooKeeper's EventType numbers. */
enum zk_event_type {
	ZK_EVENT_CREATED	= 1,
	ZK_EVENT_DELETED	= 2,
	ZK_EVENT_CHANGED	= 3,
	ZK_EVENT_CHILDREN	= 4,
};

/* ZooKeeper's Stat, field for field. Times are wall-clock milliseconds. */
struct zk_stat {
	int64_t	 czxid;			/* zxid of the create */
	int64_t	 mzxid;			/* zxid of the last data change */
	int64_t	 pzxid;			/* zxid of the last child list change */
	int64_t	 ctime;			/* create time, ms since the epoch */
	int64_t	 mtime;			/* last data change, ms */
	int32_t	 version;		/* data changes */
	int32_t	 cversion;		/* child list changes */
	int32_t	 aversion;		/* ACL changes (always 0 here) */
	int64_t	 ephemeral_owner;	/* session id, or 0 */
	int32_t	 data_length;		/* bytes of data */
	int32_t	 num_children;		/* children */
};

/*
 * One op of a multi: check, create, setData or delete, with the fields of
 * the single request ("o" op, then "p", "d", "v", "f" as there). Owned
 * after decoding, borrowed for encoding.
 */
struct zk_multi_op {
	int		 op;		/* ZK_OP_CHECK, CREATE, SETDATA, DELETE */
	char		*path;
	char		*data;
	size_t		 data_len;
	int32_t		 version;	/* -1 any */
	int		 flags;		/* create: ZK_CREATE_* */
};

/* What one op of a multi did ("r": one map per op). */
struct zk_op_result {
	int		 err;		/* ZK_OK, or this op's error */
	char		*path;		/* create: the created path */
	struct zk_stat	 stat;		/* create, setData */
	int		 has_stat;
};

/*
 * A request as decoded (server) or to be encoded (client). Fields an op
 * does not use are zero / NULL. After decoding, path and data are owned
 * copies freed by zk_request_close(); for encoding they are borrowed.
 *
 * Field keys beyond fields.h's: multi "ops" (array of maps); addWatch and
 * removeWatch "m" (mode), "wd" (want data, bool), "sz" (since zxid),
 * "si" (since index); setWatches "lz" (relative zxid) and "dw", "ew",
 * "cw" (arrays of paths: data, exists and child watches).
 */
struct zk_request {
	int64_t		 xid;		/* client's request id; ZK_XID_PING */
	int		 op;		/* enum zk_op */
	char		*path;		/* NUL-terminated, or NULL */
	char		*data;		/* data, or NULL */
	size_t		 data_len;	/* bytes of data */
	int		 has_data;	/* "d" was present */
	int32_t		 version;	/* expected version, -1 any */
	int		 flags;		/* ZK_CREATE_* */
	int		 watch;		/* leave a watch */
	int64_t		 session_id;	/* connect: 0 for a new session */
	int32_t		 timeout_ms;	/* connect: requested timeout */
	int64_t		 last_zxid;	/* connect: last zxid seen */
	unsigned char	 passwd[ZK_PASSWD_LEN];	/* connect */
	struct zk_multi_op *ops;	/* multi: nops ops */
	size_t		 nops;
	int		 watch_mode;	/* addWatch, removeWatch: ZK_WATCH_* */
	int		 want_data;	/* addWatch: events carry new data */
	int		 has_since;	/* addWatch: replay from since first */
	int64_t		 since_zxid;	/* events after (since_zxid, since_index) */
	int32_t		 since_index;	/* ZK_EVINDEX_ALL: after all of that zxid */
	char		**data_watches;	/* setWatches (with last_zxid) */
	size_t		 ndata_watches;
	char		**exist_watches;
	size_t		 nexist_watches;
	char		**child_watches;
	size_t		 nchild_watches;
};

/*
 * A reply as decoded (client) or to be encoded (server). After decoding,
 * every pointer is an owned copy freed by zk_reply_close(); for encoding
 * they are borrowed.
 */
struct zk_reply {
	int64_t		 xid;		/* the request's xid, ZK_XID_EVENT, ZK_XID_PING */
	int64_t		 zxid;		/* server's last applied zxid */
	int		 err;		/* ZK_OK or an enum zk_code */
	char		*path;		/* create: the created path; event: path */
	char		*data;		/* getData */
	size_t		 data_len;
	int		 has_data;
	struct zk_stat	 stat;
	int		 has_stat;
	char		**children;	/* getChildren: names (not full paths) */
	size_t		 nchildren;
	int		 event_type;	/* event: enum zk_event_type */
	int32_t		 event_index;	/* event: "i", its place in its txn */
	struct zk_op_result *results;	/* multi, all applied: one per op */
	size_t		 nresults;
	int32_t		 fail_index;	/* multi: "x", the op that failed, or -1 */
	int		 has_fail_index; /* "x" sent: a multi that failed */
	int64_t		 session_id;	/* connect */
	int32_t		 timeout_ms;	/* connect: negotiated */
	unsigned char	 passwd[ZK_PASSWD_LEN];	/* connect */
	int		 has_session;	/* connect fields present */
	char		*status_json;	/* status: the figures as one JSON object */
};

/*
 * Frame header check: reads the 4-byte length at hdr. ZK_OK and *len set
 * when 0 < length <= max_frame; else ZK_ETOOBIG or ZK_EMARSHALLING.
 */
int		 zk_frame_check(const void *hdr, size_t max_frame, uint32_t *len,
		    struct zk_error *e);

/*
 * Building a frame in place: zk_frame_begin reserves the header at the end
 * of out (hint: bytes expected after it) and returns its offset;
 * zk_frame_end writes the length of what was appended since.
 */
size_t		 zk_frame_begin(struct zk_buf *out, size_t hint);
void		 zk_frame_end(struct zk_buf *out, size_t at);

/* Appends one whole frame (header and message) to out. */
void		 zk_proto_encode_request(struct zk_buf *out,
		    const struct zk_request *req);
void		 zk_proto_encode_reply(struct zk_buf *out,
		    const struct zk_reply *rep);

/*
 * Decodes one frame's payload (without the 4-byte header). Data longer
 * than max_data is ZK_ETOOBIG. On error the struct holds nothing to free.
 */
int		 zk_proto_decode_request(const char *buf, size_t len,
		    size_t max_data, struct zk_request *req, struct zk_error *e);
int		 zk_proto_decode_reply(const char *buf, size_t len,
		    struct zk_reply *rep, struct zk_error *e);

void		 zk_request_close(struct zk_request *req);
void		 zk_reply_close(struct zk_reply *rep);

/* "create", "getData", ...; "unknown" for others. */
const char	*zk_op_name(int op);

#endif
