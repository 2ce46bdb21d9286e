#!/usr/bin/env bash
# 11: a config with [defaults] and two jobs: --job a verifies only a; report
# paths expand {job}; STATE/<job>/last.json always keeps the last report;
# without --job every job runs and the exit code is the worst status;
# --source with several jobs and no --job is a usage error (3).
. "$(dirname "$0")/lib.sh"

seed_start
A=$T/src-a
B=$T/src-b
na=a_$(ts_name %Y%m%d-%H%M 600).dump
nb=b_$(ts_name %Y%m%d-%H%M 1200).dump
make_dump "$A/$na"
make_dump "$B/$nb"
seed_stop

C=$T/jobs.conf
cat >"$C" <<CONF
[defaults]
target = ephemeral
state_dir = $STATE
report = $T/reports/{job}.json
max_archive_age = 26h

[job a]
source = $A
pattern = a_%Y%m%d-%H%M*

[job b]
source = $B
pattern = b_%Y%m%d-%H%M*
CONF
mkdir -p "$T/reports"

run_rd verify -c "$C" --job a
RA=$T/reports/a.json
assert_report "$RA" 0 ok null
assert_json "$RA" .job a
assert_json "$RA" .archive.name "$na"
assert_no_file "$T/reports/b.json"
assert_no_file "$T/reports/{job}.json"
assert_last_json a "$RA"
assert_no_file "$STATE/b/last.json"

# every job: both ok
run_rd verify -c "$C"
assert_exit 0
RB=$T/reports/b.json
validate_report "$RA"
validate_report "$RB"
assert_json "$RB" .job b
assert_json "$RB" .archive.name "$nb"
assert_json "$RB" .status ok
assert_last_json a "$RA"
assert_last_json b "$RB"

# job b loses its archive: the run as a whole is critical (worst of ok, critical)
rm -f "$B/$nb"
run_rd verify -c "$C"
assert_exit 2
validate_report "$RA"
validate_report "$RB"
assert_json "$RA" .status ok
assert_json "$RB" .status critical
assert_json "$RB" .error.code archive_not_found
assert_last_json b "$RB"

# --source with several jobs needs --job
run_rd verify -c "$C" --source "$A"
assert_exit 3

# the report of a job that has no report key still lands in last.json
C2=$T/nokey.conf
cat >"$C2" <<CONF
[defaults]
state_dir = $STATE
[job solo]
source = $A
pattern = a_%Y%m%d-%H%M*
CONF
run_rd verify -c "$C2"
assert_exit 0
assert_last_json solo
validate_report "$STATE/solo/last.json"
assert_json "$STATE/solo/last.json" .job solo
assert_json "$STATE/solo/last.json" .status ok
