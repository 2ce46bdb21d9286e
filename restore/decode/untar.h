/* untar: extract a tarred pg_dump -Fd dump, allowlisting every header. */
#ifndef RD_UNTAR_H
#define RD_UNTAR_H

#include <stdbool.h>
#include <stdint.h>

#include "restore/decode/limit.h"
#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

/* Caps on what a tarred dump may hold (a value over its cap is refused). */
struct untar_limits {
    int64_t max_entries;     /* e.g. 1,000,000 */
    int64_t max_entry_bytes; /* e.g. 1 TiB */
    int64_t max_total_bytes;
    struct unpack_limit unpacked; /* what the files may add up to (.max 0:
                                     none); passing it fails with its code */
};

/*
 * untar_member_ok(name, type, size, lim, why, whylen):
 * The allowlist for one tar header (pure; fuzzed).  ${type} is the tar
 * typeflag ('0' or '\0' regular file, '5' directory, anything else
 * refused: links, devices, FIFOs, contiguous files, ...).  Accepted names
 * are what pg_dump -Fd writes -- "toc.dat", "<digits>.dat",
 * "blob_<digits>.dat", "blobs.toc", "blobs_<digits>.toc" (1 to 10 digits;
 * each optionally + ".gz", ".lz4" or ".zst": pg_restore also reads a
 * compressed toc.dat) -- optionally below exactly one leading directory
 * (the dump's own folder name: one component, at most 255 bytes, printable
 * ASCII, not "."), and that directory itself ("name" or "name/").  A
 * single leading "./" is allowed and ignored, as GNU tar writes it for
 * "tar -C dump -cf x.tar ." ("./", "./toc.dat"); "./" alone is accepted as
 * a directory.  Refused: empty names, absolute paths, ".." anywhere in the
 * name (even inside a component), "." and empty components, backslashes,
 * control and non-ASCII bytes, components over 255 bytes, more than one
 * directory level, a file of negative size (unknown) or over
 * ${lim}->max_entry_bytes, a directory with a size, and every other name
 * (restore.sql included: only pg_dump -Ft writes it).  Returns true, or
 * false with the reason in ${why} (when ${why} is not NULL; cut to
 * ${whylen}).
 */
bool untar_member_ok(const char *name, int type, int64_t size,
                     const struct untar_limits *lim, char *why, size_t whylen);

/*
 * untar_extract(in, dir, lim, err):
 * Read a tar archive (ustar/pax/gnu/v7 headers, parsed by libarchive's tar
 * reader with no decompression filters) from ${in} and write its regular
 * files flat into ${dir}, an existing empty directory (checked; it is
 * opened with O_NOFOLLOW), with openat(O_CREAT|O_EXCL|O_NOFOLLOW, 0600):
 * never through a path string, never outside ${dir}, never with the
 * archive's mode bits.  Directory entries are checked but not created.
 * Each header goes through untar_member_ok() with the type libarchive
 * reports, where any link name turns the entry into a link (refused even
 * when the typeflag says "file").  Also refused: setuid/setgid files,
 * sparse files, a duplicate name (also the same file under another
 * compression suffix, or with and without "./"), members under different
 * leading directories (or some under one and some flat), more than
 * ${lim}->max_entries members, files that add up to more than
 * ${lim}->max_total_bytes, a header libarchive warns about, and non-zero
 * bytes (or over 16 MiB of zeros) after the end-of-archive blocks.  The
 * first refusal aborts with RD_ARCHIVE_UNSAFE_PATH naming the member (with
 * non-printable bytes as \xNN) and the archive (${in}->name).
 * The stream is read to its very end, so the layers below judge it whole;
 * errors of ${in} are passed on unchanged, wherever they happen.  A tar cut
 * short -- inside a header or data, or at a member boundary without both
 * end-of-archive blocks (libarchive 3.6 reports no error for that; we
 * count the bytes ourselves) -- or with a damaged header after the first
 * is RD_ARCHIVE_TRUNCATED; input whose first header cannot be read is
 * RD_FORMAT_UNKNOWN (RD_ARCHIVE_TRUNCATED when under 512 bytes).  An
 * unusable ${dir} is RD_INTERNAL; a full disk RD_DISK_FULL.  Returns 0
 * when everything was extracted and a "toc.dat" (maybe compressed) was
 * among it, else -1 (RD_FORMAT_UNKNOWN when the tar holds no toc.dat).
 * On failure ${dir} may hold some files (only regular 0600 files): the
 * caller removes it.
 */
int untar_extract(struct stream *in, const char *dir,
                  const struct untar_limits *lim, struct rd_err *err);

#endif
