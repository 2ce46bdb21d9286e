/* lint: check a configuration and its probe files, reporting every error. */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/probe.h"
#include "restore/source/source.h"
#include "verifier/util/cmdline.h"
#include "verifier/util/log.h"
#include "verifier/util/redact.h"

#include "verifier/run.h"

/* Print ${e} as one error line and its optional "HINT:" line. */
static void
print_one(const struct rd_err *e)
{
    /* The text log puts the hint on a line of its own, escaped. */
    log_error("%s", e->msg);
}

/* The LINE of a "PATH:LINE: ..." message about ${path}, else INT_MAX. */
static long
line_of(const char *msg, const char *path)
{
    size_t n = path != NULL ? strlen(path) : 0;
    char *end;
    long line;

    if (n == 0 || strncmp(msg, path, n) != 0 || msg[n] != ':')
        return INT_MAX;
    line = strtol(msg + n + 1, &end, 10);
    return end != msg + n + 1 && *end == ':' ? line : INT_MAX;
}

/* Print the config errors in line order (a stable sort: few of them). */
static void
print_config_errors(struct config_errs *errs, const char *path)
{
    for (size_t i = 1; i < errs->n; i++) {
        struct rd_err e = errs->v[i];
        long l = line_of(e.msg, path);
        size_t j = i;

        for (; j > 0 && line_of(errs->v[j - 1].msg, path) > l; j--)
            errs->v[j] = errs->v[j - 1];
        errs->v[j] = e;
    }
    for (size_t i = 0; i < errs->n; i++)
        print_one(&errs->v[i]);
}

/* Whether the program of command ${cmd} (of setting ${what}, NULL: none)
 * can be run: absolute, or found on PATH. */
static int
lint_command(const struct job_config *jc, const char *what, const char *cmd)
{
    struct rd_err err = {0};
    char **argv, path[PATH_MAX];
    size_t argc;
    bool found = false;
    int rc = 0;

    if (cmd == NULL)
        return 0;
    if (cmdline_split(cmd, &argv, &argc, &err) != 0) {
        log_error("job '%s': %s: %s", jc->name, what, err.msg);
        return -1;
    }
    if (argv[0][0] == '/') {
        found = access(argv[0], X_OK) == 0;
        snprintf(path, sizeof(path), "%s", argv[0]);
    } else {
        const char *p = getenv("PATH");

        for (p = p != NULL ? p : "/usr/bin:/bin"; !found && *p != '\0';) {
            size_t n = strcspn(p, ":");

            snprintf(path, sizeof(path), "%.*s/%s", (int)n, n > 0 ? p : ".",
                     argv[0]);
            found = access(path, X_OK) == 0;
            p += n + (p[n] == ':');
        }
    }
    if (!found) {
        log_error("job '%s': %s program '%s' cannot be run: %s", jc->name, what,
                  argv[0],
                  argv[0][0] == '/' ? strerror(errno) : "not found on PATH");
        rc = -1;
    }
    cmdline_free(argv);
    return rc;
}

/* The backup tool of a restic:, borg:, tarsnap: or exec: source. */
static int
lint_tools(const struct job_config *jc)
{
    static const char *const tools[] = {"restic:", "borg:", "tarsnap:", NULL};
    int rc = 0;

    for (size_t i = 0; jc->source != NULL && tools[i] != NULL; i++) {
        size_t n = strlen(tools[i]);
        char prog[16];

        if (strncmp(jc->source, tools[i], n) != 0)
            continue;
        snprintf(prog, sizeof(prog), "%.*s", (int)n - 1, tools[i]);
        rc = lint_command(jc, "source", prog);
    }
    if (lint_command(jc, "list_command", jc->list_command) != 0 ||
        lint_command(jc, "fetch_command", jc->fetch_command) != 0)
        rc = -1;
    return rc;
}

/* probe_error_fn: print each probe file's error once (jobs share folders). */
static int
on_probe_error(void *ctx, const struct rd_err *e)
{
    struct config_errs *seen = ctx;
    size_t n = seen->n;

    if (config_errs_add(seen, e) != 0)
        return -1;
    if (seen->n > n)
        print_one(e);
    return 0;
}

/* Output paths two jobs would both write (they must contain {job}). */
static int
lint_shared_outputs(const struct job_config *jobs, size_t n)
{
    int rc = 0;

    for (size_t i = 1; i < n; i++) {
        if (jobs[i].junit != NULL && jobs[0].junit != NULL &&
            strcmp(jobs[i].junit, jobs[0].junit) == 0) {
            log_error(
                "with several jobs, 'junit' must contain {job} (jobs '%s' and '%s' would write '%s')",
                jobs[0].name, jobs[i].name, jobs[i].junit);
            rc = -1;
        }
        if (jobs[i].report != NULL && strcmp(jobs[i].report, "-") != 0 &&
            jobs[0].report != NULL &&
            strcmp(jobs[i].report, jobs[0].report) == 0) {
            log_error(
                "with several jobs, 'report' must contain {job} (jobs '%s' and '%s' would write '%s')",
                jobs[0].name, jobs[i].name, jobs[i].report);
            rc = -1;
        }
    }
    return rc;
}

