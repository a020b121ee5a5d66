-- TraceQL search fast paths: the early stop at max_traces, most_recent, the
-- assembly of found traces in one lookup scan (chunk groups chosen by
-- trace id blooms), columns decoded on demand, chunk groups whose start
-- times lie inside the range, tenants taken from zone maps.  The data
-- spreads every trace over all chunk groups, so a trace is never complete
-- in the group where it matched.
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT tempo.create_partition('2027-02-01 00:00+00') IS NOT NULL AS created;

-- 3000 traces of 8 spans (a chain), written span level by span level: the
-- 24000 rows make three chunk groups and each holds part of every trace.
-- span.code: int 500 (i % 7 = 0, span 3), string "500" (i % 11 = 0,
-- span 5), array [200, 500] (i % 13 = 0, span 6), int 200 (span 1),
-- missing elsewhere.  Traces i % 500 = 0 belong to tenant tb, the others
-- to ta; trace 7 also exists in tb, without code 500.
INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind,
                         start_time, start_time_unix_nano, duration_ns, status_code,
                         service_name, span_attributes)
SELECT CASE WHEN i % 500 = 0 THEN 'tb' ELSE 'ta' END,
       lpad(to_hex(i), 32, '0')::tempo.trace_id,
       lpad(to_hex(i * 16 + j), 16, '0')::tempo.span_id,
       CASE WHEN j = 0 THEN NULL ELSE lpad(to_hex(i * 16 + j - 1), 16, '0')::tempo.span_id END,
       'op' || j, CASE WHEN j = 0 THEN 2 ELSE 1 END,
       to_timestamp((1801440000000000 + i * 1000 + j * 10) / 1e6),
       (1801440000000000 + i * 1000 + j * 10) * 1000,
       (8 - j) * 1000000, 0, 'svc' || (j % 3),
       CASE WHEN j = 3 AND i % 7 = 0 THEN '{"code": 500}'::jsonb
            WHEN j = 5 AND i % 11 = 0 THEN '{"code": "500"}'::jsonb
            WHEN j = 6 AND i % 13 = 0 THEN '{"code": [200, 500]}'::jsonb
            WHEN j = 1 THEN '{"code": 200}'::jsonb
            ELSE '{"other": 1}'::jsonb END
  FROM generate_series(0, 7) j, generate_series(1, 3000) i
 ORDER BY j, i;
INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind,
                         start_time, start_time_unix_nano, duration_ns, status_code,
                         service_name, span_attributes)
SELECT 'tb', lpad(to_hex(7), 32, '0')::tempo.trace_id, lpad(to_hex(900000 + j), 16, '0')::tempo.span_id,
       CASE WHEN j = 0 THEN NULL ELSE lpad(to_hex(900000 + j - 1), 16, '0')::tempo.span_id END,
       'tb-op' || j, 1, to_timestamp((1801440000000000 + 7005 + j * 10) / 1e6),
       (1801440000000000 + 7005 + j * 10) * 1000, 1000, 0, 'tb-svc', '{"code": 200}'::jsonb
  FROM generate_series(0, 1) j;

-- Ground truth: one row per (tenant, trace) with its root and extent, and
-- the kind of code values its spans have.
CREATE TEMP TABLE truth AS
SELECT tenant, trace_id::text AS tid,
       min(start_time_unix_nano) AS start_ns,
       max(start_time_unix_nano + duration_ns) AS end_ns,
       (array_agg(service_name ORDER BY start_time_unix_nano) FILTER (WHERE parent_span_id IS NULL))[1] AS root_service,
       (array_agg(name ORDER BY start_time_unix_nano) FILTER (WHERE parent_span_id IS NULL))[1] AS root_name,
       max(start_time_unix_nano) FILTER (WHERE span_attributes->'code' = '500'::jsonb
             OR (jsonb_typeof(span_attributes->'code') = 'array' AND span_attributes->'code' @> '500'::jsonb)) AS int500_ns,
       bool_or(span_attributes->'code' = '"500"'::jsonb) AS str500
  FROM tempo.spans
 WHERE start_time >= '2027-02-01' AND start_time < '2027-02-02'
 GROUP BY tenant, trace_id;
SELECT count(*) AS traces, count(int500_ns) AS int500, count(*) FILTER (WHERE str500) AS str500
  FROM truth;

CREATE FUNCTION srch(q text, lim int DEFAULT 1000000)
RETURNS TABLE(tid text, root_service text, root_name text, start_time timestamptz, duration_ms float8, spansets jsonb)
LANGUAGE sql AS $$
  SELECT trace_id::text, root_service_name, root_span_name, start_time, duration_ms, spansets
    FROM tempo.search(q, '2027-02-01', '2027-02-02', lim) $$;

-- Every result is a true match with the right root, start and duration;
-- wrong() lists the results that are not.
CREATE FUNCTION wrong(q text, lim int, want text)
RETURNS TABLE(tid text) LANGUAGE sql AS $$
  SELECT s.tid FROM srch(q, lim) s
   WHERE NOT EXISTS (
     SELECT 1 FROM truth t
      WHERE t.tid = s.tid
        AND CASE want WHEN 'int' THEN t.int500_ns IS NOT NULL ELSE t.str500 END
        AND s.root_service = t.root_service AND s.root_name = t.root_name
        AND s.start_time = 'epoch'::timestamptz + (t.start_ns / 1000) * interval '1 microsecond'
        AND s.duration_ms = (t.end_ns - t.start_ns) / 1e6) $$;

