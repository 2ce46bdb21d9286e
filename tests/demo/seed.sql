-- tests/demo/seed.sql: a small "shop" application database for `make demo`.
--
-- Loaded by tests/demo/run.sh into a throwaway seed cluster (tests/pg-ephemeral),
-- then dumped with pg_dump -Fc.  Every object is owned by the application
-- role shop_app, which exists only in the seed cluster: the dump says
-- "ALTER TABLE ... OWNER TO shop_app", so restoring it anywhere else works
-- only because restoredrill restores with --no-owner --no-privileges.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE ROLE shop_app NOLOGIN;
CREATE ROLE shop_readonly NOLOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO shop_app;

SET ROLE shop_app;

CREATE TABLE public.customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL UNIQUE,
    name        text NOT NULL,
    country     char(2) NOT NULL DEFAULT 'DE',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE public.invoice_number_seq START 10000;

CREATE TABLE public.orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES public.customers (id),
    invoice_no  bigint NOT NULL DEFAULT nextval('public.invoice_number_seq'),
    total_cents integer NOT NULL CHECK (total_cents >= 0),
    status      text NOT NULL DEFAULT 'paid' CHECK (status IN ('open', 'paid', 'refunded')),
    ordered_at  timestamptz NOT NULL
);
CREATE INDEX orders_customer_ordered_idx ON public.orders (customer_id, ordered_at DESC);

CREATE TABLE public.sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES public.customers (id),
    user_agent    text,
    last_login_at timestamptz NOT NULL
);
CREATE INDEX sessions_last_login_idx ON public.sessions (last_login_at);

-- The migration history, as Rails / Ecto / golang-migrate keep it: the
-- migrations_applied probe checks that the newest one is at least the one
-- the application needs.
CREATE TABLE public.schema_migrations (
    version     character varying PRIMARY KEY
);
INSERT INTO public.schema_migrations (version) VALUES
    ('20260901080000'), ('20261002143000'), ('20261101120000'), ('20261115093000');

CREATE VIEW public.customer_order_totals AS
    SELECT c.id AS customer_id, c.email, count(o.id) AS orders,
           coalesce(sum(o.total_cents), 0) AS total_cents
      FROM public.customers c
      LEFT JOIN public.orders o ON o.customer_id = c.id
     GROUP BY c.id, c.email;

GRANT SELECT ON public.customer_order_totals TO shop_readonly;

SELECT setseed(0.42);

INSERT INTO public.customers (email, name, country, created_at)
SELECT format('customer%s@example.com', g), format('Customer %s', g),
       (ARRAY['DE', 'FR', 'NL', 'AT', 'CH'])[1 + g % 5],
       now() - (g || ' days')::interval
  FROM generate_series(1, 120) g;

INSERT INTO public.orders (customer_id, total_cents, status, ordered_at)
SELECT 1 + (g * 7) % 120, (random() * 20000)::int,
       (ARRAY['paid', 'paid', 'paid', 'open', 'refunded'])[1 + g % 5],
       now() - (random() * 90 || ' days')::interval
  FROM generate_series(1, 300) g;

-- Today's business: one order every 2 hours over the last day, so the
-- orders_today probe (at least one order in the last 24 hours) passes, also
-- on the shop_stale copy whose times are 6 hours older.
INSERT INTO public.orders (customer_id, total_cents, status, ordered_at)
SELECT 1 + (g * 13) % 120, 1000 + 250 * g, 'paid',
       now() - ((2 * g - 1) || ' hours')::interval
  FROM generate_series(1, 12) g;

-- Logins spread over the last ~42 hours, the newest one just now: a freshness probe
-- ("max(last_login_at) within 26h") passes on a fresh dump.
INSERT INTO public.sessions (customer_id, user_agent, last_login_at)
SELECT 1 + g % 120, 'Mozilla/5.0 (demo)',
       now() - ((g - 1) * 17 || ' minutes')::interval
  FROM generate_series(1, 150) g;

RESET ROLE;
