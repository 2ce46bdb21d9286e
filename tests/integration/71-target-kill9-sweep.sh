#!/usr/bin/env bash
# 71: a run on a server target killed mid-restore leaves nothing running,
# and the next run sweeps what it left:
#   A. kill -9 while pg_restore --jobs restores (a spooled custom dump of two
#      slow tables: two workers): within 3 s no pg_restore of the run is
#      left (they ran in a pid namespace that died with restoredrill) and
#      the server has no session on the scratch database any more; the
#      database and its ledger entry are still there (nobody could drop
#      them);
#   B. the next run (a dry run) drops it at stage sweep and lists it in
#      sweep[] (dropped, run id, age, "in the ledger"); the ledger is empty;
#   C. two quick SIGINTs mid-restore: no database left, ledger empty.
. "$(dirname "$0")/lib.sh"

seed_start
slow2() {
    fixture_slow_sql 2500
    cat <<'EOF'
CREATE TABLE public.slow2 (id int PRIMARY KEY, CONSTRAINT slow2_check CHECK (public.rd_slow()));
INSERT INTO public.slow2 SELECT generate_series(1, 2500);
EOF
}
make_dump "$T/slow.dump" "$(slow2)"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -Fc -Z0 \
    -d "fixture$SEED_DB_N" -f "$BACKUPS/app_$(ts_name %Y%m%d-%H%M 60).dump"
must spsql postgres -c "DROP ROLE rd_seed_marker" # now slow here too
scratch() { spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill\_%' ORDER BY 1"; }
sessions() { spsql postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'restoredrill\_%'"; }
TGT=$(seed_target postgres)

# ------------------------------------------------------------ A. kill -9
run_rd_bg verify --source "$BACKUPS" --target "$TGT" --report "$T/killed.json" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" pg_restore 40 || fail "pg_restore never ran under restoredrill (pid $pid)"
workers=0
for _ in $(seq 1 50); do
    workers=$(pgrep -c -f "pg_restore.*--jobs" || true)
    [ "$workers" -ge 3 ] && break # the leader and two workers
    sleep 0.1
done
note "pg_restore processes before the kill: $workers"
[ "$workers" -ge 3 ] || fail "expected pg_restore --jobs with 2 workers (got $workers processes)"
db=$(scratch)
[ -n "$db" ] || fail "no scratch database during the restore"
note "kill -9 $pid (database $db)"
kill -KILL "$pid"
wait_rd "$pid" 10
gone=
for _ in $(seq 1 30); do
    if [ -z "$(pgrep -f "pg_restore.*--jobs")" ] && [ "$(sessions)" = 0 ]; then
        gone=1
        break
    fi
    sleep 0.1
done
[ -n "$gone" ] || fail "3 s after kill -9: pg_restore still runs ($(pgrep -a -f pg_restore | head -n 3)) or $(sessions) sessions remain"
[ "$(scratch)" = "$db" ] || fail "the killed run's database should still be there (got '$(scratch)')"
assert_file_exists "$STATE/ledger/$db"

# ------------------------------------------------------------ B. the sweep
R=$T/sweep.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE" --dry-run
assert_report "$R" 0 ok null
assert_stage "$R" sweep ok
assert_json "$R" '.sweep | length' 1
assert_json "$R" '.sweep[0].database' "$db"
assert_json "$R" '.sweep[0].dropped' true
assert_json_true "$R" ".sweep[0].run_id | test(\"-$pid\$\")" "sweep[0].run_id names the killed pid"
assert_json_true "$R" '.sweep[0].age_s >= 0 and .sweep[0].age_s < 120' "sweep[0].age_s"
assert_json_true "$R" '.sweep[0].reason | test("in the ledger; its run .pid [0-9]+ on .*is gone")' "sweep[0].reason"
assert_json_true "$R" '.sweep[0].server | test("user=rd_target")' "sweep[0].server"
assert_contains "$RD_ERR" "sweep: database '$db' dropped"
[ -z "$(scratch)" ] || fail "the sweep should have dropped '$db' (left: $(scratch))"
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "the ledger should be empty: $(ls "$STATE/ledger")"

# ------------------------------------------------------------ C. two SIGINTs
run_rd_bg verify --source "$BACKUPS" --target "$TGT" --report "$T/int.json" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" pg_restore 40 || fail "pg_restore never ran (pid $pid)"
for _ in $(seq 1 100); do [ -n "$(scratch)" ] && break; sleep 0.1; done
[ -n "$(scratch)" ] || fail "no scratch database before the SIGINTs"
sleep 0.5
kill -INT "$pid"
sleep 0.2
kill -INT "$pid"
wait_rd "$pid" 60
assert_exit 130
[ -z "$(scratch)" ] || fail "two SIGINTs left a database: $(scratch)"
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "two SIGINTs left a ledger entry: $(ls "$STATE/ledger")"
