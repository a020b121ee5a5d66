
-- ---------------------------------------------------------------------
-- TraceQL front end
-- ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.explain(q text) RETURNS text
    AS 'MODULE_PATHNAME', 'tempo_explain'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.explain(text) IS
    'normalized form and plan of a TraceQL query; raises 42601 on syntax errors, 42804/22023 on type or value errors, 0A000 on unsupported features';
