/*
 * Unit tests of lib/txnlog.c and lib/logwriter.c: the record format,
 * preallocation, group commit, the torn-tail / corruption rule, and a
 * full disk. Payloads are built here with msgpack, shaped as txns
 * ([zxid, time, session, type, {fields}]), so these tests need no txn code.
 */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <msgpack.h>

#include "logwriter.h"
#include "test.h"
#include "txn.h"
#include "txnlog.h"

static char	 tmproot[] = "/tmp/zk-test-txnlog.XXXXXX";
static int	 ndirs;
static char	 mounted[600];	/* the tmpfs, unmounted at the end */

static char *
newdir(void)
{
	static char	 dir[512];

	snprintf(dir, sizeof(dir), "%s/%d", tmproot, ndirs++);
	mkdir(dir, 0755);
	return dir;
}

/* A txn-shaped payload for zxid carrying pad bytes of data. */
static void
payload(struct zk_buf *b, int64_t zxid, size_t pad)
{
	msgpack_packer	 pk;
	char		 data[4096];

	memset(data, 'a' + (int)(zxid % 26), sizeof(data));
	b->len = 0;
	msgpack_packer_init(&pk, b, zk_buf_write);
	msgpack_pack_array(&pk, 5);
	msgpack_pack_int64(&pk, zxid);
	msgpack_pack_int64(&pk, 1700000000000LL);
	msgpack_pack_int64(&pk, 7);
	msgpack_pack_int(&pk, ZK_TXN_SETDATA);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "d", 1);
	msgpack_pack_bin_with_body(&pk, data, pad < sizeof(data) ? pad :
	    sizeof(data));
}

/* Appends zxids [from, to] and syncs once. */
static int
append_range(struct zk_txnlog *l, int64_t from, int64_t to, size_t pad,
    struct zk_error *e)
{
	struct zk_buf	 b;
	int64_t		 z;
	int		 rc;

	zk_buf_init(&b);
	for (z = from; z <= to; z++) {
		payload(&b, z, pad);
		zk_txnlog_append(l, z, b.data, b.len);
	}
	rc = zk_txnlog_sync(l, e);
	zk_buf_close(&b);
	return rc;
}

struct scanres {
	int64_t		 zxids[4096];
	uint64_t	 offsets[4096];
	size_t		 n;
	int		 rc;		/* 0 clean end, else the error */
	int		 torn;
	uint64_t	 good_end;
	struct zk_error	 e;
};

static void
scan(const char *file, struct scanres *r)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	int			 rc;

	memset(r, 0, sizeof(*r));
	if ((s = zk_logscan_open(file, &r->e)) == NULL) {
		r->rc = r->e.code;
		return;
	}
	while ((rc = zk_logscan_next(s, &rec, &r->torn, &r->e)) == 1 &&
	    r->n < 4096) {
		r->zxids[r->n] = rec.zxid;
		r->offsets[r->n++] = rec.offset;
	}
	r->rc = rc;
	r->good_end = zk_logscan_good_end(s);
	zk_logscan_close(s);
}

static char *
logname(const char *dir, int64_t first)
{
	static char	 p[600];

	snprintf(p, sizeof(p), "%s/log.%016" PRIx64, dir, (uint64_t)first);
	return p;
}

static off_t
fsize(const char *file)
{
	struct stat	 st;

	return stat(file, &st) == 0 ? st.st_size : -1;
}

static void
copy_file(const char *from, const char *to, off_t len)
{
	char	 buf[65536];
	ssize_t	 n;
	off_t	 done = 0;
	int	 a = open(from, O_RDONLY), b;

	b = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (done < len && (n = read(a, buf, (size_t)(len - done) <
	    sizeof(buf) ? (size_t)(len - done) : sizeof(buf))) > 0) {
		if (write(b, buf, (size_t)n) != n)
			break;
		done += n;
	}
	close(a);
	close(b);
}

static void
patch(const char *file, off_t at, const void *p, size_t n)
{
	int	 fd = open(file, O_WRONLY);

	if (pwrite(fd, p, n, at) != (ssize_t)n)
		fprintf(stderr, "patch %s failed\n", file);
	close(fd);
}

