--
-- PostgreSQL database dump
--

\restrict BsVmyxWZ5rEOSjuqdGhs18OMxtfLBfI3LCdXjigXPVhGwl8Q09b8LZpIETbKfBI

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: app
--

CREATE SCHEMA app;


ALTER SCHEMA app OWNER TO app;

--
-- Name: mood; Type: TYPE; Schema: app; Owner: app
--

CREATE TYPE app.mood AS ENUM (
    'sad',
    'ok',
    'happy'
);


ALTER TYPE app.mood OWNER TO app;

--
-- Name: atomic_one(); Type: FUNCTION; Schema: app; Owner: app
--

CREATE FUNCTION app.atomic_one() RETURNS integer
    LANGUAGE sql
    BEGIN ATOMIC
 SELECT
         CASE
             WHEN true THEN 1
             ELSE 2
         END AS "case";
END;


ALTER FUNCTION app.atomic_one() OWNER TO app;

--
-- Name: fn_tag(integer); Type: FUNCTION; Schema: app; Owner: app
--

CREATE FUNCTION app.fn_tag(n integer) RETURNS text
    LANGUAGE plpgsql
    AS $_$
BEGIN
  RETURN $$GRANT $$ || n || ';';
END
$_$;


ALTER FUNCTION app.fn_tag(n integer) OWNER TO app;

--
-- Name: grant_all(); Type: FUNCTION; Schema: app; Owner: app
--

CREATE FUNCTION app.grant_all() RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
GRANT SELECT ON app.people TO ro;
ALTER TABLE app.people OWNER TO app;
EXECUTE 'REVOKE ALL ON app.notes FROM PUBLIC';
END;
$$;


ALTER FUNCTION app.grant_all() OWNER TO app;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: people; Type: TABLE; Schema: app; Owner: app
--

CREATE TABLE app.people (
    id integer NOT NULL,
    name text NOT NULL,
    mood app.mood DEFAULT 'ok'::app.mood,
    "OWNER TO" text,
    owner_to integer
);


ALTER TABLE app.people OWNER TO app;

--
-- Name: TABLE people; Type: COMMENT; Schema: app; Owner: app
--

COMMENT ON TABLE app.people IS 'people;
GRANT SELECT ON app.people TO ro;
-- not a comment';


--
-- Name: happy; Type: VIEW; Schema: app; Owner: app
--

CREATE VIEW app.happy AS
 SELECT people.id,
    people.name
   FROM app.people
  WHERE (people.mood = 'happy'::app.mood);


ALTER TABLE app.happy OWNER TO app;

--
-- Name: notes; Type: TABLE; Schema: app; Owner: app
--

CREATE TABLE app.notes (
    line text
);


ALTER TABLE app.notes OWNER TO app;

--
-- Name: people_id_seq; Type: SEQUENCE; Schema: app; Owner: app
--

CREATE SEQUENCE app.people_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE app.people_id_seq OWNER TO app;

--
-- Name: people_id_seq; Type: SEQUENCE OWNED BY; Schema: app; Owner: app
--

ALTER SEQUENCE app.people_id_seq OWNED BY app.people.id;


--
-- Name: people id; Type: DEFAULT; Schema: app; Owner: app
--

ALTER TABLE ONLY app.people ALTER COLUMN id SET DEFAULT nextval('app.people_id_seq'::regclass);


--
-- Name: 424242; Type: BLOB; Schema: -; Owner: app
--

SELECT pg_catalog.lo_create('424242');


ALTER LARGE OBJECT 424242 OWNER TO app;

--
-- Data for Name: notes; Type: TABLE DATA; Schema: app; Owner: app
--

COPY app.notes (line) FROM stdin;
GRANT x;
\\.
ALTER TABLE app.notes OWNER TO app;
\\restrict abc

\.


--
-- Data for Name: people; Type: TABLE DATA; Schema: app; Owner: app
--

COPY app.people (id, name, mood, "OWNER TO", owner_to) FROM stdin;
1	alice	happy	ALTER TABLE x OWNER TO y;	\N
2	bob\ttab\\back	sad	line1\nline2	\N
3	zoë ünïcode	ok	\\.	\N
4	GRANT SELECT ON app.people TO ro;	ok	\N	\N
\.


--
-- Name: people_id_seq; Type: SEQUENCE SET; Schema: app; Owner: app
--

SELECT pg_catalog.setval('app.people_id_seq', 4, true);


--
-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -
--

BEGIN;

SELECT pg_catalog.lo_open('424242', 131072);
SELECT pg_catalog.lowrite(0, '\x626c6f622064617461');
SELECT pg_catalog.lo_close(0);

COMMIT;

--
-- Name: people people_pkey; Type: CONSTRAINT; Schema: app; Owner: app
--

ALTER TABLE ONLY app.people
    ADD CONSTRAINT people_pkey PRIMARY KEY (id);


--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: app
--

GRANT USAGE ON SCHEMA app TO ro;


--
-- Name: FUNCTION grant_all(); Type: ACL; Schema: app; Owner: app
--

REVOKE ALL ON FUNCTION app.grant_all() FROM PUBLIC;


--
-- Name: TABLE people; Type: ACL; Schema: app; Owner: app
--

GRANT SELECT ON TABLE app.people TO ro;


--
-- Name: TABLE happy; Type: ACL; Schema: app; Owner: app
--

GRANT SELECT ON TABLE app.happy TO ro;


--
-- Name: TABLE notes; Type: ACL; Schema: app; Owner: app
--

GRANT SELECT ON TABLE app.notes TO ro;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: app; Owner: app
--

ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA app GRANT SELECT ON TABLES  TO ro;


--
-- PostgreSQL database dump complete
--

\unrestrict BsVmyxWZ5rEOSjuqdGhs18OMxtfLBfI3LCdXjigXPVhGwl8Q09b8LZpIETbKfBI

