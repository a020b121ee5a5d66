-- tempo.trace_id and tempo.span_id: I/O, errors, casts, ordering, hashing
SET search_path = tempo, public;

-- text I/O: lower-case output, upper case accepted
SELECT '0123456789abcdef0123456789ABCDEF'::trace_id;
SELECT '0123456789ABCDEF'::span_id;
SELECT '00000000000000000000000000000000'::trace_id, '0000000000000000'::span_id;
SELECT 'ffffffffffffffffffffffffffffffff'::trace_id, 'ffffffffffffffff'::span_id;

-- bad input: length, non-hex, whitespace, empty, prefix
SELECT '0123456789abcdef0123456789abcde'::trace_id;
SELECT '0123456789abcdef0123456789abcdef0'::trace_id;
SELECT '0123456789abcdef0123456789abcdeg'::trace_id;
SELECT ' 0123456789abcdef0123456789abcdef'::trace_id;
SELECT ''::trace_id;
SELECT '0x23456789abcdef'::span_id;
SELECT '0123456789abcde'::span_id;
SELECT '0123456789abcdef0'::span_id;
SELECT '012345678-abcdef'::span_id;
-- SQLSTATE is 22P02
DO $$
BEGIN
	PERFORM 'zz'::tempo.trace_id;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'trace_id: %', SQLSTATE;
END $$;
DO $$
BEGIN
	PERFORM 'zz'::tempo.span_id;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'span_id: %', SQLSTATE;
END $$;

-- NULL
SELECT NULL::trace_id IS NULL AS t, NULL::span_id IS NULL AS s;
SELECT '0123456789abcdef'::span_id = NULL;

-- casts: text, bytea, round trips
SELECT '0123456789abcdef0123456789abcdef'::trace_id::text;
SELECT '0123456789abcdef0123456789abcdef'::text::trace_id;
SELECT '0123456789abcdef0123456789abcdef'::trace_id::bytea;
SELECT '\x0123456789abcdef0123456789abcdef'::bytea::trace_id;
SELECT '0123456789abcdef'::span_id::bytea, '\x8000000000000001'::bytea::span_id;
SELECT '\x0102'::bytea::trace_id;
SELECT '\x010203040506070809'::bytea::span_id;
SELECT decode(md5('x'), 'hex')::trace_id::bytea = decode(md5('x'), 'hex') AS roundtrip;
-- binary send/recv
SELECT trace_id_send('0123456789abcdef0123456789abcdef'), span_id_send('8000000000000001');

-- comparisons follow byte (= hex text) order, unsigned for span ids
SELECT '8000000000000000'::span_id > '7fffffffffffffff'::span_id AS unsigned_order;
SELECT 'ffffffffffffffff'::span_id > '0000000000000001'::span_id AS max_gt;
SELECT '00000000000000000000000000000001'::trace_id < '80000000000000000000000000000000'::trace_id AS lt,
       '00000000000000000000000000000001'::trace_id <= '00000000000000000000000000000001'::trace_id AS le,
       '00000000000000000000000000000001'::trace_id <> '00000000000000000000000000000002'::trace_id AS ne,
       'f0000000000000000000000000000000'::trace_id >= 'e0000000000000000000000000000000'::trace_id AS ge;

CREATE TABLE ids AS
SELECT i, substr(md5(i::text) || md5((i * 7)::text), 1, 32)::trace_id AS t,
       substr(md5((i * 13)::text), 1, 16)::span_id AS s
FROM generate_series(1, 2000) i;

-- sorting agrees with the sort of the hex text
SELECT count(*) = 2000 AS all_rows,
       bool_and(a.rn = b.rn) AS trace_order_matches_text
FROM (SELECT i, row_number() OVER (ORDER BY t) rn FROM ids) a
JOIN (SELECT i, row_number() OVER (ORDER BY t::text COLLATE "C") rn FROM ids) b USING (i);
SELECT bool_and(a.rn = b.rn) AS span_order_matches_text
FROM (SELECT i, row_number() OVER (ORDER BY s, i) rn FROM ids) a
JOIN (SELECT i, row_number() OVER (ORDER BY s::text COLLATE "C", i) rn FROM ids) b USING (i);

-- btree indexes
CREATE INDEX ON ids (t);
CREATE INDEX ON ids USING hash (s);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT i FROM ids WHERE t = 'c4ca4238a0b923820dcc509a6f75849b';
SELECT i FROM ids WHERE t = (SELECT t FROM ids WHERE i = 1234);
SELECT i FROM ids WHERE s = (SELECT s FROM ids WHERE i = 42);
RESET enable_seqscan;

-- hash join and hash aggregate
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ids a JOIN ids b ON a.t = b.t;
SELECT count(*) FROM ids a JOIN ids b ON a.t = b.t;
SELECT count(*) FROM ids a JOIN ids b ON a.s = b.s;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM ids a JOIN ids b ON a.t = b.t;
RESET enable_hashjoin;
RESET enable_nestloop;
SELECT count(DISTINCT t), count(DISTINCT s) FROM ids;
SET enable_sort = off;
SELECT count(*) FROM (SELECT t FROM ids GROUP BY t) x;
RESET enable_sort;

DROP TABLE ids;
