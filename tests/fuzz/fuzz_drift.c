/* fuzz_drift: the drift baseline loader (drift.json) on arbitrary bytes; a
 * baseline it accepts saves, loads back the same and compares clean. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "probes/drift.h"
#include "reports/render_probes.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_table(const void *a, const void *b)
{
    const struct drift_table *x = a, *y = b;
    int d = strcmp(x->name, y->name);

    return d != 0 ? d : (x->rows > y->rows) - (x->rows < y->rows);
}

/* ${a} and ${b} hold the same tables (in any order). */
static void
check_same(struct drift_counts *a, struct drift_counts *b)
{
    if (a->n != b->n || a->taken_at != b->taken_at)
        abort();
    if (a->n > 1) {
        qsort(a->items, a->n, sizeof(a->items[0]), cmp_table);
        qsort(b->items, b->n, sizeof(b->items[0]), cmp_table);
    }
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].name, b->items[i].name) != 0 ||
            a->items[i].rows != b->items[i].rows)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[4300], out[4300];
    struct drift_counts base, back;
    struct rd_err err = {0};
    size_t warnings = 7;
    json_t *tables;
    int rc;

    snprintf(in, sizeof(in), "%s", fuzz_path("drift.json"));
    snprintf(out, sizeof(out), "%s", fuzz_path("saved.json"));
    fuzz_write(in, data, size);
    rc = drift_load(in, &base, &err);
    if (rc != 0) {
        /* Not a baseline: says which file, and leaves nothing behind. */
        if (rc != -1 || err.code != RD_INTERNAL ||
            strstr(err.msg, in) == NULL || base.n != 0 || base.items != NULL)
            abort();
        return 0;
    }
    for (size_t i = 0; i < base.n; i++)
        if (base.items[i].name == NULL || base.items[i].rows < -1)
            abort();

    /* Against itself: one entry per table, no warning. */
    tables = drift_compare(&base, &base, 0.5, &warnings);
    if (tables == NULL || json_array_size(tables) != base.n || warnings != 0)
        abort();
    json_decref(tables);

    /* Saved and loaded again: the same tables and time. */
    if (drift_save(out, &base, &err) != 0 || drift_load(out, &back, &err) != 0)
        abort();
    check_same(&base, &back);
    drift_counts_release(&back);
    drift_counts_release(&base);
    return 0;
}
