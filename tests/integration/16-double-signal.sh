#!/usr/bin/env bash
# 16: two quick signals mid-restore (SIGINT then SIGTERM ~1 s later, as CI
# cancel sequences do, and SIGINT twice 0.2 s apart, as `timeout -s INT`
# does to a process group; two pending at once would merge into one) never
# skip the cleanup: with the ephemeral target and with a server
# target, the report is written (unknown, interrupted, exit 130 = the first
# signal), the restore tool is gone, the scratch database is dropped, and the
# temp dirs and cluster are gone (run.sh checks what is left).  The restore
# tool here ignores SIGTERM (a psql wrapper, via RESTOREDRILL_PG_ROOT), so
# the first signal's 5 s grace is still running when the second comes: the
# second must cut it short (SIGKILL), not end the process.  That stubborn
# tool only exists without the sandbox (--sandbox off): in the sandbox the
# first signal ends bwrap, and the whole pid namespace with it -- the last
# case checks that (one SIGINT, out within 3 s, nothing left).
. "$(dirname "$0")/lib.sh"

seed_start
# Slow to restore into restoredrill's scratch databases only (~2 ms a row).
spsql postgres -c "CREATE DATABASE slowsrc" >/dev/null || fail "create slowsrc"
spsql slowsrc >/dev/null <<'SQL' || fail "fixture"
SET client_min_messages = warning;
CREATE FUNCTION public.rd_slow16() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.current_database() LIKE 'restoredrill%' THEN
    PERFORM pg_catalog.pg_sleep(0.002);
  END IF;
  RETURN true;
END $$;
CREATE TABLE public.slow (id int PRIMARY KEY, CONSTRAINT slow_check CHECK (public.rd_slow16()));
INSERT INTO public.slow SELECT generate_series(1, 6000);
SQL
env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d slowsrc -Fp \
    -f "$BACKUPS/app_$(ts_name %Y%m%d-%H%M 60).sql" || fail "pg_dump"

# A PostgreSQL root whose psql ignores SIGTERM (SIG_IGN survives exec).
REAL_BIN=/usr/lib/postgresql/15/bin
mkdir -p "$T/pgroot/15/bin"
for f in "$REAL_BIN"/*; do
    [ "$(basename "$f")" = psql ] || ln -s "$f" "$T/pgroot/15/bin/$(basename "$f")"
done
printf '#!/bin/bash\ntrap "" TERM\nexec %s/psql "$@"\n' "$REAL_BIN" >"$T/pgroot/15/bin/psql"
chmod 0755 "$T/pgroot/15/bin/psql"
export RESTOREDRILL_PG_ROOT=$T/pgroot

scratch_dbs() {
    spsql postgres -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'restoredrill%'"
}

# twice TARGET_NAME TARGET FIRST GAP SECOND
twice() {
    local name=$1 target=$2 s1=$3 gap=$4 s2=$5 R t0 secs tool pid
    R=$T/$name-$s1-$s2.json
    run_rd_bg verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --target "$target" \
        --report "$R" --state-dir "$STATE" $([ -n "${SANDBOXED:-}" ] || echo --sandbox off)
    pid=$RD_PID
    wait_descendant "$pid" psql 40 || fail "$name: psql never ran under restoredrill (pid $pid)"
    sleep 1.5 # well inside the COPY
    tool=$(descendant "$pid" psql)
    [ -n "$tool" ] || fail "$name: the restore was over before the signals (fixture too fast?)"
    note "$name: SIG$s1, ${gap}s, SIG$s2 to $pid"
    t0=$(date +%s)
    kill -"$s1" "$pid"
    if [ "$s2" = - ]; then
        wait_rd "$pid" 40
        secs=$(($(date +%s) - t0))
        [ "$secs" -le 3 ] || fail "$name: ${secs}s from the signal to the exit (bwrap's end should end the tool at once)"
    else
        [ "$gap" = 0 ] || sleep "$gap"
        kill -"$s2" "$pid" 2>/dev/null || fail "$name: restoredrill was gone before the second signal"
        wait_rd "$pid" 40
        secs=$(($(date +%s) - t0))
        [ "$secs" -le 4 ] || fail "$name: ${secs}s from the first signal to the exit (the second should cut the 5 s grace short)"
    fi
    assert_exit 130
    [ -z "$tool" ] || ! kill -0 "$tool" 2>/dev/null || fail "$name: the restore tool (pid $tool) survived"
    validate_report "$R"
    assert_json "$R" '[.status, .error.code] | join(" ")' "unknown interrupted"
    assert_json "$R" '.error.message | test("SIGINT")' true
    assert_json "$R" .restore.scratch_dropped true
    assert_stage "$R" cleanup ok
    [ "$(scratch_dbs)" = 0 ] || fail "$name: scratch database left on the server: $(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")"
    [ -z "$(find "$T" -maxdepth 1 -name 'restoredrill-*')" ] || fail "$name: temp dir left: $(ls -d "$T"/restoredrill-*)"
}

twice ephemeral ephemeral INT 1 TERM
twice ephemeral ephemeral INT 0.2 INT
twice server "$(seed_target postgres)" INT 1 TERM
twice server "$(seed_target postgres)" INT 0.2 INT
# In the sandbox (the default), one SIGINT: the stubborn psql dies with bwrap.
SANDBOXED=1
twice sandboxed ephemeral INT 0 -
