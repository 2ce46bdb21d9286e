-- name: recent_order
-- kind: freshness
-- description: someone ordered in the last day (MariaDB SQL; DATETIME is UTC)
-- warn_after: 6h
-- error_after: 26h
SELECT max(ordered_at) FROM orders;