static void
append_bytes(const char *file, const void *p, size_t n)
{
	int	 fd = open(file, O_WRONLY | O_APPEND);

	if (write(fd, p, n) != (ssize_t)n)
		fprintf(stderr, "append %s failed\n", file);
	close(fd);
}

/* txnlog (1): zk_zxid_follows is +1, or the start of a later epoch. */
static void
test_zxid_follows(void)
{
	ZK_ASSERT(zk_zxid_follows(ZK_ZXID(1, 6), ZK_ZXID(1, 5)));
	ZK_ASSERT(zk_zxid_follows(ZK_ZXID(2, 1), ZK_ZXID(1, 5)));
	ZK_ASSERT(zk_zxid_follows(ZK_ZXID(3, 0), ZK_ZXID(1, 5)));
	ZK_ASSERT(!zk_zxid_follows(ZK_ZXID(1, 7), ZK_ZXID(1, 5)));
	ZK_ASSERT(!zk_zxid_follows(ZK_ZXID(1, 5), ZK_ZXID(1, 5)));
	ZK_ASSERT(!zk_zxid_follows(ZK_ZXID(2, 3), ZK_ZXID(1, 5)));
	ZK_ASSERT(!zk_zxid_follows(ZK_ZXID(1, 1), ZK_ZXID(2, 5)));
}

/* txnlog: what is appended and synced scans back, byte for byte, in order. */
static void
test_round_trip(void)
{
	struct zk_txnlog	*l;
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	struct zk_error		 e;
	struct zk_buf		 b;
	char			*dir = newdir(), **files;
	int64_t			*first, z;
	size_t			 n;
	int			 torn;

	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT(l != NULL);
	ZK_ASSERT_EQ(append_range(l, ZK_ZXID(1, 1), ZK_ZXID(1, 40), 50, &e),
	    ZK_OK);
	/* While open the file keeps its preallocated chunks. */
	ZK_ASSERT_EQ(fsize(logname(dir, ZK_ZXID(1, 1))) % 4096, 0);
	ZK_ASSERT_EQ(append_range(l, ZK_ZXID(1, 41), ZK_ZXID(1, 100), 50, &e),
	    ZK_OK);
	zk_txnlog_close(l);
	ZK_ASSERT_EQ(zk_txnlog_files(dir, &files, &first, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 1);
	ZK_ASSERT_EQ(first[0], ZK_ZXID(1, 1));
	ZK_ASSERT_STR(files[0], logname(dir, ZK_ZXID(1, 1)));
	s = zk_logscan_open(files[0], &e);
	zk_txnlog_files_free(files, first, n);
	ZK_ASSERT(s != NULL);
	zk_buf_init(&b);
	for (z = ZK_ZXID(1, 1); z <= ZK_ZXID(1, 100); z++) {
		if (zk_logscan_next(s, &rec, &torn, &e) != 1)
			break;
		payload(&b, z, 50);
		if (rec.zxid != z || rec.len != b.len ||
		    memcmp(rec.payload, b.data, b.len) != 0)
			break;
	}
	ZK_ASSERT_EQ(z, ZK_ZXID(1, 101));
	ZK_ASSERT_EQ(zk_logscan_next(s, &rec, &torn, &e), 0);
	/*
	 * Closing gives the preallocated tail back: the file ends at the
	 * records.
	 */
	ZK_ASSERT_EQ(fsize(logname(dir, ZK_ZXID(1, 1))),
	    zk_logscan_good_end(s));
	zk_logscan_close(s);
	zk_buf_close(&b);
}

/* txnlog: a roll starts a new file named after its first record. */
static void
test_roll(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir(), **files;
	int64_t			*first;
	size_t			 n;

	l = zk_txnlog_open(dir, 0, &e);
	ZK_ASSERT_EQ(append_range(l, 1, 5, 10, &e), ZK_OK);
	zk_txnlog_roll(l);
	ZK_ASSERT_EQ(append_range(l, 6, 9, 10, &e), ZK_OK);
	ZK_ASSERT_EQ(append_range(l, 10, 12, 10, &e), ZK_OK);
	zk_txnlog_close(l);
	ZK_ASSERT_EQ(zk_txnlog_files(dir, &files, &first, &n, &e), ZK_OK);
	ZK_ASSERT_EQ(n, 2);
	ZK_ASSERT(first[0] == 1 && first[1] == 6);
	zk_txnlog_files_free(files, first, n);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.n, 5);
	ZK_ASSERT_EQ(r.rc, 0);
	scan(logname(dir, 6), &r);
	ZK_ASSERT_EQ(r.n, 7);
	ZK_ASSERT_EQ(r.zxids[6], 12);
	ZK_ASSERT_EQ(r.rc, 0);
}

