# Ack means durable: a client keeps sending while the postmaster is
# SIGKILLed; after crash recovery every span of every acknowledged request
# is present exactly once.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;
use TempoIngest;

my $node = ingest_node('ingest_crash', workers => 2);
ok(wait_for_ready($node), 'ready');

my $spans = 5;
my $out;
my $client = IPC::Run::start([ 'node', "$ENV{TEMPO_TOP}/test/t/otlp_client.js",
	encode_json({ mode => 'stream', port => $node->{tempo_http}, durationMs => 6000, concurrency => 4,
		payload => { kind => 'proto', n => $spans, seed => 'e0000' } }) ],
	'>', \$out);

# kill the postmaster while requests are in flight
ok(wait_until(sub { span_count($node) >= 200 }), 'requests are being stored');
my $pm = $node->{_pid};
kill 'KILL', $pm;
ok(wait_until(sub { !kill(0, $pm) }, 10), 'postmaster SIGKILLed');
$node->{_pid} = undef;

$client->finish;
my $res = decode_json($out);
my @acked = @{ $res->{acked} };
cmp_ok(scalar(@acked), '>=', 40, scalar(@acked) . ' requests acknowledged before the crash');
cmp_ok($res->{failed}, '>', 0, "$res->{failed} requests failed (server gone)");

ok(wait_until(sub { $node->start(fail_ok => 1) }, 60), 'restarted after crash recovery');

my $list = join(',', map { "'" . sprintf('%032s', $_) . "'" } @acked);
$list =~ tr/ /0/;
my $missing = $node->safe_psql('postgres', qq{
	SELECT count(*) FROM unnest(ARRAY[$list]) AS a(t)
	WHERE (SELECT count(*) FROM tempo.spans s WHERE s.trace_id::text = a.t) <> $spans});
is($missing, '0', "every acknowledged request has its $spans spans, no more, no less");
is($node->safe_psql('postgres',
	'SELECT count(*) FROM (SELECT trace_id, span_id FROM tempo.spans GROUP BY 1, 2 HAVING count(*) > 1) d'),
	'0', 'no span is stored twice');

$node->stop;
done_testing();
