#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS BIN...: run each libFuzzer target for SECONDS on a
# temp copy of its seeds (tests/fuzz/seeds/<target without fuzz_>/), FUZZ_JOBS
# targets at a time (default 2: the CI machine's cores); exit 1, naming the
# target and showing the crash input as hex, if any target fails.
set -u

if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS BIN..." >&2
    exit 2
fi
secs=$1
shift
jobs=${FUZZ_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: FUZZ_JOBS must be a number >= 1" >&2
    exit 2
fi
seeds=$(cd "$(dirname "$0")" && pwd)/seeds

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# One target: its verdict into $dir/out, 0 or 1 into $dir/rc.
run_one() {
    local bin=$1 name target dir rc runs artifacts
    name=$(basename "$bin")
    target=${name#fuzz_}
    dir=$tmp/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    exec >"$dir/out" 2>&1
    if [ ! -x "$bin" ]; then
        echo "fuzz: $target: FAILED: '$bin' is not an executable"
        echo 1 >"$dir/rc"
        return
    fi
    if [ -d "$seeds/$target" ]; then
        cp -- "$seeds/$target"/* "$dir/corpus/" 2>/dev/null
    fi
    # -timeout: an input that takes this long counts as a failure (hang).
    "$bin" -max_total_time="$secs" -timeout=10 -artifact_prefix="$dir/artifacts/" \
        -print_final_stats=0 "$dir/corpus" >"$dir/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/log" | tail -n 1)
    artifacts=$(find "$dir/artifacts" -type f | sort)
    if [ $rc -eq 0 ] && [ -z "$artifacts" ]; then
        echo "fuzz: $target: ok, ${runs:-?} runs in ${secs}s, corpus $(find "$dir/corpus" -type f | wc -l)"
        echo 0 >"$dir/rc"
        return
    fi
    echo "fuzz: $target: FAILED (exit $rc)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -n 5
    if [ -z "$artifacts" ]; then
        tail -n 20 "$dir/log"
    fi
    for f in $artifacts; do
        echo "fuzz: $target: $(basename "$f") ($(wc -c <"$f") bytes):"
        od -A d -t x1 -v "$f" | head -n 64
    done
    echo 1 >"$dir/rc"
}

# Show a finished target's verdict (failures on stderr).
report() {
    local dir=$tmp/$1
    if [ "$(cat "$dir/rc" 2>/dev/null)" = 0 ]; then
        cat "$dir/out"
    else
        cat "$dir/out" >&2
    fi
}

targets=()
running=0
for bin in "$@"; do
    name=$(basename "$bin")
    targets+=("${name#fuzz_}")
    run_one "$bin" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
    report "$t"
    if [ "$(cat "$tmp/$t/rc" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
