#!/usr/bin/env bash
# 46: when alerts and pings must NOT go out.
#   - every bad alert setting (alert_on, webhook_format, alert_repeat,
#     alert_timeout; alert_exec empty, unterminated quote, each unquoted shell
#     operator, a relative path; alert_webhook / ping_url not http(s) or
#     without a host) in a config file: lint and verify exit 3, config_invalid,
#     the message names FILE:LINE and the key; as a flag, it names --the-flag;
#     nothing is run or sent (the job would have been critical);
#   - credentials in a refused URL are not echoed in the error;
#   - verify --dry-run sends nothing, says so in a note and leaves the
#     alert state alone (also with an outstanding alert and a good archive);
#   - a run that finds the job locked: no report, no alert, no ping, exit 3;
#   - lint, list and probe send nothing.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src" "$T/empty"
head -c 3000 /dev/urandom >"$T/src/junk.dump"   # verify would be critical
H=$T/hook
hook_make "$T/hook.sh" "$H"
sink_start recv
S=$SINK_OUT
GOOD_EXEC="alert_exec = $T/hook.sh"
GOOD_HOOK="alert_webhook = http://127.0.0.1:$SINK_PORT/hook"
GOOD_PING="ping_url = http://127.0.0.1:$SINK_PORT/ping"

# bad CASE KEY 'KEY = VALUE': a config whose line 8 is the bad setting, the
# other alert settings good; lint and verify must refuse it, naming the key.
n=0
bad() {
    local case=$1 key=$2 line=$3 F R exec=$GOOD_EXEC hook=$GOOD_HOOK ping=$GOOD_PING
    local hooks0 sent0
    hooks0=$(hook_count "$H")
    sent0=$(sink_count "$S")
    n=$((n + 1))
    F=$T/bad$n.conf
    R=$T/bad$n.json
    case $key in
    alert_exec) exec="# (alert_exec is the bad line)" ;;
    alert_webhook) hook="# (alert_webhook is the bad line)" ;;
    ping_url) ping="# (ping_url is the bad line)" ;;
    esac
    printf '%s\n' "[defaults]" "state_dir = $STATE" "[job app]" "source = $T/src" \
        "$exec" "$hook" "$ping" "$line" >"$F"
    note "case $n ($case): $line"
    run_rd lint -c "$F"
    assert_exit 3
    assert_contains "$RD_ERR" "$(basename "$F"):8"
    assert_contains "$RD_ERR" "$key"
    run_rd verify -c "$F" --report "$R"
    assert_report "$R" 3 unknown config_invalid
    assert_contains "$RD_ERR" "$(basename "$F"):8"
    assert_json_true "$R" ".error.message | contains(\"$key\")" "$case: error.message names $key ($(jq -c .error.message "$R" 2>/dev/null))"
    assert_json "$R" '.alerts | length' 0
    assert_hook_count "$H" "$hooks0"
    assert_sink_count "$S" "$sent0"
}

bad "alert_on" alert_on "alert_on = sometimes"
bad "alert_on ok" alert_on "alert_on = ok"
# docs/config.md: alert_on is warning or critical (the first draft of the
# contract also had unknown; an unknown run always alerts anyway)
bad "alert_on unknown" alert_on "alert_on = unknown"
bad "webhook_format" webhook_format "webhook_format = xml"
bad "alert_repeat" alert_repeat "alert_repeat = twice"
bad "alert_timeout 0" alert_timeout "alert_timeout = 0s"
bad "alert_timeout unit" alert_timeout "alert_timeout = 5 minutes"
bad "alert_timeout over 1h" alert_timeout "alert_timeout = 2h"   # docs/config.md: 1s to 1h
bad "alert_exec empty" alert_exec "alert_exec ="
bad "alert_exec blank" alert_exec "alert_exec = ''"
bad "alert_exec unterminated '" alert_exec "alert_exec = $T/hook.sh 'unterminated"
bad "alert_exec unterminated \"" alert_exec "alert_exec = $T/hook.sh \"unterminated"
for op in '|' ';' '&' '<' '>' '`' '$' '(' ')'; do
    bad "alert_exec unquoted $op" alert_exec "alert_exec = $T/hook.sh a${op}b"
done
bad "alert_exec operator alone" alert_exec "alert_exec = $T/hook.sh a | tee $T/PWNED"
bad "alert_exec relative path" alert_exec "alert_exec = hooks/alert.sh"
bad "alert_exec ./ path" alert_exec "alert_exec = ./hook.sh"
for key in alert_webhook ping_url; do
    bad "$key ftp" "$key" "$key = ftp://127.0.0.1/x"
    bad "$key no scheme" "$key" "$key = 127.0.0.1:$SINK_PORT/x"
    bad "$key no host" "$key" "$key = http:///x"
    bad "$key empty host" "$key" "$key = https://"
    bad "$key file" "$key" "$key = file:///etc/passwd"
done
bad "alert_webhook ftp with credentials" alert_webhook "alert_webhook = ftp://user:l3akpw@127.0.0.1/x"
assert_not_contains "$RD_ERR" l3akpw
assert_not_contains "$T/bad$n.json" l3akpw
bad "ping_url no host, credentials" ping_url "ping_url = http://user:l3akpw2@/x"
assert_not_contains "$RD_ERR" l3akpw2
assert_not_contains "$T/bad$n.json" l3akpw2
assert_no_file "$T/PWNED"

