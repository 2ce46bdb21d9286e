#!/usr/bin/env bash
# 14: hostile archive names (invalid UTF-8, a newline, shell syntax, quotes)
# never break the report or the list: the JSON stays valid (invalid bytes
# become U+FFFD), nothing is executed, and the verdict is still right.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump good.dump
seed_stop

# Each hostile name holds a copy of a good dump, restored one at a time.
names=("$(printf 'caf\xe9 \xff.dump')" "$(printf 'new\nline.dump')"
       '$(touch PWNED).dump' "it's \"quoted\" ;ls.dump")
i=0
for n in "${names[@]}"; do
    i=$((i + 1))
    D=$T/h$i
    mkdir -p "$D"
    cp "$BACKUPS/good.dump" "$D/$n"
    R=$T/h$i.json
    cd "$T" || fail "cd $T" # a '$(touch PWNED)' would land here
    run_rd verify --source "$D" --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
    got=$(jq -r .archive.name "$R")
    case $i in
    1) [ "$got" = "$(printf 'caf\xef\xbf\xbd \xef\xbf\xbd.dump')" ] ||
           fail "invalid UTF-8 should become U+FFFD (got '$got')" ;;
    *) [ "$got" = "$n" ] || fail "name changed: expected '$n', got '$got'" ;;
    esac
    run_rd list --source "$D" --json
    assert_exit 0
    jq -e '.archives | length == 1' "$RD_OUT" >/dev/null ||
        fail "list --json of '$n' is not valid JSON with one archive: $(head -c 300 "$RD_OUT")"
done
assert_no_file "$T/PWNED"
assert_no_file "$BACKUPS/PWNED"

# A non-UTF-8 name on a broken archive still gets its error into the report.
D=$T/broken
mkdir -p "$D"
head -c 100 "$BACKUPS/good.dump" >"$D/$(printf 'bad\xe9.dump')"
R=$T/broken.json
run_rd verify --source "$D" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_truncated
jq -e '.error.message | test("bad\ufffd.dump")' "$R" >/dev/null ||
    fail "error message lost or not sanitised: $(jq -c .error "$R")"
