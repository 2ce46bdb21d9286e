#!/usr/bin/env bash
# 65: exec: sources.  list_command prints hostile archive names (shell
# syntax, quotes, invalid UTF-8, 4 KiB long) with ISO-8601 times; the newest
# is selected, fetched by fetch_command with {archive} as one argv element
# (never through a shell), restored, and named right in the JSON report.
# Also: tarsnapper-style names dated by the pattern, an empty listing, a
# failing list and fetch (the tool's own message in the error and in
# archive.fetch_stderr_tail), a short stream, a stalled fetch (its process
# group killed), a missing program, and the config errors.
. "$(dirname "$0")/lib.sh"

seed_start
W=$T/store
mkdir -p "$W"
make_dump "$W/good.dump"
seed_stop

LONG=$(printf 'x%.0s' $(seq 1 4000)).dump
HOSTILE='db; touch PWNED $(touch PWNED2) `touch PWNED3` "q" '"'s'"'.dump'
BAD8=$(printf 'caf\xe9-\xff.dump')
for n in "$HOSTILE" "$BAD8" "$LONG" older.dump mail_20261126-0350 mail_20261127-0350 mail_20261125-0350; do
    cp "$W/good.dump" "$W/$n"
done

# list.sh: the archives with times; the hostile one is the newest.
cat >"$T/list.sh" <<EOS
#!/bin/sh
printf '%s\t%s\n' older.dump 2026-11-20T03:50:00Z
printf '%s\t%s\n' "\$(cat '$T/hostile.name')" 2026-11-26T03:50:00+01:00
printf '%s\t%s\n' "\$(cat '$T/bad8.name')" 2026-11-25T03:50:00Z
printf '%s\t%s\r\n' "\$(cat '$T/long.name')" '2026-11-24 03:50:00'
EOS
printf '%s' "$HOSTILE" >"$T/hostile.name"
printf '%s' "$BAD8" >"$T/bad8.name"
printf '%s' "$LONG" >"$T/long.name"
# fetch.sh NAME: the archive on stdout; logs its argv count
cat >"$T/fetch.sh" <<EOS
#!/bin/sh
echo "\$#" >>'$T/fetch.argc'
echo "fetching from the store" >&2
exec cat -- '$W/'"\$1"
EOS
chmod +x "$T/list.sh" "$T/fetch.sh"

cd "$T" || fail "cd $T"
M=$T/metrics.prom
job_conf ex exec: "list_command = $T/list.sh" "fetch_command = $T/fetch.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$HOSTILE"
assert_json "$R" .archive.created_at 2026-11-26T02:50:00Z
assert_json "$R" .archive.source exec:
assert_json "$R" .archive.fetch_stderr_tail "fetching from the store"
assert_no_file "$T/PWNED"
assert_no_file "$T/PWNED2"
assert_no_file "$T/PWNED3"
[ "$(sort -u "$T/fetch.argc")" = 1 ] || fail "{archive} should be one argv element (argc: $(sort -u "$T/fetch.argc" | tr '\n' ' '))"

# list --json: every name listed, invalid UTF-8 as U+FFFD, the 4 KiB one too
run_rd list --config "$C" --json
assert_exit 0
jq -e '.archives | length == 4' "$RD_OUT" >/dev/null || fail "list --json should have 4 archives: $(head -c 400 "$RD_OUT")"
jq -e --arg n "$(printf 'caf\xef\xbf\xbd-\xef\xbf\xbd.dump')" '[.archives[].name] | index($n) != null' "$RD_OUT" >/dev/null ||
    fail "invalid UTF-8 name should be listed with U+FFFD"
jq -e '[.archives[].name | length] | max == 4005' "$RD_OUT" >/dev/null || fail "the 4 KiB name should be listed whole"

# --archive: the invalid-UTF-8 one is fetched by its raw bytes
R2=$T/bad8.json
run_rd verify --config "$C" --state-dir "$STATE" --archive "$BAD8" --report "$R2"
assert_report "$R2" 0 ok null

# a name that would be an option of fetch_command: critical, never fetched
printf '#!/bin/sh\nprintf -- "--output=%s/OPTION\\t2026-11-29T00:00:00Z\\n"\n' "$T" >"$T/list-opt.sh"
chmod +x "$T/list-opt.sh"
: >"$T/fetch.argc"
job_conf opt exec: "list_command = $T/list-opt.sh" "fetch_command = $T/fetch.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical archive_unsafe_path
assert_json_true "$R" '.error.message | test("starts with .-.")' "the message says why"
[ ! -s "$T/fetch.argc" ] || fail "fetch_command ran for a name that starts with '-'"
assert_no_file "$T/OPTION"
job_conf opt2 exec: "list_command = $T/list-opt.sh" "fetch_command = $T/fetch.sh ./{archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_json_true "$R" '.error.code != "archive_unsafe_path"' "after a prefix the name is no option"

# tarsnapper-style names without times: the pattern dates them
printf '#!/bin/sh\nprintf "mail_20261125-0350\\nmail_20261127-0350\\nmail_20261126-0350\\nmail_20261128-0350.part\\n"\n' >"$T/list-mail.sh"
chmod +x "$T/list-mail.sh"
job_conf mail exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch.sh {archive}" 'pattern = mail_%Y%m%d-%H%M*'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name mail_20261127-0350
assert_json "$R" .archive.created_at 2026-11-27T03:50:00Z

