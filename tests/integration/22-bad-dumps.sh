#!/usr/bin/env bash
# 22: broken, hostile and too-new dumps (all made from real pg_dump output):
#   - a custom dump cut in half: exit 2 archive_truncated;
#   - a flipped byte in a custom dump's data area: exit 2 (restore_errors or
#     decompress_corrupt);
#   - plain SQL with an error in the middle: exit 2 restore_errors, the psql
#     error line in restore.errors;
#   - plain dumps carrying psql meta-commands (`\!`, `\o |cmd`, also after
#     the dump's own `\unrestrict KEY`, also before its `\restrict`, also in
#     a dump without pg_dump's \restrict lines, also gzip-compressed): exit 2
#     restore_errors and nothing ran on the host (while plain psql does run
#     them: the fixtures are live);
#   - a custom dump whose header is a real archive format 1.15 (pg_dump 16)
#     header, and a plain dump "dumped from" PostgreSQL 17: exit 3
#     tool_too_old with a hint naming postgresql-16 / postgresql-17;
#   - a custom (and a plain) dump that creates the extension hstore, run
#     against a PostgreSQL root ($RESTOREDRILL_PG_ROOT) whose share dir lacks
#     hstore.control: exit 3 missing_extension naming hstore (the same dump
#     with the real root, and with a fake root that has it, restores: exit 0).
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

sdump() { # DB ARGS...
    local db=$1
    shift
    env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d "$db" "$@"
}

S=$BACKUPS
W=$T/work
mkdir -p "$W" "$T/reports"

seed_start
must spsql postgres -c "CREATE DATABASE bulk"
must spsql bulk -c "SET client_min_messages = warning;
    CREATE TABLE public.a (id int PRIMARY KEY, m text NOT NULL);
    CREATE TABLE public.b (id int PRIMARY KEY, m text NOT NULL);
    CREATE TABLE public.c (id int PRIMARY KEY, m text NOT NULL);
    INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 3000) g;
    INSERT INTO public.b SELECT g, md5((g * 3)::text) || md5(g::text) FROM generate_series(1, 6000) g;
    INSERT INTO public.c SELECT g, md5((g * 5)::text) FROM generate_series(1, 3000) g;"
must sdump bulk -Fc -f "$W/bulk.custom"
must sdump bulk -Fc -Z0 -f "$W/bulk.custom0"
must sdump bulk -Fp -f "$W/bulk.sql"
must spsql postgres -c "CREATE DATABASE ext"
must spsql ext -c "SET client_min_messages = warning; CREATE EXTENSION hstore;
    CREATE TABLE public.kv (id int PRIMARY KEY, h public.hstore);
    INSERT INTO public.kv VALUES (1, 'a=>1'), (2, 'b=>2');"
must sdump ext -Fc -f "$S/ext.custom"
must sdump ext -Fp -f "$S/ext.sql"
TARGET=$(seed_conninfo postgres)

# verify NAME [ARGS...]: one run on archive NAME of $S; R = its report.
verify() {
    local name=$1
    shift
    R=$T/reports/${name}${SUFFIX:-}.json
    run_rd verify --source "$S" --archive "$name" --report "$R" --state-dir "$STATE" "$@"
    validate_soon "$R"
    assert_json "$R" .archive.name "$name"
}
verdict() { # the last report's "status code stage"
    jq -r '[.status, .error.code, .error.stage] | map(tostring) | join(" ")' "$R" 2>/dev/null
}

# ------------------------------------------------------------ a custom dump cut in half
size=$(stat -c %s "$W/bulk.custom")
head -c $((size / 2)) "$W/bulk.custom" >"$S/half.custom"
verify half.custom --target "$TARGET"
assert_exit 2
assert_json "$R" '[.status, .error.code] | join(" ")' "critical archive_truncated"
assert_json "$R" .archive.format custom
note "cut in half: $(verdict)"

