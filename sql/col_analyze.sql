-- ANALYZE samples blocks proportionally: reltuples matches count(*).
CREATE TABLE an (a int, b text, t timestamptz) USING tempo_columnar;
INSERT INTO an SELECT i, 'k' || (i % 37), '2026-01-01'::timestamptz + i * interval '1 s'
  FROM generate_series(1, 200000) i;
INSERT INTO an SELECT i, 'small', NULL FROM generate_series(1, 500) i;
-- ANALYZE samples the pages: rows still in the head are counted only
-- once compacted (the planner's row count includes them, see below)
SELECT relation, head_rows, stripes_written FROM tempo.compact('an');
ANALYZE an;
SELECT reltuples = (SELECT count(*) FROM an) AS exact, reltuples FROM pg_class WHERE relname = 'an';
SELECT attname, null_frac > 0 AS has_nulls, n_distinct FROM pg_stats
 WHERE tablename = 'an' AND attname IN ('b') ORDER BY attname;
-- planner row estimates come from the stripe catalog
CREATE FUNCTION plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
    RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SELECT plan_rows('SELECT * FROM an');
INSERT INTO an VALUES (0, 'one more', NULL);
SELECT plan_rows('SELECT * FROM an');
SELECT head_rows, stripes_written FROM tempo.compact('an');
-- a smaller sample still estimates the total from sampled blocks
SET default_statistics_target = 1;
ANALYZE an;
SELECT abs(reltuples - 200500) / 200500 < 0.2 AS close FROM pg_class WHERE relname = 'an';
RESET default_statistics_target;
-- rows of aborted stripes are not sampled
BEGIN;
INSERT INTO an SELECT i, 'aborted', NULL FROM generate_series(1, 70000) i;
ROLLBACK;
ANALYZE an;
SELECT reltuples FROM pg_class WHERE relname = 'an';
SELECT count(*) FROM pg_stats WHERE tablename = 'an' AND 'aborted' = ANY (most_common_vals::text::text[]);
