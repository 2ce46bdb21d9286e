/* fuzz_redact: URL and conninfo redaction on arbitrary text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h> /* memmem (-D_GNU_SOURCE from the Makefile) */

#include <libpq-fe.h>

#include "verifier/util/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * When ${in} is SCHEME://USER:PASSWORD@HOST..., ${out} must start with
 * SCHEME://USER:****@ and must not contain PASSWORD unless the rest of the
 * input does (a PASSWORD without '*' or ':' cannot straddle the mask).
 */
static void
check_userinfo(const char *in, const char *out)
{
    const char *se = strstr(in, "://"), *host, *at = NULL, *colon;
    size_t alen, pre, pwlen;

    /* Only for a plain scheme before "://" ("https", "rest:https"). */
    if (se == NULL || se == in ||
        strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+-.:") < (size_t)(se - in))
        return;
    host = se + 3;
    alen = strcspn(host, "/?#");
    for (size_t i = 0; i < alen; i++)
        if (host[i] == '@')
            at = host + i;
    if (at == NULL)
        return;
    colon = memchr(host, ':', (size_t)(at - host));
    if (colon == NULL)
        return;
    pre = (size_t)(colon - in) + 1; /* through the ':' */
    if (strncmp(out, in, pre) != 0 || strncmp(out + pre, "****@", 5) != 0)
        abort();
    pwlen = (size_t)(at - colon) - 1;
    if (pwlen == 0 || memchr(colon + 1, '*', pwlen) != NULL ||
        memchr(colon + 1, ':', pwlen) != NULL)
        return;
    if (memmem(in, (size_t)(colon - in), colon + 1, pwlen) != NULL ||
        memmem(at, strlen(at), colon + 1, pwlen) != NULL)
        return;
    if (memmem(out, strlen(out), colon + 1, pwlen) != NULL)
        abort();
}

/* A parsable conninfo with a password shows it as "password=****". */
static void
check_conninfo(const char *in, const char *out)
{
    char *perr = NULL;
    PQconninfoOption *opts, *o;

    /* A MySQL URI (probe --db mysql://...) is redacted as a URL. */
    if (strncmp(in, "mysql://", 8) == 0 || strncmp(in, "mariadb://", 10) == 0) {
        check_userinfo(in, out);
        return;
    }
    opts = PQconninfoParse(in, &perr);
    if (opts == NULL) {
        PQfreemem(perr);
        if (strcmp(out, "(invalid conninfo)") != 0)
            abort();
        return;
    }
    for (o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
            o->val[0] != '\0' && strstr(out, "password=****") == NULL)
            abort();
    }
    PQconninfoFree(opts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1), *out, *ci;

    if (in == NULL)
        abort();
    memcpy(in, data, size);
    in[size] = '\0'; /* an inner NUL ends the string early: fine */

    out = redact_url(in);
    if (out == NULL)
        abort();
    check_userinfo(in, out);

    ci = redact_conninfo(in);
    if (ci == NULL)
        abort();
    check_conninfo(in, ci);

    free(ci);
    free(out);
    free(in);
    return 0;
}
