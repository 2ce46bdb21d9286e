#!/usr/bin/env bash
# 23: hostile tars of a -Fd directory (a real pg_dump -Fd folder plus one
# bad member, built with python's tarfile): `../` (also far enough to reach
# $T), an absolute path, a symlink then a file through it, a symlink then
# the same name again, a hardlink out and a hardlink in, a FIFO, a device,
# a duplicate, a setuid file, a name pg_dump never writes, a nested path, a
# name over 255 bytes.  Each: exit 2 archive_unsafe_path naming the member,
# and nothing written outside: $T/victim unchanged, no rdevil-* file
# anywhere in $T or /tmp.  Some are compressed (the same check behind a
# decoder).  The controls (the same folder, tarred the same way with no bad
# member, and tarred by GNU tar as ./NAME and as NAME) restore: exit 0.
. "$(dirname "$0")/lib.sh"

REPORTS=()
validate_soon() { # ajv once at the end (validate_all), consistency now
    REPORTS+=("$1")
    RD_AJV=/bin/true validate_report "$1"
}
validate_all() {
    local args=() f out
    for f in "${REPORTS[@]}"; do [ ! -s "$f" ] || args+=(-d "$f"); done
    [ ${#args[@]} -gt 0 ] || return 0
    out=$("$RD_AJV" validate --spec=draft2020 -c ajv-formats --all-errors --errors=text \
        -s "$RD_SCHEMA" "${args[@]}" 2>&1) \
        || fail "reports do not match docs/report.schema.json: $(printf '%s\n' "$out" | grep -v ' valid$')"
}

TAG=rdevil-$$-$RANDOM
W=$T/work
S=$BACKUPS
mkdir -p "$W" "$T/reports"

seed_start
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d seed -Fd -f "$W/mx.dir"
TARGET=$(seed_target postgres)

# What an attacker would aim at: a victim folder (and a writable spot).
mkdir -p "$T/victim" "$T/abs_target"
chmod 0777 "$T/victim" "$T/abs_target"
echo "precious" >"$T/victim/secret"
chmod 0666 "$T/victim/secret"
snapshot() { (cd "$T" && find victim abs_target -printf '%p %y %s %m %T@\n' | sort && cat victim/secret); }
before=$(snapshot)

# mktar.py DUMPDIR OUTDIR T TAG: one tar per case, NAME.tar
cat >"$W/mktar.py" <<'PY'
import io, os, sys, tarfile
dump, out, T, tag = sys.argv[1:5]
T = T.lstrip("/")                       # "tmp/rdt.XXXX"
files = sorted(os.listdir(dump))

def reg(name, data=b"x", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = len(data), mode, 1700000000
    return ti, data

def special(name, kind, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mode, ti.mtime = kind, link, 0o644, 1700000000
    if kind == tarfile.CHRTYPE:
        ti.devmajor, ti.devminor = 1, 3
    return ti, None

def legit():
    for f in files:
        data = open(os.path.join(dump, f), "rb").read()
        yield reg("mx.dir/" + f, data)

def write(case, before=(), after=()):
    with tarfile.open(os.path.join(out, case + ".tar"), "w", format=tarfile.GNU_FORMAT) as t:
        for ti, data in list(before) + list(legit()) + list(after):
            t.addfile(ti, io.BytesIO(data) if data is not None else None)

evil = tag.encode()
up = "../" * 16
write("control")
write("dotdot", before=[reg("mx.dir/../" + tag + "-dotdot", evil)])
write("dotdot-far", after=[reg(up + T + "/" + tag + "-far", evil)])
write("dotdot-tmp", before=[reg(up + "tmp/" + tag + "-tmp", evil)])
write("absolute", before=[reg("/" + T + "/abs_target/" + tag + "-abs", evil)])
write("symlink-dir", after=[special("mx.dir/d", tarfile.SYMTYPE, "/" + T + "/victim"),
                            reg("mx.dir/d/" + tag + "-x", evil)])
write("symlink-same", after=[special("mx.dir/3333.dat", tarfile.SYMTYPE, "/" + T + "/victim/secret"),
                             reg("mx.dir/3333.dat", evil)])
write("symlink-rel", before=[special("mx.dir/3334.dat", tarfile.SYMTYPE, up + T + "/victim/secret")])
write("hardlink-out", after=[special("mx.dir/4444.dat", tarfile.LNKTYPE, "/" + T + "/victim/secret"),
                             reg("mx.dir/4444.dat", evil)])
write("hardlink-in", after=[special("mx.dir/4445.dat", tarfile.LNKTYPE, "mx.dir/toc.dat")])
write("fifo", after=[special("mx.dir/5555.dat", tarfile.FIFOTYPE)])
write("chardev", after=[special("mx.dir/6666.dat", tarfile.CHRTYPE)])
write("duplicate", after=[reg("mx.dir/toc.dat", evil)])
write("setuid", after=[reg("mx.dir/7777.dat", evil, 0o4755)])
write("badname", after=[reg("mx.dir/" + tag + ".sh", evil)])
write("nested", after=[reg("mx.dir/sub/8888.dat", evil)])
write("longname", after=[reg("mx.dir/" + "9" * 300 + ".dat", evil)])
PY
must /usr/bin/python3 "$W/mktar.py" "$W/mx.dir" "$W" "$T" "$TAG"
# the other controls: GNU tar's own ways to tar the folder ("./toc.dat", "toc.dat")
must tar -C "$W/mx.dir" -cf "$W/control-dot.tar" .
must tar -C "$W/mx.dir" -cf "$W/control-flat.tar" $(cd "$W/mx.dir" && ls)

# case NAME COMPRESSION MEMBER_TEXT: the archive, compressed or not; the
# error message must contain MEMBER_TEXT (a piece of the bad member's name).
CASES="control none -
control-dot none -
control-flat gzip -
dotdot none $TAG-dotdot
dotdot-far none $TAG-far
dotdot-tmp gzip $TAG-tmp
absolute none $TAG-abs
symlink-dir zstd mx.dir/d
symlink-same none 3333.dat
symlink-rel xz 3334.dat
hardlink-out none 4444.dat
hardlink-in bzip2 4445.dat
fifo none 5555.dat
chardev lz4 6666.dat
duplicate none toc.dat
setuid none 7777.dat
badname none $TAG.sh
nested none sub/8888.dat
longname none 99999999"
while read -r name comp _; do
    case $comp in
    none) cp "$W/$name.tar" "$S/$name.bin" ;;
    gzip) gzip -c "$W/$name.tar" >"$S/$name.bin" ;;
    zstd) zstd -q -c "$W/$name.tar" >"$S/$name.bin" ;;
    xz) xz -c "$W/$name.tar" >"$S/$name.bin" ;;
    bzip2) bzip2 -c "$W/$name.tar" >"$S/$name.bin" ;;
    lz4) lz4 -q -c "$W/$name.tar" >"$S/$name.bin" ;;
    esac
