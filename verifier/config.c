/* config: the key table, INI files and flags layered into per-job settings. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "verifier/cmdline.h"
#include "verifier/duration.h"
#include "verifier/http.h"
#include "verifier/ini.h"
#include "verifier/pattern.h"

#include "verifier/config.h"

#define JOB_NAME_MAX 40

static const struct config_key_info keys[CK_COUNT] = {
    [CK_TARGET] =
        {"target", CT_STRING, true,
         "where to restore: 'ephemeral' (a throwaway cluster) or a libpq conninfo/URI"},
    [CK_STATE_DIR] =
        {"state_dir", CT_PATH, true,
         "state: locks and last reports (root: /var/lib/restoredrill)"},
    [CK_RUN_AS] =
        {"run_as", CT_STRING, true,
         "OS user for the ephemeral server and client tools when run as root"},
    [CK_SOURCE] = {"source", CT_STRING, true,
                   "where archives live: /path or file:///path"},
    [CK_PATTERN] =
        {"pattern", CT_STRING, true,
         "archive name pattern with strftime fields, e.g. app_%Y%m%d-%H%M*"},
    [CK_MAX_ARCHIVE_AGE] =
        {"max_archive_age", CT_DURATION, true,
         "newest archive older than this is critical (0s: off)"},
    [CK_MIN_SIZE] =
        {"min_size", CT_SIZE, true,
         "newest archive smaller than this is critical (default 1)"},
    [CK_MIN_AGE] =
        {"min_age", CT_DURATION, true,
         "skip files modified less than this ago (still being written)"},
    [CK_REPORT] =
        {"report", CT_PATH, true,
         "JSON report path ('-' = stdout; {job} expands to the job name)"},
    [CK_DECODE_MEMORY_LIMIT] =
        {"decode_memory_limit", CT_SIZE, true,
         "memory a decompressor may use (zstd window, xz dictionary); default 256M"},
    [CK_PATH] = {"path", CT_STRING, false, "dump file inside a tool archive"},
    [CK_CHECKSUM] = {"checksum", CT_STRING, false, "sha256 sidecar check"},
    [CK_DECRYPT_COMMAND] = {"decrypt_command", CT_STRING, false,
                            "decrypt filter"},
    [CK_GLOBALS] = {"globals", CT_PATH, false,
                    "pg_dumpall --globals-only file"},
    [CK_PROBES] = {"probes", CT_PATH, true,
                   "folder of SQL probe files (*.sql), run after the restore"},
    [CK_PROBE_TIMEOUT] = {"probe_timeout", CT_DURATION, true,
                          "default timeout of each probe (default 60s)"},
    [CK_MAX_SHRINK] =
        {"max_shrink", CT_PERCENT, true,
         "drift: a table that shrank by more than this is a warning (default 50%)"},
    [CK_DRIFT_EXACT_ROWS] =
        {"drift_exact_rows", CT_COUNT, true,
         "drift: exact count(*) for tables estimated below this many rows (default 1000000)"},
    [CK_RESTORE_TIMEOUT] =
        {"restore_timeout", CT_DURATION, true,
         "deadline of the restore and the queries after it (default 6h, 0s: none)"},
    [CK_RTO] = {"rto", CT_DURATION, false, "recovery-time objective"},
    [CK_DEEP_CHECK] = {"deep_check", CT_STRING, false, "pg_amcheck"},
    [CK_JUNIT] = {"junit", CT_PATH, true,
                  "JUnit XML path ({job} = job name), for CI systems"},
    [CK_METRICS] =
        {"metrics", CT_PATH, true,
         "Prometheus textfile path (node_exporter textfile collector; may be shared by jobs)"},
    [CK_ALERT_ON] =
        {"alert_on", CT_STRING, true,
         "alert at this status or worse: warning (default) or critical; unknown always alerts"},
    [CK_ALERT_EXEC] =
        {"alert_exec", CT_STRING, true,
         "program (and arguments) run on an alert; no shell; report JSON on stdin"},
    [CK_ALERT_WEBHOOK] = {"alert_webhook", CT_STRING, true,
                          "http(s) URL the alert is POSTed to"},
    [CK_WEBHOOK_FORMAT] = {"webhook_format", CT_STRING, true,
                           "webhook body: json (default) or slack"},
    [CK_ALERT_TIMEOUT] =
        {"alert_timeout", CT_DURATION, true,
         "limit for the alert program and for each HTTP try (default 30s)"},
    [CK_ALERT_REPEAT] =
        {"alert_repeat", CT_STRING, true,
         "once (default: the same failure alerts once) or always"},
    [CK_PING_URL] =
        {"ping_url", CT_STRING, true,
         "dead-man's switch: URL/start when a run begins, URL/EXIT_CODE at its end"},
    [CK_S3_ENDPOINT] = {"s3_endpoint", CT_STRING, false, "S3 endpoint"},
    [CK_S3_REGION] = {"s3_region", CT_STRING, false, "S3 region"},
    [CK_S3_URI_STYLE] = {"s3_uri_style", CT_STRING, false, "path|host"},
    [CK_TARSNAP_KEYFILE] = {"tarsnap_keyfile", CT_PATH, false, "tarsnap key"},
    [CK_TARSNAP_CACHEDIR] = {"tarsnap_cachedir", CT_PATH, false,
                             "tarsnap cache"},
    [CK_RESTIC_TAG] = {"restic_tag", CT_STRING, false, "restic tag"},
    [CK_RESTIC_HOST] = {"restic_host", CT_STRING, false, "restic host"},
    [CK_LIST_COMMAND] = {"list_command", CT_STRING, false, "exec source list"},
    [CK_FETCH_COMMAND] = {"fetch_command", CT_STRING, false,
                          "exec source fetch"},
};

const struct config_key_info *
config_key_info(enum config_key k)
{
    return &keys[k];
}

int
config_key_lookup(const char *name)
{
    for (int k = 0; k < CK_COUNT; k++) {
        const char *a = keys[k].name, *b = name;

        while (*a != '\0' && (*a == *b || (*a == '_' && *b == '-'))) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return k;
    }
    return -1;
}

static void
scope_release(struct config_scope *s)
{
    free(s->name);
    for (int k = 0; k < CK_COUNT; k++) {
        free(s->val[k]);
        free(s->origin[k]);
    }
    memset(s, 0, sizeof(*s));
}

void
config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
}

void
config_release(struct config *c)
{
    if (c == NULL)
        return;
    free(c->path);
    scope_release(&c->defaults);
    for (size_t i = 0; i < c->njobs; i++)
        scope_release(&c->jobs[i]);
    free(c->jobs);
    scope_release(&c->flags);
    memset(c, 0, sizeof(*c));
}

/* Job names end up in file names, lock names and database names. */
static bool
valid_job_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > JOB_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
            s[i] != '.')
            return false;
    return s[0] != '.' && s[0] != '-';
}

