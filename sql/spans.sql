-- tempo.spans: partitions, retention, storage view
SET search_path = tempo, public;
SET timezone = 'UTC';
SET client_min_messages = warning;

-- start from no partitions (earlier tests may have made some)
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT inhrelid::regclass AS part FROM pg_inherits
	          WHERE inhparent = 'tempo.spans'::regclass
	LOOP
		EXECUTE format('DROP TABLE %s', r.part);
	END LOOP;
END $$;
RESET client_min_messages;

-- partitions are aligned to tempo.partition_interval and columnar
SELECT tempo.create_partition('2026-03-04 17:20:00+00');
SELECT tempo.create_partition('2026-03-04 00:00:00+00');   -- same partition
SELECT * FROM tempo.create_partitions('2026-03-05 00:00+00', '2026-03-06 12:00+00');
SELECT partition, range_start, range_end FROM tempo.span_partitions ORDER BY range_start;
SELECT c.relname, am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam
 WHERE c.relname LIKE 'spans_2026%' ORDER BY 1;

-- sub-day intervals; a changed interval never overlaps existing partitions
SET tempo.partition_interval = '6 hours';
SELECT tempo.create_partition('2026-03-07 13:00+00');
SET tempo.partition_interval = '1 day';
SELECT tempo.create_partition('2026-03-07 01:00+00');   -- clipped before the 12:00 partition
SELECT tempo.create_partition('2026-03-07 20:00+00');   -- clipped after it
SELECT partition, range_start, range_end FROM tempo.span_partitions
 WHERE range_start >= '2026-03-07' ORDER BY range_start;

-- bad arguments
SET tempo.partition_interval = '1 month';
SELECT tempo.create_partition('2026-03-09 00:00+00');
SET tempo.partition_interval = '10 seconds';
SELECT tempo.create_partition('2026-03-09 00:00+00');
RESET tempo.partition_interval;
SET tempo.partition_interval = '-1 day';
SELECT tempo.create_partition(NULL);
SELECT tempo.create_partition('infinity');
SELECT * FROM tempo.create_partitions('2026-03-05', '2026-03-04');

-- rows land in the right partition and show in tempo.storage
INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind, start_time,
                         start_time_unix_nano, duration_ns, status_code, service_name, span_attributes)
SELECT 'single-tenant', substr(md5(i::text) || md5(i::text), 1, 32)::tempo.trace_id,
       substr(md5((i * 3)::text), 1, 16)::tempo.span_id, NULL, 'op' || (i % 10), 2,
       '2026-03-04 00:00+00'::timestamptz + i * interval '1 second',
       extract(epoch FROM '2026-03-04 00:00+00'::timestamptz)::bigint * 1000000000 + i * 1000000000::bigint,
       i * 1000, 0, 'svc' || (i % 3), jsonb_build_object('i', i)
FROM generate_series(1, 100000) i;
SELECT tableoid::regclass, count(*) FROM tempo.spans GROUP BY 1 ORDER BY 1;
SELECT partition, range_start, access_method, rows, stripes, raw_bytes > stored_bytes AS compressed,
       compression_ratio > 1 AS ratio_gt_1
  FROM tempo.storage WHERE rows > 0 ORDER BY range_start;
SELECT count(*) AS partitions_listed FROM tempo.storage;

-- retention drops whole partitions that ended before the cutoff
SELECT * FROM tempo.drop_old_partitions('2026-03-05 00:00+00');
SELECT count(*) FROM tempo.spans;
SELECT count(*) FROM tempo.span_partitions WHERE range_end <= '2026-03-05 00:00+00';
-- the default cutoff is now() - tempo.retention (14 days): all of these are older
SHOW tempo.retention;
SELECT count(*) AS dropped FROM tempo.drop_old_partitions();
SELECT count(*) FROM tempo.span_partitions;

-- a partition dropped by hand leaves the registry
SELECT tempo.create_partition('2036-01-01 00:00+00');
DROP TABLE tempo.spans_20360101;
SELECT count(*) FROM tempo.span_partitions;
