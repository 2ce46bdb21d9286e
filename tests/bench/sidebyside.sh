#!/usr/bin/env bash
# tests/bench/sidebyside.sh: restoredrill side by side with the bare tools it
# wraps and with the script users write instead (make bench runs it after
# run.sh; issue 16).  Ratios, not absolute times: each pair runs in one go,
# alternating A B A B, medians of BENCH_REPS (default 3), on the same dump.
#
#   RESTOREDRILL=/abs/build/restoredrill tests/bench/sidebyside.sh
#
#   BENCH_SCALE=N   pgbench scale of the seed database (default 64: ~1 GB
#                   in the database, a ~60 MB -Fc dump); BENCH_QUICK=1: 2
#   BENCH_SCALES="16 64 128"  also a scaling table (B and its RSS per size)
#   BENCH_REPS=N    runs per case (default 3; quick: 1)
#   BENCH_OUT=DIR   results (default tests/bench/results; quick: build/bench)
#
# The cases (the same freshness probe everywhere: "a session in the last 26h"):
#   A  bare floor: initdb --no-sync + a server with restoredrill's throwaway
#      settings + pg_restore --jobs=<cores> + psql probe + stop + rm
#   B  restoredrill verify of the same local file (drift on)
#   T  bare on a running tuned server: createdb + pg_restore -j + probe + dropdb
#   BT restoredrill verify --target that server (a CREATEDB role, as required)
#   C  the naive script: curl to a file from nginx, createdb on a stock
#      running server (fsync on), pg_restore (1 job), psql probe, dropdb
#   D  restoredrill verify of the same archive over HTTP from that nginx
#   CL, DL  C and D through nginx limit_rate (BENCH_RATE, default 40m)
#   AP, BP  A and B for a plain dump | zstd (the psql path)
# Targets (issue 16): B/A <= 1.03, BP/AP <= 1.03, BT/T <= 1.05, B <= 0.65 C,
# DL <= 0.8 CL, D <= C, drift <= 3% of the restore stage, restoredrill peak
# RSS <= 24 MiB.  At the quick size (CI) the table is written but the ratio
# targets are not judged: a tiny dump measures fixed costs, not restores.
# Exit 0 when every judged target is met, 1 naming each missed target, 3 when
# the bench could not run.  Everything lives in one mktemp dir, removed on
# every exit.
set -u
set -o pipefail
export LC_ALL=C
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESTOREDRILL=${RESTOREDRILL:-$ROOT/build/restoredrill}
PGE=$ROOT/tests/pg-ephemeral
NGE=$ROOT/tests/nginx-ephemeral
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    SCALE=${BENCH_SCALE:-2} REPS=${BENCH_REPS:-1} OUT=${BENCH_OUT:-$ROOT/build/bench}
else
    SCALE=${BENCH_SCALE:-64} REPS=${BENCH_REPS:-3} OUT=${BENCH_OUT:-$ROOT/tests/bench/results}
fi
RATE=${BENCH_RATE:-40m}
NPROC=$(nproc 2>/dev/null || echo 1)

die() {
    echo "sidebyside: $*" >&2
    exit 3
}
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

