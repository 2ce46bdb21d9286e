#!/usr/bin/env bash
# 34: drift — per-table row counts against the last verified run, kept in
# STATE_DIR/JOB/drift.json (no probe file needed).  One job, five dumps of
# an evolving database, restored into the seed server (--target):
#   1. first run -> 0, a note "drift: first verified run", baseline saved;
#   2. public.a emptied -> 1 (warning, no error code), a note naming
#      public.a, drift.tables[] public.a rows 0 / previous 100 / warning,
#      the others ok, baseline_at set;
#   3. public.b dropped -> 1, public.b rows null (vanished), a note;
#   4. a critical run (a failing probe) does not move the baseline;
#   5. public.c shrank by 60%: --max-shrink 90% -> 0; the same with the
#      default 50% (on a copy of the state) -> 1 naming public.c;
#   6. --max-shrink abc -> 3 config_invalid;
#   7. counts without a database-wide ANALYZE (ephemeral target).
. "$(dirname "$0")/lib.sh"

# db_sql A B C: tables public.a/b/c with that many rows (B "-" = no table
# b), plus app.events with 10 rows.
db_sql() {
    echo "SET client_min_messages = warning;"
    echo "CREATE SCHEMA app; CREATE TABLE app.events (id int); INSERT INTO app.events SELECT generate_series(1, 10);"
    echo "CREATE TABLE public.a (id int); INSERT INTO public.a SELECT generate_series(1, $1);"
    [ "$2" = - ] || echo "CREATE TABLE public.b (id int); INSERT INTO public.b SELECT generate_series(1, $2);"
    echo "CREATE TABLE public.c (id int); INSERT INTO public.c SELECT generate_series(1, $3);"
}

seed_start
W=$T/work
make_dump "$W/d1.dump" "$(db_sql 100 100 100)"
make_dump "$W/d2.dump" "$(db_sql 0 100 100)"
make_dump "$W/d3.dump" "$(db_sql 0 - 100)"
make_dump "$W/d4.dump" "$(db_sql 0 - 40)"
SEED=$(seed_target postgres)
SRC=$T/src
mkdir -p "$SRC"
BASE=$STATE/default/drift.json

# run_dump N [ARGS...]: verify dump dN (as $SRC/app.dump); report $T/run<run number>-dN.json
run_dump() {
    local n=$1
    shift
    cp "$W/d$n.dump" "$SRC/app.dump"
    R=$T/run$((RD_N + 1))-d$n.json
    run_rd verify --source "$SRC" --target "$SEED" --report "$R" "$@"
}

# drift_row R TABLE: "rows previous_rows status" of TABLE in drift.tables[]
drift_row() {
    jq -r --arg t "$2" '[.drift.tables[] | select(.name == $t)] | first
                        | if . == null then "absent" else "\(.rows) \(.previous_rows) \(.status)" end' "$1" 2>&1
}
assert_drift() {
    local got
    got=$(drift_row "$1" "$2")
    [ "$got" = "$3" ] || fail "drift.tables[] $2 in $(basename "$1") (expected '$3', got '$got')"
}

# ---------------------------------------------------------- 1. first run
run_dump 1 --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_stage "$R" drift ok
assert_json_true "$R" '[.notes[] | select(test("drift: first verified run"))] | length == 1' \
    "notes say 'drift: first verified run'"
assert_json "$R" .drift.baseline_at null
assert_not_contains "$RD_ERR" "not saved"
assert_file_exists "$BASE"
[ ! -s "$BASE" ] || note "baseline: $(head -c 300 "$BASE")"
run1_started=$(jq -r .started_at "$R" 2>/dev/null)

# ---------------------------------------------------------- 2. emptied
run_dump 2 --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_stage "$R" drift warning
assert_json_true "$R" '[.notes[] | select(test("drift: first verified run"))] | length == 0' \
    "second run: no 'first verified run' note"
