/* untar: extract a tarred pg_dump -Fd dump, every header checked against
 * the allowlist of untar_allow.c. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "restore/decode/untar_int.h"

#define UNTAR_BUF     65536
#define UNTAR_EOA     1024               /* two zero 512-byte blocks */
#define UNTAR_PADDING (16 * 1024 * 1024) /* zeros allowed after them */
#define UNTAR_QUOTED  256                /* a member name in a message */

/* State of the stream as libarchive's read callback sees it. */
struct untar_src {
    struct stream *in;    /* (borrowed) */
    struct rd_err in_err; /* what ${in} reported when it failed */
    bool failed, eof;     /* ${in} returned -1 / 0 */
    unsigned char *buf;   /* (owned) UNTAR_BUF bytes */
    int64_t total;        /* bytes read from ${in} */
    int64_t nonzero_end;  /* offset just past the last non-zero byte */
};

/* What the members seen so far say about the archive. */
struct untar_seen {
    int64_t entries, bytes;
    bool have_lead, have_toc;
    char lead[UNTAR_COMP_MAX + 1]; /* leading directory, "" for none */
    char last[UNTAR_QUOTED];       /* the last member's name, quoted */
};

/* --- reading the stream ------------------------------------------------ */

/* Read the next chunk of the stream into src->buf: > 0, 0 at its end, -1. */
static ssize_t
src_pull(struct untar_src *src)
{
    ssize_t n, i;

    if (src->failed)
        return -1;
    if (src->eof)
        return 0;
    n = stream_read(src->in, src->buf, UNTAR_BUF, &src->in_err);
    if (n < 0) {
        src->failed = true;
        if (src->in_err.code == RD_OK)
            rd_err_set(&src->in_err, RD_INTERNAL,
                       "cannot read archive '%s': unknown error",
                       src->in->name);
        return -1;
    }
    if (n == 0) {
        src->eof = true;
        return 0;
    }
    assert(n <= UNTAR_BUF);
    /* Remember where non-zero bytes end: all after the EOA must be zero. */
    for (i = n; i > 0 && src->buf[i - 1] == 0; i--)
        ;
    if (i > 0)
        src->nonzero_end = src->total + i;
    src->total += n;
    return n;
}

/* libarchive's read callback: pull from the stream. */
static la_ssize_t
src_read(struct archive *a, void *data, const void **out)
{
    struct untar_src *src = data;
    ssize_t n = src_pull(src);

    *out = src->buf;
    if (n < 0)
        archive_set_error(a, EIO, "%s", src->in_err.msg);
    return n;
}

/* --- errors ------------------------------------------------------------ */

/* ${name} fit for a message: printable ASCII as is, other bytes as \xNN. */
static const char *
quote(const char *name, char *out, size_t cap)
{
    size_t o = 0;

    assert(cap >= 8);
    for (const char *p = name; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (o + 8 >= cap) {
            memcpy(out + o, "...", 4);
            return out;
        }
        if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    out[o] = '\0';
    return out;
}

/* Refuse the member named ${seen->last}: RD_ARCHIVE_UNSAFE_PATH. */
static int
refuse_member(struct rd_err *err, const struct untar_src *src,
              const struct untar_seen *seen, const char *why)
{
    const char *hint = "";

    if (strcmp(seen->last, "restore.sql") == 0 ||
        strcmp(seen->last, "./restore.sql") == 0)
        hint = "\nHINT: restore.sql is written by pg_dump -Ft; a tar-format "
               "dump is given to pg_restore as it is, not extracted";
    return rd_err_set(err, RD_ARCHIVE_UNSAFE_PATH,
                      "refusing member '%s' of archive '%s': %s%s", seen->last,
                      src->in->name, why, hint);
}

/*
 * Record why libarchive failed: the stream's own error when the stream
 * failed, else a truncated or damaged tar (or no tar at all when not even
 * the first header could be read).  ${in_body}: inside seen->last's data.
 */
static int
tar_failed(struct archive *a, const struct untar_src *src,
           const struct untar_seen *seen, bool in_body, struct rd_err *err)
{
    const char *msg = archive_error_string(a);

    if (src->failed) {
        if (err != NULL)
            *err = src->in_err;
        return -1;
    }
    if (msg == NULL)
        msg = "unknown libarchive error";
    if (seen->entries == 0 && !(src->eof && src->total < 512))
        return rd_err_set(err, RD_FORMAT_UNKNOWN,
                          "archive '%s' is not a tar archive: %s",
                          src->in->name, msg);
    if (seen->entries == 0)
        return rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                          "truncated tar archive '%s': %s", src->in->name, msg);
    return rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                      "truncated or damaged tar archive '%s' %s member '%s': "
                      "%s",
                      src->in->name, in_body ? "in" : "after", seen->last, msg);
}

/* --- writing ----------------------------------------------------------- */

/* Write all ${len} bytes of ${buf} to ${fd}; -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A failed write or create of ${base} in ${dir}. */
static int
io_failed(struct rd_err *err, const char *what, const char *base,
          const char *dir, int e)
{
    return rd_err_set(
        err, e == ENOSPC || e == EDQUOT ? RD_DISK_FULL : RD_INTERNAL,
        "cannot %s '%s' in '%s': %s", what, base, dir, strerror(e));
}