# ---------------------------------------------------- the same, as flags
flag_bad() { # FLAG VALUE
    local R=$T/flag-${1#--}.json hooks0 sent0
    hooks0=$(hook_count "$H")
    sent0=$(sink_count "$S")
    run_rd verify --source "$T/src" --report "$R" --state-dir "$STATE" \
        --alert-exec "$T/hook.sh" --ping-url "http://127.0.0.1:$SINK_PORT/ping" "$1" "$2"
    assert_report "$R" 3 unknown config_invalid
    assert_json_true "$R" ".error.message | contains(\"$1\")" "error.message names $1 ($(jq -c .error.message "$R" 2>/dev/null))"
    assert_hook_count "$H" "$hooks0"
    assert_sink_count "$S" "$sent0"
}
flag_bad --alert-on sometimes
flag_bad --webhook-format xml
flag_bad --alert-repeat twice
flag_bad --alert-timeout 0s
flag_bad --alert-webhook ftp://127.0.0.1/x
flag_bad --ping-url 'http:///x'
R=$T/flag-exec.json
hooks0=$(hook_count "$H")
sent0=$(sink_count "$S")
run_rd verify --source "$T/src" --report "$R" --state-dir "$STATE" --alert-exec "$T/hook.sh a|b"
assert_report "$R" 3 unknown config_invalid
assert_json_true "$R" '.error.message | contains("--alert-exec")' "error.message names --alert-exec"
assert_hook_count "$H" "$hooks0"
assert_sink_count "$S" "$sent0"

# -------------------------------------------------------------- --dry-run
seed_start
make_dump "$T/good.dump"
seed_stop
mkdir -p "$T/src-dry"
cp "$T/src/junk.dump" "$T/src-dry/app.dump"
C=$T/dry.conf
printf '%s\n' "[defaults]" "state_dir = $STATE" "[job dry]" "source = $T/src-dry" "report = $T/dry.json" \
    "$GOOD_EXEC" "$GOOD_HOOK" "$GOOD_PING" >"$C"
R=$T/dry.json
hooks0=$(hook_count "$H")
sent0=$(sink_count "$S")
run_rd verify -c "$C" --dry-run
assert_exit 2
validate_report "$R"
assert_json "$R" .status critical
assert_json "$R" '.alerts | length' 0
assert_stage "$R" alert skipped
assert_json_true "$R" '[.notes[] | select(test("alert|ping"; "i"))] | length > 0' \
    "a note says the dry run sends no alerts (notes: $(jq -c .notes "$R" 2>/dev/null))"
assert_hook_count "$H" "$hooks0"
assert_sink_count "$S" "$sent0"
assert_no_file "$STATE/dry/alert.json"
# a real run leaves an outstanding alert...
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
hooks1=$((hooks0 + 1))
assert_hook_count "$H" "$hooks1"
sent=$(sink_count "$S")
[ "$sent" = $((sent0 + 3)) ] || fail "the real run should have sent start ping, webhook, end ping (got $sent requests)"
assert_file_exists "$STATE/dry/alert.json"
cp "$STATE/dry/alert.json" "$T/alert-before.json" 2>/dev/null
# ...which a dry run on a good archive neither resolves nor touches
cp "$T/good.dump" "$T/src-dry/app.dump"
touch "$T/src-dry/app.dump"
run_rd verify -c "$C" --dry-run
assert_exit 0
validate_report "$R"
assert_json "$R" .status ok
assert_json "$R" '.alerts | length' 0
assert_hook_count "$H" "$hooks1"
assert_sink_count "$S" "$sent"
cmp -s "$T/alert-before.json" "$STATE/dry/alert.json" || fail "the dry run changed $STATE/dry/alert.json"

# ------------------------------------------------------- a locked run
C=$T/locked.conf
printf '%s\n' "[defaults]" "state_dir = $STATE" "[job locked]" "source = $T/src" "report = $T/locked.json" \
    "$GOOD_EXEC" "$GOOD_HOOK" "$GOOD_PING" >"$C"
mkdir -p "$STATE/locks" && chmod 0700 "$STATE/locks"
LOCK=$STATE/locks/locked.lock
(exec 9>>"$LOCK" && flock -x 9 && exec sleep 60) &
holder=$!
RD_SINK_PIDS+=("$holder")   # stopped at exit like the sinks
for _ in $(seq 1 50); do
    flock -n "$LOCK" true 2>/dev/null || break
    sleep 0.1
done
flock -n "$LOCK" true 2>/dev/null && fail "could not take $LOCK for the test"
before=$(sink_count "$S")
run_rd verify -c "$C"
assert_exit 3
assert_matches "$RD_ERR" lock
assert_no_file "$T/locked.json"
assert_no_file "$STATE/locked/alert.json"
assert_hook_count "$H" "$hooks1"
assert_sink_count "$S" "$before"
sink_stop "$holder"

# ----------------------------------------------- lint, list, probe: silent
P=$T/probes
probe_file "$P" one.sql <<'P'
-- name: one
-- kind: true
SELECT true;
P
C=$T/quiet.conf
printf '%s\n' "[defaults]" "state_dir = $STATE" "[job quiet]" "source = $T/empty" "probes = $P" \
    "$GOOD_EXEC" "$GOOD_HOOK" "$GOOD_PING" >"$C"
run_rd lint -c "$C"
assert_exit 0
run_rd list -c "$C"
assert_exit 2          # no archive: critical
run_rd probe -c "$C" --db "host=127.0.0.1 port=1 user=postgres dbname=postgres" --report "$T/probe.json"
assert_report "$T/probe.json" 3 unknown db_unreachable
assert_json "$T/probe.json" '.alerts | length' 0
assert_hook_count "$H" "$hooks1"
assert_sink_count "$S" "$before"
