-- Encodings chosen from the data: derived columns (timestamp from
-- nanoseconds, parent span ids as row references), runs of trace ids,
-- byte-plane integers, jsonb row shapes, categorical keys and string
-- templates.  Every value must come back identical, whichever form a
-- chunk took, including the rows that break a pattern.
SET search_path = public, tempo;
CREATE TABLE he (
    trace_id tempo.trace_id, span_id tempo.span_id, parent_span_id tempo.span_id,
    start_time timestamptz, start_ns bigint, dur bigint, attrs jsonb);
INSERT INTO he
SELECT lpad(to_hex(i / 10), 32, '0')::tempo.trace_id,
       lpad(to_hex(i * 7919 + 1), 16, '0')::tempo.span_id,
       CASE WHEN i % 10 = 0 THEN NULL               -- roots
            WHEN i % 97 = 0 THEN 'ffffffffffffff01'::tempo.span_id  -- parent elsewhere
            ELSE lpad(to_hex((i - i % 10) * 7919 + 1), 16, '0')::tempo.span_id END,
       CASE WHEN i BETWEEN 30000 AND 30010 THEN NULL  -- breaks the derivation
            ELSE 'epoch'::timestamptz + ((1795046400000000000 + i::bigint * 123456789) / 1000) * interval '1 microsecond' END,
       1795046400000000000 + i::bigint * 123456789,
       CASE WHEN i % 1000 = 0 THEN -5 ELSE (exp(10 + (i % 37) / 4.0))::bigint END,
       CASE WHEN i % 40 = 0 THEN NULL ELSE jsonb_build_object(
           'http.method', (ARRAY['GET', 'POST'])[1 + i % 2],
           'status', 200 + (i % 3) * 100,
           'ok', i % 5 <> 0,
           'none', NULL,
           'url', 'http://svc' || i % 4 || ':8080/api/v1/items/' || (i * 7) || '?page=' || i % 9,
           'odd', CASE i % 6 WHEN 0 THEN 'id-007' WHEN 1 THEN 'n' || (i::numeric * 1000000000000000000)
                  WHEN 2 THEN E'mark\u0001' || i ELSE 'x' || i END) ||
           CASE WHEN i % 3 = 0 THEN jsonb_build_object('db.system', 'postgresql', 'rows', i % 50) ELSE '{}' END
       END
  FROM generate_series(1, 40000) i;
CREATE TABLE ce (LIKE he) USING tempo_columnar;
INSERT INTO ce SELECT * FROM he;
SELECT count(*) FROM (SELECT * FROM he EXCEPT ALL SELECT * FROM ce) x;
SELECT count(*) FROM (SELECT * FROM ce EXCEPT ALL SELECT * FROM he) x;
SELECT count(*) FROM he JOIN ce USING (span_id)
 WHERE jsonb_send(he.attrs) IS DISTINCT FROM jsonb_send(ce.attrs)
    OR he.start_time IS DISTINCT FROM ce.start_time
    OR he.parent_span_id IS DISTINCT FROM ce.parent_span_id;
-- the derived and run-length forms were used: start_time and
-- parent_span_id cost next to nothing, trace ids one copy per run
SELECT col, stored_bytes < 40000 * 0.5 AS under_half_a_byte_per_row
  FROM tempo.col_column_stats('ce')
 WHERE col IN ('start_time', 'parent_span_id', 'trace_id') ORDER BY col;
-- point lookups return only the matching rows, decoded one by one
SELECT count(*), min(dur), max(start_ns) FROM ce WHERE trace_id = lpad(to_hex(2345), 32, '0')::tempo.trace_id;
SELECT count(*) FROM (
  SELECT * FROM ce WHERE trace_id = lpad(to_hex(3000), 32, '0')::tempo.trace_id
  EXCEPT ALL
  SELECT * FROM he WHERE trace_id = lpad(to_hex(3000), 32, '0')::tempo.trace_id) x;
-- per-key reads of categorical, templated and plain keys
SELECT type, count(*), min(value), max(value) FROM tempo.col_key_values('ce', 'attrs', 'status') GROUP BY type ORDER BY type;
SELECT type, count(*) FROM tempo.col_key_values('ce', 'attrs', 'none') GROUP BY type ORDER BY type;
SELECT count(*) FROM (
  SELECT row_number, value FROM tempo.col_key_values('ce', 'attrs', 'url') WHERE type = 'string'
  EXCEPT ALL
  SELECT n, attrs->>'url' FROM (SELECT row_number() OVER () AS n, attrs FROM ce) r WHERE attrs ? 'url') x;
SELECT value FROM tempo.col_key_values('ce', 'attrs', 'odd') WHERE row_number BETWEEN 1 AND 6 ORDER BY row_number;
DROP TABLE he, ce;
