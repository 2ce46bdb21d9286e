/* fuzz_config: a whole config file into job settings (the layer above the
 * INI reader: sections, keys, layering, every value's check, as lint and
 * verify resolve them). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"
#include "verifier/config.h"
#include "verifier/util/http.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What config_resolve() gave ${name} obeys config.h. */
static void
check_job(const struct job_config *j, const char *name)
{
    char why[160];

    if (j->name == NULL || strcmp(j->name, name) != 0 || j->target == NULL ||
        j->state_dir == NULL || j->run_as == NULL || j->run_as[0] == '\0')
        abort();
    if (j->source != NULL && j->source[0] == '\0')
        abort();
    if (j->report != NULL && j->report[0] == '\0')
        abort();
    if (j->probes != NULL && j->probes[0] == '\0')
        abort();
    if (j->max_archive_age_s < 0 || j->min_size < 0 || j->min_age_s < 0 ||
        j->decode_memory_limit < 0 || j->probe_timeout_s <= 0 ||
        j->restore_timeout_s < 0 || j->drift_exact_rows < 0 ||
        !(j->max_shrink >= 0 && j->max_shrink <= 1) || j->alert_timeout_s < 1 ||
        j->alert_timeout_s > 3600)
        abort();
    if (j->alert_on != RD_ST_WARNING && j->alert_on != RD_ST_CRITICAL)
        abort();
    if ((j->alert_webhook != NULL &&
         http_url_check(j->alert_webhook, why, sizeof(why)) != 0) ||
        (j->ping_url != NULL &&
         http_url_check(j->ping_url, why, sizeof(why)) != 0))
        abort();
    /* lint runs alert_exec's program name: it splits. */
    if (j->alert_exec != NULL) {
        struct rd_err err = {0};
        char **argv;
        size_t argc;

        if (cmdline_split(j->alert_exec, &argv, &argc, &err) != 0 ||
            argv[0][0] == '\0')
            abort();
        cmdline_free(argv);
    }
}

/* An error of the file or of a value: says what, and where. */
static void
check_err(const struct rd_err *e, const char *path)
{
    if (e->code == RD_OK || e->msg[0] == '\0' ||
        (e->code == RD_CONFIG_INVALID && strstr(e->msg, path) == NULL &&
         strstr(e->msg, "--") == NULL))
        abort();
}

/* Resolve ${name} as lint does (every bad value), and as verify does. */
static void
resolve(const struct config *c, const char *name, const char *path)
{
    struct config_errs errs = {0};
    struct job_config j;
    struct rd_err first = {0};
    int rc = config_resolve_all(c, name, &j, &errs), rc1;

    if (rc == 0) {
        if (errs.n != 0)
            abort();
        check_job(&j, name);
        /* A flag wins over the file. */
        if (c->flags.val[CK_MAX_ARCHIVE_AGE] != NULL &&
            j.max_archive_age_s != 26 * 3600)
            abort();
    } else if (rc != -1 || errs.n == 0) {
        abort();
    }
    for (size_t i = 0; i < errs.n; i++) {
        check_err(&errs.v[i], path);
        for (size_t k = 0; k < i; k++) /* each message once */
            if (strcmp(errs.v[i].msg, errs.v[k].msg) == 0)
                abort();
    }
    job_config_release(&j);
    /* verify stops at the first of the same errors. */
    rc1 = config_resolve(c, name, &j, &first);
    if (rc1 != rc || (rc != 0 && strcmp(first.msg, errs.v[0].msg) != 0))
        abort();
    job_config_release(&j);
    config_errs_release(&errs);
    for (int k = 0; k < CK_COUNT; k++)
        (void)config_raw_value(c, name, (enum config_key)k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path("fuzz.conf");
    struct rd_err err = {0};
    struct config c;
    const char **names = NULL;
    size_t n = 0;
    int rc;

    fuzz_write(path, data, size);
    config_init(&c);
    /* The whole file is read: every error kept, the first one returned,
     * and what could be read is resolved below, as lint does. */
    rc = config_load_file(&c, path, &err);
    if (rc == 0 ? c.load_errors.n != 0
                : (rc != -1 || err.code != RD_CONFIG_INVALID ||
                   c.load_errors.n == 0 ||
                   strcmp(c.load_errors.v[0].msg, err.msg) != 0))
        abort();
    for (size_t i = 0; i < c.load_errors.n; i++)
        check_err(&c.load_errors.v[i], path);
    if (config_check_jobs(&c, &err) != 0) {
        check_err(&err, path);
    } else if (config_job_names(&c, NULL, &names, &n, &err) == 0) {
        if (n == 0)
            abort();
        for (size_t i = 0; i < n; i++)
            resolve(&c, names[i], path);
        free(names);
    } else {
        check_err(&err, path);
    }
    resolve(&c, "default", path);
    /* The same with a command-line override on top. */
    if (config_set_flag(&c, CK_MAX_ARCHIVE_AGE, "26h", &err) != 0)
        abort();
    if (c.njobs > 0)
        resolve(&c, c.jobs[0].name, path);
    config_release(&c);
    return 0;
}
