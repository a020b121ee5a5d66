# Bad-input catalog for the ingest worker: malformed protobuf and JSON,
# bad ids, invalid UTF-8, oversized and deeply nested values, gzip bombs,
# wrong content types, broken HTTP, slowloris and abrupt disconnects, on
# OTLP/HTTP and OTLP/gRPC.  Each request gets the right answer, and the
# same worker process (same PID) still serves a good request at the end.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TempoTest;
use TempoIngest;

my $node = ingest_node('ingest_bad', conf => "tempo.max_request_bytes = '32MB'\ntempo.ingest_idle_timeout = '2s'\n");
ok(wait_for_ready($node), 'worker ready');
my $pids = worker_pids($node);
is(scalar(@$pids), 1, 'one worker');

my $pb = { 'Content-Type' => 'application/x-protobuf' };
my $js = { 'Content-Type' => 'application/json' };

# [name, request, expected HTTP status (or code ref checking the result)]
my @http_cases = (
	[ 'truncated protobuf', { payload => { kind => 'bad', name => 'truncated' }, headers => $pb }, 400 ],
	[ 'wrong wire type for a message field', { payload => { kind => 'bad', name => 'wrong_wire_type' }, headers => $pb }, 400 ],
	[ 'huge varint', { payload => { kind => 'bad', name => 'huge_varint' }, headers => $pb }, 400 ],
	[ 'length past the end', { payload => { kind => 'bad', name => 'bad_length' }, headers => $pb }, 400 ],
	[ 'garbage bytes', { payload => { kind => 'bad', name => 'garbage' }, headers => $pb }, 400 ],
	[ 'fixed64 time sent as varint', { payload => { kind => 'bad', name => 'time_as_varint' }, headers => $pb }, 400 ],
	[ 'group wire type', { payload => { kind => 'bad', name => 'group_wire_type' }, headers => $pb }, 400 ],
	[ 'kvlist nested 200 deep', { payload => { kind => 'bad', name => 'deep_kvlist', depth => 200 }, headers => $pb }, 400 ],
	[ 'kvlist nested 20 deep is fine', { payload => { kind => 'bad', name => 'deep_kvlist', depth => 20 }, headers => $pb }, 200 ],
	[ 'invalid UTF-8 in a span name (repaired, reported)',
		{ payload => { kind => 'proto', n => 1, seed => 'c1', overrides => [ { index => 0, set => { nameBytes => '41ff fe42' =~ s/ //gr } } ] }, headers => $pb },
		sub { $_[0]{status} == 200 && ($_[0]{decoded}{partialSuccess}{errorMessage} // '') =~ /UTF-8/ } ],
	[ 'trace id of 15 bytes (partial success)',
		{ payload => { kind => 'proto', n => 2, seed => 'c2', overrides => [ { index => 0, set => { traceId => 'ab' x 15 } } ] }, headers => $pb },
		sub { $_[0]{status} == 200 && $_[0]{decoded}{partialSuccess}{rejectedSpans} eq '1' } ],
	[ 'all-zero trace id (partial success)',
		{ payload => { kind => 'proto', n => 2, seed => 'c3', overrides => [ { index => 1, set => { traceId => '0' x 32 } } ] }, headers => $pb },
		sub { $_[0]{status} == 200 && $_[0]{decoded}{partialSuccess}{rejectedSpans} eq '1' } ],
	[ 'all-zero span id (partial success)',
		{ payload => { kind => 'json', n => 3, seed => 'c4', overrides => [ { index => 1, set => { spanId => '0' x 16 } } ] }, headers => $js },
		sub { $_[0]{status} == 200 && $_[0]{decoded}{partialSuccess}{rejectedSpans} eq '1' } ],
	[ 'span id of 9 bytes (partial success)',
		{ payload => { kind => 'proto', n => 1, seed => 'c5', overrides => [ { index => 0, set => { spanId => '01' x 9 } } ] }, headers => $pb },
		sub { $_[0]{status} == 200 && $_[0]{decoded}{partialSuccess}{rejectedSpans} eq '1' } ],
	[ '10 MB attribute value (truncated, reported)', { payload => { kind => 'bad', name => 'huge_value', seed => 'c6' }, headers => $pb },
		sub { $_[0]{status} == 200 && ($_[0]{decoded}{partialSuccess}{errorMessage} // '') =~ /truncated/ } ],
	[ '1M attributes on one span (17 MB)', { payload => { kind => 'bad', name => 'many_attributes', count => 1000000, seed => 'c7' }, headers => $pb }, 200 ],
	[ 'invalid JSON', { rawText => '{"resourceSpans":[{', headers => $js }, 400 ],
	[ 'JSON of the wrong shape', { rawText => '{"resourceSpans": 5}', headers => $js }, 400 ],
	[ 'JSON with a non-hex trace id', { rawText => '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708","name":"x"}]}]}]}', headers => $js },
		sub { $_[0]{status} == 400 || ($_[0]{status} == 200 && $_[0]{decoded}{partialSuccess}{rejectedSpans} eq '1') } ],
	[ 'JSON nested 5000 deep', { payload => { kind => 'json', deepJson => 5000 }, headers => $js }, 400 ],
	[ 'empty JSON body', { rawText => '', headers => $js }, 400 ],
	[ 'JSON body sent as protobuf', { payload => { kind => 'json', n => 1 }, headers => $pb }, 400 ],
	[ 'gzip bomb (64 MB of zeros)', { payload => { kind => 'zeros', size => 64 * 1024 * 1024 }, gzip => 1, headers => $pb }, 413 ],
	[ 'corrupt gzip', { rawText => 'not gzip at all', headers => { %$pb, 'Content-Encoding' => 'gzip' } }, 400 ],
	[ 'truncated gzip', { payload => { kind => 'proto', n => 3 }, gzip => 1, gzipTruncate => 10, headers => $pb }, 400 ],
	[ 'wrong content type', { payload => { kind => 'proto' }, headers => { 'Content-Type' => 'application/protobuf' } }, 415 ],
	[ 'no content type', { payload => { kind => 'proto' } }, 415 ],
	[ 'deflate content encoding', { payload => { kind => 'proto' }, headers => { %$pb, 'Content-Encoding' => 'deflate' } }, 415 ],
	[ 'DELETE /v1/traces', { method => 'DELETE', rawText => '', headers => $pb }, 405 ],
	[ 'POST /v1/metrics', { path => '/v1/metrics', payload => { kind => 'proto' }, headers => $pb }, 404 ],
	[ 'POST /metrics', { path => '/metrics', rawText => '', headers => $pb }, 405 ],
);

for my $c (@http_cases)
{
	my ($name, $req, $expect) = @$c;
	my $r = otlp($node, $req);
	if (ref $expect)
	{
		ok($expect->($r), "HTTP: $name") or diag explain $r;
	}
	else
	{
		is($r->{status}, $expect, "HTTP: $name -> $expect") or diag explain $r;
	}
}

# broken HTTP on a raw socket: the server answers 4xx or closes, and goes on
my $r = otlp($node, { mode => 'raw', send => [ "THIS IS NOT HTTP\r\n\r\n" ], waitClose => 5000 });
ok($r->{closed} && $r->{body} =~ m{^(HTTP/1.\d 4\d\d|$)}, 'garbage request line: 4xx or closed');
$r = otlp($node, { mode => 'raw', send => [ "GET /ready HTTP/1.1\r\nX-Big: " . ('a' x 20000) . "\r\n\r\n" ], waitClose => 5000 });
ok($r->{closed} && $r->{body} !~ m{^HTTP/1.1 200}, 'header block over 16 kB: refused');
$r = otlp($node, { mode => 'raw', send => [ "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" ], waitClose => 5000 });
ok($r->{closed} && $r->{body} !~ m{^HTTP/1.1 200}, 'bad chunk size: refused');

# abrupt disconnects: mid-headers, mid-body, and right after a full request
otlp($node, { mode => 'raw', send => [ "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-" ], closeAfterSend => 1 });
pass('disconnect in the middle of the headers');
otlp($node, { mode => 'raw', send => [ "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n0123456789" ], closeAfterSend => 1 });
pass('disconnect in the middle of the body');
my $hex = otlp($node, { mode => 'payload', payload => { kind => 'proto', n => 2, seed => 'c8' } })->{hex};
{
	# full request, then gone before the answer: stored, the reply is dropped
	my $body = pack('H*', $hex);
	my $full = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: "
	  . length($body) . "\r\n\r\n" . $body;
	otlp($node, { mode => 'raw', send => [ unpack('H*', $full) ], sendEncoding => 'hex', closeAfterSend => 1 });
	ok(wait_until(sub { span_count($node, "trace_id::text = '000000000000000000000000000000c8'") == 2 }),
		'disconnect before the answer: the request is still stored');
}

# slowloris: a connection that never finishes its headers is closed after
# tempo.ingest_idle_timeout (2 s here) and does not stop other clients
{
	my $t0 = time();
	my $slow = IPC::Run::start([ 'node', "$ENV{TEMPO_TOP}/test/t/otlp_client.js",
		JSON::PP::encode_json({ mode => 'raw', port => $node->{tempo_http},
			send => [ "POST /v1/traces HTTP/1.1\r\nHost: x\r\n" ], waitClose => 30000 }) ],
		'>', \my $slow_out);
	my $g = otlp($node, { payload => { kind => 'proto', n => 1, seed => 'c9' }, headers => $pb });
	is($g->{status}, 200, 'slowloris: other requests are served meanwhile');
	$slow->finish;
	like($slow_out, qr/"closed":true/, 'slowloris: the stalled connection is closed by the server');
	cmp_ok(time() - $t0, '<', 25, 'slowloris: closed after the idle timeout, not the client giving up');
}

# gRPC port
my @grpc_cases = (
	[ 'truncated protobuf', { payload => { kind => 'bad', name => 'truncated' } }, 3 ],
	[ 'huge varint', { payload => { kind => 'bad', name => 'huge_varint' } }, 3 ],
	[ 'kvlist nested 200 deep', { payload => { kind => 'bad', name => 'deep_kvlist', depth => 200 } }, 3 ],
	[ 'gzip bomb', { payload => { kind => 'zeros', size => 64 * 1024 * 1024 }, gzip => 1 }, 8 ],
	[ 'corrupt gzip message', { rawText => 'not gzip', grpcFlag => 1, headers => { 'grpc-encoding' => 'gzip' } }, 3 ],
	[ 'message length larger than the data', { payload => { kind => 'proto' }, grpcLength => 100000 }, 3 ],
	[ 'compressed flag 7', { payload => { kind => 'proto' }, grpcFlag => 7 }, 3 ],
	[ 'unknown service', { path => '/grpc.health.v1.Health/Check', payload => { kind => 'proto' } }, 12 ],
);
for my $c (@grpc_cases)
{
	my ($name, $req, $expect) = @$c;
	my $g = otlp($node, { mode => 'grpc', %$req });
	is($g->{grpcStatus}, $expect, "gRPC: $name -> $expect") or diag explain $g;
}
otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 50 }, abortAfterMs => 100 });
pass('gRPC: connection dropped in the middle of a message');
$r = otlp($node, { mode => 'raw', port => $node->{tempo_grpc}, send => [ "GET / HTTP/1.1\r\nHost: x\r\n\r\n" ], waitClose => 5000 });
ok($r->{closed}, 'gRPC port: HTTP/1.1 request, connection closed');

# the same worker still serves, over both protocols
my $g = otlp($node, { payload => { kind => 'proto', n => 2, seed => 'cf' }, headers => $pb });
is($g->{status}, 200, 'good HTTP request after the catalog');
$g = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 2, seed => 'ce' } });
is($g->{grpcStatus}, 0, 'good gRPC call after the catalog');
is_deeply(worker_pids($node), $pids, 'the worker PID did not change');
my $log = slurp_file($node->logfile);
unlike($log, qr/exited with exit code|terminated by signal/, 'no worker exit in the log');

$node->stop;
done_testing();
