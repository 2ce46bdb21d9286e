#!/usr/bin/env bash
# 28: a custom dump whose header declares an archive version newer than any
# pg_restore we know (1.99; also 2.0), forged from a real pg_dump -Fc file
# (its other header fields keep the real 1.14 layout, which the 1.15+ layout
# misreads): exit 3 unknown tool_too_old naming the version, never
# format_unknown ("corrupt header"); the same under --dry-run, also
# gzip-compressed; the real dump is still ok.
. "$(dirname "$0")/lib.sh"

S=$BACKUPS
mkdir -p "$T/reports"
seed_start
make_dump real.custom
forge() { # SRC DST MAJOR MINOR
    cp "$1" "$2"
    printf "$(printf '\\%03o\\%03o' "$3" "$4")" | dd of="$2" bs=1 seek=5 conv=notrunc status=none
}
forge "$DUMP" "$S/v199.custom" 1 99
forge "$DUMP" "$S/v20.custom" 2 0
gzip -c "$S/v199.custom" >"$S/v199.custom.gz"
[ "$(head -c 7 "$S/v199.custom" | tail -c 2 | od -An -tu1 | tr -s ' ')" = " 1 99" ] || fail "fixture: forged version bytes"

verify() { # NAME [ARGS...]
    local name=$1
    shift
    R=$T/reports/$name$RD_N.json
    run_rd verify --source "$S" --archive "$name" --report "$R" --state-dir "$STATE" "$@"
}
for a in v199.custom v199.custom.gz v20.custom; do
    for dry in "" --dry-run; do
        verify "$a" $dry
        assert_report "$R" 3 unknown tool_too_old
        assert_stage "$R" preflight unknown
        case $a in
        v20*) v=2.0 ;;
        *) v=1.99 ;;
        esac
        assert_json "$R" .archive.dump_version "$v"
        assert_json "$R" ".error.message | test(\"archive format $v\")" true
        assert_not_contains "$R" "corrupt header"
    done
done
verify real.custom
assert_report "$R" 0 ok null
