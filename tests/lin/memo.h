/*
 * The checker's memo (Lowe's idea): the set of search configurations
 * already explored, each a set of linearized ops (a bitset) and the
 * register state they left. Reaching one again cannot lead anywhere new.
 *
 * Invariants:
 *  (1) Membership is exact: the hash picks a slot, but a configuration
 *      matches only when its state and every word of its bitset are equal.
 *  (2) The table is at most half full, so a probe ends at an empty slot.
 */
#ifndef ZK_LIN_MEMO_H
#define ZK_LIN_MEMO_H

#include <stddef.h>
#include <stdint.h>

struct zk_memo;

/* A memo for bitsets of nbits bits; free with zk_memo_free. */
struct zk_memo	*zk_memo_new(size_t nbits);
void		 zk_memo_free(struct zk_memo *m);

/*
 * Adds the configuration (bits, val, version); hash is the caller's hash
 * of all three. Returns 1 when it was new, 0 when it was already there.
 * bits is copied.
 */
int		 zk_memo_add(struct zk_memo *m, const uint64_t *bits,
		    uint64_t hash, uint32_t val, int64_t version);

/* Configurations held, and bytes used, for the curious. */
size_t		 zk_memo_count(const struct zk_memo *m);
size_t		 zk_memo_bytes(const struct zk_memo *m);

#endif
