#!/usr/bin/env bash
# 63: run by a normal user (here: a throwaway uid via setpriv), the sandbox
# is bwrap in an unprivileged user namespace: sandbox = required restores
# (0, restore.sandbox "bwrap"), the scratch server runs as that user, and a
# dump's COPY ... TO PROGRAM sees the sandbox's host name, not this host's.
# Skipped when this kernel refuses unprivileged user namespaces (bwrap then
# fails, which test 61 covers as sandbox_unavailable).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { note "skipped: needs root to become another user"; exit 0; }
U=nobody
G=$(id -gn nobody)
as_user() { setpriv --reuid="$U" --regid="$G" --clear-groups "$@"; }
if ! as_user bwrap --unshare-all --ro-bind / / true 2>/dev/null; then
    note "skipped: unprivileged user namespaces are not available here"
    exit 0
fi

seed_start
must spsql postgres -c "CREATE DATABASE nr"
must spsql nr -c "CREATE TABLE public.t (id int); INSERT INTO public.t VALUES (1), (2)"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d nr -f "$T/plain.sql"
awk -v tail="CREATE TABLE public.h (h text); COPY public.h FROM PROGRAM 'hostname; id -u';" \
    '/^-- PostgreSQL database dump complete/ && !done { print tail; done = 1 } { print }' \
    "$T/plain.sql" >"$BACKUPS/nr.sql"
chmod 0644 "$BACKUPS/nr.sql"

W=$T/user
mkdir -p "$W/tmp" "$W/state"
cp "$RESTOREDRILL" "$W/restoredrill" # the checkout may be in a dir $U cannot enter
chown -R "$U:$G" "$W"
P=$W/probes
probe_file "$P" h.sql <<P
-- name: sandboxed_as_user
-- kind: true
SELECT array_agg(h ORDER BY h) = ARRAY['$(id -u $U)', 'restoredrill-sandbox'] FROM public.h
P
chmod -R a+rX "$P"

R=$W/r.json
RD_N=$((RD_N + 1)); RD_OUT=$T/rd$RD_N.out; RD_ERR=$T/rd$RD_N.err
echo "+ (as $U) restoredrill verify --sandbox required"
as_user env -i PATH=/usr/bin:/bin TMPDIR="$W/tmp" HOME="$W" \
    timeout -k 5 120 "$W/restoredrill" verify --source "$BACKUPS" --probes "$P" \
    --report "$R" --state-dir "$W/state" --sandbox required </dev/null >"$RD_OUT" 2>"$RD_ERR"
RD_RC=$?
echo "  -> exit $RD_RC"
assert_report "$R" 0 ok null
assert_json "$R" .restore.sandbox bwrap
assert_probe "$R" sandboxed_as_user .status ok
[ -z "$(ls -A "$W/tmp")" ] || fail "left in the user's TMPDIR: $(ls -A "$W/tmp")"
