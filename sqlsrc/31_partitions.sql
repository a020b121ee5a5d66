
-- ---------------------------------------------------------------------
-- Partition management for tempo.spans.
--
-- Partitions cover [range_start, range_end) aligned to
-- tempo.partition_interval counted from 2000-01-01 00:00 UTC.  Every
-- partition we create is recorded in tempo.span_partitions, so that
-- retention and the storage view need not parse partition bound
-- expressions.  When the interval setting changes, a new partition is
-- clipped to the gap between its existing neighbours, so bounds never
-- overlap.  Creation is serialized with a transaction-level advisory lock.
-- ---------------------------------------------------------------------
CREATE TABLE @extschema@.span_partitions (
    partition   regclass PRIMARY KEY,
    range_start timestamptz NOT NULL,
    range_end   timestamptz NOT NULL,
    CHECK (range_start < range_end)
);
CREATE INDEX span_partitions_range_idx ON @extschema@.span_partitions (range_start);
COMMENT ON TABLE @extschema@.span_partitions IS 'partitions of tempo.spans created by tempo.create_partition()';

CREATE FUNCTION @extschema@.partition_interval() RETURNS interval
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    iv interval := current_setting('tempo.partition_interval')::interval;
BEGIN
    IF extract(month FROM iv) <> 0 OR extract(year FROM iv) <> 0 THEN
        RAISE EXCEPTION 'invalid value for parameter "tempo.partition_interval": "%"', iv
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Partition intervals cannot contain months or years.',
                  HINT = 'Use days or hours, such as "1 day" or "6 hours".';
    END IF;
    IF iv < interval '1 minute' THEN
        RAISE EXCEPTION 'invalid value for parameter "tempo.partition_interval": "%"', iv
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Partition intervals must be at least one minute.';
    END IF;
    RETURN iv;
END
$$;
COMMENT ON FUNCTION @extschema@.partition_interval() IS 'the validated value of tempo.partition_interval';

CREATE FUNCTION @extschema@.create_partition(ts timestamptz) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    iv      interval := @extschema@.partition_interval();
    lo      timestamptz;
    hi      timestamptz;
    prev_hi timestamptz;
    next_lo timestamptz;
    found   regclass;
    relname text;
BEGIN
    IF ts IS NULL THEN
        RAISE EXCEPTION 'timestamp must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite(ts) THEN
        RAISE EXCEPTION 'cannot create a partition for timestamp "%"', ts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT p.partition INTO found FROM @extschema@.span_partitions p
     WHERE p.range_start <= ts AND ts < p.range_end;
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;

    PERFORM pg_advisory_xact_lock(hashtext('tempo.create_partition'));

    -- look again: another session may have created it while we waited
    SELECT p.partition INTO found FROM @extschema@.span_partitions p
     WHERE p.range_start <= ts AND ts < p.range_end;
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;

    lo := date_bin(iv, ts, timestamptz '2000-01-01 00:00:00+00');
    hi := lo + iv;
    SELECT max(p.range_end) INTO prev_hi FROM @extschema@.span_partitions p WHERE p.range_end <= ts;
    SELECT min(p.range_start) INTO next_lo FROM @extschema@.span_partitions p WHERE p.range_start > ts;
    IF prev_hi IS NOT NULL AND prev_hi > lo THEN lo := prev_hi; END IF;
    IF next_lo IS NOT NULL AND next_lo < hi THEN hi := next_lo; END IF;

    relname := 'spans_' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD');
    IF (lo AT TIME ZONE 'UTC')::time <> time '00:00' OR hi - lo < interval '1 day' THEN
        relname := relname || '_' || to_char(lo AT TIME ZONE 'UTC', 'HH24MISS');
    END IF;

    EXECUTE format('CREATE TABLE @extschema@.%I PARTITION OF @extschema@.spans '
                   'FOR VALUES FROM (%L) TO (%L) USING tempo_columnar',
                   relname, lo, hi);
    found := format('@extschema@.%I', relname)::regclass;
    INSERT INTO @extschema@.span_partitions VALUES (found, lo, hi);
    RETURN found;
END
$$;
COMMENT ON FUNCTION @extschema@.create_partition(timestamptz) IS 'create (if missing) the tempo.spans partition covering ts and return it';

CREATE FUNCTION @extschema@.create_partitions(
    start_time timestamptz DEFAULT now(),
    end_time   timestamptz DEFAULT now() + interval '1 day')
RETURNS SETOF regclass
LANGUAGE plpgsql AS $$
DECLARE
    ts   timestamptz := start_time;
    part regclass;
BEGIN
    IF end_time < start_time THEN
        RAISE EXCEPTION 'end_time must not be before start_time'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOOP
        part := @extschema@.create_partition(ts);
        RETURN NEXT part;
        SELECT p.range_end INTO ts FROM @extschema@.span_partitions p WHERE p.partition = part;
        EXIT WHEN ts > end_time;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.create_partitions(timestamptz, timestamptz) IS 'create the tempo.spans partitions covering [start_time, end_time] ahead of time';

CREATE FUNCTION @extschema@.drop_old_partitions(
    older_than timestamptz DEFAULT now() - current_setting('tempo.retention')::interval)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tempo.create_partition'));
    FOR r IN SELECT p.partition, p.partition::text AS name
               FROM @extschema@.span_partitions p
              WHERE p.range_end <= older_than
              ORDER BY p.range_start
    LOOP
        EXECUTE format('DROP TABLE %s', r.partition);
        DELETE FROM @extschema@.span_partitions WHERE partition = r.partition;
        RETURN NEXT r.name;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_old_partitions(timestamptz) IS 'retention: drop tempo.spans partitions that end before older_than (default: now() - tempo.retention)';

-- A partition dropped by hand leaves no stale registry row.
CREATE FUNCTION @extschema@.forget_dropped_partitions() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM @extschema@.span_partitions p
     WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = p.partition);
END
$$;
CREATE EVENT TRIGGER tempo_forget_dropped_partitions ON sql_drop
    EXECUTE FUNCTION @extschema@.forget_dropped_partitions();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.span_partitions', '');
