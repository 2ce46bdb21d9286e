/* alert: alert_exec, alert_webhook and ping_url for one job's run. */
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
state_path(const struct job_config *jc, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/alert.json", jc->state_dir, jc->name);
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
state_load(const struct job_config *jc)
{
    char path[PATH_MAX];
    json_error_t jerr;
    json_t *s;

    state_path(jc, path, sizeof(path));
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
state_save(const struct job_config *jc, json_t *state)
{
    char path[PATH_MAX], dir[PATH_MAX];
    struct rd_err err = {0};
    char *text = json_dumps(state, JSON_SORT_KEYS | JSON_INDENT(2));

    snprintf(dir, sizeof(dir), "%s/%s", jc->state_dir, jc->name);
    state_path(jc, path, sizeof(path));
    if (text == NULL || fs_mkdir_p(dir, 0700, &err) != 0 ||
        fs_write_atomic_mode(path, text, strlen(text), 0600, &err) != 0)
        log_error("cannot save the alert state: %s",
                  err.msg[0] != '\0' ? err.msg : "out of memory");
    free(text);
}

void
alert_state_read(const struct job_config *jc, const char *channel,
                 struct alert_last *last)
{
    json_t *state = state_load(jc);

    state_get(state, channel, last);
    json_decref(state);
}

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
send_exec(const struct job_config *jc, const char *status, const char *summary,
          const char *report_path, const char *report_text, char *msg,
          size_t len)
{
    struct rd_err err = {0};
    struct proc_spec spec = {0};
    struct proc_result res;
    struct feed f = {report_text, strlen(report_text), 0};
    struct tail tail = {0};
    char **argv = NULL, **env = NULL, how[64], tailtxt[TAIL_LINES * 203];
    size_t argc;
    bool ok = false;

    if (cmdline_split(jc->alert_exec, &argv, &argc, &err) != 0) {
        snprintf(msg, len, "%s", err.msg);
        return false;
    }
    env = hook_env(status, jc->name, summary, report_path);
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
    spec.timeout_s = (int)jc->alert_timeout_s;
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
                     (long long)jc->alert_timeout_s,
                     tailtxt[0] != '\0' ? ": " : "", tailtxt);
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
send_webhook(const struct job_config *jc, const char *status,
             const char *summary, struct report *r, char *msg, size_t len)
{
    struct http_req rq = {0};
    struct http_res res;
    json_t *body;
    char *text;

    /* The summary may carry an archive name that is not UTF-8. */
    if (jc->webhook_slack)
        body = json_pack("{s:o}", "text", report_json_text(summary));
    else
        body = json_pack("{s:s, s:s, s:o, s:O}", "status", status, "job",
                         jc->name, "summary", report_json_text(summary),
                         "report", report_json(r));
    text = body != NULL ? json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT |
                                               JSON_REAL_PRECISION(12))
                        : NULL;
    json_decref(body);
    if (text == NULL) {
        snprintf(msg, len, "out of memory");
        return false;
    }
    rq.method = "POST";
    rq.url = jc->alert_webhook;
    rq.body = text;
    rq.body_len = strlen(text);
    rq.timeout_s = (int)jc->alert_timeout_s;
    rq.tries = HTTP_TRIES;
    http_send(&rq, &res);
    free(text);
    snprintf(msg, len, "%s", res.msg);
    return res.delivered;
}

/* ---------------------------------------------------------------- send */

void
alert_send(const struct job_config *jc, struct report *r,
           const char *report_path)
{
    static const char *const channels[] = {"exec", "webhook"};
    json_t *state;
    char code[256];
    enum rd_status st = report_status(r);
    bool changed = false;
    char *text = NULL;

    if (jc->alert_exec == NULL && jc->alert_webhook == NULL)
        return;
    alert_cause(r, code, sizeof(code));
    state = state_load(jc);
    for (int c = 0; c < 2; c++) {
        struct alert_last last;
        enum alert_action act;
        char summary[1024], msg[1024], shown[1100], at[32];
        const char *status;
        bool ok;

        if ((c == 0 ? jc->alert_exec : jc->alert_webhook) == NULL)
            continue;
        state_get(state, channels[c], &last);
        act = alert_decide(st, code, jc->alert_on, jc->alert_repeat_always,
                           &last);
        if (act == ALERT_NONE)
            continue;
        if (act == ALERT_SUPPRESS) {
            report_note(r,
                        "alert_%s not sent again: the same %s (%s) was "
                        "delivered at %s (alert_repeat = once)",
                        channels[c], rd_status_name(st),
                        code[0] != '\0' ? code : "no cause", last.at);
            continue;
        }
        alert_summary(r, act == ALERT_RESOLVE, &last, summary, sizeof(summary));
        status = act == ALERT_RESOLVE ? "resolved" : rd_status_name(st);
        if (text == NULL && (text = report_text(r)) == NULL) {
            log_error("out of memory");
            break;
        }
        ok = c == 0 ? send_exec(jc, status, summary, report_path, text, msg,
                                sizeof(msg))
                    : send_webhook(jc, status, summary, r, msg, sizeof(msg));
        snprintf(shown, sizeof(shown), "%s%s",
                 act == ALERT_RESOLVE ? "resolved: " : "", msg);
        report_alert(r, channels[c], ok, shown);
        if (!ok) {
            log_warn("job '%s': alert_%s failed: %s", jc->name, channels[c],
                     shown);
            continue; /* tried again next run */
        }
        log_info("job '%s': alert_%s sent (%s): %s", jc->name, channels[c],
                 status, shown);
        if (act == ALERT_RESOLVE) {
            json_object_del(state, channels[c]);
        } else {
            json_object_set_new(
                state, channels[c],
                json_pack("{s:s, s:s, s:s}", "status", rd_status_name(st),
                          "code", code, "at",
                          report_rfc3339(at, sizeof(at), time(NULL))));
        }
        changed = true;
    }
    if (changed)
        state_save(jc, state);
    json_decref(state);
    free(text);
}

/* ---------------------------------------------------------------- pings */

/* Send one ping to ping_url/${seg}; its outcome goes into alerts[]. */
static void
ping(const struct job_config *jc, struct report *r, const char *seg,
     const char *label, const char *body)
{
    struct http_req rq = {0};
    struct http_res res;
    char *url = http_url_append(jc->ping_url, seg), msg[700];

    if (url == NULL) {
        report_alert(r, "ping", false, "cannot build the ping URL");
        return;
    }
    rq.method = body != NULL ? "POST" : "GET";
    rq.url = url;
    rq.body = body;
    rq.body_len = body != NULL ? strlen(body) : 0;
    rq.timeout_s = (int)jc->alert_timeout_s;
    rq.tries = HTTP_TRIES;
    http_send(&rq, &res);
    snprintf(msg, sizeof(msg), "%s: %s", label, res.msg);
    report_alert(r, "ping", res.delivered, msg);
    if (!res.delivered)
        log_warn("job '%s': ping_url %s", jc->name, msg);
    free(url);
}

void
alert_ping_start(const struct job_config *jc, struct report *r)
{
    if (jc->ping_url != NULL)
        ping(jc, r, "start", "start", NULL);
}

bool
alert_ping_end(const struct job_config *jc, struct report *r, int exit_code)
{
    char seg[16], label[32];
    char *text;

    if (jc->ping_url == NULL)
        return false;
    text = report_text(r);
    snprintf(seg, sizeof(seg), "%d", exit_code);
    snprintf(label, sizeof(label), "end %d", exit_code);
    ping(jc, r, seg, label, text != NULL ? text : "{}");
    free(text);
    return true;
}
