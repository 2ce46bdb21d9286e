#!/usr/bin/env bash
# 67: borg: sources against a real borg repository made here: the newest
# archive by the pattern's time (tarsnapper-style names, one with shell
# syntax and a newline in it) or by borg's own time (run under TZ=UTC whatever ours is),
# path with or without its leading '/', a wrong passphrase, a path the
# archive does not hold (borg's exit 1 with empty output is a failure, not
# an empty dump), an empty repository.
. "$(dirname "$0")/lib.sh"

command -v borg >/dev/null || { echo "FAIL: borg is not installed (ci/install-deps --test)"; exit 1; }
seed_start
SRC=$T/src/pg
mkdir -p "$SRC"
make_dump "$T/good.dump"
seed_stop
export BORG_PASSPHRASE='c0rrect-h0rse-borg' BORG_BASE_DIR=$T/borgbase
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
must borg init --encryption=repokey-blake2 "$T/repo"
arc() { # arc NAME TIME FILE
    cp "$3" "$SRC/app.dump"
    must borg create --timestamp "$2" "$T/repo::$1" "$SRC"
}
printf 'not a dump\n' >"$T/junk"
# (borg itself refuses a name that is not UTF-8: msgpack's "surrogates not allowed")
HOSTILE=$(printf '%s\n%s' 'pg-20261124-0300; $(touch PWNED)' '`touch PWNED2`')
arc pg-20261120-0300 2026-11-20T03:00:00 "$T/junk"
arc pg-20261122-0300 2026-11-26T03:00:00 "$T/good.dump" # newest by borg's time
arc "$HOSTILE" 2026-11-24T03:00:00 "$T/good.dump"        # newest by name
arc pg-20261123-0300 2026-11-23T03:00:00 "$T/junk"

cd "$T" || fail "cd $T"
M=$T/metrics.prom
job_conf bg "borg:$T/repo" "path = $SRC/app.dump" 'pattern = pg-%Y%m%d-%H%M*'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$HOSTILE"
assert_json "$R" .archive.created_at 2026-11-24T03:00:00Z
assert_no_file "$T/PWNED"
assert_no_file "$T/PWNED2"

# no pattern: borg's own time, read as UTC although our TZ is not
job_conf bt "borg:$T/repo" "path = ${SRC#/}/app.dump"
TZ=America/New_York run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name pg-20261122-0300
assert_json "$R" .archive.created_at 2026-11-26T03:00:00Z

# borg: alone reads BORG_REPO
BORG_REPO=$T/repo run_rd list --source borg: --path "$SRC/app.dump" --json
assert_exit 0
jq -e '.archives | length == 4' "$RD_OUT" >/dev/null || fail "list should show 4 archives: $(head -c 400 "$RD_OUT")"

# a wrong passphrase: borg's message, no secret
BORG_PASSPHRASE=wrong-pass-xyz run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | test("passphrase"; "i")' "borg's message"
assert_not_contains "$R" wrong-pass-xyz
assert_not_contains "$R" c0rrect-h0rse

# a path the archive does not hold: borg exits 1 with no output
job_conf nopath "borg:$T/repo" "path = $SRC/other.dump"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | contains("never matched") and contains("exit code 1")' "borg's exit 1"
assert_json "$R" .error.stage fetch
assert_json_true "$R" '.archive.fetch_stderr_tail | contains("never matched")' "fetch_stderr_tail"

# an empty repository
must borg init --encryption=none "$T/empty"
job_conf empty "borg:$T/empty" "path = $SRC/app.dump"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

# config: path is required
job_conf c1 "borg:$T/repo"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "needs path ="
job_conf c2 "borg:$T/repo" "path = $SRC/app.dump" "checksum = sha256"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "checksum reads a sidecar file"
