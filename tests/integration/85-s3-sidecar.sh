#!/usr/bin/env bash
# 85: checksum = sha256 on an s3:// source (fake S3 with SigV4,
# tests/s3-fake.js): a matching NAME.sha256 object -> ok with the hash in the
# report; a mismatching one -> critical checksum_mismatch (the hash computed
# while streaming still reported); none -> critical sidecar_missing (the
# GetObject of NAME.sha256 answered NoSuchKey), and ok under
# checksum = optional.
. "$(dirname "$0")/lib.sh"

seed_start
s3_start
U=$T/upload
mkdir -p "$U/good" "$U/bad" "$U/none"
make_dump "$U/good/app.dump"
SUM=$(sha256sum "$DUMP" | cut -d' ' -f1)
cp "$DUMP" "$U/bad/app.dump"
cp "$DUMP" "$U/none/app.dump"
(cd "$U/good" && sha256sum app.dump >app.dump.sha256)
echo "$(printf '%064d' 0)  app.dump" >"$U/bad/app.dump.sha256"
must aws_s3 s3 sync --only-show-errors "$U" s3://backups/
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE
M=$T/metrics.prom

job_conf good s3://backups/good/ "s3_endpoint = $S3_URL" "checksum = sha256"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$SUM"

job_conf bad s3://backups/bad/ "s3_endpoint = $S3_URL" "checksum = sha256"
run_rd verify -c "$C"
assert_report "$R" 2 critical checksum_mismatch
assert_json "$R" .archive.sha256 "$SUM"

job_conf none s3://backups/none/ "s3_endpoint = $S3_URL" "checksum = sha256"
run_rd verify -c "$C"
assert_report "$R" 2 critical sidecar_missing
jq -r .error.message "$R" >"$R.msg"
assert_contains "$R.msg" "has no sidecar 'app.dump.sha256' in 's3://backups/none/'"

job_conf opt s3://backups/none/ "s3_endpoint = $S3_URL" "checksum = optional"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$SUM"
