#!/usr/bin/env bash
# 59: s3:// error paths and key names against the SigV4-checking fake S3
# (tests/s3-fake.js): keys with spaces and unicode restored; a wrong secret
# -> access_denied (exit 3) with the secret in no output; a missing key
# (--archive) -> archive_not_found (critical; NoSuchKey from GetObject: 85); an empty prefix -> archive_not_found; a
# missing bucket -> source_unreachable; half-set credentials and a bad
# s3_endpoint / s3_uri_style -> config_invalid.
. "$(dirname "$0")/lib.sh"

seed_start
AK=AKIARDTESTKEY0001
SK='rdS3cretValue/with+plus=and/slash'
TOKEN=rdSessionTokenValue0123456789
s3_start --key "$AK" --secret "$SK"
U=$T/upload
mkdir -p "$U/odd keys"
NAME="app 2026 é ü 漢字 (final).sql"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$U/odd keys/$NAME"
echo older >"$U/odd keys/aaa first+plus=eq.sql"
set_mtime_ago "$U/odd keys/aaa first+plus=eq.sql" 86400
must aws_s3 s3 sync --only-show-errors "$U" s3://backups/
# the newest by LastModified (no pattern) is NAME: it was uploaded after
# the other? both in one sync: re-upload NAME so its time is later
sleep 1.1
must aws_s3 s3 cp --only-show-errors "$U/odd keys/$NAME" "s3://backups/odd keys/$NAME"

export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$TOKEN
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
M=$T/metrics.prom
SRC="s3://backups/odd keys/"

# ------------------------------------------------- spaces and unicode
job_conf odd "$SRC" "s3_endpoint = $S3_URL" "s3_region = us-east-1"
run_rd verify -c "$C" --junit "$T/odd.xml"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$NAME"
assert_json "$R" .archive.format plain
run_rd verify -c "$C" --archive "aaa first+plus=eq.sql" --report "$T/plus.json"
# not a dump: format_unknown, but fetched (the key was found)
assert_json "$T/plus.json" .error.code format_unknown

# ------------------------------------------------------- missing key
run_rd verify -c "$C" --archive "no such dump.sql" --report "$T/missing.json"
assert_report "$T/missing.json" 2 critical archive_not_found
jq -r .error.message "$T/missing.json" >"$T/missing.msg"
assert_contains "$T/missing.msg" "archive 'no such dump.sql' not found in 's3://backups/odd keys/'"

# ---------------------------------------------- empty prefix, no bucket
run_rd verify --source s3://backups/nothing-here/ --s3-endpoint "$S3_URL" \
    --report "$T/empty.json" --state-dir "$STATE"
assert_report "$T/empty.json" 2 critical archive_not_found
run_rd verify --source s3://nobucket/x/ --s3-endpoint "$S3_URL" \
    --report "$T/nobucket.json" --state-dir "$STATE"
assert_report "$T/nobucket.json" 3 unknown source_unreachable
jq -r .error.message "$T/nobucket.json" >"$T/nobucket.msg"
assert_contains "$T/nobucket.msg" NoSuchBucket

# ------------------------------------------ wrong secret, redaction
WRONG='rdWrongSecretValue9876'
job_conf wrong "$SRC" "s3_endpoint = $S3_URL"
AWS_SECRET_ACCESS_KEY=$WRONG run_rd verify -c "$C" --junit "$T/wrong.xml" -v
assert_report "$R" 3 unknown access_denied
jq -r .error.message "$R" >"$R.msg"
assert_contains "$R.msg" SignatureDoesNotMatch
assert_contains "$R.msg" "HINT: check the access key and secret"
# --archive NAME: refused as well (by the listing that finds it)
AWS_SECRET_ACCESS_KEY=$WRONG run_rd verify -c "$C" --archive "$NAME" --report "$T/wrong-get.json"
assert_report "$T/wrong-get.json" 3 unknown access_denied
# no secret, token nor the signature's key material in anything we wrote
for f in "$T"/rd*.out "$T"/rd*.err "$T"/*.json "$T"/*.xml "$M" $(find "$STATE" -type f); do
    for s in "$SK" "$WRONG" "$TOKEN"; do
        if grep -qF -- "$s" "$f"; then fail "$f holds a secret ($s)"; fi
    done
done

# ------------------------------------------------------ config errors
AWS_SECRET_ACCESS_KEY= run_rd list --source "$SRC" --s3-endpoint "$S3_URL"
assert_exit 3
assert_contains "$RD_ERR" "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
run_rd list --source "$SRC" --s3-endpoint "ftp://127.0.0.1:$S3_PORT"
assert_exit 3
assert_contains "$RD_ERR" "use http:// or https://"
run_rd list --source "$SRC" --s3-endpoint "$S3_URL/some/path"
assert_exit 3
assert_contains "$RD_ERR" "is not an endpoint URL"
run_rd list --source "$SRC" --s3-uri-style sideways
assert_exit 3
assert_contains "$RD_ERR" "invalid s3_uri_style 'sideways'"
run_rd list --source "s3:///x/"
assert_exit 3
assert_contains "$RD_ERR" "no bucket name after s3://"
