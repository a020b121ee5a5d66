
-- ---------------------------------------------------------------------
-- Cost attribution (usage tracker) and ingest-quality counters.
--
-- The live counters are in shared memory (see src/usage.h and
-- src/quality.h); the views below read them.  tempo.usage_history is
-- written every minute by the "tempo usage history" background worker in
-- the database named by tempo.database (and by tempo.usage_flush()).
-- ---------------------------------------------------------------------
CREATE FUNCTION @extschema@.usage_series(
    OUT tenant text, OUT labels jsonb, OUT bytes_received bigint,
    OUT spans_received bigint, OUT last_seen timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'tempo_usage_series' LANGUAGE C VOLATILE;

-- A role bound to tenants (sqlsrc/35_tenancy.sql) sees only their rows
-- here and in tempo.ingest_quality; tempo.usage_history gets the tenant
-- binding policy from tempo.bind_tenant().
CREATE VIEW @extschema@.usage WITH (security_barrier) AS
    SELECT tenant, labels, bytes_received, spans_received, last_seen
      FROM @extschema@.usage_series()
     WHERE (SELECT @extschema@.allowed_tenants()) IS NULL
        OR tenant = ANY ((SELECT @extschema@.allowed_tenants())::text[]);
COMMENT ON VIEW @extschema@.usage IS
    'live cost-attribution series: bytes and spans received per tenant and label set (tempo.cost_attribution_*)';

CREATE TABLE @extschema@.usage_history (
    minute          timestamptz NOT NULL,
    tenant          text NOT NULL,
    labels          jsonb NOT NULL,
    bytes_received  bigint NOT NULL,
    spans_received  bigint NOT NULL
);
CREATE INDEX usage_history_minute_idx ON @extschema@.usage_history (minute);
COMMENT ON TABLE @extschema@.usage_history IS
    'cost attribution per minute: bytes and spans received during that minute, per tenant and label set; rows older than tempo.retention are deleted';

CREATE FUNCTION @extschema@.usage_flush() RETURNS bigint
    AS 'MODULE_PATHNAME', 'tempo_usage_flush' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.usage_flush() IS
    'write the cost-attribution counts not yet in tempo.usage_history now (stamped with the current minute); returns the rows written';

-- Sum the history over [start_time, end_time) by a subset of the labels.
-- group_by names labels of the series ("tenant" is the tenant unless a
-- dimension has that label); a series without one of them gets null
-- there.  NULL group_by groups by every label.
CREATE FUNCTION @extschema@.usage_report(start_time timestamptz,
                                         end_time timestamptz,
                                         group_by text[] DEFAULT NULL)
    RETURNS TABLE(labels jsonb, bytes_received bigint, spans_received bigint)
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF start_time IS NULL OR end_time IS NULL THEN
        RAISE EXCEPTION 'start_time and end_time must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF end_time < start_time THEN
        RAISE EXCEPTION 'end_time % is before start_time %', end_time, start_time
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
        SELECT g.labels, sum(h.bytes_received)::bigint, sum(h.spans_received)::bigint
          FROM @extschema@.usage_history h
         CROSS JOIN LATERAL (
               SELECT CASE WHEN group_by IS NULL
                           THEN h.labels || jsonb_build_object('tenant', h.tenant)
                           ELSE coalesce((SELECT jsonb_object_agg(k,
                                              CASE WHEN k = 'tenant' AND NOT h.labels ? 'tenant'
                                                   THEN to_jsonb(h.tenant)
                                                   ELSE h.labels -> k END)
                                            FROM unnest(group_by) AS k), '{}'::jsonb)
                      END AS labels) g
         WHERE h.minute >= start_time AND h.minute < end_time
         GROUP BY g.labels
         ORDER BY 2 DESC, 1;
END $$;
COMMENT ON FUNCTION @extschema@.usage_report(timestamptz, timestamptz, text[]) IS
    'bytes and spans received in [start_time, end_time) from tempo.usage_history, summed by the labels named in group_by (NULL: every label and the tenant)';

CREATE FUNCTION @extschema@.ingest_quality_counters(
    OUT tenant text, OUT requests bigint, OUT ingress_bytes bigint,
    OUT bytes_received bigint, OUT spans_received bigint,
    OUT spans_accepted bigint, OUT spans_rejected bigint,
    OUT rejected_by_reason jsonb, OUT attributes_truncated bigint,
    OUT warnings jsonb, OUT distance_in_future jsonb, OUT distance_in_past jsonb)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'tempo_ingest_quality_counters' LANGUAGE C VOLATILE;

CREATE VIEW @extschema@.ingest_quality WITH (security_barrier) AS
    SELECT * FROM @extschema@.ingest_quality_counters()
     WHERE (SELECT @extschema@.allowed_tenants()) IS NULL
        OR tenant = ANY ((SELECT @extschema@.allowed_tenants())::text[]);
COMMENT ON VIEW @extschema@.ingest_quality IS
    'ingest counters per tenant since server start: requests, bytes, spans received/accepted/rejected (by reason), attributes truncated, warnings, and the span end-time distance histograms (cumulative buckets 300, 1800, 3600 s and +Inf, with sum and count)';

CREATE FUNCTION @extschema@.usage_metrics_text() RETURNS text
    AS 'MODULE_PATHNAME', 'tempo_usage_metrics_text' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.usage_metrics_text() IS
    'the cost-attribution series in the Prometheus text format (what GET /usage_metrics serves)';

CREATE FUNCTION @extschema@.quality_metrics_text() RETURNS text
    AS 'MODULE_PATHNAME', 'tempo_quality_metrics_text' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.quality_metrics_text() IS
    'the ingest-quality counters in the Prometheus text format (part of GET /metrics)';

REVOKE ALL ON FUNCTION @extschema@.usage_flush() FROM PUBLIC;
