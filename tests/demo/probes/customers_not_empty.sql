-- name: customers_not_empty
-- kind: rows
-- min: 100
-- description: the shop never has fewer than 100 customers
--
-- probes/examples/users_not_empty.sql, on the demo's customers table and
-- with a floor that means something for this shop (it has 120).
SELECT count(*) FROM public.customers;
