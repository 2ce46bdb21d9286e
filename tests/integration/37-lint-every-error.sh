#!/usr/bin/env bash
# 37: lint reports every error in one run, and the CLI says what a new user
# needs:
#   - a config with 3 errors on 3 lines (an unknown key, a bad duration, a bad
#     pattern) -> all three FILE:LINE in one lint run, exit 3; a syntax error
#     does not hide the value errors after it;
#   - a probe folder with 2 bad files -> both FILE:LINE in one run;
#   - a config without any [job] section -> "no jobs in FILE" (lint, list,
#     verify; verify's report says it too), not "job 'default': no source";
#   - `list --help` shows only list's settings; an unknown command lists every
#     command; --help names where the probe format is documented;
#   - `make install` puts docs/ into PREFIX/share/doc/restoredrill, and
#     `make uninstall` removes it.
. "$(dirname "$0")/lib.sh"

mkdir -p "$STATE"
P=$T/probes
probe_file "$P" a_good.sql <<'X'
-- name: good
-- kind: rows
-- min: 1
SELECT 1
X
probe_file "$P" b_bad.sql <<'X'
-- name: bad_kind
-- kind: sometimes
SELECT 1
X
probe_file "$P" c_bad.sql <<'X'
-- name: bad_min
-- kind: rows
-- min: lots
SELECT 1
X

# ---- three errors on three lines, all in one run
C=$T/three.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
max_archive_age = 26 hours

[job app]
source = $BACKUPS
colour = blue
pattern = app_%Q*
CONF
run_rd lint -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "$C:3: invalid duration '26 hours' for 'max_archive_age'"
assert_contains "$RD_ERR" "$C:7: unknown key 'colour'"
assert_contains "$RD_ERR" "$C:8: invalid pattern 'app_%Q*'"
[ "$(grep -c "$C:" "$RD_ERR")" = 3 ] || fail "each of the 3 errors once (got: $(cat "$RD_ERR"))"
# in line order
[ "$(grep -o "$C:[0-9]*" "$RD_ERR" | tr '\n' ' ')" = "$C:3 $C:7 $C:8 " ] ||
    fail "errors in line order (got: $(grep -o "$C:[0-9]*" "$RD_ERR" | tr '\n' ' '))"
assert_not_contains "$RD_OUT" "ok"

# a syntax error and a refused section do not hide the rest
C=$T/syntax.conf
cat >"$C" <<CONF
[job app]
source = $BACKUPS
min_size = 10 MB
this line has no equals sign
[jobs other]
source = /nowhere
[job b]
source = $BACKUPS
alert_on = never
CONF
run_rd lint -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "$C:3: invalid size '10 MB' for 'min_size'"
assert_contains "$RD_ERR" "$C:4: expected 'key = value' or '[section]'"
assert_contains "$RD_ERR" "$C:5: unknown section '[jobs other]'"
assert_contains "$RD_ERR" "$C:9: invalid alert_on 'never'"
assert_not_contains "$RD_ERR" "$C:6"
# verify stops at the file's errors, names them all, reports the first
run_rd verify -c "$C" --report "$T/syntax.json"
assert_exit 3
assert_contains "$RD_ERR" "$C:4: expected 'key = value' or '[section]'"
assert_contains "$RD_ERR" "$C:5: unknown section '[jobs other]'"
assert_report "$T/syntax.json" 3 unknown config_invalid
assert_json "$T/syntax.json" .error.message "$C:4: expected 'key = value' or '[section]'"

# ---- two bad probe files, both named
C=$T/probes.conf
cat >"$C" <<CONF
[job app]
source = $BACKUPS
state_dir = $STATE
probes = $P
[job app2]
source = $BACKUPS
state_dir = $STATE
probes = $P
CONF
run_rd lint -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "$P/b_bad.sql:2: unknown kind 'sometimes'"
assert_contains "$RD_ERR" "$P/c_bad.sql:3: bad number 'lots' for 'min'"
# two jobs share the folder: each error once
[ "$(grep -c "b_bad.sql" "$RD_ERR")" = 1 ] || fail "b_bad.sql's error once (got: $(cat "$RD_ERR"))"

# ---- no [job] section
C=$T/nojobs.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
max_archive_age = 26h
report = $T/nojobs.json
CONF
for cmd in lint list verify; do
    run_rd "$cmd" -c "$C"
    assert_exit 3
    assert_contains "$RD_ERR" "no jobs in $C"
    assert_contains "$RD_ERR" "[job app]"
    assert_not_contains "$RD_ERR" "no source"
done
assert_report "$T/nojobs.json" 3 unknown config_invalid
assert_json_true "$T/nojobs.json" ".error.message | startswith(\"no jobs in $C\")" "report: no jobs in FILE"
# [defaults] with a source is the implicit job 'default': fine
printf 'source = %s\n' "$BACKUPS" >>"$C"
run_rd lint -c "$C"
assert_exit 0

# ---- help texts
run_rd list --help
assert_exit 0
for opt in --source --pattern --max-age --min-size --min-age --json; do
    assert_contains "$RD_OUT" "$opt"
done
for opt in --probes --junit --metrics --report --target --run-as --restore-timeout --max-shrink --keep; do
    assert_not_contains "$RD_OUT" "$opt"
done
run_rd frobnicate
assert_exit 3
assert_contains "$RD_ERR" "(use verify, list, restore, probe or lint)"
run_rd --help
assert_contains "$RD_OUT" "docs/probes.md"
assert_contains "$RD_OUT" "share/doc/restoredrill/probes.md"
grep -q 'share/doc/restoredrill' "$RD_ROOT/docs/restoredrill.1" || fail "the man page names share/doc/restoredrill"

# ---- make install / uninstall: docs/ into PREFIX/share/doc/restoredrill
I=$T/inst
if make -s -C "$RD_ROOT" -o "$RESTOREDRILL" install DESTDIR="$I" PREFIX=/usr BIN="$RESTOREDRILL" \
        >"$T/install.out" 2>&1; then
    assert_file_exists "$I/usr/bin/restoredrill"
    for f in probes.md config.md errors.md report.md report.schema.json; do
        assert_file_exists "$I/usr/share/doc/restoredrill/$f"
    done
    make -s -C "$RD_ROOT" uninstall DESTDIR="$I" PREFIX=/usr >>"$T/install.out" 2>&1 ||
        fail "make uninstall: $(cat "$T/install.out")"
    assert_no_file "$I/usr/share/doc/restoredrill"
    assert_no_file "$I/usr/bin/restoredrill"
else
    fail "make install DESTDIR=$I: $(tail -5 "$T/install.out")"
fi
