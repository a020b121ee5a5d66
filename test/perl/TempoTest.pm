# Helpers shared by tempo's TAP tests.
package TempoTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Exporter 'import';

our @EXPORT = qw(tempo_node tempo_conf);

# The settings every test instance gets (test/tempo.conf).
sub tempo_conf
{
	my $file = $ENV{TEMPO_CONF} or die "TEMPO_CONF is not set";
	open my $fh, '<', $file or die "could not open $file: $!";
	local $/;
	my $conf = <$fh>;
	close $fh;
	return $conf;
}

# A new, initialised node with tempo preloaded; %opts go to init().
sub tempo_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%opts);
	$node->append_conf('postgresql.conf', tempo_conf());
	return $node;
}

1;
