#!/usr/bin/env bash
# 30: freshness probes, judged against real restores of one test dump whose
# tables hold logins of different ages (one probe folder per case):
#   - newest login 1 minute old -> 0 (the default ephemeral target; the
#     value is reported as RFC 3339 UTC text, age_s and thresholds are set);
#   - 5 h old (warn_after 2h)      -> 1, probe warning, no error code;
#   - 30 h old (error_after 26h)   -> 2 probe_failed at stage probes;
#   - relative_to: archive, an archive named 3 days ago (pattern time) and
#     one whose mtime is 3 days ago, with data 31 minutes older than the
#     archive -> 0, while the same probe relative to now -> 2;
#   - an empty table (max() is NULL) -> 2 probe_failed, value null;
#   - a login 1 day in the future -> 3 clock_skew, probe unknown;
#   - a timestamp without time zone is read as UTC whatever TZ the harness
#     has, and a date column works too.
# Every case but the first restores into the seed server (--target) to
# save starting a cluster per case.
. "$(dirname "$0")/lib.sh"

fixture_sql() {
    cat <<'SQL'
SET client_min_messages = warning;
CREATE TABLE public.sessions (id int PRIMARY KEY, last_login_at timestamptz NOT NULL);
INSERT INTO public.sessions
SELECT g, now() - interval '1 minute' - g * interval '7 minutes' FROM generate_series(0, 99) g;
CREATE TABLE public.sessions_5h (LIKE public.sessions);
INSERT INTO public.sessions_5h SELECT id, last_login_at - interval '5 hours' FROM public.sessions;
CREATE TABLE public.sessions_30h (LIKE public.sessions);
INSERT INTO public.sessions_30h SELECT id, last_login_at - interval '30 hours' FROM public.sessions;
CREATE TABLE public.sessions_none (LIKE public.sessions);
CREATE TABLE public.sessions_future (LIKE public.sessions);
INSERT INTO public.sessions_future SELECT id, last_login_at + interval '1 day' FROM public.sessions;
CREATE TABLE public.sessions_3d (LIKE public.sessions);
INSERT INTO public.sessions_3d SELECT id, last_login_at - interval '3 days 30 minutes' FROM public.sessions;
-- timestamp without time zone, holding UTC wall-clock times 5 h ago
CREATE TABLE public.logins_local (id int PRIMARY KEY, at timestamp NOT NULL);
INSERT INTO public.logins_local
SELECT g, (now() AT TIME ZONE 'UTC') - interval '5 hours' - g * interval '1 minute' FROM generate_series(0, 9) g;
-- a date column: 10 days ago
CREATE TABLE public.days (d date NOT NULL);
INSERT INTO public.days VALUES ((now() AT TIME ZONE 'UTC')::date - 10), ((now() AT TIME ZONE 'UTC')::date - 20);
SQL
}

# login_probe DIR TABLE [HEADER_LINE]: the recent_login probe on public.TABLE.
login_probe() {
    probe_file "$1" recent_login.sql <<P
-- name: recent_login
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
${3:-}
SELECT max(last_login_at) FROM public.$2;
P
}

seed_start
W=$T/work
mkdir -p "$W"
make_dump "$W/fresh.dump" "$(fixture_sql)"
SRC=$T/src
mkdir -p "$SRC"
cp "$W/fresh.dump" "$SRC/app.dump"
SEED=$(seed_target postgres)
P=$T/probes
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$'

# ---------------------------------------------------------------- fresh: 0
login_probe "$P/fresh" sessions
R=$T/fresh.json
run_rd verify --source "$SRC" --probes "$P/fresh" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .restore.target ephemeral
assert_stage "$R" restore ok
assert_stage "$R" probes ok
assert_stage "$R" drift ok
assert_not_contains "$RD_ERR" "not saved"      # the drift baseline of an ok run is kept
assert_file_exists "$STATE/default/drift.json"
assert_json "$R" '.probes | length' 1
assert_probe "$R" recent_login .status ok
assert_probe "$R" recent_login .kind freshness
assert_probe "$R" recent_login .file "$P/fresh/recent_login.sql"
assert_probe "$R" recent_login '.thresholds | [.warn_after_s, .error_after_s, .min, .max] | map(tostring) | join(" ")' \
    "7200 93600 null null"
assert_probe_true "$R" recent_login '.age_s >= 55 and .age_s < 600' "fresh: age_s about 1 minute"
assert_probe_true "$R" recent_login '.duration_ms >= 0 and .duration_ms < 5000' "fresh: duration_ms"
assert_probe_true "$R" recent_login '.rows == []' "fresh: rows[] is empty"
assert_probe_true "$R" recent_login "(.value | type) == \"string\" and (.value | test(\"$RFC3339\"))" \
    "freshness value is RFC 3339 UTC text (docs/report.md: 'a timestamp as RFC 3339 UTC text')"
note "fresh value: $(jq -c '.probes[0] | {value, age_s, message}' "$R" 2>/dev/null)"

