-- name: no_orphan_orders
-- kind: empty
-- description: every order belongs to an existing customer
--
-- Why this probe exists
--   Like a dbt data test, a probe of kind empty returns the rows that
--   should not exist.  No rows is ok; any row is a violation, and the
--   first 5 rows go into the report (probes[].rows) so the alert already
--   shows what is wrong.
--   Orphans appear when a dump is inconsistent (tables dumped from
--   different points in time, e.g. a per-table export instead of one
--   pg_dump snapshot), when a restore skipped rows, or when the app
--   deletes parents without a foreign key to stop it.
--
-- How to adapt it
--   * Any "must never happen" rule works: orphans, negative totals,
--     duplicate e-mails, invoices without lines, paid orders without
--     payment.
--   * Select the columns a human needs to find the bad rows (ids first).
--   * LIMIT keeps the probe cheap; the report counts rows up to the limit
--     (probes[].value) and keeps the first 5.
--   * Make it severity: warning while you clean up known old orphans.
SELECT o.id AS order_id, o.customer_id
  FROM public.orders AS o
 WHERE NOT EXISTS (SELECT 1 FROM public.customers AS c WHERE c.id = o.customer_id)
 ORDER BY o.id
 LIMIT 100;
