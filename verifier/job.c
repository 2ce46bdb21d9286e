/* job: one verify of one job, stage by stage (select ... cleanup, report). */
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

#include "reports/report.h"
#include "restore/cluster.h"
#include "restore/decode.h"
#include "restore/dumpfmt.h"
#include "restore/restore.h"
#include "restore/select.h"
#include "restore/source.h"
#include "restore/sqlfilter.h"
#include "restore/stream.h"
#include "restore/untar.h"
#include "verifier/duration.h"
#include "verifier/fsutil.h"
#include "verifier/lock.h"
#include "verifier/log.h"
#include "verifier/pattern.h"
#include "verifier/redact.h"
#include "verifier/sig.h"

#include "probes/drift.h"
#include "probes/probe.h"
#include "probes/probe_exec.h"
#include "verifier/db.h"

#include "verifier/job.h"

#define PEEK_BYTES 65536

/* How the archive reaches the restore tool. */
enum transfer_mode {
    MODE_PATH,   /* the tool reads the file/folder itself (seekable: --jobs) */
    MODE_STREAM, /* decoded on the fly and fed on stdin */
    MODE_EXTRACT /* a tarred -Fd folder, extracted into workdir first */
};

/* Everything one verify of one job holds; released by job_cleanup(). */
struct job_run {
    const struct job_config *jc;
    const struct run_opts *o;
    struct report *r;
    struct source *src;
    struct archive_list list;
    const struct archive_entry *chosen; /* (borrowed from list) */
    struct fetched f;
    struct stream *top;  /* (owned) decoded bytes behind a peek layer */
    struct stream *hash; /* (borrowed, inside top) sha256 of the raw bytes */
    enum dump_kind compression; /* DUMP_UNKNOWN: none */
    enum dump_kind format;
    enum transfer_mode mode;
    const char *path;       /* (borrowed) what MODE_PATH/EXTRACT restores */
    char workdir[PATH_MAX]; /* private temp dir (owner.pid + dump/) */
    char dumpdir[PATH_MAX +
                 8]; /* workdir/dump: the extracted or copied folder */
    struct dump_header hdr;
    int hdr_rc; /* dumpfmt_parse_custom(): 0, 1 short, -1 bad, 2 n/a */
    char hdr_msg[256];
    char plain_version[64];
    char **ext; /* (owned) extensions the dump creates */
    size_t next;
    struct sqlfilter_counts counts;
    struct pg_tools tools;
    struct proc_ident ident;
    struct cluster cluster;
    struct restore_ctx rctx;
    char conninfo[PATH_MAX + 128];
    time_t archive_time;
    bool ephemeral;
    struct probe_set probes;   /* (owned) loaded before anything is fetched */
    struct drift_counts drift; /* (owned) this restore's row counts */
    bool drift_taken;
};

static time_t
now_utc(void)
{
    return time(NULL);
}

/* Record ${err} at stage ${s}, mark the stage with the error's status. */
static int
fail_stage(struct job_run *jr, enum stage s, const struct rd_err *err)
{
    report_stage_end(jr->r, s, rd_code_status(err->code));
    report_error(jr->r, stage_name(s), err);
    return -1;
}

/* Between stages: a caught signal ends the pipeline (cleanup still runs). */
static int
check_signal(struct job_run *jr, enum stage next)
{
    struct rd_err err = {0};
    int sig = sig_pending();

    if (sig == 0)
        return 0;
    rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s before %s",
               sig_name(sig), stage_name(next));
    report_error(jr->r, "signal", &err);
    return -1;
}

/* Name the files min_age will skip as still being written (at most 5). */
static void
note_young(struct job_run *jr)
{
    time_t now = now_utc();
    size_t shown = 0, total = 0;

    if (jr->jc->min_age_s <= 0)
        return;
    for (size_t i = 0; i < jr->list.n; i++) {
        const struct archive_entry *e = &jr->list.items[i];
        char age[32], min[32];

        if (e->mtime == (time_t)-1 || now - e->mtime >= jr->jc->min_age_s ||
            select_classify(e->name, jr->jc->pattern) != SELECT_OK)
            continue;
        if (shown++ < 5)
            report_note(
                jr->r,
                "skipped '%s': modified %s ago, less than min_age %s (still being written?)",
                e->name,
                duration_human((int64_t)(now - e->mtime), age, sizeof(age)),
                duration_format(jr->jc->min_age_s, min, sizeof(min)));
        total++;
    }
    if (total > shown)
        report_note(jr->r, "... and %zu more skipped for min_age",
                    total - shown);
}

