/*
 * The tools' records (nodes, listing entries, watch events) as text, JSON
 * Lines and msgpack, and the reader that parses json/msgpack records back
 * (zk-set --from). See output.h for the invariants; CLI.md "Output
 * formats" for the contract.
 *
 * JSON goes through jansson (escaping and parsing are not ours to write);
 * base64 is not JSON, so the small codec here is.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "output.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
bputc(struct zk_buf *b, int c)
{
	char	 ch = (char)c;

	zk_buf_append(b, &ch, 1);
}

static void __attribute__((format(printf, 2, 3)))
bprintf(struct zk_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	zk_buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
zk_record_close(struct zk_record *r)
{
	free(r->path);
	free(r->name);
	free(r->data);
	memset(r, 0, sizeof(*r));
}

int
zk_out_fmt_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return ZK_FMT_TEXT;
	if (strcmp(s, "json") == 0)
		return ZK_FMT_JSON;
	if (strcmp(s, "msgpack") == 0)
		return ZK_FMT_MSGPACK;
	return -1;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	uint32_t	 cp;
	size_t		 len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)		/* continuation byte, or overlong */
		return 0;
	if (p[0] < 0xe0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] < 0xf5) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return len;
}

int
zk_out_utf8_valid(const char *p, size_t n)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(u + i, n - i)) == 0)
			return 0;
	return 1;
}

void
zk_out_escape(struct zk_buf *b, const char *p, size_t n)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i, k;

	for (i = 0; i < n; i++) {
		if (u[i] == '\\')
			zk_buf_append(b, "\\\\", 2);
		else if (u[i] == '\t')
			zk_buf_append(b, "\\t", 2);
		else if (u[i] == '\n')
			zk_buf_append(b, "\\n", 2);
		else if (u[i] >= 0x20 && u[i] < 0x7f)
			bputc(b, u[i]);
		else if (u[i] >= 0x80 && (k = utf8_seq(u + i, n - i)) > 0 &&
		    !(u[i] == 0xc2 && u[i + 1] < 0xa0)) {	/* not C1 */
			zk_buf_append(b, p + i, k);
			i += k - 1;
		} else
			bprintf(b, "\\x%02x", u[i]);
	}
}

void
zk_out_base64(struct zk_buf *b, const void *p, size_t n)
{
	const unsigned char	*u = p;
	uint32_t		 v;
	char			 q[4];
	size_t			 i;

	zk_buf_reserve(b, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
		q[0] = b64chars[v >> 18];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = b64chars[(v >> 6) & 63];
		q[3] = b64chars[v & 63];
		zk_buf_append(b, q, 4);
	}
	if (i < n) {
		v = (uint32_t)u[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		q[0] = b64chars[v >> 18];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		q[3] = '=';
		zk_buf_append(b, q, 4);
	}
}

static int
b64val(int c)
{
	const char	*s;

	if (c == '\0' || (s = strchr(b64chars, c)) == NULL)
		return -1;
	return (int)(s - b64chars);
}

int
zk_out_unbase64(struct zk_buf *b, const char *p, size_t n, struct zk_error *e)
{
	uint32_t	 v;
	size_t		 i, pad;
	int		 k, d;
	char		 out[3];

	if (n % 4 != 0)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "base64 length %zu is not a multiple of 4", n);
	for (i = 0; i < n; i += 4) {
		pad = 0;
		v = 0;
		for (k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == n && k >= 2 &&
			    (k == 3 || p[i + 3] == '=')) {
				pad++;
				v <<= 6;
				continue;
			}
			if ((d = b64val((unsigned char)p[i + k])) < 0 || pad)
				return zk_error_set(e, ZK_EBADARGUMENTS,
				    "bad base64 character at offset %zu",
				    i + k);
			v = v << 6 | (uint32_t)d;
		}
		out[0] = (char)(v >> 16);
		out[1] = (char)(v >> 8);
		out[2] = (char)v;
		zk_buf_append(b, out, 3 - pad);
	}
	return ZK_OK;
}

