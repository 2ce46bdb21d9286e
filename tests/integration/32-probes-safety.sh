#!/usr/bin/env bash
# 32: probes cannot hurt the restored data, cannot hang the run, and cannot
# be hijacked by what the dump defines.
#   A. (ephemeral, --keep) probes that write: DELETE … RETURNING, UPDATE …
#      RETURNING, a data-modifying CTE after an attempt to switch the
#      session read-write (SET …, which returns no result set, and
#      set_config(…)), COPY … TO PROGRAM and pg_read_file() -> each refused
#      (critical, SQLSTATE in the message, FILE:LINE); the probes run as the
#      non-superuser restoredrill_probe_<16 hex>; the kept database still holds every
#      row, unchanged, and no program ran;
#   B. (ephemeral) SELECT pg_sleep(30) with "-- timeout: 1s" -> 2
#      probe_timeout after ~1 s, the whole run well under 20 s;
#   C. (ephemeral) a probe calling a function of the dump that swallows
#      cancels (catches query_canceled and goes on) -> 2 probe_timeout,
#      the run still ends well under 20 s (client-side deadline);
#   D. (server) "COMMIT; DROP TABLE public.x" -> 3 probe_invalid (two
#      statements) before anything is selected or restored; lint -> 3; while
#      ';' inside strings, dollar quotes and comments is one statement;
#   E. (server) the dump defines public.lower(text) and
#      public.lower(character varying) returning 'hijacked': probes calling
#      lower() get pg_catalog.lower (empty search_path) -> 0; the same probe
#      with "-- search_path: public" is hijacked -> 2 (the control);
#   F. (server) an unqualified table name -> 2 with the search_path HINT;
#      with "-- search_path: public" -> 0.
. "$(dirname "$0")/lib.sh"

fixture_sql() {
    cat <<'SQL'
SET client_min_messages = warning;
CREATE TABLE public.x (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO public.x SELECT g, 'row ' || g FROM generate_series(1, 5) g;
CREATE TABLE public.names (v character varying NOT NULL);
INSERT INTO public.names VALUES ('ABC');
-- CVE-2018-1058 style: objects in public that shadow pg_catalog's
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'hijacked'::text $$;
CREATE FUNCTION public.lower(character varying) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'hijacked'::text $$;
-- a function that does not let itself be cancelled (for up to 25 s)
CREATE FUNCTION public.stubborn() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := pg_catalog.clock_timestamp();
  n int := 0;
BEGIN
  WHILE pg_catalog.clock_timestamp() < t0 + interval '25 seconds' LOOP
    BEGIN
      PERFORM pg_catalog.pg_sleep(0.2);
    EXCEPTION WHEN query_canceled THEN
      n := n + 1;
    END;
  END LOOP;
  RETURN n;
END $$;
SQL
}

seed_start
make_dump app.dump "$(fixture_sql)"
SEED=$(seed_target postgres)
P=$T/probes
PSQL=$SEED_BIN/psql

# ------------------------------------------------- A. writes are refused
probe_file "$P/writes" 10_whoami.sql <<'P'
-- name: whoami
-- kind: true
-- description: probes run as restoredrill_probe_<16 hex>, not a superuser
SELECT current_user ~ '^restoredrill_probe_[0-9a-f]{16}$'
       AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
P
probe_file "$P/writes" 20_delete.sql <<'P'
-- name: delete
-- kind: empty
DELETE FROM public.x RETURNING 1
P
probe_file "$P/writes" 30_update.sql <<'P'
-- name: update
-- kind: empty
UPDATE public.x SET v = 'changed' RETURNING id
P
probe_file "$P/writes" 40_set.sql <<'P'
-- name: set_read_write
-- kind: true
SET default_transaction_read_only = off
P
probe_file "$P/writes" 45_set_config.sql <<'P'
-- name: set_config_read_write
-- kind: true
-- description: allowed (it is a query), but must not make the next probe writable
SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false) = 'off'
P
probe_file "$P/writes" 50_cte_delete.sql <<'P'
-- name: cte_delete
-- kind: rows
-- max: 0
WITH d AS (DELETE FROM public.x RETURNING 1) SELECT count(*) FROM d
P
probe_file "$P/writes" 60_copy_program.sql <<P
-- name: copy_program
-- kind: empty
COPY (SELECT 1) TO PROGRAM 'touch $T/pwned'
P
probe_file "$P/writes" 70_read_file.sql <<'P'
-- name: read_file
-- kind: true
SELECT length(pg_catalog.pg_read_file('/etc/hostname')) > 0
P
probe_file "$P/writes" 80_count.sql <<'P'
-- name: count_after
-- kind: rows
-- min: 5
-- max: 5
SELECT count(*) FROM public.x WHERE v LIKE 'row %'
P
R=$T/writes.json
run_rd verify --source "$BACKUPS" --probes "$P/writes" --keep --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_json "$R" .error.stage probes
assert_json_true "$R" '.error.message | test("delete")' "error.message names the first critical probe (delete)"
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' \
    "whoami=ok delete=critical update=critical set_read_write=critical set_config_read_write=ok cte_delete=critical copy_program=critical read_file=critical count_after=ok"
