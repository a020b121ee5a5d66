-- TraceQL execution: tempo.search, tempo.search_spans, tempo.trace over a
-- crafted dataset ingested with tempo.ingest (OTLP/JSON).
SET client_min_messages = warning;
SET timezone = 'UTC';
SET search_path = public, tempo;

-- OTLP/JSON builders.  Times are milliseconds after 2026-01-01 00:00 UTC.
CREATE FUNCTION t0ns() RETURNS numeric LANGUAGE sql IMMUTABLE
  AS $$ SELECT extract(epoch FROM timestamptz '2026-01-01 00:00:00+00')::numeric * 1000000000 $$;
CREATE FUNCTION av(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(v)
    WHEN 'string' THEN jsonb_build_object('stringValue', v)
    WHEN 'boolean' THEN jsonb_build_object('boolValue', v)
    WHEN 'number' THEN CASE WHEN v::text ~ '^-?[0-9]+$'
                            THEN jsonb_build_object('intValue', v::text)
                            ELSE jsonb_build_object('doubleValue', v) END
    WHEN 'array' THEN jsonb_build_object('arrayValue', jsonb_build_object('values',
         (SELECT coalesce(jsonb_agg(av(e)), '[]') FROM jsonb_array_elements(v) e)))
  END $$;
-- {"k": v, ...} -> [{"key": k, "value": AnyValue}, ...]
CREATE FUNCTION kvs(o jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('key', k, 'value', av(v))), '[]')
    FROM jsonb_each(o) AS x(k, v) $$;
CREATE FUNCTION sp(tid text, sid text, parent text, name text, kind int,
                   start_ms numeric, dur_ms numeric, status int DEFAULT 0,
                   attrs jsonb DEFAULT '{}', extra jsonb DEFAULT '{}')
  RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'traceId', lpad(tid, 32, '0'), 'spanId', lpad(sid, 16, '0'),
    'parentSpanId', CASE WHEN parent IS NULL THEN NULL ELSE lpad(parent, 16, '0') END,
    'name', name, 'kind', kind,
    'startTimeUnixNano', (t0ns() + start_ms * 1000000)::bigint::text,
    'endTimeUnixNano', (t0ns() + (start_ms + dur_ms) * 1000000)::bigint::text,
    'status', jsonb_build_object('code', status),
    'attributes', kvs(attrs))) || extra $$;
CREATE FUNCTION rs(service text, resattrs jsonb, scope text, VARIADIC spans jsonb[])
  RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'resource', jsonb_build_object('attributes',
        kvs(jsonb_build_object('service.name', service) || resattrs)),
    'scopeSpans', jsonb_build_array(jsonb_build_object(
        'scope', jsonb_build_object('name', scope, 'version', '1.2'),
        'spans', to_jsonb(spans)))) $$;
CREATE FUNCTION put(tenant text, VARIADIC r jsonb[]) RETURNS bigint LANGUAGE sql AS $$
  SELECT accepted_spans FROM tempo.ingest(
    convert_to(jsonb_build_object('resourceSpans', to_jsonb(r))::text, 'UTF8'),
    'application/json', tenant) $$;

-- Trace 1: a chain frontend -> auth -> db -> retry (deep)
SELECT put('single-tenant',
  rs('frontend', '{"deployment.environment": "prod"}', 'http',
     sp('1', '11', NULL, 'GET /', 2, 0, 100, 1,
        '{"http.status_code": 200, "http.method": "GET", "flag": true}')),
  rs('auth', '{}', 'grpc',
     sp('1', '12', '11', 'authenticate', 3, 10, 50, 0, '{"http.method": "POST"}')),
  rs('db', '{"deployment.environment": "prod"}', 'sql',
     sp('1', '13', '12', 'db query', 3, 20, 30, 2,
        '{"db.system": "postgresql", "rows": 3, "ratio": 0.5}'),
     sp('1', '14', '13', 'retry', 1, 30, 5, 2, '{"attempt": 2}')));

