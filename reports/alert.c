/* alert: alert_exec, alert_webhook and ping_url for one job's run: one entry
 * of channels[] each. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "verifier/util/cmdline.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/http.h"
#include "verifier/util/json.h"
#include "verifier/util/log.h"
#include "verifier/util/proc.h"

#include "reports/alert.h"

extern char **environ;

#define HTTP_TRIES    3
#define TAIL_LINES    5
#define TAIL_LINE_MAX 200

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

/* --------------------------------------------------------------- state */

static void
state_path(const struct alert_settings *as, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/alert.json", as->state_dir, as->job);
}

/* The delivered alert of ${channel} in ${state} ({} when none). */
static void
state_get(json_t *state, const char *channel, struct alert_last *last)
{
    json_t *c = json_object_get(state, channel);
    const char *st = jstr(c, "status");

    memset(last, 0, sizeof(*last));
    if (!json_is_object(c))
        return;
    last->active = true;
    last->status = strcmp(st, "warning") == 0    ? RD_ST_WARNING
                   : strcmp(st, "critical") == 0 ? RD_ST_CRITICAL
                                                 : RD_ST_UNKNOWN;
    snprintf(last->code, sizeof(last->code), "%s", jstr(c, "code"));
    snprintf(last->at, sizeof(last->at), "%s", jstr(c, "at"));
}

static json_t *
state_load(const struct alert_settings *as)
{
    char path[PATH_MAX];
    json_error_t jerr;
    json_t *s;

    state_path(as, path, sizeof(path));
    s = json_load_file(path, 0, &jerr);
    if (s == NULL && access(path, F_OK) == 0)
        log_warn("%s: unreadable alert state (%s); starting afresh", path,
                 jerr.text);
    if (!json_is_object(s)) {
        json_decref(s);
        s = json_object();
    }
    return s;
}

static void
state_save(const struct alert_settings *as, json_t *state)
{
    char path[PATH_MAX], dir[PATH_MAX];
    struct rd_err err = {0};
    char *text = json_dumps(state, JSON_SORT_KEYS | JSON_INDENT(2));

    snprintf(dir, sizeof(dir), "%s/%s", as->state_dir, as->job);
    state_path(as, path, sizeof(path));
    if (text == NULL || fs_mkdir_p(dir, 0700, &err) != 0 ||
        fs_write_atomic_mode(path, text, strlen(text), 0600, &err) != 0)
        log_error("cannot save the alert state: %s",
                  err.msg[0] != '\0' ? err.msg : "out of memory");
    free(text);
}

void
alert_state_read(const struct alert_settings *as, const char *channel,
                 struct alert_last *last)
{
    json_t *state = state_load(as);

    state_get(state, channel, last);
    json_decref(state);
}

/* What a channel sends: the same for each of them. */
struct alert_msg {
    const char *status;      /* "critical", "warning", "unknown", "resolved" */
    const char *summary;     /* alert_summary() */
    const char *report_path; /* RESTOREDRILL_REPORT */
    const char *report_text; /* the report as JSON text */
    struct report *r;
    const char *seg; /* ping: the segment of ping_url ("start", "0") */
};

/* ---------------------------------------------------------------- exec */

struct feed {
    const char *data;
    size_t len, pos;
};

static ssize_t
feed_report(void *ctx, void *buf, size_t cap, struct rd_err *err)
{
    struct feed *f = ctx;
    size_t n = f->len - f->pos < cap ? f->len - f->pos : cap;

    (void)err;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (ssize_t)n;
}

/* The last TAIL_LINES lines of the hook's stderr. */
struct tail {
    char line[TAIL_LINES][TAIL_LINE_MAX];
    size_t n; /* lines seen */
};

static void
on_stderr(void *ctx, const char *line)
{
    struct tail *t = ctx;

    if (line[0] == '\0')
        return;
    snprintf(t->line[t->n % TAIL_LINES], TAIL_LINE_MAX, "%s", line);
    t->n++;
}

static void
tail_join(const struct tail *t, char *buf, size_t len)
{
    size_t first = t->n > TAIL_LINES ? t->n - TAIL_LINES : 0;

    buf[0] = '\0';
    for (size_t i = first; i < t->n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
                 i > first ? " | " : "", t->line[i % TAIL_LINES]);
}

