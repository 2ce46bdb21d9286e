Ã\restrict abc
\unrestrict abc
\! rm -rf /
-- Dumped from database version 16.1
SELECT 1
\restrict x
;
SELECT $1, $a$x$a$, 1$$y$$;
