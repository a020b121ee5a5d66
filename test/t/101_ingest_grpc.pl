# OTLP/gRPC receiver (h2c, nghttp2): Export calls are stored and answered
# OK after the commit; partial success; gzip message compression; the
# error statuses INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED,
# UNAUTHENTICATED (multi-tenancy) and the HTTP 415 for a non-gRPC type.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;
use TempoIngest;

my $node = ingest_node('ingest_grpc', conf => "tempo.max_request_bytes = '1MB'\n");
ok(wait_for_ready($node), 'worker ready');

my $r = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 3, seed => 'b1' } });
is($r->{status}, 200, 'Export: HTTP status 200');
is($r->{grpcStatus}, 0, 'Export: grpc-status OK');
is_deeply($r->{response}, {}, 'empty ExportTraceServiceResponse');
is(span_count($node, "trace_id::text = '000000000000000000000000000000b1'"), 3,
	'the spans are stored when OK arrives');

$r = otlp($node, { mode => 'grpc', gzip => 1, payload => { kind => 'proto', n => 5, seed => 'b2' } });
is($r->{grpcStatus}, 0, 'gzip-compressed message: OK');
is(span_count($node, "trace_id::text = '000000000000000000000000000000b2'"), 5, 'gzip spans stored');

$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 3, seed => 'b3',
	overrides => [ { index => 2, set => { spanId => '00' } } ] } });
is($r->{grpcStatus}, 0, 'partial success is OK');
is($r->{response}{partialSuccess}{rejectedSpans}, '1', 'partial_success.rejected_spans = 1');
like($r->{response}{partialSuccess}{errorMessage}, qr/rejected 1 of 3 spans/, 'with a message');

$r = otlp($node, { mode => 'grpc', rawText => 'definitely not protobuf' });
is($r->{grpcStatus}, 3, 'undecodable message: INVALID_ARGUMENT');
ok(length($r->{grpcMessage}) > 0, 'with a grpc-message');

$r = otlp($node, { mode => 'grpc', payload => { kind => 'zeros', size => 2 * 1024 * 1024 } });
is($r->{grpcStatus}, 8, 'message over tempo.max_request_bytes: RESOURCE_EXHAUSTED');
$r = otlp($node, { mode => 'grpc', gzip => 1, payload => { kind => 'zeros', size => 8 * 1024 * 1024 } });
is($r->{grpcStatus}, 8, 'gzip bomb: RESOURCE_EXHAUSTED');
like($r->{grpcMessage}, qr/after decompression/, 'after decompression');

$r = otlp($node, { mode => 'grpc', path => '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
	payload => { kind => 'proto' } });
is($r->{grpcStatus}, 12, 'other method: UNIMPLEMENTED');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto' }, gzip => 1,
	headers => { 'grpc-encoding' => 'snappy' } });
is($r->{grpcStatus}, 12, 'unsupported grpc-encoding: UNIMPLEMENTED');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto' }, grpcFlag => 1 });
is($r->{grpcStatus}, 13, 'compressed flag without grpc-encoding: INTERNAL');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto' }, grpcLength => 3 });
is($r->{grpcStatus}, 3, 'message length not matching the data: INVALID_ARGUMENT');
$r = otlp($node, { mode => 'grpc', noMessage => 1 });
is($r->{grpcStatus}, 3, 'call without a message: INVALID_ARGUMENT');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto' },
	headers => { 'content-type' => 'application/json' } });
is($r->{status}, 415, 'non-gRPC content type: HTTP 415');

# several calls on one connection are answered (the client reuses it)
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 1, seed => 'b4' } });
is($r->{grpcStatus}, 0, 'still serving');

like(metric_value($node, 'tempo_ingest_requests_total{protocol="grpc",code="OK"}'), qr/^[4-9]$/,
	'gRPC OK counted in /metrics');

# multi-tenancy through the x-scope-orgid metadata
$node->append_conf('postgresql.conf', "tempo.multitenancy = on\n");
$node->reload;
ok(wait_until(sub {
	otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 1, seed => 'b5' } })->{grpcStatus} == 16 }),
	'without x-scope-orgid: UNAUTHENTICATED');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 2, seed => 'b6' },
	headers => { 'x-scope-orgid' => 'team-a' } });
is($r->{grpcStatus}, 0, 'with x-scope-orgid: OK');
is($node->safe_psql('postgres',
	"SELECT tenant || ':' || count(*) FROM tempo.spans WHERE trace_id::text = '000000000000000000000000000000b6' GROUP BY tenant"),
	'team-a:2', 'spans stored under the tenant');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto' }, headers => { 'x-scope-orgid' => 'bad/tenant' } });
is($r->{grpcStatus}, 16, 'invalid tenant name: UNAUTHENTICATED');

$node->stop;
done_testing();
