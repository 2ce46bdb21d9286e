/* config: the key table, INI files and flags layered into per-job settings. */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/ini.h"

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
         "OS user for the scratch server and restore tools when run as root (default restoredrill)"},
    [CK_SOURCE] =
        {"source", CT_STRING, true,
         "where archives live: /path, file:///path, http(s)://.../, s3://bucket/prefix, restic:REPO, borg:REPO, tarsnap: or exec:"},
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
    [CK_PATH] =
        {"path", CT_STRING, true,
         "restic/borg/tarsnap: the dump file inside the snapshot or archive, as backed up"},
    [CK_CHECKSUM] =
        {"checksum", CT_STRING, true,
         "sha256: NAME.sha256 (sha256sum format) must match the archive; optional: when present; off (default)"},
    [CK_STALL_TIMEOUT] =
        {"stall_timeout", CT_DURATION, true,
         "http(s): a transfer with no byte for this long fails (default 60s)"},
    [CK_FETCH_RETRIES] =
        {"fetch_retries", CT_COUNT, true,
         "http(s): tries more after a failed fetch, before a byte was read (default 2)"},
    [CK_CA_FILE] = {"ca_file", CT_PATH, true,
                    "https: PEM file of CAs trusted besides the system's"},
    [CK_DECRYPT_COMMAND] =
        {"decrypt_command", CT_STRING, true,
         "program (and arguments) decrypting the archive, stdin to stdout, e.g. 'age -d -i KEY'; no shell"},
    [CK_GLOBALS] =
        {"globals", CT_PATH, true,
         "pg_dumpall --globals-only file restored first (roles); then owners and grants are kept"},
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
    [CK_MAX_UNPACKED_SIZE] =
        {"max_unpacked_size", CT_SIZE, true,
         "bound on the decompressed bytes of an archive (unset: free temp space - 10%)"},
    [CK_DELTAS] =
        {"deltas", CT_STRING, true,
         "list: retention schedule to audit, tarsnapper style, e.g. '1d 7d 30d 365d'"},
    [CK_SANDBOX] =
        {"sandbox", CT_STRING, true,
         "run the scratch server and restore tools under bubblewrap: auto (default), required or off"},
    [CK_RTO] =
        {"rto", CT_DURATION, true,
         "recovery-time objective: a slower restore is a warning (0s: off)"},
    /* server targets, restore --into (issue 14) */
    [CK_ALLOW_SUPERUSER] =
        {"allow_superuser", CT_STRING, true,
         "yes: accept a superuser (or server-file role) target; no (default)"},
    [CK_SWEEP_AFTER] =
        {"sweep_after", CT_DURATION, true,
         "marked scratch databases of dead runs not in the ledger are dropped after this (default 1h)"},
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
    [CK_S3_ENDPOINT] =
        {"s3_endpoint", CT_STRING, true,
         "s3: endpoint URL of S3-compatible storage (MinIO, Ceph, ...); default AWS"},
    [CK_S3_REGION] =
        {"s3_region", CT_STRING, true,
         "s3: region signed for (default $AWS_REGION, else us-east-1)"},
    [CK_S3_URI_STYLE] =
        {"s3_uri_style", CT_STRING, true,
         "s3: path or host addressing (default path with s3_endpoint, else host)"},
    [CK_TARSNAP_KEYFILE] = {"tarsnap_keyfile", CT_PATH, true,
                            "tarsnap: key file (tarsnap --keyfile)"},
    [CK_TARSNAP_CACHEDIR] = {"tarsnap_cachedir", CT_PATH, true,
                             "tarsnap: cache folder (tarsnap --cachedir)"},
    [CK_RESTIC_TAG] = {"restic_tag", CT_STRING, true,
                       "restic: only snapshots with this tag"},
    [CK_RESTIC_HOST] = {"restic_host", CT_STRING, true,
                        "restic: only snapshots of this host"},
    [CK_LIST_COMMAND] =
        {"list_command", CT_STRING, true,
         "exec: prints one archive per line (optionally TAB and an ISO-8601 time); no shell"},
    [CK_FETCH_COMMAND] = {"fetch_command", CT_STRING, true,
                          "exec: writes archive {archive} to stdout; no shell"},
    /* MySQL binlogs shipped with a mysqldump archive: not in this version. */
    [CK_BINLOGS] = {"binlogs", CT_STRING, false,
                    "source URI of the binary logs shipped with the dump"},
    [CK_BINLOG_PATTERN] = {"binlog_pattern", CT_STRING, false,
                           "binary log names (default *-bin.[0-9]*)"},
    [CK_MAX_BINLOG_AGE] = {"max_binlog_age", CT_DURATION, false,
                           "newest binary log older than this is critical"},
    [CK_BINLOG_REPLAY] = {"binlog_replay", CT_STRING, false,
                          "replay the binary logs before the probes"},
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

