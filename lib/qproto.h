/*
 * The peer protocol's wire form: the HELLO that opens every connection
 * between two members, election notifications (election port) and ZAB
 * messages (quorum port), to and from frames. Framing is the client
 * protocol's (proto.h: a 4-byte big-endian length, then one msgpack
 * value; zk_frame_check reads the header); share/doc/protocol.md "Peer
 * protocol" has the bytes.
 *
 *   hello         [ "zkq", 1, sid, "election" | "quorum" ]
 *   notification  [ "N", sid, state, round, leader, zxid, epoch ]
 *   ZAB message   [ type, flags, epoch, zxid, prev, zxid2, digest, data ]
 *
 * Invariants:
 *  (1) Decoding never trusts the input: the payload is walked by
 *      zk_fields_unpack (fields.h (1)) before msgpack-c sees it, every
 *      element's type and range is checked, and a bad frame is
 *      ZK_EMARSHALLING (ZK_ETOOBIG for data over the caller's limit) with
 *      one line in the error, never a crash, an out-of-bounds read or an
 *      allocation sized by a claim the input does not back.
 *  (2) Decoding allocates nothing the caller must free: a ZAB message's
 *      data points into the input buffer.
 *  (3) decode(encode(x)) == x for every value the decoder accepts.
 *  (4) A failed decode leaves the struct zeroed.
 */
#ifndef ZK_QPROTO_H
#define ZK_QPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "elect.h"
#include "error.h"
#include "util.h"
#include "zab.h"

#define ZK_QPROTO_MAGIC		"zkq"
#define ZK_QPROTO_VERSION	1

/*
 * The most data one ZAB frame can carry: a frame's length is 32 bits and
 * the rest of the message takes at most 64 bytes of it.
 */
#define ZK_QPROTO_MAX_DATA	((size_t)UINT32_MAX - 64)

/* Which of a member's two ports a connection is on. */
enum zk_qproto_port {
	ZK_QPROTO_ELECTION = 1,	/* "election": notifications */
	ZK_QPROTO_QUORUM,	/* "quorum": ZAB messages */
};

/* What the connecting side says first. */
struct zk_qproto_hello {
	int		 version;	/* ZK_QPROTO_VERSION */
	int		 sid;		/* the caller's server id, > 0 */
	int		 port;		/* enum zk_qproto_port */
};

/*
 * Encoding: each appends one whole frame (header and value) to out. The
 * values are written as given; one the decoder would refuse (an unknown
 * type, a state out of range) is the caller's mistake and the receiving
 * peer refuses it.
 */
void		 zk_qproto_encode_hello(struct zk_buf *out, int sid, int port);
void		 zk_qproto_encode_note(struct zk_buf *out,
		    const struct zk_elect_note *n);

/*
 * m->data (m->len bytes) goes as bin, or as nil when m->data is NULL.
 * Returns ZK_ETOOBIG, appending nothing, when m->len is over
 * ZK_QPROTO_MAX_DATA; else ZK_OK.
 */
int		 zk_qproto_encode_zab(struct zk_buf *out,
		    const struct zk_zab_msg *m, struct zk_error *e);

/*
 * Decoding takes one frame's payload, buf[0..len) without the 4-byte
 * header, as the frame reader hands it over, and checks:
 *  hello: magic "zkq", version 1, sid in 1..INT_MAX, a known port name;
 *  note:  tag "N", sid and leader in 1..INT_MAX, state an enum
 *         zk_peer_state, round >= 0, zxid and epoch >= -1 (-1: none);
 *  zab:   type an enum zk_zab_msg_type, flags only ZK_ZAB_F_* bits,
 *         epoch, zxid, prev and zxid2 >= -1, digest any uint64, data bin
 *         of at most max_data bytes (else ZK_ETOOBIG) or nil.
 * Whether the sid is a member, and whether a message makes sense where it
 * arrives, is for the caller to judge.
 */
int		 zk_qproto_decode_hello(const char *buf, size_t len,
		    struct zk_qproto_hello *h, struct zk_error *e);
int		 zk_qproto_decode_note(const char *buf, size_t len,
		    struct zk_elect_note *n, struct zk_error *e);

/*
 * m->data borrows buf (it points into it) and is valid as long as buf
 * is: copy it to keep it. data is NULL with len 0 for nil; for an empty
 * bin it is not NULL and len is 0.
 */
int		 zk_qproto_decode_zab(const char *buf, size_t len,
		    size_t max_data, struct zk_zab_msg *m, struct zk_error *e);

/* "election", "quorum"; "unknown" for others. */
const char	*zk_qproto_port_name(int port);

#endif
