/*
 * The transaction log on disk: appending records to preallocated files,
 * and scanning them back with the torn-tail / corruption distinction that
 * recovery and zk-log rely on. share/doc/storage.md has the byte layout.
 *
 * Invariants:
 *  (1) A record is written only inside space already allocated to the
 *      file (posix_fallocate first), so the data of a durable record never
 *      depends on a size change that fdatasync might not flush.
 *  (2) After a failed sync the file is truncated back to the end of its
 *      last durable record: no half record stays behind, and the next
 *      sync starts from a clean end.
 *  (3) A new file's header and directory entry are fsynced before any
 *      record goes into it, so a durable record is always findable.
 *  (4) A bad record is a torn tail only when no plausible record (a
 *      header whose length fits, whose CRC32C matches and whose payload
 *      decodes) starts anywhere after it in the same file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "txn.h"
#include "file.h"
#include "txnlog.h"

#define LOG_MAGIC	"ZKLOG001"

struct zk_txnlog {
	char		*dir;
	size_t		 prealloc;	/* bytes per allocation chunk */
	int		 fd;		/* current file, -1 before the first */
	char		*file;		/* its path */
	uint64_t	 end;		/* after the last durable record */
	uint64_t	 alloc;		/* bytes allocated to the file */
	int		 roll;		/* the next sync starts a new file */
	int64_t		 last;		/* last durable zxid (next header) */
	struct zk_buf	 pending;	/* records not yet written */
	int64_t		 pending_first;	/* zxid of the first of them */
	int64_t		 pending_last;	/* and of the last */
};

struct zk_logscan {
	char		*file;
	unsigned char	*buf;		/* the whole file */
	uint64_t	 size;
	int64_t		 first;		/* first zxid from the header */
	int64_t		 prev;		/* the previous file's last zxid */
	uint64_t	 off;		/* next record header */
	uint64_t	 good_end;	/* after the last good record */
	int64_t		 last;		/* last zxid returned, -1 if none */
	int		 err;		/* sticky error, once a record is bad */
	int		 torn;
	struct zk_error	 e;
	msgpack_unpacked u;
};

int
zk_zxid_follows(int64_t a, int64_t b)
{
	if (a == b + 1)
		return 1;
	/* A new epoch restarts the counter: 0 is NEWLEADER's, 1 the first txn. */
	return ZK_ZXID_EPOCH(a) > ZK_ZXID_EPOCH(b) && ZK_ZXID_COUNTER(a) <= 1;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	zk_store_be32(p, (uint32_t)(v >> 32));
	zk_store_be32(p + 4, (uint32_t)v);
}

static uint64_t
get_be64(const unsigned char *p)
{
	return (uint64_t)zk_load_be32(p) << 32 | zk_load_be32(p + 4);
}

static char *
log_path(const char *dir, int64_t first)
{
	size_t	 n = strlen(dir) + 32;
	char	*p = zk_xmalloc(n);

	snprintf(p, n, "%s/log.%016" PRIx64, dir, (uint64_t)first);
	return p;
}

/*
 * Where a file's chain ends: its last good record, or for a file without
 * one the zxid its header follows. -1 when it cannot be read.
 */
static int64_t
chain_end(const char *file)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	int64_t			 end;
	int			 torn;

	if ((s = zk_logscan_open(file, NULL)) == NULL)
		return -1;
	end = s->prev;
	while (zk_logscan_next(s, &rec, &torn, NULL) == 1)
		end = rec.zxid;
	zk_logscan_close(s);
	return end;
}

