
-- ---------------------------------------------------------------------
-- Span id types: tempo.trace_id (16 bytes) and tempo.span_id (8 bytes)
-- ---------------------------------------------------------------------

CREATE TYPE @extschema@.trace_id;
CREATE FUNCTION @extschema@.trace_id_in(cstring) RETURNS @extschema@.trace_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trace_id_out(@extschema@.trace_id) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trace_id_recv(internal) RETURNS @extschema@.trace_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.trace_id_send(@extschema@.trace_id) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.trace_id (
    INTERNALLENGTH = 16,
    INPUT = @extschema@.trace_id_in,
    OUTPUT = @extschema@.trace_id_out,
    RECEIVE = @extschema@.trace_id_recv,
    SEND = @extschema@.trace_id_send,
    ALIGNMENT = char,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.trace_id IS '16-byte OpenTelemetry trace id, text form 32 lower-case hex digits';
CREATE FUNCTION @extschema@.trace_id_cmp(@extschema@.trace_id, @extschema@.trace_id) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_eq(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_ne(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_lt(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_le(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_gt(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_ge(@extschema@.trace_id, @extschema@.trace_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_hash(@extschema@.trace_id) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_hash_extended(@extschema@.trace_id, int8) RETURNS int8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.trace_id_to_bytea(@extschema@.trace_id) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bytea_to_trace_id(bytea) RETURNS @extschema@.trace_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.trace_id, RIGHTARG = @extschema@.trace_id,
    PROCEDURE = @extschema@.trace_id_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR CLASS @extschema@.trace_id_ops
    DEFAULT FOR TYPE @extschema@.trace_id USING btree AS
        OPERATOR 1 @extschema@.< ,
        OPERATOR 2 @extschema@.<= ,
        OPERATOR 3 @extschema@.= ,
        OPERATOR 4 @extschema@.>= ,
        OPERATOR 5 @extschema@.> ,
        FUNCTION 1 @extschema@.trace_id_cmp(@extschema@.trace_id, @extschema@.trace_id);
CREATE OPERATOR CLASS @extschema@.trace_id_hash_ops
    DEFAULT FOR TYPE @extschema@.trace_id USING hash AS
        OPERATOR 1 @extschema@.= ,
        FUNCTION 1 @extschema@.trace_id_hash(@extschema@.trace_id),
        FUNCTION 2 @extschema@.trace_id_hash_extended(@extschema@.trace_id, int8);
CREATE CAST (@extschema@.trace_id AS bytea) WITH FUNCTION @extschema@.trace_id_to_bytea(@extschema@.trace_id);
CREATE CAST (bytea AS @extschema@.trace_id) WITH FUNCTION @extschema@.bytea_to_trace_id(bytea);
CREATE CAST (@extschema@.trace_id AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.trace_id) WITH INOUT;

CREATE TYPE @extschema@.span_id;
CREATE FUNCTION @extschema@.span_id_in(cstring) RETURNS @extschema@.span_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.span_id_out(@extschema@.span_id) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.span_id_recv(internal) RETURNS @extschema@.span_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.span_id_send(@extschema@.span_id) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.span_id (
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    INPUT = @extschema@.span_id_in,
    OUTPUT = @extschema@.span_id_out,
    RECEIVE = @extschema@.span_id_recv,
    SEND = @extschema@.span_id_send,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.span_id IS '8-byte OpenTelemetry span id, text form 16 lower-case hex digits';
CREATE FUNCTION @extschema@.span_id_cmp(@extschema@.span_id, @extschema@.span_id) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_eq(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_ne(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_lt(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_le(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_gt(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_ge(@extschema@.span_id, @extschema@.span_id) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_hash(@extschema@.span_id) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_hash_extended(@extschema@.span_id, int8) RETURNS int8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.span_id_to_bytea(@extschema@.span_id) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bytea_to_span_id(bytea) RETURNS @extschema@.span_id
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.span_id, RIGHTARG = @extschema@.span_id,
    PROCEDURE = @extschema@.span_id_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR CLASS @extschema@.span_id_ops
    DEFAULT FOR TYPE @extschema@.span_id USING btree AS
        OPERATOR 1 @extschema@.< ,
        OPERATOR 2 @extschema@.<= ,
        OPERATOR 3 @extschema@.= ,
        OPERATOR 4 @extschema@.>= ,
        OPERATOR 5 @extschema@.> ,
        FUNCTION 1 @extschema@.span_id_cmp(@extschema@.span_id, @extschema@.span_id);
CREATE OPERATOR CLASS @extschema@.span_id_hash_ops
    DEFAULT FOR TYPE @extschema@.span_id USING hash AS
        OPERATOR 1 @extschema@.= ,
        FUNCTION 1 @extschema@.span_id_hash(@extschema@.span_id),
        FUNCTION 2 @extschema@.span_id_hash_extended(@extschema@.span_id, int8);
CREATE CAST (@extschema@.span_id AS bytea) WITH FUNCTION @extschema@.span_id_to_bytea(@extschema@.span_id);
CREATE CAST (bytea AS @extschema@.span_id) WITH FUNCTION @extschema@.bytea_to_span_id(bytea);
CREATE CAST (@extschema@.span_id AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.span_id) WITH INOUT;
