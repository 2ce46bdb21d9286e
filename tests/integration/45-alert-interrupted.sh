#!/usr/bin/env bash
# 45: a verify interrupted mid-restore (SIGTERM, then SIGINT on another job)
# with alert_exec, alert_webhook and ping_url: it cleans up, reports status
# unknown / error.code interrupted, still alerts (the hook gets
# RESTOREDRILL_STATUS=unknown, the webhook status "unknown"), sends the end
# ping to URL/143 (URL/130) with that report, then exits 143 (130).
# run.sh checks that nothing (cluster, hook, lock) is left behind.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 60).dump" "$(fixture_slow_sql 4000)"   # restore ~8 s
seed_stop

H=$T/hook
hook_make "$T/hook.sh" "$H"
sink_start recv
S=$SINK_OUT
M=$T/metrics.prom
C=$T/jobs.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
source = $BACKUPS
pattern = app_%Y%m%d-%H%M*
report = $T/{job}.json
metrics = $M
alert_exec = $T/hook.sh
alert_webhook = http://127.0.0.1:$SINK_PORT/hook

[job int-term]
ping_url = http://127.0.0.1:$SINK_PORT/ping/term

[job int-int]
ping_url = http://127.0.0.1:$SINK_PORT/ping/int
CONF

interrupt() { # SIGNAME JOB PINGNAME EXPECTED_EXIT N
    local sig=$1 job=$2 pn=$3 want=$4 n=$5 R=$T/$2.json t0 secs pid from
    from=$(sink_count "$S")
    run_rd_bg verify -c "$C" --job "$job"
    pid=$RD_PID
    wait_descendant "$pid" pg_restore 40 || fail "$sig: pg_restore never ran under restoredrill (pid $pid) within 40 s; signalling anyway"
    sleep 1
    [ -n "$(descendant "$pid" pg_restore)" ] || fail "$sig: the restore was already over before the signal (fixture too fast?)"
    note "sending SIG$sig to $pid"
    t0=$(date +%s)
    kill -"$sig" "$pid"
    wait_rd "$pid" 40
    secs=$(($(date +%s) - t0))
    assert_exit "$want"
    [ "$secs" -le 20 ] || fail "$sig: restoredrill took ${secs}s to stop after the signal (expected <= 20)"
    validate_report "$R"
    assert_json "$R" .status unknown
    assert_json "$R" .error.code interrupted
    assert_json "$R" .exit_code "$want"
    assert_last_json "$job" "$R"
    assert_promtool "$M"
    assert_metric "$M" "restoredrill_status{job=\"$job\"}" 3

    # the hook
    assert_hook_count "$H" "$n"
    assert_file_is "$H/$n.STATUS" unknown
    assert_file_is "$H/$n.JOB" "$job"
    grep -q "^restoredrill: job '$job' is UNKNOWN: interrupted: " "$H/$n.SUMMARY" 2>/dev/null ||
        fail "$sig: summary should start with \"restoredrill: job '$job' is UNKNOWN: interrupted: \" (got '$(cat "$H/$n.SUMMARY" 2>/dev/null)')"
    assert_summary "$H/$n.SUMMARY" "$R"
    cp "$H/$n.stdin" "$T/$job-stdin.json" 2>/dev/null
    validate_report "$T/$job-stdin.json"
    assert_json "$T/$job-stdin.json" .error.code interrupted

    # the receiver: start ping, the webhook, the end ping (in that order)
    jq -c -s --argjson from "$from" '.[$from:][]' "$S" >"$T/$job-reqs.jsonl"
    assert_sink "$T/$job-reqs.jsonl" '.[] | "\(.method) \(.path)"' \
        "$(printf '%s\n' "GET /ping/$pn/start" "POST /hook" "POST /ping/$pn/$want")"
    sink_body "$T/$job-reqs.jsonl" 2 "$T/$job-hook-body.json"
    assert_json "$T/$job-hook-body.json" .status unknown
    assert_json "$T/$job-hook-body.json" .report.error.code interrupted
    sink_body "$T/$job-reqs.jsonl" 3 "$T/$job-end-body.json"
    validate_report "$T/$job-end-body.json"
    assert_json "$T/$job-end-body.json" .status unknown
    assert_json "$T/$job-end-body.json" .error.code interrupted

    # the report's alerts[], in send order
    assert_json "$R" '.alerts | map("\(.channel)|\(.ok)") | join(",")' "ping|true,exec|true,webhook|true,ping|true"
    assert_json "$R" '.alerts[-1].message' "end $want: HTTP 200"
    assert_stage "$R" alert ok
}

interrupt TERM int-term term 143 1
interrupt INT int-int int 130 2
