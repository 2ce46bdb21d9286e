/* job_decode: fetch and decode an archive for one job (the stream stack,
 * sniffing, decompression, extraction). */
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
#include "restore/decode/decrypt.h"
#include "restore/decode/dumpcheck.h"
#include "restore/decode/limit.h"
#include "restore/decode/progress.h"
#include "restore/decode/spool.h"
#include "restore/decode/untar.h"
#include "reports/render_archive.h"
#include "verifier/util/cmdline.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job_int.h"

/* The \restrict key of a dry run's filter: its output is read by no one. */
#define DRY_RUN_KEY "dryrunXdryrunXdryrunXdryrunXdryrunX"

/* decrypt_command on top of the hashed raw bytes ${h} (taken over); its
 * stderr tail into archive{} for the main stack (${report}).  NULL with
 * ${err}. */
static struct stream *
decrypt_layer(struct job_run *jr, struct stream *h, bool report,
              struct rd_err *err)
{
    char **argv;
    size_t argc;
    struct stream *s;

    if (cmdline_split(jr->jc->decrypt_command, &argv, &argc, err) != 0) {
        stream_free(h);
        return NULL;
    }
    if (report)
        jr->archive.decrypted = true;
    s = stream_decrypt_new(h, (const char *const *)argv, jr->chosen->name,
                           report ? jr->archive.decrypt_stderr_tail : NULL,
                           err);
    cmdline_free(argv);
    return s;
}

/*
 * Stack the fetched raw stream (its driver checks the size; taken over from
 * ${f}) -> sha256 -> decrypt_command (when set) -> peek, and when the first
 * bytes are compressed, -> decoder -> unpack limit (max_unpacked_size, else the
 * free temp space minus 10%) -> peek; then -> end-of-archive check (custom and
 * -Ft: a truncated archive fails at its end instead of hanging pg_restore or
 * restoring part of it) -> peek.  ${hash} points into the result.
 */
struct stream *
job_build_stack(struct job_run *jr, struct fetched *f, struct stream **hash,
                enum dump_kind *compression, struct rd_err *err)
{
    struct stream *s = f->stream, *h;
    const unsigned char *b;
    enum dump_kind k;
    size_t n;

