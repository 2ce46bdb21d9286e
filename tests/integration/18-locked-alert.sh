#!/usr/bin/env bash
# 18: a run that finds its job locked by a holder older than restore_timeout
# (a hung run) alerts, once: the alert hook fires with status unknown and a
# summary naming the lock; a second locked run does not repeat it.  The
# running job's files are never touched: no report, no last.json, no metrics
# (the hook is told about STATE/JOB/locked.json).  A holder younger than
# restore_timeout is just "already running": exit 3, nothing sent.
. "$(dirname "$0")/lib.sh"

M=$T/metrics.prom
mkdir -p "$T/src"
head -c 3000 /dev/urandom >"$T/src/app.dump"
hook_make "$T/hook.sh" "$T/hookd"
job_conf app "$T/src" "restore_timeout = 1h" "alert_exec = $T/hook.sh"
LOCK=$STATE/locks/app.lock
mkdir -p "$STATE/locks" "$STATE/app"
echo '{"previous": true}' >"$STATE/app/last.json"

# The "running" job: a process holding the lock, its pid in the file.
(
    exec 9<>"$LOCK"
    flock -n 9 || exit 1
    echo "$BASHPID" >&9
    exec sleep 300
) &
holder=$!
for _ in $(seq 1 50); do [ -s "$LOCK" ] && break; sleep 0.1; done
flock -n "$LOCK" true && fail "fixture: $LOCK is not held"

# young holder (just took it): nothing sent
run_rd verify --config "$C"
assert_exit 3
assert_matches "$RD_ERR" 'already running'
assert_hook_count "$T/hookd" 0

# the holder took it 2 hours ago: longer than restore_timeout 1h
set_mtime_ago "$LOCK" 7200
run_rd verify --config "$C"
assert_exit 3
assert_hook_count "$T/hookd" 1
assert_file_is "$T/hookd/1.STATUS" unknown
assert_matches "$T/hookd/1.SUMMARY" "job 'app' is UNKNOWN: locked: .*pid $holder.*restore_timeout 1h"
assert_file_is "$T/hookd/1.REPORT" "$STATE/app/locked.json"
validate_report "$STATE/app/locked.json"
assert_json "$STATE/app/locked.json" '[.status, .error.code] | join(" ")' "unknown locked"
assert_no_file "$R"
assert_no_file "$M"
assert_json "$STATE/app/last.json" .previous true

# still hung: the same failure is not repeated
set_mtime_ago "$LOCK" 7300
run_rd verify --config "$C"
assert_exit 3
assert_hook_count "$T/hookd" 1
assert_json "$STATE/app/last.json" .previous true

kill "$holder"
wait "$holder" 2>/dev/null || true
