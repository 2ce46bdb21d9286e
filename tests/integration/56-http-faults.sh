#!/usr/bin/env bash
# 56: http sources whose server misbehaves (tests/integration/http-faults.py,
# a real server: nginx cannot go silent mid-body or send less than its
# Content-Length): a stall mid-body fails with fetch_stalled within
# stall_timeout; a body shorter than Content-Length is fetch_truncated; a
# server silent before the first byte is retried (fetch_retries) and then
# restores, or fails when retries are off; a restore busy far longer than
# stall_timeout, with the transfer still in flight, is no stall.
. "$(dirname "$0")/lib.sh"

seed_start
W=$T/www
mkdir -p "$W"
chmod 0755 "$W"
make_dump "$W/app.dump"
# make it larger than restoredrill's 256 KiB transfer buffer
must spsql seed -c "CREATE TABLE public.filler AS SELECT g, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 40000) g"
make_dump "$W/big.dump"
# slow.sql: a table whose restore takes ~6 s (fixture_slow_sql), then 30 MB
# more, so the transfer is still going while the restore is busy
must spsql postgres -c "CREATE DATABASE slowfill"
must spsql slowfill -c "$(fixture_slow_sql 3000)"
must spsql slowfill -c "CREATE TABLE public.zfill AS SELECT g, md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) AS t FROM generate_series(1, 300000) g"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d slowfill -f "$W/slow.sql"
faults_start "$W"
F=$FAULTS_URL

# requests PATH: how many requests the fault server saw for PATH.
requests() { jq -s --arg p "$1" 'map(select(.path == $p)) | length' "$FAULTS_OUT"; }

# ------------------------------------------------------ a stall mid-body
R=$T/stall.json
t0=$(date +%s)
run_rd verify --source "$F/stall/big.dump" --stall-timeout 2s --report "$R" --state-dir "$STATE"
t1=$(date +%s)
assert_report "$R" 3 unknown fetch_stalled
[ $((t1 - t0)) -lt 30 ] || fail "the stall took $((t1 - t0))s to be noticed (stall_timeout 2s)"
jq -r .error.message "$R" >"$T/stall.msg"
assert_contains "$T/stall.msg" "$F/stall/big.dump"
assert_contains "$T/stall.msg" "stall_timeout"
# bytes had been read: no retry
assert_not_contains "$RD_ERR" "trying again"

# ------------------------------------------- a body shorter than announced
for f in short/app.dump short/big.dump short-late/app.dump short-late/big.dump; do
    R=$T/${f//\//-}.json
    run_rd verify --source "$F/$f" --fetch-retries 0 --report "$R" --state-dir "$STATE"
    assert_report "$R" 3 unknown fetch_truncated
done

# ---------------------------------- silent before the first byte: retried
R=$T/retry.json
run_rd verify --source "$F/stall-first/app.dump" --stall-timeout 2s --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_contains "$RD_ERR" "fetch_stalled: fetch of '$F/stall-first/app.dump' stalled: no byte for 2s after 0 bytes; trying again in 1s (try 2 of 3)"
# the retry; the preflight reads the spool, not the server
[ "$(requests /stall-first/app.dump)" = 2 ] || fail "expected 2 requests (one retry), got $(requests /stall-first/app.dump)"
R=$T/noretry.json
run_rd verify --source "$F/stall-first/big.dump" --stall-timeout 2s --fetch-retries 0 --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown fetch_stalled
assert_not_contains "$RD_ERR" "trying again"
[ "$(requests /stall-first/big.dump)" = 1 ] || fail "fetch_retries 0 still retried"

# --------------------------------------------- and a good answer restores
R=$T/ok.json
run_rd verify --source "$F/ok/big.dump" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$(sha256sum "$W/big.dump" | cut -d' ' -f1)"
assert_json "$R" .archive.transfer spool

# ------------------------ a busy restore is no stall (the timer waits for us)
R=$T/busy.json
run_rd verify --source "$F/ok/slow.sql" --stall-timeout 2s --fetch-retries 0 --report "$R" --state-dir "$T/state-busy"
assert_report "$R" 0 ok null
assert_json_true "$R" '.restore.duration_s >= 5' "the restore took at least 5 s (got $(jq .restore.duration_s "$R" 2>/dev/null))"
