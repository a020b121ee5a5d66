-- Tag lookups: tempo.tag_names and tempo.tag_values over a crafted dataset
-- (every scope, intrinsics, typed values, tenants, time range, limits,
-- errors, and filtering by a TraceQL query).
-- A database of its own: the lookups see every span of tempo.spans, so
-- other tests' spans must not be there.
CREATE DATABASE tql_tags;
\c tql_tags
CREATE EXTENSION tempo;
SET client_min_messages = warning;
SET timezone = 'UTC';

-- tenant acme: two resources; 2024-06-01 00:00 and 01:00
SELECT accepted_spans, rejected_spans FROM tempo.ingest(convert_to($j${"resourceSpans": [
 {"resource": {"attributes": [
    {"key": "service.name", "value": {"stringValue": "checkout"}},
    {"key": "region", "value": {"stringValue": "eu"}},
    {"key": "host.cpus", "value": {"intValue": "8"}}]},
  "scopeSpans": [{"scope": {"name": "io.otel.http", "version": "1.2.3"}, "spans": [
   {"traceId": "01010101010101010101010101010101", "spanId": "0000000000000011",
    "name": "GET /cart", "kind": 2,
    "startTimeUnixNano": "1717200000000000000", "endTimeUnixNano": "1717200001500000000",
    "status": {"code": 2, "message": "boom"},
    "attributes": [
      {"key": "http.response.status_code", "value": {"intValue": "500"}},
      {"key": "http.method", "value": {"stringValue": "GET"}},
      {"key": "ratio", "value": {"doubleValue": 0.25}},
      {"key": "nan", "value": {"doubleValue": "NaN"}},
      {"key": "cached", "value": {"boolValue": false}},
      {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "3"}]}}},
      {"key": "blob", "value": {"bytesValue": "AAEC"}},
      {"key": "nested", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "v"}}]}}}],
    "events": [{"timeUnixNano": "1717200000010000000", "name": "exception",
                "attributes": [{"key": "exception.type", "value": {"stringValue": "IOError"}}]}]},
   {"traceId": "01010101010101010101010101010101", "spanId": "0000000000000012",
    "parentSpanId": "0000000000000011", "name": "SELECT", "kind": 3,
    "startTimeUnixNano": "1717200000100000000", "endTimeUnixNano": "1717200000350000000",
    "attributes": [
      {"key": "http.response.status_code", "value": {"stringValue": "500"}},
      {"key": "db.system", "value": {"stringValue": "postgres"}}],
    "links": [{"traceId": "02020202020202020202020202020202", "spanId": "0000000000000021",
               "attributes": [{"key": "link.kind", "value": {"stringValue": "follows"}}]}]}]}]},
 {"resource": {"attributes": [
    {"key": "service.name", "value": {"stringValue": "frontend"}},
    {"key": "region", "value": {"stringValue": "us"}}]},
  "scopeSpans": [{"scope": {"name": "io.otel.web", "version": "0.9"}, "spans": [
   {"traceId": "02020202020202020202020202020202", "spanId": "0000000000000021",
    "name": "load page", "kind": 1,
    "startTimeUnixNano": "1717203600000000000", "endTimeUnixNano": "1717203600000000750",
    "status": {"code": 1},
    "attributes": [
      {"key": "http.method", "value": {"stringValue": "POST"}},
      {"key": "region", "value": {"stringValue": "span-level"}}]}]}]}]}$j$, 'UTF8'),
 'application/json', 'acme');

-- tenant other: 2024-06-01 02:00
SELECT accepted_spans FROM tempo.ingest(convert_to($j${"resourceSpans": [
 {"resource": {"attributes": [
    {"key": "service.name", "value": {"stringValue": "secret-svc"}},
    {"key": "secret.res", "value": {"stringValue": "x"}}]},
  "scopeSpans": [{"spans": [
   {"traceId": "03030303030303030303030303030303", "spanId": "0000000000000031",
    "name": "hidden", "kind": 2,
    "startTimeUnixNano": "1717207200000000000", "endTimeUnixNano": "1717207202000000000",
    "attributes": [{"key": "secret.key", "value": {"stringValue": "s3cr3t"}}]}]}]}]}$j$, 'UTF8'),
 'application/json', 'other');

