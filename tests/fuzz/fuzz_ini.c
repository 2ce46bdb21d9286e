/* fuzz_ini: the INI reader on arbitrary bytes, checking what handlers see. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The handler's view must always obey the grammar in ini.h. */
static int
check_call(void *ctx, const char *section, const char *key, const char *value,
           int lineno, char *errbuf, size_t errlen)
{
    int *last = ctx;
    size_t n;

    /* Line numbers only grow (a header and its keys are distinct lines). */
    if (lineno <= *last)
        abort();
    *last = lineno;
    if (strlen(section) > INI_MAX_LINE)
        abort();
    if (key == NULL) {
        if (value != NULL || section[0] == '\0')
            abort();
        if (section[0] == ' ' || section[0] == '\t')
            abort();
        return 0;
    }
    n = strlen(key);
    if (n == 0 ||
        strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789_.-") != n)
        abort();
    n = strlen(value);
    if (n > INI_MAX_LINE || strchr(value, '\r') != NULL ||
        strchr(value, '\n') != NULL)
        abort();
    if (n > 0 && (value[0] == ' ' || value[0] == '\t' || value[n - 1] == ' ' ||
                  value[n - 1] == '\t'))
        abort();
    /* Exercise the stop path too. */
    if (strcmp(key, "stop") == 0) {
        strncpy(errbuf, value, errlen - 1);
        errbuf[errlen - 1] = '\0';
        return -1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int last = 0;

    err[0] = '\0';
    if (ini_parse_buffer("fuzz.conf", (const char *)data, size, check_call,
                         &last, err, sizeof(err)) == -1) {
        /* Every failure says where. */
        if (strncmp(err, "fuzz.conf:", 10) != 0)
            abort();
    } else if (err[0] != '\0') {
        abort();
    }
    return 0;
}
