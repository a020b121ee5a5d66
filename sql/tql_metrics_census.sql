-- TraceQL metrics counted from the value censuses of stripe footers
-- (col_census.c): rate() and count_over_time() must give exactly what the
-- spans give, for chunk groups ending on an interval edge, straddling
-- one, spread over many cells, in page stripes and head stripes, with
-- NULL and missing by() values, under a tenant, and with the series limit.
-- Each result is compared with plain SQL over the same rows and with the
-- same query forced onto the row path ({ duration >= 0 } reads a column
-- without a census); DEBUG1 shows how many spans the censuses counted.
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT count(*) > 0 AS made FROM (SELECT tempo.create_partition('2025-10-17 12:00+00')) p;

-- T = 2025-10-17 12:00:00 UTC, a multiple of 60 s and of 45 s
\set T 1760702400000000000
CREATE FUNCTION put_spans(tenant text, n int, t0 bigint, dt bigint, nsvc int,
                          first_id int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO tempo.spans (tenant, trace_id, span_id, name, kind, start_time,
                           start_time_unix_nano, duration_ns, status_code,
                           service_name)
  SELECT tenant, lpad(to_hex(first_id + i), 32, '0')::tempo.trace_id,
         lpad(to_hex(first_id + i), 16, '0')::tempo.span_id,
         'op' || (i % 5), 1, to_timestamp((t0 + i * dt) / 1e9),
         t0 + i * dt, 1000 + i, CASE WHEN i % 11 = 0 THEN 2 ELSE 0 END,
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'svc-' || (i % nsvc) END
    FROM generate_series(0, n - 1) i $$;

-- a page stripe of three chunk groups:
--   0: times in (T - 60 s, T], the last row exactly on the edge T
--   1: times in (T + 30 s, T + 90 s]: straddles the edge T + 60 s
--   2: times from T + 100 s every 70 ms (about 9.5 min: many cells)
SET tempo.head_flush_rows = 1;
SELECT put_spans('single-tenant', 8192, :T - 60000000000 + 7324218, 7324218, 3, 0);
SELECT put_spans('single-tenant', 8192, :T + 30000000000 + 1, 7324218, 4, 10000);
SELECT put_spans('single-tenant', 8192, :T + 100000000000, 70000000, 5, 20000);
RESET tempo.head_flush_rows;
-- a head stripe (tempo.col_head) of another tenant, in the same minutes
SELECT put_spans('t2', 500, :T - 30000000000, 400000000, 2, 40000);
SELECT count(*) AS rows, count(DISTINCT tenant) AS tenants FROM tempo.spans_20251017;
SELECT head_stripes, head_rows FROM tempo.col_head_stats('tempo.spans_20251017');

-- metrics output against SQL over the spans: mismatching points, points
CREATE FUNCTION check_counts(q text, stp interval, tenants text[])
RETURNS TABLE(mismatches bigint, points bigint, spans float8) LANGUAGE sql AS $$
  WITH m AS (SELECT series, ts, value
               FROM tempo.metrics_range(q, '2025-10-17 11:58+00', '2025-10-17 12:12+00', stp)),
  g AS (SELECT to_timestamp(floor(extract(epoch FROM timestamptz '2025-10-17 11:58+00')
                                  / extract(epoch FROM stp)) * extract(epoch FROM stp)
                            - extract(epoch FROM stp)) AS lo),
  s AS (SELECT CASE WHEN service_name IS NULL THEN '{resource.service.name=nil}'
                    ELSE '{resource.service.name="' || service_name || '"}' END AS series,
               to_timestamp(extract(epoch FROM g.lo) + extract(epoch FROM stp)
                 * ceil((start_time_unix_nano - extract(epoch FROM g.lo)::bigint * 1000000000)
                        / (extract(epoch FROM stp) * 1e9))) AS ts,
               count(*)::float8 AS value
          FROM tempo.spans_20251017, g
         WHERE tenant = ANY (tenants)
           AND start_time_unix_nano > extract(epoch FROM g.lo)::bigint * 1000000000
           AND start_time_unix_nano <= extract(epoch FROM timestamptz '2025-10-17 12:12+00')::bigint * 1000000000
         GROUP BY 1, 2)
  SELECT count(*) FILTER (WHERE m.value IS DISTINCT FROM coalesce(s.value, 0)
                            AND NOT (m.value IS NULL AND s.value IS NULL)),
         count(*), sum(m.value)
    FROM m FULL JOIN s USING (series, ts) $$;

-- 60 s: cells align with the grid
SELECT * FROM check_counts('{ } | count_over_time() by (resource.service.name)', '60 s', '{single-tenant,t2}');
SELECT * FROM check_counts('{ duration >= 0 } | count_over_time() by (resource.service.name)', '60 s', '{single-tenant,t2}');
-- 45 s: other cells, groups in one interval only
SELECT * FROM check_counts('{ } | count_over_time() by (resource.service.name)', '45 s', '{single-tenant,t2}');
-- 7 s: nothing aligns; group 0 and the head stripe still fit no interval
SELECT * FROM check_counts('{ } | count_over_time() by (resource.service.name)', '7 s', '{single-tenant,t2}');

-- the fast path and the row path give the same series
SELECT count(*) AS differing
  FROM (SELECT * FROM tempo.metrics_range('{ } | rate() by (resource.service.name)',
                                          '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')
        EXCEPT ALL
        SELECT * FROM tempo.metrics_range('{ duration >= 0 } | rate() by (resource.service.name)',
                                          '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')) d;
-- without by(), by a small integer column, and with a filter on censused
-- columns (status) that makes every group's values constant but one
SELECT count(*) AS differing
  FROM (SELECT * FROM tempo.metrics_range('{ } | count_over_time()', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')
        EXCEPT ALL
        SELECT * FROM tempo.metrics_range('{ duration >= 0 } | count_over_time()', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')) d;
SELECT series, sum(value) AS spans
  FROM tempo.metrics_range('{ } | count_over_time() by (status)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')
 GROUP BY 1 ORDER BY 1;
SELECT series, sum(value) AS spans
  FROM tempo.metrics_range('{ status = error } | count_over_time() by (name)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')
 GROUP BY 1 ORDER BY 1;
SELECT name, count(*) FROM tempo.spans_20251017 WHERE status_code = 2 GROUP BY 1 ORDER BY 1;
-- an attribute key (jsonb) has no census: missing everywhere, one nil series
SELECT series, sum(value) AS spans
  FROM tempo.metrics_range('{ } | count_over_time() by (span.http.route)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s')
 GROUP BY 1 ORDER BY 1;

-- the censuses did the counting (DEBUG1 of the metrics run)
SET client_min_messages = debug1;
SELECT count(*) FROM tempo.metrics_range('{ } | rate() by (resource.service.name)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s');
SELECT count(*) FROM tempo.metrics_range('{ duration >= 0 } | rate() by (resource.service.name)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s');
-- 15 s: group 2 has 1 min cells and spans many intervals: it is read
SELECT count(*) FROM tempo.metrics_range('{ } | rate() by (resource.service.name)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '15 s');
SET client_min_messages = warning;
SELECT * FROM check_counts('{ } | count_over_time() by (resource.service.name)', '15 s', '{single-tenant,t2}');

-- one tenant: the head stripe of t2 alone
SET tempo.tenant = 't2';
SELECT * FROM check_counts('{ } | count_over_time() by (resource.service.name)', '60 s', '{t2}');
RESET tempo.tenant;

-- instant query (one interval that matches no cell width)
SELECT series, value FROM tempo.metrics_instant('{ } | count_over_time() by (resource.service.name)',
                                                '2025-10-17 11:59:00.5+00', '2025-10-17 12:01:13.25+00')
 ORDER BY 1;
SELECT coalesce(service_name, 'nil'), count(*) FROM tempo.spans_20251017
 WHERE start_time_unix_nano > :T - 59500000000 AND start_time_unix_nano <= :T + 73250000000
 GROUP BY 1 ORDER BY 1;

-- the series limit still applies to series that come from censuses
SET tempo.metrics_max_series = 3;
SELECT count(*) FROM tempo.metrics_range('{ } | rate() by (resource.service.name)', '2025-10-17 11:58+00', '2025-10-17 12:12+00', '60 s');
RESET tempo.metrics_max_series;

DROP FUNCTION check_counts(text, interval, text[]);
DROP FUNCTION put_spans(text, int, bigint, bigint, int, int);
DROP TABLE tempo.spans_20251017;
