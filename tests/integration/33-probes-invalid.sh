#!/usr/bin/env bash
# 33: a bad probe folder fails the run with exit 3 probe_invalid, naming
# FILE:LINE, before anything is selected, fetched or restored — never a
# scratch cluster (polled while each run lasts), stages select..drift
# skipped, archive and restore null; `lint` says the same (exit 3).  Cases:
# unknown key, duplicate key, missing name, the same name in two files, a
# bad duration, an empty body, non-UTF-8 bytes; and a few more of the
# grammar (a key of another kind, warn_after > error_after, a bad kind, a
# symlinked file, an unterminated string, a folder without .sql files).
# Each bad folder also holds a good probe, so the bad file is found among
# others.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app.dump       # a real, restorable dump: a run that got past the probes would restore it
seed_stop

P=$T/probes
good() {
    probe_file "$1" 00_good.sql <<'X'
-- name: good
-- kind: rows
-- min: 1
SELECT count(*) FROM public.customers
X
}

# rd_pids: processes that name this test's scratch dirs ($T/restoredrill-…).
rd_pids() { pgrep -f -- "$T/restoredrill-" | sort; }

# check_case CASE EXPECTED_LOCATION [MESSAGE_ERE]: verify (default
# ephemeral target) and lint with $P/CASE; both exit 3, the report says
# probe_invalid at stage config naming EXPECTED_LOCATION, and no scratch
# cluster was started.
check_case() {
    local case=$1 loc=$2 ere=${3:-} R=$T/$1.json seen='' st s C=$T/$1.conf
    note "---- case $case"
    run_rd_bg verify --source "$BACKUPS" --probes "$P/$case" --report "$R" --state-dir "$STATE"
    while kill -0 "$RD_PID" 2>/dev/null; do
        seen+=" $(rd_pids)"
        sleep 0.02
    done
    wait_rd "$RD_PID" 30
    assert_report "$R" 3 unknown probe_invalid
    assert_json "$R" .error.stage config
    assert_json_true "$R" ".error.message | contains(\"$loc\")" "case $case: error.message names '$loc'"
    [ -z "$ere" ] || assert_json_true "$R" ".error.message | test(\"$ere\")" "case $case: error.message matches /$ere/"
    assert_json "$R" .archive.name null
    assert_json "$R" .restore.database null
    assert_json "$R" '.probes | length' 0
    for s in select fetch decode preflight restore probes drift; do
        st=$(stage_status "$R" "$s")
        case $st in skipped | missing) ;; *) fail "case $case: stage $s should be skipped (got $st)" ;; esac
    done
    seen=$(tr ' ' '\n' <<<"$seen" | grep -v '^$' | sort -u | tr '\n' ' ')
    [ -z "$seen" ] || fail "case $case: a scratch cluster was started (pids $seen)"
    assert_not_contains "$RD_ERR" "starting a scratch"
    assert_contains "$RD_ERR" "$loc"
    assert_no_file "$STATE/default/drift.json"
    cat >"$C" <<CONF
[job j]
source = $BACKUPS
probes = $P/$case
state_dir = $STATE
CONF
    run_rd lint -c "$C"
    assert_exit 3
    assert_contains "$RD_ERR" "$loc"
}

# unknown key (a typo)
good "$P/unknown-key"
probe_file "$P/unknown-key" bad.sql <<'X'
-- name: bad
-- kind: rows
-- mni: 1
SELECT 1
X
check_case unknown-key "$P/unknown-key/bad.sql:3" "unknown key 'mni'"

# a key twice
good "$P/dup-key"
probe_file "$P/dup-key" bad.sql <<'X'
-- name: bad
-- kind: rows
-- min: 1
-- min: 2
SELECT 1
X
check_case dup-key "$P/dup-key/bad.sql:4" "min"

# no name (no line to point at: the file is named)
good "$P/no-name"
probe_file "$P/no-name" bad.sql <<'X'
-- kind: true
SELECT true
X
check_case no-name "$P/no-name/bad.sql:" "name"

# the same name in two files: the second file and line, and the first file
good "$P/dup-name"
probe_file "$P/dup-name" 10_a.sql <<'X'
-- name: same
-- kind: true
SELECT true
X
probe_file "$P/dup-name" 20_b.sql <<'X'
-- description: the same name again
-- name: same
-- kind: true
SELECT true
X
check_case dup-name "$P/dup-name/20_b.sql:2" "10_a[.]sql"

# a bad duration
good "$P/bad-duration"
probe_file "$P/bad-duration" bad.sql <<'X'
-- name: bad
-- kind: freshness
-- warn_after: 2 hours
SELECT now()
X
check_case bad-duration "$P/bad-duration/bad.sql:3" "2 hours"

# an empty body (header only, comments and blank lines)
good "$P/empty-body"
probe_file "$P/empty-body" bad.sql <<'X'
-- name: bad
-- kind: true

-- the statement is missing
X
check_case empty-body "$P/empty-body/bad.sql:" "empty"

# a body that is only a comment after the header
good "$P/comment-body"
probe_file "$P/comment-body" bad.sql <<'X'
-- name: bad
-- kind: true
/* nothing here */ ;
X
check_case comment-body "$P/comment-body/bad.sql:3"

# not UTF-8 (a Latin-1 byte on line 4)
good "$P/latin1"
printf -- '-- name: bad\n-- kind: true\n-- description: ok\nSELECT \x27caf\xe9\x27 IS NOT NULL\n' >"$P/latin1/bad.sql"
check_case latin1 "$P/latin1/bad.sql:4" "UTF-8"

# a key of another kind
good "$P/wrong-kind-key"
probe_file "$P/wrong-kind-key" bad.sql <<'X'
-- name: bad
-- kind: true
-- min: 1
SELECT true
X
check_case wrong-kind-key "$P/wrong-kind-key/bad.sql:3" "min"

# warn_after > error_after
good "$P/warn-gt-error"
probe_file "$P/warn-gt-error" bad.sql <<'X'
-- name: bad
-- kind: freshness
-- warn_after: 2d
-- error_after: 26h
SELECT now()
X
check_case warn-gt-error "$P/warn-gt-error/bad.sql:3" "warn_after"

# a bad kind
good "$P/bad-kind"
probe_file "$P/bad-kind" bad.sql <<'X'
-- name: bad
-- kind: exists
SELECT true
X
check_case bad-kind "$P/bad-kind/bad.sql:2" "exists"

# an unterminated string
good "$P/unterminated"
probe_file "$P/unterminated" bad.sql <<'X'
-- name: bad
-- kind: true

SELECT 'abc' = 'abc
X
check_case unterminated "$P/unterminated/bad.sql:4"

# a symlinked probe file is refused
good "$P/symlink"
probe_file "$T/elsewhere" real.sql <<'X'
-- name: linked
-- kind: true
SELECT true
X
ln -s "$T/elsewhere/real.sql" "$P/symlink/linked.sql"
check_case symlink "$P/symlink/linked.sql" "symbolic link"

# a folder without any .sql file
mkdir -p "$P/no-sql"
echo "not a probe" >"$P/no-sql/README.txt"
check_case no-sql "$P/no-sql" "no [.]sql"

# a folder that does not exist
check_case missing "$P/missing"
