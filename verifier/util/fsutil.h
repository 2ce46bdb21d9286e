/* fsutil: private temp dirs, recursive removal, atomic file writes. */
#ifndef RD_FSUTIL_H
#define RD_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "verifier/util/rd_err.h"

/*
 * fs_rm_rf(path):
 * Remove ${path} and everything below it without following symbolic links
 * (openat/unlinkat with O_NOFOLLOW).  A missing ${path} is not an error.
 * Returns 0, or -1 with errno set when something could not be removed.
 */
int fs_rm_rf(const char *path);

/*
 * fs_mkdir_p(path, mode, err):
 * Create ${path} and missing parents with ${mode} (existing directories are
 * left as they are).  Returns 0, or -1 with a message naming the directory.
 */
int fs_mkdir_p(const char *path, mode_t mode, struct rd_err *err);

/*
 * fs_write_atomic(path, data, len, err):
 * Write ${len} bytes to a 0600 temp file next to ${path} (O_CREAT|O_EXCL),
 * fsync it, rename it over ${path} and fsync the directory, so a reader
 * never sees a partial file.  An existing file's mode is kept.  On failure
 * the temp file is removed and -1 is returned with a message.
 */
int fs_write_atomic(const char *path, const char *data, size_t len,
                    struct rd_err *err);

/*
 * fs_write_atomic_mode(path, data, len, mode, err): as fs_write_atomic(),
 * but a file that did not exist yet gets ${mode} (e.g. 0644 for metrics a
 * collector running as another user must read).
 */
int fs_write_atomic_mode(const char *path, const char *data, size_t len,
                         mode_t mode, struct rd_err *err);

/*
 * fs_chown_tree(path, uid, gid, err):
 * chown ${path} and every entry below it (no symlink is followed).
 * Returns 0, or -1 with RD_ACCESS_DENIED naming the entry.
 */
int fs_chown_tree(const char *path, uid_t uid, gid_t gid, struct rd_err *err);

/*
 * fs_tmpdir_base(): $TMPDIR when set to an absolute path, else "/tmp".
 */
const char *fs_tmpdir_base(void);

#endif
