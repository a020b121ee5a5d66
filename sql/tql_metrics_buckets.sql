-- TraceQL metrics time grid (Tempo 2.9): intervals (t - step, t], request
-- alignment with the extra leading bucket, instant queries, default step,
-- validation.  Times are unix nanoseconds.
SET search_path = public, tempo;

-- Tempo's interval mapper vectors (spec 2.3): start 10, end 50, step 10
-- (no frontend alignment): 4 intervals reported at 20, 30, 40, 50
SELECT * FROM metrics_buckets(10, 50, 10, extra_bucket => false);
SELECT ts, metrics_bucket_of(ts, 10, 50, 10) AS bucket
  FROM unnest('{9,10,11,15,20,21,25,30,49,50,51}'::bigint[]) ts;
-- start 0, end 10, step 3: 4 intervals at 3, 6, 9, 12
SELECT * FROM metrics_buckets(0, 10, 3, extra_bucket => false);
SELECT ts, metrics_bucket_of(ts, 0, 10, 3) AS bucket
  FROM unnest('{0,1,3,4,9,10,12,13}'::bigint[]) ts;

-- frontend alignment adds a leading bucket only when the aligned start
-- is above one step (start 10, step 10: 10 > 10 is false)
SELECT count(*) FROM metrics_buckets(10, 50, 10);
SELECT * FROM metrics_buckets(25, 50, 10);

-- real times: aligned to minutes, 2 minute range, 1 minute step -> 3
-- samples; unaligned -> 4 (the step multiples from floor(start/step)*step
-- to ceil(end/step)*step)
\set t0 1700000040000000000
SELECT bucket, to_ns - :t0 AS to_rel, to_ns - from_ns AS width
  FROM metrics_buckets(:t0, :t0 + 120000000000, 60000000000);
SELECT bucket, to_ns - :t0 AS to_rel
  FROM metrics_buckets(:t0 + 1000000000, :t0 + 121000000000, 60000000000);
-- a start time on a boundary belongs to the interval ending there; the
-- aligned start itself is outside
SELECT off / 1000000000.0 AS off_s,
       metrics_bucket_of(:t0 + off, :t0, :t0 + 120000000000, 60000000000, true) AS bucket
  FROM unnest(ARRAY[-60000000000, -59999999999, -1, 0, 1, 59999999999, 60000000000,
                    60000000001, 120000000000, 120000000001]::bigint[]) off;

-- a range of exactly one step is an instant request: never aligned
SELECT * FROM metrics_buckets(:t0 + 7, :t0 + 60000000007, 60000000000);
-- instant: one bucket (start, end] reported at end
SELECT bucket, from_ns - :t0 AS from_rel, to_ns - :t0 AS to_rel
  FROM metrics_buckets(:t0 + 5, :t0 + 3600000000005, instant => true);

-- default step: (end - start) / 240 rounded down to 5 s, else to 1 s, at least 1 s
SELECT range_s, (SELECT to_ns - from_ns FROM metrics_buckets(:t0, :t0 + range_s * 1000000000) LIMIT 1) / 1e9 AS step_s
  FROM unnest('{60,300,1000,1199,1200,3600,86400,10800}'::bigint[]) range_s;
SELECT count(*) AS buckets_1h FROM metrics_buckets(:t0, :t0 + 3600000000000);

-- validation: end <= start, step too small (max_intervals, Go durations)
SELECT * FROM metrics_buckets(:t0, :t0);
SELECT * FROM metrics_buckets(:t0 + 1, :t0);
SELECT * FROM metrics_buckets(:t0, :t0 + 360000000000, 35000000);
SELECT count(*) FROM metrics_buckets(:t0, :t0 + 360000000000, 36000000);
SELECT * FROM metrics_buckets(:t0, :t0 + 3600000000000, 0);
SELECT * FROM metrics_buckets(:t0, :t0 + 3600000000000, -5);
SELECT * FROM metrics_buckets(:t0, :t0 + 86400000000000, 1500000);
-- 36000 s / 3.599999999 s = 10000.0003: integer division as Tempo, accepted
SELECT count(*) FROM metrics_buckets(:t0, :t0 + 36000000000000, 3599999999);
SELECT * FROM metrics_buckets(:t0, :t0 + 36000000000000, 3599600000);
SELECT * FROM metrics_buckets(:t0, :t0 + 10000, 0);
SET tempo.metrics_max_intervals = 100;
SELECT * FROM metrics_buckets(:t0, :t0 + 6000000000000, 59000000000);
SET tempo.metrics_max_intervals = 0;
SELECT count(*) FROM metrics_buckets(:t0, :t0 + 6000000000000, 59000000000);
RESET tempo.metrics_max_intervals;

-- the same checks through the SQL functions' timestamptz arguments
SELECT * FROM metrics_range('{ } | rate()', '2026-01-01 00:00+00', '2026-01-01 00:00+00');
SELECT * FROM metrics_range('{ } | rate()', '2026-01-01 01:00+00', '2026-01-01 00:00+00');
SELECT * FROM metrics_range('{ } | rate()', '2026-01-01 00:00+00', '2026-01-01 01:00+00', '100 ms');
SELECT * FROM metrics_range('{ } | rate()', '2026-01-01 00:00+00', '2026-01-01 01:00+00', '1 mon');
SELECT * FROM metrics_instant('{ } | rate()', '2026-01-01 00:00+00', '2026-01-01 00:00+00');
SELECT * FROM metrics_range('{ } | rate()', '-infinity', '2026-01-01 00:00+00');
-- not a metrics query, bad TraceQL
SELECT * FROM metrics_range('{ }', '2026-01-01 00:00+00', '2026-01-01 01:00+00');
SELECT * FROM metrics_range('{ } | rate(', '2026-01-01 00:00+00', '2026-01-01 01:00+00');
SELECT * FROM metrics_instant('{ } | quantile_over_time(duration, 2)', '2026-01-01 00:00+00', '2026-01-01 01:00+00');
