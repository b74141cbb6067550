#!/bin/sh
# Issue 5: how well the host device's estimate (sum of measured ops plus a
# fitted per-network overhead) predicts the measured end-to-end latency of
# random architectures: Kendall tau and the median relative error, for the
# NAS-Bench-201 (C=16, N=5) and DARTS (C=36, 20 cells) evaluation networks,
# 3x32x32 input, batch 1. Fills the host device's table on the way (or FILE).
#   sh bench/host_latency_quality.sh [N_ARCHS] [THREADS] [FILE]
set -eu
cd "$(dirname "$0")/.."
n=${1:-50}; threads=${2:-0}; out=${3:-}
: "${OPENBLAS_CORETYPE:=Haswell}"; : "${OMP_WAIT_POLICY:=passive}"
export OPENBLAS_CORETYPE OMP_WAIT_POLICY
tmp=$(mktemp -d)
for space in nb201 darts; do
	./dcanas profile --space "$space" --validate "$n" --threads "$threads" \
		--points "$tmp/$space.tsv" ${out:+--out "$out"} > "$tmp/$space.txt"
done
cat "$tmp/darts.txt"     # the last run scores both spaces under one overhead fit
for space in nb201 darts; do
	echo "$space: $(($(wc -l < "$tmp/$space.tsv") - 1)) architectures (arch, sum of ops, ops, measured):"
	head -4 "$tmp/$space.tsv" | sed 's/^/  /'
done
rm -rf "$tmp"
