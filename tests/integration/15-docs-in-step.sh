#!/usr/bin/env bash
# 15: the man page and docs/errors.md stay in step with the binary: every
# long option of every command's --help is in restoredrill(1), and every
# error code the report schema allows has a row in docs/errors.md.
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