static int
stage_select(struct job_run *jr)
{
    struct rd_err err = {0};
    const struct job_config *jc = jr->jc;
    json_t *a = report_archive(jr->r);
    char ts[32];

    report_stage_begin(jr->r, STAGE_SELECT);
    if (jc->source == NULL) {
        rd_err_set(
            &err, RD_CONFIG_INVALID,
            "job '%s' has no source\nHINT: set source = /path/to/backups in the config or pass --source",
            jc->name);
        return fail_stage(jr, STAGE_SELECT, &err);
    }
    jr->src = source_open(jc->source, &err);
    if (jr->src == NULL)
        return fail_stage(jr, STAGE_SELECT, &err);
    json_object_set_new(a, "source", report_json_text(jr->src->display));
    if (source_list(jr->src, &jr->list, &err) != 0)
        return fail_stage(jr, STAGE_SELECT, &err);

    if (jr->o->archive != NULL) {
        /* --archive NAME: exactly that one, whatever its age. */
        for (size_t i = 0; i < jr->list.n; i++)
            if (strcmp(jr->list.items[i].name, jr->o->archive) == 0)
                jr->chosen = &jr->list.items[i];
        if (jr->chosen == NULL) {
            rd_err_set(&err, RD_ARCHIVE_NOT_FOUND,
                       "archive '%s' not found in '%s'", jr->o->archive,
                       jr->src->display);
            return fail_stage(jr, STAGE_SELECT, &err);
        }
        /* Named explicitly: no pattern, min_age or newest rule applies (the
           list is not filtered; chosen points into it), but a name that
           fits the pattern still dates the archive. */
        for (size_t i = 0; i < jr->list.n; i++) {
            struct archive_entry *e = &jr->list.items[i];
            time_t t;

            if (e == jr->chosen && jc->pattern != NULL &&
                pattern_match(jc->pattern, e->name, &t) && t != (time_t)-1)
                e->name_time = t;
        }
    } else {
        note_young(jr);
        select_filter(&jr->list, jc->pattern, jc->min_age_s, now_utc(), NULL);
        jr->chosen = select_newest(&jr->list);
        if (jr->chosen == NULL) {
            rd_err_set(&err, RD_ARCHIVE_NOT_FOUND, "no archive%s%s%s in '%s'",
                       jc->pattern != NULL ? " matching '" : "",
                       jc->pattern != NULL ? jc->pattern : "",
                       jc->pattern != NULL ? "'" : "", jr->src->display);
            return fail_stage(jr, STAGE_SELECT, &err);
        }
    }
    jr->archive_time = archive_entry_time(jr->chosen);
    json_object_set_new(a, "name", report_json_text(jr->chosen->name));
    if (jr->archive_time != (time_t)-1) {
        json_object_set_new(
            a, "created_at",
            json_string(report_rfc3339(ts, sizeof(ts), jr->archive_time)));
        json_object_set_new(
            a, "age_s",
            json_integer((json_int_t)(now_utc() - jr->archive_time)));
    }
    if (jr->chosen->size >= 0)
        json_object_set_new(a, "size_bytes", json_integer(jr->chosen->size));
    log_info("job '%s': newest archive '%s'", jc->name, jr->chosen->name);
    /* A zero-byte or tiny newest archive is a failed dump, never skipped. */
    if (jr->chosen->size >= 0 && jr->chosen->size < jc->min_size) {
        char s1[32], s2[32];

        rd_err_set(
            &err, RD_ARCHIVE_EMPTY,
            "newest archive '%s' is %s, smaller than min_size %s: the backup that made it probably failed",
            jr->chosen->name, size_human(jr->chosen->size, s1, sizeof(s1)),
            size_human(jc->min_size, s2, sizeof(s2)));
        return fail_stage(jr, STAGE_SELECT, &err);
    }
    report_stage_end(jr->r, STAGE_SELECT, RD_ST_OK);
    return 0;
}

/*
 * Stack fd -> size check -> sha256 -> peek, and when the first bytes are
 * compressed, -> decoder -> peek.  ${hash} points into the result.
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
    if (hash != NULL)
        *hash = h;
    return s;
}

static const char *
compression_name(enum dump_kind k)
{
    return k == DUMP_UNKNOWN ? "none" : dumpfmt_kind_name(k);
}

static int
stage_fetch(struct job_run *jr)
{
    struct rd_err err = {0};
    json_t *a = report_archive(jr->r);

    report_stage_begin(jr->r, STAGE_FETCH);
    if (proc_ident_resolve(jr->jc->run_as, &jr->ident, &err) != 0)
        return fail_stage(jr, STAGE_FETCH, &err);
    if (source_fetch(jr->src, jr->chosen->name, &jr->f, &err) != 0)
        return fail_stage(jr, STAGE_FETCH, &err);
    if (jr->f.size >= 0)
        json_object_set_new(a, "size_bytes", json_integer(jr->f.size));
    if (!jr->f.is_dir && jr->f.size < jr->jc->min_size) {
        rd_err_set(&err, RD_ARCHIVE_EMPTY,
                   "archive '%s' is %lld bytes, smaller than min_size",
                   jr->chosen->name, (long long)jr->f.size);
        return fail_stage(jr, STAGE_FETCH, &err);
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

/* Read ${s} to its end: the decoder and the sha256 give their verdict. */
static int
drain(struct stream *s, struct rd_err *err)
{
    char buf[65536];
    ssize_t n;

    while ((n = stream_read(s, buf, sizeof(buf), err)) > 0)
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED, "interrupted by %s",
                              sig_name(sig_pending()));
    return n < 0 ? -1 : 0;
}

/* The hex digest into the report, once the raw stream was read entirely. */
static void
report_hash(struct job_run *jr)
{
    char hex[65];

    if (jr->hash != NULL && stream_hash_hex(jr->hash, hex) == 0)
        json_object_set_new(report_archive(jr->r), "sha256", json_string(hex));
}

