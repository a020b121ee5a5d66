# The head and the compactor (issue 3): acknowledged spans are visible at
# once from the head and after compaction; compaction survives a crash in
# the middle (no loss, no duplicate); a trickle of tiny requests ends as a
# few stripes; the compactor follows the worker lifecycle; head size,
# compaction and trace-quality warnings show on GET /metrics.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use TempoTest;
use TempoIngest;

my $node = ingest_node('head_compactor', no_extension => 1, conf => q{
tempo.compactor = off
tempo.compaction_stripe_rows = 1000
tempo.compaction_naptime = '100ms'
tempo.compaction_max_age = '3s'
tempo.compaction_merge_count = 4
});
$node->safe_psql('postgres', 'CREATE EXTENSION tempo');
ok(wait_for_ready($node), 'ready');

sub sql { return $node->safe_psql('postgres', $_[0]); }
sub set_conf
{
	my ($setting, $value) = @_;
	sql("ALTER SYSTEM SET $setting = '$value'");
	sql('SELECT pg_reload_conf()');
}
sub post_spans
{
	my ($payload) = @_;
	return otlp($node, { payload => $payload,
		headers => { 'Content-Type' => 'application/x-protobuf' } });
}
sub trace_spans
{
	my ($seed) = @_;
	my $t = sprintf('%032s', $seed);
	$t =~ tr/ /0/;
	return sql("SELECT count(*) FROM tempo.spans WHERE trace_id::text = '$t'");
}

# --- acknowledged = visible, from the head ----------------------------
my @seeds = map { sprintf('a%04x', $_) } 1 .. 10;
for my $s (@seeds)
{
	my $r = post_spans({ kind => 'proto', n => 20, seed => $s });
	is($r->{status}, 200, "request $s acknowledged");
	is(trace_spans($s), 20, "its 20 spans are visible at once");
}
is(trace_spans('dead'), 0, 'an unknown trace has no spans');
cmp_ok(sql('SELECT count(*) FROM tempo.col_head'), '>=', 1, 'the spans are in the head');
is(sql('SELECT count(*) FROM tempo.col_stripe'), '0', 'no stripe written yet');
is(sql('SELECT sum(head_rows) FROM tempo.storage'), '200', 'tempo.storage shows the head rows');
# a head over tempo.head_max_rows pushes back with 503 (the compactor,
# even when off, measures the head on each pass)
set_conf('tempo.head_max_rows', '100');
my $full;
ok(wait_until(sub {
	$full = post_spans({ kind => 'proto', n => 3, seed => 'b0002' });
	$full->{status} == 503 }, 30), 'a full head answers 503');
is($full->{headers}{'retry-after'}, '1', 'with Retry-After');
set_conf('tempo.head_max_rows', '0');
# a trace without a root and with a dangling parent, for the warnings
my $r = post_spans({ kind => 'proto', n => 3, seed => 'b0001',
	overrides => [ { index => 0, set => { parentSpanId => 'ffffffffffffff01' } } ] });
