#!/usr/bin/env bash
# 20: the full matrix, made by the real pg_dump and the real compressors:
# every pg_dump format (plain, custom, tar, directory as a tar of the folder)
# x every compression (none, gzip, zstd, xz, bzip2, lz4), plus a -Fd folder
# sitting in the source.  The database's tables, view, sequence and large
# object belong to app_owner, a role that exists only in the seed cluster,
# so a plain dump restores only if the owner/ACL filter works.  Every
# archive has the same neutral suffix: the content decides, never the name.
# Each cell is restored into the seed server (target = its conninfo; the
# role app_owner is dropped there first) with --keep, then counted with psql
# and dropped: exit 0, archive.format / compression / transfer, restore.tool,
# error_count 0, and the rows, sequence, index, large object really there,
# no ACL and no foreign owner.  One plain dump is also restored into the
# default ephemeral cluster with --keep, counted there, and that cluster is
# stopped with the command restoredrill printed.
. "$(dirname "$0")/lib.sh"

NPROC=$(nproc)
FORMATS=(plain custom tar dirtar)
COMPS=(none gzip zstd xz bzip2 lz4)

# ------------------------------------------------------------ the database
mx_sql() {
    cat <<'EOF'
SET client_min_messages = warning;
CREATE SEQUENCE public.order_no START 1000;
CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.orders (id bigint PRIMARY KEY DEFAULT nextval('public.order_no'),
                            customer_id int NOT NULL REFERENCES public.customers,
                            total numeric(10,2) NOT NULL);
CREATE INDEX orders_customer_idx ON public.orders (customer_id);
CREATE TABLE public.events (id bigserial PRIMARY KEY, payload jsonb NOT NULL);
-- COPY rows that look like the statements the plain-SQL filter drops: they
-- must survive (the filter is COPY-aware).
CREATE TABLE public.notes (line text PRIMARY KEY, n int);
CREATE VIEW public.big_orders AS SELECT * FROM public.orders WHERE total > 50;
INSERT INTO public.customers SELECT g, 'customer ' || g FROM generate_series(1, 100) g;
INSERT INTO public.orders (customer_id, total) SELECT 1 + g % 100, g % 97 FROM generate_series(1, 250) g;
INSERT INTO public.events (payload) SELECT jsonb_build_object('n', g, 'm', md5(g::text)) FROM generate_series(1, 40) g;
INSERT INTO public.notes VALUES ('GRANT ALL ON public.customers TO mallory;', 1),
                                ('ALTER TABLE public.customers OWNER TO mallory;', 2),
                                ('REVOKE ALL ON public.customers FROM PUBLIC;', 3);
DO $$ BEGIN PERFORM pg_catalog.lo_from_bytea(0, convert_to('restoredrill large object', 'UTF8')); END $$;
ALTER SEQUENCE public.order_no OWNER TO app_owner;
ALTER TABLE public.customers OWNER TO app_owner;
ALTER TABLE public.orders OWNER TO app_owner;
ALTER TABLE public.events OWNER TO app_owner;
ALTER TABLE public.notes OWNER TO app_owner;
ALTER VIEW public.big_orders OWNER TO app_owner;
DO $$ BEGIN EXECUTE format('ALTER LARGE OBJECT %s OWNER TO app_owner',
                           (SELECT min(oid) FROM pg_catalog.pg_largeobject_metadata)); END $$;
GRANT SELECT ON public.big_orders TO PUBLIC;
GRANT SELECT, INSERT ON public.notes TO PUBLIC;
EOF
}

# sdump ARGS...: the real pg_dump against the seed cluster's database mx.
sdump() {
    env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres "$SEED_BIN/pg_dump" -d mx "$@"
}

# compress COMP IN OUT: the real compressor, by its command line.
compress() {
    case $1 in
    none) cp "$2" "$3" ;;
    gzip) gzip -c "$2" >"$3" ;;
    zstd) zstd -q -c "$2" >"$3" ;;
    xz) xz -c "$2" >"$3" ;;
    bzip2) bzip2 -c "$2" >"$3" ;;
    lz4) lz4 -q -c "$2" >"$3" ;;
    esac
}

