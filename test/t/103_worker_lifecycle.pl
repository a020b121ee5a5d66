# Ingest worker lifecycle and settings: two workers share the ports, group
# commit acks every concurrent request, SIGHUP reloads tempo.* settings
# (size limit, multi-tenancy, rate limit), SIGTERM ends a worker within a
# second and the postmaster restarts it, and the workers exit when the
# postmaster dies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TempoTest;
use TempoIngest;

my $node = ingest_node('ingest_life', workers => 2, conf => "lock_timeout = '1s'\n");
ok(wait_until(sub { scalar(@{ worker_pids($node) }) == 2 }), 'two ingest workers run');
ok(wait_for_ready($node), 'ready');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tempo ingest worker' AND datname = 'postgres' AND usesysid = 10}),
	'2', 'connected to tempo.database as the bootstrap superuser');

# concurrent requests: all acked, all stored; commits are shared
my $commits0 = metric_value($node, 'tempo_ingest_commits_total');
my $r = otlp($node, { mode => 'burst', count => 40, payload => { kind => 'proto', n => 5, seed => 'd000' } });
is(scalar(grep { $_ eq '200' } @{ $r->{statuses} }), 40, '40 concurrent requests: all 200');
is(span_count($node, "trace_id::text LIKE '0000000000000000000000000000d0%'"), 200, 'all 200 spans stored');
my $commits = metric_value($node, 'tempo_ingest_commits_total') - $commits0;
cmp_ok($commits, '<=', 40, "40 requests took $commits commits");
note("group commit: 40 concurrent requests in $commits commits");

# SIGHUP: a smaller size limit applies without a restart
my $big = { payload => { kind => 'proto', n => 40, seed => 'd1' }, headers => { 'Content-Type' => 'application/x-protobuf' } };
is(otlp($node, $big)->{status}, 200, 'a 40-span request passes the default limit');
$node->safe_psql('postgres', q{ALTER SYSTEM SET tempo.max_request_bytes = '2kB'});
$node->reload;
ok(wait_until(sub { otlp($node, $big)->{status} == 413 }), 'after SIGHUP the same request is 413');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET tempo.max_request_bytes});
$node->reload;
ok(wait_until(sub { otlp($node, $big)->{status} == 200 }), 'and 200 again after RESET and reload');