struct load_ctx {
    struct config *c;
    const char *path;
    struct config_scope *cur; /* NULL before the first section */
};

static int
scope_set(struct config_scope *s, enum config_key k, const char *value,
          const char *origin)
{
    char *v = strdup(value), *o = strdup(origin);

    if (v == NULL || o == NULL) {
        free(v);
        free(o);
        return -1;
    }
    free(s->val[k]);
    free(s->origin[k]);
    s->val[k] = v;
    s->origin[k] = o;
    return 0;
}

/* ini_handler: sections and keys into scopes, refusing anything unknown. */
static int
on_ini(void *vctx, const char *section, const char *key, const char *value,
       int lineno, char *errbuf, size_t errlen)
{
    struct load_ctx *ctx = vctx;
    struct config *c = ctx->c;
    char origin[4200];
    int k;

    if (key == NULL) {
        const char *name;

        if (strcmp(section, "defaults") == 0) {
            if (c->defaults.name != NULL) {
                snprintf(errbuf, errlen, "section '[defaults]' appears twice");
                return -1;
            }
            c->defaults.name = strdup("defaults");
            ctx->cur = &c->defaults;
            return c->defaults.name == NULL ? -1 : 0;
        }
        if (strncmp(section, "job", 3) != 0 ||
            !isspace((unsigned char)section[3])) {
            snprintf(
                errbuf, errlen,
                "unknown section '[%s]' (use '[defaults]' or '[job NAME]')",
                section);
            return -1;
        }
        name = section + 3;
        while (isspace((unsigned char)*name))
            name++;
        if (!valid_job_name(name)) {
            snprintf(
                errbuf, errlen,
                "invalid job name '%s' (1-%d characters: letters, digits, '_', '-', '.')",
                name, JOB_NAME_MAX);
            return -1;
        }
        for (size_t i = 0; i < c->njobs; i++) {
            if (strcmp(c->jobs[i].name, name) == 0) {
                snprintf(errbuf, errlen, "job '%s' is defined twice", name);
                return -1;
            }
        }
        struct config_scope *nj =
            realloc(c->jobs, (c->njobs + 1) * sizeof(*c->jobs));
        if (nj == NULL)
            return -1;
        c->jobs = nj;
        memset(&c->jobs[c->njobs], 0, sizeof(c->jobs[0]));
        c->jobs[c->njobs].name = strdup(name);
        if (c->jobs[c->njobs].name == NULL)
            return -1;
        ctx->cur = &c->jobs[c->njobs++];
        return 0;
    }

    if (ctx->cur == NULL) {
        snprintf(
            errbuf, errlen,
            "key '%s' outside a section (put it under '[defaults]' or '[job NAME]')",
            key);
        return -1;
    }
    k = config_key_lookup(key);
    if (k < 0 || strchr(key, '-') != NULL) {
        snprintf(errbuf, errlen, "unknown key '%s'", key);
        return -1;
    }
    if (ctx->cur->val[k] != NULL) {
        snprintf(errbuf, errlen,
                 "key '%s' is set twice in '[%s]' (first at %s)", key, section,
                 ctx->cur->origin[k]);
        return -1;
    }
    snprintf(origin, sizeof(origin), "%s:%d", ctx->path, lineno);
    return scope_set(ctx->cur, (enum config_key)k, value, origin);
}