done <<<"$CASES"
tar -tvf "$W/symlink-dir.tar" | tail -n 2 | sed 's/^/# /'

while read -r name comp member; do
    R=$T/reports/$name.json
    run_rd verify --source "$S" --archive "$name.bin" --target "$TARGET" --report "$R" --state-dir "$STATE"
    validate_soon "$R"
    if [[ $name == control* ]]; then
        assert_exit 0
        assert_json "$R" '[.status, .archive.format, .archive.transfer] | join(" ")' "ok directory spool"
        continue
    fi
    assert_exit 2
    assert_json "$R" '[.status, .error.code] | join(" ")' "critical archive_unsafe_path"
    assert_json "$R" .archive.compression "$comp"
    assert_json_true "$R" ".error.message | contains(\"$member\")" "$name: the message names the member ($member)"
    assert_json "$R" .restore.database null
    note "$name: $(jq -r '"\(.error.stage): \(.error.message)"' "$R" 2>/dev/null | head -c 200)"
    # nothing outside, after every case
    found=$(find "$T" /tmp -xdev -name "$TAG*" 2>/dev/null)
    [ -z "$found" ] || fail "$name: files written outside the extraction dir: $found"
done <<<"$CASES"

after=$(snapshot)
[ "$before" = "$after" ] || fail "\$T/victim or \$T/abs_target changed:
--- before
$before
--- after
$after"
left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
validate_all
