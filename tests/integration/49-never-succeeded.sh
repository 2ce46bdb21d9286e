#!/usr/bin/env bash
# 49: restoredrill_last_success_timestamp_seconds is 0 for a job that has
# only ever failed (issue 9 item 8), so the example rule "no success for
# 26h" (ci/examples/prometheus-rules.yml) fires for it; the file passes
# promtool.  A success then sets it to that run's finished_at, and a later
# failure keeps that value.
. "$(dirname "$0")/lib.sh"

seed_start
mkdir -p "$T/bad" "$T/good"
head -c 3000 /dev/urandom >"$T/bad/junk.dump"
make_dump "$T/good/app.dump"
seed_stop
M=$T/metrics.prom
S='restoredrill_last_success_timestamp_seconds{job="app"}'

job_conf app "$T/bad"
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_promtool "$M"
assert_metric "$M" "$S" 0
assert_metric "$M" 'restoredrill_status{job="app"}' 2
run_rd verify -c "$C"
assert_exit 2
assert_promtool "$M"
assert_metric "$M" "$S" 0

# the example rule's expression is true for it
v=$(metric_value "$M" "$S")
[ $(( $(date -u +%s) - ${v:-9999999999} )) -gt $((26 * 3600)) ] ||
    fail "time() - $S = $(( $(date -u +%s) - ${v:-0} )) should exceed 26h for a job that never succeeded"

job_conf app "$T/good"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
fin=$(jq -r '.finished_at | fromdate' "$R")
assert_metric "$M" "$S" "$fin"

job_conf app "$T/bad"
run_rd verify -c "$C"
assert_exit 2
assert_promtool "$M"
assert_metric "$M" "$S" "$fin"
