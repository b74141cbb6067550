#!/bin/sh
# The op, training and search suites again on each kernel path the engine
# can take on this CPU other than its default: DCANAS_SIMD=avx2 (the AVX2 +
# FMA kernels, what CPUs without AVX-512 run) and DCANAS_SIMD=off (OpenBLAS
# only). Each path must pass on its own: gradient checks, determinism, and
# training and search end to end. A path the CPU lacks is skipped.
. "$DCANAS_SRCDIR/tests/tap_helpers.sh"
suites="test_ops_basic test_ops_nn test_gradcheck test_train test_search"
grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && paths="avx2 off" || paths="off"
set -- $paths
echo "1..$(( $# * 5 ))"
for path in $paths; do
	for suite in $suites; do
		DCANAS_SIMD=$path "$DCANAS_BUILDDIR/tests/$suite" >"$tmp/out" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then pass "$suite with DCANAS_SIMD=$path"
		elif [ $rc -eq 77 ]; then echo "ok - $suite with DCANAS_SIMD=$path # SKIP (no shared data)"
		else fail "$suite with DCANAS_SIMD=$path (exit $rc)"; grep -E "F:|E:|%:" "$tmp/out" | sed 's/^/# /'; fi
	done
done
[ "$fails" -eq 0 ]
