/*
 * Starting CMD (spawn.h): fork, restore in the child what CMD should
 * inherit, exec; a close-on-exec pipe tells the parent whether the exec
 * happened.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

/* In the child: invariant (1), the environment, then CMD. Never returns. */
static void
child(char *const argv[], const char *const *env, const int *sigs,
    const struct sigaction *saved, size_t nsigs, int errfd)
{
	struct sigaction	 dfl;
	sigset_t		 none;
	size_t			 i;
	int			 err = 0;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (i = 0; i < nsigs; i++)
		sigaction(sigs[i], &saved[i], NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; env != NULL && env[i] != NULL && err == 0; i += 2)
		if (setenv(env[i], env[i + 1], 1) != 0)
			err = errno;
	if (err == 0) {
		execvp(argv[0], argv);
		err = errno;
	}
	(void)!write(errfd, &err, sizeof(err));
	_exit(err == ENOENT ? 127 : 126);
}

int
zk_spawn(char *const argv[], const char *const *env, const int *sigs,
    const struct sigaction *saved, size_t nsigs, pid_t *pid, int *status,
    struct zk_error *e)
{
	ssize_t	 n;
	int	 fds[2], err;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		*status = 126;
		return zk_error_set(e, ZK_ESYSTEM, "pipe: %s", strerror(errno));
	}
	if ((*pid = fork()) < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		*status = 126;
		return zk_error_set(e, ZK_ESYSTEM, "fork: %s", strerror(err));
	}
	if (*pid == 0)
		child(argv, env, sigs, saved, nsigs, fds[1]);
	close(fds[1]);
	/* Invariant (2): exec closes the pipe; nothing read means CMD runs. */
	do
		n = read(fds[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n != (ssize_t)sizeof(err))
		return ZK_OK;
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
	*status = err == ENOENT ? 127 : 126;
	return zk_error_set(e, ZK_ESYSTEM, "%s: %s", argv[0], strerror(err));
}