struct zk_txnlog *
zk_txnlog_open(const char *dir, size_t prealloc, struct zk_error *e)
{
	struct zk_txnlog	*l;
	struct stat		 st;
	char			**files;
	int64_t			*first;
	size_t			 n;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		zk_error_set(e, ZK_EIO, "%s: %s", dir,
		    errno ? strerror(errno) : "not a directory");
		return NULL;
	}
	l = zk_xcalloc(1, sizeof(*l));
	l->dir = zk_xstrdup(dir);
	l->prealloc = prealloc ? prealloc : ZK_LOG_PREALLOC;
	l->fd = -1;
	l->pending_first = l->pending_last = -1;
	l->last = -1;
	zk_buf_init(&l->pending);
	if (zk_txnlog_files(dir, &files, &first, &n, NULL) == ZK_OK) {
		if (n > 0)
			l->last = chain_end(files[n - 1]);
		zk_txnlog_files_free(files, first, n);
	}
	return l;
}

/*
 * Best effort: when even the truncation fails there is nothing better to
 * do here; the error the caller already gets says the records past end
 * were not acknowledged.
 */
static void
truncate_quietly(int fd, uint64_t end)
{
	if (ftruncate(fd, (off_t)end) == -1)
		return;
}

/* Gives back the unused preallocated tail; zeros or not, both read the same. */
static void
finish_file(struct zk_txnlog *l)
{
	if (l->fd == -1)
		return;
	if (l->alloc > l->end)
		truncate_quietly(l->fd, l->end);
	close(l->fd);
	l->fd = -1;
	free(l->file);
	l->file = NULL;
}

void
zk_txnlog_close(struct zk_txnlog *l)
{
	if (l == NULL)
		return;
	finish_file(l);
	zk_buf_close(&l->pending);
	free(l->dir);
	free(l);
}

void
zk_txnlog_append(struct zk_txnlog *l, int64_t zxid, const void *payload,
    size_t len)
{
	unsigned char	 hdr[ZK_LOG_REC_HDR];

	if (l->pending.len == 0)
		l->pending_first = zxid;
	l->pending_last = zxid;
	zk_store_be32(hdr, (uint32_t)len);
	zk_store_be32(hdr + 4, zk_crc32c(0, payload, len));
	zk_buf_append(&l->pending, hdr, sizeof(hdr));
	zk_buf_append(&l->pending, payload, len);
}

void
zk_txnlog_roll(struct zk_txnlog *l)
{
	l->roll = 1;
}

static void
drop_pending(struct zk_txnlog *l)
{
	l->pending.len = 0;
	l->pending_first = l->pending_last = -1;
}

/* Invariant (3): header, allocation, fsync of file and directory. */
static int
new_file(struct zk_txnlog *l, int64_t first, struct zk_error *e)
{
	unsigned char	 hdr[ZK_LOG_HDR];
	uint64_t	 alloc;
	char		*path;
	const char	*what;
	ssize_t		 n;
	int		 fd, r;

	path = log_path(l->dir, first);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		zk_error_set(e, ZK_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return ZK_EIO;
	}
	memcpy(hdr, LOG_MAGIC, 8);
	put_be64(hdr + 8, (uint64_t)first);
	put_be64(hdr + 16, (uint64_t)l->last);
	alloc = l->prealloc > ZK_LOG_HDR ? l->prealloc : ZK_LOG_HDR;
	what = "writing header";
	if ((n = pwrite(fd, hdr, sizeof(hdr), 0)) != (ssize_t)sizeof(hdr)) {
		r = n == -1 ? errno : ENOSPC;
		goto fail;
	}
	what = "preallocating";
	if ((r = posix_fallocate(fd, 0, (off_t)alloc)) != 0)
		goto fail;
	what = "fsync";
	if (fsync(fd) == -1 || zk_fsync_dir(l->dir) == -1) {
		r = errno;
		goto fail;
	}
	l->fd = fd;
	l->file = path;
	l->end = ZK_LOG_HDR;
	l->alloc = alloc;
	return ZK_OK;
fail:
	close(fd);
	unlink(path);
	(void)zk_fsync_dir(l->dir);
	zk_error_set(e, ZK_EIO, "%s: %s: %s", path, what, strerror(r));
	free(path);
	return ZK_EIO;
}

/*
 * Invariant (2). A file left with no record is removed, so that the next
 * file is named after the record that really comes first in it.
 */
