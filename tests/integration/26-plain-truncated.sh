#!/usr/bin/env bash
# 26: a plain SQL dump cut at a line boundary is archive_truncated, not ok.
#   - a real pg_dump -Fp cut just before its first "ALTER TABLE ONLY" (every
#     primary key, index and foreign key missing; valid SQL up to there),
#     plain, gzip'd and zstd'd: exit 2 critical archive_truncated although
#     the probe (a row count) would pass; the same under --dry-run;
#   - a pg_dumpall output cut before its closing line, under --dry-run
#     (psql refuses pg_dumpall's \connect, so it is never restored): exit 2
#     archive_truncated; the whole pg_dumpall output: exit 0;
#   - no crying wolf: the whole dump (exit 0, the probe passes), the whole
#     dump with trailing blank lines and spaces, without its "\unrestrict"
#     line, and with pg_dumpall's closing line instead of pg_dump's: exit 0.
. "$(dirname "$0")/lib.sh"

sdump() { # DB ARGS...
    local db=$1
    shift
    env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d "$db" "$@"
}

S=$BACKUPS
W=$T/work
P=$T/probes
mkdir -p "$W" "$T/reports"

seed_start
TARGET=$(seed_target postgres)
must sdump seed -Fp -f "$W/full.sql"
grep -q '^-- PostgreSQL database dump complete$' "$W/full.sql" || fail "fixture: no closing line"
n=$(grep -n -m1 '^ALTER TABLE ONLY' "$W/full.sql" | cut -d: -f1)
[ -n "$n" ] || fail "fixture: no ALTER TABLE ONLY in the dump"
head -n $((n - 1)) "$W/full.sql" >"$S/cut.sql"
gzip -c "$S/cut.sql" >"$S/cut.sql.gz"
zstd -q -c "$S/cut.sql" >"$S/cut.sql.zst"
cp "$W/full.sql" "$S/full.sql"
{ cat "$W/full.sql"; printf '\n\n   \n\t\n'; } >"$S/blank-tail.sql"
grep -v '^\\unrestrict ' "$W/full.sql" >"$S/no-unrestrict.sql"
sed 's/^-- PostgreSQL database dump complete$/-- PostgreSQL database cluster dump complete/' \
    "$W/full.sql" >"$S/cluster-trailer.sql"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dumpall" -f "$W/all.sql"
grep -q '^-- PostgreSQL database cluster dump complete$' "$W/all.sql" || fail "fixture: pg_dumpall has no closing line"
cp "$W/all.sql" "$S/all.sql"
m=$(grep -n '^-- PostgreSQL database cluster dump complete$' "$W/all.sql" | cut -d: -f1)
head -n $((m - 2)) "$W/all.sql" >"$S/all-cut.sql"

probe_file "$P" customers.sql <<'PR'
-- name: customers
-- kind: rows
-- min: 100
SELECT count(*) FROM public.customers
PR

verify() { # NAME [ARGS...]
    local name=$1
    shift
    R=$T/reports/$name$RD_N.json
    run_rd verify --source "$S" --archive "$name" --probes "$P" --target "$TARGET" \
        --report "$R" --state-dir "$STATE" "$@"
}

for a in cut.sql cut.sql.gz cut.sql.zst; do
    for dry in "" --dry-run; do
        verify "$a" $dry
        assert_report "$R" 2 critical archive_truncated
        assert_json "$R" '.error.message | test("without pg_dump.s closing line")' true
    done
done
verify all-cut.sql --dry-run
assert_report "$R" 2 critical archive_truncated
assert_json "$R" '.error.message | test("pg_dumpall")' true
verify all.sql --dry-run
assert_report "$R" 0 ok null

for a in full.sql blank-tail.sql no-unrestrict.sql cluster-trailer.sql; do
    verify "$a"
    assert_report "$R" 0 ok null
    assert_probe "$R" customers .status ok
done
verify full.sql --dry-run
assert_report "$R" 0 ok null

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
