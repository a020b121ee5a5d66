-- DDL on tempo_columnar tables: truncate, drop, vacuum, tablespaces,
-- column changes, partitions, CREATE TABLE AS.
SELECT (SELECT count(*) FROM tempo.col_stripe) + (SELECT count(*) FROM tempo.col_head) AS start_rows \gset
CREATE TABLE d (a int, b text) USING tempo_columnar;
INSERT INTO d SELECT i, 'r' || i FROM generate_series(1, 100000) i;
SELECT stripes, row_count FROM tempo.col_relation_stats('d');
-- transactional TRUNCATE: rolled back, then committed
BEGIN;
TRUNCATE d;
SELECT count(*) FROM d;
INSERT INTO d VALUES (-1, 'in truncating xact');
SELECT count(*) FROM d;
ROLLBACK;
SELECT count(*), sum(a) FROM d;
TRUNCATE d;
SELECT count(*) FROM d;
SELECT stripes, row_count FROM tempo.col_relation_stats('d');
INSERT INTO d VALUES (1, 'after truncate');
SELECT * FROM d;
-- TRUNCATE of a table created in the same transaction (non-transactional path)
BEGIN;
CREATE TABLE d2 (a int) USING tempo_columnar;
INSERT INTO d2 SELECT generate_series(1, 1000);
TRUNCATE d2;
INSERT INTO d2 VALUES (7);
SELECT * FROM d2;
COMMIT;
SELECT * FROM d2;
-- DROP removes the stripe catalog rows
CREATE TABLE d3 (a int) USING tempo_columnar;
INSERT INTO d3 SELECT generate_series(1, 10);
SELECT (SELECT count(*) FROM tempo.col_stripe) + (SELECT count(*) FROM tempo.col_head) AS before \gset
DROP TABLE d3;
SELECT :before - (SELECT count(*) FROM tempo.col_stripe) - (SELECT count(*) FROM tempo.col_head) AS removed;
-- insert then drop in one transaction
BEGIN;
CREATE TABLE d4 (a int) USING tempo_columnar;
INSERT INTO d4 VALUES (1);
DROP TABLE d4;
COMMIT;
-- VACUUM: statistics and relfrozenxid
INSERT INTO d SELECT i, 'v' FROM generate_series(2, 5000) i;
VACUUM d;
SELECT reltuples, relpages > 0 AS pages, relfrozenxid <> '0' AS frozen FROM pg_class WHERE relname = 'd';
-- VACUUM FULL merges small stripes into full ones
INSERT INTO d VALUES (100000, 'x');
INSERT INTO d VALUES (100001, 'y');
SELECT stripes, row_count FROM tempo.col_relation_stats('d');
VACUUM FULL d;
SELECT stripes, row_count FROM tempo.col_relation_stats('d');
SELECT count(*), sum(a) FROM d;
-- SET TABLESPACE (in-place tablespace) and back
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE col_ts LOCATION '';
ALTER TABLE d SET TABLESPACE col_ts;
SELECT count(*), sum(a) FROM d;
INSERT INTO d VALUES (200000, 'moved');
ALTER TABLE d SET TABLESPACE pg_default;
SELECT count(*), sum(a) FROM d;
DROP TABLESPACE col_ts;
-- column changes: ADD with default (no rewrite), DROP, type change (rewrite)
ALTER TABLE d ADD COLUMN c int DEFAULT 42;
ALTER TABLE d ADD COLUMN e text;
INSERT INTO d VALUES (300000, 'new', 1, 'e');
SELECT c, e, count(*) FROM d GROUP BY c, e ORDER BY c;
ALTER TABLE d DROP COLUMN b;
SELECT * FROM d WHERE a >= 200000 ORDER BY a;
ALTER TABLE d ALTER COLUMN a TYPE bigint;
SELECT count(*), sum(a), sum(c) FROM d;
SELECT stripes, row_count FROM tempo.col_relation_stats('d');
-- buffered rows, then ADD COLUMN in the same transaction
BEGIN;
INSERT INTO d VALUES (400000, 5, 'buffered');
ALTER TABLE d ADD COLUMN f int DEFAULT 9;
SELECT a, c, e, f FROM d WHERE a = 400000;
INSERT INTO d VALUES (400001, 6, 'after', 10);
SELECT a, c, e, f FROM d WHERE a >= 400000 ORDER BY a;
COMMIT;
SELECT a, c, e, f FROM d WHERE a >= 400000 ORDER BY a;
-- CREATE TABLE AS and partitions
CREATE TABLE d5 USING tempo_columnar AS SELECT i AS a, i % 10 AS b FROM generate_series(1, 1000) i;
SELECT count(*), sum(a) FROM d5;
CREATE TABLE p (t timestamptz, v int) PARTITION BY RANGE (t);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2026-01-01') TO ('2026-01-02') USING tempo_columnar;
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM ('2026-01-02') TO ('2026-01-03') USING tempo_columnar;
INSERT INTO p SELECT '2026-01-01'::timestamptz + i * interval '1 minute', i FROM generate_series(0, 2879) i;
SELECT tableoid::regclass, count(*), min(v), max(v) FROM p GROUP BY 1 ORDER BY 1;
COPY p FROM STDIN;
2026-01-01 12:00:00+00	-1
2026-01-02 12:00:00+00	-2
\.
SELECT count(*) FROM p WHERE v < 0;
DROP TABLE p;
-- no catalog rows left behind by dropped or truncated storage
DROP TABLE d, d2, d5;
SELECT (SELECT count(*) FROM tempo.col_stripe) + (SELECT count(*) FROM tempo.col_head) - :start_rows AS leftover;
