#!/usr/bin/env bash
# 62: kill -9 of restoredrill mid-restore, in the sandbox (the default):
#   - within 3 s nothing of the run is left running: not the scratch
#     postgres, not psql, not the `setsid -f sleep N` the dump started
#     from the server (it lived in the sandbox's pid namespace, which died
#     with bwrap: --die-with-parent);
#   - the killed run's temp dir is still there (nobody could clean it), and
#     the next run (a dry run) removes it: its owner pid is dead and its
#     server.pid (the host pid of the sandboxed postmaster) is gone;
#   - it also sweeps /tmp, where runs whose TMPDIR is too long for a socket
#     path put their clusters: a dead run's /tmp/restoredrill-XXXXXX goes,
#     a live one's (our own pid as its owner) stays.
. "$(dirname "$0")/lib.sh"

seed_start
N=$((6000 + RANDOM % 3000))
SLEEP="sleep $N.5"
trap '_rc=$?; pkill -f "^$SLEEP\$" 2>/dev/null; (exit $_rc); rd_cleanup' EXIT

# Slow to restore anywhere but the seed cluster (~1 ms a row, fixture_slow_sql),
# after a COPY ... TO PROGRAM that leaves a process behind.
spsql postgres -c "CREATE DATABASE slowsrc" >/dev/null || fail "create slowsrc"
spsql slowsrc -c "$(fixture_slow_sql 8000)" >/dev/null || fail "fixture"
env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d slowsrc -Fp \
    -f "$T/plain.sql" || fail "pg_dump"
awk -v evil="COPY (SELECT 1) TO PROGRAM 'setsid -f $SLEEP';" \
    '!done && /^CREATE TABLE/ { print evil; done = 1 } { print }' "$T/plain.sql" \
    >"$BACKUPS/app_$(ts_name %Y%m%d-%H%M 60).sql"

run_rd_bg verify --source "$BACKUPS" --report "$T/killed.json" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" psql 40 || fail "psql never ran under restoredrill (pid $pid)"
sleep 1
server=$(descendant "$pid" postgres)
[ -n "$server" ] || fail "no scratch postgres under restoredrill"
pgrep -f "^$SLEEP\$" >/dev/null || fail "the dump's '$SLEEP' did not start (fixture?)"
dir=$(ls -d "$T"/restoredrill-* 2>/dev/null | head -n 1)
note "kill -9 $pid (server $server, dir $dir)"
kill -KILL "$pid"
wait_rd "$pid" 10
gone=
for _ in $(seq 1 30); do
    if [ -z "$(pgrep -f "^$SLEEP\$")" ] && ! kill -0 $server 2>/dev/null \
        && [ -z "$(pgrep -u restoredrill)" ]; then
        gone=1
        break
    fi
    sleep 0.1
done
[ -n "$gone" ] || fail "3 s after kill -9 something still runs: $(pgrep -a -f "^$SLEEP\$") $(pgrep -a -u restoredrill | head -n 3)"
[ -n "$dir" ] && [ -d "$dir" ] || fail "the killed run's temp dir should still be there"
assert_file_exists "$dir/server.pid"

# A dead run's leftover in /tmp, and a live run's.
dead=$(sh -c 'echo $$')
sleep 0.1
tmp_dead=$(mktemp -d /tmp/restoredrill-XXXXXX)
tmp_live=$(mktemp -d /tmp/restoredrill-XXXXXX)
echo "$dead" >"$tmp_dead/owner.pid"
echo "$$" >"$tmp_live/owner.pid"

# The next run sweeps them.
run_rd verify --source "$BACKUPS" --state-dir "$STATE" --dry-run
assert_exit 0
[ ! -e "$dir" ] || fail "the next run did not remove the killed run's '$dir'"
assert_contains "$RD_ERR" "left behind by an earlier run (pid $pid) that was killed"
[ ! -e "$tmp_dead" ] || fail "the sweep left the dead run's '$tmp_dead' in /tmp"
[ -d "$tmp_live" ] || fail "the sweep removed a live run's '$tmp_live'"
rm -rf "$tmp_live" "$tmp_dead"
