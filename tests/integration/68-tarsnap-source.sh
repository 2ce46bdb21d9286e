#!/usr/bin/env bash
# 68: tarsnap: sources, against tests/tarsnap-standin (a stand-in speaking
# exactly the tarsnap command lines used, in tarsnap's own output formats:
# tarsnap itself needs its paid service).  tarsnapper-style names dated by
# the pattern, a newer .part archive skipped, a hostile name (newline, shell
# syntax, invalid UTF-8) selected and fetched by its raw bytes, creation
# times read as UTC whatever our TZ, tarsnap_keyfile/tarsnap_cachedir as
# flags, a path holding glob characters matched literally, tarsnap's errors
# (key file, path not in the archive), tarsnap not installed.
. "$(dirname "$0")/lib.sh"

seed_start
D=$T/data
mkdir -p "$D" "$T/ts" "$T/bin"
make_dump "$D/app.dump"
seed_stop
ln -s "$RD_ROOT/tests/tarsnap-standin" "$T/bin/tarsnap"
printf 'not a dump\n' >"$T/junk"
cp "$D/app.dump" "$T/good.dump"
# tarball NAME FILE [TIME]: archive NAME holding FILE as $D/app.dump
tarball() {
    cp "$2" "$D/app.dump"
    must tar -cf "$T/ts/$1.tar" -P --transform 's,^/,,' "$D/app.dump"
    touch -d "${3:-2026-11-26 00:00:00Z}" "$T/ts/$1.tar"
}
HOSTILE=$(printf 'mail_20261126-2350 $(touch PWNED);\nx\xff')
tarball mail_20261120-0350 "$T/junk" '2026-11-20 03:50:00Z'
tarball mail_20261126-0350 "$T/good.dump" '2026-11-26 03:50:00Z'
tarball "$HOSTILE" "$T/good.dump" '2026-11-26 23:50:00Z'
tarball mail_20261127-0350.part "$T/junk" '2026-11-27 03:50:00Z'
tarball daily-old "$T/junk" '2026-11-28 03:50:00Z'
tarball daily-new "$T/good.dump" '2026-11-29 03:50:00Z'
cp "$T/good.dump" "$D/app.dump"
printf 'archives %s\nlog %s\n' "$T/ts" "$T/tarsnap.log" >"$T/tarsnap.key"

cd "$T" || fail "cd $T"
export PATH=$T/bin:$PATH
M=$T/metrics.prom
job_conf ts tarsnap: "path = $D/app.dump" 'pattern = mail_%Y%m%d-%H%M*' \
    "tarsnap_keyfile = $T/tarsnap.key" "tarsnap_cachedir = $T/cache"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$(printf 'mail_20261126-2350 $(touch PWNED);\nx\xef\xbf\xbd')"
assert_json "$R" .archive.created_at 2026-11-26T23:50:00Z
assert_json "$R" .archive.source tarsnap:
assert_no_file "$T/PWNED"
# the command lines: keyfile and cachedir first, --null-output, the path
# as tarsnap stores it (no leading '/')
assert_contains "$T/tarsnap.log" "[\"--keyfile\", \"$T/tarsnap.key\", \"--cachedir\", \"$T/cache\", \"--list-archives\", \"-v\", \"--null-output\"]"
assert_contains "$T/tarsnap.log" "\"-x\", \"-O\", \"-f\", \"mail_20261126-2350"
assert_contains "$T/tarsnap.log" "\"${D#/}/app.dump\"]"

# list: .part names are not candidates; with the pattern only mail_*
run_rd list --config "$C" --json
assert_exit 0
jq -e '[.archives[].name] | map(select(endswith(".part"))) | length == 0' "$RD_OUT" >/dev/null ||
    fail "list should skip the .part archive: $(head -c 500 "$RD_OUT")"
jq -e '.archives | length == 3' "$RD_OUT" >/dev/null || fail "list should show 3 mail_ archives: $(head -c 500 "$RD_OUT")"

# no pattern: tarsnap's creation time, printed in local time, read as UTC
# because tarsnap runs under TZ=UTC (ours is Tokyo here)
job_conf tt tarsnap: "path = $D/app.dump" "tarsnap_keyfile = $T/tarsnap.key"
TZ=Asia/Tokyo run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name daily-new
assert_json "$R" .archive.created_at 2026-11-29T03:50:00Z

# a tarsnap before 1.0.41 refuses --null-output: listed by lines then
printf 'archives %s\nlog %s\nversion 1.0.40\n' "$T/ts" "$T/old.log" >"$T/old.key"
job_conf to tarsnap: "path = $D/app.dump" "tarsnap_keyfile = $T/old.key" 'pattern = daily-*'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name daily-new
assert_contains "$T/old.log" '"--list-archives", "-v"]'

# glob characters in path are literal: app[1].dump, not app1.dump
cp "$T/good.dump" "$D/app[1].dump"
cp "$T/junk" "$D/app1.dump"
must tar -cf "$T/ts/globs.tar" -P --transform 's,^/,,' "$D/app1.dump" "$D/app[1].dump"
job_conf tg tarsnap: "path = $D/app[1].dump" "tarsnap_keyfile = $T/tarsnap.key"
run_rd verify --config "$C" --state-dir "$STATE" --archive globs
assert_report "$R" 0 ok null

# a path not in the archive: tarsnap's words, exit 1, in the report
job_conf tn tarsnap: "path = $D/nope.dump" "tarsnap_keyfile = $T/tarsnap.key"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | contains("Not found in archive")' "tarsnap's message"
assert_json_true "$R" '.archive.fetch_stderr_tail | contains("Error exit delayed from previous errors.")' "fetch_stderr_tail"

# an unreadable key file
job_conf tk tarsnap: "path = $D/app.dump" "tarsnap_keyfile = $T/no.key"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | contains("Cannot read key file")' "key file message"

# tarsnap not installed: verify and lint say so
PATH=/usr/bin:/bin run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown tool_missing
PATH=/usr/bin:/bin run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "source program 'tarsnap' cannot be run: not found on PATH"
run_rd lint --config "$C"
assert_exit 0

# config: tarsnap: takes nothing after the colon, and needs path
job_conf c1 tarsnap:mybox "path = $D/app.dump"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "write just 'tarsnap:'"
job_conf c2 tarsnap:
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "needs path ="
