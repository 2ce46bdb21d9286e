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

#include "restore/decode/decode.h"
#include "restore/decode/dumpcheck.h"
#include "restore/decode/untar.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job_int.h"

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
    if (source_fetch(jr->src, jr->chosen->name, &f2, err) != 0) {
        fetched_release(&f2);
        return 0;
    }
    s = job_build_stack(jr, &f2, NULL, &comp, err);
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

int
job_stage_preflight(struct job_run *jr)
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
        return preflight_fail(jr, &err);
    }
    if (jr->format != DUMP_PLAIN && jr->hdr_rc != 0) {
        rd_err_set(&err, RD_FORMAT_UNKNOWN,
                   "archive '%s' has an invalid pg_dump header: %s",
                   jr->chosen->name,
                   jr->hdr_rc == 2 ? "no toc.dat header" : jr->hdr_msg);
        return preflight_fail(jr, &err);
    }
    if (pgtools_find(&jr->tools, jr->ephemeral, &err) != 0)
        return preflight_fail(jr, &err);
    if (jr->workdir[0] != '\0' && jr->ident.drop &&
        fs_chown_tree(jr->workdir, jr->ident.uid, jr->ident.gid, &err) != 0)
        return preflight_fail(jr, &err);

    /* A dump newer than our pg_restore fails halfway; say so up front. */
    dumpfmt_max_archive_version(jr->tools.major, &maxmaj, &maxmin);
    if (jr->format != DUMP_PLAIN &&
        (jr->hdr.vmaj > maxmaj ||
         (jr->hdr.vmaj == maxmaj && jr->hdr.vmin > maxmin))) {
        int need = major_for_archive(&jr->hdr);
        char hint[96];

        if (need > 0)
            snprintf(hint, sizeof(hint), "apt-get install postgresql-%d", need);
        else
            snprintf(hint, sizeof(hint),
                     "install the PostgreSQL whose pg_dump wrote it");
        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was written by a newer pg_dump%s%s (archive format %d.%d); pg_restore %d reads up to %d.%d\nHINT: %s (PGDG packages), or restore with a server of that major",
            jr->chosen->name, jr->hdr.pgdump_version[0] ? " " : "",
            jr->hdr.pgdump_version, jr->hdr.vmaj, jr->hdr.vmin, jr->tools.major,
            maxmaj, maxmin, hint);
        return preflight_fail(jr, &err);
    }
    srcmaj = dumpfmt_major(src_version);
    if (jr->ephemeral && srcmaj > jr->tools.major) {
        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was dumped from PostgreSQL %s, newer than the newest installed server (%d)\nHINT: apt-get install postgresql-%d (PGDG packages)",
            jr->chosen->name, src_version, jr->tools.major, srcmaj);
        return preflight_fail(jr, &err);
    }
    if (list_extensions(jr, &err) != 0)
        return preflight_fail(jr, &err);
    if (jr->ephemeral) {
        nmiss = missing_control_files(jr, missing, sizeof(missing));
    } else {
        jr->rctx.conninfo = jr->jc->target;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = "/";
        if (restore_connect(&jr->rctx, &err) != 0)
            return preflight_fail(jr, &err);
        if (srcmaj > jr->rctx.server_num / 10000) {
            rd_err_set(
                &err, RD_TOOL_TOO_OLD,
                "archive '%s' was dumped from PostgreSQL %s, newer than the target server (%s)\nHINT: restore into a server of major %d or newer",
                jr->chosen->name, src_version, jr->rctx.server_version, srcmaj);
            return preflight_fail(jr, &err);
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
        return preflight_fail(jr, &err);
    }
    report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_OK);
    return 0;
}
