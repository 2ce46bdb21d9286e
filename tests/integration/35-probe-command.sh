#!/usr/bin/env bash
# 35: `restoredrill probe --db CONNINFO --probes DIR` runs the probes against
# an existing database (here the seed database itself), restoring nothing:
#   - fresh data -> 0, the same report as verify with command "probe",
#     archive fields null, select..restore skipped, probes ok;
#   - the data made 30 h old -> 2 probe_failed;
#   - a probe that tries to write -> refused, and the database is unchanged
#     (the connection is a superuser's: read-only is the session's, not the
#     role's);
#   - relative_to: archive (there is no archive) -> that probe unknown, 3;
#   - no --db -> 3; no probe folder -> 3; an unreachable --db -> 3
#     db_unreachable; a bad probe folder -> 3 probe_invalid.
. "$(dirname "$0")/lib.sh"

seed_start
DB=$(seed_conninfo seed)
P=$T/probes
probe_file "$P/login" recent_login.sql <<'X'
-- name: recent_login
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
SELECT max(last_login_at) FROM public.sessions
X
probe_file "$P/login" customers.sql <<'X'
-- name: customers_not_empty
-- kind: rows
-- min: 1
SELECT count(*) FROM public.customers
X

# ------------------------------------------------------------ fresh: 0
R=$T/fresh.json
run_rd probe --db "$DB" --probes "$P/login" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .command probe
assert_json "$R" .job default
assert_json "$R" '[.archive.name, .archive.created_at, .archive.age_s, .archive.size_bytes] | map(tostring) | join(" ")' \
    "null null null null"
assert_json "$R" .restore.database null
for s in select fetch decode preflight restore; do
    st=$(stage_status "$R" "$s")
    case $st in skipped | missing) ;; *) fail "probe --db: stage $s should be skipped (got $st)" ;; esac
done
assert_stage "$R" probes ok
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' "customers_not_empty=ok recent_login=ok"
assert_probe "$R" customers_not_empty .value 100
assert_probe_true "$R" recent_login '.age_s > 0 and .age_s < 900' "probe --db: age_s about a minute"
assert_json_true "$R" ".restore.target | contains(\"$SEED_HOST\")" "restore.target shows the --db conninfo"
[ "$(spsql postgres -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'restoredrill%'")" = 0 ] \
    || fail "probe --db created a database"

# ------------------------------------------------------------ stale: 2
must spsql seed -c "UPDATE public.sessions SET last_login_at = last_login_at - interval '30 hours'"
R=$T/stale.json
run_rd probe --db "$DB" --probes "$P/login" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_json "$R" .command probe
assert_json "$R" .error.stage probes
assert_probe "$R" recent_login .status critical
assert_probe "$R" customers_not_empty .status ok
assert_contains "$RD_OUT" "recent_login"     # the summary names the failing probe

# ------------------------------------------------- a write is refused
probe_file "$P/write" delete.sql <<'X'
-- name: delete_customers
-- kind: empty
DELETE FROM public.sessions RETURNING id
X
before=$(spsql seed -Atc "SELECT count(*) || '/' || max(last_login_at) FROM public.sessions")
R=$T/write.json
run_rd probe --db "$DB" --probes "$P/write" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe_true "$R" delete_customers '.message | test("25006")' "DELETE refused as read-only (25006)"
after=$(spsql seed -Atc "SELECT count(*) || '/' || max(last_login_at) FROM public.sessions")
[ "$before" = "$after" ] || fail "probe --db changed public.sessions: before '$before' after '$after'"

# -------------------------------------- relative_to: archive: unknown, 3
probe_file "$P/archive" archive.sql <<'X'
-- name: vs_archive
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
-- relative_to: archive
SELECT max(last_login_at) FROM public.sessions
X
probe_file "$P/archive" customers.sql <<'X'
-- name: customers_not_empty
-- kind: rows
-- min: 1
SELECT count(*) FROM public.customers
X
R=$T/archive.json
run_rd probe --db "$DB" --probes "$P/archive" --report "$R" --state-dir "$STATE"
assert_exit 3
validate_report "$R"
assert_json "$R" .status unknown
assert_probe "$R" vs_archive .status unknown
assert_probe_true "$R" vs_archive '.message | test("archive")' "relative_to archive: the message says why"
assert_probe "$R" customers_not_empty .status ok
note "relative_to archive under probe --db: error $(jq -c .error "$R" 2>/dev/null)"

# ------------------------------------------------------ usage errors: 3
run_rd probe --probes "$P/login" --state-dir "$STATE"
assert_exit 3
assert_contains "$RD_ERR" "--db"
R=$T/noprobes.json
run_rd probe --db "$DB" --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_exit 3
R=$T/unreachable.json
run_rd probe --db "host=$T/no-such-socket-dir port=5432 user=postgres dbname=x" --probes "$P/login" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown db_unreachable
probe_file "$P/bad" bad.sql <<'X'
-- name: bad
-- kind: sometimes
SELECT 1
X
R=$T/bad.json
run_rd probe --db "$DB" --probes "$P/bad" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown probe_invalid
assert_json "$R" .error.stage config
assert_json_true "$R" ".error.message | contains(\"$P/bad/bad.sql:2\")" "probe_invalid names FILE:LINE"
