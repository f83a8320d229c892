#!/bin/bash
# Run every test and print "N passed, N failed" last.
# Test programs print "ok - NAME" / "not ok - NAME" lines; a program that
# exits non-zero without reporting a failure counts as one failure.
set -u
cd "$(dirname "$0")/.."
export LC_ALL=C
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

pass=0 fail=0 failed_names=()
log=build/test-logs
mkdir -p "$log"

# run LABEL CMD...: run one test program, count its ok/not ok lines.
run() {
	local label=$1; shift
	local out="$log/${label//\//_}.log"
	"$@" >"$out" 2>&1
	local rc=$?
	local p f
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $label exited with status $rc" >>"$out"
	fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" != 0 ]; then
		failed_names+=("$label")
		echo "FAIL $label ($p passed, $f failed; log: $out)"
		grep -E '^not ok |CHECK|REQUIRE|expected|ERROR|runtime error' "$out" | head -20 | sed 's/^/    /'
	else
		echo "ok   $label ($p)"
	fi
}

run freestanding tests/freestanding.sh build/free

# Real kernel modules for the inflate corpus (test_inflate fails without them).
INITSTACK_MODULES=$(bash tests/lib/modules.sh 2>"$log/modules.log") ||
	echo "kernel modules for the inflate corpus: not found (log: $log/modules.log)"
export INITSTACK_MODULES

for variant in host asan; do
	b=build/$variant
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] || continue
		run "$variant/${t##*/}" "$t"
	done
	for r in "$b"/replay/*; do
		[ -x "$r" ] || continue
		name=${r##*/}
		run "$variant/replay_$name" "$r" "tests/fuzz/$name"
	done
	for s in tests/cli/*.sh tests/interop/*.sh; do
		[ -f "$s" ] || continue
		run "$variant/${s#tests/}" env INITSTACK="$b/initstack" bash "$s"
	done
done

for s in tests/handover/*.sh tests/efi/*.sh tests/cross/*.sh tests/boot/*.sh; do
	case $s in tests/boot/lib.sh|tests/boot/dump-init.sh) continue ;; esac
	[ -f "$s" ] || continue
	run "${s#tests/}" bash "$s"
done

if [ "${#failed_names[@]}" != 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
