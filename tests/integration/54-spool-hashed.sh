#!/usr/bin/env bash
# 54: pg_restore reads the bytes that were hashed.  An uncompressed custom
# (or -Ft) dump is spooled into the private temp dir while it is hashed, and
# pg_restore (--jobs) reads the spool, never the source file by name:
#   - a readable custom dump: exit 0, archive.transfer spool, restore.jobs =
#     CPU count, archive.sha256 = sha256sum;
#   - the archive is replaced (rename) by another valid dump as soon as
#     restoredrill opens it: what is restored is what was hashed (the
#     restored table says A and the reported sha256 is A's);
#   - as root, a root-only 0600 custom dump into the default ephemeral target
#     (the restore runs as run_as, which cannot read it): ok, spool, --jobs;
#   - with max_unpacked_size below the archive's size it is not spooled but
#     streamed (one job): ok, transfer stream;
#   - an uncompressed -Ft tar: spooled too (one job: pg_restore reads a tar
#     with one), ok, sha256 = sha256sum;
#   - nothing left in $T (the spool lives in the work dir, removed).
. "$(dirname "$0")/lib.sh"

NPROC=$(nproc)
seed_start
TARGET=$(seed_target postgres)

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# a readable custom dump
make_dump app.dump
R=$T/spool.json
run_rd verify --source "$BACKUPS" --archive app.dump --target "$TARGET" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.archive.format, .archive.compression, .archive.transfer] | join(" ")' "custom none spool"
assert_json "$R" .archive.sha256 "$(sha "$BACKUPS/app.dump")"
assert_json "$R" .restore.jobs "$NPROC"

# swapped as soon as it is opened: the restore must read what was hashed
mkdir -p "$T/swap"
make_dump "$T/swap/app.dump" "CREATE TABLE public.which (v text); INSERT INTO public.which VALUES ('A');"
make_dump "$T/swap/.other" "CREATE TABLE public.which (v text); INSERT INTO public.which VALUES ('B');"
SHA_A=$(sha "$T/swap/app.dump")
cat >"$T/swapper.py" <<'PY'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
path, other, ready = sys.argv[1:4]
fd = libc.inotify_init1(0)
IN_OPEN = 0x20
if fd < 0 or libc.inotify_add_watch(fd, path.encode(), IN_OPEN) < 0:
    sys.exit("inotify failed: %s" % os.strerror(ctypes.get_errno()))
open(ready, "w").close()
os.read(fd, 4096)          # the first open: restoredrill's own
os.rename(other, path)     # now the name is another dump
print("swapped")
PY
/usr/bin/python3 "$T/swapper.py" "$T/swap/app.dump" "$T/swap/.other" "$T/swapper.ready" >"$T/swapper.out" 2>&1 &
SWAPPER=$!
for _ in $(seq 1 50); do [ -e "$T/swapper.ready" ] && break; sleep 0.1; done
[ -e "$T/swapper.ready" ] || fail "fixture: the inotify swapper did not start: $(cat "$T/swapper.out")"
R=$T/swap.json
run_rd verify --source "$T/swap" --archive app.dump --target "$TARGET" --keep --report "$R" --state-dir "$T/state-swap"
kill "$SWAPPER" 2>/dev/null
wait "$SWAPPER" 2>/dev/null
assert_contains "$T/swapper.out" swapped
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$SHA_A"
db=$(jq -r '.restore.database // empty' "$R" 2>/dev/null)
case $db in
restoredrill_*)
    got=$(spsql "$db" -At -c "SELECT v FROM public.which" 2>&1)
    [ "$got" = A ] || fail "restored '$got' from the swapped-in dump, but reported the sha256 of dump A"
    spsql postgres -c "DROP DATABASE \"$db\"" || fail "could not drop $db"
    ;;
*) fail "swap: no kept database ('$db')" ;;
esac

# root-only 0600: run_as cannot read it, its spool is theirs
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$T/private"
    cp "$BACKUPS/app.dump" "$T/private/app.dump"
    chmod 0600 "$T/private/app.dump"
    chmod 0700 "$T/private"
    R=$T/private.json
    run_rd verify --source "$T/private" --archive app.dump --report "$R" --state-dir "$T/state-private"
    assert_report "$R" 0 ok null
    assert_json "$R" .restore.target ephemeral
    assert_json "$R" .archive.transfer spool
    assert_json "$R" .restore.jobs "$NPROC"
    assert_json "$R" .archive.sha256 "$(sha "$T/private/app.dump")"
else
    note "not root: the root-only archive case is skipped"
fi

# bigger than max_unpacked_size: streamed instead of spooled
size=$(stat -c %s "$BACKUPS/app.dump")
R=$T/bound.json
run_rd verify --source "$BACKUPS" --archive app.dump --target "$TARGET" \
    --max-unpacked-size "$((size / 2))" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.transfer stream
assert_json_true "$R" '[.notes[] | select(test("bigger than max_unpacked_size.*streamed"))] | length == 1' "a note says why it was streamed"
assert_json "$R" .restore.jobs 1
assert_json "$R" .archive.sha256 "$(sha "$BACKUPS/app.dump")"

# an uncompressed -Ft tar: spooled, one job
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Ft -d seed -f "$BACKUPS/app.tar"
R=$T/tar.json
run_rd verify --source "$BACKUPS" --archive app.tar --target "$TARGET" --report "$R" --state-dir "$T/state-tar"
assert_report "$R" 0 ok null
assert_json "$R" '[.archive.format, .archive.transfer] | join(" ")' "tar spool"
assert_json "$R" .restore.jobs 1
assert_json "$R" .archive.sha256 "$(sha "$BACKUPS/app.tar")"

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
left=$(find "$T" -maxdepth 1 -name 'restoredrill-*')
[ -z "$left" ] || fail "temp dirs left behind: $left"
