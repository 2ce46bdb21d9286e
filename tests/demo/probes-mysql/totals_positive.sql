-- name: totals_positive
-- kind: true
SELECT count(*) = 0 FROM orders WHERE total <= 0;
