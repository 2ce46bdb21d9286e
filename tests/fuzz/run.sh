#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS BIN...: run each libFuzzer target for SECONDS on a
# temp copy of its seeds (tests/fuzz/seeds/<target without fuzz_>/); exit 1,
# naming the target and showing the crash input as hex, if any target fails.
set -u

if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS BIN..." >&2
    exit 2
fi
secs=$1
shift
seeds=$(cd "$(dirname "$0")" && pwd)/seeds

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    target=${name#fuzz_}
    dir=$tmp/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    if [ ! -x "$bin" ]; then
        echo "fuzz: $target: FAILED: '$bin' is not an executable" >&2
        failed=$((failed + 1))
        continue
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
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    echo "fuzz: $target: FAILED (exit $rc)" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -n 5 >&2
    if [ -z "$artifacts" ]; then
        tail -n 20 "$dir/log" >&2
    fi
    for f in $artifacts; do
        echo "fuzz: $target: $(basename "$f") ($(wc -c <"$f") bytes):" >&2
        od -A d -t x1 -v "$f" | head -n 64 >&2
    done
done

echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