static int
fail_sync(struct zk_txnlog *l, const char *what, int err, struct zk_error *e)
{
	zk_error_set(e, ZK_EIO, "%s: %s: %s", l->file, what, strerror(err));
	drop_pending(l);
	if (l->end <= ZK_LOG_HDR) {
		close(l->fd);
		unlink(l->file);
		(void)zk_fsync_dir(l->dir);
		l->fd = -1;
		free(l->file);
		l->file = NULL;
		return ZK_EIO;
	}
	truncate_quietly(l->fd, l->end);
	(void)fsync(l->fd);
	l->alloc = l->end;
	return ZK_EIO;
}

int
zk_txnlog_sync(struct zk_txnlog *l, struct zk_error *e)
{
	uint64_t	 need, alloc, done;
	ssize_t		 n;
	int		 r;

	if (l->pending.len == 0)
		return ZK_OK;
	if (l->fd == -1 || l->roll) {
		finish_file(l);
		l->roll = 0;
		if (new_file(l, l->pending_first, e) != ZK_OK) {
			drop_pending(l);
			return ZK_EIO;
		}
	}
	need = l->end + l->pending.len;
	if (need > l->alloc) {
		alloc = l->alloc;
		while (alloc < need)
			alloc += l->prealloc;
		r = posix_fallocate(l->fd, (off_t)l->alloc,
		    (off_t)(alloc - l->alloc));
		if (r != 0)
			return fail_sync(l, "preallocating", r, e);
		l->alloc = alloc;
	}
	for (done = 0; done < l->pending.len; done += (uint64_t)n) {
		n = pwrite(l->fd, l->pending.data + done,
		    l->pending.len - done, (off_t)(l->end + done));
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return fail_sync(l, "write", n == 0 ? ENOSPC : errno,
			    e);
	}
	if (fdatasync(l->fd) == -1)
		return fail_sync(l, "fdatasync", errno, e);
	l->end = need;
	l->last = l->pending_last;
	drop_pending(l);
	return ZK_OK;
}

static int
parse_name(const char *name, const char *prefix, int64_t *zxid)
{
	size_t		 plen = strlen(prefix);
	uint64_t	 v = 0;
	int		 i, c;

	if (strncmp(name, prefix, plen) != 0 || strlen(name) != plen + 16)
		return 0;
	for (i = 0; i < 16; i++) {
		c = name[plen + i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return 0;
	}
	if (v > INT64_MAX)
		return 0;
	*zxid = (int64_t)v;
	return 1;
}

struct named {
	char	*path;
	int64_t	 zxid;
};

static int
cmp_named(const void *a, const void *b)
{
	const struct named	*x = a, *y = b;

	return x->zxid < y->zxid ? -1 : x->zxid > y->zxid;
}

/*
 * Files in dir named PREFIX + 16 hex digits, sorted by that number; shared
 * with snap.c through txnlog.h so that both read names the same way.
 */
int
zk_txnlog_list(const char *dir, const char *prefix, char ***files,
    int64_t **zxids, size_t *count, struct zk_error *e)
{
	struct named	*v = NULL;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0, cap = 0, i, len;
	int64_t		 z;

	*files = NULL;
	*zxids = NULL;
	*count = 0;
	if ((d = opendir(dir)) == NULL)
		return zk_error_set(e, ZK_EIO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!parse_name(de->d_name, prefix, &z))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = zk_xrealloc(v, cap * sizeof(*v));
		}
		len = strlen(dir) + strlen(de->d_name) + 2;
		v[n].path = zk_xmalloc(len);
		snprintf(v[n].path, len, "%s/%s", dir, de->d_name);
		v[n].zxid = z;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_named);
	*files = zk_xcalloc(n, sizeof(char *));
	*zxids = zk_xcalloc(n, sizeof(int64_t));
	for (i = 0; i < n; i++) {
		(*files)[i] = v[i].path;
		(*zxids)[i] = v[i].zxid;
	}
	free(v);
	*count = n;
	return ZK_OK;
}

