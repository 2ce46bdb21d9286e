#!/usr/bin/env bash
# 41: alert_exec, against a recording bash hook (lib.sh hook_make):
#   - quoting: 'single', "double", backslash, '' and "" are split shell-like,
#     nothing is expanded ($HOME, *, ~ stay as they are); the hook gets its
#     arguments verbatim, the report JSON on stdin (the same bytes as the
#     report file at that moment), RESTOREDRILL_STATUS/JOB/SUMMARY/REPORT,
#     cwd /, its own process group; its stdout goes nowhere; an archive named
#     with shell syntax reaches it verbatim in the summary and the report, and
#     nothing is ever run by a shell (no PWNED);
#   - environment: the minimal one of docs/integrations.md (PATH, HOME, LANG...
#     pass; PGPASSWORD and other variables of the caller do not) plus
#     RESTOREDRILL_*  (the first draft of the contract said "the caller's
#     environment"; the docs narrowed it, THREATS 3.x);
#   - the summary line: "restoredrill: job 'J' is CRITICAL: CODE: MESSAGE
#     (archive 'NAME')", exactly, for a restore failure whose message does
#     not name the archive;
#   - RESTOREDRILL_REPORT is `report =`, else STATE/JOB/last.json (also with
#     --report -); a bare program name is looked up on PATH;
#   - a hook that exits 3 with a message, one that cannot be run, one that
#     hangs (and its child; and one ignoring SIGTERM) under alert_timeout = 2s:
#     alerts[0].ok false with the reason, stage alert warning, the run's
#     status and exit code unchanged, no process left, done well under 30 s;
#   - no alert for an ok run; alert_on = critical ignores a warning run;
#     default alert_on fires on a warning; an unknown run fires whatever
#     alert_on says;
#   - an unquoted | or ; in alert_exec is config_invalid (exit 3), hook not run.
. "$(dirname "$0")/lib.sh"

seed_start
alert_fixtures   # SEED, good.dump, src-good, src-bad (junk: critical, no restore), P, M


# where a shell would have made its PWNED file
pwned_places=("$T" / "$RD_ROOT" "${HOME:-/root}" "$STATE")
pwned_before=$(for d in "${pwned_places[@]}"; do ls -d "$d"/PWNED "$d"/pwned 2>/dev/null; done)

# ---------------------------------------------- quoting and a hostile name
hostile='app_$(touch PWNED);x.dump'
mkdir -p "$T/src-hostile" "$T/cwd"
cp "$T/src-bad/junk.dump" "$T/src-hostile/$hostile"
H=$T/hook-a
hook_make "$T/hook.sh" "$H"
job_conf hostile "$T/src-hostile" \
    "alert_exec = \"$T/hook.sh\" 'a;b \$(touch pwned)' \"x y\" two\\ words \"it's\" '\$HOME' *.dump ~ '|' \"\" end" \
    "junit = $T/hostile.xml"
note "config: $(grep alert_exec "$C")"
cd "$T/cwd" || exit 1
RD_HOOK_MARK=mark-123 PGPASSWORD=pg-s3cret LANG=C.UTF-8 run_rd verify -c "$C"
cd "$T" || exit 1
assert_report "$R" 2 critical format_unknown
assert_json "$R" .archive.name "$hostile"
assert_hook_count "$H" 1
expected_argv=$(printf '%s\n' 'a;b $(touch pwned)' 'x y' 'two words' "it's" '$HOME' '*.dump' '~' '|' '' end)
[ "$(cat "$H/1.argv" 2>/dev/null)" = "$expected_argv" ] ||
    fail "hook argv (expected: $(echo "$expected_argv" | tr '\n' '|'), got: $(tr '\n' '|' <"$H/1.argv" 2>/dev/null))"
