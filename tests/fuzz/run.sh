#!/bin/bash
# Run every libFuzzer target (or those named) for a bounded time under
# ASan+UBSan, starting from its corpus in tests/fuzz/NAME/. New inputs go to
# build/fuzz/corpus/NAME; crashes to build/fuzz/crash-NAME-*. Exit 1 if any
# target found a crash.
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
make --no-print-directory BUILD=build/fuzz CC=clang SAN="$san" fuzzers || exit 2
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=${f##*/fuzz_}
		targets+=("${n%.c}")
	done
fi
failed=0
for t in "${targets[@]}"; do
	mkdir -p "build/fuzz/corpus/$t"
	echo "== fuzz $t for ${seconds}s"
	if ! build/fuzz/fuzzer/"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
		-artifact_prefix="build/fuzz/crash-$t-" -print_final_stats=1 \
		"build/fuzz/corpus/$t" "tests/fuzz/$t" 2>"build/fuzz/$t.log"; then
		echo "FAIL: $t (log: build/fuzz/$t.log)"
		grep -E 'ERROR|SUMMARY|runtime error' "build/fuzz/$t.log" | head -5
		failed=1
	else
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "build/fuzz/$t.log" | tail -2
	fi
done
exit $failed
