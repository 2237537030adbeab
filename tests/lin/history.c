/*
 * Reading and writing history lines (the format is in lin.h): one line
 * becomes one struct zk_lin_op, or one struct zk_lin_init, or nothing.
 *
 * Invariants (history.h's (1), (2), and):
 *  (3) Every name (client, key, file) is stored once in h->strings and
 *      ops point into it, so a history of thousands of ops by a handful
 *      of clients on a handful of keys holds a handful of names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

#include "history.h"

#define MAXTOK	12	/* more fields than any line form has */

void
zk_history_init(struct zk_history *h)
{
	memset(h, 0, sizeof(*h));
}

void
zk_history_close(struct zk_history *h)
{
	size_t	 i;

	for (i = 0; i < h->nops; i++)
		free(h->ops[i].value);
	for (i = 0; i < h->ninits; i++)
		free(h->inits[i].value);
	for (i = 0; i < h->nstrings; i++)
		free(h->strings[i]);
	free(h->ops);
	free(h->inits);
	free(h->strings);
	memset(h, 0, sizeof(*h));
}

/*
 * Invariant (3). A linear search: histories name few clients, keys and
 * files, and the last one found is checked first, since lines from one
 * file come together. O(names) per line otherwise.
 */
static const char *
intern(struct zk_history *h, const char *s)
{
	size_t	 i;

	for (i = h->nstrings; i-- > 0; )
		if (strcmp(h->strings[i], s) == 0)
			return h->strings[i];
	if (h->nstrings == h->capstrings) {
		h->capstrings = h->capstrings ? h->capstrings * 2 : 16;
		h->strings = zk_xrealloc(h->strings,
		    h->capstrings * sizeof(*h->strings));
	}
	h->strings[h->nstrings] = zk_xstrdup(s);
	return h->strings[h->nstrings++];
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A token back into bytes: "-" is empty, %XX one byte. 0, or -1 if bad. */
static int
decode(const char *tok, char **out, size_t *len)
{
	size_t	 n = strlen(tok), i, j;
	char	*v;
	int	 hi, lo;

	v = zk_xmalloc(n + 1);
	if (strcmp(tok, "-") == 0) {
		v[0] = '\0';
		*out = v;
		*len = 0;
		return 0;
	}
	for (i = j = 0; i < n; i++) {
		if (tok[i] != '%') {
			v[j++] = tok[i];
			continue;
		}
		if (i + 2 >= n) {
			free(v);
			return -1;
		}
		if ((hi = hexval((unsigned char)tok[i + 1])) < 0 ||
		    (lo = hexval((unsigned char)tok[i + 2])) < 0) {
			free(v);
			return -1;
		}
		v[j++] = (char)(hi * 16 + lo);
		i += 2;
	}
	v[j] = '\0';
	*out = v;
	*len = j;
	return 0;
}

/* Only a byte that cannot be misread is written as itself. */
static int
plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '%' && c != '#';
}

int
zk_history_encode(const char *value, size_t len, char *buf, size_t size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, j = 0;
	unsigned char		 c;

	if (len == 0 || (len == 1 && value[0] == '-')) {
		/* "-" stands for the empty value, so a lone dash is escaped. */
		if (size < 4)
			return -1;
		strcpy(buf, len == 0 ? "-" : "%2D");
		return (int)strlen(buf);
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)value[i];
		if (plain(c)) {
			if (j + 2 > size)
				return -1;
			buf[j++] = (char)c;
		} else {
			if (j + 4 > size)
				return -1;
			buf[j++] = '%';
			buf[j++] = hex[c >> 4];
			buf[j++] = hex[c & 15];
		}
	}
	buf[j] = '\0';
	return (int)j;
}

