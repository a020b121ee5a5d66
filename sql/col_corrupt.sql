-- Corrupt or truncated data raises XX001 instead of crashing.
-- Read through the access method's own scan (the custom nodes share its reader).
SET tempo.enable_custom_scan = off;
SET tempo.enable_vectorized_agg = off;
-- every write as a stripe in the pages (not the head), to corrupt pages
SET tempo.head_flush_rows = 0;
CREATE TABLE cc (a int, b text) USING tempo_columnar;
INSERT INTO cc SELECT i, md5(i::text) FROM generate_series(1, 20000) i;
SELECT count(*) FROM cc;
SELECT pg_relation_size('cc') / 8192 AS blocks \gset
\set VERBOSITY sqlstate
-- flip a byte in the middle of the data (some chunk)
SELECT tempo.col_debug_corrupt('cc', 3, 100);
SELECT sum(length(b)) FROM cc;
SELECT tempo.col_debug_corrupt('cc', 3, 100);  -- undo
SELECT sum(length(b)) FROM cc;
-- corrupt the stripe footer (last block)
SELECT tempo.col_debug_corrupt('cc', :blocks - 1, 0);
SELECT count(*), sum(a), sum(length(b)) FROM cc;
SELECT tempo.col_debug_corrupt('cc', :blocks - 1, 0);
SELECT count(*), sum(a), sum(length(b)) FROM cc;
\set VERBOSITY default
-- every byte of a small table, one at a time: never a crash
CREATE TABLE cs (a int, j jsonb, t text) USING tempo_columnar;
INSERT INTO cs SELECT i, jsonb_build_object('k', i, 's', 'v' || i % 3), 'x' || i % 5 FROM generate_series(1, 300) i;
DO $$
DECLARE
    nbytes int;
    errors int := 0;
    ok int := 0;
BEGIN
    SELECT (pg_relation_size('cs') - 8192 - 24 * (pg_relation_size('cs') / 8192 - 1))::int INTO nbytes;
    FOR i IN 0 .. least(nbytes - 1, 8100) LOOP
        PERFORM tempo.col_debug_corrupt('cs', 1, i);
        BEGIN
            PERFORM sum(a), count(j::text), count(t) FROM cs;
            ok := ok + 1;
        EXCEPTION WHEN data_corrupted THEN
            errors := errors + 1;
        END;
        PERFORM tempo.col_debug_corrupt('cs', 1, i);
    END LOOP;
    RAISE NOTICE 'corruptions detected: %', errors > 0;
END $$;
SELECT count(*), sum(a) FROM cs;
\set VERBOSITY sqlstate
-- bad arguments and permissions
SELECT tempo.col_debug_corrupt('cs', 0, 0);
CREATE ROLE col_nobody;
SET ROLE col_nobody;
SELECT tempo.col_debug_corrupt('cs', 1, 0);
RESET ROLE;
DROP ROLE col_nobody;
