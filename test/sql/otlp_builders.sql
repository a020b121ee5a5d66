-- OTLP/protobuf builders for tests and benchmarks: SQL functions that
-- encode an ExportTraceServiceRequest field by field, so a test can state
-- the exact bytes (and sizes) it sends.  Loaded by sql/usage.sql (\i),
-- test/t/20*_usage_*.pl and test/bench/usage_overhead.sh.
--
-- Wire format: a length-delimited field is tag (1 byte, field numbers <
-- 16) + length varint + content; fixed64 is tag + 8 bytes little-endian.
CREATE FUNCTION u_varint(n bigint) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE r bytea := ''::bytea;
BEGIN
  LOOP
    IF n >= 128 THEN r := r || set_byte('\x00'::bytea, 0, (n % 128)::int + 128); n := n / 128;
    ELSE RETURN r || set_byte('\x00'::bytea, 0, n::int); END IF;
  END LOOP;
END $$;
CREATE FUNCTION u_len(f int, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_varint(f * 8 + 2) || u_varint(length(b)) || b $$;
CREATE FUNCTION u_str(f int, s text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_len(f, convert_to(s, 'UTF8')) $$;
-- fixed64 is little-endian (int8send is big-endian)
CREATE FUNCTION u_le64(f int, n bigint) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_varint(f * 8 + 1) || (SELECT string_agg(substr(int8send(n), 9 - i, 1), ''::bytea ORDER BY i)
                                      FROM generate_series(1, 8) i) $$;
-- KeyValue with a string / int value
CREATE FUNCTION u_kvs(k text, v text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_str(1, k) || u_len(2, u_str(1, v)) $$;
CREATE FUNCTION u_kvi(k text, v int) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_str(1, k) || u_len(2, u_varint(3 * 8) || u_varint(v)) $$;
-- Span: trace id (18 bytes framed), span id (10), name "a" (3), start
-- and end (9 each): 49 bytes, plus attributes (field 9).  Span number n
-- makes the ids unique.  tid0 = true gives an all-zero (invalid) trace id.
CREATE FUNCTION u_span(n int, kvs bytea[] DEFAULT '{}',
                       t_end bigint DEFAULT 1700000000000000000, tid0 bool DEFAULT false)
  RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT u_len(1, CASE WHEN tid0 THEN '\x00000000000000000000000000000000'::bytea
                             ELSE decode(lpad(to_hex(n), 32, '0'), 'hex') END)
            || u_len(2, decode(lpad(to_hex(n), 16, '0'), 'hex'))
            || u_str(5, 'a')
            || u_le64(7, t_end - 1000000)
            || u_le64(8, t_end)
            || coalesce((SELECT string_agg(u_len(9, kv), ''::bytea ORDER BY o)
                         FROM unnest(kvs) WITH ORDINALITY u(kv, o)), ''::bytea) $$;
-- ScopeSpans: optional scope name, spans
CREATE FUNCTION u_scope(scope text, VARIADIC spans bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN scope IS NULL THEN ''::bytea ELSE u_len(1, u_str(1, scope)) END
            || (SELECT string_agg(u_len(2, s), ''::bytea ORDER BY o)
                FROM unnest(spans) WITH ORDINALITY u(s, o)) $$;
-- ResourceSpans: optional resource service.name, scope spans, optional schema url
CREATE FUNCTION u_batch(service text, schema_url text, VARIADIC scopes bytea[]) RETURNS bytea
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN service IS NULL THEN ''::bytea
                    ELSE u_len(1, u_len(1, u_kvs('service.name', service))) END
            || (SELECT string_agg(u_len(2, s), ''::bytea ORDER BY o)
                FROM unnest(scopes) WITH ORDINALITY u(s, o))
            || CASE WHEN schema_url IS NULL THEN ''::bytea ELSE u_str(3, schema_url) END $$;
-- ExportTraceServiceRequest
CREATE FUNCTION u_req(VARIADIC batches bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT string_agg(u_len(1, b), ''::bytea ORDER BY o)
         FROM unnest(batches) WITH ORDINALITY u(b, o) $$;
-- Request 1 of sql/usage.sql (two batches, five spans; its attribution
-- is computed there), in protobuf and in OTLP/JSON
CREATE FUNCTION u_request1() RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT u_req(
  u_batch('cart', NULL, u_scope('s', u_span(1),
                                     u_span(2, ARRAY[u_kvs('service.name', 'web')]),
                                     u_span(3, ARRAY[u_kvi('service.name', 5)]))),
  u_batch(NULL, NULL, u_scope(NULL, u_span(4),
                                    u_span(5, ARRAY[u_kvs('service.name', '')])))) $$;
CREATE FUNCTION u_request1_json() RETURNS text LANGUAGE sql IMMUTABLE AS $json$ SELECT text '
{"resourceSpans": [
  {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
   "scopeSpans": [{"scope": {"name": "s"}, "spans": [
     {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000001", "name": "a",
      "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000000000000"},
     {"traceId": "00000000000000000000000000000002", "spanId": "0000000000000002", "name": "a",
      "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000000000000",
      "attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
     {"traceId": "00000000000000000000000000000003", "spanId": "0000000000000003", "name": "a",
      "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000000000000",
      "attributes": [{"key": "service.name", "value": {"intValue": "5"}}]}]}]},
  {"scopeSpans": [{"spans": [
     {"traceId": "00000000000000000000000000000004", "spanId": "0000000000000004", "name": "a",
      "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000000000000"},
     {"traceId": "00000000000000000000000000000005", "spanId": "0000000000000005", "name": "a",
      "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000000000000",
      "attributes": [{"key": "service.name", "value": {"stringValue": ""}}]}]}]}]}'
$json$;