-- Trace 2: root with two children; typed status codes, events, links
SELECT put('single-tenant',
  rs('frontend', '{"deployment.environment": "staging"}', 'http',
     sp('2', '21', NULL, 'POST /orders', 2, 1000, 400, 2,
        '{"http.status_code": 500, "http.method": "POST"}')),
  rs('payment', '{}', 'grpc',
     sp('2', '22', '21', 'charge', 3, 1010, 200, 2,
        '{"http.status_code": "500", "amount": 12.5}',
        jsonb_build_object('events', jsonb_build_array(
          jsonb_build_object('timeUnixNano', (t0ns() + 1013000000)::bigint::text,
                             'name', 'exception',
                             'attributes', kvs('{"exception.message": "card declined"}')))))),
  rs('mail', '{}', 'amqp',
     sp('2', '23', '21', 'notify', 4, 1300, 50, 0, '{}',
        jsonb_build_object('links', jsonb_build_array(
          jsonb_build_object('traceId', lpad('1', 32, '0'), 'spanId', lpad('11', 16, '0'),
                             'attributes', kvs('{"ref": "follows"}')))))));

-- Trace 3: disconnected: a root, and an orphan subtree whose parent is missing
SELECT put('single-tenant',
  rs('frontend', '{}', 'http', sp('3', '31', NULL, 'root3', 2, 2000, 100)),
  rs('worker', '{}', 'jobs',
     sp('3', '32', 'ff', 'orphan', 1, 2010, 20, 2),
     sp('3', '33', '32', 'orphan-child', 1, 2015, 5, 2)));

-- Trace 4: arrays, unscoped lookups (span value wins over resource), floats
SELECT put('single-tenant',
  rs('api', '{"region": "eu", "service.tier": "gold"}', 'http',
     sp('4', '41', NULL, 'list', 2, 3000, 10, 0,
        '{"tags": ["bar", "baz"], "nums": [1, 2, 3], "region": "us", "numstr": "10"}'),
     sp('4', '42', '41', 'sub', 1, 3001, 5, 0, '{"tags": ["qux"], "numstr": 9}')));

-- Trace 5: another tenant
SELECT put('other',
  rs('frontend', '{}', 'http', sp('5', '51', NULL, 'GET /', 2, 4000, 10, 2,
     '{"http.status_code": 500}')));

-- Traces 6 and 7: at the edges of the search window used below
SELECT put('single-tenant',
  rs('edge', '{}', 'x', sp('6', '61', NULL, 'at-end', 1, 59000, 1)),
  rs('edge', '{}', 'x', sp('7', '71', NULL, 'after-end', 1, 59000.001, 1)));

-- search helper: sorted trace numbers of the matches (window [t0, t0+59s])
CREATE FUNCTION s(q text, max_traces int DEFAULT 100) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(ltrim(trace_id::text, '0'), ',' ORDER BY trace_id::text), '-')
    FROM tempo.search(q, '2026-01-01 00:00:00+00', '2026-01-01 00:00:59+00', max_traces) $$;
-- matched spans (span numbers) of search_spans
CREATE FUNCTION ss(q text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(ltrim(span_id::text, '0'), ',' ORDER BY span_id::text), '-')
    FROM tempo.search_spans(q, '2026-01-01 00:00:00+00', '2026-01-01 00:00:59+00', 100) $$;

-- every span
SELECT s('{ }'), ss('{ }'), ss('{ true }'), ss('{ false }');
-- intrinsics
SELECT ss('{ name = "charge" }'), ss('{ span:name =~ "GET.*" }'), ss('{ status = error }'),
       ss('{ span:status = ok }'), ss('{ status != unset }'), ss('{ kind = client }'),
       ss('{ span:kind = producer }'), ss('{ duration > 100ms }'), ss('{ span:duration <= 5ms }'),
       ss('{ statusMessage != nil }');
SELECT ss('{ span:id = "0000000000000013" }'), ss('{ span:id = "13" }'),
       ss('{ span:parentID = "0000000000000021" }'), ss('{ trace:id = "2" }'),
       ss('{ trace:id = "00000000000000000000000000000004" }'),
       ss('{ instrumentation:name = "grpc" }'), ss('{ instrumentation:version = "1.2" && name = "list" }');
