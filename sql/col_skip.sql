-- Zone maps, dictionary sets and bloom filters skip chunk groups.
CREATE TABLE sk (id bigint, t timestamptz, svc text, tid tempo.trace_id, name text)
  USING tempo_columnar;
INSERT INTO sk SELECT i, '2026-01-01'::timestamptz + i * interval '1 s',
    'svc-' || (i / 20000), md5(i::text)::tempo.trace_id, md5((i % 5000)::text)
  FROM generate_series(1, 100000) i;
SELECT * FROM tempo.col_scan_stats('sk');
-- zone maps on integers and timestamps
SELECT * FROM tempo.col_scan_stats('sk', 'id', '=', '12345');
SELECT * FROM tempo.col_scan_stats('sk', 'id', '<', '100');
SELECT * FROM tempo.col_scan_stats('sk', 'id', '>=', '99990');
SELECT * FROM tempo.col_scan_stats('sk', 't', '>', '2026-01-02 03:00:00+00');
-- dictionary sets on text
SELECT * FROM tempo.col_scan_stats('sk', 'svc', '=', 'svc-3');
SELECT * FROM tempo.col_scan_stats('sk', 'svc', '=', 'nope');
-- bloom filter on trace ids
SELECT * FROM tempo.col_scan_stats('sk', 'tid', '=', md5('4242'));
SELECT stripes_skipped + chunk_groups_skipped > 0 AS skipped
  FROM tempo.col_scan_stats('sk', 'tid', '=', md5('no such trace'));
-- bloom filter on high-cardinality text
CREATE TABLE sk2 (s text, v varchar) USING tempo_columnar;
INSERT INTO sk2 SELECT md5(i::text), 'v' || i FROM generate_series(1, 50000) i;
SELECT * FROM tempo.col_scan_stats('sk2', 's', '=', md5('777'));
SELECT * FROM tempo.col_scan_stats('sk2', 'v', '=', 'v40000');
SELECT count(*) FROM sk2 WHERE s = md5('777');
SELECT count(*) FROM sk2 WHERE v = 'v40000';
-- skipping never changes results
SELECT count(*) FROM sk WHERE tid OPERATOR(tempo.=) md5('4242')::tempo.trace_id;
SELECT count(*) FROM sk WHERE svc = 'svc-3';
\set VERBOSITY sqlstate
SELECT * FROM tempo.col_scan_stats('sk', 'id', '~', '1');
SELECT * FROM tempo.col_scan_stats('sk', 'nocol', '=', '1');
\set VERBOSITY default
-- plain SQL quals on a Seq Scan are pushed down for skipping only:
-- results at and around chunk-group boundaries stay exact
SELECT count(*) FROM sk WHERE id = 8192;
SELECT count(*) FROM sk WHERE id < 8193;
SELECT count(*) FROM sk WHERE id <= 8192;
SELECT count(*) FROM sk WHERE 8192 > id;
SELECT count(*) FROM sk WHERE id > 65536;
SELECT count(*) FROM sk WHERE id >= 65536 AND id < 65540;
SELECT count(*) FROM sk WHERE t >= '2026-01-02 00:00:00+00' AND t < '2026-01-02 00:00:10+00';
SELECT count(*) FROM sk WHERE svc = 'svc-4';
SELECT count(*) FROM sk WHERE svc = 'svc-4' COLLATE "C";
SELECT count(*) FROM sk WHERE svc > 'svc-3';
SELECT count(*) FROM sk WHERE name = md5('17');
SELECT id FROM sk WHERE tid OPERATOR(tempo.=) md5('99999')::tempo.trace_id;
SELECT count(*) FROM sk WHERE id = 5::int4;   -- cross-type operator: not pushed, still right
PREPARE q(bigint) AS SELECT count(*) FROM sk WHERE id <= $1;
EXECUTE q(10000);
-- buffered rows of this transaction are never skipped
BEGIN;
INSERT INTO sk VALUES (-5, now(), 'svc-x', md5('x')::tempo.trace_id, 'x');
SELECT count(*) FROM sk WHERE id = -5;
SELECT count(*) FROM sk WHERE svc = 'svc-x';
COMMIT;
SELECT count(*) FROM sk WHERE svc = 'svc-x';
