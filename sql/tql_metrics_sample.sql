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

-- Counting queries that only read columns with a value census in the
-- stripe footer ("{ } | count_over_time() by (resource.service.name)")
-- are answered from it without reading any chunk: a sample of them takes
-- the groups outside the sample whole too, and is exact.
SET client_min_messages = notice;
SELECT t.series, m.value = t.n AS exact
  FROM truth t
  JOIN metrics_instant('{ } | count_over_time() by (resource.service.name) with(sample=true)', :S) m
    USING (series) ORDER BY 1;
SET client_min_messages = warning;
-- The sampling tests below filter on the duration (true for every span),
-- which has no census: the first group outside the sample is taken whole
-- in the hope of a census answer, is decoded instead, and from then on
-- only the sample is read.
-- A quarter of the groups: the NOTICE tells how many were read; rare and
-- block are read whole (exact), a and b are scaled within 5%
SET client_min_messages = notice;
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S) m
    USING (series) ORDER BY 1;
-- sample=true: a tenth of the sampled stratum, same guarantees
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=true)', :S) m
    USING (series) ORDER BY 1;
SET client_min_messages = warning;
-- rate: the same estimate per second
SELECT t.series, abs(m.value * 3600 / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN metrics_instant('{ duration > 0ns } | rate() by (resource.service.name) with(span_sample=0.25)', :S) m
    USING (series) ORDER BY 1;
-- without by(): one stratum, scaled by the rows kept
SELECT abs(value / (SELECT sum(n) FROM truth) - 1) < 0.05 AS within_5pct
  FROM metrics_instant('{ duration > 0ns } | count_over_time() with(span_sample=0.25)', :S);
-- range query: the per-bucket counts add up to the total within 5%
SELECT t.series, abs(m.total / t.n - 1) < 0.05 AS within_5pct
  FROM truth t
  JOIN (SELECT series, sum(value) AS total
          FROM metrics_range('{ duration > 0ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)',
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
SELECT (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S))
     = (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S))
    AS deterministic;
-- a filter: the groups in range are those the zone maps leave; "block"
-- is in too few of them for a good sample: a fixed fraction gives an
-- estimate, sample=true sees the large error and reads everything
SET client_min_messages = notice;
SELECT series, abs(value / 20000 - 1) < 0.1 AS within_10pct
  FROM metrics_instant('{ duration = 3000ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S);
SELECT series, value
  FROM metrics_instant('{ duration = 3000ns } | count_over_time() by (resource.service.name) with(sample=true)', :S);

-- Nested sampling.  64 more chunk groups (14:00 to about 14:53): "db" is
-- every 4th span (exactly 2048 per group), "spread" about 1% of the spans
-- of the first 48 groups (a pseudo-random pattern, ~80 per group), "web"
-- the rest.  Durations vary with the span so quantiles move with the
-- sample.
INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, start_time,
                         start_time_unix_nano, duration_ns, status_code, service_name,
                         resource_attributes, span_attributes)
  SELECT 'single-tenant', lpad(to_hex(4000000 + i / 8), 32, '0')::tempo.trace_id,
         lpad(to_hex(4000000 + i), 16, '0')::tempo.span_id, 'op', 2,
         to_timestamp((1748959200000000000 + i::bigint * 6000000) / 1e9),
         1748959200000000000 + i::bigint * 6000000,
         1000 * (1 + abs(hashint4(i + 7)) % 50), 0, s,
         jsonb_build_object('service.name', s), '{}'
    FROM generate_series(0, 64 * 8192 - 1) i,
         LATERAL (SELECT CASE WHEN i % 4 = 0 THEN 'db'
                              WHEN i < 48 * 8192 AND abs(hashint4(i)) % 75 = 0 THEN 'spread'
                              ELSE 'web' END AS s) x;
\set S2 '''2025-06-03 14:00+00'', ''2025-06-03 15:00+00'''
CREATE TEMP TABLE truth2 AS
  SELECT '{resource.service.name="' || service_name || '"}' AS series, count(*)::float8 AS n
    FROM tempo.spans
   WHERE start_time_unix_nano > 1748959200000000000 AND start_time_unix_nano <= 1748962800000000000
   GROUP BY service_name;
SELECT * FROM truth2 ORDER BY series;

-- sample=true: the first sample (u < 10/64: 9 of the 64 groups, plus
-- the first group outside it, taken whole in the hope of a census answer)
-- is too small for "spread", whose count varies from group to group; the
-- second sample reads more of the groups holding it (10 in all), and only
-- those.  Each series is scaled by N / N' (rows of the sampled groups
-- holding its value over those counted): the NOTICE's factors are
-- 47 / 10 = 4.7 for spread and 63 / 9 = 7 for db and web.  db's count is
-- proportional to the rows, so its estimate is exact.
SET client_min_messages = notice;
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth2 t
  JOIN metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=true)', :S2) m
    USING (series) ORDER BY 1;
