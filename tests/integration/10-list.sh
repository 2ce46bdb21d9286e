#!/usr/bin/env bash
# 10: restoredrill list (no restore): plain output names the archives in
# time order, --json has archives[]{name,created_at,age_s,size_bytes},
# newest and gaps[]; --max-age makes an old newest archive critical (2); an
# empty folder is 2.
. "$(dirname "$0")/lib.sh"

PAT='app_%Y%m%d-%H%M*'
a1=app_$(ts_name %Y%m%d-%H%M 259200).dump   # 3 days ago
a2=app_$(ts_name %Y%m%d-%H%M 172800).dump   # 2 days ago
a3=app_$(ts_name %Y%m%d-%H%M 86400).dump    # 1 day ago: newest
head -c 1000 /dev/urandom >"$BACKUPS/$a1"
head -c 2000 /dev/urandom >"$BACKUPS/$a2"
head -c 3000 /dev/urandom >"$BACKUPS/$a3"
set_mtime_ago "$BACKUPS/$a1" 10   # mtimes in the opposite order: names rule
set_mtime_ago "$BACKUPS/$a2" 20
set_mtime_ago "$BACKUPS/$a3" 30
echo x >"$BACKUPS/unrelated.txt"

run_rd list --source "$BACKUPS" --pattern "$PAT"
assert_exit 0
for a in "$a1" "$a2" "$a3"; do assert_contains "$RD_OUT" "$a"; done
assert_not_contains "$RD_OUT" unrelated.txt
l1=$(grep -nF "$a1" "$RD_OUT" | head -n1 | cut -d: -f1)
l2=$(grep -nF "$a2" "$RD_OUT" | head -n1 | cut -d: -f1)
l3=$(grep -nF "$a3" "$RD_OUT" | head -n1 | cut -d: -f1)
if ! { [ "${l1:-0}" -lt "${l2:-0}" ] && [ "${l2:-0}" -lt "${l3:-0}" ]; } &&
    ! { [ "${l1:-0}" -gt "${l2:-0}" ] && [ "${l2:-0}" -gt "${l3:-0}" ]; }; then
    fail "list should print the archives in time order (lines: $a1=$l1 $a2=$l2 $a3=$l3)"
fi

run_rd list --source "$BACKUPS" --pattern "$PAT" --json
assert_exit 0
J=$T/list.json
cp "$RD_OUT" "$J"
assert_json "$J" '.archives | length' 3
assert_json "$J" '[.archives[].name] | sort | join(",")' "$a1,$a2,$a3"
assert_json_true "$J" 'all(.archives[]; has("name") and has("created_at") and has("age_s") and has("size_bytes"))' \
    "every archive has name, created_at, age_s, size_bytes"
assert_json "$J" ".archives[] | select(.name == \"$a2\") | .size_bytes" 2000
assert_json_true "$J" ".archives[] | select(.name == \"$a3\") | .age_s >= 86340 and .age_s < 86500" \
    "age_s of the newest is about 1 day"
assert_json "$J" '.newest | if type == "object" then .name else . end' "$a3"
assert_json "$J" '.gaps' '[]'
assert_json "$J" '.gaps | type' array
created=$(jq -r ".archives[] | select(.name == \"$a3\") | .created_at" "$J")
want=$(echo "$a3" | sed -E 's/app_([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2})([0-9]{2}).*/\1-\2-\3 \4:\5:00/')
[ "$(date -u -d "$created" +%s 2>/dev/null)" = "$(date -u -d "$want" +%s)" ] \
    || fail "created_at of $a3 should be its name time $want UTC (got $created)"

run_rd list --source "$BACKUPS" --pattern "$PAT" --max-age 1h
assert_exit 2
run_rd list --source "$BACKUPS" --pattern "$PAT" --max-age 2d
assert_exit 0

E=$T/empty
mkdir -p "$E"
run_rd list --source "$E"
assert_exit 2
cat "$RD_OUT" "$RD_ERR" >"$T/empty.txt"
assert_matches "$T/empty.txt" 'archive_not_found|[Nn]o archive'
run_rd list --source "$E" --json
assert_exit 2
if [ -s "$RD_OUT" ]; then
    cp "$RD_OUT" "$T/empty.json"
    assert_json "$T/empty.json" '.archives | length' 0
fi
