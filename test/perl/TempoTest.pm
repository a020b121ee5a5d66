# Helpers shared by tempo's TAP tests.
package TempoTest;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Exporter 'import';

our @EXPORT = qw(tempo_node tempo_conf start_after_crash);

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

# Start a node whose postmaster was SIGKILLed.  Its old backends may still
# hold the shared memory segment for a moment, so poll until start works.
sub start_after_crash
{
	my ($node, $timeout) = @_;
	$timeout //= 60;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		# a failed start leaves the dead postmaster's pid recorded
		$node->{_pid} = undef;
		return 1 if $node->start(fail_ok => 1);
		select(undef, undef, undef, 0.2);
	}
	die "node did not start within $timeout s after the crash";
}

1;
