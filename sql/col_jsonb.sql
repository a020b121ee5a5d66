-- jsonb columns: shredded object chunks, per-key reads, exact rebuild.
CREATE TABLE hj (id int, attrs jsonb);
CREATE TABLE cj (id int, attrs jsonb) USING tempo_columnar;
INSERT INTO hj SELECT i, CASE
    WHEN i % 50 = 0 THEN NULL
    ELSE jsonb_build_object(
        'http.method', (ARRAY['GET', 'POST', 'PUT'])[1 + i % 3],
        'http.status_code', 200 + (i % 4) * 100,
        'ratio', i / 8.0,
        'exact', 1.50,
        'big', 123456789012345678901234567890,
        'ok', i % 2 = 0,
        'nothing', NULL,
        'tags', jsonb_build_array('a', i, jsonb_build_object('deep', i)),
        'obj', jsonb_build_object('x', i % 3),
        'rare' || (i % 1000 = 1)::int, 'x' || i)
    END
  FROM generate_series(1, 20000) i;
INSERT INTO hj VALUES (-1, '{}'), (-2, '{"a": "\u00e9\\n\"q\"", "": 0, "-0": -0, "e": 1e3, "n": -1.0E-5}');
INSERT INTO cj SELECT * FROM hj;
SELECT count(*) FROM (SELECT * FROM hj EXCEPT ALL SELECT * FROM cj) x;
SELECT count(*) FROM (SELECT * FROM cj EXCEPT ALL SELECT * FROM hj) x;
-- byte-identical values, not just equal ones
SELECT count(*) FROM hj JOIN cj USING (id)
 WHERE jsonb_send(hj.attrs) IS DISTINCT FROM jsonb_send(cj.attrs);
SELECT attrs FROM cj WHERE id IN (1, -1, -2) ORDER BY id;
-- per-key reads through the batch reader (only that key's stream)
SELECT type, count(*), min(value), max(value) FROM tempo.col_key_values('cj', 'attrs', 'http.method') GROUP BY type;
SELECT type, count(*), min(value::numeric), max(value::numeric) FROM tempo.col_key_values('cj', 'attrs', 'http.status_code') GROUP BY type;
SELECT type, count(*) FROM tempo.col_key_values('cj', 'attrs', 'ratio') GROUP BY type ORDER BY type;
SELECT type, count(*), min(value) FROM tempo.col_key_values('cj', 'attrs', 'exact') GROUP BY type;
SELECT type, count(*) FROM tempo.col_key_values('cj', 'attrs', 'big') GROUP BY type;
SELECT type, count(*), min(value), max(value) FROM tempo.col_key_values('cj', 'attrs', 'ok') GROUP BY type;
SELECT type, count(*) FROM tempo.col_key_values('cj', 'attrs', 'nothing') GROUP BY type;
SELECT type, value FROM tempo.col_key_values('cj', 'attrs', 'tags') WHERE row_number <= 3 ORDER BY row_number;
SELECT count(*) FROM tempo.col_key_values('cj', 'attrs', 'rare1');
SELECT count(*) FROM tempo.col_key_values('cj', 'attrs', 'no such key');
-- per-key values agree with ->> on the same rows (row number from the TID)
CREATE VIEW cjr AS SELECT ((ctid::text::point)[0] * 291 + (ctid::text::point)[1] - 1)::bigint AS rn,
    attrs FROM cj;
SELECT count(*) FROM (
  SELECT rn, attrs ->> 'http.method' FROM cjr WHERE attrs ? 'http.method'
  EXCEPT ALL SELECT row_number, value FROM tempo.col_key_values('cj', 'attrs', 'http.method')) x;
SELECT count(*) FROM (
  SELECT rn, attrs ->> 'tags' FROM cjr WHERE attrs ? 'tags'
  EXCEPT ALL SELECT row_number, value FROM tempo.col_key_values('cj', 'attrs', 'tags')) x;
SELECT count(*) FROM (
  SELECT rn, attrs ->> 'ok' FROM cjr WHERE attrs ? 'ok'
  EXCEPT ALL SELECT row_number, value FROM tempo.col_key_values('cj', 'attrs', 'ok')) x;
-- non-object values fall back to plain storage
CREATE TABLE cj2 (j jsonb) USING tempo_columnar;
INSERT INTO cj2 VALUES ('[1,2]'), ('"s"'), ('3'), ('null'), ('{"k": "v"}'), (NULL);
SELECT j FROM cj2;
SELECT type, value FROM tempo.col_key_values('cj2', 'j', 'k');
\set VERBOSITY sqlstate
SELECT * FROM tempo.col_key_values('cj', 'id', 'x');
\set VERBOSITY default
-- per-key string dictionaries: repeated values (few and several hundred
-- distinct per chunk), unique values (plain), strings mixed with other types
CREATE TABLE hd (id int, attrs jsonb);
CREATE TABLE cd (id int, attrs jsonb) USING tempo_columnar;
INSERT INTO hd SELECT i, jsonb_build_object(
        'rep', (ARRAY['', 'GET', 'caf\u00e9', repeat('long', 40)])[1 + i % 4],
        'mid', 'm' || (i % 700),
        'uniq', 'u' || i,
        'mix', CASE i % 3 WHEN 0 THEN to_jsonb('x' || (i % 5))
                          WHEN 1 THEN to_jsonb(i % 7) END)
  FROM generate_series(1, 20000) i;
INSERT INTO cd SELECT * FROM hd;
SELECT count(*) FROM hd JOIN cd USING (id)
 WHERE jsonb_send(hd.attrs) IS DISTINCT FROM jsonb_send(cd.attrs);
SELECT count(*) FROM cd;
SELECT attrs FROM cd WHERE id IN (1, 2, 3) ORDER BY id;
CREATE VIEW cdr AS SELECT ((ctid::text::point)[0] * 291 + (ctid::text::point)[1] - 1)::bigint AS rn,
    attrs FROM cd;
SELECT k, (SELECT count(*) FROM (
    SELECT rn, attrs ->> k FROM cdr WHERE attrs ? k
    EXCEPT ALL SELECT row_number, value FROM tempo.col_key_values('cd', 'attrs', k)) x) AS differ,
  (SELECT count(*) FROM tempo.col_key_values('cd', 'attrs', k)) AS n,
  (SELECT count(DISTINCT value) FROM tempo.col_key_values('cd', 'attrs', k)) AS distinct_values
  FROM unnest(ARRAY['rep', 'mid', 'uniq', 'mix']) k;
SELECT type, count(*), min(value), max(value) FROM tempo.col_key_values('cd', 'attrs', 'mix') GROUP BY type ORDER BY type;
SELECT type, count(*), min(length(value)), max(length(value)) FROM tempo.col_key_values('cd', 'attrs', 'rep') GROUP BY type;
