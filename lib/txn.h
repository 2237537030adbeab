/*
 * A transaction: what the leader decides for one write and every replica
 * applies, and its msgpack encoding (log records and proposals carry it).
 *
 *   [zxid, time_ms, session_id, type, {fields}]
 *
 * with the field keys of fields.h ("p", "d", "v", "f", "to", "pw"). A
 * multi's map holds "ops": an array of [type, {fields}], one per op
 * (check, create, setData, delete; nothing nested), which share the
 * outer zxid, time and session.
 *
 * Invariants:
 *  (1) A txn carries everything its effect depends on (time, session,
 *      password), so applying it never consults a clock or random source.
 *  (2) Decoding checks every type and length (as proto.h (1)).
 */
#ifndef ZK_TXN_H
#define ZK_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "proto.h"
#include "util.h"

/* Txn types: the write ops of proto.h. */
enum zk_txn_type {
	ZK_TXN_CREATE		= ZK_OP_CREATE,
	ZK_TXN_DELETE		= ZK_OP_DELETE,
	ZK_TXN_SETDATA		= ZK_OP_SETDATA,
	ZK_TXN_CREATE_SESSION	= ZK_OP_CONNECT,
	ZK_TXN_CLOSE_SESSION	= ZK_OP_CLOSE,
	ZK_TXN_CHECK		= ZK_OP_CHECK,		/* only inside a multi */
	ZK_TXN_MULTI		= ZK_OP_MULTI,
	ZK_TXN_DELETE_CONTAINER	= ZK_OP_DELETECONTAINER,
};

/* After decoding, path and data are owned (zk_txn_close); else borrowed. */
struct zk_txn {
	int64_t		 zxid;
	int64_t		 time_ms;	/* leader's wall clock at prep */
	int64_t		 session_id;	/* the session that asked */
	int		 type;		/* enum zk_txn_type */
	char		*path;		/* create, delete, setData */
	char		*data;		/* create, setData */
	size_t		 data_len;
	int32_t		 version;	/* delete, setData: -1 any */
	int		 flags;		/* create: ZK_CREATE_* */
	int32_t		 timeout_ms;	/* createSession: negotiated */
	unsigned char	 passwd[ZK_PASSWD_LEN];	/* createSession */
	struct zk_txn	*ops;		/* multi: nops ops, each with the outer
					   zxid, time and session filled in */
	size_t		 nops;
};

/* Appends the txn's msgpack value (no frame header) to out. */
void		 zk_txn_encode(struct zk_buf *out, const struct zk_txn *t);

/* Decodes one msgpack value of len bytes. */
int		 zk_txn_decode(const char *buf, size_t len, struct zk_txn *t,
		    struct zk_error *e);

void		 zk_txn_close(struct zk_txn *t);

/* epoch and counter halves of a zxid. */
#define ZK_ZXID(epoch, counter) (((int64_t)(epoch) << 32) | (uint32_t)(counter))
#define ZK_ZXID_EPOCH(z)	((int64_t)(z) >> 32)
#define ZK_ZXID_COUNTER(z)	((int64_t)(z) & 0xffffffffLL)

#endif
