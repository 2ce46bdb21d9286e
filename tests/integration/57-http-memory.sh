#!/usr/bin/env bash
# 57: a plain dump of more than 1 GB (gzip -6, so the file is a few MB) is
# restored from nginx in constant memory: restoredrill's own peak RSS
# (VmHWM of its process; psql and postgres are other processes) stays under
# 64 MiB and every row arrives.  The RSS bound is skipped for an ASan build
# (make sanitize), whose shadow memory dominates.
. "$(dirname "$0")/lib.sh"

ROWS=1300000
seed_start
W=$T/www
mkdir -p "$W"
chmod 0755 "$W"
must spsql seed -c "CREATE TABLE public.big (id int, t text); INSERT INTO public.big VALUES (0, 'x')"
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -t public.big -f "$T/small.sql"
# the dump with ROWS rows of ~800 bytes in its COPY block instead of one
{
    sed -n '1,/^COPY public.big /p' "$T/small.sql"
    /usr/bin/python3 -c '
import sys
row = "x" * 790
chunk = "".join("%d\t%s\n" % (i, row) for i in range(1000)).encode()
for _ in range(int(sys.argv[1]) // 1000):
    sys.stdout.buffer.write(chunk)
' "$ROWS"
    sed -n '/^\\\.$/,$p' "$T/small.sql"
} | gzip -6 >"$W/big.sql.gz"
UNPACKED=$(gzip -dc "$W/big.sql.gz" | wc -c)
[ "$UNPACKED" -gt 1000000000 ] || fail "the dump unpacks to only $UNPACKED bytes"
note "big.sql.gz: $(stat -c %s "$W/big.sql.gz") bytes, $UNPACKED unpacked"
nginx_start "$W"
P=$T/probes
probe_file "$P" rows.sql <<EOF
-- name: every_row
-- kind: rows
-- min: $ROWS
SELECT count(*) FROM public.big;
EOF

R=$T/big.json
t0=$(date +%s)
run_rd_bg verify --source "$NGINX_URL/json/big.sql.gz" --probes "$P" \
    --report "$R" --state-dir "$STATE"
HWM=0
while kill -0 "$RD_PID" 2>/dev/null; do
    name= v=
    while read -r k val rest; do
        case $k in
        Name:) name=$val ;;
        VmHWM:) v=$val ;;
        esac
    done 2>/dev/null <"/proc/$RD_PID/status"
    if [ "$name" = restoredrill ] && [ -n "$v" ] && [ "$v" -gt "$HWM" ]; then HWM=$v; fi
    sleep 0.2
done
wait_rd "$RD_PID" 300
t1=$(date +%s)
note "restored $UNPACKED bytes over HTTP in $((t1 - t0))s; restoredrill peak RSS $((HWM / 1024)) MiB"
assert_report "$R" 0 ok null
assert_json "$R" .archive.transfer stream
assert_json "$R" .archive.compression gzip
assert_json "$R" .archive.sha256 "$(sha256sum "$W/big.sql.gz" | cut -d' ' -f1)"
assert_probe "$R" every_row .status ok
if ldd "$RESTOREDRILL" 2>/dev/null | grep -q libasan; then
    note "ASan build: the RSS bound is not checked"
elif [ "$HWM" -le 0 ] || [ "$HWM" -ge $((64 * 1024)) ]; then
    fail "restoredrill's peak RSS was $((HWM / 1024)) MiB (expected under 64 MiB)"
fi