-- all scopes, every tenant
SELECT * FROM tempo.tag_names();
SELECT * FROM tempo.tag_names('span');
SELECT * FROM tempo.tag_names('resource');
SELECT * FROM tempo.tag_names('event');
SELECT * FROM tempo.tag_names('link');
SELECT count(*) AS instrumentation_names FROM tempo.tag_names('instrumentation');
SELECT count(*) AS intrinsic_names FROM tempo.tag_names('intrinsic');
SELECT count(*) = (SELECT count(*) FROM tempo.tag_names('')) AS empty_scope_is_all,
       count(*) = (SELECT count(*) FROM tempo.tag_names('none')) AS none_is_all
  FROM tempo.tag_names();

-- tenants
SET tempo.tenant = 'acme';
SELECT * FROM tempo.tag_names('resource');
SELECT * FROM tempo.tag_values('resource.service.name');
SET tempo.tenant = 'other';
SELECT * FROM tempo.tag_names('span');
SELECT * FROM tempo.tag_values('.secret.key');
SET tempo.tenant = 'acme|other';
SELECT * FROM tempo.tag_values('resource.service.name');
SET tempo.tenant = 'nobody';
SELECT scope, count(*) FROM tempo.tag_names() GROUP BY scope ORDER BY scope;
SELECT * FROM tempo.tag_values('name');
RESET tempo.tenant;

-- time range: only the 01:00 span; bounds are inclusive
SELECT * FROM tempo.tag_names('span', NULL, '2024-06-01 00:30', '2024-06-01 01:30');
SELECT * FROM tempo.tag_values('name', NULL, '2024-06-01 01:00', '2024-06-01 01:00');
SELECT * FROM tempo.tag_values('name', NULL, '2024-06-01 00:00:00.000001', NULL);
SELECT * FROM tempo.tag_values('name', NULL, NULL, '2024-06-01 00:00:00.1');

-- typed attribute values
SELECT * FROM tempo.tag_values('span.http.response.status_code');
SELECT * FROM tempo.tag_values('span.ratio');
SELECT * FROM tempo.tag_values('span.nan');
SELECT * FROM tempo.tag_values('span.cached');
SELECT * FROM tempo.tag_values('span.tags');
SELECT * FROM tempo.tag_values('span.blob');
SELECT * FROM tempo.tag_values('span.nested');
SELECT * FROM tempo.tag_values('resource.host.cpus');
-- unscoped: the span's value when it has one, else the resource's
SELECT * FROM tempo.tag_values('.region');
SELECT * FROM tempo.tag_values('resource.region');
SELECT * FROM tempo.tag_values('span.region');
SELECT * FROM tempo.tag_values('.http.method');
SELECT * FROM tempo.tag_values('event.exception.type');
SELECT * FROM tempo.tag_values('link.link.kind');
SELECT * FROM tempo.tag_values('instrumentation.anything');
SELECT * FROM tempo.tag_values('span."http.method"');
SELECT * FROM tempo.tag_values('span.no.such.key');

-- intrinsics
SELECT * FROM tempo.tag_values('name');
SELECT * FROM tempo.tag_values('span:name') EXCEPT SELECT * FROM tempo.tag_values('name');
SELECT * FROM tempo.tag_values('status');
SELECT * FROM tempo.tag_values('span:kind');
SELECT * FROM tempo.tag_values('duration');
SELECT * FROM tempo.tag_values('statusMessage');
SELECT * FROM tempo.tag_values('rootName');
SELECT * FROM tempo.tag_values('trace:rootService');
SELECT * FROM tempo.tag_values('span:id');
SELECT * FROM tempo.tag_values('span:parentID');
SELECT * FROM tempo.tag_values('trace:id');
SELECT * FROM tempo.tag_values('event:name');
SELECT * FROM tempo.tag_values('event:timeSinceStart');
SELECT * FROM tempo.tag_values('link:traceID');
SELECT * FROM tempo.tag_values('link:spanID');
SELECT * FROM tempo.tag_values('instrumentation:name');
SELECT * FROM tempo.tag_values('instrumentation:version');

-- max_values caps the number of distinct values
SELECT count(*) FROM tempo.tag_values('span:id', max_values => 2);
SELECT count(*) FROM tempo.tag_values('span:id', max_values => 100);

