-- name: migrations_applied
-- kind: true
-- description: the schema is at least at migration 20261101120000
--
-- probes/examples/migrations_applied.sql as it is: tests/demo/seed.sql keeps a
-- Rails-style public.schema_migrations whose newest version is
-- 20261115093000.
SELECT max(version) >= '20261101120000' FROM public.schema_migrations;