void
zk_out_text_stat(struct zk_buf *b, const char *prefix,
    const struct zk_stat *st)
{
	const char	*p = prefix != NULL ? prefix : "";

	bprintf(b, "%sczxid 0x%" PRIx64 "\n", p, (uint64_t)st->czxid);
	bprintf(b, "%smzxid 0x%" PRIx64 "\n", p, (uint64_t)st->mzxid);
	bprintf(b, "%sctime %" PRId64 "\n", p, st->ctime);
	bprintf(b, "%smtime %" PRId64 "\n", p, st->mtime);
	bprintf(b, "%sversion %" PRId32 "\n", p, st->version);
	bprintf(b, "%scversion %" PRId32 "\n", p, st->cversion);
	bprintf(b, "%saversion %" PRId32 "\n", p, st->aversion);
	bprintf(b, "%sephemeralOwner 0x%" PRIx64 "\n", p,
	    (uint64_t)st->ephemeral_owner);
	bprintf(b, "%sdataLength %" PRId32 "\n", p, st->data_length);
	bprintf(b, "%snumChildren %" PRId32 "\n", p, st->num_children);
	bprintf(b, "%spzxid 0x%" PRIx64 "\n", p, (uint64_t)st->pzxid);
}

void
zk_out_text_long(struct zk_buf *b, const struct zk_stat *st, const char *name)
{
	bprintf(b, "%" PRId32 " %" PRId32 " %" PRId32 " ", st->version,
	    st->data_length, st->num_children);
	if (st->ephemeral_owner != 0)
		bprintf(b, "0x%" PRIx64 " ", (uint64_t)st->ephemeral_owner);
	else
		zk_buf_append(b, "- ", 2);
	zk_buf_append(b, name, strlen(name));
	bputc(b, '\n');
}

void
zk_out_text_line(struct zk_buf *b, const struct zk_record *r)
{
	zk_buf_append(b, r->path, strlen(r->path));
	bputc(b, '\t');
	zk_out_escape(b, r->data != NULL ? r->data : "", r->data_len);
	bputc(b, '\n');
}

/*
 * A JSON string for a path or name. Paths that passed zk_path_validate are
 * UTF-8 in practice; should one not be, its bad bytes become U+FFFD so the
 * line stays valid JSON.
 */
static json_t *
json_text(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct zk_buf		 b;
	json_t			*j;
	size_t			 n = strlen(s), i, k;

	if ((j = json_stringn(s, n)) != NULL)
		return j;
	zk_buf_init(&b);
	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(u + i, n - i)) > 0)
			zk_buf_append(&b, s + i, k);
		else {
			zk_buf_append(&b, "\xef\xbf\xbd", 3);
			k = 1;
		}
	j = json_stringn(b.data, b.len);
	zk_buf_close(&b);
	return j;
}

static json_t *
json_stat(const struct zk_stat *st)
{
	json_t	*o = json_object();

	json_object_set_new(o, "czxid", json_integer(st->czxid));
	json_object_set_new(o, "mzxid", json_integer(st->mzxid));
	json_object_set_new(o, "ctime", json_integer(st->ctime));
	json_object_set_new(o, "mtime", json_integer(st->mtime));
	json_object_set_new(o, "version", json_integer(st->version));
	json_object_set_new(o, "cversion", json_integer(st->cversion));
	json_object_set_new(o, "aversion", json_integer(st->aversion));
	json_object_set_new(o, "ephemeralOwner",
	    json_integer(st->ephemeral_owner));
	json_object_set_new(o, "dataLength", json_integer(st->data_length));
	json_object_set_new(o, "numChildren", json_integer(st->num_children));
	json_object_set_new(o, "pzxid", json_integer(st->pzxid));
	return o;
}

/* Invariant (2): "data" when it is UTF-8, else "data_b64". */
static void
json_data(json_t *o, const char *data, size_t len)
{
	struct zk_buf	 b64;

	if (zk_out_utf8_valid(data, len)) {
		json_object_set_new(o, "data",
		    json_stringn(len ? data : "", len));
		return;
	}
	zk_buf_init(&b64);
	zk_out_base64(&b64, data, len);
	json_object_set_new(o, "data_b64", json_stringn(b64.data, b64.len));
	zk_buf_close(&b64);
}

