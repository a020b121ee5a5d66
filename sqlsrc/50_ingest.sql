
-- ---------------------------------------------------------------------
-- OTLP ingest from SQL, and traces back out as OTLP/JSON.
-- ---------------------------------------------------------------------
CREATE FUNCTION @extschema@.ingest(payload bytea,
                                   content_type text DEFAULT 'application/x-protobuf',
                                   tenant text DEFAULT 'single-tenant')
    RETURNS TABLE(accepted_spans bigint, rejected_spans bigint, message text)
    AS 'MODULE_PATHNAME', 'tempo_ingest' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.ingest(bytea, text, text) IS
    'decode an OTLP ExportTraceServiceRequest (application/x-protobuf or application/json) and store its valid spans in tempo.spans';

CREATE FUNCTION @extschema@.trace_json(trace_id @extschema@.trace_id,
                                       start_time timestamptz DEFAULT NULL,
                                       end_time timestamptz DEFAULT NULL)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'tempo_trace_json' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.trace_json(@extschema@.trace_id, timestamptz, timestamptz) IS
    'the spans of one trace as OTLP/JSON ({"resourceSpans": [...]}), NULL when not found';

COMMENT ON COLUMN @extschema@.spans.span_attributes IS
    'attributes as a jsonb object key -> value: string -> string, int -> integer, double -> number with a fractional part (1.0), bool -> bool, array -> array, kvlist -> object, empty -> null; bytes -> {"bytesValue": base64}; NaN/Infinity/-Infinity -> {"doubleValue": "NaN"|...}; a kvlist having a key bytesValue, doubleValue or kvlistValue -> {"kvlistValue": {...}}';
COMMENT ON COLUMN @extschema@.spans.resource_attributes IS
    'resource attributes, encoded as span_attributes';
COMMENT ON COLUMN @extschema@.spans.events IS
    'jsonb array of {"time_unix_nano": "<ns as decimal string>", "name": text, "attributes": {...}, "dropped_attributes_count": n (only if > 0)}';
COMMENT ON COLUMN @extschema@.spans.links IS
    'jsonb array of {"trace_id": hex, "span_id": hex, "trace_state": text (if any), "attributes": {...}, "dropped_attributes_count": n (if > 0), "flags": n (if non-zero)}';
COMMENT ON COLUMN @extschema@.spans.duration_ns IS
    'end - start in nanoseconds; 0 when the span ends before it starts';
