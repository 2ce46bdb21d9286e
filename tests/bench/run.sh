#!/usr/bin/env bash
# tests/bench/run.sh: speed and memory benchmarks of the stream stack (make bench).
#
#   RESTOREDRILL=/abs/build/restoredrill tests/bench/run.sh     (what `make bench` runs)
#
#   BENCH_ROWS=N    rows of the benchmark table (default 2000000: a ~100 MB
#                   custom dump); the "small" archives get N/10
#   BENCH_QUICK=1   a quick self-check at 100000 rows (BENCH_ROWS still wins)
#   BENCH_OUT=DIR   where results.json and results.txt go (default build/bench)
#
# 1. starts a seed cluster (tests/pg-ephemeral) holding one wide table of
#    BENCH_ROWS rows (database bench) and one of BENCH_ROWS/10 (bench_small),
#    dumps them, and stops it:
#      custom.dump     pg_dump -Fc (default compression, gzip inside)
#      custom.zst      pg_dump -Fc -Z0 | zstd -3          (+ a small one)
#      plain.sql.gz    pg_dump (plain SQL) | gzip
#      dir.tar.zst     pg_dump -Fd -Z0, tar of the folder | zstd -3 (+ a small one)
# 2. runs restoredrill verify on each (ephemeral target, a `rows` probe that
#    checks every row arrived) and samples the restoredrill process's own
#    /proc/PID/status (VmHWM: its peak RSS; pg_restore, psql and postgres are
#    other processes and are not counted) every 20 ms;
# 3. decode only: verify --dry-run on dir.tar.zst, which reads, hashes,
#    decompresses and unpacks the whole stream into a temp dir, and on
#    custom.zst, which reads, hashes and decompresses it (the pure stream
#    path); neither restores anything; throughput = bytes / the report's
#    decode stage.  Every case must report the archive's sha256: the proof
#    that restoredrill read the stream to its end;
# 4. memory must be flat: the small and the full archive through the same
#    path (the dry-run decode, and a streamed zstd restore) peak within
#    FLAT_MAX of each other;
# 5. prints a table, writes BENCH_OUT/results.json and results.txt.
# Targets (docs/performance.md says why these numbers):
#   restoredrill peak RSS < 64 MiB in every case
#   peak RSS(full) - peak RSS(small) < 16 MiB, for the decode and the stream path
#   dry-run zstd decode > 200 MB/s of decompressed bytes
#   verify of custom.dump (and of custom.zst) within a bound that grows
#   with BENCH_ROWS: 3x what a 2-core machine measured
# Exit 0 when every target is met, 1 naming each missed target, 3 when the
# bench could not run (no binary, a tool missing, a seed or dump step
# failed), 130/143 on SIGINT/SIGTERM.  Everything lives in one mktemp dir (/tmp/rdbench.XXXXXX),
# removed with the seed cluster on every exit, Ctrl-C included.
set -u
set -o pipefail
case ${1:-} in
-h | --help)
    sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
"") ;;
*)
    echo "usage: $0 [--help]  (sizes come from BENCH_ROWS and BENCH_QUICK)" >&2
    exit 3
    ;;