/*
 * Refuse ${base} when ${dfd} already holds it under any compression suffix
 * (pg_restore would pick one of the two).  The directory started empty, so
 * it is the set of names seen: no list to keep for a million large objects.
 */
static int
check_duplicate(int dfd, const char *base, const char *dir,
                const struct untar_src *src, const struct untar_seen *seen,
                struct rd_err *err)
{
    char alt[UNTAR_COMP_MAX + 8];
    size_t stem = untar_dump_stem(base);
    struct stat st;

    for (size_t i = 0; i < UNTAR_N_SUFFIX; i++) {
        snprintf(alt, sizeof(alt), "%.*s%s", (int)stem, base, untar_suffix[i]);
        if (fstatat(dfd, alt, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return refuse_member(err, src, seen,
                                 strcmp(alt, base) == 0
                                     ? "duplicate name"
                                     : "duplicate name (another compression "
                                       "suffix)");
        if (errno != ENOENT)
            return io_failed(err, "check", alt, dir, errno);
    }
    return 0;
}

/* Copy the current member's data, ${size} bytes, to a new file ${base}. */
static int
write_member(struct archive *a, struct untar_src *src,
             const struct untar_seen *seen, int dfd, const char *dir,
             const char *base, int64_t size, struct rd_err *err)
{
    int64_t done = 0;
    int fd, rc = -1;

    fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return refuse_member(err, src, seen, "duplicate name");
        return io_failed(err, "create", base, dir, errno);
    }
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &len, &off);

        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            tar_failed(a, src, seen, true, err);
            goto done;
        }
        if (off != done || (int64_t)len > size - done) {
            refuse_member(err, src, seen, "data does not match its size");
            goto done;
        }
        if (write_all(fd, buf, len) != 0) {
            io_failed(err, "write", base, dir, errno);
            goto done;
        }
        done += (int64_t)len;
    }
    if (done != size) {
        rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                   "truncated tar archive '%s': member '%s' holds %lld of "
                   "%lld bytes",
                   src->in->name, seen->last, (long long)done, (long long)size);
        goto done;
    }
    rc = 0;
done:
    if (close(fd) != 0 && rc == 0)
        rc = io_failed(err, "write", base, dir, errno);
    return rc;
}

/* --- the extraction ---------------------------------------------------- */

/* The tar typeflag libarchive's view of ${e} stands for; links first. */
static int
entry_type(struct archive_entry *e)
{
    if (archive_entry_hardlink(e) != NULL)
        return '1';
    if (archive_entry_symlink(e) != NULL)
        return '2';
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return '0';
    case AE_IFDIR:
        return '5';
    case AE_IFLNK:
        return '2';
    case AE_IFCHR:
        return '3';
    case AE_IFBLK:
        return '4';
    case AE_IFIFO:
        return '6';
    default:
        return '?';
    }
}

/* Check one header and, for a file, write its data into ${dfd}. */
static int
untar_member(struct archive *a, struct archive_entry *e, struct untar_src *src,
             struct untar_seen *seen, int dfd, const char *dir,
             const struct untar_limits *lim, struct rd_err *err)
{
    const char *name = archive_entry_pathname(e);
    const char *p, *slash, *base;
    int type = entry_type(e);
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    char why[160], lead[UNTAR_COMP_MAX + 1];
    size_t leadlen;

    seen->entries++;
    quote(name != NULL ? name : "(undecodable)", seen->last,
          sizeof(seen->last));
    if (name == NULL)
        return refuse_member(err, src, seen, "name cannot be decoded");
    if (seen->entries > lim->max_entries) {
        snprintf(why, sizeof(why), "more than %lld members",
                 (long long)lim->max_entries);
        return refuse_member(err, src, seen, why);
    }
    if (!untar_member_ok(name, type, size, lim, why, sizeof(why)))
        return refuse_member(err, src, seen, why);
    if (type != '5' && (archive_entry_mode(e) & (S_ISUID | S_ISGID)) != 0)
        return refuse_member(err, src, seen, "setuid or setgid file");
    if (archive_entry_sparse_count(e) > 0)
        return refuse_member(err, src, seen, "sparse file");

    /* Split the checked name into its leading directory and file. */
    p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
    if (*p == '\0')
        return 0; /* "./": the archive's root */
    slash = strchr(p, '/');
    if (type == '5') {
        leadlen = slash != NULL ? (size_t)(slash - p) : strlen(p);
        base = NULL;
    } else {
        leadlen = slash != NULL ? (size_t)(slash - p) : 0;
        base = slash != NULL ? slash + 1 : p;
    }
    memcpy(lead, p, leadlen);
    lead[leadlen] = '\0';
    if (!seen->have_lead) {
        memcpy(seen->lead, lead, leadlen + 1);
        seen->have_lead = true;
    } else if (strcmp(seen->lead, lead) != 0) {
        snprintf(why, sizeof(why), "a second leading directory (after '%s')",
                 seen->lead[0] != '\0' ? seen->lead : "./");
        return refuse_member(err, src, seen, why);
    }
    if (base == NULL)
        return 0; /* directories are not created: files land flat */

    if (size > lim->max_total_bytes - seen->bytes) {
        snprintf(why, sizeof(why), "the archive holds over %lld bytes",
                 (long long)lim->max_total_bytes);
        return refuse_member(err, src, seen, why);
    }
    if (lim->unpacked.max > 0 && size > lim->unpacked.max - seen->bytes)
        return unpack_limit_fail(err, &lim->unpacked, src->in->name,
                                 "extracts");
    seen->bytes += size;
    if (check_duplicate(dfd, base, dir, src, seen, err) != 0 ||
        write_member(a, src, seen, dfd, dir, base, size, err) != 0)
        return -1;
    if (untar_dump_stem(base) == 7) /* "toc.dat", maybe compressed */
        seen->have_toc = true;
    return 0;
}