for n in delete update cte_delete; do
    assert_probe_true "$R" "$n" '.message | test("25006")' "probe $n: refused by the read-only transaction (SQLSTATE 25006)"
done
assert_probe_true "$R" delete ".message | startswith(\"$P/writes/20_delete.sql:3: \")" "probe error names FILE:LINE"
assert_probe_true "$R" set_read_write '.message | test("no result set")' "SET: 'no result set'"
assert_probe_true "$R" copy_program '.message | test("42501")' "COPY TO PROGRAM: permission denied (42501)"
assert_probe_true "$R" read_file '.message | test("42501")' "pg_read_file: permission denied (42501)"
assert_no_file "$T/pwned"
conn=$(sed -n 's/^ *connect: psql "\(.*\)"$/\1/p' "$RD_ERR" | head -n1)
stop=$(sed -n 's/^ *stop: *\(kill -INT .*\)$/\1/p' "$RD_ERR" | head -n1)
kpid='' kdir=''
re="^kill -INT ([0-9]+) && while kill -0 [0-9]+ 2>/dev/null; do sleep 0.1; done && rm -rf '($T/restoredrill-[A-Za-z0-9]+)'\$"
if [[ $stop =~ $re ]]; then
    kpid=${BASH_REMATCH[1]}
    kdir=${BASH_REMATCH[2]}
fi
if [ -z "$conn" ] || [ -z "$kpid" ]; then
    fail "--keep should print the connect and stop lines (conn='$conn' stop='$stop')"
else
    got=$("$PSQL" -X -At "$conn" -c "SELECT count(*) || ' ' || string_agg(v, ',' ORDER BY id) FROM public.x" 2>&1)
    [ "$got" = "5 row 1,row 2,row 3,row 4,row 5" ] \
        || fail "kept database: public.x changed by the probes (expected '5 row 1,…,row 5', got '$got')"
    got=$("$PSQL" -X -At "$conn" -c "SELECT string_agg(CASE WHEN rolsuper THEN 't' ELSE 'f' END, ',') FROM pg_catalog.pg_roles WHERE rolname ~ '^restoredrill_probe_[0-9a-f]{16}\$'" 2>&1)
    [ "$got" = f ] || fail "one role restoredrill_probe_<16 hex> should exist and not be a superuser (got '$got')"
    note "stopping the kept cluster: $stop"
    bash -c "$stop" || fail "the printed stop command failed: $stop"
    for _ in $(seq 1 150); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$kpid" 2>/dev/null; then
        fail "the kept cluster (pid $kpid) still runs after the stop command"
        kill -KILL "$kpid" 2>/dev/null
    fi
    sleep 0.3
    [ -z "$kdir" ] || rm -rf "$kdir"
fi

# ----------------------------------------------- B. pg_sleep(30), 1s timeout
probe_file "$P/sleep" sleep.sql <<'P'
-- name: sleepy
-- kind: empty
-- timeout: 1s
SELECT pg_sleep(30)
P
R=$T/sleep.json
t0=$(date +%s%N)
run_rd verify --source "$BACKUPS" --probes "$P/sleep" --report "$R" --state-dir "$STATE"
wall_ms=$((($(date +%s%N) - t0) / 1000000))
note "pg_sleep run: ${wall_ms} ms wall"
assert_report "$R" 2 critical probe_timeout
assert_json "$R" .error.stage probes
assert_probe "$R" sleepy .status critical
assert_probe_true "$R" sleepy '.duration_ms >= 900 and .duration_ms < 3000' \
    "pg_sleep: cancelled ~1 s after it started (duration_ms $(jq '.probes[0].duration_ms' "$R" 2>/dev/null))"
[ "$wall_ms" -lt 20000 ] || fail "the pg_sleep(30) run took ${wall_ms} ms (expected < 20 s)"
assert_stage "$R" cleanup ok

