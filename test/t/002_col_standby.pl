# tempo_columnar on a streaming standby: the standby, built with
# pg_basebackup, replays the WAL of new stripes with core redo and returns
# the same query results as the primary.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $primary = tempo_node('primary', allows_streaming => 1);
$primary->append_conf('postgresql.conf', "allow_in_place_tablespaces = on\n");
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION tempo;
	CREATE TABLE c (id int, t tempo.trace_id, note text, attrs jsonb)
		USING tempo_columnar;
	INSERT INTO c SELECT i, substr(md5(i::text) || md5(i::text), 1, 32)::tempo.trace_id,
	                     'before ' || (i % 50), jsonb_build_object('n', i)
	FROM generate_series(1, 30000) i;
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# Data written after the base backup reaches the standby only through WAL.
$primary->safe_psql('postgres', q{
	INSERT INTO c SELECT i, substr(md5(i::text) || md5(i::text), 1, 32)::tempo.trace_id,
	                     repeat('after ', i % 20), jsonb_build_object('n', i, 'big', repeat('x', i % 3000))
	FROM generate_series(30001, 150000) i;
	CREATE TABLE c2 USING tempo_columnar AS SELECT * FROM c WHERE id % 10 = 0;
	TRUNCATE c2;
	INSERT INTO c2 SELECT * FROM c WHERE id % 7 = 0;
	CREATE TABLESPACE ts_tempo LOCATION '';
	ALTER TABLE c2 SET TABLESPACE ts_tempo;
});
$primary->wait_for_catchup($standby);

my $q = q{SELECT count(*), md5(string_agg(id::text || t::text || note || attrs::text, ',' ORDER BY id)) FROM c};
my $q2 = q{SELECT count(*), md5(string_agg(id::text || note, ',' ORDER BY id)) FROM c2};
my $on_primary = $primary->safe_psql('postgres', $q);
is($standby->safe_psql('postgres', $q), $on_primary, 'standby returns the same rows as the primary');
is($standby->safe_psql('postgres', $q2), $primary->safe_psql('postgres', $q2),
	'truncated, refilled and moved table matches on the standby');
like($on_primary, qr/^150000\|/, 'primary has every row');

# Lookups by trace id on the standby fill its own trace id cache
# (col_tidcache.c); stripes replayed later, and a table truncated and
# refilled on the primary, are found by the next lookup.
my $lookup = q{SELECT count(*), coalesce(sum(id), 0) FROM c
	WHERE t OPERATOR(tempo.=) substr(md5('160005') || md5('160005'), 1, 32)::tempo.trace_id};
my $lookup2 = q{SELECT count(*) FROM c2
	WHERE t OPERATOR(tempo.=) substr(md5('7') || md5('7'), 1, 32)::tempo.trace_id};
is($standby->safe_psql('postgres', $lookup), '0|0', 'standby: trace not there yet');
is($standby->safe_psql('postgres', $lookup), '0|0', 'standby: trace not there yet (cached)');
is($standby->safe_psql('postgres', $lookup2), '1', 'standby: c2 lookup');
ok($standby->safe_psql('postgres', 'SELECT hits > 0 AND stores > 0 FROM tempo.col_trace_id_cache()') eq 't',
	'standby caches trace id skip data');
$primary->safe_psql('postgres', q{
	INSERT INTO c SELECT i, substr(md5(i::text) || md5(i::text), 1, 32)::tempo.trace_id, 'late', NULL
	FROM generate_series(150001, 170000) i;
	TRUNCATE c2;
	INSERT INTO c2 SELECT * FROM c WHERE id % 7 = 1;
});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $lookup), '1|160005', 'standby finds the replayed trace');
is($standby->safe_psql('postgres', $lookup2), $primary->safe_psql('postgres', $lookup2),
	'standby lookup after TRUNCATE and refill matches the primary');
$on_primary = $primary->safe_psql('postgres', $q);

# The standby survives a restart (redo from the last restartpoint).
$standby->restart;
is($standby->safe_psql('postgres', $q), $on_primary, 'same results after standby restart');
is($standby->safe_psql('postgres', $lookup), '1|160005', 'lookup after standby restart');

$standby->stop;
$primary->stop;
done_testing();
