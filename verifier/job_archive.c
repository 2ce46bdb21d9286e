/* job_archive: fetch, decode and preflight an archive for one job. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "restore/decode/decode.h"
#include "restore/decode/dumpcheck.h"
#include "restore/decode/untar.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job_int.h"

/* The \restrict key of a dry run's filter: its output is read by no one. */
#define DRY_RUN_KEY "dryrunXdryrunXdryrunXdryrunXdryrunX"

/*
 * Stack fd -> size check -> sha256 -> peek, and when the first bytes are
 * compressed, -> decoder -> peek; then -> end-of-archive check (custom and
 * -Ft: a truncated archive fails at its end instead of hanging pg_restore
 * or restoring part of it) -> peek.  ${hash} points into the result.
 */
static struct stream *
build_stack(struct job_run *jr, int fd, struct stream **hash,
            enum dump_kind *compression, struct rd_err *err)
{
    const unsigned char *b;
    struct stream *s, *h;
    enum dump_kind k;
    size_t n;

    s = stream_fd_new(fd, jr->chosen->name, jr->f.size);
    h = s != NULL ? stream_hash_new(s) : NULL;
    s = h != NULL ? stream_peek_new(h, PEEK_BYTES) : NULL;
    if (s == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    if (stream_peek(s, &b, &n, err) != 0) {
        stream_free(s);
        return NULL;
    }
    k = dumpfmt_sniff(b, n);
    *compression = decode_is_compression(k) ? k : DUMP_UNKNOWN;
    if (*compression != DUMP_UNKNOWN) {
        s = decode_new(s, k, (uint64_t)jr->jc->decode_memory_limit, err);
        s = s != NULL ? stream_peek_new(s, PEEK_BYTES) : NULL;
        if (s == NULL) {
            if (err->code == RD_OK)
                rd_err_set(err, RD_INTERNAL, "out of memory");
            return NULL;
        }
    }
    s = stream_dumpcheck_new(s);
    s = s != NULL ? stream_peek_new(s, PEEK_BYTES) : NULL;
    if (s == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    if (hash != NULL)
        *hash = h;
    return s;
}

int
job_stage_fetch(struct job_run *jr)
{
    struct rd_err err = {0};
    json_t *a = report_archive(jr->r);

    report_stage_begin(jr->r, STAGE_FETCH);
    if (proc_ident_resolve(jr->jc->run_as, &jr->ident, &err) != 0)
        return job_fail_stage(jr, STAGE_FETCH, &err);
    if (source_fetch(jr->src, jr->chosen->name, &jr->f, &err) != 0)
        return job_fail_stage(jr, STAGE_FETCH, &err);
    if (jr->f.size >= 0)
        json_object_set_new(a, "size_bytes", json_integer(jr->f.size));
    if (!jr->f.is_dir && jr->f.size < jr->jc->min_size) {
        rd_err_set(&err, RD_ARCHIVE_EMPTY,
                   "archive '%s' is %lld bytes, smaller than min_size",
                   jr->chosen->name, (long long)jr->f.size);
        return job_fail_stage(jr, STAGE_FETCH, &err);
    }
    report_stage_end(jr->r, STAGE_FETCH, RD_ST_OK);
    return 0;
}

/* A private 0700 dir for extraction, readable by the restore user. */
static int
make_workdir(struct job_run *jr, struct rd_err *err)
{
    char pidfile[PATH_MAX + 16];
    int fd;

    snprintf(jr->workdir, sizeof(jr->workdir), "%s/restoredrill-XXXXXX",
             fs_tmpdir_base());
    if (mkdtemp(jr->workdir) == NULL) {
        int e = errno;

        jr->workdir[0] = '\0';
        return rd_err_set(err, e == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                          "cannot create a temp dir in '%s': %s",
                          fs_tmpdir_base(), strerror(e));
    }
    snprintf(pidfile, sizeof(pidfile), "%s/owner.pid", jr->workdir);
    fd = open(pidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%ld\n", (long)getpid());
        close(fd);
    }
    snprintf(jr->dumpdir, sizeof(jr->dumpdir), "%s/dump", jr->workdir);
    if (mkdir(jr->dumpdir, 0700) != 0)
        return rd_err_set(err, RD_ACCESS_DENIED, "cannot create '%s': %s",
                          jr->dumpdir, strerror(errno));
    return 0;
}

/* Copy the regular files of folder ${src} into ${dst} (both flat). */
static int
copy_dir_flat(const char *src, const char *dst, struct rd_err *err)
{
    int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct dirent *de;
    char buf[65536];
    DIR *d = NULL;
    int rc = -1;

    if (sfd < 0 || dfd < 0 || (d = fdopendir(sfd)) == NULL) {
        rd_err_set(err, RD_ACCESS_DENIED, "cannot copy '%s': %s", src,
                   strerror(errno));
        goto done;
    }
    sfd = -1; /* owned by d */
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        int in, out;
        ssize_t n = 0;

        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        in = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        out =
            openat(dfd, de->d_name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
            if (write(out, buf, (size_t)n) != n) {
                n = -1;
                break;
            }
        if (in >= 0)
            close(in);
        if (out >= 0)
            close(out);
        if (in < 0 || out < 0 || n < 0) {
            rd_err_set(err, errno == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                       "cannot copy '%s/%s': %s", src, de->d_name,
                       strerror(errno));
            goto done;
        }
    }
    rc = 0;
done:
    if (d != NULL)
        closedir(d);
    if (sfd >= 0)
        close(sfd);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* The custom header of a dir dump: DIR/toc.dat. */
static void
parse_dir_header(struct job_run *jr, const char *dir)
{
    unsigned char head[DUMPFMT_HEADER_BYTES];
    char toc[PATH_MAX + 16];
    ssize_t n = -1;
    int fd;

    snprintf(toc, sizeof(toc), "%s/toc.dat", dir);
    fd = open(toc, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, head, sizeof(head));
        close(fd);
    }
    jr->hdr_rc = dumpfmt_parse_custom(head, n > 0 ? (size_t)n : 0, &jr->hdr,
                                      jr->hdr_msg, sizeof(jr->hdr_msg));
}

/*
 * Decoded bytes that fail a check (no known format, a header that does not
 * parse or names an impossible version) may be garbage a decoder emitted before
 * its checksum failed (bzip2 does, for a whole block): read the still-unread
 * stream to its end and, when the decoder fails, record that at stage decode
 * and return true.  False when there is no decoder, the stream was already read
 * (its verdict was good), or the decoder is satisfied.
 */
static bool
decoder_failed(struct job_run *jr)
{
    struct rd_err err = {0};

    /* Extraction read the stream to its end already, with its verdict. */
    if (jr->compression == DUMP_UNKNOWN || jr->top == NULL ||
        jr->mode == MODE_EXTRACT || stream_drain(jr->top, &err) == 0)
        return false;
    report_stage_set(jr->r, STAGE_DECODE, rd_code_status(err.code));
    report_error(jr->r, stage_name(STAGE_DECODE), &err);
    return true;
}

int
job_stage_decode(struct job_run *jr)
{
    json_t *a = report_archive(jr->r);
    struct rd_err err = {0};
    const unsigned char *b;
    enum dump_kind k;
    size_t n;

    report_stage_begin(jr->r, STAGE_DECODE);
    jr->hdr_rc = 2;
    if (jr->f.is_dir) {
        bool direct = restore_readable_by(&jr->ident, jr->f.path);

        jr->format = DUMP_DIRECTORY;
        jr->mode = MODE_PATH;
        jr->path = jr->f.path;
        if (!direct) {
            /* The restore user cannot read it: a private copy it can. */
            if (make_workdir(jr, &err) != 0 ||
                copy_dir_flat(jr->f.path, jr->dumpdir, &err) != 0)
                return job_fail_stage(jr, STAGE_DECODE, &err);
            jr->mode = MODE_EXTRACT;
            jr->path = jr->dumpdir;
        }
        parse_dir_header(jr, jr->path);
        json_object_set_new(a, "format", json_string("directory"));
        json_object_set_new(a, "compression", json_string("none"));
        json_object_set_new(a, "transfer",
                            json_string(direct ? "file" : "spool"));
        report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
        return 0;
    }
    jr->top = build_stack(jr, jr->f.fd, &jr->hash, &jr->compression, &err);
    if (jr->top == NULL)
        return job_fail_stage(jr, STAGE_DECODE, &err);
    json_object_set_new(a, "compression",
                        json_string(job_compression_name(jr->compression)));
    if (stream_peek(jr->top, &b, &n, &err) != 0)
        return job_fail_stage(jr, STAGE_DECODE, &err);
    if (n == 0) {
        rd_err_set(
            &err, RD_ARCHIVE_EMPTY,
            "archive '%s' holds no data (%s of an empty file): the backup that made it probably failed",
            jr->chosen->name, job_compression_name(jr->compression));
        return job_fail_stage(jr, STAGE_DECODE, &err);
    }
    k = dumpfmt_sniff(b, n);
    switch (k) {
    case DUMP_CUSTOM:
        jr->format = DUMP_CUSTOM;
        jr->hdr_rc = dumpfmt_parse_custom(b, n, &jr->hdr, jr->hdr_msg,
                                          sizeof(jr->hdr_msg));
        break;
    case DUMP_TAR:
        if (dumpfmt_tar_is_ft(b, n)) {
            jr->format = DUMP_TAR;
            jr->hdr_rc = dumpfmt_parse_custom(b + 512, n - 512, &jr->hdr,
                                              jr->hdr_msg, sizeof(jr->hdr_msg));
        } else {
            jr->format = DUMP_DIRECTORY;
        }
        break;
    case DUMP_PLAIN:
        jr->format = DUMP_PLAIN;
        dumpfmt_plain_version(b, n, jr->plain_version,
                              sizeof(jr->plain_version));
        (void)dumpfmt_plain_extensions(b, n, &jr->ext, &jr->next);
        break;
    default:
        if (decoder_failed(jr))
            return -1;
        rd_err_set(
            &err, RD_FORMAT_UNKNOWN,
            decode_is_compression(k)
                ? "archive '%s' is compressed twice (%s inside %s): not a pg_dump archive%s"
                : "archive '%s' is not a PostgreSQL dump: its first bytes match no known format (custom, tar, directory, plain SQL; gzip, zstd, xz, bzip2, lz4)%s%s%s",
            jr->chosen->name,
            decode_is_compression(k) ? dumpfmt_kind_name(k) : "",
            decode_is_compression(k) ? job_compression_name(jr->compression)
                                     : "",
            select_pattern_hint(jr->jc->pattern, jr->o->archive));
        return job_fail_stage(jr, STAGE_DECODE, &err);
    }
    json_object_set_new(a, "format",
                        json_string(dumpfmt_kind_name(jr->format)));

    if (jr->format == DUMP_DIRECTORY) {
        /* A tarred -Fd folder: extract (allowlisted) into a private dir. */
        static const struct untar_limits lim = {1000000, (int64_t)1 << 40,
                                                (int64_t)1 << 42};

        jr->mode = MODE_EXTRACT;
        if (make_workdir(jr, &err) != 0 ||
            untar_extract(jr->top, jr->dumpdir, &lim, &err) != 0 ||
            stream_drain(jr->top, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        jr->path = jr->dumpdir;
        parse_dir_header(jr, jr->dumpdir);
        job_report_hash(jr);
        json_object_set_new(a, "transfer", json_string("spool"));
    } else if (jr->compression == DUMP_UNKNOWN && jr->format != DUMP_PLAIN &&
               jr->f.path != NULL && jr->f.seekable &&
               restore_readable_by(&jr->ident, jr->f.path)) {
        /* pg_restore reads the file itself (--jobs); hash it first. */
        jr->mode = MODE_PATH;
        jr->path = jr->f.path;
        if (stream_drain(jr->top, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        job_report_hash(jr);
        json_object_set_new(a, "transfer", json_string("file"));
    } else {
        jr->mode = MODE_STREAM;
        json_object_set_new(a, "transfer", json_string("stream"));
        if (jr->format == DUMP_PLAIN && jr->o->dry_run) {
            /* The restore puts the filter on; a dry run needs its
               end-of-script check (pg_dump's closing line) too. */
            jr->top = sqlfilter_new(jr->top, DRY_RUN_KEY, true, &jr->counts);
            if (jr->top == NULL) {
                rd_err_set(&err, RD_INTERNAL, "out of memory");
                return job_fail_stage(jr, STAGE_DECODE, &err);
            }
        }
    }
    report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
    return 0;
}

/* The PostgreSQL major a newer archive version needs (1.15 -> 16, ...). */
static int
major_for_archive(const struct dump_header *h)
{
    int by_format = h->vmin >= 16 ? 17 : h->vmin == 15 ? 16 : 15;
    int by_string = dumpfmt_major(h->pgdump_version);

    /* A version newer than we know: only pg_dump's own string can tell. */
    if (h->vmaj > 1 || h->vmin > DUMPFMT_NEWEST_MINOR)
        return by_string > 17 ? by_string : 0;

    /* The format version is authoritative; the string may say more. */
    return by_string > by_format ? by_string : by_format;
}

/* Extensions of a custom/tar/directory dump, from its TOC. */
static int
list_extensions(struct job_run *jr, struct rd_err *err)
{
    struct restore_input in = {jr->format, NULL, NULL};
    struct fetched f2;
    struct stream *s = NULL;
    const char *home = jr->workdir[0] != '\0' ? jr->workdir : "/";
    enum dump_kind comp;
    int rc;

    if (jr->format == DUMP_PLAIN)
        return 0; /* scanned from the head in stage_decode */
    if (jr->mode != MODE_STREAM) {
        in.path = jr->path;
        return restore_list_extensions(&jr->tools, &jr->ident, home, &in,
                                       &jr->ext, &jr->next, err);
    }
    /* A stream is read once by the restore: list from a second reading. */
    if (source_fetch(jr->src, jr->chosen->name, &f2, err) != 0)
        return 0;
    s = build_stack(jr, f2.fd, NULL, &comp, err);
    in.stream = s;
    rc = s != NULL ? restore_list_extensions(&jr->tools, &jr->ident, home, &in,
                                             &jr->ext, &jr->next, err)
                   : 0;
    stream_free(s);
    fetched_release(&f2);
    return rc;
}

/*
 * Every preflight verdict about a compressed stream is read from decoded
 * bytes, which may be a decoder's garbage (a damaged bzip2 block decodes
 * into a "header" with any version in it): the decoder's own verdict wins.
 */
static int
preflight_fail(struct job_run *jr, const struct rd_err *err)
{
    if (decoder_failed(jr)) {
        report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_SKIPPED);
        return -1;
    }
    return job_fail_stage(jr, STAGE_PREFLIGHT, err);
}

/* The header's facts into archive{}, and its verdict; the source server's
 * version string in *${src_version}. */
static int
preflight_header(struct job_run *jr, const char **src_version,
                 struct rd_err *err)
{
    json_t *a = report_archive(jr->r);
    char ver[16];

    if (jr->hdr.vmaj > 0) {
        snprintf(ver, sizeof(ver), "%d.%d", jr->hdr.vmaj, jr->hdr.vmin);
        json_object_set_new(a, "dump_version", json_string(ver));
    }
    *src_version =
        jr->format == DUMP_PLAIN ? jr->plain_version : jr->hdr.server_version;
    if ((*src_version)[0] != '\0')
        json_object_set_new(a, "server_version",
                            report_json_text(*src_version));
    if (jr->format != DUMP_PLAIN && jr->hdr_rc == 1)
        return rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                          "archive '%s' ends inside its header",
                          jr->chosen->name);
    if (jr->format != DUMP_PLAIN && jr->hdr_rc != 0)
        return rd_err_set(err, RD_FORMAT_UNKNOWN,
                          "archive '%s' has an invalid pg_dump header: %s",
                          jr->chosen->name,
                          jr->hdr_rc == 2 ? "no toc.dat header" : jr->hdr_msg);
    return 0;
}

/* The tools the target needs, and a dump newer than our pg_restore (it
 * would fail halfway): said up front. */
static int
preflight_tools(struct job_run *jr, struct rd_err *err)
{
    int maxmaj, maxmin, need;
    char hint[96];

    if (pgtools_find(&jr->tools, target_ops(jr->target)->needs_server, err) !=
        0)
        return -1;
    if (jr->workdir[0] != '\0' && jr->ident.drop &&
        fs_chown_tree(jr->workdir, jr->ident.uid, jr->ident.gid, err) != 0)
        return -1;
    dumpfmt_max_archive_version(jr->tools.major, &maxmaj, &maxmin);
    if (jr->format == DUMP_PLAIN || jr->hdr.vmaj < maxmaj ||
        (jr->hdr.vmaj == maxmaj && jr->hdr.vmin <= maxmin))
        return 0;
    need = major_for_archive(&jr->hdr);
    if (need > 0)
        snprintf(hint, sizeof(hint), "apt-get install postgresql-%d", need);
    else
        snprintf(hint, sizeof(hint),
                 "install the PostgreSQL whose pg_dump wrote it");
    return rd_err_set(
        err, RD_TOOL_TOO_OLD,
        "archive '%s' was written by a newer pg_dump%s%s (archive format %d.%d); pg_restore %d reads up to %d.%d\nHINT: %s (PGDG packages), or restore with a server of that major",
        jr->chosen->name, jr->hdr.pgdump_version[0] ? " " : "",
        jr->hdr.pgdump_version, jr->hdr.vmaj, jr->hdr.vmin, jr->tools.major,
        maxmaj, maxmin, hint);
}

/* What the target says about the dump: its major (checked as soon as the
 * target knows it, before and after prepare) and its extensions. */
static int
preflight_target(struct job_run *jr, const char *src_version,
                 struct rd_err *err)
{
    const struct target_ops *ops = target_ops(jr->target);
    int srcmaj = dumpfmt_major(src_version), nmiss;
    char missing[1024];

    if (ops->check_major(jr->target, jr->chosen->name, src_version, srcmaj,
                         err) != 0 ||
        list_extensions(jr, err) != 0 || ops->prepare(jr->target, err) != 0 ||
        ops->check_major(jr->target, jr->chosen->name, src_version, srcmaj,
                         err) != 0)
        return -1;
    nmiss = ops->missing_extensions(jr->target, jr->ext, jr->next, missing,
                                    sizeof(missing));
    if (nmiss <= 0)
        return 0;
    return rd_err_set(
        err, RD_MISSING_EXTENSION,
        "archive '%s' needs extension%s %s, not available on the %s server\nHINT: install the package that provides %s (e.g. postgresql-%d-<name>), or restore into a server that has it",
        jr->chosen->name, nmiss == 1 ? "" : "s", missing, ops->role,
        nmiss == 1 ? "it" : "them", ops->server_major(jr->target));
}

int
job_stage_preflight(struct job_run *jr)
{
    struct rd_err err = {0};
    const char *src_version;

    report_stage_begin(jr->r, STAGE_PREFLIGHT);
    if (preflight_header(jr, &src_version, &err) != 0 ||
        preflight_tools(jr, &err) != 0 ||
        preflight_target(jr, src_version, &err) != 0)
        return preflight_fail(jr, &err);
    report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_OK);
    return 0;
}