seed_start
must spsql postgres -c "CREATE DATABASE mx"
must spsql mx -c "$(mx_sql)"

W=$T/work
mkdir -p "$W"
must sdump -Fp -f "$W/plain.sql"
must sdump -Fc -Z0 -f "$W/custom.dump"
must sdump -Ft -f "$W/tar.tar"
must sdump -Fd -f "$W/mx.dir"                          # pg_dump's own per-file gzip
must tar -C "$W" -cf "$W/dirtar.tar" mx.dir
# The restores go into this same server (fast: no initdb per cell), as new
# databases: drop app_owner first, so that nothing it owned can be recreated
# with its name (its objects go with their databases).
must spsql postgres -c "DROP DATABASE mx" -c "DROP DATABASE seed" -c "DROP ROLE app_owner"
TARGET=$(seed_target postgres)

# Sanity of the fixtures themselves.
grep -q 'OWNER TO app_owner;' "$W/plain.sql" || fail "fixture: plain dump has no OWNER TO app_owner"
ls "$W"/mx.dir/blob_*.dat* >/dev/null 2>&1 || fail "fixture: -Fd dump has no large object file"
# What the filter must drop: single-line OWNER TO / GRANT / REVOKE statements
# outside COPY data (the notes rows look like them and must stay).
read -r want_owner want_acl < <(awk '
    copy { if ($0 == "\\.") copy = 0; next }
    /^COPY .* FROM stdin;$/ { copy = 1; next }
    /^ALTER .* OWNER TO .*;$/ { o++ }
    /^(GRANT|REVOKE) .*;$/ { a++ }
    END { print o + 0, a + 0 }' "$W/plain.sql")
note "plain dump: $want_owner OWNER TO and $want_acl GRANT/REVOKE statements to filter"
[ "$want_owner" -ge 7 ] && [ "$want_acl" -ge 2 ] || fail "fixture: expected >= 7 OWNER TO and >= 2 GRANT/REVOKE lines (got $want_owner, $want_acl)"

for fmt in "${FORMATS[@]}"; do
    case $fmt in
    plain) src=$W/plain.sql ;;
    custom) src=$W/custom.dump ;;
    tar) src=$W/tar.tar ;;
    dirtar) src=$W/dirtar.tar ;;
    esac
    for comp in "${COMPS[@]}"; do
        must compress "$comp" "$src" "$BACKUPS/${fmt}_${comp}.dump"
    done
done
cp -r "$W/mx.dir" "$BACKUPS/dirfolder_none.dump"
chmod -R go+rX "$BACKUPS/dirfolder_none.dump"   # pg_dump makes it 0700; run_as must read it

# expected FMT COMP: "format transfer tool jobs" for that cell.
expected() {
    local fmt=$1 comp=$2
    case $fmt in
    plain) echo "plain stream psql 1" ;;
    custom) if [ "$comp" = none ]; then echo "custom spool pg_restore $NPROC"; else echo "custom stream pg_restore 1"; fi ;;
    tar) if [ "$comp" = none ]; then echo "tar spool pg_restore 1"; else echo "tar stream pg_restore 1"; fi ;;
    dirtar | dirfolder) echo "directory spool pg_restore $NPROC" ;;
    esac
}

# facts PSQL-CONNINFO: one line of what is in the restored database.
FACTS_SQL="SELECT concat_ws(' ',
    (SELECT count(*) FROM public.customers), (SELECT count(*) FROM public.orders),
    (SELECT count(*) FROM public.events), (SELECT count(*) FROM public.notes),
    (SELECT count(*) FROM public.big_orders), (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata),
    (SELECT last_value FROM public.order_no),
    (SELECT count(*) FROM pg_catalog.pg_indexes WHERE indexname = 'orders_customer_idx'),
    (SELECT convert_from(lo_get((SELECT min(oid) FROM pg_catalog.pg_largeobject_metadata)), 'UTF8') = 'restoredrill large object'),
    (SELECT md5(string_agg(line, '|' ORDER BY n)) FROM public.notes),
    (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = 'public' AND c.relacl IS NOT NULL),
    (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = 'public' AND c.relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)))"
