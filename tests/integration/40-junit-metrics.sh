#!/usr/bin/env bash
# 40: the JUnit and Prometheus outputs (junit =, metrics =) of four jobs of
# one config sharing one metrics file:
#   okjob  a good dump                        -> ok
#   bad    a truncated (corrupt) custom dump  -> critical
#   probed a good dump + 3 probes, one warns  -> warning
#   down   a target nobody listens on         -> unknown db_unreachable
# JUnit: well-formed (xmllint --noout), one testsuite per job, one testcase
# per stage and per probe, critical -> <failure> carrying the error code,
# unknown -> <error>, warning -> pass with <system-out>, skipped stage ->
# <skipped/>, and the counts add up.
# Metrics: promtool check metrics passes after every run; restoredrill_status
# is 0/2/1/3; last_success is 0 for jobs that never succeeded and is
# carried over unchanged when a job's next run fails (last_run moves on);
# a run of one job leaves the other jobs' lines alone; an ok run moves
# last_success again.
. "$(dirname "$0")/lib.sh"

seed_start
SEED=$(seed_target postgres)
make_dump "$T/good.dump"
mkdir -p "$T/src-ok" "$T/src-bad" "$T/src-probed" "$T/junit" "$T/metrics" "$T/reports"
cp "$T/good.dump" "$T/src-ok/app.dump"
cp "$T/good.dump" "$T/src-probed/app.dump"
size=$(stat -c %s "$T/good.dump")
head -c $((size / 2)) "$T/good.dump" >"$T/src-bad/app.dump"

P=$T/probes
probe_file "$P" a_count.sql <<'P'
-- name: a_count
-- kind: rows
-- min: 10
SELECT count(*) FROM public.customers;
P
probe_file "$P" b_many.sql <<'P'
-- name: b_many
-- kind: rows
-- min: 1000
-- severity: warning
SELECT count(*) FROM public.customers;
P
probe_file "$P" c_fresh.sql <<'P'
-- name: c_fresh
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
SELECT max(last_login_at) FROM public.sessions;
P

M=$T/metrics/restoredrill.prom
C=$T/jobs.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
target = $SEED
report = $T/reports/{job}.json
junit = $T/junit/{job}.xml
metrics = $M

[job okjob]
source = $T/src-ok

[job bad]
source = $T/src-bad

[job probed]
source = $T/src-probed
probes = $P

[job down]
source = $T/src-ok
target = host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=5
CONF

# ------------------------------------------------------------ run 1: all jobs
run_rd verify -c "$C"
assert_exit 2   # the worst job's code; docs/errors.md: critical > unknown > warning > ok
for j in okjob bad probed down; do
    validate_report "$T/reports/$j.json"
    assert_junit "$T/junit/$j.xml" "$T/reports/$j.json"
done
assert_json "$T/reports/okjob.json" .status ok
assert_json "$T/reports/bad.json" .status critical
assert_json "$T/reports/probed.json" .status warning
assert_json "$T/reports/down.json" .status unknown
assert_json "$T/reports/down.json" .error.code db_unreachable
note "bad: $(jq -c .error "$T/reports/bad.json" 2>/dev/null)"
note "down: $(jq -c .error "$T/reports/down.json" 2>/dev/null)"

# JUnit, beyond the generic checks of assert_junit
X=$T/junit/okjob.xml
assert_xpath "$X" 'count(//failure) + count(//error)' 0
assert_xpath "$X" "count(//testcase[@classname='restoredrill.okjob.stages' and @name='restore'])" 1
assert_xpath "$X" "count(//testcase[@name='restore']/*)" 0
assert_xpath "$X" 'string(/testsuites/testsuite/@failures)' 0
X=$T/junit/bad.xml
code=$(jq -r .error.code "$T/reports/bad.json")
stage=$(jq -r .error.stage "$T/reports/bad.json")
assert_xpath "$X" 'count(//failure)' 1
assert_xpath "$X" 'count(//error)' 0
assert_xpath "$X" "string(//testcase[failure]/@name)" "$stage"
assert_xpath "$X" "boolean(//failure[contains(concat(@type, ' ', @message), '$code')])" true
skipped=$(jq -r '[.stages[] | select(.status == "skipped") | .name] | first // ""' "$T/reports/bad.json")
if [ -z "$skipped" ]; then
    fail "bad.json: the critical run should have skipped some stage (drift, at least)"
else
    assert_xpath "$X" "count(//testcase[@name='$skipped']/skipped)" 1
fi
assert_xpath "$X" "number(/testsuites/testsuite/@skipped) = count(//skipped) and count(//skipped) > 0" true
assert_xpath "$X" 'number(/testsuites/testsuite/@failures)' 1
X=$T/junit/probed.xml
assert_xpath "$X" 'count(//failure) + count(//error)' 0
assert_xpath "$X" "count(//testcase[@classname='restoredrill.probed.probes'])" 3
assert_xpath "$X" "count(//testcase[@classname='restoredrill.probed.probes' and @name='b_many']/system-out)" 1
assert_xpath "$X" "boolean(//testcase[@name='b_many']/system-out[contains(., 'want ≥ 1000')])" true
assert_xpath "$X" "count(//testcase[@classname='restoredrill.probed.probes' and @name='a_count']/*)" 0
assert_xpath "$X" "count(//testcase[@classname='restoredrill.probed.probes' and @name='c_fresh']/*)" 0
assert_xpath "$X" "count(//testcase[@classname='restoredrill.probed.stages' and @name='probes']/system-out)" 1
X=$T/junit/down.xml
assert_xpath "$X" 'count(//error)' 1
assert_xpath "$X" 'count(//failure)' 0
assert_xpath "$X" "boolean(//error[contains(concat(@type, ' ', @message), 'db_unreachable')])" true
assert_xpath "$X" 'number(/testsuites/testsuite/@errors)' 1

