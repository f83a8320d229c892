#!/usr/bin/perl
# The tables and the plot of `make bench-boot` from its runs.tsv
# (tests/bench/boot.sh): per stack, each loader's median [min-max] over the
# boots that reached /init with every file, and each median as a ratio to
# initstack's on the same stack; then how time to /init grows with the stack.
# Usage: boot-summary.pl RUNS.TSV OUTDIR (writes OUTDIR/bench-boot.{png,svg})
use strict;
use warnings;

my ($runs, $out) = @ARGV;
open my $in, '<', $runs or die "$runs: $!\n";
my $head = <$in>;
chomp $head;
my @col = split /\t/, $head;
my (%g, %failed, @order, %seen, %raw, %gz);
while (<$in>) {
	chomp;
	my @f = split /\t/, $_, -1;
	my %r;
	@r{@col} = @f;
	$r{loadfile2} //= '';
	my $k = "$r{size} $r{comp}";
	push @order, $k unless $seen{$k}++;
	$raw{$k} = $r{raw};
	$gz{$k} = $r{compressed};
	if ($r{result} ne 'ok') { $failed{$k}{$r{loader}}++; next }
	$r{handover} = $r{hook_uptime} ne '' ? $r{init_uptime} - $r{hook_uptime} : '';
	$r{peak_mib} = $r{peak_kib} ne '' ? $r{peak_kib} / 1024 : '';
	for my $m (qw(wall loader_stub loader_own loadfile2 init_uptime kernel_unpack handover peak_mib)) {
		push @{$g{$k}{$r{loader}}{$m}}, $r{$m} if $r{$m} ne '';
	}
}

