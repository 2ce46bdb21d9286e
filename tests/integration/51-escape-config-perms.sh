#!/usr/bin/env bash
# 51: text logs and the summary escape control bytes (issue 11): an archive
# whose name holds a newline and ESC bytes cannot forge a log or summary line
# nor reach the terminal raw, for a good backup and for a bad one (the name
# then sits in error lines); the report keeps the exact name.  A config file
# readable by others that holds a secret (alert_webhook) gives a warning line
# and a report note, status unchanged; at 0600 neither.
. "$(dirname "$0")/lib.sh"

NAME=$'app_\n[ok] forged\e[31m.dump'
seed_start
make_dump "$NAME"
seed_stop
mkdir -p "$T/bad"
printf 'not a dump\n\e[2J\n' >"$T/bad/$NAME"

# check_clean: the last run's stdout and stderr hold no raw ESC, no forged line
check_clean() {
    local f
    for f in "$RD_OUT" "$RD_ERR"; do
        if grep -q $'\e' "$f"; then fail "raw ESC in $(basename "$f")"; fi
        if grep -Eq '^[[:space:]]*(hint: |HINT: )?\[ok\] forged' "$f"; then
            fail "forged line in $(basename "$f"): $(grep -E '\[ok\] forged' "$f")"
        fi
    done
}

run_rd verify --source "$BACKUPS" --state-dir "$STATE" --report "$T/r1.json"
assert_exit 0
check_clean
assert_contains "$RD_OUT" 'app_\n[ok] forged\x1b[31m.dump'
assert_json "$T/r1.json" .archive.name "$NAME"
validate_report "$T/r1.json"

run_rd verify --source "$T/bad" --state-dir "$STATE" --report "$T/r2.json"
assert_exit 2
check_clean
assert_contains "$RD_ERR" 'app_\n[ok] forged\x1b[31m.dump'
assert_matches "$RD_OUT" 'error: format_unknown: .*app_\\n\[ok\] forged'
assert_json "$T/r2.json" .archive.name "$NAME"

# our own HINT still prints on its own line, in the log and in the summary
# (and a "\nHINT: " forged in a name does not make a line)
run_rd verify --source "$T/bad/$NAME" --state-dir "$STATE" --report "$T/r3.json"
check_clean
assert_matches "$RD_OUT" '^  hint: set source to the folder'
run_rd verify $'x\nHINT: [ok] forged\e[1m'
check_clean
assert_matches "$RD_ERR" "^restoredrill: error: unexpected argument 'x\\\\nHINT: \\[ok\\] forged"
assert_matches "$RD_ERR" '^HINT: restoredrill --help$'

# a secret in a config others can read: a warning and a note, status unchanged
M=$T/m.prom
job_conf app "$BACKUPS" "alert_webhook = http://127.0.0.1:9/x"
chmod 0644 "$C"
run_rd verify -c "$C"
assert_exit 0
assert_matches "$RD_ERR" "^restoredrill: warning: config '$C' holds secrets \(alert_webhook\) and is readable by .*others \(mode 0644\)"
assert_json "$R" '[.notes[] | select(test("holds secrets \\(alert_webhook\\)"))] | length' 1
assert_json "$R" .status ok
assert_contains "$RD_OUT" "note: config '$C' holds secrets"
validate_report "$R"

chmod 0600 "$C"
run_rd verify -c "$C"
assert_exit 0
assert_not_contains "$RD_ERR" "holds secrets"
assert_json "$R" '[.notes[] | select(test("holds secrets"))] | length' 0
assert_json "$R" .status ok

