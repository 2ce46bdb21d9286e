#!/usr/bin/env bash
# 53: a pg_dump -Fd folder sitting in the source, with one member that is
# not a regular file.  Every member is opened with O_NOFOLLOW|O_NONBLOCK and
# fstat'ed; anything else is refused before pg_restore runs (exit 2,
# critical archive_unsafe_path at stage decode, the message naming the member
# and what it is), nothing restored, nothing left in $T:
#   - a data member replaced by a symlink to a copy of itself outside the
#     folder (read in place, it would read whatever file the link names);
#   - a data member replaced by a FIFO (pg_restore would block on it
#     forever: the run is bounded by a timeout);
#   - a subdirectory;
#   - as root: a character device, and a symlink in a root-only 0700 folder
#     (the copy for run_as used to skip it silently).
# The control (the same folder, clean) restores: exit 0, archive.transfer
# spool (the folder is copied into the private temp dir, member by member,
# from the descriptors that were checked), restore.jobs = the CPU count.
. "$(dirname "$0")/lib.sh"

NPROC=$(nproc)
seed_start
TARGET=$(seed_target postgres)
W=$T/work
mkdir -p "$W/outside"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fd -d seed -f "$W/clean"
chmod -R go+rX "$W/clean" # pg_dump makes it 0700; run_as must read it
# the biggest data member: the one pg_restore surely opens
member=$(cd "$W/clean" && ls -S -- [0-9]*.dat* | head -n1)
[ -n "$member" ] || { fail "fixture: no data member in the -Fd folder"; exit 1; }
note "data member: $member"

# fresh NAME: a copy of the clean folder as $BACKUPS/NAME
fresh() {
    cp -a "$W/clean" "$BACKUPS/$1" || fail "fixture: cp $1"
}

# refused NAME MEMBER WHAT: the run on folder NAME is refused naming MEMBER
# and saying WHAT it is.
refused() {
    local R=$T/$1.json
    RD_TIMEOUT=60 run_rd verify --source "$BACKUPS" --archive "$1" --target "$TARGET" \
        --report "$R" --state-dir "$STATE"
    assert_report "$R" 2 critical archive_unsafe_path
    assert_json "$R" .error.stage decode
    assert_json "$R" .archive.format directory
    assert_json "$R" .restore.database null
    assert_json_true "$R" ".error.message | contains(\"$2\")" "$1: the message names the member ($2)"
    assert_json_true "$R" ".error.message | contains(\"$3\")" "$1: the message says it is $3"
    note "$1: $(jq -r .error.message "$R" 2>/dev/null)"
}

# the control
fresh control
R=$T/control.json
run_rd verify --source "$BACKUPS" --archive control --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.archive.format, .archive.transfer] | join(" ")' "directory spool"
assert_json "$R" .restore.jobs "$NPROC"
rm -rf "$BACKUPS/control"

# a symlinked member (to a copy of itself, so an in-place read would "work")
fresh symlink
mv "$BACKUPS/symlink/$member" "$W/outside/$member"
ln -s "$W/outside/$member" "$BACKUPS/symlink/$member"
refused symlink "$member" "symbolic link"
rm -rf "$BACKUPS/symlink"

# a FIFO member: must not hang
fresh fifo
rm -f "$BACKUPS/fifo/$member"
mkfifo "$BACKUPS/fifo/$member"
start=$(date +%s)
refused fifo "$member" "FIFO"
[ $(($(date +%s) - start)) -le 30 ] || fail "the FIFO member should be refused at once"
rm -rf "$BACKUPS/fifo"

# a subdirectory
fresh subdir
mkdir "$BACKUPS/subdir/sub"
refused subdir "sub" "subdirectory"
rm -rf "$BACKUPS/subdir"

if [ "$(id -u)" = 0 ]; then
    fresh device
    mknod "$BACKUPS/device/6666.dat" c 1 3
    refused device "6666.dat" "device"
    rm -rf "$BACKUPS/device"

    # root-only folder: the copy made for run_as used to skip the link
    fresh rootonly
    chmod -R go-rwx "$BACKUPS/rootonly"
    mv "$BACKUPS/rootonly/$member" "$W/outside/root-$member"
    ln -s "$W/outside/root-$member" "$BACKUPS/rootonly/$member"
    refused rootonly "$member" "symbolic link"
    rm -rf "$BACKUPS/rootonly"
else
    note "not root: device and root-only folder cases skipped"
fi

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
left=$(find "$T" -maxdepth 1 -name 'restoredrill-*')
[ -z "$left" ] || fail "temp dirs left behind: $left"
