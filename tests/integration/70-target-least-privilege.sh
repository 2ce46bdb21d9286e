#!/usr/bin/env bash
# 70: least privilege on a server target, and the ledger of what we create:
#   A. as a CREATEDB role (rd_target): ok; while it restores, the scratch
#      database is in STATE/ledger (server, database, run_id, pid, host)
#      and carries the marker, owned by rd_target; afterwards dropped and
#      out of the ledger; stage sweep ok, sweep [];
#   B. --keep: kept, out of the ledger, re-marked "kept on purpose" (no
#      later sweep may take it);
#   C. as the superuser postgres: 3 target_superuser, the message holds the
#      CREATE ROLE ... LOGIN CREATEDB line; no database created, no ledger
#      entry;
#   D. as a member of pg_read_server_files: refused the same way;
#   E. postgres with allow_superuser = yes: ok.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 60).dump" "$(fixture_slow_sql 1500)"
must spsql postgres -c "DROP ROLE rd_seed_marker" # slow here too (~3 s)
scratch() { spsql postgres -Atc "SELECT datname || '|' || pg_get_userbyid(datdba) || '|' || coalesce(shobj_description(oid, 'pg_database'), '')
                                   FROM pg_database WHERE datname LIKE 'restoredrill\_%' ORDER BY 1"; }
TGT=$(seed_target postgres)
has() { case $1 in *"$2"*) ;; *) fail "'$1' should contain '$2'" ;; esac; }
like() { [[ $1 =~ $2 ]] || fail "'$1' should match /$2/"; }

# ------------------------------------------------------------ A. CREATEDB
R=$T/a.json
run_rd_bg verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE"
pid=$RD_PID
if wait_descendant "$pid" pg_restore 30; then
    # (the first pg_restore may be the preflight's --list: wait for the database)
    for _ in $(seq 1 100); do live=$(scratch); [ -n "$live" ] && break; sleep 0.1; done
    note "during the restore: $live"
    db=${live%%|*}
    like "$live" "^restoredrill_default_[0-9a-z]+_${pid}\|rd_target\|restoredrill scratch database \(job default, pid $pid, host $(hostname)"
    L=$STATE/ledger/$db
    assert_file_exists "$L"
    has "$(cat "$L" 2>/dev/null)" "database=$db"
    has "$(cat "$L" 2>/dev/null)" "pid=$pid"
    has "$(cat "$L" 2>/dev/null)" "host=$(hostname)"
    has "$(cat "$L" 2>/dev/null)" "server=user=rd_target dbname=postgres host=$SEED_HOST port=$SEED_PORT"
    like "$(cat "$L" 2>/dev/null)" "run_id=[0-9]+-$pid"
    [ "$(stat -c %a "$L" 2>/dev/null)" = 600 ] || fail "the ledger entry should be 0600"
else
    fail "pg_restore never ran"
fi
wait_rd "$pid" 60
assert_report "$R" 0 ok null
assert_stage "$R" sweep ok
assert_json "$R" '.sweep | length' 0
assert_json "$R" .restore.scratch_dropped true
[ -z "$(scratch)" ] || fail "the scratch database should be gone: $(scratch)"
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "the ledger should be empty: $(ls "$STATE/ledger")"

# ------------------------------------------------------------ B. --keep
R=$T/b.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE" --keep
assert_report "$R" 0 ok null
kept=$(scratch)
like "$kept" '^restoredrill_default_.*\|rd_target\|restoredrill: kept on purpose'
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "a kept database should leave the ledger"
assert_contains "$RD_ERR" "kept: database '${kept%%|*}'"
must spsql postgres -c "DROP DATABASE \"${kept%%|*}\""

# ------------------------------------------------------------ C. superuser
R=$T/c.json
run_rd verify --source "$BACKUPS" --target "$(seed_conninfo postgres)" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown target_superuser
assert_stage "$R" preflight unknown
assert_json_true "$R" '.error.message | test("role .postgres. is a superuser")' "names the role"
assert_json_true "$R" '.error.message | test("CREATE ROLE restoredrill LOGIN CREATEDB")' "prints the CREATE ROLE line"
assert_json_true "$R" '.error.message | test("allow_superuser = yes")' "names allow_superuser"
[ -z "$(scratch)" ] || fail "nothing should be created for a refused target: $(scratch)"
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "no ledger entry for a refused target"

# ------------------------------------------------------------ D. server files
must spsql postgres -c "CREATE ROLE rd_files LOGIN CREATEDB; GRANT pg_read_server_files TO rd_files"
R=$T/d.json
run_rd verify --source "$BACKUPS" --target "host=$SEED_HOST port=$SEED_PORT user=rd_files dbname=postgres" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown target_superuser
assert_json_true "$R" '.error.message | test("member of pg_read_server_files")' "names the role membership"
[ -z "$(scratch)" ] || fail "nothing should be created: $(scratch)"

# ------------------------------------------------------------ E. allowed
C=$T/e.conf
cat >"$C" <<EOF
[job e]
source = $BACKUPS
target = $(seed_conninfo postgres)
allow_superuser = yes
report = $T/e.json
state_dir = $STATE
EOF
run_rd verify -c "$C"
assert_report "$T/e.json" 0 ok null
[ -z "$(scratch)" ] || fail "the scratch database should be gone: $(scratch)"
run_rd lint -c "$C"
assert_exit 0
sed -i 's/allow_superuser = yes/allow_superuser = maybe/' "$C"
run_rd verify -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "invalid allow_superuser 'maybe'"
