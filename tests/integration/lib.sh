# tests/integration/lib.sh: helpers for the integration tests (source it).
#
# Each test is one scenario, run by tests/integration/run.sh with:
#   T             a fresh private dir (/tmp/rdt.XXXXXX, 0755) for everything
#   TMPDIR=$T     so restoredrill's own restoredrill-XXXXXX dirs land in it
#   RESTOREDRILL  the binary under test
# A test can also be run on its own: bash tests/integration/01-….sh
# (it then makes and removes its own T).
#
# Assertions never abort the test: each failing one prints
#   FAIL: <what> (expected X, got Y)
# and the test exits 1 at the end.  `must` is for set-up steps whose failure
# makes the rest meaningless; it aborts.

set -u
set -o pipefail

RD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RESTOREDRILL=${RESTOREDRILL:-$RD_ROOT/build/restoredrill}
RD_SCHEMA=$RD_ROOT/docs/report.schema.json
RD_AJV=$RD_ROOT/tests/node/node_modules/.bin/ajv
RD_PGE=$RD_ROOT/tests/pg-ephemeral

RD_FAILS=0
RD_N=0          # restoredrill runs so far
RD_RC=          # exit code of the last run_rd / wait_rd
RD_OUT=         # its stdout file
RD_ERR=         # its stderr file
RD_SHOWN=       # stderr file already shown after a failure
RD_BG_PIDS=()   # background restoredrill runs (killed at exit if alive)
declare -A RD_BG_OUT RD_BG_ERR
SEED_DIR=       # the seed cluster's pg-ephemeral dir
SEED_DB_N=0

if [ -z "${T:-}" ]; then
    # stand-alone run: make our own T and remove it afterwards
    T=$(mktemp -d /tmp/rdt.XXXXXX)
    chmod 0755 "$T"
    RD_OWN_T=1
else
    RD_OWN_T=
fi
export T
export TMPDIR=$T
STATE=$T/state
BACKUPS=$T/backups
mkdir -p "$BACKUPS"
chmod 0755 "$BACKUPS"

# ---------------------------------------------------------------- reporting

# fail MESSAGE: record a failed assertion (and show the last run's stderr).
fail() {
    RD_FAILS=$((RD_FAILS + 1))
    echo "FAIL: $*"
    if [ -n "$RD_ERR" ] && [ "$RD_SHOWN" != "$RD_ERR" ] && [ -f "$RD_ERR" ]; then
        RD_SHOWN=$RD_ERR
        echo "  --- stderr of the last restoredrill run ($(basename "$RD_ERR"), exit ${RD_RC:-?}), last 25 lines:"
        tail -n 25 "$RD_ERR" | sed 's/^/  | /'
    fi
}

# note TEXT: a progress line (shown when the test fails).
note() { echo "# $*"; }

# must CMD...: run a set-up step; abort the test when it fails.
must() {
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        RD_FAILS=$((RD_FAILS + 1))
        echo "FAIL: set-up step failed (exit $rc): $*"
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/  | /'
        exit 1
    fi
    [ -z "$out" ] || printf '%s\n' "$out"
}

rd_cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${RD_BG_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "FAIL: background restoredrill (pid $pid) still running at the end of the test; killing it"
            RD_FAILS=$((RD_FAILS + 1))
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    http_stop_all
    s3_stop_all
    seed_stop
    mdb_stop
    [ -z "$RD_OWN_T" ] || rm -rf "$T"
    if [ "$RD_FAILS" -gt 0 ]; then
        echo "# $RD_FAILS assertion(s) failed"
        exit 1
    fi
    exit "$rc"
}
trap rd_cleanup EXIT
trap 'echo "FAIL: test interrupted (SIGINT)"; RD_FAILS=$((RD_FAILS + 1)); exit 130' INT
trap 'echo "FAIL: test terminated (SIGTERM, timeout?)"; RD_FAILS=$((RD_FAILS + 1)); exit 143' TERM

if [ ! -x "$RESTOREDRILL" ]; then
    echo "FAIL: no restoredrill binary at '$RESTOREDRILL' (run make)"
    exit 1
fi

# ------------------------------------------------------------- seed cluster

# seed_start: start the seed cluster (tests/pg-ephemeral) and create the
# database "seed": a small app schema owned by the role app_owner, which
# exists only here (so restores need --no-owner).  The role rd_seed_marker
# also exists only here; the fixtures below use it to behave differently in
# the seed cluster and in any other one.  Sets SEED_HOST SEED_PORT SEED_BIN;
# the PG* variables are NOT exported, so restoredrill never sees them.
seed_start() {
    local env
    env=$(TMPDIR=$T "$RD_PGE" start) || { fail "seed cluster did not start"; exit 1; }
    SEED_DIR=$(printf '%s\n' "$env" | sed -n "s/^export PG_EPHEMERAL_DIR='\(.*\)'$/\1/p")
    SEED_HOST=$(printf '%s\n' "$env" | sed -n "s/^export PGHOST='\(.*\)'$/\1/p")
    SEED_PORT=$(printf '%s\n' "$env" | sed -n "s/^export PGPORT='\(.*\)'$/\1/p")
    SEED_BIN=$(printf '%s\n' "$env" | sed -n "s/^export PG_EPHEMERAL_BIN='\(.*\)'$/\1/p")
    if [ -z "$SEED_DIR" ] || [ -z "$SEED_HOST" ] || [ -z "$SEED_BIN" ]; then
        fail "could not parse pg-ephemeral output: $env"
        exit 1
    fi
    must spsql postgres -c "CREATE ROLE rd_seed_marker NOLOGIN; CREATE ROLE app_owner NOLOGIN;"
    # The server-target role of the tests: least privilege (no superuser).
    must spsql postgres -c "CREATE ROLE rd_target LOGIN CREATEDB"
    must spsql postgres -c "CREATE DATABASE seed"
    must spsql seed -c "$(seed_base_sql)"
}

