#!/usr/bin/env bash
# 24: --dry-run, --keep and --parallel.
#   - --dry-run on a good gzip'd custom dump: exit 0, a note saying "dry run",
#     no last.json and no metrics written (nothing was verified),
#     and no scratch cluster ever started (polled while it runs);
#   - --dry-run on a truncated one: exit 2 decompress_truncated (the archive
#     is still read to its end), still no cluster; the same for a streamed
#     zstd archive cut far past the 64 KiB peek, whose good twin reports
#     the sha256 of all its bytes;
#   - --parallel 2 over a config of 3 jobs (two slow good ones, one bad):
#     exit 2, two restores at once but never three, three last.json;
#     and a config of an unknown and a critical job: exit 2 (critical wins);
#   - --keep: the scratch cluster is left running, the report says
#     restore.kept true, the data is there, and the printed stop command
#     stops it and removes its dir.
. "$(dirname "$0")/lib.sh"

# count_descendants PID NAME...: how many running descendants of PID have one
# of these command names (not counting those whose parent has the same name:
# pg_restore --jobs workers, postgres backends).
count_descendants() {
    local root=$1
    shift
    ps -e -o pid=,ppid=,comm= | awk -v root="$root" -v names=" $* " '
        { ppid[$1] = $2; comm[$1] = $3 }
        END {
            n = 0
            for (p in comm) {
                if (index(names, " " comm[p] " ") == 0) continue
                if (comm[ppid[p]] == comm[p]) continue
                q = ppid[p]
                for (i = 0; i < 50 && q > 1; i++) {
                    if (q == root) { n++; break }
                    q = ppid[q]
                }
            }
            print n
        }'
}
# rd_pids: processes of this test's scratch clusters and tools (restoredrill
# makes them in TMPDIR=T, so they name T; other runs on the machine do not).
rd_pids() { pgrep -f -- "$T/restoredrill-" | sort; }

# watch_run PID: until PID exits, poll every ~20 ms; sets MAX_SERVERS (most
# postgres/initdb/pg_ctl descendants seen at once), MAX_RESTORES (most
# pg_restore/psql descendants at once), NEW_RD (new processes whose command
# line mentions $T/restoredrill-, e.g. a scratch cluster), POLLS.
watch_run() {
    local pid=$1 base n new
    base=$(rd_pids)
    MAX_SERVERS=0 MAX_RESTORES=0 NEW_RD= POLLS=0
    while kill -0 "$pid" 2>/dev/null; do
        POLLS=$((POLLS + 1))
        n=$(count_descendants "$pid" postgres initdb pg_ctl)
        [ "$n" -le "$MAX_SERVERS" ] || MAX_SERVERS=$n
        n=$(count_descendants "$pid" pg_restore psql)
        [ "$n" -le "$MAX_RESTORES" ] || MAX_RESTORES=$n
        new=$(comm -13 <(printf '%s\n' "$base") <(rd_pids) | grep -v "^$pid\$" | grep -v '^$')
        if [ -n "$new" ]; then
            NEW_RD+=" $(ps -o args= -p $new 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
        fi
        [ $POLLS -lt 3000 ] || break
        sleep 0.02
    done
    note "watched pid $pid: $POLLS polls, servers at once $MAX_SERVERS, restores at once $MAX_RESTORES"
}

seed_start
W=$T/work
mkdir -p "$W"
make_dump "$W/seed.custom"
make_dump "$W/slow.custom" "$(fixture_slow_sql 1500)"   # ~3 s to restore outside the seed cluster
# big enough (hex noise compresses badly) that a streamed dry run must read
# far past the 64 KiB it peeks at
make_dump "$W/big.custom" "CREATE TABLE public.noise AS
    SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS h FROM generate_series(1, 40000) g;"
seed_stop

G=$T/good
mkdir -p "$G"
gzip -c "$W/seed.custom" >"$G/app.dump"
size=$(stat -c %s "$G/app.dump")
head -c $((size - 1)) "$G/app.dump" >"$W/truncated.gz"

