-- Every type class round-trips through tempo_columnar exactly as in heap.
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (x int, y text);
CREATE TABLE ht (
    id int, b bool, c "char", i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
    d date, ts timestamp, tz timestamptz, tm time, iv interval, n numeric,
    tx text, vc varchar(20), bp char(5), nm name, ba bytea, u uuid,
    tid tempo.trace_id, sid tempo.span_id, arr int[], tarr text[],
    j jsonb, js json, dom posint, comp pair, o oid
);
CREATE TABLE ct (LIKE ht) USING tempo_columnar;
INSERT INTO ht SELECT
    i,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END,
    chr(65 + i % 26)::"char",
    (i % 30000 - 15000)::int2,
    CASE WHEN i % 11 = 0 THEN NULL ELSE i * 7919 - 5000000 END,
    CASE WHEN i % 3 = 0 THEN (-1)::int8 << 62 ELSE i::int8 * 1000000007 END,
    i / 7.0, CASE WHEN i % 13 = 0 THEN 'NaN'::float8 ELSE sqrt(i) END,
    '2000-01-01'::date + i % 5000,
    '2020-01-01'::timestamp + i * interval '1 minute',
    '2020-01-01'::timestamptz + i * interval '997 ms',
    '00:00'::time + i * interval '1 second',
    i * interval '1 hour 3 seconds',
    CASE WHEN i % 4 = 0 THEN NULL ELSE (i * 1.000001)::numeric END,
    CASE WHEN i % 9 = 0 THEN NULL ELSE repeat(md5(i::text), 1 + i % 3) END,
    'svc-' || i % 10,
    chr(97 + i % 5),
    'name' || i % 3,
    decode(md5(i::text), 'hex'),
    md5(i::text)::uuid,
    md5((i / 4)::text)::tempo.trace_id,
    lpad(to_hex(i * 104729), 16, '0')::tempo.span_id,
    CASE WHEN i % 6 = 0 THEN NULL ELSE ARRAY[i, i + 1, i * 2] END,
    ARRAY['a' || i, NULL, 'b'],
    CASE WHEN i % 8 = 0 THEN NULL ELSE jsonb_build_object('k', i, 's', 'x' || i % 4) END,
    json_build_object('k', i),
    i + 1,
    ROW(i, 'p' || i)::pair,
    i::oid
  FROM generate_series(1, 20000) i;
-- empty strings, NULL-only rows, and boundary values
INSERT INTO ht (id, tx, i2, i4, i8, n, f8) VALUES
    (-1, '', 32767, 2147483647, 9223372036854775807, 'NaN', 'Infinity'),
    (-2, NULL, -32768, -2147483648, -9223372036854775808, '-1e-100', '-Infinity'),
    (-3, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO ct SELECT * FROM ht;
SELECT count(*) FROM ct;
-- (json has no equality operator: compare everything else by value)
CREATE VIEW hv AS SELECT id, b, c, i2, i4, i8, f4, f8, d, ts, tz, tm, iv, n, tx, vc, bp,
    nm, ba, u, tid, sid, arr, tarr, j, dom, comp, o FROM ht;
CREATE VIEW cv AS SELECT id, b, c, i2, i4, i8, f4, f8, d, ts, tz, tm, iv, n, tx, vc, bp,
    nm, ba, u, tid, sid, arr, tarr, j, dom, comp, o FROM ct;
SELECT count(*) AS missing FROM (SELECT * FROM hv EXCEPT ALL SELECT * FROM cv) x;
SELECT count(*) AS extra FROM (SELECT * FROM cv EXCEPT ALL SELECT * FROM hv) x;
-- text-format comparison catches types without equality (json, point...)
SELECT count(*) AS textdiff FROM (SELECT ht::text FROM ht EXCEPT ALL SELECT ct::text FROM ct) x;
SELECT id, i2, i4, i8, n, f8, tx = '' AS empty FROM ct WHERE id < 0 ORDER BY id;
-- toasted 1 MB values (compressed and external) and NULL patterns
CREATE TABLE hb (id int, big text, bb bytea);
CREATE TABLE cb (LIKE hb) USING tempo_columnar;
INSERT INTO hb SELECT i, CASE WHEN i % 2 = 0 THEN repeat('x', 1024 * 1024) ELSE
    (SELECT string_agg(md5((i * 1000 + g)::text), '') FROM generate_series(1, 33000) g) END,
    CASE WHEN i % 3 = 0 THEN NULL ELSE decode(repeat(md5(i::text), 40000), 'hex') END
  FROM generate_series(1, 12) i;
INSERT INTO cb SELECT * FROM hb;
SELECT id, length(big), md5(big) = (SELECT md5(big) FROM hb WHERE hb.id = cb.id) AS same,
       length(bb) FROM cb ORDER BY id;
SELECT count(*) FROM (SELECT * FROM hb EXCEPT ALL SELECT * FROM cb) x;
-- all-NULL and never-NULL columns, single row
CREATE TABLE cn (a int, b text, c jsonb) USING tempo_columnar;
INSERT INTO cn SELECT NULL, NULL, NULL FROM generate_series(1, 10000);
INSERT INTO cn VALUES (1, 'x', '{}');
SELECT count(*), count(a), count(b), count(c) FROM cn;
-- COPY in and out
COPY (SELECT id, i8, tx, tid, sid, j, comp FROM ct WHERE id % 2000 = 1 ORDER BY id) TO STDOUT;