int
config_load_file(struct config *c, const char *path, struct rd_err *err)
{
    struct load_ctx ctx = {c, path, NULL};
    char msg[RD_ERR_MSG_MAX];

    free(c->path);
    c->path = strdup(path);
    if (ini_parse_file(path, on_ini, &ctx, msg, sizeof(msg)) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID, "%s", msg);
    return 0;
}

const char *
config_find_default_file(void)
{
    if (access("restoredrill.conf", F_OK) == 0)
        return "restoredrill.conf";
    if (access("/etc/restoredrill.conf", F_OK) == 0)
        return "/etc/restoredrill.conf";
    return NULL;
}

int
config_set_flag(struct config *c, enum config_key key, const char *value,
                struct rd_err *err)
{
    char origin[64], *o;

    snprintf(origin, sizeof(origin), "--%s", keys[key].name);
    for (o = origin; *o != '\0'; o++)
        if (*o == '_')
            *o = '-';
    if (scope_set(&c->flags, key, value, origin) != 0)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    return 0;
}

char *
config_default_state_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

    if (geteuid() == 0)
        snprintf(buf, len, "/var/lib/restoredrill");
    else if (xdg != NULL && xdg[0] == '/')
        snprintf(buf, len, "%s/restoredrill", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(buf, len, "%s/.local/state/restoredrill", home);
    else {
        struct passwd *pw = getpwuid(geteuid());

        snprintf(buf, len, "%s/.local/state/restoredrill",
                 pw != NULL ? pw->pw_dir : "/tmp");
    }
    return buf;
}

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
    free(j->source);
    free(j->pattern);
    free(j->report);
    free(j->probes);
    free(j->junit);
    free(j->metrics);
    free(j->alert_exec);
    free(j->alert_webhook);
    free(j->ping_url);
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

