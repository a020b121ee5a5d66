-- TraceQL executor: bounded memory (assembly rounds), heap partitions,
-- privileges and row-level security.
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT tempo.create_partition('2025-03-01 00:00+00') IS NOT NULL AS created;

-- 400 traces of 8 spans (binary trees), inserted directly
INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind,
                         start_time, start_time_unix_nano, duration_ns, status_code,
                         service_name, resource_attributes, span_attributes)
SELECT 'single-tenant',
       lpad(to_hex(i), 32, '0')::tempo.trace_id,
       lpad(to_hex(i * 16 + j), 16, '0')::tempo.span_id,
       CASE WHEN j = 0 THEN NULL ELSE lpad(to_hex(i * 16 + (j - 1) / 2), 16, '0')::tempo.span_id END,
       'op' || j, CASE WHEN j = 0 THEN 2 ELSE 3 END,
       to_timestamp(1740787200 + i + j * 0.001),
       (1740787200 + i)::bigint * 1000000000 + j * 1000000,
       (8 - j) * 1000000,
       CASE WHEN i % 10 = 0 AND j % 3 = 0 THEN 2 ELSE 0 END,
       'svc' || ((i + j) % 4),
       jsonb_build_object('service.name', 'svc' || ((i + j) % 4)),
       jsonb_build_object('n', (i + j) % 7, 's', 'v' || (i % 5), 'pad', repeat('x', 40))
  FROM generate_series(1, 400) i, generate_series(0, 7) j;

CREATE FUNCTION q3(q text) RETURNS TABLE(traces bigint, matched bigint, digest text)
LANGUAGE sql AS $$
  SELECT count(*), sum((SELECT sum((x->>'matched')::int) FROM jsonb_array_elements(spansets) x)),
         md5(string_agg(trace_id::text || spansets::text, ',' ORDER BY trace_id::text))
    FROM tempo.search(q, '2025-03-01', '2025-03-02', 1000, 100) $$;

-- the same answers whether assembly fits in memory or needs many rounds
CREATE TEMP TABLE answers (q text, wm text, traces bigint, matched bigint, digest text);
DO $$
DECLARE
  qs text[] := ARRAY['{ } | count() = 8',
                     '{ status = error } >> { span.n = 3 }',
                     '{ span.s = "v1" } && { resource.service.name = "svc1" }',
                     '{ } | by(resource.service.name) | count() = 2',
                     '{ kind = server } > { } | avg(duration) > 6ms',
                     '{ trace:duration > 7ms && span.n = 0 }',
                     '{ span.n = 3 } > { span.n = 4 }'];
  wm text;
  q text;
BEGIN
  FOREACH wm IN ARRAY ARRAY['64kB', '64MB'] LOOP
    PERFORM set_config('work_mem', wm, true);
    FOREACH q IN ARRAY qs LOOP
      INSERT INTO answers SELECT q, wm, * FROM q3(q);
    END LOOP;
  END LOOP;
END $$;
SELECT q, traces, matched FROM answers WHERE wm = '64MB' ORDER BY q;
SELECT a.q FROM answers a JOIN answers b ON a.q = b.q AND a.wm = '64kB' AND b.wm = '64MB'
 WHERE (a.traces, a.matched, a.digest) IS DISTINCT FROM (b.traces, b.matched, b.digest);

-- span-only queries: limits and counts
SELECT count(*) FROM tempo.search_spans('{ span.n = 3 }', '2025-03-01', '2025-03-02', 1000);
SELECT count(DISTINCT trace_id) FROM tempo.search_spans('{ span.n = 3 }', '2025-03-01', '2025-03-02', 7);
SELECT count(*) FROM tempo.search('{ span.n = 3 }', '2025-03-01', '2025-03-02', 7);
-- most_recent: the newest traces
SELECT string_agg(ltrim(trace_id::text, '0'), ',') FROM
  tempo.search('{ span.n = 3 } with (most_recent = true)', '2025-03-01', '2025-03-02', 3);
