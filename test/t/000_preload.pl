# tempo loads through shared_preload_libraries, its settings exist with
# their documented defaults, and bad values are refused.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $node = tempo_node('preload');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION tempo');

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), 'tempo', 'preloaded');
is($node->safe_psql('postgres', 'SHOW tempo.partition_interval'), '1 day', 'partition_interval default');
is($node->safe_psql('postgres', 'SHOW tempo.retention'), '14 days', 'retention default');
is($node->safe_psql('postgres', 'SHOW tempo.max_request_bytes'), '16MB', 'max_request_bytes default');
is($node->safe_psql('postgres', 'SHOW tempo.cost_attribution_max_cardinality'), '10000',
	'cost_attribution_max_cardinality default');

my ($ret, $out, $err) = $node->psql('postgres', q{SET tempo.partition_interval = '-1 day'});
isnt($ret, 0, 'a negative partition interval is refused');
like($err, qr/invalid value for parameter "tempo.partition_interval"/, 'with a clear message');

($ret, $out, $err) = $node->psql('postgres', q{SET tempo.no_such_setting = 1});
like($err, qr/invalid configuration parameter name "tempo.no_such_setting"/,
	'the tempo. prefix is reserved');

$node->stop;
done_testing();
