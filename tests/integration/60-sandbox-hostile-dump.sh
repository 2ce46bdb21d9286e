#!/usr/bin/env bash
# 60: a dump is code; the sandbox holds it (ephemeral target, as root).
#   A. a plain dump whose last statement is
#      COPY (SELECT 1) TO PROGRAM 'id > HOSTFILE; setsid -f sleep N' (the
#      scratch server runs it): with the sandbox (the default) no HOSTFILE on
#      the host, no `sleep N` left after the run, whatever the verdict;
#      restore.sandbox is "bwrap", restore.engine "postgresql";
#   B. what the server can read: pg_read_file('/etc/os-release') (a host
#      file outside the sandbox's few /etc files) fails: restore_errors,
#      critical, "No such file" and nothing of the file in the report;
#   C. what the dump's programs see: the host name 'restoredrill-sandbox'
#      and only the loopback network device (checked by probes);
#   D. the same dump as A with sandbox = off (documented as unsafe): the
#      program DOES run on the host as run_as -- HOSTFILE holds the id of
#      'restoredrill' (never root, never postgres), and restore.sandbox is
#      "none" with the reason "sandbox = off".  This is what the sandbox
#      prevents; the test kills the left-over sleep.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { note "skipped: needs root (run_as, setpriv)"; exit 0; }

seed_start
HOSTDIR=$T/host
mkdir -p "$HOSTDIR" && chmod 1777 "$HOSTDIR"
N=$((6000 + RANDOM % 3000))   # the sleep we look for: sleep 6xxx.5
SLEEP="sleep $N.5"

left_sleeps() { pgrep -f "^$SLEEP\$" || true; }
kill_sleeps() { pkill -f "^$SLEEP\$" 2>/dev/null || true; }
trap '_rc=$?; kill_sleeps; (exit $_rc); rd_cleanup' EXIT

EVIL="COPY (SELECT 1) TO PROGRAM 'id > $HOSTDIR/pwned; setsid -f $SLEEP';"

# ------------------------------------------------ A. sandboxed (default)
plain_dump a.sql "$EVIL" end
R=$T/a.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE"
validate_report "$R"
assert_no_file "$HOSTDIR/pwned"
[ -z "$(left_sleeps)" ] || fail "the dump's '$SLEEP' outlived the run: $(left_sleeps)"
assert_json "$R" .restore.sandbox bwrap
assert_json "$R" .restore.sandbox_reason null
assert_json "$R" .restore.engine postgresql
note "A: exit $RD_RC, status $(jq -r .status "$R")"
[ -z "$(ls -A "$T" | grep '^restoredrill-')" ] || fail "a temp dir was left in $T"

# --------------------------------------- B. host files are not there to read
plain_dump b.sql "CREATE TABLE public.leak AS SELECT pg_read_file('/etc/os-release') AS t;" end
R=$T/b.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical restore_errors
assert_json_true "$R" '.restore.errors | join(" ") | test("No such file")' "the read failed: no such file in the sandbox"
assert_json_true "$R" '[.. | strings | select(test("PRETTY_NAME"))] | length == 0' "nothing of /etc/os-release in the report"

# ------------------- C. what the dump's programs see: the sandbox's host name,
# and a network namespace with only the loopback device
plain_dump c.sql "CREATE TABLE public.h (h text); COPY public.h FROM PROGRAM 'hostname'; CREATE TABLE public.n (l text); COPY public.n FROM PROGRAM 'cat /proc/net/dev';" end
P=$T/probes
probe_file "$P" host.sql <<'P'
-- name: sandbox_host
-- kind: true
SELECT (SELECT h FROM public.h) = 'restoredrill-sandbox'
P
probe_file "$P" net.sql <<'P'
-- name: only_lo
-- kind: true
SELECT array_agg(btrim(split_part(l, ':', 1))) = ARRAY['lo'] FROM public.n WHERE l LIKE '%:%'
P
R=$T/c.json
run_rd verify --source "$BACKUPS" --probes "$P" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' "sandbox_host=ok only_lo=ok"

# -------------------------------------- D. sandbox = off: the host is open
plain_dump d.sql "$EVIL" end
R=$T/d.json
run_rd verify --source "$BACKUPS" --report "$R" --state-dir "$STATE" --sandbox off
validate_report "$R"
assert_json "$R" .restore.sandbox none
assert_json "$R" .restore.sandbox_reason "sandbox = off"
assert_file_exists "$HOSTDIR/pwned"
if [ -f "$HOSTDIR/pwned" ]; then
    assert_contains "$HOSTDIR/pwned" "uid=$(id -u restoredrill)(restoredrill)"
fi
[ -n "$(left_sleeps)" ] || note "D: the sleep did not outlive the run (it may have been reaped)"
kill_sleeps
