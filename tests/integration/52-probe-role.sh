#!/usr/bin/env bash
# 52: a dump cannot make the probes run with powers (ephemeral target).
#   A. a plain dump that pre-creates the old fixed probe role
#      (CREATE ROLE restoredrill_probe SUPERUSER LOGIN, and as a member of
#      pg_read_all_data) -> the probes run as a fresh restoredrill_probe_<16
#      hex> that is no superuser: a "NOT rolsuper" probe passes (0);
#   B. a dump that makes pg_read_all_data a member of a superuser role (so
#      any member could SET ROLE to it) -> 3 probe_role_unsafe, no probe run;
#   C. a dump that makes pg_read_all_data a member of a CREATEROLE role ->
#      3 probe_role_unsafe;
#   D. a normal dump -> its probes pass (0).
#   E. (server target, a password in the conninfo) while pg_restore runs,
#      its /proc/PID/environ holds no PGPASSWORD but a PGPASSFILE: a 0600
#      file in a 0700 dir holding '*:*:*:*:' and the password with ':' and
#      '\' escaped, owned by the tool's uid; file and dir gone after the
#      run, which is ok (the target role rd_pw logs in with
#      scram-sha-256, so the tools really read the passfile).
. "$(dirname "$0")/lib.sh"

seed_start
P=$T/probes
probe_file "$P" 10_not_super.sql <<'P'
-- name: not_super
-- kind: true
SELECT current_user ~ '^restoredrill_probe_[0-9a-f]{16}$'
       AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
       AND NOT pg_catalog.pg_has_role(current_user, 'pg_write_all_data', 'USAGE')
P
probe_file "$P" 20_rows.sql <<'P'
-- name: rows
-- kind: rows
-- min: 3
-- max: 3
SELECT count(*) FROM public.t
P

# ------------------------------------------- A. the old fixed name, taken
plain_dump a.sql "CREATE ROLE restoredrill_probe SUPERUSER LOGIN; GRANT pg_read_all_data TO restoredrill_probe; GRANT pg_write_all_data TO restoredrill_probe;"
R=$T/a.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' "not_super=ok rows=ok"

# -------------------------- B. pg_read_all_data made a member of a superuser
plain_dump b.sql "CREATE ROLE evil_super SUPERUSER NOLOGIN; GRANT evil_super TO pg_read_all_data;"
R=$T/b.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown probe_role_unsafe
assert_json "$R" .error.stage probes
assert_json "$R" '[.probes[]?] | length' 0
assert_json_true "$R" '.error.message | test("evil_super")' "error.message names the unsafe role"

# ------------------------- C. pg_read_all_data made a member of a CREATEROLE
plain_dump c.sql "CREATE ROLE evil_cr CREATEROLE NOLOGIN; GRANT evil_cr TO pg_read_all_data;"
R=$T/c.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown probe_role_unsafe

# --------------------------------------------------------- D. normal dump
plain_dump d.sql "SELECT 1;"
R=$T/d.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' "not_super=ok rows=ok"


# ------------------------------------- E. no password in a tool's environ
must spsql postgres -c "CREATE DATABASE slowpw"
must spsql slowpw -c "$(cat <<'SQL'
SET client_min_messages = warning;
CREATE FUNCTION public.rd_slow52() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.current_database() LIKE 'restoredrill%' THEN
    PERFORM pg_catalog.pg_sleep(0.002);
  END IF;
  RETURN true;
END $$;
CREATE TABLE public.slow (id int PRIMARY KEY, CONSTRAINT slow_check CHECK (public.rd_slow52()));
INSERT INTO public.slow SELECT generate_series(1, 2500);
SQL
)"
rm -f "$BACKUPS"/*
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fc -d slowpw -f "$BACKUPS/slow.dump"
# A role that must log in with its password (scram), first in pg_hba.
must spsql postgres -c "CREATE ROLE rd_pw LOGIN CREATEDB PASSWORD 's3cr:et\\pw'"
{ echo 'local all rd_pw scram-sha-256'; cat "$SEED_DIR/data/pg_hba.conf"; } >"$T/hba"
cat "$T/hba" >"$SEED_DIR/data/pg_hba.conf"
must spsql postgres -c "SELECT pg_catalog.pg_reload_conf()"
PGPASSWORD=wrong "$SEED_BIN/psql" -X -h "$SEED_HOST" -p "$SEED_PORT" -U rd_pw -d postgres -c 'SELECT 1' >/dev/null 2>&1 &&
    fail "rd_pw should need its password"
PW='s3cr:et\pw'
R=$T/e.json
run_rd_bg verify --source "$BACKUPS" --report "$R" --state-dir "$T/state-e" \
    --target "host=$SEED_HOST port=$SEED_PORT user=rd_pw dbname=postgres password='s3cr:et\\\\pw'"
pid=$RD_PID
# the restore's pg_restore, not the preflight's short pg_restore --list
tool=
for _ in $(seq 1 400); do
    tool=$(descendant "$pid" pg_restore)
    [ -n "$tool" ] && tr '\0' ' ' <"/proc/$tool/cmdline" 2>/dev/null | grep -q -- '--dbname' && break
    tool=
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -n "$tool" ]; then
    envf=$T/tool.environ
    tr '\0' '\n' <"/proc/$tool/environ" >"$envf" 2>/dev/null || fail "cannot read /proc/$tool/environ"
    grep -q '^PGPASSWORD=' "$envf" && fail "pg_restore's environment holds PGPASSWORD"
    grep -qF "$PW" "$envf" && fail "pg_restore's environment holds the password"
    pf=$(sed -n 's/^PGPASSFILE=//p' "$envf")
    if [ -z "$pf" ] || [ ! -f "$pf" ]; then
        fail "pg_restore should get a PGPASSFILE (got '$pf')"
    else
        [ "$(stat -c %a "$pf")" = 600 ] || fail "the passfile $pf should be 0600 (is $(stat -c %a "$pf"))"
        [ "$(stat -c %a "$(dirname "$pf")")" = 700 ] || fail "the passfile's dir should be 0700"
        assert_file_is "$pf" '*:*:*:*:s3cr\:et\\pw'
        [ "$(stat -c %u "$pf")" = "$(stat -c %u "/proc/$tool")" ] ||
            fail "the passfile should belong to the uid pg_restore runs as (libpq ignores it otherwise)"
    fi
else
    fail "pg_restore never ran under restoredrill (pid $pid)"
fi
wait_rd "$pid"
assert_report "$R" 0 ok null
[ -z "${pf:-}" ] || assert_no_file "$pf"
[ -z "${pf:-}" ] || assert_no_file "$(dirname "$pf")"