static int64_t
prev_of(const char *file)
{
	struct zk_logscan	*s = zk_logscan_open(file, NULL);
	int64_t			 prev = -3;

	if (s != NULL)
		prev = zk_logscan_prev(s);
	zk_logscan_close(s);
	return prev;
}

/*
 * txnlog: each file's header names the last zxid of the file before it, across
 * a reopen too.
 */
static void
test_chain(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	char			*dir = newdir();

	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT_EQ(append_range(l, 1, 5, 10, &e), ZK_OK);
	zk_txnlog_roll(l);
	ZK_ASSERT_EQ(append_range(l, 6, 9, 10, &e), ZK_OK);
	zk_txnlog_close(l);
	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT_EQ(append_range(l, ZK_ZXID(1, 1), ZK_ZXID(1, 2), 10, &e),
	    ZK_OK);
	zk_txnlog_close(l);
	ZK_ASSERT_EQ(prev_of(logname(dir, 1)), -1);
	ZK_ASSERT_EQ(prev_of(logname(dir, 6)), 5);
	ZK_ASSERT_EQ(prev_of(logname(dir, ZK_ZXID(1, 1))), 9);
}

/* Writes zxids 1..count into a fresh dir; returns the file. */
static char *
make_log(int count, size_t pad)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	char			*dir = newdir();

	l = zk_txnlog_open(dir, 4096, &e);
	append_range(l, 1, count, pad, &e);
	zk_txnlog_close(l);
	return logname(dir, 1);
}

/* Whether bytes [from, to) of file are all zero. */
static int
zeros(const char *file, uint64_t from, uint64_t to)
{
	unsigned char	 c;
	int		 fd = open(file, O_RDONLY), z = 1;

	for (; from < to && z; from++)
		z = pread(fd, &c, 1, (off_t)from) == 1 && c == 0;
	close(fd);
	return z;
}

/*
 * txnlog (4): a file cut anywhere inside its last record ends torn at that
 * record.
 */
static void
test_torn_every_offset(void)
{
	struct scanres	 r;
	char		 file[600], cut[700];
	uint64_t	 last, size, at;

	snprintf(file, sizeof(file), "%s", make_log(10, 30));
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 10);
	last = r.offsets[9];
	size = (uint64_t)fsize(file);
	snprintf(cut, sizeof(cut), "%s.cut", file);
	for (at = last; at < size; at++) {
		copy_file(file, cut, (off_t)at);
		scan(cut, &r);
		ZK_ASSERT_EQ(r.n, 9);
		ZK_ASSERT_EQ(r.good_end, last);
		if (zeros(file, last, at)) {
			/*
			 * Only zero bytes of it made it: the same as no record.
			 */
			ZK_ASSERT_EQ(r.rc, 0);
		} else {
			ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
			ZK_ASSERT_EQ(r.torn, 1);
		}
	}
}

/*
 * txnlog (4): a half-written last record followed by preallocated zeros is
 * torn.
 */
static void
test_torn_in_zeros(void)
{
	struct scanres	 r;
	char		 zero[16] = { 0 };
	char		*file = make_log(10, 30);
	uint64_t	 last;

	scan(file, &r);
	last = r.offsets[9];
	/*
	 * Zero the last record's final bytes, as an unfinished write leaves it.
	 */
	patch(file, fsize(file) - 5, zero, 5);
	append_bytes(file, zero, sizeof(zero));
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 9);
	ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
	ZK_ASSERT_EQ(r.torn, 1);
	ZK_ASSERT_EQ(r.good_end, last);
	ZK_ASSERT(strstr(r.e.msg, "checksum mismatch") != NULL);
}

/* txnlog (4): garbage after the last record is a torn tail, not corruption. */
static void
test_garbage_appended(void)
{
	struct scanres	 r;
	unsigned char	 junk[3000];
	char		*file = make_log(10, 30);
	uint64_t	 end;
	size_t		 i;

	end = (uint64_t)fsize(file);
	srand(42);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	junk[0] |= 1;	/* a zero header would end the file cleanly */
	append_bytes(file, junk, sizeof(junk));
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 10);
	ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
	ZK_ASSERT_EQ(r.torn, 1);
	ZK_ASSERT_EQ(r.good_end, end);
}