int
zk_txnlog_files(const char *dir, char ***files, int64_t **first,
    size_t *count, struct zk_error *e)
{
	return zk_txnlog_list(dir, "log.", files, first, count, e);
}

void
zk_txnlog_files_free(char **files, int64_t *first, size_t count)
{
	size_t	 i;

	for (i = 0; i < count; i++)
		free(files[i]);
	free(files);
	free(first);
}

static int
read_all(const char *file, unsigned char **buf, uint64_t *size,
    struct zk_error *e)
{
	struct stat	 st;
	uint64_t	 got = 0;
	ssize_t		 n = 0;
	int		 fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return zk_error_set(e, ZK_EIO, "%s: %s", file, strerror(errno));
	if (fstat(fd, &st) == -1) {
		close(fd);
		return zk_error_set(e, ZK_EIO, "%s: %s", file, strerror(errno));
	}
	*buf = zk_xmalloc((size_t)st.st_size + 1);
	while (got < (uint64_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	if (n == -1) {
		zk_error_set(e, ZK_EIO, "%s: %s", file, strerror(errno));
		close(fd);
		free(*buf);
		*buf = NULL;
		return ZK_EIO;
	}
	close(fd);
	*size = got;	/* a file that shrank meanwhile reads as its new size */
	return ZK_OK;
}

int
zk_txnlog_read_file(const char *file, unsigned char **buf, uint64_t *size,
    struct zk_error *e)
{
	return read_all(file, buf, size, e);
}

struct zk_logscan *
zk_logscan_open(const char *file, struct zk_error *e)
{
	struct zk_logscan	*s;
	const char		*base;
	unsigned char		*buf;
	uint64_t		 size;
	int64_t			 named;

	if (read_all(file, &buf, &size, e) != ZK_OK)
		return NULL;
	if (size < ZK_LOG_HDR || memcmp(buf, LOG_MAGIC, 8) != 0) {
		zk_error_set(e, ZK_ECORRUPT, "%s: not a log file (bad header)",
		    file);
		free(buf);
		return NULL;
	}
	s = zk_xcalloc(1, sizeof(*s));
	s->file = zk_xstrdup(file);
	s->buf = buf;
	s->size = size;
	s->first = (int64_t)get_be64(buf + 8);
	s->prev = (int64_t)get_be64(buf + 16);
	s->off = s->good_end = ZK_LOG_HDR;
	s->last = -1;
	msgpack_unpacked_init(&s->u);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (s->first < 0 || s->prev < -1 || s->prev >= s->first) {
		zk_error_set(e, ZK_ECORRUPT, "%s: bad header (first zxid 0x%"
		    PRIx64 " after 0x%" PRIx64 ")", file, (uint64_t)s->first,
		    (uint64_t)s->prev);
		zk_logscan_close(s);
		return NULL;
	}
	if (parse_name(base, "log.", &named) && named != s->first) {
		zk_error_set(e, ZK_ECORRUPT,
		    "%s: header says first zxid 0x%" PRIx64 ", name disagrees",
		    file, (uint64_t)s->first);
		zk_logscan_close(s);
		return NULL;
	}
	return s;
}

void
zk_logscan_close(struct zk_logscan *s)
{
	if (s == NULL)
		return;
	msgpack_unpacked_destroy(&s->u);
	free(s->buf);
	free(s->file);
	free(s);
}

/* The zxid of a payload: one msgpack array, nothing after it, zxid first. */
static int
decode_zxid(struct zk_logscan *s, const unsigned char *p, size_t len,
    int64_t *zxid)
{
	msgpack_object	 o;
	size_t		 off = 0;

	if (msgpack_unpack_next(&s->u, (const char *)p, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len)
		return 0;
	o = s->u.data;
	if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size < 1 ||
	    o.via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o.via.array.ptr[0].via.u64 > INT64_MAX)
		return 0;
	*zxid = (int64_t)o.via.array.ptr[0].via.u64;
	return 1;
}

/*
 * Whether a record could start at p. The cheap tests come first: most
 * offsets in garbage fail on the length or on the first payload byte,
 * which for a txn is always a short msgpack array.
 */
static int
plausible(struct zk_logscan *s, uint64_t p)
{
	uint32_t	 len, crc;
	int64_t		 zxid;

	len = zk_load_be32(s->buf + p);
	if (len == 0 || len > s->size - p - ZK_LOG_REC_HDR)
		return 0;
	if ((s->buf[p + ZK_LOG_REC_HDR] & 0xf0) != 0x90)
		return 0;
	crc = zk_load_be32(s->buf + p + 4);
	if (zk_crc32c(0, s->buf + p + ZK_LOG_REC_HDR, len) != crc)
		return 0;
	return decode_zxid(s, s->buf + p + ZK_LOG_REC_HDR, len, &zxid);
}

/* Invariant (4): any plausible record at or after from? */
static int
valid_after(struct zk_logscan *s, uint64_t from)
{
	uint64_t	 p, q;

	for (p = from; p + ZK_LOG_REC_HDR <= s->size; p++) {
		if (s->buf[p] == 0 && s->buf[p + 1] == 0 &&
		    s->buf[p + 2] == 0 && s->buf[p + 3] == 0) {
			/* Skip a run of zeros: a length has a nonzero byte. */
			for (q = p + 4; q < s->size && s->buf[q] == 0; q++)
				;
			p = q - 4;
			continue;
		}
		if (plausible(s, p))
			return 1;
	}
	return 0;
}

static int
bad(struct zk_logscan *s, uint64_t at, const char *why, int may_be_torn,
    int *torn, struct zk_error *e)
{
	s->torn = may_be_torn && !valid_after(s, at + 1);
	s->err = ZK_ECORRUPT;
	zk_error_set(&s->e, ZK_ECORRUPT,
	    "%s: bad record at offset %" PRIu64 " (%s%s)", s->file, at, why,
	    s->torn ? ", torn tail" : "");
	*torn = s->torn;
	if (e != NULL)
		*e = s->e;
	return s->err;
}

int
zk_logscan_next(struct zk_logscan *s, struct zk_logrec *rec, int *torn,
    struct zk_error *e)
{
	const unsigned char	*p;
	uint64_t		 at = s->off, i;
	uint32_t		 len, crc;
	int64_t			 zxid;
	char			 why[96];

	*torn = 0;
	if (s->err != 0) {
		*torn = s->torn;
		if (e != NULL)
			*e = s->e;
		return s->err;
	}
	if (s->size - at < ZK_LOG_REC_HDR) {
		for (i = at; i < s->size; i++)
			if (s->buf[i] != 0)
				return bad(s, at, "incomplete record header",
				    1, torn, e);
		return 0;
	}
	p = s->buf + at;
	len = zk_load_be32(p);
	crc = zk_load_be32(p + 4);
	if (len == 0 && crc == 0) {
		/* Zeros end the records, unless a record hides behind them. */
		if (valid_after(s, at + 1))
			return bad(s, at, "zeroed record header", 0, torn, e);
		return 0;
	}
	if (len == 0)
		return bad(s, at, "zero length", 1, torn, e);
	if (len > s->size - at - ZK_LOG_REC_HDR)
		return bad(s, at, "length past end of file", 1, torn, e);
	if (zk_crc32c(0, p + ZK_LOG_REC_HDR, len) != crc)
		return bad(s, at, "checksum mismatch", 1, torn, e);
	if (!decode_zxid(s, p + ZK_LOG_REC_HDR, len, &zxid))
		return bad(s, at, "undecodable payload", 1, torn, e);
	/* A record with a good checksum in the wrong place is never torn. */
	if (s->last == -1 && zxid != s->first) {
		snprintf(why, sizeof(why), "zxid 0x%" PRIx64
		    " is not the file's first 0x%" PRIx64, (uint64_t)zxid,
		    (uint64_t)s->first);
		return bad(s, at, why, 0, torn, e);
	}
	if (s->last != -1 && !zk_zxid_follows(zxid, s->last)) {
		snprintf(why, sizeof(why), "zxid 0x%" PRIx64
		    " does not follow 0x%" PRIx64, (uint64_t)zxid,
		    (uint64_t)s->last);
		return bad(s, at, why, 0, torn, e);
	}
	rec->zxid = zxid;
	rec->payload = (const char *)p + ZK_LOG_REC_HDR;
	rec->len = len;
	rec->offset = at;
	s->off = s->good_end = at + ZK_LOG_REC_HDR + len;
	s->last = zxid;
	return 1;
}

uint64_t
zk_logscan_good_end(const struct zk_logscan *s)
{
	return s->good_end;
}

int64_t
zk_logscan_first(const struct zk_logscan *s)
{
	return s->first;
}

int64_t
zk_logscan_prev(const struct zk_logscan *s)
{
	return s->prev;
}

uint64_t
zk_logscan_size(const struct zk_logscan *s)
{
	return s->size;
}

void	(*zk_txnlog_step_hook)(const char *what);

int
zk_txnlog_remove(const char *dir, const char *file, struct zk_error *e)
{
	if (unlink(file) == -1 && errno != ENOENT)
		return zk_error_set(e, ZK_EIO, "%s: removing: %s", file,
		    strerror(errno));
	if (zk_fsync_dir(dir) == -1)
		return zk_error_set(e, ZK_EIO, "%s: fsync: %s", dir,
		    strerror(errno));
	if (zk_txnlog_step_hook != NULL)
		zk_txnlog_step_hook(file);
	return ZK_OK;
}

/*
 * Cuts every record after zxid. The file holding zxid is truncated just
 * after it; later files are removed, newest first and one durable removal
 * at a time: were two removals to reach the disk in the other order, a
 * crash could leave a newer file behind a missing one, which recovery
 * refuses as a gap. The caller holds no zk_txnlog on dir.
 */
int
zk_txnlog_truncate(const char *dir, int64_t zxid, struct zk_error *e)
{
	struct zk_logscan	*s;
	struct zk_logrec	 rec;
	char			**files;
	int64_t			*first;
	size_t			 n, i;
	uint64_t		 cut;
	int			 rc = ZK_OK, r, torn, fd;

	if ((rc = zk_txnlog_files(dir, &files, &first, &n, e)) != ZK_OK)
		return rc;
	for (i = n; i-- > 0 && rc == ZK_OK; ) {
		if (first[i] > zxid) {
			rc = zk_txnlog_remove(dir, files[i], e);
			continue;
		}
		if ((s = zk_logscan_open(files[i], e)) == NULL) {
			rc = e ? e->code : ZK_ECORRUPT;
			break;
		}
		cut = ZK_LOG_HDR;
		while ((r = zk_logscan_next(s, &rec, &torn, NULL)) == 1 &&
		    rec.zxid <= zxid)
			cut = zk_logscan_good_end(s);
		zk_logscan_close(s);
		if ((fd = open(files[i], O_WRONLY | O_CLOEXEC)) == -1 ||
		    ftruncate(fd, (off_t)cut) == -1 || fsync(fd) == -1)
			rc = zk_error_set(e, ZK_EIO, "%s: truncating: %s",
			    files[i], strerror(errno));
		if (fd != -1)
			close(fd);
		if (rc == ZK_OK && zk_txnlog_step_hook != NULL)
			zk_txnlog_step_hook(files[i]);
		break;
	}
	if (rc == ZK_OK && zk_fsync_dir(dir) == -1)
		rc = zk_error_set(e, ZK_EIO, "%s: %s", dir, strerror(errno));
	zk_txnlog_files_free(files, first, n);
	return rc;
}
