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
cc=${CC:-cc}
$cc -std=gnu11 -O2 -fopenmp -I. -Iinclude $(pkg-config --cflags openblas jansson) \
	bench/bench_step.c -L.libs -ldcanas $(pkg-config --libs jansson) -o bench/bench_step
. bench/bench_env.sh
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
awk "$AWK_MEDIAN"'
	{ side = $1; net = $(side == "pytorch" ? 3 : 2)
	  for (i = 1; i <= NF; i++) {
		if ($i == "ms/step") ms = $(i - 1)
		if ($i == "RSS") rss = $(i + 1) }
	  k = side " " net; n[k]++; t[k, n[k]] = ms; m[k] = rss > m[k] ? rss : m[k] }
	END {
		printf "\nsummary over %d rounds (medians over rounds; a round runs both sides back to back)\n", n["dcanas nb201"]
		printf "%-6s %14s %15s %7s %13s %22s\n", "net", "dcanas ms/step", "PyTorch ms/step", "ratio", "round ratio", "peak RSS dcanas/torch"
		split("nb201 darts", nets, " ")
		for (i = 1; i <= 2; i++) {
			d = "dcanas " nets[i]; p = "pytorch " nets[i]
			# each round s ratio, before median() sorts the times
			for (r = 1; r <= n[d]; r++) t["ratio " nets[i], r] = t[d, r] / t[p, r]
			q = median(t, "ratio " nets[i], n[d]); a = median(t, d, n[d]); b = median(t, p, n[p])
			printf "%-6s %14.1f %15.1f %6.2fx %12.2fx %15s / %s MiB\n", nets[i], a, b, a / b, q, m[d], m[p] }
	}' "$log"
