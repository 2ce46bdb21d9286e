#!/usr/bin/env bash
# 76: globals = FILE, rto = DUR, and the scratch server's major:
#   A. a dump whose tables are owned by app_owner, with the seed cluster's
#      pg_dumpall --globals-only (ephemeral target): stage globals ok, the
#      roles made first and the dump restored without --no-owner: customers
#      is owned by app_owner in the scratch cluster (a probe says so);
#   B. without globals: --no-owner, owned by the restorer (the same probe
#      fails: critical);
#   C. globals on a server target without allow_superuser: 3 config_invalid,
#      nothing created;
#   D. rto 1s and a ~3 s restore: warning (1), stage restore warning, a note;
#   E. RESTOREDRILL_PG_ROOT with majors 14, 15, 16: a dump of 15 takes 15;
#      without 15, the newest newer (16); the note says which.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 120).dump"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dumpall" --globals-only -f "$T/globals.sql"
grep -q '^CREATE ROLE app_owner;' "$T/globals.sql" || fail "fixture: the globals lack app_owner"
P=$T/probes
probe_file "$P" owner.sql <<'Q'
-- name: owned_by_app_owner
-- kind: true
SELECT (SELECT tableowner FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename = 'customers') = 'app_owner'
Q
scratch() { spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill\_%'"; }

# ------------------------------------------------------------ A. globals
R=$T/a.json
run_rd verify --source "$BACKUPS" --globals "$T/globals.sql" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_stage "$R" globals ok
assert_probe "$R" owned_by_app_owner .status ok

# ------------------------------------------------------------ B. without
R=$T/b.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_stage "$R" globals skipped

# ------------------------------------------------------------ C. server
R=$T/c.json
run_rd verify --source "$BACKUPS" --globals "$T/globals.sql" --target "$(seed_target postgres)" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown config_invalid
assert_json_true "$R" '.error.message | test("allow_superuser = yes")' "names allow_superuser"
[ -z "$(scratch)" ] || fail "nothing should be created: $(scratch)"
# ... and with a superuser and allow_superuser = yes: owners kept there too.
R=$T/c2.json
run_rd verify --source "$BACKUPS" --globals "$T/globals.sql" --target "$(seed_conninfo postgres)" --allow-superuser yes \
    --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_stage "$R" globals ok
assert_probe "$R" owned_by_app_owner .status ok
[ -z "$(scratch)" ] || fail "the scratch database should be gone: $(scratch)"

# ------------------------------------------------------------ D. rto
rm -f "$BACKUPS"/*
make_dump "app_$(ts_name %Y%m%d-%H%M 60).dump" "$(fixture_slow_sql 1500)"
R=$T/d.json
run_rd verify --source "$BACKUPS" --rto 1s --report "$R" --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_stage "$R" restore warning
assert_json_true "$R" '.restore.duration_s > 1' "restore.duration_s is reported"
assert_json_true "$R" '[.notes[] | select(test("^rto: the restore took .*more than the recovery-time objective 1s"))] | length == 1' "a note about rto"
R=$T/d2.json
run_rd verify --source "$BACKUPS" --rto 10m --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null

# ------------------------------------------------------------ E. majors
real=/usr/lib/postgresql/15
mkdir -p "$T/pgroot"
for m in 14 15 16; do ln -s "$real" "$T/pgroot/$m"; done
R=$T/e.json
RESTOREDRILL_PG_ROOT=$T/pgroot run_rd verify --source "$BACKUPS" --sandbox off --dry-run --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json_true "$R" "[.notes[] | select(. == \"scratch server: PostgreSQL 15 ($T/pgroot/15/bin) for a dump of PostgreSQL 15\")] | length == 1" "the note names major 15"
rm "$T/pgroot/15"
RESTOREDRILL_PG_ROOT=$T/pgroot run_rd verify --source "$BACKUPS" --sandbox off --dry-run --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json_true "$R" "[.notes[] | select(. == \"scratch server: PostgreSQL 16 ($T/pgroot/16/bin) for a dump of PostgreSQL 15 (not installed; the newest newer major)\")] | length == 1" "the note names major 16"