FACTS_WANT="100 250 40 3 $(seq 1 250 | awk '$1 % 97 > 50' | wc -l) 1 1249 1 t $(printf '%s' 'GRANT ALL ON public.customers TO mallory;|ALTER TABLE public.customers OWNER TO mallory;|REVOKE ALL ON public.customers FROM PUBLIC;' | md5sum | cut -d' ' -f1) 0 0"
FACTS_WHAT="customers orders events notes big_orders large_objects order_no.last_value index lo_content notes_md5 relations_with_acl relations_not_owned_by_restorer"

# ajv (node) costs about a second a call, jq some 30 ms: with 27 reports the
# schema check runs once over all of them at the end (validate_all), each
# report's consistency checks (validate_report's jq part) right away, and a
# cell's fields are read with one jq call (assert_fields).
REPORTS=()
validate_soon() {
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
# assert_fields FILE JQ_OBJECT EXPECTED: JQ_OBJECT's keys and values, one
# key=value a line, equal EXPECTED (same lines); each difference fails.
assert_fields() {
    local got line
    got=$(jq -r "$2 | to_entries[] | \"\(.key)=\(.value)\"" "$1" 2>&1) \
        || { fail "jq on $(basename "$1") failed: $got"; return; }
    while IFS= read -r line; do
        grep -qxF -- "$line" <<<"$got" \
            || fail "$(basename "$1"): expected ${line%%=*}='${line#*=}', got '$(grep -m1 "^${line%%=*}=" <<<"$got" | cut -d= -f2-)'"
    done <<<"$3"
}

cells=0
check_cell() { # FMT COMP
    local fmt=$1 comp=$2 name=${1}_${2}.dump R=$T/${1}_${2}.json db got want
    local want_format want_transfer want_tool want_jobs
    read -r want_format want_transfer want_tool want_jobs < <(expected "$fmt" "$comp")
    cells=$((cells + 1))
    run_rd verify --source "$BACKUPS" --archive "$name" --target "$TARGET" --keep \
        --report "$R" --state-dir "$STATE"
    assert_exit 0
    validate_soon "$R"
    want="status=ok
error=null
name=$name
format=$want_format
compression=$comp
transfer=$want_transfer
error_count=0
errors=0
tool=$want_tool 15
jobs=$want_jobs
kept=true
server_version=15
stages=decode:ok preflight:ok restore:ok cleanup:skipped"
    if [ "$fmt" = plain ]; then
        want+="
dump_version=null
filtered=$want_owner $want_acl"
    else
        want+="
dump_version=1.14"
    fi
    [ "$fmt" = dirfolder ] || want+="
sha256=$(sha256sum <"$BACKUPS/$name" | cut -d' ' -f1)"
    assert_fields "$R" '{status, error, name: .archive.name, format: .archive.format,
        compression: .archive.compression, transfer: .archive.transfer,
        error_count: .restore.error_count, errors: (.restore.errors | length),
        tool: (.restore.tool | sub("\\.[0-9]+$"; "")), jobs: .restore.jobs, kept: .restore.kept,
        server_version: (.archive.server_version | tostring | split(".")[0]),
        stages: ([.stages[] | select(.name | IN("decode","preflight","restore","cleanup")) | "\(.name):\(.status)"] | join(" ")),
        dump_version: .archive.dump_version, sha256: .archive.sha256,
        filtered: "\(.restore.filtered.owner) \(.restore.filtered.acl)"}' "$want"
    # count what is really there, then drop the kept database
    db=$(jq -r '.restore.database // empty' "$R" 2>/dev/null)
    assert_contains "$RD_ERR" "kept: database '$db' on the target"
    case $db in
    restoredrill_*)
        got=$(PGHOST=$SEED_HOST PGPORT=$SEED_PORT PGUSER=rd_target "$SEED_BIN/psql" -X -q -d "$db" -At -c "$FACTS_SQL" 2>&1) # as the restorer
        [ "$got" = "$FACTS_WANT" ] \
            || fail "$name restored into $db: $FACTS_WHAT (expected '$FACTS_WANT', got '$got')"
        spsql postgres -c "DROP DATABASE \"$db\"" || fail "could not drop the kept database $db"
        ;;
    *) fail "$name: no kept database named in restore.database ('$db')" ;;
    esac
}

