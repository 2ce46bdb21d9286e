#!/usr/bin/env bash
# 48: an output that was asked for and not written makes the run unknown
# output_failed, exit 3 (issue 9 item 5) -- CI gating on JUnit must not pass
# without the file.  Paths whose parent is a regular file (root ignores
# chmod):
#   - junit, metrics, report, and STATE/JOB/last.json each in turn, for a
#     good backup: exit 3, output_failed at stage report in errors[] (once),
#     stage report unknown, the summary says UNKNOWN, that the backup itself
#     is OK, and names output_failed; the outputs that were written say so;
#     an alert_exec hook is told about last.json when the report could not
#     be written, and its summary says the backup itself is OK;
#   - a bad backup (critical) with an unwritable junit: still critical, exit
#     2, error.code format_unknown, output_failed in errors[] too, and the
#     alert_exec hook gets the critical status and both codes;
#   - on a terminal (script(1)) the error is printed once, in the summary.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app.dump
seed_stop
echo "not a folder" >"$T/afile"
NO=$T/afile/out    # cannot be created: its parent is a regular file

# check_unknown WHAT: the last run is unknown output_failed, backup ok
check_unknown() {
    assert_exit 3
    assert_contains "$RD_OUT" "UNKNOWN (the backup itself: OK"
    assert_matches "$RD_OUT" "FAIL report .*output_failed"
    assert_matches "$RD_OUT" "error: output_failed: $1 not written"
    assert_not_contains "$RD_OUT" "ok   report"
}

run_rd verify --source "$BACKUPS" --state-dir "$STATE" --report "$T/r1.json" --junit "$NO.xml"
check_unknown "the JUnit file"
assert_report "$T/r1.json" 3 unknown output_failed
assert_json "$T/r1.json" '[.errors[] | "\(.stage):\(.code)"] | join(",")' "report:output_failed"
assert_stage "$T/r1.json" report unknown
assert_stage "$T/r1.json" restore ok
assert_last_json default "$T/r1.json"

M=$T/m.prom
run_rd verify --source "$BACKUPS" --state-dir "$STATE" --report "$T/r2.json" --metrics "$NO.prom" --junit "$T/j2.xml"
check_unknown "the metrics file"
assert_report "$T/r2.json" 3 unknown output_failed
assert_xpath "$T/j2.xml" 'boolean(//testcase[@name="report"]/error)' true

H3=$T/hook3
hook_make "$T/hook3.sh" "$H3"
run_rd verify --source "$BACKUPS" --state-dir "$STATE" --report "$NO.json" --metrics "$M" \
    --alert-exec "$T/hook3.sh"
check_unknown "the report"
assert_contains "$RD_OUT" "$NO.json (not written)"
# the hook is told about a report that exists
assert_hook_count "$H3" 1
assert_file_is "$H3/1.STATUS" unknown
assert_file_is "$H3/1.REPORT" "$STATE/default/last.json"
assert_json "$H3/1.report" .error.code output_failed
assert_contains "$H3/1.SUMMARY" "the backup itself is OK"
validate_report "$STATE/default/last.json"
assert_json "$STATE/default/last.json" .exit_code 3
assert_json "$STATE/default/last.json" .error.code output_failed
assert_metric "$M" 'restoredrill_status{job="default"}' 3

rm -rf "$STATE/default" && echo "a file" >"$STATE/default"
run_rd verify --source "$BACKUPS" --state-dir "$STATE" --report "$T/r4.json"
check_unknown "the last report"
assert_report "$T/r4.json" 3 unknown output_failed
rm -f "$STATE/default"

# a critical backup keeps its verdict; the alert carries both causes
mkdir -p "$T/bad" && head -c 3000 /dev/urandom >"$T/bad/junk.dump"
H=$T/hook
hook_make "$T/hook.sh" "$H"
M=$T/m.prom
job_conf bad "$T/bad" "junit = $NO.xml" "alert_exec = $T/hook.sh"
run_rd verify -c "$C"
assert_report "$R" 2 critical format_unknown
assert_json "$R" '[.errors[].code] | join(",")' "format_unknown,output_failed"
assert_matches "$RD_OUT" "error: output_failed: the JUnit file not written"
assert_hook_count "$H" 1
assert_file_is "$H/1.STATUS" critical
assert_json "$H/1.stdin" '[.errors[].code] | join(",")' "format_unknown,output_failed"
assert_contains "$H/1.SUMMARY" "also output_failed"

# on a terminal (stdout and stderr both on it) each error shows once: in the
# summary, not also as a log line
if command -v script >/dev/null 2>&1; then
    timeout -k 5 60 script -qec "'$RESTOREDRILL' verify --source '$BACKUPS' --state-dir '$STATE' --junit '$NO.xml'" \
        /dev/null </dev/null >"$T/tty.out" 2>&1
    n=$(grep -c "the JUnit file not written" "$T/tty.out")
    [ "$n" = 1 ] || fail "on a terminal the error should be printed once, got $n times: $(head -c 600 "$T/tty.out")"
    assert_contains "$T/tty.out" "error: output_failed: the JUnit file not written"
else
    fail "script (util-linux) is missing: cannot check the terminal output"
fi
