-- Transactions: aborts, savepoints, read-your-writes, append-only errors.
CREATE TABLE m (a int, b text) USING tempo_columnar;
-- aborted insert is invisible
BEGIN;
INSERT INTO m SELECT i, 'x' FROM generate_series(1, 100) i;
SELECT count(*) FROM m;   -- 100: own writes
ROLLBACK;
SELECT count(*) FROM m;   -- 0
-- aborted multi-stripe insert (stripes flushed before the abort)
BEGIN;
INSERT INTO m SELECT i, 'y' FROM generate_series(1, 140000) i;
SELECT count(*) FROM m;
ROLLBACK;
SELECT count(*) FROM m;
SELECT stripes, row_count FROM tempo.col_relation_stats('m');
-- savepoints
BEGIN;
INSERT INTO m VALUES (1, 'keep');
SAVEPOINT s1;
INSERT INTO m VALUES (2, 'drop');
SELECT a, b FROM m ORDER BY a;            -- 1 and 2
ROLLBACK TO SAVEPOINT s1;
SELECT a, b FROM m ORDER BY a;            -- 1
SAVEPOINT s2;
INSERT INTO m VALUES (3, 'released');
RELEASE SAVEPOINT s2;
SAVEPOINT s3;
INSERT INTO m VALUES (4, 'nested');
SAVEPOINT s4;
INSERT INTO m SELECT i, 'big' FROM generate_series(100, 70099) i;  -- flushes a stripe in s4
ROLLBACK TO SAVEPOINT s4;
RELEASE SAVEPOINT s3;
SELECT a, b FROM m ORDER BY a;            -- 1, 3, 4
COMMIT;
SELECT a, b FROM m ORDER BY a;
-- read-your-writes inside one statement sequence, and no Halloween effect
BEGIN;
INSERT INTO m SELECT i, 'h' FROM generate_series(10, 19) i;
INSERT INTO m SELECT a + 100, b FROM m;    -- reads the 13 rows once
SELECT count(*), sum(a) FROM m;
COMMIT;
SELECT count(*), sum(a) FROM m;
-- a cursor does not see rows inserted after it was opened
BEGIN;
DECLARE cur CURSOR FOR SELECT count(*) FROM m;
INSERT INTO m VALUES (1000, 'late');
FETCH cur;
SELECT count(*) FROM m;
COMMIT;
-- COPY inside a rolled back savepoint
BEGIN;
SAVEPOINT c1;
COPY m FROM STDIN;
5000	copied
5001	copied
\.
SELECT count(*) FROM m WHERE b = 'copied';
ROLLBACK TO SAVEPOINT c1;
SELECT count(*) FROM m WHERE b = 'copied';
COMMIT;
-- append-only: the errors and their SQLSTATE
\set VERBOSITY sqlstate
UPDATE m SET b = 'u' WHERE a = 1;
DELETE FROM m WHERE a = 1;
SELECT * FROM m WHERE a = 1 FOR UPDATE;
SELECT * FROM m TABLESAMPLE SYSTEM (10);
CREATE INDEX ON m (a);
CREATE UNLOGGED TABLE mu (a int) USING tempo_columnar;
CREATE TEMP TABLE mt (a int) USING tempo_columnar;
\set VERBOSITY default
UPDATE m SET b = 'u' WHERE a = 1;
CREATE INDEX ON m (a);
-- UPDATE/DELETE that touch no row are fine
DELETE FROM m WHERE a < 0;
SELECT count(*) FROM m;
-- ctid and TID scans
SELECT a FROM m WHERE ctid = (SELECT ctid FROM m WHERE a = 3);
