/* metrics: Prometheus textfile metrics, shared by several jobs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

#include "reports/metrics.h"

/* The metrics we write, in file order. */
enum metric {
    M_LAST_RUN,
    M_LAST_SUCCESS,
    M_STATUS,
    M_ARCHIVE_AGE,
    M_ARCHIVE_SIZE,
    M_RESTORE_DURATION,
    M_PROBE_STATUS,
    M_PROBE_AGE,
    M_COUNT
};

static const struct {
    const char *name;
    const char *help;
} known[M_COUNT] = {
    {"restoredrill_last_run_timestamp_seconds",
     "Unix time the last restoredrill run of the job finished."},
    {"restoredrill_last_success_timestamp_seconds",
     "Unix time the last ok or warning run of the job finished."},
    {"restoredrill_status",
     "Status of the last run: 0 ok, 1 warning, 2 critical, 3 unknown."},
    {"restoredrill_archive_age_seconds",
     "Age of the archive the last run restored."},
    {"restoredrill_archive_size_bytes",
     "Stored size of the archive the last run restored."},
    {"restoredrill_restore_duration_seconds", "Time the last restore took."},
    {"restoredrill_probe_status",
     "Status of the probe in the last run: 0 ok, 1 warning, 2 critical, 3 "
     "unknown."},
    {"restoredrill_probe_age_seconds",
     "Age of the newest value a freshness probe found in the last run."},
};

/* One metric name: its HELP/TYPE lines and its samples, in file order. */
struct group {
    char *name;  /* (owned) */
    char *help;  /* (owned) "# HELP ..." kept for unknown names, or NULL */
    char *type;  /* (owned) "# TYPE ..." kept for unknown names, or NULL */
    char **line; /* (owned) sample lines without their newline */
    size_t n, cap;
};

struct mfile {
    struct group *g; /* (owned) the known metrics first, in enum order */
    size_t n, cap;
    char *job_esc;      /* (owned) our job name, label-escaped */
    char *last_success; /* (owned) our old last_success value, or NULL */
};

/* A new copy of ${s} with \, " and newline escaped for a label value. */
static char *
label_escape(const char *s)
{
    char *out = malloc(2 * strlen(s) + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"') {
            *p++ = '\\';
            *p++ = *s;
        } else if (*s == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

/* The group named ${name} (${len} bytes), added when missing; NULL on ENOMEM.
 */
static struct group *
group_get(struct mfile *mf, const char *name, size_t len)
{
    struct group *g;

    for (size_t i = 0; i < mf->n; i++) {
        if (strlen(mf->g[i].name) == len &&
            memcmp(mf->g[i].name, name, len) == 0)
            return &mf->g[i];
    }
    if (mf->n == mf->cap) {
        size_t cap = mf->cap ? 2 * mf->cap : 16;

        if ((g = realloc(mf->g, cap * sizeof(*g))) == NULL)
            return NULL;
        mf->g = g;
        mf->cap = cap;
    }
    g = &mf->g[mf->n];
    memset(g, 0, sizeof(*g));
    if ((g->name = strndup(name, len)) == NULL)
        return NULL;
    mf->n++;
    return g;
}

/* Append ${line} (owned; freed on failure) to ${g}. */
static int
group_add(struct group *g, char *line)
{
    if (line == NULL)
        return -1;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        char **v = realloc(g->line, cap * sizeof(*v));

        if (v == NULL) {
            free(line);
            return -1;
        }
        g->line = v;
        g->cap = cap;
    }
    g->line[g->n++] = line;
    return 0;
}

/* Free what ${mf} owns (not ${mf} itself). */
static void
mfile_release(struct mfile *mf)
{
    for (size_t i = 0; i < mf->n; i++) {
        for (size_t j = 0; j < mf->g[i].n; j++)
            free(mf->g[i].line[j]);
        free(mf->g[i].line);
        free(mf->g[i].name);
        free(mf->g[i].help);
        free(mf->g[i].type);
    }
    free(mf->g);
    free(mf->job_esc);
    free(mf->last_success);
}

/* Length of the metric name at ${s} ([a-zA-Z_:][a-zA-Z0-9_:]*), 0 if none. */
static size_t
name_len(const char *s, int colon)
{
    size_t n = 0;

    for (;; n++) {
        char c = s[n];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
            (colon && c == ':') || (n > 0 && c >= '0' && c <= '9'))
            continue;
        return n;
    }
}

