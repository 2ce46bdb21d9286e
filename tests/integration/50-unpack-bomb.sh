#!/usr/bin/env bash
# 50: limits on what an archive can cost (max_unpacked_size).
#   - a ~tens-of-KB zstd "bomb" of 600 MB of zeros with max_unpacked_size=64M:
#     critical archive_too_large at stage decode, within seconds;
#   - a real custom dump followed by 200 MB of zeros, zstd'd: the same,
#     while streamed to pg_restore, no scratch database left;
#   - a tarred -Fd (a real toc.dat + a 600 MB zero member), zstd'd: the
#     same; an uncompressed tar whose member exceeds the bound: the same
#     (untar's own bound), before the member is written;
#   - without the key, TMPDIR on a 64 MB tmpfs: the bomb stops at its free
#     space minus 10% with disk_full (unknown, exit 3), the tmpfs left empty;
#   - a normal zstd dump with the key set generously: ok.
. "$(dirname "$0")/lib.sh"

seed_start
W=$T/work
mkdir -p "$W"
make_dump "$W/seed.custom"
TARGET=$(seed_target postgres)

# the bomb: 600 MB of zeros
mkdir -p "$T/bomb"
head -c 600M /dev/zero | zstd -q -19 -c >"$T/bomb/app.dump"
note "bomb: $(stat -c %s "$T/bomb/app.dump") bytes"

too_large() {
    assert_report "$R" 2 critical archive_too_large
    assert_json "$R" .error.stage decode
    assert_json_true "$R" '.error.message | test("max_unpacked_size")' "the message names max_unpacked_size"
    note "$(jq -r .error.message "$R" 2>/dev/null)"
}

R=$T/bomb.json
start=$(date +%s)
run_rd verify --source "$T/bomb" --max-unpacked-size 64M --target "$TARGET" --report "$R" --state-dir "$STATE"
too_large
[ $(($(date +%s) - start)) -le 20 ] || fail "the bomb should be stopped within seconds"

# a real custom dump followed by zeros: the bound trips while it is
# streamed to pg_restore (stage decode or restore), no database left
mkdir -p "$T/tail"
{ cat "$W/seed.custom"; head -c 200M /dev/zero; } | zstd -q -c >"$T/tail/app.dump"
R=$T/tail.json
run_rd verify --source "$T/tail" --max-unpacked-size 64M --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_too_large
note "$(jq -r '.error.stage + ": " + .error.message' "$R" 2>/dev/null)"
left=$(spsql postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "database left behind: $left"

# a tarred -Fd folder with a huge zero member, zstd'd
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fd -d seed -f "$W/fd"
truncate -s 600M "$W/fd/9999.dat"
mkdir -p "$T/tarbomb" "$T/tarplain"
tar -C "$W" -cf - fd | zstd -q -c >"$T/tarbomb/app.tar.zst" || fail "fixture: tar | zstd"
rm -f "$W/fd/9999.dat"
R=$T/tarbomb.json
run_rd verify --source "$T/tarbomb" --max-unpacked-size 64M --target "$TARGET" --report "$R" --state-dir "$STATE"
too_large

# an uncompressed tar: untar's bound (4 MB member, 1 MB bound)
head -c 4M /dev/zero >"$W/fd/9999.dat"
must tar -C "$W" -cf "$T/tarplain/app.tar" fd
rm -f "$W/fd/9999.dat"
R=$T/tarplain.json
run_rd verify --source "$T/tarplain" --max-unpacked-size 1M --target "$TARGET" --report "$R" --state-dir "$STATE"
too_large
assert_json_true "$R" '.error.message | test("extracts")' "the message says the tar extracts too much"

# without the key, on a small tmpfs: disk_full
SMALL=$T/small
mkdir -p "$SMALL"
must mount -t tmpfs -o size=64m tmpfs "$SMALL"
trap 'rc=$?; umount "$SMALL" 2>/dev/null; (exit $rc); rd_cleanup' EXIT
R=$T/small.json
TMPDIR=$SMALL run_rd verify --source "$T/bomb" --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown disk_full
assert_json "$R" .error.stage decode
note "$(jq -r .error.message "$R" 2>/dev/null)"
left=$(ls -A "$SMALL")
[ -z "$left" ] || fail "left behind in the tmpfs: $left"
umount "$SMALL" || fail "umount $SMALL"

# a normal dump with a generous key: ok
mkdir -p "$T/good"
zstd -q -c "$W/seed.custom" >"$T/good/app.dump"
R=$T/good.json
run_rd verify --source "$T/good" --max-unpacked-size 64M --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
