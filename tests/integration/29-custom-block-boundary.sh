#!/usr/bin/env bash
# 29: a custom dump cut exactly where a data block starts (the rest is a
# valid, shorter archive: only its TOC says data is missing), uncompressed
# (-Z0) and read by path:
#   - written to a seekable file (data offsets in the TOC): exit 2
#     archive_truncated naming the TOC entry and its offset;
#   - written to a pipe (no offsets): exit 2 archive_truncated naming the
#     entry; also zstd'd whole and streamed, and under --dry-run;
#   - no crying wolf on real dumps the walker must read through: large
#     objects, a schema-only dump, a --section=pre-data dump written to a
#     pipe (entries with a dumper but no data block), -Ft schema-only: all
#     ok under --dry-run, and the large-object one restores (exit 0).
. "$(dirname "$0")/lib.sh"

sdump() { # ARGS...
    env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d blk "$@"
}

S=$BACKUPS
mkdir -p "$T/reports"
seed_start
TARGET=$(seed_target postgres)
must spsql postgres -c "CREATE DATABASE blk"
must spsql blk -c "SET client_min_messages = warning;
    CREATE TABLE public.a (id int PRIMARY KEY, m text NOT NULL);
    INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 2000) g;
    CREATE TABLE public.zz_last (id int PRIMARY KEY, m text NOT NULL);
    INSERT INTO public.zz_last VALUES (1, 'LASTBLOCKMARKER');"
must sdump -Fc -Z0 -f "$T/seek.custom"
sdump -Fc -Z0 | cat >"$T/pipe.custom" || fail "fixture: pg_dump to a pipe"
# cut_at_last SRC DST: SRC up to the start of zz_last's data block: type
# byte, dump id (5 bytes), first chunk's length (5 bytes), then "1\t".
cut_at_last() {
    local off
    off=$(grep -abo 'LASTBLOCKMARKER' "$1" | tail -n1 | cut -d: -f1)
    [ -n "$off" ] || fail "fixture: no marker in $1"
    off=$((off - 13))
    [ "$(dd if="$1" bs=1 skip="$off" count=1 status=none | od -An -tu1 | tr -d ' ')" = 1 ] \
        || fail "fixture: no data block at byte $off of $1"
    head -c "$off" "$1" >"$2"
}
cut_at_last "$T/seek.custom" "$S/seek-cut.custom"
cut_at_last "$T/pipe.custom" "$S/pipe-cut.custom"
zstd -q -c "$S/pipe-cut.custom" >"$S/pipe-cut.custom.zst"

must spsql blk -c "SELECT lo_from_bytea(0, 'hello'::bytea), lo_from_bytea(0, decode(repeat('ab', 50000), 'hex'))"
must sdump -Fc -f "$S/lo.custom"
sdump -Fc | zstd -q >"$S/lo-pipe.custom.zst" || fail "fixture: pg_dump | zstd"
must sdump -Fc --schema-only -f "$S/schema.custom"
sdump -Fc --section=pre-data | cat >"$S/predata.custom" || fail "fixture: pg_dump --section=pre-data"
must sdump -Ft --schema-only -f "$S/schema.tar"

verify() { # NAME [ARGS...]
    local name=$1
    shift
    R=$T/reports/$name$RD_N.json
    RD_TIMEOUT=60 run_rd verify --source "$S" --archive "$name" --target "$TARGET" \
        --report "$R" --state-dir "$STATE" "$@"
}

verify seek-cut.custom
assert_report "$R" 2 critical archive_truncated
assert_json "$R" '.error.message | test("the data of TOC entry [0-9]+, at byte [0-9]+, is not there")' true
assert_stage "$R" restore skipped
for a in pipe-cut.custom pipe-cut.custom.zst; do
    for dry in "" --dry-run; do
        verify "$a" $dry
        assert_report "$R" 2 critical archive_truncated
        assert_json "$R" '.error.message | test("the data of TOC entry [0-9]+ is not there")' true
    done
done

for a in lo.custom lo-pipe.custom.zst schema.custom predata.custom schema.tar; do
    verify "$a" --dry-run
    assert_report "$R" 0 ok null
done
verify lo-pipe.custom.zst
assert_report "$R" 0 ok null

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
