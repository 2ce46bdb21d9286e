#!/usr/bin/env bash
# 31: the probe kinds rows, empty and true, judged on a real restore of one
# test dump (into the seed server, --target):
#   - rows: within min/max -> 0 (also a fractional numeric value); below min
#     with severity: warning -> 1; below min (default critical) -> 2
#     probe_failed; above max -> 2;
#   - empty: no rows -> 0 (value 0, rows []); 7 offending rows -> 2 with
#     value 7 and rows[] holding the first 5 as {column: text}, NULLs as
#     null; severity: warning -> 1;
#   - true: true -> 0; false -> 2; NULL -> 2;
#   - misuse (a true probe returning an int, a rows probe returning two
#     columns, a rows probe returning text) -> critical, each saying why.
. "$(dirname "$0")/lib.sh"

fixture_sql() {
    cat <<'SQL'
SET client_min_messages = warning;
CREATE TABLE public.items (id int PRIMARY KEY, price_cents int NOT NULL);
INSERT INTO public.items SELECT g, 100 * g FROM generate_series(1, 12) g;
CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO public.customers SELECT g, 'c' || g FROM generate_series(1, 10) g;
-- 20 orders; 7 of them (ids 14..20) point at customers that do not exist
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int NOT NULL, note text);
INSERT INTO public.orders SELECT g, 1 + g % 10, 'ok ' || g FROM generate_series(1, 13) g;
INSERT INTO public.orders VALUES (14, 914, 'quote '' and "double" and ü'), (15, 915, NULL);
INSERT INTO public.orders SELECT g, 900 + g, 'orphan ' || g FROM generate_series(16, 20) g;
CREATE TABLE public.flags (name text PRIMARY KEY, on_ boolean);
INSERT INTO public.flags VALUES ('yes', true), ('no', false), ('unset', NULL);
SQL
}

seed_start
make_dump app.dump "$(fixture_sql)"
SEED=$(seed_target postgres)
P=$T/probes

# verify_probes CASE: verify the dump with the probe folder $P/CASE into the
# seed server; the report is $T/CASE.json (R).
verify_probes() {
    R=$T/$1.json
    run_rd verify --source "$BACKUPS" --probes "$P/$1" --target "$SEED" --report "$R" --state-dir "$STATE"
}

# ---------------------------------------------------------------- rows
probe_file "$P/rows-ok" items.sql <<'P'
-- name: items_count
-- kind: rows
-- min: 10
-- max: 20
SELECT count(*) FROM public.items
P
probe_file "$P/rows-ok" revenue.sql <<'P'
-- name: revenue
-- kind: rows
-- min: 0.5
-- max: 1000.25
-- description: a fractional number: 7800 cents as 78.00
SELECT sum(price_cents)::numeric / 100 FROM public.items;
P
verify_probes rows-ok
assert_report "$R" 0 ok null
assert_stage "$R" probes ok
assert_json "$R" '[.probes[].name] | join(",")' "items_count,revenue"   # file-name order
assert_probe "$R" items_count .status ok
assert_probe "$R" items_count .kind rows
assert_probe "$R" items_count .value 12
assert_probe "$R" items_count '.thresholds | [.warn_after_s, .error_after_s, .min, .max] | map(tostring) | join(" ")' \
    "null null 10 20"
assert_probe "$R" items_count .age_s null
assert_probe "$R" revenue .status ok
assert_probe "$R" revenue .value 78
assert_probe "$R" revenue '.thresholds | [.min, .max] | map(tostring) | join(" ")' "0.5 1000.25"

probe_file "$P/rows-low-warning" items.sql <<'P'
-- name: items_count
-- kind: rows
-- min: 50
-- severity: warning
SELECT count(*) FROM public.items;
P
verify_probes rows-low-warning
assert_report "$R" 1 warning null
assert_stage "$R" probes warning
assert_probe "$R" items_count .status warning
assert_probe "$R" items_count .value 12
assert_probe "$R" items_count .message "12, want ≥ 50"

probe_file "$P/rows-low-critical" items.sql <<'P'
-- name: items_count
-- kind: rows
-- min: 50
SELECT count(*) FROM public.items;
P
verify_probes rows-low-critical
assert_report "$R" 2 critical probe_failed
assert_json "$R" .error.stage probes
assert_probe "$R" items_count .status critical

