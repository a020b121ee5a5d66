-- Compaction keeps every jsonb value identical: the values of head stripes
-- are rebuilt from their shredded chunks (col_jsonb_build.c writes the
-- jsonb bytes directly) and shredded again into the compacted stripe.
-- Every value is compared with the original, kept in a heap table, before
-- and after tempo.compact(): equality, text, size (padding and JEntries;
-- the reader may hand out small values with a short varlena header, 3
-- bytes less) and key lookups (binary search over the sorted keys).
SET search_path = public, tempo;
CREATE TABLE cj_src (id int, grp int, attrs jsonb, extra jsonb);
-- group 1: every value type, categorical keys (few values), dictionary
-- and template strings, integers at the int64 limits, numbers that must
-- stay numerics (1.0, 1e30, fractions), nested arrays and objects, empty
-- containers, the empty key and multibyte keys and strings
INSERT INTO cj_src SELECT i, 1,
  jsonb_build_object(
    'http.method', (ARRAY['GET', 'POST', 'PUT'])[i % 3 + 1],
    'http.status_code', 200 + (i % 4) * 100,
    'url', 'http://h/api/v1/users/' || i,
    'n', i, 'neg', -i * 1000003,
    'max', 9223372036854775807 - (i % 2), 'min', -9223372036854775808 + (i % 2),
    'over', 9223372036854775808 + i, 'huge', 1e30 + i,
    'f', i / 7.0, 'one', 1.0, 'zero', 0, 'negzero', -0.0, 'flag', i % 2 = 0,
    'nul', NULL,
    'arr', jsonb_build_array(i, 'x', 1.5, NULL, true, jsonb_build_object('a', i), '[]'::jsonb),
    'kv', jsonb_build_object('k' || (i % 3), i, 'z', 'q', 'deep', jsonb_build_object('d', 2.50)),
    'empty', '{}'::jsonb, 'earr', '[]'::jsonb,
    '', 'empty key', 'ü', 'ünicode ✓ ' || (i % 5), 'id-' || i, md5(i::text)),
  jsonb_build_object('service.name', 'svc' || (i % 4), 'host', 'h' || (i % 50))
  FROM generate_series(1, 400) i;
-- group 2: keys of one group only, a key of changing type, whole values
-- that are empty objects or NULL
INSERT INTO cj_src SELECT i, 2,
  CASE WHEN i % 10 = 0 THEN '{}'::jsonb
       WHEN i % 10 = 1 THEN NULL
       ELSE jsonb_build_object(
         'only2', i,
         'mixed', CASE i % 6 WHEN 0 THEN to_jsonb('s' || i) WHEN 1 THEN to_jsonb(i)
                             WHEN 2 THEN to_jsonb(i + 0.25) WHEN 3 THEN to_jsonb(i % 4 = 0)
                             WHEN 4 THEN 'null'::jsonb ELSE jsonb_build_array(i) END,
         'http.method', 'DELETE',
         'url', 'http://h/api/v2/items/' || (i * 7) || '/parts/' || (i % 13))
  END,
  CASE WHEN i % 3 = 0 THEN jsonb_build_object('service.name', 'svc' || (i % 4)) END
  FROM generate_series(401, 700) i;
-- group 3: wide objects (more than JB_OFFSET_STRIDE keys: every 32nd
-- JEntry holds an offset), keys sorted by length before bytes
INSERT INTO cj_src SELECT i, 3,
  (SELECT jsonb_object_agg('k' || lpad(j::text, 1 + j % 3, '0'),
          CASE j % 4 WHEN 0 THEN to_jsonb(i * j) WHEN 1 THEN to_jsonb('v' || j)
                     WHEN 2 THEN to_jsonb(j / 3.0) ELSE to_jsonb(j % 2 = 0) END)
     FROM generate_series(1, 45) j),
  jsonb_build_object('service.name', 'wide', 'a', 1, 'bb', 2, 'ccc', 3)
  FROM generate_series(701, 760) i;
-- group 4: the first group's keys again, in another head stripe
INSERT INTO cj_src SELECT i, 4,
  jsonb_build_object('http.method', 'GET', 'n', i, 'flag', false, 'only4', 'x' || i,
                     'kv', jsonb_build_object('k0', NULL)),
  '{"service.name": "svc1"}'
  FROM generate_series(761, 900) i;

