#!/bin/sh
# One training step (forward, backward, SGD; batch 64, 3x32x32, 10 classes)
# of two evaluation networks, dcanas beside PyTorch (Debian python3-torch,
# bench/torch_step.py), in the same run, same thread count.
#   sh bench/run_step_bench.sh [threads] [steps] [rounds]
# Each round runs dcanas and PyTorch back to back on each network; the
# summary gives the median over rounds of each side's median ms/step, so a
# drift in the machine's speed (seen here: +-20% within minutes) falls on
# both sides alike.
# Needs a built tree (make) and python3-torch (apt-get install python3-torch).
set -eu
cd "$(dirname "$0")/.."
threads=${1:-2}
steps=${2:-10}
rounds=${3:-3}
NB='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
V2="Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
cc=${CC:-cc}
$cc -std=gnu11 -O2 -fopenmp -I. -Iinclude $(pkg-config --cflags openblas jansson) \
	bench/bench_step.c -L.libs -ldcanas $(pkg-config --libs jansson) -o bench/bench_step
export LD_LIBRARY_PATH="$PWD/.libs"
export DCANAS_PLUGIN_PATH="$PWD/spaces:$PWD/plugins/constraints:$PWD/plugins/devices"
export DCANAS_NO_SYSTEM_PLUGINS=1 DCANAS_PROFILE_PATH="$PWD/devices/profiles"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} threads=$threads $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
r=1
while [ "$r" -le "$rounds" ]; do
	./bench/bench_step nb201 "$NB" 16 5 64 "$steps" "$threads" | tee -a "$log"
	OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py nb201 "$NB" 16 5 64 "$steps" "$threads" | tee -a "$log"
	./bench/bench_step darts "$V2" 16 8 64 "$steps" "$threads" | tee -a "$log"
	OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py darts "$V2" 16 8 64 "$steps" "$threads" | tee -a "$log"
	r=$((r + 1))
done
# summary: median over rounds per (side, network), and the ratio
awk '
	{ side = $1; net = $(side == "pytorch" ? 3 : 2)
	  for (i = 1; i <= NF; i++) {
		if ($i == "ms/step") ms = $(i - 1)
		if ($i == "RSS") rss = $(i + 1) }
	  k = side " " net; n[k]++; t[k, n[k]] = ms; m[k] = rss > m[k] ? rss : m[k] }
	function median(k,   i, j, x, c) {
		c = n[k]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
			if (t[k, j] < t[k, i]) { x = t[k, i]; t[k, i] = t[k, j]; t[k, j] = x }
		return c % 2 ? t[k, (c + 1) / 2] : (t[k, c / 2] + t[k, c / 2 + 1]) / 2 }
	END {
		printf "\nsummary over %d rounds (medians over rounds; a round runs both sides back to back)\n", n["dcanas nb201"]
		printf "%-6s %14s %15s %7s %13s %22s\n", "net", "dcanas ms/step", "PyTorch ms/step", "ratio", "round ratio", "peak RSS dcanas/torch"
		split("nb201 darts", nets, " ")
		for (i = 1; i <= 2; i++) {
			d = "dcanas " nets[i]; p = "pytorch " nets[i]
			# each round s ratio, before median() sorts the times
			for (r = 1; r <= n[d]; r++) t["ratio " nets[i], r] = t[d, r] / t[p, r]
			n["ratio " nets[i]] = n[d]
			q = median("ratio " nets[i]); a = median(d); b = median(p)
			printf "%-6s %14.1f %15.1f %6.2fx %12.2fx %15s / %s MiB\n", nets[i], a, b, a / b, q, m[d], m[p] }
	}' "$log"
