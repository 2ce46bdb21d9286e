/* lock: one flock per job, so overlapping runs of a job never collide. */
#ifndef RD_LOCK_H
#define RD_LOCK_H

#include <stdint.h>

#include "verifier/util/rd_err.h"

/*
 * lock_acquire(state_dir, job, err):
 * Create STATE_DIR/locks (0700) and take an exclusive, non-blocking flock on
 * STATE_DIR/locks/JOB.lock, writing our pid into it.  Returns the fd to keep
 * open (closing it releases the lock), or -1: RD_LOCKED when another run
 * holds it (the message names its pid), RD_ACCESS_DENIED otherwise.
 */
int lock_acquire(const char *state_dir, const char *job, struct rd_err *err);

/*
 * lock_holder_age(state_dir, job): seconds since the holder of JOB's lock
 * took it (the lock file is written when taken), or -1 when there is no
 * lock file.
 */
int64_t lock_holder_age(const char *state_dir, const char *job);

/* lock_release(fd): release and close; -1 is ignored. */
void lock_release(int fd);

#endif
