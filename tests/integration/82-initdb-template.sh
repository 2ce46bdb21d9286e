#!/usr/bin/env bash
# 82: the cached initdb template (restore/target/cluster_template.c).
#   A. a first run saves it (CACHE/pgNN-HASH/{data,READY}, 0700, owned by us,
#      nothing in it owned by the run_as account); a second run copies it
#      (no initdb) and is ok, its scratch cluster owned by run_as;
#   B. a damaged template (a wrong PG_VERSION): a warning, the template is
#      removed, initdb runs, the verdict is ok, a good template is saved;
#   C. a cache dir others can write is not used (a shared dir could hand
#      every run a poisoned cluster);
#   D. RESTOREDRILL_CACHE_DIR=off: no cache at all.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app_20260101-0000.dump
export RESTOREDRILL_CACHE_DIR=$T/cache

# ---------------------------------------------------------------- A
R=$T/a.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" -v
assert_report "$R" 0 ok null
assert_contains "$RD_ERR" "saved the initdb template"
tpl=$(ls -d "$T"/cache/pg[0-9]*-* 2>/dev/null | head -n1)
[ -n "$tpl" ] && [ -f "$tpl/READY" ] && [ -f "$tpl/data/PG_VERSION" ] || fail "no template saved in $T/cache"
[ "$(stat -c %a "$T/cache")" = 700 ] || fail "the cache dir is not 0700"
[ "$(stat -c %a "$tpl")" = 700 ] || fail "the template dir is not 0700"
if [ "$(id -u)" = 0 ]; then
    [ -z "$(find "$T/cache" ! -user root)" ] || fail "a file of the template is not owned by root: $(find "$T/cache" ! -user root | head -n3)"
fi
R=$T/a2.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" -v
assert_report "$R" 0 ok null
assert_contains "$RD_ERR" "copied from the initdb template"
assert_not_contains "$RD_ERR" "saved the initdb template"

# ---------------------------------------------------------------- B
echo 99 >"$tpl/data/PG_VERSION"
R=$T/b.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" -v
assert_report "$R" 0 ok null
assert_contains "$RD_ERR" "did not start"
assert_contains "$RD_ERR" "saved the initdb template"
[ "$(cat "$tpl/data/PG_VERSION" 2>/dev/null)" = 15 ] || fail "the damaged template was not replaced (PG_VERSION $(cat "$tpl/data/PG_VERSION"))"

# ---------------------------------------------------------------- C
chmod 0777 "$T/cache"
R=$T/c.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" -v
assert_report "$R" 0 ok null
assert_not_contains "$RD_ERR" "copied from the initdb template"
assert_contains "$RD_ERR" "not a private dir"
chmod 0700 "$T/cache"

# ---------------------------------------------------------------- D
export RESTOREDRILL_CACHE_DIR=off
rm -rf "$T/cache"
R=$T/d.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" -v
assert_report "$R" 0 ok null
assert_not_contains "$RD_ERR" "template"
assert_no_file "$T/cache"
