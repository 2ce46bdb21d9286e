#!/usr/bin/env bash
# 36: the shipped example probes stay valid and mean what docs/probes.md
# says: probes/examples/ and tests/demo/probes/ lint clean; run with `probe --db`
# against an app database shaped like the examples expect, they are all ok
# on healthy data, and on a broken copy each one reports what the worked
# examples show (recent_login warning, orders_today warning, users_not_empty
# critical, no_orphan_orders critical with rows[], migrations_applied
# critical false).
. "$(dirname "$0")/lib.sh"

EX=$RD_ROOT/probes/examples
app_sql() {
    cat <<'SQL'
SET client_min_messages = warning;
CREATE TABLE public.users (id int PRIMARY KEY, email text NOT NULL);
INSERT INTO public.users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE TABLE public.customers (id int PRIMARY KEY);
INSERT INTO public.customers SELECT generate_series(1, 20);
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO public.orders SELECT g, 1 + g % 20, now() - g * interval '37 minutes' FROM generate_series(1, 200) g;
CREATE TABLE public.sessions (id int PRIMARY KEY, last_login_at timestamptz NOT NULL);
INSERT INTO public.sessions SELECT g, now() - g * interval '3 minutes' FROM generate_series(1, 100) g;
CREATE TABLE public.schema_migrations (version character varying PRIMARY KEY);
INSERT INTO public.schema_migrations VALUES ('20261001000000'), ('20261101120000'), ('20261120093000');
SQL
}

for dir in "$EX" "$RD_ROOT/tests/demo/probes"; do
    C=$T/lint-$(basename "$(dirname "$dir")").conf
    mkdir -p "$T/src"
    cat >"$C" <<CONF
[job examples]
source = $T/src
probes = $dir
state_dir = $STATE
CONF
    run_rd lint -c "$C"
    assert_exit 0
    assert_contains "$RD_OUT" "5 probes"
done

seed_start
must spsql postgres -c "CREATE DATABASE app"
must spsql app -c "$(app_sql)"

R=$T/healthy.json
run_rd probe --db "$(seed_conninfo app)" --probes "$EX" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' \
    "migrations_applied=ok no_orphan_orders=ok orders_today=ok recent_login=ok users_not_empty=ok"

must spsql postgres -c "CREATE DATABASE broken TEMPLATE app"
must spsql broken -c "
UPDATE public.sessions SET last_login_at = last_login_at - interval '3 hours';
UPDATE public.orders SET created_at = created_at - interval '10 days';
INSERT INTO public.orders VALUES (1001, 4711, now() - interval '11 days'), (1002, 4712, now() - interval '12 days');
DELETE FROM public.users;
DELETE FROM public.schema_migrations WHERE version > '20261001000000';"
R=$T/broken.json
run_rd probe --db "$(seed_conninfo broken)" --probes "$EX" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical probe_failed
assert_json "$R" '[.probes[] | "\(.name)=\(.status)"] | join(" ")' \
    "migrations_applied=critical no_orphan_orders=critical orders_today=warning recent_login=warning users_not_empty=critical"
assert_probe "$R" migrations_applied .value false
assert_probe "$R" no_orphan_orders .value 2
assert_probe "$R" no_orphan_orders '[.rows[] | "\(.order_id):\(.customer_id)"] | join(" ")' "1001:4711 1002:4712"
assert_probe "$R" orders_today .value 0
assert_probe "$R" orders_today .message "0, want ≥ 1"
assert_probe "$R" users_not_empty .message "0, want ≥ 1"
assert_probe_true "$R" recent_login '.age_s > 3*3600 and .age_s < 3*3600 + 900' "recent_login: about 3 h old"
assert_json "$R" .error.message "probe 'migrations_applied': the condition is false"
