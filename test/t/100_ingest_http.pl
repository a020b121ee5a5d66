# OTLP/HTTP receiver: protobuf, JSON and gzip requests are stored and
# acknowledged after the commit, responses use the request's format,
# partial success, the whole-request errors, /ready and /metrics.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;
use TempoIngest;

# Workers start before the extension exists: not ready, requests get 503.
my $node = ingest_node('ingest_http', no_extension => 1);
ok(wait_until(sub { scalar(@{ worker_pids($node) }) == 1 }), 'one ingest worker runs');

my $r = otlp($node, { method => 'GET', path => '/ready' });
is($r->{status}, 503, '/ready is 503 without the extension');
like($r->{body}, qr/extension "tempo" is not installed/, 'and says why');

$r = otlp($node, { payload => { kind => 'proto', n => 1, seed => 'f00' },
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 503, 'POST before CREATE EXTENSION is 503');
is($r->{headers}{'retry-after'}, '1', 'with Retry-After');
is($r->{decoded}{code}, 14, 'google.rpc.Status code UNAVAILABLE in protobuf');

$node->safe_psql('postgres', 'CREATE EXTENSION tempo');
spans_partition($node);
ok(wait_for_ready($node), '/ready is 200 once the extension exists');

# protobuf
$r = otlp($node, { payload => { kind => 'proto', n => 3, seed => 'a1' },
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'protobuf request: 200');
is($r->{headers}{'content-type'}, 'application/x-protobuf', 'protobuf response');
is($r->{bodyHex}, '', 'full success is an empty ExportTraceServiceResponse');
# the ack means committed: visible to a new session at once
is(span_count($node, "trace_id::text = '000000000000000000000000000000a1'"), 3,
	'the 3 spans are in tempo.spans after the 200');
is($node->safe_psql('postgres',
	"SELECT string_agg(name || ':' || service_name || ':' || tenant, ',' ORDER BY name) FROM tempo.spans WHERE trace_id::text = '000000000000000000000000000000a1'"),
	'span-0:svc:single-tenant,span-1:svc:single-tenant,span-2:svc:single-tenant',
	'names, service and tenant stored');

# JSON, with a charset parameter
$r = otlp($node, { payload => { kind => 'json', n => 2, seed => 'a2' },
	headers => { 'Content-Type' => 'application/json; charset=utf-8' } });
is($r->{status}, 200, 'JSON request: 200');
is($r->{headers}{'content-type'}, 'application/json', 'JSON response');
is($r->{body}, '{}', 'full success is {}');
is(span_count($node, "trace_id::text = '000000000000000000000000000000a2'"), 2, 'JSON spans stored');

# gzip, protobuf and JSON
$r = otlp($node, { payload => { kind => 'proto', n => 4, seed => 'a3' }, gzip => 1,
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'gzip protobuf: 200');
is(span_count($node, "trace_id::text = '000000000000000000000000000000a3'"), 4, 'gzip protobuf spans stored');
$r = otlp($node, { payload => { kind => 'json', n => 2, seed => 'a4' }, gzip => 1,
	headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 200, 'gzip JSON: 200');
is(span_count($node, "trace_id::text = '000000000000000000000000000000a4'"), 2, 'gzip JSON spans stored');

# chunked transfer encoding
$r = otlp($node, { payload => { kind => 'proto', n => 2, seed => 'a5' }, chunked => 1,
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'chunked body: 200');

# partial success: one span with a zero span id, one with a short trace id
$r = otlp($node, { payload => { kind => 'json', n => 4, seed => 'a6',
	overrides => [ { index => 1, set => { spanId => '0000000000000000' } },
		{ index => 2, set => { traceId => 'abcd' } } ] },
	headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 200, 'partial success is 200');
is($r->{decoded}{partialSuccess}{rejectedSpans}, '2', 'rejectedSpans as a string in JSON');
like($r->{decoded}{partialSuccess}{errorMessage}, qr/rejected 2 of 4 spans/, 'errorMessage says why');
is(span_count($node, "trace_id::text = '000000000000000000000000000000a6'"), 2, 'the 2 good spans are stored');

$r = otlp($node, { payload => { kind => 'proto', n => 2, seed => 'a7',
	overrides => [ { index => 0, set => { traceId => '00000000000000000000000000000000' } } ] },
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'protobuf partial success is 200');
is($r->{decoded}{partialSuccess}{rejectedSpans}, '1', 'protobuf partial_success.rejected_spans');

# whole-request errors
$r = otlp($node, { rawText => 'not protobuf', headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 400, 'undecodable protobuf: 400');
is($r->{headers}{'content-type'}, 'application/x-protobuf', 'Status in protobuf');
is($r->{decoded}{code}, 3, 'Status.code INVALID_ARGUMENT');
ok(length($r->{decoded}{message}) > 0, 'Status.message set');

$r = otlp($node, { rawText => '{"resourceSpans": [', headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 400, 'invalid JSON: 400');
is($r->{decoded}{code}, 3, 'JSON Status with code 3');

$r = otlp($node, { rawText => 'x', headers => { 'Content-Type' => 'text/plain' } });
is($r->{status}, 415, 'text/plain: 415');
$r = otlp($node, { payload => { kind => 'proto' }, headers => { 'Content-Type' => 'application/x-protobuf',
	'Content-Encoding' => 'br' } });
is($r->{status}, 415, 'unsupported Content-Encoding: 415');

$r = otlp($node, { method => 'GET', path => '/v1/traces' });
is($r->{status}, 405, 'GET /v1/traces: 405');
is($r->{headers}{allow}, 'POST', 'with Allow: POST');
$r = otlp($node, { method => 'PUT', path => '/v1/traces', rawText => '' });
is($r->{status}, 405, 'PUT /v1/traces: 405');
$r = otlp($node, { path => '/v1/logs', rawText => '', headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 404, 'other path: 404');

# size limit after decompression (16MB default): a gzip bomb and a plain body
$r = otlp($node, { payload => { kind => 'zeros', size => 17 * 1024 * 1024 }, gzip => 1,
	headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 413, 'gzip body inflating past tempo.max_request_bytes: 413');
is($r->{decoded}{code}, 8, 'Status RESOURCE_EXHAUSTED');
# refused from the headers alone, before any body byte is read
$r = otlp($node, { mode => 'raw', send => [ "POST /v1/traces HTTP/1.1\r\nHost: x\r\n"
	  . "Content-Type: application/x-protobuf\r\nContent-Length: 17000000\r\n\r\n" ],
	waitClose => 10000 });
like($r->{body}, qr{^HTTP/1.1 413 }, 'Content-Length over the limit: 413 before the body is sent');

# empty request: success
$r = otlp($node, { rawHex => '', headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'empty protobuf request: 200');

# curl: keep-alive (two requests, one connection) and a plain POST
my ($rc, $out) = curl('-o', '/dev/null', '-o', '/dev/null', '-w', '%{http_code} %{num_connects}\n',
	"http://127.0.0.1:$node->{tempo_http}/ready", "http://127.0.0.1:$node->{tempo_http}/ready");
is($out, "200 1\n200 0\n", 'keep-alive: the second request reuses the connection');
($rc, $out) = curl('-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/json',
	'--data-binary', '{"resourceSpans":[]}', "http://127.0.0.1:$node->{tempo_http}/v1/traces");
is($out, '200', 'curl POST of an empty JSON request: 200');

# metrics add up
($rc, $out) = curl("http://127.0.0.1:$node->{tempo_http}/metrics");
like($out, qr/^tempo_ingest_requests_total\{protocol="http",code="200"\} (\d+)$/m, 'request counter in /metrics');
my ($ok) = $out =~ /^tempo_ingest_requests_total\{protocol="http",code="200"\} (\d+)$/m;
cmp_ok($ok, '>=', 9, 'successful requests counted');
# (the 413 evhttp sends itself for a too large Content-Length is not counted)
like($out, qr/^tempo_ingest_requests_total\{protocol="http",code="413"\} 1$/m, '413 counted');
like($out, qr/^tempo_discarded_spans_total\{reason="invalid_span_id",tenant="single-tenant"\} 1$/m, 'rejected spans counted by reason and tenant');
like($out, qr/^tempo_spans_distance_in_future_seconds_bucket\{tenant="single-tenant",le="300"\} \d+$/m, 'timestamp distance histograms in /metrics');
SKIP:
{
	skip 'promtool not installed', 1 unless system('sh', '-c', 'command -v promtool >/dev/null') == 0;
	my ($pout, $perr);
	IPC::Run::run([ 'promtool', 'check', 'metrics' ], '<', \$out, '>', \$pout, '2>', \$perr);
	is($? >> 8, 0, 'promtool accepts the /metrics exposition') or diag "$pout$perr";
}
my ($accepted) = $out =~ /^tempo_ingest_spans_accepted_total (\d+)$/m;
is($accepted, $node->safe_psql('postgres', 'SELECT count(*) FROM tempo.spans'),
	'accepted span counter equals the rows stored');

# cost attribution through the workers, served on /usage_metrics
$node->safe_psql('postgres', q{
	ALTER SYSTEM SET tempo.cost_attribution_enabled = on;
	ALTER SYSTEM SET tempo.cost_attribution_dimensions = 'service.name';
	SELECT pg_reload_conf();
});
ok(wait_until(sub {
	$node->safe_psql('postgres', q{SELECT current_setting('tempo.cost_attribution_dimensions')}) eq 'service.name' }),
	'cost attribution settings reloaded');
my $span_json = '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},'
  . '"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708",'
  . '"name":"usage","kind":2,"startTimeUnixNano":"' . (time() * 1000000000) . '","endTimeUnixNano":"' . (time() * 1000000000 + 1000) . '"}]}]}]}';
ok(wait_until(sub {
	my ($r, $o) = curl('-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/json',
		'--data-binary', $span_json, "http://127.0.0.1:$node->{tempo_http}/v1/traces");
	($r, $out) = curl("http://127.0.0.1:$node->{tempo_http}/usage_metrics");
	$out =~ /^tempo_usage_tracker_bytes_received_total\{[^}]*service_name="cart"[^}]*\} \d+$/m }),
	'/usage_metrics has the series of the span sent');
SKIP:
{
	skip 'promtool not installed', 1 unless system('sh', '-c', 'command -v promtool >/dev/null') == 0;
	my ($pout, $perr);
	IPC::Run::run([ 'promtool', 'check', 'metrics' ], '<', \$out, '>', \$pout, '2>', \$perr);
	is($? >> 8, 0, 'promtool accepts the /usage_metrics exposition') or diag "$pout$perr";
}

$node->stop;
done_testing();
