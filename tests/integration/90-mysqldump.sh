#!/usr/bin/env bash
# 90: mysqldump archives, made by a real MariaDB the test starts, restored
# into restoredrill's own throwaway MariaDB and probed:
#   - `mariadb-dump shop | gzip`, fresh data -> 0: archive.format mysqldump,
#     restore.engine mariadb, the tool is the mariadb client, every probe
#     kind ok, drift counts rows exactly (COUNT(*)), nothing left in $T;
#   - `--databases shop` with stale data -> 2, the freshness probe critical
#     (the dump creates its own database; the probes' default is it);
#   - `--all-databases` -> 0, the system schemas skipped with a note;
#   - the same archive from a web server (nginx) -> 0, streamed;
#   - a second run of the fresh job after rows were deleted -> drift warning
#     naming shop.orders.
. "$(dirname "$0")/lib.sh"

mdb_start
msql -e "CREATE DATABASE shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, created_at datetime NOT NULL,
  total decimal(10,2) NOT NULL);
CREATE TABLE shop.customers (id int PRIMARY KEY, name varchar(40));
INSERT INTO shop.customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
CREATE VIEW shop.big_orders AS SELECT id FROM shop.orders WHERE total > 100;" ||
    fail "seed schema"
# 150 orders, the newest 2 minutes old (DATETIME holds UTC wall-clock time).
msql -e "INSERT INTO shop.orders SELECT seq, UTC_TIMESTAMP() - INTERVAL (2 + seq) MINUTE, seq * 1.5
  FROM seq_1_to_150" shop || fail "seed rows"

P=$T/probes
probe_file "$P" recent_order.sql <<'EOF'
-- name: recent_order
-- kind: freshness
-- warn_after: 1h
-- error_after: 2h
SELECT max(created_at) FROM orders;
EOF
probe_file "$P" orders_count.sql <<'EOF'
-- name: orders_count
-- kind: rows
-- min: 100
SELECT count(*) FROM orders;
EOF
probe_file "$P" no_negative.sql <<'EOF'
-- name: no_negative
-- kind: empty
SELECT id, total FROM orders WHERE total < 0;
EOF
probe_file "$P" customers_named.sql <<'EOF'
-- name: customers_named
-- kind: true
SELECT count(*) = 0 FROM customers WHERE name IS NULL;
EOF

SRC=$T/src
mkdir -p "$SRC"
mdump shop | gzip >"$SRC/shop.sql.gz" || fail "mariadb-dump shop"

# ------------------------------------------------------------- fresh: 0
R=$T/fresh.json
run_rd verify --source "$SRC" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format mysqldump
assert_json "$R" .archive.compression gzip
assert_json_true "$R" '.archive.server_version | test("MariaDB")' "archive.server_version from the dump's header"
assert_json "$R" .restore.engine mariadb
assert_json "$R" .restore.target ephemeral
assert_json_true "$R" '.restore.tool | test("^mariadb ")' "restore.tool is the mariadb client"
assert_json "$R" .restore.database restoredrill_default
assert_json "$R" .restore.filtered.owner 1          # the view's DEFINER
assert_stage "$R" restore ok
assert_stage "$R" probes ok
assert_probe "$R" recent_order .status ok
assert_probe_true "$R" recent_order '.age_s >= 100 and .age_s < 900' "age_s about 2 minutes (DATETIME read as UTC)"
assert_probe "$R" orders_count .value 150
assert_probe "$R" no_negative .status ok
assert_probe "$R" customers_named .value true
assert_json_true "$R" '[.notes[] | select(test("DEFINER"))] | length == 1' "a note counts the DEFINER clauses"
assert_file_exists "$STATE/default/drift.json"
# A dump without CREATE DATABASE restores into restoredrill_<job>.
assert_json "$STATE/default/drift.json" '.tables["restoredrill_default.orders"]' 150
assert_json "$STATE/default/drift.json" '.tables["restoredrill_default.customers"]' 3

# The same archive from a web server (nginx JSON autoindex), streamed: 0.
nginx_start "$SRC"
R=$T/http.json
run_rd verify --source "$NGINX_URL/json/" --probes "$P" --report "$R" --state-dir "$T/state-http"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format mysqldump
assert_json "$R" .archive.transfer stream
assert_probe "$R" orders_count .value 150

# ---------------------------------------- --databases, stale data: 2
msql -e "UPDATE orders SET created_at = created_at - INTERVAL 3 DAY" shop || fail "age the rows"
SRC2=$T/src-databases
mkdir -p "$SRC2"
mdump --databases shop | gzip >"$SRC2/shop.sql.gz" || fail "mariadb-dump --databases"
[ "$(zcat "$SRC2/shop.sql.gz" | grep -c '^CREATE DATABASE')" -ge 1 ] || fail "the --databases dump has CREATE DATABASE"
R=$T/stale.json
run_rd verify --source "$SRC2" --probes "$P" --report "$R" --state-dir "$T/state2"
assert_report "$R" 2 critical probe_failed
assert_json "$R" .error.stage probes
assert_probe "$R" recent_order .status critical
assert_probe_true "$R" recent_order '.message | test("error_after")' "the message names error_after"
assert_probe "$R" orders_count .status ok        # the default database is shop

# ------------------------------------------------- --all-databases: 0
msql -e "UPDATE orders SET created_at = created_at + INTERVAL 3 DAY" shop || fail "refresh the rows"
SRC3=$T/src-all
mkdir -p "$SRC3"
mdump --all-databases | gzip >"$SRC3/all.sql.gz" || fail "mariadb-dump --all-databases"
[ "$(zcat "$SRC3/all.sql.gz" | grep -c 'Current Database: `mysql`')" -ge 1 ] || fail "the --all-databases dump holds mysql"
R=$T/all.json
run_rd verify --source "$SRC3" --probes "$P" --report "$R" --state-dir "$T/state3"
assert_report "$R" 0 ok null
assert_json_true "$R" '[.notes[] | select(test("system schema.*mysql.*skipped"))] | length == 1' \
    "a note says the system schemas were skipped"
assert_probe "$R" orders_count .value 150

# --------------------------------------------- fewer rows -> drift warning
msql -e "DELETE FROM orders WHERE id > 20" shop || fail "delete rows"
mdump shop | gzip >"$SRC/shop.sql.gz" || fail "mariadb-dump shop (2)"
touch -d '+1 second' "$SRC/shop.sql.gz" 2>/dev/null || true
probe_file "$T/probes2" any.sql <<'EOF'
-- name: any_order
-- kind: rows
-- min: 1
SELECT count(*) FROM orders;
EOF
R=$T/drift.json
run_rd verify --source "$SRC" --probes "$T/probes2" --report "$R" --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_stage "$R" drift warning
assert_json_true "$R" '[.notes[] | select(test("orders.*shrank from 150 to 20"))] | length == 1' \
    "drift names the table with exact counts"
