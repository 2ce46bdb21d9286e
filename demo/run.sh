#!/usr/bin/env bash
# demo/run.sh: make a small sample backup and verify it with restoredrill.
#
#   RESTOREDRILL=/abs/path/to/restoredrill demo/run.sh     (what `make demo` runs)
#
# 1. starts a throwaway seed cluster (tools/pg-ephemeral) and loads
#    demo/seed.sql, a small "shop" database owned by the role shop_app;
# 2. pg_dump -Fc's it twice into a private temp dir: shop_<now>.dump and an
#    older shop_<now - 1 day>.dump (UTC times in the names);
# 3. stops the seed cluster, then runs
#      restoredrill verify -c demo/restoredrill.conf --source DIR ...
#    which must pick the newest dump, restore it into its own throwaway
#    cluster and report ok;
# 4. shows the summary and a short jq view of the JSON report.
# The temp dir (and the seed cluster) are removed on every exit.  The exit
# code is restoredrill's.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RESTOREDRILL=${RESTOREDRILL:-$ROOT/build/restoredrill}
PGE=$ROOT/tools/pg-ephemeral

die() { echo "demo: $*" >&2; exit 3; }

[ -x "$RESTOREDRILL" ] || die "no restoredrill binary at '$RESTOREDRILL' (run make)"
command -v jq >/dev/null 2>&1 || die "jq is missing (ci/install-deps installs it)"

# A short private dir: every socket path under it must stay < 107 bytes.
WORK=$(mktemp -d /tmp/rd-demo.XXXXXX) || die "mktemp failed"
chmod 0755 "$WORK" # the seed server runs as postgres when we are root
PG_EPHEMERAL_DIR=
cleanup() {
    if [ -n "$PG_EPHEMERAL_DIR" ]; then
        "$PGE" stop "$PG_EPHEMERAL_DIR" >/dev/null 2>&1 || true
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
    || die "loading demo/seed.sql failed"
psql -X -d shop -Atc "SELECT format('   %s customers, %s orders, %s sessions (newest login %s)',
        (SELECT count(*) FROM public.customers), (SELECT count(*) FROM public.orders),
        (SELECT count(*) FROM public.sessions),
        (SELECT to_char(max(last_login_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
           FROM public.sessions))"

BACKUPS=$WORK/backups
mkdir -m 0700 "$BACKUPS"
now=$(date -u +%s)
newest=$BACKUPS/shop_$(date -u -d "@$now" +%Y%m%d-%H%M%S).dump
older=$BACKUPS/shop_$(date -u -d "@$((now - 86400))" +%Y%m%d-%H%M%S).dump
echo "== backup: pg_dump -Fc shop"
"$PG_EPHEMERAL_BIN/pg_dump" -Fc -d shop -f "$older" || die "pg_dump failed"
touch -d "@$((now - 86400))" "$older"
"$PG_EPHEMERAL_BIN/pg_dump" -Fc -d shop -f "$newest" || die "pg_dump failed"
ls -l "$BACKUPS" | sed 1d | sed 's/^/   /'
"$PGE" stop "$PG_EPHEMERAL_DIR"
PG_EPHEMERAL_DIR=
unset PGHOST PGPORT PGUSER PGDATABASE PG_EPHEMERAL_BIN

echo "== verify: restoredrill verify -c demo/restoredrill.conf --source $BACKUPS"
REPORT=$WORK/report.json
(cd "$ROOT" && TMPDIR=$WORK "$RESTOREDRILL" verify -c demo/restoredrill.conf \
    --source "$BACKUPS" --report "$REPORT" --state-dir "$WORK/state")
rc=$?
echo "== report ($REPORT, abridged)"
if [ -s "$REPORT" ]; then
    jq '{status, error, archive: .archive.name, restore_duration_s: .restore.duration_s}' "$REPORT"
else
    echo "   (no report written)"
fi
case $rc in
0) echo "== demo: ok (exit 0)" ;;
*) echo "== demo: restoredrill exited $rc (expected 0 = ok)" >&2 ;;
esac
exit $rc
