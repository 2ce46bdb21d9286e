/* decrypt: decrypt_command as a stream layer (the first filter above the
 * raw, hashed bytes): the command runs by argv, reads the archive on stdin
 * and writes the plaintext on stdout. */
#ifndef RD_DECRYPT_H
#define RD_DECRYPT_H

#include <stddef.h>

#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

#define DECRYPT_TAIL_BYTES 2048 /* the stderr tail kept for the report */

/*
 * stream_decrypt_new(below, argv, name, tail, err):
 * Start ${argv} (borrowed; argv[0] a path or a name on PATH) with our
 * environment minus credentials (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * PGPASSWORD), fed from ${below} (taken over, freed on failure too), and
 * return the stream of its stdout.  The last DECRYPT_TAIL_BYTES of its
 * stderr go into ${tail} (DECRYPT_TAIL_BYTES + 1 bytes, NUL-terminated;
 * NULL: discarded) whenever the layer ends or fails.  Reads fail with
 * RD_DECRYPT_FAILED when the command exits other than 0 or by a signal (its
 * last stderr line in the message), with below's error when below fails
 * (the command is then stopped), or with RD_INTERRUPTED.  Returns NULL
 * with RD_TOOL_MISSING (cannot run it) or RD_INTERNAL.
 */
struct stream *stream_decrypt_new(struct stream *below, const char *const *argv,
                                  const char *name, char *tail,
                                  struct rd_err *err);

#endif
