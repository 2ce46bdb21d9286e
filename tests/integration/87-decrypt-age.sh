#!/usr/bin/env bash
# 87: decrypt_command with real age (Debian's age): a gzip'd plain dump and a
# custom dump, age-encrypted, restored from a local folder (decrypt first,
# then the compression is sniffed from the plaintext); the same from the fake
# S3 with checksum = sha256 over the encrypted bytes; a wrong key ->
# critical decrypt_failed with age's stderr in archive.decrypt_stderr_tail;
# a program that is not there -> tool_missing; a shell pipe in the command
# -> config_invalid; SIGINT while the command runs -> exit 130, interrupted,
# the command stopped and nothing left behind.
. "$(dirname "$0")/lib.sh"

seed_start
must age-keygen -o "$T/key.txt"
must age-keygen -o "$T/other.txt"
PUB=$(age-keygen -y "$T/key.txt")
M=$T/metrics.prom
mkdir -p "$T/plain" "$T/custom"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$T/seed.sql"
gzip -c "$T/seed.sql" | age -r "$PUB" -o "$T/plain/app_20261101-0000.sql.gz.age" ||
    fail "age -r did not encrypt"
make_dump "$T/seed.dump"
must age -r "$PUB" -o "$T/custom/app.dump.age" "$T/seed.dump"
head -c 4 "$T/plain/app_20261101-0000.sql.gz.age" | grep -q "age-" || fail "setup: not an age file"

job_conf plain "$T/plain" "decrypt_command = age -d -i '$T/key.txt'"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format plain
assert_json "$R" .archive.compression gzip
assert_json "$R" .archive.decrypt_stderr_tail ""
assert_json "$R" .archive.sha256 "$(sha256sum "$T/plain/app_20261101-0000.sql.gz.age" | cut -d' ' -f1)"

job_conf custom "$T/custom" "decrypt_command = age --decrypt --identity $T/key.txt"
run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format custom
assert_json "$R" .archive.compression none

# ---------------------------------------------------------- wrong key
job_conf wrong "$T/plain" "decrypt_command = age -d -i $T/other.txt"
run_rd verify -c "$C"
assert_report "$R" 2 critical decrypt_failed
assert_json "$R" '.errors[0].stage' decode
jq -r .archive.decrypt_stderr_tail "$R" >"$R.tail"
assert_contains "$R.tail" "no identity matched any of the recipients"
jq -r .error.message "$R" >"$R.msg"
assert_contains "$R.msg" "decrypt_command 'age' failed on archive 'app_20261101-0000.sql.gz.age' (exit code 1)"
# nothing of the scratch run left behind
[ -z "$(find "$T" -maxdepth 1 -name 'restoredrill-*' -print -quit)" ] || fail "a temp dir was left behind"

# ------------------------------------------------ from S3, with a sidecar
s3_start
mkdir -p "$T/up/enc"
cp "$T/plain/app_20261101-0000.sql.gz.age" "$T/up/enc/"
(cd "$T/up/enc" && sha256sum app_20261101-0000.sql.gz.age >app_20261101-0000.sql.gz.age.sha256)
must aws_s3 s3 sync --only-show-errors "$T/up" s3://backups/
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    run_rd verify --source s3://backups/enc/ --s3-endpoint "$S3_URL" --checksum sha256 \
    --decrypt-command "age -d -i $T/key.txt" --report "$T/s3.json" --state-dir "$STATE"
assert_report "$T/s3.json" 0 ok null
assert_json "$T/s3.json" .archive.compression gzip
assert_json "$T/s3.json" .archive.sha256 "$(cut -d' ' -f1 "$T/up/enc/app_20261101-0000.sql.gz.age.sha256")"

# ---------------------------------------------------- no such program
job_conf missing "$T/plain" "decrypt_command = no-such-decryptor -d"
run_rd verify -c "$C"
assert_report "$R" 3 unknown tool_missing
job_conf pipe "$T/plain" "decrypt_command = age -d -i $T/key.txt | gunzip"
run_rd verify -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "decrypt_command: "

# ------------------------------------------- interrupted while decrypting
job_conf slow "$T/plain" "decrypt_command = /bin/sleep 371"
run_rd_bg verify -c "$C"
SLOW=$RD_PID
wait_descendant "$SLOW" sleep 20 || fail "the decrypt_command never started"
kill -INT "$SLOW"
wait_rd "$SLOW" 30
assert_exit 130
assert_json "$R" .error.code interrupted
if pgrep -f "^/bin/sleep 371$" >/dev/null; then fail "a decrypt_command (sleep 371) outlived the run"; fi
[ -z "$(find "$T" -maxdepth 1 -name 'restoredrill-*' -print -quit)" ] || fail "a temp dir was left behind"