# ------------------------------------------------------------ a flipped byte in the data area
# The table data lies after the TOC; 3/4 into the file is inside table b's
# zlib-compressed data block.  pg_dump's own compression, so the damage is
# caught (a flipped digit in uncompressed COPY text would restore silently).
cp "$W/bulk.custom" "$S/flipped.custom"
toc_end=$(grep -abo 'COPY public.c' "$W/bulk.custom" | tail -n1 | cut -d: -f1)
off=$((size * 3 / 4))
[ "${toc_end:-0}" -lt "$off" ] || fail "fixture: offset $off is not past the TOC (ends near $toc_end)"
/usr/bin/python3 -c '
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1)[0]; f.seek(off); f.write(bytes([b ^ 0xff]))' "$S/flipped.custom" "$off"
verify flipped.custom --target "$TARGET"
assert_exit 2
assert_json "$R" .status critical
code=$(jq -r .error.code "$R" 2>/dev/null)
note "flipped byte at $off of $size: $(verdict)"
case $code in
restore_errors | decompress_corrupt) ;;
*) fail "flipped.custom: error.code should be restore_errors or decompress_corrupt (got '$code')" ;;
esac
assert_json_true "$R" '.restore.error_count > 0 or .error.code == "decompress_corrupt"' "the damage is counted"

# ------------------------------------------------------------ plain SQL with an error in the middle
# Insert a failing statement before the first object header ("-- Name: …" or
# "-- Data for Name: …") in the second half of the file: table b's data
# (the middle of the file) is before it, table c's after it.
mid_insert() { # IN OUT LINES...
    local in=$1 out=$2
    shift 2
    # The lines through ENVIRON, not -v: gawk (which mariadb-server pulls in
    # as /usr/bin/awk) would turn their backslashes into escapes.
    MID_LINES="$(printf '%s\n' "$@")" awk -v half="$(($(wc -l <"$in") / 2))" '
        !done && NR >= half && /^-- (Data for )?Name: / { print ENVIRON["MID_LINES"]; done = 1 }
        { print }' "$in" >"$out"
}
mid_insert "$W/bulk.sql" "$S/error-middle.sql" "SELECT public.rd_no_such_function_in_the_middle();"
grep -q '^SELECT public.rd_no_such_function_in_the_middle();$' "$S/error-middle.sql" || fail "fixture: error line not inserted"
verify error-middle.sql --target "$TARGET"
assert_exit 2
assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "critical restore_errors restore"
assert_json_true "$R" '.restore.tool | test("^psql 15[.][0-9]+$")' "restore.tool is psql 15.x"
assert_json_true "$R" '.restore.error_count >= 1' "restore.error_count >= 1"
assert_json_true "$R" '[.restore.errors[] | select(test("ERROR: +function public.rd_no_such_function_in_the_middle\\(\\) does not exist"))] | length == 1' \
    "restore.errors has psql's ERROR line for the failing statement"
assert_json_true "$R" '[.restore.errors[] | select(test("^psql:.*:[0-9]+: ERROR:"))] | length >= 1' \
    "the error line is psql's (psql:<input>:LINE: ERROR: …)"
note "errors: $(jq -c .restore.errors "$R" 2>/dev/null)"

# ------------------------------------------------------------ meta-commands: nothing runs on the host
H=$T/hostile-target
mkdir -p "$H"
chmod 0777 "$H"   # anyone (the server's or psql's OS user) could write here
key=$(sed -n 's/^\\restrict \(.*\)$/\1/p' "$W/bulk.sql" | head -n1)
[ -n "$key" ] || fail "fixture: this pg_dump writes no \\restrict line"
inject() { # OUT LINES...: insert LINES in the middle (as above)
    local out=$1
    shift
    mid_insert "$W/bulk.sql" "$S/$out" "$@"
}
inject bang.sql "\\! touch $H/pwned"
inject pipe.sql "\\o |touch $H/pwned2" "SELECT 1;" "\\o"
inject unrestrict.sql "\\unrestrict $key" "\\! touch $H/pwned3" "\\o |touch $H/pwned4" "SELECT 1;"
{ echo "\\! touch $H/pwned5"; cat "$W/bulk.sql"; } >"$S/first-line.sql"
# a crafted dump without pg_dump's own \restrict / \unrestrict lines
grep -v '^\\\(un\)\?restrict ' "$W/bulk.sql" >"$W/bulk-norestrict.sql"
mid_insert "$W/bulk-norestrict.sql" "$S/norestrict-bang.sql" "\\! touch $H/pwned6"
mid_insert "$W/bulk-norestrict.sql" "$S/norestrict-pipe.sql" "\\o |touch $H/pwned7" "SELECT 1;" "\\o"
gzip -c "$S/norestrict-bang.sql" >"$S/norestrict-bang-gz.bin"
HOSTILE="bang.sql pipe.sql unrestrict.sql first-line.sql norestrict-bang.sql norestrict-pipe.sql norestrict-bang-gz.bin"