is($r->{status}, 200, 'rootless trace acknowledged');
# tempo.trace_json() reads through the same reader
my $first = sprintf('%032s', $seeds[0]);
$first =~ tr/ /0/;
is(sql("SELECT count(*) FROM jsonb_path_query(tempo.trace_json('$first'),
	'\$.resourceSpans[*].scopeSpans[*].spans[*]')"), '20', 'tempo.trace_json() reads the head');

# --- the compactor writes it out --------------------------------------
set_conf('tempo.compactor', 'on');
ok(wait_until(sub { sql('SELECT count(*) FROM tempo.col_head') == 0 }, 60),
	'the compactor emptied the head (max age 3 s)');
cmp_ok(sql('SELECT count(*) FROM tempo.col_stripe'), '>=', 1, 'stripes were written');
is(sql('SELECT count(*) FROM tempo.spans'), '203', 'every span is still there once');
is(trace_spans($_), 20, "trace $_ after compaction") for @seeds[0, 9];
is(sql('SELECT count(*) FROM (SELECT span_id FROM tempo.spans GROUP BY trace_id, span_id HAVING count(*) > 1) d'),
	'0', 'no duplicates after compaction');
ok(wait_until(sub { metric_value($node, 'tempo_head_rows') == 0 }, 10), 'tempo_head_rows is back to 0');
cmp_ok(metric_value($node, 'tempo_compaction_stripes_written_total'), '>=', 1,
	'tempo_compaction_stripes_written_total counts the stripes');
cmp_ok(metric_value($node, 'tempo_compaction_rows_written_total'), '>=', 203,
	'tempo_compaction_rows_written_total counts the rows');
is(metric_value($node, 'tempo_warnings_total{reason="rootless_trace",tenant="single-tenant"}'), 1,
	'the rootless trace is counted at compaction');
is(metric_value($node, 'tempo_warnings_total{reason="disconnected_trace",tenant="single-tenant"}'), 1,
	'and as disconnected');
my $m = otlp($node, { method => 'GET', path => '/metrics' })->{body};
like($m, qr/^# TYPE tempo_compaction_lag_seconds gauge$/m, 'compaction lag is exposed');
like($m, qr/^# TYPE tempo_head_bytes gauge$/m, 'head size is exposed');

# --- a trickle: tiny requests end as a few stripes --------------------
# (scaled: 60 requests of 2 spans, 10 a second at most; the real 10 spans/s
# for 5 minutes is test/bench/trickle).  With a long max age the head
# merges the tiny stripes as they come; at max age it becomes one stripe.
set_conf('tempo.compaction_max_age', '1h');
my $stripes_before = sql('SELECT sum(stripes) - sum(head_stripes) FROM tempo.storage');
my $t0 = time();
my $acked = 0;
for my $i (1 .. 60)
{
	my $res = post_spans({ kind => 'proto', n => 2, seed => sprintf('c%04x', $i) });
	$acked++ if $res->{status} == 200;
	my $wait = $t0 + $i * 0.1 - time();
	usleep($wait * 1e6) if $wait > 0;
}
is($acked, 60, 'all trickle requests acknowledged');
is(sql("SELECT count(*) FROM tempo.spans WHERE trace_id::text LIKE '%c0%'"), '120', 'trickle spans present');
ok(wait_until(sub { sql('SELECT sum(head_stripes) FROM tempo.storage') < 4 }, 30),
	'the head merged the tiny stripes (fewer than tempo.compaction_merge_count)');
is(sql('SELECT sum(stripes) - sum(head_stripes) FROM tempo.storage') - $stripes_before, 0,
	'no small stripe written to the pages');
set_conf('tempo.compaction_max_age', '3s');
ok(wait_until(sub { sql('SELECT count(*) FROM tempo.col_head') == 0 }, 60), 'trickle compacted at max age');
my $stripes = sql('SELECT sum(stripes) FROM tempo.storage') - $stripes_before;
cmp_ok($stripes, '<=', sql('SELECT count(*) FROM tempo.storage'),
	"60 requests became $stripes stripe(s), one per partition at most");
is(sql("SELECT count(*) FROM tempo.spans WHERE trace_id::text LIKE '%c0%'"), '120', 'trickle spans still present');

# --- crash in the middle of compactions -------------------------------
set_conf('tempo.compactor', 'off');
sql('CREATE TABLE crash_t (id int, tenant text, pad text) USING tempo_columnar');
# 40 head stripes of 2500 rows, each written as 3 stripes of ~833 rows
for my $i (0 .. 39)
{
	sql("INSERT INTO crash_t SELECT g, 't' || (g % 3), repeat(md5(g::text), 4)
	   FROM generate_series($i * 2500 + 1, ($i + 1) * 2500) g");
}
is(sql('SELECT count(*) FROM tempo.col_head_stats(\'crash_t\') WHERE head_rows = 100000'), '1',
	'100000 rows in the head');
set_conf('tempo.compactor', 'on');
ok(wait_until(sub {
	sql("SELECT head_rows FROM tempo.col_head_stats('crash_t')") < 100000 }, 60),
	'compaction under way');
my $pm = $node->{_pid};
kill 'KILL', $pm;
ok(wait_until(sub { !kill(0, $pm) }, 10), 'postmaster SIGKILLed during compaction');
ok(start_after_crash($node), 'restarted');
my $check = q{SELECT count(*), count(DISTINCT id), sum(id) FROM crash_t};
is(sql($check), '100000|100000|5000050000', 'after the crash: every row once');
ok(wait_until(sub { sql("SELECT head_rows FROM tempo.col_head_stats('crash_t')") == 0 }, 120),
	'the compactor finished after the restart');
is(sql($check), '100000|100000|5000050000', 'after compaction: every row once');
is(sql("SELECT count(*) FROM tempo.col_stripes('crash_t') WHERE row_count > 1000"), '0',
	'stripes of at most compaction_stripe_rows rows');
cmp_ok(sql("SELECT count(*) FROM tempo.col_stripes('crash_t')"), '<=', 130, 'and not many more than needed');

# --- lifecycle: SIGHUP applied above; SIGTERM within 1 s --------------
my $pid = sql(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'tempo compactor'});
ok($pid, 'compactor running');
my $t1 = time();
kill 'TERM', $pid;
ok(wait_until(sub { !kill(0, $pid) }, 5), 'compactor exits on SIGTERM');
cmp_ok(time() - $t1, '<', 1.5, 'within about a second');
ok(wait_until(sub {
	sql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tempo compactor'}) == 1 }, 30),
	'the postmaster restarts it');

$node->stop;
done_testing();
