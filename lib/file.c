/* Durable file writes: atomic replacement and directory fsync. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "util.h"

int
zk_fsync_dir(const char *dir)
{
	int	 fd, rc, err;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

int
zk_file_replace(const char *dir, const char *name, const void *buf,
    size_t len, struct zk_error *e)
{
	const char	*p = buf, *what = "create";
	size_t		 plen = strlen(dir) + strlen(name) + 8, done = 0;
	char		*path = zk_xmalloc(plen), *tmp = zk_xmalloc(plen);
	ssize_t		 n;
	int		 fd, err = 0;

	snprintf(path, plen, "%s/%s", dir, name);
	snprintf(tmp, plen, "%s/%s.tmp", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		err = errno;
		goto out;
	}
	what = "write";
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? ENOSPC : errno;
			break;
		}
		done += (size_t)n;
	}
	if (err == 0 && fsync(fd) == -1) {
		what = "fsync";
		err = errno;
	}
	close(fd);
	if (err == 0 && rename(tmp, path) == -1) {
		what = "rename";
		err = errno;
	}
	if (err == 0 && zk_fsync_dir(dir) == -1) {
		what = "fsync";
		err = errno;
	}
	if (err != 0)
		unlink(tmp);
out:
	if (err != 0)
		zk_error_set(e, ZK_EIO, "%s: %s: %s", tmp, what, strerror(err));
	free(tmp);
	free(path);
	return err != 0 ? ZK_EIO : ZK_OK;
}
