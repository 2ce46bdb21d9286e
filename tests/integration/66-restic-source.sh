#!/usr/bin/env bash
# 66: restic: sources against a real restic repository made here.  Snapshots
# at several times, tags and hosts: the newest one that holds `path` and
# matches restic_tag/restic_host is restored, pinned by its id (a newer
# snapshot of another path, as `restic dump latest` would take, is not).
# Also: a wrong password (restic's message in the error, no secret in the
# report), an empty repository, pattern refused, a path no snapshot holds.
. "$(dirname "$0")/lib.sh"

command -v restic >/dev/null || { echo "FAIL: restic is not installed (ci/install-deps --test)"; exit 1; }
seed_start
SRC=$T/src/pg
mkdir -p "$SRC"
make_dump "$T/good.dump"
seed_stop
echo 'Tr0ub4dor&3-restic' >"$T/pw"
echo 'wrong-password-xyz' >"$T/badpw"
export RESTIC_REPOSITORY=$T/repo RESTIC_PASSWORD_FILE=$T/pw RESTIC_CACHE_DIR=$T/cache
must restic init -q
snap() { # snap TIME HOST TAG FILE-CONTENT-SOURCE
    cp "$4" "$SRC/app.dump"
    must restic backup -q --time "$1" --host "$2" --tag "$3" "$SRC"
}
printf 'not a dump\n' >"$T/junk"
snap '2026-11-20 03:00:00' ci pg "$T/junk"       # older: would fail
snap '2026-11-22 03:00:00' ci pg "$T/good.dump"  # the one to restore
snap '2026-11-23 03:00:00' ci other "$T/junk"    # newer, another tag
snap '2026-11-24 03:00:00' laptop pg "$T/junk"   # newer, another host
# the newest snapshot of all holds another path only
must sh -c 'printf "select 1;\n" | restic backup -q --time "2026-11-25 03:00:00" --host ci --tag pg --stdin --stdin-filename db.sql'
WANT=$(restic snapshots --json --host ci --tag pg | jq -r "map(select(.paths == [\"$SRC\"])) | max_by(.time) | .id")
[ -n "$WANT" ] || fail "no snapshot id found"

M=$T/metrics.prom
job_conf rs "restic:$T/repo" "path = $SRC/app.dump" "restic_tag = pg" "restic_host = ci"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$WANT"
assert_json "$R" .archive.created_at 2026-11-22T03:00:00Z
assert_json "$R" .archive.source "restic:$T/repo"

# restic: with no repository after the colon reads RESTIC_REPOSITORY
job_conf env restic: "path = $SRC/app.dump" "restic_tag = pg" "restic_host = ci"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$WANT"

# list: only the snapshots that pass the filters
job_conf ls "restic:$T/repo" "path = $SRC/app.dump" "restic_tag = pg"
run_rd list --config "$C" --json
assert_exit 0
jq -e '.archives | length == 3' "$RD_OUT" >/dev/null || fail "list should show 3 snapshots with tag pg holding the path: $(head -c 600 "$RD_OUT")"

# without restic_host the laptop's newer snapshot is taken (and is junk)
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical format_unknown

# a wrong password: restic's own words, no secret anywhere
RESTIC_PASSWORD_FILE=$T/badpw run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | contains("wrong password")' "restic's message"
assert_not_contains "$R" "wrong-password-xyz"
assert_not_contains "$R" "Tr0ub4dor"
assert_not_contains "$RD_ERR" "wrong-password-xyz"

# a path no snapshot holds: archive_not_found, naming the source
job_conf np "restic:$T/repo" "path = /nowhere/app.dump"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

# an empty repository
export RESTIC_REPOSITORY=$T/empty
must restic init -q
job_conf empty "restic:$T/empty" "path = $SRC/app.dump"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

# config: pattern means nothing; path is required and absolute
job_conf c1 "restic:$T/repo" "path = $SRC/app.dump" 'pattern = app_%Y*'
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "pattern means nothing for a restic: source"
job_conf c2 "restic:$T/repo"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "needs path ="
job_conf c3 "restic:$T/repo" "path = src/app.dump"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "path must be absolute for restic"
