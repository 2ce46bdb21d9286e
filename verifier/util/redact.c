/* redact: keep credentials out of reports, logs and messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "verifier/util/redact.h"

static const char *const secret_params[] = {"x-amz-signature",
                                            "x-amz-credential",
                                            "x-amz-security-token",
                                            "password",
                                            "token",
                                            "sig",
                                            NULL};

/* True when the query parameter name at ${p} (length ${n}) is a secret. */
static int
is_secret_param(const char *p, size_t n)
{
    for (int i = 0; secret_params[i] != NULL; i++) {
        if (strlen(secret_params[i]) == n &&
            strncasecmp(p, secret_params[i], n) == 0)
            return 1;
    }
    return 0;
}

char *
redact_url(const char *url)
{
    size_t len = strlen(url), eqs = 0;
    const char *p = url, *scheme_end, *auth_end, *at, *q;
    char *out, *o;

    /* Each masked value (one per '=') and the password grow by at most
     * strlen("****"). */
    for (const char *s = url; *s != '\0'; s++)
        eqs += *s == '=';
    out = malloc(len + 4 * (eqs + 1) + 1);
    o = out;

    if (out == NULL)
        return NULL;
    scheme_end = strstr(url, "://");
    /* Only a scheme ("https", "rest:https") comes before this URL's "://";
     * a later one is inside a value. */
    if (scheme_end != NULL &&
        (scheme_end == url ||
         strspn(url, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789+-.:") < (size_t)(scheme_end - url)))
        scheme_end = NULL;
    if (scheme_end != NULL) {
        const char *host = scheme_end + 3;

        auth_end = host + strcspn(host, "/?#");
        at = NULL;
        for (const char *s = host; s < auth_end; s++)
            if (*s == '@')
                at = s;
        if (at != NULL) {
            const char *colon = memchr(host, ':', (size_t)(at - host));

            memcpy(o, url, (size_t)(host - url));
            o += host - url;
            if (colon != NULL) {
                memcpy(o, host, (size_t)(colon - host));
                o += colon - host;
                memcpy(o, ":****", 5);
                o += 5;
            } else {
                memcpy(o, host, (size_t)(at - host));
                o += at - host;
            }
            p = at;
        }
    }
    q = strchr(p, '?');
    if (q == NULL) {
        strcpy(o, p);
        return out;
    }
    memcpy(o, p, (size_t)(q + 1 - p));
    o += q + 1 - p;
    p = q + 1;
    while (*p != '\0') {
        size_t seg = strcspn(p, "&#");
        const char *eq = memchr(p, '=', seg);

        if (eq != NULL && is_secret_param(p, (size_t)(eq - p))) {
            memcpy(o, p, (size_t)(eq + 1 - p));
            o += eq + 1 - p;
            memcpy(o, "****", 4);
            o += 4;
        } else {
            memcpy(o, p, seg);
            o += seg;
        }
        p += seg;
        if (*p == '#') {
            strcpy(o, p);
            return out;
        }
        if (*p == '&')
            *o++ = *p++;
    }
    *o = '\0';
    return out;
}

char *
redact_conninfo(const char *conninfo)
{
    PQconninfoOption *opts, *o;
    char *errmsg = NULL;
    size_t cap = 256, len = 0;
    char *out;

    /* A MySQL URI (probe --db mysql://...): a URL as any other. */
    if (strncmp(conninfo, "mysql://", 8) == 0 ||
        strncmp(conninfo, "mariadb://", 10) == 0)
        return redact_url(conninfo);
    opts = PQconninfoParse(conninfo, &errmsg);
    if (opts == NULL) {
        PQfreemem(errmsg);
        return strdup("(invalid conninfo)");
    }
    for (o = opts; o->keyword != NULL; o++)
        if (o->val != NULL)
            cap += strlen(o->keyword) + strlen(o->val) + 8;
    out = malloc(cap);
    if (out == NULL) {
        PQconninfoFree(opts);
        return NULL;
    }
    out[0] = '\0';
    for (o = opts; o->keyword != NULL; o++) {
        const char *v = o->val;

        if (v == NULL || v[0] == '\0')
            continue;
        if (strcmp(o->keyword, "password") == 0 ||
            strcmp(o->dispchar, "*") == 0)
            v = "****";
        len += (size_t)snprintf(out + len, cap - len, "%s%s=%s",
                                len > 0 ? " " : "", o->keyword, v);
    }
    PQconninfoFree(opts);
    return out;
}
