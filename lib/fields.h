/*
 * Named fields: the map of short keys that ends every request, reply and
 * txn, read and written as bits (ZK_FIELD_*) of a struct zk_request, over
 * a checked unpacking of the raw msgpack. proto.c (requests, replies) and
 * txn.c (txns) build their messages from these pieces.
 *
 * Field keys (short, since every message carries them):
 *   "p" path (str)        "d" data (bin)          "v" version (int, -1 any)
 *   "f" create flags      "w" set a watch (bool)  "s" stat (array of 11 ints)
 *   "c" children (array of str)                   "t" event type (int)
 *   "j" status figures (str, one JSON object)
 *   connect: "sid" session id, "to" timeout ms, "pw" password (bin 16),
 *            "lz" last zxid the client has seen
 *   watches: "m" mode (int), "wd" want data (bool), "sz" since zxid (int
 *            >= 0), "si" since index (int32); setWatches "lz" and "dw",
 *            "ew", "cw" (arrays of path strings)
 *   replies: "i" event index, "r" multi results (array of maps of "e"
 *            error, "p", "s"), "x" the index of the op a multi failed at
 *   multi:   "ops" and, in each op, "o"; these two are found with
 *            zk_fields_lookup, since what they hold is proto.c's and
 *            txn.c's to read
 *
 * Invariants:
 *  (1) No input reaches msgpack-c's unpacker before zk_fields_unpack has
 *      walked the raw bytes and seen one complete value within the depth
 *      and value limits: a claimed container size is never allocated on
 *      trust.
 *  (2) Every type, length and integer range is checked before use; a bad
 *      field is ZK_EMARSHALLING (ZK_ETOOBIG for data over the limit),
 *      never a crash or an out-of-bounds read (proto.h (1)).
 *  (3) Strings come back as NUL-terminated owned copies; one holding a NUL
 *      byte is refused (proto.h (2)).
 *  (4) zk_fields_decode gives back what zk_fields_pack packed, on the
 *      fields of the mask; keys outside the mask are skipped, so that a
 *      message can grow a field without breaking older readers.
 *
 * The msgpack types are those of <msgpack.h>; they are only named here, so
 * that including fields.h does not pull msgpack in.
 */
#ifndef ZK_FIELDS_H
#define ZK_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "proto.h"

struct msgpack_object;
struct msgpack_packer;
struct msgpack_unpacked;

/* Named fields as bits: which a message carries and which it must. */
#define ZK_FIELD_PATH		0x001	/* "p" */
#define ZK_FIELD_DATA		0x002	/* "d" */
#define ZK_FIELD_VERSION	0x004	/* "v" */
#define ZK_FIELD_FLAGS		0x008	/* "f" */
#define ZK_FIELD_WATCH		0x010	/* "w" */
#define ZK_FIELD_SESSION	0x020	/* "sid" */
#define ZK_FIELD_TIMEOUT	0x040	/* "to" */
#define ZK_FIELD_PASSWD		0x080	/* "pw" */
#define ZK_FIELD_LAST_ZXID	0x100	/* "lz" */
#define ZK_FIELD_MODE		0x200	/* "m" */
#define ZK_FIELD_WANT_DATA	0x400	/* "wd" */
#define ZK_FIELD_SINCE_ZXID	0x800	/* "sz" */
#define ZK_FIELD_SINCE_INDEX	0x10000	/* "si" */
#define ZK_FIELD_DATA_WATCHES	0x20000	/* "dw" */
#define ZK_FIELD_EXIST_WATCHES	0x40000	/* "ew" */
#define ZK_FIELD_CHILD_WATCHES	0x80000	/* "cw" */
/* Reply-only fields: read by proto.c's reply decoder, never by a mask. */
#define ZK_FIELD_STAT		0x1000	/* "s" */
#define ZK_FIELD_CHILDREN	0x2000	/* "c" */
#define ZK_FIELD_EVENT		0x4000	/* "t" */
#define ZK_FIELD_STATUS		0x8000	/* "j" */
#define ZK_FIELD_INDEX		0x100000	/* "i" */
#define ZK_FIELD_RESULTS	0x200000	/* "r" */
#define ZK_FIELD_FAIL_INDEX	0x400000	/* "x" */
#define ZK_FIELD_ERR		0x800000	/* "e" */
#define ZK_FIELD_BADKEY		0x80000000u	/* a key that is no string */

/* The bit of a field key; 0 for a key we do not know (to be skipped). */
unsigned	 zk_fields_key(const struct msgpack_object *k);

/* Plain words for a field bit ("path"), for error messages. */
const char	*zk_fields_name(unsigned f);

/* Packing: a key of n bytes, a str (s not NULL), a bin (p NULL if n 0). */
void		 zk_fields_pack_key(struct msgpack_packer *pk, const char *k,
		    size_t n);
