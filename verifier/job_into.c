/* job_into: restore --into NAME (the developer bootstrap): where it
 * restores, what it refuses, and the swap stage after the probes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "verifier/util/log.h"
#include "verifier/util/redact.h"

#include "verifier/job_int.h"

const char *
job_into_spec(const struct job_config *jc)
{
    /* libpq's defaults (PGHOST, PGPORT, PGUSER, .pgpass); the maintenance
     * session goes to postgres, never to NAME (it would block the swap). */
    return strcmp(jc->target, "ephemeral") == 0 ? "dbname=postgres"
                                                : jc->target;
}

/* Every entry of a comma-separated host list is local ("" is the
 * default unix socket). */
static bool
local_hosts(const char *list, char *bad, size_t len)
{
    char buf[1024], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", list);
    for (char *h = strtok_r(buf, ",", &save); h != NULL;
         h = strtok_r(NULL, ",", &save))
        if (!(h[0] == '/' || h[0] == '@' || strcmp(h, "localhost") == 0 ||
              strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0)) {
            snprintf(bad, len, "%s", h);
            return false;
        }
    return true;
}

/* The host (or hostaddr) libpq will use: the conninfo's, else PGHOST's. */
static bool
spec_is_local(const char *spec, char *bad, size_t len)
{
    PQconninfoOption *opts = PQconninfoParse(spec, NULL);
    const char *host = NULL, *addr = NULL, *service = NULL;
    bool ok;

    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "host") == 0 && o->val != NULL && o->val[0])
            host = o->val;
        if (strcmp(o->keyword, "hostaddr") == 0 && o->val != NULL && o->val[0])
            addr = o->val;
        if (strcmp(o->keyword, "service") == 0 && o->val != NULL && o->val[0])
            service = o->val;
    }
    if (service == NULL && (service = getenv("PGSERVICE")) != NULL &&
        service[0] == '\0')
        service = NULL;
    /* A service's host is in pg_service.conf, which we do not read: it
       counts as remote unless host/hostaddr say otherwise. */
    if (service != NULL && host == NULL && addr == NULL) {
        snprintf(bad, len, "service=%s", service);
        PQconninfoFree(opts);
        return false;
    }
    if (host == NULL)
        host = getenv("PGHOST");
    if (addr == NULL)
        addr = getenv("PGHOSTADDR");
    ok = (host == NULL || local_hosts(host, bad, len)) &&
         (addr == NULL || local_hosts(addr, bad, len));
    PQconninfoFree(opts);
    return ok;
}

int
job_into_check(struct job_run *jr, struct rd_err *err)
{
    const struct run_opts *o = jr->o;
    char bad[256] = "";

    if (o->into == NULL)
        return 0;
    if (o->into[0] == '\0' || strlen(o->into) > 63)
        return rd_err_set(err, RD_USAGE,
                          "restore --into '%s': a database name has 1 to 63 "
                          "bytes",
                          o->into);
    if (!o->allow_remote &&
        !spec_is_local(job_into_spec(jr->jc), bad, sizeof(bad)))
        return rd_err_set(
            err, RD_USAGE,
            "restore --into: the server '%s' is not local (a unix socket, localhost, 127.0.0.1 or ::1); nothing was created\nHINT: pass --allow-remote if you really mean to replace '%s' there",
            bad, o->into);
    if (!o->force && jr->format != DUMP_PLAIN && jr->hdr_rc == 0 &&
        strcmp(jr->hdr.dbname, o->into) == 0)
        return rd_err_set(
            err, RD_USAGE,
            "restore --into '%s': that is the database archive '%s' was dumped from; nothing was created\nHINT: pick another name, or pass --force if this server is not where the dump came from",
            o->into, jr->chosen->name);
    return 0;
}

/* Connect line for the developer: the target's settings and NAME. */
static void
print_done(struct job_run *jr, const struct target_swap *s)
{
    char *r = redact_conninfo(job_into_spec(jr->jc));
    struct timespec now;
    double total;

    clock_gettime(CLOCK_MONOTONIC, &now);
    total = (double)(now.tv_sec - jr->t0.tv_sec) +
            (double)(now.tv_nsec - jr->t0.tv_nsec) / 1e9;

    fprintf(stderr,
            "restored '%s' into database '%s' in %.1fs (restore %.1fs)\n",
            jr->chosen->name, s->into, total, jr->rres.duration_s);
    if (s->had_previous && s->previous_dropped)
        fprintf(stderr, "  the previous '%s' was dropped (--drop-previous)\n",
                s->into);
    else if (s->had_previous)
        fprintf(
            stderr,
            "  the previous '%s' is kept as '%s' (drop it with: DROP DATABASE \"%s\";)\n",
            s->into, s->previous, s->previous);
    fprintf(stderr, "  connect: psql \"%s%sdbname=%s\"\n", r != NULL ? r : "",
            r != NULL && r[0] != '\0' ? " " : "", s->into);
    free(r);
}

int
job_stage_swap(struct job_run *jr)
{
    struct rd_err err = {0};
    struct target_swap s = {0};
    enum rd_status st = report_status(jr->r);

    if (jr->o->into == NULL)
        return 0;
    report_stage_begin(jr->r, STAGE_SWAP);
    if (st != RD_ST_OK && st != RD_ST_WARNING) {
        report_note(jr->r,
                    "restore --into: the run is %s, so '%s' was left as it was",
                    rd_status_name(st), jr->o->into);
        report_stage_end(jr->r, STAGE_SWAP, RD_ST_SKIPPED);
        return -1;
    }
    s.into = jr->o->into;
    s.archive = jr->chosen->name;
    s.drop_previous = jr->o->drop_previous;
    s.err = &err;
    if (target_swap(jr->target, &s) != 0) {
        fprintf(stderr, "restoredrill: %s\n", err.msg);
        return job_fail_stage(jr, STAGE_SWAP, &err);
    }
    snprintf(jr->rres.database, sizeof(jr->rres.database), "%s", s.into);
    jr->rres.kept = true;
    if (s.had_previous)
        report_note(jr->r, "restore --into: the previous '%s' %s '%s'", s.into,
                    s.previous_dropped ? "was dropped; it was" : "is kept as",
                    s.previous);
    report_stage_end(jr->r, STAGE_SWAP, RD_ST_OK);
    print_done(jr, &s);
    return 0;
}