/* Appends o as one compact line and drops it. */
static void
json_line(struct zk_buf *b, json_t *o)
{
	char	*s;

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL) {
		fprintf(stderr, "zk: out of memory encoding JSON\n");
		abort();
	}
	zk_buf_append(b, s, strlen(s));
	bputc(b, '\n');
	free(s);
	json_decref(o);
}

void
zk_out_json(struct zk_buf *b, const struct zk_record *r)
{
	json_t		*o = json_object();

	json_object_set_new(o, "path", json_text(r->path));
	if (r->name != NULL)
		json_object_set_new(o, "name", json_text(r->name));
	if (r->has_data)
		json_data(o, r->data, r->data_len);
	if (r->has_stat)
		json_object_set_new(o, "stat", json_stat(&r->stat));
	json_line(b, o);
}

static void
pack_key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
}

static void
pack_int(msgpack_packer *pk, const char *k, int64_t v)
{
	pack_key(pk, k);
	msgpack_pack_int64(pk, v);
}

void
zk_out_msgpack(struct zk_buf *b, const struct zk_record *r)
{
	msgpack_packer	 pk;
	size_t		 n = 1;

	msgpack_packer_init(&pk, b, zk_buf_write);
	n += (r->name != NULL) + (r->has_data != 0) + (r->has_stat != 0);
	msgpack_pack_map(&pk, n);
	pack_key(&pk, "path");
	pack_key(&pk, r->path);
	if (r->name != NULL) {
		pack_key(&pk, "name");
		pack_key(&pk, r->name);
	}
	if (r->has_data) {
		pack_key(&pk, "data");
		msgpack_pack_bin(&pk, r->data_len);
		msgpack_pack_bin_body(&pk, r->data, r->data_len);
	}
	if (r->has_stat) {
		pack_key(&pk, "stat");
		msgpack_pack_map(&pk, 11);
		pack_int(&pk, "czxid", r->stat.czxid);
		pack_int(&pk, "mzxid", r->stat.mzxid);
		pack_int(&pk, "ctime", r->stat.ctime);
		pack_int(&pk, "mtime", r->stat.mtime);
		pack_int(&pk, "version", r->stat.version);
		pack_int(&pk, "cversion", r->stat.cversion);
		pack_int(&pk, "aversion", r->stat.aversion);
		pack_int(&pk, "ephemeralOwner", r->stat.ephemeral_owner);
		pack_int(&pk, "dataLength", r->stat.data_length);
		pack_int(&pk, "numChildren", r->stat.num_children);
		pack_int(&pk, "pzxid", r->stat.pzxid);
	}
}

const char *
zk_out_event_name(int type)
{
	switch (type) {
	case ZK_EVENT_CREATED:
		return "created";
	case ZK_EVENT_DELETED:
		return "deleted";
	case ZK_EVENT_CHANGED:
		return "changed";
	case ZK_EVENT_CHILDREN:
		return "children";
	}
	return "unknown";
}

void
zk_out_event_text(struct zk_buf *b, const struct zk_event_record *r)
{
	const char	*name = zk_out_event_name(r->type);

	bprintf(b, "0x%" PRIx64 " %s ", (uint64_t)r->zxid, name);
	zk_buf_append(b, r->path, strlen(r->path));
	if (r->has_data) {
		bputc(b, ' ');
		zk_out_escape(b, r->data != NULL ? r->data : "", r->data_len);
	}
	bputc(b, '\n');
}

void
zk_out_event_json(struct zk_buf *b, const struct zk_event_record *r)
{
	json_t	*o = json_object();

	json_object_set_new(o, "zxid", json_integer(r->zxid));
	json_object_set_new(o, "type",
	    json_string(zk_out_event_name(r->type)));
	json_object_set_new(o, "path", json_text(r->path));
	if (r->has_data)
		json_data(o, r->data != NULL ? r->data : "", r->data_len);
	json_line(b, o);
}

void
zk_out_event_msgpack(struct zk_buf *b, const struct zk_event_record *r)
{
	msgpack_packer	 pk;

	msgpack_packer_init(&pk, b, zk_buf_write);
	msgpack_pack_map(&pk, 3 + (r->has_data != 0));
	pack_int(&pk, "zxid", r->zxid);
	pack_key(&pk, "type");
	pack_key(&pk, zk_out_event_name(r->type));
	pack_key(&pk, "path");
	pack_key(&pk, r->path);
	if (r->has_data) {
		pack_key(&pk, "data");
		msgpack_pack_bin(&pk, r->data_len);
		msgpack_pack_bin_body(&pk, r->data_len ? r->data : "",
		    r->data_len);
	}
}

