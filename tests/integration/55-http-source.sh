#!/usr/bin/env bash
# 55: http(s) sources against a real nginx started here (tests/nginx-ephemeral):
# JSON and HTML autoindex, the newest by pattern time and by the listing's
# mtime, plain and custom dumps restored from the stream, one-file URLs dated
# by Last-Modified, 404/403/401, an empty and an invalid listing, sha256
# sidecars (good, bad, missing; also for a local folder), a redirect to
# another host that must not carry the credentials, https with a self-signed
# certificate (refused; trusted with ca_file), https -> http refused, and the
# password of the URL in no output.
. "$(dirname "$0")/lib.sh"

seed_start
W=$T/www
mkdir -p "$W/dated" "$W/mtime" "$W/empty" "$W/sums"
chmod -R 0755 "$W"
OLD=$(ts_name 'app_%Y%m%d-%H%M' 7200)
NEW=$(ts_name 'app_%Y%m%d-%H%M' 3600)
make_dump "$W/dated/$OLD.dump"
make_dump "$W/dated/$NEW.dump"
cp "$DUMP" "$W/dated/$(ts_name 'app_%Y%m%d-%H%M' 60).dump.part"
# by name the newest is NEW, by mtime OLD: the pattern's time must win
set_mtime_ago "$W/dated/$NEW.dump" 10800
set_mtime_ago "$W/dated/$OLD.dump" 1800
NEWSUM=$(sha256sum "$W/dated/$NEW.dump" | cut -d' ' -f1)
(cd "$W/dated" && sha256sum "$NEW.dump" >"$NEW.dump.sha256")
must env PGHOST="$SEED_HOST" PGPORT="$SEED_PORT" PGUSER=postgres \
    "$SEED_BIN/pg_dump" -Fp -d seed -f "$W/mtime/plain.sql"
cp "$W/dated/$OLD.dump" "$W/mtime/older.dump"
set_mtime_ago "$W/mtime/plain.sql" 600
set_mtime_ago "$W/mtime/older.dump" 7200
cp "$W/dated/$NEW.dump" "$W/sums/good.dump"
cp "$W/dated/$NEW.dump" "$W/sums/bad.dump"
cp "$W/dated/$NEW.dump" "$W/sums/missing.dump"
(cd "$W/sums" && sha256sum good.dump >good.dump.sha256)
echo "0000000000000000000000000000000000000000000000000000000000000000  bad.dump" >"$W/sums/bad.dump.sha256"

# TLS: a self-signed certificate for 127.0.0.1
must openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1
must openssl passwd -apr1 s3cr3tpw >/dev/null
echo "alice:$(openssl passwd -apr1 s3cr3tpw)" >"$T/htpasswd"
TLS_PORT=$(free_port 5600)
OTHER_PORT=$(free_port $((TLS_PORT + 1)))
sink_start other --address 127.0.0.2 --port "$OTHER_PORT"
OTHER_PORT=$SINK_PORT
cat >"$T/server.conf" <<EOF
location = /denied/app.dump { return 403; }
location = /bad/ { default_type application/json; return 200 '{"not": "a listing"}'; }
location /secret/ { alias $W/dated/; autoindex on; autoindex_format json;
                    auth_basic "backups"; auth_basic_user_file $T/htpasswd; }
