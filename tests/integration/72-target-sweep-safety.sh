#!/usr/bin/env bash
# 72: what the sweep may and may not drop on a server target (a dry run's
# stage sweep; the target role is rd_target):
#   dropped: a marked database of a dead run of this host, older than
#     sweep_after, owned by rd_target (listed: dropped, not in the ledger);
#   never dropped:
#     - named like ours without a marker (not listed);
#     - a forged marker naming a live run of this host (not listed);
#     - a marker of another host (not listed);
#     - our marker (dead run, old) but owned by another role (listed, kept);
#     - our marker, dead run, younger than sweep_after (listed, kept);
#     - a ledger entry of a dead run whose database another role owns
#       (listed, kept; the entry goes);
#     - a ledger entry of a live run (not listed, the entry stays);
#     - the server's other databases;
#   sweep_after = 10m drops the 20-minute-old one that 1h kept.
. "$(dirname "$0")/lib.sh"

seed_start
make_dump "app_$(ts_name %Y%m%d-%H%M 60).dump"
HOST=$(hostname)
dead=$(sh -c 'echo $$')
old=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
mid=$(date -u -d '-20 minutes' +%Y-%m-%dT%H:%M:%SZ)
marker() { echo "restoredrill scratch database (job default, pid $1, host $2, created $3); dropped when the run ends"; }
tpsql() {
    PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=rd_target PGDATABASE=postgres \
        "$SEED_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
mk() { # mk AS DB [COMMENT]
    local who=$1 db=$2
    if [ "$who" = rd_target ]; then tpsql -c "CREATE DATABASE $db"; else spsql postgres -c "CREATE DATABASE $db"; fi \
        || fail "create $db"
    [ -z "${3:-}" ] || spsql postgres -c "COMMENT ON DATABASE $db IS '$3'" || fail "comment $db"
}
mk rd_target restoredrill_nomark_1
mk rd_target restoredrill_forged_1 "$(marker $$ "$HOST" "$old")"
mk rd_target restoredrill_otherhost_1 "$(marker "$dead" elsewhere.example "$old")"
mk postgres restoredrill_otherowner_1 "$(marker "$dead" "$HOST" "$old")"
mk rd_target restoredrill_young_1 "$(marker "$dead" "$HOST" "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
mk rd_target restoredrill_mid_1 "$(marker "$dead" "$HOST" "$mid")"
mk rd_target restoredrill_old_1 "$(marker "$dead" "$HOST" "$old")"
mk postgres restoredrill_ledgerpg_1
mk rd_target restoredrill_ledgerlive_1
mk rd_target appdb
TGT=$(seed_target postgres)
SERVER="user=rd_target dbname=postgres host=$SEED_HOST port=$SEED_PORT"
mkdir -p "$STATE/ledger"
entry() { printf 'server=%s\ndatabase=%s\nrun_id=1-%s\npid=%s\nhost=%s\njob=default\ncreated=%s\n' \
    "$SERVER" "$1" "$2" "$2" "$HOST" "$(date -u -d '-2 hours' +%s)" >"$STATE/ledger/$1"; }
entry restoredrill_ledgerpg_1 "$dead"
entry restoredrill_ledgerlive_1 $$
dbs() { spsql postgres -Atc "SELECT datname FROM pg_database ORDER BY 1" | tr '\n' ' '; }

R=$T/sweep.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE" --dry-run
assert_report "$R" 0 ok null
assert_stage "$R" sweep ok
left=$(dbs)
note "left: $left"
for db in restoredrill_nomark_1 restoredrill_forged_1 restoredrill_otherhost_1 restoredrill_otherowner_1 \
    restoredrill_young_1 restoredrill_mid_1 restoredrill_ledgerpg_1 restoredrill_ledgerlive_1 appdb seed; do
    case " $left" in *" $db "*) ;; *) fail "the sweep dropped $db" ;; esac
done
case " $left" in *" restoredrill_old_1 "*) fail "the sweep kept restoredrill_old_1" ;; esac
sw() { jq -r --arg d "$1" '[.sweep[] | select(.database == $d)] | if length == 0 then "none" else (.[0].dropped | tostring) + " " + .[0].reason end' "$R"; }
assert_json "$R" '.sweep | length' 5
[ "$(sw restoredrill_old_1)" = "true marked by a dead run of this host, older than sweep_after" ] || fail "old: $(sw restoredrill_old_1)"
assert_json "$R" '.sweep[] | select(.database == "restoredrill_old_1") | .run_id' "pid $dead@$HOST"
assert_json_true "$R" '.sweep[] | select(.database == "restoredrill_old_1") | .age_s >= 7200' "age_s of the old one"
[ "$(sw restoredrill_otherowner_1)" = "false owned by another role than the target's: not touched" ] || fail "otherowner: $(sw restoredrill_otherowner_1)"
[ "$(sw restoredrill_young_1)" = "false not in the ledger and younger than sweep_after: kept" ] || fail "young: $(sw restoredrill_young_1)"
[ "$(sw restoredrill_ledgerpg_1)" = "false owned by another role than the target's: not touched" ] || fail "ledgerpg: $(sw restoredrill_ledgerpg_1)"
for db in restoredrill_nomark_1 restoredrill_forged_1 restoredrill_otherhost_1 restoredrill_ledgerlive_1 appdb; do
    [ "$(sw $db)" = none ] || fail "$db should not be listed: $(sw $db)"
done
assert_no_file "$STATE/ledger/restoredrill_ledgerpg_1"
assert_file_exists "$STATE/ledger/restoredrill_ledgerlive_1"

# A shorter sweep_after takes the 20-minute-old one (and only it).
R=$T/sweep2.json
run_rd verify --source "$BACKUPS" --target "$TGT" --report "$R" --state-dir "$STATE" --dry-run --sweep-after 10m
assert_report "$R" 0 ok null
[ "$(sw restoredrill_mid_1)" = "true marked by a dead run of this host, older than sweep_after" ] || fail "mid: $(sw restoredrill_mid_1)"
case " $(dbs)" in *" restoredrill_mid_1 "*) fail "sweep_after 10m kept restoredrill_mid_1" ;; esac
case " $(dbs)" in *" restoredrill_forged_1 "*) ;; *) fail "the forged one went" ;; esac