assert_file_is "$H/1.argc" 10
assert_file_is "$H/1.STATUS" critical
assert_file_is "$H/1.JOB" hostile
assert_summary "$H/1.SUMMARY" "$R"
assert_contains "$H/1.SUMMARY" "$hostile"
assert_file_is "$H/1.REPORT" "$R"
assert_file_is "$H/1.MARK" "<unset>"
assert_file_is "$H/1.PGPASSWORD" "<unset>"
assert_file_is "$H/1.PATH" "$PATH"
assert_file_is "$H/1.HOME" "${HOME-<unset>}"
assert_file_is "$H/1.LANG" C.UTF-8
extra=$(grep -vE '^(RESTOREDRILL_(STATUS|JOB|SUMMARY|REPORT)|PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|[A-Za-z_]*_[Pp][Rr][Oo][Xx][Yy]|PWD|OLDPWD|SHLVL|_)$' "$H/1.envnames" 2>/dev/null)
[ -z "$extra" ] || fail "the hook's environment should be the minimal one (docs/integrations.md), it also had: $(echo $extra)"
[ "$(grep -c '^RESTOREDRILL_' "$H/1.envnames" 2>/dev/null)" = 4 ] ||
    fail "the hook should get the four RESTOREDRILL_* variables (got: $(grep '^RESTOREDRILL_' "$H/1.envnames" 2>/dev/null | tr '\n' ' '))"
assert_file_is "$H/1.cwd" /
assert_file_is "$H/1.uid" "$(id -u)"
[ "$(cat "$H/1.pgid" 2>/dev/null)" = "$(cat "$H/1.pid" 2>/dev/null)" ] ||
    fail "the hook should lead its own process group (pid $(cat "$H/1.pid" 2>/dev/null), pgid $(cat "$H/1.pgid" 2>/dev/null))"
cp "$H/1.stdin" "$T/hook-stdin.json"
validate_report "$T/hook-stdin.json"
assert_json "$T/hook-stdin.json" .job hostile
assert_json "$T/hook-stdin.json" .status critical
assert_json "$T/hook-stdin.json" .error.code format_unknown
assert_json "$T/hook-stdin.json" .archive.name "$hostile"
if [ -s "$H/1.report" ] && [ -s "$H/1.stdin" ]; then
    cmp -s "$H/1.report" "$H/1.stdin" ||
        cmp -s <(jq -S . "$H/1.report") <(jq -S . "$H/1.stdin") ||
        fail "the hook's stdin is not the report file as it was when the hook ran"
else
    fail "the hook found no report file at RESTOREDRILL_REPORT ($(cat "$H/1.REPORT" 2>/dev/null))"
fi
assert_json "$R" '.alerts | length' 1
assert_json "$R" '.alerts[0] | [.channel, .ok, .message] | map(tostring) | join("|")' "exec|true|exit code 0"
assert_stage "$R" alert ok
assert_last_json hostile "$R"
assert_junit "$T/hostile.xml" "$R"
assert_not_contains "$RD_OUT" HOOK-STDOUT-MARKER
assert_not_contains "$RD_ERR" HOOK-STDOUT-MARKER
assert_promtool "$M"

# ------------- the summary line of a restore failure (message without name)
# (a dump that fails to restore outside its seed cluster: pg_restore's
# error lines do not name the archive; a truncated one now says where it
# was cut, naming it, in the decode stage)
make_dump "$T/src-trunc/app_trunc.dump" "$(fixture_restore_error_sql)"
H=$T/hook-t
hook_make "$T/hook-t.sh" "$H"
job_conf trunc "$T/src-trunc" "alert_exec = $T/hook-t.sh"
run_rd verify -c "$C"
assert_exit 2
validate_report "$R"
assert_json "$R" .status critical
assert_hook_count "$H" 1
note "trunc: $(jq -c .error "$R" 2>/dev/null)"
if jq -e '.error.message | contains("app_trunc.dump") | not' "$R" >/dev/null 2>&1; then
    assert_file_is "$H/1.SUMMARY" \
        "$(jq -r '"restoredrill: job '\''trunc'\'' is CRITICAL: \(.error.code): \(.error.message | split("\n")[0]) (archive '\''app_trunc.dump'\'')"' "$R")"
else
    fail "the fixture's error message names the archive; cannot check the '(archive ...)' part: $(jq -c .error "$R")"
fi