esac
export LC_ALL=C # EPOCHREALTIME and printf use the locale's decimal point
umask 022       # the restore user (postgres, as root) must read the archives

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESTOREDRILL=${RESTOREDRILL:-$ROOT/build/restoredrill}
PGE=$ROOT/tests/pg-ephemeral
OUT=${BENCH_OUT:-$ROOT/build/bench}
case $RESTOREDRILL in /*) ;; *) RESTOREDRILL=$PWD/$RESTOREDRILL ;; esac
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

if [ -n "${BENCH_ROWS:-}" ]; then
    ROWS=$BENCH_ROWS
elif [ "${BENCH_QUICK:-0}" = 1 ]; then
    ROWS=100000
else
    ROWS=2000000
fi
if ! [[ $ROWS =~ ^[0-9]+$ ]] || [ "$ROWS" -lt 10000 ]; then
    echo "bench: BENCH_ROWS must be a whole number >= 10000 (got '$ROWS')" >&2
    exit 3
fi
SMALL_ROWS=$((ROWS / 10))

# ---------------------------------------------------------------- targets
RSS_MAX_MIB=64        # restoredrill's own peak RSS, every case
SANDBOX_MAX_S=0.1     # the sandbox's cost per verify (5 programs under bwrap)
FLAT_MAX_MIB=16       # peak RSS(full) - peak RSS(small), same path
DECODE_MIN_MBS=200    # dry-run zstd decode, decompressed MB/s (MB = 10^6 bytes)
# Verify wall-time bounds: BASE + PER_M * rows/10^6 seconds.  Measured on
# 2 cores (docs/performance.md; 2 runs at 100k rows, 4 at 2M): custom.dump
# took 2.2 s + 1.6 s per M rows, custom.zst 2.1 s + 1.9 s per M rows (the
# base is mostly initdb and starting the scratch server).  ~3x that:
VERIFY_CUSTOM_BASE_S=6.5
VERIFY_CUSTOM_PER_M_S=5
VERIFY_ZSTD_BASE_S=6.5
VERIFY_ZSTD_PER_M_S=6

# ---------------------------------------------------------------- set-up
die() {
    echo "bench: $*" >&2
    exit 3
}

[ -x "$RESTOREDRILL" ] || die "no restoredrill binary at '$RESTOREDRILL' (run make)"
for tool in jq zstd gzip tar awk sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (ci/install-deps installs it)"
done

# One private dir for everything; short, as socket paths must stay < 107 bytes.
W=$(mktemp -d /tmp/rdbench.XXXXXX) || die "mktemp failed"
chmod 0755 "$W" # the seed server and pg_restore run as postgres when we are root
export TMPDIR=$W # restoredrill's own restoredrill-XXXXXX dirs land in it
SEED_DIR=
RUN_PID= # the restoredrill being measured, if any

cleanup() {
    local rc=$? left pid
    trap - EXIT INT TERM
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        # it removes its scratch cluster itself on SIGINT
        kill -INT "$RUN_PID" 2>/dev/null
        for _ in $(seq 1 300); do
            kill -0 "$RUN_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$RUN_PID" 2>/dev/null
        wait "$RUN_PID" 2>/dev/null
    fi
    if [ -n "$SEED_DIR" ]; then
        "$PGE" stop "$SEED_DIR" >/dev/null 2>&1 || echo "bench: could not stop the seed cluster $SEED_DIR" >&2
        SEED_DIR=
    fi
    # Anything still running from our dir (a scratch cluster of a killed run)
    # was started by this bench: end it by pid.
    left=$(pgrep -f -- "$W/" 2>/dev/null)
    if [ -n "$left" ]; then
        for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
        sleep 0.5
    fi
    rm -rf "$W"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted (SIGINT)" >&2; exit 130' INT
trap 'echo "bench: terminated (SIGTERM)" >&2; exit 143' TERM

# step WHAT CMD...: run a set-up step quietly; on failure show its output and
# stop (exit 3: the bench could not run).
step() {
    local what=$1 out
    shift
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/  | /' >&2
        die "$what failed"
    fi
}

# calc AWK_EXPR: print a number computed by awk.
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

# json_list STRING...: a JSON array of the strings.
json_list() {
    if [ $# -eq 0 ]; then echo '[]'; else printf '%s\n' "$@" | jq -R . | jq -sc .; fi
}

# is_true AWK_COND: exit 0 when the condition holds.
is_true() { awk "BEGIN { exit !($1) }"; }

# No stale results from an earlier run, whatever happens to this one.
mkdir -p "$OUT" || die "cannot create $OUT"
rm -f "$OUT/results.json" "$OUT/results.txt"

NPROC=$(nproc 2>/dev/null || echo 1)
MEM_GIB=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
RD_VERSION=$("$RESTOREDRILL" --version 2>/dev/null | head -n 1)
echo "== restoredrill bench: $ROWS rows (small: $SMALL_ROWS), $NPROC cores, $MEM_GIB GiB, $RD_VERSION"
T0=$EPOCHREALTIME

echo "== seed: a throwaway cluster, one wide table"
SEED_ENV=$("$PGE" start) || die "could not start the seed cluster"
SEED_DIR=$(printf '%s\n' "$SEED_ENV" | sed -n "s/^export PG_EPHEMERAL_DIR='\(.*\)'$/\1/p")
SEED_HOST=$(printf '%s\n' "$SEED_ENV" | sed -n "s/^export PGHOST='\(.*\)'$/\1/p")
SEED_PORT=$(printf '%s\n' "$SEED_ENV" | sed -n "s/^export PGPORT='\(.*\)'$/\1/p")
SEED_BIN=$(printf '%s\n' "$SEED_ENV" | sed -n "s/^export PG_EPHEMERAL_BIN='\(.*\)'$/\1/p")
if [ -z "$SEED_DIR" ] || [ -z "$SEED_HOST" ] || [ -z "$SEED_BIN" ]; then
    die "could not parse pg-ephemeral output: $SEED_ENV"
fi
PG_VERSION=$("$SEED_BIN/pg_restore" --version 2>/dev/null | head -n 1)

# spsql DB ARGS...: psql against the seed cluster (PG* not exported).
spsql() {
    local db=$1
    shift
    PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=postgres PGDATABASE=$db \
        "$SEED_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# sdump DB ARGS...: pg_dump of a seed database.
sdump() {
    local db=$1
    shift
    PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=postgres "$SEED_BIN/pg_dump" -d "$db" "$@"
}

# wide_sql ROWS: one wide table (ints, numeric, timestamptz, text, uuid),
# rows from generate_series; md5s keep it from compressing to nothing
# (~50 bytes a row in a -Fc dump, ~160 uncompressed).
wide_sql() {
    cat <<EOF
SET client_min_messages = warning;
CREATE TABLE public.wide (
    id bigint NOT NULL,
    account int NOT NULL,
    amount numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL,
    status text NOT NULL,
    ref uuid NOT NULL,
    note text NOT NULL,
    payload text NOT NULL);
INSERT INTO public.wide
SELECT g, g % 10007, (g % 100000) / 100.0,
       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
       (ARRAY['new', 'paid', 'shipped', 'void'])[1 + g % 4],
       md5(g::text)::uuid,
       'customer note #' || (g % 997),
       repeat(chr(65 + g % 26), 20) || substr(md5((g * 13)::text), 1, 16)
FROM generate_series(1, $1) g;
ALTER TABLE public.wide ADD PRIMARY KEY (id);
EOF
}

t=$EPOCHREALTIME
step "CREATE DATABASE" spsql postgres -c "CREATE DATABASE bench" -c "CREATE DATABASE bench_small"
step "loading $ROWS rows" spsql bench -c "$(wide_sql "$ROWS")"
step "loading $SMALL_ROWS rows" spsql bench_small -c "$(wide_sql "$SMALL_ROWS")"
echo "   $ROWS + $SMALL_ROWS rows loaded in $(calc "$EPOCHREALTIME - $t")s"

echo "== dumps"
t=$EPOCHREALTIME
A=$W/archives
mkdir -p "$A"
# dump_zstd DB FILE: pg_dump -Fc -Z0 | zstd -3 >FILE
dump_zstd() { sdump "$1" -Fc -Z0 | zstd -q -3 -c >"$2"; }
# dump_plain_gz DB FILE: pg_dump (plain) | gzip >FILE
dump_plain_gz() { sdump "$1" | gzip -c >"$2"; }
# dump_dirtar_zstd DB FILE: pg_dump -Fd -Z0 into a folder; tar of it | zstd -3 >FILE
dump_dirtar_zstd() {
    rm -rf "${W:?}/$1.dir"
    sdump "$1" -Fd -Z0 -f "$W/$1.dir" && tar -C "$W" -cf - "$1.dir" | zstd -q -3 -c >"$2"
    local rc=$?
    rm -rf "${W:?}/$1.dir"
    return "$rc"
}
step "pg_dump -Fc" sdump bench -Fc -f "$A/custom.dump"
step "pg_dump -Fc -Z0 | zstd -3" dump_zstd bench "$A/custom.zst"
step "pg_dump -Fc -Z0 | zstd -3 (small)" dump_zstd bench_small "$A/small-custom.zst"
step "pg_dump | gzip" dump_plain_gz bench "$A/plain.sql.gz"
step "pg_dump -Fd -Z0 | tar | zstd -3" dump_dirtar_zstd bench "$A/dir.tar.zst"
step "pg_dump -Fd -Z0 | tar | zstd -3 (small)" dump_dirtar_zstd bench_small "$A/small-dir.tar.zst"
echo "   dumped in $(calc "$EPOCHREALTIME - $t")s"
"$PGE" stop "$SEED_DIR" >/dev/null 2>&1 || die "could not stop the seed cluster"
SEED_DIR=

# Archive sizes, and what they decompress to (the bytes restoredrill's
# decoder produces; custom.dump decompresses inside pg_restore).
declare -A BYTES DECODED SHA
for f in custom.dump custom.zst small-custom.zst plain.sql.gz dir.tar.zst small-dir.tar.zst; do
    BYTES[$f]=$(stat -c %s "$A/$f")
    SHA[$f]=$(sha256sum "$A/$f" | cut -d' ' -f1)
    case $f in
    *.zst) DECODED[$f]=$(zstd -dc "$A/$f" | wc -c) ;;
    *.gz) DECODED[$f]=$(gzip -dc "$A/$f" | wc -c) ;;
    *) DECODED[$f]=${BYTES[$f]} ;;
    esac
    # each archive alone in its source folder
    mkdir -p "$W/src/$f"
    mv "$A/$f" "$W/src/$f/$f"
    printf '   %-18s %8.1f MB  (%8.1f MB decoded)\n' "$f" \
        "$(calc "${BYTES[$f]} / 1e6")" "$(calc "${DECODED[$f]} / 1e6")"
done

# For reference: the zstd tool alone on the archive the decode case reads.
t=$EPOCHREALTIME
zstd -dc "$W/src/dir.tar.zst/dir.tar.zst" >/dev/null || die "zstd -dc dir.tar.zst failed"
REF_ZSTD_S=$(calc "$EPOCHREALTIME - $t")
REF_ZSTD_MBS=$(calc "${DECODED[dir.tar.zst]} / 1e6 / $REF_ZSTD_S")
printf '   reference: zstd -dc dir.tar.zst >/dev/null: %.2fs, %.0f MB/s decompressed\n' "$REF_ZSTD_S" "$REF_ZSTD_MBS"

# A probe that checks every row arrived (a fast but empty restore must not pass).
mkdir -p "$W/probes-full" "$W/probes-small"
for n in "$ROWS" "$SMALL_ROWS"; do
    d=$W/probes-full
    [ "$n" = "$ROWS" ] || d=$W/probes-small
    cat >"$d/rows.sql" <<EOF
-- name: all_rows
-- kind: rows
-- min: $n
-- max: $n
-- timeout: 120s
SELECT count(*) FROM public.wide;
EOF
done

# ---------------------------------------------------------------- measuring

# A FIFO nobody writes to: read -t on it is a sleep without a fork.
mkfifo "$W/tick" || die "mkfifo failed"
exec {TICK}<>"$W/tick"

# measure NAME ARCHIVE ARGS...: run restoredrill verify --source on the
# archive's folder (its report in $W/NAME.json, its own state dir) and
# sample its /proc/PID/status every 20 ms until it exits.  Sets RC, WALL (s),
# HWM_KIB (peak RSS of the restoredrill process; 0 when it exited before a
# sample), CPU_S (its own user+system CPU, children excluded), REPORT.
measure() {
    local name=$1 archive=$2 pid k v rest name_ok state stat t0 ticks=0
    shift 2
    REPORT=$W/$name.json
    HWM_KIB=0
    echo "+ restoredrill verify --source $archive $* (as $name)"
    t0=$EPOCHREALTIME
    (
        trap - INT QUIT
        exec {TICK}>&-
        exec "$RESTOREDRILL" verify --source "$W/src/$archive" --report "$REPORT" \
            --state-dir "$W/state-$name" "$@" </dev/null >"$W/$name.out" 2>"$W/$name.err"
    ) &
    pid=$!
    RUN_PID=$pid
    # Builtins only in this loop (no fork per sample): it shares 2 cores
    # with what it measures.
    while :; do
        name_ok=''
        state=
        # Before exec, PID is a bash subshell: count samples once it is restoredrill.
        while read -r k v rest; do
            case $k in
            Name:) [ "$v" != restoredrill ] || name_ok=1 ;;
            State:) state=$v ;;
            VmHWM:) [ -z "$name_ok" ] || [ "$v" -le "$HWM_KIB" ] || HWM_KIB=$v ;;
            esac
        done 2>/dev/null <"/proc/$pid/status" || break # gone (reaped)
        [ "$state" != Z ] || break
        if [ -n "$name_ok" ] && read -r -a stat 2>/dev/null <"/proc/$pid/stat"; then
            ticks=$((stat[13] + stat[14])) # utime + stime; children not included
        fi
        read -r -t 0.02 -u "$TICK" rest # sleep 20 ms
    done
    wait "$pid"
    RC=$?
    RUN_PID=
    WALL=$(calc "$EPOCHREALTIME - $t0")
    CPU_S=$(calc "$ticks / $(getconf CLK_TCK)")
    printf '  -> exit %s, %.2fs, peak RSS %.1f MiB\n' "$RC" "$WALL" "$(calc "$HWM_KIB / 1024")"
}

# rd_error NAME: the error of run NAME: code and message from its report,
# else the last lines of its stderr.
rd_error() {
    jq -er '.error | select(. != null) | "\(.code): \(.message | split("\n")[0])"' "$W/$1.json" 2>/dev/null ||
        tail -n 3 "$W/$1.err" 2>/dev/null | tr '\n' ' '
}

# stage NAME: the report's duration_s of stage NAME (0 when missing).
stage() { jq -r --arg s "$1" '[.stages[]? | select(.name == $s) | .duration_s][0] // 0' "$REPORT" 2>/dev/null || echo 0; }

MISSED=()      # "what: value (target)" of every missed target
WARNINGS=()
CASES_JSONL=$W/cases.jsonl
CHECKS_JSONL=$W/checks.jsonl
: >"$CASES_JSONL"
: >"$CHECKS_JSONL"
declare -A RSS_OF

# check NAME VALUE OP LIMIT UNIT WHAT: record a target (OP is < or >).
check() {
    local name=$1 value=$2 op=$3 limit=$4 unit=$5 what=$6 pass=true
    is_true "$value $op $limit" || pass=false
    jq -nc --arg name "$name" --argjson value "$value" --arg op "$op" --argjson limit "$limit" \
        --arg unit "$unit" --arg what "$what" --argjson pass "$pass" \
        '{name: $name, what: $what, value: $value, op: $op, limit: $limit, unit: $unit,
          headroom: (if $op == "<" then (if $value > 0 then $limit / $value else null end)
                     else (if $limit > 0 then $value / $limit else null end) end),
          pass: $pass}' >>"$CHECKS_JSONL"
    if [ "$pass" = false ]; then
        MISSED+=("$name: $what = $value $unit, target $op $limit $unit")
    fi
    CHECK_PASS=$pass
}

# record NAME ARCHIVE KIND TRANSFER SECONDS: one case into cases.jsonl, after
# measure.  SECONDS is what the MB/s figures divide by (the wall time, or the
# decode stage for decode-only cases).  Checks the verdict, the transfer mode
# (stream, spool: else the case measures another path), the sha256 the
# report gives once the whole stream was read, and the RSS target.
record() {
    local name=$1 archive=$2 kind=$3 transfer=$4 secs=$5 ok=true mib status sha got
    mib=$(calc "$HWM_KIB / 1024")
    RSS_OF[$name]=$mib
    status=$(jq -r '.status // "none"' "$REPORT" 2>/dev/null || echo none)
    if [ "$RC" -ne 0 ] || [ "$status" != ok ]; then
        ok=false
        MISSED+=("$name: restoredrill exited $RC (status $status): $(rd_error "$name")")
    fi
    got=$(jq -r '.archive.transfer // "none"' "$REPORT" 2>/dev/null)
    if [ "$ok" = true ] && [ "$got" != "$transfer" ]; then
        ok=false
        MISSED+=("$name: archive.transfer is '$got', expected '$transfer' (the case measures another path)")
    fi
    # The report's sha256 is set once the raw stream was read to its end.
    sha=$(jq -r '.archive.sha256 // ""' "$REPORT" 2>/dev/null)
    if [ "$ok" = true ] && [ "$sha" != "${SHA[$archive]}" ]; then
        ok=false
        MISSED+=("$name: restoredrill did not read the whole archive (report sha256 '$sha', file ${SHA[$archive]})")
    fi
    if [ "$HWM_KIB" -eq 0 ]; then
        # (a run that failed fast is reported above already)
        [ "$ok" = false ] || MISSED+=("$name: the restoredrill process exited before its RSS could be sampled")
        ok=false
    else
        check "$name.peak_rss" "$mib" "<" "$RSS_MAX_MIB" MiB "restoredrill peak RSS"
        [ "$CHECK_PASS" = true ] || ok=false
    fi
    jq -nc --arg name "$name" --arg kind "$kind" --arg archive "$archive" \
        --slurpfile rep "$REPORT" \
        --argjson bytes "${BYTES[$archive]}" --argjson decoded "${DECODED[$archive]}" \
        --argjson wall "$WALL" --argjson secs "$secs" --argjson rss_kib "$HWM_KIB" \
        --argjson cpu "$CPU_S" --argjson rc "$RC" --argjson ok "$ok" '
        ($rep[0] // {}) as $r |
        {name: $name, kind: $kind, archive: $archive,
         format: $r.archive.format, compression: $r.archive.compression,
         transfer: $r.archive.transfer,
         bytes: $bytes, decoded_bytes: $decoded,
         wall_s: $wall, seconds: $secs,
         mb_s: (if $secs > 0 then $bytes / 1e6 / $secs else null end),
         decoded_mb_s: (if $secs > 0 then $decoded / 1e6 / $secs else null end),
         stages: ([$r.stages[]? | select(.status != "skipped") | {(.name): .duration_s}] | add),
         restore_s: $r.restore.duration_s,
         peak_rss_kib: $rss_kib, peak_rss_mib: ($rss_kib / 1024),
         cpu_s: $cpu, exit_code: $rc, status: $r.status, pass: $ok}' >>"$CASES_JSONL" \
        || MISSED+=("$name: could not record the case (report missing?)")
}

echo "== verify (ephemeral target)"
measure verify_custom custom.dump --probes "$W/probes-full"
record verify_custom custom.dump verify spool "$WALL"
check verify_custom.wall "$WALL" "<" "$(calc "$VERIFY_CUSTOM_BASE_S + $VERIFY_CUSTOM_PER_M_S * $ROWS / 1e6")" s \
    "verify wall time of custom.dump"

measure verify_custom_zstd custom.zst --probes "$W/probes-full"
record verify_custom_zstd custom.zst verify stream "$WALL"
check verify_custom_zstd.wall "$WALL" "<" "$(calc "$VERIFY_ZSTD_BASE_S + $VERIFY_ZSTD_PER_M_S * $ROWS / 1e6")" s \
    "verify wall time of custom.zst (streamed)"

measure verify_custom_zstd_small small-custom.zst --probes "$W/probes-small"
record verify_custom_zstd_small small-custom.zst verify stream "$WALL"

measure verify_plain_gzip plain.sql.gz --probes "$W/probes-full"
record verify_plain_gzip plain.sql.gz verify stream "$WALL"

echo "== decode only (verify --dry-run: read, sha256, zstd, untar; nothing restored)"
measure decode_small small-dir.tar.zst --dry-run
record decode_small small-dir.tar.zst decode spool "$(stage decode)"
measure decode_zstd dir.tar.zst --dry-run
DECODE_S=$(stage decode)
record decode_zstd dir.tar.zst decode spool "$DECODE_S"
if is_true "$DECODE_S > 0"; then
    check decode_zstd.throughput "$(calc "${DECODED[dir.tar.zst]} / 1e6 / $DECODE_S")" ">" "$DECODE_MIN_MBS" MB/s \
        "dry-run zstd decode, decompressed bytes per second"
else
    MISSED+=("decode_zstd: the report has no decode stage duration")
fi

echo "== memory is flat (full vs 1/10 archive, same path)"
printf '   dry-run decode: %.1f vs %.1f MiB; streamed restore: %.1f vs %.1f MiB\n' \
    "${RSS_OF[decode_zstd]}" "${RSS_OF[decode_small]}" \
    "${RSS_OF[verify_custom_zstd]}" "${RSS_OF[verify_custom_zstd_small]}"
check flat.decode "$(calc "${RSS_OF[decode_zstd]} - ${RSS_OF[decode_small]}")" "<" "$FLAT_MAX_MIB" MiB \
    "peak RSS(dir.tar.zst) - peak RSS(small-dir.tar.zst), dry-run decode"
check flat.stream "$(calc "${RSS_OF[verify_custom_zstd]} - ${RSS_OF[verify_custom_zstd_small]}")" "<" "$FLAT_MAX_MIB" MiB \
    "peak RSS(custom.zst) - peak RSS(small-custom.zst), streamed restore"

# The pure stream path: verify --dry-run of custom.zst reads, hashes and
# decompresses the whole stream and writes nothing (no untar, no restore).
echo "== decode only, streamed (verify --dry-run of custom.zst: read, sha256, zstd)"
measure decode_stream custom.zst --dry-run
DECODE_S=$(stage decode)
record decode_stream custom.zst decode stream "$DECODE_S"
if is_true "$DECODE_S > 0"; then
    check decode_stream.throughput "$(calc "${DECODED[custom.zst]} / 1e6 / $DECODE_S")" ">" "$DECODE_MIN_MBS" MB/s \
        "dry-run zstd decode of a streamed custom dump, decompressed bytes per second"
else
    MISSED+=("decode_stream: the report has no decode stage duration")
fi

# The sandbox's cost.  Per program: bwrap (the namespaces, the file system,
# setpriv as root) around /usr/bin/true, minus /usr/bin/true alone, 20 times;
# a verify of a custom dump runs 5 programs in it (the check that bwrap
# works, pg_restore --list, initdb, postgres, pg_restore): that times 5 must
# stay under SANDBOX_MAX_S.  End to end (no target: a cluster start varies
# more than that): the median of 3 verifies of the small archive with the
# sandbox and with --sandbox off.
echo "== the sandbox's cost"
SANDBOX_JSON=null
bw_true() {
    local i t0 n=20
    t0=$EPOCHREALTIME
    for ((i = 0; i < n; i++)); do "$@" /usr/bin/true || return 1; done
    calc "($EPOCHREALTIME - $t0) / $n"
}
if command -v bwrap >/dev/null; then
    SB_ARGS=(bwrap --unshare-ipc --unshare-pid --unshare-net --unshare-uts --new-session
        --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
        --symlink usr/lib64 /lib64 --perms 0755 --dir /etc --ro-bind-try /etc/passwd /etc/passwd
        --proc /proc --dev /dev --perms 1777 --tmpfs /tmp --)
    [ "$(id -u)" != 0 ] || SB_ARGS+=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups
        --inh-caps=-all --bounding-set=-all --no-new-privs --)
    BARE_S=$(bw_true env) && SB_S=$(bw_true "${SB_ARGS[@]}") || SB_S=
    if [ -n "$SB_S" ]; then
        PER_RUN_S=$(calc "5 * ($SB_S - $BARE_S)")
        printf '   one program in the sandbox: +%.1f ms; a verify (5 programs): +%.3f s\n' \
            "$(calc "1000 * ($SB_S - $BARE_S)")" "$PER_RUN_S"
        check sandbox.per_verify "$PER_RUN_S" "<" "$SANDBOX_MAX_S" s \
            "the sandbox's cost per verify (5 programs under bwrap)"
        median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
        on=() off=()
        for k in 1 2 3; do
            measure sandbox_on_$k small-custom.zst
            on+=("$WALL")
            measure sandbox_off_$k small-custom.zst --sandbox off
            off+=("$WALL")
        done
        SB_ON_S=$(median3 "${on[@]}")
        SB_OFF_S=$(median3 "${off[@]}")
        printf '   verify of small-custom.zst, median of 3: %.2f s sandboxed, %.2f s with --sandbox off\n' \
            "$SB_ON_S" "$SB_OFF_S"
        [ "$(jq -r .restore.sandbox "$W/sandbox_on_1.json")" = bwrap ] ||
            MISSED+=("sandbox: the sandboxed verify ran without the sandbox ($(jq -r .restore.sandbox_reason "$W/sandbox_on_1.json"))")
        SANDBOX_JSON=$(jq -nc --argjson on "$SB_ON_S" --argjson off "$SB_OFF_S" \
            --argjson per "$PER_RUN_S" --argjson one "$(calc "$SB_S - $BARE_S")" \
            '{per_program_s: $one, per_verify_s: $per,
              verify_small_median_s: {sandboxed: $on, off: $off}}')
    else
        MISSED+=("sandbox: bwrap around /usr/bin/true failed here")
    fi
else
    WARNINGS+=("bwrap is not installed: the sandbox's cost was not measured")
fi

# ---------------------------------------------------------------- results
TOTAL_S=$(calc "$EPOCHREALTIME - $T0")
PASS=true
[ ${#MISSED[@]} -eq 0 ] || PASS=false
jq -n --slurpfile cases "$CASES_JSONL" --slurpfile checks "$CHECKS_JSONL" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(uname -n)" \
    --argjson cores "$NPROC" --argjson mem "$MEM_GIB" --arg kernel "$(uname -r)" \
    --arg rd "$RD_VERSION" --arg pg "$PG_VERSION" \
    --argjson rows "$ROWS" --argjson small "$SMALL_ROWS" --argjson total "$TOTAL_S" \
    --argjson pass "$PASS" \
    --argjson rss "$RSS_MAX_MIB" --argjson flat "$FLAT_MAX_MIB" --argjson dec "$DECODE_MIN_MBS" \
    --argjson cb "$VERIFY_CUSTOM_BASE_S" --argjson cm "$VERIFY_CUSTOM_PER_M_S" \
    --argjson zb "$VERIFY_ZSTD_BASE_S" --argjson zm "$VERIFY_ZSTD_PER_M_S" \
    --argjson ref_s "$REF_ZSTD_S" --argjson ref_mbs "$REF_ZSTD_MBS" \
    --argjson missed "$(json_list "${MISSED[@]}")" --argjson warnings "$(json_list "${WARNINGS[@]}")" \
    --argjson sandbox "$SANDBOX_JSON" \
    '{bench: "restoredrill make bench", schema: 1, date: $date,
      machine: {host: $host, cores: $cores, mem_gib: $mem, kernel: $kernel},
      restoredrill: $rd, postgresql: $pg, rows: $rows, small_rows: $small,
      targets: {peak_rss_mib_max: $rss, flat_rss_mib_max: $flat,
                decode_decoded_mb_s_min: $dec,
                verify_custom_s_max: "\($cb) + \($cm) * rows / 1e6",
                verify_custom_zstd_s_max: "\($zb) + \($zm) * rows / 1e6"},
      cases: [$cases[] | . as $c
              | ([$checks[] | select(.name | startswith($c.name + "."))]) as $t
              | . + {targets: $t, pass: ($c.pass and all($t[]; .pass))}],
      checks: $checks, missed: $missed, warnings: $warnings, sandbox: $sandbox,
      reference: {zstd_dc_dir_tar_zst: {seconds: $ref_s, decoded_mb_s: $ref_mbs}},
      total_s: $total, pass: $pass}' >"$OUT/results.json.tmp" \
    && mv "$OUT/results.json.tmp" "$OUT/results.json" \
    || echo "bench: could not write $OUT/results.json" >&2

{
    echo
    printf '%-25s %-17s %-8s %7s %8s %7s %7s %7s %8s %7s %7s %s\n' case archive transfer "MB" "MB dec" \
        "wall s" "stage s" "rd CPU" "MB/s" "dec MB/s" "RSS MiB" pass
    jq -r '.[] | [.name, .archive, (.transfer // "-"), (.bytes / 1e6), (.decoded_bytes / 1e6),
                  .wall_s, (if .kind == "decode" then .stages.decode else .restore_s end // 0),
                  .cpu_s, (.mb_s // 0), (.decoded_mb_s // 0), .peak_rss_mib,
                  (if .pass then "ok" else "FAIL" end)] | @tsv' \
        <(jq '.cases' "$OUT/results.json") |
        while IFS=$'\t' read -r n a tr mb dmb wall st cpu mbs dmbs rss p; do
            printf '%-25s %-17s %-8s %7.1f %8.1f %7.2f %7.2f %7.2f %7.1f %8.1f %7.1f %s\n' \
                "$n" "$a" "$tr" "$mb" "$dmb" "$wall" "$st" "$cpu" "$mbs" "$dmbs" "$rss" "$p"
        done
    echo "stage s: the restore stage of a verify, the decode stage of a dry-run; rd CPU: user+system"
    echo "seconds of the restoredrill process itself; MB/s: archive bytes (dec: decompressed bytes) per"
    echo "wall s of a verify, per decode stage s of a dry-run; MB = 10^6 bytes; RSS: VmHWM of restoredrill"
    echo
    printf '%-34s %9s %2s %7s %-5s %8s %s\n' target value op limit unit headroom pass
    jq -r '.[] | [.name, .value, .op, .limit, .unit,
                  (if .headroom == null then "-" else "\(.headroom * 10 | round / 10)x" end),
                  (if .pass then "ok" else "MISSED" end)] | @tsv' \
        <(jq '.checks' "$OUT/results.json") |
        while IFS=$'\t' read -r n v op l u h p; do
            printf '%-34s %9.2f %2s %7s %-5s %8s %s\n' "$n" "$v" "$op" "$l" "$u" "$h" "$p"
        done
    printf '(reference: zstd -dc dir.tar.zst >/dev/null alone: %.0f MB/s decompressed)\n' "$REF_ZSTD_MBS"
} | tee "$OUT/results.txt"

echo
for w in "${WARNINGS[@]}"; do echo "WARNING: $w"; done
echo "results: $OUT/results.json ($ROWS rows, ${TOTAL_S}s in all)"
if [ "$PASS" != true ]; then
    for m in "${MISSED[@]}"; do echo "MISSED: $m"; done
    echo "bench: ${#MISSED[@]} target(s) missed"
    exit 1
fi
echo "bench: every target met"
exit 0
