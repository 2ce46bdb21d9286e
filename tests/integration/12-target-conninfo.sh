#!/usr/bin/env bash
# 12: target = an existing server (a libpq conninfo, and a postgresql:// URI):
# the restore goes into a new database restoredrill_<job>_<ts>_<pid> that
# carries the marker comment while it exists and is dropped afterwards; the
# server's own databases are untouched.
. "$(dirname "$0")/lib.sh"

seed_start
n=app_$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$n" "$(fixture_slow_sql 1500)"   # ~3 s restore: time to look at it
ne=app_$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$T/errsrc/$ne" "$(fixture_restore_error_sql)"
# The fixtures behave as "foreign" only where rd_seed_marker does not exist:
# drop it, so that restoring them into this very server is slow / fails.
must spsql postgres -c "DROP ROLE rd_seed_marker"
dbs() { spsql postgres -Atc "SELECT datname FROM pg_database ORDER BY 1"; }
before=$(dbs)
spsql seed -c "CREATE TABLE public.keepme (v text); INSERT INTO public.keepme VALUES ('untouched')"

# libpq conninfo; job named by the config-less default
R=$T/conninfo.json
run_rd_bg verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --target "$(seed_target postgres)" \
    --report "$R" --state-dir "$STATE"
pid=$RD_PID
if wait_descendant "$pid" pg_restore 30; then
    live=$(spsql postgres -Atc "SELECT datname || '|' || coalesce(shobj_description(oid, 'pg_database'), '')
                                  FROM pg_database WHERE datname LIKE 'restoredrill\_%'")
    note "during the restore: $live"
    case $live in
    restoredrill_default_*_"$pid"\|?*) ;;
    *) fail "during the restore there should be one database restoredrill_default_<ts>_$pid with a marker comment (got '$live')" ;;
    esac
else
    fail "pg_restore never ran under restoredrill"
fi
wait_rd "$pid" 60
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$n"
assert_json_true "$R" ".restore.database | test(\"^restoredrill_default_[0-9A-Za-z]+_${pid}\$\")" \
    "restore.database is restoredrill_default_<ts>_$pid"
assert_stage "$R" restore ok
left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the server: $left"
[ "$(dbs)" = "$before" ] || fail "the server's databases changed: before [$before] after [$(dbs)]"
[ "$(spsql seed -Atc 'SELECT v FROM public.keepme')" = untouched ] || fail "the seed database was changed"

# postgresql:// URI with the socket dir as host parameter
R=$T/uri.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' \
    --target "postgresql://rd_target@/postgres?host=$SEED_HOST&port=$SEED_PORT" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json_true "$R" '.restore.database | startswith("restoredrill_default_")' "restore.database name"
left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the server: $left"
[ "$(dbs)" = "$before" ] || fail "the server's databases changed: before [$before] after [$(dbs)]"

# a restore error against a server: still critical, still dropped
R=$T/error.json
run_rd verify --source "$T/errsrc" --pattern 'app_%Y%m%d-%H%M*' --target "$(seed_target postgres)" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical restore_errors
left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch database left on the server after a failed restore: $left"
[ "$(dbs)" = "$before" ] || fail "the server's databases changed: before [$before] after [$(dbs)]"