# ------------------------------------------------------ older than warn: 1
login_probe "$P/warn" sessions_5h
R=$T/warn.json
run_rd verify --source "$SRC" --probes "$P/warn" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_stage "$R" probes warning
assert_probe "$R" recent_login .status warning
assert_probe_true "$R" recent_login '.age_s > 5*3600 and .age_s < 5*3600 + 900' "warn: age_s about 5 h"
assert_probe_true "$R" recent_login '.message | test("warn_after")' "warn: the message names warn_after"

# ----------------------------------------------------- older than error: 2
login_probe "$P/error" sessions_30h
R=$T/error.json
run_rd verify --source "$SRC" --probes "$P/error" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_json "$R" .error.stage probes
assert_json_true "$R" '.error.message | test("recent_login")' "error.message names the probe"
assert_stage "$R" probes critical
assert_stage "$R" cleanup ok
assert_probe "$R" recent_login .status critical
assert_probe_true "$R" recent_login '.age_s > 30*3600 and .age_s < 30*3600 + 900' "error: age_s about 30 h"
assert_probe_true "$R" recent_login '.message | test("error_after")' "error: the message names error_after"

# ------------------------------------- relative_to: archive (pattern time)
OLD=$T/src-old
mkdir -p "$OLD"
old_name=app_$(ts_name %Y%m%d-%H%M 259200).dump      # 3 days ago
cp "$W/fresh.dump" "$OLD/$old_name"
login_probe "$P/archive" sessions_3d "-- relative_to: archive"
R=$T/archive.json
run_rd verify --source "$OLD" --pattern 'app_%Y%m%d-%H%M*' --probes "$P/archive" --target "$SEED" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$old_name"
assert_json_true "$R" '.archive.age_s > 3*86400 - 120 and .archive.age_s < 3*86400 + 600' "archive.age_s about 3 days"
assert_probe "$R" recent_login .status ok
# data: 3 d 31 min before now; archive: 3 d before now (minute precision)
assert_probe_true "$R" recent_login '.age_s > 1800 - 120 and .age_s < 1860 + 600' \
    "relative_to archive: age_s about 31 minutes (got $(jq '.probes[0].age_s' "$R" 2>/dev/null))"
# the same archive and data, relative to now: 3 days old -> critical
login_probe "$P/archive-now" sessions_3d "-- relative_to: now"
R=$T/archive-now.json
run_rd verify --source "$OLD" --pattern 'app_%Y%m%d-%H%M*' --probes "$P/archive-now" --target "$SEED" \
    --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe_true "$R" recent_login '.age_s > 3*86400' "relative_to now: age_s over 3 days"

# ---------------------------------------- relative_to: archive (its mtime)
MT=$T/src-mtime
mkdir -p "$MT"
cp "$W/fresh.dump" "$MT/app.dump"
set_mtime_ago "$MT/app.dump" 259200
R=$T/archive-mtime.json
run_rd verify --source "$MT" --probes "$P/archive" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_probe "$R" recent_login .status ok
assert_probe_true "$R" recent_login '.age_s > 1800 - 120 and .age_s < 1860 + 600' "relative_to archive (mtime): age_s about 31 minutes"

# ------------------------------------------------------------ NULL max: 2
login_probe "$P/null" sessions_none
R=$T/null.json
run_rd verify --source "$SRC" --probes "$P/null" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_probe "$R" recent_login .status critical
assert_probe "$R" recent_login .value null
assert_probe "$R" recent_login .age_s null
assert_probe_true "$R" recent_login '.message | test("NULL|no row"; "i")' "NULL: the message says there is no timestamp"

# ------------------------------------------------- 1 day in the future: 3
login_probe "$P/future" sessions_future
R=$T/future.json
run_rd verify --source "$SRC" --probes "$P/future" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown clock_skew
assert_json "$R" .error.stage probes
assert_probe "$R" recent_login .status unknown
assert_probe_true "$R" recent_login '.age_s < -86000' "future: age_s about -1 day"
assert_probe_true "$R" recent_login '.message | test("future")' "future: the message says 'future'"

# --------------------- timestamp without time zone = UTC; a date column
probe_file "$P/types" local.sql <<'P'
-- name: local_login
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
SELECT max(at) FROM public.logins_local;
P
probe_file "$P/types" days.sql <<'P'
-- name: newest_day
-- kind: freshness
-- warn_after: 7d
-- error_after: 30d
SELECT max(d) FROM public.days;
P
R=$T/types.json
note "TZ=Pacific/Kiritimati (UTC+14) for restoredrill: a naive timestamp must still be read as UTC"
TZ=Pacific/Kiritimati run_rd verify --source "$SRC" --probes "$P/types" --target "$SEED" --report "$R" --state-dir "$STATE"
assert_report "$R" 1 warning null
assert_probe "$R" local_login .status warning
assert_probe_true "$R" local_login '.age_s > 5*3600 and .age_s < 5*3600 + 900' \
    "timestamp without time zone read as UTC: age_s about 5 h (got $(jq '[.probes[] | select(.name == "local_login")][0].age_s' "$R" 2>/dev/null))"
assert_probe "$R" newest_day .status warning
assert_probe_true "$R" newest_day '.age_s >= 10*86400 and .age_s < 11*86400' "date column: age_s 10..11 days"
