-- Dictionary chunks coded in the context of a related column
-- (COL_ENC_VAR_DICT_CTX): span names given the service, resource
-- documents given the service, versions given the name.  Every value must
-- come back identical whether or not a chunk took the form, with NULLs on
-- either side, and skipping by dictionary sets must work as before.
SET search_path = public, tempo;
SET tempo.head_flush_rows = 0;
CREATE TABLE hx (i int, svc text, name text, ver text, res jsonb);
INSERT INTO hx
SELECT i, s,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE 'op' || (abs(hashint4(i + 7)) % 13) * 10 + abs(hashint4(i + 1000000)) % 3 END,
       NULL,
       CASE WHEN i % 17 = 0 THEN NULL
            ELSE jsonb_build_object('service.name', s, 'pod', abs(hashint4(-i)) % 3,
                                    'weight', CASE WHEN s = 's3' THEN to_jsonb(1.5) ELSE to_jsonb(true) END) END
  FROM (SELECT i, CASE WHEN i % 101 = 0 THEN NULL ELSE 's' || abs(hashint4(i + 7)) % 13 END AS s
          FROM generate_series(1, 30000) i) x;
-- the name's service: the same hash picks both
UPDATE hx SET ver = 'v1.' || length(name) % 4 || '.' || abs(hashtext(name)) % 2 WHERE name IS NOT NULL;
CREATE TABLE cx (LIKE hx) USING tempo_columnar;
INSERT INTO cx SELECT * FROM hx ORDER BY i;
SELECT count(*) FROM (SELECT * FROM hx EXCEPT ALL SELECT * FROM cx) x;
SELECT count(*) FROM (SELECT * FROM cx EXCEPT ALL SELECT * FROM hx) x;
SELECT count(*) FROM hx JOIN cx USING (i)
 WHERE jsonb_send(hx.res) IS DISTINCT FROM jsonb_send(cx.res);
-- the same names without the columns they follow cost more
CREATE TABLE cy (name text, ver text) USING tempo_columnar;
INSERT INTO cy SELECT name, NULL FROM hx ORDER BY i;
SELECT (SELECT stored_bytes FROM tempo.col_column_stats('cx') WHERE col = 'name') <
       0.8 * (SELECT stored_bytes FROM tempo.col_column_stats('cy') WHERE col = 'name')
       AS name_coded_in_context;
-- projections of one column, point lookups, filters, vectorized grouping
SELECT count(*), count(name), count(DISTINCT name) FROM cx;
SELECT name, ver FROM cx WHERE i IN (1, 11, 202, 29999) ORDER BY i;
SELECT count(*) FROM cx WHERE name = 'op120';
SELECT count(*) FROM hx WHERE name = 'op120';
SELECT chunk_groups_total, chunk_groups_skipped FROM tempo.col_scan_stats('cx', 'name', '=', 'op999');
SELECT chunk_groups_skipped FROM tempo.col_scan_stats('cx', 'ver', '=', 'v9.9.9');
SELECT count(*) FROM (
  SELECT svc, name, count(*) FROM cx GROUP BY 1, 2
  EXCEPT ALL
  SELECT svc, name, count(*) FROM hx GROUP BY 1, 2) x;
SELECT count(*) FROM (
  SELECT res, count(*) FROM cx WHERE svc = 's3' GROUP BY 1
  EXCEPT ALL
  SELECT res, count(*) FROM hx WHERE svc = 's3' GROUP BY 1) x;
-- edge cases: one row, all equal, NULL contexts only, many ranks
CREATE TABLE ce (a text, b text, c text) USING tempo_columnar;
INSERT INTO ce VALUES ('x', 'y', NULL);
SELECT * FROM ce;
TRUNCATE ce;
INSERT INTO ce SELECT 'same', CASE WHEN i % 3 = 0 THEN NULL ELSE 'same' END, NULL
  FROM generate_series(1, 10000) i;
SELECT a, b, c, count(*) FROM ce GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
TRUNCATE ce;
INSERT INTO ce SELECT NULL, 'k' || i % 2,
       'v' || ((i % 2) * 600 + abs(hashint4(i)) % 600) FROM generate_series(1, 20000) i;
SELECT count(*), count(DISTINCT c), sum(length(c)) FROM ce;
SELECT count(*) FROM ce WHERE c = 'v' || (20000 % 2) * 600 + abs(hashint4(20000)) % 600;
DROP TABLE hx, cx, cy, ce;
-- corrupt bytes of a table with context-coded chunks: an error, never a crash
SET tempo.enable_custom_scan = off;
CREATE TABLE cc (svc text, name text) USING tempo_columnar;
INSERT INTO cc SELECT 's' || abs(hashint4(i)) % 20, 'n' || (abs(hashint4(i)) % 20) * 3 + i % 3
  FROM generate_series(1, 6000) i;
SELECT count(*), count(DISTINCT name) FROM cc;
-- the name says the service: the service column, coded given the name,
-- costs next to nothing (about 4.3 bits a row without its context)
SELECT min(stored_bytes) < 6000 / 8 AS coded_in_context FROM tempo.col_column_stats('cc');
DO $$
DECLARE
    nbytes int;
    errors int := 0;
BEGIN
    SELECT (pg_relation_size('cc') - 8192 - 24 * (pg_relation_size('cc') / 8192 - 1))::int INTO nbytes;
    FOR i IN 0 .. least(nbytes - 1, 8100) LOOP
        PERFORM tempo.col_debug_corrupt('cc', 1, i);
        BEGIN
            PERFORM count(name), count(svc), min(name) FROM cc;
        EXCEPTION WHEN data_corrupted THEN
            errors := errors + 1;
        END;
        PERFORM tempo.col_debug_corrupt('cc', 1, i);
    END LOOP;
    RAISE NOTICE 'corruptions detected: %', errors > 0;
END $$;
SELECT count(*), count(DISTINCT name) FROM cc;
DROP TABLE cc;
