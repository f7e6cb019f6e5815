#!/usr/bin/perl
# The soak's invariants (tests/soak/run), over the state file, its history, the acknowledged
# ids and the fake agents' logs: prints one line per violation, nothing when all hold.
#   invariants.pl STATE ACKED-IDS-FILE PANES-FILE AGENT-LOG...
# - the state parses, and its counts add up (every item in queue or completedToday by status);
# - no item is in two places (queue, completedToday, the history);
# - every acknowledged enqueue (exit 0) is present;
# - no agent took an item more often than its attempts say;
# - nothing runs on a pane that does not exist.
use strict;
use warnings;
use JSON::PP;

my ($state, $acked, $panes, @logs) = @ARGV;
(my $hist = $state) =~ s/\.json$/.history.jsonl/;
local $/;
my $f;
open $f, "<", $state or do { print "cannot read the state: $!\n"; exit };
my $d = eval { JSON::PP->new->decode(<$f>) } or do { print "the state does not parse\n"; exit };
close $f;
my (%where, %item);
for my $l ("queue", "completedToday") {
	for my $i (@{$d->{$l} // []}) {
		$where{$i->{id}}++;
		$item{$i->{id}} = $i;
		my $fin = $i->{status} =~ /^(done|failed|cancelled)$/;
		print "$i->{id} is $i->{status} in $l\n" if ($l eq "queue") == $fin;
	}
}
if (open $f, "<", $hist) {
	for (split /\n/, <$f>) {
		my $i = eval { JSON::PP->new->decode($_) } or do { print "a history line does not parse\n"; next };
		$where{$i->{id}}++;
		$item{$i->{id}} //= $i;
	}
}
for (grep { $where{$_} > 1 } sort keys %where) { print "$_ is in $where{$_} places\n" }
open $f, "<", $acked and do {
	for (split /\n/, <$f>) { print "acknowledged $_ is missing\n" unless $where{$_} }
};
my %pane;
open $f, "<", $panes and %pane = map { $_ => 1 } split /\n/, <$f> // "";
my %taken;
for my $log (@logs) {
	open $f, "<", $log or next;
	$taken{pack "H*", $_}++ for split /\n/, <$f> // "";
}
for my $i (values %item) {
	my $n = $taken{$i->{command}} // 0;
	print "$i->{id} taken $n times, attempts ", $i->{attempts} // 0, "\n"
	    if $n > ($i->{attempts} // 0);
	print "$i->{id} runs on $i->{pane}, which does not exist\n"
	    if $i->{status} eq "running" && $i->{pane} && !$pane{$i->{pane}};
}
