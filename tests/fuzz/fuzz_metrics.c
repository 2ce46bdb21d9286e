/* fuzz_metrics: the metrics textfile reader on an arbitrary existing file
 * (other jobs' samples kept, ours replaced, last_success carried over). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h> /* memmem (-D_GNU_SOURCE from the Makefile) */

#include <jansson.h>

#include "reports/metrics.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OURS    "job=\"fuzz\""
#define LAST_OK "restoredrill_last_success_timestamp_seconds{job=\"fuzz\"} "
#define T1      "1795670018" /* 2026-11-26T05:13:38Z */

static json_t *
report(const char *status, int exit_code, const char *finished)
{
    json_t *r = json_pack(
        "{s:s, s:s, s:i, s:s, s:{s:i, s:i}, s:{s:f}, s:[{s:s, s:s, s:i}]}",
        "job", "fuzz", "status", status, "exit_code", exit_code, "finished_at",
        finished, "archive", "age_s", 5000, "size_bytes", 123456, "restore",
        "duration_s", 1.5, "probes", "name", "p", "status", "ok", "age_s", 60);

    if (r == NULL)
        abort();
    return r;
}

/* Write ${r} over the file and return the new text. */
static char *
write_over(const char *path, json_t *r, size_t *len)
{
    struct rd_err err = {0};

    if (metrics_write(r, path, &err) != 0)
        abort(); /* the file is readable: only memory could run out */
    return fuzz_slurp(path, len);
}

/* Every line of ${out} is a HELP/TYPE comment, one of our samples, or a
 * line of ${in} kept as it was. */
static void
check_kept(const uint8_t *in, size_t inlen, const char *out)
{
    char *hay = malloc(inlen + 3), *needle;
    const char *line = out;

    if (hay == NULL)
        abort();
    hay[0] = '\n';
    memcpy(hay + 1, in, inlen);
    hay[inlen + 1] = '\n';
    hay[inlen + 2] = '\0';
    while (*line != '\0') {
        size_t ll = strcspn(line, "\n");

        if (line[ll] != '\n')
            abort(); /* every line ends in a newline */
        if (strncmp(line, "# HELP ", 7) != 0 &&
            strncmp(line, "# TYPE ", 7) != 0 &&
            memmem(line, ll, OURS, strlen(OURS)) == NULL) {
            if ((needle = malloc(ll + 3)) == NULL)
                abort();
            needle[0] = '\n';
            memcpy(needle + 1, line, ll);
            needle[ll + 1] = '\n';
            if (memmem(hay, inlen + 2, needle, ll + 2) == NULL)
                abort();
            free(needle);
        }
        line += ll + 1;
    }
    free(hay);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path("fuzz.prom");
    json_t *ok = report("ok", 0, "2026-11-26T05:13:38Z");
    json_t *bad = report("critical", 2, "2026-11-27T05:13:02Z");
    char *a, *b, *c;
    size_t alen, blen, clen;

    fuzz_write(path, data, size);
    a = write_over(path, ok, &alen);
    /* Lines with a NUL byte are read up to it: not kept as they were. */
    if (memchr(data, '\0', size) == NULL)
        check_kept(data, size, a);
    if (strstr(a, "\n" LAST_OK T1 "\n") == NULL)
        abort();
    /* A failed run keeps the last success, whatever else the file holds. */
    b = write_over(path, bad, &blen);
    if (strstr(b, "\n" LAST_OK T1 "\n") == NULL ||
        strstr(b, "\nrestoredrill_status{" OURS "} 2\n") == NULL)
        abort();
    /* What we wrote, read back and written again, stays as it is. */
    c = write_over(path, bad, &clen);
    if (clen != blen || memcmp(b, c, blen) != 0)
        abort();
    free(a);
    free(b);
    free(c);
    json_decref(ok);
    json_decref(bad);
    return 0;
}
