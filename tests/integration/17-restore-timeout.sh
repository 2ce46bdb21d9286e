#!/usr/bin/env bash
# 17: restore_timeout is a deadline.  A restore still running when it passes
# is stopped: unknown `timeout`, exit 3, cleaned up (cluster, temp dirs,
# scratch database; run.sh checks what is left).  The queries after the
# restore are bounded by what is left of it: on a server target (a
# CREATEDB role that owns what it restored) a dump whose table has FORCE ROW
# LEVEL SECURITY and a policy that sleeps while current_query() is a
# count(*) hangs drift's row count; it is cancelled at the deadline, again
# unknown `timeout`, and the scratch database is still dropped.  On the
# ephemeral target the counts run as the cluster's superuser, which no
# policy applies to (and drift runs no database-wide ANALYZE, which would
# run a dump's index expressions): the same dump is ok.
. "$(dirname "$0")/lib.sh"

seed_start
M=$T/metrics.prom
make_dump "$T/slow/app.dump" "$(fixture_slow_sql 5000)" # restore ~10 s
make_dump "$T/hang/app.dump" "$(cat <<'SQL'
SET client_min_messages = warning;
CREATE FUNCTION public.rd_hang() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF pg_catalog.current_database() LIKE 'restoredrill%'
     AND pg_catalog.current_query() ILIKE '%count(*)%' THEN
    PERFORM pg_catalog.pg_sleep(3600);
  END IF;
  RETURN true;
END $$;
CREATE TABLE public.t (id int PRIMARY KEY);
INSERT INTO public.t SELECT generate_series(1, 100);
ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.t FORCE ROW LEVEL SECURITY;
CREATE POLICY t_all ON public.t USING (public.rd_hang());
SQL
)"

scratch_dbs() {
    spsql postgres -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'restoredrill%'"
}

# deadline NAME SOURCE TARGET TIMEOUT STAGE MAX_SECS
deadline() {
    local name=$1 src=$2 target=$3 tmo=$4 stage=$5 max=$6 t0 secs
    job_conf "$name" "$src" "target = $target" "restore_timeout = $tmo"
    t0=$(date +%s)
    RD_TIMEOUT=40 run_rd verify --config "$C"
    secs=$(($(date +%s) - t0))
    assert_exit 3
    [ "$secs" -le "$max" ] || fail "$name: took ${secs}s (restore_timeout $tmo; expected <= ${max}s)"
    validate_report "$R"
    assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "unknown timeout $stage"
    assert_json "$R" '.error.message | test("restore_timeout")' true
    assert_stage "$R" cleanup ok
    assert_json "$R" .restore.scratch_dropped true
    [ "$(scratch_dbs)" = 0 ] || fail "$name: scratch database left on the server"
    [ -z "$(find "$T" -maxdepth 1 -name 'restoredrill-*')" ] || fail "$name: temp dir left behind"
    note "$name: $(jq -r .error.message "$R" 2>/dev/null)"
}

deadline slow "$T/slow" ephemeral 3s restore 9
# ephemeral: the superuser's count is not the policy's
job_conf hang "$T/hang" "target = ephemeral" "restore_timeout = 20s"
t0=$(date +%s)
RD_TIMEOUT=40 run_rd verify --config "$C"
assert_exit 0
[ $(($(date +%s) - t0)) -le 15 ] || fail "hang (ephemeral): took $(($(date +%s) - t0))s"
deadline hangsrv "$T/hang" "$(seed_target postgres)" 4s drift 12
