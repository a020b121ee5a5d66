--
-- TraceQL front end: parsing, analysis, normalized printing, explain.
--
-- tql_norm(q) is the normalized query (first line of tempo.explain);
-- tql_state(q) is 'ok' or the SQLSTATE and message of the error.
CREATE FUNCTION tql_norm(q text) RETURNS text LANGUAGE sql
	AS $$ SELECT substr(split_part(tempo.explain(q), E'\n', 1), 8) $$;
CREATE FUNCTION tql_state(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM tempo.explain(q);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- spanset filters, scopes, quoted and unusual attribute names
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{}'),
	('{ }'),
	('{ true }'),
	('{ .http.method = "GET" }'),
	('{ span.http.status_code >= 500 }'),
	('{ resource.service.name = "frontend" }'),
	('{ event.exception.message =~ ".*went wrong.*" }'),
	('{ link.opentracing.ref_type = "child_of" }'),
	('{ instrumentation.language = "java" }'),
	('{ span."attribute name with space" = "value" }'),
	('{ ."foo.bar" = 1 }'),
	('{ .foo."bar \" baz" = 1 }'),
	('{ span.attribute."x y" = 1 }'),
	('{ span.resource.foo = 1 }'),
	('{ .foo-bar = 1 }'),
	('{ .a+1 = 2 }'),
	('{ .a + 1 = 2 }'),
	('{ span.any_attribute != nil }'),
	('{ nil != span.x }')
) v(q);

-- every intrinsic, legacy and scoped
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ name = "a" }'), ('{ span:name = "a" }'),
	('{ status = error }'), ('{ span:status = ok }'),
	('{ statusMessage = "m" }'), ('{ span:statusMessage = "m" }'),
	('{ kind = server }'), ('{ span:kind = consumer }'),
	('{ duration > 1s }'), ('{ span:duration > 1s }'),
	('{ span:id = "563d623c76514f8e" }'),
	('{ span:parentID = "0000000000000001" }'),
	('{ trace:id = "2f3e0cee77ae5dc9c17ade3689eb2e54" }'),
	('{ traceDuration > 5s }'), ('{ trace:duration > 5s }'),
	('{ rootName = "r" }'), ('{ trace:rootName = "r" }'),
	('{ rootServiceName = "g" }'), ('{ trace:rootService = "g" }'),
	('{ event:name = "exception" }'),
	('{ event:timeSinceStart > 2ms }'),
	('{ link:traceID = "1234567890abcdef1234567890abcdef" }'),
	('{ link:spanID = "1234567890abcdef" }'),
	('{ instrumentation:name = "grpc" }'),
	('{ instrumentation:version = "1.2" }'),
	('{ nestedSetLeft > 3 }'), ('{ nestedSetRight < 3 }'), ('{ nestedSetParent = -1 }')
) v(q);

-- literals: durations in every unit, numbers, strings with escapes, enums
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ .d = 1ns }'), ('{ .d = 1us }'), ('{ .d = 1µs }'), ('{ .d = 1ms }'),
	('{ .d = 1s }'), ('{ .d = 1m }'), ('{ .d = 1h }'), ('{ .d = 1d }'),
	('{ .d = 1w }'), ('{ .d = 1y }'), ('{ .d = 1h30m }'), ('{ .d = 1.5s }'),
	('{ .d = 1h15m30.918273645s }'), ('{ .d = 0s }'), ('{ .d = 250ms }'),
	('{ .d = 1y2w3d4h5m6s7ms }'), ('{ .d = 1m1h }'), ('{ .d = 1.5h30s500us }'),
	('{ .i = 017 }'), (E'{ .a = 1 // comment\n} /* block */ | count() > 1'),
	('{ .f = .5 }'), ('{ .f = 1. }'), ('{ .f = 1e3 }'), ('{ .f = 2.5e-3 }'),
	('{ .i = -42 }'), ('{ .i = 9223372036854775807 }'),
	('{ .s = "a\"b\\c" }'), ('{ .s = "tab\there\nnl" }'),
	('{ .s = "\x41\101\u00e9\U0001F600" }'), ('{ .s = `raw \n "q"` }'),
	('{ .b = true }'), ('{ .b = false }'),
	('{ .k = unspecified || .k = internal || .k = client || .k = producer }'),
	('{ .st = unset }')
) v(q);

