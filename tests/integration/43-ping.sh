#!/usr/bin/env bash
# 43: ping_url (healthchecks.io style) against a real receiver:
#   - ok run: GET URL/start, then POST URL/0 whose body is the report (its
#     alerts[] holding the start ping only); the final report has both pings
#     ("start: HTTP 200", "end 0: HTTP 200");
#   - warning -> /1 (also with alert_on = critical: pings ignore alert_on),
#     critical -> /2 (every time: pings ignore alert_repeat), unknown -> /3;
#   - URL/ and URL?query: the path is extended before the query
#     (http://h/p/?x=1 -> /p/start?x=1, /p/2?x=1);
#   - nobody listening: the run's status and exit code are unchanged, both
#     pings are in alerts[] with ok false.
. "$(dirname "$0")/lib.sh"

seed_start
alert_fixtures   # SEED, good.dump, src-good, src-bad, P, M

# ping_run NAME SOURCE URL [LINE...]: verify job NAME with ping_url = URL.
ping_run() {
    local name=$1 src=$2 url=$3
    shift 3
    job_conf "$name" "$src" "ping_url = $url" "$@"
    run_rd verify -c "$C"
    validate_report "$R"
    assert_last_json "$name" "$R"
    assert_promtool "$M"
}

# assert_pings FILE 'METHOD PATH' ...: exactly these requests, in order.
assert_pings() {
    local f=$1 want
    shift
    want=$(printf '%s\n' "$@")
    assert_sink "$f" '.[] | "\(.method) \(.path)"' "$want"
}

# ------------------------------------------------------------------- ok
sink_start ok
ping_run pingok "$T/src-good" "http://127.0.0.1:$SINK_PORT/ping/abc" "target = $SEED"
assert_report "$R" 0 ok null
assert_pings "$SINK_OUT" "GET /ping/abc/start" "POST /ping/abc/0"
sink_body "$SINK_OUT" 2 "$T/ok-end-body.json"
validate_report "$T/ok-end-body.json"
assert_json "$T/ok-end-body.json" .status ok
assert_json "$T/ok-end-body.json" .job pingok
assert_json "$T/ok-end-body.json" '.alerts | map([.channel, .ok, .message] | map(tostring) | join("|")) | join(",")' \
    "ping|true|start: HTTP 200"
assert_json "$R" '.alerts | map([.channel, .ok, .message] | map(tostring) | join("|")) | join(",")' \
    "ping|true|start: HTTP 200,ping|true|end 0: HTTP 200"
assert_stage "$R" alert ok
# the end ping's body is the report as rewritten after alerting (only the
# end ping's own entry comes later)
if [ -s "$T/ok-end-body.json" ] && [ -s "$R" ]; then
    cmp -s <(jq -S 'del(.alerts[-1]) | del(.duration_s, .finished_at, .stages)' "$R") \
        <(jq -S 'del(.duration_s, .finished_at, .stages)' "$T/ok-end-body.json") ||
        fail "the end ping's body differs from the final report (beyond the end ping entry): $(diff <(jq -S 'del(.alerts[-1])' "$R") <(jq -S . "$T/ok-end-body.json") | head -c 600 | tr '\n' ' ')"
fi
assert_sink "$SINK_OUT" '.[0].body' ""
sink_stop "$SINK_PID"

# ------------------------------------- warning (alert_on = critical): /1
sink_start warn
ping_run pingwarn "$T/src-good" "http://127.0.0.1:$SINK_PORT/ping/w" "target = $SEED" "probes = $P" "alert_on = critical"
assert_report "$R" 1 warning null
assert_pings "$SINK_OUT" "GET /ping/w/start" "POST /ping/w/1"
sink_body "$SINK_OUT" 2 "$T/warn-end-body.json"
assert_json "$T/warn-end-body.json" .status warning
sink_stop "$SINK_PID"

# --------------------------------- unknown (nothing at the target): /3
sink_start unknown
ping_run pingunk "$T/src-good" "http://127.0.0.1:$SINK_PORT/u" "target = host=127.0.0.1 port=1 user=postgres dbname=postgres"
assert_report "$R" 3 unknown db_unreachable
assert_pings "$SINK_OUT" "GET /u/start" "POST /u/3"
seed_stop
sink_stop "$SINK_PID"

# --------------------------- critical: /2, each time (alert_repeat once)
sink_start crit
ping_run pingcrit "$T/src-bad" "http://127.0.0.1:$SINK_PORT/ping/abc"
assert_report "$R" 2 critical format_unknown
assert_pings "$SINK_OUT" "GET /ping/abc/start" "POST /ping/abc/2"
sink_body "$SINK_OUT" 2 "$T/crit-end-body.json"
validate_report "$T/crit-end-body.json"
assert_json "$T/crit-end-body.json" .status critical
assert_json "$T/crit-end-body.json" .error.code format_unknown
assert_json "$R" '.alerts[-1] | [.channel, .ok, .message] | map(tostring) | join("|")' "ping|true|end 2: HTTP 200"
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_pings "$SINK_OUT" "GET /ping/abc/start" "POST /ping/abc/2" "GET /ping/abc/start" "POST /ping/abc/2"
sink_stop "$SINK_PID"

# ------------------------------------------------ trailing '/' and ?query
sink_start shapes
ping_run slash "$T/src-bad" "http://127.0.0.1:$SINK_PORT/p/"
assert_exit 2
ping_run slashq "$T/src-bad" "http://127.0.0.1:$SINK_PORT/p/?x=1"
assert_exit 2
ping_run query "$T/src-bad" "http://127.0.0.1:$SINK_PORT/q?x=1&y=a%20b"
assert_exit 2
assert_pings "$SINK_OUT" "GET /p/start" "POST /p/2" "GET /p/start?x=1" "POST /p/2?x=1" \
    "GET /q/start?x=1&y=a%20b" "POST /q/2?x=1&y=a%20b"
sink_stop "$SINK_PID"

# --------------------------------------------------- nobody listening
sink_start gone
dead=$SINK_PORT
sink_stop "$SINK_PID"
t0=$(date +%s)
ping_run pingdown "$T/src-bad" "http://127.0.0.1:$dead/ping/abc"
secs=$(($(date +%s) - t0))
assert_report "$R" 2 critical format_unknown
assert_metric "$M" 'restoredrill_status{job="pingdown"}' 2
assert_json "$R" '[.alerts[] | select(.channel == "ping")] | length' 2
assert_json "$R" '[.alerts[] | .ok] | map(tostring) | join(",")' "false,false"
assert_json_true "$R" '.alerts[0].message | startswith("start: ")' "the first ping entry is the start ping"
assert_json_true "$R" '.alerts[1].message | startswith("end 2: ")' "the second ping entry is the end ping"
assert_stage "$R" alert warning
[ "$secs" -lt 30 ] || fail "pings to nobody took ${secs}s (expected < 30)"
assert_sink_count "$SINK_OUT" 0