int
zk_out_flush(FILE *fp, struct zk_buf *b, struct zk_error *e)
{
	size_t	 n = b->len;

	b->len = 0;
	if ((n > 0 && fwrite(b->data, 1, n, fp) != n) || fflush(fp) != 0) {
		if (errno == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		return zk_error_set(e, ZK_EIO, "write error: %s",
		    strerror(errno));
	}
	return ZK_OK;
}

struct zk_out_reader {
	int			 fmt;		/* ZK_FMT_JSON or _MSGPACK */
	struct zk_buf		 buf;		/* json: bytes not yet parsed */
	size_t			 off;		/* json: where they start */
	msgpack_unpacker	 up;		/* msgpack: the stream */
	msgpack_unpacked	 res;		/* msgpack: the last value */
	uint64_t		 nrec;		/* records returned or failed */
};

struct zk_out_reader *
zk_out_reader_new(int fmt)
{
	struct zk_out_reader	*rd = zk_xcalloc(1, sizeof(*rd));

	rd->fmt = fmt;
	zk_buf_init(&rd->buf);
	if (fmt == ZK_FMT_MSGPACK) {
		if (!msgpack_unpacker_init(&rd->up,
		    MSGPACK_UNPACKER_INIT_BUFFER_SIZE)) {
			fprintf(stderr, "zk: out of memory\n");
			abort();
		}
		msgpack_unpacked_init(&rd->res);
	}
	return rd;
}

void
zk_out_reader_free(struct zk_out_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->fmt == ZK_FMT_MSGPACK) {
		msgpack_unpacked_destroy(&rd->res);
		msgpack_unpacker_destroy(&rd->up);
	}
	zk_buf_close(&rd->buf);
	free(rd);
}

void
zk_out_reader_feed(struct zk_out_reader *rd, const char *p, size_t n)
{
	if (rd->fmt == ZK_FMT_JSON) {
		/* Drop what was parsed once it is most of the buffer. */
		if (rd->off > 0 && rd->off >= rd->buf.len / 2) {
			memmove(rd->buf.data, rd->buf.data + rd->off,
			    rd->buf.len - rd->off);
			rd->buf.len -= rd->off;
			rd->off = 0;
		}
		zk_buf_append(&rd->buf, p, n);
		return;
	}
	if (!msgpack_unpacker_reserve_buffer(&rd->up, n)) {
		fprintf(stderr, "zk: out of memory reading %zu bytes\n", n);
		abort();
	}
	memcpy(msgpack_unpacker_buffer(&rd->up), p, n);
	msgpack_unpacker_buffer_consumed(&rd->up, n);
}

static int
set_path(struct zk_record *r, const char *p, size_t n, uint64_t nrec,
    struct zk_error *e)
{
	if (memchr(p, '\0', n) != NULL)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": path holds a NUL byte", nrec);
	r->path = zk_xmalloc(n + 1);
	memcpy(r->path, p, n);
	r->path[n] = '\0';
	return ZK_OK;
}

static void
set_data(struct zk_record *r, const char *p, size_t n)
{
	r->data = zk_xmemdup(p, n);
	r->data_len = n;
	r->has_data = 1;
}

static int
check_record(struct zk_record *r, uint64_t nrec, struct zk_error *e)
{
	if (r->path == NULL) {
		zk_record_close(r);
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": no \"path\"", nrec);
	}
	if (!r->has_data) {
		zk_record_close(r);
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": no \"data\" or \"data_b64\"", nrec);
	}
	return 1;
}

