#!/usr/bin/env bash
# 27: truncated custom and tar archives are archive_truncated, at once.
#   - a pg_dump -Ft file cut in the middle of a member (read by path): exit 2
#     archive_truncated within seconds (pg_restore used to spin forever on
#     it), before any pg_restore ran; the same under --dry-run;
#   - a -Ft file without its two end-of-archive blocks: the same;
#   - the cut -Ft file gzip'd whole and streamed into pg_restore: exit 2
#     archive_truncated at the end of the stream (pg_restore stopped), not a
#     hang or restore_errors;
#   - a pg_dump -Fc file cut in its data (read by path): exit 2
#     archive_truncated, also under --dry-run;
#   - pg_dump -Fc written to a pipe (no data offsets in its TOC), cut, then
#     zstd'd whole (the decoder is happy; only walking the data blocks
#     finds the cut) and streamed: exit 2 archive_truncated (not
#     restore_errors), also under --dry-run; the same cut custom stream
#     uncompressed and read by path;
#   - no crying wolf: each of them whole is ok (exit 0, the probe passes).
. "$(dirname "$0")/lib.sh"

sdump() { # ARGS...
    env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d bulk "$@"
}

S=$BACKUPS
W=$T/work
P=$T/probes
mkdir -p "$W" "$T/reports"

seed_start
TARGET=$(seed_target postgres)
must spsql postgres -c "CREATE DATABASE bulk"
must spsql bulk -c "SET client_min_messages = warning;
    CREATE TABLE public.a (id int PRIMARY KEY, m text NOT NULL);
    CREATE TABLE public.b (id int PRIMARY KEY, m text NOT NULL);
    CREATE TABLE public.c (id int PRIMARY KEY, m text NOT NULL);
    INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
    INSERT INTO public.b SELECT g, md5((g * 3)::text) || md5(g::text) FROM generate_series(1, 20000) g;
    INSERT INTO public.c SELECT g, md5((g * 5)::text) FROM generate_series(1, 20000) g;"
must sdump -Ft -f "$S/whole.tar"
must sdump -Fc -f "$S/whole.custom"
sdump -Fc >"$W/piped.custom" || fail "fixture: pg_dump -Fc to a pipe"
zstd -q -c "$W/piped.custom" >"$S/piped.custom.zst"
size() { stat -c %s "$1"; }
head -c $(($(size "$S/whole.tar") / 2)) "$S/whole.tar" >"$S/half.tar"
head -c $(($(size "$S/whole.tar") - 1024)) "$S/whole.tar" >"$S/noend.tar"
tail -c 1024 "$S/whole.tar" | cmp -s - <(head -c 1024 /dev/zero) || fail "fixture: -Ft does not end with two zero blocks"
gzip -c "$S/half.tar" >"$S/half.tar.gz"
head -c $(($(size "$S/whole.custom") / 2)) "$S/whole.custom" >"$S/half.custom"
head -c $(($(size "$W/piped.custom") * 2 / 3)) "$W/piped.custom" >"$S/cut-piped.custom"
zstd -q -c "$S/cut-piped.custom" >"$S/cut-piped.custom.zst"
zstd -q -t "$S/cut-piped.custom.zst" || fail "fixture: the zstd frame should be whole"

probe_file "$P" a.sql <<'PR'
-- name: a_rows
-- kind: rows
-- min: 20000
SELECT count(*) FROM public.a
PR

verify() { # NAME [ARGS...]
    local name=$1
    shift
    R=$T/reports/$name$RD_N.json
    RD_TIMEOUT=${TMO:-60} run_rd verify --source "$S" --archive "$name" --probes "$P" --target "$TARGET" \
        --report "$R" --state-dir "$STATE" "$@"
}

for a in half.tar noend.tar half.tar.gz half.custom cut-piped.custom cut-piped.custom.zst; do
    for dry in "" --dry-run; do
        t0=$(date +%s)
        TMO=30 verify "$a" $dry
        assert_report "$R" 2 critical archive_truncated
        assert_json "$R" '.error.message | test("is truncated: it ends")' true
        [ $(($(date +%s) - t0)) -le 20 ] || fail "$a: took $(($(date +%s) - t0)) s"
        # By path: found before pg_restore ever started.
        case $a in *.zst | *.gz) ;; *)
            assert_stage "$R" decode critical
            assert_stage "$R" restore skipped ;;
        esac
    done
done

for a in whole.tar whole.custom piped.custom.zst; do
    verify "$a"
    assert_report "$R" 0 ok null
    assert_probe "$R" a_rows .status ok
    verify "$a" --dry-run
    assert_report "$R" 0 ok null
done

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
