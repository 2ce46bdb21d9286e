#!/usr/bin/env bash
# 19: --keep says what was kept and how to use it: no "ok cleanup" (nothing
# was cleaned up), a psql line that works for the invoking user — here root
# running for a sudo user (SUDO_UID/SUDO_GID = nobody), whose scratch
# cluster's socket dir used to be 0700 postgres-owned — and a stop command
# (run here, as root, so that nothing is left).
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "$T/src/app.dump"
seed_stop
R=$T/keep.json
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
SUDO_UID=$NOBODY_UID SUDO_GID=$NOBODY_GID SUDO_USER=nobody \
    run_rd verify --source "$T/src" --keep --report "$R" --state-dir "$STATE"
assert_exit 0
validate_report "$R"
assert_json "$R" .restore.kept true
assert_stage "$R" cleanup skipped
! grep -Eq '^ *ok +cleanup' "$RD_OUT" || fail "the summary says 'ok cleanup' although everything was kept"
assert_matches "$RD_ERR" "^kept: the scratch cluster .* still running"
assert_matches "$RD_OUT" "cleanup skipped \(--keep\)"
conn=$(sed -n 's/^ *connect: psql "\(.*\)"$/\1/p' "$RD_ERR" | head -n1)
stop=$(sed -n 's/^ *stop: *\(kill -INT .*\)$/\1/p' "$RD_ERR" | head -n1)
[ -n "$conn" ] && [ -n "$stop" ] || fail "--keep printed no connect/stop lines"
note "connect: $conn"
got=$(cd / && setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    psql -X -At "$conn" -c "SELECT count(*) FROM public.customers" 2>&1)
[ "$got" = 100 ] || fail "the printed psql line does not work for the invoking (sudo) user: $got"
kpid=$(printf '%s\n' "$stop" | sed -n 's/^kill -INT \([0-9]*\) .*/\1/p')
note "stop: $stop"
# A server slow to shut down (a busy machine): the printed line must wait
# for it before it removes the dir.
kill -STOP "$kpid"
(sleep 1; kill -CONT "$kpid" 2>/dev/null) &
bash -c "$stop" || fail "the printed stop command failed"
wait
# When the printed line returns, the server is gone and so is its dir (a
# line that removes the dir while the server still shuts down races it).
if kill -0 "$kpid" 2>/dev/null; then
    fail "the kept cluster still runs when the printed stop command has returned"
    for _ in $(seq 1 100); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$kpid" 2>/dev/null
fi
if [ -n "$(find "$T" -maxdepth 1 -name 'restoredrill-*')" ]; then
    fail "the printed stop command left the cluster dir behind"
    rm -rf "$T"/restoredrill-*
fi
