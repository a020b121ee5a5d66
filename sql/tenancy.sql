-- Roles bound to tenants: tempo.bind_tenant / tempo.unbind_tenant, the
-- row-level security policy on tempo.spans and tempo.usage_history, and
-- what bound, unbound and group-member roles see through SQL, every
-- TraceQL function and the accounting views, with tempo.tenant.
SET client_min_messages = warning;
SET timezone = 'UTC';
ALTER SYSTEM SET tempo.cost_attribution_enabled = on;
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'service.name';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);

-- one span per call, OTLP/JSON through tempo.ingest (times: ms after
-- 2025-07-01 00:00 UTC)
CREATE FUNCTION tn_put(tenant text, tid text, sid text, parent text, svc text,
                       name text, ms int)
RETURNS bigint LANGUAGE sql AS $$
  SELECT accepted_spans FROM tempo.ingest(convert_to(jsonb_build_object('resourceSpans',
    jsonb_build_array(jsonb_build_object(
      'resource', jsonb_build_object('attributes', jsonb_build_array(jsonb_build_object(
          'key', 'service.name', 'value', jsonb_build_object('stringValue', svc)))),
      'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(
          jsonb_strip_nulls(jsonb_build_object(
            'traceId', lpad(tid, 32, '0'), 'spanId', lpad(sid, 16, '0'),
            'parentSpanId', CASE WHEN parent IS NULL THEN NULL ELSE lpad(parent, 16, '0') END,
            'name', name, 'kind', 2,
            'startTimeUnixNano', (1751328000000 + ms)::text || '000000',
            'endTimeUnixNano', (1751328000000 + ms + 10)::text || '000000'))))))))::text,
    'UTF8'), 'application/json', tenant) $$;

-- acme: traces a1, a2; globex: g1; initech: i1; trace 77 exists in acme
-- and in globex (the same trace id in two tenants)
SELECT sum(n) AS stored FROM (VALUES
  (tn_put('acme', 'a1', '1', NULL, 'shop', 'GET /cart', 0)),
  (tn_put('acme', 'a1', '2', '1', 'db', 'query', 2)),
  (tn_put('acme', 'a2', '3', NULL, 'shop', 'GET /pay', 100)),
  (tn_put('globex', 'b1', '4', NULL, 'mail', 'send', 200)),
  (tn_put('initech', 'c1', '5', NULL, 'tps', 'report', 300)),
  (tn_put('acme', '77', '6', NULL, 'shop', 'acme root', 400)),
  (tn_put('globex', '77', '7', NULL, 'mail', 'globex root', 410))) v(n);
INSERT INTO tempo.usage_history VALUES
  ('2025-07-01 00:00', 'acme', '{}', 10, 1),
  ('2025-07-01 00:00', 'globex', '{}', 20, 2),
  ('2025-07-01 00:00', 'initech', '{}', 30, 3);

CREATE ROLE tn_acme;
CREATE ROLE tn_other;          -- globex and initech
CREATE ROLE tn_free;           -- not bound: sees everything
CREATE ROLE tn_group;          -- bound to initech, granted to tn_member
CREATE ROLE tn_member IN ROLE tn_group;
GRANT USAGE ON SCHEMA tempo TO tn_acme, tn_other, tn_free, tn_member;
GRANT SELECT ON tempo.spans, tempo.usage_history TO tn_acme, tn_other, tn_free, tn_member;
GRANT SELECT ON tempo.usage, tempo.ingest_quality TO tn_acme, tn_other, tn_free, tn_member;

-- binding: owner / superuser only, validated
\set VERBOSITY sqlstate
SET ROLE tn_free;
SELECT tempo.bind_tenant('tn_free', 'acme');
SELECT * FROM tempo.tenant_roles;
RESET ROLE;
SELECT tempo.bind_tenant('tn_acme', '');
SELECT tempo.bind_tenant('tn_acme', 'a|b');
SELECT tempo.bind_tenant('postgres', 'acme');
SELECT tempo.bind_tenant('tn_nobody', 'acme');
\set VERBOSITY default
SELECT tempo.bind_tenant('tn_acme', 'acme');
SELECT tempo.bind_tenant('tn_acme', 'acme');     -- idempotent
SELECT tempo.bind_tenant('tn_other', 'globex');
SELECT tempo.bind_tenant('tn_other', 'initech');
SELECT tempo.bind_tenant('tn_group', 'initech');
SELECT role, tenant FROM tempo.tenant_roles ORDER BY 1, 2;
SELECT relname, relrowsecurity FROM pg_class
 WHERE oid IN ('tempo.spans'::regclass, 'tempo.usage_history'::regclass) ORDER BY 1;
