/*
 * Durable file writes shared by the data directory's writers: a whole file
 * replaced atomically (snapshots, epoch files) and the directory fsync
 * that makes a create, rename or unlink itself durable.
 */
#ifndef ZK_FILE_H
#define ZK_FILE_H

#include <stddef.h>

#include "error.h"

/* fsyncs a directory; 0, or -1 with errno set. */
int		 zk_fsync_dir(const char *dir);

/*
 * Replaces dir/name with len bytes of buf: written to dir/name.tmp,
 * fsynced, renamed over dir/name, the directory fsynced. A reader sees the
 * old file or the whole new one, never a part. On error (ZK_EIO naming the
 * file, the step and the reason) the temporary file is removed.
 */
int		 zk_file_replace(const char *dir, const char *name,
		    const void *buf, size_t len, struct zk_error *e);

#endif
