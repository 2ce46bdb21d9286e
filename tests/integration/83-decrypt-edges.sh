#!/usr/bin/env bash
# 83: decrypt_command at its edges (review findings of stop 19):
#   A. a command that stops reading before the end of its input (it prints
#      the first N bytes, then lingers) must not shorten the checks: the
#      rest is still read and hashed, so a matching sidecar is ok and a
#      wrong one is critical checksum_mismatch (before the fix the hash was
#      never finished and the sidecar never compared);
#   B. the command sees no source or database credentials (RESTIC_*,
#      AWS_SECRET_ACCESS_KEY, PGPASSWORD ...), only what a decryptor uses;
#   C. a command that leaves a helper holding its stderr open does not hang
#      the run.
. "$(dirname "$0")/lib.sh"

seed_start
mkdir -p "$T/src"
M=$T/metrics.prom
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$T/seed.sql"
N=$(stat -c %s "$T/seed.sql")
# the "encrypted" archive: the dump, then 1 MiB the command never reads
{ cat "$T/seed.sql"; head -c 1048576 /dev/urandom; } >"$T/src/app.sql.enc"
cat >"$T/first-n" <<SH
#!/bin/sh
env >"$T/env.out"
head -c $N
exec >/dev/null # stdout ends here; stdin stays open, unread
sleep 1
SH
chmod 0755 "$T/first-n"

# ------------------------------------------------------------------ A
( cd "$T/src" && sha256sum app.sql.enc >app.sql.enc.sha256 )
job_conf a "$T/src" "decrypt_command = $T/first-n" "checksum = sha256"
RESTIC_PASSWORD=restic-sekrit AWS_SECRET_ACCESS_KEY=aws-sekrit PGPASSWORD=pg-sekrit \
    BORG_PASSPHRASE=borg-sekrit run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$(sha256sum "$T/src/app.sql.enc" | cut -d' ' -f1)"
cp "$T/env.out" "$T/env-a.out"

printf '%064d  app.sql.enc\n' 0 >"$T/src/app.sql.enc.sha256"
job_conf a2 "$T/src" "decrypt_command = $T/first-n" "checksum = sha256"
run_rd verify -c "$C"
assert_report "$R" 2 critical checksum_mismatch

# ------------------------------------------------------------------ B
[ -s "$T/env-a.out" ] || fail "the decrypt command wrote no environment"
for v in RESTIC_PASSWORD AWS_SECRET_ACCESS_KEY PGPASSWORD BORG_PASSPHRASE; do
    ! grep -q "^$v=" "$T/env-a.out" || fail "the decrypt command saw $v"
done
grep -q '^PATH=' "$T/env-a.out" || fail "the decrypt command has no PATH"

# ------------------------------------------------------------------ C
rm -f "$T/src/app.sql.enc.sha256"
cat >"$T/linger" <<SH
#!/bin/sh
setsid sleep 30 </dev/null >/dev/null &   # holds only stderr
head -c $N
SH
chmod 0755 "$T/linger"
job_conf c "$T/src" "decrypt_command = $T/linger"
t0=$(date +%s)
run_rd verify -c "$C"
assert_report "$R" 0 ok null
[ $(($(date +%s) - t0)) -le 25 ] || fail "a helper holding the command's stderr held up the run ($(($(date +%s) - t0))s)"
pkill -f "sleep 30" 2>/dev/null
true
