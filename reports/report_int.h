/* report_int: the report's private state, shared by report.c and summary.c. */
#ifndef RD_REPORT_INT_H
#define RD_REPORT_INT_H

#include <stdbool.h>
#include <time.h>

#include "reports/report.h"

struct report {
    json_t *root; /* (owned) */
    enum rd_status status;
    enum rd_status verdict; /* status without the outputs (output_failed) */
    enum rd_code error_code;
    bool report_unwritten; /* the report file itself could not be written */
    struct timespec started, stage_t0[STAGE_COUNT];
    enum rd_status stage_status[STAGE_COUNT];
    double stage_dur[STAGE_COUNT];
};

#endif
