/* spool: the private copy a restore tool reads by path, made from the very
 * bytes restoredrill read (hashed, checked), never by reopening a name: a
 * stream written to a file, and a pg_dump -Fd folder copied member by member
 * after checking that each is a regular file. */
#ifndef RD_SPOOL_H
#define RD_SPOOL_H

#include "restore/decode/limit.h"
#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

/*
 * stream_spool(s, fd, lim, err):
 * Read ${s} to its end and write every byte to ${fd} (borrowed, not closed),
 * counting them: a read that would take the count past ${lim}->max (when >
 * 0) fails with unpack_limit_fail(..., "spools").  A failed write is
 * RD_DISK_FULL for ENOSPC/EDQUOT, else RD_ACCESS_DENIED; a caught signal
 * RD_INTERRUPTED.  Returns 0 at a clean end of ${s} (every layer of it gave
 * its verdict), -1 with ${err}; ${s} is not freed.
 */
int stream_spool(struct stream *s, int fd, const struct unpack_limit *lim,
                 struct rd_err *err);

/*
 * spool_member_kind(mode): what a directory member of type ${mode} is, in
 * words ("a symbolic link", "a FIFO", "a device", "a subdirectory", "a
 * socket"); NULL for a regular file.
 */
const char *spool_member_kind(unsigned int mode);

/*
 * spool_dir_flat(src, name, dst, lim, err):
 * Copy pg_dump -Fd folder ${src} (archive ${name} in messages) into the
 * existing empty folder ${dst}: every member (but . and ..) is looked at
 * without following it, then opened with O_NOFOLLOW|O_NONBLOCK and
 * fstat'ed; one that is not a regular file fails the whole copy with
 * RD_ARCHIVE_UNSAFE_PATH naming it and what it is (a symlink, FIFO, device,
 * subdirectory).  Copies are created 0600 with O_EXCL, from the descriptor
 * that was checked; their bytes count against ${lim} like stream_spool()'s.
 * Returns 0, or -1 with ${err} (files already copied stay; the caller
 * removes ${dst}).
 */
int spool_dir_flat(const char *src, const char *name, const char *dst,
                   const struct unpack_limit *lim, struct rd_err *err);

#endif
