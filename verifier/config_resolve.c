/* config_resolve: one job's settings layered and validated (and the job list).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "verifier/util/cmdline.h"
#include "verifier/util/duration.h"
#include "verifier/util/http.h"
#include "verifier/util/pattern.h"
#include "restore/source/retention.h"
#include "restore/source/source.h"

#include "verifier/config_int.h"

static const struct config_scope *
find_job(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->njobs; i++)
        if (strcmp(c->jobs[i].name, name) == 0)
            return &c->jobs[i];
    return NULL;
}

void
job_config_release(struct job_config *j)
{
    if (j == NULL)
        return;
    free(j->name);
    free(j->target);
    free(j->state_dir);
    free(j->run_as);
    free(j->deltas_words);
    free(j->source);
    free(j->pattern);
    free(j->report);
    free(j->probes);
    free(j->junit);
    free(j->metrics);
    free(j->alert_exec);
    free(j->alert_webhook);
    free(j->ping_url);
    free(j->ca_file);
    free(j->path);
    free(j->restic_tag);
    free(j->restic_host);
    free(j->tarsnap_keyfile);
    free(j->tarsnap_cachedir);
    free(j->list_command);
    free(j->fetch_command);
    free(j->globals);
    free(j->s3_endpoint);
    free(j->s3_region);
    free(j->decrypt_command);
    memset(j, 0, sizeof(*j));
}

char *
config_expand_job(const char *tmpl, const char *job)
{
    size_t n = 0, jl = strlen(job);
    const char *p;
    char *out, *o;

    for (p = tmpl; (p = strstr(p, "{job}")) != NULL; p += 5)
        n++;
    out = malloc(strlen(tmpl) + n * jl + 1);
    if (out == NULL)
        return NULL;
    for (o = out, p = tmpl; *p != '\0';) {
        if (strncmp(p, "{job}", 5) == 0) {
            memcpy(o, job, jl);
            o += jl;
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* Let the source's driver parse the value (source_check(): a scheme without
 * a driver is refused here, at config time). */
static int
check_source(const char *v, const char *origin, char **out, struct rd_err *err)
{
    struct rd_err e = {0};

    if (source_check(v, out, &e) != 0)
        return rd_err_set(err, e.code, "%s: %s", origin, e.msg);
    return 0;
}

/* target, run_as, source, pattern; false when resolving must stop. */
static bool
where_values(struct resolve *rs, struct job_config *out)
{
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};

    if (strcmp(out->target, "ephemeral") != 0) {
        char *perr = NULL;
        PQconninfoOption *o = PQconninfoParse(out->target, &perr);

        if (o == NULL) {
            rd_err_set(
                &e, RD_CONFIG_INVALID,
                "%s: invalid target (use 'ephemeral' or a libpq conninfo/URI): %s",
                org[CK_TARGET], perr != NULL ? perr : "out of memory");
            PQfreemem(perr);
            if (!keep(rs, &e))
                return false;
        }
        PQconninfoFree(o);
    }
    if (out->run_as[0] == '\0') {
        rd_err_set(&e, RD_CONFIG_INVALID, "%s: empty run_as", org[CK_RUN_AS]);
        if (!keep(rs, &e))
            return false;
    }
    if (val[CK_DELTAS] != NULL) {
        struct rd_err why = {0};

        if ((out->deltas_words = strdup(val[CK_DELTAS])) == NULL)
            return no_memory(rs);
        if (retention_parse(val[CK_DELTAS], out->deltas_s, &out->ndeltas,
                            &why) != 0) {
            rd_err_set(&e, RD_CONFIG_INVALID, "%s: %s", org[CK_DELTAS],
                       why.msg);
            if (!keep(rs, &e))
                return false;
        }
    }
    if (val[CK_SANDBOX] != NULL) {
        static const char *const modes[] = {"auto", "required", "off", NULL};
        int i;

        if (one_of(CK_SANDBOX, val, org, modes, &i, &e) == 0)
            (void)sandbox_mode_parse(val[CK_SANDBOX], &out->sandbox);
        else if (!keep(rs, &e))
            return false;
    }
    if (val[CK_SOURCE] != NULL &&
        check_source(val[CK_SOURCE], org[CK_SOURCE], &out->source, &e) != 0 &&
        !keep(rs, &e))
        return false;
    if (val[CK_PATTERN] != NULL) {
        char perr[256];

        if (pattern_check(val[CK_PATTERN], perr, sizeof(perr)) != 0) {
            rd_err_set(&e, RD_CONFIG_INVALID, "%s: invalid pattern '%s': %s",
                       org[CK_PATTERN], val[CK_PATTERN], perr);
            if (!keep(rs, &e))
                return false;
        } else if ((out->pattern = strdup(val[CK_PATTERN])) == NULL) {
            return no_memory(rs);
        }
    }
    return true;
}