# ---------------------------------------------------------------- --dry-run
R=$T/dry.json
run_rd_bg verify --source "$G" --dry-run --report "$R" --state-dir "$STATE" \
    --metrics "$T/dry.prom"
watch_run "$RD_PID"
wait_rd "$RD_PID" 60
assert_report "$R" 0 ok null
# Nothing was restored: monitoring must not see a verified backup.
[ ! -e "$STATE/default/last.json" ] || fail "--dry-run wrote last.json"
[ ! -e "$T/dry.prom" ] || fail "--dry-run wrote the metrics file"
assert_json_true "$R" '[.notes[] | select(test("last.json and the metrics file left as they were"))] | length == 1' \
    "a note says last.json and metrics were left alone"
[ "$MAX_SERVERS" -eq 0 ] || fail "--dry-run started a server (postgres/initdb/pg_ctl seen: $MAX_SERVERS)"
[ -z "$NEW_RD" ] || fail "--dry-run: processes mentioning restoredrill- appeared: $NEW_RD"
assert_not_contains "$RD_ERR" "starting a scratch"
assert_json_true "$R" '[.notes[] | select(test("dry run"; "i"))] | length >= 1' 'notes mention "dry run"'
assert_json_true "$R" '[.notes[] | select(test("app.dump"))] | length >= 1' "the note names the archive"
assert_json "$R" '[.archive.format, .archive.compression] | join(" ")' "custom gzip"
assert_json "$R" .restore.database null
assert_stage "$R" decode ok
assert_stage "$R" preflight ok
st=$(stage_status "$R" restore)
case $st in skipped | missing) ;; *) fail "--dry-run: stage restore should be skipped (got $st)" ;; esac
note "dry-run notes: $(jq -c .notes "$R" 2>/dev/null)"

B=$T/bad
mkdir -p "$B"
cp "$W/truncated.gz" "$B/app.dump"
R=$T/dry-truncated.json
run_rd_bg verify --source "$B" --dry-run --report "$R" --state-dir "$STATE"
watch_run "$RD_PID"
wait_rd "$RD_PID" 60
assert_report "$R" 2 critical decompress_truncated
assert_json "$R" .error.stage decode
assert_not_contains "$RD_ERR" "starting a scratch"
assert_json "$R" .restore.database null
[ "$MAX_SERVERS" -eq 0 ] || fail "--dry-run (truncated) started a server ($MAX_SERVERS)"
[ -z "$NEW_RD" ] || fail "--dry-run (truncated): processes mentioning restoredrill- appeared: $NEW_RD"

# A streamed archive (zstd) is read to its end by a dry run too: its sha256
# is reported, and a cut far past the peek is still decompress_truncated.
Z=$T/zgood
mkdir -p "$Z" "$T/zbad"
zstd -q -1 -c "$W/big.custom" >"$Z/app.dump"
zsize=$(stat -c %s "$Z/app.dump")
[ "$zsize" -gt 524288 ] || fail "fixture: big.custom.zst is only $zsize bytes (want > 512 KiB)"
head -c $((zsize * 3 / 4)) "$Z/app.dump" >"$T/zbad/app.dump"
R=$T/dry-stream.json
run_rd verify --source "$Z" --dry-run --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.transfer stream
assert_json "$R" .archive.sha256 "$(sha256sum <"$Z/app.dump" | cut -c1-64)"
R=$T/dry-stream-cut.json
run_rd verify --source "$T/zbad" --dry-run --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical decompress_truncated
assert_json "$R" .error.stage decode

# ---------------------------------------------------------------- --parallel 2
for j in a b c; do mkdir -p "$T/src-$j"; done
cp "$W/slow.custom" "$T/src-a/app.dump"
cp "$W/slow.custom" "$T/src-b/app.dump"
cp "$W/truncated.gz" "$T/src-c/app.dump"
C=$T/jobs.conf
cat >"$C" <<CONF
[defaults]
state_dir = $STATE
report = $T/reports/{job}.json

[job a]
source = $T/src-a

[job b]
source = $T/src-b