/*
 * Whether the hook inherits variable ${kv}: locale, paths and proxies only.
 * Secrets (PGPASSWORD, AWS_SECRET_ACCESS_KEY, ...) never reach a hook; wrap
 * it in "/usr/bin/env NAME=value /path/hook" to hand it more.
 */
static bool
hook_inherits(const char *kv)
{
    static const char *const names[] = {
        "PATH",     "HOME",       "USER",        "LOGNAME",    "LANG",
        "LANGUAGE", "TZ",         "TMPDIR",      "http_proxy", "https_proxy",
        "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",   NULL};
    size_t n = strcspn(kv, "=");

    if (strncmp(kv, "LC_", 3) == 0)
        return true;
    for (int i = 0; names[i] != NULL; i++)
        if (strlen(names[i]) == n && strncmp(kv, names[i], n) == 0)
            return true;
    return false;
}

/* The hook's environment: what hook_inherits(), plus the four of the
 * contract. */
static char **
hook_env(const char *status, const char *job, const char *summary,
         const char *report_path)
{
    size_t n = 0, k = 0;
    char **env;
    const char *add[4][2] = {{"RESTOREDRILL_STATUS", status},
                             {"RESTOREDRILL_JOB", job},
                             {"RESTOREDRILL_SUMMARY", summary},
                             {"RESTOREDRILL_REPORT", report_path}};

    while (environ[n] != NULL)
        n++;
    env = calloc(n + 5, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (hook_inherits(environ[i]))
            env[k++] = strdup(environ[i]);
    for (int i = 0; i < 4; i++) {
        size_t l = strlen(add[i][0]) + strlen(add[i][1]) + 2;

        env[k] = malloc(l);
        if (env[k] != NULL)
            snprintf(env[k], l, "%s=%s", add[i][0], add[i][1]);
        k++;
    }
    for (size_t i = 0; i < k; i++) {
        if (env[i] == NULL) { /* out of memory somewhere */
            for (size_t j = 0; j < k; j++)
                free(env[j]);
            free(env);
            return NULL;
        }
    }
    return env;
}

/* Run alert_exec; true when it exited 0.  Its outcome goes in ${msg}. */
static bool
send_exec(const struct alert_settings *as, const struct alert_msg *m, char *msg,
          size_t len)
{
    struct rd_err err = {0};
    struct proc_spec spec = {0};
    struct proc_result res;
    struct feed f = {m->report_text, strlen(m->report_text), 0};
    struct tail tail = {0};
    char **argv = NULL, **env = NULL, how[64], tailtxt[TAIL_LINES * 203];
    size_t argc;
    bool ok = false;

    if (cmdline_split(as->exec, &argv, &argc, &err) != 0) {
        snprintf(msg, len, "%s", err.msg);
        return false;
    }
    env = hook_env(m->status, as->job, m->summary, m->report_path);
    if (env == NULL) {
        snprintf(msg, len, "out of memory");
        cmdline_free(argv);
        return false;
    }
    spec.argv = (const char *const *)argv;
    spec.env = (const char *const *)env;
    spec.stdin_fd = -1;
    spec.stdout_fd = -1;
    spec.stderr_fd = -1;
    spec.timeout_s = (int)as->timeout_s;
    spec.outlive_signal = true;
    spec.reap_group = true;
    spec.on_line = on_stderr;
    spec.line_ctx = &tail;
    spec.feed = feed_report;
    spec.feed_ctx = &f;
    if (proc_run(&spec, &res, &err) != 0) {
        snprintf(msg, len, "%s", err.msg);
    } else {
        tail_join(&tail, tailtxt, sizeof(tailtxt));
        if (res.timed_out)
            snprintf(msg, len, "killed after alert_timeout %llds%s%s",
                     (long long)as->timeout_s, tailtxt[0] != '\0' ? ": " : "",
                     tailtxt);
        else {
            ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
            snprintf(msg, len, "%s%s%s",
                     proc_describe(res.status, how, sizeof(how)),
                     tailtxt[0] != '\0' ? ": " : "", tailtxt);
        }
    }
    proc_result_release(&res);
    for (size_t i = 0; env[i] != NULL; i++)
        free(env[i]);
    free(env);
    cmdline_free(argv);
    return ok;
}

/* ------------------------------------------------------------- webhook */

static bool
send_webhook(const struct alert_settings *as, const struct alert_msg *m,
             char *msg, size_t len)
{
    struct http_req rq = {0};
    struct http_res res;
    json_t *body;
    char *text;

    /* The summary may carry an archive name that is not UTF-8. */
    if (as->webhook_slack)
        body = json_pack("{s:o}", "text", report_json_text(m->summary));
    else
        body = json_pack("{s:s, s:s, s:o, s:O}", "status", m->status, "job",
                         as->job, "summary", report_json_text(m->summary),
                         "report", report_json(m->r));
    text = body != NULL ? jsonx_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        snprintf(msg, len, "out of memory");
        return false;
    }
    rq.method = "POST";
    rq.url = as->webhook;
    rq.body = text;
    rq.body_len = strlen(text);
    rq.timeout_s = (int)as->timeout_s;
    rq.tries = HTTP_TRIES;
    http_send(&rq, &res);
    free(text);
    snprintf(msg, len, "%s", res.msg);
    return res.delivered;
}

