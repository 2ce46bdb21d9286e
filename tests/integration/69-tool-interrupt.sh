#!/usr/bin/env bash
# 69: SIGINT (then SIGTERM) while a backup tool is fetching: before the
# restore (the tool has written a first part of a custom dump and hangs) and
# during it (it hangs before the last bytes of a plain dump psql is reading).
# restoredrill kills the tool's process group (nothing of it is left), writes
# a report with status unknown and error.code interrupted, exits 128+N.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "$T/app.dump"
printf '#!/bin/sh\nprintf "app.dump\\t2026-11-26T03:50:00Z\\n"\n' >"$T/list.sh"
# plain, and far larger than the 64 KiB the decode stage looks at first
must spsql postgres -c "CREATE DATABASE big"
must spsql big -c "CREATE TABLE public.t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d big -f "$T/app.sql"
# fetch.sh FILE BYTES: the first BYTES of FILE, then a hang in a grandchild
cat >"$T/fetch.sh" <<EOS
#!/bin/sh
head -c "\$2" "\$1"
sleep 300 &
echo \$! >'$T/sleep.pid'
wait
EOS
chmod +x "$T/list.sh" "$T/fetch.sh"
seed_stop
M=$T/metrics.prom

interrupt() { # SIGNAME EXPECTED_EXIT FILE BYTES WHAT
    local sig=$1 want=$2 t0 secs sp
    rm -f "$T/sleep.pid"
    job_conf "i$sig" exec: "list_command = $T/list.sh" "fetch_command = $T/fetch.sh $3 $4 {archive}"
    run_rd_bg verify --config "$C" --state-dir "$STATE"
    local pid=$RD_PID
    wait_descendant "$pid" sleep 40 || fail "$sig: the fetch never started under restoredrill (pid $pid)"
    [ "$5" = before ] || wait_descendant "$pid" psql 20 || fail "$sig: psql never ran"
    sleep 0.5
    note "sending SIG$sig to $pid ($5 the restore)"
    t0=$(date +%s)
    kill -"$sig" "$pid"
    wait_rd "$pid" 30
    secs=$(($(date +%s) - t0))
    assert_exit "$want"
    [ "$secs" -le 15 ] || fail "$sig: restoredrill took ${secs}s to stop after the signal"
    sp=$(cat "$T/sleep.pid" 2>/dev/null)
    if [ -n "$sp" ] && ps -o stat= -p "$sp" | grep -qv '^Z'; then
        fail "$sig: the tool's child (sleep $sp) was left running"
        kill "$sp"
    fi
    [ -z "$(descendant "$pid" psql)" ] || fail "$sig: psql survived"
    validate_report "$R"
    assert_json "$R" .status unknown
    assert_json "$R" .error.code interrupted
    assert_json "$R" .archive.name app.dump
}

# a custom dump hangs in its head; a plain one while psql restores it
interrupt INT 130 "$T/app.dump" 1000 before
interrupt TERM 143 "$T/app.sql" $(($(stat -c %s "$T/app.sql") - 100)) during
