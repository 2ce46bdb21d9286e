#!/usr/bin/env bash
# 95: the scratch MariaDB goes on every path:
#   - SIGINT mid-restore (a dump stuck in SLEEP) -> 130, the server and the
#     client stopped, its temp dir removed;
#   - kill -9 of restoredrill mid-restore, in the sandbox: within 3 s
#     neither mariadbd nor the mariadb client runs (the sandbox's pid
#     namespace died with bwrap); the killed run's temp dir is still there
#     (nobody could clean it) and the next run removes it (its owner pid is
#     dead, its server.pid gone).
. "$(dirname "$0")/lib.sh"

SRC=$T/src
mkdir -p "$SRC"
{
    printf '%s\n' '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)' \
        '-- Server version	10.11.19-MariaDB' '' 'CREATE TABLE `t` (`a` int);' \
        'INSERT INTO `t` VALUES (1);' 'SELECT SLEEP(120);' '-- Dump completed on 2026-01-01  0:00:00'
} >"$SRC/slow.sql"

# ------------------------------------------------------------- SIGINT
run_rd_bg verify --source "$SRC" --report "$T/int.json" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" mariadb 60 || fail "the mariadb client never ran under restoredrill (pid $pid)"
server=$(descendant "$pid" mariadbd)
[ -n "$server" ] || fail "no scratch mariadbd under restoredrill"
kill -INT "$pid"
wait_rd "$pid" 30
assert_exit 130
kill -0 "$server" 2>/dev/null && fail "mariadbd $server still runs after SIGINT"
[ -z "$(ls -d "$T"/restoredrill-* 2>/dev/null)" ] || fail "SIGINT left $(ls -d "$T"/restoredrill-*)"
assert_json "$T/int.json" .error.code interrupted

# ------------------------------------------------------------- kill -9
run_rd_bg verify --source "$SRC" --report "$T/killed.json" --state-dir "$STATE"
pid=$RD_PID
wait_descendant "$pid" mariadb 60 || fail "the mariadb client never ran under restoredrill (pid $pid)"
server=$(descendant "$pid" mariadbd)
client=$(descendant "$pid" mariadb)
[ -n "$server" ] || fail "no scratch mariadbd under restoredrill"
dir=$(ls -d "$T"/restoredrill-* 2>/dev/null | head -n 1)
note "kill -9 $pid (server $server, client $client, dir $dir)"
kill -KILL "$pid"
wait_rd "$pid" 10
gone=
for _ in $(seq 1 30); do
    if ! kill -0 "$server" 2>/dev/null && ! kill -0 "$client" 2>/dev/null; then
        gone=1
        break
    fi
    sleep 0.1
done
[ -n "$gone" ] || fail "3 s after kill -9 mariadbd ($server) or the client ($client) still runs"
[ -n "$dir" ] && [ -d "$dir" ] || fail "the killed run's temp dir should still be there"
assert_file_exists "$dir/server.pid"

run_rd verify --source "$SRC" --state-dir "$STATE" --dry-run
assert_exit 0
[ ! -e "$dir" ] || fail "the next run did not remove the killed run's '$dir'"
assert_contains "$RD_ERR" "left behind by an earlier run (pid $pid) that was killed"
