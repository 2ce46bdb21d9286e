#!/usr/bin/env bash
# 42: alert_webhook against a real receiver (tests/integration/webhook-sink.py),
# every case a critical run (an archive that is no dump: format_unknown, exit
# 2) of its own job:
#   - json: one POST, Content-Type application/json, User-Agent
#     restoredrill/VERSION, body exactly {status, job, summary, report} with
#     the report; alerts[] = [webhook ok "HTTP 200"], stage alert ok;
#   - slack (given as flags): body exactly {"text": SUMMARY};
#   - 500 once then 200: 2 tries, ok, "after 2 tries", ~1 s backoff;
#   - 500 always: 3 tries (backoff 1 s, 2 s), ok false "HTTP 500 after 3
#     tries", exit code still 2; 429 is retried too; 404 is not;
#   - a receiver that never answers, alert_timeout = 1s: 3 tries, "timed
#     out", the run ends in < 20 s;
#   - 302: one request, the redirect not followed, ok false;
#   - credentials in the URL (user:pass@, ?password=) are sent (Basic auth)
#     but appear nowhere in stdout, stderr, report, last.json, JUnit, metrics
#     or the state dir;
#   - https to a self-signed certificate fails (TLS is verified), nothing
#     reaches the receiver.
# The alert never changes the run's status, exit code or metrics.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src"
head -c 3000 /dev/urandom >"$T/src/junk.dump"
M=$T/metrics.prom

# wh_run NAME URL [LINE...]: verify job NAME (config $T/NAME.conf, report R,
# JUnit $T/NAME.xml) with alert_webhook = URL and extra LINEs; times it (SECS).
wh_run() {
    local name=$1 url=$2 t0
    shift 2
    X=$T/$name.xml
    job_conf "$name" "$T/src" "junit = $X" "alert_webhook = $url" "$@"
    t0=$(date +%s%N)
    run_rd verify -c "$C"
    SECS=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    note "$name: ${SECS}s"
    assert_report "$R" 2 critical format_unknown
    assert_junit "$X" "$R"
    assert_last_json "$name" "$R"
    assert_promtool "$M"
    assert_metric "$M" "restoredrill_status{job=\"$name\"}" 2
}

# assert_gap FILE N MIN: request N+1 came at least MIN seconds after request N
assert_gap() {
    local got
    got=$(jq -r -s --argjson n "$2" '(.[$n].time - .[$n - 1].time) * 10 | floor / 10' "$1" 2>/dev/null)
    awk -v g="${got:-0}" -v m="$3" 'BEGIN { exit !(g >= m) }' ||
        fail "$(basename "$1"): request $(($2 + 1)) came ${got:-?}s after request $2 (expected a backoff of >= $3 s)"
}

# ------------------------------------------------------------------ json
sink_start json
wh_run whjson "http://127.0.0.1:$SINK_PORT/hook"
S=$SINK_OUT
assert_sink_count "$S" 1
assert_sink "$S" '.[0].method' POST
assert_sink "$S" '.[0].path' /hook
assert_sink "$S" '.[0].headers | with_entries(.key |= ascii_downcase) | ."content-type" | startswith("application/json")' true
assert_sink "$S" '.[0].headers | with_entries(.key |= ascii_downcase) | ."user-agent"' "restoredrill/$(jq -r .tool.version "$R")"
sink_body "$S" 1 "$T/json-body.json"
assert_json "$T/json-body.json" 'keys | join(",")' "job,report,status,summary"
assert_json "$T/json-body.json" .status critical
assert_json "$T/json-body.json" .job whjson
jq -j .summary "$T/json-body.json" >"$T/json-summary.txt" 2>/dev/null
assert_summary "$T/json-summary.txt" "$R"
assert_json "$T/json-body.json" .report.job whjson
assert_json "$T/json-body.json" .report.status critical
assert_json "$T/json-body.json" .report.error.code format_unknown
assert_json "$T/json-body.json" .report.archive.name junk.dump
jq .report "$T/json-body.json" >"$T/json-body-report.json" 2>/dev/null
validate_report "$T/json-body-report.json"
assert_json "$R" '.alerts | length' 1
assert_json "$R" '.alerts[0] | [.channel, .ok, .message] | map(tostring) | join("|")' "webhook|true|HTTP 200"
assert_stage "$R" alert ok
sink_stop "$SINK_PID"

# ------------------------------------------------------ slack, as flags
sink_start slack
R=$T/whslack.json   # flags only: the job is "default"
run_rd verify --source "$T/src" --report "$R" --state-dir "$STATE" \
    --alert-webhook "http://127.0.0.1:$SINK_PORT/services/T0/B0/x" --webhook-format slack
assert_report "$R" 2 critical format_unknown
S=$SINK_OUT
assert_sink_count "$S" 1
assert_sink "$S" '.[0] | [.method, .path] | join(" ")' "POST /services/T0/B0/x"
assert_sink "$S" '.[0].headers | with_entries(.key |= ascii_downcase) | ."content-type" | startswith("application/json")' true
sink_body "$S" 1 "$T/slack-body.json"
assert_json "$T/slack-body.json" 'keys | join(",")' text
jq -j .text "$T/slack-body.json" >"$T/slack-text.txt" 2>/dev/null
assert_summary "$T/slack-text.txt" "$R"
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|true"
sink_stop "$SINK_PID"

