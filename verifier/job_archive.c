/* job_archive: preflight an archive for one job (fetch and decode are in
 * job_decode.c). */
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

#include "reports/render_archive.h"
#include "restore/decode/decode.h"
#include "restore/decode/dumpcheck.h"
#include "restore/decode/untar.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job_int.h"

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

    if (jr->format == DUMP_PLAIN || jr->format == DUMP_MYSQL)
        return 0; /* scanned from the head in stage_decode */
    if (jr->mode != MODE_STREAM) {
        in.path = jr->path;
        return restore_list_extensions(&jr->tools, &jr->ident, &jr->sb, home,
                                       &in, &jr->ext, &jr->next, err);
    }
    /* A stream is read once by the restore: list from a second reading. */
    if (source_fetch(jr->src, jr->chosen->name, &f2, err) != 0) {
        fetched_release(&f2);
        return 0;
    }
    s = job_build_stack(jr, &f2, NULL, &comp, err);
    in.stream = s;
    rc = s != NULL
             ? restore_list_extensions(&jr->tools, &jr->ident, &jr->sb, home,
                                       &in, &jr->ext, &jr->next, err)
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
    if (job_decoder_failed(jr)) {
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
    if (jr->hdr.vmaj > 0)
        snprintf(jr->archive.dump_version, sizeof(jr->archive.dump_version),
                 "%d.%d", jr->hdr.vmaj, jr->hdr.vmin);
    *src_version =
        jr->format == DUMP_PLAIN ? jr->plain_version : jr->hdr.server_version;
    if (jr->format == DUMP_MYSQL)
        *src_version = jr->myhead.server_version;
    jr->archive.server_version = *src_version;
    render_archive(report_archive(jr->r), &jr->archive);
    if (jr->format == DUMP_MYSQL)
        return 0; /* its completeness is judged at its end (myfilter) */
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

/* The sandbox every program that reads the dump runs in; a run without
 * one says so (sandbox = auto), or fails (required). */
static int
job_sandbox(struct job_run *jr, struct rd_err *err)
{
    struct restore_report *rp = &jr->rres;

    if (sandbox_setup(&jr->sb, jr->jc->sandbox, &jr->ident, jr->tools.bindir,
                      err) != 0)
        return -1;
    rp->sandbox = target_sandbox_name(jr->target);
    if (strcmp(rp->sandbox, "bwrap") == 0)
        return 0;
    if (!target_ops(jr->target)->sandboxed)
        snprintf(
            rp->sandbox_reason, sizeof(rp->sandbox_reason),
            "a server target is not sandboxed (its restore tools run in a pid namespace%s; the server is protected by the target role's least privilege)",
            jr->sb.on ? "" : ", when bwrap works");
    else
        snprintf(rp->sandbox_reason, sizeof(rp->sandbox_reason), "%s",
                 jr->sb.reason);
    if (target_ops(jr->target)->sandboxed && jr->jc->sandbox == SANDBOX_AUTO) {
        log_warn(
            "the scratch server and restore tools run without a sandbox: %s",
            jr->sb.reason);
        report_note(
            jr->r,
            "no sandbox: %s; a hostile dump could act on this host as '%s' (see docs/security.md)",
            jr->sb.reason, jr->ident.name);
    }
    return 0;
}

/* The tools the target needs, and a dump newer than our pg_restore (it
 * would fail halfway): said up front. */
static int
preflight_tools(struct job_run *jr, struct rd_err *err)
{
    const struct target_ops *ops = target_ops(jr->target);
    int maxmaj, maxmin, need;
    char hint[96];

    bool server = ops->needs_server;
    int want = server && jr->archive.server_version != NULL
                   ? dumpfmt_major(jr->archive.server_version)
                   : 0;

    if (pgtools_find(&jr->tools, server, want, err) != 0) {
        if (ops->needs_pg_tools)
            return -1;
        /* A MariaDB target needs no PostgreSQL (tools.bindir stays ""). */
        memset(err, 0, sizeof(*err));
    }
    if (job_sandbox(jr, err) != 0)
        return -1;
    /* Ephemeral: the dump's own major when installed, else the newest
     * newer one; said in the report. */
    if (server && want > 0)
        report_note(
            jr->r,
            "scratch server: PostgreSQL %d (%s) for a dump of PostgreSQL %d%s",
            jr->tools.major, jr->tools.bindir, want,
            jr->tools.major == want ? ""
            : jr->tools.major > want
                ? " (not installed; the newest newer major)"
                : " (not installed, nor any newer)");
    if (jr->workdir[0] != '\0' && jr->ident.drop &&
        fs_chown_tree(jr->workdir, jr->ident.uid, jr->ident.gid, err) != 0)
        return -1;
    dumpfmt_max_archive_version(jr->tools.major, &maxmaj, &maxmin);
    if (jr->format == DUMP_PLAIN || jr->format == DUMP_MYSQL ||
        jr->hdr.vmaj < maxmaj ||
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
        preflight_tools(jr, &err) != 0 || job_into_check(jr, &err) != 0 ||
        job_globals_check(jr, &err) != 0 ||
        preflight_target(jr, src_version, &err) != 0)
        return preflight_fail(jr, &err);
    report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_OK);
    return 0;
}