for fmt in "${FORMATS[@]}"; do
    for comp in "${COMPS[@]}"; do
        check_cell "$fmt" "$comp"
    done
done
check_cell dirfolder none
echo "# format x compression matrix: $cells cells (${#FORMATS[@]} formats x ${#COMPS[@]} compressions + the -Fd folder), each restored and counted"

left=$(spsql postgres -Atc "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'restoredrill%'")
[ -z "$left" ] || fail "databases left on the seed server: $left"

# ---- one cell into the default ephemeral cluster, kept, counted, stopped
R=$T/ephemeral_keep.json
run_rd verify --source "$BACKUPS" --archive plain_gzip.dump --keep --report "$R" --state-dir "$STATE"
assert_exit 0
validate_soon "$R"
assert_json "$R" .status ok
assert_json "$R" .restore.target ephemeral
assert_json "$R" .restore.kept true
assert_json "$R" .archive.transfer stream
assert_json "$R" .restore.filtered.owner "$want_owner"
conn=$(sed -n 's/^ *connect: psql "\(.*\)"$/\1/p' "$RD_ERR" | head -n1)
stop=$(sed -n 's/^ *stop: *\(kill -INT [0-9]* && .* && rm -rf .*\)$/\1/p' "$RD_ERR" | head -n1)
kpid=$(printf '%s\n' "$stop" | sed -n 's/^kill -INT \([0-9]*\) && .*/\1/p')
kdir=$(printf '%s\n' "$stop" | sed -n "s/^kill -INT [0-9]* && .* && rm -rf '\(.*\)'\$/\1/p")
if [ -z "$conn" ] || [ -z "$kpid" ] || [ -z "$kdir" ]; then
    fail "--keep did not print 'connect: psql \"…\"' and 'stop: kill -INT PID && (wait) && rm -rf DIR' (conn='$conn' stop='$stop')"
else
    got=$("$SEED_BIN/psql" -X -At -v ON_ERROR_STOP=1 "$conn" -c "$FACTS_SQL" 2>&1)
    [ "$got" = "$FACTS_WANT" ] || fail "kept ephemeral db: $FACTS_WHAT (expected '$FACTS_WANT', got '$got')"
    got=$("$SEED_BIN/psql" -X -At "$conn" -c "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = 'app_owner'" 2>&1)
    [ "$got" = 0 ] || fail "app_owner should not exist in the scratch cluster (got '$got')"
    note "stopping the kept cluster: $stop"
    kill -INT "$kpid" || fail "kill -INT $kpid (the kept cluster) failed"
    for _ in $(seq 1 100); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$kpid" 2>/dev/null || fail "the kept cluster (pid $kpid) did not stop on SIGINT"
    case $kdir in
    "$T"/restoredrill-*) rm -rf "$kdir" ;;
    *) fail "kept cluster dir '$kdir' is not under \$T/restoredrill-*" ;;
    esac
fi

# An uncompressed custom dump (transfer = spool) in a source given as a
# relative path: it is found, spooled and restored.
R=$T/relative.json
cd "$T" || exit 1
run_rd verify --source "${BACKUPS#"$T"/}" --archive custom_none.dump --target "$TARGET" \
    --report "$R" --state-dir "$STATE"
cd "$RD_ROOT" || exit 1
validate_soon "$R"
assert_exit 0
assert_json "$R" .status ok
assert_json "$R" .error.code null
assert_json "$R" .archive.transfer spool
[ "$RD_RC" = 0 ] || note "relative source: $(jq -r .error.message "$R" 2>/dev/null)"

validate_all
