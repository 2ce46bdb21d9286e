#!/usr/bin/env bash
# tests/integration/run.sh: run the integration tests against the real binary.
#
#   RESTOREDRILL=/abs/build/restoredrill tests/integration/run.sh [FILTER]
#
# Runs every tests/integration/[0-9][0-9]-*.sh in order (only those whose
# name contains FILTER, when given), each in a fresh private dir
#   T=$(mktemp -d /tmp/rdt.XXXXXX)   (0755, exported as T and as TMPDIR)
# with a time limit (RD_TEST_TIMEOUT, default 150 s).  After each test it
# asserts that nothing was left behind:
#   - no process whose command line contains T (restoredrill makes its
#     scratch clusters in TMPDIR=T, so every postmaster it starts names T;
#     processes of other runs on the machine are never counted or killed);
#   - no restoredrill-* file or directory inside T;
#   - no *.lock under T still held (flock -n).
# Prints "ok NN-name (Ns)" or "FAIL NN-name (Ns)" plus the test's output,
# then "N passed, N failed"; exits 1 when anything failed.
# RD_VERBOSE=1 shows every test's output; RD_KEEP=1 keeps T of failed tests.
# The suite's runs share one initdb template cache (RESTOREDRILL_CACHE_DIR,
# a private temp dir removed at the end).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export RESTOREDRILL=${RESTOREDRILL:-$ROOT/build/restoredrill}
FILTER=${1:-}
TIMEOUT=${RD_TEST_TIMEOUT:-150}

case $RESTOREDRILL in /*) ;; *) RESTOREDRILL=$PWD/$RESTOREDRILL ;; esac
if [ ! -x "$RESTOREDRILL" ]; then
    echo "run.sh: no restoredrill binary at '$RESTOREDRILL' (run make, or set RESTOREDRILL)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
for tool in jq flock pgrep timeout pg_dump; do
    command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: $tool is missing (ci/install-deps)" >&2; exit 1; }
done


# One initdb template cache for the whole suite (restore/target/
# cluster_template.c): the tests share it as runs on one host do, and never
# write to /var/cache.  Test 82 makes its own.
RD_SUITE_CACHE=$(mktemp -d /tmp/rdt-cache.XXXXXX)
chmod 0700 "$RD_SUITE_CACHE"
export RESTOREDRILL_CACHE_DIR=${RESTOREDRILL_CACHE_DIR:-$RD_SUITE_CACHE}
trap 'rm -rf "$RD_SUITE_CACHE"' EXIT

passed=0
failed=0
suite_start=$(date +%s)
shopt -s nullglob
for test in "$HERE"/[0-9][0-9]-*.sh; do
    name=$(basename "$test" .sh)
    if [ -n "$FILTER" ] && [[ $name != *"$FILTER"* ]]; then
        continue
    fi
    T=$(mktemp -d /tmp/rdt.XXXXXX)
    chmod 0755 "$T"
    log=$(mktemp /tmp/rdt-log.XXXXXX)
    start=$(date +%s)
    (cd "$ROOT" && T=$T TMPDIR=$T timeout -k 10 "$TIMEOUT" bash "$test") >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    [ $rc -ne 124 ] || echo "FAIL: test timed out after ${TIMEOUT}s" >>"$log"

    # Leftovers.  Give exiting processes a moment to be reaped.
    left=
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        left=$(pgrep -f -- "$T" | grep -v '^$')
        [ -n "$left" ] || break
        sleep 0.2
    done
    problems=()
    if [ -n "$left" ]; then
        problems+=("processes left behind:")
        while read -r pid; do
            problems+=("  $(ps -o pid=,user=,args= -p "$pid" 2>/dev/null | cut -c1-200)")
        done <<<"$left"
    fi
    while IFS= read -r -d '' d; do
        problems+=("left behind in T: ${d#"$T"/}")
    done < <(find "$T" -name 'restoredrill-*' -print0 2>/dev/null)
    while IFS= read -r -d '' l; do
        flock -n "$l" true 2>/dev/null || problems+=("lock still held: ${l#"$T"/}")
    done < <(find "$T" -name '*.lock' -type f -print0 2>/dev/null)

    if [ $rc -eq 0 ] && [ ${#problems[@]} -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok $name (${secs}s)"
        [ -z "${RD_VERBOSE:-}" ] || sed 's/^/    /' "$log"
    else
        failed=$((failed + 1))
        echo "FAIL $name (${secs}s)"
        sed 's/^/    /' "$log"
        for p in "${problems[@]}"; do echo "    FAIL: nothing-left-behind: $p"; done
        [ $rc -ne 0 ] || echo "    (the test itself passed; the leftovers above failed it)"
    fi
    rm -f "$log"
    # Do not let one test's leftovers break the next: end them (by pid).
    if [ -n "$left" ]; then
        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <<<"$left"
        sleep 0.5
    fi
    if [ -n "${RD_KEEP:-}" ] && { [ $rc -ne 0 ] || [ ${#problems[@]} -ne 0 ]; }; then
        echo "    (kept $T)"
    else
        rm -rf "$T"
    fi
done

if [ $((passed + failed)) -eq 0 ]; then
    echo "run.sh: no test matches '${FILTER}'" >&2
    failed=1
fi
echo "# integration suite: $(($(date +%s) - suite_start))s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