[job c]
source = $T/src-c
CONF
mkdir -p "$T/reports"
run_rd_bg verify -c "$C" --parallel 2
watch_run "$RD_PID"
wait_rd "$RD_PID" 120
assert_exit 2
[ "$MAX_RESTORES" -ge 2 ] || fail "--parallel 2: never saw two restores at once (max $MAX_RESTORES)"
[ "$MAX_RESTORES" -le 2 ] || fail "--parallel 2: saw $MAX_RESTORES restores at once"
for j in a b c; do
    validate_report "$T/reports/$j.json"
    assert_json "$T/reports/$j.json" .job "$j"
    assert_last_json "$j" "$T/reports/$j.json"
    validate_report "$STATE/$j/last.json"
done
assert_json "$T/reports/a.json" '[.status, .exit_code] | map(tostring) | join(" ")' "ok 0"
assert_json "$T/reports/b.json" '[.status, .exit_code] | map(tostring) | join(" ")' "ok 0"
assert_json "$T/reports/c.json" '[.status, .error.code] | join(" ")' "critical decompress_truncated"

# worst of unknown (no such source) and critical (an empty archive) is critical
mkdir -p "$T/src-e"
: >"$T/src-e/app.dump"
C2=$T/jobs2.conf
cat >"$C2" <<CONF
[defaults]
state_dir = $STATE
report = $T/reports/{job}.json

[job u]
source = $T/no-such-dir

[job e]
source = $T/src-e
CONF
run_rd verify -c "$C2" --parallel 2
assert_exit 2
validate_report "$T/reports/u.json"
validate_report "$T/reports/e.json"
assert_json "$T/reports/u.json" '[.status, .error.code] | join(" ")' "unknown source_unreachable"
assert_json "$T/reports/e.json" '[.status, .error.code] | join(" ")' "critical archive_empty"

# ---------------------------------------------------------------- --keep
R=$T/keep.json
run_rd verify --source "$G" --keep --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .restore.kept true
assert_json "$R" .restore.scratch_dropped false
conn=$(sed -n 's/^ *connect: psql "\(.*\)"$/\1/p' "$RD_ERR" | head -n1)
stop=$(sed -n 's/^ *stop: *\(kill -INT .*\)$/\1/p' "$RD_ERR" | head -n1)
kpid= kdir=
re="^kill -INT ([0-9]+) && while kill -0 [0-9]+ 2>/dev/null; do sleep 0.1; done && rm -rf '($T/restoredrill-[A-Za-z0-9]+)'\$"
if [[ $stop =~ $re ]]; then
    kpid=${BASH_REMATCH[1]}
    kdir=${BASH_REMATCH[2]}
fi
if [ -z "$conn" ] || [ -z "$kpid" ] || [ -z "$kdir" ]; then
    fail "--keep should print 'connect: psql \"…\"' and 'stop: kill -INT PID && rm -rf '\$TMPDIR/restoredrill-…'' (conn='$conn' stop='$stop')"
    sed 's/^/  | /' "$RD_ERR"
else
    kill -0 "$kpid" 2>/dev/null || fail "the kept cluster (pid $kpid) is not running"
    [ -d "$kdir" ] || fail "the kept cluster's dir $kdir is gone"
    got=$(/usr/lib/postgresql/15/bin/psql -X -At "$conn" -c "SELECT count(*) FROM public.customers" 2>&1)
    [ "$got" = 100 ] || fail "kept database: customers rows (expected 100, got '$got')"
    jq -r .restore.database "$R" | grep -qx "$(printf '%s\n' "$conn" | sed -n 's/.*dbname=\([^ ]*\).*/\1/p')" \
        || fail "the connect line names another database than restore.database"
    note "running the printed stop command: $stop"
    bash -c "$stop" || fail "the printed stop command failed: $stop"
    for _ in $(seq 1 150); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$kpid" 2>/dev/null; then
        fail "the kept cluster (pid $kpid) still runs 15 s after the printed stop command"
        kill -KILL "$kpid" 2>/dev/null
    fi
    sleep 0.5
    if [ -e "$kdir" ]; then
        fail "the printed stop command left $kdir behind: $(find "$kdir" | head -n 5 | tr '\n' ' ')"
        rm -rf "$kdir"
    fi
fi