probe_file "$P/rows-high" items.sql <<'P'
-- name: items_count
-- kind: rows
-- max: 5
-- severity: critical
SELECT count(*) FROM public.items;
P
verify_probes rows-high
assert_report "$R" 2 critical probe_failed
assert_probe "$R" items_count .status critical
assert_probe "$R" items_count .message "12, want ≤ 5"

# ---------------------------------------------------------------- empty
probe_file "$P/empty-ok" none.sql <<'P'
-- name: no_negative_ids
-- kind: empty
SELECT id, customer_id FROM public.orders WHERE id < 0
P
verify_probes empty-ok
assert_report "$R" 0 ok null
assert_probe "$R" no_negative_ids .status ok
assert_probe "$R" no_negative_ids .value 0
assert_probe_true "$R" no_negative_ids '.rows == []' "empty ok: rows[] is []"

orphans() {
    probe_file "$P/$1" orphans.sql <<P
-- name: no_orphan_orders
-- kind: empty
$2
SELECT o.id AS order_id, o.customer_id, o.note
  FROM public.orders AS o
 WHERE NOT EXISTS (SELECT 1 FROM public.customers AS c WHERE c.id = o.customer_id)
 ORDER BY o.id;
P
}
orphans empty-fail ""
verify_probes empty-fail
assert_report "$R" 2 critical probe_failed
assert_probe "$R" no_orphan_orders .status critical
assert_probe "$R" no_orphan_orders .value 7
assert_probe "$R" no_orphan_orders '.rows | length' 5
assert_probe "$R" no_orphan_orders '[.rows[].order_id] | join(",")' "14,15,16,17,18"
assert_probe "$R" no_orphan_orders '.rows[0] | keys | join(",")' "customer_id,note,order_id"
assert_probe "$R" no_orphan_orders '.rows[0].customer_id' 914
assert_probe "$R" no_orphan_orders '.rows[0].note' "quote ' and \"double\" and ü"
assert_probe "$R" no_orphan_orders '.rows[1].note | tostring' null
assert_probe_true "$R" no_orphan_orders '.message | test("7 rows")' "empty: the message counts 7 rows"

orphans empty-warning "-- severity: warning"
verify_probes empty-warning
assert_report "$R" 1 warning null
assert_probe "$R" no_orphan_orders .status warning
assert_probe "$R" no_orphan_orders '.rows | length' 5

# ---------------------------------------------------------------- true
flag() {
    probe_file "$P/$1" flag.sql <<P
-- name: flag_$2
-- kind: true
SELECT on_ FROM public.flags WHERE name = '$2';
P
}
flag true-true yes
verify_probes true-true
assert_report "$R" 0 ok null
assert_probe "$R" flag_yes .status ok
assert_probe "$R" flag_yes .value true

flag true-false no
verify_probes true-false
assert_report "$R" 2 critical probe_failed
assert_probe "$R" flag_no .status critical
assert_probe "$R" flag_no .value false
assert_probe_true "$R" flag_no '.message | test("false")' "true=false: message"

flag true-null unset
verify_probes true-null
assert_report "$R" 2 critical probe_failed
assert_probe "$R" flag_unset .status critical
assert_probe "$R" flag_unset .value null
assert_probe_true "$R" flag_unset '.message | test("NULL")' "true=NULL: message says NULL"

# ---------------------------------------------------------------- misuse
probe_file "$P/misuse" a.sql <<'P'
-- name: true_int
-- kind: true
SELECT 1
P
probe_file "$P/misuse" b.sql <<'P'
-- name: rows_two_columns
-- kind: rows
-- min: 1
SELECT count(*), max(id) FROM public.items
P
probe_file "$P/misuse" c.sql <<'P'
-- name: rows_text
-- kind: rows
-- min: 1
SELECT 'twelve'::text
P
verify_probes misuse
assert_report "$R" 2 critical probe_failed
assert_json "$R" '[.probes[].status] | join(",")' "critical,critical,critical"
assert_probe_true "$R" true_int '.message | test("boolean")' "true returning an int: message"
assert_probe_true "$R" true_int ".message | startswith(\"$P/misuse/a.sql:3: \")" "probe error names FILE:LINE"
assert_probe_true "$R" rows_two_columns '.message | test("one column")' "rows returning two columns: message"
assert_probe_true "$R" rows_text '.message | test("number")' "rows returning text: message"
