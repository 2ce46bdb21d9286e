#!/usr/bin/env bash
# 44: alert_repeat and "resolved", with both alert_exec (a recording hook) and
# alert_webhook (a recording receiver) on one job:
#   critical            -> one alert on each channel; STATE/JOB/alert.json (0600)
#   the same again      -> nothing sent, a note says why
#   another error code  -> fires again
#   ok                  -> exactly one "resolved" on each channel
#                          (RESTOREDRILL_STATUS=resolved, webhook status
#                          "resolved", summary "... is RESOLVED: verify passed
#                          again (was CRITICAL: CODE)", messages "resolved: ...")
#   ok again            -> nothing
#   critical again      -> fires (the state was cleared)
# alert_repeat = always: identical critical runs each fire.
# A different status (critical, then warning) fires again.
# A failed delivery is not recorded: the next identical run retries that
# channel only; once delivered, it stays quiet.
. "$(dirname "$0")/lib.sh"

seed_start
alert_fixtures   # SEED, good.dump, src-good, src-bad, P, M

# conf NAME HOOK_FILE URL [LINE...]: $T/NAME.conf (C) for job NAME reading
# $T/src-NAME (S_DIR), report R; alert_exec HOOK_FILE and alert_webhook URL.
conf() {
    local name=$1 hook=$2 url=$3
    shift 3
    S_DIR=$T/src-$name
    mkdir -p "$S_DIR"
    job_conf "$name" "$S_DIR" "target = $SEED" "alert_exec = $hook" "alert_webhook = $url" "$@"
}

