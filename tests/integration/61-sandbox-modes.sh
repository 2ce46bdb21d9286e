#!/usr/bin/env bash
# 61: sandbox = auto | required | off, and a missing bwrap.
#   A. default (auto) with bwrap: restore.sandbox "bwrap", no reason, ok;
#   B. sandbox = required, bwrap not on PATH: exit 3 sandbox_unavailable
#      at stage preflight, the message names bwrap and the package, nothing
#      restored, no temp dir left;
#   C. sandbox = auto, bwrap not on PATH: ok (0) but restore.sandbox "none",
#      sandbox_reason names bwrap, a note and a log line say so;
#   D. sandbox = off: "none", reason "sandbox = off", no note;
#   E. an invalid value: config_invalid naming the choices (verify and lint);
#   F. --dry-run says the sandbox too.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app_20260101-0000.dump

# A PATH with everything the run needs but bwrap.
NOBW=$T/nobwrap
mkdir -p "$NOBW"
for f in /usr/bin/* /bin/*; do
    b=$(basename "$f")
    [ "$b" = bwrap ] || [ -e "$NOBW/$b" ] || ln -s "$f" "$NOBW/$b" 2>/dev/null
done

# ------------------------------------------------------------ A. default
R=$T/a.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .restore.sandbox bwrap
assert_json "$R" .restore.sandbox_reason null

# ---------------------------------------- B. required, bwrap unavailable
R=$T/b.json
PATH=$NOBW run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" --sandbox required
assert_report "$R" 3 unknown sandbox_unavailable
assert_json "$R" .error.stage preflight
assert_json_true "$R" '.error.message | test("bwrap") and test("apt-get install bubblewrap")' "the message names bwrap and its package"
assert_stage "$R" restore skipped
assert_json "$R" .restore.database null
[ -z "$(ls -A "$T" | grep '^restoredrill-')" ] || fail "a temp dir was left in $T"
assert_contains "$RD_OUT" "sandbox_unavailable"

# ---------------------------------------------- C. auto, bwrap unavailable
R=$T/c.json
PATH=$NOBW run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .restore.sandbox none
assert_json_true "$R" '.restore.sandbox_reason | test("bwrap")' "sandbox_reason names bwrap"
assert_json_true "$R" '[.notes[] | select(test("no sandbox"))] | length == 1' "a note says the run had no sandbox"
assert_contains "$RD_ERR" "without a sandbox"

# ----------------------------------------------------------------- D. off
R=$T/d.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" --sandbox off
assert_report "$R" 0 ok null
assert_json "$R" .restore.sandbox none
assert_json "$R" .restore.sandbox_reason "sandbox = off"
assert_json_true "$R" '[.notes[] | select(test("no sandbox"))] | length == 0' "no note when off was asked for"

# --------------------------------------------------------- E. bad value
R=$T/e.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" --sandbox maybe
assert_exit 3
assert_contains "$RD_ERR" "invalid sandbox 'maybe' (use one of: auto, required, off)"
printf '[defaults]\nsandbox = sometimes\n[job a]\nsource = %s\n' "$BACKUPS" >"$T/bad.conf"
run_rd lint -c "$T/bad.conf"
assert_exit 3
assert_contains "$RD_ERR" "bad.conf:2: invalid sandbox 'sometimes'"

# ------------------------------------------------------------- F. dry run
R=$T/f.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" --dry-run
assert_report "$R" 0 ok null
assert_json "$R" .restore.sandbox bwrap
