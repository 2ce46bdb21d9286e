-- name: customers_not_empty
-- kind: rows
-- min: 10
SELECT count(*) FROM customers;
