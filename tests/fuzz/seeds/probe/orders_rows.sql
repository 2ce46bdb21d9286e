-- name: orders_count
-- kind: rows
-- min: 1000
-- max: 5e6
-- severity: warning
-- timeout: 30s

/* Orders never drop below a thousand. */
SELECT count(*)
  FROM public.orders
 WHERE status <> 'cancelled;';
