#!/usr/bin/env bash
# 04: a zero-byte newest archive is critical archive_empty: a failed dump is
# never skipped in favour of an older good one (by name time and by mtime).
. "$(dirname "$0")/lib.sh"

seed_start
good=app_$(ts_name %Y%m%d-%H%M 7200).dump
empty=app_$(ts_name %Y%m%d-%H%M 3600).dump
make_dump "$good"
: >"$BACKUPS/$empty"
seed_stop

R=$T/byname.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_empty
assert_json "$R" .archive.name "$empty"
assert_json "$R" .archive.size_bytes 0
st=$(stage_status "$R" restore)
case $st in skipped | missing) ;; *) fail "stage restore should not have run for an empty archive (got $st)" ;; esac

# by mtime, no pattern
D=$T/bymtime
mkdir -p "$D"
cp "$BACKUPS/$good" "$D/good.dump"
set_mtime_ago "$D/good.dump" 3600
: >"$D/new.dump"
R=$T/bymtime.json
run_rd verify --source "$D" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_empty
assert_json "$R" .archive.name new.dump