SELECT polrelid::regclass, polname FROM pg_policy
 WHERE polrelid IN ('tempo.spans'::regclass, 'tempo.usage_history'::regclass) ORDER BY 1;

-- everything a role sees, as one row per role and tempo.tenant setting
CREATE FUNCTION tn_seen() RETURNS TABLE(what text, seen text) LANGUAGE sql AS $$
  SELECT 'allowed', array_to_string(tempo.allowed_tenants(), ',')
  UNION ALL
  SELECT 'sql', string_agg(DISTINCT tenant, ',')
    FROM tempo.spans WHERE start_time >= '2025-07-01' AND start_time < '2025-07-02'
  UNION ALL
  SELECT 'search', string_agg(trace_id::text || '/' || root_service_name, ',' ORDER BY trace_id::text, root_service_name)
    FROM tempo.search('{ }', '2025-07-01', '2025-07-02', 100)
  UNION ALL
  SELECT 'search structural', string_agg(ltrim(trace_id::text, '0'), ',' ORDER BY trace_id::text)
    FROM tempo.search('{ } >> { name = "query" } || { kind = server } | count() > 0',
                      '2025-07-01', '2025-07-02', 100)
  UNION ALL
  SELECT 'search_spans', string_agg(ltrim(span_id::text, '0'), ',' ORDER BY span_id::text)
    FROM tempo.search_spans('{ }', '2025-07-01', '2025-07-02', 100)
  UNION ALL
  SELECT 'trace a1', count(*)::text
    FROM tempo.trace(lpad('a1', 32, '0')::tempo.trace_id, '2025-07-01', '2025-07-02')
  UNION ALL
  SELECT 'trace_json b1', (tempo.trace_json(lpad('b1', 32, '0')::tempo.trace_id,
                                             '2025-07-01', '2025-07-02') IS NOT NULL)::text
  UNION ALL
  SELECT 'usage', string_agg(DISTINCT tenant, ',')
    FROM tempo.usage WHERE tenant IN ('acme', 'globex', 'initech')
  UNION ALL
  SELECT 'ingest_quality', string_agg(DISTINCT tenant, ',')
    FROM tempo.ingest_quality WHERE tenant IN ('acme', 'globex', 'initech')
  UNION ALL
  SELECT 'usage_history', string_agg(DISTINCT tenant, ',') FROM tempo.usage_history
  UNION ALL
  SELECT 'usage_report', string_agg(labels->>'tenant', ',' ORDER BY labels->>'tenant')
    FROM tempo.usage_report('2025-07-01', '2025-07-02', ARRAY['tenant'])
$$;
GRANT EXECUTE ON FUNCTION tn_seen() TO PUBLIC;

-- one row per tempo.tenant setting: what=seen; ... ("-" = nothing)
CREATE FUNCTION tn_matrix(r text) RETURNS TABLE(tenant text, seen text)
LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['', 'acme', 'globex', 'acme|globex|initech'] LOOP
    EXECUTE format('SET LOCAL ROLE %I', r);
    PERFORM set_config('tempo.tenant', t, true);
    RETURN QUERY SELECT t, string_agg(s.what || '=' || coalesce(s.seen, '-'), E'\n')
                   FROM tn_seen() s;
    RESET ROLE;
  END LOOP;
END $$;

SELECT * FROM tn_matrix('postgres');
SELECT * FROM tn_matrix('tn_acme');
SELECT * FROM tn_matrix('tn_other');
SELECT * FROM tn_matrix('tn_member');
SELECT * FROM tn_matrix('tn_free');

-- a trace is (tenant, trace id): trace 77 of acme and trace 77 of globex
-- are two traces, never one assembled from both tenants
SELECT count(*) AS merged
  FROM tempo.search('{ resource.service.name = "shop" } && { resource.service.name = "mail" }',
                    '2025-07-01', '2025-07-02');
