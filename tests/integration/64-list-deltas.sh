#!/usr/bin/env bash
# 64: list --deltas, the retention audit (tarsnapper's schedules), on folders of
# empty files whose names carry their times (tarsnapper's app-%Y%m%d-%H%M%S):
#   A. 400 days of nightly archives thinned exactly as tarsnapper's expire
#      would keep them for 1d 7d 30d 365d (tarsnapper-expire.py): no gap,
#      exit 0 ("retention: no gap"), --json gaps [];
#      likewise for the other schedules of tarsnapper's README over 200 days
#      of hourly archives;
#   B. the same minus one weekly archive 2-3 weeks back: exit 1 (warning),
#      one gap naming the archives on both sides and expected_s 604800, in
#      the text and in --json;
#   C. B with the newest archive 3 days old and --max-age 26h: exit 2
#      (archive_too_old), the gap still listed;
#   D. a history of 10 days only, daily: no gap for the older generations
#      (a history that does not reach back that far yet is no gap);
#   E. the deltas key in a config file; the words stop at the next option;
#      bad schedules are config_invalid naming the word (also in lint).
. "$(dirname "$0")/lib.sh"

NOW=$(date -u +%s)
NOW=$((NOW - NOW % 3600 - 1800)) # half past the last hour: names at whole minutes
PAT='app-%Y%m%d-%H%M%S'
D="86400 604800 2592000 31536000"
name_of() { date -u -d "@$1" "+app-%Y%m%d-%H%M%S"; }
mk_folder() { # DIR < epochs
    rm -rf "$1"
    mkdir -p "$1"
    while read -r t; do printf x >"$1/$(name_of "$t")"; done
}

# A. 400 nights at 03:00, thinned by tarsnapper's rule.
all=$T/all.txt
for i in $(seq 0 399); do echo $((NOW - i * 86400)); done >"$all"
python3 "$RD_ROOT/tests/integration/tarsnapper-expire.py" "$NOW" $D <"$all" >"$T/kept.txt" \
    || { fail "tarsnapper-expire.py failed"; exit 1; }
note "tarsnapper keeps $(wc -l <"$T/kept.txt") of 400"
mk_folder "$T/a" <"$T/kept.txt"
run_rd list --source "$T/a" --pattern "$PAT" --deltas 1d 7d 30d 365d
assert_exit 0
assert_contains "$RD_OUT" "retention: no gap against deltas '1d 7d 30d 365d'"
run_rd list --source "$T/a" --pattern "$PAT" --deltas 1d 7d 30d 365d --json
assert_exit 0
jq -e '.gaps == [] and .status == "ok"' "$RD_OUT" >/dev/null || fail "A: --json should have no gaps: $(jq -c .gaps "$RD_OUT")"

# A2. other schedules from tarsnapper's README, over 200 days of hourly
# archives: what tarsnapper keeps has no gap for restoredrill either.
for i in $(seq 0 4799); do echo $((NOW - i * 3600)); done >"$T/hourly.txt"
for sched in "1h 1d 7d" "6h 7d 31d" "1h 6h 1d 7d 24d 180d" "1h 1d 30d 90d 360d"; do
    secs=$(for w in $sched; do
        n=${w%?}
        case $w in *h) echo $((n * 3600)) ;; *d) echo $((n * 86400)) ;; esac
    done)
    # shellcheck disable=SC2086
    python3 "$RD_ROOT/tests/integration/tarsnapper-expire.py" "$NOW" $secs <"$T/hourly.txt" |
        mk_folder "$T/a2"
    # shellcheck disable=SC2086
    run_rd list --source "$T/a2" --pattern "$PAT" --deltas $sched
    assert_exit 0
    grep -q 'gap:' "$RD_OUT" && fail "A2: '$sched': a gap in what tarsnapper keeps: $(grep 'gap:' "$RD_OUT" | head -n 2)"
done