# metrics: one shared, valid file with every job
assert_promtool "$M"
[ "$(stat -c %a "$M" 2>/dev/null)" = 644 ] || fail "$M should be 0644 (got $(stat -c %a "$M" 2>/dev/null))"
assert_metric "$M" 'restoredrill_status{job="okjob"}' 0
assert_metric "$M" 'restoredrill_status{job="bad"}' 2
assert_metric "$M" 'restoredrill_status{job="probed"}' 1
assert_metric "$M" 'restoredrill_status{job="down"}' 3
now=$(date +%s)
for j in okjob bad probed down; do
    v=$(metric_value "$M" "restoredrill_last_run_timestamp_seconds{job=\"$j\"}")
    [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge $((now - 300)) ] && [ "$v" -le $((now + 5)) ] ||
        fail "restoredrill_last_run_timestamp_seconds{job=\"$j\"} should be about now ($now), got '${v:-absent}'"
done
ok_success=$(metric_value "$M" 'restoredrill_last_success_timestamp_seconds{job="okjob"}')
ok_run=$(metric_value "$M" 'restoredrill_last_run_timestamp_seconds{job="okjob"}')
[[ $ok_success =~ ^[0-9]+$ ]] && [ "$ok_success" -ge $((now - 300)) ] ||
    fail "last_success of okjob should be about now, got '${ok_success:-absent}'"
[ -n "$(metric_value "$M" 'restoredrill_last_success_timestamp_seconds{job="probed"}')" ] ||
    fail "a warning run counts as a success: last_success of probed should be set"
assert_metric "$M" 'restoredrill_last_success_timestamp_seconds{job="bad"}' 0
assert_metric "$M" 'restoredrill_last_success_timestamp_seconds{job="down"}' 0
assert_metric "$M" 'restoredrill_probe_status{job="probed",probe="a_count"}' 0
assert_metric "$M" 'restoredrill_probe_status{job="probed",probe="b_many"}' 1
assert_metric "$M" 'restoredrill_probe_status{job="probed",probe="c_fresh"}' 0
[ -n "$(metric_value "$M" 'restoredrill_probe_age_seconds{job="probed",probe="c_fresh"}')" ] ||
    fail "restoredrill_probe_age_seconds of the freshness probe c_fresh is missing"
others() { grep -v '^#' "$M" | grep -v 'job="okjob"' | sort; }
others_before=$(others)

# ------------------------------------- run 2: okjob fails (archive gone)
sleep 1.2   # a new second: a rewritten timestamp would differ
mv "$T/src-ok/app.dump" "$T/app.dump.away"
run_rd verify -c "$C" --job okjob
R=$T/reports/okjob.json
assert_report "$R" 2 critical archive_not_found
assert_junit "$T/junit/okjob.xml" "$R"
assert_xpath "$T/junit/okjob.xml" "boolean(//failure[contains(concat(@type, ' ', @message), 'archive_not_found')])" true
assert_promtool "$M"
assert_metric "$M" 'restoredrill_status{job="okjob"}' 2
assert_metric "$M" 'restoredrill_last_success_timestamp_seconds{job="okjob"}' "$ok_success"
run2=$(metric_value "$M" 'restoredrill_last_run_timestamp_seconds{job="okjob"}')
[[ $run2 =~ ^[0-9]+$ ]] && [ "$run2" -gt "$ok_run" ] ||
    fail "last_run of okjob should move on after the failing run ($ok_run -> '${run2:-absent}')"
[ "$(others)" = "$others_before" ] ||
    fail "a run of okjob changed the other jobs' lines: $(diff <(echo "$others_before") <(others) | tr '\n' ' ')"
assert_metric "$M" 'restoredrill_status{job="bad"}' 2
assert_metric "$M" 'restoredrill_status{job="probed"}' 1
[ -n "$(metric_value "$M" 'restoredrill_last_success_timestamp_seconds{job="probed"}')" ] ||
    fail "last_success of probed is gone after a run of okjob"

# ------------------------------------------- run 3: okjob passes again
sleep 1.2
mv "$T/app.dump.away" "$T/src-ok/app.dump"
run_rd verify -c "$C" --job okjob
assert_report "$R" 0 ok null
assert_junit "$T/junit/okjob.xml" "$R"
assert_promtool "$M"
assert_metric "$M" 'restoredrill_status{job="okjob"}' 0
s3=$(metric_value "$M" 'restoredrill_last_success_timestamp_seconds{job="okjob"}')
[[ $s3 =~ ^[0-9]+$ ]] && [ "$s3" -gt "$ok_success" ] ||
    fail "last_success of okjob should move on after an ok run ($ok_success -> '${s3:-absent}')"
[ "$(others)" = "$others_before" ] || fail "the third run changed the other jobs' lines"

# a flag-given metrics file for a one-off run is valid too
M2=$T/metrics/flag.prom
run_rd verify --source "$T/src-bad" --metrics "$M2" --junit "$T/junit/flag.xml" --report "$T/flag.json" \
    --state-dir "$STATE"
assert_report "$T/flag.json" 2 critical "$code"
assert_promtool "$M2"
assert_metric "$M2" 'restoredrill_status{job="default"}' 2
assert_junit "$T/junit/flag.xml" "$T/flag.json"
seed_stop