assert_json_true "$R" '[.notes[] | select(test("public\\.a"))] | length == 1' "a note names public.a"
assert_drift "$R" public.a "0 100 warning"
assert_drift "$R" public.b "100 100 ok"
assert_drift "$R" public.c "100 100 ok"
assert_drift "$R" app.events "10 10 ok"
assert_json_true "$R" '[.drift.tables[].name] == ([.drift.tables[].name] | sort)' "drift.tables[] sorted by name"
assert_json_true "$R" "(.drift.baseline_at | type) == \"string\" and .drift.baseline_at >= \"$run1_started\" and .drift.baseline_at <= .started_at" \
    "drift.baseline_at is the first run's time"
assert_json_true "$R" '[.probes[]] == []' "no probes configured: probes[] empty"

# ---------------------------------------------------------- 3. vanished
run_dump 3 --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_drift "$R" public.b "null 100 warning"
assert_drift "$R" public.a "0 0 ok"
assert_json_true "$R" '[.notes[] | select(test("public\\.b") and test("vanished"))] | length == 1' \
    "a note says public.b vanished"

# ------------------------------------- 4. a critical run keeps the baseline
probe_file "$T/probes/fail" fail.sql <<'P'
-- name: always_false
-- kind: true
SELECT false
P
cp "$BASE" "$T/baseline-before"
run_dump 4 --state-dir "$STATE" --probes "$T/probes/fail"
assert_report "$R" 2 critical probe_failed
cmp -s "$BASE" "$T/baseline-before" || fail "a critical run changed the drift baseline $BASE"

# --------------------------------------------------- 5. --max-shrink 90%
cp -a "$STATE" "$T/state-copy"
run_dump 4 --state-dir "$STATE" --max-shrink 90%
assert_report "$R" 0 ok null
assert_drift "$R" public.c "40 100 ok"
assert_stage "$R" drift ok
# the control: the same shrink with the default max_shrink (50%)
run_dump 4 --state-dir "$T/state-copy"
assert_report "$R" 1 warning null
assert_drift "$R" public.c "40 100 warning"
assert_json_true "$R" '[.notes[] | select(test("public\\.c"))] | length == 1' "a note names public.c"

# ------------------------------------------------- 6. a bad --max-shrink
run_dump 4 --state-dir "$STATE" --max-shrink abc
assert_report "$R" 3 unknown config_invalid

# ---------------------------- 7. estimates without a database-wide ANALYZE
# With --drift-exact-rows 10 nothing is small enough to count: an indexed
# table's rows come from its index build (exact after a restore), an
# unindexed small table is still counted, an unindexed one over 64 MB is
# ANALYZEd alone (an estimate near its size) — none of them is -1 or null.
make_dump "$W/d5.dump" "SET client_min_messages = warning;
CREATE TABLE public.keyed (id int PRIMARY KEY); INSERT INTO public.keyed SELECT generate_series(1, 5000);
CREATE TABLE public.heap (id int); INSERT INTO public.heap SELECT generate_series(1, 3000);
CREATE TABLE public.wide (id int, pad text); INSERT INTO public.wide SELECT g, repeat(md5(g::text), 7) FROM generate_series(1, 260000) g;"
cp "$W/d5.dump" "$SRC/app.dump"
for n in 1 2; do # the second run compares with the first's counts
    R=$T/run-estimates$n.json
    run_rd verify --source "$SRC" --report "$R" --state-dir "$T/state-est" --drift-exact-rows 10
    assert_report "$R" 0 ok null
done
assert_drift "$R" public.keyed "5000 5000 ok"
assert_drift "$R" public.heap "3000 3000 ok"
assert_json_true "$R" '[.drift.tables[] | select(.name == "public.wide") | .rows] | first | . > 200000 and . < 320000' \
    "public.wide's estimate after its own ANALYZE is near 260000 ($(drift_row "$R" public.wide))"