/*
 * txnlog (4): a bad record with a good one after it is corruption, named by
 * file and offset.
 */
static void
test_middle_corruption(void)
{
	struct scanres	 r;
	char		 file[600], want[700];
	unsigned char	 x = 0xff;
	uint64_t	 bad;

	snprintf(file, sizeof(file), "%s", make_log(10, 30));
	scan(file, &r);
	bad = r.offsets[4];
	patch(file, (off_t)bad + ZK_LOG_REC_HDR + 3, &x, 1);
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 4);
	ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
	ZK_ASSERT_EQ(r.torn, 0);
	snprintf(want, sizeof(want), "%s: bad record at offset %" PRIu64
	    " (checksum mismatch)", file, bad);
	ZK_ASSERT_STR(r.e.msg, want);
}

/*
 * txnlog (4): zeros in place of a record header do not hide the records after
 * it.
 */
static void
test_zeroed_header(void)
{
	struct scanres	 r;
	char		 zero[ZK_LOG_REC_HDR] = { 0 };
	char		*file = make_log(10, 30);

	scan(file, &r);
	patch(file, (off_t)r.offsets[6], zero, sizeof(zero));
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 6);
	ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
	ZK_ASSERT_EQ(r.torn, 0);
	ZK_ASSERT(strstr(r.e.msg, "zeroed record header") != NULL);
}

/*
 * txnlog (1): a record out of zxid order is refused even with a good checksum.
 */
static void
test_order_checked(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir();
	struct zk_buf		 b;

	l = zk_txnlog_open(dir, 4096, &e);
	zk_buf_init(&b);
	payload(&b, 1, 5);
	zk_txnlog_append(l, 1, b.data, b.len);
	payload(&b, 3, 5);
	zk_txnlog_append(l, 3, b.data, b.len);
	ZK_ASSERT_EQ(zk_txnlog_sync(l, &e), ZK_OK);
	zk_txnlog_close(l);
	zk_buf_close(&b);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.n, 1);
	ZK_ASSERT_EQ(r.rc, ZK_ECORRUPT);
	ZK_ASSERT_EQ(r.torn, 0);
	ZK_ASSERT(strstr(r.e.msg, "does not follow") != NULL);
}

/* txnlog: truncate keeps records up to zxid and removes later files. */
static void
test_truncate(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir();

	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT_EQ(append_range(l, 1, 10, 20, &e), ZK_OK);
	zk_txnlog_roll(l);
	ZK_ASSERT_EQ(append_range(l, 11, 20, 20, &e), ZK_OK);
	zk_txnlog_close(l);
	ZK_ASSERT_EQ(zk_txnlog_truncate(dir, 7, &e), ZK_OK);
	ZK_ASSERT_EQ(fsize(logname(dir, 11)), -1);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.n, 7);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(fsize(logname(dir, 1)), r.good_end);
	/* Appending after it goes on from 8 in a file of its own. */
	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT_EQ(append_range(l, 8, 9, 20, &e), ZK_OK);
	zk_txnlog_close(l);
	scan(logname(dir, 8), &r);
	ZK_ASSERT_EQ(r.n, 2);
}

static char	 steps[4][600];
static int	 nsteps;

static void
note_step(const char *what)
{
	if (nsteps < 4)
		snprintf(steps[nsteps], sizeof(steps[0]), "%s", what);
	nsteps++;
}

/*
 * txnlog: truncate's durable steps go newest file first, the cut of the
 * file holding zxid last, so a crash between two never leaves a newer
 * file behind a missing one; zk_txnlog_remove of a gone file is no error.
 */
