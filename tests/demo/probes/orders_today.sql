-- name: orders_today
-- kind: rows
-- min: 1
-- severity: warning
-- description: at least one order in the 24 hours before the probe ran
--
-- probes/examples/orders_today.sql, on the demo's column ordered_at.
SELECT count(*)
  FROM public.orders
 WHERE ordered_at > now() - interval '24 hours';
