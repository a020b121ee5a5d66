-- Sampled TraceQL metrics (with(sample=...)): chunk groups are skipped
-- before they are read, rare series are exact, the others within 5%.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET search_path = public, tempo;
SELECT count(*) > 0 AS made FROM (SELECT tempo.create_partition('2025-06-03 12:00+00')) p;

-- 48 chunk groups (48 x 8192 spans, 9 ms apart, within one hour):
-- "a" and "b" interleaved in every group, "rare" (400 spans) in one group,
-- "block" (20000 spans) in three consecutive groups.  Durations depend on
-- the service only, so quantiles, min and max are known exactly.
INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, start_time,
                         start_time_unix_nano, duration_ns, status_code, service_name,
                         resource_attributes, span_attributes)
  SELECT 'single-tenant', lpad(to_hex(2000000 + i / 8), 32, '0')::tempo.trace_id,
         lpad(to_hex(2000000 + i), 16, '0')::tempo.span_id, 'op', 2,
         to_timestamp((1748952000000000000 + i::bigint * 9000000) / 1e9),
         1748952000000000000 + i::bigint * 9000000,
         CASE s WHEN 'a' THEN 1000 WHEN 'b' THEN 2000 WHEN 'rare' THEN 5000 ELSE 3000 END,
         0, s, jsonb_build_object('service.name', s), '{}'
    FROM generate_series(0, 48 * 8192 - 1) i,
         LATERAL (SELECT CASE WHEN i >= 100000 AND i < 100400 THEN 'rare'
                              WHEN i >= 200000 AND i < 220000 THEN 'block'
                              WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS s) x;
\set S '''2025-06-03 12:00+00'', ''2025-06-03 13:00+00'''
-- the true answer
CREATE TEMP TABLE truth AS
  SELECT '{resource.service.name="' || service_name || '"}' AS series, count(*)::float8 AS n
    FROM tempo.spans
   WHERE start_time_unix_nano > 1748952000000000000 AND start_time_unix_nano <= 1748955600000000000
   GROUP BY service_name;
SELECT * FROM truth ORDER BY series;
SELECT t.series, m.value = t.n AS exact
  FROM truth t JOIN metrics_instant('{ } | count_over_time() by (resource.service.name)', :S) m
    USING (series) ORDER BY 1;

-- a quarter of the groups: the NOTICE tells how many were read; rare and
-- block are read whole (exact), a and b are scaled within 5%
SET client_min_messages = notice;
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S) m
    USING (series) ORDER BY 1;
-- sample=true: a tenth of the sampled stratum, same guarantees
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ } | count_over_time() by (resource.service.name) with(sample=true)', :S) m
    USING (series) ORDER BY 1;
SET client_min_messages = warning;
-- rate: the same estimate per second
SELECT t.series, abs(m.value * 3600 / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ } | rate() by (resource.service.name) with(span_sample=0.25)', :S) m
    USING (series) ORDER BY 1;
-- without by(): one stratum, scaled by the rows kept
SELECT abs(value / (SELECT sum(n) FROM truth) - 1) < 0.05 AS within_5pct
  FROM metrics_instant('{ } | count_over_time() with(span_sample=0.25)', :S);
-- range query: the per-bucket counts add up to the total within 5%
SELECT t.series, abs(m.total / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN (SELECT series, sum(value) AS total
          FROM metrics_range('{ } | count_over_time() by (resource.service.name) with(span_sample=0.25)',
                             '2025-06-03 12:00+00', '2025-06-03 13:00+00', '10 minutes')
         GROUP BY series) m USING (series) ORDER BY 1;
-- quantiles are not scaled (weights only shift the interpolation inside
-- a log2 bucket); min and max are the exact values
SELECT e.series, abs(s.value / e.value - 1) < 0.05 AS within_5pct
  FROM metrics_instant('{ } | quantile_over_time(duration, .5, .9) by (resource.service.name)', :S) e
  JOIN metrics_instant('{ } | quantile_over_time(duration, .5, .9) by (resource.service.name) with(span_sample=0.25)', :S) s
    USING (series) ORDER BY 1;
SELECT series, value * 1e9 AS ns
  FROM metrics_instant('{ } | max_over_time(duration) by (resource.service.name) with(span_sample=0.25)', :S)
 ORDER BY 1;
SELECT series, value * 1e9 AS ns
  FROM metrics_instant('{ } | min_over_time(duration) by (resource.service.name) with(span_sample=0.25)', :S)
 ORDER BY 1;
-- the same query gives the same answer
SELECT (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S))
     = (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S))
    AS deterministic;
-- a filter: the groups in range are those the zone maps leave; "block"
-- is in too few of them for a good sample: a fixed fraction gives an
-- estimate, sample=true sees the large error and reads everything
SET client_min_messages = notice;
SELECT series, abs(value / 20000 - 1) < 0.1 AS within_10pct
  FROM metrics_instant('{ duration = 3000ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S);
SELECT series, value
  FROM metrics_instant('{ duration = 3000ns } | count_over_time() by (resource.service.name) with(sample=true)', :S);
