#!/usr/bin/env bash
# 93: probes on the scratch MariaDB cannot hurt the restored data or hang
# the run (one run, --keep, so the data can be looked at afterwards):
#   - DELETE, UPDATE and INSERT ... SELECT probes -> critical, refused (a
#     SELECT-only user in a READ ONLY transaction), the rows still there;
#   - a probe creating a table (DDL would commit) -> refused;
#   - SELECT ... INTO OUTFILE from a probe -> refused (no FILE privilege);
#   - SELECT SLEEP(30) with "-- timeout: 1s" -> probe_timeout after ~1 s
#     (max_statement_time), the run well under 20 s;
#   - a probe reading mysql.user -> refused (SELECT only on the restored
#     database);
#   - two statements in one probe -> probe_invalid before anything runs.
. "$(dirname "$0")/lib.sh"

mdb_start
msql -e "CREATE DATABASE shop; CREATE TABLE shop.x (id int PRIMARY KEY, v varchar(10));
INSERT INTO shop.x SELECT seq, CONCAT('row ', seq) FROM shop.seq_1_to_5;" || fail "seed"
SRC=$T/src
mkdir -p "$SRC"
mdump shop >"$SRC/shop.sql" || fail "mariadb-dump"

P=$T/probes
probe_file "$P" a_delete.sql <<'EOF'
-- name: a_delete
-- kind: empty
DELETE FROM x RETURNING id;
EOF
probe_file "$P" b_update.sql <<'EOF'
-- name: b_update
-- kind: rows
-- min: 0
UPDATE x SET v = 'gone';
EOF
probe_file "$P" c_insert.sql <<'EOF'
-- name: c_insert
-- kind: empty
INSERT INTO x SELECT id + 100, v FROM x;
EOF
probe_file "$P" d_ddl.sql <<'EOF'
-- name: d_ddl
-- kind: empty
CREATE TABLE y (a int);
EOF
probe_file "$P" e_outfile.sql <<'EOF'
-- name: e_outfile
-- kind: empty
SELECT * FROM x INTO OUTFILE '/tmp/rd93-outfile';
EOF
probe_file "$P" f_sleep.sql <<'EOF'
-- name: f_sleep
-- kind: rows
-- min: 0
-- timeout: 1s
SELECT SLEEP(30);
EOF
probe_file "$P" g_users.sql <<'EOF'
-- name: g_users
-- kind: empty
SELECT user FROM mysql.user;
EOF
probe_file "$P" z_count.sql <<'EOF'
-- name: z_count
-- kind: rows
-- min: 5
-- max: 5
SELECT count(*) FROM x WHERE v LIKE 'row %';
EOF

R=$T/safety.json
start=$(date +%s)
run_rd verify --keep --source "$SRC" --probes "$P" --report "$R" --state-dir "$STATE"
took=$(($(date +%s) - start))
assert_exit 2
validate_report "$R"
assert_json "$R" .status critical
for p in a_delete b_update c_insert d_ddl e_outfile g_users; do
    assert_probe "$R" $p .status critical
    assert_probe_true "$R" $p '.message | test("SQL error [0-9]+ ")' "$p: refused by the server"
done
assert_probe "$R" f_sleep .status critical
assert_json_true "$R" "[.errors[]? | select(.code == \"probe_timeout\")] | length >= 1" "f_sleep: probe_timeout in errors[]"
assert_json_true "$R" '[.probes[] | select(.name == "f_sleep") | .message | test("timeout")] | first' \
    "f_sleep: the message says timeout"
assert_json_true "$R" '[.probes[] | select(.name == "f_sleep") | .duration_ms < 10000] | first' \
    "f_sleep: stopped after about 1 s"
[ "$took" -lt 40 ] || fail "the run took ${took}s"
assert_probe "$R" z_count .status ok           # every row still there, unchanged
assert_no_file /tmp/rd93-outfile

# The kept server: the data is whole, no table y.
DIR=$(sed -n "s/^  connect: mariadb --defaults-file='\(.*\)\/client.cnf'.*/\1/p" "$RD_ERR" | head -1)
[ -n "$DIR" ] || DIR=$(sed -n "s/^  connect: mariadb --defaults-file='\(.*\)\/client.cnf'.*/\1/p" "$RD_OUT" 2>/dev/null | head -1)
if [ -n "$DIR" ] && [ -S "$DIR/mysqld.sock" ]; then
    got=$(mariadb --no-defaults --socket="$DIR/mysqld.sock" -u root -N -e "SELECT COUNT(*), SUM(v LIKE 'row %') FROM restoredrill_default.x" 2>&1)
    [ "$got" = "$(printf '5\t5')" ] || fail "kept data: $got"
    got=$(mariadb --no-defaults --socket="$DIR/mysqld.sock" -u root -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'y'" 2>&1)
    [ "$got" = 0 ] || fail "table y exists: $got"
    kill "$(cat "$DIR/server.pid")" 2>/dev/null
    for _ in $(seq 1 100); do [ -S "$DIR/mysqld.sock" ] || break; sleep 0.1; done
    sleep 0.5
    rm -rf "$DIR"
else
    fail "--keep printed no connect line with the kept server's dir"
fi

# Two statements: probe_invalid before anything is restored.
probe_file "$T/two" two.sql <<'EOF'
-- name: two
-- kind: rows
-- min: 0
SELECT 1; DELETE FROM x;
EOF
R=$T/two.json
run_rd verify --source "$SRC" --probes "$T/two" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown probe_invalid
