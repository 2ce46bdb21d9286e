/* untar: extract a tarred pg_dump directory-format dump, allowlisting every header. */
#ifndef RD_UNTAR_H
#define RD_UNTAR_H

#include <stdbool.h>
#include <stdint.h>

#include "restore/stream.h"
#include "verifier/rd_err.h"

/* Caps on what a tarred dump may hold. */
struct untar_limits {
    int64_t max_entries;     /* e.g. 1,000,000 */
    int64_t max_entry_bytes; /* e.g. 1 TiB */
    int64_t max_total_bytes;
};

/*
 * untar_member_ok(name, type, size, lim, why, whylen):
 * The allowlist for one tar header (pure; fuzzed).  ${type} is the tar
 * typeflag ('0' or '\0' regular file, '5' directory, anything else
 * refused: links, devices, FIFOs, ...).  Accepted names are what pg_dump -Fd
 * writes -- "toc.dat", "<digits>.dat", "blob_<digits>.dat", "blobs.toc",
 * "blobs_<digits>.toc" (each optionally + ".gz", ".lz4" or ".zst") --
 * optionally below exactly one leading directory (the dump's own folder
 * name: one component, no '/', '.', '..', at most 255 bytes, printable
 * ASCII), and that directory itself.  Refused: absolute paths, "..", ".",
 * empty components, backslashes, control bytes, names over 255 bytes per
 * component, anything else.  Returns true, or false with the reason.
 */
bool untar_member_ok(const char *name, int type, int64_t size,
                     const struct untar_limits *lim, char *why,
                     size_t whylen);

/*
 * untar_extract(in, dir, lim, err):
 * Read a tar archive (ustar/pax/gnu headers, parsed by libarchive's tar
 * reader with no decompression filters) from ${in} and write its regular
 * files flat into ${dir}, an existing empty 0700 directory, with
 * openat(O_CREAT|O_EXCL|O_NOFOLLOW, 0600) -- never through a path string,
 * never outside ${dir}.  The first member refused by untar_member_ok(), a
 * duplicate name, or more than one leading directory name aborts with
 * RD_ARCHIVE_UNSAFE_PATH naming the member; a tar cut short is
 * RD_ARCHIVE_TRUNCATED (a tar must end with its end-of-archive blocks);
 * errors of ${in} are passed on.  Returns 0 when "toc.dat" was extracted,
 * else -1 (RD_FORMAT_UNKNOWN when the tar holds no toc.dat).  On failure
 * the caller removes ${dir}.
 */
int untar_extract(struct stream *in, const char *dir,
                  const struct untar_limits *lim, struct rd_err *err);

#endif