# a database that cannot take the writes: 503 with Retry-After, nothing acked
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE tempo.spans IN ACCESS EXCLUSIVE MODE');
$r = otlp($node, { payload => { kind => 'json', n => 2, seed => 'd8' }, headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 503, 'tempo.spans locked past lock_timeout: 503');
is($r->{headers}{'retry-after'}, '1', 'with Retry-After');
like($r->{decoded}{message}, qr/lock timeout/, 'Status message says why');
$r = otlp($node, { mode => 'grpc', payload => { kind => 'proto', n => 2, seed => 'd9' } });
is($r->{grpcStatus}, 14, 'gRPC: UNAVAILABLE');
$locker->query_safe('COMMIT');
$locker->quit;
is(span_count($node, "trace_id::text IN ('000000000000000000000000000000d8', '000000000000000000000000000000d9')"),
	0, 'nothing of the refused requests was stored');
$r = otlp($node, { payload => { kind => 'json', n => 2, seed => 'd8' }, headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 200, 'lock released: 200');

# multi-tenancy switched on by reload
my $pb = { 'Content-Type' => 'application/x-protobuf' };
$node->safe_psql('postgres', q{ALTER SYSTEM SET tempo.multitenancy = on});
$node->reload;
ok(wait_until(sub { otlp($node, { payload => { kind => 'proto' }, headers => $pb })->{status} == 401 }),
	'multi-tenancy on: no X-Scope-OrgID is 401');
# both workers must have reloaded before checking tenants
ok(wait_until(sub {
	my $s = otlp($node, { mode => 'burst', count => 10, payload => { kind => 'proto', n => 1, seed => 'd200' } });
	scalar(grep { $_ eq '401' } @{ $s->{statuses} }) == 10 }), 'on every worker');
$r = otlp($node, { payload => { kind => 'proto', n => 2, seed => 'd3' }, headers => { %$pb, 'X-Scope-OrgID' => 'acme' } });
is($r->{status}, 200, 'with X-Scope-OrgID: 200');
is($node->safe_psql('postgres', "SELECT DISTINCT tenant FROM tempo.spans WHERE trace_id::text = '000000000000000000000000000000d3'"),
	'acme', 'stored under the tenant');
$r = otlp($node, { payload => { kind => 'proto' }, headers => { %$pb, 'X-Scope-OrgID' => 'a|b' } });
is($r->{status}, 401, 'invalid tenant name: 401');

# rate limit per tenant: burst 3000 bytes, refill 1 byte/s
$node->safe_psql('postgres', q{ALTER SYSTEM SET tempo.ingest_burst_size_bytes = 3000});
$node->safe_psql('postgres', q{ALTER SYSTEM SET tempo.ingest_rate_limit_bytes = 1});
$node->reload;
my $huge = { payload => { kind => 'proto', n => 40, seed => 'd4' }, headers => { %$pb, 'X-Scope-OrgID' => 'big' } };
ok(wait_until(sub { otlp($node, $huge)->{status} == 429 }), 'a request larger than the burst is 429');
$r = otlp($node, $huge);
like($r->{decoded}{message}, qr/^RATE_LIMITED: /, 'Status message starts with RATE_LIMITED');
ok($r->{headers}{'retry-after'} > 0, 'with Retry-After');
# requests of ~1 kB: at most 2 pass per worker (3000 byte burst), then 429
my @st;
for my $i (1 .. 12)
{
	push @st, otlp($node, { payload => { kind => 'proto', n => 10, seed => sprintf('d5%02d', $i) },
		headers => { %$pb, 'X-Scope-OrgID' => 'small' } })->{status};
}
ok((grep { $_ == 200 } @st) >= 2 && (grep { $_ == 200 } @st) <= 4 && (grep { $_ == 429 } @st) >= 8,
	"tenant over its burst gets 429 (statuses: @st)");
$r = otlp($node, { payload => { kind => 'proto', n => 3, seed => 'd6' }, headers => { %$pb, 'X-Scope-OrgID' => 'other' } });
is($r->{status}, 200, 'another tenant is not limited');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET ALL});
$node->reload;
ok(wait_until(sub { otlp($node, { payload => { kind => 'proto' }, headers => $pb })->{status} == 200 }),
	'settings reset');

# SIGTERM: the worker exits within a second and is restarted
my $pids = worker_pids($node);
my $victim = $pids->[0];
my $t0 = time();
kill 'TERM', $victim;
ok(wait_until(sub { !kill(0, $victim) }, 5), 'SIGTERM: the worker exits');
my $took = time() - $t0;
cmp_ok($took, '<', 1.0, sprintf('within a second (%.2f s)', $took));
ok(wait_until(sub {
	my $now = worker_pids($node);
	scalar(@$now) == 2 && !grep { $_ == $victim } @$now }), 'the postmaster restarts it');
ok(wait_for_ready($node), 'ready again');
$r = otlp($node, { payload => { kind => 'proto', n => 1, seed => 'd7' }, headers => $pb });
is($r->{status}, 200, 'serving again');
like(slurp_file($node->logfile), qr/terminating background worker "tempo ingest worker" due to administrator command/,
	'the log says why the worker ended');

# a second server configured with the same addresses is warned at start
my $other = tempo_node('ingest_other');
$other->append_conf('postgresql.conf', qq{
tempo.otlp_http_listen = '127.0.0.1:$node->{tempo_http}'
tempo.otlp_grpc_listen = '127.0.0.1:$node->{tempo_grpc}'
tempo.ingest_workers = 1
});
$other->start;
$other->stop;
like(slurp_file($other->logfile), qr/address "127.0.0.1:$node->{tempo_http}" of "tempo.otlp_http_listen" is already in use/,
	'a server whose OTLP address is taken warns at start');

# postmaster death: the workers notice and exit
$pids = worker_pids($node);
my $pm = $node->{_pid};
kill 'KILL', $pm;
ok(wait_until(sub { !grep { kill(0, $_) } @$pids }, 10), 'postmaster killed: the workers exit');
# restart once every child of the dead postmaster is gone (crash recovery)
ok(wait_until(sub { !kill(0, $pm) }, 10), 'postmaster gone');
$node->{_pid} = undef;
ok(wait_until(sub { $node->start(fail_ok => 1) }, 60), 'server restarted');
ok(wait_for_ready($node), 'after a restart the workers serve again');

$node->stop;
done_testing();
