/* job_globals: globals = FILE, a pg_dumpall --globals-only output restored
 * before the dump (stage globals) so that owners and grants exist; the
 * dump is then restored without --no-owner/--no-privileges.  Roles that
 * already exist are left alone (their CREATE/ALTER ROLE lines are skipped),
 * and so are tablespaces (they would make directories on the server). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "verifier/job_int.h"

int
job_globals_check(struct job_run *jr, struct rd_err *err)
{
    const struct job_config *jc = jr->jc;

    if (jc->globals == NULL)
        return 0;
    if (access(jc->globals, R_OK) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "globals file '%s' is not readable: %s", jc->globals,
                          strerror(errno));
    if (!target_ops(jr->target)->sandboxed && !jc->allow_superuser)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "globals = %s on a server target needs CREATEROLE and membership in every owner role: set allow_superuser = yes (see docs/targets.md), or restore the globals with the ephemeral target",
            jc->globals);
    return 0;
}

/* The role a "CREATE ROLE x;" / "ALTER ROLE x WITH ..." line names. */
static bool
role_line(const char *line, char *role, size_t len)
{
    const char *p;
    size_t n = 0;

    if (strncmp(line, "CREATE ROLE ", 12) == 0)
        p = line + 12;
    else if (strncmp(line, "ALTER ROLE ", 11) == 0)
        p = line + 11;
    else
        return false;
    if (*p == '"') {
        for (p++; *p != '\0' && n + 1 < len; p++) {
            if (*p == '"' && p[1] == '"')
                p++;
            else if (*p == '"')
                break;
            role[n++] = *p;
        }
    } else {
        while ((isalnum((unsigned char)*p) || *p == '_' || *p == '$') &&
               n + 1 < len)
            role[n++] = *p++;
    }
    role[n] = '\0';
    return n > 0;
}

static bool
exists(const PGresult *roles, const char *role)
{
    for (int i = 0; i < PQntuples(roles); i++)
        if (strcmp(PQgetvalue(roles, i, 0), role) == 0)
            return true;
    return false;
}

/* ${in} without the lines of existing roles, tablespaces and psql
 * meta-commands, into ${out}; the number skipped. */
static long
filter_globals(FILE *in, FILE *out, const PGresult *roles)
{
    char line[8192], role[256];
    long skipped = 0;

    while (fgets(line, sizeof(line), in) != NULL) {
        if ((role_line(line, role, sizeof(role)) && exists(roles, role)) ||
            strncmp(line, "CREATE TABLESPACE ", 18) == 0 || line[0] == '\\') {
            skipped++;
            continue;
        }
        fputs(line, out);
    }
    return skipped;
}

/* The existing roles, and the filtered copy in ${out} (an unlinked temp
 * file, rewound; psql reads it on stdin). */
static int
prepare_file(struct job_run *jr, FILE *out, long *skipped, struct rd_err *err)
{
    PGconn *conn = db_connect(target_conninfo(jr->target), NULL, err);
    PGresult *roles;
    FILE *in;

    if (conn == NULL)
        return -1;
    roles = db_query(conn, "SELECT rolname FROM pg_catalog.pg_roles", 0, NULL,
                     NULL, err);
    PQfinish(conn);
    if (roles == NULL)
        return -1;
    in = fopen(jr->jc->globals, "re");
    if (in == NULL) {
        rd_err_set(err, RD_CONFIG_INVALID, "cannot read globals '%s': %s",
                   jr->jc->globals, strerror(errno));
        PQclear(roles);
        return -1;
    }
    *skipped = filter_globals(in, out, roles);
    fclose(in);
    PQclear(roles);
    if (fflush(out) != 0 || fseek(out, 0, SEEK_SET) != 0)
        return rd_err_set(err, RD_DISK_FULL, "cannot write a temp file: %s",
                          strerror(errno));
    return 0;
}

/* psql the filtered file (the restore's way: sandbox, \restrict, one
 * transaction, stop at the first error). */
static int
run_globals(struct job_run *jr, FILE *file, struct rd_err *err)
{
    struct restore_input in = {DUMP_PLAIN, NULL, NULL, true};
    struct restore_result rr = {0};
    struct sqlfilter_counts counts = {0};
    char key[40];
    int rc = -1;
    struct stream *s = stream_fd_new(fileno(file), jr->jc->globals, -1);
    struct stream *f = NULL;

    if (s != NULL && job_random_key(key, sizeof(key)) == 0)
        f = sqlfilter_new(s, key, false, &counts);
    else
        stream_free(s);
    if (f == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
    } else {
        in.stream = f;
        rc = restore_run(jr->target, &in, &rr, err);
        stream_free(f);
    }
    restore_result_release(&rr);
    return rc;
}

int
job_stage_globals(struct job_run *jr)
{
    struct rd_err err = {0};
    long skipped = 0;
    FILE *tmp;

    if (jr->jc->globals == NULL)
        return 0;
    report_stage_begin(jr->r, STAGE_GLOBALS);
    tmp = tmpfile();
    if (tmp == NULL) {
        rd_err_set(&err, RD_DISK_FULL, "globals: no temp file: %s",
                   strerror(errno));
        return job_fail_stage(jr, STAGE_GLOBALS, &err);
    }
    if (prepare_file(jr, tmp, &skipped, &err) != 0 ||
        run_globals(jr, tmp, &err) != 0) {
        char why[sizeof(err.msg)];

        snprintf(why, sizeof(why), "%s", err.msg);
        rd_err_set(&err, err.code, "globals '%s': %s", jr->jc->globals, why);
        fclose(tmp);
        return job_fail_stage(jr, STAGE_GLOBALS, &err);
    }
    fclose(tmp);
    if (skipped > 0)
        report_note(
            jr->r,
            "globals: %ld line%s skipped (roles that already exist, tablespaces, meta-commands)",
            skipped, skipped == 1 ? "" : "s");
    report_stage_end(jr->r, STAGE_GLOBALS, RD_ST_OK);
    return 0;
}