/* ---------------------------------------------------------------- ping */

#define PING_NO_URL "cannot build the ping URL"

/* GET ping_url/start, or POST the report to ping_url/EXIT_CODE. */
static bool
send_ping(const struct alert_settings *as, const struct alert_msg *m, char *msg,
          size_t len)
{
    struct http_req rq = {0};
    struct http_res res;
    char *url = http_url_append(as->ping_url, m->seg);

    if (url == NULL) {
        snprintf(msg, len, "%s", PING_NO_URL);
        return false;
    }
    rq.method = m->report_text != NULL ? "POST" : "GET";
    rq.url = url;
    rq.body = m->report_text;
    rq.body_len = m->report_text != NULL ? strlen(m->report_text) : 0;
    rq.timeout_s = (int)as->timeout_s;
    rq.tries = HTTP_TRIES;
    http_send(&rq, &res);
    snprintf(msg, len, "%s", res.msg);
    free(url);
    return res.delivered;
}

/* ------------------------------------------------------------ channels */

/*
 * One alert channel: its name (alerts[].channel), the key of what it
 * delivered in alert.json (NULL: not deduplicated, sent every run), whether
 * the job uses it, and how to send.  A new channel is one entry.
 */
struct alert_channel {
    const char *name;
    const char *state_key;
    const char *(*setting)(const struct alert_settings *as);
    bool (*send)(const struct alert_settings *as, const struct alert_msg *m,
                 char *msg, size_t len);
};

static const char *
exec_setting(const struct alert_settings *as)
{
    return as->exec;
}

static const char *
webhook_setting(const struct alert_settings *as)
{
    return as->webhook;
}

static const char *
ping_setting(const struct alert_settings *as)
{
    return as->ping_url;
}

static const struct alert_channel channels[] = {
    {"exec", "exec", exec_setting, send_exec},
    {"webhook", "webhook", webhook_setting, send_webhook},
    {"ping", NULL, ping_setting, send_ping},
};
#define N_CHANNELS (sizeof(channels) / sizeof(channels[0]))
#define PING       (&channels[2])

bool
alert_any_channel(const struct alert_settings *as)
{
    for (size_t c = 0; c < N_CHANNELS; c++)
        if (channels[c].state_key != NULL && channels[c].setting(as) != NULL)
            return true;
    return false;
}

/* ---------------------------------------------------------------- send */

/* Remember in ${state} what ${ch} delivered (or that it resolved). */
static void
state_remember(json_t *state, const struct alert_channel *ch,
               enum alert_action act, enum rd_status st, const char *code)
{
    char at[32];

    if (act == ALERT_RESOLVE) {
        json_object_del(state, ch->state_key);
        return;
    }
    json_object_set_new(state, ch->state_key,
                        json_pack("{s:s, s:s, s:s}", "status",
                                  rd_status_name(st), "code", code, "at",
                                  report_rfc3339(at, sizeof(at), time(NULL))));
}