void		 zk_fields_pack_str(struct msgpack_packer *pk, const char *s);
void		 zk_fields_pack_bin(struct msgpack_packer *pk, const void *p,
		    size_t n);

/* A stat ("s"): an array of its 11 integers in struct zk_stat's order. */
void		 zk_fields_pack_stat(struct msgpack_packer *pk,
		    const struct zk_stat *st);

/*
 * Packs a map of the fields in mask, taken from req (borrowed); "p" only
 * when req->path is not NULL, "d" as bin (data may be NULL when data_len
 * is 0), "sz" and "si" only when req->has_since, each path array only
 * when it holds a path.
 */
void		 zk_fields_pack(struct msgpack_packer *pk, unsigned mask,
		    const struct zk_request *req);

/*
 * The same with room for extra more pairs in the map, which the caller
 * packs right after (a multi's "ops", an op's "o").
 */
void		 zk_fields_pack_extra(struct msgpack_packer *pk, unsigned mask,
		    const struct zk_request *req, size_t extra);

/*
 * Measures the well-formed msgpack value at the start of buf (nested at
 * most 16 deep, at most max_values values) without unpacking it: *vlen is
 * its length. Claimed lengths and counts are checked against the bytes
 * left, so what passes is safe to hand to msgpack-c. ZK_EMARSHALLING
 * naming what otherwise.
 */
int		 zk_fields_scan(const void *buf, size_t len, size_t max_values,
		    const char *what, size_t *vlen, struct zk_error *e);

/*
 * Checks that buf holds exactly one well-formed msgpack value, nested at
 * most 16 deep and made of at most max_values values, then unpacks it
 * into u, which the caller has initialised and destroys whatever the
 * outcome. what names the message in errors ("request").
 */
int		 zk_fields_unpack(struct msgpack_unpacked *u, const char *buf,
		    size_t len, size_t max_values, const char *what,
		    struct zk_error *e);

/*
 * An op or txn type code, any integer: ZK_EMARSHALLING ("<what> is not an
 * integer") when o is none, ZK_EUNIMPLEMENTED ("<unknown> N") beyond
 * int64. The caller looks the code up and says "<unknown> N" if unknown.
 */
int		 zk_fields_code(const struct msgpack_object *o, const char *what,
		    const char *unknown, int64_t *code, struct zk_error *e);

/* An integer in [min, max]; else ZK_EMARSHALLING naming what. */
int		 zk_fields_int(const struct msgpack_object *o, int64_t min,
		    int64_t max, const char *what, int64_t *v,
		    struct zk_error *e);

/*
 * The getters of one field's value, errors reading "what: the <field>
 * ...". get_str and get_data return new copies the caller frees; data
 * (bin, or str from clients whose msgpack packs bytes as str) over max is
 * ZK_ETOOBIG; a password is exactly ZK_PASSWD_LEN bytes of bin; a stat
 * is an array of 11 integers, the int32 ones in range.
 */
int		 zk_fields_get_int(const struct msgpack_object *o, int64_t min,
		    int64_t max, const char *what, unsigned f, int64_t *v,
		    struct zk_error *e);
int		 zk_fields_get_str(const struct msgpack_object *o,
		    const char *what, const char *name, char **out,
		    struct zk_error *e);
int		 zk_fields_get_data(const struct msgpack_object *o,
		    const char *what, size_t max, char **out, size_t *len,
		    struct zk_error *e);
int		 zk_fields_get_stat(const struct msgpack_object *o,
		    const char *what, struct zk_stat *st, struct zk_error *e);
int		 zk_fields_get_passwd(const struct msgpack_object *o,
		    const char *what, unsigned char pw[ZK_PASSWD_LEN],
		    struct zk_error *e);

/*
 * The value of key k in map (borrowed from it), or *v NULL when k is not
 * there; k twice, or map no map, is ZK_EMARSHALLING, naming the field
 * as name ("ops") in messages that start with what.
 */
int		 zk_fields_lookup(const struct msgpack_object *map,
		    const char *k, const char *what, const char *name,
		    const struct msgpack_object **v, struct zk_error *e);

/*
 * Reads the fields in mask from map into req: version is -1 unless "v"
 * is there, watch_mode ZK_WATCH_ANY unless "m" is (a mode is 0..4),
 * since_index ZK_EVINDEX_ALL unless "si" is, and has_since set when "sz"
 * is; an empty path array comes back as NULL and 0. Keys outside mask
 * are skipped; a field in required that is missing, or any field twice,
 * is ZK_EMARSHALLING; data over max_data is ZK_ETOOBIG. what names the
 * message ("getData request"). On error req may own copies already:
 * zk_request_close() frees them.
 */
int		 zk_fields_decode(const struct msgpack_object *map,
		    unsigned mask, unsigned required, size_t max_data,
		    const char *what, struct zk_request *req,
		    struct zk_error *e);

#endif