-- precedence: && and || share one level, left associative (Tempo quirk)
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ .a || .b && .c }'),
	('{ .a && .b || .c }'),
	('{ .a * .b + .c = 1 }'),
	('{ .a + .b * .c = 1 }'),
	('{ .a + .b ^ .c = 1 }'),
	('{ .a ^ .b ^ .c = 1 }'),
	('{ .a - .b - .c = 1 }'),
	('{ .a = .b && .c }'),
	('{ !.a = .b }'),
	('{ -.a = .b }'),
	('{ -.a * .b = 1 }'),
	('{ !.a && .b }'),
	('{ !(.a && .b) }'),
	('{ .a % 2 = 1 }'),
	('{ true } && { .b } > { .c }'),
	('{ .a } > { .b } && { .c }'),
	('{ .a } || { .b } && { .c }'),
	('{ .a } >> { .b } >> { .c }'),
	('{ .a } | { .b } && { .c } | { .d }')
) v(q);

-- static folding (integer ^ is lhs^rhs: Tempo's rhs^lhs quirk is not copied)
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ 1 + 1 > 1 }'),
	('{ duration > 1 + 2 }'),
	('{ 1 = 1. }'),
	('{ 2 ^ 3 = 8 }'),
	('{ 2 ^ -1 = 0.5 }'),
	('{ 7 / 2 = 3 }'),
	('{ -7 % 3 = -1 }'),
	('{ 7.0 / 2 = 3.5 }'),
	('{ span.http.request_content_length > 10 * 1024 * 1024 }'),
	('{ duration > 1h / 2 }'),
	('{ duration > 1s * 2s }'),
	('{ duration > 1.5 * 1s }'),
	('{ "a" < "b" && "b" <= "b" }'),
	('{ status = error && error = error }'),
	('{ nil = nil }'),
	('{ nil != nil }'),
	('{ 1 != nil }'),
	('{ .a = -(3 - 5) }'),
	('{ (-(3 / 2) * .test + .other) ^ 3 = 2 }'),
	('{ "test" =~ "te.*" }')
) v(q);

-- spanset operators, pipelines, scalar filters, by/coalesce/select, hints
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ .a } && { .b }'), ('{ .a } || { .b }'),
	('{ .a } > { .b }'), ('{ .a } < { .b }'),
	('{ .a } >> { .b }'), ('{ .a } << { .b }'), ('{ .a } ~ { .b }'),
	('{ .a } !> { .b }'), ('{ .a } !< { .b }'), ('{ .a } !>> { .b }'),
	('{ .a } !<< { .b }'), ('{ .a } !~ { .b }'),
	('{ .a } &> { .b }'), ('{ .a } &< { .b }'), ('{ .a } &>> { .b }'),
	('{ .a } &<< { .b }'), ('{ .a } &~ { .b }'),
	('({ .a } && { .b }) > { .c }'),
	('({ span.a = 1 } | count() > 1) && ({ span.b = 2 } | count() > 1)'),
	('{ } | count() > 10'),
	('{ } | avg(duration) > 20ms'),
	('avg(duration) > 20ms'),
	('{ } | min(.x) <= 1 | max(.x) >= 2 | sum(span.bytes) != 1000000000'),
	('{ } | count() > -1'),
	('{ } | avg(.x) > 1 - 3'),
	('{ status = error } | by(resource.service.name) | count() > 1 | coalesce()'),
	('{ true } | by(3 * .field - 2)'),
	('by(.a) | { true }'),
	('select(.a)'),
	('{ status = error } | select(span.http.status_code, span.http.url, trace:id)'),
	('{ span.foo = "bar" } >> { status = error } with (most_recent=true)'),
	('{ } with (most_recent = true, job_size = -5, debug = "x", ratio = 0.5)')
) v(q);

