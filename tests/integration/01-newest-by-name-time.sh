#!/usr/bin/env bash
# 01: with a pattern that has strftime fields, the archive with the newest
# NAME time is verified even though another file has a newer mtime; the
# report (file, and JSON on stdout with --report -) says ok.
. "$(dirname "$0")/lib.sh"

seed_start
PAT='app_%Y%m%d-%H%M*'
n_old=app_$(ts_name %Y%m%d-%H%M 10800).dump   # name 3 h ago
n_mid=app_$(ts_name %Y%m%d-%H%M 7200).dump    # name 2 h ago
n_new=app_$(ts_name %Y%m%d-%H%M 3600).dump    # name 1 h ago: the newest
make_dump "$n_old"
make_dump "$n_mid"
make_dump "$n_new"
set_mtime_ago "$BACKUPS/$n_old" 60      # the newest mtime of all
set_mtime_ago "$BACKUPS/$n_mid" 7200
set_mtime_ago "$BACKUPS/$n_new" 18000   # the oldest mtime of all
seed_stop   # restoredrill must not need the seed server

R=$T/report.json
run_rd verify --source "$BACKUPS" --pattern "$PAT" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$n_new"
assert_json "$R" .archive.format custom
assert_json "$R" .archive.compression none
assert_json "$R" .archive.size_bytes "$(stat -c %s "$BACKUPS/$n_new")"
assert_json "$R" .job default
assert_json "$R" .restore.error_count 0
assert_json "$R" '.restore.errors | length' 0
assert_json "$R" '.restore.duration_s | type' number
assert_stage "$R" select ok
assert_stage "$R" fetch ok
assert_stage "$R" restore ok
# created_at is the name time (UTC, minute precision here), age from it
name_epoch=$(date -u -d "$(echo "$n_new" | sed -E 's/app_([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2})([0-9]{2}).*/\1-\2-\3 \4:\5:00/')" +%s)
created=$(jq -r .archive.created_at "$R")
got_epoch=$(date -u -d "$created" +%s 2>/dev/null)
[ "$got_epoch" = "$name_epoch" ] \
    || fail "archive.created_at should be the name time $(date -u -d "@$name_epoch" +%FT%TZ) (got '$created')"
assert_json_true "$R" '.archive.age_s >= 3540 and .archive.age_s < 3900' "archive.age_s about 1 h"
# human summary on stdout (the report went to a file); it names the archive
assert_contains "$RD_OUT" "$n_new"
assert_last_json default "$R"

# --report -: the JSON alone on stdout, the summary on stderr
run_rd verify --source "$BACKUPS" --pattern "$PAT" --report - --state-dir "$STATE"
assert_exit 0
docs=$(jq -s length "$RD_OUT" 2>/dev/null)
[ "$docs" = 1 ] || fail "stdout with --report - should be exactly one JSON document (jq -s length: '${docs:-not JSON}')"
cp "$RD_OUT" "$T/stdout-report.json"
validate_report "$T/stdout-report.json"
assert_json "$T/stdout-report.json" .status ok
assert_json "$T/stdout-report.json" .archive.name "$n_new"
assert_contains "$RD_ERR" "$n_new"