-- scopes and typed comparisons
SELECT ss('{ span.http.status_code = 500 }'), ss('{ span.http.status_code = "500" }'),
       ss('{ span.http.status_code >= 400 }'), ss('{ span.http.status_code != 200 }'),
       ss('{ .http.status_code > "4" }'), ss('{ resource.service.name = "frontend" }'),
       ss('{ resource.deployment.environment = "prod" }'), ss('{ .deployment.environment =~ "st.*" }');
-- unscoped: span before resource
SELECT ss('{ .region = "us" }'), ss('{ .region = "eu" }'), ss('{ resource.region = "eu" }'),
       ss('{ .service.tier = "gold" }'), ss('{ .service.name = "api" }');
-- missing attributes make comparisons false, also != and !~
SELECT ss('{ .nope != 0 }'), ss('{ span.http.method !~ "G.*" }'), ss('{ span.db.system != "mysql" }'),
       ss('{ .http.method != nil }'), ss('{ !(.http.method != nil) }');
-- arrays: any element, for every operator
SELECT ss('{ span.tags = "baz" }'), ss('{ span.tags != "baz" }'), ss('{ span.tags =~ "q.*" }'),
       ss('{ span.nums > 2 }'), ss('{ span.nums = 4 }'), ss('{ "bar" = span.tags }');
-- numbers: int, float, arithmetic, numeric strings stay strings
SELECT ss('{ span.ratio = 0.5 }'), ss('{ span.amount > 12 }'), ss('{ span.rows * 2 = 6 }'),
       ss('{ span.attempt + 1 > 2 }'), ss('{ span.numstr = 9 }'), ss('{ span.numstr = "10" }'),
       ss('{ span.numstr > "1" }'), ss('{ .flag }'), ss('{ !.flag }'), ss('{ span.flag = true }');
-- regex anchoring
SELECT ss('{ name =~ "db" }'), ss('{ name =~ "db.*" }'), ss('{ name =~ ".*query" }'),
       ss('{ name !~ ".*o.*" }'), ss('{ name =~ "(?i)GET /" }');
-- events and links
SELECT ss('{ event:name = "exception" }'), ss('{ event.exception.message =~ ".*declined" }'),
       ss('{ event:timeSinceStart > 2ms }'), ss('{ event:timeSinceStart > 5ms }'),
       ss('{ link:traceID = "00000000000000000000000000000001" }'),
       ss('{ link:spanID = "0000000000000011" }'), ss('{ link.ref = "follows" }'),
       ss('{ instrumentation.language = "go" }');
-- &&, || inside filters
SELECT ss('{ resource.service.name = "frontend" && status = error }'),
       ss('{ resource.service.name = "mail" || name = "retry" }'),
       ss('{ (status = error || kind = producer) && duration < 100ms }');

-- trace-level intrinsics
SELECT s('{ trace:duration > 300ms }'), s('{ traceDuration < 50ms }'),
       s('{ trace:rootName = "GET /" }'), s('{ rootServiceName = "frontend" }'),
       ss('{ trace:rootService = "frontend" && status = error }');

-- spanset operators
SELECT s('{ name = "charge" } && { name = "notify" }'), s('{ name = "charge" } && { name = "retry" }'),
       s('{ name = "charge" } || { name = "retry" }');
SELECT ss('{ resource.service.name = "frontend" } > { }'),
       ss('{ resource.service.name = "frontend" } >> { status = error }'),
       ss('{ } < { name = "db query" }'),
       ss('{ name = "retry" } << { }'),
       ss('{ name = "charge" } ~ { }'),
       ss('{ } !< { }'),
       ss('{ status = error } !< { status = error }'),
       ss('{ name = "nonexistent" } !< { name = "charge" }'),
       ss('{ name = "db query" } !> { status = error }');
SELECT ss('{ name = "GET /" } &>> { status = error }'),
       ss('{ name = "charge" } &~ { }'),
       ss('{ } !>> { name = "orphan-child" }'),
       ss('{ name = "orphan" } > { }'),
       ss('{ } !~ { resource.service.name = "worker" }');
-- nested set intrinsics of the chain (disconnected spans have 0)
SELECT ss('{ nestedSetParent = -1 }'), ss('{ nestedSetLeft = 0 }'), ss('{ nestedSetRight - nestedSetLeft = 1 }');

