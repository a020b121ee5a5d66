-- Cost attribution (usage tracker) and ingest-quality counters, fed
-- through tempo.ingest() with hand-encoded OTLP protobuf payloads.
--
-- Expected byte counts are computed by hand below, from the protobuf wire
-- format: a length-delimited field costs tag (1 byte, field numbers < 16)
-- + length varint (1 byte below 128, 2 up to 16383) + content; fixed64
-- costs 1 + 8.  Every payload is canonical (no zero-valued fields), so
-- protobuf-c's size of the decoded request equals the bytes we build.
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE TABLE tempo.spans_usage_test PARTITION OF tempo.spans DEFAULT;

-- protobuf builders (u_varint, u_len, u_str, u_le64, u_kvs, u_kvi, u_span,
-- u_scope, u_batch, u_req)
\i test/sql/otlp_builders.sql
-- wait for a configuration reload to reach this backend
CREATE FUNCTION u_reload() RETURNS void LANGUAGE sql
  AS $$ SELECT pg_reload_conf(); SELECT pg_sleep(0.5) $$;

-- the building blocks have the sizes the comments below use
SELECT length(u_span(1)) AS plain_span,
       length(u_len(9, u_kvs('service.name', 'web'))) AS attr_web,
       length(u_len(9, u_kvi('service.name', 5))) AS attr_int,
       length(u_len(9, u_kvs('service.name', ''))) AS attr_empty,
       length(u_len(1, u_len(1, u_kvs('service.name', 'cart')))) AS resource_cart,
       length(u_len(1, u_str(1, 's'))) AS scope_s;

-- ---------------------------------------------------------------------
-- settings: the dotted names (DESIGN.md 3.5) are SQL spellings of the
-- one-dot settings, which are what ALTER SYSTEM writes (PostgreSQL's
-- configuration files take one dot in a name)
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.cost_attribution.max_cardinality = 500;
ALTER SYSTEM SET tempo.Cost_Attribution.Stale_Duration = '20 min';
SELECT name, setting FROM pg_file_settings WHERE name LIKE 'tempo.cost%' ORDER BY name;
SELECT u_reload();
SHOW tempo.cost_attribution.max_cardinality;
SELECT current_setting('tempo.cost_attribution.stale_duration') AS dotted,
       current_setting('tempo.cost_attribution_stale_duration') AS real;
SELECT count(*) AS listed FROM pg_settings WHERE name LIKE 'tempo.cost_attribution%';
ALTER SYSTEM RESET tempo.cost_attribution.max_cardinality;
ALTER SYSTEM RESET tempo.cost_attribution.stale_duration;
SELECT count(*) AS left_in_file FROM pg_file_settings WHERE name LIKE 'tempo.cost%';
-- like the real ones, they cannot be changed in a session
SET tempo.cost_attribution.enabled = on;
SELECT set_config('tempo.cost_attribution.enabled', 'on', false);

-- ---------------------------------------------------------------------
-- bad dimension lists are refused (ALTER SYSTEM runs the check hook)
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.cost_attribution.dimensions = 'span.';
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'service.name,,env';
ALTER SYSTEM SET tempo.cost_attribution_dimensions = '=x';
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'x=__y';
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'tenant';
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'resource.';

-- ---------------------------------------------------------------------
-- 1. dimension service.name (unscoped): span value wins, strings only
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.cost_attribution.enabled = on;
ALTER SYSTEM SET tempo.cost_attribution.dimensions = 'service.name';
SELECT u_reload();
SHOW tempo.cost_attribution.dimensions;