# checksum: the sidecar NAME.sha256 is fetched by fetch_command when the
# listing holds it; when it does not, it is missing (no fetch is run)
(cd "$W" && sha256sum mail_20261127-0350 >mail_20261127-0350.sha256)
printf '#!/bin/sh\nprintf "mail_20261127-0350\\nmail_20261127-0350.sha256\\nmail_20261126-0350\\n"\n' >"$T/list-sums.sh"
chmod +x "$T/list-sums.sh"
job_conf sums exec: "list_command = $T/list-sums.sh" "fetch_command = $T/fetch.sh {archive}" 'pattern = mail_%Y%m%d-%H%M' 'checksum = sha256'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$(cut -d' ' -f1 "$W/mail_20261127-0350.sha256")"
job_conf nosum exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch.sh {archive}" 'pattern = mail_%Y%m%d-%H%M*' 'checksum = sha256'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical sidecar_missing
job_conf optsum exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch.sh {archive}" 'pattern = mail_%Y%m%d-%H%M*' 'checksum = optional'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null

# an empty listing: archive_not_found
printf '#!/bin/sh\nexit 0\n' >"$T/list-empty.sh"
chmod +x "$T/list-empty.sh"
job_conf empty exec: "list_command = $T/list-empty.sh" "fetch_command = $T/fetch.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found

# the listing fails: its message in the error
printf '#!/bin/sh\necho "rclone: bucket gone (403)" >&2\nexit 2\n' >"$T/list-fail.sh"
chmod +x "$T/list-fail.sh"
job_conf lfail exec: "list_command = $T/list-fail.sh" "fetch_command = $T/fetch.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
assert_json_true "$R" '.error.message | contains("rclone: bucket gone (403)") and contains("exit code 2")' "list failure message"

# the fetch fails before a byte: source_unreachable, with the tail
printf '#!/bin/sh\necho "object vanished: $1" >&2\nexit 3\n' >"$T/fetch-fail.sh"
chmod +x "$T/fetch-fail.sh"
job_conf ffail exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch-fail.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_exit 3
validate_report "$R"
assert_json_true "$R" '.error.message | contains("object vanished: mail_20261127-0350")' "fetch failure message"
assert_json "$R" .archive.fetch_stderr_tail "object vanished: mail_20261127-0350"
assert_json "$R" .error.stage fetch
assert_json "$R" .error.code source_unreachable

# a short stream: half the dump, then exit 1
cat >"$T/fetch-short.sh" <<EOS
#!/bin/sh
head -c $(($(stat -c %s "$W/good.dump") / 2)) '$W/good.dump'
echo "connection reset" >&2
exit 1
EOS
chmod +x "$T/fetch-short.sh"
job_conf short exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch-short.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown fetch_truncated
assert_json_true "$R" '.error.message | contains("connection reset")' "short stream message"

# a stalled fetch: stopped after stall_timeout, its whole group killed
cat >"$T/fetch-stall.sh" <<EOS
#!/bin/sh
sleep 300 &
echo \$! >'$T/stall.child'
wait
EOS
chmod +x "$T/fetch-stall.sh"
job_conf stall exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch-stall.sh {archive}" 'stall_timeout = 2s'
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown fetch_stalled
assert_json "$R" .error.stage fetch
sleep 0.5
# (a zombie is dead: its parent, the script, was killed before it)
if [ -s "$T/stall.child" ] && ps -o stat= -p "$(cat "$T/stall.child")" | grep -qv '^Z'; then
    fail "the stalled fetch's child (sleep) was left running"
    kill "$(cat "$T/stall.child")"
fi

# a fetch that leaves a helper behind holding its stderr open (as an ssh
# ControlPersist master can): the run does not wait for it, and kills it
cat >"$T/fetch-linger.sh" <<EOS
#!/bin/sh
sleep 300 >/dev/null &
echo \$! >'$T/linger.child'
echo "started a helper" >&2
exec cat -- '$W/'"\$1"
EOS
chmod +x "$T/fetch-linger.sh"
job_conf linger exec: "list_command = $T/list-mail.sh" "fetch_command = $T/fetch-linger.sh {archive}"
t0=$(date +%s)
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.fetch_stderr_tail "started a helper"
[ $(($(date +%s) - t0)) -lt 9 ] || fail "the run waited for the helper holding stderr"
sleep 0.5
if [ -s "$T/linger.child" ] && ps -o stat= -p "$(cat "$T/linger.child")" | grep -qv '^Z'; then
    fail "the fetch's helper (sleep) was left running"
    kill "$(cat "$T/linger.child")"
fi

# a program that is not there
job_conf missing exec: "list_command = $T/no-such-program" "fetch_command = $T/fetch.sh {archive}"
run_rd verify --config "$C" --state-dir "$STATE"
assert_report "$R" 3 unknown tool_missing

# config errors (lint and verify): a missing fetch_command, no {archive},
# an unquoted shell operator, a key of another tool
job_conf c1 exec: "list_command = $T/list.sh"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "needs fetch_command"
job_conf c2 exec: "list_command = $T/list.sh" "fetch_command = $T/fetch.sh latest"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "fetch_command has no {archive}"
job_conf c3 exec: "list_command = $T/list.sh | sort" "fetch_command = $T/fetch.sh {archive}"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "list_command"
job_conf c4 exec: "list_command = $T/list.sh" "fetch_command = $T/fetch.sh {archive}" "restic_tag = pg"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "'restic_tag' applies only to restic: sources"
job_conf c5 "$W" "path = /x.dump"
run_rd lint --config "$C"
assert_exit 3
assert_contains "$RD_ERR" "'path' applies only to"
