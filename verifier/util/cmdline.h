/* cmdline: command strings of the config split into argv, without a shell. */
#ifndef RD_CMDLINE_H
#define RD_CMDLINE_H

#include <stddef.h>

#include "verifier/util/rd_err.h"

/*
 * cmdline_split(s, argv, argc, err):
 * Split ${s} into words the way a POSIX shell would quote them ('...',
 * "..." where a backslash escapes only $ ` " \ and newline, a backslash
 * outside quotes escapes any character) but with no expansion of any kind.
 * An unquoted shell operator (| ; & < > ` $ ( )) is refused, because without
 * a shell it would silently become an argument: quote it to mean it.
 * On success ${argv} is a malloc'd NULL-terminated array (free it with
 * cmdline_free()) of ${argc} >= 1 words.  Errors (RD_CONFIG_INVALID, with a
 * message saying where and what to do): empty command, unterminated quote,
 * trailing backslash, unquoted operator.
 */
int cmdline_split(const char *s, char ***argv, size_t *argc,
                  struct rd_err *err);

/* cmdline_free(argv): free what cmdline_split() made; NULL-safe. */
void cmdline_free(char **argv);

#endif