/* True when the ${len} bytes at ${s} are a float (NaN and +Inf included). */
static int
is_number(const char *s, size_t len)
{
    char buf[64], *end;

    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    (void)strtod(buf, &end);
    return end == buf + len;
}

/*
 * Parse the sample ${line}: its name length, its job label's raw (escaped)
 * value (${job} NULL when it has none) and its value token.  -1 when the
 * line is not a sample.
 */
static int
parse_sample(const char *line, size_t *nlen, const char **job, size_t *jlen,
             const char **val, size_t *vlen)
{
    const char *p = line;

    *job = NULL;
    *jlen = 0;
    if ((*nlen = name_len(p, 1)) == 0)
        return -1;
    p += *nlen;
    if (*p == '{') {
        for (p++;;) {
            const char *lname, *v;
            size_t ln;

            p += strspn(p, " \t");
            if (*p == '}')
                break;
            lname = p;
            if ((ln = name_len(p, 0)) == 0)
                return -1;
            v = p + ln + strspn(p + ln, " \t");
            if (*v++ != '=')
                return -1;
            v += strspn(v, " \t");
            if (*v++ != '"')
                return -1;
            for (p = v; *p != '"'; p++) {
                if (*p == '\0' || (*p == '\\' && *++p == '\0'))
                    return -1;
            }
            if (ln == 3 && memcmp(lname, "job", 3) == 0) {
                *job = v;
                *jlen = (size_t)(p - v);
            }
            p++;
            p += strspn(p, " \t");
            if (*p == ',')
                p++;
            else if (*p != '}')
                return -1;
        }
        p++;
    }
    if (*p != ' ' && *p != '\t')
        return -1;
    p += strspn(p, " \t");
    *val = p;
    *vlen = strcspn(p, " \t");
    return *vlen == 0 || !is_number(p, *vlen) ? -1 : 0;
}

/* Keep a "# HELP"/"# TYPE" ${line} of a name we do not write ourselves. */
static int
keep_comment(struct mfile *mf, const char *line)
{
    const char *name = line + 7; /* after "# HELP " or "# TYPE " */
    size_t len = name_len(name, 1);
    struct group *g;
    char **slot;

    if (len == 0 || (name[len] != ' ' && name[len] != '\0'))
        return 0;
    for (size_t i = 0; i < M_COUNT; i++) {
        if (strlen(known[i].name) == len &&
            memcmp(known[i].name, name, len) == 0)
            return 0;
    }
    if ((g = group_get(mf, name, len)) == NULL)
        return -1;
    slot = line[2] == 'H' ? &g->help : &g->type;
    if (*slot == NULL && (*slot = strdup(line)) == NULL)
        return -1;
    return 0;
}

/* Sort one line of the existing file into ${mf}; -1 on ENOMEM. */
static int
take_line(struct mfile *mf, const char *line)
{
    const char *job, *val;
    size_t nlen, jlen, vlen;

    if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
        return keep_comment(mf, line);
    if (parse_sample(line, &nlen, &job, &jlen, &val, &vlen) != 0)
        return 0; /* other comments, blank or broken lines */
    if (job != NULL && jlen == strlen(mf->job_esc) &&
        memcmp(job, mf->job_esc, jlen) == 0) {
        const char *ls = known[M_LAST_SUCCESS].name;

        if (nlen == strlen(ls) && memcmp(line, ls, nlen) == 0) {
            free(mf->last_success);
            if ((mf->last_success = strndup(val, vlen)) == NULL)
                return -1;
        }
        return 0;
    }
    {
        struct group *g = group_get(mf, line, nlen);

        if (g == NULL || group_add(g, strdup(line)) != 0)
            return -1;
    }
    return 0;
}

