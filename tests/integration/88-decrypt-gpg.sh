#!/usr/bin/env bash
# 88: decrypt_command = gpg --batch --decrypt with real GnuPG (Debian's
# gnupg): a zstd'd plain dump encrypted to a key in a private GNUPGHOME is
# restored; a keyring without that secret key -> critical decrypt_failed
# with gpg's "No secret key" in archive.decrypt_stderr_tail; a corrupted
# ciphertext -> decrypt_failed too.  The agents gpg starts are stopped.
. "$(dirname "$0")/lib.sh"

G1=$T/gnupg-right
G2=$T/gnupg-other
mkdir -m 0700 "$G1" "$G2"
stop_agents() { gpgconf --homedir "$G1" --kill all 2>/dev/null; gpgconf --homedir "$G2" --kill all 2>/dev/null; }
trap 'stop_agents; rd_cleanup' EXIT
must gpg --homedir "$G1" --batch --passphrase '' --quick-gen-key 'restoredrill test <rd@example.invalid>' default default never
must gpg --homedir "$G2" --batch --passphrase '' --quick-gen-key 'someone else <x@example.invalid>' default default never

seed_start
M=$T/metrics.prom
mkdir -p "$T/enc" "$T/bad"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$T/seed.sql"
zstd -q -c "$T/seed.sql" | gpg --homedir "$G1" --batch --trust-model always \
    -r rd@example.invalid --encrypt -o "$T/enc/app.sql.zst.gpg" || fail "gpg --encrypt failed"
# flip bytes in the middle of the ciphertext
cp "$T/enc/app.sql.zst.gpg" "$T/bad/app.sql.zst.gpg"
size=$(stat -c %s "$T/bad/app.sql.zst.gpg")
printf 'XXXXXXXXXXXXXXXX' | dd of="$T/bad/app.sql.zst.gpg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null

job_conf gpg "$T/enc" "decrypt_command = gpg --batch --quiet --decrypt"
GNUPGHOME=$G1 run_rd verify -c "$C"
assert_report "$R" 0 ok null
assert_json "$R" .archive.compression zstd
assert_json "$R" .archive.format plain
assert_json "$R" '.archive.decrypt_stderr_tail | type' string

GNUPGHOME=$G2 run_rd verify -c "$C"
assert_report "$R" 2 critical decrypt_failed
jq -r .archive.decrypt_stderr_tail "$R" >"$R.tail"
assert_contains "$R.tail" "No secret key"

job_conf bad "$T/bad" "decrypt_command = gpg --batch --quiet --decrypt"
GNUPGHOME=$G1 run_rd verify -c "$C"
assert_report "$R" 2 critical decrypt_failed
[ -z "$(find "$T" -maxdepth 1 -name 'restoredrill-*' -print -quit)" ] || fail "a temp dir was left behind"
