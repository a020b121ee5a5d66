-- OTLP ingest: protobuf and JSON decoding, validation, conversion,
-- partial success, attribute types, truncation, bad input, trace_json.
SET client_min_messages = warning;
CREATE TABLE tempo.spans_2024 PARTITION OF tempo.spans
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
-- an index on the partition: ingest must maintain it
CREATE INDEX spans_2024_span_id ON tempo.spans_2024 (span_id);
SET timezone = 'UTC';
SET search_path = public, tempo;

-- protobuf wire-format builders (hand encoding, field by field)
CREATE FUNCTION pbv(n numeric) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE r bytea := ''::bytea; b int;
BEGIN
  IF n < 0 THEN n := n + 18446744073709551616; END IF;
  LOOP
    b := (n % 128)::int; n := div(n, 128);
    IF n > 0 THEN r := r || set_byte('\x00'::bytea, 0, b + 128);
    ELSE r := r || set_byte('\x00'::bytea, 0, b); RETURN r; END IF;
  END LOOP;
END $$;
CREATE FUNCTION pbtag(f int, wt int) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbv(f * 8 + wt) $$;
CREATE FUNCTION pblen(f int, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbtag(f, 2) || pbv(length(b)) || b $$;
CREATE FUNCTION pbstr(f int, s text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pblen(f, convert_to(s, 'UTF8')) $$;
CREATE FUNCTION pbint(f int, n numeric) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbtag(f, 0) || pbv(n) $$;
CREATE FUNCTION le(n numeric, nbytes int) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE r bytea := ''::bytea;
BEGIN
  IF n < 0 THEN n := n + 2::numeric ^ (8 * nbytes); END IF;
  FOR i IN 1..nbytes LOOP
    r := r || set_byte('\x00'::bytea, 0, (n % 256)::int); n := div(n, 256);
  END LOOP;
  RETURN r;
END $$;
CREATE FUNCTION pbf64(f int, n numeric) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbtag(f, 1) || le(n, 8) $$;
CREATE FUNCTION pbf32(f int, n numeric) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbtag(f, 5) || le(n, 4) $$;
CREATE FUNCTION pbdouble(f int, d float8) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbtag(f, 1) || (SELECT string_agg(substr(s, 9 - i, 1), ''::bytea ORDER BY i)
                              FROM (SELECT float8send(d) AS s) x, generate_series(1, 8) i) $$;
-- OTLP messages
CREATE FUNCTION kv(k text, v bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pbstr(1, k) || CASE WHEN v IS NULL THEN ''::bytea ELSE pblen(2, v) END $$;
CREATE FUNCTION av_str(s text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pbstr(1, s) $$;
CREATE FUNCTION av_bool(b bool) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pbint(2, b::int) $$;
CREATE FUNCTION av_int(n numeric) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pbint(3, n) $$;
CREATE FUNCTION av_double(d float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pbdouble(4, d) $$;
CREATE FUNCTION av_bytes(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pblen(7, b) $$;
CREATE FUNCTION av_arr(VARIADIC vs bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pblen(5, coalesce((SELECT string_agg(pblen(1, v), ''::bytea ORDER BY o)
                                  FROM unnest(vs) WITH ORDINALITY u(v, o)), ''::bytea)) $$;
CREATE FUNCTION av_kvlist(VARIADIC kvs bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pblen(6, coalesce((SELECT string_agg(pblen(1, v), ''::bytea ORDER BY o)
                                  FROM unnest(kvs) WITH ORDINALITY u(v, o)), ''::bytea)) $$;
-- repeated KeyValue field f from a list of kv()s
CREATE FUNCTION attrs(f int, VARIADIC kvs bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT coalesce((SELECT string_agg(pblen(f, v), ''::bytea ORDER BY o)
                         FROM unnest(kvs) WITH ORDINALITY u(v, o)), ''::bytea) $$;
-- a span: ids, name, kind, times, then any further encoded fields
CREATE FUNCTION span(tid bytea, sid bytea, parent bytea, name text, kind int,
                     t0 numeric, t1 numeric, extra bytea DEFAULT ''::bytea)
  RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pblen(1, tid) || pblen(2, sid) || CASE WHEN parent IS NULL THEN ''::bytea ELSE pblen(4, parent) END
               || pbstr(5, name) || pbint(6, kind) || pbf64(7, t0) || pbf64(8, t1) || extra $$;
-- request: one resource (service name + resource attrs), one scope, spans
CREATE FUNCTION req(service text, scope text, VARIADIC spans bytea[]) RETURNS bytea
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT pblen(1,
             pblen(1, attrs(1, kv('service.name', av_str(service))))
             || pblen(2, pblen(1, pbstr(1, scope) || pbstr(2, '1.0'))
                         || (SELECT string_agg(pblen(2, s), ''::bytea ORDER BY o)
                             FROM unnest(spans) WITH ORDINALITY u(s, o)))) $$;

-- run an ingest, turning an error into its SQLSTATE, message and detail
CREATE FUNCTION try_ingest(p bytea, ct text DEFAULT 'application/x-protobuf',
                           t text DEFAULT 'single-tenant') RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE r record; d text;
BEGIN
  SELECT * INTO r FROM tempo.ingest(p, ct, t);
  RETURN format('accepted %s, rejected %s%s', r.accepted_spans, r.rejected_spans,
                coalesce(': ' || r.message, ''));
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ' ' || SQLERRM || coalesce(' (' || nullif(d, '') || ')', '');
END $$;

\set tid 0102030405060708090a0b0c0d0e0f10
\set t0 1717200000000000123

-- 1. protobuf: two spans, nanosecond times, status, parent
SELECT * FROM tempo.ingest(req('svc-a', 'lib',
    span(decode(:'tid', 'hex'), '\x1111111111111111', NULL, 'root', 2, :t0, :t0 + 1500000000),
    span(decode(:'tid', 'hex'), '\x2222222222222222', '\x1111111111111111', 'child', 3, :t0 + 1000, :t0 + 2001,
         attrs(9, kv('http.method', av_str('GET')), kv('n', av_int(-42)))
         || pblen(15, pbstr(2, 'boom') || pbint(3, 2)))));
SELECT tenant, trace_id, span_id, parent_span_id, name, kind, start_time, start_time_unix_nano,
       duration_ns, status_code, status_message, service_name, resource_attributes,
       span_attributes, scope_name, scope_version, events, links, trace_state
  FROM tempo.spans WHERE trace_id = :'tid' ORDER BY start_time_unix_nano;
-- the partition got the rows, and its index the entries
SELECT count(*) FROM tempo.spans_2024;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT name FROM tempo.spans_2024 WHERE span_id = '2222222222222222';
SELECT name FROM tempo.spans_2024 WHERE span_id = '2222222222222222';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- 2. every attribute type over protobuf, events, links, trace state,
--    unknown fields (span field 99, ResourceSpans field 1000) and flags
\set tid2 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
SELECT * FROM tempo.ingest(req('svc-types', 'lib',
    span(decode(:'tid2', 'hex'), '\x3333333333333333', '', 'types', 1, :t0, :t0 + 10,
         attrs(9,
           kv('s', av_str('héllo "q"')),
           kv('e', NULL),
           kv('i', av_int(-9223372036854775808)),
           kv('imax', av_int(9223372036854775807)),
           kv('d', av_double(1.5)),
           kv('d1', av_double(1.0)),
           kv('big', av_double(1e300)),
           kv('tiny', av_double(5e-324)),
           kv('neg0', av_double('-0')),
           kv('nan', av_double('NaN')),
           kv('inf', av_double('Infinity')),
           kv('ninf', av_double('-Infinity')),
           kv('b', av_bool(true)),
           kv('by', av_bytes('\x0001ff')),
           kv('arr', av_arr(av_str('a'), av_int(1), av_double(2), av_bool(false), av_arr(VARIADIC '{}'::bytea[]),
                            av_kvlist(VARIADIC '{}'::bytea[]), av_bytes('\x78'), av_double('-Infinity'), ''::bytea)),
           kv('kvl', av_kvlist(kv('x', av_int(1)),
                               kv('deep', av_kvlist(kv('y', av_arr(av_str('z'))))))),
           kv('wrap', av_kvlist(kv('bytesValue', av_str('not bytes'))))
         )
         || pbstr(3, 'rojo=00f067aa0ba902b7')
         || pbf32(16, 257)
         || pbint(99, 12345) || pbstr(98, 'unknown')
         || pblen(11, pbf64(1, :t0 + 5) || pbstr(2, 'ev1') || attrs(3, kv('k', av_int(7))))
         || pblen(11, pbf64(1, :t0 + 6) || pbstr(2, 'ev2') || pbint(4, 3))
         || pblen(13, pblen(1, '\xcccccccccccccccccccccccccccccccc') || pblen(2, '\xdddddddddddddddd')
                      || pbstr(3, 'a=b') || attrs(4, kv('l', av_bool(false)))
                      || pbint(5, 1) || pbf32(6, 256)))) || pblen(1, pbstr(1000, 'x')));
SELECT jsonb_pretty(span_attributes - 'big' - 'tiny') FROM tempo.spans WHERE trace_id = :'tid2';
SELECT events, links, trace_state, parent_span_id IS NULL AS root
  FROM tempo.spans WHERE trace_id = :'tid2';
-- doubles keep a fractional part, ints do not
SELECT key, value, jsonb_typeof(value) FROM tempo.spans, jsonb_each(span_attributes)
 WHERE trace_id = :'tid2' AND key IN ('d1', 'big', 'i', 'imax', 'neg0') ORDER BY key;
SELECT (span_attributes->>'tiny')::float8 = 5e-324 AS tiny_exact,
       (span_attributes->>'big')::float8 = 1e300 AS big_exact
  FROM tempo.spans WHERE trace_id = :'tid2';
-- ... and come back typed
SELECT jsonb_pretty(jsonb_set(tempo.trace_json(:'tid2') #> '{resourceSpans,0,scopeSpans,0,spans,0}',
       '{attributes}', (SELECT jsonb_agg(a) FROM jsonb_array_elements(tempo.trace_json(:'tid2')
                          #> '{resourceSpans,0,scopeSpans,0,spans,0,attributes}') a
                        WHERE a->>'key' NOT IN ('big', 'tiny'))));

-- 3. OTLP/JSON round trip: in through tempo.ingest, out through
--    tempo.trace_json, equal as jsonb (attribute keys in jsonb order)
CREATE TEMP TABLE doc AS SELECT $j${"resourceSpans": [{
  "resource": {"attributes": [
     {"key": "host", "value": {"stringValue": "h1"}},
     {"key": "service.name", "value": {"stringValue": "json-svc"}}]},
  "scopeSpans": [{"scope": {"name": "sc", "version": "2.0"}, "spans": [
    {"traceId": "abababababababababababababababab", "spanId": "bbbbbbbbbbbbbbbb",
     "traceState": "k=v", "name": "GET /x", "kind": 2,
     "startTimeUnixNano": "1717200000123456789", "endTimeUnixNano": "1717200001123456790",
     "attributes": [
       {"key": "b", "value": {"boolValue": true}},
       {"key": "d", "value": {"doubleValue": 1.5}},
       {"key": "e", "value": {}},
       {"key": "i", "value": {"intValue": "-9223372036854775808"}},
       {"key": "s", "value": {"stringValue": "h\u00e9llo \"q\" \n"}},
       {"key": "by", "value": {"bytesValue": "AAH/"}},
       {"key": "d1", "value": {"doubleValue": 1.0}},
       {"key": "dn", "value": {"doubleValue": "NaN"}},
       {"key": "arr", "value": {"arrayValue": {"values": [
          {"stringValue": "a"}, {"intValue": "1"}, {"doubleValue": 2.0}, {"boolValue": false},
          {"arrayValue": {"values": []}}, {"kvlistValue": {"values": []}},
          {"bytesValue": "eA=="}, {"doubleValue": "-Infinity"}, {}]}}},
       {"key": "big", "value": {"doubleValue": 1e300}},
       {"key": "inf", "value": {"doubleValue": "Infinity"}},
       {"key": "kvl", "value": {"kvlistValue": {"values": [
          {"key": "x", "value": {"intValue": "1"}},
          {"key": "deep", "value": {"kvlistValue": {"values": [
             {"key": "y", "value": {"arrayValue": {"values": [{"stringValue": "z"}]}}}]}}}]}}},
       {"key": "tiny", "value": {"doubleValue": 5e-324}},
       {"key": "wrap", "value": {"kvlistValue": {"values": [
          {"key": "bytesValue", "value": {"stringValue": "not bytes"}}]}}}],
     "events": [
       {"timeUnixNano": "1717200000500000001", "name": "ev1",
        "attributes": [{"key": "e", "value": {"intValue": "7"}}]},
       {"timeUnixNano": "1717200000600000000", "name": "ev2", "droppedAttributesCount": 3}],
     "links": [
       {"traceId": "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "spanId": "dddddddddddddddd",
        "traceState": "a=b", "attributes": [{"key": "l", "value": {"boolValue": false}}],
        "droppedAttributesCount": 1, "flags": 257}],
     "status": {"code": 2, "message": "bad"}},
    {"traceId": "abababababababababababababababab", "spanId": "eeeeeeeeeeeeeeee",
     "parentSpanId": "bbbbbbbbbbbbbbbb", "name": "child", "kind": 3,
     "startTimeUnixNano": "1717200000223456789", "endTimeUnixNano": "1717200000223456789",
     "status": {"code": 0}}]}]}]}$j$::jsonb AS j;
SELECT * FROM tempo.ingest((SELECT convert_to(j::text, 'UTF8') FROM doc), 'application/json');
SELECT tempo.trace_json('abababababababababababababababab') = j AS round_trip FROM doc;
SELECT jsonb_pretty(tempo.trace_json('abababababababababababababababab') #> '{resourceSpans,0,scopeSpans,0,spans,1}');
-- attributes sent as protobuf read back exactly like the same ones sent as JSON
CREATE FUNCTION attr_subset(doc jsonb, keys text[]) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_agg(a ORDER BY o)
    FROM jsonb_array_elements(doc #> '{resourceSpans,0,scopeSpans,0,spans,0,attributes}')
         WITH ORDINALITY x(a, o)
   WHERE a->>'key' = ANY (keys) $$;
SELECT attr_subset(tempo.trace_json(:'tid2'::tempo.trace_id), k) = attr_subset(j, k) AS same_as_json,
       jsonb_array_length(attr_subset(j, k)) AS n_compared
  FROM doc, (SELECT '{b,d,e,i,by,d1,arr,big,inf,kvl,tiny,wrap}'::text[] AS k) keys;

-- 4. OTLP/JSON leniency: snake_case keys, enum names, 64-bit numbers as
--    numbers, upper-case hex, URL-safe unpadded base64, unknown fields,
--    nulls, content type parameters
SELECT * FROM tempo.ingest(convert_to($j${"resource_spans": [{"scope_spans": [{"spans": [
   {"trace_id": "0A0B0C0D0E0F10111213141516171819", "span_id": "0102030405060708",
    "parent_span_id": "", "name": "lenient", "kind": "SPAN_KIND_CONSUMER",
    "start_time_unix_nano": 1717200000000000001, "end_time_unix_nano": "1717200000000000009",
    "attributes": [{"key": "n", "value": {"int_value": 12}},
                   {"key": "f", "value": {"double_value": "2.5"}},
                   {"key": "u", "value": {"bytes_value": "-_8"}},
                   {"key": "x", "value": {"somethingNew": 1}}],
    "status": {"code": "STATUS_CODE_OK", "message": null},
    "futureField": {"a": [1, 2, 3]}}]}]}], "extra": true}$j$, 'UTF8'),
   'application/json; charset=utf-8');
SELECT span_id, parent_span_id, kind, status_code, start_time_unix_nano, duration_ns,
       span_attributes, resource_attributes, service_name, scope_name
  FROM tempo.spans WHERE trace_id = '0a0b0c0d0e0f10111213141516171819';

-- 5. partial success: bad spans are rejected and counted, the rest stored
\set tid3 0303030303030303030303030303030f
SELECT * FROM tempo.ingest(req('svc-p', 'lib',
    span(decode(:'tid3', 'hex'), '\x0000000000000001', NULL, 'ok', 1, :t0, :t0 + 5),
    span('\x030303', '\x0000000000000002', NULL, 'short trace id', 1, :t0, :t0),
    span('\x00000000000000000000000000000000', '\x0000000000000003', NULL, 'zero trace id', 1, :t0, :t0),
    span(decode(:'tid3', 'hex'), '\x0000000000000000', NULL, 'zero span id', 1, :t0, :t0),
    span(decode(:'tid3', 'hex'), '\x00000000000005', NULL, '7-byte span id', 1, :t0, :t0),
    span(decode(:'tid3', 'hex'), '\x0000000000000006', '\x01020304', 'short parent', 1, :t0, :t0),
    span(decode(:'tid3', 'hex'), '\x0000000000000007', '\x0000000000000000', 'zero parent = root', 1, :t0, :t0),
    span(decode(:'tid3', 'hex'), '\x0000000000000008', NULL, 'after 2262', 1, 9223372036854775808, 9223372036854775809),
    span(decode(:'tid3', 'hex'), '\x0000000000000009', NULL, 'ends before start', 1, :t0, :t0 - 5)));
SELECT span_id, name, parent_span_id, duration_ns FROM tempo.spans WHERE trace_id = :'tid3' ORDER BY span_id;

-- 6. truncation at tempo.max_attribute_bytes (2048), on a UTF-8 boundary,
--    for keys and string values at any depth; a 10 MB value
\set tid4 04040404040404040404040404040404
SELECT * FROM tempo.ingest(req('svc-t', 'lib',
    span(decode(:'tid4', 'hex'), '\x0000000000000001', NULL, 'long', 1, :t0, :t0,
         attrs(9, kv('v', av_str('a' || repeat('é', 1500))),
                  kv(repeat('k', 3000), av_str('short')),
                  kv('nested', av_arr(av_kvlist(kv('x', av_str(repeat('z', 5000)))))),
                  kv('huge', av_str(repeat('y', 10 * 1024 * 1024)))))));
SELECT octet_length(span_attributes->>'v') AS v_bytes,
       right(span_attributes->>'v', 2) AS v_tail,
       (SELECT max(octet_length(k)) FROM jsonb_object_keys(span_attributes) k) AS longest_key,
       octet_length(span_attributes #>> '{nested,0,x}') AS nested_bytes,
       octet_length(span_attributes->>'huge') AS huge_bytes
  FROM tempo.spans WHERE trace_id = :'tid4';

-- 7. tenants: validation, and trace_json follows tempo.tenant
SELECT try_ingest(req('svc-ten', 'lib', span('\x05050505050505050505050505050505', '\x0000000000000001',
                  NULL, 'tenant span', 1, :t0, :t0)), 'application/x-protobuf', 'acme');
SELECT tenant FROM tempo.spans WHERE trace_id = '05050505050505050505050505050505';
SET tempo.tenant = 'other';
SELECT tempo.trace_json('05050505050505050505050505050505') IS NULL AS hidden;
SET tempo.tenant = 'other|acme';
SELECT tempo.trace_json('05050505050505050505050505050505') IS NOT NULL AS visible;
RESET tempo.tenant;
-- time window
SELECT tempo.trace_json(:'tid', '2024-06-02', NULL) IS NULL AS before_window,
       jsonb_array_length(tempo.trace_json(:'tid', '2024-05-31', '2024-06-01 00:00:01')
                          #> '{resourceSpans,0,scopeSpans,0,spans}') AS spans_in_window;
SELECT tempo.trace_json('ffffffffffffffffffffffffffffffff') IS NULL AS unknown_trace;

-- 8. bad input catalog: each gives its SQLSTATE or a partial success
\set okspan 'span(\'\\x06060606060606060606060606060606\', \'\\x0000000000000001\', NULL, \'x\', 1, 1717200000000000000, 1717200000000000001)'
CREATE TEMP TABLE catalog (name text, payload bytea, ct text DEFAULT 'application/x-protobuf',
                           tenant text DEFAULT 'single-tenant');
INSERT INTO catalog (name, payload) VALUES
  ('empty protobuf request', ''::bytea),
  ('truncated protobuf', (SELECT substr(p, 1, length(p) - 3) FROM (SELECT req('s', 'l', :okspan) p) x)),
  ('truncated varint', '\x0a8080'::bytea),
  ('huge varint (11 bytes)', '\x10ffffffffffffffffffffff01'::bytea),
  ('field number 0', '\x0000'::bytea),
  ('group wire type', '\x2b2c'::bytea),
  ('invalid wire type 7', '\x2f'::bytea),
  ('length past the end', '\x0a05010203'::bytea),
  ('wrong wire type: resource_spans as varint', '\x0801'::bytea),
  ('wrong wire type: start time as varint', pblen(1, pblen(2, pblen(2, pbint(7, 5))))),
  ('wrong wire type: flags as varint', pblen(1, pblen(2, pblen(2, pbint(16, 5))))),
  ('nested length larger than parent', pblen(1, '\x120a0a0201'::bytea)),
  ('invalid UTF-8 in names and values', req('s', 'l',
      span('\x06060606060606060606060606060606', '\x0000000000000002', NULL, 'x', 1, 1717200000000000000, 1717200000000000001,
           pblen(5, '\x61ff62'::bytea) || attrs(9, pblen(1, '\xc3'::bytea) || pblen(2, pblen(1, '\xe282'::bytea)))))),
  ('empty resource and scope envelopes', pblen(1, ''::bytea) || pblen(1, pblen(2, ''::bytea))),
  ('span without ids', req('s', 'l', pbstr(5, 'no ids'))),
  ('unknown enum values', req('s', 'l', span('\x06060606060606060606060606060606', '\x0000000000000003', NULL, 'x', 77,
      1717200000000000000, 1717200000000000001, pblen(15, pbint(3, 9))))),
  ('profiling-only strindex fields', req('s', 'l', span('\x06060606060606060606060606060606', '\x0000000000000004', NULL, 'x', 1,
      1717200000000000000, 1717200000000000001, attrs(9, pbstr(1, 'k') || pbint(3, 5) || pblen(2, pbint(8, 3))))));
INSERT INTO catalog (name, payload, ct) VALUES
  ('wrong content type', req('s', 'l', :okspan), 'text/plain'),
  ('json content type, protobuf body', req('s', 'l', :okspan), 'application/json'),
  ('empty JSON object', convert_to('{}', 'UTF8'), 'application/json'),
  ('invalid JSON', convert_to('{"resourceSpans": [', 'UTF8'), 'application/json'),
  ('JSON not an object', convert_to('[1, 2]', 'UTF8'), 'application/json'),
  ('JSON scalar', convert_to('"x"', 'UTF8'), 'application/json'),
  ('JSON wrong type', convert_to('{"resourceSpans": {"a": 1}}', 'UTF8'), 'application/json'),
  ('JSON bad hex id', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz0"}]}]}]}', 'UTF8'), 'application/json'),
  ('JSON bad base64', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", "value": {"bytesValue": "a$=="}}]}]}]}]}', 'UTF8'), 'application/json'),
  ('JSON int out of range', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "99999999999999999999"}]}]}]}', 'UTF8'), 'application/json'),
  ('JSON fractional int', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": 1.5}]}]}]}', 'UTF8'), 'application/json'),
  ('JSON unknown enum name', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": "SERVER"}]}]}]}', 'UTF8'), 'application/json'),
  ('JSON invalid UTF-8', '\x7b2261223a2022ff227d'::bytea, 'application/json'),
  ('JSON zero byte', '\x7b7d00'::bytea, 'application/json'),
  ('JSON span with wrong id lengths', convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0102", "spanId": "0102030405060708"}]}]}]}', 'UTF8'), 'application/json');
INSERT INTO catalog (name, payload, tenant) VALUES
  ('empty tenant', req('s', 'l', :okspan), ''),
  ('tenant with a bar', req('s', 'l', :okspan), 'a|b'),
  ('tenant too long', req('s', 'l', :okspan), repeat('t', 151)),
  ('tenant ..', req('s', 'l', :okspan), '..');
SELECT name, try_ingest(payload, ct, tenant) FROM catalog ORDER BY name;
SELECT name, kind, status_code, span_attributes FROM tempo.spans
 WHERE trace_id = '06060606060606060606060606060606' ORDER BY span_id;

-- deep nesting: 10000 levels of kvlists (protobuf and JSON) fail cleanly
CREATE FUNCTION nested_pb(levels int) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE v bytea := av_str('leaf');
BEGIN
  FOR i IN 1..levels LOOP v := av_kvlist(kv('k', v)); END LOOP;
  RETURN req('s', 'l', span('\x07070707070707070707070707070707', '\x0000000000000001', NULL, 'deep', 1,
                            1717200000000000000, 1717200000000000001, attrs(9, kv('top', v))));
END $$;
SELECT try_ingest(nested_pb(10000));
SELECT try_ingest(nested_pb(20));
SELECT span_attributes #>> '{top,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k,k}' AS leaf
  FROM tempo.spans WHERE trace_id = '07070707070707070707070707070707';
SELECT try_ingest(convert_to('{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", "value": '
                             || repeat('{"kvlistValue": {"values": [{"key": "k", "value": ', 10000)
                             || '{}' || repeat('}]}}', 10000) || '}]}]}]}]}', 'UTF8'), 'application/json');
SELECT try_ingest(convert_to(repeat('[', 100000), 'UTF8'), 'application/json');

-- too large: over tempo.max_request_bytes (16MB)
SELECT try_ingest(convert_to(repeat('x', 17 * 1024 * 1024), 'UTF8'));

-- one span with 1M attributes: accepted, bounded time and memory
SELECT try_ingest(req('s', 'l', span('\x08080808080808080808080808080808', '\x0000000000000001', NULL, 'wide', 1,
       1717200000000000000, 1717200000000000001,
       (SELECT string_agg(pblen(9, kv('k' || g, NULL)), ''::bytea) FROM generate_series(1, 1000000) g))));
SELECT (SELECT count(*) FROM jsonb_object_keys(span_attributes)) AS n_attributes,
       span_attributes ? 'k999999' AS has_last
  FROM tempo.spans WHERE trace_id = '08080808080808080808080808080808';

-- 9. partitions: without tempo.create_partition a span no partition
--    covers fails the request (23514); with it, the partitions needed are
--    created first (here a stand-in creating yearly heap partitions, so the
--    test does not depend on the columnar access method)
ALTER FUNCTION tempo.create_partition(timestamptz) RENAME TO create_partition_saved;
SELECT try_ingest(req('s', 'l', span('\x09090909090909090909090909090909', '\x0000000000000001', NULL, 'x', 1,
       1893456000000000000, 1893456000000000001)));
CREATE FUNCTION tempo.create_partition(ts timestamptz) RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE lo timestamptz := date_trunc('year', ts); name text := 'spans_y' || extract(year FROM ts);
BEGIN
  RAISE NOTICE 'create_partition(%)', ts;
  EXECUTE format('CREATE TABLE tempo.%I PARTITION OF tempo.spans FOR VALUES FROM (%L) TO (%L)',
                 name, lo, lo + interval '1 year');
  RETURN format('tempo.%I', name)::regclass;
END $$;
SET client_min_messages = notice;
-- spans in 2030 (twice), 2031 and 2024: two partitions created, one call each
SELECT * FROM tempo.ingest(req('s', 'l',
    span('\x09090909090909090909090909090909', '\x0000000000000001', NULL, 'x', 1, 1893456000000000000, 1893456000000000001),
    span('\x09090909090909090909090909090909', '\x0000000000000002', NULL, 'x', 1, 1924992000000000000, 1924992000000000001),
    span('\x09090909090909090909090909090909', '\x0000000000000003', NULL, 'x', 1, 1893456000000000005, 1893456000000000006),
    span('\x09090909090909090909090909090909', '\x0000000000000004', NULL, 'x', 1, 1717200000000000000, 1717200000000000001)));
SET client_min_messages = warning;
SELECT tableoid::regclass, span_id FROM tempo.spans WHERE trace_id = '09090909090909090909090909090909' ORDER BY span_id;
DROP FUNCTION tempo.create_partition(timestamptz);
ALTER FUNCTION tempo.create_partition_saved(timestamptz) RENAME TO create_partition;

-- 10. mutation fuzzing: random byte flips, insertions and truncations of
--     valid protobuf and JSON payloads never crash; every outcome is a
--     clean result or one of the documented SQLSTATEs
CREATE FUNCTION mutate(p bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE pos int := 1 + floor(random() * length(p))::int; r float8 := random();
BEGIN
  IF r < 0.5 THEN RETURN set_byte(p, pos - 1, floor(random() * 256)::int);
  ELSIF r < 0.8 THEN RETURN substr(p, 1, pos - 1) || set_byte('\x00'::bytea, 0, floor(random() * 256)::int) || substr(p, pos);
  ELSE RETURN substr(p, 1, pos - 1);
  END IF;
END $$;
CREATE FUNCTION fuzz(base bytea, ct text, n int) RETURNS TABLE (outcome text, count bigint)
  LANGUAGE plpgsql AS $$
DECLARE p bytea; res text; outcomes text[] := '{}';
BEGIN
  FOR i IN 1..n LOOP
    p := mutate(base);
    IF random() < 0.3 THEN p := mutate(p); END IF;
    res := try_ingest(p, ct);
    outcomes := outcomes || CASE WHEN res LIKE 'accepted%' THEN 'accepted' ELSE left(res, 5) END;
  END LOOP;
  RETURN QUERY SELECT o, count(*) FROM unnest(outcomes) o GROUP BY o;
END $$;
-- a default partition keeps random timestamps from creating partitions
CREATE TABLE tempo.spans_default PARTITION OF tempo.spans DEFAULT;
SELECT setseed(0.42);
CREATE TEMP TABLE fuzzbase AS
  SELECT req('fz', 'lib',
             span('\x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a', '\x0000000000000001', NULL, 'f', 2,
                  1717200000000000000, 1717200000000000001,
                  attrs(9, kv('s', av_str('v')),
                           kv('a', av_arr(av_int(1), av_kvlist(kv('x', av_double(1.5))))))
                  || pblen(11, pbf64(1, 1717200000000000000) || pbstr(2, 'e')))) AS p;
SELECT outcome IN ('accepted', '22P03') AS expected_outcome, sum(count) > 0 AS seen
  FROM fuzz((SELECT p FROM fuzzbase), 'application/x-protobuf', 1500)
 GROUP BY 1 ORDER BY 1;
SELECT outcome IN ('accepted', '22P02', '22P05') AS expected_outcome, sum(count) > 0 AS seen
  FROM fuzz((SELECT convert_to(j::text, 'UTF8') FROM doc), 'application/json', 1500)
 GROUP BY 1 ORDER BY 1;
