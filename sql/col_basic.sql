-- Basic tempo_columnar behaviour: insert, select, multi-stripe, TIDs
CREATE TABLE c (a int, b text, t timestamptz, n numeric) USING tempo_columnar;
CREATE TABLE h (a int, b text, t timestamptz, n numeric);
INSERT INTO c VALUES (1, 'one', '2026-01-01', 1.5), (2, NULL, NULL, NULL), (3, 'three', '2026-01-03', -7);
SELECT * FROM c ORDER BY a;
SELECT count(*) FROM c;
-- multi-stripe: more than 70k rows, varied patterns
INSERT INTO c SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'v' || (i % 100) END,
    '2026-01-01'::timestamptz + i * interval '1 second', i / 3.0
  FROM generate_series(1, 150000) i;
INSERT INTO h SELECT * FROM c;
SELECT count(*), sum(a), count(b), count(t), sum(n) FROM c;
SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM c) x;
SELECT count(*) FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM h) x;
SELECT stripes, row_count FROM tempo.col_relation_stats('c');
SELECT stripe_num, row_count, chunk_groups FROM tempo.col_stripes('c') ORDER BY 1;
SELECT ctid, a FROM c WHERE a <= 2 ORDER BY a, ctid LIMIT 4;
