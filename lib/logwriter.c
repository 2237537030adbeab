/*
 * The log writer thread: group commit off the event loop.
 *
 * The loop appends to a queue under a mutex and signals a condition
 * variable; the thread takes everything queued at once, appends it to the
 * zk_txnlog, writes it with one write and one fdatasync (zk_txnlog_sync),
 * and puts one completion per batch on a second queue. It then bumps an
 * eventfd whose read end is a libevent event on the loop's base; the
 * loop's callback drains the completion queue and calls done() in order.
 * So while one fdatasync runs, everything submitted meanwhile piles up
 * and shares the next one: throughput is not capped at the fsync rate.
 *
 * Invariants:
 *  (1) done() runs on the loop thread, in zxid order, once per batch
 *      (a batch is cut at a roll and where the generation changes).
 *  (2) After a failed batch of generation g, every later record of
 *      generation g is dropped unwritten, so nothing after the failed
 *      zxid reaches the log until the loop resubmits it with a new
 *      generation.
 *  (3) The thread never calls libevent: libevent is not thread-safe here
 *      (no evthread), and an eventfd write is all the loop needs.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "logwriter.h"

struct item {
	struct item	*next;
	int64_t		 zxid;
	unsigned	 gen;
	int		 roll;		/* a roll marker, not a record */
	size_t		 len;
	char		 rec[];
};

struct completion {
	struct completion *next;
	int		 err;
	int64_t		 durable;	/* last durable zxid, -1 if none yet */
	int64_t		 failed;	/* first zxid not written, on error */
	struct zk_error	 e;
};

struct zk_logwriter {
	struct event_base	*base;
	struct event		*ev;		/* read end of efd */
	int			 efd;
	struct zk_txnlog	*log;		/* the thread's alone */
	zk_logwriter_done_fn	 done;
	void			*arg;
	pthread_t		 thread;
	pthread_mutex_t		 mu;		/* guards the fields below */
	pthread_cond_t		 cv;
	struct item		*head, **tail;	/* submitted, not yet taken */
	struct completion	*chead, **ctail; /* done, not yet reported */
	int			 stop;
	/* The thread's own state. */
	int64_t			 durable;
	int			 has_failed;
	unsigned		 failed_gen;
	int64_t			 run_first;	/* the batch being built */
	int64_t			 run_last;
	unsigned		 run_gen;
};

static void
complete(struct zk_logwriter *w, int err, int64_t failed,
    const struct zk_error *e)
{
	struct completion	*c = zk_xcalloc(1, sizeof(*c));

	c->err = err;
	c->durable = w->durable;
	c->failed = failed;
	if (e != NULL)
		c->e = *e;
	pthread_mutex_lock(&w->mu);
	*w->ctail = c;
	w->ctail = &c->next;
	pthread_mutex_unlock(&w->mu);
}

/* Writes and syncs the records appended since the last flush. */
static void
flush(struct zk_logwriter *w)
{
	struct zk_error	 e;
	int		 rc;

	if (w->run_first == -1)
		return;
	memset(&e, 0, sizeof(e));
	rc = zk_txnlog_sync(w->log, &e);
	if (rc == ZK_OK) {
		w->durable = w->run_last;
		complete(w, ZK_OK, -1, NULL);
	} else {
		w->has_failed = 1;
		w->failed_gen = w->run_gen;
		complete(w, rc, w->run_first, &e);
	}
	w->run_first = -1;
}

static void
write_batch(struct zk_logwriter *w, struct item *it)
{
	struct item	*next;

	for (; it != NULL; it = next) {
		next = it->next;
		if (it->roll) {
			flush(w);
			zk_txnlog_roll(w->log);
		} else {
			if (w->run_first != -1 && it->gen != w->run_gen)
				flush(w);
			if (w->has_failed && it->gen == w->failed_gen) {
				free(it);	/* invariant (2) */
				continue;
			}
			zk_txnlog_append(w->log, it->zxid, it->rec, it->len);
			if (w->run_first == -1)
				w->run_first = it->zxid;
			w->run_last = it->zxid;
			w->run_gen = it->gen;
		}
		free(it);
	}
	flush(w);
}

static void *
thread_main(void *arg)
{
	struct zk_logwriter	*w = arg;
	struct item		*batch;
	uint64_t		 one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;
		batch = w->head;
		w->head = NULL;
		w->tail = &w->head;
		pthread_mutex_unlock(&w->mu);
		write_batch(w, batch);
		/* Invariant (3): the loop learns of it through the eventfd. */
		while (write(w->efd, &one, sizeof(one)) == -1 && errno == EINTR)
			;
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* On the loop: report every completion queued so far, in order. */
static void
report(struct zk_logwriter *w)
{
	struct completion	*c, *next;

	pthread_mutex_lock(&w->mu);
	c = w->chead;
	w->chead = NULL;
	w->ctail = &w->chead;
	pthread_mutex_unlock(&w->mu);
	for (; c != NULL; c = next) {
		next = c->next;
		w->done(w->arg, c->err, c->durable, c->failed,
		    c->err == ZK_OK ? NULL : &c->e);
		free(c);
	}
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	 v;

	(void)what;
	while (read(fd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
	report(arg);
}

struct zk_logwriter *
zk_logwriter_new(struct event_base *base, struct zk_txnlog *log,
    zk_logwriter_done_fn done, void *arg)
{
	struct zk_logwriter	*w;

	w = zk_xcalloc(1, sizeof(*w));
	w->base = base;
	w->log = log;
	w->done = done;
	w->arg = arg;
	w->tail = &w->head;
	w->ctail = &w->chead;
	w->durable = -1;
	w->run_first = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd == -1)
		goto fail;
	w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, on_event, w);
	if (w->ev == NULL || event_add(w->ev, NULL) == -1)
		goto fail;
	if (pthread_create(&w->thread, NULL, thread_main, w) != 0)
		goto fail;
	return w;
fail:
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->efd != -1)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	zk_txnlog_close(log);
	free(w);
	return NULL;
}

void
zk_logwriter_free(struct zk_logwriter *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	report(w);
	event_free(w->ev);
	close(w->efd);
	zk_txnlog_close(w->log);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void
enqueue(struct zk_logwriter *w, struct item *it)
{
	pthread_mutex_lock(&w->mu);
	*w->tail = it;
	w->tail = &it->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
zk_logwriter_submit(struct zk_logwriter *w, int64_t zxid, const void *rec,
    size_t len, unsigned gen)
{
	struct item	*it = zk_xmalloc(sizeof(*it) + len);

	it->next = NULL;
	it->zxid = zxid;
	it->gen = gen;
	it->roll = 0;
	it->len = len;
	if (len > 0)
		memcpy(it->rec, rec, len);
	enqueue(w, it);
}

void
zk_logwriter_roll(struct zk_logwriter *w)
{
	struct item	*it = zk_xcalloc(1, sizeof(*it));

	it->roll = 1;
	enqueue(w, it);
}
