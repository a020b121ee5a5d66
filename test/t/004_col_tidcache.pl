# The shared trace id cache of tempo_columnar (col_tidcache.c): lookups by
# trace id stay exact while a small cache wraps around and evicts, across
# a crash (shared memory starts empty; stripes written again after
# recovery may take the places of lost ones), and with the cache off.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $node = tempo_node('tidcache');
# 64 kB: the entries below need more, so the ring wraps
$node->append_conf('postgresql.conf', "tempo.trace_id_cache_size = '64kB'\ntempo.compactor = off\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION tempo;
	CREATE TABLE c (id int, t tempo.trace_id) USING tempo_columnar;
	SET tempo.head_flush_rows = 0;
	INSERT INTO c SELECT i, md5((i / 3)::text)::tempo.trace_id FROM generate_series(0, 29999) i;
});
# sixty more stripes of one statement each (head stripes, later compacted),
# 1000 traces each: entries of ~1.4 kB, more than the cache holds
for my $s (1 .. 60)
{
	$node->safe_psql('postgres', qq{
		INSERT INTO c SELECT i, md5((i / 3)::text)::tempo.trace_id
		FROM generate_series(30000 + ($s - 1) * 3000, 30000 + $s * 3000 - 1) i;
	});
}

# Every sampled trace is found with all its spans, twice (the second time
# from the cache where its entry survived), and absent ids find nothing.
# (constants: a parameter would not be pushed into the scan)
my $check = 'SELECT count(*) FILTER (WHERE n <> 3), count(*) FROM ('
  . join(' UNION ALL ',
	map { "SELECT count(*) AS n FROM c WHERE t OPERATOR(tempo.=) md5('$_')::tempo.trace_id" }
	  map { $_ * 1999 } 0 .. 35)
  . ') x';
my $absent = q{SELECT count(*) FROM c WHERE t OPERATOR(tempo.=) md5('absent')::tempo.trace_id};
is($node->safe_psql('postgres', $check), '0|36', 'lookups exact while the cache wraps');
is($node->safe_psql('postgres', $check), '0|36', 'lookups exact again');
is($node->safe_psql('postgres', $absent), '0', 'absent trace');
my ($entries, $used, $size, $stores) = split /\|/, $node->safe_psql('postgres',
	'SELECT entries, used_bytes, size_bytes, stores FROM tempo.col_trace_id_cache()');
is($size, 65536, 'cache size as set');
ok($used <= $size && $stores > 100 && $entries < 60,
	"ring wrapped and evicted ($stores stores, $entries entries, $used bytes)");

# Compaction replaces the head stripes; lookups stay exact.
$node->safe_psql('postgres', 'SELECT * FROM tempo.compact()');
is($node->safe_psql('postgres', $check), '0|36', 'lookups exact after compaction');

# A crash: an open transaction wrote and looked up stripes; after recovery
# its rows are gone and new stripes with other trace ids are found.
my $bg = $node->background_psql('postgres');
$bg->query_safe(q{
	BEGIN;
	SET tempo.head_flush_rows = 0;
	INSERT INTO c SELECT -i, md5('lost')::tempo.trace_id FROM generate_series(1, 70000) i;
	SELECT count(*) FROM c WHERE t OPERATOR(tempo.=) md5('found')::tempo.trace_id;
});
$node->kill9;
eval { $bg->quit; };
start_after_crash($node);
is($node->safe_psql('postgres', 'SELECT entries FROM tempo.col_trace_id_cache()'), '0',
	'the cache starts empty after a crash');
$node->safe_psql('postgres', q{
	SET tempo.head_flush_rows = 0;
	INSERT INTO c SELECT -i, md5('found')::tempo.trace_id FROM generate_series(1, 70000) i;
});
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM c WHERE t OPERATOR(tempo.=) md5('found')::tempo.trace_id}),
	'70000', 'rows written after the crash are found');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM c WHERE t OPERATOR(tempo.=) md5('lost')::tempo.trace_id}),
	'0', 'rows of the crashed transaction are not');
is($node->safe_psql('postgres', $check), '0|36', 'older lookups still exact');

# With the cache off, the function reports zeros and lookups work.
$node->append_conf('postgresql.conf', "tempo.trace_id_cache_size = 0\n");
$node->restart;
is($node->safe_psql('postgres', 'SELECT entries, size_bytes, hits FROM tempo.col_trace_id_cache()'),
	'0|0|0', 'cache off');
is($node->safe_psql('postgres', $check), '0|36', 'lookups exact without the cache');

$node->stop;
done_testing();
