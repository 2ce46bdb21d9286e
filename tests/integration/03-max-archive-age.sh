#!/usr/bin/env bash
# 03: --max-archive-age: a newest archive whose NAME time is 2 days old is
# critical archive_too_old although it restores fine (and the restore still
# ran); with a larger limit the same archive is ok.
. "$(dirname "$0")/lib.sh"

seed_start
n=app_$(ts_name %Y%m%d-%H%M 172800).dump    # name time 2 days ago
make_dump "$n"                              # mtime: now (must not matter)
seed_stop

R=$T/old.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --max-archive-age 1h \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_too_old
assert_json "$R" .archive.name "$n"
assert_json "$R" '.restore.duration_s | type' number
assert_stage "$R" restore ok
assert_json "$R" .restore.error_count 0
assert_json_true "$R" '.archive.age_s >= 172700 and .archive.age_s < 173000' "archive.age_s about 2 days"

R=$T/fine.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --max-archive-age 3d \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$n"