# ---------------------------------------------------- 500 once, then 200
sink_start flaky --fail-first 1
wh_run whflaky "http://127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 2
assert_gap "$SINK_OUT" 1 0.9
assert_sink "$SINK_OUT" '[.[].body] | .[0] == .[1]' true
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|true"
assert_json_true "$R" '.alerts[0].message | contains("2 tries")' "message mentions 2 tries (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
assert_stage "$R" alert ok
sink_stop "$SINK_PID"

# ------------------------------------------------------------ 500 always
sink_start s500 --status 500
wh_run wh500 "http://127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 3
assert_gap "$SINK_OUT" 1 0.9
assert_gap "$SINK_OUT" 2 1.9
assert_json "$R" '.alerts | length' 1
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|false"
assert_json_true "$R" '.alerts[0].message | startswith("HTTP 500 after 3 tries")' \
    "message starts with 'HTTP 500 after 3 tries' (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
assert_stage "$R" alert warning
sink_stop "$SINK_PID"

# ------------------------------------------------ 429 retried, 404 not
sink_start s429 --status 429
wh_run wh429 "http://127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 3
assert_json "$R" '.alerts[0].ok' false
assert_json_true "$R" '.alerts[0].message | contains("429")' "message names HTTP 429"
sink_stop "$SINK_PID"

sink_start s404 --status 404
wh_run wh404 "http://127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 1
assert_json "$R" '.alerts[0].ok' false
assert_json_true "$R" '.alerts[0].message | contains("404")' "message names HTTP 404"
assert_stage "$R" alert warning
sink_stop "$SINK_PID"

# ------------------------------------------- a receiver that never answers
sink_start hang --delay 30
wh_run whhang "http://127.0.0.1:$SINK_PORT/hook" "alert_timeout = 1s"
assert_sink_count "$SINK_OUT" 3
awk -v s="$SECS" 'BEGIN { exit !(s < 20) }' || fail "whhang: the run took ${SECS}s (expected < 20 s with alert_timeout 1s)"
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|false"
assert_json_true "$R" '.alerts[0].message | contains("timed out") and contains("3 tries")' \
    "message says timed out (3 tries) (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
assert_stage "$R" alert warning
sink_stop "$SINK_PID"

# ------------------------------------------------------------------ 302
sink_start elsewhere
E_OUT=$SINK_OUT
E_PID=$SINK_PID
sink_start redirect --location "http://127.0.0.1:$SINK_PORT/elsewhere"
wh_run wh302 "http://127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 1
assert_sink_count "$E_OUT" 0
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|false"
assert_json_true "$R" '.alerts[0].message | contains("302") and contains("redirects are not followed")' \
    "message says HTTP 302, redirects are not followed (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
sink_stop "$SINK_PID"
sink_stop "$E_PID"

# ----------------------------------------------------- credentials in URLs
no_secret() { # SECRET: in none of the run's outputs nor the state dir
    local f hits
    for f in "$RD_OUT" "$RD_ERR" "$R" "$X" "$M" "$STATE/$NAME/last.json"; do
        [ -e "$f" ] || continue
        ! grep -qF -- "$1" "$f" || fail "the secret '$1' leaked into $f: $(grep -F -- "$1" "$f" | head -c 300)"
    done
    hits=$(grep -rlF -- "$1" "$STATE" 2>/dev/null)
    [ -z "$hits" ] || fail "the secret '$1' leaked into the state dir: $hits"
}
sink_start creds --status 500
NAME=whcreds
wh_run whcreds "http://user:s3cr3tpw@127.0.0.1:$SINK_PORT/hook"
assert_sink_count "$SINK_OUT" 3
assert_sink "$SINK_OUT" '.[0].headers | with_entries(.key |= ascii_downcase) | .authorization' \
    "Basic $(printf 'user:s3cr3tpw' | base64)"
assert_json "$R" '.alerts[0].ok' false
no_secret s3cr3tpw
# the same, with debug logging
run_rd verify -v -c "$C"
assert_exit 2
no_secret s3cr3tpw
sink_stop "$SINK_PID"

sink_start qcreds --status 500
NAME=whqcreds
wh_run whqcreds "http://127.0.0.1:$SINK_PORT/hook?password=qu3rypw&x=1"
assert_sink_count "$SINK_OUT" 3
assert_sink "$SINK_OUT" '.[0].path' "/hook?password=qu3rypw&x=1"
no_secret qu3rypw
sink_stop "$SINK_PID"

# --------------------------------------------- https, self-signed: refused
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
    sink_start tls --tls "$T/tls.crt" "$T/tls.key"
    wh_run whtls "https://127.0.0.1:$SINK_PORT/hook" "alert_timeout = 5s"
    assert_sink_count "$SINK_OUT" 0
    assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "webhook|false"
    assert_json_true "$R" '.alerts[0].message | test("certificate|SSL|TLS"; "i")' \
        "message names the TLS/certificate problem (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
    sink_stop "$SINK_PID"
else
    fail "openssl could not make a self-signed certificate"
fi
