
-- ---------------------------------------------------------------------
-- TraceQL metrics (src/tql_metrics_*.c)
-- ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.metrics_range(
        q text,
        start_time timestamptz DEFAULT now() - interval '1 hour',
        end_time timestamptz DEFAULT now(),
        step interval DEFAULT NULL)
    RETURNS TABLE(series text, labels jsonb, ts timestamptz, value float8)
    AS 'MODULE_PATHNAME', 'tempo_metrics_range'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.metrics_range(text, timestamptz, timestamptz, interval) IS
    'TraceQL metrics range query (Tempo 2.9 semantics: buckets (t-step, t], aligned request); one row per series and timestamp; step NULL = Tempo''s default step';

CREATE FUNCTION @extschema@.metrics_instant(
        q text,
        start_time timestamptz DEFAULT now() - interval '1 hour',
        end_time timestamptz DEFAULT now())
    RETURNS TABLE(series text, labels jsonb, value float8)
    AS 'MODULE_PATHNAME', 'tempo_metrics_instant'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.metrics_instant(text, timestamptz, timestamptz) IS
    'TraceQL metrics instant query: one value per series over (start_time, end_time]';

CREATE FUNCTION @extschema@.metrics_exemplars(
        q text,
        start_time timestamptz DEFAULT now() - interval '1 hour',
        end_time timestamptz DEFAULT now(),
        step interval DEFAULT NULL,
        max_exemplars int DEFAULT 100)
    RETURNS TABLE(series text, ts timestamptz, value float8,
                  trace_id @extschema@.trace_id, span_id @extschema@.span_id)
    AS 'MODULE_PATHNAME', 'tempo_metrics_exemplars'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.metrics_exemplars(text, timestamptz, timestamptz, interval, int) IS
    'exemplar spans of a TraceQL metrics range query: at most one per trace, at most max_exemplars';

CREATE FUNCTION @extschema@.metrics_buckets(
        start_ns bigint, end_ns bigint, step_ns bigint DEFAULT NULL,
        instant bool DEFAULT false, extra_bucket bool DEFAULT true)
    RETURNS TABLE(bucket int, from_ns bigint, to_ns bigint)
    AS 'MODULE_PATHNAME', 'tempo_metrics_buckets'
    LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION @extschema@.metrics_buckets(bigint, bigint, bigint, bool, bool) IS
    'the intervals (from_ns, to_ns] of a TraceQL metrics request, in unix nanoseconds; extra_bucket = the query frontend''s alignment';

CREATE FUNCTION @extschema@.metrics_bucket_of(
        ts_ns bigint, start_ns bigint, end_ns bigint, step_ns bigint,
        extra_bucket bool DEFAULT false)
    RETURNS int
    AS 'MODULE_PATHNAME', 'tempo_metrics_bucket_of'
    LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION @extschema@.metrics_bucket_of(bigint, bigint, bigint, bigint, bool) IS
    'the interval of a TraceQL metrics request that a span start time (unix ns) falls in, NULL if none';