static void
test_truncate_steps(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	char			*dir = newdir(), want[600];

	l = zk_txnlog_open(dir, 4096, &e);
	ZK_ASSERT_EQ(append_range(l, 1, 5, 20, &e), ZK_OK);
	zk_txnlog_roll(l);
	ZK_ASSERT_EQ(append_range(l, 6, 10, 20, &e), ZK_OK);
	zk_txnlog_roll(l);
	ZK_ASSERT_EQ(append_range(l, 11, 15, 20, &e), ZK_OK);
	zk_txnlog_close(l);
	nsteps = 0;
	zk_txnlog_step_hook = note_step;
	ZK_ASSERT_EQ(zk_txnlog_truncate(dir, 3, &e), ZK_OK);
	zk_txnlog_step_hook = NULL;
	ZK_ASSERT_EQ(nsteps, 3);
	snprintf(want, sizeof(want), "%s", logname(dir, 11));
	ZK_ASSERT_STR(steps[0], want);
	snprintf(want, sizeof(want), "%s", logname(dir, 6));
	ZK_ASSERT_STR(steps[1], want);
	snprintf(want, sizeof(want), "%s", logname(dir, 1));
	ZK_ASSERT_STR(steps[2], want);
	ZK_ASSERT_EQ(zk_txnlog_remove(dir, logname(dir, 6), &e), ZK_OK);
	ZK_ASSERT_EQ(zk_txnlog_remove("/nonexistent/zk", "/nonexistent/zk/x",
	    &e), ZK_EIO);
}

static void
set_fsize_limit(rlim_t n)
{
	struct rlimit	 rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = n;
	setrlimit(RLIMIT_FSIZE, &rl);
}

/*
 * txnlog (2): a sync that cannot get space fails with ZK_EIO, leaves no
 * half record and no extra bytes, and a later sync succeeds once space is
 * back. The space limit here is RLIMIT_FSIZE (EFBIG, SIGXFSZ ignored).
 */
static void
test_full_disk_rlimit(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir(), file[600];
	int64_t			 z = 1;
	off_t			 before;
	int			 rc = ZK_OK;

	signal(SIGXFSZ, SIG_IGN);
	snprintf(file, sizeof(file), "%s", logname(dir, 1));
	l = zk_txnlog_open(dir, 4096, &e);
	set_fsize_limit(3 * 4096);
	for (z = 1; z < 200 && rc == ZK_OK; z++) {
		before = fsize(file);
		rc = append_range(l, z, z, 700, &e);
	}
	z--;
	ZK_ASSERT_EQ(rc, ZK_EIO);
	ZK_ASSERT(strstr(e.msg, file) != NULL);
	ZK_ASSERT(strstr(e.msg, "File too large") != NULL);
	/*
	 * Nothing of the failed record stays: the file ends at the last good
	 * one.
	 */
	scan(file, &r);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(r.n, z - 1);
	ZK_ASSERT_EQ(fsize(file), r.good_end);
	ZK_ASSERT(before >= fsize(file));
	/* Space comes back: the same zxid goes in, and the log reads whole. */
	set_fsize_limit(RLIM_INFINITY);
	ZK_ASSERT_EQ(append_range(l, z, z + 5, 700, &e), ZK_OK);
	zk_txnlog_close(l);
	scan(file, &r);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(r.n, z + 5);
	ZK_ASSERT_EQ(r.zxids[z + 4], z + 5);
}

