#!/usr/bin/env bash
# 09: config and usage errors.  `lint -c FILE` exits 3 and names FILE:LINE;
# `verify -c FILE` exits 3 with error.code config_invalid and restores
# nothing.  Bad flags, unknown commands exit 3; --help/--version exit 0.
# A good config (with ';' and '#' inside a value) lints clean and verifies ok.
. "$(dirname "$0")/lib.sh"

seed_start
n='app;x#1_'$(ts_name %Y%m%d-%H%M 60).dump
make_dump "$n"
seed_stop
mkdir -p "$STATE"

# ---- a good config: comments, ';' and '#' inside a value survive
GOOD=$T/good.conf
cat >"$GOOD" <<CONF
# a comment
; another comment
[defaults]
target = ephemeral
state_dir = $STATE

[job app]
source = $BACKUPS
pattern = app;x#1_%Y%m%d-%H%M*
max_archive_age = 26h
CONF
run_rd lint -c "$GOOD"
assert_exit 0
R=$T/good.json
run_rd verify -c "$GOOD" --report "$R"
assert_report "$R" 0 ok null
assert_json "$R" .job app
assert_json "$R" .archive.name "$n"

# ---- bad configs: NAME LINE CONTENT
bad_config() { # NAME LINE: the config is on stdin
    local name=$1 line=$2 F=$T/$1.conf R=$T/$1.json
    cat >"$F"
    run_rd lint -c "$F"
    assert_exit 3
    assert_contains "$RD_ERR" "$(basename "$F"):$line"
    run_rd verify -c "$F" --report "$R"
    assert_report "$R" 3 unknown config_invalid
    local st
    st=$(stage_status "$R" restore)
    case $st in skipped | missing) ;; *) fail "$name: stage restore should not have run (got $st)" ;; esac
}

bad_config unknown-key 8 <<CONF
[defaults]
target = ephemeral
state_dir = $STATE

[job app]
source = $BACKUPS
pattern = app;x#1_%Y%m%d-%H%M*
frobnicate = yes
CONF

bad_config bad-duration 7 <<CONF
[defaults]
target = ephemeral
state_dir = $STATE
[job app]
source = $BACKUPS
pattern = app;x#1_%Y%m%d-%H%M*
max_archive_age = 26 hours
CONF

bad_config key-outside-section 2 <<CONF
# keys must be inside a section
source = $BACKUPS
[defaults]
state_dir = $STATE
[job app]
source = $BACKUPS
CONF

bad_config unknown-section 4 <<CONF
[defaults]
state_dir = $STATE

[database app]
source = $BACKUPS
CONF

long=$(printf 'x%.0s' $(seq 1 6000))
bad_config long-line 6 <<CONF
[defaults]
state_dir = $STATE
[job app]
source = $BACKUPS
max_archive_age = 26h
pattern = app_$long%Y%m%d-%H%M*
CONF

# ---- unreadable config files: a missing file, a directory
for F in "$T/no-such.conf" "$T/a-directory.conf"; do
    [ "$F" != "$T/a-directory.conf" ] || mkdir -p "$F"
    run_rd lint -c "$F"
    assert_exit 3
    assert_contains "$RD_ERR" "$(basename "$F")"
    R=$T/unreadable.json
    rm -f "$R"
    run_rd verify -c "$F" --report "$R"
    assert_report "$R" 3 unknown config_invalid
done
if [ "$(id -u)" -ne 0 ]; then # root reads a 0000 file anyway
    cp "$GOOD" "$T/noperm.conf"
    chmod 000 "$T/noperm.conf"
    run_rd lint -c "$T/noperm.conf"
    assert_exit 3
    assert_contains "$RD_ERR" noperm.conf
fi

# ---- bad flags and commands
R=$T/badflag.json
run_rd verify --source "$BACKUPS" --max-archive-age 5x --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown config_invalid
assert_contains "$RD_ERR" 5x
run_rd verify --source "$BACKUPS" --no-such-flag --state-dir "$STATE"
assert_exit 3
run_rd frobnicate
assert_exit 3
run_rd
assert_exit 3
run_rd --help
assert_exit 0
for w in verify list lint; do assert_contains "$RD_OUT" "$w"; done
run_rd verify --help
assert_exit 0
assert_contains "$RD_OUT" --source
assert_contains "$RD_OUT" --max-archive-age
run_rd --version
assert_exit 0
assert_contains "$RD_OUT" "$(cat "$RD_ROOT/VERSION")"
