#!/usr/bin/env bash
# 05: an empty folder (or one with only in-progress files and sidecars, or
# nothing matching the pattern) is critical archive_not_found; a folder that
# does not exist is unknown source_unreachable.
. "$(dirname "$0")/lib.sh"

E=$T/empty
mkdir -p "$E"
R=$T/empty.json
run_rd verify --source "$E" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

P=$T/partial
mkdir -p "$P"
echo x >"$P/app_20250101-0100.dump.part"
echo x >"$P/app_20250101-0200.dump.tmp"
echo "0000  app_20250101-0000.dump" >"$P/app_20250101-0000.dump.sha256"
R=$T/partial.json
run_rd verify --source "$P" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

N=$T/nomatch
mkdir -p "$N"
echo x >"$N/other_20250101-0100.dump"
R=$T/nomatch.json
run_rd verify --source "$N" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

R=$T/missing.json
run_rd verify --source "$T/does-not-exist" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
R=$T/missing-uri.json
run_rd verify --source "file://$T/does-not-exist" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
