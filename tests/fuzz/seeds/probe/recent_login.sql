-- Someone logs in every day; a restore whose newest login is old is stale.
-- name: recent_login
-- kind: freshness
-- warn_after: 2h
-- error_after: 26h
-- relative_to: archive
-- description: someone logs in every day
SELECT max(last_login_at) FROM public.sessions;
