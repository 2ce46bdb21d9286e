#!/usr/bin/env bash
# 08: two runs of one job at once (same state dir): the second exits 3
# (locked) at once, without side effects — it writes no report and does not
# touch the state; the first finishes ok.
. "$(dirname "$0")/lib.sh"

seed_start
n=app_$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$n" "$(fixture_slow_sql 3000)"   # restore ~6 s
seed_stop

R1=$T/first.json
R2=$T/second.json
run_rd_bg verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R1" --state-dir "$STATE"
first=$RD_PID
wait_descendant "$first" pg_restore 40 || fail "the first run never reached pg_restore"
LOCK=$STATE/locks/default.lock
assert_file_exists "$LOCK"
if [ -e "$LOCK" ] && flock -n "$LOCK" true; then
    fail "$LOCK is not locked (flock) while the first run is restoring"
fi
state_before=$(cd "$STATE" && find . -printf '%p %s %T@\n' | sort)

t0=$(date +%s)
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R2" --state-dir "$STATE"
secs=$(($(date +%s) - t0))
assert_exit 3
[ "$secs" -le 5 ] || fail "the locked run took ${secs}s (expected to give up at once)"
assert_no_file "$R2"
assert_matches "$RD_ERR" 'lock'
kill -0 "$first" 2>/dev/null || fail "the first run had already finished: the runs did not overlap"

# --report - : if anything is printed it is a report saying locked
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report - --state-dir "$STATE"
assert_exit 3
if [ -s "$RD_OUT" ]; then
    cp "$RD_OUT" "$T/locked-stdout.json"
    validate_report "$T/locked-stdout.json"
    assert_json "$T/locked-stdout.json" .error.code locked
    assert_json "$T/locked-stdout.json" .status unknown
fi
state_after=$(cd "$STATE" && find . -printf '%p %s %T@\n' | sort)
[ "$state_before" = "$state_after" ] \
    || fail "the locked runs changed the state dir: $(diff <(echo "$state_before") <(echo "$state_after") | tr '\n' ' ')"
kill -0 "$first" 2>/dev/null || fail "the first run finished before the second locked run did (no overlap)"

wait_rd "$first" 60
assert_report "$R1" 0 ok null
assert_json "$R1" .archive.name "$n"
assert_no_file "$R2"
assert_last_json default "$R1"