/* Read ${path} (missing is fine) into ${mf}. */
static int
read_existing(struct mfile *mf, const char *path, struct rd_err *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *f;
    int rc = 0;

    if ((f = fopen(path, "re")) == NULL) {
        if (errno == ENOENT)
            return 0;
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot open metrics file '%s': %s", path,
                          strerror(errno));
    }
    errno = 0;
    while ((n = getline(&line, &cap, f)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (take_line(mf, line) != 0) {
            rc = rd_err_set(err, RD_INTERNAL, "out of memory");
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = rd_err_set(err, RD_ACCESS_DENIED,
                        "cannot read metrics file '%s': %s", path,
                        strerror(errno));
    free(line);
    fclose(f);
    return rc;
}

/* ${v} (a JSON number) as Prometheus text: integers exact, reals shortest. */
static void
fmt_num(char *buf, size_t len, const json_t *v)
{
    if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, json_number_value(v));
        if (strtod(buf, NULL) == json_number_value(v))
            return;
    }
}

/* Status name -> 0..3; anything else is unknown. */
static int
status_value(const char *s)
{
    static const char *const names[] = {"ok", "warning", "critical"};

    for (int i = 0; s != NULL && i < 3; i++) {
        if (strcmp(s, names[i]) == 0)
            return i;
    }
    return 3;
}

/* Add our sample of metric ${m}: labels job + ${extra} (escaped), ${val}. */
static int
add_ours(struct mfile *mf, enum metric m, const char *extra, const char *val)
{
    char *line = NULL;
    int n;

    if (extra != NULL)
        n = asprintf(&line, "%s{job=\"%s\",%s} %s", known[m].name, mf->job_esc,
                     extra, val);
    else
        n = asprintf(&line, "%s{job=\"%s\"} %s", known[m].name, mf->job_esc,
                     val);
    return group_add(&mf->g[m], n < 0 ? NULL : line);
}

/* last_run, last_success (the last_success rule lives here) and status. */
static int
add_status(struct mfile *mf, const json_t *report)
{
    const char *status = json_string_value(json_object_get(report, "status"));
    const char *fin = json_string_value(json_object_get(report, "finished_at"));
    char val[64], finished[32] = "";
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (fin != NULL) {
        const char *end = strptime(fin, "%Y-%m-%dT%H:%M:%SZ", &tm);

        if (end != NULL && *end == '\0')
            snprintf(finished, sizeof(finished), "%lld",
                     (long long)timegm(&tm));
    }
    if (finished[0] != '\0' && add_ours(mf, M_LAST_RUN, NULL, finished) != 0)
        return -1;

    if (status_value(status) <= 1 && finished[0] != '\0') {
        if (add_ours(mf, M_LAST_SUCCESS, NULL, finished) != 0)
            return -1;
    } else {
        /* 0 until the first success, so "no success for 26h" fires for a
           job that never succeeded. */
        if (add_ours(mf, M_LAST_SUCCESS, NULL,
                     mf->last_success != NULL ? mf->last_success : "0") != 0)
            return -1;
    }

    snprintf(val, sizeof(val), "%d",
             json_integer_value(json_object_get(report, "exit_code")) >= 128
                 ? 3
                 : status_value(status));
    return add_ours(mf, M_STATUS, NULL, val);
}

/* The archive's age and size, the restore's duration, when known. */
static int
add_numbers(struct mfile *mf, const json_t *report)
{
    static const struct {
        enum metric m;
        const char *obj, *key;
    } nums[] = {
        {M_ARCHIVE_AGE, "archive", "age_s"},
        {M_ARCHIVE_SIZE, "archive", "size_bytes"},
        {M_RESTORE_DURATION, "restore", "duration_s"},
    };
    char val[64];

    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        const json_t *v =
            json_object_get(json_object_get(report, nums[i].obj), nums[i].key);

        if (!json_is_number(v))
            continue;
        fmt_num(val, sizeof(val), v);
        if (add_ours(mf, nums[i].m, NULL, val) != 0)
            return -1;
    }
    return 0;
}

