#!/usr/bin/env bash
# 89: the progress bar.  Under a terminal (script -qc gives restoredrill a
# pty as stderr) verify draws one line, redrawn while psql pulls a ~10 MB
# plain dump, with the bytes, the total, a percentage, the rate and an ETA
# (the size is known); --no-progress draws nothing; with stderr a file (not
# a terminal) nothing either.  The line is erased at the end ("\r" then
# erase-to-end-of-line) so the log lines after it stay readable.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { fail "script (util-linux) missing"; exit 1; }
seed_start
mkdir -p "$T/src"
must spsql postgres -c "CREATE DATABASE big"
must spsql big -c "CREATE TABLE public.t AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS v FROM generate_series(1, 150000) g"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d big -f "$T/src/app.sql"
SIZE=$(stat -c %s "$T/src/app.sql")
M=$T/metrics.prom
job_conf p "$T/src"

# on_tty OUT ARGS...: run restoredrill ARGS with a terminal as stdin, stdout
# and stderr; everything it wrote to the terminal lands in OUT.
on_tty() {
    local out=$1 cmd
    shift
    printf -v cmd '%q ' "$RESTOREDRILL" "$@"
    echo "+ (tty) restoredrill $*"
    timeout -k 5 120 script -qec "$cmd </dev/null" /dev/null >"$out" 2>&1
    RD_RC=$?
    echo "  -> exit $RD_RC"
}

on_tty "$T/tty.out" verify -c "$C"
assert_exit 0
assert_report "$R" 0 ok null
grep -q $'\r' "$T/tty.out" || fail "no carriage return: the progress line was not drawn"
assert_contains "$T/tty.out" "app.sql  "
assert_matches "$T/tty.out" "app\.sql  [0-9.]+ (KiB|MiB) of [0-9.]+ MiB  [0-9]+%  [0-9.]+ (KiB|MiB|GiB)/s  ETA [0-9]+:[0-9]{2}:[0-9]{2}"
draws=$(tr -cd '\r' <"$T/tty.out" | wc -c)
[ "$draws" -ge 4 ] || fail "the progress line was drawn $draws times (expected redraws while restoring)"
grep -q $'\r\033\\[K' "$T/tty.out" || fail "the progress line is not erased at the end"

on_tty "$T/noprog.out" verify -c "$C" --no-progress
assert_exit 0
if grep -q " of .*%.*/s" "$T/noprog.out"; then fail "--no-progress drew a progress line"; fi
assert_contains "$T/noprog.out" "restoring 'app.sql'"

run_rd verify -c "$C"
assert_exit 0
if grep -q $'\r' "$RD_ERR" || grep -q "ETA" "$RD_ERR"; then fail "a progress line went to a stderr that is no terminal"; fi
note "archive of $SIZE bytes"