-- errors: bad tag or scope 22023, bad q 42601/42804, bad arguments 22023
\set VERBOSITY sqlstate
SELECT * FROM tempo.tag_names('bogus');
SELECT * FROM tempo.tag_values('app.user.id');
SELECT * FROM tempo.tag_values('{ .a }');
SELECT * FROM tempo.tag_values('parent.x');
SELECT * FROM tempo.tag_values(NULL);
SELECT * FROM tempo.tag_values('name', max_values => 0);
SELECT * FROM tempo.tag_values('name', NULL, '2024-06-02', '2024-06-01');
SELECT * FROM tempo.tag_names(NULL, '{ a="test" }');
SELECT * FROM tempo.tag_values('name', '{ .a = }');
SELECT * FROM tempo.tag_values('name', '{ 1 = "a" }');
SELECT * FROM tempo.tag_names(NULL, '{ } | rate()');
\set VERBOSITY default
SELECT * FROM tempo.tag_values('name', '{ .a = }');

-- restricted by a TraceQL query: only the matched spans count
SELECT * FROM tempo.tag_names('span', '{ resource.service.name = "frontend" }');
SELECT * FROM tempo.tag_names(NULL, '{ status = error }') WHERE scope <> 'intrinsic';
SELECT count(*) AS intrinsic_names FROM tempo.tag_names('intrinsic', '{ status = error }');
SELECT * FROM tempo.tag_names('resource', '{ .secret.key != nil }');
SELECT * FROM tempo.tag_names('span', '{ name = "nothing matches" }');
SELECT * FROM tempo.tag_values('span.http.response.status_code', '{ kind = client }');
SELECT * FROM tempo.tag_values('resource.service.name', '{ span.http.method = "POST" }');
SELECT * FROM tempo.tag_values('.region', '{ name = "load page" }');
SELECT * FROM tempo.tag_values('.region', '{ name =~ "GET.*|SELECT" }');
SELECT * FROM tempo.tag_values('span.tags', '{ span.cached = false }');
SELECT * FROM tempo.tag_values('rootServiceName', '{ kind = client }');
SELECT * FROM tempo.tag_values('name', '{ } | count() > 1');
SELECT * FROM tempo.tag_values('duration', '{ status = error } >> { }');
SELECT * FROM tempo.tag_values('status', '{ status = error }');
SELECT * FROM tempo.tag_values('event.exception.type', '{ status = error }');
SELECT * FROM tempo.tag_values('event:name', '{ status = error }');
SELECT * FROM tempo.tag_values('link:traceID', '{ kind = client }');
SELECT * FROM tempo.tag_values('instrumentation:name', '{ kind = client }');
SELECT * FROM tempo.tag_values('name', '{ kind != unspecified }', '2024-06-01 00:30', '2024-06-01 01:30');
SELECT count(*) FROM tempo.tag_values('span:id', '{ true }', max_values => 1);
SELECT count(*) FROM tempo.tag_values('span:id', '{ duration > 0 }', max_values => 1);
-- tags storage does not hold are computed by the executor, with or without q
SELECT * FROM tempo.tag_values('trace:duration');
SELECT * FROM tempo.tag_values('traceDuration', '{ name = "SELECT" }');
SELECT * FROM tempo.tag_values('nestedSetParent', '{ trace:id = "01010101010101010101010101010101" }');
SET tempo.tenant = 'other';
SELECT * FROM tempo.tag_values('name', '{ kind = server }');
SELECT * FROM tempo.tag_names('span', '{ kind = server }');
RESET tempo.tenant;

-- many spans, two tenants interleaved in the same chunk groups: names and
-- values are per span, not per chunk group
BEGIN;
SELECT sum(accepted_spans) FROM generate_series(0, 1) t,
  LATERAL tempo.ingest(convert_to(
    '{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bulk' || t || '"}}]},'
    || '"scopeSpans": [{"spans": [' ||
    (SELECT string_agg(format('{"traceId": "%s", "spanId": "%s", "name": "op%s", "kind": 1, '
                              '"startTimeUnixNano": "%s", "endTimeUnixNano": "%s", '
                              '"attributes": [{"key": "bulk%s.i", "value": {"intValue": "%s"}}]}',
                              lpad(to_hex(1000 + t), 32, '0'), lpad(to_hex(i + 1), 16, '0'), i % 5,
                              1717210800000000000 + i::bigint * 1000000000,
                              1717210800000000000 + i::bigint * 1000000000 + 1000,
                              t, i % 7), ',')
       FROM generate_series(0, 2999) i)
    || ']}]}]}', 'UTF8'), 'application/json', 'bulk' || t);