/* "CREATE EXTENSION IF NOT EXISTS name" lines of a plain dump's head. */
static void
plain_extensions(struct job_run *jr, const unsigned char *b, size_t n)
{
    static const char tag[] = "CREATE EXTENSION IF NOT EXISTS ";
    const size_t tl = sizeof(tag) - 1;

    for (size_t i = 0; i + tl < n; i++) {
        char name[64];
        size_t j = 0;

        if ((i > 0 && b[i - 1] != '\n') || memcmp(b + i, tag, tl) != 0)
            continue;
        i += tl;
        while (i + j < n && j + 1 < sizeof(name) &&
               (b[i + j] == '_' || b[i + j] == '-' || b[i + j] == '"' ||
                (b[i + j] >= 'a' && b[i + j] <= 'z') ||
                (b[i + j] >= '0' && b[i + j] <= '9'))) {
            name[j] = (char)b[i + j];
            j++;
        }
        name[j] = '\0';
        char *copy = strdup(name[0] == '"' ? name + 1 : name);
        char **nn = realloc(jr->ext, (jr->next + 1) * sizeof(*nn));
        if (copy == NULL || nn == NULL) {
            free(copy);
            if (nn != NULL)
                jr->ext = nn;
            return;
        }
        copy[strcspn(copy, "\"")] = '\0';
        jr->ext = nn;
        jr->ext[jr->next++] = copy;
    }
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

static int
stage_decode(struct job_run *jr)
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
                return fail_stage(jr, STAGE_DECODE, &err);
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
        return fail_stage(jr, STAGE_DECODE, &err);
    json_object_set_new(a, "compression",
                        json_string(compression_name(jr->compression)));
    if (stream_peek(jr->top, &b, &n, &err) != 0)
        return fail_stage(jr, STAGE_DECODE, &err);
    if (n == 0) {
        rd_err_set(
            &err, RD_ARCHIVE_EMPTY,
            "archive '%s' holds no data (%s of an empty file): the backup that made it probably failed",
            jr->chosen->name, compression_name(jr->compression));
        return fail_stage(jr, STAGE_DECODE, &err);
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
        plain_extensions(jr, b, n);
        break;
    default:
        /* Garbage out of a decoder is its failure, not an unknown format:
           read to the end for its verdict first (bzip2 emits a damaged
           block before its CRC fails). */
        if (jr->compression != DUMP_UNKNOWN && drain(jr->top, &err) != 0)
            return fail_stage(jr, STAGE_DECODE, &err);
        rd_err_set(
            &err, RD_FORMAT_UNKNOWN,
            decode_is_compression(k)
                ? "archive '%s' is compressed twice (%s inside %s): not a pg_dump archive"
                : "archive '%s' is not a PostgreSQL dump: its first bytes match no known format (custom, tar, directory, plain SQL; gzip, zstd, xz, bzip2, lz4)%s%s",
            jr->chosen->name,
            decode_is_compression(k) ? dumpfmt_kind_name(k) : "",
            decode_is_compression(k) ? compression_name(jr->compression) : "");
        return fail_stage(jr, STAGE_DECODE, &err);
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
            drain(jr->top, &err) != 0)
            return fail_stage(jr, STAGE_DECODE, &err);
        jr->path = jr->dumpdir;
        parse_dir_header(jr, jr->dumpdir);
        report_hash(jr);
        json_object_set_new(a, "transfer", json_string("spool"));
    } else if (jr->compression == DUMP_UNKNOWN && jr->format != DUMP_PLAIN &&
               jr->f.path != NULL && jr->f.seekable &&
               restore_readable_by(&jr->ident, jr->f.path)) {
        /* pg_restore reads the file itself (--jobs); hash it first. */
        jr->mode = MODE_PATH;
        jr->path = jr->f.path;
        if (drain(jr->top, &err) != 0)
            return fail_stage(jr, STAGE_DECODE, &err);
        report_hash(jr);
        json_object_set_new(a, "transfer", json_string("file"));
    } else {
        jr->mode = MODE_STREAM;
        json_object_set_new(a, "transfer", json_string("stream"));
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

/* Which of the dump's extensions the ephemeral server lacks (control files). */
static int
missing_control_files(struct job_run *jr, char *missing, size_t len)
{
    char cfg[PATH_MAX + 16], share[PATH_MAX] = "";
    const char *argv[] = {cfg, "--sharedir", NULL};
    const char *envp[] = {"LC_ALL=C", "PATH=/usr/bin:/bin", NULL};
    struct proc_result res;
    struct rd_err err = {0};
    size_t used = 0;
    int count = 0;

    missing[0] = '\0';
    if (jr->next == 0)
        return 0;
    pgtools_path(&jr->tools, "pg_config", cfg, sizeof(cfg));
    struct proc_spec spec = {.argv = argv,
                             .env = envp,
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .timeout_s = 30,
                             .out_cap = sizeof(share) - 1};
    if (proc_run(&spec, &res, &err) == 0 && res.out != NULL)
        snprintf(share, sizeof(share), "%.*s", (int)strcspn(res.out, "\n"),
                 res.out);
    proc_result_release(&res);
    if (share[0] == '\0')
        return 0; /* cannot tell: the restore will say */
    for (size_t i = 0; i < jr->next; i++) {
        char ctl[PATH_MAX + 256];

        snprintf(ctl, sizeof(ctl), "%s/extension/%s.control", share,
                 jr->ext[i]);
        if (access(ctl, R_OK) == 0)
            continue;
        used += (size_t)snprintf(missing + used, used < len ? len - used : 0,
                                 "%s%s", count > 0 ? ", " : "", jr->ext[i]);
        count++;
    }
    return count;
}

static int
stage_preflight(struct job_run *jr)
{
    json_t *a = report_archive(jr->r);
    struct rd_err err = {0};
    char ver[16], missing[1024];
    int maxmaj, maxmin, srcmaj, nmiss;
    const char *src_version;

    report_stage_begin(jr->r, STAGE_PREFLIGHT);
    if (jr->hdr.vmaj > 0) {
        snprintf(ver, sizeof(ver), "%d.%d", jr->hdr.vmaj, jr->hdr.vmin);
        json_object_set_new(a, "dump_version", json_string(ver));
    }
    src_version =
        jr->format == DUMP_PLAIN ? jr->plain_version : jr->hdr.server_version;
    if (src_version[0] != '\0')
        json_object_set_new(a, "server_version", report_json_text(src_version));
    if (jr->format != DUMP_PLAIN && jr->hdr_rc == 1) {
        rd_err_set(&err, RD_ARCHIVE_TRUNCATED,
                   "archive '%s' ends inside its header", jr->chosen->name);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (jr->format != DUMP_PLAIN && jr->hdr_rc != 0) {
        rd_err_set(&err, RD_FORMAT_UNKNOWN,
                   "archive '%s' has an invalid pg_dump header: %s",
                   jr->chosen->name,
                   jr->hdr_rc == 2 ? "no toc.dat header" : jr->hdr_msg);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (pgtools_find(&jr->tools, jr->ephemeral, &err) != 0)
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    if (jr->workdir[0] != '\0' && jr->ident.drop &&
        fs_chown_tree(jr->workdir, jr->ident.uid, jr->ident.gid, &err) != 0)
        return fail_stage(jr, STAGE_PREFLIGHT, &err);

    /* A dump newer than our pg_restore fails halfway; say so up front. */
    dumpfmt_max_archive_version(jr->tools.major, &maxmaj, &maxmin);
    if (jr->format != DUMP_PLAIN &&
        (jr->hdr.vmaj > maxmaj ||
         (jr->hdr.vmaj == maxmaj && jr->hdr.vmin > maxmin))) {
        int need = major_for_archive(&jr->hdr);

        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was written by a newer pg_dump%s%s (archive format %d.%d); pg_restore %d reads up to %d.%d\nHINT: apt-get install postgresql-%d (PGDG packages), or restore with a server of that major",
            jr->chosen->name, jr->hdr.pgdump_version[0] ? " " : "",
            jr->hdr.pgdump_version, jr->hdr.vmaj, jr->hdr.vmin, jr->tools.major,
            maxmaj, maxmin, need);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    srcmaj = dumpfmt_major(src_version);
    if (jr->ephemeral && srcmaj > jr->tools.major) {
        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was dumped from PostgreSQL %s, newer than the newest installed server (%d)\nHINT: apt-get install postgresql-%d (PGDG packages)",
            jr->chosen->name, src_version, jr->tools.major, srcmaj);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (list_extensions(jr, &err) != 0)
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    if (jr->ephemeral) {
        nmiss = missing_control_files(jr, missing, sizeof(missing));
    } else {
        jr->rctx.conninfo = jr->jc->target;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = "/";
        if (restore_connect(&jr->rctx, &err) != 0)
            return fail_stage(jr, STAGE_PREFLIGHT, &err);
        if (srcmaj > jr->rctx.server_num / 10000) {
            rd_err_set(
                &err, RD_TOOL_TOO_OLD,
                "archive '%s' was dumped from PostgreSQL %s, newer than the target server (%s)\nHINT: restore into a server of major %d or newer",
                jr->chosen->name, src_version, jr->rctx.server_version, srcmaj);
            return fail_stage(jr, STAGE_PREFLIGHT, &err);
        }
        nmiss = restore_missing_extensions(&jr->rctx, jr->ext, jr->next,
                                           missing, sizeof(missing));
    }
    if (nmiss > 0) {
        rd_err_set(
            &err, RD_MISSING_EXTENSION,
            "archive '%s' needs extension%s %s, not available on the %s server\nHINT: install the package that provides %s (e.g. postgresql-%d-<name>), or restore into a server that has it",
            jr->chosen->name, nmiss == 1 ? "" : "s", missing,
            jr->ephemeral ? "scratch" : "target", nmiss == 1 ? "it" : "them",
            jr->ephemeral ? jr->tools.major : jr->rctx.server_num / 10000);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_OK);
    return 0;
}

/* Fill restore{} from what the restore produced. */
static void
report_restore_result(struct job_run *jr, const struct restore_result *rr)
{
    json_t *rs = report_restore(jr->r), *errs = json_array();

    for (int i = 0; i < rr->nerrors; i++)
        json_array_append_new(errs, report_json_text(rr->errors[i]));
    json_object_set_new(rs, "tool", json_string(rr->tool));
    json_object_set_new(rs, "jobs", json_integer(rr->jobs));
    json_object_set_new(rs, "error_count", json_integer(rr->error_count));
    json_object_set_new(rs, "errors", errs);
    json_object_set_new(rs, "stderr_tail", report_json_text(rr->tail));
    if (jr->format == DUMP_PLAIN)
        json_object_set_new(rs, "filtered",
                            json_pack("{s:I, s:I}", "owner",
                                      (json_int_t)jr->counts.owner, "acl",
                                      (json_int_t)jr->counts.acl));
}

/* 32 random alphanumerics for our own \restrict line. */
static int
random_key(char *out, size_t len)
{
    static const char al[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;

    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(raw) || len < sizeof(raw) + 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        out[i] = al[raw[i] % (sizeof(al) - 1)];
    out[sizeof(raw)] = '\0';
    return 0;
}

static int
stage_restore(struct job_run *jr)
{
    struct restore_input in = {jr->format, NULL, NULL};
    struct restore_result rr;
    struct rd_err err = {0};
    json_t *rs = report_restore(jr->r);
    struct timespec t0, t1;
    char key[40];
    int rc;

    report_stage_begin(jr->r, STAGE_RESTORE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (jr->ephemeral) {
        log_info("starting a scratch PostgreSQL %d cluster", jr->tools.major);
        jr->cluster.keep = jr->o->keep;
        if (cluster_start(&jr->cluster, &jr->tools, &jr->ident, jr->o->keep,
                          &err) != 0)
            return fail_stage(jr, STAGE_RESTORE, &err);
        snprintf(jr->conninfo, sizeof(jr->conninfo),
                 "host='%s' port=%d user=postgres dbname=postgres",
                 jr->cluster.dir, jr->cluster.port);
        jr->rctx.conninfo = jr->conninfo;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = jr->cluster.dir;
        if (restore_connect(&jr->rctx, &err) != 0)
            return fail_stage(jr, STAGE_RESTORE, &err);
    }
    json_object_set_new(rs, "server_version",
                        json_string(jr->rctx.server_version));
    if (restore_create_db(&jr->rctx, jr->jc->name, &err) != 0)
        return fail_stage(jr, STAGE_RESTORE, &err);
    json_object_set_new(rs, "database", json_string(jr->rctx.dbname));
    if (jr->mode == MODE_STREAM) {
        in.stream = jr->top;
        if (jr->format == DUMP_PLAIN) {
            struct stream *f;

            if (random_key(key, sizeof(key)) != 0) {
                rd_err_set(&err, RD_INTERNAL, "cannot read /dev/urandom");
                return fail_stage(jr, STAGE_RESTORE, &err);
            }
            f = sqlfilter_new(jr->top, key, true, &jr->counts);
            if (f == NULL) {
                jr->top = NULL; /* freed by sqlfilter_new */
                rd_err_set(&err, RD_INTERNAL, "out of memory");
                return fail_stage(jr, STAGE_RESTORE, &err);
            }
            jr->top = f;
            in.stream = f;
        }
    } else {
        in.path = jr->path;
    }
    log_info("restoring '%s' into database '%s'", jr->chosen->name,
             jr->rctx.dbname);
    rc = restore_run(&jr->rctx, &in, &rr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    report_restore_result(jr, &rr);
    if (jr->mode == MODE_STREAM)
        report_hash(jr);
    json_object_set_new(
        rs, "duration_s",
        json_real(round(((double)(t1.tv_sec - t0.tv_sec) +
                         (double)(t1.tv_nsec - t0.tv_nsec) / 1e9) *
                        1000.0) /
                  1000.0));
    restore_result_release(&rr);
    if (rc != 0) {
        /* A decoder that failed at the end taints the whole restore. */
        enum stage s = err.code == RD_DECOMPRESS_CORRUPT ||
                               err.code == RD_DECOMPRESS_TRUNCATED ||
                               err.code == RD_MEMORY_LIMIT
                           ? STAGE_DECODE
                           : STAGE_RESTORE;

        if (s == STAGE_DECODE) {
            report_stage_set(jr->r, STAGE_DECODE, rd_code_status(err.code));
            report_stage_end(jr->r, STAGE_RESTORE, rd_code_status(err.code));
            report_error(jr->r, stage_name(STAGE_DECODE), &err);
            return -1;
        }
        return fail_stage(jr, STAGE_RESTORE, &err);
    }
    report_stage_end(jr->r, STAGE_RESTORE, RD_ST_OK);
    if (jr->o->keep)
        json_object_set_new(rs, "kept", json_true());
    return 0;
}

/* Run every probe against ${conn}; fill probes[] and judge the stage. */
void
job_run_probes(struct report *r, const struct probe_set *set, PGconn *conn,
               time_t archive_time, int64_t default_timeout)
{
    struct probe_ctx ctx = {time(NULL), archive_time, default_timeout};
    enum rd_status worst = RD_ST_OK;
    json_t *arr = report_probes(r);

    report_stage_begin(r, STAGE_PROBES);
    for (size_t i = 0; i < set->n; i++) {
        const struct probe *p = &set->items[i];
        struct probe_outcome out;

        probe_exec_run(conn, p, &ctx, &out);
        json_array_append_new(arr, probe_exec_report(p, &out));
        log_info("probe '%s': %s: %s", p->name, rd_status_name(out.status),
                 out.message);
        worst = rd_status_worse(worst, out.status);
        if (out.code != RD_OK) {
            struct rd_err e = {0};

            rd_err_set(&e, out.code, "probe '%s': %s", p->name, out.message);
            report_error(r, "probes", &e);
        } else if (out.status == RD_ST_UNKNOWN) {
            struct rd_err e = {0};

            rd_err_set(&e, RD_PROBE_INVALID, "probe '%s': %s", p->name,
                       out.message);
            report_error(r, "probes", &e);
        }
        probe_outcome_release(&out);
    }
    report_stage_end(r, STAGE_PROBES, worst);
}

/* Probes against the scratch database, as a read-only, non-superuser role. */
static int
stage_probes(struct job_run *jr)
{
    char probe_ci[PATH_MAX + 128];
    struct rd_err err = {0};
    PGconn *conn;

    if (jr->probes.n == 0)
        return 0;
    if (jr->ephemeral) {
        /* pg_read_all_data (PG 14+): reads everything, owns nothing. */
        char sql[256];

        snprintf(sql, sizeof(sql),
                 "DO $$BEGIN CREATE ROLE restoredrill_probe LOGIN; "
                 "EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        if (db_exec(jr->rctx.admin, sql, 0, NULL, NULL, &err) != 0 ||
            db_exec(jr->rctx.admin,
                    "GRANT pg_read_all_data TO restoredrill_probe", 0, NULL,
                    NULL, &err) != 0) {
            report_stage_begin(jr->r, STAGE_PROBES);
            return fail_stage(jr, STAGE_PROBES, &err);
        }
        snprintf(probe_ci, sizeof(probe_ci),
                 "host='%s' port=%d user=restoredrill_probe dbname=postgres",
                 jr->cluster.dir, jr->cluster.port);
        conn = db_connect(probe_ci, jr->rctx.dbname, &err);
    } else {
        conn = db_connect(jr->jc->target, jr->rctx.dbname, &err);
    }
    if (conn == NULL || probe_exec_session(conn, &err) != 0) {
        PQfinish(conn);
        report_stage_begin(jr->r, STAGE_PROBES);
        return fail_stage(jr, STAGE_PROBES, &err);
    }
    job_run_probes(jr->r, &jr->probes, conn, jr->archive_time,
                   jr->jc->probe_timeout_s);
    PQfinish(conn);
    return 0;
}

/* Row counts of every user table of the scratch database. */
static int
count_tables(PGconn *conn, int64_t exact_below, struct drift_counts *out,
             struct rd_err *err)
{
    PGresult *res;
    int rc = 0;

    if (db_exec(conn, "ANALYZE", 0, NULL, NULL, err) != 0)
        return -1;
    res = PQexec(conn,
                 "SELECT n.nspname, c.relname, c.reltuples::bigint "
                 "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                 "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
                 "n.nspname NOT IN ('pg_catalog', 'information_schema') AND "
                 "n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rd_err_set(err, RD_DB_UNREACHABLE, "cannot list tables: %s",
                   PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        const char *ns = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        long long rows = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        char name[300];

        if (rows < exact_below) {
            char *qn = PQescapeIdentifier(conn, ns, strlen(ns));
            char *qr = PQescapeIdentifier(conn, rel, strlen(rel));
            char sql[700];
            PGresult *c;

            snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.%s",
                     qn != NULL ? qn : "", qr != NULL ? qr : "");
            PQfreemem(qn);
            PQfreemem(qr);
            c = PQexec(conn, sql);
            rows = PQresultStatus(c) == PGRES_TUPLES_OK
                       ? strtoll(PQgetvalue(c, 0, 0), NULL, 10)
                       : -1;
            PQclear(c);
        }
        snprintf(name, sizeof(name), "%s.%s", ns, rel);
        if (drift_counts_add(out, name, rows) != 0)
            rc = rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    PQclear(res);
    return rc;
}

/* Per-table counts against the last verified run's (state_dir). */
static int
stage_drift(struct job_run *jr)
{
    struct drift_counts base = {0};
    struct rd_err err = {0};
    char path[PATH_MAX + 64], ts[32];
    json_t *d = report_drift(jr->r), *tables;
    size_t warnings = 0;
    PGconn *conn;
    int loaded;

    report_stage_begin(jr->r, STAGE_DRIFT);
    conn = db_connect(jr->rctx.conninfo, jr->rctx.dbname, &err);
    if (conn == NULL ||
        count_tables(conn, jr->jc->drift_exact_rows, &jr->drift, &err) != 0) {
        PQfinish(conn);
        log_warn("drift: %s", err.msg);
        report_note(jr->r, "drift not measured: %s", err.msg);
        report_stage_end(jr->r, STAGE_DRIFT, RD_ST_WARNING);
        return 0;
    }
    PQfinish(conn);
    jr->drift.taken_at = time(NULL);
    jr->drift_taken = true;
    snprintf(path, sizeof(path), "%s/%s/drift.json", jr->jc->state_dir,
             jr->jc->name);
    loaded = drift_load(path, &base, &err);
    if (loaded < 0) {
        report_note(jr->r,
                    "drift baseline '%s' unreadable (%s): starting a new one",
                    path, err.msg);
        drift_counts_release(&base);
        loaded = 1;
    }
    if (loaded == 1) {
        report_note(
            jr->r,
            "drift: first verified run, nothing to compare (%zu tables recorded)",
            jr->drift.n);
        report_stage_end(jr->r, STAGE_DRIFT, RD_ST_OK);
        return 0;
    }
    tables = drift_compare(&base, &jr->drift, jr->jc->max_shrink, &warnings);
    json_object_set_new(
        d, "baseline_at",
        json_string(report_rfc3339(ts, sizeof(ts), base.taken_at)));
    json_object_set_new(d, "tables", tables != NULL ? tables : json_array());
    if (warnings > 0) {
        size_t i;
        json_t *t;

        json_array_foreach(tables, i, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "status")),
                       "warning") != 0)
                continue;
            if (json_is_null(json_object_get(t, "rows")))
                report_note(jr->r, "drift: table '%s' vanished (had %lld rows)",
                            json_string_value(json_object_get(t, "name")),
                            (long long)json_integer_value(
                                json_object_get(t, "previous_rows")));
            else
                report_note(
                    jr->r, "drift: table '%s' shrank from %lld to %lld rows",
                    json_string_value(json_object_get(t, "name")),
                    (long long)json_integer_value(
                        json_object_get(t, "previous_rows")),
                    (long long)json_integer_value(json_object_get(t, "rows")));
        }
    }
    drift_counts_release(&base);
    report_stage_end(jr->r, STAGE_DRIFT,
                     warnings > 0 ? RD_ST_WARNING : RD_ST_OK);
    return 0;
}

/* A verified run (ok or warning) becomes the next run's drift baseline. */
static void
save_drift(struct job_run *jr)
{
    struct rd_err err = {0};
    char path[PATH_MAX + 64];
    enum rd_status st = report_status(jr->r);

    if (!jr->drift_taken || (st != RD_ST_OK && st != RD_ST_WARNING))
        return;
    snprintf(path, sizeof(path), "%s/%s/drift.json", jr->jc->state_dir,
             jr->jc->name);
    if (drift_save(path, &jr->drift, &err) != 0)
        log_warn("drift baseline not saved: %s", err.msg);
}

/* --dry-run: what a real run would have done, in the report's notes. */
static void
note_dry_run(struct job_run *jr)
{
    report_note(
        jr->r,
        "dry run: would restore '%s' (%s, compression %s, %s) with %s into %s%s",
        jr->chosen->name, dumpfmt_kind_name(jr->format),
        compression_name(jr->compression),
        jr->mode == MODE_PATH      ? "read by path"
        : jr->mode == MODE_EXTRACT ? "extracted to a temp dir"
                                   : "streamed",
        jr->format == DUMP_PLAIN ? "psql" : "pg_restore",
        jr->ephemeral ? "a scratch PostgreSQL " : "the target server",
        jr->ephemeral ? (jr->tools.major == 15 ? "15" : "cluster") : "");
}

/* --keep: say where the scratch database is and how to get rid of it. */
static void
print_kept(const struct job_run *jr)
{
    FILE *out = stderr;

    if (jr->ephemeral) {
        fprintf(out,
                "kept: the scratch cluster is still running (--keep)\n"
                "  connect: psql \"host=%s port=%d user=postgres dbname=%s\"\n"
                "  stop:    kill -INT %ld && rm -rf '%s'\n"
                "  (or: %s/pg_ctl -D '%s/data' stop -m fast && rm -rf '%s')\n",
                jr->cluster.dir, jr->cluster.port, jr->rctx.dbname,
                (long)jr->cluster.pid, jr->cluster.dir, jr->tools.bindir,
                jr->cluster.dir, jr->cluster.dir);
    } else {
        fprintf(out,
                "kept: database '%s' on the target (--keep)\n"
                "  drop it with: DROP DATABASE \"%s\";\n",
                jr->rctx.dbname, jr->rctx.dbname);
    }
}

/* Drop what we made, on every path; the report says whether it worked. */
static void
job_cleanup(struct job_run *jr)
{
    json_t *rs = report_restore(jr->r);
    struct rd_err err = {0};
    bool made = jr->rctx.created || jr->cluster.dir[0] != '\0';
    bool ok = true, kept = jr->o->keep && report_status(jr->r) != RD_ST_UNKNOWN;

    report_stage_begin(jr->r, STAGE_CLEANUP);
    if (!jr->ephemeral && !kept && restore_drop_db(&jr->rctx, &err) != 0) {
        log_warn("%s", err.msg);
        report_note(jr->r, "scratch database '%s' was not dropped: %s",
                    jr->rctx.dbname, err.msg);
        ok = false;
    }
    if (kept && made)
        print_kept(jr);
    restore_close(&jr->rctx);
    if (!kept) {
        jr->cluster.keep = false;
        if (cluster_stop(&jr->cluster) != 0)
            ok = false;
    }
    if (made)
        json_object_set_new(rs, "scratch_dropped", json_boolean(ok && !kept));
    stream_free(jr->top);
    jr->top = NULL;
    if (jr->workdir[0] != '\0' && fs_rm_rf(jr->workdir) != 0) {
        log_warn("cannot remove '%s': %s", jr->workdir, strerror(errno));
        ok = false;
    }
    restore_names_free(jr->ext, jr->next);
    jr->ext = NULL;
    jr->next = 0;
    fetched_release(&jr->f);
    source_free(jr->src);
    jr->src = NULL;
    archive_list_release(&jr->list);
    report_stage_end(jr->r, STAGE_CLEANUP, ok ? RD_ST_OK : RD_ST_WARNING);
}

/* The newest archive's age, judged after the restore (both facts are reported).
 */
static void
check_archive_age(struct job_run *jr)
{
    struct rd_err err = {0};
    char age[32], max[32];
    int64_t age_s;

    if (sig_pending() != 0 || jr->jc->max_archive_age_s <= 0 ||
        jr->chosen == NULL || jr->archive_time == (time_t)-1 ||
        jr->o->archive != NULL)
        return;
    age_s = (int64_t)(now_utc() - jr->archive_time);
    if (age_s <= jr->jc->max_archive_age_s)
        return;
    rd_err_set(
        &err, RD_ARCHIVE_TOO_OLD,
        "newest archive '%s' is %s old, older than max_archive_age %s: backups have stopped arriving",
        jr->chosen->name, duration_human(age_s, age, sizeof(age)),
        duration_format(jr->jc->max_archive_age_s, max, sizeof(max)));
    report_stage_set(jr->r, STAGE_SELECT, RD_ST_CRITICAL);
    report_error(jr->r, "select", &err);
}

/* Write the report where asked and to STATE_DIR/JOB/last.json. */
static void
write_reports(struct job_run *jr, int code)
{
    struct rd_err err = {0};
    char dir[PATH_MAX], last[PATH_MAX + 16];
    bool ok = true;

    report_stage_begin(jr->r, STAGE_REPORT);
    report_stage_end(jr->r, STAGE_REPORT, RD_ST_OK);
    report_finish(jr->r, code);
    if (jr->jc->report != NULL &&
        report_write(jr->r, jr->jc->report, &err) != 0) {
        log_error("%s", err.msg);
        ok = false;
    }
    snprintf(dir, sizeof(dir), "%s/%s", jr->jc->state_dir, jr->jc->name);
    snprintf(last, sizeof(last), "%s/last.json", dir);
    if (fs_mkdir_p(dir, 0700, &err) != 0 ||
        report_write(jr->r, last, &err) != 0) {
        log_error("%s", err.msg);
        ok = false;
    }
    if (!ok)
        log_error("job '%s': the report could not be written everywhere",
                  jr->jc->name);
}

/* Exit code of a finished job: status code, or 128+N after a signal. */
static int
job_exit_code(const struct job_run *jr)
{
    int sig = sig_pending();

    if (sig != 0) {
        /* Make sure the report says why, whatever stage noticed it. */
        if (report_error_code(jr->r) != RD_INTERRUPTED) {
            struct rd_err err = {0};

            rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s",
                       sig_name(sig));
            report_error(jr->r, "signal", &err);
        }
        return 128 + sig;
    }
    return (int)report_status(jr->r);
}

int
job_verify(const struct job_config *jc, const struct run_opts *o)
{
    struct job_run jr;
    struct rd_err err = {0};
    int lockfd, code;

    memset(&jr, 0, sizeof(jr));
    jr.jc = jc;
    jr.o = o;
    jr.ephemeral = strcmp(jc->target, "ephemeral") == 0;
    archive_list_init(&jr.list);
    jr.f.fd = -1;
    jr.r = report_new("verify", jc->name);
    if (jr.r == NULL) {
        log_error("out of memory");
        return RD_ST_UNKNOWN;
    }
    lockfd = lock_acquire(jc->state_dir, jc->name, &err);
    if (lockfd < 0 && err.code == RD_LOCKED) {
        /* No side effects: the running job owns the report files. */
        log_error("%s", err.msg);
        report_free(jr.r);
        return RD_ST_UNKNOWN;
    }
    {
        json_t *rs = report_restore(jr.r);
        char *t =
            jr.ephemeral ? strdup("ephemeral") : redact_conninfo(jc->target);

        json_object_set_new(rs, "target",
                            t != NULL ? json_string(t) : json_null());
        free(t);
    }
    if (lockfd < 0) {
        report_error(jr.r, "lock", &err);
    } else if (jc->probes != NULL &&
               probe_load_dir(jc->probes, &jr.probes, &err) != 0) {
        /* Bad probes fail the run before anything is fetched. */
        log_error("%s", err.msg);
        report_error(jr.r, "config", &err);
    } else {
        if (jr.ephemeral)
            cluster_sweep();
        if (stage_select(&jr) == 0 && check_signal(&jr, STAGE_FETCH) == 0 &&
            stage_fetch(&jr) == 0 && check_signal(&jr, STAGE_DECODE) == 0 &&
            stage_decode(&jr) == 0 && check_signal(&jr, STAGE_PREFLIGHT) == 0 &&
            stage_preflight(&jr) == 0) {
            if (o->dry_run)
                note_dry_run(&jr);
            else if (check_signal(&jr, STAGE_RESTORE) == 0 &&
                     stage_restore(&jr) == 0 &&
                     check_signal(&jr, STAGE_PROBES) == 0 &&
                     stage_probes(&jr) == 0 &&
                     check_signal(&jr, STAGE_DRIFT) == 0 &&
                     stage_drift(&jr) == 0)
                (void)check_signal(&jr, STAGE_CLEANUP);
        }
    }
    check_archive_age(&jr); /* before cleanup releases the list */
    job_cleanup(&jr);
    code = job_exit_code(&jr);
    save_drift(&jr);
    drift_counts_release(&jr.drift);
    probe_set_release(&jr.probes);
    write_reports(&jr, code);
    if (!o->quiet) {
        bool to_stderr = jc->report != NULL && strcmp(jc->report, "-") == 0;

        report_summary(jr.r, to_stderr ? stderr : stdout, jc->report);
    }
    report_free(jr.r);
    lock_release(lockfd);
    return code;
}