CREATE TABLE cj (id int, grp int, attrs jsonb, extra jsonb) USING tempo_columnar;
-- one head stripe per statement, in an order that interleaves the groups
INSERT INTO cj SELECT * FROM cj_src WHERE grp IN (1, 3) AND id % 2 = 0;
INSERT INTO cj SELECT * FROM cj_src WHERE grp = 2;
INSERT INTO cj SELECT * FROM cj_src WHERE grp IN (1, 3) AND id % 2 = 1;
INSERT INTO cj SELECT * FROM cj_src WHERE grp = 4;
SELECT head_stripes, head_rows FROM tempo.col_head_stats('cj');

CREATE FUNCTION cj_check() RETURNS TABLE (total bigint, identical bigint, lookups bigint)
LANGUAGE sql AS $$
  SELECT count(*),
         count(*) FILTER (WHERE
           c.attrs IS NOT DISTINCT FROM s.attrs AND c.extra IS NOT DISTINCT FROM s.extra AND
           c.attrs::text IS NOT DISTINCT FROM s.attrs::text AND
           c.extra::text IS NOT DISTINCT FROM s.extra::text AND
           coalesce(pg_column_size(c.attrs) - pg_column_size(s.attrs::text::jsonb), 0) IN (0, -3) AND
           coalesce(pg_column_size(c.extra) - pg_column_size(s.extra::text::jsonb), 0) IN (0, -3)),
         count(*) FILTER (WHERE
           (c.attrs -> 'url') IS NOT DISTINCT FROM (s.attrs -> 'url') AND
           (c.attrs -> 'max') IS NOT DISTINCT FROM (s.attrs -> 'max') AND
           (c.attrs -> 'huge') IS NOT DISTINCT FROM (s.attrs -> 'huge') AND
           (c.attrs -> 'arr' -> 5 ->> 'a') IS NOT DISTINCT FROM (s.attrs -> 'arr' -> 5 ->> 'a') AND
           (c.attrs -> 'kv' -> 'deep') IS NOT DISTINCT FROM (s.attrs -> 'kv' -> 'deep') AND
           (c.attrs ->> '') IS NOT DISTINCT FROM (s.attrs ->> '') AND
           (c.attrs -> 'mixed') IS NOT DISTINCT FROM (s.attrs -> 'mixed') AND
           (c.attrs -> 'k044') IS NOT DISTINCT FROM (s.attrs -> 'k044') AND
           (c.attrs -> 'k9') IS NOT DISTINCT FROM (s.attrs -> 'k9') AND
           (c.attrs ? 'only4') IS NOT DISTINCT FROM (s.attrs ? 'only4') AND
           (c.attrs @> s.attrs AND s.attrs @> c.attrs) IS NOT FALSE AND
           (SELECT array_agg(k) FROM jsonb_object_keys(CASE WHEN jsonb_typeof(c.attrs) = 'object'
                                                         THEN c.attrs END) k)
             IS NOT DISTINCT FROM
           (SELECT array_agg(k) FROM jsonb_object_keys(CASE WHEN jsonb_typeof(s.attrs) = 'object'
                                                         THEN s.attrs END) k))
    FROM cj c FULL JOIN cj_src s USING (id)
$$;
-- head stripes, read through the custom scan and the plain AM scan
SELECT * FROM cj_check();
SET tempo.enable_custom_scan = off;
SELECT * FROM cj_check();
RESET tempo.enable_custom_scan;
-- compacted into one stripe: the same values
SELECT head_stripes, head_rows, stripes_written, rows_written FROM tempo.compact('cj');
SELECT head_stripes FROM tempo.col_head_stats('cj');
SELECT * FROM cj_check();
SET tempo.enable_custom_scan = off;
SELECT * FROM cj_check();
RESET tempo.enable_custom_scan;
-- whole rows, as text, against the originals
SELECT count(*) FROM (SELECT * FROM cj EXCEPT ALL SELECT * FROM cj_src) d;
SELECT count(*) FROM (SELECT * FROM cj_src EXCEPT ALL SELECT * FROM cj) d;
SELECT attrs FROM cj WHERE id IN (1, 402, 410, 761) ORDER BY id;
DROP FUNCTION cj_check();
DROP TABLE cj, cj_src;