SELECT count(*) AS merged
  FROM tempo.search_spans('{ name = "acme root" } ~ { name = "globex root" }',
                          '2025-07-01', '2025-07-02');
SELECT ltrim(trace_id::text, '0') AS trace, root_service_name, root_span_name,
       (SELECT sum((x->>'matched')::int) FROM jsonb_array_elements(spansets) x) AS matched
  FROM tempo.search('{ } | count() = 1', '2025-07-01', '2025-07-02')
 WHERE trace_id::text LIKE '%77' ORDER BY 2;
SET tempo.tenant = 'acme|globex';
SELECT count(*) AS traces_limited FROM tempo.search('{ } | count() > 0', '2025-07-01', '2025-07-02', 3);
RESET tempo.tenant;

-- writes by a bound role: only into its tenants
SET ROLE tn_acme;
\set VERBOSITY sqlstate
SELECT tn_put('globex', 'e1', '8', NULL, 'evil', 'inject', 500);
SELECT * FROM tempo.tenant_roles;
\set VERBOSITY default
RESET ROLE;
GRANT INSERT ON tempo.spans TO tn_acme;
SET ROLE tn_acme;
SELECT tn_put('globex', 'e1', '8', NULL, 'evil', 'inject', 500);
SELECT tn_put('acme', 'e2', '9', NULL, 'shop', 'own', 500);
RESET ROLE;
SELECT tenant, ltrim(trace_id::text, '0') AS trace FROM tempo.spans
 WHERE span_id::text IN ('0000000000000008', '0000000000000009')
   AND start_time >= '2025-07-01' AND start_time < '2025-07-02';

-- any other policy cannot be honoured by the TraceQL executor: 0A000
-- (SQL ORs permissive policies: tn_acme sees acme and every non-"query" span)
CREATE POLICY tn_extra ON tempo.spans TO tn_acme USING (name <> 'query');
SET ROLE tn_acme;
SELECT count(*) FROM tempo.spans WHERE start_time >= '2025-07-01' AND start_time < '2025-07-02';
SELECT count(*) FROM tempo.search('{ }', '2025-07-01', '2025-07-02');
RESET ROLE;
DROP POLICY tn_extra ON tempo.spans;

-- unbinding: tn_acme sees everything again
SELECT tempo.unbind_tenant('tn_acme');
SELECT tempo.unbind_tenant('tn_other', 'initech');
SELECT role, tenant FROM tempo.tenant_roles ORDER BY 1, 2;
SET ROLE tn_acme;
SELECT string_agg(ltrim(trace_id::text, '0'), ',' ORDER BY trace_id::text)
  FROM tempo.search('{ }', '2025-07-01', '2025-07-02', 100);
RESET ROLE;
SET ROLE tn_other;
SELECT string_agg(ltrim(trace_id::text, '0'), ',' ORDER BY trace_id::text)
  FROM tempo.search('{ }', '2025-07-01', '2025-07-02', 100);
RESET ROLE;

-- clean up
SELECT tempo.unbind_tenant(role) FROM (SELECT DISTINCT role FROM tempo.tenant_roles) r;
DROP POLICY tempo_tenant_binding ON tempo.spans;
DROP POLICY tempo_tenant_binding ON tempo.usage_history;
ALTER TABLE tempo.spans DISABLE ROW LEVEL SECURITY;
ALTER TABLE tempo.usage_history DISABLE ROW LEVEL SECURITY;
DELETE FROM tempo.usage_history WHERE minute = '2025-07-01 00:00';
REVOKE ALL ON tempo.spans, tempo.usage_history, tempo.usage, tempo.ingest_quality
  FROM tn_acme, tn_other, tn_free, tn_member;
REVOKE ALL ON SCHEMA tempo FROM tn_acme, tn_other, tn_free, tn_member;
DROP FUNCTION tn_matrix(text);
DROP FUNCTION tn_seen();
DROP ROLE tn_acme, tn_other, tn_free, tn_member, tn_group;
ALTER SYSTEM RESET tempo.cost_attribution_enabled;
ALTER SYSTEM RESET tempo.cost_attribution_dimensions;
SELECT pg_reload_conf();
