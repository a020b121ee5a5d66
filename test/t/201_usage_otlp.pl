# Cost attribution through the ingest workers: known batches sent over
# OTLP/HTTP (protobuf and JSON) and gRPC are charged the bytes computed by
# hand in sql/usage.sql (request 1), the dotted setting names set with
# ALTER SYSTEM reach the workers, GET /usage_metrics serves exactly those
# series, and both endpoints pass promtool, /metrics with the ack latency
# histogram of both protocols.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;
use TempoIngest;

my $node = ingest_node('usage_otlp');
ok(wait_for_ready($node), 'the ingest worker is ready');
$node->safe_psql('postgres', slurp_file("$ENV{TEMPO_TOP}/test/sql/otlp_builders.sql"));

# the documented (dotted) names, through ALTER SYSTEM
$node->safe_psql('postgres', q{
	ALTER SYSTEM SET tempo.cost_attribution.enabled = on;
	ALTER SYSTEM SET tempo.cost_attribution.dimensions = 'service.name';
	SELECT pg_reload_conf();
});
like(slurp_file($node->data_dir . '/postgresql.auto.conf'),
	qr/^tempo\.cost_attribution_enabled = 'on'$/m,
	'ALTER SYSTEM wrote the loadable one-dot name');

sub usage_metrics
{
	return otlp($node, { method => 'GET', path => '/usage_metrics' })->{body} // '';
}

sub series
{
	my ($text, $service) = @_;
	return $text =~ /^tempo_usage_tracker_bytes_received_total\{service_name="\Q$service\E",tenant="single-tenant",tracker="cost-attribution"\} (\d+)$/m
	  ? $1 : undef;
}

# The worker reloads between two batches: probe until it counts.
my $probe = $node->safe_psql('postgres', q{
	SELECT encode(u_req(u_batch('probe', NULL, u_scope(NULL, u_span(900)))), 'hex')});
ok( wait_until(
		sub {
			otlp($node, { rawHex => $probe, headers => { 'Content-Type' => 'application/x-protobuf' } });
			return defined series(usage_metrics(), 'probe');
		}),
	'the worker attributes once the settings are reloaded');

# Request 1 of sql/usage.sql: series cart 145 bytes (2 spans), web 85
# (1), __missing__ 124 (2); 354 bytes in all.
my $req1 = $node->safe_psql('postgres', q{SELECT encode(u_request1(), 'hex')});
my $json1 = $node->safe_psql('postgres', 'SELECT u_request1_json()');

my $r = otlp($node, { rawHex => $req1, headers => { 'Content-Type' => 'application/x-protobuf' } });
is($r->{status}, 200, 'request 1 over OTLP/HTTP protobuf');
my $text = usage_metrics();
is(series($text, 'cart'), 145, 'cart: 63 + 82 bytes');
is(series($text, 'web'), 85, 'web: 85 bytes');
is(series($text, '__missing__'), 124, '__missing__: 52 + 72 bytes');

$r = otlp($node, { mode => 'grpc', rawHex => $req1 });
is($r->{grpcStatus}, 0, 'request 1 over gRPC');
$r = otlp($node, { rawText => $json1, headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 200, 'request 1 over OTLP/HTTP JSON');
$text = usage_metrics();
is(series($text, 'cart') . ' ' . series($text, 'web') . ' ' . series($text, '__missing__'),
	'435 255 372', 'gRPC and JSON are charged as the protobuf request');
is( $node->safe_psql('postgres', q{
	SELECT string_agg(format('%s=%s/%s', labels->>'service_name', bytes_received, spans_received), ' '
	                  ORDER BY labels->>'service_name')
	  FROM tempo.usage WHERE labels->>'service_name' <> 'probe'}),
	'__missing__=372/6 cart=435/6 web=255/3', 'tempo.usage counts the same bytes and spans');

# both endpoints pass a real Prometheus parser
my $metrics = otlp($node, { method => 'GET', path => '/metrics' })->{body};
for my $ep ([ '/usage_metrics', $text ], [ '/metrics', $metrics ])
{
	my ($pout, $perr);
	IPC::Run::run([ 'promtool', 'check', 'metrics' ], '<', \$ep->[1], '>', \$pout, '2>', \$perr);
	is($? >> 8, 0, "promtool accepts $ep->[0]") or diag "$pout$perr";
}

# ack latency: every queued request observed, per protocol
my ($http_count) = $metrics =~ /^tempo_ingest_ack_duration_seconds_count\{protocol="http"\} (\d+)$/m;
my ($http_inf) = $metrics =~ /^tempo_ingest_ack_duration_seconds_bucket\{protocol="http",le="\+Inf"\} (\d+)$/m;
my ($grpc_count) = $metrics =~ /^tempo_ingest_ack_duration_seconds_count\{protocol="grpc"\} (\d+)$/m;
my ($http_ok) = $metrics =~ /^tempo_ingest_requests_total\{protocol="http",code="200"\} (\d+)$/m;
ok(defined $http_count && $http_count >= 3 && $http_count == $http_inf,
	'ack histogram of HTTP: count = +Inf bucket, every request');
is($http_count, $http_ok, 'one HTTP ack observed per 200 answer');
is($grpc_count, 1, 'one gRPC ack observed');
like($metrics, qr/^tempo_ingest_ack_duration_seconds_sum\{protocol="http"\} [0-9.]+$/m,
	'ack latency sum in seconds');

$node->stop;
done_testing();