/* A decimal in [min, max]; 0, or -1 if tok is not one. */
static int
number(const char *tok, int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)tok[0]) && !(tok[0] == '-' &&
	    isdigit((unsigned char)tok[1])))
		return -1;
	errno = 0;
	v = strtoll(tok, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits line in place at blanks, up to a '#' that starts a field. */
static int
split(char *line, char **tok)
{
	int	 n = 0;
	char	*p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == MAXTOK)
			return -1;
		tok[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
bad(struct zk_error *e, const char *file, long lineno, const char *why)
{
	return zk_error_set(e, ZK_EBADARGUMENTS, "%s:%ld: %s", file, lineno,
	    why);
}

static int
parse_init(struct zk_history *h, char **tok, int n, const char *file,
    long lineno, struct zk_error *e)
{
	struct zk_lin_init	 in;
	int64_t			 v;
	size_t			 i;

	if (n != 4)
		return bad(e, file, lineno,
		    "an init line is: init KEY VALUE VERSION");
	if (number(tok[3], 0, INT32_MAX, &v) != 0)
		return bad(e, file, lineno, "the version is not a number >= 0");
	memset(&in, 0, sizeof(in));
	in.key = intern(h, tok[1]);
	for (i = 0; i < h->ninits; i++)
		if (h->inits[i].key == in.key)
			return bad(e, file, lineno, "a second init line for "
			    "this key");
	if (decode(tok[2], &in.value, &in.value_len) != 0)
		return bad(e, file, lineno, "bad %XX escape in the value");
	in.version = (int32_t)v;
	in.line = lineno;
	in.file = intern(h, file);
	if (h->ninits == h->capinits) {
		h->capinits = h->capinits ? h->capinits * 2 : 8;
		h->inits = zk_xrealloc(h->inits,
		    h->capinits * sizeof(*h->inits));
	}
	h->inits[h->ninits++] = in;
	return ZK_OK;
}

/*
 * The fields after OUTCOME, which depend on kind and outcome:
 *   read ok: VALUE VERSION       read fail|info: nothing
 *   write ok: VALUE VERSION      write fail|info: VALUE
 *   cas ok: EXPECTED VALUE VERSION   cas fail|info: EXPECTED VALUE
 */
static const char *const shape[3][2] = {	/* [kind - 1][ok] */
	{ "a read that is not ok ends at its outcome",
	  "an ok read ends in VALUE VERSION" },
	{ "a write that is not ok ends in VALUE",
	  "an ok write ends in VALUE VERSION" },
	{ "a cas that is not ok ends in EXPECTED VALUE",
	  "an ok cas ends in EXPECTED VALUE VERSION" },
};

static const char *
parse_args(struct zk_lin_op *op, char **tok, int n)
{
	int	 want, i = 0;
	int64_t	 v;

	if (op->kind == ZK_LIN_READ)
		want = op->outcome == ZK_LIN_OK ? 2 : 0;
	else
		want = (op->kind == ZK_LIN_CAS ? 2 : 1) +
		    (op->outcome == ZK_LIN_OK ? 1 : 0);
	if (n != want)
		return shape[op->kind - 1][op->outcome == ZK_LIN_OK];
	if (op->kind == ZK_LIN_CAS) {
		if (number(tok[i++], 0, INT32_MAX, &v) != 0)
			return "the expected version is not a number >= 0";
		op->expected = (int32_t)v;
	}
	if (i < n && decode(tok[i++], &op->value, &op->value_len) != 0)
		return "bad %XX escape in the value";
	if (i < n) {
		if (number(tok[i], 0, INT32_MAX, &v) != 0)
			return "the version is not a number >= 0";
		op->version = (int32_t)v;
	}
	return NULL;
}

int
zk_history_parse_line(struct zk_history *h, const char *line,
    const char *file, long lineno, struct zk_error *e)
{
	struct zk_lin_op	 op;
	char			*copy, *tok[MAXTOK];
	const char		*why = NULL;
	int64_t			 t;
	int			 n, rc = ZK_OK;

	copy = zk_xstrdup(line);
	if ((n = split(copy, tok)) < 0) {
		rc = bad(e, file, lineno, "too many fields");
		goto out;
	}
	if (n == 0)
		goto out;
	if (strcmp(tok[0], "init") == 0) {
		rc = parse_init(h, tok, n, file, lineno, e);
		goto out;
	}
	memset(&op, 0, sizeof(op));
	op.version = op.expected = -1;
	if (n < 6) {
		why = "want CLIENT OP KEY INVOKE_NS RETURN_NS OUTCOME ...";
		goto fail;
	}
	if (strcmp(tok[1], "read") == 0)
		op.kind = ZK_LIN_READ;
	else if (strcmp(tok[1], "write") == 0)
		op.kind = ZK_LIN_WRITE;
	else if (strcmp(tok[1], "cas") == 0)
		op.kind = ZK_LIN_CAS;
	else {
		why = "the op is not read, write or cas";
		goto fail;
	}
	if (strcmp(tok[5], "ok") == 0)
		op.outcome = ZK_LIN_OK;
	else if (strcmp(tok[5], "fail") == 0)
		op.outcome = ZK_LIN_FAIL;
	else if (strcmp(tok[5], "info") == 0)
		op.outcome = ZK_LIN_INFO;
	else {
		why = "the outcome is not ok, fail or info";
		goto fail;
	}
	if (number(tok[3], 0, INT64_MAX - 1, &t) != 0) {
		why = "the invoke time is not a number of ns >= 0";
		goto fail;
	}
	op.invoke_ns = t;
	if (op.outcome == ZK_LIN_INFO && strcmp(tok[4], "-") == 0)
		t = ZK_LIN_NEVER;
	else if (number(tok[4], 0, INT64_MAX - 1, &t) != 0) {
		why = "the return time is not a number of ns >= 0";
		goto fail;
	}
	op.return_ns = t;
	if (op.return_ns < op.invoke_ns) {
		why = "it returns before it is invoked";
		goto fail;
	}
	if ((why = parse_args(&op, tok + 6, n - 6)) != NULL)
		goto fail;
	op.client = intern(h, tok[0]);
	op.key = intern(h, tok[2]);
	op.file = intern(h, file);
	op.line = lineno;
	if (h->nops == h->capops) {
		h->capops = h->capops ? h->capops * 2 : 256;
		h->ops = zk_xrealloc(h->ops, h->capops * sizeof(*h->ops));
	}
	h->ops[h->nops++] = op;
	goto out;
fail:
	free(op.value);
	rc = bad(e, file, lineno, why);
out:
	free(copy);
	return rc;
}

int
zk_history_read(struct zk_history *h, FILE *f, const char *file,
    struct zk_error *e)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 len;
	long	 lineno = 0;
	int	 rc = ZK_OK;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			rc = bad(e, file, lineno, "a NUL byte in the line");
			break;
		}
		if ((rc = zk_history_parse_line(h, line, file, lineno, e)) !=
		    ZK_OK)
			break;
	}
	if (rc == ZK_OK && ferror(f))
		rc = zk_error_set(e, ZK_EIO, "%s: %s", file, strerror(errno));
	free(line);
	return rc;
}

