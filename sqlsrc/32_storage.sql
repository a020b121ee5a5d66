
-- ---------------------------------------------------------------------
-- tempo.storage: size and compression of every partition of tempo.spans.
-- ---------------------------------------------------------------------
CREATE VIEW @extschema@.storage AS
SELECT c.oid::regclass::text AS partition,
       p.range_start,
       p.range_end,
       am.amname::text AS access_method,
       s.row_count AS rows,
       s.stripes,
       s.raw_bytes,
       s.stored_bytes,
       CASE WHEN s.row_count > 0
            THEN round(s.raw_bytes::numeric / nullif(s.stored_bytes, 0), 2) END AS compression_ratio,
       h.head_stripes,
       h.head_rows
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
  JOIN pg_catalog.pg_am am ON am.oid = c.relam
  LEFT JOIN @extschema@.span_partitions p ON p.partition = c.oid
  CROSS JOIN LATERAL (
        SELECT cs.stripes, cs.row_count, cs.raw_bytes, cs.stored_bytes
          FROM @extschema@.col_relation_stats(c.oid::regclass) cs
         WHERE am.amname = 'tempo_columnar'
        UNION ALL
        SELECT NULL::bigint, c.reltuples::bigint, NULL::bigint,
               pg_catalog.pg_total_relation_size(c.oid)
         WHERE am.amname <> 'tempo_columnar'
  ) s
  LEFT JOIN LATERAL (
        SELECT hs.head_stripes, hs.head_rows
          FROM @extschema@.col_head_stats(c.oid::regclass) hs
         WHERE am.amname = 'tempo_columnar'
  ) h ON true
 WHERE i.inhparent = '@extschema@.spans'::regclass
 ORDER BY p.range_start NULLS LAST, 1;
COMMENT ON VIEW @extschema@.storage IS 'rows, stripes, raw and stored bytes and compression ratio of each tempo.spans partition; head_stripes and head_rows: the part of them not yet compacted';
