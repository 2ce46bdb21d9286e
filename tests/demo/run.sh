#!/usr/bin/env bash
# tests/demo/run.sh: make small sample backups and verify them with restoredrill.
#
#   RESTOREDRILL=/abs/path/to/restoredrill tests/demo/run.sh     (what `make demo` runs)
#
# 1. starts a throwaway seed cluster (tests/pg-ephemeral) and loads
#    tests/demo/seed.sql, a small "shop" database owned by the role shop_app;
#    copies it to "shop_stale" and moves every timestamp there 6 hours back
#    (a replica whose replay stopped 6 hours ago);
# 2. pg_dump -Fc's them into a private temp dir: backups/shop/ gets
#    shop_<now>.dump and an older shop_<now - 1 day>.dump, backups/shop_stale/
#    gets shop_<now>.dump of the stale copy (UTC times in the names);
# 3. stops the seed cluster, then runs, one job at a time,
#      restoredrill verify -c tests/demo/restoredrill.conf --job shop       --source backups/shop
#      restoredrill verify -c tests/demo/restoredrill.conf --job shop_stale --source backups/shop_stale
#    each picks the newest dump, restores it into its own throwaway cluster
#    and runs the probes of tests/demo/probes/ (docs/probes.md);
# 4. shows each summary and the probes of each JSON report.
# 5. when mariadb-server is installed: a throwaway MariaDB (tests/mariadb-ephemeral)
#    with the same shop, `mariadb-dump shop | gzip` into backups/shop_mysql/, and
#    the job shop_mysql (probes in tests/demo/probes-mysql/), expected ok (0).
# Expected: shop is ok (exit 0); shop_stale is a warning (exit 1) because its
# newest login is 6 hours old (recent_login: warn_after 2h).  The demo exits
# 0 when both came out as expected, 1 when not, 3 when it could not run.
# The temp dir (and the seed cluster) are removed on every exit.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESTOREDRILL=${RESTOREDRILL:-$ROOT/build/restoredrill}
PGE=$ROOT/tests/pg-ephemeral

die() { echo "demo: $*" >&2; exit 3; }

[ -x "$RESTOREDRILL" ] || die "no restoredrill binary at '$RESTOREDRILL' (run make)"
command -v jq >/dev/null 2>&1 || die "jq is missing (ci/install-deps installs it)"

