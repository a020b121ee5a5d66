-- Parallel sequential scans over stripes return the same rows.
CREATE TABLE pa (a int, b text, g int) USING tempo_columnar;
INSERT INTO pa SELECT i, 'p' || (i % 100), i % 10 FROM generate_series(1, 300000) i;
ANALYZE pa;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT count(*), sum(a) FROM pa;
SELECT count(*), sum(a), count(DISTINCT b) FROM pa;
EXPLAIN (COSTS OFF) SELECT g, count(*), sum(a) FROM pa GROUP BY g ORDER BY g;
SELECT g, count(*), sum(a) FROM pa GROUP BY g ORDER BY g;
RESET parallel_leader_participation;
SELECT count(*), sum(a) FROM pa;
-- identical multiset to a serial scan
CREATE TEMP TABLE par AS SELECT * FROM pa;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE ser AS SELECT * FROM pa;
SELECT count(*) FROM (SELECT * FROM par EXCEPT ALL SELECT * FROM ser) x;
SELECT count(*) FROM (SELECT * FROM ser EXCEPT ALL SELECT * FROM par) x;
SET max_parallel_workers_per_gather = 2;
-- unwritten rows of this transaction keep the scan serial (and visible)
BEGIN;
INSERT INTO pa VALUES (-1, 'mine', 0);
EXPLAIN (COSTS OFF) SELECT count(*) FROM pa;
SELECT count(*), sum(a) FROM pa;
COMMIT;
SELECT count(*), sum(a) FROM pa;
