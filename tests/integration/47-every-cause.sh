#!/usr/bin/env bash
# 47: every cause is kept (issue 9 item 4).  A 5 h old archive under
# max_archive_age = 2h whose restore also fails a probe:
#   - errors[] holds both archive_too_old (stage select) and probe_failed
#     (stage probes), each once; error.code is the first critical one;
#   - the summary names the reason of each failed stage and prints both
#     errors;
#   - alert_exec fired for "probe failed" alone fires again when the new
#     cause (archive_too_old) joins it, and not on a third run with the same
#     set of causes;
#   - an ok run has errors == [].
. "$(dirname "$0")/lib.sh"

seed_start
n=app_$(ts_name %Y%m%d-%H%M 18000).dump     # name time 5 h ago
make_dump "$n"
seed_stop
P=$T/probes
probe_file "$P" few.sql <<'PROBE'
-- name: enough_customers
-- kind: rows
-- min: 1000000
SELECT count(*) FROM public.customers;
PROBE
M=$T/metrics.prom
H=$T/hook
hook_make "$T/hook.sh" "$H"

# --- run 1: only the probe fails (no age limit): alert fires
job_conf app "$BACKUPS" "pattern = app_%Y%m%d-%H%M*" "probes = $P" \
    "alert_exec = $T/hook.sh"
run_rd verify -c "$C"
assert_report "$R" 2 critical probe_failed
assert_json "$R" '[.errors[].code] | join(",")' probe_failed
assert_hook_count "$H" 1

# --- run 2: the archive is 5 h old too: both causes, a new alert
job_conf app "$BACKUPS" "pattern = app_%Y%m%d-%H%M*" "probes = $P" \
    "alert_exec = $T/hook.sh" "max_archive_age = 2h"
run_rd verify -c "$C"
assert_report "$R" 2 critical probe_failed
assert_json "$R" '[.errors[] | "\(.stage):\(.code)"] | sort | join(",")' \
    "probes:probe_failed,select:archive_too_old"
assert_json "$R" '.errors | length' 2
assert_json "$R" '[.errors[] | select(.code == "archive_too_old") | .message | test("5h|5 h|backups have stopped arriving")] | first' true
assert_json_true "$R" '.error == .errors[0]' "error is the first entry of errors[] (both critical)"
assert_stage "$R" select critical
assert_stage "$R" probes critical
assert_matches "$RD_OUT" 'select.*archive_too_old'
assert_matches "$RD_OUT" 'probes.*probe_failed'
assert_matches "$RD_OUT" 'error: archive_too_old: newest archive'
assert_matches "$RD_OUT" "error: probe_failed: probe 'enough_customers'"
assert_hook_count "$H" 2
assert_contains "$H/2.SUMMARY" archive_too_old
assert_contains "$H/2.SUMMARY" probe_failed
assert_json "$H/2.stdin" '[.errors[].code] | sort | join(",")' "archive_too_old,probe_failed"

# --- run 3: the same two causes: not sent again
run_rd verify -c "$C"
assert_report "$R" 2 critical probe_failed
assert_json "$R" '.errors | length' 2
assert_hook_count "$H" 2
assert_json_true "$R" '[.notes[] | select(test("alert_exec not sent again"))] | length == 1' "a note says the alert was held back"

# --- an ok run: errors == []
job_conf ok "$BACKUPS" "pattern = app_%Y%m%d-%H%M*"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" '.errors | tojson' '[]'