-- the same sample as a range query: per-bucket counts add up to the same
-- totals (every bucket weighted by its series' factor, rounded to 1/1024;
-- the range's first bucket also holds the span at 14:00:00 itself)
SET client_min_messages = warning;
SELECT t.series, abs(m.total / t.n - 1) < 0.05 AS within_5pct, abs(m.total - i.value) < 1.01 AS same_as_instant
  FROM truth2 t
  JOIN (SELECT series, sum(value) AS total
          FROM metrics_range('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=true)',
                             '2025-06-03 14:00+00', '2025-06-03 15:00+00', '10 minutes')
         GROUP BY series) m USING (series)
  JOIN metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=true)', :S2) i
    USING (series) ORDER BY 1;
-- quantiles of the nested sample: within 5% of exact; their own rule
-- (spans needed for a 2.5% standard error of each quantile) reads more
SET client_min_messages = notice;
SELECT count(*) AS quantile_series
  FROM metrics_instant('{ } | quantile_over_time(duration, .5, .9) by (resource.service.name) with(sample=true)', :S2);
SET client_min_messages = warning;
SELECT e.series, abs(s.value / e.value - 1) < 0.05 AS within_5pct
  FROM metrics_instant('{ } | quantile_over_time(duration, .5, .9) by (resource.service.name)', :S2) e
  JOIN metrics_instant('{ } | quantile_over_time(duration, .5, .9) by (resource.service.name) with(sample=true)', :S2) s
    USING (series) ORDER BY 1;
-- a fixed fraction: one sample (u < 0.25: 13 groups, 11 of them holding
-- spread, and the exact group as above), no second pass: factors
-- 63 / 13 = 4.846 and 47 / 11 = 4.273.
-- sample=0.25 is span level here ({ } needs no whole traces) and means the
-- same as span_sample=0.25
SET client_min_messages = notice;
SELECT t.series, m.value = t.n AS exact, abs(m.value / t.n - 1) < 0.1 AS within_10pct
  FROM truth2 t
  JOIN metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=0.25)', :S2) m
    USING (series) ORDER BY 1;
SET client_min_messages = warning;
SELECT (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(sample=0.25)', :S2))
     = (SELECT array_agg(value ORDER BY series) FROM metrics_instant('{ duration > 0ns } | count_over_time() by (resource.service.name) with(span_sample=0.25)', :S2))
    AS sample_is_span_sample;
-- trace level (trace_sample): the executor keeps about half of the
-- traces by hash and scales by the fraction it kept
SET client_min_messages = notice;
SELECT t.series, abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM truth2 t
  JOIN metrics_instant('{ } | count_over_time() by (resource.service.name) with(trace_sample=0.5)', :S2) m
    USING (series) ORDER BY 1;
-- a by() without a dictionary column: one key for all series; the one
-- that varies most sets the fraction
SELECT abs(m.value / t.n - 1) < 0.05 AS within_5pct
  FROM (SELECT sum(n) AS n FROM truth2 WHERE series LIKE '%spread%') t,
       metrics_instant('{ resource.service.name = "spread" } | count_over_time() by (span.nothing) with(sample=true)', :S2) m;
SET client_min_messages = warning;