# src KIND: the job's source holds junk (format_unknown), nothing
# (archive_not_found) or good (ok).
src() {
    rm -f "$S_DIR"/*
    case $1 in
    junk) cp "$T/src-bad/junk.dump" "$S_DIR/app.dump" ;;
    good) cp "$T/good.dump" "$S_DIR/app.dump" ;;
    esac
}

# verify EXIT STATUS CODE: run the job; the usual report checks.
verify() {
    run_rd verify -c "$C"
    assert_report "$R" "$1" "$2" "$3"
    assert_last_json "$(jq -r .job "$R" 2>/dev/null)" "$R"
    assert_promtool "$M"
}

# alerts_are 'CHANNEL|OK' ...: the report's alerts[] (any order) are these.
alerts_are() {
    local want got
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
    got=$(jq -r '.alerts[] | "\(.channel)|\(.ok)"' "$R" 2>/dev/null | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "alerts[] of run #$RD_N (expected '$want', got '$got'): $(jq -c .alerts "$R" 2>/dev/null)"
}

H=$T/hook
hook_make "$T/hook.sh" "$H"
sink_start main
S=$SINK_OUT
conf app "$T/hook.sh" "http://127.0.0.1:$SINK_PORT/hook"
A=$STATE/app/alert.json

# ------------------------------------------------ 1. critical: one alert each
src junk
verify 2 critical format_unknown
assert_hook_count "$H" 1
assert_sink_count "$S" 1
alerts_are 'exec|true' 'webhook|true'
assert_stage "$R" alert ok
assert_file_is "$H/1.STATUS" critical
assert_file_exists "$A"
[ "$(stat -c %a "$A" 2>/dev/null)" = 600 ] || fail "$A should be 0600 (got $(stat -c %a "$A" 2>/dev/null))"
assert_json_true "$A" '[.. | objects | select(.status? == "critical" and .code? == "format_unknown")] | length == 2' \
    "alert.json remembers critical/format_unknown for both channels ($(jq -c . "$A" 2>/dev/null))"

# ------------------------------------------- 2. the same failure: nothing
src junk
verify 2 critical format_unknown
assert_hook_count "$H" 1
assert_sink_count "$S" 1
alerts_are
assert_stage "$R" alert skipped
assert_json_true "$R" '[.notes[] | select(test("alert"; "i"))] | length > 0' \
    "a note says why no alert was sent (notes: $(jq -c .notes "$R" 2>/dev/null))"

# ------------------------------------------ 3. another error code: fires
src none
verify 2 critical archive_not_found
assert_hook_count "$H" 2
assert_sink_count "$S" 2
alerts_are 'exec|true' 'webhook|true'
assert_file_is "$H/2.STATUS" critical
sink_body "$S" 2 "$T/b2.json"
assert_json "$T/b2.json" .status critical
assert_json "$T/b2.json" .report.error.code archive_not_found

# ------------------------------------------------- 4. ok: one "resolved"
src good
verify 0 ok null
assert_hook_count "$H" 3
assert_sink_count "$S" 3
alerts_are 'exec|true' 'webhook|true'
assert_stage "$R" alert ok
resolved="restoredrill: job 'app' is RESOLVED: verify passed again (was CRITICAL: archive_not_found)"
assert_file_is "$H/3.STATUS" resolved
assert_file_is "$H/3.JOB" app
assert_file_is "$H/3.SUMMARY" "$resolved"
cp "$H/3.stdin" "$T/resolved-stdin.json"
validate_report "$T/resolved-stdin.json"
assert_json "$T/resolved-stdin.json" .status ok
sink_body "$S" 3 "$T/b3.json"
assert_json "$T/b3.json" .status resolved
assert_json "$T/b3.json" .job app
assert_json "$T/b3.json" .summary "$resolved"
assert_json "$T/b3.json" .report.status ok
assert_json_true "$R" '[.alerts[] | .message | startswith("resolved: ")] | all and length == 2' \
    "resolved alerts' messages start with 'resolved: ' ($(jq -c '[.alerts[].message]' "$R" 2>/dev/null))"
if [ -e "$A" ]; then
    assert_json_true "$A" '[.. | objects | select(.code? == "archive_not_found" or .code? == "format_unknown")] | length == 0' \
        "alert.json no longer holds an outstanding alert ($(jq -c . "$A" 2>/dev/null))"
fi

# ------------------------------------------------------ 5. ok again: nothing
verify 0 ok null
assert_hook_count "$H" 3
assert_sink_count "$S" 3
alerts_are
assert_stage "$R" alert skipped

# ------------------------------------ 6. critical again: fires (state cleared)
src junk
verify 2 critical format_unknown
assert_hook_count "$H" 4
assert_sink_count "$S" 4
alerts_are 'exec|true' 'webhook|true'
assert_file_is "$H/4.STATUS" critical

# ---------------------------------------------- alert_repeat = always
H2=$T/hook-rep
hook_make "$T/hook-rep.sh" "$H2"
sink_start rep
conf rep "$T/hook-rep.sh" "http://127.0.0.1:$SINK_PORT/hook" "alert_repeat = always"
src junk
for i in 1 2 3; do
    verify 2 critical format_unknown
    assert_hook_count "$H2" "$i"
    assert_sink_count "$SINK_OUT" "$i"
    alerts_are 'exec|true' 'webhook|true'
done
sink_stop "$SINK_PID"

# --------------------------- a different status (critical -> warning) fires
H3=$T/hook-stat
hook_make "$T/hook-stat.sh" "$H3"
sink_start stat
conf stat "$T/hook-stat.sh" "http://127.0.0.1:$SINK_PORT/hook" "probes = $P"
src junk
verify 2 critical format_unknown
assert_hook_count "$H3" 1
src good
verify 1 warning null
assert_hook_count "$H3" 2
assert_sink_count "$SINK_OUT" 2
assert_file_is "$H3/2.STATUS" warning
verify 1 warning null     # the same warning: quiet
assert_hook_count "$H3" 2
assert_sink_count "$SINK_OUT" 2
sink_stop "$SINK_PID"

# --------------------------- a failed delivery is retried on the next run
H4=$T/hook-flaky
hook_make "$T/hook-flaky.sh" "$H4"
sink_start down --status 500
DOWN_OUT=$SINK_OUT
DOWN_PID=$SINK_PID
conf flaky "$T/hook-flaky.sh" "http://127.0.0.1:$SINK_PORT/hook"
src junk
verify 2 critical format_unknown
assert_hook_count "$H4" 1
assert_sink_count "$DOWN_OUT" 3
alerts_are 'exec|true' 'webhook|false'
assert_stage "$R" alert warning
verify 2 critical format_unknown          # exec was delivered, webhook was not
assert_hook_count "$H4" 1
assert_sink_count "$DOWN_OUT" 6
alerts_are 'webhook|false'
sink_stop "$DOWN_PID"
sink_start up
conf flaky "$T/hook-flaky.sh" "http://127.0.0.1:$SINK_PORT/hook"
verify 2 critical format_unknown          # the receiver is back: delivered now
assert_hook_count "$H4" 1
assert_sink_count "$SINK_OUT" 1
alerts_are 'webhook|true'
sink_body "$SINK_OUT" 1 "$T/late.json"
assert_json "$T/late.json" .status critical
verify 2 critical format_unknown          # and then quiet
assert_hook_count "$H4" 1
assert_sink_count "$SINK_OUT" 1
alerts_are
sink_stop "$SINK_PID"
seed_stop