/* Turn a source value into a local path, or refuse schemes not built yet. */
static int
check_source(const char *v, const char *origin, char **out, struct rd_err *err)
{
    static const char *const later[] = {"http://",  "https://", "s3://",
                                        "tarsnap:", "restic:",  "borg:",
                                        "exec:",    NULL};

    if (strncmp(v, "file://", 7) == 0) {
        if (v[7] != '/')
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid source '%s' (use file:///absolute/path)", origin,
                v);
        *out = strdup(v + 7);
        return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
    }
    for (int i = 0; later[i] != NULL; i++) {
        if (strncmp(v, later[i], strlen(later[i])) == 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: sources of type '%.*s' are not supported by restoredrill %s yet\nHINT: copy the archives to a local folder and use source = /path",
                origin, (int)strcspn(later[i], ":"), later[i], RD_VERSION);
    }
    if (strstr(v, "://") != NULL)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "%s: unknown source scheme in '%s'", origin, v);
    if (v[0] == '\0')
        return rd_err_set(err, RD_CONFIG_INVALID, "%s: empty source", origin);
    *out = strdup(v);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

/* Parse key ${k} (a duration or a size) into ${out}, or ${def} when unset. */
static int
number_value(enum config_key k, const char *const *val, const char *const *org,
             int64_t def, int64_t *out, struct rd_err *err)
{
    int64_t n;

    *out = def;
    if (val[k] == NULL)
        return 0;
    if (keys[k].type == CT_COUNT) {
        char *end;
        long long v = strtoll(val[k], &end, 10);

        if (end == val[k] || *end != '\0' || v < 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid number '%s' for '%s' (a whole number >= 0)",
                org[k], val[k], keys[k].name);
        n = (int64_t)v;
    } else if (keys[k].type == CT_DURATION) {
        if (duration_parse(val[k], &n) != 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid duration '%s' for '%s' (use a whole number and one unit: 90s, 15m, 26h, 7d)",
                org[k], val[k], keys[k].name);
    } else if (size_parse(val[k], &n) != 0) {
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "%s: invalid size '%s' for '%s' (use e.g. 1, 512k, 10M, 1G)",
            org[k], val[k], keys[k].name);
    }
    *out = n;
    return 0;
}

/* ${val} must be one of the NULL-terminated ${allowed}; its index in ${idx}.
 */
static int
one_of(enum config_key k, const char *const *val, const char *const *org,
       const char *const *allowed, int *idx, struct rd_err *err)
{
    char list[128] = "";

    for (int i = 0; allowed[i] != NULL; i++) {
        if (strcmp(val[k], allowed[i]) == 0) {
            *idx = i;
            return 0;
        }
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                 i > 0 ? ", " : "", allowed[i]);
    }
    return rd_err_set(err, RD_CONFIG_INVALID,
                      "%s: invalid %s '%s' (use one of: %s)", org[k],
                      keys[k].name, val[k], list);
}

