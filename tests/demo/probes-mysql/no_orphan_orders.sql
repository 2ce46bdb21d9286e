-- name: no_orphan_orders
-- kind: empty
SELECT o.id, o.customer_id FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
WHERE c.id IS NULL;
