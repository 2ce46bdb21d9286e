/* fuzz_probe: the probe file parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/rd_err.h"

#include "probes/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd_err err = {0};
    struct probe p;

    if (probe_parse("fuzz.sql", (const char *)data, size, &p, &err) == 0) {
        /* A parsed probe always has a valid name and a statement. */
        if (p.name == NULL || p.name[0] == '\0' || strlen(p.name) > 63 ||
            p.sql == NULL || p.sql[0] == '\0' || p.file == NULL ||
            p.sql_line < 1)
            abort();
        /* The statement never ends in blanks or a top-level ';'. */
        {
            char last = p.sql[strlen(p.sql) - 1];

            if (last == ' ' || last == '\n' || last == '\t' || last == ';')
                abort();
        }
        if (p.kind == PROBE_FRESHNESS && p.warn_after_s < 0 &&
            p.error_after_s < 0)
            abort();
        if (p.kind == PROBE_ROWS && !p.has_min && !p.has_max)
            abort();
        if (p.has_min && p.has_max && p.min > p.max)
            abort();
    } else if (err.code != RD_PROBE_INVALID || err.msg[0] == '\0' ||
               strncmp(err.msg, "fuzz.sql", 8) != 0) {
        abort();
    }
    probe_release(&p);
    return 0;
}