# Control: these fixtures are live — plain psql (no restoredrill) runs their
# meta-commands (into a copy aimed at $T/control-target).
CT=$T/control-target
mkdir -p "$CT"
n=0
for h in unrestrict.sql first-line.sql norestrict-bang.sql norestrict-pipe.sql; do
    n=$((n + 1))
    spsql postgres -c "CREATE DATABASE ctl$n" >/dev/null
    sed "s#$H/#$CT/#g" "$S/$h" | spsql "ctl$n" -f - >/dev/null 2>&1
done
for p in pwned3 pwned4 pwned5 pwned6 pwned7; do
    [ -e "$CT/$p" ] || fail "fixture: plain psql did not create $CT/$p: the hostile dumps would prove nothing"
done

for h in $HOSTILE; do
    verify "$h" --target "$TARGET"
    assert_exit 2
    assert_json "$R" '[.status, .error.code] | join(" ")' "critical restore_errors"
    assert_json "$R" .archive.format plain
    note "$h: $(verdict); errors: $(jq -c '.restore.errors[:3]' "$R" 2>/dev/null)"
done
SUFFIX=_ephemeral verify unrestrict.sql
assert_exit 2
assert_json "$R" '[.status, .error.code] | join(" ")' "critical restore_errors"
for p in pwned pwned2 pwned3 pwned4 pwned5 pwned6 pwned7; do assert_no_file "$H/$p"; done
[ -z "$(ls -A "$H")" ] || fail "something was written to $H: $(ls -A "$H")"

# ------------------------------------------------------------ a dump from a newer pg_dump
# Archive format 1.15 (pg_dump 16): the compression field, an int (sign byte
# + intSize bytes) in 1.14, became one byte (the algorithm).
/usr/bin/python3 - "$W/bulk.custom0" "$S/v115.custom" <<'PY' || fail "could not build the 1.15 header"
import sys
d = open(sys.argv[1], "rb").read()
assert d[:5] == b"PGDMP", d[:5]
vmaj, vmin, vrev, int_size, off_size, fmt = d[5:11]
assert (vmaj, vmin, fmt) == (1, 14, 1), (vmaj, vmin, fmt)
comp = d[11:12 + int_size]          # sign byte + intSize bytes
assert comp == b"\x00" * (1 + int_size), comp   # -Z0: no compression
out = d[:6] + bytes([15]) + d[7:11] + b"\x00" + d[12 + int_size:]
open(sys.argv[2], "wb").write(out)
PY
# The same, with the version strings a real pg_dump 16 writes (dumped from
# 16.4, by pg_dump 16.4): WriteStr = WriteInt length + bytes.
/usr/bin/python3 - "$S/v115.custom" "$S/v115-16.custom" <<'PY' || fail "could not build the 1.15/16.4 header"
import sys
d = open(sys.argv[1], "rb").read()
int_size = d[8]
def rd_int(p):
    sign, v = d[p], int.from_bytes(d[p + 1:p + 1 + int_size], "little")
    return (-v if sign else v), p + 1 + int_size
def wr_int(v):
    return bytes([1 if v < 0 else 0]) + abs(v).to_bytes(int_size, "little")
p = 12                                   # after the 1-byte compression algorithm
for _ in range(7):                       # creation time: 7 ints
    _, p = rd_int(p)
out = bytearray(d[:p])
n, p = rd_int(p); out += wr_int(n) + d[p:p + n]; p += n      # dbname
for _ in range(2):                       # remoteVersionStr, archdumpVersion
    n, p = rd_int(p)
    assert d[p:p + n].startswith(b"15."), d[p:p + n]
    s = b"16.4 (Debian 16.4-1.pgdg120+1)"
    out += wr_int(len(s)) + s
    p += n
out += d[p:]
open(sys.argv[2], "wb").write(bytes(out))
PY
verify v115-16.custom
assert_exit 3
assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "unknown tool_too_old preflight"
assert_json "$R" .archive.dump_version 1.15
assert_json_true "$R" '.archive.server_version | startswith("16.4")' "archive.server_version is 16.4"
assert_json_true "$R" '.error.message | test("postgresql-16")' "the hint names postgresql-16"
note "v115-16.custom: $(jq -r .error.message "$R" 2>/dev/null | tr '\n' ' ')"