void
alert_send(const struct alert_settings *as, struct report *r,
           const char *report_path)
{
    json_t *state;
    char code[256];
    enum rd_status st = report_status(r);
    bool changed = false;
    char *text = NULL;

    if (!alert_any_channel(as))
        return;
    alert_cause(r, code, sizeof(code));
    state = state_load(as);
    for (size_t c = 0; c < N_CHANNELS; c++) {
        const struct alert_channel *ch = &channels[c];
        struct alert_last last;
        struct alert_msg m = {0};
        enum alert_action act;
        char summary[1024], msg[1024], shown[1100];
        bool ok;

        if (ch->state_key == NULL || ch->setting(as) == NULL)
            continue;
        state_get(state, ch->state_key, &last);
        act = alert_decide(st, code, as->on, as->repeat_always, &last);
        if (act == ALERT_NONE)
            continue;
        if (act == ALERT_SUPPRESS) {
            report_note(r,
                        "alert_%s not sent again: the same %s (%s) was "
                        "delivered at %s (alert_repeat = once)",
                        ch->name, rd_status_name(st),
                        code[0] != '\0' ? code : "no cause", last.at);
            continue;
        }
        alert_summary(r, act == ALERT_RESOLVE, &last, summary, sizeof(summary));
        if (text == NULL && (text = report_text(r)) == NULL) {
            log_error("out of memory");
            break;
        }
        m.status = act == ALERT_RESOLVE ? "resolved" : rd_status_name(st);
        m.summary = summary;
        m.report_path = report_path;
        m.report_text = text;
        m.r = r;
        ok = ch->send(as, &m, msg, sizeof(msg));
        snprintf(shown, sizeof(shown), "%s%s",
                 act == ALERT_RESOLVE ? "resolved: " : "", msg);
        report_alert(r, ch->name, ok, shown);
        if (!ok) {
            log_warn("job '%s': alert_%s failed: %s", as->job, ch->name, shown);
            continue; /* tried again next run */
        }
        log_info("job '%s': alert_%s sent (%s): %s", as->job, ch->name,
                 m.status, shown);
        state_remember(state, ch, act, st, code);
        changed = true;
    }
    if (changed)
        state_save(as, state);
    json_decref(state);
    free(text);
}

enum rd_status
alert_stage_status(const struct report *r)
{
    json_t *alerts = json_object_get(report_json(r), "alerts"), *a;
    enum rd_status st = RD_ST_SKIPPED;
    size_t i;

    json_array_foreach(alerts, i, a) st = rd_status_worse(
        st, json_is_true(json_object_get(a, "ok")) ? RD_ST_OK : RD_ST_WARNING);
    return st;
}

/* ---------------------------------------------------------------- pings */

/* Send one ping to ping_url/${seg}; its outcome goes into alerts[]. */
static void
ping(const struct alert_settings *as, struct report *r, const char *seg,
     const char *label, const char *body)
{
    struct alert_msg m = {0};
    char res[600], msg[700];
    bool ok;

    m.seg = seg;
    m.report_text = body;
    m.r = r;
    ok = PING->send(as, &m, res, sizeof(res));
    if (!ok && strcmp(res, PING_NO_URL) == 0) { /* said as is, not logged */
        report_alert(r, PING->name, false, res);
        return;
    }
    snprintf(msg, sizeof(msg), "%s: %s", label, res);
    report_alert(r, PING->name, ok, msg);
    if (!ok)
        log_warn("job '%s': ping_url %s", as->job, msg);
}

void
alert_ping_start(const struct alert_settings *as, struct report *r)
{
    if (PING->setting(as) != NULL)
        ping(as, r, "start", "start", NULL);
}

bool
alert_ping_end(const struct alert_settings *as, struct report *r, int exit_code)
{
    char seg[16], label[32];
    char *text;

    if (PING->setting(as) == NULL)
        return false;
    text = report_text(r);
    snprintf(seg, sizeof(seg), "%d", exit_code);
    snprintf(label, sizeof(label), "end %d", exit_code);
    ping(as, r, seg, label, text != NULL ? text : "{}");
    free(text);
    return true;
}
