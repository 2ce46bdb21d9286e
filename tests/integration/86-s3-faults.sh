#!/usr/bin/env bash
# 86: S3 answers the fake S3 cannot give, from tests/integration/s3-faults.py
# (a real HTTP server scripted per bucket): RequestTimeTooSkewed ->
# clock_skew; SlowDown retried with backoff until it passes, and
# source_unreachable once fetch_retries are spent; a truncated page without a
# continuation token and a listing with a DTD -> listing_invalid; a
# continuation token holding '+/=' sent back sorted and RFC 3986 encoded,
# with x-amz-content-sha256 and a signature on every request.
. "$(dirname "$0")/lib.sh"

OUT=$T/s3-faults.jsonl
: >"$OUT"
/usr/bin/python3 "$RD_ROOT/tests/integration/s3-faults.py" --out "$OUT" \
    >"$T/s3f.ready" 2>"$T/s3f.err" </dev/null &
RD_FAULTS_PIDS+=("$!")
for i in $(seq 1 100); do
    port=$(sed -n 's/^READY \([0-9][0-9]*\)$/\1/p' "$T/s3f.ready" 2>/dev/null)
    [ -z "$port" ] || break
    sleep 0.1
done
[ -n "$port" ] || { fail "s3-faults.py did not start: $(cat "$T/s3f.err")"; exit 1; }
EP=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=AKFAULTS AWS_SECRET_ACCESS_KEY=faultsSecretValue AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE

lst() { run_rd list --source "s3://$1/" --s3-endpoint "$EP" --json "${@:2}"; }

lst skew
assert_exit 3
assert_json "$RD_OUT" .error.code clock_skew
assert_contains "$RD_ERR" "RequestTimeTooSkewed"
assert_contains "$RD_ERR" "HINT: this machine's clock is off"

start=$(date +%s)
lst slow
assert_exit 0
assert_json "$RD_OUT" .newest app.sql
assert_contains "$RD_ERR" "trying again in 1s (try 2 of 3)"
assert_contains "$RD_ERR" "trying again in 2s (try 3 of 3)"
[ $(($(date +%s) - start)) -ge 3 ] || fail "SlowDown was retried without backoff"

lst slowever --fetch-retries 1
assert_exit 3
assert_json "$RD_OUT" .error.code source_unreachable
assert_contains "$RD_ERR" "S3 says SlowDown"
assert_contains "$RD_ERR" "(after retries)"

lst trunc
assert_exit 3
assert_json "$RD_OUT" .error.code listing_invalid
assert_contains "$RD_ERR" "page 1 is truncated but gives no continuation token"

lst dtd
assert_exit 3
assert_json "$RD_OUT" .error.code listing_invalid
assert_contains "$RD_ERR" "it has a DTD (refused)"

lst denied
assert_exit 3
assert_json "$RD_OUT" .error.code access_denied

: >"$OUT"
lst token
assert_exit 0
assert_json "$RD_OUT" .newest app.sql
assert_json "$RD_OUT" '.archives | length' 2
p2=$(jq -rs '.[1].path' "$OUT")
[ "$p2" = "/token?continuation-token=a%2Bb%2Fc%3D%3D&delimiter=%2F&list-type=2&prefix=" ] ||
    fail "page 2 request target (expected sorted, RFC 3986 encoded; got $p2)"
for h in authorization x-amz-content-sha256 x-amz-date; do
    [ "$(jq -s --arg h "$h" '[.[] | select(.headers | index($h))] | length' "$OUT")" = 2 ] ||
        fail "not every request had header $h"
done
