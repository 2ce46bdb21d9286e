-- name: no_orphan_orders
-- kind: empty
-- description: every order belongs to an existing customer
--
-- probes/examples/no_orphan_orders.sql as it is: the demo's tables have the
-- same names.  No rows, so ok; any orphan would be listed in probes[].rows.
SELECT o.id AS order_id, o.customer_id
  FROM public.orders AS o
 WHERE NOT EXISTS (SELECT 1 FROM public.customers AS c WHERE c.id = o.customer_id)
 ORDER BY o.id
 LIMIT 100;