-- search and SQL agree
SELECT (SELECT count(*) FROM tempo.search_spans('{ resource.service.name = "svc2" && span.s =~ "v[12]" }',
                                                '2025-03-01', '2025-03-02', 1000))
     = (SELECT count(*) FROM tempo.spans WHERE service_name = 'svc2'
          AND span_attributes->>'s' IN ('v1', 'v2')
          AND start_time BETWEEN '2025-03-01' AND '2025-03-02') AS agrees;

-- with max_traces, every returned trace has all of its matched spans, even
-- when they lie chunk groups apart: 20 traces get a matched span, 10000
-- other spans follow, then the 20 traces' second matched spans
SELECT tempo.create_partition('2025-08-01 00:00+00') IS NOT NULL AS created;
INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, status_code, start_time,
                         start_time_unix_nano, duration_ns, span_attributes)
SELECT 'single-tenant', lpad(to_hex(t), 32, '0')::tempo.trace_id,
       lpad(to_hex(k), 16, '0')::tempo.span_id, 'far', 1, 0,
       to_timestamp(1754006400 + k * 0.001), (1754006400000 + k)::bigint * 1000000, 1000,
       jsonb_build_object('m', CASE WHEN k <= 20 OR k > 10020 THEN 1 ELSE 0 END)
  FROM generate_series(1, 10040) k,
       LATERAL (SELECT CASE WHEN k <= 20 THEN 4096 + k WHEN k > 10020 THEN 4096 + k - 10020
                            ELSE 8192 + k END AS t) x;
SELECT count(DISTINCT trace_id) AS traces, count(*) AS spans,
       min(n) AS min_spans_per_trace
  FROM (SELECT trace_id, count(*) OVER (PARTITION BY trace_id::text) AS n
          FROM tempo.search_spans('{ span.m = 1 }', '2025-08-01', '2025-08-02', 3)) s;
SELECT count(*) AS traces,
       min((spansets->0->>'matched')::int) AS min_matched
  FROM tempo.search('{ span.m = 1 }', '2025-08-01', '2025-08-02', 3);

-- conditions on event (link) fields in one filter hold for one event (link),
-- as in Tempo 2.9; in separate filters or under || any event will do
INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, status_code, start_time,
                         start_time_unix_nano, duration_ns, events, links)
VALUES ('single-tenant', 'ee000000000000000000000000000001', 'ee00000000000001', 'ev', 1, 0,
        '2025-08-01 12:00+00', 1754049600000000000, 1000,
        '[{"time_unix_nano": "1754049600000000500", "name": "e1", "attributes": {"a": 1, "b": 1}},
          {"time_unix_nano": "1754049600000000900", "name": "e2", "attributes": {"a": 2, "b": 2, "c": "x"}}]',
        '[{"trace_id": "ee000000000000000000000000000009", "span_id": "ee00000000000009", "attributes": {"k": "one", "w": 1}},
          {"trace_id": "ee00000000000000000000000000000a", "span_id": "ee0000000000000a", "attributes": {"k": "two", "w": 2}}]');
SELECT q, (SELECT count(*) FROM tempo.search_spans(q, '2025-08-01 11:00', '2025-08-01 13:00')) AS spans,
       (SELECT count(*) FROM tempo.search(q || ' | count() > 0', '2025-08-01 11:00', '2025-08-01 13:00')) AS traces
  FROM unnest(ARRAY[
    '{ event.a = 1 && event.b = 1 }',
    '{ event.a = 1 && event.b = 2 }',
    '{ event:name = "e2" && event.a = 1 }',
    '{ event:name = "e2" && event.c != nil && event.a >= 2 }',
    '{ event:name = "e1" && event.c != nil }',
    '{ event.a = 1 && event.b = 2 && name = "ev" }',
    '{ event.a = 1 && name = "ev" && event.b = 1 }',
    '{ event.a = 1 || event.b = 2 }',
    '{ event.a = 1 } && { event.b = 2 }',
    '{ event:timeSinceStart > 600ns && event.a = 2 }',
    '{ event:timeSinceStart > 600ns && event.a = 1 }',
    '{ link.k = "one" && link.w = 1 }',
    '{ link.k = "one" && link.w = 2 }',
    '{ link:traceID = "ee00000000000000000000000000000a" && link.k =~ "t.*" }',
    '{ link.k = "one" && link.w = 2 && event.a = 1 && event.b = 1 }',
    '{ link.k = "one" && event.a = 2 }']) q;

