#!/usr/bin/env bash
# 02: without strftime fields in the pattern (or with no pattern at all) the
# newest archive is the one with the newest mtime; in-progress names (.part,
# .tmp) are skipped; PG* variables in the environment do not leak into the
# ephemeral target.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump app_alpha.dump
make_dump app_beta.dump
make_dump app_gamma.dump
set_mtime "$BACKUPS/app_alpha.dump" "$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M:%S')"
set_mtime "$BACKUPS/app_beta.dump" "$(date -u -d '-10 minutes' '+%Y-%m-%d %H:%M:%S')"   # newest mtime
set_mtime "$BACKUPS/app_gamma.dump" "$(date -u -d '-3 hours' '+%Y-%m-%d %H:%M:%S')"    # last by name
echo "junk" >"$BACKUPS/other.txt"   # newest of all, but not matched by the pattern
seed_stop

R=$T/r1.json
run_rd verify --log-format json --source "$BACKUPS" --pattern 'app_*.dump' --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
# --log-format json: every line on stderr is one JSON object with level and msg
if [ ! -s "$RD_ERR" ]; then
    fail "verify --log-format json printed no log lines on stderr"
else
    bad=$(while IFS= read -r line; do
        printf '%s\n' "$line" | jq -e 'type == "object" and (.level | type == "string") and (.msg | type == "string")' \
            >/dev/null 2>&1 || printf '%s\n' "$line"
    done <"$RD_ERR")
    [ -z "$bad" ] || fail "--log-format json: stderr lines that are not {level, msg} JSON objects: $(echo "$bad" | head -n 3)"
fi
assert_json "$R" .archive.name app_beta.dump
mtime=$(stat -c %Y "$BACKUPS/app_beta.dump")
got=$(date -u -d "$(jq -r .archive.created_at "$R")" +%s 2>/dev/null)
[ "$got" = "$mtime" ] || fail "archive.created_at should be app_beta.dump's mtime $(date -u -d "@$mtime" +%FT%TZ) (got $(jq -r .archive.created_at "$R"))"
assert_stage "$R" restore ok

# No pattern: every file is a candidate except in-progress ones.
D=$T/nopattern
mkdir -p "$D"
cp "$BACKUPS/app_alpha.dump" "$D/x.dump"
cp "$BACKUPS/app_alpha.dump" "$D/y.dump"
cp "$BACKUPS/app_alpha.dump" "$D/z.dump"
head -c 1000 "$BACKUPS/app_alpha.dump" >"$D/w.dump.part"   # newest, still being written
head -c 1000 "$BACKUPS/app_alpha.dump" >"$D/v.dump.tmp"
set_mtime_ago "$D/x.dump" 7200
set_mtime_ago "$D/y.dump" 300    # newest complete archive
set_mtime_ago "$D/z.dump" 3600
R=$T/r2.json
# Bogus libpq settings in the environment must not matter for target=ephemeral.
PGHOST=/nonexistent PGPORT=1 PGUSER=nobody_here PGDATABASE=nope \
    run_rd verify --source "$D" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name y.dump