/* An http(s) URL of key ${k}, copied into ${out}. */
static int
url_value(enum config_key k, const char *const *val, const char *const *org,
          char **out, struct rd_err *err)
{
    char why[160];

    if (val[k] == NULL)
        return 0;
    /* The URL is not repeated: its path may be a token (Slack, healthchecks).
     */
    if (http_url_check(val[k], why, sizeof(why)) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID, "%s: invalid %s: %s", org[k],
                          keys[k].name, why);
    *out = strdup(val[k]);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

/* alert_on, alert_exec, alert_webhook, webhook_format, alert_timeout,
 * alert_repeat and ping_url. */
static int
alert_values(const char *const *val, const char *const *org,
             struct job_config *out, struct rd_err *err)
{
    /* unknown always alerts, so it is no threshold of its own */
    static const char *const on[] = {"warning", "critical", NULL};
    static const enum rd_status on_st[] = {RD_ST_WARNING, RD_ST_CRITICAL};
    static const char *const fmt[] = {"json", "slack", NULL};
    static const char *const rep[] = {"once", "always", NULL};
    int i;

    out->alert_on = RD_ST_WARNING;
    if (val[CK_ALERT_ON] != NULL) {
        if (one_of(CK_ALERT_ON, val, org, on, &i, err) != 0)
            return -1;
        out->alert_on = on_st[i];
    }
    if (val[CK_WEBHOOK_FORMAT] != NULL) {
        if (one_of(CK_WEBHOOK_FORMAT, val, org, fmt, &i, err) != 0)
            return -1;
        out->webhook_slack = i == 1;
    }
    if (val[CK_ALERT_REPEAT] != NULL) {
        if (one_of(CK_ALERT_REPEAT, val, org, rep, &i, err) != 0)
            return -1;
        out->alert_repeat_always = i == 1;
    }
    if (number_value(CK_ALERT_TIMEOUT, val, org, 30, &out->alert_timeout_s,
                     err) != 0)
        return -1;
    if (out->alert_timeout_s < 1 || out->alert_timeout_s > 3600)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "%s: alert_timeout must be from 1s to 1h",
                          org[CK_ALERT_TIMEOUT]);
    if (val[CK_ALERT_EXEC] != NULL) {
        char **argv;
        size_t argc;
        struct rd_err e = {0};

        if (cmdline_split(val[CK_ALERT_EXEC], &argv, &argc, &e) != 0)
            return rd_err_set(err, e.code, "%s: alert_exec: %s",
                              org[CK_ALERT_EXEC], e.msg);
        if (argv[0][0] == '\0') {
            cmdline_free(argv);
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "%s: alert_exec: empty program name",
                              org[CK_ALERT_EXEC]);
        }
        if (argv[0][0] != '/' && strchr(argv[0], '/') != NULL) {
            rd_err_set(err, RD_CONFIG_INVALID,
                       "%s: alert_exec: '%s' is a relative path (use an "
                       "absolute path, or a bare name found on PATH)",
                       org[CK_ALERT_EXEC], argv[0]);
            cmdline_free(argv);
            return -1;
        }
        cmdline_free(argv);
        out->alert_exec = strdup(val[CK_ALERT_EXEC]);
        if (out->alert_exec == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    if (url_value(CK_ALERT_WEBHOOK, val, org, &out->alert_webhook, err) != 0 ||
        url_value(CK_PING_URL, val, org, &out->ping_url, err) != 0)
        return -1;
    return 0;
}

int
config_resolve(const struct config *c, const char *job_name,
               struct job_config *out, struct rd_err *err)
{
    const struct config_scope *layers[3];
    const char *val[CK_COUNT] = {0}, *org[CK_COUNT] = {0};
    char buf[4096];

    memset(out, 0, sizeof(*out));
    layers[0] = &c->defaults;
    layers[1] = find_job(c, job_name);
    layers[2] = &c->flags;
    if (layers[1] == NULL && strcmp(job_name, "default") != 0)
        return rd_err_set(err, RD_USAGE, "no job '%s' in %s", job_name,
                          c->path != NULL ? c->path : "the configuration");
    for (int l = 0; l < 3; l++) {
        if (layers[l] == NULL)
            continue;
        for (int k = 0; k < CK_COUNT; k++) {
            if (layers[l]->val[k] != NULL) {
                val[k] = layers[l]->val[k];
                org[k] = layers[l]->origin[k];
            }
        }
    }
    for (int k = 0; k < CK_COUNT; k++) {
        if (val[k] != NULL && !keys[k].implemented)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: '%s' is not supported by restoredrill %s yet\nHINT: remove it; restoredrill refuses settings it would silently ignore",
                org[k], keys[k].name, RD_VERSION);
    }

    out->name = strdup(job_name);
    out->target = strdup(val[CK_TARGET] != NULL ? val[CK_TARGET] : "ephemeral");
    out->state_dir = strdup(val[CK_STATE_DIR] != NULL
                                ? val[CK_STATE_DIR]
                                : config_default_state_dir(buf, sizeof(buf)));
    out->run_as = strdup(val[CK_RUN_AS] != NULL ? val[CK_RUN_AS] : "postgres");
    if (out->name == NULL || out->target == NULL || out->state_dir == NULL ||
        out->run_as == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");

    if (strcmp(out->target, "ephemeral") != 0) {
        char *perr = NULL;
        PQconninfoOption *o = PQconninfoParse(out->target, &perr);

        if (o == NULL) {
            rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid target (use 'ephemeral' or a libpq conninfo/URI): %s",
                org[CK_TARGET], perr != NULL ? perr : "out of memory");
            PQfreemem(perr);
            return -1;
        }
        PQconninfoFree(o);
    }
    if (out->run_as[0] == '\0')
        return rd_err_set(err, RD_CONFIG_INVALID, "%s: empty run_as",
                          org[CK_RUN_AS]);
    if (val[CK_SOURCE] != NULL &&
        check_source(val[CK_SOURCE], org[CK_SOURCE], &out->source, err) != 0)
        return -1;
    if (val[CK_PATTERN] != NULL) {
        char perr[256];

        if (pattern_check(val[CK_PATTERN], perr, sizeof(perr)) != 0)
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "%s: invalid pattern '%s': %s", org[CK_PATTERN],
                              val[CK_PATTERN], perr);
        out->pattern = strdup(val[CK_PATTERN]);
        if (out->pattern == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    if (val[CK_JUNIT] != NULL &&
        (out->junit = config_expand_job(val[CK_JUNIT], job_name)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (val[CK_METRICS] != NULL &&
        (out->metrics = config_expand_job(val[CK_METRICS], job_name)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (val[CK_REPORT] != NULL) {
        if (val[CK_REPORT][0] == '\0')
            return rd_err_set(err, RD_CONFIG_INVALID, "%s: empty report path",
                              org[CK_REPORT]);
        out->report = config_expand_job(val[CK_REPORT], job_name);
        if (out->report == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }

    if (number_value(CK_MAX_ARCHIVE_AGE, val, org, 0, &out->max_archive_age_s,
                     err) != 0 ||
        number_value(CK_MIN_SIZE, val, org, 1, &out->min_size, err) != 0 ||
        number_value(CK_MIN_AGE, val, org, 0, &out->min_age_s, err) != 0 ||
        number_value(CK_DECODE_MEMORY_LIMIT, val, org, (int64_t)256 << 20,
                     &out->decode_memory_limit, err) != 0 ||
        number_value(CK_PROBE_TIMEOUT, val, org, 60, &out->probe_timeout_s,
                     err) != 0 ||
        number_value(CK_DRIFT_EXACT_ROWS, val, org, 1000000,
                     &out->drift_exact_rows, err) != 0 ||
        number_value(CK_RESTORE_TIMEOUT, val, org, 6 * 3600,
                     &out->restore_timeout_s, err) != 0)
        return -1;
    if (out->probe_timeout_s <= 0)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "%s: probe_timeout must be more than 0s",
                          org[CK_PROBE_TIMEOUT]);
    out->max_shrink = 0.5;
    if (val[CK_MAX_SHRINK] != NULL) {
        char *end;
        double v = strtod(val[CK_MAX_SHRINK], &end);

        if (end == val[CK_MAX_SHRINK] || strcmp(end, "%") != 0 || v < 0 ||
            v > 100)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid max_shrink '%s' (a percentage from 0%% to 100%%, e.g. 50%%)",
                org[CK_MAX_SHRINK], val[CK_MAX_SHRINK]);
        out->max_shrink = v / 100.0;
    }
    if (val[CK_PROBES] != NULL) {
        if (val[CK_PROBES][0] == '\0')
            return rd_err_set(err, RD_CONFIG_INVALID, "%s: empty probes folder",
                              org[CK_PROBES]);
        out->probes = strdup(val[CK_PROBES]);
        if (out->probes == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    return alert_values(val, org, out, err);
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