/* One sample per probe name (status, and age when known). */
static int
add_probes(struct mfile *mf, const json_t *probes)
{
    const json_t *v, *p;
    char val[64];
    size_t i;

    json_array_foreach(probes, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        char *esc, *label = NULL;
        int dup = 0, rc = 0;

        if (name == NULL)
            continue;
        /* node_exporter rejects a file with a series twice: first one wins. */
        for (size_t j = 0; j < i && !dup; j++) {
            const char *o = json_string_value(
                json_object_get(json_array_get(probes, j), "name"));

            dup = o != NULL && strcmp(o, name) == 0;
        }
        if (dup)
            continue;
        if ((esc = label_escape(name)) == NULL ||
            asprintf(&label, "probe=\"%s\"", esc) < 0) {
            free(esc);
            return -1;
        }
        free(esc);
        snprintf(val, sizeof(val), "%d",
                 status_value(json_string_value(json_object_get(p, "status"))));
        rc = add_ours(mf, M_PROBE_STATUS, label, val);
        v = json_object_get(p, "age_s");
        if (rc == 0 && json_is_number(v)) {
            fmt_num(val, sizeof(val), v);
            rc = add_ours(mf, M_PROBE_AGE, label, val);
        }
        free(label);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Add the samples of ${report}, in the order of the file. */
static int
add_report(struct mfile *mf, const json_t *report)
{
    if (add_status(mf, report) != 0 || add_numbers(mf, report) != 0)
        return -1;
    return add_probes(mf, json_object_get(report, "probes"));
}

/* The file's new text: each group with samples, under one HELP and TYPE. */
static char *
render(const struct mfile *mf, size_t *len)
{
    char *out = NULL;
    FILE *f;
    int bad;

    if ((f = open_memstream(&out, len)) == NULL)
        return NULL;
    for (size_t i = 0; i < mf->n; i++) {
        const struct group *g = &mf->g[i];

        if (g->n == 0)
            continue;
        if (i < M_COUNT) {
            fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", g->name,
                    known[i].help, g->name);
        } else {
            if (g->help != NULL)
                fprintf(f, "%s\n", g->help);
            if (g->type != NULL)
                fprintf(f, "%s\n", g->type);
        }
        for (size_t j = 0; j < g->n; j++)
            fprintf(f, "%s\n", g->line[j]);
    }
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(out);
        return NULL;
    }
    return out;
}

/* Take an exclusive flock on ${path}.lock; returns its fd or -1. */
static int
lock_take(const char *path, struct rd_err *err)
{
    char lpath[PATH_MAX];
    int fd;

    if ((size_t)snprintf(lpath, sizeof(lpath), "%s.lock", path) >=
        sizeof(lpath))
        return rd_err_set(err, RD_CONFIG_INVALID, "path too long: '%s'", path);
    fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd == -1)
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot open lock file '%s': %s", lpath,
                          strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            rd_err_set(err, RD_ACCESS_DENIED, "cannot lock '%s': %s", lpath,
                       strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

int
metrics_write(const json_t *report, const char *path, struct rd_err *err)
{
    const char *job = json_string_value(json_object_get(report, "job"));
    struct mfile mf = {0};
    char *text = NULL;
    size_t len = 0;
    int fd = -1, rc = -1;

    if ((mf.job_esc = label_escape(job != NULL ? job : "")) == NULL)
        goto oom;
    for (size_t i = 0; i < M_COUNT; i++) {
        if (group_get(&mf, known[i].name, strlen(known[i].name)) == NULL)
            goto oom;
    }
    if ((fd = lock_take(path, err)) == -1)
        goto done;
    if (read_existing(&mf, path, err) != 0)
        goto done;
    if (add_report(&mf, report) != 0 || (text = render(&mf, &len)) == NULL)
        goto oom;
    rc = fs_write_atomic_mode(path, text, len, 0644, err);
    goto done;

oom:
    rd_err_set(err, RD_INTERNAL,
               "cannot build metrics file '%s': out of memory", path);
done:
    if (fd != -1)
        close(fd); /* releases the lock, after the rename */
    free(text);
    mfile_release(&mf);
    return rc;
}
