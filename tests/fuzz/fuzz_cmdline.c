/* fuzz_cmdline: command strings of the config split into argv. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd_err err = {0};
    char *s = malloc(size + 1), **argv = NULL;
    size_t argc = 0, total = 0;

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    if (cmdline_split(s, &argv, &argc, &err) == 0) {
        /* At least one word, NULL-terminated, never longer than the input. */
        if (argc == 0 || argv == NULL || argv[argc] != NULL)
            abort();
        for (size_t i = 0; i < argc; i++)
            total += strlen(argv[i]);
        if (total > strlen(s))
            abort();
        cmdline_free(argv);
    } else if (argv != NULL || argc != 0 || err.msg[0] == '\0') {
        abort();
    }
    free(s);
    return 0;
}