# The header as converted (pg_dump's version string still says 15.18): the
# format alone needs pg_restore 16, so the hint must still name 16.
verify v115.custom
assert_exit 3
assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "unknown tool_too_old preflight"
assert_json "$R" .archive.dump_version 1.15
assert_json_true "$R" '.error.message | test("postgresql-16")' "the hint names postgresql-16"
assert_json_true "$R" '.error.message | test("install postgresql-15") | not' "the hint does not name the installed postgresql-15"
assert_json "$R" .restore.database null
note "v115.custom: $(jq -r .error.message "$R" 2>/dev/null | tr '\n' ' ')"

sed -e 's/^-- Dumped from database version .*/-- Dumped from database version 17.2 (Debian 17.2-1.pgdg120+1)/' \
    -e 's/^-- Dumped by pg_dump version .*/-- Dumped by pg_dump version 17.2 (Debian 17.2-1.pgdg120+1)/' \
    "$W/bulk.sql" >"$S/v17.sql"
verify v17.sql
assert_exit 3
assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "unknown tool_too_old preflight"
assert_json_true "$R" '.archive.server_version | startswith("17.2")' "archive.server_version is 17.2"
assert_json_true "$R" '.error.message | test("postgresql-17")' "the hint names postgresql-17"
assert_json "$R" .restore.database null

# ------------------------------------------------------------ an extension the server lacks
# A fake PostgreSQL root: every program of the real 15/bin, except pg_config,
# which names a share dir whose extension/ folder lacks hstore (and one that
# has everything: the fake root itself is not what fails).
REAL_BIN=/usr/lib/postgresql/15/bin
REAL_SHARE=$("$REAL_BIN/pg_config" --sharedir)
fake_root() { # ROOT SHARE WITHOUT: WITHOUT = an extension left out, or ""
    local root=$1 share=$2 without=$3 f
    mkdir -p "$root/15/bin" "$share/extension"
    for f in "$REAL_BIN"/*; do
        [ "$(basename "$f")" = pg_config ] || ln -s "$f" "$root/15/bin/$(basename "$f")"
    done
    for f in "$REAL_SHARE"/extension/*; do
        case $(basename "$f") in "${without:-/}".control | "${without:-/}"--*) continue ;; esac
        ln -s "$f" "$share/extension/$(basename "$f")"
    done
    cat >"$root/15/bin/pg_config" <<SH
#!/bin/sh
# fake pg_config (test 22): the real one, except for --sharedir
if [ "\$1" = --sharedir ] && [ \$# -eq 1 ]; then echo '$share'; exit 0; fi
exec $REAL_BIN/pg_config "\$@"
SH
    chmod 0755 "$root/15/bin/pg_config"
}
fake_root "$T/pgroot" "$T/pgshare" hstore
fake_root "$T/pgroot-all" "$T/pgshare-all" ""
[ ! -e "$T/pgshare/extension/hstore.control" ] && [ -e "$T/pgshare-all/extension/hstore.control" ] \
    || fail "fixture: fake share dirs are wrong"
[ "$("$T/pgroot/15/bin/pg_config" --sharedir)" = "$T/pgshare" ] || fail "fixture: fake pg_config"

for a in ext.custom ext.sql; do
    RESTOREDRILL_PG_ROOT=$T/pgroot verify "$a"
    assert_exit 3
    assert_json "$R" '[.status, .error.code, .error.stage] | join(" ")' "unknown missing_extension preflight"
    assert_json_true "$R" '.error.message | test("\\bhstore\\b")' "the message names hstore"
    assert_json_true "$R" '.error.message | test("plpgsql") | not' "the message names only what is missing"
    assert_json "$R" .restore.database null
    note "$a: $(jq -r .error.message "$R" 2>/dev/null | head -n1)"

    SUFFIX=_fake_all RESTOREDRILL_PG_ROOT=$T/pgroot-all verify "$a"
    assert_exit 0
    assert_json "$R" .status ok

    SUFFIX=_real verify "$a"
    assert_exit 0
    assert_json "$R" .status ok
done

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "scratch databases left on the seed server: $left"
validate_all