# B. one weekly archive missing (the kept one 14-21 days back).
gone=$(awk -v now="$NOW" '$1 <= now - 14*86400 && $1 > now - 21*86400' "$T/kept.txt" | head -n 1)
[ -n "$gone" ] || { fail "fixture: no archive 14-21 days back"; exit 1; }
grep -vx "$gone" "$T/kept.txt" >"$T/b.txt"
mk_folder "$T/b" <"$T/b.txt"
before=$(awk -v g="$gone" '$1 < g' "$T/b.txt" | sort -n | tail -n 1)
after=$(awk -v g="$gone" '$1 > g' "$T/b.txt" | sort -n | head -n 1)
run_rd list --source "$T/b" --pattern "$PAT" --deltas 1d 7d 30d 365d
assert_exit 1
want="gap: no archive between $(date -u -d "@$before" +%Y-%m-%dT%H:%M:%SZ) and $(date -u -d "@$after" +%Y-%m-%dT%H:%M:%SZ) (the schedule keeps one every 7d there)"
assert_contains "$RD_OUT" "$want"
[ "$(grep -c 'gap:' "$RD_OUT")" = 1 ] || fail "B: exactly one gap expected: $(grep 'gap:' "$RD_OUT")"
run_rd list --source "$T/b" --pattern "$PAT" --deltas 1d 7d 30d 365d --json
assert_exit 1
jq -e --arg f "$(date -u -d "@$before" +%Y-%m-%dT%H:%M:%SZ)" --arg t "$(date -u -d "@$after" +%Y-%m-%dT%H:%M:%SZ)" \
    '.status == "warning" and (.gaps | length) == 1 and .gaps[0].from == $f and .gaps[0].to == $t and .gaps[0].expected_s == 604800 and .error == null' \
    "$RD_OUT" >/dev/null || fail "B: --json gaps: $(jq -c '{status, gaps}' "$RD_OUT")"

# C. B, three days older: the newest is stale (critical), the gap is still there.
awk '{ print $1 - 3*86400 }' "$T/b.txt" | mk_folder "$T/c"
run_rd list --source "$T/c" --pattern "$PAT" --deltas 1d 7d 30d 365d --max-age 26h
assert_exit 2
assert_contains "$RD_OUT" "archive_too_old"
assert_contains "$RD_OUT" "gap: no archive between"

# D. ten nights only.
for i in $(seq 0 9); do echo $((NOW - i * 86400)); done | mk_folder "$T/d"
run_rd list --source "$T/d" --pattern "$PAT" --deltas 1d 7d 30d 365d
assert_exit 0
# ... but a missing night among them is a gap of the daily generation.
rm "$T/d/$(name_of $((NOW - 2 * 86400)))"
run_rd list --source "$T/d" --pattern "$PAT" --deltas 1d 7d 30d 365d
assert_exit 1
assert_contains "$RD_OUT" "(the schedule keeps one every 1d there)"

# E. the config key; words stop at an option; bad schedules.
printf '[job app]\nsource = %s\npattern = %s\ndeltas = 365d 30d 7d 1d\n' "$T/b" "$PAT" >"$T/e.conf"
run_rd list -c "$T/e.conf"
assert_exit 1
assert_contains "$RD_OUT" "the schedule keeps one every 7d there"
run_rd list --source "$T/a" --deltas 1d 7d --pattern "$PAT" --max-age 2d
assert_exit 0
run_rd list --source "$T/a" --pattern "$PAT" --deltas 1d
assert_exit 3
assert_contains "$RD_ERR" "--deltas: invalid deltas '1d': at least two durations are needed"
run_rd list --source "$T/a" --pattern "$PAT" --deltas 1d 7w
assert_exit 3
assert_contains "$RD_ERR" "'7w' is not a duration above zero"
printf '[job app]\nsource = %s\ndeltas = 1d 1d\n' "$T/a" >"$T/bad.conf"
run_rd lint -c "$T/bad.conf"
assert_exit 3
assert_contains "$RD_ERR" "bad.conf:3: invalid deltas '1d 1d': the same duration twice"