static int
json_record(const char *line, size_t n, uint64_t nrec, struct zk_record *r,
    struct zk_error *e)
{
	json_error_t	 jerr;
	json_t		*o, *v;
	struct zk_buf	 b;
	int		 rc = ZK_OK;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(line, n, JSON_ALLOW_NUL, &jerr)) == NULL)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": %s", nrec, jerr.text);
	if (!json_is_object(o))
		rc = zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": not a JSON object", nrec);
	if (rc == ZK_OK && json_is_string(v = json_object_get(o, "path")))
		rc = set_path(r, json_string_value(v), json_string_length(v),
		    nrec, e);
	if (rc == ZK_OK && json_is_string(v = json_object_get(o, "data")))
		set_data(r, json_string_value(v), json_string_length(v));
	else if (rc == ZK_OK &&
	    json_is_string(v = json_object_get(o, "data_b64"))) {
		zk_buf_init(&b);
		if ((rc = zk_out_unbase64(&b, json_string_value(v),
		    json_string_length(v), e)) == ZK_OK)
			set_data(r, b.data, b.len);
		else
			zk_error_set(e, rc, "record %" PRIu64 ": data_b64: %s",
			    nrec, e != NULL ? e->msg : "");
		zk_buf_close(&b);
	}
	json_decref(o);
	if (rc != ZK_OK) {
		zk_record_close(r);
		return rc;
	}
	return check_record(r, nrec, e);
}

static int
key_is(const msgpack_object *k, const char *name)
{
	size_t	 n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, name, n) == 0;
}

static int
msgpack_record(const msgpack_object *o, uint64_t nrec, struct zk_record *r,
    struct zk_error *e)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;
	int			 rc;

	memset(r, 0, sizeof(*r));
	if (o->type != MSGPACK_OBJECT_MAP)
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": not a msgpack map", nrec);
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (key_is(&kv->key, "path") && r->path == NULL &&
		    kv->val.type == MSGPACK_OBJECT_STR) {
			if ((rc = set_path(r, kv->val.via.str.ptr,
			    kv->val.via.str.size, nrec, e)) != ZK_OK) {
				zk_record_close(r);
				return rc;
			}
		} else if (key_is(&kv->key, "data") && !r->has_data &&
		    kv->val.type == MSGPACK_OBJECT_BIN)
			set_data(r, kv->val.via.bin.ptr, kv->val.via.bin.size);
		else if (key_is(&kv->key, "data") && !r->has_data &&
		    kv->val.type == MSGPACK_OBJECT_STR)
			set_data(r, kv->val.via.str.ptr, kv->val.via.str.size);
	}
	return check_record(r, nrec, e);
}

static int
is_blank(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static int
next_json(struct zk_out_reader *rd, int eof, struct zk_record *r,
    struct zk_error *e)
{
	char	*line, *nl;
	size_t	 n;

	for (;;) {
		line = rd->buf.data + rd->off;
		n = rd->buf.len - rd->off;
		if (n == 0)
			return 0;
		if ((nl = memchr(line, '\n', n)) != NULL)
			n = (size_t)(nl - line);
		else if (!eof)
			return 0;
		rd->off += n + (nl != NULL);
		if (!is_blank(line, n))
			return json_record(line, n, ++rd->nrec, r, e);
	}
}

static int
next_msgpack(struct zk_out_reader *rd, int eof, struct zk_record *r,
    struct zk_error *e)
{
	switch (msgpack_unpacker_next(&rd->up, &rd->res)) {
	case MSGPACK_UNPACK_SUCCESS:
		return msgpack_record(&rd->res.data, ++rd->nrec, r, e);
	case MSGPACK_UNPACK_CONTINUE:
		/* At the end, a record begun (parsed) or bytes left over. */
		if (eof && (msgpack_unpacker_parsed_size(&rd->up) > 0 ||
		    rd->up.used > rd->up.off))
			return zk_error_set(e, ZK_EBADARGUMENTS,
			    "record %" PRIu64 ": input ends inside it",
			    rd->nrec + 1);
		return 0;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		fprintf(stderr, "zk: out of memory unpacking msgpack\n");
		abort();
	default:
		return zk_error_set(e, ZK_EBADARGUMENTS,
		    "record %" PRIu64 ": not valid msgpack", rd->nrec + 1);
	}
}

int
zk_out_reader_next(struct zk_out_reader *rd, int eof, struct zk_record *r,
    struct zk_error *e)
{
	if (rd->fmt == ZK_FMT_JSON)
		return next_json(rd, eof, r, e);
	return next_msgpack(rd, eof, r, e);
}