int
config_errs_add(struct config_errs *l, const struct rd_err *e)
{
    struct rd_err *nv;

    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].msg, e->msg) == 0)
            return 0;
    nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (nv == NULL)
        return -1;
    l->v = nv;
    l->v[l->n++] = *e;
    return 0;
}

void
config_errs_release(struct config_errs *l)
{
    if (l == NULL)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
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
    free(c->exposed);
    config_errs_release(&c->load_errors);
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

/* ini_error_fn: keep every error; stop only when out of memory. */
static int
on_ini_error(void *vctx, const char *msg)
{
    struct load_ctx *ctx = vctx;
    struct rd_err e = {0};

    rd_err_set(&e, RD_CONFIG_INVALID, "%s", msg);
    return config_errs_add(&ctx->c->load_errors, &e);
}

/* A password in a conninfo ("password=") or a URI ("scheme://user:pw@"). */
static bool
has_password(const char *t)
{
    const char *u = t != NULL ? strstr(t, "://") : NULL;
    size_t n;

    if (t == NULL)
        return false;
    if (strstr(t, "password=") != NULL)
        return true;
    if (u == NULL)
        return false;
    u += 3;
    n = strcspn(u, "/?#");
    return memchr(u, '@', n) != NULL && memchr(u, ':', n) != NULL &&
           (const char *)memchr(u, ':', n) < (const char *)memchr(u, '@', n);
}

static const char *
scope_secret(const struct config_scope *s)
{
    if (s->val[CK_ALERT_WEBHOOK] != NULL && *s->val[CK_ALERT_WEBHOOK] != '\0')
        return "alert_webhook";
    if (s->val[CK_PING_URL] != NULL && *s->val[CK_PING_URL] != '\0')
        return "ping_url";
    return has_password(s->val[CK_TARGET]) ? "a password in target" : NULL;
}

/* As ssh does for keys: a secret in a file others can read is said. */
static void
check_exposed(struct config *c, const char *path)
{
    const char *what = scope_secret(&c->defaults);
    struct stat st;
    char buf[PATH_MAX + 200];

    for (size_t i = 0; what == NULL && i < c->njobs; i++)
        what = scope_secret(&c->jobs[i]);
    if (what == NULL || stat(path, &st) != 0 ||
        (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
        return;
    snprintf(buf, sizeof(buf),
             "config '%s' holds secrets (%s) and is readable by %s (mode "
             "%04o): chmod 600 '%s'",
             path, what,
             (st.st_mode & S_IRWXG) && (st.st_mode & S_IRWXO)
                 ? "group and others"
             : (st.st_mode & S_IRWXG) ? "group"
                                      : "others",
             (unsigned)(st.st_mode & 07777), path);
    c->exposed = strdup(buf);
}

int
config_load_file(struct config *c, const char *path, struct rd_err *err)
{
    struct load_ctx ctx = {c, path, NULL};

    free(c->path);
    c->path = strdup(path);
    config_errs_release(&c->load_errors);
    if (ini_parse_file_each(path, on_ini, &ctx, on_ini_error, &ctx) != 0) {
        if (c->load_errors.n == 0)
            return rd_err_set(err, RD_INTERNAL, "cannot read config '%s': %s",
                              path, strerror(ENOMEM));
        if (err != NULL)
            *err = c->load_errors.v[0];
        return -1;
    }
    check_exposed(c, path);
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