-- pipelines: scalar filters, by, coalesce, select
SELECT s('{ } | count() > 3'), s('{ status = error } | count() = 1'),
       s('{ } | avg(duration) > 100ms'), s('{ } | max(duration) >= 400ms'),
       s('{ } | min(duration) < 2ms'), s('{ } | sum(span.rows) = 3');
SELECT s('{ status = error } | by(resource.service.name) | count() > 1'),
       s('{ status = error } | by(resource.service.name) | count() > 1 | coalesce()'),
       s('{ } | by(kind) | count() = 2'),
       s('({ status = error } | count() > 1) && ({ kind = server } | count() > 0)');
SELECT spansets FROM tempo.search('{ status = error } | by(resource.service.name) | count() > 1',
                                 '2026-01-01', '2026-01-01 00:00:59', 20, 2);
SELECT trace_id, root_service_name, root_span_name, start_time, duration_ms,
       jsonb_pretty(spansets) AS spansets
  FROM tempo.search('{ span.http.status_code = 500 } | select(span.http.method, status)',
                    '2026-01-01', '2026-01-01 00:00:59', 20, 3);
SELECT span_id, service_name, name, start_time, duration_ns, attributes
  FROM tempo.search_spans('{ .http.method != nil } | select(resource.deployment.environment)',
                          '2026-01-01', '2026-01-01 00:00:59', 20)
 ORDER BY span_id;
-- disconnected trace: no root in the range, spansets from the orphan subtree
SELECT trace_id, root_service_name, root_span_name, duration_ms
  FROM tempo.search('{ resource.service.name = "worker" }', '2026-01-01 00:00:02.005', '2026-01-01 00:00:59');

-- limits, ordering, most_recent
SELECT s('{ }', 2), s('{ } with (most_recent=true)', 2);
SELECT ltrim(trace_id::text, '0') AS t
  FROM tempo.search('{ } with (most_recent=true)', '2026-01-01', '2026-01-01 00:00:59', 3);

-- time range edges: [start, end] inclusive
SELECT ss('{ resource.service.name = "edge" }'),
       (SELECT count(*) FROM tempo.search('{ }', '2026-01-01 00:00:59', '2026-01-01 00:00:59')) AS at_end,
       (SELECT count(*) FROM tempo.search('{ }', '2026-01-01 00:00:59.001', '2026-01-01 00:01')) AS after,
       (SELECT count(*) FROM tempo.search('{ }', '2026-01-01 00:00:00.010', '2026-01-01 00:00:00.010')) AS exact;

-- tenants
SET tempo.tenant = 'other';
SELECT s('{ }'), ss('{ status = error }');
SET tempo.tenant = 'other|single-tenant';
SELECT s('{ span.http.status_code = 500 }');
SET tempo.tenant = 'nobody';
SELECT s('{ }');
RESET tempo.tenant;

-- tempo.trace
SELECT ltrim(span_id::text, '0') AS span, name, tenant FROM tempo.trace('00000000000000000000000000000002');
SELECT count(*) FROM tempo.trace('00000000000000000000000000000002', '2026-01-01 00:00:01.005', NULL);
SET tempo.tenant = 'other';
SELECT count(*) FROM tempo.trace('00000000000000000000000000000002');
RESET tempo.tenant;

-- errors come before any scan
\set VERBOSITY sqlstate
SELECT * FROM tempo.search('{ .a = }');
SELECT * FROM tempo.search('{ 1 = "a" }');
SELECT * FROM tempo.search('{ span.a =~ "[" }');
SELECT * FROM tempo.search('{ parent.a = 1 }');
SELECT * FROM tempo.search('{ } | rate()');
SELECT * FROM tempo.search('{ }', '2026-01-02', '2026-01-01');
SELECT * FROM tempo.search('{ }', max_traces => 0);
SELECT * FROM tempo.search('{ }', spans_per_spanset => 0);
SELECT * FROM tempo.search_spans('{ name = }');
SELECT * FROM tempo.search('({ } | by(name)) > { }', '2026-01-01', '2026-01-01 00:00:59');
-- by() then an operator works per spanset: no error, here no match
SELECT s('{ } | by(name) | { } > { }');
\set VERBOSITY default
