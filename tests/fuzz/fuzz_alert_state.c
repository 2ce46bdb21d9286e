/* fuzz_alert_state: the alert state loader (STATE_DIR/JOB/alert.json) on
 * arbitrary bytes: what each channel last delivered. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/alert.h"
#include "verifier/util/log.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_last(const struct alert_last *l)
{
    if (strnlen(l->code, sizeof(l->code)) == sizeof(l->code) ||
        strnlen(l->at, sizeof(l->at)) == sizeof(l->at))
        abort();
    if (!l->active) {
        if (l->code[0] != '\0' || l->at[0] != '\0')
            abort();
        return;
    }
    if (l->status != RD_ST_WARNING && l->status != RD_ST_CRITICAL &&
        l->status != RD_ST_UNKNOWN)
        abort();
    /* What was delivered is not delivered again (alert_repeat = once), at
     * either threshold; a later ok run resolves it. */
    if (alert_decide(l->status, l->code, RD_ST_WARNING, false, l) !=
            ALERT_SUPPRESS ||
        (l->status != RD_ST_WARNING &&
         alert_decide(l->status, l->code, RD_ST_CRITICAL, false, l) !=
             ALERT_SUPPRESS) ||
        alert_decide(RD_ST_OK, "", RD_ST_WARNING, false, l) != ALERT_RESOLVE)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct alert_settings as;
    struct alert_last exec, hook;

    if (as.job == NULL) {
        static char dir[4200];

        snprintf(dir, sizeof(dir), "%s", fuzz_path("fuzz"));
        if (mkdir(dir, 0700) != 0)
            abort();
        if ((as.state_dir = strdup(fuzz_path(""))) == NULL)
            abort();
        if ((as.job = strdup("fuzz")) == NULL)
            abort();
        log_setup(RD_LOG_ERROR, false); /* no "unreadable state" warnings */
    }
    fuzz_write(fuzz_path("fuzz/alert.json"), data, size);
    memset(&exec, 0x5a, sizeof(exec));
    memset(&hook, 0x5a, sizeof(hook));
    alert_state_read(&as, "exec", &exec);
    alert_state_read(&as, "webhook", &hook);
    check_last(&exec);
    check_last(&hook);
    return 0;
}
