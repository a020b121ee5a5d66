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
-- skipping never changes results
SELECT count(*) FROM sk WHERE tid OPERATOR(tempo.=) md5('4242')::tempo.trace_id;
SELECT count(*) FROM sk WHERE svc = 'svc-3';
\set VERBOSITY sqlstate
SELECT * FROM tempo.col_scan_stats('sk', 'id', '~', '1');
SELECT * FROM tempo.col_scan_stats('sk', 'nocol', '=', '1');