# seed_stop: stop the seed cluster (idempotent; also run at exit).
seed_stop() {
    if [ -n "$SEED_DIR" ]; then
        "$RD_PGE" stop "$SEED_DIR" >/dev/null 2>&1 || echo "FAIL: could not stop the seed cluster $SEED_DIR"
        SEED_DIR=
    fi
}

# spsql DB ARGS...: psql against the seed cluster as its superuser.
spsql() {
    local db=$1
    shift
    PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=postgres PGDATABASE=$db \
        "$SEED_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# seed_conninfo [DB]: a libpq conninfo for the seed cluster.
seed_conninfo() { echo "host=$SEED_HOST port=$SEED_PORT user=postgres dbname=${1:-postgres}"; }

# seed_target [DB]: the conninfo of a server target on the seed cluster: the
# role rd_target (LOGIN CREATEDB, made by seed_start), as least privilege
# asks (a superuser target is refused unless allow_superuser = yes).
seed_target() { echo "host=$SEED_HOST port=$SEED_PORT user=rd_target dbname=${1:-postgres}"; }

seed_base_sql() {
    cat <<'EOF'
SET client_min_messages = warning;
CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.sessions (id int PRIMARY KEY, customer_id int REFERENCES public.customers,
                              last_login_at timestamptz NOT NULL);
CREATE INDEX sessions_login_idx ON public.sessions (last_login_at);
CREATE VIEW public.recent AS SELECT * FROM public.sessions WHERE last_login_at > now() - interval '1 day';
INSERT INTO public.customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
INSERT INTO public.sessions SELECT g, 1 + g % 100, now() - g * interval '1 minute' FROM generate_series(1, 200) g;
ALTER TABLE public.customers OWNER TO app_owner;
ALTER TABLE public.sessions OWNER TO app_owner;
ALTER VIEW public.recent OWNER TO app_owner;
GRANT SELECT ON public.recent TO PUBLIC;
EOF
}

# fixture_restore_error_sql: a database whose dump fails to restore anywhere
# but in the seed cluster: a CHECK constraint calls a function that raises
# unless the role rd_seed_marker exists, so pg_restore's COPY fails with
#   ERROR:  rd_seed_marker role missing: this dump restores only in its seed cluster
fixture_restore_error_sql() {
    cat <<'EOF'
SET client_min_messages = warning;
CREATE FUNCTION public.rd_seed_only() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rd_seed_marker') THEN
    RAISE EXCEPTION 'rd_seed_marker role missing: this dump restores only in its seed cluster';
  END IF;
  RETURN true;
END $$;
CREATE TABLE public.fragile (id int PRIMARY KEY, v text,
                             CONSTRAINT fragile_seed_only CHECK (public.rd_seed_only()));
INSERT INTO public.fragile SELECT g, 'v' || g FROM generate_series(1, 5) g;
CREATE TABLE public.fine (id int PRIMARY KEY);
INSERT INTO public.fine SELECT generate_series(1, 10);
EOF
}

# plain_dump NAME SQL [end]: $BACKUPS/NAME (the folder emptied first): a real
# pg_dump -Fp of a fresh database holding public.t (3 rows), with SQL put
# before its first CREATE TABLE (the roles a dump creates are global: they
# outlive a database), or with "end" before pg_dump's closing line, so that
# the dump stays complete and passes the trailer check.
plain_dump() {
    local db=pd$RANDOM$RANDOM
    must spsql postgres -c "CREATE DATABASE $db"
    must spsql "$db" -c "CREATE TABLE public.t (id int); INSERT INTO public.t VALUES (1), (2), (3)"
    rm -f "$BACKUPS"/*
    must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
        "$SEED_BIN/pg_dump" -Fp -d "$db" -f "$T/plain_dump.sql"
    # SQL through ENVIRON, not -v: gawk would turn its backslashes into escapes.
    if [ "${3:-}" = end ]; then
        PD_SQL=$2 awk '/^-- PostgreSQL database dump complete/ && !done { print ENVIRON["PD_SQL"]; done = 1 } { print }'
    else
        PD_SQL=$2 awk '!done && /^CREATE TABLE/ { print ENVIRON["PD_SQL"]; done = 1 } { print }'
    fi <"$T/plain_dump.sql" >"$BACKUPS/$1"
    grep -qF -- "$2" "$BACKUPS/$1" || fail "the fixture $1 lacks its SQL"
}

# fixture_slow_sql ROWS: a small database whose restore takes ~2 ms per row
# anywhere but in the seed cluster (a CHECK constraint sleeps unless the role
# rd_seed_marker exists) — a slow restore without a big dump.
fixture_slow_sql() {
    cat <<EOF
SET client_min_messages = warning;
CREATE FUNCTION public.rd_slow() RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rd_seed_marker') THEN
    PERFORM pg_catalog.pg_sleep(0.001);
  END IF;
  RETURN true;
END \$\$;
CREATE TABLE public.slow (id int PRIMARY KEY, CONSTRAINT slow_check CHECK (public.rd_slow()));
INSERT INTO public.slow SELECT generate_series(1, ${1:-3000});
EOF
}

# make_dump NAME [SQL]: pg_dump -Fc into $BACKUPS/NAME (NAME may also be an
# absolute path); sets DUMP to the path.  Without SQL it dumps the seed
# database; with SQL it loads SQL into a new database of the seed cluster and
# dumps that.  Call it directly, not in $(...): a failure aborts the test.
make_dump() {
    local name=$1 sql=${2:-} db=seed
    case $name in /*) DUMP=$name ;; *) DUMP=$BACKUPS/$name ;; esac
    mkdir -p "$(dirname "$DUMP")"
    if [ -n "$sql" ]; then
        SEED_DB_N=$((SEED_DB_N + 1))
        db=fixture$SEED_DB_N
        must spsql postgres -c "CREATE DATABASE $db"
        must spsql "$db" -c "$sql"
    fi
    must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
        "$SEED_BIN/pg_dump" -Fc -d "$db" -f "$DUMP"
    [ -s "$DUMP" ] || { fail "pg_dump wrote nothing to $DUMP"; exit 1; }
}

# ---------------------------------------------------------------- time

# ts_name FMT SECONDS_AGO: UTC time SECONDS_AGO seconds ago, formatted.
ts_name() { date -u -d "@$(($(date -u +%s) - $2))" "+$1"; }

# set_mtime FILE 'YYYY-mm-dd HH:MM:SS' (UTC; anything touch -d takes works).
set_mtime() { TZ=UTC0 touch -d "$2" "$1" || fail "touch -d '$2' $1"; }

# set_mtime_ago FILE SECONDS_AGO
set_mtime_ago() { touch -d "@$(($(date -u +%s) - $2))" "$1" || fail "touch $1"; }

# ---------------------------------------------------------------- running

# run_rd ARGS...: run restoredrill (stdin /dev/null, a 120 s guard), keep its
# stdout/stderr in files; sets RD_RC RD_OUT RD_ERR.  Never aborts.
run_rd() {
    RD_N=$((RD_N + 1))
    RD_OUT=$T/rd$RD_N.out
    RD_ERR=$T/rd$RD_N.err
    echo "+ restoredrill $*"
    timeout -k 5 "${RD_TIMEOUT:-120}" "$RESTOREDRILL" "$@" </dev/null >"$RD_OUT" 2>"$RD_ERR"
    RD_RC=$?
    [ "$RD_RC" -ne 124 ] || fail "restoredrill $* did not finish within ${RD_TIMEOUT:-120}s"
    echo "  -> exit $RD_RC"
}

# run_rd_bg ARGS...: start restoredrill in the background with SIGINT and
# SIGQUIT at their defaults (a plain `cmd &` in a script ignores them).
# Sets RD_PID RD_OUT RD_ERR; collect with wait_rd.
run_rd_bg() {
    RD_N=$((RD_N + 1))
    RD_OUT=$T/rd$RD_N.out
    RD_ERR=$T/rd$RD_N.err
    echo "+ restoredrill $* &"
    (
        trap - INT QUIT
        exec "$RESTOREDRILL" "$@" </dev/null >"$RD_OUT" 2>"$RD_ERR"
    ) &
    RD_PID=$!
    RD_BG_PIDS+=("$RD_PID")
    RD_BG_OUT[$RD_PID]=$RD_OUT
    RD_BG_ERR[$RD_PID]=$RD_ERR
}

# wait_rd PID [TIMEOUT_S]: wait for a background run; sets RD_RC, and
# RD_OUT RD_ERR to that run's files.
wait_rd() {
    local pid=$1 limit=$((${2:-90} * 10)) i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt $limit ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "restoredrill (pid $pid) still running after ${2:-90}s; killing it"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid"
    RD_RC=$?
    RD_OUT=${RD_BG_OUT[$pid]:-$RD_OUT}
    RD_ERR=${RD_BG_ERR[$pid]:-$RD_ERR}
    echo "  -> pid $pid exit $RD_RC"
}

# descendant PID NAME: print the pid of a running descendant of PID whose
# command name is NAME (empty when there is none).
descendant() {
    ps -e -o pid=,ppid=,comm= | awk -v root="$1" -v name="$2" '
        { ppid[$1] = $2; comm[$1] = $3 }
        END {
            for (p in comm) {
                if (comm[p] != name) continue
                q = ppid[p]
                for (i = 0; i < 50 && q > 1; i++) {
                    if (q == root) { print p; exit }
                    q = ppid[q]
                }
            }
        }'
}

# wait_descendant PID NAME TIMEOUT_S: wait until PID has a running descendant
# NAME; returns 1 on timeout or when PID exits first.
wait_descendant() {
    local i=0 limit=$(($3 * 10))
    while [ $i -lt $limit ]; do
        [ -n "$(descendant "$1" "$2")" ] && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# ---------------------------------------------------------------- assertions

# assert_exit N: the last run's exit code.
assert_exit() {
    [ "$RD_RC" = "$1" ] || fail "exit code of run #$RD_N (expected $1, got $RD_RC)"
}

# assert_json FILE JQ_EXPR EXPECTED: jq -r EXPR on FILE prints EXPECTED.
assert_json() {
    local got
    if [ ! -s "$1" ]; then
        fail "$2 in $(basename "$1") (expected '$3', but the file is missing or empty)"
        return
    fi
    if ! got=$(jq -r "$2" "$1" 2>&1); then
        fail "jq '$2' on $(basename "$1") failed: $got"
        return
    fi
    [ "$got" = "$3" ] || fail "$2 in $(basename "$1") (expected '$3', got '$got')"
}

# assert_json_true FILE JQ_EXPR [WHAT]: EXPR is true.
assert_json_true() {
    local got
    if [ ! -s "$1" ]; then
        fail "${3:-$2} in $(basename "$1"): file missing or empty"
        return
    fi
    got=$(jq -r "$2" "$1" 2>&1)
    [ "$got" = true ] || fail "${3:-$2} in $(basename "$1") (expected true, got '$got')"
}

# assert_contains FILE TEXT: FILE contains TEXT (fixed string).
assert_contains() {
    grep -qF -- "$2" "$1" 2>/dev/null \
        || fail "$(basename "$1") should contain '$2' (it has: $(head -c 300 "$1" 2>/dev/null | tr '\n' ' '))"
}

# assert_not_contains FILE TEXT
assert_not_contains() {
    ! grep -qF -- "$2" "$1" 2>/dev/null || fail "$(basename "$1") should not contain '$2'"
}

# assert_matches FILE ERE: some line of FILE matches the extended regex.
assert_matches() {
    grep -qE -- "$2" "$1" 2>/dev/null \
        || fail "$(basename "$1") should match /$2/ (it has: $(head -c 300 "$1" 2>/dev/null | tr '\n' ' '))"
}

assert_file_exists() { [ -e "$1" ] || fail "$1 should exist"; }
assert_no_file() { [ ! -e "$1" ] || fail "$1 should not exist"; }

# validate_report FILE: FILE is JSON, valid against docs/report.schema.json
# (ajv, draft 2020-12, formats checked), and internally consistent:
# schema_version 1; status ok <=> error null; error.code maps to status as in
# PRODUCT.md § Decisions; stages[].status in the allowed set; error is one
# of errors[], which lists no error twice.
validate_report() {
    local f=$1 out
    if [ ! -s "$f" ]; then
        fail "report $f is missing or empty"
        return
    fi
    if ! jq -e . "$f" >/dev/null 2>&1; then
        fail "report $f is not valid JSON: $(head -c 200 "$f")"
        return
    fi
    if [ ! -f "$RD_SCHEMA" ]; then
        fail "docs/report.schema.json is missing: cannot validate $f"
    elif [ ! -x "$RD_AJV" ]; then
        fail "ajv is not installed ($RD_AJV; run ci/install-deps)"
    elif ! out=$("$RD_AJV" validate --spec=draft2020 -c ajv-formats --all-errors --errors=text \
        -s "$RD_SCHEMA" -d "$f" 2>&1); then
        fail "report $(basename "$f") does not match docs/report.schema.json: $out"
    fi
    out=$(jq -r '
        def crit: ["archive_not_found","archive_empty","archive_too_old","format_unknown",
                   "decompress_truncated","decompress_corrupt","archive_truncated",
                   "archive_unsafe_path","checksum_mismatch","sidecar_missing","decrypt_failed",
                   "restore_errors","probe_failed","probe_timeout"];
        def unkn: ["config_invalid","probe_invalid","usage","tool_missing","tool_too_old",
                   "missing_extension","source_unreachable","access_denied","clock_skew",
                   "fetch_stalled","fetch_truncated","listing_invalid","db_unreachable","disk_full","locked","internal"];
        [ (if .schema_version != 1 then "schema_version is \(.schema_version), not 1" else empty end),
          (if (.status | IN("ok","warning","critical","unknown")) then empty
           else "status \(.status) is not ok|warning|critical|unknown" end),
          (if .status == "ok" and .error != null then "status ok but error is set: \(.error)" else empty end),
          (if (.status == "critical" or .status == "unknown") and .error == null
           then "status \(.status) but error is null" else empty end),
          (if .error != null and (.error.code | IN(crit[])) and .status != "critical"
           then "error.code \(.error.code) should make status critical, got \(.status)" else empty end),
          (if .error != null and (.error.code | IN(unkn[])) and .status != "unknown"
           then "error.code \(.error.code) should make status unknown, got \(.status)" else empty end),
          (if .error != null and .error.code == "interrupted" and .status != "unknown"
           then "error.code interrupted should make status unknown, got \(.status)" else empty end),
          (if .error != null and ((.error.stage|type) != "string" or (.error.message|type) != "string")
           then "error.stage/error.message missing" else empty end),
          ((.stages // [])[] | select((.status | IN("ok","warning","critical","unknown","skipped")) | not)
           | "stage \(.name) has status \(.status)"),
          (if (.notes | type) != "array" then "notes is not an array" else empty end),
          (.error as $e | if (.errors | type) != "array" then "errors is not an array"
           elif $e != null and ([.errors[] | select(. == $e)] | length) == 0
           then "error \(.error.code) is not one of errors[]"
           elif (.errors | length) != (.errors | unique | length) then "errors[] lists an error twice"
           else empty end)
        ] | .[]' "$f" 2>&1)
    [ -z "$out" ] || fail "report $(basename "$f") is inconsistent: $out"
}

# exit_for_status STATUS: the exit code PRODUCT.md gives a status.
exit_for_status() {
    case $1 in ok) echo 0 ;; warning) echo 1 ;; critical) echo 2 ;; unknown) echo 3 ;; *) echo "?" ;; esac
}

# assert_report FILE EXIT STATUS CODE: the usual four checks of a run that
# wrote FILE: exit code, schema + consistency, .status, .error.code (CODE
# "null" for no error).
assert_report() {
    assert_exit "$2"
    validate_report "$1"
    assert_json "$1" .status "$3"
    assert_json "$1" '.error.code // "null"' "$4"
}

# stage_status FILE NAME: the status of stage NAME ("missing" if absent).
stage_status() {
    jq -r --arg n "$2" '[.stages[]? | select(.name == $n) | .status] | first // "missing"' "$1" 2>/dev/null
}

# assert_stage FILE NAME STATUS
assert_stage() {
    local got
    got=$(stage_status "$1" "$2")
    [ "$got" = "$3" ] || fail "stage $2 in $(basename "$1") (expected $3, got ${got:-no JSON})"
}

# assert_last_json JOB REPORT: STATE/JOB/last.json exists and equals REPORT.
assert_last_json() {
    local last=$STATE/$1/last.json
    if [ ! -s "$last" ]; then
        fail "$last (the last report of job $1) should exist"
        return
    fi
    if [ -n "${2:-}" ] && [ -s "$2" ] && ! cmp -s <(jq -S . "$last") <(jq -S . "$2"); then
        fail "$last differs from the report $2"
    fi
}

# ---------------------------------------------------------------- probes

# probe_file DIR FILE: write stdin (a probe: "-- key: value" header + one
# statement) to DIR/FILE, making DIR.
probe_file() { mkdir -p "$1" && cat >"$1/$2"; }

# assert_probe FILE NAME JQ_EXPR EXPECTED: jq -r EXPR on the probes[] entry
# named NAME of report FILE prints EXPECTED (nothing, when there is no such
# probe).
assert_probe() {
    assert_json "$1" "[.probes[]? | select(.name == \"$2\")] | first | $3" "$4"
}

# assert_probe_true FILE NAME JQ_EXPR [WHAT]: EXPR on that entry is true.
assert_probe_true() {
    assert_json_true "$1" "[.probes[]? | select(.name == \"$2\")] | first | $3" "${4:-probe $2: $3}"
}

# ------------------------------------------------- outputs and alerts (4x)

# assert_promtool FILE: `promtool check metrics < FILE` exits 0 (a parse
# error is 1, lint problems 3).
assert_promtool() {
    local out rc
    if [ ! -s "$1" ]; then
        fail "metrics file $1 is missing or empty"
        return
    fi
    if ! command -v promtool >/dev/null 2>&1; then
        fail "promtool is not installed (ci/install-deps): cannot check $1"
        return
    fi
    out=$(promtool check metrics <"$1" 2>&1)
    rc=$?
    [ $rc -eq 0 ] || fail "promtool check metrics < $(basename "$1") (expected exit 0, got $rc): $(printf '%s' "$out" | head -c 500)"
}

# metric_value FILE SERIES: the value of SERIES (name{labels} exactly as
# written, e.g. 'restoredrill_status{job="a"}') in FILE; empty when absent.
metric_value() {
    awk -v s="$2" '$1 == s { print $2; exit }' "$1" 2>/dev/null
}

# assert_metric FILE SERIES VALUE ("absent" for no such line)
assert_metric() {
    local got
    got=$(metric_value "$1" "$2")
    [ "${got:-absent}" = "$3" ] || fail "$2 in $(basename "$1") (expected $3, got ${got:-absent})"
}

# assert_xpath FILE XPATH EXPECTED: xmllint --xpath XPATH FILE prints
# EXPECTED (use count(), string() or boolean() for a plain value).
assert_xpath() {
    local got
    if [ ! -s "$1" ]; then
        fail "$2 in $(basename "$1"): file missing or empty"
        return
    fi
    got=$(xmllint --xpath "$2" "$1" 2>&1)
    [ "$got" = "$3" ] || fail "xpath $2 in $(basename "$1") (expected '$3', got '$got')"
}

# assert_junit XML REPORT: XML is well-formed JUnit (xmllint --noout) for
# the run REPORT describes: one testsuite (restoredrill.JOB); per stage a
# testcase classname restoredrill.JOB.stages, per probe one in .probes;
# status ok -> no child, skipped -> <skipped/>, warning -> <system-out>
# only, critical -> <failure>, unknown -> <error>; the testcase of
# error.stage carries error.code (type) and the counts add up.
assert_junit() {
    local x=$1 r=$2 out job kind name st tc want
    if [ ! -s "$x" ]; then
        fail "JUnit file $x is missing or empty"
        return
    fi
    if ! out=$(xmllint --noout "$x" 2>&1); then
        fail "xmllint --noout $(basename "$x"): $out"
        return
    fi
    job=$(jq -r .job "$r" 2>/dev/null)
    assert_xpath "$x" 'count(/testsuites/testsuite)' 1
    assert_xpath "$x" 'string(/testsuites/testsuite/@name)' "restoredrill.$job"
    assert_xpath "$x" "count(//testcase[@classname='restoredrill.$job.stages'])" \
        "$(jq '.stages | length' "$r")"
    assert_xpath "$x" "count(//testcase[@classname='restoredrill.$job.probes'])" \
        "$(jq '.probes | length' "$r")"
    while IFS=$'\t' read -r kind name st; do
        tc="//testcase[@classname='restoredrill.$job.$kind' and @name='$name']"
        assert_xpath "$x" "count($tc)" 1
        case $st in
        ok) want='0 0 0 0' ;;
        skipped) want='1 0 0 0' ;;
        warning) want='0 1 0 0' ;;
        critical) want='0 0 1 0' ;;
        *) want='0 0 0 1' ;;
        esac
        out="$(xmllint --xpath "count($tc/skipped)" "$x" 2>&1) $(xmllint --xpath "count($tc/system-out)" "$x" 2>&1)"
        out="$out $(xmllint --xpath "count($tc/failure)" "$x" 2>&1) $(xmllint --xpath "count($tc/error)" "$x" 2>&1)"
        [ "$out" = "$want" ] ||
            fail "$(basename "$x"): $kind $name is $st: expected skipped/system-out/failure/error counts '$want', got '$out'"
    done < <(jq -r '(.stages[] | ["stages", .name, .status]), (.probes[] | ["probes", .name, .status]) | @tsv' "$r")
    if [ "$(jq -r '.error != null' "$r")" = true ]; then
        out=$(jq -r '.error.code' "$r")
        name=$(jq -r '.error.stage' "$r")
        assert_xpath "$x" "boolean(//testcase[@name='$name']/*[self::failure or self::error][contains(concat(@type, ' ', @message, ' ', .), '$out')])" true
    fi
    for kind in tests:testcase failures:failure errors:error skipped:skipped; do
        assert_xpath "$x" "number(/testsuites/testsuite/@${kind%%:*}) = count(//${kind#*:})" true
    done
}

# hook_make FILE DIR [SHELL_CODE]: write an executable bash alert hook FILE
# that records each call N (1, 2, ...; DIR/count holds the number of calls)
# in DIR: N.stdin, N.argv (one argument a line), N.argc, N.STATUS N.JOB
# N.SUMMARY N.REPORT (the RESTOREDRILL_* variables, "<unset>" when unset),
# N.MARK N.PGPASSWORD N.PATH N.HOME N.LANG (what reached it of the caller's
# environment), N.envnames (the names of its environment), N.cwd, N.pgid
# (its process group, to compare with N.pid), N.uid, N.report (a copy of
# the file RESTOREDRILL_REPORT names, taken at that moment); prints
# HOOK-STDOUT-MARKER on stdout; then runs SHELL_CODE.
hook_make() {
    local f=$1 d=$2
    mkdir -p "$d"
    cat >"$f" <<EOF
#!/bin/bash
d='$d'
n=\$(( \$(cat "\$d/count" 2>/dev/null || echo 0) + 1 ))
echo "\$n" >"\$d/count"
cat >"\$d/\$n.stdin"
printf '%s\n' "\$@" >"\$d/\$n.argv"
echo "\$#" >"\$d/\$n.argc"
printf '%s' "\${RESTOREDRILL_STATUS-<unset>}" >"\$d/\$n.STATUS"
printf '%s' "\${RESTOREDRILL_JOB-<unset>}" >"\$d/\$n.JOB"
printf '%s' "\${RESTOREDRILL_SUMMARY-<unset>}" >"\$d/\$n.SUMMARY"
printf '%s' "\${RESTOREDRILL_REPORT-<unset>}" >"\$d/\$n.REPORT"
printf '%s' "\${RD_HOOK_MARK-<unset>}" >"\$d/\$n.MARK"
printf '%s' "\${PGPASSWORD-<unset>}" >"\$d/\$n.PGPASSWORD"
printf '%s' "\${PATH-<unset>}" >"\$d/\$n.PATH"
printf '%s' "\${HOME-<unset>}" >"\$d/\$n.HOME"
printf '%s' "\${LANG-<unset>}" >"\$d/\$n.LANG"
env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort >"\$d/\$n.envnames"
pwd >"\$d/\$n.cwd"
echo "\$\$" >"\$d/\$n.pid"
ps -o pgid= -p "\$\$" | tr -d ' ' >"\$d/\$n.pgid"
id -u >"\$d/\$n.uid"
[ -z "\${RESTOREDRILL_REPORT:-}" ] || cp "\$RESTOREDRILL_REPORT" "\$d/\$n.report" 2>/dev/null
echo HOOK-STDOUT-MARKER
${3:-}
EOF
    chmod 0755 "$f"
}

# hook_count DIR: how many times the hook of DIR ran (0 when never).
hook_count() { cat "$1/count" 2>/dev/null || echo 0; }

# assert_hook_count DIR N
assert_hook_count() {
    local got
    got=$(hook_count "$1")
    [ "$got" = "$2" ] || fail "alert hook $(basename "$1") ran $got time(s) (expected $2)"
}

# assert_file_is FILE TEXT: FILE holds exactly TEXT (no trailing newline
# added; use for the hook's N.STATUS etc.).
assert_file_is() {
    local got
    if [ ! -e "$1" ]; then
        fail "$1 should exist (expected '$2')"
        return
    fi
    got=$(cat "$1")
    [ "$got" = "$2" ] || fail "$(basename "$1") (expected '$2', got '$got')"
}

RD_SINK_PIDS=()

# sink_stop_all: stop every receiver started by sink_start (run at exit).
sink_stop_all() {
    local pid
    for pid in "${RD_SINK_PIDS[@]}"; do sink_stop "$pid"; done
    RD_SINK_PIDS=()
}

# sink_start NAME [OPTION...]: start tests/integration/webhook-sink.py on a
# free port (--port 0), recording requests in $T/NAME.jsonl (one JSON line a
# request); OPTIONs go to the sink (--status N, --fail-first N, --delay S,
# --location URL, --tls CERT KEY).  Sets SINK_PORT, SINK_PID, SINK_OUT.  The
# sink is stopped at exit.  Aborts the test when it does not start.
sink_start() {
    local name=$1 i
    shift
    SINK_OUT=$T/$name.jsonl
    : >"$SINK_OUT"
    if [ ${#RD_SINK_PIDS[@]} -eq 0 ]; then
        # stop the sinks first, then the usual clean-up (keeping the exit code)
        trap 'rd_sink_rc=$?; sink_stop_all; (exit "$rd_sink_rc"); rd_cleanup' EXIT
    fi
    /usr/bin/python3 "$RD_ROOT/tests/integration/webhook-sink.py" --port 0 --out "$SINK_OUT" "$@" \
        >"$T/$name.ready" 2>"$T/$name.sink-err" </dev/null &
    SINK_PID=$!
    RD_SINK_PIDS+=("$SINK_PID")
    SINK_PORT=
    for i in $(seq 1 100); do
        SINK_PORT=$(sed -n 's/^READY \([0-9][0-9]*\)$/\1/p' "$T/$name.ready" 2>/dev/null)
        [ -z "$SINK_PORT" ] || break
        kill -0 "$SINK_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$SINK_PORT" ]; then
        fail "webhook sink $name did not start: $(cat "$T/$name.sink-err" 2>/dev/null | tail -n 5)"
        exit 1
    fi
    note "sink $name: port $SINK_PORT pid $SINK_PID $*"
}

# sink_stop PID: stop one receiver (SIGTERM, SIGKILL after 5 s).
sink_stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# sink_count FILE: the number of requests a sink recorded.
sink_count() {
    local n
    n=$(grep -c '' "$1" 2>/dev/null)
    echo "${n:-0}"
}

# assert_sink_count FILE N
assert_sink_count() {
    local got
    got=$(sink_count "$1")
    [ "$got" = "$2" ] || fail "$(basename "$1"): $got request(s) recorded (expected $2): $(jq -c '[.method, .path]' "$1" 2>/dev/null | tr '\n' ' ')"
}

# assert_sink FILE JQ_EXPR EXPECTED: jq -r -s EXPR (on the array of the
# recorded requests) prints EXPECTED.
assert_sink() {
    local got
    if ! got=$(jq -r -s "$2" "$1" 2>&1); then
        fail "jq -s '$2' on $(basename "$1") failed: $got"
        return
    fi
    [ "$got" = "$3" ] || fail "$2 on the requests of $(basename "$1") (expected '$3', got '$got')"
}

# sink_body FILE N DEST: write the body of request N (1-based) to DEST.
sink_body() {
    jq -r -s --argjson n "$2" '.[$n - 1].body // empty' "$1" >"$3" 2>/dev/null
}

# assert_summary FILE REPORT: FILE holds exactly the alert summary line of
# REPORT (a run with an error): "restoredrill: job 'JOB' is STATUS: CODE:
# MESSAGE (archive 'NAME')" with MESSAGE's first line.  When MESSAGE already
# names the archive, reports/alert.c leaves the archive part out; that is
# accepted (the contract shows the part "when known").
assert_summary() {
    local base name want got
    base=$(jq -r '"restoredrill: job '\''\(.job)'\'' is \(.status | ascii_upcase): \(.error.code): \(.error.message | split("\n")[0])"' "$2" 2>/dev/null)
    name=$(jq -r '.archive.name // ""' "$2" 2>/dev/null)
    want=$base
    [ -z "$name" ] || want="$base (archive '$name')"
    got=$(cat "$1" 2>/dev/null)
    [ "$got" != "$want" ] || return 0
    if [ -n "$name" ] && [[ $base == *"$name"* ]] && [ "$got" = "$base" ]; then
        return 0
    fi
    fail "summary line in $(basename "$1") (expected '$want', got '$got')"
}

# alert_fixtures: what the alert tests (41, 43, 44) share, after seed_start:
#   SEED         conninfo of the seed cluster as a server target (rd_target)
#   $T/good.dump a good custom dump of it, also as $T/src-good/app.dump
#   $T/src-bad/junk.dump  random bytes: critical format_unknown, nothing restored
#   P            $T/probes-warn: one warning-only probe that fails (a warning run)
#   M            $T/metrics.prom
alert_fixtures() {
    SEED=$(seed_target postgres)
    make_dump "$T/good.dump"
    mkdir -p "$T/src-good" "$T/src-bad"
    cp "$T/good.dump" "$T/src-good/app.dump"
    head -c 3000 /dev/urandom >"$T/src-bad/junk.dump"
    P=$T/probes-warn
    probe_file "$P" many.sql <<'PROBE'
-- name: many_customers
-- kind: rows
-- min: 1000
-- severity: warning
SELECT count(*) FROM public.customers;
PROBE
    M=$T/metrics.prom
}

# job_conf NAME SOURCE [LINE...]: $T/NAME.conf (C) with one job NAME reading
# SOURCE, report $T/NAME.json (R), the shared metrics file, extra LINEs.
job_conf() {
    local name=$1 src=$2
    shift 2
    C=$T/$name.conf
    R=$T/$name.json
    {
        echo "[defaults]"
        echo "state_dir = $STATE"
        echo "metrics = $M"
        echo "[job $name]"
        echo "source = $src"
        echo "report = $R"
        printf '%s\n' "$@"
    } >"$C"
}

# ---------------------------------------------------------------- web servers

RD_NGINX_DIRS=()
RD_FAULTS_PIDS=()

# http_stop_all: stop every nginx and fault server started below (at exit).
http_stop_all() {
    local d p
    for d in "${RD_NGINX_DIRS[@]}"; do "$RD_ROOT/tests/nginx-ephemeral" stop "$d"; done
    RD_NGINX_DIRS=()
    for p in "${RD_FAULTS_PIDS[@]}"; do sink_stop "$p"; done
    RD_FAULTS_PIDS=()
}

# nginx_start DOCROOT: tests/nginx-ephemeral serving DOCROOT at
# $NGINX_URL/json/ and $NGINX_URL/html/ (NGINX_SERVER_CONF, NGINX_HTTP_CONF:
# files of more config, see the script).  Sets NGINX_URL NGINX_PORT
# NGINX_DIR; stopped at exit.  Aborts the test when it does not start.
nginx_start() {
    local env
    env=$("$RD_ROOT/tests/nginx-ephemeral" start "$1") || { fail "nginx did not start"; exit 1; }
    eval "$env"
    NGINX_DIR=$NGINX_EPHEMERAL_DIR
    RD_NGINX_DIRS+=("$NGINX_DIR")
    note "nginx: $NGINX_URL ($NGINX_DIR)"
}

# free_port: a free TCP port on 127.0.0.1.
free_port() { "$RD_ROOT/tests/nginx-ephemeral" port "${1:-5600}"; }

# faults_start DOCROOT: tests/integration/http-faults.py serving DOCROOT
# (/ok/ /stall/ /short/ /stall-first/ NAME); sets FAULTS_URL FAULTS_OUT
# (its request log); stopped at exit.
faults_start() {
    local i port=
    FAULTS_OUT=$T/faults.jsonl
    : >"$FAULTS_OUT"
    /usr/bin/python3 "$RD_ROOT/tests/integration/http-faults.py" --root "$1" --out "$FAULTS_OUT" \
        >"$T/faults.ready" 2>"$T/faults.err" </dev/null &
    RD_FAULTS_PIDS+=("$!")
    for i in $(seq 1 100); do
        port=$(sed -n 's/^READY \([0-9][0-9]*\)$/\1/p' "$T/faults.ready" 2>/dev/null)
        [ -z "$port" ] || break
        sleep 0.1
    done
    [ -n "$port" ] || { fail "http-faults.py did not start: $(tail -n 5 "$T/faults.err")"; exit 1; }
    FAULTS_URL=http://127.0.0.1:$port
    note "fault server: $FAULTS_URL"
}

# ---------------------------------------------------------------- fake S3

RD_S3_PIDS=()

# s3_start [--key AK --secret SK]: tests/s3-fake.js (@20minutes/s3rver, which
# checks SigV4; TESTING.md §3) with bucket "backups", data in $T/s3-data.
# Sets S3_URL S3_PORT; stopped at exit.  Needs node >= 20: an older node
# fails the test with that reason (never a silent pass).
s3_start() {
    local i addr= major
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    [ "$major" -ge 20 ] || { fail "the fake S3 needs node >= 20 (have: $(node --version 2>&1)); see TESTING.md §3"; exit 1; }
    [ -d "$RD_ROOT/tests/node/node_modules/@20minutes/s3rver" ] ||
        { fail "tests/node lacks @20minutes/s3rver: run ci/install-deps --test"; exit 1; }
    mkdir -p "$T/s3-data"
    NODE_PATH=$RD_ROOT/tests/node/node_modules node --openssl-legacy-provider \
        "$RD_ROOT/tests/s3-fake.js" --dir "$T/s3-data" --port 0 --bucket backups "$@" \
        >"$T/s3.ready" 2>"$T/s3.err" </dev/null &
    RD_S3_PIDS+=("$!")
    for i in $(seq 1 100); do
        addr=$(sed -n 's/^READY \(.*\)$/\1/p' "$T/s3.ready" 2>/dev/null)
        [ -z "$addr" ] || break
        sleep 0.1
    done
    [ -n "$addr" ] || { fail "s3-fake.js did not start: $(tail -n 5 "$T/s3.err")"; exit 1; }
    S3_URL=http://$addr
    S3_PORT=${addr##*:}
    note "fake S3: $S3_URL"
}

# s3_stop_all: stop every fake S3 (at exit).
s3_stop_all() {
    local p
    for p in "${RD_S3_PIDS[@]}"; do sink_stop "$p"; done
    RD_S3_PIDS=()
}

# aws_s3 ARGS...: Debian's awscli (not a pyenv shim) against the fake as
# S3RVER/S3RVER, path-style, no shared files of the user.
aws_s3() {
    [ -x /usr/bin/aws ] || { fail "/usr/bin/aws missing (Debian package awscli; ci/install-deps --test)"; exit 1; }
    [ -f "$T/aws-config" ] || printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$T/aws-config"
    AWS_CONFIG_FILE=$T/aws-config AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true \
        /usr/bin/aws --endpoint-url "$S3_URL" "$@"
}

# ---------------------------------------------------------------- MariaDB

# A MariaDB the tests make mysqldump archives with (tests/mariadb-ephemeral:
# unix socket only, in $T).  mdb_start sets MDB_DIR and MDB_SOCK; mdb_stop
# (also at exit) stops it.  msql ARGS...: the mariadb client as root on it;
# mdump ARGS...: mariadb-dump on it (stdout: the dump).
MDB_DIR=
mdb_start() {
    local env
    command -v mariadbd >/dev/null 2>&1 || command -v /usr/sbin/mariadbd >/dev/null 2>&1 ||
        { fail "mariadb-server is not installed (ci/install-deps)"; exit 1; }
    env=$(MARIADB_EPHEMERAL_TEMPLATE=$T/mdb.XXXXXX "$RD_ROOT/tests/mariadb-ephemeral" start) ||
        { fail "the test MariaDB did not start"; exit 1; }
    MDB_DIR=$(printf '%s\n' "$env" | sed -n "s/^export MARIADB_EPHEMERAL_DIR='\(.*\)'$/\1/p")
    MDB_SOCK=$(printf '%s\n' "$env" | sed -n "s/^export MARIADB_SOCKET='\(.*\)'$/\1/p")
    [ -n "$MDB_DIR" ] && [ -S "$MDB_SOCK" ] || { fail "cannot parse mariadb-ephemeral output: $env"; exit 1; }
}
mdb_stop() {
    [ -z "$MDB_DIR" ] || "$RD_ROOT/tests/mariadb-ephemeral" stop "$MDB_DIR"
    MDB_DIR=
}
msql() { mariadb --no-defaults --socket="$MDB_SOCK" -u root --batch "$@"; }
mdump() { mariadb-dump --no-defaults --socket="$MDB_SOCK" -u root "$@"; }