/* report, junit, metrics, probes; false when resolving must stop. */
static bool
output_values(struct resolve *rs, const char *job, struct job_config *out)
{
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};

    if (val[CK_JUNIT] != NULL &&
        (out->junit = config_expand_job(val[CK_JUNIT], job)) == NULL)
        return no_memory(rs);
    if (val[CK_METRICS] != NULL &&
        (out->metrics = config_expand_job(val[CK_METRICS], job)) == NULL)
        return no_memory(rs);
    if (val[CK_REPORT] != NULL && val[CK_REPORT][0] == '\0') {
        rd_err_set(&e, RD_CONFIG_INVALID, "%s: empty report path",
                   org[CK_REPORT]);
        if (!keep(rs, &e))
            return false;
    } else if (val[CK_REPORT] != NULL &&
               (out->report = config_expand_job(val[CK_REPORT], job)) == NULL) {
        return no_memory(rs);
    }
    if (val[CK_PROBES] != NULL && val[CK_PROBES][0] == '\0') {
        rd_err_set(&e, RD_CONFIG_INVALID, "%s: empty probes folder",
                   org[CK_PROBES]);
        if (!keep(rs, &e))
            return false;
    } else if (val[CK_PROBES] != NULL &&
               (out->probes = strdup(val[CK_PROBES])) == NULL) {
        return no_memory(rs);
    }
    return true;
}

/* The durations, sizes, counts and max_shrink; false when it must stop. */
static bool
number_values(struct resolve *rs, struct job_config *out)
{
    static const struct {
        enum config_key k;
        int64_t def;
        size_t off;
    } nums[] = {
        {CK_MAX_ARCHIVE_AGE, 0, offsetof(struct job_config, max_archive_age_s)},
        {CK_MIN_SIZE, 1, offsetof(struct job_config, min_size)},
        {CK_MIN_AGE, 0, offsetof(struct job_config, min_age_s)},
        {CK_DECODE_MEMORY_LIMIT, (int64_t)256 << 20,
         offsetof(struct job_config, decode_memory_limit)},
        {CK_PROBE_TIMEOUT, 60, offsetof(struct job_config, probe_timeout_s)},
        {CK_DRIFT_EXACT_ROWS, 1000000,
         offsetof(struct job_config, drift_exact_rows)},
        {CK_RESTORE_TIMEOUT, 6 * 3600,
         offsetof(struct job_config, restore_timeout_s)},
        {CK_MAX_UNPACKED_SIZE, 0,
         offsetof(struct job_config, max_unpacked_size)},
        {CK_STALL_TIMEOUT, 60, offsetof(struct job_config, stall_timeout_s)},
        {CK_FETCH_RETRIES, 2, offsetof(struct job_config, fetch_retries)},
    };
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};

    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        int64_t *dst = (int64_t *)(void *)((char *)out + nums[i].off);

        if (number_value(nums[i].k, val, org, nums[i].def, dst, &e) != 0) {
            *dst = nums[i].def;
            if (!keep(rs, &e))
                return false;
        }
    }
    if (out->probe_timeout_s <= 0) {
        rd_err_set(&e, RD_CONFIG_INVALID,
                   "%s: probe_timeout must be more than 0s",
                   org[CK_PROBE_TIMEOUT]);
        if (!keep(rs, &e))
            return false;
    }
    out->max_shrink = 0.5;
    if (val[CK_MAX_SHRINK] != NULL) {
        char *end;
        double v = strtod(val[CK_MAX_SHRINK], &end);

        if (end == val[CK_MAX_SHRINK] || strcmp(end, "%") != 0 || v < 0 ||
            v > 100) {
            rd_err_set(
                &e, RD_CONFIG_INVALID,
                "%s: invalid max_shrink '%s' (a percentage from 0%% to 100%%, e.g. 50%%)",
                org[CK_MAX_SHRINK], val[CK_MAX_SHRINK]);
            return keep(rs, &e);
        }
        out->max_shrink = v / 100.0;
    }
    return true;
}

int
config_resolve_all(const struct config *c, const char *job_name,
                   struct job_config *out, struct config_errs *errs)
{
    struct resolve rs = {.errs = errs};
    const struct config_scope *layers[3];
    struct rd_err e = {0};
    char buf[4096];

