-- The shared trace id cache (col_tidcache.c): a lookup by trace id skips
-- the stripes whose cached zone maps and blooms rule the id out, without
-- reading their footers.  Entries are keyed by the stripe's identity, so
-- no later change to the table may make a lookup miss rows.
SET search_path = public, tempo;
CREATE FUNCTION tc_delta(OUT stores bigint, OUT hits bigint, OUT misses bigint)
LANGUAGE sql AS $$
  SELECT c.stores - coalesce(current_setting('tc.stores', true), '0')::bigint,
         c.hits - coalesce(current_setting('tc.hits', true), '0')::bigint,
         c.misses - coalesce(current_setting('tc.misses', true), '0')::bigint
    FROM tempo.col_trace_id_cache() c $$;
CREATE FUNCTION tc_mark() RETURNS void
LANGUAGE sql AS $$
  SELECT set_config('tc.stores', c.stores::text, false),
         set_config('tc.hits', c.hits::text, false),
         set_config('tc.misses', c.misses::text, false)
    FROM tempo.col_trace_id_cache() c $$;
SELECT size_bytes = 64 * 1024 * 1024 AS default_size, used_bytes <= size_bytes AS fits
  FROM tempo.col_trace_id_cache();
SELECT name, setting, unit, context FROM pg_settings WHERE name = 'tempo.trace_id_cache_size';

-- three stripes in the pages, ten rows per trace
CREATE TABLE tc (tid tempo.trace_id, n int) USING tempo_columnar;
INSERT INTO tc SELECT md5((i / 10)::text)::tempo.trace_id, i
  FROM generate_series(0, 149999) i;
SELECT stripes, row_count FROM tempo.col_relation_stats('tc');
SELECT tc_mark();
-- the first lookup reads each stripe's footer and stores its entry
SELECT count(*) FROM tc WHERE tid = md5('no such trace')::tempo.trace_id;
SELECT * FROM tc_delta();
-- the next ones find the entries; results are the same
SELECT tc_mark();
SELECT count(*) FROM tc WHERE tid = md5('no such trace')::tempo.trace_id;
SELECT n FROM tc WHERE tid = md5('7000')::tempo.trace_id ORDER BY n;
SELECT * FROM tc_delta();
SELECT * FROM tempo.col_scan_stats('tc', 'tid', '=', md5('7000'));
-- the AM scan path (no custom scan) uses it too
SET tempo.enable_custom_scan = off;
SELECT count(*), min(n) FROM tc WHERE tid = md5('14999')::tempo.trace_id;
RESET tempo.enable_custom_scan;

-- TRUNCATE, then rows that hold the ids the cache said were absent, in
-- stripes of the same shape: the old entries must not apply
SELECT count(*) FROM tc WHERE tid = md5('17000')::tempo.trace_id;
TRUNCATE tc;
INSERT INTO tc SELECT md5((i / 10 + 5000)::text)::tempo.trace_id, i
  FROM generate_series(0, 149999) i;
SELECT count(*), min(n) FROM tc WHERE tid = md5('17000')::tempo.trace_id;
SELECT count(*) FROM tc WHERE tid = md5('7000')::tempo.trace_id;

-- a rolled-back write: its stripes were read (and cached) inside the
-- transaction; after the rollback they are invisible, and new stripes
-- with the same ids are found
BEGIN;
INSERT INTO tc SELECT md5('rolled back')::tempo.trace_id, i FROM generate_series(1, 70000) i;
SELECT count(*) FROM tc WHERE tid = md5('rolled back')::tempo.trace_id;
SELECT count(*) FROM tc WHERE tid = md5('missing')::tempo.trace_id;
ROLLBACK;
SELECT count(*) FROM tc WHERE tid = md5('rolled back')::tempo.trace_id;
INSERT INTO tc SELECT md5('missing')::tempo.trace_id, i FROM generate_series(1, 70000) i;
SELECT count(*) FROM tc WHERE tid = md5('missing')::tempo.trace_id;
SELECT count(*) FROM tc WHERE tid = md5('rolled back')::tempo.trace_id;

-- VACUUM FULL rewrites the stripes
SELECT count(*) FROM tc WHERE tid = md5('17001')::tempo.trace_id;
VACUUM FULL tc;
SELECT count(*) FROM tc WHERE tid = md5('17001')::tempo.trace_id;
SELECT count(*) FROM tc WHERE tid = md5('missing')::tempo.trace_id;

-- head stripes are cached like the others; compaction replaces them
CREATE TABLE tch (tid tempo.trace_id, n int) USING tempo_columnar;
INSERT INTO tch SELECT md5((i % 3)::text)::tempo.trace_id, i FROM generate_series(1, 30) i;
INSERT INTO tch SELECT md5((i % 3 + 3)::text)::tempo.trace_id, i FROM generate_series(1, 30) i;
SELECT head_stripes FROM tempo.col_head_stats('tch');
SELECT tc_mark();
SELECT count(*) FROM tch WHERE tid = md5('4')::tempo.trace_id;
SELECT count(*) FROM tch WHERE tid = md5('4')::tempo.trace_id;
SELECT * FROM tc_delta();
SELECT stripes_written FROM tempo.compact('tch');
INSERT INTO tch SELECT md5('4')::tempo.trace_id, 100 FROM generate_series(1, 5);
SELECT count(*) FROM tch WHERE tid = md5('4')::tempo.trace_id;
SELECT count(*) FROM tch WHERE tid = md5('1')::tempo.trace_id;

-- a column added later: old stripes lack it (no entry), new ones have it
ALTER TABLE tch ADD COLUMN tid2 tempo.trace_id;
INSERT INTO tch SELECT md5('4')::tempo.trace_id, 200, md5('x')::tempo.trace_id;
SELECT count(*) FROM tch WHERE tid2 = md5('x')::tempo.trace_id;
SELECT count(*) FROM tch WHERE tid2 = md5('y')::tempo.trace_id;
SELECT count(*) FROM tch WHERE tid2 = md5('x')::tempo.trace_id;

DROP TABLE tc, tch;
DROP FUNCTION tc_delta(), tc_mark();
