#!/usr/bin/env bash
# 75: restore --into NAME while the developer's app holds a session on NAME:
#   - exit 3 swap_blocked at stage swap (the restore and probes were ok);
#   - nothing renamed: NAME has its OID and row, and the app's session is
#     still alive (nothing in NAME is terminated);
#   - the restored database is kept under its temporary name, out of the
#     ledger and no longer marked as scratch (no sweep takes it);
#   - the message says how to finish (the two ALTER DATABASE lines) and how
#     to drop it; running those lines after the app is gone finishes the
#     swap.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 120).dump"
dev() { PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=rd_target "$@"; }
tq() { dev "$SEED_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
oid() { spsql postgres -Atc "SELECT oid FROM pg_database WHERE datname = '$1'"; }
scratch() { spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill\_%'"; }

tq postgres "CREATE DATABASE devdb"
tq devdb "CREATE TABLE public.devmark (v text); INSERT INTO public.devmark VALUES ('app data')"
before=$(oid devdb)
dev "$SEED_BIN/psql" -X -q -d devdb -c "SELECT pg_sleep(300)" >"$T/app.out" 2>&1 &
app=$!
for _ in $(seq 1 50); do
    [ "$(spsql postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = 'devdb'")" = 1 ] && break
    sleep 0.1
done

R=$T/busy.json
dev run_rd restore --into devdb --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown swap_blocked
assert_stage "$R" restore ok
assert_stage "$R" swap unknown
kill -0 $app 2>/dev/null || fail "the app's session on devdb was ended"
[ "$(oid devdb)" = "$before" ] || fail "devdb must be as it was (oid $before, now $(oid devdb))"
[ "$(tq devdb 'SELECT v FROM public.devmark')" = "app data" ] || fail "devdb lost its row"
tmp=$(scratch)
[ -n "$tmp" ] || fail "the restored database should be kept under its temporary name"
[ "$(tq "$tmp" 'SELECT count(*) FROM public.customers')" = 100 ] || fail "the kept one should hold the data"
assert_matches "$(spsql postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$tmp'" >"$T/c"; echo "$T/c")" \
    '^restoredrill: restored for restore --into; not swapped in'
[ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "the kept database should be out of the ledger"
assert_contains "$RD_ERR" "has open sessions"
assert_contains "$RD_ERR" "the restored database is kept as '$tmp'"
assert_contains "$RD_ERR" "DROP DATABASE \"$tmp\";"
finish=$(grep -o 'ALTER DATABASE "devdb" RENAME TO "devdb_previous_[0-9a-z]*"; ALTER DATABASE "[a-z0-9_]*" RENAME TO "devdb";' "$RD_ERR" | head -n 1)
[ -n "$finish" ] || fail "the message should print the two ALTER DATABASE lines: $(cat "$RD_ERR")"
assert_json_true "$R" '.error.message | test("ALTER DATABASE")' "the report's message has the lines too"

# A second run does not take the kept one (no marker, no ledger).
run_rd verify --source "$BACKUPS" --target "$(seed_target postgres)" --report "$T/v.json" --state-dir "$STATE" --dry-run --sweep-after 0s
assert_report "$T/v.json" 0 ok null
[ "$(scratch)" = "$tmp" ] || fail "a sweep took the kept database"

# The app goes away (its backend too: a killed psql's backend would sit in
# pg_sleep); the printed lines finish the swap.
spsql postgres -Atc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'devdb'" >/dev/null
wait $app 2>/dev/null
for _ in $(seq 1 50); do
    [ "$(spsql postgres -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = 'devdb'")" = 0 ] && break
    sleep 0.1
done
tq postgres "$finish" >"$T/finish.out" 2>&1 || fail "$(cat "$T/finish.out")"; true || fail "the printed lines did not finish the swap: $finish"
[ "$(tq devdb 'SELECT count(*) FROM public.customers')" = 100 ] || fail "devdb should now be the restored one"
[ -z "$(scratch)" ] || fail "nothing should be left under the temporary name"
