# pg_dump / pg_restore of a database using tempo: the extension, span
# partitions (tempo_columnar) and their registry, and a plain
# tempo_columnar table come back with identical contents and access method.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $node = tempo_node('dump');
$node->start;
$node->safe_psql('postgres', q{
	CREATE DATABASE src;
	CREATE DATABASE dst;
});
$node->safe_psql('src', q{
	CREATE EXTENSION tempo;
	SET tempo.partition_interval = '1 hour';
	SELECT count(*) FROM tempo.create_partitions('2026-01-01 00:00+00', '2026-01-01 02:30+00');
	INSERT INTO tempo.spans (tenant, trace_id, span_id, parent_span_id, name, kind,
	                         start_time, start_time_unix_nano, duration_ns, status_code,
	                         service_name, span_attributes)
	SELECT 'single-tenant', substr(md5(i::text) || md5(i::text), 1, 32)::tempo.trace_id,
	       substr(md5((i * 3)::text), 1, 16)::tempo.span_id,
	       CASE WHEN i % 5 = 0 THEN NULL ELSE substr(md5((i * 7)::text), 1, 16)::tempo.span_id END,
	       'op' || (i % 20), i % 6,
	       '2026-01-01 00:00+00'::timestamptz + i * interval '100 ms',
	       (extract(epoch FROM '2026-01-01 00:00+00'::timestamptz) * 1e9)::bigint + i * 100000000::bigint,
	       i * 1000, i % 3, 'svc' || (i % 4),
	       jsonb_build_object('http.response.status_code', 200 + i % 5, 'user.id', 'u' || i)
	FROM generate_series(1, 90000) i;
	CREATE TABLE plain (a int, b text, c numeric, d int[]) USING tempo_columnar;
	INSERT INTO plain SELECT i, repeat('z', i % 100), i / 7.0, ARRAY[i, -i] FROM generate_series(1, 20000) i;
});

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump works');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ], 'pg_restore works');

my $spans = q{SELECT count(*), md5(string_agg(span_id::text || name || coalesce(parent_span_id::text, '-')
                 || span_attributes::text, ',' ORDER BY span_id, start_time)) FROM tempo.spans};
my $plain = q{SELECT count(*), md5(string_agg(a || b || c || d::text, ',' ORDER BY a)) FROM plain};
my $ams = q{SELECT string_agg(c.relname || '=' || am.amname, ',' ORDER BY c.relname)
              FROM pg_class c JOIN pg_am am ON am.oid = c.relam
             WHERE c.relname LIKE 'spans_%' OR c.relname = 'plain'};
my $reg = q{SELECT string_agg(partition::text || range_start || range_end, ',' ORDER BY range_start)
              FROM tempo.span_partitions};

is($node->safe_psql('dst', $spans), $node->safe_psql('src', $spans), 'spans restored');
is($node->safe_psql('dst', $plain), $node->safe_psql('src', $plain), 'columnar table restored');
is($node->safe_psql('dst', $ams), $node->safe_psql('src', $ams), 'access methods restored');
is($node->safe_psql('dst', $reg), $node->safe_psql('src', $reg), 'partition registry restored');
like($node->safe_psql('dst', $ams), qr/spans_20260101_010000=tempo_columnar/, 'partitions are columnar');

$node->stop;
done_testing();