-- all matches: the same traces as the ground truth, each right
SELECT (SELECT count(*) FROM srch('{ span.code = 500 }')) AS found,
       (SELECT count(*) FROM truth WHERE int500_ns IS NOT NULL) AS expected,
       (SELECT count(*) FROM wrong('{ span.code = 500 }', 1000000, 'int')) AS wrong;
-- typed: string "500" is not int 500
SELECT (SELECT count(*) FROM srch('{ span.code = "500" }')) AS found,
       (SELECT count(*) FROM truth WHERE str500) AS expected,
       (SELECT count(*) FROM wrong('{ span.code = "500" }', 1000000, 'str')) AS wrong;
-- the matched spans shown are the ones with the value asked for
SELECT DISTINCT a->'value' AS shown
  FROM srch('{ span.code = "500" }') s, jsonb_array_elements(s.spansets) ss,
       jsonb_array_elements(ss->'spans') sp, jsonb_array_elements(sp->'attributes') a
 ORDER BY 1;
SELECT DISTINCT a->'value' AS shown
  FROM srch('{ span.code = 500 }') s, jsonb_array_elements(s.spansets) ss,
       jsonb_array_elements(ss->'spans') sp, jsonb_array_elements(sp->'attributes') a
 ORDER BY 1;

-- early stop: max_traces traces, each a true, complete match
SELECT (SELECT count(*) FROM srch('{ span.code = 500 }', 5)) AS found,
       (SELECT count(*) FROM wrong('{ span.code = 500 }', 5, 'int')) AS wrong;
SELECT (SELECT count(*) FROM srch('{ span.code = "500" }', 1)) AS found,
       (SELECT count(*) FROM wrong('{ span.code = "500" }', 1, 'str')) AS wrong;
-- most_recent: the traces with the newest matching spans, newest first
SELECT array_agg(s.tid ORDER BY s.start_time DESC)
       = (SELECT array_agg(tid ORDER BY int500_ns DESC)
            FROM (SELECT tid, int500_ns FROM truth WHERE int500_ns IS NOT NULL
                   ORDER BY int500_ns DESC LIMIT 4) x) AS newest
  FROM srch('{ span.code = 500 } with (most_recent = true)', 4) s;

-- span mode and trace mode (the same filter under an aggregate) agree,
-- also for != (missing values never match, arrays match by element),
-- regexes and existence
CREATE FUNCTION same(q text) RETURNS TABLE(n bigint, same boolean) LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM srch(q)),
         NOT EXISTS ((SELECT tid FROM srch(q) EXCEPT ALL
                      SELECT tid FROM srch(q || ' | count() > 0'))
                     UNION ALL
                     (SELECT tid FROM srch(q || ' | count() > 0') EXCEPT ALL
                      SELECT tid FROM srch(q))) $$;
SELECT q, s.* FROM unnest(ARRAY['{ span.code = 500 }', '{ span.code != 500 }',
                                '{ span.code = "500" }', '{ span.code != "500" }',
                                '{ span.code > 300 }', '{ span.code = 200 }',
                                '{ span.code =~ "5.*" }', '{ span.code != nil }',
                                '{ span.missing = 500 }', '{ span.missing != 500 }',
                                '{ span.code = 500 && name = "op3" }',
                                '{ name = "op3" && span.code = 500 }']) q,
       LATERAL same(q) s;

-- tenants: trace 7 is a trace of ta and one of tb (which starts later),
-- each with its own root and extent; only tb's matches here
SELECT tid, root_service, root_name, duration_ms
  FROM srch('{ span.code = 200 && resource.service.name = "tb-svc" }');
SELECT count(*) FROM srch('{ span.code = 200 }');
SELECT count(*) FROM truth;

-- a range whose ends fall inside chunk groups: only spans in range count
CREATE FUNCTION us(v bigint) RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT 'epoch'::timestamptz + v * interval '1 microsecond' $$;
SELECT (SELECT count(*) FROM tempo.search('{ span.code = 500 }',
          us(1801440000500005), us(1801440001700003), 1000000)) AS found,
       (SELECT count(DISTINCT (tenant, trace_id)) FROM tempo.spans
         WHERE start_time_unix_nano BETWEEN 1801440000500005000 AND 1801440001700003000
           AND (span_attributes->'code' = '500'::jsonb
                OR (jsonb_typeof(span_attributes->'code') = 'array' AND span_attributes->'code' @> '500'::jsonb))) AS expected;
-- one span at the very instant of a range
SELECT trace_id, root_span_name FROM tempo.search('{ name =~ "op[0-7]" }',
          us(1801440000500000), us(1801440000500000), 1000000);
SELECT count(*) FROM tempo.search('{ name = "nope" }', '2027-02-01', '2027-02-02', 1000000);

-- other tests read every partition: leave none behind
DROP TABLE tempo.spans_20270201;