# BENCH_SCALES: this script once per scale, then the scaling table of B.
if [ -n "${BENCH_SCALES:-}" ]; then
    mkdir -p "$OUT" || die "cannot create $OUT"
    S=$OUT/scaling-$(date -u +%Y-%m-%d).md
    printf '| scale | database MB | B median s | s per GB | restoredrill peak RSS MiB |\n|---|---|---|---|---|\n' >"$S.tmp"
    rc=0
    for sc in $BENCH_SCALES; do
        BENCH_SCALES='' BENCH_SCALE=$sc BENCH_OUT=$OUT/scale-$sc "$0" || rc=1
        j=$(ls "$OUT/scale-$sc"/*.json 2>/dev/null | head -n1)
        [ -n "$j" ] && jq -r '(.pairs[] | select(.name == "verify_vs_bare") | .b_median_s) as $b |
            "| \(.scale) | \(.database_bytes / 1e6 | floor) | \($b) | \($b / (.database_bytes / 1e9) * 100 | floor / 100) | \(.peak_rss_mib * 10 | floor / 10) |"' \
            "$j" >>"$S.tmp"
    done
    mv "$S.tmp" "$S" && cat "$S"
    exit "$rc"
fi
[ -x "$RESTOREDRILL" ] || die "no restoredrill binary at '$RESTOREDRILL' (run make)"
for tool in jq zstd curl /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (ci/install-deps --test installs it)"
done

W=$(mktemp -d /tmp/rdside.XXXXXX) || die "mktemp failed"
chmod 0755 "$W"
export TMPDIR=$W
SEED_DIR='' STOCK_DIR='' TUNED_DIR='' NGINX_DIR='' NGINX_SLOW_DIR=''
cleanup() {
    local rc=$? d
    trap - EXIT INT TERM
    for d in "$SEED_DIR" "$STOCK_DIR" "$TUNED_DIR"; do
        [ -z "$d" ] || "$PGE" stop "$d" >/dev/null 2>&1
    done
    for d in "$NGINX_DIR" "$NGINX_SLOW_DIR"; do
        [ -z "$d" ] || "$NGE" stop "$d" >/dev/null 2>&1
    done
    pkill -KILL -f -- "$W/" 2>/dev/null && sleep 0.5
    rm -rf "$W"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# As root the servers and bare tools run as postgres (as restoredrill's own
# run as its unprivileged account).
if [ "$(id -u)" = 0 ]; then
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    as_pg() { (cd / && "$@"); }
fi

# pg_env VAR DIR-OUTPUT: the value of an export line printed by pg-ephemeral.
pg_env() { printf '%s\n' "$2" | sed -n "s/^export $1='\(.*\)'$/\1/p"; }

echo "== side by side: pgbench scale $SCALE, $REPS run(s) per case, $NPROC cores"
out=$("$PGE" start) || die "could not start the seed cluster"
SEED_DIR=$(pg_env PG_EPHEMERAL_DIR "$out")
PGB=$(pg_env PG_EPHEMERAL_BIN "$out")
S_HOST=$(pg_env PGHOST "$out") S_PORT=$(pg_env PGPORT "$out")
seed() { PGHOST=$S_HOST PGPORT=$S_PORT PGUSER=postgres "$@"; }
seed "$PGB/psql" -X -q -d postgres -c "CREATE DATABASE app" || die "CREATE DATABASE app"
seed "$PGB/pgbench" -q -i -s "$SCALE" app >/dev/null 2>&1 || die "pgbench -i -s $SCALE failed"
seed "$PGB/psql" -X -q -v ON_ERROR_STOP=1 -d app -c "
    CREATE TABLE sessions (id bigint PRIMARY KEY, user_id int NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO sessions SELECT g, g % 5000, now() - g * interval '1 second' FROM generate_series(1, 200000) g;" ||
    die "loading sessions failed"
DBSIZE=$(seed "$PGB/psql" -X -At -d app -c "SELECT pg_database_size('app')")
mkdir -p "$W/src/custom" "$W/src/plain" "$W/www"
seed "$PGB/pg_dump" -d app -Fc -f "$W/src/custom/app.dump" || die "pg_dump -Fc failed"
seed "$PGB/pg_dump" -d app | zstd -q -3 -c >"$W/src/plain/app.sql.zst" || die "pg_dump | zstd failed"
cp "$W/src/custom/app.dump" "$W/www/app.dump"
"$PGE" stop "$SEED_DIR" >/dev/null 2>&1
SEED_DIR=''
DUMP_BYTES=$(stat -c %s "$W/src/custom/app.dump")
printf '   database %.0f MB; app.dump %.1f MB; app.sql.zst %.1f MB\n' "$(calc "$DBSIZE / 1e6")" \
    "$(calc "$DUMP_BYTES / 1e6")" "$(calc "$(stat -c %s "$W/src/plain/app.sql.zst") / 1e6")"

mkdir -p "$W/probes"
cat >"$W/probes/recent.sql" <<'EOF'
-- name: recent_session
-- kind: freshness
-- error_after: 26h
-- relative_to: now
SELECT max(created_at) FROM public.sessions;
EOF
PROBE_SQL="SELECT max(created_at) > now() - interval '26 hours' FROM public.sessions"

# Running servers on unix sockets: stock (PostgreSQL's defaults, fsync on)
# and tuned (the throwaway settings).
start_server() { # NAME [STOCK]: pg-ephemeral's export lines
    PG_EPHEMERAL_STOCK=${2:-0} "$PGE" start || die "could not start the $1 server"
}
o=$(start_server stock 1) || exit 3
STOCK_DIR=$(pg_env PG_EPHEMERAL_DIR "$o")
STOCK_HOST=$(pg_env PGHOST "$o") STOCK_PORT=$(pg_env PGPORT "$o")
o=$(start_server tuned) || exit 3
TUNED_DIR=$(pg_env PG_EPHEMERAL_DIR "$o")
TUNED_HOST=$(pg_env PGHOST "$o") TUNED_PORT=$(pg_env PGPORT "$o")
as_pg "$PGB/psql" -X -q -h "$TUNED_HOST" -p "$TUNED_PORT" -U postgres -d postgres \
    -c "CREATE ROLE rd_bench LOGIN CREATEDB" \
    -c "ALTER SYSTEM SET maintenance_work_mem = '256MB'" -c "ALTER SYSTEM SET autovacuum = off" \
    -c "SELECT pg_reload_conf()" >/dev/null || die "could not set up the tuned server"

o=$("$NGE" start "$W/www") || die "could not start nginx"
NGINX_DIR=$(printf '%s\n' "$o" | sed -n "s/^export NGINX_EPHEMERAL_DIR='\(.*\)'$/\1/p")
URL=$(printf '%s\n' "$o" | sed -n "s/^export NGINX_URL='\(.*\)'$/\1/p")
printf 'limit_rate %s;\n' "$RATE" >"$W/slow.conf"
o=$(NGINX_SERVER_CONF=$W/slow.conf "$NGE" start "$W/www") || die "could not start the rate-limited nginx"
NGINX_SLOW_DIR=$(printf '%s\n' "$o" | sed -n "s/^export NGINX_EPHEMERAL_DIR='\(.*\)'$/\1/p")
SLOW_URL=$(printf '%s\n' "$o" | sed -n "s/^export NGINX_URL='\(.*\)'$/\1/p")
[ -n "$URL" ] && [ -n "$SLOW_URL" ] || die "could not parse nginx-ephemeral's output"

# ---------------------------------------------------------------- the cases
PG_SETTINGS=(-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c wal_level=minimal
    -c max_wal_senders=0 -c archive_mode=off -c max_wal_size=8GB -c checkpoint_timeout=1h
    -c maintenance_work_mem=256MB -c autovacuum=off -c listen_addresses=)

case_A() { # bare cold pipeline for a custom dump (plain: $1 = plain)
    local d=$W/bare c
    rm -rf "$d" && mkdir -m 0700 "$d" && chown postgres: "$d" 2>/dev/null
    as_pg "$PGB/initdb" -D "$d/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
        --no-sync --no-instructions >/dev/null || return 1
    as_pg "$PGB/pg_ctl" -D "$d/data" -w -s -l "$d/log" \
        -o "-k $d -c port=5499 ${PG_SETTINGS[*]}" start >/dev/null || return 1
    as_pg "$PGB/createdb" -h "$d" -p 5499 -U postgres app || return 1
    if [ "${1:-}" = plain ]; then
        zstd -dc "$W/src/plain/app.sql.zst" |
            as_pg "$PGB/psql" -X -q -h "$d" -p 5499 -U postgres -d app -v ON_ERROR_STOP=1 >/dev/null || return 1
    else
        as_pg "$PGB/pg_restore" -h "$d" -p 5499 -U postgres -d app --no-owner --no-privileges \
            --jobs="$NPROC" "$W/src/custom/app.dump" || return 1
    fi
    c=$(as_pg "$PGB/psql" -X -At -h "$d" -p 5499 -U postgres -d app -c "$PROBE_SQL") || return 1
    as_pg "$PGB/pg_ctl" -D "$d/data" -m immediate -s stop >/dev/null
    rm -rf "$d"
    [ "$c" = t ]
}
case_AP() { case_A plain; }

RD_RSS_KIB=0
rd_verify() { # NAME ARGS...: restoredrill verify, its own peak RSS kept
    local name=$1 rc
    shift
    /usr/bin/time -f %M -o "$W/$name.rss" "$RESTOREDRILL" verify --probes "$W/probes" \
        --report "$W/$name.json" --state-dir "$W/state-$name" -q "$@" >/dev/null 2>"$W/$name.err"
    rc=$?
    local k
    k=$(tail -n1 "$W/$name.rss" 2>/dev/null)
    [[ $k =~ ^[0-9]+$ ]] && [ "$k" -gt "$RD_RSS_KIB" ] && RD_RSS_KIB=$k
    [ "$rc" = 0 ] || { sed 's/^/  | /' "$W/$name.err" | tail -n 5 >&2; return 1; }
}
case_B() { rd_verify B --source "$W/src/custom"; }
case_BP() { rd_verify BP --source "$W/src/plain"; }
case_D() { rd_verify D --source "$URL/json/"; }
case_DL() { rd_verify DL --source "$SLOW_URL/json/"; }
case_BT() {
    rd_verify BT --source "$W/src/custom" \
        --target "host=$TUNED_HOST port=$TUNED_PORT user=rd_bench dbname=postgres"
}
case_T() { # bare on the running tuned server, as the same role
    local c
    as_pg "$PGB/createdb" -h "$TUNED_HOST" -p "$TUNED_PORT" -U rd_bench bare || return 1
    as_pg "$PGB/pg_restore" -h "$TUNED_HOST" -p "$TUNED_PORT" -U rd_bench -d bare --no-owner \
        --no-privileges --jobs="$NPROC" "$W/src/custom/app.dump" || return 1
    c=$(as_pg "$PGB/psql" -X -At -h "$TUNED_HOST" -p "$TUNED_PORT" -U rd_bench -d bare -c "$PROBE_SQL")
    as_pg "$PGB/dropdb" -h "$TUNED_HOST" -p "$TUNED_PORT" -U rd_bench bare || return 1
    [ "$c" = t ]
}
naive() { # URL: what a user writes instead
    local c f=$W/naive.dump
    curl -fsS -o "$f" "$1/json/app.dump" || return 1
    chmod 0644 "$f"
    as_pg "$PGB/createdb" -h "$STOCK_HOST" -p "$STOCK_PORT" -U postgres naive || return 1
    as_pg "$PGB/pg_restore" -h "$STOCK_HOST" -p "$STOCK_PORT" -U postgres -d naive --no-owner \
        --no-privileges "$f" || return 1
    c=$(as_pg "$PGB/psql" -X -At -h "$STOCK_HOST" -p "$STOCK_PORT" -U postgres -d naive -c "$PROBE_SQL")
    as_pg "$PGB/dropdb" -h "$STOCK_HOST" -p "$STOCK_PORT" -U postgres naive || return 1
    rm -f "$f"
    [ "$c" = t ]
}
case_C() { naive "$URL"; }
case_CL() { naive "$SLOW_URL"; }

declare -A TIMES # case -> space-separated seconds
FAILED=()
run_case() {
    local t0=$EPOCHREALTIME
    if "case_$1" >"$W/case.log" 2>&1; then
        TIMES[$1]="${TIMES[$1]:-} $(calc "$EPOCHREALTIME - $t0")"
    else
        FAILED+=("$1: $(tail -n 3 "$W/case.log" | tr '\n' ' ')")
    fi
}
pair() { # A B: alternate A B A B ... REPS times
    local i
    echo "+ $1 vs $2"
    for i in $(seq 1 "$REPS"); do
        run_case "$1"
        run_case "$2"
    done
}
median() { tr ' ' '\n' <<<"${TIMES[$1]:-}" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END { if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print 0 }'; }
minmax() { tr ' ' '\n' <<<"${TIMES[$1]:-}" | sed '/^$/d' | sort -g | awk 'NR==1{mn=$1} {mx=$1} END { printf "%.2f–%.2f", mn, mx }'; }

pair A B
pair AP BP
pair T BT
pair C B
pair C D
pair CL DL

# Where B's time goes: the stages of its last report.
stage_s() { jq -r --arg s "$2" '[.stages[]? | select(.name == $s) | .duration_s][0] // 0' "$W/$1.json" 2>/dev/null || echo 0; }
DRIFT_S=$(stage_s B drift) RESTORE_S=$(stage_s B restore)
DRIFT_PCT=$(calc "($RESTORE_S > 0) ? 100 * $DRIFT_S / $RESTORE_S : 0")
RSS_MIB=$(calc "$RD_RSS_KIB / 1024")

# ---------------------------------------------------------------- results
MISSED=()
JUDGE=1
[ "$QUICK" != 1 ] || JUDGE=0
ROWS_MD=''
ROWS_JSON=$W/pairs.jsonl
: >"$ROWS_JSON"
row() { # NAME A B LIMIT WHAT
    local a b ma mb r pass=null
    a=$2 b=$3
    ma=$(median "$a") mb=$(median "$b")
    r=$(calc "($ma > 0) ? $mb / $ma : 0")
    if [ "$JUDGE" = 1 ]; then
        if awk "BEGIN { exit !($r <= $4 && $ma > 0 && $mb > 0) }"; then pass=true; else
            pass=false
            MISSED+=("$1: $b/$a = $r, target <= $4 ($5)")
        fi
    fi
    ROWS_MD+=$(printf '| %s | %s %.2f s (%s) | %s %.2f s (%s) | %.3f | ≤ %s | %s |' "$5" "$a" "$ma" \
        "$(minmax "$a")" "$b" "$mb" "$(minmax "$b")" "$r" "$4" "${pass/null/not judged}")$'\n'
    jq -nc --arg name "$1" --arg what "$5" --arg a "$a" --arg b "$b" --argjson ma "$ma" --argjson mb "$mb" \
        --argjson ratio "$r" --argjson limit "$4" --argjson pass "$pass" \
        --arg at "${TIMES[$a]:-}" --arg bt "${TIMES[$b]:-}" \
        '{name: $name, what: $what, a: $a, b: $b, a_median_s: $ma, b_median_s: $mb, ratio: $ratio,
          limit: $limit, pass: $pass, a_s: ($at | split(" ") | map(select(. != "") | tonumber)),
          b_s: ($bt | split(" ") | map(select(. != "") | tonumber))}' >>"$ROWS_JSON"
}
row verify_vs_bare A B 1.03 "verify vs the bare cold pipeline (custom)"
row verify_vs_bare_plain AP BP 1.03 "verify vs the bare cold pipeline (plain + zstd)"
row target_vs_bare T BT 1.05 "verify --target vs bare on the same running server"
row verify_vs_naive C B 0.65 "verify vs the naive script (stock server, curl, 1 job)"
row http_vs_naive C D 1.0 "verify over HTTP vs the naive script, loopback"
row http_vs_naive_rate CL DL 0.8 "verify over HTTP vs the naive script, limit_rate $RATE"
if [ "$JUDGE" = 1 ]; then
    awk "BEGIN { exit !($DRIFT_PCT <= 3) }" || MISSED+=("drift: ${DRIFT_PCT}% of the restore stage, target <= 3%")
    awk "BEGIN { exit !($RSS_MIB <= 24) }" || MISSED+=("restoredrill peak RSS ${RSS_MIB} MiB, target <= 24 MiB")
fi
for f in "${FAILED[@]}"; do MISSED+=("a case failed: $f"); done

mkdir -p "$OUT" || die "cannot create $OUT"
stamp=$(date -u +%Y-%m-%d)
[ "$QUICK" != 1 ] || stamp=sidebyside-quick
MD=$OUT/$stamp.md
{
    echo "# restoredrill side by side — $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    printf 'pgbench scale %s + 200k sessions (%.0f MB database, %.1f MB -Fc dump),\n' "$SCALE" \
        "$(calc "$DBSIZE / 1e6")" "$(calc "$DUMP_BYTES / 1e6")"
    echo "$NPROC cores, $REPS run(s) per case alternating A B, medians; $("$RESTOREDRILL" --version | head -n1)."
    echo
    echo "| pair | A | B | B/A | target | met |"
    echo "|---|---|---|---|---|---|"
    printf '%s' "$ROWS_MD"
    echo
    printf "B's stages (last run): restore %.2f s, drift %.2f s (%.1f%% of the restore);\n" \
        "$RESTORE_S" "$DRIFT_S" "$DRIFT_PCT"
    printf "restoredrill's own peak RSS over every run: %.1f MiB.\n" "$RSS_MIB"
    [ ${#MISSED[@]} -eq 0 ] || { echo; printf -- '- missed: %s\n' "${MISSED[@]}"; }
} >"$MD"
jq -s --argjson scale "$SCALE" --argjson reps "$REPS" --argjson db "$DBSIZE" --argjson dump "$DUMP_BYTES" \
    --argjson drift "$DRIFT_S" --argjson restore "$RESTORE_S" --argjson rss "$RSS_MIB" --argjson judged "$JUDGE" \
    '{scale: $scale, reps: $reps, database_bytes: $db, dump_bytes: $dump, judged: ($judged == 1),
      drift_s: $drift, restore_s: $restore, peak_rss_mib: $rss, pairs: .}' "$ROWS_JSON" >"${MD%.md}.json"
cat "$MD"
if [ ${#MISSED[@]} -gt 0 ]; then
    echo "sidebyside: ${#MISSED[@]} target(s) missed" >&2
    exit 1
fi
echo "sidebyside: every judged target met ($MD)"