    f->stream = NULL;
    /* a progress bar on a terminal, for the main reading only */
    if (s != NULL && hash != NULL && !jr->o->no_progress && !jr->o->quiet &&
        jr->o->parallel <= 1 && isatty(STDERR_FILENO))
        s = stream_progress_new(s, jr->chosen->name, f->size, STDERR_FILENO);
    h = s != NULL ? stream_hash_new(s) : NULL;
    if (h != NULL && f->sha256_expect[0] != '\0') /* checksum = sha256 */
        stream_hash_expect(h, f->sha256_expect, f->sidecar);
    s = h;
    if (h != NULL && jr->jc->decrypt_command != NULL &&
        (s = decrypt_layer(jr, h, hash != NULL, err)) == NULL)
        return NULL;
    s = s != NULL ? stream_peek_new(s, PEEK_BYTES) : NULL;
    if (s == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    if (stream_peek(s, &b, &n, err) != 0) {
        if (hash != NULL) /* read whole already: checksum_mismatch */
            (void)stream_hash_hex(h, jr->archive.sha256);
        stream_free(s);
        return NULL;
    }
    k = dumpfmt_sniff(b, n);
    *compression = decode_is_compression(k) ? k : DUMP_UNKNOWN;
    if (*compression != DUMP_UNKNOWN) {
        struct unpack_limit lim;

        unpack_limit_resolve(jr->jc->max_unpacked_size, fs_tmpdir_base(), &lim);
        s = decode_new(s, k, (uint64_t)jr->jc->decode_memory_limit, err);
        s = s != NULL ? stream_limit_new(s, &lim) : NULL;
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

/* Open the chosen archive; its size, when the listing did not know it, is
 * judged here (select_check_size(): once, where it is first known). */
static int
fetch_archive(struct job_run *jr)
{
    struct rd_err err = {0};

    if (proc_ident_resolve(jr->jc->run_as, &jr->ident, &err) != 0)
        return job_fail_stage(jr, STAGE_FETCH, &err);
    if (source_fetch(jr->src, jr->chosen->name, &jr->f, &err) != 0)
        return job_fail_stage(jr, STAGE_FETCH, &err);
    if (jr->f.size >= 0)
        jr->archive.size_bytes = jr->f.size;
    if (jr->chosen->size < 0 && !jr->f.is_dir &&
        select_check_size(jr->chosen->name, jr->f.size, jr->jc->min_size,
                          &err) != 0)
        return job_fail_stage(jr, STAGE_FETCH, &err);
    report_stage_end(jr->r, STAGE_FETCH, RD_ST_OK);
    return 0;
}

int
job_stage_fetch(struct job_run *jr)
{
    int rc;

    report_stage_begin(jr->r, STAGE_FETCH);
    rc = fetch_archive(jr);
    render_archive(report_archive(jr->r), &jr->archive);
    return rc;
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
bool
job_decoder_failed(struct job_run *jr)
{
    struct rd_err err = {0};

    /* A spool read the stream to its end already, with its verdict. */
    if (jr->compression == DUMP_UNKNOWN || jr->top == NULL ||
        jr->mode == MODE_SPOOL || stream_drain(jr->top, &err) == 0)
        return false;
    report_stage_set(jr->r, STAGE_DECODE, rd_code_status(err.code));
    report_error(jr->r, stage_name(STAGE_DECODE), &err);
    return true;
}

/* A pg_dump -Fd folder: every member checked (regular files only) and
 * copied into the private dir from the descriptor that was checked, so that
 * pg_restore reads what was checked, whatever happens to the folder later.
 * Returns 0, or -1 with ${err}. */
static int
decode_folder(struct job_run *jr, struct rd_err *err)
{
    struct unpack_limit lim;

    jr->format = DUMP_DIRECTORY;
    jr->archive.format = "directory";
    jr->archive.compression = "none";
    unpack_limit_resolve(jr->jc->max_unpacked_size, fs_tmpdir_base(), &lim);
    if (make_workdir(jr, err) != 0 ||
        spool_dir_flat(jr->f.path, jr->chosen->name, jr->dumpdir, &lim, err) !=
            0)
        return -1;
    jr->mode = MODE_SPOOL;
    jr->path = jr->dumpdir;
    parse_dir_header(jr, jr->path);
    jr->archive.transfer = "spool";
    return 0;
}

/* The dump format of the first decoded bytes ${b} (${n} > 0) and its header;
 * no known format fails the stage (returns -1, recorded). */
static int
sniff_format(struct job_run *jr, const unsigned char *b, size_t n)
{
    struct rd_err err = {0};
    enum dump_kind k = dumpfmt_sniff(b, n);

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
    case DUMP_MYSQL:
        /* A second engine: the target becomes a throwaway MariaDB. */
        jr->format = DUMP_MYSQL;
        dumpfmt_mysql_head(b, n, &jr->myhead);
        if (target_set_engine(jr->target, "mysql", jr->chosen->name, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        jr->rres.engine = target_ops(jr->target)->engine;
        break;
    default:
        if (job_decoder_failed(jr))
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
    jr->archive.format = dumpfmt_kind_name(jr->format);
    return 0;
}

/*
 * Whether an uncompressed custom or tar archive is spooled (pg_restore reads
 * the private copy: --jobs for custom; a truncated archive is found before
 * pg_restore runs) rather than streamed on stdin with one job: when its known
 * size fits the bound on what an archive may cost in the temp dir (${lim});
 * too big, it is streamed and a note says why.
 */
static bool
spool_archive(struct job_run *jr, const struct unpack_limit *lim)
{
    if ((jr->format != DUMP_CUSTOM && jr->format != DUMP_TAR) ||
        jr->compression != DUMP_UNKNOWN || jr->f.size < 0)
        return false;
    if (lim->max > 0 && jr->f.size > lim->max) {
        report_note(
            jr->r,
            "archive '%s' (%lld bytes) is bigger than %s (%lld bytes): streamed to pg_restore with one job instead of spooled",
            jr->chosen->name, (long long)jr->f.size,
            lim->code == RD_ARCHIVE_TOO_LARGE ? "max_unpacked_size"
                                              : "the free temp space minus 10%",
            (long long)lim->max);
        return false;
    }
    return true;
}

/* Spool the uncompressed stream into workdir/dump/archive.dump while it is
 * hashed and checked; pg_restore reads that copy.  Returns 0, or -1 with
 * ${err}. */
static int
spool_stream(struct job_run *jr, const struct unpack_limit *lim,
             struct rd_err *err)
{
    int fd, rc;

    if (make_workdir(jr, err) != 0)
        return -1;
    snprintf(jr->spoolfile, sizeof(jr->spoolfile), "%s/archive.dump",
             jr->dumpdir);
    fd = open(jr->spoolfile,
              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return rd_err_set(
            err, errno == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
            "cannot create '%s': %s", jr->spoolfile, strerror(errno));
    rc = stream_spool(jr->top, fd, lim, err);
    if (close(fd) != 0 && rc == 0)
        rc =
            rd_err_set(err, errno == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                       "cannot write '%s': %s", jr->spoolfile, strerror(errno));
    return rc;
}

/* How the archive reaches the restore tool: a tarred -Fd folder extracted,
 * an uncompressed custom or tar archive spooled (spool_archive()), else
 * streamed; what pg_restore reads by path is always a private copy of the
 * bytes that were hashed.  Returns 0, or -1 (recorded). */
static int
choose_transfer(struct job_run *jr)
{
    struct rd_err err = {0};
    struct unpack_limit lim;

    unpack_limit_resolve(jr->jc->max_unpacked_size, fs_tmpdir_base(), &lim);
    if (jr->format == DUMP_DIRECTORY) {
        /* A tarred -Fd folder: extract (allowlisted) into a private dir. */
        struct untar_limits ul = {1000000, (int64_t)1 << 40, (int64_t)1 << 42,
                                  lim};

        jr->mode = MODE_SPOOL;
        if (make_workdir(jr, &err) != 0 ||
            untar_extract(jr->top, jr->dumpdir, &ul, &err) != 0 ||
            stream_drain(jr->top, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        jr->path = jr->dumpdir;
        parse_dir_header(jr, jr->dumpdir);
        job_report_hash(jr);
        jr->archive.transfer = "spool";
    } else if (spool_archive(jr, &lim)) {
        jr->mode = MODE_SPOOL;
        if (spool_stream(jr, &lim, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        jr->path = jr->spoolfile;
        job_report_hash(jr);
        jr->archive.transfer = "spool";
    } else {
        jr->mode = MODE_STREAM;
        jr->archive.transfer = "stream";
        if (jr->format == DUMP_PLAIN && jr->o->dry_run) {
            /* The restore puts the filter on; a dry run needs its
               end-of-script check (pg_dump's closing line) too. */
            jr->top = sqlfilter_new(jr->top, DRY_RUN_KEY, true, &jr->counts);
            if (jr->top == NULL) {
                rd_err_set(&err, RD_INTERNAL, "out of memory");
                return job_fail_stage(jr, STAGE_DECODE, &err);
            }
        }
        if (jr->format == DUMP_MYSQL && jr->o->dry_run) {
            /* Its end check ("-- Dump completed") too. */
            jr->top = myfilter_new(jr->top, jr->myhead.header, &jr->mycounts);
            if (jr->top == NULL) {
                rd_err_set(&err, RD_INTERNAL, "out of memory");
                return job_fail_stage(jr, STAGE_DECODE, &err);
            }
        }
    }
    return 0;
}

/* Sniff, decompress, extract: the decode stage's work (failures recorded). */
static int
decode_archive(struct job_run *jr)
{
    struct rd_err err = {0};
    const unsigned char *b;
    size_t n;

    jr->hdr_rc = 2;
    if (jr->f.is_dir) {
        if (decode_folder(jr, &err) != 0)
            return job_fail_stage(jr, STAGE_DECODE, &err);
        report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
        return 0;
    }
    jr->top = job_build_stack(jr, &jr->f, &jr->hash, &jr->compression, &err);
    if (jr->top == NULL)
        return job_fail_stage(jr, STAGE_DECODE, &err);
    jr->archive.compression = job_compression_name(jr->compression);
    if (stream_peek(jr->top, &b, &n, &err) != 0)
        return job_fail_stage(jr, STAGE_DECODE, &err);
    if (n == 0) {
        rd_err_set(
            &err, RD_ARCHIVE_EMPTY,
            "archive '%s' holds no data (%s of an empty file): the backup that made it probably failed",
            jr->chosen->name, job_compression_name(jr->compression));
        return job_fail_stage(jr, STAGE_DECODE, &err);
    }
    if (sniff_format(jr, b, n) != 0 || choose_transfer(jr) != 0)
        return -1;
    report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
    return 0;
}

int
job_stage_decode(struct job_run *jr)
{
    int rc;

    report_stage_begin(jr->r, STAGE_DECODE);
    rc = decode_archive(jr);
    render_archive(report_archive(jr->r), &jr->archive);
    return rc;
}
