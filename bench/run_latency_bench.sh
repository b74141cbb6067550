#!/bin/sh
# Batch-1 inference latency, what the `host` device measures and what a
# deployed network runs: `dcanas cost --device host` times the evaluation
# network end to end (one 3x32x32 image, median of 15 runs after 3), beside
# PyTorch in eval mode under torch.no_grad() (bench/torch_latency.py), same
# thread count, rounds alternated. Networks: NAS-Bench-201's
# |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|
# at C=16, N=5, and DARTS_V2 at C=36, 20 cells (the papers' evaluation
# networks). Each wait policy of OpenMP's threads is timed: unset (what a
# user gets), passive (threads sleep between parallel regions) and active.
#   sh bench/run_latency_bench.sh [threads] [rounds]
# The first run profiles the host's op table for each network (minutes;
# cached after that, see docs/devices.md); only the end-to-end figure is
# reported here.
set -eu
cd "$(dirname "$0")/.."
threads=${1:-2}; rounds=${2:-3}
. bench/bench_env.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE threads=$threads $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

# SIDE NET POLICY: one median in ms on stdout
measure() {
	side=$1 net=$2 policy=$3
	if [ "$net" = nb201 ]; then arch=$NB width=16 cells=5; else arch=$V2 width=36 cells=20; fi
	set -- env
	[ "$policy" = unset ] || set -- env OMP_WAIT_POLICY="$policy"
	if [ "$side" = dcanas ]; then
		"$@" ./dcanas cost --space "$net" --arch "$arch" --width "$width" \
			--cells "$cells" --device host --threads "$threads" --json > "$tmp/out" ||
			{ cat "$tmp/out" >&2; exit 1; }
		/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_measured"]["median"])' "$tmp/out"
	else
		"$@" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_latency.py "$net" "$arch" \
			"$width" "$cells" "$threads" | cut -d' ' -f1
	fi
}

r=1
while [ "$r" -le "$rounds" ]; do
	for net in nb201 darts; do
		for policy in unset passive active; do
			for side in dcanas pytorch; do
				echo "$side $net $policy $(measure "$side" "$net" "$policy")" | tee -a "$tmp/log"
			done
		done
	done
	r=$((r + 1))
done
awk "$AWK_MEDIAN"'
	{ k = $1 " " $2 " " $3; c = ++n[k]; t[k, c] = $4 }
	END {
		printf "\nsummary: batch 1, median over rounds of each side'"'"'s median ms\n"
		printf "%-6s %-8s %10s %11s %7s\n", "net", "policy", "dcanas ms", "PyTorch ms", "ratio"
		split("nb201 darts", nets, " "); split("unset passive active", pols, " ")
		for (i = 1; i <= 2; i++) for (p = 1; p <= 3; p++) {
			d = "dcanas " nets[i] " " pols[p]; q = "pytorch " nets[i] " " pols[p]
			a = median(t, d, n[d]); b = median(t, q, n[q])
			printf "%-6s %-8s %10.2f %11.2f %6.2fx\n", nets[i], pols[p], a, b, a / b }
	}' "$tmp/log"