sub median { my @s = sort { $a <=> $b } @_; return undef unless @s; my $n = @s; return $n % 2 ? $s[$n / 2] : ($s[$n / 2 - 1] + $s[$n / 2]) / 2 }
sub mm { my @s = sort { $a <=> $b } @_; return ($s[0], $s[-1]) }
sub med { my ($k, $l, $m) = @_; my $v = $g{$k}{$l}{$m}; return $v && @$v ? median(@$v) : undef }
sub cell {
	my ($k, $l, $m, $fmt) = @_;
	my $v = $g{$k}{$l}{$m};
	return '—' unless $v && @$v;
	my ($lo, $hi) = mm(@$v);
	return sprintf "$fmt [$fmt–$fmt]", median(@$v), $lo, $hi;
}
sub ratio {
	my ($k, $l, $m) = @_;
	my ($a, $b) = (med($k, $l, $m), med($k, 'initstack', $m));
	return '—' unless defined $a && defined $b && $b > 0;
	return sprintf '%.2f', $a / $b;
}
my @known = qw(initstack initstack-always initstack-never initstack-defer systemd-boot grub stub);
sub rank { my $l = shift; my ($i) = grep { $known[$_] eq $l } 0 .. $#known; return defined $i ? $i : 99 }
sub loaders { my $k = shift; return sort { rank($a) <=> rank($b) || $a cmp $b } keys %{$g{$k}} }

for my $k (@order) {
	my ($s, $c) = split ' ', $k;
	my $comp = $c eq 'gz' ? 'gzip -6' : 'zstd -3';
	printf "### Stack %s: distribution archive %.1f MB, %s to %.1f MB\n\n", $s, $raw{$k} / 1e6, $comp, $gz{$k} / 1e6;
	print "| loader | to /init, s | ×initstack | loader start → kernel, s | its own StartImage, s | its LoadFile2 copy, s | kernel → /init, s | kernel unpack, s | handover, s | peak memory, MiB | boots |\n";
	print "|---|---|---|---|---|---|---|---|---|---|---|\n";
	for my $l (loaders($k)) {
		my $n = scalar @{$g{$k}{$l}{wall} || []};
		my $f = $failed{$k}{$l} || 0;
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d%s |\n", $l,
			cell($k, $l, 'wall', '%.2f'), ratio($k, $l, 'wall'),
			cell($k, $l, 'loader_stub', '%.2f'), cell($k, $l, 'loader_own', '%.2f'),
			cell($k, $l, 'loadfile2', '%.2f'),
			cell($k, $l, 'init_uptime', '%.2f'), cell($k, $l, 'kernel_unpack', '%.2f'),
			cell($k, $l, 'handover', '%.2f'), cell($k, $l, 'peak_mib', '%.0f'),
			$n, $f ? " ($f failed)" : '';
	}
	for my $l (sort keys %{$failed{$k}}) {
		printf "| %s | failed | | | | | | | | | 0 (%d failed) |\n", $l, $failed{$k}{$l} unless $g{$k}{$l};
	}
	print "\n";
}

# growth over the smallest gzip stack, per loader
my @gzk = grep { / gz$/ } @order;
if (@gzk > 1) {
	my $base = $gzk[0];
	print "### Growth of time to /init over the $base stack (medians), s\n\n";
	print "| loader | ", join(' | ', map { my ($s) = split ' ', $_; sprintf '+%s (%.0f MB)', $s, $raw{$_} / 1e6 } @gzk[1 .. $#gzk]), " |\n";
	print "|---|", join('', map { '---|' } @gzk[1 .. $#gzk]), "\n";
	my %grow;
	for my $l (loaders($base)) {
		my @c;
		for my $k (@gzk[1 .. $#gzk]) {
			my ($a, $b) = (med($k, $l, 'wall'), med($base, $l, 'wall'));
			$grow{$k}{$l} = defined $a && defined $b ? $a - $b : undef;
			push @c, defined $grow{$k}{$l} ? sprintf('%+.2f', $grow{$k}{$l}) : '—';
		}
		print "| $l | ", join(' | ', @c), " |\n";
	}
	print "\n";
	for my $k (@gzk[1 .. $#gzk]) {
		my ($best, $bl);
		for my $l (qw(systemd-boot grub stub)) {
			my $v = $grow{$k}{$l};
			($best, $bl) = ($v, $l) if defined $v && (!defined $best || $v < $best);
		}
		my $mine = $grow{$k}{initstack};
		next unless defined $best && defined $mine;
		my ($s) = split ' ', $k;
		printf "Stack %s: initstack's growth %+.2f s is %.2fx the best peer's (%s, %+.2f s); the target is at most 0.6x.\n",
			$s, $mine, $best > 0 ? $mine / $best : 0, $bl, $best;
		# What initstack's growth holds before it decodes a byte: the two
		# copies of the decoded stack (ours through LoadFile2, the kernel's
		# into its tmpfs) and the read of the compressed file, timed by the
		# stub (loader start -> kernel), which reads the same file and
		# decodes nothing.
		my %d;
		for (['lf2', 'initstack', 'loadfile2'], ['unpack', 'initstack', 'kernel_unpack'], ['read', 'stub', 'loader_stub']) {
			my ($n, $l, $m) = @$_;
			my ($a, $b) = (med($k, $l, $m), med($base, $l, $m));
			$d{$n} = $a - $b if defined $a && defined $b;
		}
		if (3 == keys %d) {
			my $floor = $d{lf2} + $d{unpack} + $d{read};
			printf "Stack %s, before any decoding: initstack's LoadFile2 copy %+.2f s, the kernel's unpack %+.2f s, reading the compressed file %+.2f s (the stub's loader start -> kernel): %.2f s, %.2fx the best peer's growth (0.6x is %.2f s).\n",
				$s, $d{lf2}, $d{unpack}, $d{read}, $floor, $best > 0 ? $floor / $best : 0, 0.6 * $best;
		}
	}
	print "\n";

	# the plot: median time to /init against the distribution archive's size
	my $dat = "$out/bench-boot.dat";
	open my $d, '>', $dat or die "$dat: $!\n";
	my @pl = loaders($base);
	for my $l (@pl) {
		print $d "# $l\n";
		for my $k (@gzk) {
			my $v = $g{$k}{$l}{wall} or next;
			my ($lo, $hi) = mm(@$v);
			printf $d "%.1f %.3f %.3f %.3f\n", $raw{$k} / 1e6, median(@$v), $lo, $hi;
		}
		print $d "\n\n";
	}
	close $d;
	my $plots = join(', ', map { sprintf "'%s' index %d using 1:2:3:4 with yerrorlines title '%s'", $dat, $_, $pl[$_] } 0 .. $#pl);
	for my $t (['pngcairo size 900,560', 'png'], ['svg size 900,560 dynamic', 'svg']) {
		open my $gp, '|-', 'gnuplot' or die "gnuplot: $!\n";
		print $gp "set terminal $t->[0]\nset output '$out/bench-boot.$t->[1]'\n",
			"set title 'Time to /init by stack size (Debian 6.1 kernel, QEMU+OVMF, TCG; median, min-max)'\n",
			"set xlabel 'distribution archive, MB uncompressed (gzip -6)'\nset ylabel 'QEMU start to /init, s'\n",
			"set key top left\nset grid\nset offsets 2, 2, 1, 1\nplot $plots\n";
		close $gp or die "gnuplot failed\n";
	}
}