# ------------------------------------- C. a probe that swallows the cancel
probe_file "$P/stubborn" stubborn.sql <<'P'
-- name: stubborn
-- kind: true
-- timeout: 1s
SELECT public.stubborn() >= 0
P
R=$T/stubborn.json
t0=$(date +%s%N)
run_rd verify --source "$BACKUPS" --probes "$P/stubborn" --report "$R" --state-dir "$STATE"
wall_ms=$((($(date +%s%N) - t0) / 1000000))
note "stubborn run: ${wall_ms} ms wall"
assert_report "$R" 2 critical probe_timeout
assert_probe "$R" stubborn .status critical
[ "$wall_ms" -lt 20000 ] \
    || fail "a probe that ignores cancels held the run for ${wall_ms} ms (expected the client-side deadline, timeout + 5 s, to end it well under 20 s)"

# ------------------------------------------ D. two statements: refused early
probe_file "$P/two" ok.sql <<'P'
-- name: fine
-- kind: rows
-- min: 1
SELECT count(*) FROM public.x
P
probe_file "$P/two" two.sql <<'P'
-- name: sneaky
-- kind: true
-- description: end the read-only transaction, then write
COMMIT; DROP TABLE public.x
P
dbs() { spsql postgres -Atc "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"; }
before=$(dbs)
R=$T/two.json
run_rd verify --source "$BACKUPS" --probes "$P/two" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown probe_invalid
assert_json "$R" .error.stage config
assert_json_true "$R" ".error.message | contains(\"$P/two/two.sql:4\")" "error names two.sql:4"
assert_json "$R" .archive.name null
assert_json "$R" .restore.database null
for s in select fetch restore probes drift; do
    st=$(stage_status "$R" "$s")
    case $st in skipped | missing) ;; *) fail "two statements: stage $s should be skipped (got $st)" ;; esac
done
[ "$(dbs)" = "$before" ] || fail "databases changed on the server: before [$before] after [$(dbs)]"
C=$T/two.conf
cat >"$C" <<CONF
[job two]
source = $BACKUPS
probes = $P/two
state_dir = $STATE
CONF
run_rd lint -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "$P/two/two.sql:4"

probe_file "$P/semis" semis.sql <<'P'
-- name: semicolons_in_literals
-- kind: true
-- a ';' in a string, a quoted identifier, a dollar quote or a comment is not a
-- second statement
SELECT 'a;b' <> $q$;DROP TABLE public.x;$q$ /* ; */ AND "v;" = 'v;' -- ;
  FROM (SELECT 'v;'::text AS "v;") AS s;
P
R=$T/semis.json
run_rd verify --source "$BACKUPS" --probes "$P/semis" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_probe "$R" semicolons_in_literals .status ok

# ------------------------------------------------- E. search_path hijack
probe_file "$P/hijack" lower_literal.sql <<'P'
-- name: lower_literal
-- kind: true
SELECT lower('ABC') = 'abc'
P
probe_file "$P/hijack" lower_column.sql <<'P'
-- name: lower_column
-- kind: true
SELECT lower(v) = 'abc' FROM public.names
P
R=$T/hijack.json
run_rd verify --source "$BACKUPS" --probes "$P/hijack" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_probe "$R" lower_literal .status ok
assert_probe "$R" lower_column .status ok
probe_file "$P/hijack-public" lower_column.sql <<'P'
-- name: lower_column
-- kind: true
-- search_path: public
SELECT lower(v) = 'abc' FROM public.names
P
R=$T/hijack-public.json
run_rd verify --source "$BACKUPS" --probes "$P/hijack-public" --target "$SEED" --report "$R" --state-dir "$STATE"
note "control: with search_path public the dump's lower(varchar) wins"
assert_report "$R" 2 critical probe_failed
assert_probe "$R" lower_column .value false

# ------------------------------------- F. unqualified name: the HINT
probe_file "$P/unqualified" count.sql <<'P'
-- name: count_x
-- kind: rows
-- min: 1
SELECT count(*) FROM x
P
R=$T/unqualified.json
run_rd verify --source "$BACKUPS" --probes "$P/unqualified" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe_true "$R" count_x '.message | test("42P01")' "unqualified: SQLSTATE 42P01"
assert_probe_true "$R" count_x '.message | test("HINT: .*search_path")' "unqualified: the search_path HINT"
assert_probe_true "$R" count_x '.message | test("public\\.")' "unqualified: the HINT suggests public.table"
probe_file "$P/opt-in" count.sql <<'P'
-- name: count_x
-- kind: rows
-- min: 1
-- search_path: public
SELECT count(*) FROM x
P
R=$T/opt-in.json
run_rd verify --source "$BACKUPS" --probes "$P/opt-in" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_probe "$R" count_x .value 5
