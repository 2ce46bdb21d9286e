-- name: nested
-- kind: empty
SELECT /* a /* b ; */ c */ 1 AS "x;""y" WHERE $$;$$ = 'it''s' AND false;
