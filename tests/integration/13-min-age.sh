#!/usr/bin/env bash
# 13: --min-age: a newest file modified less than min_age ago is treated as
# still being written and skipped (the report says so in notes[]); the older
# one is verified.  Without --min-age the newest is verified.
. "$(dirname "$0")/lib.sh"

seed_start
old=app_$(ts_name %Y%m%d-%H%M 7200).dump
new=app_$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$old"
make_dump "$new"
set_mtime_ago "$BACKUPS/$old" 7200
set_mtime_ago "$BACKUPS/$new" 5       # just written
seed_stop

R=$T/minage.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --min-age 1h --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$old"
assert_json_true "$R" '(.notes | length) > 0' "notes[] is not empty"
assert_json_true "$R" "[.notes[] | select(contains(\"$new\") or test(\"min.age\"; \"i\"))] | length > 0" \
    "a note says that $new was skipped for min_age"

R=$T/control.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$new"
assert_json "$R" "[.notes[] | select(contains(\"$new\") or test(\"min.age\"; \"i\"))] | length" 0
