
-- ---------------------------------------------------------------------
-- The head of tempo_columnar tables (col_head.c) and the compactor
-- (col_compact.c).
-- ---------------------------------------------------------------------

-- One row per small flush: the stripe's encoded bytes, kept in the heap
-- until the compactor merges them into large stripes.  Read like the
-- stripes of tempo.col_stripe; visible exactly when the row is.
CREATE TABLE @extschema@.col_head (
    storage_id bigint NOT NULL,
    stripe_num bigint NOT NULL,
    relid oid NOT NULL,
    first_row bigint NOT NULL,
    row_count bigint NOT NULL,
    data_length bigint NOT NULL,
    footer_length bigint NOT NULL,
    raw_bytes bigint NOT NULL,
    created timestamptz NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT col_head_pkey PRIMARY KEY (storage_id, stripe_num)
);
-- the bytes are zstd-compressed already: out of line, no pglz
ALTER TABLE @extschema@.col_head ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE @extschema@.col_head IS 'head (not yet compacted) stripes of tempo_columnar relations (internal)';
REVOKE ALL ON @extschema@.col_head FROM PUBLIC;

CREATE FUNCTION @extschema@.compact(rel regclass DEFAULT NULL, force boolean DEFAULT true,
    OUT relation regclass, OUT head_stripes bigint, OUT head_rows bigint,
    OUT stripes_written bigint, OUT rows_written bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'tempo_compact' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.compact(regclass, boolean) IS
    'compact the head of a tempo_columnar table (NULL: every table with a head that the caller owns) into sorted stripes now; force = false applies the compactor''s thresholds';

CREATE FUNCTION @extschema@.col_head_stats(rel regclass,
    OUT head_stripes bigint, OUT head_rows bigint, OUT head_bytes bigint,
    OUT oldest timestamptz)
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION @extschema@.col_head_stats(regclass) IS
    'visible head stripes of a tempo_columnar table: count, rows, stored bytes, creation time of the oldest';