int
zk_history_parse_string(struct zk_history *h, const char *text,
    const char *file, struct zk_error *e)
{
	const char	*p = text, *nl;
	char		*line;
	long		 lineno = 0;
	int		 rc;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		line = zk_xmemdup(p, (size_t)(nl - p) + 1);
		line[nl - p] = '\0';
		rc = zk_history_parse_line(h, line, file, ++lineno, e);
		free(line);
		if (rc != ZK_OK)
			return rc;
		p = *nl == '\n' ? nl + 1 : nl;
	}
	return ZK_OK;
}

static const char *
kind_name(int kind)
{
	return kind == ZK_LIN_READ ? "read" : kind == ZK_LIN_WRITE ? "write" :
	    "cas";
}

static const char *
outcome_name(int outcome)
{
	return outcome == ZK_LIN_OK ? "ok" : outcome == ZK_LIN_FAIL ? "fail" :
	    "info";
}

/* Appends with snprintf's rules; *off past size means it did not fit. */
static void
put(char *buf, size_t size, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*off >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	*off += n < 0 ? size : (size_t)n;
}

static void
put_value(char *buf, size_t size, size_t *off, const char *v, size_t len)
{
	int	 n;

	if (*off >= size)
		return;
	put(buf, size, off, " ");
	if (*off >= size)
		return;
	n = zk_history_encode(v != NULL ? v : "", v != NULL ? len : 0,
	    buf + *off, size - *off);
	*off = n < 0 ? size : *off + (size_t)n;
}

int
zk_history_format(const struct zk_lin_op *op, char *buf, size_t size)
{
	size_t	 off = 0;

	put(buf, size, &off, "%s %s %s %lld ", op->client, kind_name(op->kind),
	    op->key, (long long)op->invoke_ns);
	if (op->return_ns == ZK_LIN_NEVER)
		put(buf, size, &off, "-");
	else
		put(buf, size, &off, "%lld", (long long)op->return_ns);
	put(buf, size, &off, " %s", outcome_name(op->outcome));
	if (op->kind == ZK_LIN_CAS)
		put(buf, size, &off, " %d", (int)op->expected);
	if (op->kind != ZK_LIN_READ || op->outcome == ZK_LIN_OK)
		put_value(buf, size, &off, op->value, op->value_len);
	if (op->outcome == ZK_LIN_OK)
		put(buf, size, &off, " %d", (int)op->version);
	put(buf, size, &off, "\n");
	return off < size ? (int)off : -1;
}

int
zk_history_format_init(const char *key, const char *value, size_t len,
    int32_t version, char *buf, size_t size)
{
	size_t	 off = 0;

	put(buf, size, &off, "init %s", key);
	put_value(buf, size, &off, value, len);
	put(buf, size, &off, " %d\n", (int)version);
	return off < size ? (int)off : -1;
}
