
-- ---------------------------------------------------------------------
-- TraceQL front end
-- ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.explain(q text) RETURNS text
    AS 'MODULE_PATHNAME', 'tempo_explain'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.explain(text) IS
    'normalized form and plan of a TraceQL query; raises 42601 on syntax errors, 42804/22023 on type or value errors, 0A000 on unsupported features';

-- ---------------------------------------------------------------------
-- TraceQL search (src/tql_funcs.c, src/tql_exec*.c)
-- ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.search(
    q                 text,
    start_time        timestamptz DEFAULT now() - interval '1 hour',
    end_time          timestamptz DEFAULT now(),
    max_traces        int DEFAULT 20,
    spans_per_spanset int DEFAULT 3)
RETURNS TABLE(trace_id @extschema@.trace_id, root_service_name text,
              root_span_name text, start_time timestamptz, duration_ms float8,
              spansets jsonb)
    AS 'MODULE_PATHNAME', 'tempo_search'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 20;
COMMENT ON FUNCTION @extschema@.search(text, timestamptz, timestamptz, int, int) IS
    'TraceQL search: traces whose spans in [start_time, end_time] match q, newest first, with Tempo''s spansets';

CREATE FUNCTION @extschema@.search_spans(
    q          text,
    start_time timestamptz DEFAULT now() - interval '1 hour',
    end_time   timestamptz DEFAULT now(),
    max_traces int DEFAULT 20)
RETURNS TABLE(trace_id @extschema@.trace_id, span_id @extschema@.span_id,
              service_name text, name text, start_time timestamptz,
              duration_ns bigint, attributes jsonb)
    AS 'MODULE_PATHNAME', 'tempo_search_spans'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.search_spans(text, timestamptz, timestamptz, int) IS
    'TraceQL search: the matched spans of up to max_traces traces, with the values the query reads or selects';

-- The spans of one trace, in start order, for the session's tenants.
CREATE FUNCTION @extschema@.trace(
    trace_id   @extschema@.trace_id,
    start_time timestamptz DEFAULT NULL,
    end_time   timestamptz DEFAULT NULL)
RETURNS SETOF @extschema@.spans
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.*
      FROM @extschema@.spans s
     WHERE s.trace_id = $1
       AND ($2 IS NULL OR s.start_time >= $2)
       AND ($3 IS NULL OR s.start_time <= $3)
       AND (coalesce(current_setting('tempo.tenant', true), '') = ''
            OR s.tenant = ANY (string_to_array(current_setting('tempo.tenant', true), '|')))
     ORDER BY s.start_time_unix_nano, s.span_id
$$;
COMMENT ON FUNCTION @extschema@.trace(@extschema@.trace_id, timestamptz, timestamptz) IS
    'the spans of one trace (optionally only those starting in [start_time, end_time]) for the session''s tenants';