# ------------------------------- RESTOREDRILL_REPORT without a report file
H=$T/hook-b
hook_make "$T/hook-b.sh" "$H"
C=$T/nokey.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
[job nokey]
source = $T/src-bad
alert_exec = $T/hook-b.sh
CONF
run_rd verify -c "$C"
assert_exit 2
validate_report "$STATE/nokey/last.json"
assert_hook_count "$H" 1
assert_file_is "$H/1.REPORT" "$STATE/nokey/last.json"
[ -s "$H/1.report" ] || fail "RESTOREDRILL_REPORT ($STATE/nokey/last.json) did not exist when the hook ran"
assert_json "$STATE/nokey/last.json" '.alerts[0].ok' true
# --report - (stdout): the path is last.json too
sed -i 's/^\[job nokey\]$/[job nokey2]/' "$C"
run_rd verify -c "$C" --report -
assert_exit 2
cp "$RD_OUT" "$T/stdout-report.json"
validate_report "$T/stdout-report.json"
assert_json "$T/stdout-report.json" .job nokey2
assert_hook_count "$H" 2
assert_file_is "$H/2.REPORT" "$STATE/nokey2/last.json"
[ -s "$H/2.report" ] || fail "with --report -, RESTOREDRILL_REPORT should be last.json and exist when the hook runs"
assert_not_contains "$RD_OUT" HOOK-STDOUT-MARKER

# ------------------------------------------- a bare program name on PATH
H=$T/hook-path
mkdir -p "$T/bin"
hook_make "$T/bin/rd-test-hook" "$H"
job_conf pathjob "$T/src-bad" "alert_exec = rd-test-hook first"
PATH=$T/bin:$PATH run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_hook_count "$H" 1
assert_file_is "$H/1.argv" first
assert_json "$R" '.alerts[0].ok' true

# ------------------------------------------------- a hook that cannot run
job_conf norun "$T/src-bad" "alert_exec = $T/no-such-hook arg"
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_json "$R" '.alerts | length' 1
assert_json "$R" '.alerts[0].channel' exec
assert_json "$R" '.alerts[0].ok' false
assert_json_true "$R" ".alerts[0].message | contains(\"cannot run '$T/no-such-hook'\") and contains(\"No such file or directory\")" \
    "alerts[0].message says the hook cannot be run"
assert_stage "$R" alert warning

# ------------------------------------------ a hook that fails (exit 3)
H=$T/hook-e
hook_make "$T/hook-e.sh" "$H" 'echo "hook broke: disk on fire" >&2; exit 3'
job_conf failing "$T/src-bad" "alert_exec = $T/hook-e.sh" "junit = $T/failing.xml"
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_hook_count "$H" 1
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "exec|false"
assert_json_true "$R" '.alerts[0].message | startswith("exit code 3")' "alerts[0].message starts with 'exit code 3'"
assert_json_true "$R" '.alerts[0].message | contains("hook broke: disk on fire")' "alerts[0].message has the hook's stderr"
assert_stage "$R" alert warning
assert_last_json failing "$R"
assert_junit "$T/failing.xml" "$R"
assert_promtool "$M"
assert_metric "$M" 'restoredrill_status{job="failing"}' 2   # the alert does not change the status

# ----------------------------------------- hooks that hang (alert_timeout)
hang_hook() { # FILE TAG [PRELUDE]
    cat >"$1" <<EOF
#!/bin/bash
$3
touch '$T/$2.started'
cat >/dev/null
(exec -a '$T/$2-child' sleep 300) &
exec -a '$T/$2-main' sleep 300
EOF
    chmod 0755 "$1"
}
hang_case() { # TAG [PRELUDE]
    local tag=$1 t0 secs left
    hang_hook "$T/$tag.sh" "$tag" "${2:-}"
    job_conf "$tag" "$T/src-bad" "alert_exec = $T/$tag.sh" "alert_timeout = 2s"
    t0=$(date +%s%N)
    run_rd verify -c "$C"
    secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    note "$tag: the run took ${secs}s"
    assert_report "$R" 2 critical format_unknown
    assert_file_exists "$T/$tag.started"
    awk -v s="$secs" 'BEGIN { exit !(s < 30) }' || fail "$tag: the run took ${secs}s with a hanging hook and alert_timeout 2s (expected well under 30)"
    awk -v s="$secs" 'BEGIN { exit !(s >= 1.9) }' || fail "$tag: the run took only ${secs}s: the hook was not given its 2 s"
    assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "exec|false"
    assert_json_true "$R" '.alerts[0].message | contains("killed after alert_timeout 2s")' \
        "$tag: alerts[0].message says 'killed after alert_timeout 2s' (got $(jq -c '.alerts[0].message' "$R" 2>/dev/null))"
    assert_stage "$R" alert warning
    for _ in $(seq 1 20); do
        left=$(pgrep -f -- "$T/$tag-")
        [ -n "$left" ] || break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        fail "$tag: the hook's processes are still running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | tr '\n' ' ')"
        kill -KILL $left 2>/dev/null
    fi
}
hang_case hang
hang_case hang-noterm "trap '' TERM   # only SIGKILL (5 s after SIGTERM) ends it"

