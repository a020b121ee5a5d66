
-- ---------------------------------------------------------------------
-- tempo.spans: one row per span, range-partitioned on start_time.
-- Partitions are created USING tempo_columnar by tempo.create_partition();
-- PostgreSQL 15 cannot put an access method on the partitioned parent.
-- ---------------------------------------------------------------------
CREATE TABLE @extschema@.spans (
    tenant               text NOT NULL,
    trace_id             @extschema@.trace_id NOT NULL,
    span_id              @extschema@.span_id NOT NULL,
    parent_span_id       @extschema@.span_id,
    name                 text NOT NULL,
    kind                 smallint NOT NULL,
    start_time           timestamptz NOT NULL,
    start_time_unix_nano bigint NOT NULL,
    duration_ns          bigint NOT NULL,
    status_code          smallint NOT NULL,
    status_message       text,
    service_name         text,
    resource_attributes  jsonb,
    span_attributes      jsonb,
    scope_name           text,
    scope_version        text,
    events               jsonb,
    links                jsonb,
    trace_state          text
) PARTITION BY RANGE (start_time);

COMMENT ON TABLE @extschema@.spans IS 'OpenTelemetry spans, one row per span, partitioned by start_time';
COMMENT ON COLUMN @extschema@.spans.kind IS 'OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer';
COMMENT ON COLUMN @extschema@.spans.status_code IS 'OTLP status: 0 unset, 1 ok, 2 error';
COMMENT ON COLUMN @extschema@.spans.start_time_unix_nano IS 'exact start time in nanoseconds since the Unix epoch (start_time is rounded to microseconds)';
