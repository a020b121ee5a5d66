-- tempo install script, assembled by the Makefile from sqlsrc/*.sql.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION tempo" to load this file. \quit