-- Request 1 (tenant one; u_request1() in test/sql/otlp_builders.sql), two batches:
-- batch 1: resource service.name=cart (26 bytes framed), scope "s" (5),
--   span 1: plain                         49, framed 51   -> cart
--   span 2: span attr service.name=web    49+23=72, fr 74 -> web
--   span 3: span attr service.name=int 5  49+20=69, fr 71 -> cart (not a string)
--   ScopeSpans = 5+51+74+71 = 201, framed 1+2+201 = 204
--   ResourceSpans = 26+204 = 230; span bytes 196; non-span 34
--   share = round(34/3 = 11.33) = 11, remainder 34-33 = +1 to span 1
--   span 1: 51+11+1 = 63, span 2: 74+11 = 85, span 3: 71+11 = 82
-- batch 2: no resource, no scope,
--   span 4: plain 51 framed                -> __missing__
--   span 5: attr service.name="" 49+20=69, fr 71 -> __missing__ (empty)
--   ScopeSpans = 122, framed 124 = ResourceSpans; non-span 2, share 1
--   span 4: 52, span 5: 72
-- series: cart 63+82 = 145 (2 spans), web 85 (1), __missing__ 124 (2)
-- sum 354 = request size 359 - framing of the two batches (3 + 2)
SELECT * FROM tempo.ingest(u_request1(),
    'application/x-protobuf', 'one');
SELECT length(u_request1()) AS request_bytes;
SELECT tenant, labels, bytes_received, spans_received
  FROM tempo.usage WHERE tenant = 'one' ORDER BY labels;

-- Request 2 (tenant two): half-to-even rounding and negative remainders.
-- batch 3: resource cart, no scope, span 6 plain (51), span 7 web (74),
--   schema_url "u" (3): ScopeSpans 125, framed 127; ResourceSpans
--   26+127+3 = 156; non-span 31; 15.5 rounds to 16, remainder 31-32 = -1
--   span 6: 51+16-1 = 66 (cart), span 7: 74+16 = 90 (web)
-- batch 4: the same with schema_url "uuu" (5): ResourceSpans 158;
--   non-span 33; 16.5 rounds to 16, remainder +1
--   span 8: 51+16+1 = 68 (cart), span 9: 74+16 = 90 (web)
-- series: cart 134, web 180; sum 314 = request 320 - framing 6
SELECT * FROM tempo.ingest(u_req(
    u_batch('cart', 'u', u_scope(NULL, u_span(6), u_span(7, ARRAY[u_kvs('service.name', 'web')]))),
    u_batch('cart', 'uuu', u_scope(NULL, u_span(8), u_span(9, ARRAY[u_kvs('service.name', 'web')])))),
    'application/x-protobuf', 'two');
SELECT tenant, labels, bytes_received, spans_received
  FROM tempo.usage WHERE tenant = 'two' ORDER BY labels;

-- the series reconcile with the bytes received (minus batch framing)
SELECT u.tenant, sum(u.bytes_received) AS series_bytes, q.bytes_received, q.ingress_bytes,
       sum(u.spans_received) AS series_spans, q.spans_received
  FROM tempo.usage u JOIN tempo.ingest_quality q USING (tenant)
 WHERE u.tenant IN ('one', 'two')
 GROUP BY u.tenant, q.bytes_received, q.ingress_bytes, q.spans_received ORDER BY 1;

-- OTLP/JSON is charged by the size of the same request in protobuf:
-- request 1 as JSON gives tenant one's series
SELECT * FROM tempo.ingest(convert_to(u_request1_json(), 'UTF8'), 'application/json', 'json');
SELECT labels, bytes_received, spans_received FROM tempo.usage WHERE tenant = 'json'
EXCEPT
SELECT labels, bytes_received, spans_received FROM tempo.usage WHERE tenant = 'one';
SELECT count(*) AS json_series, sum(bytes_received) AS json_bytes FROM tempo.usage WHERE tenant = 'json';

-- ---------------------------------------------------------------------
-- 2. scoped dimensions and labels
-- ---------------------------------------------------------------------
-- labels are sanitised and sorted; resource.service.name ignores the
-- span's service.name
ALTER SYSTEM SET tempo.cost_attribution_dimensions =
    ' resource.service.name = svc , span.http.method=method, k8s.pod-name, 1st';