# ----------------------------------- ok and warning runs, alert_on gating
H=$T/hook-ok
hook_make "$T/hook-ok.sh" "$H"
job_conf okjob "$T/src-good" "target = $SEED" "alert_exec = $T/hook-ok.sh"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" '.alerts | length' 0
assert_stage "$R" alert skipped
assert_hook_count "$H" 0

job_conf warnjob "$T/src-good" "target = $SEED" "probes = $P" "alert_on = critical" "alert_exec = $T/hook-ok.sh"
run_rd verify -c "$C"
assert_report "$R" 1 warning null
assert_json "$R" '.alerts | length' 0
assert_stage "$R" alert skipped
assert_hook_count "$H" 0

job_conf warnjob2 "$T/src-good" "target = $SEED" "probes = $P" "alert_exec = $T/hook-ok.sh"
run_rd verify -c "$C"
assert_report "$R" 1 warning null
assert_hook_count "$H" 1
assert_file_is "$H/1.STATUS" warning
assert_json "$R" '.alerts[0] | [.channel, .ok] | map(tostring) | join("|")' "exec|true"
assert_json_true "$R" '.alerts | length == 1' "one alert for the warning run"
grep -q "^restoredrill: job 'warnjob2' is WARNING: " "$H/1.SUMMARY" 2>/dev/null ||
    fail "warning summary should start with \"restoredrill: job 'warnjob2' is WARNING: \" (got '$(cat "$H/1.SUMMARY" 2>/dev/null)')"

job_conf unk "$T/src-good" "target = host=127.0.0.1 port=1 user=postgres dbname=postgres" \
    "alert_on = critical" "alert_exec = $T/hook-ok.sh"
run_rd verify -c "$C"
assert_report "$R" 3 unknown db_unreachable
assert_hook_count "$H" 2
assert_file_is "$H/2.STATUS" unknown
assert_json "$R" '.alerts[0].ok' true
assert_promtool "$M"
seed_stop

# ------------------------------- unquoted shell operators are refused
H=$T/hook-op
hook_make "$T/hook-op.sh" "$H"
for op in "a | b" "a; touch $T/PWNED-op"; do
    job_conf opjob "$T/src-bad" "alert_exec = $T/hook-op.sh $op"
    rm -f "$R"
    run_rd verify -c "$C"
    assert_report "$R" 3 unknown config_invalid
    assert_contains "$RD_ERR" alert_exec
    assert_json_true "$R" '.error.message | contains("alert_exec")' "config error for '$op' names alert_exec"
    assert_json "$R" '.alerts | length' 0
done
assert_hook_count "$H" 0
assert_no_file "$T/PWNED-op"

pwned_after=$(for d in "${pwned_places[@]}"; do ls -d "$d"/PWNED "$d"/pwned 2>/dev/null; done)
[ "$pwned_after" = "$pwned_before" ] || fail "a shell ran somewhere: new PWNED/pwned files: $pwned_after"
found=$(find "$T" \( -name PWNED -o -name pwned -o -name 'PWNED*' \) 2>/dev/null)
[ -z "$found" ] || fail "a shell ran somewhere: $found"
