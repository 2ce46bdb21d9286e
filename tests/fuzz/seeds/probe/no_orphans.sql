-- name: no_orphan_items
-- kind: empty
-- search_path: public, "Billing"
-- Every order item belongs to an order.
SELECT i.id, i.order_id
  FROM order_items i
  LEFT JOIN orders o ON o.id = i.order_id
 WHERE o.id IS NULL
 LIMIT 5 -- the first rows go in the report
