#!/usr/bin/env bash
# 74: restore --into NAME, the developer bootstrap, on the server libpq's
# defaults name (PGHOST, PGPORT, PGUSER = the CREATEDB role rd_target; no
# target set):
#   A. a fresh NAME: created with the data, owned by rd_target, commented as
#      restored (no scratch marker: no sweep takes it), report command
#      restore, stage swap ok, restore.database NAME; stderr says what
#      happened, how long it took and the psql line; nothing else left;
#   B. an existing NAME is replaced; the old one is kept as
#      NAME_previous_<ts> (its own row still in it); --drop-previous drops it;
#   C. a broken archive: 2, NAME untouched (its OID and a row compared);
#   D. a failing probe: 2, stage swap skipped, NAME untouched;
#   E. a remote host (also through service= or PGSERVICE) without
#      --allow-remote: 3, refused before anything;
#   F. NAME = the database the dump was taken from: 3 unless --force;
#   G. as a superuser: 3 target_superuser.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 120).dump"
dev() { PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=rd_target "$@"; }
tq() { dev "$SEED_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
oid() { spsql postgres -Atc "SELECT oid FROM pg_database WHERE datname = '$1'"; }
scratch() { spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill\_%'"; }
nothing_left() {
    [ -z "$(scratch)" ] || fail "$1: a scratch database was left: $(scratch)"
    [ -z "$(ls -A "$STATE/ledger" 2>/dev/null)" ] || fail "$1: the ledger is not empty"
}

# ------------------------------------------------------------ A. fresh
R=$T/a.json
dev run_rd restore --into devdb --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .command restore
assert_stage "$R" swap ok
assert_stage "$R" restore ok
assert_json "$R" .restore.database devdb
assert_json "$R" .restore.kept true
[ "$(tq devdb 'SELECT count(*) FROM public.customers')" = 100 ] || fail "devdb should hold the 100 customers"
[ "$(spsql postgres -Atc "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'devdb'")" = rd_target ] \
    || fail "devdb should be owned by rd_target"
assert_matches "$(spsql postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'devdb'" > "$T/c"; echo "$T/c")" \
    "^restored by restoredrill restore --into from 'app_"
assert_matches "$RD_ERR" "restored 'app_[0-9-]+\.dump' into database 'devdb' in [0-9.]+s \(restore [0-9.]+s\)"
assert_contains "$RD_ERR" "connect: psql \""
assert_contains "$RD_ERR" "dbname=devdb\""
nothing_left A

# ------------------------------------------------------------ B. replace
tq devdb "CREATE TABLE public.devmark (v text); INSERT INTO public.devmark VALUES ('mine')"
old=$(oid devdb)
R=$T/b.json
dev run_rd restore --into devdb --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
prev=$(spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'devdb\_previous\_%'")
assert_matches "$(echo "$prev" >"$T/p"; echo "$T/p")" '^devdb_previous_[0-9]{8}t[0-9]{6}z$'
[ "$(oid "$prev")" = "$old" ] || fail "the old devdb (oid $old) should be kept as $prev"
[ "$(tq "$prev" 'SELECT v FROM public.devmark')" = mine ] || fail "the previous database lost its row"
[ "$(oid devdb)" != "$old" ] || fail "devdb should be the new database"
[ "$(tq devdb "SELECT to_regclass('public.devmark') IS NULL")" = t ] || fail "the new devdb should not have devmark"
assert_contains "$RD_ERR" "the previous 'devdb' is kept as '$prev'"
assert_json_true "$R" "[.notes[] | select(test(\"kept as '$prev'\"))] | length == 1" "a note names the previous"
sleep 1 # a new _previous_ name
dev run_rd restore --into devdb --source "$BACKUPS" --report "$T/b2.json" --state-dir "$STATE" --drop-previous
assert_report "$T/b2.json" 0 ok null
[ "$(spsql postgres -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'devdb\_previous\_%'")" = 1 ] \
    || fail "--drop-previous should drop the one it made and keep the older previous"
assert_contains "$RD_ERR" "was dropped (--drop-previous)"
nothing_left B

# ------------------------------------------------------------ C. broken archive
tq devdb "CREATE TABLE public.devmark (v text); INSERT INTO public.devmark VALUES ('keep me')"
before=$(oid devdb)
mkdir -p "$T/broken"
head -c 4000 "$DUMP" >"$T/broken/app_$(ts_name %Y%m%d-%H%M 60).dump"
R=$T/c.json
dev run_rd restore --into devdb --source "$T/broken" --report "$R" --state-dir "$STATE"
assert_exit 2
validate_report "$R"
assert_stage "$R" swap skipped
[ "$(oid devdb)" = "$before" ] || fail "a broken archive must leave devdb as it was (oid $before, now $(oid devdb))"
[ "$(tq devdb 'SELECT v FROM public.devmark')" = "keep me" ] || fail "devdb lost its row"
nothing_left C

# ------------------------------------------------------------ D. probe fails
probe_file "$T/probes" many.sql <<'P'
-- name: many
-- kind: rows
-- min: 1000
SELECT count(*) FROM public.customers
P
R=$T/d.json
dev run_rd restore --into devdb --source "$BACKUPS" --probes "$T/probes" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_stage "$R" swap skipped
[ "$(oid devdb)" = "$before" ] || fail "a failed probe must leave devdb as it was"
[ "$(tq devdb 'SELECT v FROM public.devmark')" = "keep me" ] || fail "devdb lost its row"
nothing_left D

# ------------------------------------------------------------ E. remote
R=$T/e.json
run_rd restore --into devdb --source "$BACKUPS" --target "host=192.0.2.10 user=rd_target dbname=postgres connect_timeout=2" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown usage
assert_json_true "$R" '.error.message | test("server .192.0.2.10. is not local")' "names the remote host"
assert_json_true "$R" '.error.message | test("--allow-remote")' "names --allow-remote"
PGHOST=db.example.invalid run_rd restore --into devdb --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown usage
# a service's host lives in pg_service.conf: remote unless host says otherwise
printf '[prod]\nhost=192.0.2.10\nuser=rd_target\ndbname=postgres\nconnect_timeout=1\n' >"$T/pg_service.conf"
PGSERVICEFILE=$T/pg_service.conf run_rd restore --into devdb --source "$BACKUPS" --target "service=prod" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown usage
assert_json_true "$R" '.error.message | test("service=prod. is not local")' "names the service"
PGSERVICEFILE=$T/pg_service.conf PGSERVICE=prod run_rd restore --into devdb --source "$BACKUPS" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown usage
run_rd restore --into devdb --source "$BACKUPS" --target "host=192.0.2.10 user=rd_target dbname=postgres connect_timeout=1" \
    --allow-remote --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown db_unreachable

# ------------------------------------------------------------ F. the dump's own db
R=$T/f.json
dev run_rd restore --into seed --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown usage
assert_json_true "$R" '.error.message | test("database archive .* was dumped from")' "says why"
assert_json_true "$R" '.error.message | test("--force")' "names --force"
nothing_left F

# ------------------------------------------------------------ G. superuser
R=$T/g.json
PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=postgres run_rd restore --into devdb2 --source "$BACKUPS" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown target_superuser
[ -z "$(oid devdb2)" ] || fail "devdb2 should not exist"

# docs/examples/dev-bootstrap: the whole flow, as a developer runs it
echo "+ docs/examples/dev-bootstrap"
dev env PATH="$(dirname "$RESTOREDRILL"):$PATH" BACKUPS="$BACKUPS" DB=devdb3 STATE_DIR="$STATE" \
    "$RD_ROOT/docs/examples/dev-bootstrap" >"$T/boot.out" 2>&1 || fail "dev-bootstrap failed: $(cat "$T/boot.out")"
assert_contains "$T/boot.out" "ready: psql -d devdb3"
[ "$(tq devdb3 'SELECT count(*) FROM public.customers')" = 100 ] || fail "dev-bootstrap: devdb3 should hold the data"

# usage
run_rd restore --source "$BACKUPS"
assert_exit 3
assert_contains "$RD_ERR" "restore needs --into NAME"
run_rd verify --source "$BACKUPS" --into x
assert_exit 3
assert_contains "$RD_ERR" "go with 'restore'"
