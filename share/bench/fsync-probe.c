/*
 * fsync-probe: the disk's own latency for what zk does per write: append
 * SIZE bytes to a preallocated file and fdatasync, COUNT times; prints
 * p50 and p99 in microseconds. The yardstick for zk's one-at-a-time write
 * latency (share/doc/bench.md). With GAP, it first sleeps GAP microseconds
 * before each write (not timed): a sync that finds the disk idle, as a
 * lock's release does, can cost several times a back-to-back one here.
 *
 *   fsync-probe DIR [SIZE [COUNT [GAP]]]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"



int
main(int argc, char *argv[])
{
	char	 path[4096], buf[65536];
	size_t	 size = argc > 2 ? (size_t)atol(argv[2]) : 120;
	int	 count = argc > 3 ? atoi(argv[3]) : 2000, fd, i;
	long	 gap = argc > 4 ? atol(argv[4]) : 0;
	double	*lat, t;

	if (argc < 2 || size == 0 || size > sizeof(buf) || count < 10 ||
	    gap < 0) {
		fprintf(stderr, "usage: fsync-probe DIR [SIZE [COUNT [GAP]]]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fsync-probe.%d", argv[1], getpid());
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    posix_fallocate(fd, 0, (off_t)size * count) != 0) {
		perror(path);
		return 1;
	}
	memset(buf, 'x', size);
	lat = calloc((size_t)count, sizeof(*lat));
	for (i = 0; i < count; i++) {
		if (gap > 0)
			usleep((useconds_t)gap);
		t = now_us();
		if (pwrite(fd, buf, size, (off_t)size * i) != (ssize_t)size ||
		    fdatasync(fd) != 0) {
			perror(path);
			return 1;
		}
		lat[i] = now_us() - t;
	}
	close(fd);
	unlink(path);
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	printf("fdatasync size=%zu count=%d", size, count);
	if (gap > 0)
		printf(" gap_us=%ld", gap);
	printf(" p50_us=%.0f p99_us=%.0f\n", lat[count / 2],
	    lat[count * 99 / 100]);
	free(lat);
	return 0;
}