# A short private dir: every socket path under it must stay < 107 bytes.
WORK=$(mktemp -d /tmp/rd-demo.XXXXXX) || die "mktemp failed"
chmod 0755 "$WORK" # the seed server runs as postgres when we are root
PG_EPHEMERAL_DIR=
MARIADB_EPHEMERAL_DIR=
cleanup() {
    if [ -n "$PG_EPHEMERAL_DIR" ]; then
        "$PGE" stop "$PG_EPHEMERAL_DIR" >/dev/null 2>&1 || true
    fi
    if [ -n "$MARIADB_EPHEMERAL_DIR" ]; then
        "$ROOT/tests/mariadb-ephemeral" stop "$MARIADB_EPHEMERAL_DIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== seed: a throwaway cluster with the demo shop database"
SEED_ENV=$(TMPDIR=$WORK "$PGE" start) || die "could not start the seed cluster"
eval "$SEED_ENV"
psql -qX -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE shop' >/dev/null \
    || die "createdb shop failed"
psql -qX -v ON_ERROR_STOP=1 -d shop -f "$HERE/seed.sql" >/dev/null \
    || die "loading tests/demo/seed.sql failed"
summary_sql="SELECT format('   %s: %s customers, %s orders, %s sessions (newest login %s)',
        current_database(),
        (SELECT count(*) FROM public.customers), (SELECT count(*) FROM public.orders),
        (SELECT count(*) FROM public.sessions),
        (SELECT to_char(max(last_login_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
           FROM public.sessions))"
psql -X -d shop -Atc "$summary_sql"
# shop_stale: the same data, every timestamp 6 hours older
psql -qX -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE shop_stale TEMPLATE shop' >/dev/null \
    || die "createdb shop_stale failed"
psql -qX -v ON_ERROR_STOP=1 -d shop_stale >/dev/null <<'SQL' || die "ageing shop_stale failed"
UPDATE public.sessions  SET last_login_at = last_login_at - interval '6 hours';
UPDATE public.orders    SET ordered_at    = ordered_at    - interval '6 hours';
UPDATE public.customers SET created_at    = created_at    - interval '6 hours';
SQL
psql -X -d shop_stale -Atc "$summary_sql"

BACKUPS=$WORK/backups
mkdir -m 0700 "$BACKUPS" "$BACKUPS/shop" "$BACKUPS/shop_stale"
now=$(date -u +%s)
stamp=$(date -u -d "@$now" +%Y%m%d-%H%M%S)
newest=$BACKUPS/shop/shop_$stamp.dump
older=$BACKUPS/shop/shop_$(date -u -d "@$((now - 86400))" +%Y%m%d-%H%M%S).dump
stale=$BACKUPS/shop_stale/shop_$stamp.dump
echo "== backup: pg_dump -Fc shop, pg_dump -Fc shop_stale"
"$PG_EPHEMERAL_BIN/pg_dump" -Fc -d shop -f "$older" || die "pg_dump failed"
touch -d "@$((now - 86400))" "$older"
"$PG_EPHEMERAL_BIN/pg_dump" -Fc -d shop -f "$newest" || die "pg_dump failed"
"$PG_EPHEMERAL_BIN/pg_dump" -Fc -d shop_stale -f "$stale" || die "pg_dump failed"
for f in "$BACKUPS"/*/*.dump; do
    printf '   %-40s %6s bytes\n' "${f#"$BACKUPS"/}" "$(stat -c %s "$f")"
done
"$PGE" stop "$PG_EPHEMERAL_DIR"
PG_EPHEMERAL_DIR=
unset PGHOST PGPORT PGUSER PGDATABASE PG_EPHEMERAL_BIN

# verify JOB: run restoredrill for one job; sets RC and REPORT.
verify() {
    # Reports are kept after the demo (build/demo/), the rest is removed.
    mkdir -p "$ROOT/build/demo"
    REPORT=$ROOT/build/demo/$1.json
    echo
    echo "== verify: restoredrill verify -c tests/demo/restoredrill.conf --job $1 --source $BACKUPS/$1"
    (cd "$ROOT" && TMPDIR=$WORK "$RESTOREDRILL" verify \
        -c tests/demo/restoredrill.conf --job "$1" --source "$BACKUPS/$1" --report "$REPORT" \
        --state-dir "$WORK/state" --junit "$ROOT/build/demo/$1.junit.xml" \
        --metrics "$ROOT/build/demo/restoredrill.prom" --alert-exec "'$ROOT/tests/demo/alert-hook.sh' '$ALERT_LOG'")
    RC=$?
    echo "== report of $1 ($REPORT, abridged)"
    if [ -s "$REPORT" ]; then
        jq -r '"   status \(.status) (exit \(.exit_code)), archive \(.archive.name), restore \(.restore.duration_s)s",
               (if .error then "   error  \(.error.code): \(.error.message)" else empty end),
               "   probes:",
               (.probes[] | "     \(.status | ascii_upcase | .[0:4] | (. + "    ")[0:4])  \(.name): \(.message)"),
               (.notes[] | "   note: \(.)")' "$REPORT"
    else
        echo "   (no report written)"
    fi
}

mkdir -p "$ROOT/build/demo"
ALERT_LOG=$ROOT/build/demo/alerts.log
rm -f "$ALERT_LOG" "$ROOT/build/demo/restoredrill.prom"
verify shop
shop_rc=$RC
shop_report=$REPORT
verify shop_stale
stale_rc=$RC
stale_report=$REPORT

# The MariaDB twin, when mariadb-server is installed.
mysql_rc=skipped
if [ -x /usr/sbin/mariadbd ] && command -v mariadb-dump >/dev/null 2>&1; then
    echo
    echo "== seed: a throwaway MariaDB with the same shop (mariadb-dump shop | gzip)"
    MDB_ENV=$(MARIADB_EPHEMERAL_TEMPLATE=$WORK/mdb.XXXXXX "$ROOT/tests/mariadb-ephemeral" start) ||
        die "could not start the seed MariaDB"
    eval "$MDB_ENV"
    mdb() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -u root --batch "$@"; }
    mdb -e "CREATE DATABASE shop;
      CREATE TABLE shop.customers (id int PRIMARY KEY, name varchar(40) NOT NULL);
      CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL,
        ordered_at datetime NOT NULL, total decimal(10,2) NOT NULL);
      INSERT INTO shop.customers SELECT seq, CONCAT('customer ', seq) FROM shop.seq_1_to_50;
      INSERT INTO shop.orders SELECT seq, 1 + seq % 50, UTC_TIMESTAMP() - INTERVAL seq * 7 MINUTE,
        5 + seq % 90 FROM shop.seq_1_to_400;" || die "seeding the MariaDB shop failed"
    mkdir -m 0700 "$BACKUPS/shop_mysql"
    mariadb-dump --no-defaults --socket="$MARIADB_SOCKET" -u root shop |
        gzip >"$BACKUPS/shop_mysql/shop_$stamp.sql.gz" || die "mariadb-dump failed"
    "$ROOT/tests/mariadb-ephemeral" stop "$MARIADB_EPHEMERAL_DIR"
    MARIADB_EPHEMERAL_DIR=
    verify shop_mysql
    mysql_rc=$RC
fi

echo
ok=1
if [ "$mysql_rc" = skipped ]; then
    echo "== demo: shop_mysql skipped (mariadb-server is not installed)"
elif [ "$mysql_rc" -eq 0 ]; then
    echo "== demo: shop_mysql (a mysqldump archive, restored into a throwaway MariaDB) is ok (exit 0), as expected"
else
    echo "== demo: shop_mysql: restoredrill exited $mysql_rc, expected 0 (ok)" >&2
    ok=0
fi
if [ "$shop_rc" -eq 0 ]; then
    echo "== demo: shop is ok (exit 0), as expected"
else
    echo "== demo: shop: restoredrill exited $shop_rc, expected 0 (ok)" >&2
    ok=0
fi
stale_probe=$(jq -r '[.probes[] | select(.name == "recent_login")][0].status // "missing"' "$stale_report" 2>/dev/null)
if [ "$stale_rc" -eq 1 ] && [ "$stale_probe" = warning ]; then
    echo "== demo: shop_stale WARNED (exit 1), as intended: its archive is fresh but its newest login"
    echo "         is 6 hours old, past recent_login's warn_after of 2h (a replica that stopped replaying)"
else
    echo "== demo: shop_stale: restoredrill exited $stale_rc with recent_login '$stale_probe'," \
         "expected exit 1 with recent_login 'warning'" >&2
    ok=0
fi
[ -s "$shop_report" ] || ok=0
# alert_exec fired once, for the warning of shop_stale, and not for shop.
echo
echo "== alerts sent by alert_exec (tests/demo/alert-hook.sh -> $ALERT_LOG):"
if [ -s "$ALERT_LOG" ]; then
    sed 's/^/   /' "$ALERT_LOG"
fi
if [ "$(grep -c '^warning job=shop_stale ' "$ALERT_LOG" 2>/dev/null)" = 1 ] &&
    ! grep -q 'job=shop ' "$ALERT_LOG"; then
    echo "== demo: one alert, for shop_stale's warning; none for the healthy shop"
else
    echo "== demo: expected exactly one alert (for shop_stale) in $ALERT_LOG" >&2
    ok=0
fi
echo "== also written: build/demo/*.junit.xml (JUnit for CI), build/demo/restoredrill.prom (Prometheus)"
if [ $ok -eq 1 ]; then
    echo "== demo: everything behaved as expected (exit 0)"
    exit 0
fi
echo "== demo: FAILED: see above (exit 1)" >&2
exit 1