/* txnlog (3): a new file that cannot be made leaves nothing behind. */
static void
test_full_disk_new_file(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir(), file[600];

	signal(SIGXFSZ, SIG_IGN);
	snprintf(file, sizeof(file), "%s", logname(dir, 1));
	l = zk_txnlog_open(dir, 8192, &e);
	set_fsize_limit(4096);
	ZK_ASSERT_EQ(append_range(l, 1, 3, 10, &e), ZK_EIO);
	ZK_ASSERT_EQ(fsize(file), -1);
	set_fsize_limit(RLIM_INFINITY);
	ZK_ASSERT_EQ(append_range(l, 1, 3, 10, &e), ZK_OK);
	zk_txnlog_close(l);
	scan(file, &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT_EQ(r.rc, 0);
}

/*
 * txnlog (2) on a real full file system: a 64 KiB tmpfs in a private
 * mount namespace (needs root; skipped, and said so, without it).
 */
static void
test_full_disk_tmpfs(void)
{
	struct zk_txnlog	*l;
	struct zk_error		 e;
	struct scanres		 r;
	char			*dir = newdir(), mnt[512], file[700],
				 filler[700], blob[8192];
	int64_t			 z;
	int			 rc = ZK_OK, fd;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		fprintf(stderr, "     (tmpfs test skipped: %s)\n",
		    strerror(errno));
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s", dir);
	ZK_ASSERT(mount("tmpfs", mnt, "tmpfs", 0, "size=64k") == 0);
	snprintf(mounted, sizeof(mounted), "%s", mnt);
	snprintf(file, sizeof(file), "%s", logname(mnt, 1));
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	memset(blob, 'x', sizeof(blob));
	fd = open(filler, O_WRONLY | O_CREAT, 0644);
	while (write(fd, blob, sizeof(blob)) == (ssize_t)sizeof(blob) &&
	    fsize(filler) < 24 * 1024)
		;
	close(fd);
	l = zk_txnlog_open(mnt, 8192, &e);
	for (z = 1; z < 200 && rc == ZK_OK; z++)
		rc = append_range(l, z, z, 1500, &e);
	z--;
	ZK_ASSERT_EQ(rc, ZK_EIO);
	fprintf(stderr, "     (%s)\n", e.msg);
	ZK_ASSERT(strstr(e.msg, "No space left on device") != NULL);
	scan(file, &r);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(r.n, z - 1);
	ZK_ASSERT_EQ(fsize(file), r.good_end);
	unlink(filler);
	ZK_ASSERT_EQ(append_range(l, z, z + 3, 1500, &e), ZK_OK);
	zk_txnlog_close(l);
	scan(file, &r);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(r.n, z + 3);
}

struct wstate {
	struct event_base	*base;
	int			 calls;
	int			 fails;
	int64_t			 durable;
	int64_t			 failed;
	int			 ordered;	/* durable never went back */
	int			 last_err;
	char			 msg[ZK_ERROR_MSG_MAX];
};

static void
on_done(void *arg, int err, int64_t durable, int64_t failed,
    const struct zk_error *e)
{
	struct wstate	*w = arg;

	w->calls++;
	if (durable < w->durable)
		w->ordered = 0;
	w->durable = durable;
	w->last_err = err;
	if (err != ZK_OK) {
		w->fails++;
		w->failed = failed;
		snprintf(w->msg, sizeof(w->msg), "%s", e->msg);
	}
}

/* Runs the loop until cond holds or 10 s pass. */
#define RUN_UNTIL(w, cond) do { int64_t t0_ = zk_now_mono_ms(); \
	while (!(cond) && zk_now_mono_ms() - t0_ < 10000) \
		event_base_loop((w)->base, EVLOOP_ONCE); } while (0)

/* logwriter (1): many records share few fdatasyncs; done() reports in order. */
static void
test_group_commit(void)
{
	struct zk_logwriter	*lw;
	struct zk_error		 e;
	struct wstate		 w = { .durable = -1, .ordered = 1 };
	struct scanres		 r;
	struct zk_buf		 b;
	char			*dir = newdir();
	int64_t			 z;
	int			 ok = 1;

	w.base = event_base_new();
	lw = zk_logwriter_new(w.base, zk_txnlog_open(dir, 65536, &e),
	    on_done, &w);
	ZK_ASSERT(lw != NULL);
	zk_buf_init(&b);
	for (z = 1; z <= 2000; z++) {
		payload(&b, z, 40);
		zk_logwriter_submit(lw, z, b.data, b.len, 0);
	}
	zk_buf_close(&b);
	RUN_UNTIL(&w, w.durable == 2000);
	ZK_ASSERT_EQ(w.durable, 2000);
	ZK_ASSERT_EQ(w.fails, 0);
	ZK_ASSERT_EQ(w.ordered, 1);
	ZK_ASSERT(w.calls >= 1 && w.calls < 2000);
	fprintf(stderr, "     (2000 records in %d fdatasyncs)\n", w.calls);
	zk_logwriter_free(lw);
	event_base_free(w.base);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.n, 2000);
	ZK_ASSERT_EQ(r.rc, 0);
	for (z = 0; z < 2000; z++)
		ok &= r.zxids[z] == z + 1;
	ZK_ASSERT(ok);
}

