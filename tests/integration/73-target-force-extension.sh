#!/usr/bin/env bash
# 73: on a server target (role rd_target)
#   A. a session left open on the scratch database at cleanup, opened as the
#      target role (a CREATEDB role cannot end other roles' sessions), does
#      not stop the drop: DROP DATABASE ... WITH (FORCE) ends it; the run is
#      ok and the database gone;
#   C. a dump that rewrites its database's comment (the marker): still
#      dropped, as the database is in this run's ledger and owned by us;
#   B. a dump that needs extensions the server lacks -> 3 missing_extension
#      at the preflight, naming both, before any CREATE DATABASE: no
#      database made, no ledger entry, stage restore skipped.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 60).dump" "$(fixture_slow_sql 1500)"
must spsql postgres -c "DROP ROLE rd_seed_marker" # slow here too (~3 s)
scratch() { spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill\_%' ORDER BY 1"; }
TGT=$(seed_target postgres)

# ------------------------------------------------------------ A. FORCE
R=$T/a.json
run_rd_bg verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" pg_restore 30 || fail "pg_restore never ran"
# (the first pg_restore may be the preflight's --list: wait for the database)
for _ in $(seq 1 100); do db=$(scratch); [ -n "$db" ] && break; sleep 0.1; done
[ -n "$db" ] || fail "no scratch database"
PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=rd_target "$SEED_BIN/psql" -X -q -d "$db" \
    -c "SELECT pg_sleep(120)" >"$T/app.out" 2>&1 &
app=$!
for _ in $(seq 1 50); do
    [ "$(spsql postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE 'SELECT pg_sleep%'")" = 1 ] && break
    sleep 0.1
done
wait_rd "$pid" 60
assert_report "$R" 0 ok null
assert_json "$R" .restore.scratch_dropped true
[ -z "$(scratch)" ] || fail "the database with an open session should be dropped (FORCE): $(scratch)"
for _ in $(seq 1 30); do kill -0 $app 2>/dev/null || break; sleep 0.1; done
if kill -0 $app 2>/dev/null; then
    kill $app
    fail "the open session should have been ended by the drop"
fi
wait $app 2>/dev/null
assert_contains "$T/app.out" "terminat"

# ------------------------------------------------------------ B. extensions
rm -f "$BACKUPS"/*
plain_dump ext.sql "CREATE EXTENSION IF NOT EXISTS rd_nosuch_one WITH SCHEMA public;"
sed -i 's/^CREATE EXTENSION IF NOT EXISTS rd_nosuch_one WITH SCHEMA public;$/&\nCREATE EXTENSION IF NOT EXISTS rd_nosuch_two WITH SCHEMA public;/' "$BACKUPS/ext.sql"
R=$T/b.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown missing_extension
assert_stage "$R" preflight unknown
assert_stage "$R" restore skipped
assert_json_true "$R" '.error.message | test("rd_nosuch_one") and test("rd_nosuch_two")' "names both extensions"
assert_json_true "$R" '.error.message | test("not available on the target server")' "says where"
assert_json "$R" .restore.database null
[ -z "$(scratch)" ] || fail "nothing should be created: $(scratch)"
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "no ledger entry: $(ls "$STATE/ledger")"

# ------------------------------------------------------------ C. comment rewritten
rm -f "$BACKUPS"/*
plain_dump hijack.sql "DO \$\$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'not yours'); END \$\$;"
R=$T/c.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$T/state-c" # no drift baseline
assert_report "$R" 0 ok null
assert_json "$R" .restore.scratch_dropped true
[ -z "$(scratch)" ] || fail "a rewritten marker must not keep the scratch database: $(scratch)"
[ -z "$(ls -A "$T/state-c/ledger" 2>/dev/null)" ] || fail "the ledger should be empty"
