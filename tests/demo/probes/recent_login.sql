-- name: recent_login
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
-- description: a customer logged in during the last 2 hours (warning) / 26 hours (critical)
--
-- The demo's copy of probes/examples/recent_login.sql (explained there and
-- in docs/probes.md).  The shop job's newest login is seconds old: ok.  The
-- shop_stale job's data is 6 hours older than its archive: warning.
SELECT max(last_login_at) FROM public.sessions;
