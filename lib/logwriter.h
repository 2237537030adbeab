/*
 * The log writer thread: group commit off the event loop. The loop submits
 * encoded txns in zxid order; the thread writes every record queued while
 * the last fdatasync ran with one write and one fdatasync, then tells the
 * loop, through a libevent event, how far the log is durable.
 *
 * Invariants:
 *  (1) done() runs on the loop thread, in zxid order, once per batch.
 *  (2) After a failed batch (full disk...), every record submitted with
 *      the same generation is dropped without being written: the loop
 *      learns the first failed zxid, fails those txns, and submits again
 *      with a new generation from that zxid on.
 */
#ifndef ZK_LOGWRITER_H
#define ZK_LOGWRITER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "error.h"
#include "txnlog.h"

struct zk_logwriter;

/*
 * Called on the loop. On success err is ZK_OK and every record up to
 * durable_zxid is on disk. On failure err is the error (e holds the line),
 * and records from failed_zxid on (this generation) were not written.
 */
typedef void	(*zk_logwriter_done_fn)(void *arg, int err, int64_t durable_zxid,
		    int64_t failed_zxid, const struct zk_error *e);

/*
 * Takes ownership of log (closed by zk_logwriter_free). Returns NULL, with
 * log closed, only when the eventfd or the thread cannot be made. e is
 * NULL in done() on success. done() must not free the writer.
 */
struct zk_logwriter *zk_logwriter_new(struct event_base *base,
		    struct zk_txnlog *log, zk_logwriter_done_fn done, void *arg);
/*
 * Drains what is queued, stops the thread, closes the log. done() is
 * called for the batches written during the drain before this returns.
 */
void		 zk_logwriter_free(struct zk_logwriter *w);

/* Copies rec; gen is the loop's current generation (see (2)). */
void		 zk_logwriter_submit(struct zk_logwriter *w, int64_t zxid,
		    const void *rec, size_t len, unsigned gen);

/* Records submitted after this call go to a new log file. */
void		 zk_logwriter_roll(struct zk_logwriter *w);

#endif
