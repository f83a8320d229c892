#!/bin/bash
# The arithmetic of `make bench-boot`'s tables (tests/bench/boot-summary.pl)
# on a runs.tsv made up here: medians over the boots that passed only,
# min-max, ratios to initstack, the growth over the small stack, and the
# plot files.
. "$(dirname "$0")/../sh/lib.sh"

{
	printf 'loader\tsize\tcomp\tround\tresult\traw\tcompressed\twall\tfirmware\tloader_stub\tloader_own\tinit_uptime\thook_uptime\tkernel_unpack\tpeak_kib\tloadfile2\n'
	# small stack: initstack 10, 11, 12 (median 11); grub 12, 14 and a failure
	for w in 10 12 11; do printf 'initstack\tsmall\tgz\t1\tok\t2000000\t1000000\t%s\t4\t3\t0.5\t2\t\t0.1\t10240\t0.01\n' "$w"; done
	printf 'grub\tsmall\tgz\t1\tok\t2000000\t1000000\t12\t4\t3.5\t\t2\t\t0.1\t\n'
	printf 'grub\tsmall\tgz\t2\tok\t2000000\t1000000\t14\t4\t3.5\t\t2\t\t0.1\t\n'
	printf 'grub\tsmall\tgz\t3\tFAILED\t2000000\t1000000\t99\t4\t3.5\t\t2\t\t0.1\t\n'
	# big stack: initstack 13 (grows 2), grub 17 (grows 4)
	printf 'initstack\t140\tgz\t1\tok\t140000000\t40000000\t13\t4\t5\t2.5\t3\t\t0.2\t296960\t0.31\n'
	printf 'grub\t140\tgz\t1\tok\t140000000\t40000000\t17\t4\t4\t\t5\t\t2.2\t\n'
	printf 'initstack-defer\t140\tgz\t1\tok\t140000000\t40000000\t15\t4\t4\t2\t6\t3.5\t0.1\t51200\n'
	# the stub: reading the compressed file grows loader start -> kernel by 0.6
	printf 'stub\tsmall\tgz\t1\tok\t2000000\t1000000\t11\t4\t2\t\t2\t\t0.1\t\t\n'
	printf 'stub\t140\tgz\t1\tok\t140000000\t40000000\t16\t4\t2.6\t\t5\t\t2.2\t\t\n'
} >"$T/runs.tsv"

perl tests/bench/boot-summary.pl "$T/runs.tsv" "$T" >"$T/summary.md" 2>"$T/err"
check "summary: runs" test $? = 0
check "summary: initstack's median and range on the small stack" \
	grep -qF "| initstack | 11.00 [10.00–12.00] | 1.00 |" "$T/summary.md"
check "summary: grub's failed boot is left out and counted" \
	grep -qF "| grub | 13.00 [12.00–14.00] | 1.18 |" "$T/summary.md"
check "summary: ... and its boots column says so" \
	grep -qF "| 2 (1 failed) |" "$T/summary.md"
check "summary: peak memory in MiB" \
	grep -qF "| 290 [290–290] | 1 |" "$T/summary.md"
check "summary: the handover's time is /init's uptime less the hook's" \
	grep -q "^| initstack-defer | 15.00 .* | 2.50 \[2.50–2.50\] | 50 \[50–50\] | 1 |$" "$T/summary.md"
check "summary: growth over the small stack" \
	grep -qF "| grub | +4.00 |" "$T/summary.md"
check "summary: growth against the best peer" \
	grep -qF "initstack's growth +2.00 s is 0.50x the best peer's (grub, +4.00 s)" "$T/summary.md"
check "summary: the LoadFile2 copy column" \
	grep -qF "| 2.50 [2.50–2.50] | 0.31 [0.31–0.31] | 3.00 [3.00–3.00] |" "$T/summary.md"
check "summary: what the growth holds before any decoding" \
	grep -qF "LoadFile2 copy +0.30 s, the kernel's unpack +0.10 s, reading the compressed file +0.60 s (the stub's loader start -> kernel): 1.00 s, 0.25x the best peer's growth (0.6x is 2.40 s)" "$T/summary.md"
check "summary: no warnings" test ! -s "$T/err"
check "summary: the plot, PNG and SVG" \
	sh -c "test \"\$(head -c 4 '$T/bench-boot.png' | od -An -c | tr -d ' ')\" = '211PNG' && grep -q '<svg' '$T/bench-boot.svg'"
