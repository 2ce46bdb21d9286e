#!/usr/bin/env bash
# 91: hostile mysqldump scripts (written by hand, each with a real header so
# it is detected as mysqldump) reach nothing on the host:
#   - "\! touch HOSTFILE" and "system touch HOSTFILE" (the mariadb client's
#     shell escapes): refused by --sandbox -> 2 restore_errors, no file;
#   - SELECT ... INTO OUTFILE '$T/...' and '/tmp/...': refused by
#     --secure-file-priv (only the server's private files/ dir) -> no file;
#   - LOAD DATA INFILE '/etc/passwd' and LOAD DATA LOCAL INFILE: refused ->
#     nothing read (the run fails before any probe sees a row);
#   - a dump that makes the probe user's name does not matter (fresh name).
# Nothing is left behind in $T (run.sh checks) and the host's /tmp gets no
# file either.
. "$(dirname "$0")/lib.sh"

HOST=$T/HOSTFILE
TMPNAME=/tmp/rd91-$$-$RANDOM

# dump NAME BODY: $T/src-NAME/NAME.sql: header, BODY, trailer.
dump() {
    mkdir -p "$T/src-$1"
    {
        printf '%s\n' '/*M!999999\- enable the sandbox mode */ ' \
            '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)' \
            '--' '-- Host: localhost    Database: shop' \
            '-- Server version	10.11.19-MariaDB-0+deb12u1' '' \
            'CREATE TABLE `t` (`line` text);' \
            "INSERT INTO \`t\` VALUES ('x');"
        printf '%s\n' "$2"
        printf '%s\n' '-- Dump completed on 2026-01-01  0:00:00'
    } >"$T/src-$1/$1.sql"
}

# hostile NAME BODY: the run fails at the restore (2, restore_errors).
hostile() {
    dump "$1" "$2"
    R=$T/$1.json
    run_rd verify --source "$T/src-$1" --report "$R" --state-dir "$STATE"
    assert_report "$R" 2 critical restore_errors
    assert_json "$R" .archive.format mysqldump
    assert_json "$R" .restore.engine mariadb
    assert_stage "$R" restore critical
    assert_no_file "$HOST"
    assert_no_file "$TMPNAME"
}

hostile bang "\\! touch $HOST"
assert_json_true "$R" '.restore.errors | length >= 1' "the client's refusal is in restore.errors"
hostile system "system touch $HOST"
hostile outfile "SELECT 'pwned' INTO OUTFILE '$HOST';"
assert_json_true "$R" '.restore.errors[0] | test("secure-file-priv")' "INTO OUTFILE: refused by --secure-file-priv"
hostile outfile-tmp "SELECT 'pwned' INTO OUTFILE '$TMPNAME';"
hostile dumpfile "SELECT 'pwned' INTO DUMPFILE '$HOST';"
hostile load "LOAD DATA INFILE '/etc/passwd' INTO TABLE \`t\`;"
assert_json_true "$R" '.restore.errors[0] | test("secure-file-priv")' "LOAD DATA INFILE: refused by --secure-file-priv"
hostile load-local "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE \`t\`;"
# A dump that only reads what it may: LOAD_FILE of a host file gives NULL
# (secure-file-priv), so nothing of /etc/passwd reaches a probe.
dump loadfile-ok "INSERT INTO \`t\` SELECT LOAD_FILE('/etc/passwd');"
probe_file "$T/probes" leaked.sql <<'EOF'
-- name: nothing_leaked
-- kind: empty
SELECT line FROM t WHERE line LIKE '%root:%';
EOF
R=$T/loadfile-ok.json
run_rd verify --source "$T/src-loadfile-ok" --probes "$T/probes" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_probe "$R" nothing_leaked .status ok

assert_no_file "$HOST"
assert_no_file "$TMPNAME"
rm -f "$TMPNAME"
