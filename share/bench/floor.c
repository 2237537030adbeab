/*
 * floor: the least a lone durable write can cost on this machine, for the
 * target "one set at a time, p50 <= 1.5 x one fdatasync" (bench.md). A
 * client sends SIZE bytes over loopback TCP; a server appends them to a
 * preallocated file, fdatasyncs, and answers one byte; COUNT times, one
 * at a time. No protocol, no tree, no allocation: what is left is the
 * disk and the hand-offs between processes and threads.
 *
 *   floor DIR inline|thread [SIZE [COUNT]]
 *
 * inline: the server's one thread calls fdatasync itself (its event loop
 * would wait on the disk). thread: a second thread writes and syncs, as
 * in a server whose loop never waits on the disk (zk-peer's log writer),
 * handed the work and answering through pipes. Prints p50 and p99 in
 * microseconds, as fsync-probe does.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define MAX_SIZE	65536

struct disk {
	int	 fd;
	size_t	 size;
	off_t	 off;
	char	 buf[MAX_SIZE];
	int	 work[2];	/* thread mode: loop -> writer */
	int	 done[2];	/* thread mode: writer -> loop */
};



static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
append(struct disk *d)
{
	if (pwrite(d->fd, d->buf, d->size, d->off) != (ssize_t)d->size ||
	    fdatasync(d->fd) != 0)
		die("append");
	d->off += (off_t)d->size;
}

static void *
writer(void *arg)
{
	struct disk	*d = arg;
	char		 c;

	while (read(d->work[0], &c, 1) == 1) {
		append(d);
		if (write(d->done[1], &c, 1) != 1)
			die("writer");
	}
	return NULL;
}

/* The client: COUNT requests one at a time; prints the percentiles. */
static void
client(const struct sockaddr_in *sa, const char *mode, size_t size,
    int count)
{
	char	 buf[MAX_SIZE], r;
	double	*lat, t;
	int	 s, one = 1, i;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == -1)
		die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(buf, 'x', size);
	lat = calloc((size_t)count, sizeof(*lat));
	for (i = 0; i < count; i++) {
		t = now_us();
		if (write(s, buf, size) != (ssize_t)size || read(s, &r, 1) != 1)
			die("client");
		lat[i] = now_us() - t;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	printf("%s size=%zu count=%d p50_us=%.0f p99_us=%.0f\n", mode, size,
	    count, lat[count / 2], lat[count * 99 / 100]);
	fflush(stdout);
}

/* The server: one connection, a request at a time, until it closes. */
static void
serve(int s, struct disk *d, int threaded)
{
	struct pollfd	 p;
	size_t		 got = 0;
	ssize_t		 n;
	char		 c = 0;
	int		 one = 1;

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		p.fd = s;
		p.events = POLLIN;
		poll(&p, 1, -1);
		if ((n = read(s, d->buf + got, d->size - got)) <= 0)
			return;
		if ((got += (size_t)n) < d->size)
			continue;
		got = 0;
		if (!threaded)
			append(d);
		else {
			if (write(d->work[1], &c, 1) != 1)
				die("serve");
			p.fd = d->done[0];
			poll(&p, 1, -1);
			if (read(d->done[0], &c, 1) != 1)
				die("serve");
		}
		if (write(s, "k", 1) != 1)
			return;
	}
}

int
main(int argc, char *argv[])
{
	static struct disk	 d;
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	pthread_t		 th;
	char			 path[4096];
	int			 l, s, count, threaded;
	pid_t			 pid;

	if (argc < 3 || (strcmp(argv[2], "inline") != 0 &&
	    strcmp(argv[2], "thread") != 0)) {
		fprintf(stderr, "usage: floor DIR inline|thread [SIZE "
		    "[COUNT]]\n");
		return 2;
	}
	threaded = strcmp(argv[2], "thread") == 0;
	d.size = argc > 3 ? (size_t)atol(argv[3]) : 120;
	count = argc > 4 ? atoi(argv[4]) : 2000;
	if (d.size == 0 || d.size > MAX_SIZE || count < 10) {
		fprintf(stderr, "floor: SIZE 1-%d, COUNT >= 10\n", MAX_SIZE);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/floor.%d", argv[1], getpid());
	if ((d.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    posix_fallocate(d.fd, 0, (off_t)d.size * count) != 0)
		die(path);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) == -1 ||
	    listen(l, 1) == -1)
		die("listen");
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		client(&sa, argv[2], d.size, count);
		_exit(0);
	}
	if ((s = accept(l, NULL, NULL)) == -1)
		die("accept");
	if (threaded && (pipe(d.work) == -1 || pipe(d.done) == -1 ||
	    pthread_create(&th, NULL, writer, &d) != 0))
		die("writer");
	serve(s, &d, threaded);
	waitpid(pid, NULL, 0);
	unlink(path);
	return 0;
}
