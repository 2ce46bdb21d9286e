#!/usr/bin/env bash
# 39: probe messages name types and bounds (probe --db against the seed
# database, nothing restored):
#   - a rows probe returning text where a number is expected -> probe_failed
#     "a rows probe must return a number (got text 'many')";
#   - a freshness probe returning text -> "(got text)", not "type oid 25";
#   - a true probe returning an integer -> "(got 1 row of integer)";
#   - a rows probe below min -> "17, want ≥ 100"; above max -> "17, want ≤ 5";
#     with both bounds "17, want 100 to 500"; within -> "17, within ≥ 10".
. "$(dirname "$0")/lib.sh"

seed_start
DB=$(seed_conninfo seed)
P=$T/probes
probe_file "$P" a_rows_text.sql <<'X'
-- name: rows_text
-- kind: rows
-- min: 1
SELECT 'many'::text
X
probe_file "$P" b_fresh_text.sql <<'X'
-- name: fresh_text
-- kind: freshness
-- error_after: 26h
SELECT 'yesterday'::text
X
probe_file "$P" c_true_int.sql <<'X'
-- name: true_int
-- kind: true
SELECT 1
X
probe_file "$P" d_low.sql <<'X'
-- name: low
-- kind: rows
-- min: 100
SELECT 17
X
probe_file "$P" e_high.sql <<'X'
-- name: high
-- kind: rows
-- max: 5
SELECT 17
X
probe_file "$P" f_both.sql <<'X'
-- name: both
-- kind: rows
-- min: 100
-- max: 500
SELECT 17
X
probe_file "$P" g_within.sql <<'X'
-- name: within
-- kind: rows
-- min: 10
SELECT 17
X

R=$T/probes.json
run_rd probe --db "$DB" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe "$R" rows_text .message "$P/a_rows_text.sql:4: a rows probe must return a number (got text 'many')"
assert_probe "$R" fresh_text .message "$P/b_fresh_text.sql:4: a freshness probe must return a timestamp, timestamptz or date (got text)"
assert_probe "$R" true_int .message "$P/c_true_int.sql:3: a true probe must return one boolean row (got 1 row of integer)"
assert_probe "$R" low .message "17, want ≥ 100"
assert_probe "$R" high .message "17, want ≤ 5"
assert_probe "$R" both .message "17, want 100 to 500"
assert_probe "$R" within .message "17, within ≥ 10"
assert_probe "$R" within .status ok
assert_not_contains "$R" "type oid"