-- a heap partition is read like a columnar one
CREATE TABLE tempo.spans_heap PARTITION OF tempo.spans
    FOR VALUES FROM ('2025-05-01 00:00+00') TO ('2025-05-02 00:00+00') USING heap;
INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind, start_time,
                         start_time_unix_nano, duration_ns, status_code, service_name,
                         resource_attributes, span_attributes)
VALUES ('single-tenant', 'aa000000000000000000000000000001', '00000000000000a1', NULL, 'heap-root', 2,
        '2025-05-01 00:00:01+00', 1746057601000000000, 5000000, 0, 'heapsvc',
        '{"service.name": "heapsvc"}', '{"k": "v"}'),
       ('single-tenant', 'aa000000000000000000000000000001', '00000000000000a2', '00000000000000a1', 'heap-child', 3,
        '2025-05-01 00:00:01.001+00', 1746057601001000000, 1000000, 2, 'heapsvc',
        '{"service.name": "heapsvc"}', '{"k": "w"}');
SELECT trace_id, root_service_name, root_span_name, duration_ms
  FROM tempo.search('{ span.k = "w" }', '2025-05-01', '2025-05-02');
SELECT span_id, name, attributes
  FROM tempo.search_spans('{ resource.service.name = "heapsvc" } > { status = error }', '2025-05-01', '2025-05-02');
-- tempo.trace works whatever the search_path
SET search_path = pg_catalog;
SELECT span_id, name FROM tempo.trace('aa000000000000000000000000000001');
RESET search_path;

-- privileges and row-level security
CREATE ROLE tql_reader;
GRANT USAGE ON SCHEMA tempo TO tql_reader;
SET ROLE tql_reader;
\set VERBOSITY sqlstate
SELECT count(*) FROM tempo.search('{ }', '2025-05-01', '2025-05-02');
RESET ROLE;
GRANT SELECT ON tempo.spans TO tql_reader;
SET ROLE tql_reader;
SELECT count(*) FROM tempo.search('{ }', '2025-05-01', '2025-05-02');
RESET ROLE;
ALTER TABLE tempo.spans ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_a ON tempo.spans TO tql_reader USING (tenant = 'a');
SET ROLE tql_reader;
SELECT count(*) FROM tempo.search('{ }', '2025-05-01', '2025-05-02');
RESET ROLE;
\set VERBOSITY default
DROP POLICY only_a ON tempo.spans;
ALTER TABLE tempo.spans DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON tempo.spans FROM tql_reader;
REVOKE ALL ON SCHEMA tempo FROM tql_reader;
DROP ROLE tql_reader;
DROP TABLE tempo.spans_heap;

-- plans: count mode, candidate atoms, span mode
SELECT tempo.explain('{ span.n = 3 && duration > 2ms } | count() > 2 | select(span.s)');
SELECT tempo.explain('{ status = error } >> { span.n = 3 } || { name = "op7" }');
SELECT tempo.explain('{ trace:id = "42" && span:id = "7" }');
SELECT tempo.explain('{ event.a = 1 && name = "x" && event.b = 2 }');
SELECT tempo.explain('{ link.k = "x" && link.w = 1 } >> { event.a = 1 && event:name = "e" }');
