
-- ---------------------------------------------------------------------
-- Columnar storage: the tempo_columnar table access method
-- ---------------------------------------------------------------------

-- One row per stripe; a stripe is visible exactly when its row is.
CREATE TABLE @extschema@.col_stripe (
    storage_id bigint NOT NULL,
    stripe_num bigint NOT NULL,
    first_row bigint NOT NULL,
    row_count bigint NOT NULL,
    start_block bigint NOT NULL,
    data_length bigint NOT NULL,
    footer_length bigint NOT NULL,
    raw_bytes bigint NOT NULL,
    CONSTRAINT col_stripe_pkey PRIMARY KEY (storage_id, stripe_num)
);
COMMENT ON TABLE @extschema@.col_stripe IS 'stripes of tempo_columnar relations (internal)';
REVOKE ALL ON @extschema@.col_stripe FROM PUBLIC;

CREATE SEQUENCE @extschema@.col_storage_id_seq;
REVOKE ALL ON @extschema@.col_storage_id_seq FROM PUBLIC;

CREATE FUNCTION @extschema@.tempo_columnar_handler(internal) RETURNS table_am_handler
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE ACCESS METHOD tempo_columnar TYPE TABLE HANDLER @extschema@.tempo_columnar_handler;
COMMENT ON ACCESS METHOD tempo_columnar IS 'append-only compressed columnar storage for spans';

CREATE FUNCTION @extschema@.col_relation_stats(rel regclass,
    OUT stripes bigint, OUT row_count bigint, OUT raw_bytes bigint, OUT stored_bytes bigint)
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION @extschema@.col_relation_stats(regclass) IS
    'visible stripes and rows of a tempo_columnar table, raw (uncompressed) value bytes and bytes on disk';

CREATE FUNCTION @extschema@.col_stripes(rel regclass)
    RETURNS TABLE(stripe_num bigint, first_row bigint, row_count bigint,
                  chunk_groups int, raw_bytes bigint, stored_bytes bigint)
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT STABLE;

CREATE FUNCTION @extschema@.col_column_stats(rel regclass)
    RETURNS TABLE(col name, raw_bytes bigint, stored_bytes bigint, footer_bytes bigint)
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION @extschema@.col_column_stats(regclass) IS
    'per column of a tempo_columnar table: value bytes before and after encoding and compression, and its share of the stripe footers';

CREATE FUNCTION @extschema@.col_scan_stats(rel regclass, col text DEFAULT NULL,
    op text DEFAULT NULL, value text DEFAULT NULL,
    OUT stripes_total bigint, OUT stripes_skipped bigint,
    OUT chunk_groups_total bigint, OUT chunk_groups_skipped bigint,
    OUT rows_returned bigint)
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.col_scan_stats(regclass, text, text, text) IS
    'reads a tempo_columnar table with the predicate "col op value" and reports what zone maps, dictionaries and bloom filters skipped';

CREATE FUNCTION @extschema@.col_key_values(rel regclass, col text, key text)
    RETURNS TABLE(row_number bigint, type text, value text)
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT STABLE;

CREATE FUNCTION @extschema@.col_debug_corrupt(rel regclass, block bigint, byte int)
    RETURNS void AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION @extschema@.col_debug_corrupt(regclass, bigint, int) FROM PUBLIC;

CREATE FUNCTION @extschema@.col_trace_id_cache(
    OUT entries bigint, OUT used_bytes bigint, OUT size_bytes bigint,
    OUT stores bigint, OUT hits bigint, OUT misses bigint)
    AS 'MODULE_PATHNAME', 'tempo_col_trace_id_cache' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION @extschema@.col_trace_id_cache() IS
    'the shared cache of stripes'' trace id skip data (tempo.trace_id_cache_size): entries, bytes, stores, and probes that found or missed their stripe';
