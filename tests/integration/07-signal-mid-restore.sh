#!/usr/bin/env bash
# 07: SIGTERM (then SIGINT) while pg_restore is running: restoredrill cleans
# up (scratch cluster stopped, temp dirs removed, lock released — run.sh
# checks what is left), writes a report with status unknown and error.code
# interrupted, and exits 128+N (143, 130).
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app_$(ts_name %Y%m%d-%H%M 60).dump "$(fixture_slow_sql 4000)"   # restore ~8 s
seed_stop

interrupt() { # SIGNAME EXPECTED_EXIT
    local sig=$1 want=$2 R=$T/$1.json t0 secs
    run_rd_bg verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
    local pid=$RD_PID
    if ! wait_descendant "$pid" pg_restore 40; then
        fail "$sig: pg_restore never ran under restoredrill (pid $pid) within 40 s; signalling anyway"
    fi
    sleep 1   # well inside the COPY
    [ -n "$(descendant "$pid" pg_restore)" ] || fail "$sig: the restore was already over before the signal (fixture too fast?)"
    note "sending SIG$sig to $pid"
    t0=$(date +%s)
    kill -"$sig" "$pid"
    wait_rd "$pid" 30
    secs=$(($(date +%s) - t0))
    assert_exit "$want"
    [ "$secs" -le 15 ] || fail "$sig: restoredrill took ${secs}s to stop after the signal (expected <= 15)"
    [ -z "$(descendant "$pid" pg_restore)" ] || fail "$sig: pg_restore survived"
    validate_report "$R"
    assert_json "$R" .status unknown
    assert_json "$R" .error.code interrupted
    assert_json_true "$R" '.error.message | length > 0' "error.message is set"
    assert_json "$R" '.archive.name | startswith("app_")' true
}

interrupt TERM 143
interrupt INT 130
