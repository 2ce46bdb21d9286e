#!/usr/bin/env bash
# 15: the man page and docs/errors.md stay in step with the binary: every
# long option of every command's --help is in restoredrill(1), and every
# error code the report schema allows has a row in docs/errors.md, and
# ci/examples/ are valid (promtool check rules, YAML, sh -n).
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$ROOT/docs/restoredrill.1
man_text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN")
for cmd in verify list lint probe; do
    run_rd "$cmd" --help
    assert_exit 0
    # options are the lines that start with one ("  -c, --config FILE", "      --keep")
    for opt in $(grep -oE -- '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' "$RD_OUT" | grep -oE -- '--[a-z-]+' | sort -u); do
        grep -qF -- "$opt" <<<"$man_text" || fail "'$opt' of '$cmd --help' is not in docs/restoredrill.1"
    done
done
for code in $(jq -r '.. | objects | select(has("enum")) | .enum[]' "$ROOT/docs/report.schema.json" |
              grep -E '^[a-z]+(_[a-z]+)+$|^(usage|locked|internal|interrupted)$' | sort -u); do
    grep -q "^| \`$code\`" "$ROOT/docs/errors.md" || fail "error code '$code' has no row in docs/errors.md"
done

# ci/examples/ stay valid: the Prometheus rules load (they use our metric
# names), the YAML parses, the hook scripts are sound sh.
EX=$ROOT/ci/examples
if promtool check rules "$EX/prometheus-rules.yml" >"$T/rules.out" 2>&1; then
    for m in $(grep -oE 'restoredrill_[a-z_]+' "$EX/prometheus-rules.yml" | sort -u); do
        grep -q "\"$m\"\|$m" "$ROOT/reports/metrics.c" || fail "prometheus-rules.yml uses '$m', which reports/metrics.c does not write"
    done
else
    fail "promtool check rules ci/examples/prometheus-rules.yml: $(cat "$T/rules.out")"
fi
for y in "$EX"/*.yml; do
    /usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$y" 2>"$T/yaml.err" ||
        fail "$(basename "$y") is not valid YAML: $(tail -1 "$T/yaml.err")"
done
for h in "$EX"/alert-*; do
    sh -n "$h" || fail "$(basename "$h") is not valid sh"
    [ -x "$h" ] || fail "$(basename "$h") is not executable"
done

# The layout rules the README's "How the code is laid out" states: parts do
# not include the face or the pipeline, utilities include no domain header,
# and every folder the map names exists (and every source folder is named).
cd "$ROOT" || fail "cd $ROOT"
bad=$(grep -rn '#include "verifier/[a-z_]*\.h"' restore probes reports 2>/dev/null)
[ -z "$bad" ] || fail "a part includes a header of the face or the pipeline: $bad"
bad=$(grep -rn '#include "' verifier/util | grep -v '#include "verifier/util/')
[ -z "$bad" ] || fail "verifier/util/ includes a domain header: $bad"
map=$(sed -n '/^## How the code is laid out/,/^## /p' README.md)
for d in $(grep -oE '^[a-z][a-z/-]*/' <<<"$map"); do
    [ -d "$d" ] || fail "README's layout names '$d', which does not exist"
done
for d in $(find verifier restore probes reports -name '*.c' -printf '%h/\n' | sort -u); do
    grep -qE "^$d " <<<"$map" || fail "source folder '$d' is not in README's layout"
done