/* The checks of one resolved job beyond its values; 0 or -1. */
static int
lint_job(const struct config *c, const struct job_config *jc, bool say_ok,
         struct config_errs *seen)
{
    struct stat st;
    int rc = 0;

    if (jc->source == NULL) {
        /* An invalid source value was reported with the config errors. */
        if (config_raw_value(c, jc->name, CK_SOURCE) == NULL)
            log_error("job '%s': no source (set source = /path)", jc->name);
        rc = -1;
    } else if (source_is_local(jc->source) && /* remote: not fetched */
               ((errno = 0, stat(jc->source, &st)) != 0 ||
                !S_ISDIR(st.st_mode) || access(jc->source, R_OK | X_OK) != 0)) {
        log_error("job '%s': source folder '%s' is not a readable folder: %s",
                  jc->name, jc->source,
                  errno != 0 ? strerror(errno) : "not a folder");
        rc = -1;
    }
    if (jc->ca_file != NULL && access(jc->ca_file, R_OK) != 0) {
        log_error("job '%s': ca_file '%s' is not readable: %s", jc->name,
                  jc->ca_file, strerror(errno));
        rc = -1;
    }
    if (jc->probes != NULL) {
        struct probe_set set = {0};

        if (probe_load_dir_each(jc->probes, &set, on_probe_error, seen) != 0)
            rc = -1;
        else if (say_ok)
            printf("job '%s': %zu probe%s in '%s' ok\n", jc->name, set.n,
                   set.n == 1 ? "" : "s", jc->probes);
        probe_set_release(&set);
    }
    if (lint_command(jc, "alert_exec", jc->alert_exec) != 0)
        rc = -1;
    if (lint_tools(jc) != 0)
        rc = -1;
    if (rc == 0 && say_ok) {
        char *shown = redact_url(jc->source);

        printf("job '%s': ok (source '%s'%s%s%s)\n", jc->name,
               shown != NULL ? shown : "?", jc->pattern ? ", pattern '" : "",
               jc->pattern ? jc->pattern : "", jc->pattern ? "'" : "");
        free(shown);
    }
    return rc;
}

/*
 * Resolve every job of ${c}, collecting every config error (the file's own
 * first) into ${errs}; the jobs in ${jobs} (each released by the caller).
 */
static int
lint_resolve(const struct config *c, const struct run_opts *o,
             struct job_config **jobs, size_t *n, struct config_errs *errs)
{
    struct rd_err err = {0};
    const char **names = NULL;
    int rc = 0;

    *jobs = NULL;
    *n = 0;
    for (size_t i = 0; i < c->load_errors.n; i++)
        if (config_errs_add(errs, &c->load_errors.v[i]) != 0)
            return -1;
    /* Nothing to resolve: say why once (the file's errors, or no jobs). */
    if (config_check_jobs(c, &err) != 0) {
        if (errs->n == 0)
            (void)config_errs_add(errs, &err);
        return -1;
    }
    if (config_job_names(c, o->only_job, &names, n, &err) != 0) {
        (void)config_errs_add(errs, &err);
        return -1;
    }
    if (*n > 1 && c->flags.val[CK_SOURCE] != NULL) {
        rd_err_set(&err, RD_USAGE,
                   "--source with a config of %zu jobs needs --job NAME", *n);
        (void)config_errs_add(errs, &err);
        rc = -1;
    }
    *jobs = calloc(*n, sizeof(**jobs));
    if (*jobs == NULL) {
        free(names);
        *n = 0;
        rd_err_set(&err, RD_INTERNAL, "out of memory");
        (void)config_errs_add(errs, &err);
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        if (config_resolve_all(c, names[i], &(*jobs)[i], errs) != 0)
            rc = -1;
    free(names);
    return rc != 0 || errs->n > 0 ? -1 : 0;
}

int
run_lint(const struct config *c, const struct run_opts *o)
{
    struct config_errs errs = {0}, seen = {0};
    struct job_config *jobs;
    size_t n;
    int rc = RD_ST_OK;

    if (lint_resolve(c, o, &jobs, &n, &errs) != 0)
        rc = RD_ST_UNKNOWN;
    print_config_errors(&errs, c->path);
    /* "ok" lines only when no config error can concern the job. */
    for (size_t i = 0; i < n; i++)
        if (jobs[i].name != NULL &&
            lint_job(c, &jobs[i], !o->quiet && errs.n == 0, &seen) != 0)
            rc = RD_ST_UNKNOWN;
    if (lint_shared_outputs(jobs, n) != 0)
        rc = RD_ST_UNKNOWN;
    if (rc == RD_ST_OK && !o->quiet)
        printf("%s: %zu job%s ok\n", c->path != NULL ? c->path : "flags", n,
               n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        job_config_release(&jobs[i]);
    free(jobs);
    config_errs_release(&errs);
    config_errs_release(&seen);
    return rc;
}