location = /moved/app.dump { return 302 http://127.0.0.2:$OTHER_PORT/app.dump; }
EOF
cat >"$T/http.conf" <<EOF
server {
  listen 127.0.0.1:$TLS_PORT ssl;
  ssl_certificate $T/tls.crt;
  ssl_certificate_key $T/tls.key;
  location /json/ { alias $W/dated/; autoindex on; autoindex_format json; }
  location = /down/app.dump { return 302 http://127.0.0.1:$TLS_PORT/json/$NEW.dump; }
}
EOF
NGINX_SERVER_CONF=$T/server.conf NGINX_HTTP_CONF=$T/http.conf nginx_start "$W"
U=$NGINX_URL
PAT='app_%Y%m%d-%H%M*'

# msg_has REPORT TEXT: its error.message holds TEXT.
msg_has() {
    jq -r '.error.message // ""' "$1" >"$1.msg" 2>/dev/null
    assert_contains "$1.msg" "$2"
}

# ------------------------------------------------ JSON and HTML autoindex
for kind in json html; do
    R=$T/$kind.json
    run_rd verify --source "$U/$kind/dated/" --pattern "$PAT" --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
    assert_json "$R" .archive.name "$NEW.dump"
    assert_json "$R" .archive.source "$U/$kind/dated/"
    # an uncompressed custom dump of known size is spooled while it is
    # downloaded and hashed (pg_restore --jobs reads the copy)
    assert_json "$R" .archive.transfer spool
    assert_json "$R" .archive.format custom
    assert_json "$R" .archive.sha256 "$NEWSUM"
    assert_json "$R" .archive.size_bytes "$(stat -c %s "$W/dated/$NEW.dump")"
done
# HTML without a pattern: the listing's (minute) mtime; plain SQL streamed
for kind in json html; do
    R=$T/mtime-$kind.json
    run_rd verify --source "$U/$kind/mtime/" --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
    assert_json "$R" .archive.name plain.sql
    assert_json "$R" .archive.format plain
    assert_json "$R" .archive.transfer stream
    assert_json "$R" '.archive.age_s >= 540 and .archive.age_s < 1200' true
done
run_rd list --json --source "$U/html/dated/" --pattern "$PAT"
assert_exit 0
assert_json "$RD_OUT" '[.. | .name? // empty] | map(select(endswith(".dump"))) | sort | join(",")' \
    "$OLD.dump,$NEW.dump"

# a name with spaces, quotes, '&', '#', '%', ':' and unicode, through both listings
mkdir -p "$W/odd"
ODD='we ird "q" ü&x #1 50%:a.dump'
cp "$W/dated/$NEW.dump" "$W/odd/$ODD"
for kind in json html; do
    R=$T/odd-$kind.json
    run_rd verify --source "$U/$kind/odd/" --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
    assert_json "$R" .archive.name "$ODD"
done

# ------------------------------------------- one file: Last-Modified is its age
R=$T/one.json
run_rd verify --source "$U/json/dated/$NEW.dump" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$NEW.dump"
assert_json "$R" '.archive.age_s >= 10700 and .archive.age_s < 11400' true
R=$T/one-old.json
run_rd verify --source "$U/json/dated/$NEW.dump" --max-archive-age 2h --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_too_old

# ------------------------------------------------------ what the server said
R=$T/404.json
run_rd verify --source "$U/json/dated/nope.dump" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found
msg_has "$R" "$U/json/dated/nope.dump"
R=$T/404dir.json
run_rd verify --source "$U/json/nodir/" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
R=$T/403.json
run_rd verify --source "$U/denied/app.dump" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown access_denied
R=$T/401.json
run_rd verify --source "http://alice:wrong@127.0.0.1:$NGINX_PORT/secret/" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown access_denied
assert_json "$R" .archive.source "http://alice:****@127.0.0.1:$NGINX_PORT/secret/"
R=$T/empty.json
run_rd verify --source "$U/json/empty/" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_not_found
R=$T/invalid.json
run_rd verify --source "$U/bad/" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown listing_invalid
R=$T/refused.json
run_rd verify --source "http://127.0.0.1:$(free_port 5700)/x/" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable

# -------------------------------------- credentials: used, and never shown
R=$T/secret.json
run_rd verify -v --source "http://alice:s3cr3tpw@127.0.0.1:$NGINX_PORT/secret/" --pattern "$PAT" \
    --checksum sha256 --report "$R" --junit "$T/secret.xml" --metrics "$T/secret.prom" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.source "http://alice:****@127.0.0.1:$NGINX_PORT/secret/"
for f in "$R" "$T/secret.xml" "$T/secret.prom" "$RD_OUT" "$RD_ERR" "$STATE/default/last.json" \
    "$T/401.json" "$T"/rd*.err; do
    [ ! -f "$f" ] || ! grep -q s3cr3tpw "$f" || fail "$(basename "$f") holds the URL's password"
done

# a presigned-style URL: its signature is masked, its sidecar is URL.sha256
# before the query
Q="X-Amz-Credential=AKIDEXAMPLE%2F20261126&X-Amz-Signature=5ig5ecret9"
R=$T/presigned.json
run_rd verify --source "$U/json/dated/$NEW.dump?$Q" --checksum sha256 --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$NEW.dump"
assert_json "$R" .archive.source "$U/json/dated/$NEW.dump?X-Amz-Credential=****&X-Amz-Signature=****"
assert_sink "$NGINX_DIR/logs/access.log" \
    "map(select(.uri == \"/json/dated/$NEW.dump.sha256?$Q\")) | length > 0" true
for f in "$R" "$RD_OUT" "$RD_ERR" "$STATE/default/last.json"; do
    ! grep -q 5ig5ecret9 "$f" || fail "$(basename "$f") holds the URL's signature"
done

# ------------------------------------------------------ sha256 sidecars
R=$T/sum-good.json
run_rd verify --source "$U/json/sums/good.dump" --checksum sha256 --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.sha256 "$NEWSUM"
for src in "$U/json/sums/" "$W/sums"; do
    R=$T/sum-bad.json
    run_rd verify --source "$src" --archive bad.dump --checksum sha256 --report "$R" --state-dir "$STATE"
    assert_report "$R" 2 critical checksum_mismatch
    assert_json "$R" .archive.sha256 "$NEWSUM"
    msg_has "$R" "bad.dump.sha256"
    R=$T/sum-missing.json
    run_rd verify --source "$src" --archive missing.dump --checksum sha256 --report "$R" --state-dir "$STATE"
    assert_report "$R" 2 critical sidecar_missing
    R=$T/sum-optional.json
    run_rd verify --source "$src" --archive missing.dump --checksum optional --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
    R=$T/sum-local-good.json
    run_rd verify --source "$src" --archive good.dump --checksum sha256 --report "$R" --state-dir "$STATE"
    assert_report "$R" 0 ok null
done

# ------------------------- a redirect to another host carries no credentials
R=$T/moved.json
run_rd verify --source "http://alice:s3cr3tpw@127.0.0.1:$NGINX_PORT/moved/app.dump" --report "$R" --state-dir "$STATE"
assert_sink_count "$SINK_OUT" 1
assert_sink "$SINK_OUT" '.[0].path' /app.dump
assert_sink "$SINK_OUT" '.[0].headers | with_entries(.key |= ascii_downcase) | has("authorization")' false
assert_sink "$NGINX_DIR/logs/access.log" \
    'map(select(.uri == "/moved/app.dump" and (.authorization | startswith("Basic ")))) | length' 1

# ------------------------------------------------------- https, self-signed
S=https://127.0.0.1:$TLS_PORT
R=$T/tls.json
run_rd verify --source "$S/json/" --pattern "$PAT" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
msg_has "$R" "ca_file"
R=$T/tls-ca.json
run_rd verify --source "$S/json/" --pattern "$PAT" --ca-file "$T/tls.crt" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" .archive.name "$NEW.dump"
R=$T/tls-down.json
run_rd verify --source "$S/down/app.dump" --ca-file "$T/tls.crt" --report "$R" --state-dir "$STATE"
assert_report "$R" 3 unknown source_unreachable
msg_has "$R" "redirect"

# ------------------------------- lint: a remote source is not fetched, never shown
C=$T/lint.conf
printf '[job web]\nsource = https://alice:s3cr3tpw@127.0.0.1:%s/json/\nca_file = %s\nchecksum = sha256\nstall_timeout = 5s\nfetch_retries = 0\n' \
    "$TLS_PORT" "$T/tls.crt" >"$C"
run_rd lint -c "$C"
assert_exit 0
assert_contains "$RD_OUT" "job 'web': ok (source 'https://alice:****@127.0.0.1:$TLS_PORT/json/')"
assert_not_contains "$RD_OUT" s3cr3tpw
assert_not_contains "$RD_ERR" s3cr3tpw
printf '[job web]\nsource = https://127.0.0.1:%s/json/\nca_file = %s/missing.pem\n' "$TLS_PORT" "$T" >"$C"
run_rd lint -c "$C"
assert_exit 3
assert_contains "$RD_ERR" "ca_file '$T/missing.pem' is not readable"