COMMIT;
SET tempo.tenant = 'bulk1';
SELECT * FROM tempo.tag_names('span');
SELECT * FROM tempo.tag_values('span.bulk1.i');
SELECT * FROM tempo.tag_values('span.bulk0.i');
SELECT * FROM tempo.tag_values('resource.service.name');
-- a range inside the chunk group: seconds 10..12 of the bulk spans
SELECT * FROM tempo.tag_values('span.bulk1.i', NULL, '2024-06-01 03:00:10', '2024-06-01 03:00:12');
SELECT * FROM tempo.tag_names('span', NULL, '2024-06-01 03:00:10', '2024-06-01 03:00:12');
SET tempo.tenant = 'bulk0|bulk1';
SELECT * FROM tempo.tag_names('span');
SELECT * FROM tempo.tag_values('name');
RESET tempo.tenant;
SELECT count(*) FROM tempo.tag_values('span:id', max_values => 5000);

-- a heap partition attached by hand is read too, with the same rules
CREATE TABLE tempo.spans_heap_part PARTITION OF tempo.spans
    FOR VALUES FROM ('2023-01-01') TO ('2023-01-02') USING heap;
INSERT INTO tempo.spans_heap_part (tenant, trace_id, span_id, parent_span_id, name, kind,
    start_time, start_time_unix_nano, duration_ns, status_code, status_message, service_name,
    resource_attributes, span_attributes, scope_name, scope_version, events, links)
VALUES ('acme', '09090909090909090909090909090909', '0000000000000091', NULL, 'heap root', 2,
    '2023-01-01 00:00:00+00', 1672531200000000000, 2500000, 2, 'heap boom', 'heap-svc',
    '{"service.name": "heap-svc", "region": "apac"}',
    '{"http.response.status_code": 404, "heap.only": [true, 1.5], "region": null}',
    'heap.scope', '2.0',
    '[{"time_unix_nano": "1672531200001000000", "name": "heap-event", "attributes": {"heap.ev": "x"}}]',
    '[{"trace_id": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", "span_id": "00000000000000a1", "attributes": {"heap.link": 7}}]'),
  ('other', '09090909090909090909090909090909', '0000000000000092', '0000000000000091', 'heap other', 1,
    '2023-01-01 00:00:01+00', 1672531201000000000, 1, 0, NULL, 'heap-svc', '{}', '{"heap.secret": 1}',
    NULL, NULL, NULL, NULL);
SET tempo.tenant = 'acme';
SELECT * FROM tempo.tag_names(NULL, NULL, '2023-01-01', '2023-01-02') WHERE scope <> 'intrinsic';
SELECT * FROM tempo.tag_values('span.http.response.status_code', NULL, '2023-01-01', '2023-01-02');
SELECT * FROM tempo.tag_values('span.heap.only', NULL, '2023-01-01', '2023-01-02');
SELECT * FROM tempo.tag_values('.region', NULL, '2023-01-01', '2023-01-02');
SELECT * FROM tempo.tag_values('event.heap.ev');
SELECT * FROM tempo.tag_values('link.heap.link');
SELECT * FROM tempo.tag_values('event:timeSinceStart');
SELECT * FROM tempo.tag_values('link:traceID');
SELECT * FROM tempo.tag_values('rootName');
SELECT * FROM tempo.tag_values('duration', NULL, '2023-01-01', '2023-01-02');
SELECT * FROM tempo.tag_values('trace:id', NULL, '2023-01-01', '2023-01-02');
SELECT * FROM tempo.tag_values('instrumentation:version');
RESET tempo.tenant;
SELECT * FROM tempo.tag_names('span', NULL, '2023-01-01', '2023-01-02');

-- lookups need SELECT on tempo.spans, like search
CREATE ROLE tql_tags_nobody;
GRANT USAGE ON SCHEMA tempo TO tql_tags_nobody;
SET ROLE tql_tags_nobody;
\set VERBOSITY sqlstate
SELECT * FROM tempo.tag_names('span');
SELECT * FROM tempo.tag_values('name');
SELECT * FROM tempo.tag_values('name', '{ kind = server }');
\set VERBOSITY default
RESET ROLE;

\c contrib_regression
DROP DATABASE tql_tags;
DROP OWNED BY tql_tags_nobody;
DROP ROLE tql_tags_nobody;
