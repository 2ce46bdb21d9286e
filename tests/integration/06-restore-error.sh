#!/usr/bin/env bash
# 06: a dump whose restore fails (a CHECK constraint calls a function that
# raises outside the seed cluster, so pg_restore's COPY fails) is critical
# restore_errors, with the error lines in the report — never "errors ignored".
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app_$(ts_name %Y%m%d-%H%M 7200).dump                 # an older good one
n=app_$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$n" "$(fixture_restore_error_sql)"
seed_stop

R=$T/report.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical restore_errors
assert_json "$R" .archive.name "$n"
assert_json "$R" .error.stage restore
assert_stage "$R" restore critical
assert_json_true "$R" '.restore.error_count > 0' "restore.error_count > 0"
assert_json_true "$R" '(.restore.errors | length) > 0 and (.restore.errors | length) <= 20' "restore.errors has 1..20 lines"
assert_json_true "$R" '[.restore.errors[] | select(test("rd_seed_marker role missing"))] | length > 0' \
    "restore.errors contains the ERROR line"
assert_json_true "$R" '.restore.duration_s | type == "number"' "restore.duration_s is a number"