-- metrics syntax
SELECT q, tql_norm(q) AS normalized FROM (VALUES
	('{ } | rate()'),
	('{ span:status = error } | rate() by (resource.service.name, span:name)'),
	('{ } | count_over_time() by (span.http.status_code)'),
	('{ } | min_over_time(duration)'),
	('{ } | max_over_time(span:duration) by (span.http.target)'),
	('{ } | avg_over_time(.x)'),
	('{ } | sum_over_time(span.http.response.size)'),
	('{ } | quantile_over_time(duration, .99, .9, .5) by (span.http.target)'),
	('{ } | histogram_over_time(duration) by (span.http.target)'),
	('{ resource.service.name = "a" } | compare({ span:status = error })'),
	('{ resource.service.name = "a" } | compare({ span:status = error }, 10)'),
	('{ } | compare({ .a }, 5, 1000, 2000)'),
	('{ resource.service.name = "foo" } | rate() by (span.http.url) | topk(10)'),
	('{ } | rate() | bottomk(3)'),
	('{ } | rate() with(sample=true)'),
	('{ status=error } | rate() by (resource.service.name) with(span_sample=0.1)'),
	('{ } >> { status = error } | rate() with(trace_sample=0.1)'),
	('{ } | count_over_time() with(sample=0.25, exemplars=5)')
) v(q);

-- the normalized form is a fixed point (no rows)
SELECT q, tql_norm(q) AS once, tql_norm(tql_norm(q)) AS twice FROM (VALUES
	('{ .a * .b + .c = 1 && !(.d || -.e < 2) }'),
	('{ .a = -1.5 } | by(-.a) | avg(-.b + 1) > -2.5'),
	('{ ."3x" = 1 && .parent_x."y z" = 2 }'),
	('{ .s = "\x01\u00e9\\\"" }'),
	('({ .a } | count() > 1 | { .b }) >> ({ .c } && { .d })'),
	('{ .d = -1h30m } | sum(duration * 2) < 1m30.5s'),
	('{ } | quantile_over_time(duration, 0, 1) by (name) | topk(1) with(x=-1, y=nil)'),
	-- found by the fuzzer: a vertical tab inside a quoted attribute name
	(E'{} | by(.fie"a\013\001#"ld)')
) v(q)
WHERE tql_norm(q) <> tql_norm(tql_norm(q));

-- full plan descriptions
SELECT tempo.explain('{ resource.service.name = "checkout" && duration > 500ms && span.x != nil && event:name =~ "ex.*" && (.a = 1 || .b = 2) }');
SELECT tempo.explain('{ status = error } >> { } | count() > 2 | by(resource.service.name) | select(span.http.url)');
SELECT tempo.explain('({ span.a = 1 } | count() > 1) && ({ span.b = 2 } | count() > 1) with (most_recent = true)');
SELECT tempo.explain('{ } | quantile_over_time(duration, .99) by (span.http.target) | topk(5) with (sample = 0.1)');
SELECT tempo.explain('{ } | compare({ status = error }, 10)');

-- syntax errors (42601) with line and column
SELECT q, tql_state(q) AS result FROM (VALUES
	(''),
	('   '),
	('true'),
	('{ attribute = 4 }'),
	('{ .a == 4 }'),
	('{ . foo = 1 }'),
	('{ .3foo = 1 }'),
	('{ span. }'),
	('{ .a = 1'),
	(E'{ .a = 1 &&\n  .b = }'),
	(E'{\n\n   .x = "unterminated }'),
	('{ .s = "bad \q escape" }'),
	('{ .s = "\x4" }'),
	('{ .s = "\x00" }'),
	('{ .s = "\ud800" }'),
	('{ ."a\b" = 1 }'),
	('{ span."open = 1 }'),
	('{ .a = 1t }'),
	('{ .a = 1.5d }'),
	('{ .a = 1q }'),
	('{ .a = 99999999999999999999 }'),
	('{ .a = 1e999 }'),
	('{ .a = 0x1f }'),
	('{ .a = 1d1d }'),
	('{ .a = 1h1d }'),
	('{ .a = 1ms1ns }'),
	('{ .a = 1 } /* unterminated'),
	('{ .a = 1 } @ { .b = 2 }'),
	('{ .foo = nil }'),
	('{ nil = .foo }'),
	('{ trace:status = error }'),
	('{ span:rootName = "bar" }'),
	('{ span:foo = 1 }'),
	('{ rootService = "a" }'),
	('{ } | count()'),
	('{ } | count() > "a"'),
	('count() > 3 && { true }'),
	('coalesce() | { true }'),
	('select()'),
	('select(1 + .a)'),
	('{ } | by()'),
	('{ } | topk(10)'),
	('{ } | rate() | topk(-1)'),
	('{ } | rate() | { true }'),
	('rate()'),
	('({ } | rate())'),
	('{ } | quantile_over_time(duration)'),
	('{ } | compare({ .a }, 1, 2)'),
	('{ } | compare({ .a }) by (.b)'),
	('{ } with ()'),
	('{ } with (a = .b)'),
	('{ } with (count = 1)'),
	('{ } =~ { }'),
	('({ true } | count()) + ({ true } | count())'),
	('2 < ({ } | count())'),
	('({ } | count()) > 2 * 2'),
	('({ } | count()) > 2 | { }'),
	('{ .a } >> { .b } extra')
) v(q);