/*
 * After libarchive's ARCHIVE_EOF: read the stream to its end (its layers
 * judge checksums only there), then require the end-of-archive blocks.
 * libarchive 3.6 reports ARCHIVE_EOF without an error for a tar that just
 * stops at a member boundary, so count ourselves: from the position where
 * libarchive looked for the next header to the end of the stream there must
 * be at least 1024 bytes, all zero (GNU tar pads its last record with zeros).
 */
static int
untar_finish(struct archive *a, struct untar_src *src,
             const struct untar_seen *seen, struct rd_err *err)
{
    int64_t eoa = archive_read_header_position(a);

    while (!src->eof) {
        if (src_pull(src) < 0)
            return tar_failed(a, src, seen, false, err);
        if (src->total - eoa > UNTAR_PADDING)
            return rd_err_set(err, RD_ARCHIVE_UNSAFE_PATH,
                              "refusing archive '%s': more than %d bytes "
                              "after its last member",
                              src->in->name, UNTAR_PADDING);
    }
    if (src->nonzero_end > eoa)
        return rd_err_set(err, RD_ARCHIVE_UNSAFE_PATH,
                          "refusing archive '%s': data after its "
                          "end-of-archive blocks (%lld bytes in)",
                          src->in->name, (long long)eoa);
    if (src->total - eoa < UNTAR_EOA)
        return rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                          "truncated tar archive '%s': it ends %s without "
                          "its end-of-archive blocks",
                          src->in->name,
                          seen->entries > 0 ? "after a member" : "at once");
    if (!seen->have_toc)
        return rd_err_set(err, RD_FORMAT_UNKNOWN,
                          "archive '%s' holds no toc.dat: not a tarred "
                          "pg_dump directory-format dump",
                          src->in->name);
    return 0;
}

/* Fail unless the directory open at ${dfd} is empty. */
static int
check_empty(int dfd, const char *dir, struct rd_err *err)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    int rc = 0;

    if (d == NULL) {
        int e = errno;

        if (fd >= 0)
            close(fd);
        return rd_err_set(err, RD_INTERNAL,
                          "cannot read extraction directory '%s': %s", dir,
                          strerror(e));
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = rd_err_set(err, RD_INTERNAL,
                            "extraction directory '%s' is not empty", dir);
            break;
        }
    }
    closedir(d);
    return rc;
}

int
untar_extract(struct stream *in, const char *dir,
              const struct untar_limits *lim, struct rd_err *err)
{
    struct untar_src src = {0};
    struct untar_seen seen = {0};
    struct archive *a = NULL;
    struct archive_entry *e;
    int dfd, r, rc = -1;

    assert(in != NULL && in->name != NULL && dir != NULL && lim != NULL);
    src.in = in;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return rd_err_set(err, RD_INTERNAL,
                          "cannot open extraction directory '%s': %s", dir,
                          strerror(errno));
    if (check_empty(dfd, dir, err) != 0)
        goto done;
    if ((src.buf = malloc(UNTAR_BUF)) == NULL ||
        (a = archive_read_new()) == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        goto done;
    }
    /* The tar format only: no filters, so nothing is run from $PATH. */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open(a, &src, NULL, src_read, NULL) != ARCHIVE_OK) {
        tar_failed(a, &src, &seen, false, err);
        goto done;
    }
    for (;;) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_WARN) {
            /* The header was read but is suspect (e.g. a name libarchive
             * could not convert): refuse rather than guess. */
            const char *n = archive_entry_pathname(e);
            const char *msg = archive_error_string(a);

            seen.entries++;
            quote(n != NULL ? n : "(undecodable)", seen.last,
                  sizeof(seen.last));
            refuse_member(err, &src, &seen, msg != NULL ? msg : "warning");
            goto done;
        }
        if (r != ARCHIVE_OK) {
            tar_failed(a, &src, &seen, false, err);
            goto done;
        }
        if (untar_member(a, e, &src, &seen, dfd, dir, lim, err) != 0)
            goto done;
    }
    rc = untar_finish(a, &src, &seen, err);
done:
    if (a != NULL)
        archive_read_free(a);
    free(src.buf);
    close(dfd);
    return rc;
}
