#!/usr/bin/env bash
# 58: s3:// sources against a fake S3 that checks SigV4 (tests/s3-fake.js,
# @20minutes/s3rver; TESTING.md §3), seeded by ONE `aws s3 sync` of 2,500
# objects: ListObjectsV2 pages of 1,000 must be followed to the end, since the
# newest archive (by the pattern's time) is on the third page.  Its sha256
# sidecar is checked; a custom dump in another prefix is restored too (it is
# spooled, as from a web server); `list` sees the same objects; the signature
# is really checked (a request with the secret's own key id but another
# secret is refused: see 59 for the error paths).
. "$(dirname "$0")/lib.sh"

seed_start
s3_start
U=$T/upload
mkdir -p "$U/pg" "$U/custom"
# 2,497 fillers, an hour apart, older than the real dumps: "app_" names sort
# by time, so the newest is the last key of the last page
now=$(date -u +%s)
for i in $(seq 1 2497); do
    printf 'filler %d\n' "$i" >"$U/pg/$(date -u -d "@$((now - 86400 * 200 + i * 3600 - 3600 * 2600))" +app_%Y%m%d-%H%M).sql"
done
ls "$U/pg" | wc -l | grep -qx 2497 || fail "fillers: expected 2497 distinct names"
NEW=$(ts_name 'app_%Y%m%d-%H%M' 600).sql
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$U/pg/$NEW"
(cd "$U/pg" && sha256sum "$NEW" >"$NEW.sha256")
NEWSUM=$(cut -d' ' -f1 "$U/pg/$NEW.sha256")
echo "older" >"$U/pg/$(ts_name 'app_%Y%m%d-%H%M' 7200).sql"
[ "$(ls "$U/pg" | wc -l)" -eq 2500 ] || fail "expected 2500 objects to upload"
make_dump "$U/custom/app.dump"
note "uploading 2,501 objects with one aws s3 sync"
must aws_s3 s3 sync --only-show-errors "$U" s3://backups/
n=$(aws_s3 s3 ls s3://backups/pg/ | wc -l)
[ "$n" = 2500 ] || fail "the fake holds $n objects under pg/ (expected 2500)"
# keys are listed in byte order: the newest must be on the third page
LC_ALL=C ls "$U/pg" | LC_ALL=C sort | tail -n 500 | grep -qxF "$NEW" ||
    fail "setup: $NEW is not on the last page"

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
PAT='app_%Y%m%d-%H%M*'
M=$T/metrics.prom

# ------------------------------------------ 3 pages, newest on the last one
job_conf s3 s3://backups/pg "pattern = $PAT" "s3_endpoint = $S3_URL" "checksum = sha256"
run_rd verify -c "$C" -v
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$NEW"
assert_json "$R" .archive.source "s3://backups/pg/"
assert_json "$R" .archive.sha256 "$NEWSUM"
assert_json "$R" .archive.format plain
assert_json "$R" .archive.transfer stream
assert_json "$R" .archive.size_bytes "$(stat -c %s "$U/pg/$NEW")"
assert_contains "$RD_ERR" "listed 2500 objects in 3 pages"
n=$(jq '[.stages[] | select(.name == "restore" and .status == "ok")] | length' "$R")
[ "$n" = 1 ] || fail "the restore stage should be ok"

# list sees every archive (the fillers too) with the same newest
run_rd list --source s3://backups/pg/ --s3-endpoint "$S3_URL" --pattern "$PAT" --json
assert_exit 0
assert_json "$RD_OUT" .newest "$NEW"
assert_json "$RD_OUT" '.archives | length' 2499

# ---------------------------------------------- a custom dump, spooled
run_rd verify --source s3://backups/custom/ --s3-endpoint "$S3_URL" --s3-uri-style path \
    --report "$T/custom.json" --state-dir "$STATE"
assert_report "$T/custom.json" 0 ok null
assert_json "$T/custom.json" .archive.name app.dump
assert_json "$T/custom.json" .archive.format custom
assert_json "$T/custom.json" .archive.sha256 "$(sha256sum "$U/custom/app.dump" | cut -d' ' -f1)"

# ------------------------------------- credentials from AWS_PROFILE + file
printf '[default]\naws_access_key_id = NOPE\naws_secret_access_key = NOPE\n\n[fake]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$T/credentials"
chmod 0600 "$T/credentials"
RESTOREDRILL_REAL=$RESTOREDRILL
RESTOREDRILL=$T/rd-profile
printf '#!/bin/sh\nexec env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=%s AWS_PROFILE="$RD_PROFILE" %s "$@"\n' \
    "$T/credentials" "$RESTOREDRILL_REAL" >"$RESTOREDRILL"
chmod 0755 "$RESTOREDRILL"
export RD_PROFILE=fake
run_rd list --source s3://backups/custom/ --s3-endpoint "$S3_URL" --json
assert_exit 0
assert_json "$RD_OUT" .newest app.dump
# the [default] profile holds a key the fake does not know
export RD_PROFILE=
run_rd list --source s3://backups/custom/ --s3-endpoint "$S3_URL" --json
assert_exit 3
assert_json "$RD_OUT" .error.code access_denied
assert_contains "$RD_ERR" InvalidAccessKeyId
export RD_PROFILE=nosuch
run_rd list --source s3://backups/custom/ --s3-endpoint "$S3_URL"
assert_exit 3
assert_contains "$RD_ERR" "AWS_PROFILE=nosuch: no such profile"
RESTOREDRILL=$RESTOREDRILL_REAL
