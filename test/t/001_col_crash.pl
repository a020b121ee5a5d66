# Crash safety of tempo_columnar: kill -9 the postmaster after commits and
# while a transaction is still open; after recovery every committed row is
# back, no uncommitted row is, and the table keeps accepting writes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TempoTest;

my $node = tempo_node('crash');
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION tempo;
	CREATE TABLE c (id int, grp int, payload text, attrs jsonb, at timestamptz)
		USING tempo_columnar;
});

# Ten committed transactions, some spanning several stripes.
for my $g (1 .. 10)
{
	my $n = $g % 3 == 0 ? 70000 : 5000;
	$node->safe_psql('postgres', qq{
		INSERT INTO c
		SELECT i, $g, md5(i::text), jsonb_build_object('k', i % 7, 's', 'v' || (i % 100)),
		       '2026-01-01'::timestamptz + i * interval '1 ms'
		FROM generate_series(1, $n) i;
	});
}
my $expected = $node->safe_psql('postgres',
	q{SELECT count(*), sum(id), count(DISTINCT payload), sum((attrs->>'k')::int) FROM c});

# One transaction left open (its stripe may already be on disk) and one
# aborted: neither may show up after recovery.
$node->safe_psql('postgres', q{
	BEGIN;
	INSERT INTO c SELECT i, 99, 'aborted', NULL, now() FROM generate_series(1, 80000) i;
	ROLLBACK;
});
my $bg = $node->background_psql('postgres');
$bg->query_safe(q{
	BEGIN;
	INSERT INTO c SELECT i, 98, 'open', NULL, now() FROM generate_series(1, 100000) i;
	SELECT count(*) FROM c WHERE grp = 98;
});

$node->kill9;
eval { $bg->quit; };
start_after_crash($node);

is($node->safe_psql('postgres',
	q{SELECT count(*), sum(id), count(DISTINCT payload), sum((attrs->>'k')::int) FROM c}),
	$expected, 'every committed row is back after a crash');
is($node->safe_psql('postgres', q{SELECT count(*) FROM c WHERE grp IN (98, 99)}),
	'0', 'no row of an aborted or unfinished transaction is visible');

# The table still takes writes and reads them back.
$node->safe_psql('postgres',
	q{INSERT INTO c SELECT i, 11, 'after', NULL, now() FROM generate_series(1, 1000) i});
is($node->safe_psql('postgres', q{SELECT count(*) FROM c WHERE grp = 11}),
	'1000', 'inserts after recovery work');

# A second crash right after a commit, with no checkpoint in between.
$node->safe_psql('postgres',
	q{INSERT INTO c SELECT i, 12, 'late', NULL, now() FROM generate_series(1, 20000) i});
$node->kill9;
start_after_crash($node);
is($node->safe_psql('postgres', q{SELECT count(*) FROM c WHERE grp IN (11, 12)}),
	'21000', 'rows committed just before the second crash survive');

$node->stop;
done_testing();