SELECT u_reload();
-- one batch: resource cart (26), no scope,
--   span 10: plain 51                                   -> {svc: cart, method: __missing__}
--   span 11: attrs service.name=web (23), http.method=GET (22)
--            49+23+22 = 94, framed 96                   -> {svc: cart, method: GET}
--   ScopeSpans 147, framed 1+2+147 = 150; ResourceSpans 176; non-span 29
--   14.5 rounds to 14, remainder +1: span 10: 51+14+1 = 66, span 11: 96+14 = 110
SELECT length(u_len(9, u_kvs('http.method', 'GET'))) AS attr_get;
SELECT * FROM tempo.ingest(u_req(
    u_batch('cart', NULL, u_scope(NULL, u_span(10),
        u_span(11, ARRAY[u_kvs('service.name', 'web'), u_kvs('http.method', 'GET')])))),
    'application/x-protobuf', 'three');
SELECT tenant, labels, bytes_received, spans_received
  FROM tempo.usage WHERE tenant = 'three' ORDER BY labels;

-- several attributes feeding one label: the span's attribute wins
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'resource.service.name=who, span.user=who';
SELECT u_reload();
SELECT * FROM tempo.ingest(u_req(
    u_batch('cart', NULL, u_scope(NULL, u_span(12), u_span(13, ARRAY[u_kvs('user', 'bob')])))),
    'application/x-protobuf', 'four');
SELECT tenant, labels, spans_received FROM tempo.usage WHERE tenant = 'four' ORDER BY labels;

-- ---------------------------------------------------------------------
-- 3. cardinality cap: new label sets past it go to the overflow series
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'service.name';
ALTER SYSTEM SET tempo.cost_attribution_max_cardinality = 2;
SELECT u_reload();
-- request A: spans a, b (each 49 + attr service.name=<1 char> 21 = 70,
--   framed 72): ScopeSpans 144, framed 147 = ResourceSpans; non-span 3;
--   1.5 rounds to 2, remainder -1: a = 72+2-1 = 73, b = 74
-- request B: spans a, c, d: ScopeSpans 216, framed 219; non-span 3,
--   share 1: a, c, d = 73 each; c and d are new past the cap of 2
-- series: a 146 (2 spans), b 74 (1), __overflow__ 146 (2)
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(20, ARRAY[u_kvs('service.name', 'a')]), u_span(21, ARRAY[u_kvs('service.name', 'b')])))),
    'application/x-protobuf', 'capped');
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(22, ARRAY[u_kvs('service.name', 'a')]), u_span(23, ARRAY[u_kvs('service.name', 'c')]),
    u_span(24, ARRAY[u_kvs('service.name', 'd')])))),
    'application/x-protobuf', 'capped');
SELECT tenant, labels, bytes_received, spans_received
  FROM tempo.usage WHERE tenant = 'capped' ORDER BY labels;
-- other tenants have their own cap
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(25, ARRAY[u_kvs('service.name', 'c')])))), 'application/x-protobuf', 'five');
SELECT tenant, labels, spans_received FROM tempo.usage WHERE tenant = 'five';

-- ---------------------------------------------------------------------
-- 4. Prometheus text: label sets sorted with tenant and tracker, values
--    escaped
-- ---------------------------------------------------------------------
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(26, ARRAY[u_kvs('service.name', E'q"b\\s\nx')])))), 'application/x-protobuf', 'esc''ape');
SELECT line FROM regexp_split_to_table(tempo.usage_metrics_text(), E'\n') AS line
 WHERE line LIKE '#%' OR line LIKE '%capped%' OR line LIKE '%ape%' ORDER BY line;

-- ---------------------------------------------------------------------
-- 5. history and usage_report
-- ---------------------------------------------------------------------
SELECT tempo.usage_flush() > 0 AS flushed;
SELECT tempo.usage_flush() AS nothing_new;
SELECT tenant, labels, bytes_received, spans_received
  FROM tempo.usage_history WHERE tenant IN ('one', 'two') ORDER BY tenant, labels;
