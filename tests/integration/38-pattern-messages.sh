#!/usr/bin/env bash
# 38: what select says when it picks nothing, or the wrong file, with real
# pg_dump archives:
#   - a pattern that matches nothing (no trailing '*' for a '.dump' suffix)
#     -> archive_not_found whose message says how many files were there and
#     shows one name, with a hint that a pattern matches the whole name
#     (verify's report and summary, and list);
#   - an empty folder says so;
#   - no pattern and a backup.log newer than the dumps -> the log is taken and
#     fails format_unknown: the message says "set pattern"; with the pattern
#     set, the dump is taken (--dry-run: nothing restored).
. "$(dirname "$0")/lib.sh"

seed_start
n1=app_$(ts_name %Y%m%d-%H%M 7200).dump
n2=app_$(ts_name %Y%m%d-%H%M 3600).dump
make_dump "$n1"
make_dump "$n2"
seed_stop
set_mtime_ago "$BACKUPS/$n1" 7200
set_mtime_ago "$BACKUPS/$n2" 3600
mkdir -p "$STATE"

# ---- a pattern without the trailing '*': nothing matches
R=$T/nomatch.json
run_rd verify --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M' --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found
assert_json_true "$R" ".error.message | startswith(\"no archive matching 'app_%Y%m%d-%H%M' in '$BACKUPS': 2 files there, 2 not matching, e.g. '$n2'\")" \
    "the message counts the files and shows the newest name"
assert_json_true "$R" '.error.message | contains("matches the whole name") and contains("(e.g. '"'app_%Y%m%d-%H%M*'"')")' \
    "the hint: whole name, add '*'"
assert_contains "$RD_OUT" "2 files there"
run_rd list --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M'
assert_exit 2
assert_contains "$RD_OUT" "2 files there, 2 not matching, e.g. '$n2'"
assert_contains "$RD_OUT" "a pattern matches the whole name"

# ---- an empty folder
mkdir -p "$T/empty"
R=$T/empty.json
run_rd verify --source "$T/empty" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found
assert_json "$R" .error.message "no archive in '$T/empty': the folder is empty"

# ---- no pattern: a newer backup.log is taken, and the message says why
echo "$(date -u) pg_dump finished: $n2" >"$BACKUPS/backup.log"
R=$T/log.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical format_unknown
assert_json "$R" .archive.name backup.log
assert_json_true "$R" '.error.message | contains("HINT: set pattern")' "format_unknown of a non-dump newest file hints 'set pattern'"
assert_contains "$RD_OUT" "set pattern"
# with --archive naming the file, the hint would be wrong: not given
R=$T/named.json
run_rd verify --source "$BACKUPS" --archive backup.log --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical format_unknown
assert_json_true "$R" '.error.message | contains("set pattern") | not' "no pattern hint with --archive"
# with the pattern, the dump is chosen
R=$T/pattern.json
run_rd verify --dry-run --source "$BACKUPS" --pattern 'app_%Y%m%d-%H%M*' --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$n2"
