# Helpers for the TAP tests of the OTLP ingest workers: a node with the
# receivers on free ports, a client (test/t/otlp_client.js under node) and
# polling helpers.  Nothing here sleeps: waits poll with a deadline.
package TempoIngest;

use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TempoTest;
use Exporter 'import';

our @EXPORT = qw(ingest_node otlp worker_pids wait_for_ready wait_until
  span_count metric_value curl spans_partition);

my $client = "$ENV{TEMPO_TOP}/test/t/otlp_client.js";

# A started node with tempo, ingest workers on free ports and the
# extension created.  Returns the node; its ports are in
# $node->{tempo_http} and $node->{tempo_grpc}.
sub ingest_node
{
	my ($name, %opts) = @_;
	my $node = tempo_node($name);
	my $http = PostgreSQL::Test::Cluster::get_free_port();
	my $grpc = PostgreSQL::Test::Cluster::get_free_port();
	my $workers = $opts{workers} // 1;
	$node->append_conf('postgresql.conf', qq{
tempo.otlp_http_listen = '127.0.0.1:$http'
tempo.otlp_grpc_listen = '127.0.0.1:$grpc'
tempo.ingest_workers = $workers
tempo.database = 'postgres'
} . ($opts{conf} // ''));
	$node->{tempo_http} = $http;
	$node->{tempo_grpc} = $grpc;
	$node->start;
	unless ($opts{no_extension})
	{
		$node->safe_psql('postgres', 'CREATE EXTENSION tempo');
		spans_partition($node);
	}
	return $node;
}

# A heap default partition of tempo.spans, so that these tests do not
# depend on the columnar access method or on partition creation.
sub spans_partition
{
	my ($node) = @_;
	$node->safe_psql('postgres',
		'CREATE TABLE tempo.spans_default PARTITION OF tempo.spans DEFAULT');
}

# Run one client request (hash ref, see otlp_client.js) and return the
# decoded result.  port defaults to the node's HTTP or gRPC port.
sub otlp
{
	my ($node, $req) = @_;
	my %r = %$req;
	$r{port} //= ($r{mode} // '') eq 'grpc' ? $node->{tempo_grpc} : $node->{tempo_http};
	my $json = encode_json(\%r);
	my ($stdout, $stderr);
	IPC::Run::run([ 'node', $client, $json ], '>', \$stdout, '2>', \$stderr)
	  or die "otlp_client.js failed: $stderr";
	return decode_json($stdout);
}

# Poll $check->() until it returns true or $timeout seconds pass.
sub wait_until
{
	my ($check, $timeout) = @_;
	my $deadline = time() + ($timeout // $PostgreSQL::Test::Utils::timeout_default);
	while (time() < $deadline)
	{
		return 1 if $check->();
		usleep(50_000);
	}
	return 0;
}

# PIDs of the running ingest workers, sorted.
sub worker_pids
{
	my ($node) = @_;
	my $out = $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'tempo ingest worker' ORDER BY pid});
	return [ grep { $_ ne '' } split /\n/, $out ];
}

# Wait until GET /ready answers 200.
sub wait_for_ready
{
	my ($node) = @_;
	return wait_until(
		sub {
			my $r = otlp($node, { method => 'GET', path => '/ready' });
			return defined $r->{status} && $r->{status} == 200;
		});
}

sub span_count
{
	my ($node, $where) = @_;
	$where //= 'true';
	return $node->safe_psql('postgres', "SELECT count(*) FROM tempo.spans WHERE $where");
}

# Value of one sample line of GET /metrics ("name{labels}"), 0 if absent.
sub metric_value
{
	my ($node, $series) = @_;
	my $r = otlp($node, { method => 'GET', path => '/metrics' });
	for my $line (split /\n/, $r->{body} // '')
	{
		return $1 if $line =~ /^\Q$series\E (\d+)$/;
	}
	return 0;
}

# Run curl with arguments; returns (exit code, stdout).
sub curl
{
	my (@args) = @_;
	my ($out, $err);
	IPC::Run::run([ 'curl', '-sS', @args ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out);
}

1;
