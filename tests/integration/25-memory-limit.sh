#!/usr/bin/env bash
# 25: decoder memory caps (decode_memory_limit, default 256M).  A custom dump
# compressed with `zstd --long=27` from a pipe (the frame then declares a
# 128 MiB window) and one compressed with `xz -9` (64 MiB dictionary):
#   - zstd with --decode-memory-limit 16M: exit 3 memory_limit saying how
#     many MiB it needs; with the default limit: exit 0;
#   - xz -9 with --decode-memory-limit 8M: exit 3 memory_limit; with the
#     default: exit 0;
#   - the limit as a config key works the same as the flag.
. "$(dirname "$0")/lib.sh"

seed_start
W=$T/work
mkdir -p "$W"
make_dump "$W/seed.custom"
TARGET=$(seed_target postgres)

Z=$T/zstd
X=$T/xz
mkdir -p "$Z" "$X"
# From a pipe: zstd does not know the size and keeps the full 2^27 window.
cat "$W/seed.custom" | zstd -q --long=27 -c >"$Z/app.dump"
cat "$W/seed.custom" | xz -9 -c >"$X/app.dump"
zstd -lv "$Z/app.dump" 2>&1 | grep -q 'Window Size: 128 MiB' \
    || fail "fixture: the zstd frame should declare a 128 MiB window ($(zstd -lv "$Z/app.dump" 2>&1 | grep -i window))"
xz -lvv "$X/app.dump" | grep -q 'dict=64MiB' || fail "fixture: the xz stream should use a 64 MiB dictionary"

# the verdict: exit 3, unknown, memory_limit at stage decode, "N MiB" in the message
expect_memory_limit() {
    assert_report "$R" 3 unknown memory_limit
    assert_json "$R" .error.stage decode
    assert_json_true "$R" '.error.message | test("[0-9]+ MiB")' "error.message says how many MiB are needed"
    assert_json "$R" .restore.database null
    note "$(jq -r .error.message "$R" 2>/dev/null | tr '\n' ' ')"
}

R=$T/zstd-16M.json
run_rd verify --source "$Z" --decode-memory-limit 16M --target "$TARGET" --report "$R" --state-dir "$STATE"
expect_memory_limit
assert_json "$R" .archive.compression zstd
assert_json_true "$R" '.error.message | test("128 MiB")' "the message names the 128 MiB window"

R=$T/zstd-default.json
run_rd verify --source "$Z" --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.archive.format, .archive.compression] | join(" ")' "custom zstd"

R=$T/xz-8M.json
run_rd verify --source "$X" --decode-memory-limit 8M --target "$TARGET" --report "$R" --state-dir "$STATE"
expect_memory_limit
assert_json "$R" .archive.compression xz

R=$T/xz-default.json
run_rd verify --source "$X" --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.archive.format, .archive.compression] | join(" ")' "custom xz"

# the config key
C=$T/mem.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
decode_memory_limit = 16M
[job z]
source = $Z
target = $TARGET
report = $T/conf-z.json
CONF
run_rd verify -c "$C"
R=$T/conf-z.json
expect_memory_limit

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
