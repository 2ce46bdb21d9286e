-- name: users_exist
-- kind: true
SELECT EXISTS (SELECT 1 FROM public.users WHERE note = E'a\';b' OR body = $q$ ; $q$);