/* logwriter: a roll puts the records after it in a new file. */
static void
test_writer_roll(void)
{
	struct zk_logwriter	*lw;
	struct zk_error		 e;
	struct wstate		 w = { .durable = -1, .ordered = 1 };
	struct scanres		 r;
	struct zk_buf		 b;
	char			*dir = newdir();
	int64_t			 z;

	w.base = event_base_new();
	lw = zk_logwriter_new(w.base, zk_txnlog_open(dir, 4096, &e),
	    on_done, &w);
	zk_buf_init(&b);
	for (z = 1; z <= 6; z++) {
		if (z == 4)
			zk_logwriter_roll(lw);
		payload(&b, z, 10);
		zk_logwriter_submit(lw, z, b.data, b.len, 0);
	}
	zk_buf_close(&b);
	RUN_UNTIL(&w, w.durable == 6);
	ZK_ASSERT_EQ(w.durable, 6);
	zk_logwriter_free(lw);
	event_base_free(w.base);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.n, 3);
	scan(logname(dir, 4), &r);
	ZK_ASSERT_EQ(r.n, 3);
	ZK_ASSERT_EQ(r.zxids[2], 6);
}

/*
 * logwriter (2): after a failed batch the rest of its generation is
 * dropped; resubmitted with a new generation, the log holds every zxid
 * once, in order.
 */
static void
test_writer_failure_generation(void)
{
	struct zk_logwriter	*lw;
	struct zk_error		 e;
	struct wstate		 w = { .durable = -1, .ordered = 1 };
	struct scanres		 r;
	struct zk_buf		 b;
	char			*dir = newdir();
	int64_t			 z, failed;
	int			 ok = 1;

	signal(SIGXFSZ, SIG_IGN);
	w.base = event_base_new();
	lw = zk_logwriter_new(w.base, zk_txnlog_open(dir, 4096, &e),
	    on_done, &w);
	zk_buf_init(&b);
	for (z = 1; z <= 60; z++) {
		if (z == 6) {	/* five are durable before space runs out */
			RUN_UNTIL(&w, w.durable == 5);
			set_fsize_limit(3 * 4096);
		}
		payload(&b, z, 500);
		zk_logwriter_submit(lw, z, b.data, b.len, 0);
	}
	RUN_UNTIL(&w, w.fails > 0);
	ZK_ASSERT_EQ(w.fails, 1);
	ZK_ASSERT_EQ(w.last_err, ZK_EIO);
	ZK_ASSERT(w.durable >= 5);
	ZK_ASSERT_EQ(w.failed, w.durable + 1);
	ZK_ASSERT(strstr(w.msg, "log.0000000000000001") != NULL);
	failed = w.failed;
	set_fsize_limit(RLIM_INFINITY);
	for (z = failed; z <= 60; z++) {
		payload(&b, z, 500);
		zk_logwriter_submit(lw, z, b.data, b.len, 1);
	}
	zk_buf_close(&b);
	RUN_UNTIL(&w, w.durable == 60);
	ZK_ASSERT_EQ(w.durable, 60);
	ZK_ASSERT_EQ(w.fails, 1);
	zk_logwriter_free(lw);
	event_base_free(w.base);
	scan(logname(dir, 1), &r);
	ZK_ASSERT_EQ(r.rc, 0);
	ZK_ASSERT_EQ(r.n, 60);
	for (z = 0; z < 60; z++)
		ok &= r.zxids[z] == z + 1;
	ZK_ASSERT(ok);
}

int
main(void)
{
	char	 cmd[600];
	int	 rc;

	if (mkdtemp(tmproot) == NULL)
		return 1;
	ZK_RUN(test_zxid_follows);
	ZK_RUN(test_round_trip);
	ZK_RUN(test_roll);
	ZK_RUN(test_chain);
	ZK_RUN(test_torn_every_offset);
	ZK_RUN(test_torn_in_zeros);
	ZK_RUN(test_garbage_appended);
	ZK_RUN(test_middle_corruption);
	ZK_RUN(test_zeroed_header);
	ZK_RUN(test_order_checked);
	ZK_RUN(test_truncate);
	ZK_RUN(test_truncate_steps);
	ZK_RUN(test_full_disk_rlimit);
	ZK_RUN(test_full_disk_new_file);
	ZK_RUN(test_group_commit);
	ZK_RUN(test_writer_roll);
	ZK_RUN(test_writer_failure_generation);
	ZK_RUN(test_full_disk_tmpfs);
	rc = ZK_TEST_DONE();
	if (mounted[0] != '\0')
		umount2(mounted, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmproot);
	return rc;
}
