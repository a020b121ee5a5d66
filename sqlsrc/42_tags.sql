
-- ---------------------------------------------------------------------
-- Tag lookups (Tempo's /api/v2/search/tags and tag values).  Without q
-- they read storage directly; with q only the spans the query matches.
-- NULL times mean unbounded.  See src/tql_tags.c.
-- ---------------------------------------------------------------------
CREATE FUNCTION @extschema@.tag_names(
    scope      text DEFAULT NULL,
    q          text DEFAULT NULL,
    start_time timestamptz DEFAULT NULL,
    end_time   timestamptz DEFAULT NULL)
RETURNS TABLE(scope text, name text)
    AS 'MODULE_PATHNAME', 'tempo_tag_names'
    LANGUAGE C STABLE PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.tag_names(text, text, timestamptz, timestamptz) IS
    'attribute names per scope (span, resource, event, link, instrumentation, intrinsic) of the spans in the time range, optionally only of those a TraceQL query matches';

CREATE FUNCTION @extschema@.tag_values(
    tag        text,
    q          text DEFAULT NULL,
    start_time timestamptz DEFAULT NULL,
    end_time   timestamptz DEFAULT NULL,
    max_values int DEFAULT 1000)
RETURNS TABLE(type text, value text)
    AS 'MODULE_PATHNAME', 'tempo_tag_values'
    LANGUAGE C STABLE PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.tag_values(text, text, timestamptz, timestamptz, int) IS
    'distinct typed values (string, int, float, bool, duration, keyword) of a TraceQL tag such as resource.service.name or span:name, optionally only over the spans a TraceQL query matches';