-- type and value errors (42804 / 22023)
SELECT q, tql_state(q) AS result FROM (VALUES
	('{ 1 = "foo" }'),
	('{ status > ok }'),
	('{ kind = ok }'),
	('{ .a > true }'),
	('{ status }'),
	('{ 1 + 1 }'),
	('{ .a + 1 }'),
	('{ -true }'),
	('{ !1 = 1 }'),
	('{ 1 =~ 2 }'),
	('{ .a =~ 1 }'),
	('{ span.foo =~ "[" }'),
	('{ span.foo !~ "a(" }'),
	('{ span.foo =~ "(?m)a" }'),
	('{ span.foo =~ "***:a" }'),
	('{ nil < 1 }'),
	('{ 1 / 0 = 1 }'),
	('{ 1.0 % 0 = 1 }'),
	('{ 9223372036854775807 + 1 = 1 }'),
	('{ 2 ^ 64 = 1 }'),
	('{ 10.0 ^ 400 = 1 }'),
	('{ 200y * 1000 > 1s }'), ('{ 1.5 * 200y > 1s }'),
	('sum(3) = 2'),
	('min(1 = 3) = 1'),
	('max(name) > 1'),
	('{ } | by(1)'),
	('{ } | rate() | topk(0)'),
	('{ } | compare({ .a }) | topk(10)'),
	('{ } | compare({ .a }, 0)'),
	('{ } | compare({ .a }, 5, 20, 10)'),
	('{ } | quantile_over_time(duration, 1.5)'),
	('{ } | min_over_time(name)'),
	('{ } | rate() by (.a, .b, .c, .d, .e, .f)'),
	('{ } | histogram_over_time(duration) by (.a, .b, .c, .d, .e)'),
	('{ } | compare({ 1 }, 1)')
) v(q);

-- unsupported features (0A000)
SELECT q, tql_state(q) AS result FROM (VALUES
	('{ parent.a != 3 }'),
	('{ parent.span.a > 3 }'),
	('{ parent.resource.a && true }'),
	('{ parent }'),
	('{ childCount > 1 }'),
	('{ "foo" = childCount }'),
	('min(.field) < max(duration)'),
	('{ } | count() + count() = 1'),
	('({ .a } | count()) > ({ .b } | count())'),
	('({ .a } | count()) = 3'),
	('3 = 2')
) v(q);

-- limits: long and deeply nested queries fail cleanly
SELECT tql_state(repeat('{ true } && ', 11000) || '{ true }') AS too_long;
SELECT left(tql_state(repeat('(', 60000) || '{ true }' || repeat(')', 60000)), 5) AS deep_parens;
SELECT left(tql_state('{ ' || repeat('!', 100000) || 'true }'), 5) AS deep_not;
SELECT tql_norm(repeat('(', 50) || '{ .a }' || repeat(')', 50)) AS nested_ok;

-- explain is immutable and strict
SELECT tempo.explain(NULL) IS NULL AS null_in_null_out;

DROP FUNCTION tql_norm(text);
DROP FUNCTION tql_state(text);
