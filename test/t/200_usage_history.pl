# Cost attribution across a restart: tempo.usage_history keeps what was
# counted (tempo.usage_flush() and the history worker's final pass at
# shutdown), the live counters start again from zero, and the Prometheus
# text of the tracker and of the quality counters passes promtool.
use strict;
use warnings;
use File::Temp qw(tempfile);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $node = tempo_node('usage');
$node->append_conf('postgresql.conf', q{
tempo.database = 'postgres'
tempo.cost_attribution_enabled = on
tempo.cost_attribution_dimensions = 'service.name, span.http.method=method'
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION tempo;
CREATE TABLE tempo.spans_all PARTITION OF tempo.spans DEFAULT;
});
$node->safe_psql('postgres', slurp_file("$ENV{TEMPO_TOP}/test/sql/otlp_builders.sql"));
# a request of one batch: resource service.name, n spans with http.method
# GET or POST alternately, ending now
$node->safe_psql('postgres', q{
CREATE FUNCTION u_payload(service text, n int, first int) RETURNS bytea LANGUAGE sql AS $$
  SELECT u_req(u_batch(service, NULL, u_scope(NULL, VARIADIC (
      SELECT array_agg(u_span(i, ARRAY[u_kvs('http.method', CASE WHEN i % 2 = 0 THEN 'GET' ELSE 'POST' END)],
                              floor(extract(epoch FROM now()))::bigint * 1000000000) ORDER BY i)
        FROM generate_series(first, first + n - 1) i))))
$$;
});

sub ingest
{
	my ($service, $n, $first, $tenant) = @_;
	return $node->safe_psql('postgres',
		"SELECT accepted_spans FROM tempo.ingest(u_payload('$service', $n, $first), "
		  . "'application/x-protobuf', '$tenant')");
}

is(ingest('cart', 10, 1, 'acme'), '10', 'first request stored');
is(ingest('web', 5, 100, 'acme'), '5', 'second request stored');
is(ingest('cart', 4, 200, 'other'), '4', 'other tenant stored');

my $live = $node->safe_psql('postgres',
	q{SELECT string_agg(format('%s %s %s %s', tenant, labels, bytes_received, spans_received), E'\n'
	                    ORDER BY tenant, labels::text) FROM tempo.usage});
note "live series:\n$live";
my $live_bytes = $node->safe_psql('postgres', 'SELECT sum(bytes_received) FROM tempo.usage');
ok($live_bytes > 0, 'bytes counted');
is($node->safe_psql('postgres', q{SELECT count(*) FROM tempo.usage}), '6',
	'six series: acme cart/web x GET/POST, other cart x GET/POST');

# the series reconcile with the request sizes: each request is one batch
# of 128..16383 bytes, whose framing (1 byte tag + 2 bytes length) is not
# attributed
is( $node->safe_psql('postgres', q{
	SELECT sum(length(p) - 3)
	  FROM (VALUES (u_payload('cart', 10, 1)), (u_payload('web', 5, 100)),
	               (u_payload('cart', 4, 200))) v(p)}),
	$live_bytes, 'series sum = request sizes minus batch framing');

# part of it flushed by hand, the rest by the worker at shutdown
ok($node->safe_psql('postgres', 'SELECT tempo.usage_flush()') > 0, 'usage_flush wrote rows');
is(ingest('cart', 3, 300, 'acme'), '3', 'third request stored');
my $total_bytes = $node->safe_psql('postgres', 'SELECT sum(bytes_received) FROM tempo.usage');
my $by_service = $node->safe_psql('postgres', q{
	SELECT string_agg(format('%s=%s/%s', tenant, bytes_received, spans_received), ' ' ORDER BY tenant)
	  FROM (SELECT tenant, sum(bytes_received) bytes_received, sum(spans_received) spans_received
	          FROM tempo.usage GROUP BY tenant) s});

# the Prometheus text of both endpoints is valid
for my $fn ('usage_metrics_text', 'quality_metrics_text')
{
	my $text = $node->safe_psql('postgres', "SELECT tempo.$fn()");
	my ($fh, $file) = tempfile();
	print $fh $text, "\n";
	close $fh;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ 'promtool', 'check', 'metrics' ], '<', $file, '>', \$stdout, '2>', \$stderr);
	ok($ok, "promtool accepts tempo.$fn()") or diag("$stdout$stderr\n$text");
	unlink $file;
}
like($node->safe_psql('postgres', 'SELECT tempo.usage_metrics_text()'),
	qr/^tempo_usage_tracker_bytes_received_total\{method="GET",service_name="cart",tenant="acme",tracker="cost-attribution"\} \d+$/m,
	'usage metric with sorted labels');

$node->restart;

is($node->safe_psql('postgres', 'SELECT count(*) FROM tempo.usage'), '0',
	'live counters start again after a restart');
is($node->safe_psql('postgres', 'SELECT sum(bytes_received) FROM tempo.usage_history'),
	$total_bytes, 'history holds every byte counted before the restart');
is( $node->safe_psql('postgres', q{
	SELECT string_agg(format('%s=%s/%s', labels->>'tenant', bytes_received, spans_received), ' '
	                  ORDER BY labels->>'tenant')
	  FROM tempo.usage_report(now() - interval '1 day', now() + interval '1 day', '{tenant}')}),
	$by_service, 'usage_report by tenant matches the live counters before the restart');
is( $node->safe_psql('postgres', q{
	SELECT string_agg(format('%s %s', labels, spans_received), ', ' ORDER BY labels::text)
	  FROM tempo.usage_report(now() - interval '1 day', now() + interval '1 day', '{service_name}')}),
	'{"service_name": "cart"} 17, {"service_name": "web"} 5',
	'usage_report by service');

# the worker writes on its own every minute
is(ingest('web', 2, 400, 'acme'), '2', 'request after restart stored');
ok( $node->poll_query_until('postgres',
		q{SELECT sum(spans_received) = 24 FROM tempo.usage_history}, 't'),
	'the history worker wrote the new minute');

# retention: rows older than tempo.retention go at the next pass
$node->safe_psql('postgres', q{
	INSERT INTO tempo.usage_history VALUES (now() - interval '30 days', 'acme', '{}', 1, 1);
	ALTER SYSTEM SET tempo.retention = '7 days';
	SELECT pg_reload_conf();});
is(ingest('web', 1, 500, 'acme'), '1', 'one more request');
ok( $node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM tempo.usage_history WHERE minute < now() - interval '7 days'}, 't'),
	'rows past the retention are deleted');

$node->stop;
done_testing();