    memset(out, 0, sizeof(*out));
    layers[0] = &c->defaults;
    layers[1] = find_job(c, job_name);
    layers[2] = &c->flags;
    if (layers[1] == NULL && strcmp(job_name, "default") != 0) {
        rd_err_set(&e, RD_USAGE, "no job '%s' in %s", job_name,
                   c->path != NULL ? c->path : "the configuration");
        (void)keep(&rs, &e);
        return -1;
    }
    for (int l = 0; l < 3; l++) {
        if (layers[l] == NULL)
            continue;
        for (int k = 0; k < CK_COUNT; k++) {
            if (layers[l]->val[k] != NULL) {
                rs.val[k] = layers[l]->val[k];
                rs.org[k] = layers[l]->origin[k];
            }
        }
    }
    for (int k = 0; k < CK_COUNT && !rs.stop; k++) {
        if (rs.val[k] != NULL && !KEY(k)->implemented) {
            rd_err_set(
                &e, RD_CONFIG_INVALID,
                "%s: '%s' is not supported by restoredrill %s yet\nHINT: remove it; restoredrill refuses settings it would silently ignore",
                rs.org[k], KEY(k)->name, RD_VERSION);
            (void)keep(&rs, &e);
        }
    }
    if (rs.stop)
        return -1;

    out->name = strdup(job_name);
    out->target =
        strdup(rs.val[CK_TARGET] != NULL ? rs.val[CK_TARGET] : "ephemeral");
    out->state_dir = strdup(rs.val[CK_STATE_DIR] != NULL
                                ? rs.val[CK_STATE_DIR]
                                : config_default_state_dir(buf, sizeof(buf)));
    out->run_as =
        strdup(rs.val[CK_RUN_AS] != NULL ? rs.val[CK_RUN_AS] : "restoredrill");
    if (out->name == NULL || out->target == NULL || out->state_dir == NULL ||
        out->run_as == NULL)
        return no_memory(&rs), -1;
    if (where_values(&rs, out) && output_values(&rs, job_name, out) &&
        number_values(&rs, out)) {
        alert_values(&rs, out);
        fetch_values(&rs, out);
        tool_values(&rs, out);
        target_values(&rs, out);
    }
    return rs.failed ? -1 : 0;
}

int
config_resolve(const struct config *c, const char *job_name,
               struct job_config *out, struct rd_err *err)
{
    struct config_errs errs = {0};
    int rc = config_resolve_all(c, job_name, out, &errs);

    if (rc != 0) {
        if (errs.n > 0 && err != NULL)
            *err = errs.v[0];
        else if (errs.n == 0)
            rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    config_errs_release(&errs);
    return rc;
}

int
config_check_jobs(const struct config *c, struct rd_err *err)
{
    if (c->path == NULL || c->njobs > 0 ||
        config_raw_value(c, "default", CK_SOURCE) != NULL)
        return 0;
    return rd_err_set(
        err, RD_CONFIG_INVALID,
        "no jobs in %s: it has no '[job NAME]' section\nHINT: add one, e.g. '[job app]' with 'source = /path/to/backups' (or pass --source)",
        c->path);
}

int
config_job_names(const struct config *c, const char *only, const char ***names,
                 size_t *n, struct rd_err *err)
{
    const char **v;

    *names = NULL;
    *n = 0;
    if (only != NULL) {
        if (find_job(c, only) == NULL &&
            (strcmp(only, "default") != 0 || c->njobs > 0))
            return rd_err_set(err, RD_USAGE, "no job '%s' in %s", only,
                              c->path != NULL ? c->path : "the configuration");
        v = malloc(sizeof(*v));
        if (v == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        v[0] = only;
        *names = v;
        *n = 1;
        return 0;
    }
    v = malloc((c->njobs > 0 ? c->njobs : 1) * sizeof(*v));
    if (v == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (c->njobs == 0) {
        v[0] = "default";
        *n = 1;
    } else {
        for (size_t i = 0; i < c->njobs; i++)
            v[i] = c->jobs[i].name;
        *n = c->njobs;
    }
    *names = v;
    return 0;
}

const char *
config_raw_value(const struct config *c, const char *job, enum config_key key)
{
    const struct config_scope *j = find_job(c, job);

    if (c->flags.val[key] != NULL)
        return c->flags.val[key];
    if (j != NULL && j->val[key] != NULL)
        return j->val[key];
    return c->defaults.val[key];
}
