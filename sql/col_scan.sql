-- Custom scan (projection, skipping) and vectorized aggregation over
-- tempo_columnar, checked against the same data in a heap table.
SET search_path = tempo, public;
SET max_parallel_workers_per_gather = 0;

CREATE TABLE scan_h (
	id int, grp text, n int8, f float8, at timestamptz, flag bool,
	t tempo.trace_id, note text, j jsonb
);
INSERT INTO scan_h
SELECT i,
       CASE WHEN i % 11 = 0 THEN NULL ELSE 'g' || (i % 7) END,
       (i * 37) % 1000 - 200,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i / 3.0 END,
       '2026-01-01 00:00+00'::timestamptz + i * interval '1 second',
       i % 2 = 0,
       substr(md5(i::text) || md5((i + 1)::text), 1, 32)::tempo.trace_id,
       repeat('x', i % 50),
       jsonb_build_object('k', i % 5)
FROM generate_series(1, 100000) i;
CREATE TABLE scan_c (LIKE scan_h) USING tempo_columnar;
INSERT INTO scan_c SELECT * FROM scan_h ORDER BY id;
ANALYZE scan_h;
ANALYZE scan_c;

-- helper: do two queries return the same multiset of rows?
CREATE FUNCTION same_rows(q1 text, q2 text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x', q1, q2) INTO n;
	IF n <> 0 THEN RETURN false; END IF;
	EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x', q2, q1) INTO n;
	RETURN n = 0;
END
$$;

-- plans: projection and pushed-down skip filters
EXPLAIN (COSTS OFF) SELECT id, grp FROM scan_c WHERE id > 99000;
EXPLAIN (COSTS OFF) SELECT * FROM scan_c WHERE at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00';
EXPLAIN (COSTS OFF) SELECT count(*) FROM scan_c WHERE 5 > id;

-- skipping: a range on the insertion-ordered id reads few chunk groups
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM scan_c WHERE id >= 99990;
-- a trace id is found through its bloom filter / zone map
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM scan_c WHERE t = (substr(md5('77777') || md5('77778'), 1, 32))::tempo.trace_id;
SELECT id FROM scan_c WHERE t = (substr(md5('77777') || md5('77778'), 1, 32))::tempo.trace_id;

-- row results equal heap
SELECT same_rows('SELECT id, grp, n FROM scan_h WHERE id > 99000',
                 'SELECT id, grp, n FROM scan_c WHERE id > 99000') AS id_range;
SELECT same_rows($q$SELECT * FROM scan_h WHERE at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00'$q$,
                 $q$SELECT * FROM scan_c WHERE at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00'$q$) AS time_range;
SELECT same_rows($q$SELECT id, note FROM scan_h WHERE grp = 'g3' AND n < 0$q$,
                 $q$SELECT id, note FROM scan_c WHERE grp = 'g3' AND n < 0$q$) AS text_eq;
SELECT same_rows('SELECT scan_h FROM scan_h WHERE f IS NULL', 'SELECT scan_c::text::scan_h FROM scan_c WHERE f IS NULL') AS whole_row;
SELECT same_rows('SELECT id FROM scan_h WHERE grp IS NULL OR id < 10', 'SELECT id FROM scan_c WHERE grp IS NULL OR id < 10') AS or_quals;
SELECT count(DISTINCT ctid) = 100000 AS unique_tids FROM scan_c;
SELECT c.id = 54321 AS fetch_by_ctid FROM scan_c c WHERE c.ctid = (SELECT ctid FROM scan_c WHERE id = 54321);

-- vectorized aggregation: plans
EXPLAIN (COSTS OFF) SELECT grp, count(*) FROM scan_c GROUP BY grp;
EXPLAIN (COSTS OFF) SELECT avg(n) FROM scan_c WHERE grp = 'g1' AND at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00';
-- not covered: plain plans
EXPLAIN (COSTS OFF) SELECT grp, count(DISTINCT n) FROM scan_c GROUP BY grp;
EXPLAIN (COSTS OFF) SELECT grp, count(*) FROM scan_c GROUP BY grp HAVING count(*) > 1;
EXPLAIN (COSTS OFF) SELECT lower(grp), count(*) FROM scan_c GROUP BY 1;

-- vectorized aggregation: results equal heap
SELECT same_rows('SELECT grp, count(*) FROM scan_h GROUP BY grp',
                 'SELECT grp, count(*) FROM scan_c GROUP BY grp') AS count_by_text;
SELECT same_rows('SELECT count(*), count(grp), count(f), sum(n), sum(id), avg(id), avg(n), min(n), max(n), min(at), max(at), min(grp), max(grp), min(t::text), max(t::text) FROM scan_h',
                 'SELECT count(*), count(grp), count(f), sum(n), sum(id), avg(id), avg(n), min(n), max(n), min(at), max(at), min(grp), max(grp), min(t::text), max(t::text) FROM scan_c') AS all_aggs;
SELECT same_rows('SELECT grp, flag, count(*), sum(n), min(id), max(f) FROM scan_h GROUP BY grp, flag',
                 'SELECT grp, flag, count(*), sum(n), min(id), max(f) FROM scan_c GROUP BY grp, flag') AS two_keys;
SELECT same_rows('SELECT flag, grp, n % 3 AS m, count(*) FROM scan_h WHERE n >= 0 GROUP BY flag, grp, n % 3',
                 'SELECT flag, grp, n % 3 AS m, count(*) FROM scan_c WHERE n >= 0 GROUP BY flag, grp, n % 3') AS expr_key_fallback;
SELECT same_rows('SELECT t, count(*) FROM scan_h WHERE id < 500 GROUP BY t',
                 'SELECT t, count(*) FROM scan_c WHERE id < 500 GROUP BY t') AS by_trace_id;
SELECT same_rows($q$SELECT avg(n), count(*) FROM scan_h WHERE grp = 'g1' AND at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00'$q$,
                 $q$SELECT avg(n), count(*) FROM scan_c WHERE grp = 'g1' AND at >= '2026-01-01 10:00+00' AND at < '2026-01-01 11:00+00'$q$) AS filtered_avg;
SELECT same_rows($q$SELECT grp, count(*) * 2 + 1 AS x, sum(n)::float8 / count(*) AS y FROM scan_h WHERE f IS NOT NULL AND grp <> 'g0' GROUP BY grp$q$,
                 $q$SELECT grp, count(*) * 2 + 1 AS x, sum(n)::float8 / count(*) AS y FROM scan_c WHERE f IS NOT NULL AND grp <> 'g0' GROUP BY grp$q$) AS exprs_over_aggs;
-- float sums may differ in the last bits from the heap plan: compare rounded
SELECT same_rows('SELECT grp, round(sum(f)::numeric, 6), round(avg(f)::numeric, 6) FROM scan_h GROUP BY grp',
                 'SELECT grp, round(sum(f)::numeric, 6), round(avg(f)::numeric, 6) FROM scan_c GROUP BY grp') AS float_sums;
-- no rows: one row without GROUP BY, none with
SELECT count(*), sum(n), avg(n), min(grp) FROM scan_c WHERE id < 0;
SELECT grp, count(*) FROM scan_c WHERE id < 0 GROUP BY grp;
SELECT grp, count(*) FROM scan_c GROUP BY grp ORDER BY grp NULLS FIRST;

-- partitioned table with columnar partitions
CREATE TABLE scan_p (at timestamptz, svc text, d int8) PARTITION BY RANGE (at);
CREATE TABLE scan_p1 PARTITION OF scan_p FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2026-01-02 00:00+00') USING tempo_columnar;
CREATE TABLE scan_p2 PARTITION OF scan_p FOR VALUES FROM ('2026-01-02 00:00+00') TO ('2026-01-03 00:00+00') USING tempo_columnar;
INSERT INTO scan_p SELECT '2026-01-01 00:00+00'::timestamptz + i * interval '2 seconds', 's' || (i % 5), i FROM generate_series(1, 80000) i;
EXPLAIN (COSTS OFF) SELECT svc, count(*) FROM scan_p GROUP BY svc;
EXPLAIN (COSTS OFF) SELECT svc, avg(d) FROM scan_p WHERE at >= '2026-01-02 01:00+00' GROUP BY svc;
SELECT svc, count(*), sum(d) FROM scan_p GROUP BY svc ORDER BY svc;
SELECT svc, avg(d) FROM scan_p WHERE at >= '2026-01-02 01:00+00' AND at < '2026-01-02 02:00+00' GROUP BY svc ORDER BY svc;
SET tempo.enable_vectorized_agg = off;
SELECT svc, avg(d) FROM scan_p WHERE at >= '2026-01-02 01:00+00' AND at < '2026-01-02 02:00+00' GROUP BY svc ORDER BY svc;
RESET tempo.enable_vectorized_agg;
-- a heap partition disables the vectorized plan
CREATE TABLE scan_p3 PARTITION OF scan_p FOR VALUES FROM ('2026-01-03 00:00+00') TO ('2026-01-04 00:00+00');
EXPLAIN (COSTS OFF) SELECT svc, count(*) FROM scan_p GROUP BY svc;

-- parallel custom scan: same rows as the serial plan
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET tempo.enable_vectorized_agg = off;
EXPLAIN (COSTS OFF) SELECT grp, count(*) FROM scan_c WHERE n > 100 GROUP BY grp;
SELECT same_rows('SELECT grp, count(*), sum(n) FROM scan_h WHERE n > 100 GROUP BY grp',
                 'SELECT grp, count(*), sum(n) FROM scan_c WHERE n > 100 GROUP BY grp') AS parallel_same;
SELECT same_rows('SELECT id, note FROM scan_h WHERE id % 97 = 0', 'SELECT id, note FROM scan_c WHERE id % 97 = 0') AS parallel_rows;
RESET tempo.enable_vectorized_agg;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;

-- point lookups: an equality on a cheap column returns only the matching
-- rows of a chunk group (late materialization); rows and ctids must be
-- exactly those of a full scan (kept in a heap copy with the ctids)
SET tempo.enable_custom_scan = off;
CREATE TABLE scan_ct AS SELECT ctid AS c, * FROM scan_c;
RESET tempo.enable_custom_scan;
EXPLAIN (COSTS OFF) SELECT ctid, * FROM scan_c WHERE t = substr(md5('4242') || md5('4243'), 1, 32)::tempo.trace_id;
SELECT ctid, id, grp, n, j FROM scan_c WHERE t = substr(md5('4242') || md5('4243'), 1, 32)::tempo.trace_id;
SELECT same_rows('SELECT ctid, * FROM scan_c WHERE t = substr(md5(''4242'') || md5(''4243''), 1, 32)::tempo.trace_id',
                 'SELECT c, id, grp, n, f, at, flag, t, note, j FROM scan_ct WHERE t = substr(md5(''4242'') || md5(''4243''), 1, 32)::tempo.trace_id') AS lookup_trace_id;
SELECT same_rows('SELECT ctid, * FROM scan_c WHERE n = 123',
                 'SELECT c, id, grp, n, f, at, flag, t, note, j FROM scan_ct WHERE n = 123') AS lookup_int;
SELECT same_rows('SELECT ctid, id, note FROM scan_c WHERE note = repeat(''x'', 7) AND id < 20000',
                 'SELECT c, id, note FROM scan_ct WHERE note = repeat(''x'', 7) AND id < 20000') AS lookup_text;
SELECT same_rows('SELECT ctid, id, j FROM scan_c WHERE grp = ''g3''',
                 'SELECT c, id, j FROM scan_ct WHERE grp = ''g3''') AS lookup_common_value;
SELECT count(*) FROM scan_c WHERE n = 123;
SELECT rows_returned FROM tempo.col_scan_stats('scan_c', 'n', '=', '123');
SELECT rows_returned FROM tempo.col_scan_stats('scan_c', 'grp', '=', 'g3');
-- the ctids of a lookup are those of the full scan
SELECT s.id, s.c = c.ctid AS same_ctid
  FROM scan_ct s JOIN scan_c c ON c.id = s.id
 WHERE s.n = -200 AND c.n = -200 ORDER BY s.id LIMIT 5;
DROP TABLE scan_ct;

-- shredded jsonb: only the selected rows are rebuilt, and right
CREATE TABLE scan_ljh (id int, j jsonb);
INSERT INTO scan_ljh
SELECT i, CASE WHEN i % 17 = 0 THEN NULL
               WHEN i % 5 = 0 THEN jsonb_build_object('a', i, 'o', jsonb_build_array(i, 'x'))
               ELSE jsonb_build_object('a', i, 's', 'v' || i, 'f', i / 4.0, 'b', i % 2 = 0, 'n', NULL) END
FROM generate_series(1, 20000) i;
CREATE TABLE scan_lj (LIKE scan_ljh) USING tempo_columnar;
INSERT INTO scan_lj SELECT * FROM scan_ljh ORDER BY id;
SELECT ctid, * FROM scan_lj WHERE id = 12345;
SELECT ctid, * FROM scan_lj WHERE id = 12346;
SELECT ctid, * FROM scan_lj WHERE id = 12350;
SELECT ctid, * FROM scan_lj WHERE id = 1700;
SELECT same_rows('SELECT id, j FROM scan_lj WHERE id = 9999', 'SELECT id, j FROM scan_ljh WHERE id = 9999') AS lookup_jsonb;
DROP TABLE scan_lj, scan_ljh;

-- the custom scan can be turned off
SET tempo.enable_custom_scan = off;
EXPLAIN (COSTS OFF) SELECT id FROM scan_c WHERE id > 99000;
RESET tempo.enable_custom_scan;

DROP TABLE scan_p;
DROP TABLE scan_h, scan_c;
DROP FUNCTION same_rows(text, text);
