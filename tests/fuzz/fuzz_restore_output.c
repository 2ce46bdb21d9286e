/* fuzz_restore_output: pg_restore/psql stderr lines into error lines, a
 * count, a tail and an error code; pg_restore --list lines into extension
 * names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/restore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ${rr} after a line: bounded, terminated, ending in that line. */
static void
check_result(const struct restore_result *rr, const char *line)
{
    size_t ll = strlen(line);

    if (rr->nerrors < 0 || rr->nerrors > RESTORE_MAX_ERRORS ||
        rr->error_count < rr->nerrors)
        abort();
    for (int i = 0; i < rr->nerrors; i++)
        if (rr->errors[i] == NULL)
            abort();
    if (rr->tail_len == 0 || rr->tail_len >= sizeof(rr->tail) ||
        rr->tail[rr->tail_len] != '\0' || rr->tail[rr->tail_len - 1] != '\n' ||
        strlen(rr->tail) != rr->tail_len)
        abort();
    /* A line that fits is the tail's end, whole. */
    if (ll + 1 < sizeof(rr->tail) - 1 &&
        (rr->tail_len < ll + 1 ||
         memcmp(rr->tail + rr->tail_len - ll - 1, line, ll) != 0))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct restore_result rr;
    char *text = malloc(size + 1), *line, *next;
    int errors = 0;
    enum rd_code code;

    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&rr, 0, sizeof(rr));
    /* One call per line, as proc_run() hands them out (an inner NUL ends a
     * line early: fine). */
    for (line = text; line != NULL; line = next) {
        char *ext;

        next = memchr(line, '\n', size - (size_t)(line - text));
        if (next != NULL)
            *next++ = '\0';
        if (next == NULL && *line == '\0')
            break;
        restore_stderr_line(&rr, line);
        check_result(&rr, line);
        if (strncmp(line, "pg_restore: error: ", 19) == 0)
            errors++;
        ext = restore_toc_extension(line);
        if (ext != NULL) {
            if (ext[0] == '\0' || strlen(ext) > 127 ||
                strpbrk(ext, " \t\n") != NULL || strstr(line, ext) == NULL ||
                strstr(line, "EXTENSION") == NULL)
                abort();
            free(ext);
        }
    }
    if (rr.error_count < errors)
        abort();
    code = restore_classify(&rr);
    if (code <= RD_OK || code >= RD_CODE_COUNT || rd_code_name(code) == NULL ||
        rd_code_name(code)[0] == '\0')
        abort();
    restore_result_release(&rr);
    free(text);
    return 0;
}
