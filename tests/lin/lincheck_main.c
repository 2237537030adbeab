/*
 * lincheck: reads history files (lin.h has the format), checks that they
 * are linearizable, and says so in one line; for a violation, the key and
 * a short explanation follow. Exit 0 linearizable, 1 not, 2 bad input or
 * usage, 3 undecided within the time limit (-t).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#include "lin.h"

static int
usage(void)
{
	fprintf(stderr, "usage: lincheck [-t SECONDS] [FILE ...]\n");
	return 2;
}

static int
read_one(struct zk_history *h, const char *path, struct zk_error *e)
{
	FILE	*f;
	int	 rc;

	if (strcmp(path, "-") == 0)
		return zk_history_read(h, stdin, "(stdin)", e);
	if ((f = fopen(path, "r")) == NULL)
		return zk_error_set(e, ZK_EIO, "%s: %s", path, strerror(errno));
	rc = zk_history_read(h, f, path, e);
	fclose(f);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct zk_history	 h;
	struct zk_lin_result	 r;
	struct zk_lin_opts	 o;
	struct zk_error		 e;
	char			 line[256], *end;
	double			 secs;
	int			 ch, i, v;

	memset(&o, 0, sizeof(o));
	opterr = 0;	/* usage() is the one line */
	while ((ch = getopt(argc, argv, "t:")) != -1) {
		switch (ch) {
		case 't':
			secs = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || secs < 0 ||
			    secs > 1e6)
				return usage();
			o.time_limit_ms = (int64_t)(secs * 1000);
			break;
		default:
			return usage();
		}
	}
	zk_history_init(&h);
	if (optind == argc)
		argv[--optind] = "-";	/* no files: standard input */
	for (i = optind; i < argc; i++) {
		if (read_one(&h, argv[i], &e) != ZK_OK) {
			fprintf(stderr, "lincheck: %s\n", e.msg);
			zk_history_close(&h);
			return 2;
		}
	}
	v = zk_lin_check(&h, &o, &r);
	zk_lin_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	if (r.explain != NULL)
		fputs(r.explain, stdout);
	zk_lin_result_close(&r);
	zk_history_close(&h);
	return v;
}
