-- TraceQL metrics end to end: spans ingested as OTLP/JSON, placed on the
-- bucket edges, every function and by() shape, typed labels, quantiles
-- against exact values, topk/bottomk, compare(), exemplars, series limit.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET search_path = public, tempo;
SELECT count(*) > 0 AS made FROM (SELECT tempo.create_partition('2025-06-01 12:00+00')) p;

-- T = 2025-06-01 12:00:00 UTC = 1748779200 s; offsets below are ns from T
\set T 1748779200000000000
CREATE TABLE t_spans (
    svc text, trace int, span int, name text, off bigint, dur bigint,
    status int, kind int, attrs jsonb);
-- OTLP/JSON attribute list from a jsonb object (ints stay ints)
CREATE FUNCTION otlp_attrs(a jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('key', k, 'value',
           CASE jsonb_typeof(v)
             WHEN 'string' THEN jsonb_build_object('stringValue', v #>> '{}')
             WHEN 'boolean' THEN jsonb_build_object('boolValue', v)
             WHEN 'number' THEN CASE WHEN (v #>> '{}') ~ '^-?[0-9]+$'
                  THEN jsonb_build_object('intValue', v #>> '{}')
                  ELSE jsonb_build_object('doubleValue', v) END
           END) ORDER BY k), '[]')
    FROM jsonb_each(coalesce(a, '{}')) e(k, v) $$;
-- ingest every row of t_spans, one request per service
CREATE FUNCTION ingest_t_spans() RETURNS TABLE(svc text, accepted bigint) LANGUAGE sql AS $$
  SELECT s.svc, (SELECT accepted_spans FROM tempo.ingest(convert_to(jsonb_build_object(
    'resourceSpans', jsonb_build_array(jsonb_build_object(
      'resource', jsonb_build_object('attributes', otlp_attrs(jsonb_build_object('service.name', s.svc))),
      'scopeSpans', jsonb_build_array(jsonb_build_object(
        'scope', jsonb_build_object('name', 'test'),
        'spans', (SELECT jsonb_agg(jsonb_build_object(
            'traceId', lpad(to_hex(t.trace), 32, '0'),
            'spanId', lpad(to_hex(t.span), 16, '0'),
            'name', t.name, 'kind', t.kind,
            'startTimeUnixNano', (1748779200000000000 + t.off)::text,
            'endTimeUnixNano', (1748779200000000000 + t.off + t.dur)::text,
            'status', jsonb_build_object('code', t.status),
            'attributes', otlp_attrs(t.attrs)) ORDER BY t.span)
          FROM t_spans t WHERE t.svc = s.svc))))))::text, 'UTF8'), 'application/json'))
  FROM (SELECT DISTINCT svc FROM t_spans) s ORDER BY 1 $$;

INSERT INTO t_spans VALUES
  -- grid of the range queries below: T .. T+180s, step 60s, aligned start
  -- T-60s (the extra leading bucket), buckets reported at T, T+60, T+120, T+180
  ('api', 1, 1, 'GET', -60000000000, 1000000, 0, 2, '{}'),               -- = aligned start: out
  ('api', 1, 2, 'GET', -59999999999, 2000000, 0, 2, '{"http.route": "/a"}'),  -- bucket T
  ('api', 2, 3, 'GET', 0, 3000000, 2, 2, '{"http.route": "/a"}'),        -- on T: bucket T
  ('api', 3, 4, 'POST', 1, 4000000, 0, 2, '{"http.route": "/a", "http.status_code": 500}'),   -- T+60
  ('api', 3, 5, 'POST', 60000000000, 5000000, 0, 2, '{"http.route": "/a", "http.status_code": "500"}'), -- T+60
  ('api', 4, 6, 'POST', 60000000001, 1000000000, 2, 2, '{"http.route": "/b", "http.status_code": 200}'), -- T+120
  ('api', 5, 7, 'GET', 180000000000, 2000000000, 0, 2, '{"http.route": "/b"}'),  -- on end: T+180
  ('api', 5, 8, 'GET', 180000000001, 1000000, 0, 2, '{"http.route": "/b"}'),     -- past end: out
  ('db', 2, 9, 'SELECT', 30000000000, 100, 0, 3, '{"db.system": "postgresql", "order.total": 10.5}'), -- T+60
  ('db', 4, 10, 'SELECT', 90000000000, 3, 0, 3, '{"db.system": "postgresql", "order.total": 2.25}'), -- T+120
  ('db', 5, 11, 'INSERT', 150000000000, 1000, 2, 3, '{"db.system": "mysql", "order.total": -1}');    -- T+180
SELECT * FROM ingest_t_spans();

\set R '''2025-06-01 12:00+00'', ''2025-06-01 12:03+00'', ''1 minute'''

-- count_over_time: (t - step, t]; spans on T and on the end are in, the
-- aligned start and past the end are out; empty intervals are 0
SELECT series, labels, ts, value FROM metrics_range('{ } | count_over_time()', :R);
SELECT series, ts, round(value::numeric, 6) AS value
  FROM metrics_range('{ } | rate() by (resource.service.name)', :R);
-- unaligned request: same timestamps (floor/ceil to the step)
SELECT ts, value FROM metrics_range('{ } | count_over_time()',
    '2025-06-01 12:00:20+00', '2025-06-01 12:02:40+00', '1 minute');
-- instant: (start, end], value at end; rate divides by end - start
SELECT * FROM metrics_instant('{ } | count_over_time() by (resource.service.name)',
    '2025-06-01 12:00+00', '2025-06-01 12:03+00');
SELECT series, round(value::numeric, 6) AS rate
  FROM metrics_instant('{ } | rate()', '2025-06-01 12:00+00', '2025-06-01 12:03+00');
SELECT * FROM metrics_instant('{ } | count_over_time()',
    '2025-06-01 11:59:00+00', '2025-06-01 12:00+00');

-- typed labels: 500 and "500" are different series; status and kind are strings
SELECT series, labels, ts, value
  FROM metrics_range('{ span.http.status_code != nil } | count_over_time() by (span.http.status_code)', :R);
SELECT series, labels, sum(value) AS n
  FROM metrics_range('{ } | count_over_time() by (span:status, span:kind)', :R)
 GROUP BY 1, 2 ORDER BY 1;
-- nil values drop their label; all nil keeps the first one as nil
SELECT series, labels, sum(value) AS n
  FROM metrics_range('{ } | count_over_time() by (span.http.route, resource.service.name)', :R)
 GROUP BY 1, 2 ORDER BY 1;
SELECT series, labels, sum(value) AS n
  FROM metrics_range('{ } | count_over_time() by (span.http.route)', :R)
 GROUP BY 1, 2 ORDER BY 1;
SELECT series, sum(value) AS n
  FROM metrics_range('{ } | count_over_time() by (span.db.system, span:name, resource.service.name)', :R)
 GROUP BY 1 ORDER BY 1;
-- filters: spanset filter before the metrics function
SELECT series, ts, value FROM metrics_range('{ status = error } | count_over_time() by (span:name)', :R);

-- min/max/sum/avg of duration (seconds) and of a float attribute; spans
-- without the attribute are ignored; intervals without values have no row
SELECT series, ts, value FROM metrics_range('{ } | min_over_time(duration) by (resource.service.name)', :R);
SELECT series, ts, value FROM metrics_range('{ } | max_over_time(duration)', :R);
SELECT series, ts, value FROM metrics_range('{ } | sum_over_time(span.order.total)', :R);
SELECT series, ts, value FROM metrics_range('{ } | avg_over_time(duration) by (resource.service.name)', :R);
SELECT series, ts, value FROM metrics_range('{ } | sum_over_time(span.http.status_code)', :R);

-- histogram_over_time: power-of-two buckets (seconds for durations)
SELECT series, labels, ts, value
  FROM metrics_range('{ resource.service.name = "db" } | histogram_over_time(duration)', :R);
-- quantile_over_time: one series per p; a lone value gives its bucket's
-- bound (the 3 ns span: 4 ns); intervals without values report 0 (Tempo)
SELECT series, labels, ts, value
  FROM metrics_range('{ resource.service.name = "db" } | quantile_over_time(duration, .5, 1)', :R);

-- topk / bottomk per timestamp
SELECT series, ts, value FROM metrics_range('{ } | count_over_time() by (span:name) | topk(1)', :R);
SELECT series, ts, value FROM metrics_range('{ } | count_over_time() by (span:name) | bottomk(2)', :R);
SELECT count(DISTINCT series) FROM metrics_range('{ } | count_over_time() by (span:name) | topk(10)', :R);

-- the series limit
SET tempo.metrics_max_series = 2;
SELECT * FROM metrics_range('{ } | count_over_time() by (span:name)', :R);
SELECT count(*) FROM metrics_range('{ } | count_over_time() by (resource.service.name)', :R);
RESET tempo.metrics_max_series;

-- compare(): selection vs baseline per attribute value, totals, top N
SELECT series, labels, value
  FROM metrics_instant('{ } | compare({ status = error }, 2)', '2025-06-01 12:00+00', '2025-06-01 12:03+00')
 WHERE series !~ 'http.status_code|order.total|span:kind|span:statusMessage'
 ORDER BY series;
SELECT count(*) AS rows, count(DISTINCT series) AS series
  FROM metrics_range('{ } | compare({ status = error })', :R);

-- exemplars: one per trace, bounded, inside their series' buckets
SELECT series, ts, value, trace_id, span_id
  FROM metrics_exemplars('{ } | count_over_time() by (resource.service.name)',
                         '2025-06-01 12:00+00', '2025-06-01 12:03+00', '1 minute');
SELECT count(*) AS n, count(DISTINCT trace_id) AS traces
  FROM metrics_exemplars('{ } | max_over_time(duration)',
                         '2025-06-01 12:00+00', '2025-06-01 12:03+00', '1 minute', 3);
SELECT series, value, trace_id
  FROM metrics_exemplars('{ } | quantile_over_time(duration, .5, .9) with(exemplars=4)',
                         '2025-06-01 12:00+00', '2025-06-01 12:03+00', '1 minute');

-- Grafana PostgreSQL panel shape: time, metric, value
SELECT ts AS time, series AS metric, value
  FROM metrics_range('{ } | rate() by (resource.service.name)', :R)
 ORDER BY 1, 2 LIMIT 3;

-- quantiles against exact values: 1000 spans with durations 1..1000 us
-- in one minute; the log2-bucket estimate is within a factor of 2
TRUNCATE t_spans;
INSERT INTO t_spans
  SELECT 'q', 100 + i / 10, 1000 + i, 'q', 200000000000 + i * 1000000, i * 1000, 0, 1, '{}'
    FROM generate_series(1, 1000) i;
SELECT * FROM ingest_t_spans();
WITH est AS (
  SELECT (labels->>'p')::float8 AS p, value
    FROM metrics_instant('{ resource.service.name = "q" } | quantile_over_time(duration, .01, .25, .5, .9, .99, 1)',
                         '2025-06-01 12:03+00', '2025-06-01 12:04+00')),
exact AS (
  SELECT p, percentile_disc(p) WITHIN GROUP (ORDER BY duration_ns) / 1e9 AS v
    FROM tempo.spans, unnest('{.01,.25,.5,.9,.99,1}'::float8[]) p
   WHERE service_name = 'q' GROUP BY p)
SELECT p, round(value::numeric, 9) AS estimate, exact.v AS exact,
       abs(ln(value / exact.v::float8) / ln(2)) <= 1 AS within_log2_bucket
  FROM est JOIN exact USING (p) ORDER BY p;

-- interpolation inside a bucket: 4 spans of 3 ns (bucket 4 ns); p50 is
-- the 2nd of 4, halfway from 2 ns to 4 ns on the log2 scale: 2^1.5 ns
TRUNCATE t_spans;
INSERT INTO t_spans SELECT 'i', 300, 3000 + i, 'i', 200000000000 + i, 3, 0, 1, '{}'
  FROM generate_series(1, 4) i;
SELECT * FROM ingest_t_spans();
SELECT series, value * 1e9 AS ns, 2 ^ 1.5 AS expected
  FROM metrics_instant('{ resource.service.name = "i" } | quantile_over_time(duration, .5)',
                       '2025-06-01 12:03+00', '2025-06-01 12:04+00');

-- sampling on data whose answer is known: 160000 spans, 4 services
-- interleaved, so every chunk group holds each service equally and the
-- scaled counts are exact whatever groups are kept
SELECT count(*) > 0 AS made FROM (SELECT tempo.create_partition('2025-06-02 12:00+00')) p;
INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, start_time,
                         start_time_unix_nano, duration_ns, status_code, service_name,
                         resource_attributes, span_attributes)
  SELECT 'single-tenant', lpad(to_hex(1000000 + i / 8), 32, '0')::tempo.trace_id,
         lpad(to_hex(1000000 + i), 16, '0')::tempo.span_id, 'op', 2,
         to_timestamp((1748865600000000000 + i::bigint * 20000000) / 1e9),
         1748865600000000000 + i::bigint * 20000000, 1000 + (i % 4) * 1000, 0, 's' || (i % 4),
         jsonb_build_object('service.name', 's' || (i % 4)), '{}'
    FROM generate_series(1, 160000) i;
\set S '''2025-06-02 12:00+00'', ''2025-06-02 13:00+00'''
SELECT series, value AS exact FROM metrics_instant('{ } | count_over_time() by (resource.service.name)', :S);
SELECT series, round(value::numeric, 6) AS scaled
  FROM metrics_instant('{ } | count_over_time() by (resource.service.name) with(span_sample=0.5)', :S);
SELECT series, round(value::numeric, 6) AS scaled
  FROM metrics_instant('{ } | count_over_time() by (resource.service.name) with(sample=0.5)', :S);
SELECT series, round(value::numeric, 6) AS scaled
  FROM metrics_instant('{ } | count_over_time() by (resource.service.name) with(sample=true)', :S);
-- sums scale; min, max, averages and quantiles do not
SELECT series, round(value::numeric, 6) AS scaled
  FROM metrics_instant('{ } | sum_over_time(duration) by (resource.service.name) with(span_sample=0.5)', :S);
SELECT series, value FROM metrics_instant('{ } | max_over_time(duration) with(span_sample=0.5)', :S);
SELECT series, value FROM metrics_instant('{ } | avg_over_time(duration) by (resource.service.name) with(span_sample=0.5)', :S);
SELECT series, value FROM metrics_instant('{ } | quantile_over_time(duration, .5) with(span_sample=0.5)', :S);
-- under sample=true a query matching too few spans in the sample runs
-- again unsampled: exact
SELECT series, value FROM metrics_instant('{ resource.service.name = "s1" && duration > 1500ns } | count_over_time() with(sample=true)', :S);

-- leave no spans behind for later tests
DO $$
DECLARE r record;
BEGIN
  FOR r IN DELETE FROM tempo.span_partitions
            WHERE range_start >= '2025-06-01 00:00+00' AND range_end <= '2025-06-03 00:00+00'
           RETURNING partition::text AS t
  LOOP
    EXECUTE 'DROP TABLE ' || r.t;
  END LOOP;
END $$;
SELECT count(*) AS left_over FROM tempo.spans
 WHERE start_time >= '2025-06-01 00:00+00' AND start_time < '2025-06-03 00:00+00';
DROP TABLE t_spans;
