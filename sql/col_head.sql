-- The head of tempo_columnar tables: small writes land in tempo.col_head,
-- are read like stripes by every reader, and tempo.compact() turns them
-- into sorted stripes in one transaction.
SET search_path = public, tempo;
CREATE TABLE hd (tenant text, service_name text, trace_id tempo.trace_id,
                start_time timestamptz, n int, attrs jsonb) USING tempo_columnar;
-- three small statements: three head stripes, no stripe in the pages
INSERT INTO hd SELECT 't' || (i % 2), 'svc' || (i % 3),
       lpad(to_hex(i % 7), 32, '0')::tempo.trace_id,
       '2026-01-01'::timestamptz + i * interval '1 s', i, jsonb_build_object('k', i % 5)
  FROM generate_series(1, 100) i;
INSERT INTO hd SELECT 't0', 'svc9', lpad('ff', 32, '0')::tempo.trace_id,
       '2026-01-02'::timestamptz, 1000 + i, NULL FROM generate_series(1, 10) i;
INSERT INTO hd VALUES ('t1', 'svc0', NULL, NULL, 2000, '{"k": "x"}');
SELECT head_stripes, head_rows, head_bytes > 0 AS has_bytes, oldest IS NOT NULL AS has_oldest
  FROM tempo.col_head_stats('hd');
SELECT stripes, row_count FROM tempo.col_relation_stats('hd');
SELECT pg_relation_size('hd') / 8192 AS pages;  -- the metapage only
-- every reader sees the head: custom scan, AM scan, aggregate, point lookup
SELECT count(*), sum(n), count(DISTINCT service_name) FROM hd;
SELECT service_name, count(*), max(n) FROM hd GROUP BY 1 ORDER BY 1;
SELECT n FROM hd WHERE trace_id = lpad('ff', 32, '0')::tempo.trace_id ORDER BY n LIMIT 3;
SELECT count(*) FROM hd WHERE attrs ->> 'k' = 'x';
SET tempo.enable_custom_scan = off;
SET tempo.enable_vectorized_agg = off;
SELECT count(*), sum(n) FROM hd;
RESET tempo.enable_custom_scan;
RESET tempo.enable_vectorized_agg;
SELECT * FROM tempo.col_scan_stats('hd', 'service_name', '=', 'svc9');
-- a transaction reads its own head rows and unwritten rows alike
BEGIN;
INSERT INTO hd VALUES ('t2', 'svc1', NULL, NULL, 3000, NULL);
SELECT count(*) FROM hd;
ROLLBACK;
SELECT count(*), head_rows FROM hd, tempo.col_head_stats('hd') GROUP BY 2;
-- compaction is transactional: rolled back, the head stays
BEGIN;
SELECT relation, head_stripes, head_rows, stripes_written, rows_written FROM tempo.compact('hd');
SELECT head_stripes FROM tempo.col_head_stats('hd');
ROLLBACK;
SELECT head_stripes, head_rows FROM tempo.col_head_stats('hd');
-- thresholds not reached: nothing to do without force
SELECT head_stripes, stripes_written FROM tempo.compact('hd', force => false);
-- forced: one sorted stripe, same rows
SELECT relation, head_stripes, head_rows, stripes_written, rows_written FROM tempo.compact('hd');
SELECT head_stripes, head_rows, oldest FROM tempo.col_head_stats('hd');
SELECT stripes, row_count FROM tempo.col_relation_stats('hd');
SELECT count(*), sum(n), count(DISTINCT service_name) FROM hd;
SELECT service_name, count(*), max(n) FROM hd GROUP BY 1 ORDER BY 1;
-- rows come back sorted by (tenant, service_name, trace_id, start_time)
SELECT bool_and(ok) AS sorted FROM (
  SELECT (tenant, service_name, trace_id::text, start_time) >=
         lag((tenant, service_name, trace_id::text, start_time))
           OVER (ORDER BY ctid) IS NOT FALSE AS ok
    FROM hd) s;
SELECT tenant, service_name, n FROM hd ORDER BY ctid LIMIT 3;
-- nothing left: compacting again is a no-op
SELECT head_stripes, stripes_written FROM tempo.compact('hd');
-- tempo.head_flush_rows = 0 writes straight to the pages
SET tempo.head_flush_rows = 0;
INSERT INTO hd VALUES ('t3', 'svc3', NULL, NULL, 4000, NULL);
SELECT head_stripes FROM tempo.col_head_stats('hd');
RESET tempo.head_flush_rows;
-- a large statement: full stripes in the pages, the remainder in the head
CREATE TABLE hd_big (a int, b text) USING tempo_columnar;
INSERT INTO hd_big SELECT i, 'b' || (i % 10) FROM generate_series(1, 70000) i;
SELECT stripe_num > 0 AS ok, row_count FROM tempo.col_stripes('hd_big') ORDER BY first_row;
SELECT head_stripes, head_rows FROM tempo.col_head_stats('hd_big');
SELECT count(*), sum(a) FROM hd_big;
-- TRUNCATE and DROP remove head rows
TRUNCATE hd;
SELECT count(*) FROM hd;
SELECT head_stripes FROM tempo.col_head_stats('hd');
DROP TABLE hd_big;
SELECT count(*) FROM tempo.col_head h2
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = h2.relid);
-- not a columnar table / not the owner
CREATE TABLE hd_heap (a int);
\set VERBOSITY terse
SELECT * FROM tempo.compact('hd_heap');
CREATE ROLE head_other;
GRANT USAGE ON SCHEMA tempo TO head_other;
SET ROLE head_other;
SELECT * FROM tempo.compact('hd');
SELECT count(*) FROM tempo.compact();
RESET ROLE;
REVOKE USAGE ON SCHEMA tempo FROM head_other;
DROP ROLE head_other;
DROP TABLE hd, hd_heap;
