--
-- PostgreSQL database cluster dump
--

\restrict N9LJWSnwP0be1zxobh1VZGNg1bRVMrdJEcj28e1m0917g4gjyWVhlaivbUsXI6d

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;

--
-- User Configurations
--








\unrestrict N9LJWSnwP0be1zxobh1VZGNg1bRVMrdJEcj28e1m0917g4gjyWVhlaivbUsXI6d

--
-- Databases
--

--
-- Database "template1" dump
--

\connect template1

--
-- PostgreSQL database dump
--

\restrict UAQyuAtR2CcP7dWR3V18Y034R57U5TIbdZXOPOoB1YfZQyT7eq89ReOUYOYGZ0O

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
-- PostgreSQL database dump complete
--

\unrestrict UAQyuAtR2CcP7dWR3V18Y034R57U5TIbdZXOPOoB1YfZQyT7eq89ReOUYOYGZ0O

--
-- Database "ext" dump
--

--
-- PostgreSQL database dump
--

\restrict SASJfi7E5q8LdKGbHJhVe6hex5Xkhv4Vpm43g3UGgR4TSQjXh9XJaQOHka2vyge

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb