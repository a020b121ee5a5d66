# Ack means durable (issue 3): a client sends for 20 s while the postmaster
# is SIGKILLed and restarted; afterwards every span of every acknowledged
# request, before and after the crash, is present exactly once.  The spans
# go to tempo_columnar partitions created by the ingest path, through the
# head, while the compactor runs with small stripes and a short naptime, so
# the crash also hits compactions in progress.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TempoTest;
use TempoIngest;

my $node = ingest_node('ingest_crash', workers => 2, no_extension => 1, conf => q{
tempo.compaction_stripe_rows = 400
tempo.compaction_naptime = '50ms'
tempo.compaction_max_age = '1s'
});
$node->safe_psql('postgres', 'CREATE EXTENSION tempo');
ok(wait_for_ready($node), 'ready');

my $spans = 5;
my $duration = 20;
my $out;
my $t0 = time();
my $client = IPC::Run::start([ 'node', "$ENV{TEMPO_TOP}/test/t/otlp_client.js",
	encode_json({ mode => 'stream', port => $node->{tempo_http}, durationMs => $duration * 1000,
		concurrency => 4, payload => { kind => 'proto', n => $spans, seed => 'e0000' } }) ],
	'>', \$out);

# let requests and compactions run, then kill the postmaster mid-flight
ok(wait_until(sub { span_count($node) >= 500 }), 'requests are being stored');
ok(wait_until(sub {
	$node->safe_psql('postgres', 'SELECT count(*) FROM tempo.col_stripe') > 0 }),
	'the compactor is writing stripes');
my $before_kill = span_count($node);
my $pm = $node->{_pid};
kill 'KILL', $pm;
ok(wait_until(sub { !kill(0, $pm) }, 10), 'postmaster SIGKILLed');
note(sprintf('killed at %.1f s with %d spans stored', time() - $t0, $before_kill));

# restart while the client keeps sending; it gets acks again afterwards
ok(start_after_crash($node), 'restarted after crash recovery');
$client->finish;
note(sprintf('client ran %.1f s', time() - $t0));
my $res = decode_json($out);
my @acked = @{ $res->{acked} };
cmp_ok(scalar(@acked), '>=', 40, scalar(@acked) . ' requests acknowledged');
cmp_ok($res->{failed}, '>', 0, "$res->{failed} requests failed (server gone)");
my $after = $node->safe_psql('postgres', 'SELECT count(*) FROM tempo.spans') / $spans;
cmp_ok($after, '>', $before_kill / $spans, 'requests were stored after the restart too');

my $list = join(',', map { "'" . sprintf('%032s', $_) . "'" } @acked);
$list =~ tr/ /0/;
my $check = qq{
	SELECT count(*) FROM unnest(ARRAY[$list]) AS a(t)
	  LEFT JOIN (SELECT trace_id::text AS t, count(*) AS n FROM tempo.spans GROUP BY 1) s USING (t)
	 WHERE coalesce(s.n, 0) <> $spans};
is($node->safe_psql('postgres', $check), '0',
	"every acknowledged request has its $spans spans, no more, no less");
my $dups = 'SELECT count(*) FROM (SELECT trace_id, span_id FROM tempo.spans GROUP BY 1, 2 HAVING count(*) > 1) d';
is($node->safe_psql('postgres', $dups), '0', 'no span is stored twice');

# after compaction of everything, still exactly once
$node->safe_psql('postgres', 'SELECT count(*) FROM tempo.compact()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tempo.col_head'), '0', 'head compacted');
is($node->safe_psql('postgres', $check), '0', 'after compaction: every acknowledged span once');
is($node->safe_psql('postgres', $dups), '0', 'after compaction: no duplicates');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM tempo.storage WHERE access_method <> 'tempo_columnar'}),
	'0', 'spans are in tempo_columnar partitions');

$node->stop;
done_testing();
