#!/usr/bin/env bash
# 94: `restoredrill probe --db mysql://...` against a running MariaDB (the
# test's own, over its unix socket), restoring nothing:
#   - fresh data -> 0, every kind judged, restore.target the URI;
#   - the password in a 0600 defaults_file (never on the command line): 0;
#     the same file readable by others -> 3 db_unreachable, saying so;
#   - a probe that writes -> refused (READ ONLY transaction), data unchanged;
#   - a wrong password -> 3 db_unreachable.
. "$(dirname "$0")/lib.sh"

mdb_start
msql -e "CREATE DATABASE shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, created_at timestamp NOT NULL);
INSERT INTO shop.orders SELECT seq, UTC_TIMESTAMP() - INTERVAL seq MINUTE FROM shop.seq_1_to_30;
CREATE USER 'prober'@'localhost' IDENTIFIED BY 's3cret;pw';
GRANT SELECT, DELETE ON shop.* TO 'prober'@'localhost';" || fail "seed"

P=$T/probes
probe_file "$P" fresh.sql <<'EOF'
-- name: recent_order
-- kind: freshness
-- error_after: 1h
SELECT max(created_at) FROM orders;
EOF
probe_file "$P" count.sql <<'EOF'
-- name: orders_count
-- kind: rows
-- min: 30
SELECT count(*) FROM orders;
EOF

DB="mysql://root@localhost/shop?socket=$MDB_SOCK"
R=$T/probe.json
run_rd probe --db "$DB" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .command probe
assert_json "$R" .restore.target "$DB"
assert_probe "$R" recent_order .status ok
assert_probe_true "$R" recent_order '.age_s >= 30 and .age_s < 600' "a TIMESTAMP read in UTC"
assert_probe "$R" orders_count .value 30

# The password in a defaults file.
CNF=$T/prober.cnf
printf '[client]\npassword=s3cret;pw\n' >"$CNF"
chmod 600 "$CNF"
probe_file "$T/write" del.sql <<'EOF'
-- name: deleter
-- kind: empty
DELETE FROM orders RETURNING id;
EOF
R=$T/cnf.json
run_rd probe --db "mysql://prober@localhost/shop?socket=$MDB_SOCK&defaults_file=$CNF" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
R=$T/write.json
run_rd probe --db "mysql://prober@localhost/shop?socket=$MDB_SOCK&defaults_file=$CNF" --probes "$T/write" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe_true "$R" deleter '.message | test("READ ONLY")' "refused: a READ ONLY transaction"
[ "$(msql -N -e 'SELECT COUNT(*) FROM shop.orders')" = 30 ] || fail "the DELETE probe changed the data"
assert_not_contains "$RD_ERR" "s3cret"

chmod 644 "$CNF"
R=$T/open.json
run_rd probe --db "mysql://prober@localhost/shop?socket=$MDB_SOCK&defaults_file=$CNF" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown db_unreachable
assert_json_true "$R" '.error.message | test("readable by others")' "the message says why"

R=$T/badpw.json
run_rd probe --db "mysql://prober:wrong@localhost/shop?socket=$MDB_SOCK" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown db_unreachable
assert_not_contains "$R" "wrong@"