SELECT * FROM tempo.usage_report(now() - interval '1 hour', now() + interval '1 hour',
                                 '{service_name}')
 WHERE labels->>'service_name' IN ('cart', 'web', '__missing__');
SELECT * FROM tempo.usage_report(now() - interval '1 hour', now() + interval '1 hour',
                                 '{tenant}') WHERE labels->>'tenant' IN ('one', 'two', 'three');
SELECT * FROM tempo.usage_report(now() - interval '1 hour', now() + interval '1 hour')
 WHERE labels->>'tenant' = 'capped';
SELECT count(*) FROM tempo.usage_report(now() + interval '1 hour', now() + interval '2 hours', '{}');
SELECT * FROM tempo.usage_report('2026-01-02', '2026-01-01', '{}');

-- ---------------------------------------------------------------------
-- 6. quality: validation, truncation, timestamp distance histograms
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.max_attribute_bytes = 4;
SELECT u_reload();
-- spans ending 10 min ahead, 2 h behind and now; one with a zero trace
-- id (rejected); a 5-byte value is truncated
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(30, '{}', (floor(extract(epoch FROM now()))::bigint + 600) * 1000000000),
    u_span(31, '{}', (floor(extract(epoch FROM now()))::bigint - 7200) * 1000000000),
    u_span(32, ARRAY[u_kvs('k', 'abcde')], floor(extract(epoch FROM now()))::bigint * 1000000000),
    u_span(33, '{}', floor(extract(epoch FROM now()))::bigint * 1000000000, true)))),
    'application/x-protobuf', 'quality');
SELECT requests, spans_received, spans_accepted, spans_rejected, rejected_by_reason,
       attributes_truncated, warnings,
       distance_in_future - 'sum' AS future, (distance_in_future->>'sum')::float8 BETWEEN 598 AND 601 AS future_sum_ok,
       distance_in_past - 'sum' AS past, (distance_in_past->>'sum')::float8 BETWEEN 7199 AND 7203 AS past_sum_ok
  FROM tempo.ingest_quality WHERE tenant = 'quality';
SELECT line FROM regexp_split_to_table(tempo.quality_metrics_text(), E'\n') AS line
 WHERE (line LIKE '#%' OR line LIKE '%"quality"%') AND line NOT LIKE '%_sum{%' ORDER BY line;
ALTER SYSTEM RESET tempo.max_attribute_bytes;

-- ---------------------------------------------------------------------
-- 7. stale series are purged, which frees their place under the cap
-- ---------------------------------------------------------------------
ALTER SYSTEM SET tempo.cost_attribution_stale_duration = '1 s';
SELECT u_reload();
SELECT pg_sleep(1.2);
SELECT count(*) AS live_series FROM tempo.usage;
-- this backend remembers where the purged series "a" was: it must not
-- write there (the entry may now be "e"'s)
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(40, ARRAY[u_kvs('service.name', 'e')]),
    u_span(43, ARRAY[u_kvs('service.name', 'a')])))), 'application/x-protobuf', 'capped');
SELECT tenant, labels, spans_received FROM tempo.usage ORDER BY tenant, labels;
-- the history kept everything
SELECT sum(spans_received) FROM tempo.usage_history WHERE tenant = 'capped';

-- disabled: nothing is counted
ALTER SYSTEM SET tempo.cost_attribution_enabled = off;
SELECT u_reload();
SELECT * FROM tempo.ingest(u_req(u_batch(NULL, NULL, u_scope(NULL,
    u_span(41, ARRAY[u_kvs('service.name', 'f')])))), 'application/x-protobuf', 'capped');
SELECT tenant, labels, spans_received FROM tempo.usage ORDER BY tenant, labels;

ALTER SYSTEM RESET ALL;
SELECT u_reload();
